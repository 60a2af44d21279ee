-- Customer support (SPEC §11): why a business was rejected or suspended, and who changed its
-- status when. The latest note is on the business; every change is in the history.

ALTER TABLE businesses ADD COLUMN status_note TEXT;

CREATE TABLE business_status_history (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    business_id   BIGINT NOT NULL REFERENCES businesses(id),
    from_status   TEXT NOT NULL,
    status        TEXT NOT NULL,
    note          TEXT,
    actor         TEXT NOT NULL,
    created_time  BIGINT NOT NULL
);
CREATE INDEX business_status_history_business ON business_status_history(business_id, id);
CREATE INDEX businesses_status ON businesses(status, created_time);
