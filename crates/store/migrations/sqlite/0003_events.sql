-- The outbox: every change a merchant must hear about is recorded here in the same
-- transaction as the change itself. The webhook worker reads it later.
CREATE TABLE events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    business_id   BIGINT NOT NULL,
    event_code    TEXT NOT NULL,
    -- The Standard Webhooks `webhook-id` (and the payload's `instance_id`).
    instance_id   TEXT NOT NULL UNIQUE,
    -- The payload rendered in each language (labels differ), as JSON text.
    payload_vi    TEXT NOT NULL,
    payload_en    TEXT NOT NULL,
    created_time  BIGINT NOT NULL
);
CREATE INDEX events_business ON events(business_id, id);
