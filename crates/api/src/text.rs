//! One rule for the text of every request: no control characters (Unicode `Cc`: U+0000–U+001F,
//! U+007F–U+009F) in any string — JSON body values, query parameters, path segments, multipart
//! text parts — except tab, line feed and carriage return in free-text fields (notes, reasons,
//! addresses, descriptions), where a person may type them. A refusal is `INVALID_PAYLOAD`
//! naming the field, decided before anything reaches a database, so SQLite and PostgreSQL
//! (which cannot store NUL in text) answer alike.
//!
//! Applied once: [`crate::envelope::parse_json`] (every JSON body, also the dialects'),
//! [`uri_layer`] (path and query of the merchant, operator, file and media routes), and the
//! multipart reader (`crate::upload`). The Trendyol package list reads its own query and
//! uses [`first_refused_param`] to answer in its own shape.

use crate::error::{ApiError, ApiResult};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// What a refusal says about the field.
pub const MESSAGE: &str = "must not contain control characters";

/// Whether `name` is a free-text field, where tab and line breaks are allowed.
/// (`note`, `reason_note`, `package_note`, `reason`, `cancel_reason`, `address`, …).
pub fn is_free_text(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["note", "notes", "reason", "address", "description"]
        .iter()
        .any(|suffix| name.ends_with(suffix))
}

/// Whether `value`, the text of field `name`, breaks the rule.
pub fn is_refused(name: &str, value: &str) -> bool {
    let free = is_free_text(name);
    value
        .chars()
        .any(|c| c.is_control() && !(free && matches!(c, '\t' | '\n' | '\r')))
}

/// The text of a field, checked: `INVALID_PAYLOAD` naming it when it breaks the rule.
pub fn check_field(name: &str, value: &str) -> Result<(), ApiError> {
    if is_refused(name, value) {
        Err(ApiError::invalid_field(name, MESSAGE))
    } else {
        Ok(())
    }
}

/// Checks every string of a JSON body; the offending field is named the way body errors
/// are (`items[0].oasin`). A body that is not JSON passes: parsing reports it.
pub fn check_json(bytes: &[u8]) -> Result<(), ApiError> {
    if !may_hold_control(bytes) {
        return Ok(());
    }
    let Ok(value) = serde_json::from_slice::<Value>(bytes) else {
        return Ok(());
    };
    let mut path = String::new();
    match first_refused(&value, &mut path, "") {
        Some(field) => Err(ApiError::invalid_field(field, MESSAGE)),
        None => Ok(()),
    }
}

/// JSON cannot carry a raw C0 control in a string, only an escape (`\u0000`, `\n`…); DEL and
/// C1 controls may come raw. A body with neither (most bodies) needs no closer look.
fn may_hold_control(bytes: &[u8]) -> bool {
    bytes.contains(&b'\\')
        || bytes.contains(&0x7f)
        || bytes
            .windows(2)
            .any(|w| w[0] == 0xc2 && (0x80..=0x9f).contains(&w[1]))
}

/// The path of the first string that breaks the rule; `key` is the field name it sits under.
fn first_refused(value: &Value, path: &mut String, key: &str) -> Option<String> {
    match value {
        Value::String(s) => is_refused(key, s).then(|| {
            if path.is_empty() {
                "body".to_string()
            } else {
                path.clone()
            }
        }),
        Value::Array(items) => {
            let len = path.len();
            for (i, item) in items.iter().enumerate() {
                path.push_str(&format!("[{i}]"));
                let found = first_refused(item, path, key);
                path.truncate(len);
                if found.is_some() {
                    return found;
                }
            }
            None
        }
        Value::Object(fields) => {
            let len = path.len();
            for (name, item) in fields {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(name);
                let found = first_refused(item, path, name);
                path.truncate(len);
                if found.is_some() {
                    return found;
                }
            }
            None
        }
        _ => None,
    }
}

/// The first query parameter (by name; `query` for a name itself) that breaks the rule.
pub fn first_refused_param(query: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes()).find_map(|(name, value)| {
        if is_refused("", &name) {
            Some("query".to_string())
        } else {
            is_refused(&name, &value).then(|| name.into_owned())
        }
    })
}

/// Refuses a request whose path or query breaks the rule, before routing reads either.
pub async fn uri_layer(req: Request, next: Next) -> Response {
    let uri = req.uri();
    let path = percent_encoding::percent_decode_str(uri.path()).decode_utf8_lossy();
    if is_refused("", &path) {
        return ApiError::invalid_field("path", MESSAGE).into_response();
    }
    if let Some(name) = uri.query().and_then(first_refused_param) {
        return ApiError::invalid_field(name, MESSAGE).into_response();
    }
    next.run(req).await
}

/// Checks text fields: required ones must be non-blank, all within `max` characters.
pub(crate) fn check_text(fields: &[(&str, Option<&str>, bool, usize)]) -> ApiResult<()> {
    let mut errors = Vec::new();
    for (name, value, required, max) in fields {
        match value.map(str::trim) {
            None | Some("") if *required => {
                errors.push((name.to_string(), "is required".to_string()))
            }
            Some(v) if v.chars().count() > *max => errors.push((
                name.to_string(),
                format!("must be at most {max} characters"),
            )),
            _ => {}
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid_fields(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused_field(body: &str) -> Option<String> {
        check_json(body.as_bytes()).err().map(|e| {
            let detail = e.detail.unwrap();
            detail.as_object().unwrap().keys().next().unwrap().clone()
        })
    }

    #[test]
    fn control_characters_are_named_by_field() {
        assert_eq!(refused_field(r#"{"a": "x"}"#), None);
        assert_eq!(refused_field(r#"{"a": "\"q\" \u1ea1"}"#), None);
        assert_eq!(
            refused_field(r#"{"items": [{"oasin": "A"}, {"oasin": "B\u0000"}]}"#).as_deref(),
            Some("items[1].oasin")
        );
        assert_eq!(
            refused_field("{\"sku\": \"a\u{7f}\"}").as_deref(),
            Some("sku")
        );
        assert_eq!(
            refused_field("{\"sku\": \"a\u{85}\"}").as_deref(),
            Some("sku")
        );
        assert_eq!(refused_field(r#""\u0001""#).as_deref(), Some("body"));
        // Free text may hold tabs and line breaks, never NUL.
        assert_eq!(refused_field(r#"{"note": "a\nb\tc\r"}"#), None);
        assert_eq!(refused_field(r#"{"reason_note": "a\nb"}"#), None);
        assert_eq!(
            refused_field(r#"{"note": "a\u0000"}"#).as_deref(),
            Some("note")
        );
        assert_eq!(refused_field(r#"{"sku": "a\nb"}"#).as_deref(), Some("sku"));
        // Not JSON: left to the parser.
        assert_eq!(refused_field(r#"{"a": "\u0000"#), None);
    }

    #[test]
    fn query_parameters_are_named() {
        assert_eq!(first_refused_param("a=1&b=2"), None);
        assert_eq!(first_refused_param("a=1&sku=x%00").as_deref(), Some("sku"));
        assert_eq!(first_refused_param("x%01=1").as_deref(), Some("query"));
        assert_eq!(first_refused_param("note=a%0Ab"), None);
    }
}
