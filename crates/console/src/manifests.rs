//! `/console/warehouses/{code}/manifests` and `…/manifests/{manifest_id}` (SPEC §11
//! "Handover"): open a manifest per courier, scan packed parcels onto it (→
//! WAITING_HANDOVER), close it (every parcel → HANDOVER with the courier's name), print it —
//! each through the operator API's own command.

use crate::auth::ConsoleOperator;
use crate::floor_tabs::{refusal, tabs, FloorTexts, ShipmentRow, Tab};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use depot_api::ops::commands::{self, ParcelResultView};
use depot_api::AppState;
use depot_domain::floor::ManifestStatus;
use depot_domain::ErrorCode;
use depot_store::floor::manifests::{Manifest, ManifestFilter};
use depot_store::list::PageRequest;
use depot_store::shipments::FloorShipmentFilter;
use depot_web::{render, texts, Flash, Form, PageCtx, PageError, PageResult};
use serde::Deserialize;

texts! {
    pub struct ManifestTexts {
        title: "Bàn giao cho đơn vị vận chuyển", "Handover to couriers";
        intro: "Mỗi chuyến của một đơn vị vận chuyển là một biên bản: quét các kiện đã đóng gói vào, rồi đóng biên bản khi bàn giao.", "One manifest per courier trip: scan packed parcels onto it, then close it at handover.";
        new_manifest: "Mở biên bản mới", "Open a manifest";
        courier: "Đơn vị vận chuyển", "Courier";
        open: "Mở biên bản", "Open manifest";
        list: "Biên bản", "Manifests";
        manifest: "Biên bản", "Manifest";
        status: "Trạng thái", "Status";
        parcels: "Số kiện", "Parcels";
        created: "Mở lúc", "Opened";
        closed: "Đóng lúc", "Closed";
        open_status: "Đang mở", "Open";
        closed_status: "Đã đóng", "Closed";
        none: "Chưa có biên bản nào.", "No manifests yet.";
        scan: "Quét kiện vào biên bản", "Scan parcel onto the manifest";
        add: "Thêm kiện", "Add parcel";
        close: "Đóng biên bản và bàn giao", "Close and hand over";
        document: "In biên bản (PDF)", "Print the manifest (PDF)";
        added: "Đã thêm vào biên bản", "Added to the manifest";
        closed_done: "Đã đóng biên bản và bàn giao", "Closed and handed over";
        view: "Xem", "View";
    }
}

pub struct ManifestRow {
    pub id: i64,
    pub courier: String,
    pub open: bool,
    pub parcels: usize,
    pub created: String,
}

#[derive(Template)]
#[template(path = "floor/manifests.html")]
struct ListPage {
    ctx: PageCtx,
    t: &'static ManifestTexts,
    ft: &'static FloorTexts,
    tabs: Vec<Tab>,
    code: String,
    manifests: Vec<ManifestRow>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "floor/manifest.html")]
struct DetailPage {
    ctx: PageCtx,
    t: &'static ManifestTexts,
    ft: &'static FloorTexts,
    tabs: Vec<Tab>,
    code: String,
    id: i64,
    courier: String,
    open: bool,
    created: String,
    closed: String,
    rows: Vec<ShipmentRow>,
    selectable: bool,
}

async fn list(
    state: &AppState,
    op: ConsoleOperator,
    code: String,
    error: Option<String>,
) -> PageResult<Response> {
    let lang = op.ctx.lang;
    let found = state
        .db
        .list_manifests(
            &ManifestFilter {
                warehouse_code: Some(code.clone()),
                status: None,
            },
            &PageRequest {
                page: 1,
                page_size: 100,
                after: None,
            },
        )
        .await?;
    let manifests = found
        .items
        .into_iter()
        .map(|m| ManifestRow {
            id: m.id,
            open: m.status == ManifestStatus::Open,
            parcels: m.shipment_ids.len(),
            created: depot_web::time_fmt::datetime(m.created_time),
            courier: m.courier_name,
        })
        .collect();
    Ok(render(&ListPage {
        t: ManifestTexts::get(lang),
        ft: FloorTexts::get(lang),
        tabs: tabs(&code, lang, "manifests"),
        code,
        manifests,
        error,
        ctx: op.ctx,
    })
    .into_response())
}

pub async fn list_page(
    State(state): State<AppState>,
    op: ConsoleOperator,
    Path(code): Path<String>,
) -> PageResult<Response> {
    op.warehouse(&code)?;
    list(&state, op, code, None).await
}

#[derive(Debug, Deserialize)]
pub struct NewManifest {
    #[serde(default)]
    pub courier_name: String,
}

