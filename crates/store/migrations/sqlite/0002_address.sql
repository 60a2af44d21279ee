-- The Vietnamese administrative directory. Rows are loaded from the CSV files shipped in
-- crates/store/data/address by Db::migrate, right after the migrations.
CREATE TABLE provinces (
    code  TEXT PRIMARY KEY,
    name  TEXT NOT NULL
);
CREATE TABLE districts (
    code          TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    province_code TEXT NOT NULL REFERENCES provinces(code)
);
CREATE INDEX districts_province ON districts(province_code);
CREATE TABLE wards (
    code          TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    district_code TEXT NOT NULL REFERENCES districts(code)
);
CREATE INDEX wards_district ON wards(district_code);
