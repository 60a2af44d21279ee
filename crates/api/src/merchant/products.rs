//! Products (SPEC §3.2) and Get Stock.

use crate::auth::Merchant;
use crate::envelope::{Created, Data, Envelope, Json, Page, Query};
use crate::error::{ApiError, ApiResult};
use crate::paging::{self, Paging};
use crate::text::check_text;
use crate::AppState;
use axum::extract::OriginalUri;
use axum::extract::{Path, State};
use depot_domain::money;
use depot_domain::ErrorCode;
use depot_store::catalog::Brand;
use depot_store::list::{PageOf, PageRequest};
use depot_store::products::{AssignError, CreateProductError, NewProduct, Product, ProductFilter};
use depot_store::stock::{LedgerEntry, StockFilter, StockRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

const PRODUCT_TYPES: &[&str] = &["PHYSICAL"];
const TRACKING_TYPES: &[&str] = &["NONE", "BATCH", "EXPIRY", "BOTH"];
const OUTBOUND_STRATEGIES: &[&str] = &["FIFO", "LIFO", "FEFO"];

/// Create Product body (documented fields).
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateProduct {
    pub sku: String,
    pub name: String,
    pub brand_id: Option<i64>,
    /// `PHYSICAL` (default).
    pub product_type: Option<String>,
    pub product_unit: Option<String>,
    #[serde(default)]
    pub product_barcodes: Vec<String>,
    pub weight: f64,
    pub length: f64,
    pub width: f64,
    pub height: f64,
    pub product_size: Option<String>,
    pub product_color: Option<String>,
    pub product_price: Option<f64>,
    pub product_image_url_main: Option<String>,
    pub product_image_url_secondary: Option<String>,
    #[serde(default)]
    pub product_characteristics: Vec<String>,
    pub min_stock_warning: Option<i64>,
    pub storage_method: Option<String>,
    /// `NONE` (default), `BATCH`, `EXPIRY`, `BOTH`.
    pub inventory_tracking_type: Option<String>,
    /// `FIFO`, `LIFO`, `FEFO`.
    pub outbound_strategy: Option<String>,
    pub shelf_life: Option<i64>,
    pub min_shelf_life_inbound: Option<i64>,
    pub min_shelf_life_outbound: Option<i64>,
}

/// Product detail with the documented field names.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductView {
    pub oasin: String,
    pub sku: String,
    pub name: String,
    /// `NEW`, `ACTIVE` or `INACTIVE`.
    pub status: String,
    pub currency: String,
    /// Decimal string with two places, e.g. `"500000.00"`.
    pub price: Option<String>,
    pub brand: Option<Brand>,
    pub barcodes: Vec<String>,
    pub product_type: String,
    pub product_unit: Option<String>,
    pub weight: f64,
    pub length: f64,
    pub width: f64,
    pub height: f64,
    pub product_size: Option<String>,
    pub product_color: Option<String>,
    pub product_image_url_main: Option<String>,
    pub product_image_url_secondary: Option<String>,
    pub product_characteristics: Vec<String>,
    pub storage_method: Option<String>,
    pub inventory_tracking_type: String,
    pub outbound_strategy: Option<String>,
    pub shelf_life: Option<i64>,
    pub min_shelf_life_inbound: Option<i64>,
    pub min_shelf_life_outbound: Option<i64>,
    pub min_stock_warning: Option<i64>,
    pub warehouse_codes: Vec<String>,
    pub created_time: i64,
    pub updated_time: i64,
}

impl From<Product> for ProductView {
    fn from(p: Product) -> ProductView {
        let oasin = p.oasin();
        let f = p.fields;
        ProductView {
            oasin,
            sku: f.sku,
            name: f.name,
            status: p.status,
            currency: f.currency,
            price: f.price_minor.map(money::format_minor),
            brand: p.brand,
            barcodes: f.barcodes,
            product_type: f.product_type,
            product_unit: f.product_unit,
            weight: f.weight,
            length: f.length,
            width: f.width,
            height: f.height,
            product_size: f.product_size,
            product_color: f.product_color,
            product_image_url_main: f.product_image_url_main,
            product_image_url_secondary: f.product_image_url_secondary,
            product_characteristics: f.product_characteristics,
            storage_method: f.storage_method,
            inventory_tracking_type: f.inventory_tracking_type,
            outbound_strategy: f.outbound_strategy,
            shelf_life: f.shelf_life,
            min_shelf_life_inbound: f.min_shelf_life_inbound,
            min_shelf_life_outbound: f.min_shelf_life_outbound,
            min_stock_warning: f.min_stock_warning,
            warehouse_codes: p.warehouse_codes,
            created_time: p.created_time,
            updated_time: p.updated_time,
        }
    }
}

