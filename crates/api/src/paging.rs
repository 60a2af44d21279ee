//! `page`, `page_size` and `cursor` (SPEC §1.7), shared by every list.

use crate::envelope::Page;
use crate::error::{ApiError, ApiResult};
use axum::http::Uri;
use depot_store::list::{Cursor, PageOf, PageRequest};
use serde::Deserialize;
use utoipa::IntoParams;

pub const DEFAULT_PAGE_SIZE: i64 = 50;
pub const MAX_PAGE_SIZE: i64 = 200;

/// Read as text so a bad number is our own `INVALID_PAYLOAD`, not a framework error.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct Paging {
    /// 1-based page number (default 1).
    pub page: Option<String>,
    /// Rows per page (default 50, at most 200).
    pub page_size: Option<String>,
    /// Opaque cursor from a previous reply's `Link: rel="next"`; deep pages cost the same as the first.
    pub cursor: Option<String>,
}

impl Paging {
    pub fn request(&self) -> ApiResult<PageRequest> {
        let number =
            |name: &str, value: &Option<String>, default: i64, max: i64| -> ApiResult<i64> {
                match value.as_deref().filter(|v| !v.is_empty()) {
                    None => Ok(default),
                    Some(v) => match v.parse::<i64>() {
                        Ok(n) if (1..=max).contains(&n) => Ok(n),
                        _ => Err(ApiError::invalid_field(
                            name,
                            format!("must be an integer from 1 to {max}"),
                        )),
                    },
                }
            };
        let page = number("page", &self.page, 1, i64::MAX / (MAX_PAGE_SIZE + 1))?;
        let page_size = number(
            "page_size",
            &self.page_size,
            DEFAULT_PAGE_SIZE,
            MAX_PAGE_SIZE,
        )?;
        let after = match self.cursor.as_deref().filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => Some(Cursor::decode(c).ok_or_else(|| {
                ApiError::invalid_field("cursor", "is not a cursor from this API")
            })?),
        };
        Ok(PageRequest {
            page,
            page_size,
            after,
        })
    }
}

/// Turns a store page into the reply, with `Link: <…cursor=…>; rel="next"` built from the
/// request's own path and filters.
pub fn reply<T, V>(uri: &Uri, page: PageOf<T>, view: impl Fn(T) -> V) -> Page<V> {
    let next = page.next.map(|c| next_link(uri, &c));
    Page {
        items: page.items.into_iter().map(view).collect(),
        total: page.total,
        next,
    }
}

fn next_link(uri: &Uri, cursor: &Cursor) -> String {
    let kept = form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .filter(|(k, _)| k != "cursor" && k != "page")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect::<Vec<_>>();
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (k, v) in &kept {
        query.append_pair(k, v);
    }
    query.append_pair("cursor", &cursor.encode());
    format!("{}?{}", uri.path(), query.finish())
}

/// A `status` filter given as a number or a name: its value, or `INVALID_PAYLOAD`.
pub fn status_filter<S>(
    raw: Option<&str>,
    parse: impl Fn(&str) -> Option<S>,
    value: impl Fn(S) -> i64,
) -> ApiResult<Option<i64>> {
    match raw.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => parse(s)
            .map(|status| Some(value(status)))
            .ok_or_else(|| ApiError::invalid_field("status", "is not a status of this list")),
    }
}
