//! `/console/warehouses/{code}/pick` (SPEC §11 "Pick confirm"): scan or type a tracking code
//! → PICKED (the reserved goods leave the shelf), through the operator API's status move.
//! Made for a keyboard-wedge scanner: the field has the focus, Enter submits, and the page
//! comes back ready for the next scan with the last result on top.

use crate::auth::ConsoleOperator;
use crate::floor_tabs::{refusal, tabs, FloorTexts, Tab};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use depot_api::ops::commands;
use depot_api::AppState;
use depot_domain::status::ShipmentStatus;
use depot_web::{render, texts, Flash, Form, PageCtx, PageResult};
use serde::Deserialize;

texts! {
    pub struct PickTexts {
        title: "Xác nhận lấy hàng", "Confirm picks";
        intro: "Quét hoặc nhập mã vận đơn đã lấy đủ hàng, rồi nhấn Enter.", "Scan or type the tracking code of a shipment whose goods are picked, then press Enter.";
        confirm: "Xác nhận đã lấy hàng", "Confirm picked";
        picked: "Đã lấy hàng", "Picked";
    }
}

#[derive(Template)]
#[template(path = "floor/pick.html")]
struct PickPage {
    ctx: PageCtx,
    t: &'static PickTexts,
    ft: &'static FloorTexts,
    tabs: Vec<Tab>,
    code: String,
}

pub async fn pick_page(op: ConsoleOperator, Path(code): Path<String>) -> PageResult<Response> {
    op.warehouse(&code)?;
    let lang = op.ctx.lang;
    Ok(render(&PickPage {
        t: PickTexts::get(lang),
        ft: FloorTexts::get(lang),
        tabs: tabs(&code, lang, "pick"),
        code,
        ctx: op.ctx,
    })
    .into_response())
}

#[derive(Debug, Deserialize)]
pub struct PickForm {
    #[serde(default)]
    pub tracking_code: String,
}

pub async fn pick(
    State(state): State<AppState>,
    op: ConsoleOperator,
    Path(code): Path<String>,
    Form(form): Form<PickForm>,
) -> PageResult<Response> {
    op.warehouse(&code)?;
    let lang = op.ctx.lang;
    let tracking = form.tracking_code.trim();
    let flash = match commands::floor_move(
        &state,
        &op.actor(),
        lang,
        &code,
        tracking,
        ShipmentStatus::Picked,
        None,
    )
    .await
    {
        Ok(s) => Flash::success(format!(
            "{}: {}",
            PickTexts::get(lang).picked,
            s.tracking_code()
        )),
        Err(e) if e.code.http_status() < 500 => {
            Flash::error(format!("{tracking}: {}", refusal(&e, &op)))
        }
        Err(e) => return Err(e.into()),
    };
    op.session.flash(flash).await?;
    Ok(Redirect::to(&format!("/console/warehouses/{code}/pick")).into_response())
}
