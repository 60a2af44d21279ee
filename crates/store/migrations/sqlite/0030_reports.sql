-- Reports and exports (SPEC §8). A report row is what the merchant sees (status, progress,
-- rows, the file behind its capability URL); the job that renders it is a row of `jobs`
-- (kind 'report'), enqueued in the same transaction. The file's bytes live in the file
-- storage under storage_key, renamed into place before the row says DONE; token is the
-- random part of its URL /reports/{token}/{file_name}.
CREATE TABLE reports (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    business_id    BIGINT NOT NULL REFERENCES businesses(id),
    report_type    TEXT NOT NULL,
    format         TEXT NOT NULL,
    -- The filters as validated, a JSON object.
    filters        TEXT NOT NULL,
    -- The request's language: the file's headers and labels.
    lang           TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'QUEUED',
    progress       BIGINT NOT NULL DEFAULT 0,
    row_count      BIGINT NOT NULL DEFAULT 0,
    job_id         BIGINT,
    token          TEXT,
    file_name      TEXT,
    storage_key    TEXT,
    size           BIGINT,
    error          TEXT,
    created_time   BIGINT NOT NULL,
    started_time   BIGINT,
    finished_time  BIGINT,
    expires_time   BIGINT,
    CONSTRAINT reports_token_key UNIQUE (token),
    CONSTRAINT reports_status_check CHECK (status IN ('QUEUED', 'RUNNING', 'DONE', 'FAILED'))
);
CREATE INDEX reports_business_created ON reports(business_id, created_time DESC, id DESC);
-- Retention deletes the expired ones.
CREATE INDEX reports_expires ON reports(expires_time);

-- The business's time zone: report times are written in it.
ALTER TABLE businesses ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'Asia/Ho_Chi_Minh';

-- Reports read a business's rows in id order, a page after the last id read (keyset), and
-- the stock ledger's movements by time.
CREATE INDEX shipments_business_id ON shipments(business_id, id);
CREATE INDEX return_shipments_business_id ON return_shipments(business_id, id);
CREATE INDEX purchase_orders_business_id ON purchase_orders(business_id, id);
CREATE INDEX stock_ledger_business_time ON stock_ledger(business_id, created_time, id);
