//! Files: keeping the bytes a merchant uploads (or a document Depot renders for it) and serving
//! them back at `GET /files/{token}/{file_name}`.
//!
//! The URL is a capability: its token is 32 random alphanumerics (about 190 bits), so whoever
//! holds the URL — the merchant, or the warehouse printing a shipping label from it — can fetch
//! the file without credentials, and nobody can guess or list one. See `docs/decisions.md`.

use crate::error::{ApiError, ApiResult};
use crate::AppState;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY,
    X_CONTENT_TYPE_OPTIONS,
};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use depot_domain::ErrorCode;
use depot_store::files::{is_file_token, new_file_token, new_storage_key, NewFile};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub const OCTET_STREAM: &str = "application/octet-stream";
/// Longest file name kept, in characters.
const MAX_FILE_NAME: usize = 255;

/// The public file routes (no API key: the URL's token is the permission).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(download))
}

/// A stored file, as the upload answers it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StoredFile {
    /// Absolute URL that serves the bytes back, without credentials.
    #[schema(
        example = "https://depot.example.com/files/q2HkV0c8ZbW1nYt5rLx9aPe3sUm7dJf4/label.pdf"
    )]
    pub url: String,
    pub file_name: String,
    /// Bytes.
    pub size: i64,
    pub content_type: String,
}

/// Stores `bytes` for a business and records them; returns what the merchant is told. Used by
/// the upload and by every document Depot renders (the PO bill).
pub async fn save(
    state: &AppState,
    business_id: i64,
    file_name: &str,
    content_type: &str,
    bytes: &[u8],
) -> ApiResult<StoredFile> {
    let file_name = clean_file_name(Some(file_name));
    let token = new_file_token();
    let storage_key = new_storage_key(business_id);
    state.files.put(&storage_key, bytes).await.map_err(|e| {
        tracing::error!(error = %e, "writing file to storage");
        ApiError::internal()
    })?;
    let record = state
        .db
        .insert_file(
            &NewFile {
                business_id,
                token: &token,
                file_name: &file_name,
                content_type,
                size: bytes.len() as i64,
                storage_key: &storage_key,
            },
            state.now(),
        )
        .await;
    let record = match record {
        Ok(r) => r,
        Err(e) => {
            // No row points at the bytes: take them back (best effort) before failing.
            let _ = state.files.delete(&storage_key).await;
            return Err(e.into());
        }
    };
    Ok(StoredFile {
        url: file_url(state, &record.token, &record.file_name),
        file_name: record.file_name,
        size: record.size,
        content_type: record.content_type,
    })
}

/// A file's bytes, as served (documentation only).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct FileBytes(Vec<u8>);

/// The public URL of a file.
pub fn file_url(state: &AppState, token: &str, file_name: &str) -> String {
    state.public_url(&format!(
        "/files/{token}/{}",
        encode_path_segment(file_name)
    ))
}

/// Download a file by the URL its upload returned. The token is the permission, so no API key
/// is needed (one that is sent is ignored); the file name segment only names the download.
#[utoipa::path(get, path = "/files/{token}/{file_name}", tag = "Files",
    params(("token" = String, Path, description = "The random token from the upload's url"),
           ("file_name" = String, Path, description = "The file's name (informative)")),
    responses((status = 200, description = "The file's bytes, with its Content-Type",
               content_type = "*/*", body = FileBytes),
              (status = 404, description = "FILE_NOT_FOUND")))]
pub async fn download(
    State(state): State<AppState>,
    Path((token, _file_name)): Path<(String, String)>,
) -> ApiResult<Response> {
    let not_found = || ApiError::new(ErrorCode::FileNotFound);
    if !is_file_token(&token) {
        return Err(not_found());
    }
    let record = state
        .db
        .file_by_token(&token)
        .await?
        .ok_or_else(not_found)?;
    let bytes = state.files.get(&record.storage_key).await.map_err(|e| {
        tracing::error!(error = %e, key = %record.storage_key, "reading file from storage");
        ApiError::internal()
    })?;
    let Some(bytes) = bytes else {
        tracing::error!(key = %record.storage_key, "file row without bytes in storage");
        return Err(ApiError::internal());
    };

    let mut res = Body::from(bytes).into_response();
    let headers = res.headers_mut();
    let content_type = HeaderValue::from_str(&record.content_type)
        .unwrap_or(HeaderValue::from_static(OCTET_STREAM));
    headers.insert(CONTENT_TYPE, content_type);
    let inline = shown_inline(&record.content_type);
    if let Ok(v) = HeaderValue::from_str(&content_disposition(inline, &record.file_name)) {
        headers.insert(CONTENT_DISPOSITION, v);
    }
    if !inline {
        headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox"));
    }
    capability_headers(headers, "private, max-age=86400");
    Ok(res)
}

/// The headers every capability URL (files, media, reports) answers with. The bytes are the
/// merchant's: never sniffed into something a browser runs as part of Depot's origin. The
/// URL is a secret: kept out of shared caches (`cache_control`), Referer headers and search
/// indexes.
pub fn capability_headers(headers: &mut axum::http::HeaderMap, cache_control: &'static str) {
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static(cache_control));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(
        "x-robots-tag",
        HeaderValue::from_static("noindex, nofollow"),
    );
}

