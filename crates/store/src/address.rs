//! The Vietnamese administrative directory (provinces → districts → wards), shipped as CSV in
//! `data/address` (see `scripts/address/README.md` for its source) and loaded on first start.

use crate::{Db, Result, StoreError};
use serde::Serialize;

const PROVINCES: &str = include_str!("../data/address/provinces.csv");
const DISTRICTS: &str = include_str!("../data/address/districts.csv");
const WARDS: &str = include_str!("../data/address/wards.csv");

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Province {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct District {
    pub code: String,
    pub name: String,
    pub province_code: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Ward {
    pub code: String,
    pub name: String,
    pub district_code: String,
}

/// Fills the three tables in one transaction unless provinces are already there.
pub(crate) async fn load_if_empty(db: &Db) -> Result<()> {
    let count: i64 = crate::sql::query_scalar("SELECT COUNT(*) FROM provinces")
        .fetch_one(db.writer())
        .await?;
    if count > 0 {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    insert_rows(&mut tx, "provinces (code, name)", PROVINCES, 2).await?;
    insert_rows(
        &mut tx,
        "districts (code, name, province_code)",
        DISTRICTS,
        3,
    )
    .await?;
    insert_rows(&mut tx, "wards (code, name, district_code)", WARDS, 3).await?;
    tx.commit().await?;
    Ok(())
}

/// Inserts CSV rows in batches (one statement per few hundred rows keeps the parameter count
/// under both backends' limits).
async fn insert_rows(tx: &mut crate::Tx, target: &str, csv: &str, width: usize) -> Result<()> {
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| StoreError::AddressData(e.to_string()))?;
        if record.len() != width {
            return Err(StoreError::AddressData(format!(
                "{target}: bad row {record:?}"
            )));
        }
        rows.push(record);
    }
    for chunk in rows.chunks(500) {
        let mut sql = format!("INSERT INTO {target} VALUES ");
        let mut n = 0;
        for (i, _) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(',');
            }
            sql.push('(');
            for c in 0..width {
                if c > 0 {
                    sql.push(',');
                }
                n += 1;
                sql.push_str(&format!("${n}"));
            }
            sql.push(')');
        }
        let mut query = crate::sql::query(&sql);
        for record in chunk {
            for field in record.iter() {
                query = query.bind(field.to_string());
            }
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

impl Db {
    pub async fn provinces(&self) -> Result<Vec<Province>> {
        let rows = crate::sql::query("SELECT code, name FROM provinces ORDER BY code")
            .fetch_all(self.reader())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Province {
                    code: r.try_get("code")?,
                    name: r.try_get("name")?,
                })
            })
            .collect()
    }

    /// Districts, all or those of one province.
    pub async fn districts(&self, province_code: Option<&str>) -> Result<Vec<District>> {
        let rows = crate::sql::query(
            "SELECT code, name, province_code FROM districts \
             WHERE ($1 IS NULL OR province_code = $1) ORDER BY code",
        )
        .bind(province_code)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(District {
                    code: r.try_get("code")?,
                    name: r.try_get("name")?,
                    province_code: r.try_get("province_code")?,
                })
            })
            .collect()
    }

    /// Wards, all or those of one district.
    pub async fn wards(&self, district_code: Option<&str>) -> Result<Vec<Ward>> {
        let rows = crate::sql::query(
            "SELECT code, name, district_code FROM wards \
             WHERE ($1 IS NULL OR district_code = $1) ORDER BY code",
        )
        .bind(district_code)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Ward {
                    code: r.try_get("code")?,
                    name: r.try_get("name")?,
                    district_code: r.try_get("district_code")?,
                })
            })
            .collect()
    }
}

impl Db {
    /// True when the ward lies in the district and the district in the province.
    pub async fn address_consistent(
        &self,
        province: &str,
        district: &str,
        ward: &str,
    ) -> Result<bool> {
        let found = crate::sql::query(
            "SELECT 1 FROM wards w JOIN districts d ON d.code = w.district_code \
             WHERE w.code = $1 AND d.code = $2 AND d.province_code = $3",
        )
        .bind(ward)
        .bind(district)
        .bind(province)
        .fetch_optional(self.reader())
        .await?;
        Ok(found.is_some())
    }
}
