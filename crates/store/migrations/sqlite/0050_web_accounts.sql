-- The web faces: portal users (a business's people), operator accounts, sessions kept in the
-- database, sign-in throttling, and what the pages show about keys and webhooks.

-- API_USER integrates by API; OMS_USER also runs its orders in the portal.
ALTER TABLE businesses ADD COLUMN customer_type TEXT NOT NULL DEFAULT 'API_USER';

-- Written at most about once a minute per key (see depot_api::key_cache).
ALTER TABLE api_keys ADD COLUMN last_used_time BIGINT;

-- An event meant for one subscription only (the portal's "Send test event"); NULL for the
-- events every matching subscription receives.
ALTER TABLE events ADD COLUMN target_endpoint_id BIGINT;

-- A business's people. Emails are stored lower-cased and are unique platform-wide: an email is
-- one account.
CREATE TABLE users (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    business_id            BIGINT NOT NULL REFERENCES businesses(id),
    email                  TEXT NOT NULL,
    contact_name           TEXT NOT NULL,
    phone                  TEXT NOT NULL,
    -- Argon2id, PHC string format.
    password_hash          TEXT NOT NULL,
    -- OWNER (the account that registered the business).
    role                   TEXT NOT NULL,
    -- 1 after `depot user reset-password`: the one-time password must be changed at sign-in.
    must_change_password   BIGINT NOT NULL DEFAULT 0,
    created_time           BIGINT NOT NULL,
    updated_time           BIGINT NOT NULL,
    CONSTRAINT users_email_key UNIQUE (email)
);
CREATE INDEX users_business ON users(business_id);

-- The warehouse's people and customer support.
CREATE TABLE operators (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    email                  TEXT NOT NULL,
    password_hash          TEXT NOT NULL,
    -- ADMIN, SUPERVISOR or FLOOR.
    role                   TEXT NOT NULL,
    must_change_password   BIGINT NOT NULL DEFAULT 1,
    created_time           BIGINT NOT NULL,
    updated_time           BIGINT NOT NULL,
    CONSTRAINT operators_email_key UNIQUE (email)
);

-- The warehouses a supervisor or floor operator works in (an admin has all of them).
CREATE TABLE operator_warehouses (
    operator_id     BIGINT NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
    warehouse_code  TEXT NOT NULL,
    PRIMARY KEY (operator_id, warehouse_code)
);

-- Web sessions. The cookie carries a random id; only its SHA-256 is stored. `account` names
-- who is signed in (`user:<id>` / `operator:<id>`), so every session of an account can be
-- ended at once (password reset). Read on every request, never cached: a deleted row is a
-- signed-out browser on every process at once.
CREATE TABLE web_sessions (
    id_hash       TEXT PRIMARY KEY,
    data          TEXT NOT NULL,
    account       TEXT,
    expires_time  BIGINT NOT NULL
);
CREATE INDEX web_sessions_account ON web_sessions(account);
CREATE INDEX web_sessions_expires ON web_sessions(expires_time);

-- Failed sign-ins per account (`portal:<email>` / `console:<email>`), kept 15 minutes, and
-- the lock five of them within 15 minutes put on the account.
CREATE TABLE login_failures (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    account     TEXT NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX login_failures_account ON login_failures(account, at);
CREATE INDEX login_failures_at ON login_failures(at);

CREATE TABLE login_locks (
    account       TEXT PRIMARY KEY,
    locked_until  BIGINT NOT NULL
);