/// Validates a create body into the store's form, naming every bad field at once.
fn validate(body: CreateProduct) -> ApiResult<NewProduct> {
    check_text(&[
        ("sku", Some(&body.sku), true, 100),
        ("name", Some(&body.name), true, 500),
        ("product_unit", body.product_unit.as_deref(), false, 50),
        ("product_size", body.product_size.as_deref(), false, 100),
        ("product_color", body.product_color.as_deref(), false, 100),
        (
            "product_image_url_main",
            body.product_image_url_main.as_deref(),
            false,
            2000,
        ),
        (
            "product_image_url_secondary",
            body.product_image_url_secondary.as_deref(),
            false,
            2000,
        ),
        ("storage_method", body.storage_method.as_deref(), false, 50),
    ])?;
    let mut errors: Vec<(String, String)> = Vec::new();
    for (name, value) in [
        ("weight", body.weight),
        ("length", body.length),
        ("width", body.width),
        ("height", body.height),
    ] {
        if !(value.is_finite() && value > 0.0) {
            errors.push((name.into(), "must be > 0".into()));
        }
    }
    let one_of = |errors: &mut Vec<(String, String)>,
                  name: &str,
                  value: &Option<String>,
                  allowed: &[&str]| {
        if let Some(v) = value {
            if !allowed.contains(&v.as_str()) {
                errors.push((
                    name.into(),
                    format!("must be one of {}", allowed.join(", ")),
                ));
            }
        }
    };
    one_of(
        &mut errors,
        "product_type",
        &body.product_type,
        PRODUCT_TYPES,
    );
    one_of(
        &mut errors,
        "inventory_tracking_type",
        &body.inventory_tracking_type,
        TRACKING_TYPES,
    );
    one_of(
        &mut errors,
        "outbound_strategy",
        &body.outbound_strategy,
        OUTBOUND_STRATEGIES,
    );
    let price_minor = match body.product_price {
        Some(p) => match money::to_minor(p) {
            Some(m) => Some(m),
            None => {
                errors.push((
                    "product_price".into(),
                    "must be a non-negative amount".into(),
                ));
                None
            }
        },
        None => None,
    };
    for (name, value) in [
        ("min_stock_warning", body.min_stock_warning),
        ("shelf_life", body.shelf_life),
        ("min_shelf_life_inbound", body.min_shelf_life_inbound),
        ("min_shelf_life_outbound", body.min_shelf_life_outbound),
    ] {
        if value.is_some_and(|v| v < 0) {
            errors.push((name.into(), "must be >= 0".into()));
        }
    }
    let mut seen = std::collections::HashSet::new();
    for (i, barcode) in body.product_barcodes.iter().enumerate() {
        let field = format!("product_barcodes[{i}]");
        if barcode.trim().is_empty() || barcode.len() > 100 {
            errors.push((field, "must be 1 to 100 characters".into()));
        } else if !seen.insert(barcode.trim()) {
            errors.push((field, "is repeated".into()));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(errors));
    }
    Ok(NewProduct {
        sku: body.sku.trim().to_string(),
        name: body.name.trim().to_string(),
        brand_id: body.brand_id,
        product_type: body.product_type.unwrap_or_else(|| "PHYSICAL".into()),
        product_unit: body.product_unit,
        barcodes: body
            .product_barcodes
            .iter()
            .map(|b| b.trim().to_string())
            .collect(),
        weight: body.weight,
        length: body.length,
        width: body.width,
        height: body.height,
        product_size: body.product_size,
        product_color: body.product_color,
        price_minor,
        currency: "VND".into(),
        product_image_url_main: body.product_image_url_main,
        product_image_url_secondary: body.product_image_url_secondary,
        product_characteristics: body.product_characteristics,
        min_stock_warning: body.min_stock_warning,
        storage_method: body.storage_method,
        inventory_tracking_type: body
            .inventory_tracking_type
            .unwrap_or_else(|| "NONE".into()),
        outbound_strategy: body.outbound_strategy,
        shelf_life: body.shelf_life,
        min_shelf_life_inbound: body.min_shelf_life_inbound,
        min_shelf_life_outbound: body.min_shelf_life_outbound,
    })
}

