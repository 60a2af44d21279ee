//! The Onflow envelope (SPEC §1.2) and the extractors that keep every reply inside it.
//!
//! Handlers return [`Data`], [`Created`] or [`Page`] on success and [`ApiError`] on failure.
//! [`envelope_layer`] runs around everything: it reads the language, and renders any error —
//! from a handler, routing, a rejected body, a panic — as the envelope with `log_id`.

use crate::error::ApiError;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::{ACCEPT_LANGUAGE, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use depot_domain::{ErrorCode, Lang};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

pub const API_VERSION: &str = "1.0.3";
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The envelope's fields, in the documented order.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Envelope<T> {
    pub data: Option<T>,
    pub error: bool,
    pub error_code: Option<&'static str>,
    pub log_id: Option<String>,
    pub messages: String,
    pub total: i64,
    pub version: &'static str,
    pub error_detail: Option<Value>,
}

impl<T: Serialize> Envelope<T> {
    pub fn ok(data: T, total: i64) -> Envelope<T> {
        Envelope {
            data: Some(data),
            error: false,
            error_code: None,
            log_id: None,
            messages: "OK".to_string(),
            total,
            version: API_VERSION,
            error_detail: None,
        }
    }
}

fn json_response<T: Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => {
            let mut res = Response::new(Body::from(bytes));
            *res.status_mut() = status;
            res.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            res
        }
        Err(_) => ApiError::internal().into_response(),
    }
}

/// 200 with one object (`total: 1`).
pub struct Data<T>(pub T);

impl<T: Serialize> IntoResponse for Data<T> {
    fn into_response(self) -> Response {
        json_response(StatusCode::OK, &Envelope::ok(self.0, 1))
    }
}

/// 201 with the created object.
pub struct Created<T>(pub T);

impl<T: Serialize> IntoResponse for Created<T> {
    fn into_response(self) -> Response {
        json_response(StatusCode::CREATED, &Envelope::ok(self.0, 1))
    }
}

/// 200 with a list: `data` is the page, `total` the count of all matches; `next` becomes a
/// `Link: <…>; rel="next"` header.
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub next: Option<String>,
}

impl<T: Serialize> IntoResponse for Page<T> {
    fn into_response(self) -> Response {
        let mut res = json_response(StatusCode::OK, &Envelope::ok(self.items, self.total));
        if let Some(next) = self.next {
            if let Ok(v) = HeaderValue::from_str(&format!("<{next}>; rel=\"next\"")) {
                res.headers_mut().insert("link", v);
            }
        }
        res
    }
}

/// What rendering a reply needs to know about its request.
#[derive(Debug, Clone)]
pub struct ReplyContext {
    pub lang: Lang,
    pub request_id: Option<String>,
}

/// Renders every error response as the envelope. Runs outside routing, so it also sees the
/// fallback's 404, the 405s, rejected bodies and caught panics.
pub async fn envelope_layer(mut req: Request, next: Next) -> Response {
    let lang = Lang::from_accept_language(
        req.headers()
            .get(ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let request_id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let context = ReplyContext { lang, request_id };
    req.extensions_mut().insert(lang);
    req.extensions_mut().insert(context.clone());
    context.render(next.run(req).await)
}

impl ReplyContext {
    /// Gives an error response its envelope body; any other response passes unchanged.
    pub fn render(&self, mut res: Response) -> Response {
        let error = match res.extensions_mut().remove::<ApiError>() {
            Some(error) => error,
            // Web pages render their own errors as HTML.
            None if res.status().as_u16() >= 400 && !is_json(&res) && !is_html(&res) => {
                error_for_status(res.status())
            }
            None => return res,
        };
        let body = Envelope::<()> {
            data: None,
            error: true,
            error_code: Some(error.code.as_str()),
            log_id: self.request_id.clone(),
            messages: error.localized_message(self.lang),
            total: 0,
            version: API_VERSION,
            error_detail: error.detail.as_deref().cloned(),
        };
        let rendered = json_response(error.status(), &body);
        // Keep the headers earlier layers set (Retry-After, RateLimit-*, Allow…).
        let (mut parts, _) = res.into_parts();
        let (new_parts, new_body) = rendered.into_parts();
        parts.status = new_parts.status;
        parts
            .headers
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        parts.headers.remove(axum::http::header::CONTENT_LENGTH);
        Response::from_parts(parts, new_body)
    }
}

fn is_json(res: &Response) -> bool {
    res.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

fn is_html(res: &Response) -> bool {
    res.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}

/// The code for an error response that came from the framework rather than a handler.
fn error_for_status(status: StatusCode) -> ApiError {
    let code = match status.as_u16() {
        401 => ErrorCode::Unauthorized,
        403 => ErrorCode::Forbidden,
        404 => ErrorCode::NotFound,
        405 => ErrorCode::MethodNotAllowed,
        408 => ErrorCode::RequestTimeout,
        413 => ErrorCode::PayloadTooLarge,
        414 => ErrorCode::UriTooLong,
        415 => ErrorCode::UnsupportedMediaType,
        422 => ErrorCode::InvalidPayload,
        431 => ErrorCode::HeadersTooLarge,
        429 => ErrorCode::TooManyRequests,
        400..=499 => ErrorCode::BadRequest,
        503 => ErrorCode::ServiceUnavailable,
        _ => ErrorCode::InternalServerError,
    };
    ApiError::new(code)
}

/// Routing fallback: an unknown path.
pub async fn not_found() -> ApiError {
    ApiError::not_found()
}

/// A known path with a method it does not serve.
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(ErrorCode::MethodNotAllowed)
}

/// What a caught panic answers; the server lives on.
pub fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("handler panicked");
    ApiError::internal().into_response()
}

/// The request's language and id, set by [`envelope_layer`].
impl<S: Send + Sync> FromRequestParts<S> for ReplyContext {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<ReplyContext>()
            .cloned()
            .unwrap_or(ReplyContext {
                lang: Lang::default(),
                request_id: None,
            }))
    }
}

