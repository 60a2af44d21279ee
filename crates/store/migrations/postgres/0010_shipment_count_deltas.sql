-- Shipment counts without row locks. In 0009 every writer updated shared counter rows at
-- commit, one shipment at a time; two transactions reaching the same rows in different
-- orders (a bulk cancel's shipments, a partial cancel and its successor) could deadlock.
-- Now each statement that changes shipments appends its net change per business and
-- status as new rows, so writers never wait for one another here. A list's total still
-- sums a business's rows; the server folds them back into one row per business and status
-- every few seconds (`Db::fold_shipment_counts`), which keeps that sum short.
DROP TRIGGER shipments_count ON shipments;
DROP FUNCTION shipments_count();
ALTER TABLE shipment_counts DROP CONSTRAINT shipment_counts_pkey;
ALTER TABLE shipment_counts DROP COLUMN slot;
CREATE INDEX shipment_counts_business ON shipment_counts(business_id, status) INCLUDE (n);

CREATE FUNCTION shipments_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO shipment_counts (business_id, status, n)
        SELECT business_id, status, COUNT(*) FROM new_rows GROUP BY business_id, status;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO shipment_counts (business_id, status, n)
        SELECT business_id, status, -COUNT(*) FROM old_rows GROUP BY business_id, status;
    ELSE
        -- Most updates leave the status alone: their changes cancel out and add nothing.
        INSERT INTO shipment_counts (business_id, status, n)
        SELECT business_id, status, SUM(n) FROM (
            SELECT business_id, status, -1 AS n FROM old_rows
            UNION ALL
            SELECT business_id, status, 1 AS n FROM new_rows
        ) AS changes
        GROUP BY business_id, status
        HAVING SUM(n) <> 0;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER shipments_count_insert AFTER INSERT ON shipments
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION shipments_count();

CREATE TRIGGER shipments_count_update AFTER UPDATE ON shipments
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION shipments_count();

CREATE TRIGGER shipments_count_delete AFTER DELETE ON shipments
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION shipments_count();
