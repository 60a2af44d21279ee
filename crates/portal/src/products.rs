//! `/portal/products` and `/portal/products/{oasin}` (OMS_USER): the list with filters,
//! create by form, the detail with its stock, assign to a warehouse and deactivate. Each
//! action is the merchant API's own operation (`depot_api::merchant::products`), so what the
//! API refuses the page refuses, with the same message; another business's product is 404.

use crate::auth::OmsUser;
use crate::catalog::{
    self, product_badge, product_status_label, warehouse_choices, Choice, FormError, Pager,
};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use depot_api::error::ApiError;
use depot_api::merchant::products::{self as api, CreateProduct, ProductQuery, StockQuery};
use depot_api::AppState;
use depot_domain::{ErrorCode, Lang};
use depot_store::products::Product;
use depot_web::time_fmt::datetime;
use depot_web::{render_with_status, texts, Flash, Form, PageCtx, PageError, PageResult};
use serde::Deserialize;

texts! {
    pub struct ProductTexts {
        title: "Sản phẩm", "Products";
        intro: "Danh mục hàng hóa của bạn. Sản phẩm mới cần được gán vào kho trước khi nhập hàng và bán.", "Your catalogue. A new product must be assigned to a warehouse before it can be received and sold.";
        import: "Nhập từ CSV", "Import from CSV";
        new_product: "Tạo sản phẩm", "New product";
        create: "Tạo sản phẩm", "Create product";
        created_done: "Đã tạo sản phẩm", "Product created:";
        keyword: "Tìm theo tên hoặc SKU", "Search name or SKU";
        sku: "SKU", "SKU";
        name: "Tên sản phẩm", "Name";
        oasin: "OASIN", "OASIN";
        brand: "Thương hiệu", "Brand";
        no_brand: "Không có", "None";
        unit: "Đơn vị tính", "Unit";
        barcodes: "Mã vạch", "Barcodes";
        barcodes_hint: "Cách nhau bởi dấu phẩy.", "Separated by commas.";
        weight: "Khối lượng (kg)", "Weight (kg)";
        length: "Dài (cm)", "Length (cm)";
        width: "Rộng (cm)", "Width (cm)";
        height: "Cao (cm)", "Height (cm)";
        price: "Giá (VND)", "Price (VND)";
        min_stock: "Cảnh báo tồn tối thiểu", "Low-stock warning";
        tracking: "Theo dõi tồn kho", "Inventory tracking";
        warehouses: "Kho", "Warehouses";
        none_yet: "Chưa gán kho", "Not assigned yet";
        no_products: "Chưa có sản phẩm nào", "No products yet";
        no_products_body: "Tạo sản phẩm bằng biểu mẫu bên dưới hoặc nhập nhiều sản phẩm từ tệp CSV.", "Create a product with the form below, or import many from a CSV file.";
        no_match: "Không có sản phẩm nào khớp bộ lọc.", "No product matches the filters.";
        page: "Trang", "Page";
        previous: "Trang trước", "Previous";
        next: "Trang sau", "Next";
        details: "Thông tin", "Details";
        dimensions: "Kích thước (D×R×C, cm)", "Dimensions (L×W×H, cm)";
        assign: "Gán vào kho", "Assign to warehouse";
        assign_hint: "Sản phẩm mới trở thành Đang hoạt động khi được gán vào kho đầu tiên.", "A new product becomes Active when assigned to its first warehouse.";
        assigned_done: "Đã gán sản phẩm vào kho", "Product assigned to";
        warehouse: "Kho", "Warehouse";
        deactivate: "Ngừng kinh doanh", "Deactivate";
        deactivated_done: "Đã ngừng kinh doanh sản phẩm", "Product deactivated:";
        confirm_deactivate: "Ngừng kinh doanh sản phẩm này? Đơn mới sẽ không dùng được sản phẩm.", "Deactivate this product? New orders can no longer use it.";
        stock: "Tồn kho", "Stock";
        ledger: "Xem biến động", "View ledger";
        no_stock: "Chưa có tồn kho.", "No stock yet.";
        level: "Cấp hàng", "Level";
        on_hand: "Thực tế", "On hand";
        reserved: "Đã giữ", "Reserved";
        available: "Khả dụng", "Available";
        updated: "Cập nhật", "Updated";
        back: "Tất cả sản phẩm", "All products";
    }
}

