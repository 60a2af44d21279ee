-- How many shipments each business created on each day that are now in each status, so the
-- portal dashboard's 7 days read a handful of rows instead of every shipment of the week.
-- The day is the pages' clock (UTC+7, as the dashboard's "today"):
-- `(created_time + 25200) / 86400`, days since 1970-01-01 there.
-- As `shipment_counts` since 0010: each statement that changes shipments appends its net
-- change per business, day and status as new rows (`delta`), so writers never wait for one
-- another here; `Db::fold_shipment_counts` folds a key's rows back into one (not a delta),
-- reading only the delta rows, so folding stays cheap however many days are stored.
CREATE TABLE shipment_day_counts (
    business_id BIGINT NOT NULL,
    day         BIGINT NOT NULL,
    status      BIGINT NOT NULL,
    n           BIGINT NOT NULL,
    delta       BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE INDEX shipment_day_counts_business ON shipment_day_counts(business_id, day, status) INCLUDE (n);
CREATE INDEX shipment_day_counts_deltas ON shipment_day_counts(business_id, day, status) WHERE delta;

INSERT INTO shipment_day_counts (business_id, day, status, n, delta)
SELECT business_id, (created_time + 25200) / 86400, status, COUNT(*), FALSE FROM shipments
GROUP BY business_id, (created_time + 25200) / 86400, status;

CREATE FUNCTION shipments_day_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO shipment_day_counts (business_id, day, status, n)
        SELECT business_id, (created_time + 25200) / 86400, status, COUNT(*) FROM new_rows
        GROUP BY 1, 2, 3;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO shipment_day_counts (business_id, day, status, n)
        SELECT business_id, (created_time + 25200) / 86400, status, -COUNT(*) FROM old_rows
        GROUP BY 1, 2, 3;
    ELSE
        -- Most updates leave the status (and the day) alone: they cancel out and add nothing.
        INSERT INTO shipment_day_counts (business_id, day, status, n)
        SELECT business_id, day, status, SUM(n) FROM (
            SELECT business_id, (created_time + 25200) / 86400 AS day, status, -1 AS n
            FROM old_rows
            UNION ALL
            SELECT business_id, (created_time + 25200) / 86400 AS day, status, 1 AS n
            FROM new_rows
        ) AS changes
        GROUP BY business_id, day, status
        HAVING SUM(n) <> 0;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER shipments_day_count_insert AFTER INSERT ON shipments
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION shipments_day_count();

CREATE TRIGGER shipments_day_count_update AFTER UPDATE ON shipments
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION shipments_day_count();

CREATE TRIGGER shipments_day_count_delete AFTER DELETE ON shipments
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION shipments_day_count();
