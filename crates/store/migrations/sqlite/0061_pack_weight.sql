-- The parcel's weight as the pack station weighed it (SPEC §11), in whole grams, for the
-- shipping label and the courier manifest. NULL until packed (and for parcels packed before
-- this column existed, whose weight is only in the PACKED history note).
ALTER TABLE shipments ADD COLUMN packed_weight_grams BIGINT
    CONSTRAINT shipments_packed_weight_check
    CHECK (packed_weight_grams IS NULL OR (packed_weight_grams > 0 AND packed_weight_grams <= 1000000));
