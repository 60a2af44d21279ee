//! Evidence media (SPEC §9): what the API answers about a medium, the capability URL that
//! serves its bytes (`GET /media/{token}/{file_name}`, with ranges, so a browser's video
//! player can seek), the type check by content, and retention.
//!
//! The operator upload is in [`crate::ops::media`], the merchant lists in
//! [`crate::merchant::media`].

use crate::error::{ApiError, ApiResult};
use crate::files::{capability_headers, content_disposition, encode_path_segment};
use crate::ranged::Served;
use crate::upload::{FileHead, FILE_FIELD};
use crate::AppState;
use axum::extract::{Path, Request, State};
use axum::http::header::CONTENT_DISPOSITION;
use axum::http::HeaderValue;
use axum::response::Response;
use depot_domain::ErrorCode;
use depot_store::files::is_file_token;
use depot_store::media::MediaRecord;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The types kept, as their content shows them.
pub const MEDIA_TYPES: [&str; 5] = [
    "video/mp4",
    "video/webm",
    "video/quicktime",
    "image/jpeg",
    "image/png",
];

const SECONDS_PER_DAY: i64 = 86_400;
/// Media deleted per retention statement.
const PURGE_BATCH: i64 = 500;

/// The public media routes (no credentials: the URL's token is the permission).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(download))
}

/// A medium, as the upload answers it, the lists show it and `media.added` carries it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MediaObject {
    pub media_id: i64,
    /// `PACKING`, `RETURN_INSPECTION` or `PHOTO`.
    #[schema(example = "PACKING")]
    pub kind: &'static str,
    /// The type the content is: `video/mp4`, `video/webm`, `video/quicktime`, `image/jpeg`
    /// or `image/png`.
    #[schema(example = "video/mp4")]
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// SHA-256 of the bytes, lowercase hex, computed while they were received.
    pub sha256: String,
    /// When the recording was made (Unix seconds), as the station reported it.
    pub recorded_time: Option<i64>,
    pub duration_seconds: Option<f64>,
    /// Absolute URL that serves the bytes without credentials, with `Range` support.
    #[schema(
        example = "https://depot.example.com/media/q2HkV0c8ZbW1nYt5rLx9aPe3sUm7dJf4/packing.mp4"
    )]
    pub url: String,
    pub file_name: String,
    /// The packing or inspection station that recorded it.
    pub station: Option<String>,
    /// When Depot received it (Unix seconds).
    pub created_time: i64,
    /// When retention will delete it (Unix seconds); null when retention is off.
    pub expires_time: Option<i64>,
}

/// The API's view of a stored medium.
pub fn media_object(state: &AppState, m: &MediaRecord) -> MediaObject {
    let days = i64::from(state.config.media_retention_days);
    MediaObject {
        media_id: m.id,
        kind: m.kind.as_str(),
        content_type: m.content_type.clone(),
        size: m.size,
        sha256: m.sha256.clone(),
        recorded_time: m.recorded_time,
        duration_seconds: m.duration_seconds,
        url: state.public_url(&format!(
            "/media/{}/{}",
            m.token,
            encode_path_segment(&m.file_name)
        )),
        file_name: m.file_name.clone(),
        station: m.station.clone(),
        created_time: m.created_time,
        expires_time: (days > 0).then(|| m.created_time.saturating_add(days * SECONDS_PER_DAY)),
    }
}

/// The type of a file by its first bytes, if it is one Depot keeps.
pub fn sniff(head: &[u8]) -> Option<&'static str> {
    let found = infer::get(head)?.mime_type();
    // An `M4V ` brand is an MP4 file.
    let found = if found == "video/x-m4v" {
        "video/mp4"
    } else {
        found
    };
    MEDIA_TYPES.into_iter().find(|t| *t == found)
}

/// The type to keep for an upload: the content decides. Content that is none of
/// [`MEDIA_TYPES`] is refused, and so is a part whose own `Content-Type` names another type
/// than its content (a spoofed type); a generic `application/octet-stream` claims nothing.
pub fn check_media_type(head: &FileHead<'_>) -> ApiResult<&'static str> {
    let Some(content_type) = sniff(head.bytes) else {
        let found = infer::get(head.bytes)
            .map(|k| format!("its content is {}", k.mime_type()))
            .unwrap_or_else(|| "its content is not a recognised video or image".to_string());
        return Err(ApiError::invalid_field(
            FILE_FIELD,
            format!("must be one of {}; {found}", MEDIA_TYPES.join(", ")),
        ));
    };
    let declared = head.declared_type.map(|d| {
        let essence = d
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "image/jpg" | "image/pjpeg" => "image/jpeg".to_string(),
            "video/x-m4v" => "video/mp4".to_string(),
            _ => essence,
        }
    });
    if let Some(declared) = declared.filter(|d| !d.is_empty() && d != crate::files::OCTET_STREAM) {
        if declared != content_type {
            return Err(ApiError::invalid_field(
                FILE_FIELD,
                format!("is declared as {declared} but its content is {content_type}"),
            ));
        }
    }
    Ok(content_type)
}

/// A medium's bytes, as served (documentation only).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct MediaBytes(Vec<u8>);