/// Create Product (status NEW).
#[utoipa::path(post, path = "/products/create", tag = "Product", security(("api_key" = [])),
    request_body = CreateProduct, responses((status = 201, body = Envelope<ProductView>)))]
pub async fn create_product(
    m: Merchant,
    State(state): State<AppState>,
    Json(body): Json<CreateProduct>,
) -> ApiResult<Created<ProductView>> {
    create(&state, m.business_id, body)
        .await
        .map(|p| Created(p.into()))
}

/// Create Product as the API and the portal do it: validation, then the store.
pub async fn create(state: &AppState, business_id: i64, body: CreateProduct) -> ApiResult<Product> {
    let product = validate(body)?;
    create_validated(state, business_id, &product).await
}

/// Checks a create body without creating anything (the portal's CSV dry run).
pub fn check(body: CreateProduct) -> ApiResult<NewProduct> {
    validate(body)
}

/// Creates a product already checked by [`check`].
pub async fn create_validated(
    state: &AppState,
    business_id: i64,
    product: &NewProduct,
) -> ApiResult<Product> {
    match state
        .db
        .create_product(business_id, product, state.now())
        .await?
    {
        Ok(p) => Ok(p),
        Err(CreateProductError::SkuTaken) => Err(ApiError::new(ErrorCode::AlreadyExists)),
        Err(CreateProductError::BarcodeTaken(code)) => {
            Err(ApiError::new(ErrorCode::DuplicateBarcode)
                .with_detail(serde_json::json!({ "product_barcodes": [code] })))
        }
        Err(CreateProductError::BrandNotFound) => Err(ApiError::new(ErrorCode::BrandNotFound)),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AssignProduct {
    pub warehouse_code: String,
}

/// Assign Product to a warehouse: NEW becomes ACTIVE; an ACTIVE product may be added to more
/// warehouses.
#[utoipa::path(put, path = "/products/{oasin}/assign", tag = "Product", security(("api_key" = [])),
    request_body = AssignProduct, responses((status = 200, body = Envelope<ProductView>)))]
pub async fn assign_product(
    m: Merchant,
    State(state): State<AppState>,
    Path(oasin): Path<String>,
    Json(body): Json<AssignProduct>,
) -> ApiResult<Data<ProductView>> {
    assign(&state, m.business_id, &oasin, &body.warehouse_code)
        .await
        .map(|p| Data(p.into()))
}

/// Assign Product as the API and the portal do it.
pub async fn assign(
    state: &AppState,
    business_id: i64,
    oasin: &str,
    warehouse_code: &str,
) -> ApiResult<Product> {
    check_text(&[("warehouse_code", Some(warehouse_code), true, 50)])?;
    match state
        .db
        .assign_product(business_id, oasin, warehouse_code.trim(), state.now())
        .await?
    {
        Ok(p) => Ok(p),
        Err(AssignError::ProductNotFound) => Err(ApiError::new(ErrorCode::ProductNotFound)),
        Err(AssignError::WarehouseNotFound) => Err(ApiError::new(ErrorCode::WarehouseNotFound)),
        Err(AssignError::NotAssignable) => Err(ApiError::new(ErrorCode::ProductStatusNotNew)),
        Err(AssignError::AlreadyMapped) => Err(ApiError::new(ErrorCode::ProductWarehouseConflict)),
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct ProductQuery {
    /// `NEW`, `ACTIVE` or `INACTIVE`.
    pub status: Option<String>,
    pub sku: Option<String>,
    pub oasin: Option<String>,
    /// Part of the name or SKU.
    pub keyword: Option<String>,
    pub warehouse_code: Option<String>,
}

/// Get Product List.
#[utoipa::path(get, path = "/products", tag = "Product", security(("api_key" = [])),
    params(ProductQuery, Paging), responses((status = 200, body = Envelope<Vec<ProductView>>)))]
