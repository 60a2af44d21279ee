//! Products: created NEW, ACTIVE once mapped to a warehouse, INACTIVE when deactivated
//! (SPEC §2.5). SKU and barcodes are unique per business, enforced by the database.

use crate::catalog::Brand;
use crate::list::{Cursor, Filter, PageOf, PageRequest};
use crate::sql::Row;
use crate::{is_unique_violation, Db, Result, Tx};
use depot_domain::codes::CodeKind;
use std::collections::HashMap;

/// What a merchant sends to create a product, already validated.
#[derive(Debug, Clone, Default)]
pub struct NewProduct {
    pub sku: String,
    pub name: String,
    pub brand_id: Option<i64>,
    pub product_type: String,
    pub product_unit: Option<String>,
    pub barcodes: Vec<String>,
    pub weight: f64,
    pub length: f64,
    pub width: f64,
    pub height: f64,
    pub product_size: Option<String>,
    pub product_color: Option<String>,
    pub price_minor: Option<i64>,
    pub currency: String,
    pub product_image_url_main: Option<String>,
    pub product_image_url_secondary: Option<String>,
    pub product_characteristics: Vec<String>,
    pub min_stock_warning: Option<i64>,
    pub storage_method: Option<String>,
    pub inventory_tracking_type: String,
    pub outbound_strategy: Option<String>,
    pub shelf_life: Option<i64>,
    pub min_shelf_life_inbound: Option<i64>,
    pub min_shelf_life_outbound: Option<i64>,
}

/// A stored product with its barcodes, brand and warehouses.
#[derive(Debug, Clone)]
pub struct Product {
    pub id: i64,
    pub business_id: i64,
    pub status: String,
    pub fields: NewProduct,
    pub brand: Option<Brand>,
    pub warehouse_codes: Vec<String>,
    pub created_time: i64,
    pub updated_time: i64,
}

