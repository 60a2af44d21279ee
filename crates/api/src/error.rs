//! The one error type every handler returns. It carries what went wrong; the envelope layer
//! (see `envelope.rs`) turns it into the contract's JSON in the request's language, with the
//! request id as `log_id`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use depot_domain::{ErrorCode, Lang};
use serde_json::{json, Map, Value};

#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: ErrorCode,
    /// `error_detail`: field-level messages or the current state (boxed: errors travel in
    /// `Result`s, which should stay small).
    pub detail: Option<Box<Value>>,
    /// Codes that fill `{oasin_list}` in the message.
    pub oasin_list: Vec<String>,
    /// A message more precise than the code's own, as (vi, en).
    pub message: Option<(&'static str, &'static str)>,
}

impl ApiError {
    pub fn new(code: ErrorCode) -> ApiError {
        ApiError {
            code,
            detail: None,
            oasin_list: Vec::new(),
            message: None,
        }
    }

    pub fn with_detail(mut self, detail: Value) -> ApiError {
        self.detail = Some(Box::new(detail));
        self
    }

    pub fn with_message(mut self, vi: &'static str, en: &'static str) -> ApiError {
        self.message = Some((vi, en));
        self
    }

    /// An error about products, naming the offending OASIN codes.
    pub fn products(code: ErrorCode, oasins: Vec<String>) -> ApiError {
        let detail = json!({ "oasin_list": oasins });
        ApiError {
            code,
            detail: Some(Box::new(detail)),
            oasin_list: oasins,
            message: None,
        }
    }

    /// `INVALID_PAYLOAD` with one message per field: `{"items[0].product_quantity": ["must be > 0"]}`.
    pub fn invalid_fields<I, F, M>(fields: I) -> ApiError
    where
        I: IntoIterator<Item = (F, M)>,
        F: Into<String>,
        M: Into<String>,
    {
        let mut detail = Map::new();
        for (field, message) in fields {
            let entry = detail
                .entry(field.into())
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(list) = entry {
                list.push(Value::String(message.into()));
            }
        }
        ApiError::new(ErrorCode::InvalidPayload).with_detail(Value::Object(detail))
    }

    pub fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::invalid_fields([(field.into(), message.into())])
    }

    pub fn not_found() -> ApiError {
        ApiError::new(ErrorCode::NotFound)
    }

    pub fn internal() -> ApiError {
        ApiError::new(ErrorCode::InternalServerError)
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    pub fn localized_message(&self, lang: Lang) -> String {
        match self.message {
            Some((vi, en)) => lang.pick(vi, en).to_string(),
            None => self.code.message(lang, &self.oasin_list),
        }
    }
}

impl From<depot_store::StoreError> for ApiError {
    fn from(err: depot_store::StoreError) -> ApiError {
        tracing::error!(error = %err, "store error");
        ApiError::internal()
    }
}

impl IntoResponse for ApiError {
    /// Leaves the body to the envelope layer, which knows the language and the request id.
    fn into_response(self) -> Response {
        let mut response = self.status().into_response();
        response.extensions_mut().insert(self);
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