pub async fn create(
    State(state): State<AppState>,
    op: ConsoleOperator,
    Path(code): Path<String>,
    Form(form): Form<NewManifest>,
) -> PageResult<Response> {
    op.warehouse(&code)?;
    match commands::create_manifest(&state, &op.actor(), &code, &form.courier_name).await {
        Ok(m) => Ok(
            Redirect::to(&format!("/console/warehouses/{code}/manifests/{}", m.id)).into_response(),
        ),
        Err(e) if e.code == ErrorCode::InvalidPayload => {
            let message = refusal(&e, &op);
            list(&state, op, code, Some(message)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The manifest, or 404 when unknown or another warehouse's.
async fn manifest_of(
    state: &AppState,
    op: &ConsoleOperator,
    code: &str,
    raw: &str,
) -> PageResult<Manifest> {
    op.warehouse(code)?;
    let id = commands::parse_id(raw, ErrorCode::ManifestNotFound)?;
    let m = commands::manifest(state, id).await?;
    if m.warehouse_code != code {
        return Err(PageError::NotFound);
    }
    Ok(m)
}

pub async fn detail_page(
    State(state): State<AppState>,
    op: ConsoleOperator,
    Path((code, raw)): Path<(String, String)>,
) -> PageResult<Response> {
    let m = manifest_of(&state, &op, &code, &raw).await?;
    let lang = op.ctx.lang;
    let found = state
        .db
        .list_floor_shipments(
            &FloorShipmentFilter {
                manifest_id: Some(m.id),
                ..FloorShipmentFilter::default()
            },
            &PageRequest {
                page: 1,
                page_size: depot_domain::floor::MAX_CODES as i64,
                after: None,
            },
        )
        .await?;
    let t = ManifestTexts::get(lang);
    Ok(render(&DetailPage {
        t,
        ft: FloorTexts::get(lang),
        tabs: tabs(&code, lang, "manifests"),
        code,
        id: m.id,
        courier: m.courier_name.clone(),
        open: m.status == ManifestStatus::Open,
        created: depot_web::time_fmt::datetime(m.created_time),
        closed: depot_web::time_fmt::datetime_or(m.closed_time, "—"),
        rows: found
            .items
            .iter()
            .map(|s| ShipmentRow::new(s, lang))
            .collect(),
        selectable: false,
        ctx: op.ctx,
    })
    .into_response())
}

#[derive(Debug, Deserialize)]
pub struct ScanForm {
    #[serde(default)]
    pub tracking_code: String,
}

pub async fn add_parcel(
    State(state): State<AppState>,
    op: ConsoleOperator,
    Path((code, raw)): Path<(String, String)>,
    Form(form): Form<ScanForm>,
) -> PageResult<Response> {
    let m = manifest_of(&state, &op, &code, &raw).await?;
    let lang = op.ctx.lang;
    let tracking = form.tracking_code.trim().to_string();
    let flash = match commands::add_parcels(&state, &op.actor(), m.id, vec![tracking.clone()]).await
    {
        Ok(results) => {
            let mut flash = None;
            for r in results.into_iter().map(|r| ParcelResultView::new(r, lang)) {
                flash = Some(if r.success {
                    Flash::success(format!(
                        "{}: {}",
                        ManifestTexts::get(lang).added,
                        r.tracking_code
                    ))
                } else {
                    Flash::error(format!("{}: {}", r.tracking_code, r.messages))
                });
            }
            flash
        }
        Err(e) if e.code.http_status() < 500 => {
            Some(Flash::error(format!("{tracking}: {}", refusal(&e, &op))))
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(flash) = flash {
        op.session.flash(flash).await?;
    }
    Ok(Redirect::to(&format!("/console/warehouses/{code}/manifests/{}", m.id)).into_response())
}

pub async fn close(
    State(state): State<AppState>,
    op: ConsoleOperator,
    Path((code, raw)): Path<(String, String)>,
) -> PageResult<Response> {
    let m = manifest_of(&state, &op, &code, &raw).await?;
    let lang = op.ctx.lang;
    let flash = match commands::close_manifest(&state, &op.actor(), m.id).await {
        Ok(closed) => Flash::success(format!(
            "{}: {} ({})",
            ManifestTexts::get(lang).closed_done,
            closed.id,
            closed.shipment_ids.len()
        )),
        Err(e) if e.code.http_status() < 500 => Flash::error(refusal(&e, &op)),
        Err(e) => return Err(e.into()),
    };
    op.session.flash(flash).await?;
    Ok(Redirect::to(&format!("/console/warehouses/{code}/manifests/{}", m.id)).into_response())
}

pub async fn document(
    State(state): State<AppState>,
    op: ConsoleOperator,
    Path((code, raw)): Path<(String, String)>,
) -> PageResult<Response> {
    let m = manifest_of(&state, &op, &code, &raw).await?;
    Ok(commands::manifest_document(&state, m.id, op.ctx.lang)
        .await?
        .into_response())
}
