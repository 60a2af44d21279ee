-- How many shipments each business created on each day that are now in each status, kept by
-- triggers in the writing transaction, so the portal dashboard's 7 days read a handful of
-- rows instead of every shipment of the week. The day is the pages' clock (UTC+7, as the
-- dashboard's "today"): `(created_time + 25200) / 86400`, days since 1970-01-01 there.
-- SQLite has one writer, so the rows are updated in place (as `shipment_counts`).
CREATE TABLE shipment_day_counts (
    business_id BIGINT NOT NULL,
    day         BIGINT NOT NULL,
    status      BIGINT NOT NULL,
    n           BIGINT NOT NULL,
    PRIMARY KEY (business_id, day, status)
);

INSERT INTO shipment_day_counts (business_id, day, status, n)
SELECT business_id, (created_time + 25200) / 86400, status, COUNT(*) FROM shipments
GROUP BY business_id, (created_time + 25200) / 86400, status;

CREATE TRIGGER shipments_day_count_insert AFTER INSERT ON shipments
BEGIN
    INSERT INTO shipment_day_counts (business_id, day, status, n)
    VALUES (NEW.business_id, (NEW.created_time + 25200) / 86400, NEW.status, 1)
    ON CONFLICT (business_id, day, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER shipments_day_count_update AFTER UPDATE OF status, created_time, business_id ON shipments
WHEN OLD.status <> NEW.status OR OLD.created_time <> NEW.created_time
    OR OLD.business_id <> NEW.business_id
BEGIN
    UPDATE shipment_day_counts SET n = n - 1
    WHERE business_id = OLD.business_id AND day = (OLD.created_time + 25200) / 86400
    AND status = OLD.status;
    INSERT INTO shipment_day_counts (business_id, day, status, n)
    VALUES (NEW.business_id, (NEW.created_time + 25200) / 86400, NEW.status, 1)
    ON CONFLICT (business_id, day, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER shipments_day_count_delete AFTER DELETE ON shipments
BEGIN
    UPDATE shipment_day_counts SET n = n - 1
    WHERE business_id = OLD.business_id AND day = (OLD.created_time + 25200) / 86400
    AND status = OLD.status;
END;
