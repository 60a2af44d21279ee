-- Inbound purchase orders (packages of product lines) and B2C return shipments.
CREATE TABLE purchase_orders (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    business_id            BIGINT NOT NULL REFERENCES businesses(id),
    warehouse_id           BIGINT NOT NULL REFERENCES warehouses(id),
    merchant_po_reference  TEXT NOT NULL,
    status                 BIGINT NOT NULL,
    status_time            BIGINT NOT NULL,
    -- JSON arrays.
    vas                    TEXT NOT NULL DEFAULT '[]',
    po_documents           TEXT NOT NULL DEFAULT '[]',
    estimated_arrival_time BIGINT,
    note                   TEXT,
    received_time          BIGINT,
    completed_time         BIGINT,
    cancelled_time         BIGINT,
    created_time           BIGINT NOT NULL,
    updated_time           BIGINT NOT NULL,
    CONSTRAINT purchase_orders_business_reference_key UNIQUE (business_id, merchant_po_reference)
);
CREATE INDEX purchase_orders_business_created ON purchase_orders(business_id, created_time DESC, id DESC);

CREATE TABLE po_packages (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    po_id         BIGINT NOT NULL REFERENCES purchase_orders(id),
    package_code  TEXT NOT NULL,
    weight        DOUBLE PRECISION,
    length        DOUBLE PRECISION,
    width         DOUBLE PRECISION,
    height        DOUBLE PRECISION,
    package_note  TEXT,
    position      BIGINT NOT NULL
);
CREATE INDEX po_packages_po ON po_packages(po_id);

-- One row per package x product; the receiving columns stay NULL until the PO is received.
CREATE TABLE po_lines (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    po_id               BIGINT NOT NULL REFERENCES purchase_orders(id),
    package_id          BIGINT NOT NULL REFERENCES po_packages(id),
    product_id          BIGINT NOT NULL REFERENCES products(id),
    sku                 TEXT NOT NULL,
    product_quantity    BIGINT NOT NULL,
    position            BIGINT NOT NULL,
    inbound_quantity    BIGINT,
    putaway_quantity    BIGINT,
    stock_level         TEXT,
    batch_lot_code      TEXT,
    manufacturing_date  TEXT,
    expiry_date         TEXT
);
CREATE INDEX po_lines_po ON po_lines(po_id);

CREATE TABLE return_shipments (
    id                                       INTEGER PRIMARY KEY AUTOINCREMENT,
    business_id                              BIGINT NOT NULL REFERENCES businesses(id),
    warehouse_id                             BIGINT NOT NULL REFERENCES warehouses(id),
    shipment_id                              BIGINT NOT NULL REFERENCES shipments(id),
    merchant_return_tracking_code_reference  TEXT NOT NULL,
    partner_tracking_code                    TEXT,
    return_courier_tracking_code             TEXT,
    status                                   BIGINT NOT NULL,
    status_time                              BIGINT NOT NULL,
    note                                     TEXT,
    received_time                            BIGINT,
    cancelled_time                           BIGINT,
    created_time                             BIGINT NOT NULL,
    updated_time                             BIGINT NOT NULL,
    CONSTRAINT return_shipments_business_reference_key UNIQUE (business_id, merchant_return_tracking_code_reference)
);
CREATE INDEX return_shipments_business_created ON return_shipments(business_id, created_time DESC, id DESC);
CREATE INDEX return_shipments_shipment ON return_shipments(shipment_id);

CREATE TABLE return_lines (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    return_id          BIGINT NOT NULL REFERENCES return_shipments(id),
    product_id         BIGINT NOT NULL REFERENCES products(id),
    sku                TEXT NOT NULL,
    product_quantity   BIGINT NOT NULL,
    position           BIGINT NOT NULL
);
CREATE INDEX return_lines_return ON return_lines(return_id);

-- What the warehouse found, by grade: a returned line may come back partly sellable.
CREATE TABLE return_receipts (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    return_id          BIGINT NOT NULL REFERENCES return_shipments(id),
    product_id         BIGINT NOT NULL REFERENCES products(id),
    stock_level        TEXT NOT NULL,
    received_quantity  BIGINT NOT NULL
);
CREATE INDEX return_receipts_return ON return_receipts(return_id);
