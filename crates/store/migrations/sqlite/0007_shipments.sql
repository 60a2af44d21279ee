-- B2C shipments, their lines and status history.
CREATE TABLE shipments (
    id                               INTEGER PRIMARY KEY AUTOINCREMENT,
    business_id                      BIGINT NOT NULL REFERENCES businesses(id),
    warehouse_id                     BIGINT NOT NULL REFERENCES warehouses(id),
    merchant_tracking_code_reference TEXT NOT NULL,
    courier_tracking_code            TEXT,
    courier_name                     TEXT,
    shipping_label_url               TEXT,
    platform                         TEXT NOT NULL,
    -- The status value of SPEC §2.1 and when it was reached.
    status                           BIGINT NOT NULL,
    status_time                      BIGINT NOT NULL,
    -- JSON object or NULL.
    receiver                         TEXT,
    cod_amount_minor                 BIGINT,
    note                             TEXT,
    allocated_time                   BIGINT,
    picked_time                      BIGINT,
    packed_time                      BIGINT,
    handover_time                    BIGINT,
    delivered_time                   BIGINT,
    cancelled_time                   BIGINT,
    cancel_reason_code               TEXT,
    cancel_reason_note               TEXT,
    -- A partial cancel closes a shipment and opens its successor.
    supersedes_id                    BIGINT REFERENCES shipments(id),
    superseded_by_id                 BIGINT REFERENCES shipments(id),
    created_time                     BIGINT NOT NULL,
    updated_time                     BIGINT NOT NULL
);
-- A merchant reference names one order: unique among the shipments a merchant created;
-- successors of a partial cancel carry their original's reference.
CREATE UNIQUE INDEX shipments_business_reference_key
    ON shipments(business_id, merchant_tracking_code_reference) WHERE supersedes_id IS NULL;
CREATE INDEX shipments_business_reference ON shipments(business_id, merchant_tracking_code_reference);
CREATE INDEX shipments_business_created ON shipments(business_id, created_time DESC, id DESC);
CREATE INDEX shipments_business_status ON shipments(business_id, status, created_time DESC, id DESC);
CREATE INDEX shipments_waiting ON shipments(business_id, warehouse_id, status);
CREATE INDEX shipments_courier_code ON shipments(business_id, courier_tracking_code);

CREATE TABLE shipment_lines (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    shipment_id         BIGINT NOT NULL REFERENCES shipments(id),
    product_id          BIGINT NOT NULL REFERENCES products(id),
    sku                 TEXT NOT NULL,
    product_quantity    BIGINT NOT NULL,
    cancelled_quantity  BIGINT NOT NULL DEFAULT 0,
    position            BIGINT NOT NULL
);
CREATE INDEX shipment_lines_shipment ON shipment_lines(shipment_id);
CREATE INDEX shipment_lines_product ON shipment_lines(product_id);

CREATE TABLE shipment_history (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    shipment_id   BIGINT NOT NULL REFERENCES shipments(id),
    status        BIGINT NOT NULL,
    actor         TEXT NOT NULL,
    note          TEXT,
    created_time  BIGINT NOT NULL
);
CREATE INDEX shipment_history_shipment ON shipment_history(shipment_id, id);