/// Types a browser may show in place (PDF labels, images, plain text); anything else is a
/// download and sandboxed, so an uploaded HTML or SVG page cannot run script on Depot's origin.
fn shown_inline(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    matches!(
        essence.as_str(),
        "application/pdf"
            | "image/png"
            | "image/jpeg"
            | "image/gif"
            | "image/webp"
            | "image/bmp"
            | "text/plain"
            | "text/csv"
    )
}

/// `inline; filename="ascii fallback"; filename*=UTF-8''percent-encoded` (RFC 6266).
pub fn content_disposition(inline: bool, file_name: &str) -> String {
    let fallback: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let kind = if inline { "inline" } else { "attachment" };
    format!(
        "{kind}; filename=\"{fallback}\"; filename*=UTF-8''{}",
        encode_path_segment(file_name)
    )
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn encode_path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A file name safe to keep and show: the last path segment of what the client sent, without
/// control characters, at most 255 characters (the extension kept), `file` when nothing is left.
pub fn clean_file_name(raw: Option<&str>) -> String {
    let last = raw.unwrap_or("").rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last.chars().filter(|c| !c.is_control()).collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        return "file".to_string();
    }
    if cleaned.chars().count() <= MAX_FILE_NAME {
        return cleaned.to_string();
    }
    let ext = extension(cleaned)
        .filter(|e| e.chars().count() < 16)
        .map(|e| format!(".{e}"))
        .unwrap_or_default();
    let keep = MAX_FILE_NAME - ext.chars().count();
    cleaned.chars().take(keep).collect::<String>() + &ext
}

fn extension(file_name: &str) -> Option<&str> {
    file_name
        .rsplit_once('.')
        .map(|(_, ext)| ext)
        .filter(|e| !e.is_empty())
}

/// The content type to keep: the part's own when it names one, else a guess from the file
/// name's extension, else `application/octet-stream`.
pub fn content_type_for(declared: Option<&str>, file_name: &str) -> String {
    if let Some(declared) = declared.map(str::trim) {
        let valid = declared.len() <= 255
            && HeaderValue::from_str(declared).is_ok()
            && declared
                .split(';')
                .next()
                .and_then(|essence| essence.trim().split_once('/'))
                .is_some_and(|(t, s)| is_token(t) && is_token(s));
        if valid && !declared.eq_ignore_ascii_case(OCTET_STREAM) {
            return declared.to_string();
        }
    }
    guess_content_type(file_name)
        .unwrap_or(OCTET_STREAM)
        .to_string()
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
}

/// The few types a fulfillment merchant uploads, by extension.
pub fn guess_content_type(file_name: &str) -> Option<&'static str> {
    let ext = extension(file_name)?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "bmp" => "image/bmp",
        "svg" => "image/svg+xml",
        "tif" | "tiff" => "image/tiff",
        "txt" => "text/plain",
        "csv" => "text/csv",
        "html" | "htm" => "text/html",
        "json" => "application/json",
        "xml" => "application/xml",
        "zip" => "application/zip",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_type_prefers_the_part_then_the_extension() {
        assert_eq!(content_type_for(Some("image/png"), "a.pdf"), "image/png");
        assert_eq!(content_type_for(None, "Label.PDF"), "application/pdf");
        assert_eq!(content_type_for(Some(OCTET_STREAM), "a.jpg"), "image/jpeg");
        assert_eq!(content_type_for(Some("not a type"), "a.csv"), "text/csv");
        assert_eq!(content_type_for(Some("bad\ntype/x"), "a"), OCTET_STREAM);
        assert_eq!(content_type_for(None, "archive.unknown"), OCTET_STREAM);
        assert_eq!(content_type_for(None, "noext"), OCTET_STREAM);
        assert_eq!(
            content_type_for(Some("text/plain; charset=utf-8"), "a"),
            "text/plain; charset=utf-8"
        );
    }

    #[test]
    fn file_names_lose_paths_and_control_characters() {
        assert_eq!(clean_file_name(Some("C:\\Users\\a\\nhãn.pdf")), "nhãn.pdf");
        assert_eq!(clean_file_name(Some("../../etc/passwd")), "passwd");
        assert_eq!(clean_file_name(Some("a\r\nb.txt")), "ab.txt");
        assert_eq!(clean_file_name(Some("  ")), "file");
        assert_eq!(clean_file_name(None), "file");
        assert_eq!(clean_file_name(Some("..")), "file");
        let long = format!("{}.pdf", "x".repeat(400));
        let cleaned = clean_file_name(Some(&long));
        assert_eq!(cleaned.chars().count(), 255);
        assert!(cleaned.ends_with(".pdf"));
    }

    #[test]
    fn disposition_has_an_ascii_fallback_and_the_utf8_name() {
        assert_eq!(
            content_disposition(true, "phiếu \"nhập\".pdf"),
            "inline; filename=\"phi_u _nh_p_.pdf\"; \
             filename*=UTF-8''phi%E1%BA%BFu%20%22nh%E1%BA%ADp%22.pdf"
        );
        assert!(content_disposition(false, "a.html").starts_with("attachment;"));
        assert!(shown_inline("application/pdf"));
        assert!(shown_inline("text/plain; charset=utf-8"));
        assert!(!shown_inline("text/html"));
        assert!(!shown_inline("image/svg+xml"));
    }
}
