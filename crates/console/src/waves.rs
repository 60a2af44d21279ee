//! `/console/warehouses/{code}/waves/{wave_id}` (SPEC §11 "Release"): a released wave, its
//! shipments and its pick list PDF (the operator API's own command renders it).

use crate::auth::ConsoleOperator;
use crate::floor_tabs::{tabs, FloorTexts, ShipmentRow, Tab};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use depot_api::ops::commands;
use depot_api::AppState;
use depot_domain::ErrorCode;
use depot_store::list::PageRequest;
use depot_store::shipments::FloorShipmentFilter;
use depot_web::{render, texts, PageCtx, PageError, PageResult};

texts! {
    pub struct WaveTexts {
        title: "Đợt lấy hàng", "Wave";
        created_by: "Phát hành bởi", "Released by";
        created: "Phát hành lúc", "Released";
        pick_list: "In phiếu lấy hàng (PDF)", "Print the pick list (PDF)";
        shipments: "Vận đơn trong đợt", "Shipments in the wave";
        next: "Xác nhận lấy hàng", "Confirm picks";
    }
}

#[derive(Template)]
#[template(path = "floor/wave.html")]
struct WavePage {
    ctx: PageCtx,
    t: &'static WaveTexts,
    ft: &'static FloorTexts,
    tabs: Vec<Tab>,
    code: String,
    wave_id: i64,
    created_by: String,
    created: String,
    rows: Vec<ShipmentRow>,
    selectable: bool,
}

/// The wave, or 404 when it is unknown or another warehouse's.
async fn wave_of(
    state: &AppState,
    op: &ConsoleOperator,
    code: &str,
    raw: &str,
) -> PageResult<depot_store::floor::waves::Wave> {
    op.warehouse(code)?;
    let id = commands::parse_id(raw, ErrorCode::WaveNotFound)?;
    let wave = commands::wave(state, id).await?;
    if wave.warehouse_code != code {
        return Err(PageError::NotFound);
    }
    Ok(wave)
}

pub async fn wave_page(
    State(state): State<AppState>,
    op: ConsoleOperator,
    Path((code, raw)): Path<(String, String)>,
) -> PageResult<Response> {
    let wave = wave_of(&state, &op, &code, &raw).await?;
    let lang = op.ctx.lang;
    let filter = FloorShipmentFilter {
        wave_id: Some(wave.id),
        ..FloorShipmentFilter::default()
    };
    let found = state
        .db
        .list_floor_shipments(
            &filter,
            &PageRequest {
                page: 1,
                page_size: depot_domain::floor::MAX_CODES as i64,
                after: None,
            },
        )
        .await?;
    Ok(render(&WavePage {
        t: WaveTexts::get(lang),
        ft: FloorTexts::get(lang),
        tabs: tabs(&code, lang, "release"),
        code,
        wave_id: wave.id,
        created_by: wave.created_by.clone(),
        created: depot_web::time_fmt::datetime(wave.created_time),
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

pub async fn pick_list(
    State(state): State<AppState>,
    op: ConsoleOperator,
    Path((code, raw)): Path<(String, String)>,
) -> PageResult<Response> {
    let wave = wave_of(&state, &op, &code, &raw).await?;
    Ok(commands::pick_list(&state, wave.id, op.ctx.lang)
        .await?
        .into_response())
}
