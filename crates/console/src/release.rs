//! `/console/warehouses/{code}/release` (SPEC §11 "Release"): the warehouse's NEW shipments,
//! narrowed by platform, courier and age, released as one wave (→ ALLOCATED) through the
//! operator API's own command.

use crate::auth::ConsoleOperator;
use crate::floor_tabs::{refusal, tabs, FloorTexts, ShipmentRow, Tab};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use depot_api::ops::commands;
use depot_api::AppState;
use depot_domain::status::ShipmentStatus;
use depot_store::list::{PageRequest, TimeRange};
use depot_store::shipments::{FloorShipmentFilter, ShipmentFilter};
use depot_web::{render, texts, Flash, Form, PageCtx, PageResult};
use serde::Deserialize;

texts! {
    pub struct ReleaseTexts {
        title: "Phát hành đợt lấy hàng", "Release a wave";
        intro: "Chọn các vận đơn MỚI TẠO và phát hành thành một đợt: chúng chuyển sang ĐÃ PHÂN BỔ và có phiếu lấy hàng.", "Choose NEW shipments and release them as one wave: they become ALLOCATED and get a pick list.";
        filters: "Lọc", "Filter";
        platform: "Nền tảng", "Platform";
        any: "Tất cả", "Any";
        courier: "Đơn vị vận chuyển", "Courier";
        older_than: "Tạo trước (giờ)", "Older than (hours)";
        apply: "Lọc", "Apply";
        release: "Phát hành đợt", "Release wave";
        shown: "vận đơn đang chờ", "shipments waiting";
        released: "Đã phát hành đợt", "Released wave";
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ReleaseQuery {
    pub platform: Option<String>,
    pub courier: Option<String>,
    pub older_than_hours: Option<String>,
}

#[derive(Template)]
#[template(path = "floor/release.html")]
struct ReleasePage {
    ctx: PageCtx,
    t: &'static ReleaseTexts,
    ft: &'static FloorTexts,
    tabs: Vec<Tab>,
    code: String,
    platforms: Vec<(&'static str, bool)>,
    courier: String,
    older_than_hours: String,
    rows: Vec<ShipmentRow>,
    total: i64,
    selectable: bool,
    error: Option<String>,
}

/// The most shipments one release page lists (and so one wave from it takes).
const PAGE: i64 = 200;

async fn page(
    state: &AppState,
    op: ConsoleOperator,
    code: String,
    q: ReleaseQuery,
    error: Option<String>,
) -> PageResult<Response> {
    let lang = op.ctx.lang;
    let blank = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let platform = blank(&q.platform);
    let courier = blank(&q.courier);
    let older: Option<i64> = blank(&q.older_than_hours)
        .and_then(|h| h.parse::<i64>().ok())
        .filter(|h| *h >= 0);
    let times = TimeRange {
        created_time_to: older
            .and_then(|h| h.checked_mul(3600))
            .map(|s| state.now().saturating_sub(s)),
        ..TimeRange::default()
    };
    let filter = FloorShipmentFilter {
        shipments: ShipmentFilter {
            status: Some(ShipmentStatus::New.value()),
            warehouse_code: Some(code.clone()),
            platform: platform.clone(),
            times,
            ..ShipmentFilter::default()
        },
        ..FloorShipmentFilter::default()
    };
    let found = state
        .db
        .list_floor_shipments(
            &filter,
            &PageRequest {
                page: 1,
                page_size: PAGE,
                after: None,
            },
        )
        .await?;
    // The courier is the merchant's free text: matched here, case-insensitively.
    let rows: Vec<ShipmentRow> = found
        .items
        .iter()
        .filter(|s| match &courier {
            None => true,
            Some(c) => s
                .courier_name
                .as_deref()
                .is_some_and(|n| n.to_lowercase().contains(&c.to_lowercase())),
        })
        .map(|s| ShipmentRow::new(s, lang))
        .collect();
    let platforms = depot_api::merchant::shipments::PLATFORMS
        .iter()
        .map(|p| (*p, platform.as_deref() == Some(*p)))
        .collect();
    Ok(render(&ReleasePage {
        t: ReleaseTexts::get(lang),
        ft: FloorTexts::get(lang),
        tabs: tabs(&code, lang, "release"),
        code,
        platforms,
        courier: courier.unwrap_or_default(),
        older_than_hours: older.map(|h| h.to_string()).unwrap_or_default(),
        total: found.total,
        selectable: !rows.is_empty(),
        rows,
        error,
        ctx: op.ctx,
    })
    .into_response())
}

pub async fn release_page(
    State(state): State<AppState>,
    op: ConsoleOperator,
    Path(code): Path<String>,
    Query(q): Query<ReleaseQuery>,
) -> PageResult<Response> {
    op.warehouse(&code)?;
    page(&state, op, code, q, None).await
}

pub async fn release(
    State(state): State<AppState>,
    op: ConsoleOperator,
    Path(code): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    op.warehouse(&code)?;
    let codes: Vec<String> = pairs
        .into_iter()
        .filter(|(k, _)| k == "tracking_code")
        .map(|(_, v)| v)
        .collect();
    let lang = op.ctx.lang;
    match commands::release_wave(&state, &op.actor(), lang, &code, codes).await {
        Ok(wave) => {
            let t = ReleaseTexts::get(lang);
            op.session
                .flash(Flash::success(format!("{} {}", t.released, wave.id)))
                .await?;
            Ok(
                Redirect::to(&format!("/console/warehouses/{code}/waves/{}", wave.id))
                    .into_response(),
            )
        }
        Err(e) if e.code.http_status() < 500 && e.code.http_status() != 404 => {
            let message = refusal(&e, &op);
            page(&state, op, code, ReleaseQuery::default(), Some(message)).await
        }
        Err(e) => Err(e.into()),
    }
}
