//! `/console/warehouses/{code}/`: a warehouse's start page, linking to its floor pages.
//! Outside the operator's warehouses it is 404, like every page below it.

use crate::auth::ConsoleOperator;
use crate::common::warehouse;
use askama::Template;
use axum::extract::{Path, State};
use depot_api::AppState;
use depot_web::{render, texts, PageCtx, PageResult};

texts! {
    pub struct WarehouseTexts {
        floor: "Công việc kho", "Floor work";
        release: "Phát hành đợt lấy hàng", "Release waves";
        release_hint: "Chọn vận đơn mới và phát hành thành đợt.", "Choose new shipments and release them as a wave.";
        pick: "Xác nhận lấy hàng", "Pick";
        pick_hint: "Quét mã vận đơn đã lấy.", "Scan each picked tracking code.";
        pack: "Trạm đóng gói", "Pack station";
        pack_hint: "Quét vận đơn, từng sản phẩm, cân rồi in nhãn.", "Scan the parcel, each unit, weigh, print the label.";
        manifests: "Bàn giao", "Handover";
        manifests_hint: "Biên bản bàn giao theo hãng vận chuyển.", "Manifests per courier.";
        carrier: "Cập nhật từ hãng vận chuyển", "Carrier updates";
        carrier_hint: "Tải tệp CSV trạng thái; trả lời yêu cầu chặn hàng.", "Upload status CSVs; answer intercept requests.";
        receiving: "Nhận hàng nhập", "Receiving";
        receiving_hint: "Nhận đơn nhập theo mã, kiện và dòng hàng.", "Receive a purchase order by code, package and line.";
        returns: "Nhận hàng hoàn", "Returns";
        returns_hint: "Nhận và phân loại hàng hoàn.", "Receive and grade returns.";
        stock: "Tồn kho", "Stock";
        stock_hint: "Tồn kho và sổ biến động; điều chỉnh (giám sát).", "Balances and ledger; adjustments (supervisor).";
        open_intercepts: "Yêu cầu chặn hàng đang chờ", "Open intercept requests";
    }
}

pub struct Link {
    pub href: String,
    pub label: &'static str,
    pub hint: &'static str,
}

#[derive(Template)]
#[template(path = "warehouse.html")]
struct WarehousePage {
    ctx: PageCtx,
    t: &'static WarehouseTexts,
    code: String,
    name: String,
    address: String,
    links: Vec<Link>,
    open_intercepts: usize,
}

pub async fn home(
    State(state): State<AppState>,
    op: ConsoleOperator,
    Path(code): Path<String>,
) -> PageResult {
    let w = warehouse(&state, &op, &code).await?;
    let t = WarehouseTexts::get(op.ctx.lang);
    let base = format!("/console/warehouses/{}", w.warehouse_code);
    let link = |path: &str, label, hint| Link {
        href: format!("{base}/{path}"),
        label,
        hint,
    };
    let links = vec![
        link("release", t.release, t.release_hint),
        link("pick", t.pick, t.pick_hint),
        link("pack", t.pack, t.pack_hint),
        link("manifests", t.manifests, t.manifests_hint),
        link("carrier-updates", t.carrier, t.carrier_hint),
        link("receiving", t.receiving, t.receiving_hint),
        link("returns", t.returns, t.returns_hint),
        link("stock", t.stock, t.stock_hint),
    ];
    let open_intercepts = state
        .db
        .open_intercepts(&w.warehouse_code, 100)
        .await?
        .len();
    Ok(render(&WarehousePage {
        t,
        code: w.warehouse_code,
        name: w.name,
        address: w.address,
        links,
        open_intercepts,
        ctx: op.ctx,
    }))
}
