//! `Form<T>`: a URL-encoded form body. A body that is not one answers the HTML 400 page (not
//! axum's plain-text rejection). The `csrf` field is the cross-site layer's business; forms
//! need not declare it (unknown fields are ignored).

use crate::error::PageError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

pub struct Form<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Form<T> {
    type Rejection = PageError;
    async fn from_request(req: Request, state: &S) -> Result<Self, PageError> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| PageError::BadRequest)?;
        // The API's text rule: no control characters (line breaks only in free text).
        if depot_api::text::first_refused_param(&String::from_utf8_lossy(&bytes)).is_some() {
            return Err(PageError::BadRequest);
        }
        serde_urlencoded::from_bytes(&bytes).map(Form).map_err(|e| {
            tracing::info!(error = %e, "unreadable form");
            PageError::BadRequest
        })
    }
}

/// Optional text fields arrive as "" when left empty; this reads them as None.
pub fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}