impl Product {
    pub fn oasin(&self) -> String {
        CodeKind::Product.format(self.id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateProductError {
    SkuTaken,
    BarcodeTaken(String),
    BrandNotFound,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssignError {
    ProductNotFound,
    WarehouseNotFound,
    NotAssignable,
    AlreadyMapped,
}

/// List filters of Get Product List.
#[derive(Debug, Clone, Default)]
pub struct ProductFilter {
    pub status: Option<String>,
    pub sku: Option<String>,
    pub oasin: Option<String>,
    pub keyword: Option<String>,
    pub warehouse_code: Option<String>,
}

const PRODUCT_COLUMNS: &str = "p.*, b.name AS brand_name";

fn product_from_row(r: &Row) -> Result<Product, crate::StoreError> {
    let characteristics: String = r.try_get("product_characteristics")?;
    let brand_id: Option<i64> = r.try_get("brand_id")?;
    let brand_name: Option<String> = r.try_get("brand_name")?;
    Ok(Product {
        id: r.try_get("id")?,
        business_id: r.try_get("business_id")?,
        status: r.try_get("status")?,
        brand: brand_id
            .zip(brand_name)
            .map(|(id, name)| Brand { id, name }),
        warehouse_codes: Vec::new(),
        created_time: r.try_get("created_time")?,
        updated_time: r.try_get("updated_time")?,
        fields: NewProduct {
            sku: r.try_get("sku")?,
            name: r.try_get("name")?,
            brand_id,
            product_type: r.try_get("product_type")?,
            product_unit: r.try_get("product_unit")?,
            barcodes: Vec::new(),
            weight: r.try_get("weight")?,
            length: r.try_get("length")?,
            width: r.try_get("width")?,
            height: r.try_get("height")?,
            product_size: r.try_get("product_size")?,
            product_color: r.try_get("product_color")?,
            price_minor: r.try_get("price_minor")?,
            currency: r.try_get("currency")?,
            product_image_url_main: r.try_get("product_image_url_main")?,
            product_image_url_secondary: r.try_get("product_image_url_secondary")?,
            product_characteristics: serde_json::from_str(&characteristics).unwrap_or_default(),
            min_stock_warning: r.try_get("min_stock_warning")?,
            storage_method: r.try_get("storage_method")?,
            inventory_tracking_type: r.try_get("inventory_tracking_type")?,
            outbound_strategy: r.try_get("outbound_strategy")?,
            shelf_life: r.try_get("shelf_life")?,
            min_shelf_life_inbound: r.try_get("min_shelf_life_inbound")?,
            min_shelf_life_outbound: r.try_get("min_shelf_life_outbound")?,
        },
    })
}

impl Db {
    pub async fn create_product(
        &self,
        business_id: i64,
        p: &NewProduct,
        now: i64,
    ) -> Result<Result<Product, CreateProductError>> {
        let mut tx = self.begin().await?;
        if let Some(brand_id) = p.brand_id {
            let found = crate::sql::query("SELECT id FROM brands WHERE id = $1")
                .bind(brand_id)
                .fetch_optional(&mut *tx)
                .await?;
            if found.is_none() {
                return Ok(Err(CreateProductError::BrandNotFound));
            }
        }
        let inserted = crate::sql::query(
            "INSERT INTO products (business_id, sku, name, status, brand_id, product_type, \
             product_unit, weight, length, width, height, product_size, product_color, \
             price_minor, currency, product_image_url_main, product_image_url_secondary, \
             product_characteristics, min_stock_warning, storage_method, \
             inventory_tracking_type, outbound_strategy, shelf_life, min_shelf_life_inbound, \
             min_shelf_life_outbound, created_time, updated_time) VALUES ($1, $2, $3, 'NEW', \
             $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, \
             $21, $22, $23, $24, $25, $25) RETURNING id",
        )
        .bind(business_id)
        .bind(&p.sku)
        .bind(&p.name)
        .bind(p.brand_id)
        .bind(&p.product_type)
        .bind(&p.product_unit)
        .bind(p.weight)
        .bind(p.length)
        .bind(p.width)
        .bind(p.height)
        .bind(&p.product_size)
        .bind(&p.product_color)
        .bind(p.price_minor)
        .bind(&p.currency)
        .bind(&p.product_image_url_main)
        .bind(&p.product_image_url_secondary)
        .bind(serde_json::to_string(&p.product_characteristics).unwrap_or_else(|_| "[]".into()))
        .bind(p.min_stock_warning)
        .bind(&p.storage_method)
        .bind(&p.inventory_tracking_type)
        .bind(&p.outbound_strategy)
        .bind(p.shelf_life)
        .bind(p.min_shelf_life_inbound)
        .bind(p.min_shelf_life_outbound)
        .bind(now)
        .fetch_one(&mut *tx)
        .await;
        let id: i64 = match inserted {
            Ok(row) => row.try_get("id")?,
            Err(e)
                if is_unique_violation(
                    &e,
                    "products_business_sku_key",
                    "products.business_id, products.sku",
                ) =>
            {
                return Ok(Err(CreateProductError::SkuTaken))
            }
            Err(e) => return Err(e),
        };
        for (position, barcode) in p.barcodes.iter().enumerate() {
            let res = crate::sql::query(
                "INSERT INTO product_barcodes (business_id, barcode, product_id, position) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(business_id)
            .bind(barcode)
            .bind(id)
            .bind(position as i64)
            .execute(&mut *tx)
            .await;
            match res {
                Ok(_) => {}
                Err(e)
                    if is_unique_violation(
                        &e,
                        "product_barcodes_key",
                        "product_barcodes.business_id, product_barcodes.barcode",
                    ) =>
                {
                    return Ok(Err(CreateProductError::BarcodeTaken(barcode.clone())))
                }
                Err(e) => return Err(e),
            }
        }
        tx.commit().await?;
        Ok(Ok(self
            .product(business_id, id)
            .await?
            .expect("product just created")))
    }

    /// One product of a business, with barcodes and warehouses.
    pub async fn product(&self, business_id: i64, id: i64) -> Result<Option<Product>> {
        let row = crate::sql::query(&format!(
            "SELECT {PRODUCT_COLUMNS} FROM products p LEFT JOIN brands b ON b.id = p.brand_id \
             WHERE p.id = $1 AND p.business_id = $2"
        ))
        .bind(id)
        .bind(business_id)
        .fetch_optional(self.reader())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let mut products = vec![product_from_row(&row)?];
        self.attach_relations(&mut products).await?;
        Ok(products.pop())
    }

    /// One product by its OASIN code.
    pub async fn product_by_oasin(&self, business_id: i64, oasin: &str) -> Result<Option<Product>> {
        match CodeKind::Product.parse(oasin) {
            Some(id) => self.product(business_id, id).await,
            None => Ok(None),
        }
    }

    /// Fills barcodes and warehouse codes for a page of products in two queries.
    async fn attach_relations(&self, products: &mut [Product]) -> Result<()> {
        if products.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = products.iter().map(|x| x.id).collect();
        let list = crate::sql::placeholders(1, ids.len());
        let mut barcodes: HashMap<i64, Vec<String>> = HashMap::new();
        // The ids are integers we produced, so inlining them is safe.
        for r in crate::sql::query(&format!(
            "SELECT product_id, barcode FROM product_barcodes WHERE product_id IN ({list}) \
             ORDER BY product_id, position"
        ))
        .bind_each(&ids)
        .fetch_all(self.reader())
        .await?
        {
            barcodes
                .entry(r.try_get("product_id")?)
                .or_default()
                .push(r.try_get("barcode")?);
        }
        let mut warehouses: HashMap<i64, Vec<String>> = HashMap::new();
        for r in crate::sql::query(&format!(
            "SELECT pw.product_id, w.warehouse_code FROM product_warehouses pw \
             JOIN warehouses w ON w.id = pw.warehouse_id WHERE pw.product_id IN ({list}) \
             ORDER BY pw.product_id, w.warehouse_code"
        ))
        .bind_each(&ids)
        .fetch_all(self.reader())
        .await?
        {
            warehouses
                .entry(r.try_get("product_id")?)
                .or_default()
                .push(r.try_get("warehouse_code")?);
        }
        for p in products {
            p.fields.barcodes = barcodes.remove(&p.id).unwrap_or_default();
            p.warehouse_codes = warehouses.remove(&p.id).unwrap_or_default();
        }
        Ok(())
    }

    pub async fn list_products(
        &self,
        business_id: i64,
        f: &ProductFilter,
        page: &PageRequest,
    ) -> Result<PageOf<Product>> {
        let mut filter = Filter::new();
        filter.int("p.business_id = ?", business_id);
        filter.opt_text("p.status = ?", f.status.as_deref());
        filter.opt_text("p.sku = ?", f.sku.as_deref());
        if let Some(oasin) = f.oasin.as_deref().filter(|o| !o.is_empty()) {
            // An unparsable code matches nothing.
            filter.int("p.id = ?", CodeKind::Product.parse(oasin).unwrap_or(-1));
        }
        if let Some(k) = f.keyword.as_deref().filter(|k| !k.is_empty()) {
            let pattern = format!("%{}%", k.to_lowercase());
            filter.text("(LOWER(p.name) LIKE ? OR LOWER(p.sku) LIKE ?)", pattern);
        }
        if let Some(code) = f.warehouse_code.as_deref().filter(|c| !c.is_empty()) {
            filter.text(
                "EXISTS (SELECT 1 FROM product_warehouses pw JOIN warehouses w ON w.id = pw.warehouse_id \
                 WHERE pw.product_id = p.id AND w.warehouse_code = ?)",
                code,
            );
        }
        let total = self.count("products p", &filter).await?;
        let tail = page.apply(&mut filter, "p");
        let sql = format!(
            "SELECT {PRODUCT_COLUMNS} FROM products p LEFT JOIN brands b ON b.id = p.brand_id{}{tail}",
            filter.where_sql()
        );
        let rows = filter
            .bind_all(crate::sql::query(&sql))
            .fetch_all(self.reader())
            .await?;
        let products = rows
            .iter()
            .map(product_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let mut page = page.finish(products, total, |p| Cursor {
            created_time: p.created_time,
            id: p.id,
        });
        self.attach_relations(&mut page.items).await?;
        Ok(page)
    }

    /// Maps a product to a warehouse; a NEW product becomes ACTIVE.
    pub async fn assign_product(
        &self,
        business_id: i64,
        oasin: &str,
        warehouse_code: &str,
        now: i64,
    ) -> Result<Result<Product, AssignError>> {
        let Some(id) = CodeKind::Product.parse(oasin) else {
            return Ok(Err(AssignError::ProductNotFound));
        };
        let mut tx = self.begin().await?;
        let status: Option<String> = crate::sql::query_scalar(&format!(
            "SELECT status FROM products WHERE id = $1 AND business_id = $2{}",
            self.backend().for_update()
        ))
        .bind(id)
        .bind(business_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(status) = status else {
            return Ok(Err(AssignError::ProductNotFound));
        };
        if status == "INACTIVE" {
            return Ok(Err(AssignError::NotAssignable));
        }
        let warehouse_id: Option<i64> =
            crate::sql::query_scalar("SELECT id FROM warehouses WHERE warehouse_code = $1")
                .bind(warehouse_code)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(warehouse_id) = warehouse_id else {
            return Ok(Err(AssignError::WarehouseNotFound));
        };
        let mapped = crate::sql::query(
            "INSERT INTO product_warehouses (product_id, warehouse_id, created_time) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(warehouse_id)
        .bind(now)
        .execute(&mut *tx)
        .await;
        match mapped {
            Ok(_) => {}
            Err(e)
                if is_unique_violation(
                    &e,
                    "product_warehouses_key",
                    "product_warehouses.product_id",
                ) =>
            {
                return Ok(Err(AssignError::AlreadyMapped))
            }
            Err(e) => return Err(e),
        }
        crate::sql::query("UPDATE products SET status = 'ACTIVE', updated_time = $2 WHERE id = $1")
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Ok(self
            .product(business_id, id)
            .await?
            .expect("product exists")))
    }

    /// ACTIVE or NEW → INACTIVE (repeating it changes nothing). None when not found.
    pub async fn deactivate_product(
        &self,
        business_id: i64,
        oasin: &str,
        now: i64,
    ) -> Result<Option<Product>> {
        let Some(id) = CodeKind::Product.parse(oasin) else {
            return Ok(None);
        };
        crate::sql::query(
            "UPDATE products SET status = 'INACTIVE', updated_time = $3 \
             WHERE id = $1 AND business_id = $2 AND status <> 'INACTIVE'",
        )
        .bind(id)
        .bind(business_id)
        .bind(now)
        .execute(self.writer())
        .await?;
        self.product(business_id, id).await
    }
}

/// A product line as shipments and POs need it: checked to belong to the business, be ACTIVE
/// and be mapped to the warehouse.
#[derive(Debug, Clone)]
pub struct LineProduct {
    pub product_id: i64,
    pub oasin: String,
    pub sku: String,
    pub name: String,
}

/// Why a set of product lines cannot be used in a warehouse (the three `PRODUCTS_*` errors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineProductsError {
    NotFound(Vec<String>),
    Inactive(Vec<String>),
    NotMapped(Vec<String>),
}

/// Resolves OASIN codes for a warehouse inside a transaction, checking each line.
pub async fn resolve_line_products(
    tx: &mut Tx,
    business_id: i64,
    warehouse_id: i64,
    oasins: &[String],
) -> Result<Result<HashMap<String, LineProduct>, LineProductsError>> {
    let mut found = HashMap::new();
    let (mut missing, mut inactive, mut unmapped) = (Vec::new(), Vec::new(), Vec::new());
    for oasin in oasins {
        if found.contains_key(oasin) || missing.contains(oasin) {
            continue;
        }
        let Some(id) = CodeKind::Product.parse(oasin) else {
            missing.push(oasin.clone());
            continue;
        };
        let row = crate::sql::query(
            "SELECT p.sku, p.name, p.status, \
             (SELECT COUNT(*) FROM product_warehouses pw WHERE pw.product_id = p.id AND pw.warehouse_id = $3) AS mapped \
             FROM products p WHERE p.id = $1 AND p.business_id = $2",
        )
        .bind(id)
        .bind(business_id)
        .bind(warehouse_id)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(row) = row else {
            missing.push(oasin.clone());
            continue;
        };
        let status: String = row.try_get("status")?;
        let mapped: i64 = row.try_get("mapped")?;
        if status != "ACTIVE" {
            inactive.push(oasin.clone());
        } else if mapped == 0 {
            unmapped.push(oasin.clone());
        } else {
            found.insert(
                oasin.clone(),
                LineProduct {
                    product_id: id,
                    oasin: oasin.clone(),
                    sku: row.try_get("sku")?,
                    name: row.try_get("name")?,
                },
            );
        }
    }
    Ok(if !missing.is_empty() {
        Err(LineProductsError::NotFound(missing))
    } else if !inactive.is_empty() {
        Err(LineProductsError::Inactive(inactive))
    } else if !unmapped.is_empty() {
        Err(LineProductsError::NotMapped(unmapped))
    } else {
        Ok(found)
    })
}
