-- Evidence media (SPEC §9): packing and return-inspection videos and photos. The bytes live in
-- the file storage under storage_key, written in full and renamed into place before this row
-- is inserted; token is the random, unguessable part of the public URL /media/{token}/{name}.
-- A row belongs to exactly one shipment or one return.
CREATE TABLE media (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    business_id       BIGINT NOT NULL REFERENCES businesses(id),
    shipment_id       BIGINT REFERENCES shipments(id),
    return_id         BIGINT REFERENCES return_shipments(id),
    kind              TEXT NOT NULL,
    token             TEXT NOT NULL,
    file_name         TEXT NOT NULL,
    content_type      TEXT NOT NULL,
    size              BIGINT NOT NULL,
    sha256            TEXT NOT NULL,
    recorded_time     BIGINT,
    duration_seconds  REAL,
    station           TEXT,
    storage_key       TEXT NOT NULL,
    created_time      BIGINT NOT NULL,
    CONSTRAINT media_token_key UNIQUE (token),
    CONSTRAINT media_kind_check CHECK (kind IN ('PACKING', 'RETURN_INSPECTION', 'PHOTO')),
    CONSTRAINT media_owner_check CHECK ((shipment_id IS NULL) <> (return_id IS NULL))
);
CREATE INDEX media_shipment ON media(shipment_id, created_time, id);
CREATE INDEX media_return ON media(return_id, created_time, id);
-- Retention deletes the oldest first.
CREATE INDEX media_created ON media(created_time, id);
