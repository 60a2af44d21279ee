-- The warehouse floor (SPEC §11): waves of released shipments and courier handover manifests.
-- A shipment is released in at most one wave and lies on at most one manifest: the primary
-- keys on shipment_id say so, beside the guarded status moves that decide who wins a race.
CREATE TABLE waves (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    warehouse_id  BIGINT NOT NULL REFERENCES warehouses(id),
    created_by    TEXT NOT NULL,
    created_time  BIGINT NOT NULL
);
CREATE INDEX waves_warehouse ON waves(warehouse_id, created_time, id);
CREATE INDEX waves_created ON waves(created_time, id);

CREATE TABLE wave_shipments (
    shipment_id  BIGINT PRIMARY KEY REFERENCES shipments(id),
    wave_id      BIGINT NOT NULL REFERENCES waves(id),
    position     BIGINT NOT NULL
);
CREATE INDEX wave_shipments_wave ON wave_shipments(wave_id, position);

CREATE TABLE manifests (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    warehouse_id  BIGINT NOT NULL REFERENCES warehouses(id),
    courier_name  TEXT NOT NULL,
    status        TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_time  BIGINT NOT NULL,
    updated_time  BIGINT NOT NULL,
    closed_by     TEXT,
    closed_time   BIGINT,
    CONSTRAINT manifests_status_check CHECK (status IN ('OPEN', 'CLOSED'))
);
CREATE INDEX manifests_warehouse ON manifests(warehouse_id, created_time, id);
CREATE INDEX manifests_created ON manifests(created_time, id);

CREATE TABLE manifest_parcels (
    shipment_id   BIGINT PRIMARY KEY REFERENCES shipments(id),
    manifest_id   BIGINT NOT NULL REFERENCES manifests(id),
    position      BIGINT NOT NULL,
    added_time    BIGINT NOT NULL
);
CREATE INDEX manifest_parcels_manifest ON manifest_parcels(manifest_id, position);
