-- Intercept requests (SPEC §7): a merchant asks for a parcel the carrier already holds; the
-- carrier side confirms (the parcel turns back, 360 RETURNING) or fails it. One row per
-- request; a new one may follow a FAILED one.
CREATE TABLE shipment_intercepts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    shipment_id     BIGINT NOT NULL REFERENCES shipments(id),
    -- REQUESTED, CONFIRMED or FAILED.
    status          TEXT NOT NULL,
    reason_code     TEXT NOT NULL,
    reason_note     TEXT,
    -- The carrier side's answer (or `delivered` when the parcel was delivered first).
    note            TEXT,
    requested_by    TEXT NOT NULL,
    resolved_by     TEXT,
    requested_time  BIGINT NOT NULL,
    resolved_time   BIGINT
);
CREATE INDEX shipment_intercepts_shipment ON shipment_intercepts(shipment_id, id);
-- At most one open request per shipment, whatever races.
CREATE UNIQUE INDEX shipment_intercepts_open ON shipment_intercepts(shipment_id) WHERE status = 'REQUESTED';

-- The shipment's latest request and its status, kept in the same transaction as the request
-- row, so lists filter on `intercept_status` without a join.
ALTER TABLE shipments ADD COLUMN intercept_id BIGINT REFERENCES shipment_intercepts(id);
ALTER TABLE shipments ADD COLUMN intercept_status TEXT;
CREATE INDEX shipments_business_intercept
    ON shipments(business_id, intercept_status, created_time DESC, id DESC)
    WHERE intercept_status IS NOT NULL;
