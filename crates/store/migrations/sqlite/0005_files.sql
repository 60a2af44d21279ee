-- Files merchants upload (and documents Depot renders for them). The bytes live in the file
-- storage (a local directory by default) under storage_key; this row is their metadata.
-- token is the random, unguessable part of the public URL /files/{token}/{file_name}.
CREATE TABLE files (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    business_id   BIGINT NOT NULL REFERENCES businesses(id),
    token         TEXT NOT NULL,
    file_name     TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          BIGINT NOT NULL,
    storage_key   TEXT NOT NULL,
    created_time  BIGINT NOT NULL,
    CONSTRAINT files_token_key UNIQUE (token)
);
CREATE INDEX files_business ON files(business_id, id);
