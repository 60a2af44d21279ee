//! `/portal/stock` (OMS_USER): balances per product, warehouse and stock level (the API's Get
//! Stock), filtered by warehouse and SKU; with `?oasin=` also that product's ledger, newest
//! movement first. Another business's product is 404, as in the API.

use crate::auth::OmsUser;
use crate::catalog::{self, warehouse_choices, Choice, Pager};
use askama::Template;
use axum::extract::{Query, State};
use depot_api::merchant::products::{self as api, StockQuery};
use depot_api::AppState;
use depot_web::time_fmt::datetime;
use depot_web::{render, texts, PageCtx, PageResult};
use serde::Deserialize;

/// Ledger movements shown for a product.
const LEDGER_ROWS: i64 = 200;

texts! {
    pub struct StockTexts {
        title: "Tồn kho", "Stock";
        intro: "Số lượng theo kho và cấp hàng: A là hàng bán được; D1–D3 là hàng lỗi, L là hàng thất lạc. Khả dụng = thực tế − đã giữ cho đơn.", "Quantities by warehouse and stock level: A is sellable; D1–D3 damaged, L lost. Available = on hand − reserved for orders.";
        warehouse: "Kho", "Warehouse";
        sku: "SKU", "SKU";
        product: "Sản phẩm", "Product";
        level: "Cấp hàng", "Level";
        on_hand: "Thực tế", "On hand";
        reserved: "Đã giữ", "Reserved";
        available: "Khả dụng", "Available";
        ledger: "Biến động", "Ledger";
        ledger_of: "Biến động tồn kho của", "Stock ledger of";
        ledger_intro: "Mỗi thay đổi số lượng, mới nhất trước.", "Every change of quantity, newest first.";
        movement: "Loại biến động", "Movement";
        delta_on_hand: "Thực tế ±", "On hand ±";
        delta_reserved: "Đã giữ ±", "Reserved ±";
        reference: "Chứng từ", "Reference";
        reason: "Lý do", "Reason";
        time: "Thời gian", "Time";
        abnormal: "Bất thường", "Abnormal";
        no_stock: "Chưa có tồn kho", "No stock yet";
        no_stock_body: "Tồn kho xuất hiện khi kho nhận hàng từ đơn nhập (PO) hoặc hàng hoàn.", "Stock appears once the warehouse receives a purchase order or a return.";
        no_ledger: "Sản phẩm này chưa có biến động nào.", "This product has no movements yet.";
        page: "Trang", "Page";
        previous: "Trang trước", "Previous";
        next: "Trang sau", "Next";
        close_ledger: "Đóng biến động", "Close the ledger";
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct StockPageQuery {
    pub warehouse_code: Option<String>,
    pub sku: Option<String>,
    pub oasin: Option<String>,
    pub page: Option<String>,
}

pub struct Row {
    pub oasin: String,
    pub sku: String,
    pub warehouse_code: String,
    pub level: String,
    pub on_hand: String,
    pub reserved: String,
    pub available: String,
    pub low: bool,
}

pub struct LedgerRow {
    pub time: String,
    pub warehouse_code: String,
    pub level: String,
    pub movement: String,
    pub on_hand: String,
    pub reserved: String,
    pub reference: String,
    pub reason: String,
    pub abnormal: bool,
}

pub struct Ledger {
    pub oasin: String,
    pub sku: String,
    pub name: String,
    pub rows: Vec<LedgerRow>,
}

#[derive(Template)]
#[template(path = "stock.html")]
struct StockPage {
    ctx: PageCtx,
    t: &'static StockTexts,
    warehouses: Vec<Choice>,
    sku: String,
    rows: Vec<Row>,
    pager: Pager,
    ledger: Option<Ledger>,
}

fn signed(n: i64) -> String {
    if n > 0 {
        format!("+{}", catalog::units(n))
    } else {
        catalog::units(n)
    }
}

pub async fn index(
    State(state): State<AppState>,
    user: OmsUser,
    Query(q): Query<StockPageQuery>,
) -> PageResult {
    let user = user.0;
    let business_id = user.business.business_id;
    let warehouse = q.warehouse_code.clone().unwrap_or_default();
    let sku = q.sku.clone().unwrap_or_default();
    let page = catalog::page_number(q.page.as_deref());
    let ledger = match catalog::opt(q.oasin.as_deref().unwrap_or("")) {
        Some(oasin) => {
            let (p, rows) = api::ledger(&state, business_id, &oasin, LEDGER_ROWS).await?;
            Some(Ledger {
                oasin: p.oasin(),
                sku: p.fields.sku.clone(),
                name: p.fields.name.clone(),
                rows: rows
                    .into_iter()
                    .map(|r| LedgerRow {
                        time: datetime(r.created_time),
                        warehouse_code: r.warehouse_code,
                        level: r.stock_level,
                        movement: r.movement_type,
                        on_hand: signed(r.on_hand_delta),
                        reserved: signed(r.reserved_delta),
                        reference: r.reference_code,
                        reason: r.reason.unwrap_or_default(),
                        abnormal: r.is_abnormal,
                    })
                    .collect(),
            })
        }
        None => None,
    };
    let (items, total) = api::balances(
        &state,
        business_id,
        StockQuery {
            warehouse_code: catalog::opt(&warehouse),
            sku: catalog::opt(&sku),
            oasin: None,
        },
        &catalog::page_request(page),
    )
    .await?;
    let pager = Pager::new(
        "/portal/stock",
        &[("warehouse_code", &warehouse), ("sku", &sku)],
        page,
        total,
    );
    Ok(render(&StockPage {
        t: StockTexts::get(user.ctx.lang),
        warehouses: warehouse_choices(&state, &warehouse).await?,
        sku,
        rows: items
            .into_iter()
            .map(|s| Row {
                low: s.stock_level == "A" && s.available <= 0,
                oasin: s.oasin,
                sku: s.sku,
                warehouse_code: s.warehouse_code,
                level: s.stock_level,
                on_hand: catalog::units(s.on_hand),
                reserved: catalog::units(s.reserved),
                available: catalog::units(s.available),
            })
            .collect(),
        pager,
        ledger,
        ctx: user.ctx,
    }))
}
