//! The page language: Vietnamese by default; `?lang=en|vi` on any page switches it and is
//! remembered in a cookie (`depot_lang`, a year, every path) so the next pages follow.

use crate::Lang;
use axum::extract::Request;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

pub const LANG_COOKIE: &str = "depot_lang";

/// The language a page request asked for, set by [`lang_layer`].
#[derive(Debug, Clone, Copy)]
pub struct PageLang(pub Lang);

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// `?lang=` of a query string, when it names a language we speak.
pub fn query_lang(query: Option<&str>) -> Option<Lang> {
    form_pairs(query.unwrap_or(""))
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Lang::parse(&v))
}

fn form_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .unwrap_or_default()
        .into_iter()
}

/// Decides the page language and remembers a switch.
pub async fn lang_layer(mut req: Request, next: Next) -> Response {
    let asked = query_lang(req.uri().query());
    let lang = asked
        .or_else(|| cookie(req.headers(), LANG_COOKIE).and_then(Lang::parse))
        .unwrap_or_default();
    req.extensions_mut().insert(PageLang(lang));
    let mut res = next.run(req).await;
    if let Some(lang) = asked {
        let code = match lang {
            Lang::Vi => "vi",
            Lang::En => "en",
        };
        let value = format!("{LANG_COOKIE}={code}; Path=/; Max-Age=31536000; SameSite=Lax");
        if let Ok(v) = HeaderValue::from_str(&value) {
            res.headers_mut().append(SET_COOKIE, v);
        }
    }
    res
}

/// The page language of a request that went through [`lang_layer`].
pub fn page_lang(parts: &Parts) -> Lang {
    parts
        .extensions
        .get::<PageLang>()
        .map(|l| l.0)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_query_and_cookies() {
        assert_eq!(query_lang(Some("a=1&lang=en")), Some(Lang::En));
        assert_eq!(query_lang(Some("lang=fr")), None);
        assert_eq!(query_lang(None), None);
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_static("a=b; depot_lang=en"));
        assert_eq!(cookie(&headers, LANG_COOKIE), Some("en"));
        assert_eq!(cookie(&headers, "x"), None);
    }
}
