-- How many shipments each business has in each status, kept by a trigger in the writing
-- transaction, so a list's `total` sums a few rows instead of counting every shipment.
-- Each status is spread over 16 slots (by shipment id), and the trigger runs at commit
-- (deferred), so concurrent writers seldom wait for the same row and hold it only briefly.
CREATE TABLE shipment_counts (
    business_id BIGINT NOT NULL,
    status      BIGINT NOT NULL,
    slot        BIGINT NOT NULL,
    n           BIGINT NOT NULL,
    PRIMARY KEY (business_id, status, slot)
);

INSERT INTO shipment_counts (business_id, status, slot, n)
SELECT business_id, status, id % 16, COUNT(*) FROM shipments GROUP BY business_id, status, id % 16;

CREATE FUNCTION shipments_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.status = NEW.status THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE shipment_counts SET n = n - 1
        WHERE business_id = OLD.business_id AND status = OLD.status AND slot = OLD.id % 16;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO shipment_counts (business_id, status, slot, n)
        VALUES (NEW.business_id, NEW.status, NEW.id % 16, 1)
        ON CONFLICT (business_id, status, slot) DO UPDATE SET n = shipment_counts.n + 1;
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER shipments_count
AFTER INSERT OR UPDATE OF status OR DELETE ON shipments
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION shipments_count();