pub async fn list_products(
    m: Merchant,
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<ProductQuery>,
    Query(paging): Query<Paging>,
) -> ApiResult<Page<ProductView>> {
    let page = paging.request()?;
    let found = list(&state, m.business_id, q, &page).await?;
    Ok(paging::reply(&uri, found, ProductView::from))
}

/// Get Product List as the API and the portal do it.
pub async fn list(
    state: &AppState,
    business_id: i64,
    q: ProductQuery,
    page: &PageRequest,
) -> ApiResult<PageOf<Product>> {
    if let Some(s) = q.status.as_deref().filter(|s| !s.is_empty()) {
        if !["NEW", "ACTIVE", "INACTIVE"].contains(&s) {
            return Err(ApiError::invalid_field(
                "status",
                "must be NEW, ACTIVE or INACTIVE",
            ));
        }
    }
    let filter = ProductFilter {
        status: q.status,
        sku: q.sku,
        oasin: q.oasin,
        keyword: q.keyword,
        warehouse_code: q.warehouse_code,
    };
    Ok(state.db.list_products(business_id, &filter, page).await?)
}

/// Get Product Detail.
#[utoipa::path(get, path = "/products/{oasin}/detail", tag = "Product", security(("api_key" = [])),
    responses((status = 200, body = Envelope<ProductView>)))]
pub async fn product_detail(
    m: Merchant,
    State(state): State<AppState>,
    Path(oasin): Path<String>,
) -> ApiResult<Data<ProductView>> {
    detail(&state, m.business_id, &oasin)
        .await
        .map(|p| Data(p.into()))
}

/// Get Product Detail as the API and the portal do it: another business's is not found.
pub async fn detail(state: &AppState, business_id: i64, oasin: &str) -> ApiResult<Product> {
    state
        .db
        .product_by_oasin(business_id, oasin)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::ProductNotFound))
}

/// Deactivate Product (status INACTIVE; repeating it is harmless).
#[utoipa::path(put, path = "/products/{oasin}/deactivate", tag = "Product", security(("api_key" = [])),
    responses((status = 200, body = Envelope<ProductView>)))]
pub async fn deactivate_product(
    m: Merchant,
    State(state): State<AppState>,
    Path(oasin): Path<String>,
) -> ApiResult<Data<ProductView>> {
    deactivate(&state, m.business_id, &oasin)
        .await
        .map(|p| Data(p.into()))
}

/// Deactivate Product as the API and the portal do it.
pub async fn deactivate(state: &AppState, business_id: i64, oasin: &str) -> ApiResult<Product> {
    state
        .db
        .deactivate_product(business_id, oasin, state.now())
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::ProductNotFound))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct StockQuery {
    pub warehouse_code: Option<String>,
    pub oasin: Option<String>,
    pub sku: Option<String>,
}

/// Get Stock: balances per product, warehouse and stock level.
#[utoipa::path(get, path = "/products/stock", tag = "Product", security(("api_key" = [])),
    params(StockQuery, Paging), responses((status = 200, body = Envelope<Vec<StockRow>>)))]
pub async fn stock(
    m: Merchant,
    State(state): State<AppState>,
    Query(q): Query<StockQuery>,
    Query(paging): Query<Paging>,
) -> ApiResult<Page<StockRow>> {
    let page: PageRequest = paging.request()?;
    let (items, total) = balances(&state, m.business_id, q, &page).await?;
    Ok(Page {
        items,
        total,
        next: None,
    })
}

/// Get Stock as the API and the portal do it.
pub async fn balances(
    state: &AppState,
    business_id: i64,
    q: StockQuery,
    page: &PageRequest,
) -> ApiResult<(Vec<StockRow>, i64)> {
    let filter = StockFilter {
        warehouse_code: q.warehouse_code,
        oasin: q.oasin,
        sku: q.sku,
    };
    Ok(state.db.stock(business_id, &filter, page).await?)
}

/// The newest `limit` movements of a product's stock (the portal's Stock page; the API's
/// `stock_ledger` report carries the same rows). Another business's product is not found.
pub async fn ledger(
    state: &AppState,
    business_id: i64,
    oasin: &str,
    limit: i64,
) -> ApiResult<(Product, Vec<LedgerEntry>)> {
    let product = detail(state, business_id, oasin).await?;
    let rows = state
        .db
        .product_ledger(business_id, product.id, limit)
        .await?;
    Ok((product, rows))
}