/// Fetch a medium by the URL the upload and the lists give. The token is the permission, so
/// no API key is needed; the file name segment only names the download. Answers `Range`
/// requests (one range) with 206 and `Content-Range`, so a video player can seek;
/// `Accept-Ranges: bytes` says so.
#[utoipa::path(get, path = "/media/{token}/{file_name}", tag = "Media",
    params(("token" = String, Path, description = "The random token from the medium's url"),
           ("file_name" = String, Path, description = "The file's name (informative)"),
           ("Range" = Option<String>, Header, description = "One byte range, e.g. `bytes=0-1048575`")),
    responses((status = 200, description = "The bytes, with the stored Content-Type",
               content((MediaBytes = "video/mp4"), (MediaBytes = "video/webm"), (MediaBytes = "video/quicktime"),
                       (MediaBytes = "image/jpeg"), (MediaBytes = "image/png"))),
              (status = 206, description = "The requested range, with Content-Range",
               content((MediaBytes = "video/mp4"), (MediaBytes = "video/webm"), (MediaBytes = "video/quicktime"),
                       (MediaBytes = "image/jpeg"), (MediaBytes = "image/png"))),
              (status = 404, description = "MEDIA_NOT_FOUND"),
              (status = 416, description = "RANGE_NOT_SATISFIABLE, with `Content-Range: bytes */<size>`")))]
pub async fn download(
    State(state): State<AppState>,
    Path((token, _file_name)): Path<(String, String)>,
    req: Request,
) -> ApiResult<Response> {
    let not_found = || ApiError::new(ErrorCode::MediaNotFound);
    if !is_file_token(&token) {
        return Err(not_found());
    }
    let record = state
        .db
        .media_by_token(&token)
        .await?
        .ok_or_else(not_found)?;
    let Some(path) = state.files.local_path(&record.storage_key) else {
        tracing::error!("media need a file storage on the local file system");
        return Err(ApiError::internal());
    };
    let served = crate::ranged::serve(path, &record.content_type, &record.sha256, req.headers())
        .await
        .map_err(|e| {
            tracing::error!(error = %e, key = %record.storage_key, "reading media bytes");
            ApiError::internal()
        })?;
    let mut res = match served {
        Served::Bytes(res) => res,
        Served::Missing => {
            tracing::error!(key = %record.storage_key, "media row without bytes in storage");
            return Err(ApiError::internal());
        }
        Served::Unsatisfiable { size } => return Ok(crate::ranged::unsatisfiable(size)),
    };
    let headers = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&content_disposition(true, &record.file_name)) {
        headers.insert(CONTENT_DISPOSITION, v);
    }
    capability_headers(headers, "private, max-age=86400");
    Ok(res)
}

/// Retention (`--media-retention-days`): deletes every medium received more than that many
/// days ago — its row, then its bytes — and answers how many went. Housekeeping calls it; 0
/// days keeps media for ever.
pub async fn purge_expired(state: &AppState) -> depot_store::Result<usize> {
    let days = i64::from(state.config.media_retention_days);
    if days == 0 {
        return Ok(0);
    }
    let cutoff = state.now().saturating_sub(days * SECONDS_PER_DAY);
    let mut removed = 0;
    loop {
        let keys = state.db.purge_media_before(cutoff, PURGE_BATCH).await?;
        for key in &keys {
            // The row is gone; bytes that cannot be removed now are an orphan, never served.
            if let Err(e) = state.files.delete(key).await {
                tracing::warn!(error = %e, %key, "removing expired media bytes");
            }
        }
        removed += keys.len();
        if (keys.len() as i64) < PURGE_BATCH {
            break;
        }
    }
    if removed > 0 {
        tracing::info!(removed, days, "expired media deleted");
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head<'a>(bytes: &'a [u8], declared: Option<&'a str>) -> FileHead<'a> {
        FileHead {
            file_name: "x",
            declared_type: declared,
            bytes,
        }
    }

    #[test]
    fn types_come_from_the_content() {
        let mut mp4 = b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2".to_vec();
        mp4.resize(64, 0);
        let mut mov = b"\0\0\0\x14ftypqt  \0\0\0\0qt  ".to_vec();
        mov.resize(64, 0);
        let mut webm = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm".to_vec();
        webm.resize(300, 0);
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        let jpeg = b"\xff\xd8\xff\xe0\0\x10JFIF\0";
        assert_eq!(sniff(&mp4), Some("video/mp4"));
        assert_eq!(sniff(&mov), Some("video/quicktime"));
        assert_eq!(sniff(&webm), Some("video/webm"));
        assert_eq!(sniff(png), Some("image/png"));
        assert_eq!(sniff(jpeg), Some("image/jpeg"));
        assert_eq!(sniff(b"<html><script>alert(1)</script>"), None);
        assert_eq!(sniff(b"GIF89a\x01\0\x01\0"), None);

        assert_eq!(
            check_media_type(&head(&mp4, Some("video/mp4"))).unwrap(),
            "video/mp4"
        );
        assert_eq!(
            check_media_type(&head(jpeg, Some("image/jpg"))).unwrap(),
            "image/jpeg"
        );
        assert_eq!(
            check_media_type(&head(png, Some("application/octet-stream"))).unwrap(),
            "image/png"
        );
        assert_eq!(
            check_media_type(&head(&mov, None)).unwrap(),
            "video/quicktime"
        );
        // A spoofed declaration, or content of another kind, is refused naming `file`.
        for (bytes, declared) in [
            (&b"<html></html>"[..], Some("video/mp4")),
            (png, Some("video/mp4")),
            (&b"GIF89a\x01\0\x01\0"[..], None),
        ] {
            let err = check_media_type(&head(bytes, declared)).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidPayload);
            assert!(err.detail.unwrap().get(FILE_FIELD).is_some());
        }
    }
}