/// One product in the list.
pub struct ProductRow {
    pub oasin: String,
    pub sku: String,
    pub name: String,
    pub status: String,
    pub status_label: &'static str,
    pub badge: &'static str,
    pub warehouses: String,
    pub price: String,
    pub created: String,
}

impl ProductRow {
    pub fn new(p: &Product, lang: Lang) -> ProductRow {
        ProductRow {
            oasin: p.oasin(),
            sku: p.fields.sku.clone(),
            name: p.fields.name.clone(),
            status: p.status.clone(),
            status_label: product_status_label(&p.status, lang),
            badge: product_badge(&p.status),
            warehouses: p.warehouse_codes.join(", "),
            price: p
                .fields
                .price_minor
                .map(|m| format!("{} ₫", catalog::units(m / 100)))
                .unwrap_or_default(),
            created: datetime(p.created_time),
        }
    }
}

/// The create form as typed.
#[derive(Debug, Default, Deserialize)]
pub struct ProductForm {
    #[serde(default)]
    pub sku: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub brand_id: String,
    #[serde(default)]
    pub product_unit: String,
    #[serde(default)]
    pub barcodes: String,
    #[serde(default)]
    pub weight: String,
    #[serde(default)]
    pub length: String,
    #[serde(default)]
    pub width: String,
    #[serde(default)]
    pub height: String,
    #[serde(default)]
    pub price: String,
    #[serde(default)]
    pub min_stock_warning: String,
    #[serde(default)]
    pub inventory_tracking_type: String,
}

/// A number as typed: empty is none; text that is no number becomes a value the API's
/// check refuses with its own message (NaN is "must be > 0").
fn decimal(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    Some(t.replace(',', ".").parse::<f64>().unwrap_or(f64::NAN))
}

fn whole(text: &str) -> Option<i64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    Some(t.parse::<i64>().unwrap_or(-1))
}

impl ProductForm {
    /// The API's Create Product body.
    pub fn request(&self) -> CreateProduct {
        let brand_id = whole(&self.brand_id).filter(|id| *id > 0);
        CreateProduct {
            sku: self.sku.clone(),
            name: self.name.clone(),
            brand_id,
            product_type: None,
            product_unit: catalog::opt(&self.product_unit),
            product_barcodes: self
                .barcodes
                .split([',', '|'])
                .map(str::trim)
                .filter(|b| !b.is_empty())
                .map(str::to_string)
                .collect(),
            weight: decimal(&self.weight).unwrap_or(f64::NAN),
            length: decimal(&self.length).unwrap_or(f64::NAN),
            width: decimal(&self.width).unwrap_or(f64::NAN),
            height: decimal(&self.height).unwrap_or(f64::NAN),
            product_size: None,
            product_color: None,
            // A price that is no number is refused as a negative amount would be.
            product_price: decimal(&self.price).map(|p| if p.is_nan() { -1.0 } else { p }),
            product_image_url_main: None,
            product_image_url_secondary: None,
            product_characteristics: Vec::new(),
            min_stock_warning: whole(&self.min_stock_warning),
            storage_method: None,
            inventory_tracking_type: catalog::opt(&self.inventory_tracking_type),
            outbound_strategy: None,
            shelf_life: None,
            min_shelf_life_inbound: None,
            min_shelf_life_outbound: None,
        }
    }
}

/// A field of the API's body by its label on the form.
pub fn field_label(t: &ProductTexts, field: &str) -> String {
    let base = field.split('[').next().unwrap_or(field);
    match base {
        "sku" => t.sku,
        "name" => t.name,
        "brand_id" => t.brand,
        "product_unit" => t.unit,
        "product_barcodes" => t.barcodes,
        "weight" => t.weight,
        "length" => t.length,
        "width" => t.width,
        "height" => t.height,
        "product_price" => t.price,
        "min_stock_warning" => t.min_stock,
        "inventory_tracking_type" => t.tracking,
        "warehouse_code" => t.warehouse,
        other => return other.to_string(),
    }
    .to_string()
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub keyword: Option<String>,
    pub status: Option<String>,
    pub page: Option<String>,
}

