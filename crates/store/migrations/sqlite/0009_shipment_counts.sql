-- How many shipments each business has in each status, kept by triggers in the writing
-- transaction, so a list's `total` sums a few rows instead of counting every shipment.
-- Each status is spread over 16 slots (by shipment id) so that concurrent writers on
-- PostgreSQL seldom wait for the same row; SQLite uses the same layout.
CREATE TABLE shipment_counts (
    business_id BIGINT NOT NULL,
    status      BIGINT NOT NULL,
    slot        BIGINT NOT NULL,
    n           BIGINT NOT NULL,
    PRIMARY KEY (business_id, status, slot)
);

INSERT INTO shipment_counts (business_id, status, slot, n)
SELECT business_id, status, id % 16, COUNT(*) FROM shipments GROUP BY business_id, status, id % 16;

CREATE TRIGGER shipments_count_insert AFTER INSERT ON shipments
BEGIN
    INSERT INTO shipment_counts (business_id, status, slot, n)
    VALUES (NEW.business_id, NEW.status, NEW.id % 16, 1)
    ON CONFLICT (business_id, status, slot) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER shipments_count_update AFTER UPDATE OF status ON shipments
WHEN OLD.status <> NEW.status
BEGIN
    UPDATE shipment_counts SET n = n - 1
    WHERE business_id = OLD.business_id AND status = OLD.status AND slot = OLD.id % 16;
    INSERT INTO shipment_counts (business_id, status, slot, n)
    VALUES (NEW.business_id, NEW.status, NEW.id % 16, 1)
    ON CONFLICT (business_id, status, slot) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER shipments_count_delete AFTER DELETE ON shipments
BEGIN
    UPDATE shipment_counts SET n = n - 1
    WHERE business_id = OLD.business_id AND status = OLD.status AND slot = OLD.id % 16;
END;
