//! What the console's pages share: an operation's refusal as text for the page, and the
//! warehouse a floor page works in.

use crate::auth::ConsoleOperator;
use depot_api::error::ApiError;
use depot_api::AppState;
use depot_domain::{ErrorCode, Lang};
use depot_store::catalog::Warehouse;
use depot_web::{PageError, PageResult};
use serde_json::Value;

/// A refused operation as the page shows it: the message of its error code, then each
/// field's complaint (`items[0].putaway_quantity: must be at most …`).
pub fn refusal(e: &ApiError, lang: Lang) -> Vec<String> {
    let mut lines = vec![e.localized_message(lang)];
    if let Some(detail) = e.detail.as_deref().and_then(Value::as_object) {
        for (field, messages) in detail {
            if let Some(list) = messages.as_array() {
                for m in list.iter().filter_map(Value::as_str) {
                    lines.push(format!("{field}: {m}"));
                }
            }
        }
    }
    lines
}

/// Whether a page shows the refusal on itself (a bad input, a code that names nothing the
/// operator can act on) or the error page (forbidden, a failure on our side).
pub fn is_shown_on_page(e: &ApiError) -> bool {
    let status = e.code.http_status();
    (400..500).contains(&status) && status != 403 && e.code != ErrorCode::Forbidden
}

/// The HTTP status a page answers with when it shows a refusal.
pub fn refusal_status(e: &ApiError) -> axum::http::StatusCode {
    axum::http::StatusCode::from_u16(e.code.http_status())
        .unwrap_or(axum::http::StatusCode::BAD_REQUEST)
}

/// The warehouse of a floor page: 404 when it does not exist or is outside the operator's
/// warehouses (as if it did not exist).
pub async fn warehouse(
    state: &AppState,
    op: &ConsoleOperator,
    code: &str,
) -> PageResult<Warehouse> {
    op.warehouse(code)?;
    state
        .db
        .warehouses()
        .await?
        .into_iter()
        .find(|w| w.warehouse_code == code)
        .ok_or(PageError::NotFound)
}

/// A form field left empty reads as None.
pub fn filled(value: Option<&String>) -> Option<String> {
    value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// A scan field (keyboard-wedge scanners type the code and press Enter): a GET form with
/// one autofocused input.
pub struct Scan {
    pub action: String,
    pub label: &'static str,
    pub name: &'static str,
    pub hint: &'static str,
    pub button: &'static str,
    pub value: String,
}