pub struct StatusTab {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "products.html")]
struct ProductsPage {
    ctx: PageCtx,
    t: &'static ProductTexts,
    rows: Vec<ProductRow>,
    total: i64,
    keyword: String,
    statuses: Vec<StatusTab>,
    filtered: bool,
    pager: Pager,
    brands: Vec<Choice>,
    trackings: Vec<Choice>,
    form: ProductForm,
    error: Option<FormError>,
}

async fn list_page(
    state: &AppState,
    user: OmsUser,
    q: ListQuery,
    form: Option<ProductForm>,
    error: Option<ApiError>,
) -> PageResult {
    let user = user.0;
    let lang = user.ctx.lang;
    let t = ProductTexts::get(lang);
    let keyword = q.keyword.clone().unwrap_or_default();
    let status = q
        .status
        .clone()
        .filter(|s| ["NEW", "ACTIVE", "INACTIVE"].contains(&s.as_str()))
        .unwrap_or_default();
    let page = catalog::page_number(q.page.as_deref());
    let found = api::list(
        state,
        user.business.business_id,
        ProductQuery {
            status: catalog::opt(&status),
            keyword: catalog::opt(&keyword),
            ..ProductQuery::default()
        },
        &catalog::page_request(page),
    )
    .await?;
    let form = form.unwrap_or_default();
    let brands = state
        .db
        .brands(None)
        .await?
        .into_iter()
        .map(|b| Choice {
            selected: form.brand_id == b.id.to_string(),
            value: b.id.to_string(),
            label: b.name,
        })
        .collect();
    let statuses = ["NEW", "ACTIVE", "INACTIVE"]
        .into_iter()
        .map(|s| StatusTab {
            value: s,
            label: product_status_label(s, lang),
            selected: status == s,
        })
        .collect();
    let http = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let pager = Pager::new(
        "/portal/products",
        &[("keyword", &keyword), ("status", &status)],
        page,
        found.total,
    );
    Ok(render_with_status(
        http,
        &ProductsPage {
            t,
            rows: found
                .items
                .iter()
                .map(|p| ProductRow::new(p, lang))
                .collect(),
            total: found.total,
            filtered: !keyword.is_empty() || !status.is_empty(),
            keyword,
            statuses,
            pager,
            brands,
            trackings: ["NONE", "BATCH", "EXPIRY", "BOTH"]
                .into_iter()
                .map(|v| Choice {
                    value: v.to_string(),
                    label: v.to_string(),
                    selected: form.inventory_tracking_type == v,
                })
                .collect(),
            error: error.map(|e| FormError::new(&e, lang, |f| field_label(t, f))),
            form,
            ctx: user.ctx,
        },
    ))
}

pub async fn index(
    State(state): State<AppState>,
    user: OmsUser,
    Query(q): Query<ListQuery>,
) -> PageResult {
    list_page(&state, user, q, None, None).await
}

pub async fn create(
    State(state): State<AppState>,
    user: OmsUser,
    Form(form): Form<ProductForm>,
) -> PageResult<Response> {
    let business_id = user.0.business.business_id;
    match api::create(&state, business_id, form.request()).await {
        Ok(p) => {
            let t = ProductTexts::get(user.0.ctx.lang);
            let oasin = p.oasin();
            user.0
                .session
                .flash(Flash::success(format!("{} {oasin}", t.created_done)))
                .await?;
            Ok(Redirect::to(&format!("/portal/products/{oasin}")).into_response())
        }
        Err(e) if e.status().is_client_error() => {
            Ok(
                list_page(&state, user, ListQuery::default(), Some(form), Some(e))
                    .await?
                    .into_response(),
            )
        }
        Err(e) => Err(e.into()),
    }
}

/// One balance of the product.
pub struct BalanceRow {
    pub warehouse_code: String,
    pub level: String,
    pub on_hand: i64,
    pub reserved: i64,
    pub available: i64,
}