/// A JSON body whose failures answer `INVALID_PAYLOAD` naming the field
/// (`{"items[0].product_quantity": ["invalid type: …"]}`). Unknown fields are ignored.
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let json = is_json_request(req.headers());
        let bytes = read_body(req, state).await?;
        if bytes.is_empty() {
            return Err(ApiError::invalid_field("body", "a JSON body is required"));
        }
        if !json {
            return Err(unsupported_media_type());
        }
        parse_json(&bytes).map(Json)
    }
}

/// A JSON body that may be absent: an empty body reads as `T::default()`.
pub struct OptionalJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let json = is_json_request(req.headers());
        let bytes = read_body(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(T::default()));
        }
        if !json {
            return Err(unsupported_media_type());
        }
        parse_json(&bytes).map(OptionalJson)
    }
}

/// Whether a request declares a JSON body: `Content-Type: application/json`, optionally with
/// `charset=utf-8` (JSON is UTF-8). A body sent as anything else, or undeclared, is not read:
/// a client that mislabels its body may not be speaking JSON at all.
pub fn is_json_request(headers: &axum::http::HeaderMap) -> bool {
    let Some(mime) = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
    else {
        return false;
    };
    mime.type_() == mime::APPLICATION
        && mime.subtype() == mime::JSON
        && mime.suffix().is_none()
        && mime.params().all(|(name, value)| {
            name == mime::CHARSET && value.as_str().eq_ignore_ascii_case("utf-8")
        })
}

/// 415 `UNSUPPORTED_MEDIA_TYPE`, naming the header.
pub fn unsupported_media_type() -> ApiError {
    ApiError::new(ErrorCode::UnsupportedMediaType).with_detail(serde_json::json!({
        "content-type": ["must be application/json"]
    }))
}

async fn read_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(ErrorCode::PayloadTooLarge)
        } else {
            ApiError::new(ErrorCode::BadRequest)
        }
    })
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    crate::text::check_json(bytes)?;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed: Result<T, _> = serde_path_to_error::deserialize(&mut de);
    let value = parsed.map_err(|err| {
        let message = without_position(&err.inner().to_string());
        // Broken JSON is about the body as a whole, wherever the parser happened to be.
        let path = match err.inner().classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                ".".to_string()
            }
            _ => err.path().to_string(),
        };
        // "missing field `sku`" at path "items[0]" names the field itself.
        let field = match message
            .strip_prefix("missing field `")
            .and_then(|m| m.strip_suffix('`'))
        {
            Some(name) if path == "." => name.to_string(),
            Some(name) => format!("{path}.{name}"),
            None if path == "." => "body".to_string(),
            None => path,
        };
        ApiError::invalid_field(field, message)
    })?;
    de.end()
        .map_err(|e| ApiError::invalid_field("body", without_position(&e.to_string())))?;
    Ok(value)
}

/// serde_json appends " at line 1 column 7"; the field path already says where.
fn without_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// Query-string parameters whose failures answer `INVALID_PAYLOAD` in the envelope.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(Query)
            .map_err(|err| {
                let path = err.path().to_string();
                let field = if path == "." {
                    "query".to_string()
                } else {
                    path
                };
                ApiError::invalid_field(field, err.inner().to_string())
            })
    }
}
