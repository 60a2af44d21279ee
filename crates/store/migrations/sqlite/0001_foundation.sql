-- Tenants, credentials, the warehouse network and the idempotency log.
-- Times are Unix seconds. Public codes derive from the integer ids (see depot_domain::codes).

CREATE TABLE businesses (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL,
    email         TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'PENDING',
    created_time  BIGINT NOT NULL,
    updated_time  BIGINT NOT NULL
);

CREATE TABLE api_keys (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    business_id   BIGINT NOT NULL REFERENCES businesses(id),
    key_id        TEXT NOT NULL UNIQUE,
    token_hash    TEXT NOT NULL UNIQUE,
    created_time  BIGINT NOT NULL,
    revoked_time  BIGINT
);
CREATE INDEX api_keys_business ON api_keys(business_id);

CREATE TABLE ops_tokens (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash    TEXT NOT NULL UNIQUE,
    created_time  BIGINT NOT NULL,
    revoked_time  BIGINT
);

CREATE TABLE warehouses (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    warehouse_code TEXT NOT NULL,
    name           TEXT NOT NULL,
    address        TEXT NOT NULL,
    province_code  TEXT,
    district_code  TEXT,
    ward_code      TEXT,
    created_time   BIGINT NOT NULL,
    CONSTRAINT warehouses_code_key UNIQUE (warehouse_code)
);

CREATE TABLE brands (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL,
    created_time  BIGINT NOT NULL
);

-- One row per (business, Idempotency-Key). state: 'RUNNING' while the first request acts,
-- 'DONE' once its response is stored.
CREATE TABLE idempotency_keys (
    business_id     BIGINT NOT NULL,
    idempotency_key TEXT NOT NULL,
    fingerprint     TEXT NOT NULL,
    state           TEXT NOT NULL,
    response_status BIGINT,
    response_body   TEXT,
    created_time    BIGINT NOT NULL,
    PRIMARY KEY (business_id, idempotency_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys(created_time);
