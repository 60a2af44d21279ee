//! What the catalog pages share (products, stock, inbound, returns, videos): status badges,
//! an API error as lines on a form, the warehouse and product choices, and page links.

use depot_api::error::ApiError;
use depot_api::merchant::products::ProductQuery;
use depot_api::AppState;
use depot_domain::status::{PoStatus, ReturnStatus};
use depot_domain::Lang;
use depot_store::list::PageRequest;
use depot_web::PageResult;

/// Rows a list page shows at once.
pub const PAGE_SIZE: i64 = 50;

/// The badge colour of a product status (`NEW`, `ACTIVE`, `INACTIVE`).
pub fn product_badge(status: &str) -> &'static str {
    match status {
        "ACTIVE" => "badge-ok",
        "NEW" => "badge-info",
        _ => "badge-muted",
    }
}

/// A product status in the page's language.
pub fn product_status_label(status: &str, lang: Lang) -> &'static str {
    match status {
        "NEW" => lang.pick("Mới tạo", "New"),
        "ACTIVE" => lang.pick("Đang hoạt động", "Active"),
        _ => lang.pick("Ngừng hoạt động", "Inactive"),
    }
}

pub fn po_badge(s: PoStatus) -> &'static str {
    match s {
        PoStatus::Transit => "badge-info",
        PoStatus::Receiving => "badge-warn",
        PoStatus::Completed => "badge-ok",
        PoStatus::Cancelled => "badge-muted",
    }
}

pub fn return_badge(s: ReturnStatus) -> &'static str {
    match s {
        ReturnStatus::New => "badge-info",
        ReturnStatus::Received => "badge-warn",
        ReturnStatus::Completed => "badge-ok",
        ReturnStatus::Problem => "badge-danger",
        ReturnStatus::Cancelled => "badge-muted",
    }
}

/// A refused operation for a form: its message in the page's language and, for a refused
/// field, one line per message, each field named by `label`.
pub struct FormError {
    pub message: String,
    pub details: Vec<String>,
}

impl FormError {
    pub fn new(e: &ApiError, lang: Lang, label: impl Fn(&str) -> String) -> FormError {
        FormError {
            message: e.localized_message(lang),
            details: details(e, label),
        }
    }

    /// Everything on one line (a table cell, a flash message).
    pub fn one_line(&self) -> String {
        if self.details.is_empty() {
            self.message.clone()
        } else {
            format!("{} {}", self.message, self.details.join("; "))
        }
    }
}

/// `error_detail` as lines: `Weight: must be > 0`.
pub fn details(e: &ApiError, label: impl Fn(&str) -> String) -> Vec<String> {
    let Some(detail) = e.detail.as_deref().and_then(|d| d.as_object()) else {
        return Vec::new();
    };
    detail
        .iter()
        .flat_map(|(field, messages)| {
            let texts: Vec<String> = match messages {
                serde_json::Value::Array(list) => list
                    .iter()
                    .map(|m| match m {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect(),
                serde_json::Value::String(s) => vec![s.clone()],
                other => vec![other.to_string()],
            };
            let name = label(field);
            texts
                .into_iter()
                .map(move |m| format!("{name}: {m}"))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// A `<select>` option.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// Every warehouse, as options (the one named `selected` chosen).
pub async fn warehouse_choices(state: &AppState, selected: &str) -> PageResult<Vec<Choice>> {
    Ok(state
        .db
        .warehouses()
        .await?
        .into_iter()
        .map(|w| Choice {
            selected: w.warehouse_code == selected,
            label: format!("{} — {}", w.warehouse_code, w.name),
            value: w.warehouse_code,
        })
        .collect())
}

/// The business's ACTIVE products (those that can be shipped, received or returned), as
/// options.
pub async fn product_choices(state: &AppState, business_id: i64) -> PageResult<Vec<Choice>> {
    let query = ProductQuery {
        status: Some("ACTIVE".into()),
        ..ProductQuery::default()
    };
    let page = PageRequest {
        page: 1,
        page_size: 500,
        after: None,
    };
    let found = depot_api::merchant::products::list(state, business_id, query, &page).await?;
    Ok(found
        .items
        .iter()
        .map(|p| Choice {
            value: p.oasin(),
            label: format!("{} — {}", p.fields.sku, p.fields.name),
            selected: false,
        })
        .collect())
}

/// A text field: trimmed, `None` when empty.
pub fn opt(value: &str) -> Option<String> {
    let v = value.trim();
    (!v.is_empty()).then(|| v.to_string())
}

/// The previous and next pages of a numbered list, keeping its filters.
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// `query` is the list's filters as `key=value&…` without `page`.
    pub fn new(path: &str, query: &[(&str, &str)], page: i64, total: i64) -> Pager {
        let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
        let link = |n: i64| {
            let mut pairs: Vec<(&str, String)> = query
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| (*k, v.to_string()))
                .collect();
            pairs.push(("page", n.to_string()));
            format!(
                "{path}?{}",
                serde_urlencoded::to_string(&pairs).unwrap_or_default()
            )
        };
        Pager {
            page,
            pages,
            prev: (page > 1).then(|| link(page - 1)),
            next: (page < pages).then(|| link(page + 1)),
        }
    }
}

/// A page number from the query string (1 when absent or unreadable).
pub fn page_number(text: Option<&str>) -> i64 {
    text.and_then(|t| t.trim().parse::<i64>().ok())
        .filter(|n| (1..=100_000).contains(n))
        .unwrap_or(1)
}

pub fn page_request(page: i64) -> PageRequest {
    PageRequest {
        page,
        page_size: PAGE_SIZE,
        after: None,
    }
}

/// Units with thousands separated the Vietnamese way (`1.250`).
pub fn units(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}
