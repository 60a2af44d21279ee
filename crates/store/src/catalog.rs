//! The warehouse network and brands: created by operators, read by every merchant.

use crate::sql::Row;
use crate::{is_unique_violation, Db, Result};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Warehouse {
    #[serde(skip)]
    pub id: i64,
    pub warehouse_code: String,
    pub name: String,
    pub address: String,
    pub province_code: Option<String>,
    pub district_code: Option<String>,
    pub ward_code: Option<String>,
}

impl TryFrom<Row> for Warehouse {
    type Error = crate::StoreError;
    fn try_from(r: Row) -> Result<Self, crate::StoreError> {
        Ok(Warehouse {
            id: r.try_get("id")?,
            warehouse_code: r.try_get("warehouse_code")?,
            name: r.try_get("name")?,
            address: r.try_get("address")?,
            province_code: r.try_get("province_code")?,
            district_code: r.try_get("district_code")?,
            ward_code: r.try_get("ward_code")?,
        })
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Brand {
    pub id: i64,
    pub name: String,
}

/// What creating a warehouse can run into besides the database failing.
#[derive(Debug)]
pub enum NewWarehouse {
    Created(Warehouse),
    CodeTaken,
}

impl Db {
    pub async fn create_warehouse(&self, w: &Warehouse, now: i64) -> Result<NewWarehouse> {
        let res = crate::sql::query(
            "INSERT INTO warehouses (warehouse_code, name, address, province_code, district_code, \
             ward_code, created_time) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *",
        )
        .bind(&w.warehouse_code)
        .bind(&w.name)
        .bind(&w.address)
        .bind(&w.province_code)
        .bind(&w.district_code)
        .bind(&w.ward_code)
        .bind(now)
        .fetch_one(self.writer())
        .await;
        match res {
            Ok(row) => Ok(NewWarehouse::Created(Warehouse::try_from(row)?)),
            Err(e)
                if is_unique_violation(&e, "warehouses_code_key", "warehouses.warehouse_code") =>
            {
                Ok(NewWarehouse::CodeTaken)
            }
            Err(e) => Err(e),
        }
    }

    pub async fn warehouses(&self) -> Result<Vec<Warehouse>> {
        let rows = crate::sql::query("SELECT * FROM warehouses ORDER BY warehouse_code")
            .fetch_all(self.reader())
            .await?;
        rows.into_iter()
            .map(Warehouse::try_from)
            .collect::<Result<_, _>>()
    }

    pub async fn warehouse_by_code(&self, code: &str) -> Result<Option<Warehouse>> {
        let row = crate::sql::query("SELECT * FROM warehouses WHERE warehouse_code = $1")
            .bind(code)
            .fetch_optional(self.reader())
            .await?;
        row.map(Warehouse::try_from).transpose()
    }

    pub async fn create_brand(&self, name: &str, now: i64) -> Result<Brand> {
        let row = crate::sql::query(
            "INSERT INTO brands (name, created_time) VALUES ($1, $2) RETURNING id, name",
        )
        .bind(name)
        .bind(now)
        .fetch_one(self.writer())
        .await?;
        Ok(Brand {
            id: row.try_get("id")?,
            name: row.try_get("name")?,
        })
    }

    /// Brands whose name contains `keyword` (case-insensitive), all when it is empty.
    pub async fn brands(&self, keyword: Option<&str>) -> Result<Vec<Brand>> {
        let pattern = keyword
            .filter(|k| !k.is_empty())
            .map(|k| format!("%{}%", k.to_lowercase()));
        let rows = crate::sql::query(
            "SELECT id, name FROM brands WHERE ($1 IS NULL OR LOWER(name) LIKE $1) ORDER BY name, id",
        )
        .bind(pattern)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Brand {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                })
            })
            .collect()
    }

    pub async fn brand(&self, id: i64) -> Result<Option<Brand>> {
        let row = crate::sql::query("SELECT id, name FROM brands WHERE id = $1")
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        row.map(|r| {
            Ok(Brand {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
            })
        })
        .transpose()
    }
}
