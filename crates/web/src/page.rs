//! What every page template gets ([`PageCtx`], the `ctx` of `layout.html`) and how a template
//! becomes a response ([`render`]).

use crate::face::Face;
use crate::i18n::Common;
use crate::session::{Flash, WebSession};
use crate::{Lang, PageError};
use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// One entry of a face's navigation.
#[derive(Debug, Clone)]
pub struct NavLink {
    pub href: String,
    pub label: &'static str,
    /// The page shown is this entry's (or below it).
    pub current: bool,
}

/// The layout's data: language, the face, the session's form token and pending message, the
/// navigation and who is signed in. Faces fill `nav` and `account` in their sign-in
/// extractors; a page template embeds it as `ctx`.
#[derive(Debug, Clone)]
pub struct PageCtx {
    pub lang: Lang,
    /// `vi` or `en`, for `<html lang>`.
    pub html_lang: &'static str,
    pub t: &'static Common,
    pub face: Option<Face>,
    /// The token every form that changes something carries (`<input name="csrf">`).
    pub csrf: String,
    /// This page in each language (`?lang=`).
    pub url_vi: String,
    pub url_en: String,
    pub path: String,
    pub nav: Vec<NavLink>,
    /// Who is signed in (an email), shown with the sign-out button.
    pub account: Option<String>,
    pub flash: Option<Flash>,
    pub asset_version: &'static str,
    pub htmx: &'static str,
}

/// The context of a page without a session (error pages).
pub type BareCtx = PageCtx;

fn html_lang(lang: Lang) -> &'static str {
    match lang {
        Lang::Vi => "vi",
        Lang::En => "en",
    }
}

/// `path?query` with `lang` set to `code` (other parameters kept).
fn with_lang(path: &str, query: Option<&str>, code: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default();
    pairs.retain(|(k, _)| k != "lang");
    pairs.push(("lang".into(), code.into()));
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    format!("{path}?{query}")
}

impl PageCtx {
    pub fn new(lang: Lang, face: Option<Face>, path: &str, query: Option<&str>) -> PageCtx {
        PageCtx {
            lang,
            html_lang: html_lang(lang),
            t: Common::get(lang),
            face,
            csrf: String::new(),
            url_vi: with_lang(path, query, "vi"),
            url_en: with_lang(path, query, "en"),
            path: path.to_string(),
            nav: Vec::new(),
            account: None,
            flash: None,
            asset_version: crate::assets::version(),
            htmx: crate::assets::HTMX,
        }
    }

    /// For an error page: no session, no navigation.
    pub fn bare(lang: Lang, face: Option<Face>, _title: &str) -> BareCtx {
        PageCtx::new(lang, face, face.map(|f| f.home()).unwrap_or("/"), None)
    }

    /// The face's name for the header.
    pub fn face_name(&self) -> &'static str {
        match self.face {
            Some(f) => f.name(self.lang),
            None => "Depot",
        }
    }

    pub fn home(&self) -> &'static str {
        self.face.map(|f| f.home()).unwrap_or("/")
    }

    /// The sign-out form's address.
    pub fn sign_out_url(&self) -> String {
        format!("{}/logout", self.face.map(|f| f.prefix).unwrap_or(""))
    }

    pub fn is_en(&self) -> bool {
        self.lang == Lang::En
    }

    /// Marks the navigation entry whose address starts this page's path.
    pub fn with_nav(mut self, links: Vec<(String, &'static str)>) -> PageCtx {
        let path = self.path.clone();
        self.nav = links
            .into_iter()
            .map(|(href, label)| {
                // `/console/` is the start page only; `/portal/webhooks` also covers
                // `/portal/webhooks/12`.
                let base = href.trim_end_matches('/');
                let is_home = base.matches('/').count() <= 1;
                let current = path.trim_end_matches('/') == base
                    || (!is_home && path.starts_with(&format!("{base}/")));
                NavLink {
                    href,
                    label,
                    current,
                }
            })
            .collect();
        self
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PageCtx {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        let lang = crate::lang::page_lang(parts);
        let face = parts.extensions.get::<Face>().copied();
        let session = WebSession::from_request_parts(parts, state).await?;
        let uri = original_uri(parts);
        let mut ctx = PageCtx::new(lang, face, uri.path(), uri.query());
        ctx.csrf = session.csrf_token().await?;
        ctx.flash = session.take_flash().await?;
        Ok(ctx)
    }
}

/// The request's address as the browser sent it (a face's router sees it without the
/// face's prefix).
pub fn original_uri(parts: &Parts) -> axum::http::Uri {
    parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map(|o| o.0.clone())
        .unwrap_or_else(|| parts.uri.clone())
}

/// A template as a 200 HTML response.
pub fn render<T: Template>(template: &T) -> Response {
    render_with_status(StatusCode::OK, template)
}

/// A template as an HTML response with this status (a form shown again with its errors
/// answers the error's status, e.g. 422).
pub fn render_with_status<T: Template>(status: StatusCode, template: &T) -> Response {
    match template.render() {
        Ok(html) => {
            let mut res = (status, html).into_response();
            res.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            res
        }
        Err(e) => {
            tracing::error!(error = %e, "rendering a page");
            PageError::Internal.into_response()
        }
    }
}
