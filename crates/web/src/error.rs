//! What a page answers when it cannot show itself: 404 for what does not exist or is not the
//! caller's (exactly as the API), 403, a refused form, 500 — each as an HTML page in the
//! page's language, rendered by [`error_pages`] around every face. A page that needs a
//! signed-in person redirects to its face's sign-in instead.

use crate::face::Face;
use crate::i18n::Common;
use crate::lang::PageLang;
use crate::page::{render_with_status, BareCtx};
use askama::Template;
use axum::extract::Request;
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use depot_api::error::ApiError;
use depot_domain::ErrorCode;

#[derive(Debug, Clone)]
pub enum PageError {
    /// Not there, or another business's: 404.
    NotFound,
    /// Signed in, but this role may not: 403.
    Forbidden,
    /// A form that changes something failed the cross-site check: 403.
    CsrfRefused,
    /// A request no page can read (a malformed form): 400.
    BadRequest,
    /// Something broke on our side (logged): 500.
    Internal,
    /// Not signed in (or the session ended): 303 to this address.
    Redirect(String),
}

impl PageError {
    fn status(&self) -> StatusCode {
        match self {
            PageError::NotFound => StatusCode::NOT_FOUND,
            PageError::Forbidden | PageError::CsrfRefused => StatusCode::FORBIDDEN,
            PageError::BadRequest => StatusCode::BAD_REQUEST,
            PageError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            PageError::Redirect(_) => StatusCode::SEE_OTHER,
        }
    }
}

/// Marks a response the error layer should turn into a page.
#[derive(Debug, Clone)]
struct Rendered(PageError);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if let PageError::Redirect(to) = &self {
            return Redirect::to(to).into_response();
        }
        let mut res = self.status().into_response();
        res.extensions_mut().insert(Rendered(self));
        res
    }
}

impl From<depot_store::StoreError> for PageError {
    fn from(e: depot_store::StoreError) -> Self {
        tracing::error!(error = %e, "store error on a page");
        PageError::Internal
    }
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        match e.code.http_status() {
            404 => PageError::NotFound,
            403 => PageError::Forbidden,
            400..=499 => PageError::BadRequest,
            _ => {
                tracing::error!(code = e.code.as_str(), "operation failed on a page");
                PageError::Internal
            }
        }
    }
}

pub type PageResult<T = Response> = Result<T, PageError>;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    ctx: BareCtx,
    heading: &'static str,
    message: String,
    reload: bool,
}

/// Renders every error response of a face as an HTML page: a [`PageError`], and also what
/// the router answers by itself (405, a rejected body).
pub async fn error_pages(req: Request, next: Next) -> Response {
    let lang = req
        .extensions()
        .get::<PageLang>()
        .map(|l| l.0)
        .unwrap_or_default();
    let face = req.extensions().get::<Face>().copied();
    let res = next.run(req).await;
    let status = res.status();
    let marked = res.extensions().get::<Rendered>().cloned();
    let is_html = res
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if marked.is_none() && (status.as_u16() < 400 || is_html) {
        return res;
    }
    let error = marked.map(|r| r.0).unwrap_or(match status.as_u16() {
        404 => PageError::NotFound,
        403 => PageError::Forbidden,
        400..=499 => PageError::BadRequest,
        _ => PageError::Internal,
    });
    let t = Common::get(lang);
    let (heading, message, reload) = match &error {
        PageError::NotFound => (t.not_found_title, t.not_found_body.to_string(), false),
        PageError::Forbidden => (
            t.forbidden_title,
            ErrorCode::Forbidden.message(lang, &[]),
            false,
        ),
        PageError::CsrfRefused => (
            t.refused_title,
            ErrorCode::CsrfRefused.message(lang, &[]),
            true,
        ),
        PageError::BadRequest => (
            t.error_title,
            if status == StatusCode::METHOD_NOT_ALLOWED {
                ErrorCode::MethodNotAllowed.message(lang, &[])
            } else {
                ErrorCode::BadRequest.message(lang, &[])
            },
            false,
        ),
        PageError::Internal | PageError::Redirect(_) => (
            t.error_title,
            ErrorCode::InternalServerError.message(lang, &[]),
            true,
        ),
    };
    let page = ErrorPage {
        ctx: crate::page::PageCtx::bare(lang, face, heading),
        heading,
        message,
        reload,
    };
    render_with_status(status, &page)
}
