-- Products (per business), their barcodes and warehouse mappings; stock balances and the
-- append-only stock ledger.

CREATE TABLE products (
    id                       INTEGER PRIMARY KEY AUTOINCREMENT,
    business_id              BIGINT NOT NULL REFERENCES businesses(id),
    sku                      TEXT NOT NULL,
    name                     TEXT NOT NULL,
    status                   TEXT NOT NULL DEFAULT 'NEW',
    brand_id                 BIGINT REFERENCES brands(id),
    product_type             TEXT NOT NULL,
    product_unit             TEXT,
    weight                   DOUBLE PRECISION NOT NULL,
    length                   DOUBLE PRECISION NOT NULL,
    width                    DOUBLE PRECISION NOT NULL,
    height                   DOUBLE PRECISION NOT NULL,
    product_size             TEXT,
    product_color            TEXT,
    -- Minor units (hundredths) of `currency`.
    price_minor              BIGINT,
    currency                 TEXT NOT NULL DEFAULT 'VND',
    product_image_url_main   TEXT,
    product_image_url_secondary TEXT,
    -- JSON array of strings.
    product_characteristics  TEXT NOT NULL DEFAULT '[]',
    min_stock_warning        BIGINT,
    storage_method           TEXT,
    inventory_tracking_type  TEXT NOT NULL DEFAULT 'NONE',
    outbound_strategy        TEXT,
    shelf_life               BIGINT,
    min_shelf_life_inbound   BIGINT,
    min_shelf_life_outbound  BIGINT,
    created_time             BIGINT NOT NULL,
    updated_time             BIGINT NOT NULL,
    CONSTRAINT products_business_sku_key UNIQUE (business_id, sku)
);
CREATE INDEX products_business_created ON products(business_id, created_time DESC, id DESC);

CREATE TABLE product_barcodes (
    business_id  BIGINT NOT NULL,
    barcode      TEXT NOT NULL,
    product_id   BIGINT NOT NULL REFERENCES products(id),
    position     BIGINT NOT NULL,
    CONSTRAINT product_barcodes_key PRIMARY KEY (business_id, barcode)
);
CREATE INDEX product_barcodes_product ON product_barcodes(product_id);

CREATE TABLE product_warehouses (
    product_id    BIGINT NOT NULL REFERENCES products(id),
    warehouse_id  BIGINT NOT NULL REFERENCES warehouses(id),
    created_time  BIGINT NOT NULL,
    CONSTRAINT product_warehouses_key PRIMARY KEY (product_id, warehouse_id)
);

-- One row per (business, warehouse, product, stock level). The CHECK is the last line of
-- defence for the invariant: no level is ever negative and reserved never exceeds on hand.
CREATE TABLE stock_balances (
    business_id   BIGINT NOT NULL,
    warehouse_id  BIGINT NOT NULL REFERENCES warehouses(id),
    product_id    BIGINT NOT NULL REFERENCES products(id),
    stock_level   TEXT NOT NULL,
    on_hand       BIGINT NOT NULL DEFAULT 0,
    reserved      BIGINT NOT NULL DEFAULT 0,
    updated_time  BIGINT NOT NULL,
    PRIMARY KEY (business_id, warehouse_id, product_id, stock_level),
    CONSTRAINT stock_balances_non_negative CHECK (on_hand >= 0 AND reserved >= 0 AND reserved <= on_hand)
);
CREATE INDEX stock_balances_product ON stock_balances(product_id);

-- Append-only: every change of a balance, so the deltas always sum to the balance.
CREATE TABLE stock_ledger (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    business_id     BIGINT NOT NULL,
    warehouse_id    BIGINT NOT NULL,
    product_id      BIGINT NOT NULL,
    stock_level     TEXT NOT NULL,
    movement_type   TEXT NOT NULL,
    on_hand_delta   BIGINT NOT NULL,
    reserved_delta  BIGINT NOT NULL,
    reference_code  TEXT NOT NULL,
    reason          TEXT,
    is_abnormal     BIGINT NOT NULL DEFAULT 0,
    created_time    BIGINT NOT NULL
);
CREATE INDEX stock_ledger_balance ON stock_ledger(business_id, warehouse_id, product_id, stock_level);
CREATE INDEX stock_ledger_reference ON stock_ledger(reference_code);