#[derive(Template)]
#[template(path = "product.html")]
struct ProductPage {
    ctx: PageCtx,
    t: &'static ProductTexts,
    p: ProductRow,
    brand: String,
    unit: String,
    barcodes: String,
    dimensions: String,
    weight: String,
    min_stock: String,
    tracking: String,
    updated: String,
    assignable: Vec<Choice>,
    can_assign: bool,
    balances: Vec<BalanceRow>,
}

pub async fn show(
    State(state): State<AppState>,
    user: OmsUser,
    Path(oasin): Path<String>,
) -> PageResult {
    let user = user.0;
    let lang = user.ctx.lang;
    let t = ProductTexts::get(lang);
    let business_id = user.business.business_id;
    let p = api::detail(&state, business_id, &oasin).await?;
    let (stock, _) = api::balances(
        &state,
        business_id,
        StockQuery {
            oasin: Some(p.oasin()),
            ..StockQuery::default()
        },
        &depot_store::list::PageRequest {
            page: 1,
            page_size: 200,
            after: None,
        },
    )
    .await?;
    let assignable: Vec<Choice> = warehouse_choices(&state, "")
        .await?
        .into_iter()
        .filter(|c| !p.warehouse_codes.contains(&c.value))
        .collect();
    let f = &p.fields;
    let trim = |v: f64| {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    Ok(render_with_status(
        StatusCode::OK,
        &ProductPage {
            t,
            brand: p
                .brand
                .as_ref()
                .map(|b| b.name.clone())
                .unwrap_or_else(|| t.no_brand.to_string()),
            unit: f.product_unit.clone().unwrap_or_else(|| "—".into()),
            barcodes: if f.barcodes.is_empty() {
                "—".into()
            } else {
                f.barcodes.join(", ")
            },
            dimensions: format!(
                "{} × {} × {}",
                trim(f.length),
                trim(f.width),
                trim(f.height)
            ),
            weight: trim(f.weight),
            min_stock: f
                .min_stock_warning
                .map(catalog::units)
                .unwrap_or_else(|| "—".into()),
            tracking: f.inventory_tracking_type.clone(),
            updated: datetime(p.updated_time),
            can_assign: p.status != "INACTIVE" && !assignable.is_empty(),
            assignable,
            balances: stock
                .into_iter()
                .map(|s| BalanceRow {
                    warehouse_code: s.warehouse_code,
                    level: s.stock_level,
                    on_hand: s.on_hand,
                    reserved: s.reserved,
                    available: s.available,
                })
                .collect(),
            p: ProductRow::new(&p, lang),
            ctx: user.ctx,
        },
    ))
}

#[derive(Debug, Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    pub warehouse_code: String,
}

pub async fn assign(
    State(state): State<AppState>,
    user: OmsUser,
    Path(oasin): Path<String>,
    Form(form): Form<AssignForm>,
) -> PageResult<Response> {
    let user = user.0;
    let lang = user.ctx.lang;
    let t = ProductTexts::get(lang);
    let back = format!("/portal/products/{oasin}");
    match api::assign(
        &state,
        user.business.business_id,
        &oasin,
        &form.warehouse_code,
    )
    .await
    {
        Ok(p) => {
            user.session
                .flash(Flash::success(format!(
                    "{} {}",
                    t.assigned_done,
                    form.warehouse_code.trim()
                )))
                .await?;
            Ok(Redirect::to(&format!("/portal/products/{}", p.oasin())).into_response())
        }
        Err(e) if e.code == ErrorCode::ProductNotFound => Err(PageError::NotFound),
        Err(e) if e.status().is_client_error() => {
            let msg = FormError::new(&e, lang, |f| field_label(t, f)).one_line();
            user.session.flash(Flash::error(msg)).await?;
            Ok(Redirect::to(&back).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn deactivate(
    State(state): State<AppState>,
    user: OmsUser,
    Path(oasin): Path<String>,
) -> PageResult<Response> {
    let user = user.0;
    let t = ProductTexts::get(user.ctx.lang);
    let p = api::deactivate(&state, user.business.business_id, &oasin).await?;
    user.session
        .flash(Flash::success(format!(
            "{} {}",
            t.deactivated_done,
            p.oasin()
        )))
        .await?;
    Ok(Redirect::to(&format!("/portal/products/{}", p.oasin())).into_response())
}
