-- Webhooks (SPEC §3.7): subscriptions, the fan-out of outbox events into one delivery per
-- matching subscription, and the log of every HTTP attempt. Times are Unix seconds.

-- An event is fanned out once: the worker takes undispatched events (SKIP LOCKED on
-- PostgreSQL), creates their deliveries and marks them, in one transaction. A flag rather than
-- a cursor, because identity values may commit out of order on PostgreSQL.
ALTER TABLE events ADD COLUMN dispatched BIGINT NOT NULL DEFAULT 0;
CREATE INDEX events_undispatched ON events(id) WHERE dispatched = 0;

CREATE TABLE webhook_endpoints (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    business_id             BIGINT NOT NULL REFERENCES businesses(id),
    url                     TEXT NOT NULL,
    -- 1: every event code; 0: only the codes in webhook_endpoint_events.
    all_events              BIGINT NOT NULL,
    language                TEXT NOT NULL,
    -- whsec_ + base64. Kept in clear: signing needs it.
    secret                  TEXT NOT NULL,
    -- After a rotation the old secret also signs until previous_secret_expires.
    previous_secret         TEXT,
    previous_secret_expires BIGINT,
    -- ENABLED or DISABLED; why: GONE (410 reply), FAILING (no success for days), MANUAL.
    status                  TEXT NOT NULL,
    disabled_reason         TEXT,
    disabled_time           BIGINT,
    -- First failure since the last success (NULL while healthy).
    failing_since           BIGINT,
    last_success_time       BIGINT,
    created_time            BIGINT NOT NULL,
    updated_time            BIGINT NOT NULL
);
CREATE INDEX webhook_endpoints_business ON webhook_endpoints(business_id, id);

CREATE TABLE webhook_endpoint_events (
    endpoint_id  BIGINT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    event_code   TEXT NOT NULL,
    PRIMARY KEY (endpoint_id, event_code)
);

-- One event for one subscription. status: PENDING (waiting for its next attempt),
-- SUCCEEDED, FAILED (schedule exhausted). A worker leases a row (lease_until, lease_token)
-- for the length of one HTTP attempt instead of holding a transaction open.
CREATE TABLE webhook_deliveries (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id        BIGINT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    business_id        BIGINT NOT NULL,
    event_id           BIGINT NOT NULL REFERENCES events(id),
    status             TEXT NOT NULL,
    attempt_count      BIGINT NOT NULL DEFAULT 0,
    next_attempt_time  BIGINT NOT NULL,
    lease_until        BIGINT,
    lease_token        TEXT,
    -- 1 when the next attempt was asked for by the merchant (manual retry).
    manual             BIGINT NOT NULL DEFAULT 0,
    last_attempt_time  BIGINT,
    last_http_status   BIGINT,
    created_time       BIGINT NOT NULL,
    updated_time       BIGINT NOT NULL,
    CONSTRAINT webhook_deliveries_endpoint_event_key UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_time, id)
    WHERE status = 'PENDING';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(endpoint_id, created_time, id);
CREATE INDEX webhook_deliveries_lease ON webhook_deliveries(lease_token);

-- Every HTTP attempt, for the delivery log.
CREATE TABLE webhook_attempts (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id       BIGINT NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    attempt           BIGINT NOT NULL,
    -- SCHEDULED or MANUAL.
    trigger_kind      TEXT NOT NULL,
    attempt_time      BIGINT NOT NULL,
    http_status       BIGINT,
    duration_ms       BIGINT NOT NULL,
    response_snippet  TEXT,
    error             TEXT
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_id, attempt);
