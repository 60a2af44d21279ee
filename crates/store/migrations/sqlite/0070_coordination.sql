-- Many processes on one database (SPEC §12): what they share besides the data itself.
-- See crates/store/src/coordination.rs and the PostgreSQL migration of the same number.
-- SQLite has no NOTIFY: processes (the server, the CLI) see invalidations by polling.

CREATE TABLE invalidations (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    topic  TEXT NOT NULL,
    at_us  BIGINT NOT NULL DEFAULT (CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER))
);
CREATE INDEX invalidations_at ON invalidations(at_us);

CREATE TRIGGER api_keys_invalidate_update AFTER UPDATE ON api_keys
WHEN OLD.revoked_time IS NOT NEW.revoked_time OR OLD.token_hash <> NEW.token_hash
     OR OLD.business_id <> NEW.business_id
BEGIN
    INSERT INTO invalidations (topic) VALUES ('api_key:' || OLD.key_id);
END;
CREATE TRIGGER api_keys_invalidate_delete AFTER DELETE ON api_keys
BEGIN
    INSERT INTO invalidations (topic) VALUES ('api_key:' || OLD.key_id);
END;

CREATE TRIGGER businesses_invalidate_update AFTER UPDATE ON businesses
WHEN OLD.status IS NOT NEW.status
BEGIN
    INSERT INTO invalidations (topic) VALUES ('business:' || OLD.id);
END;
CREATE TRIGGER businesses_invalidate_delete AFTER DELETE ON businesses
BEGIN
    INSERT INTO invalidations (topic) VALUES ('business:' || OLD.id);
END;

CREATE TRIGGER webhook_endpoints_invalidate_insert AFTER INSERT ON webhook_endpoints
BEGIN
    INSERT INTO invalidations (topic) VALUES ('webhook_endpoint:' || NEW.id);
END;
CREATE TRIGGER webhook_endpoints_invalidate_update AFTER UPDATE ON webhook_endpoints
WHEN OLD.url <> NEW.url OR OLD.secret <> NEW.secret OR OLD.status <> NEW.status
     OR OLD.all_events <> NEW.all_events OR OLD.language <> NEW.language
BEGIN
    INSERT INTO invalidations (topic) VALUES ('webhook_endpoint:' || OLD.id);
END;
CREATE TRIGGER webhook_endpoints_invalidate_delete AFTER DELETE ON webhook_endpoints
BEGIN
    INSERT INTO invalidations (topic) VALUES ('webhook_endpoint:' || OLD.id);
END;

CREATE TABLE job_leases (
    name            TEXT PRIMARY KEY,
    owner           TEXT NOT NULL,
    epoch           BIGINT NOT NULL,
    lease_until_us  BIGINT NOT NULL,
    acquired_us     BIGINT NOT NULL,
    runs            BIGINT NOT NULL DEFAULT 0,
    last_run_us     BIGINT
);

CREATE TABLE jobs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT NOT NULL,
    business_id     BIGINT,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'QUEUED',
    attempts        BIGINT NOT NULL DEFAULT 0,
    max_attempts    BIGINT NOT NULL,
    run_after       BIGINT NOT NULL,
    lease_token     TEXT,
    lease_until_us  BIGINT,
    error           TEXT,
    created_time    BIGINT NOT NULL,
    finished_time   BIGINT
);
CREATE INDEX jobs_due ON jobs(kind, run_after, id) WHERE status IN ('QUEUED', 'RUNNING');

-- Unused on SQLite (one process keeps its limiter in memory); here so both schemas match.
CREATE TABLE rate_limit_state (
    limit_key  TEXT PRIMARY KEY,
    tat_us     BIGINT NOT NULL,
    -- How many requests the last statement granted (for the caller to read back).
    granted    BIGINT NOT NULL
);
