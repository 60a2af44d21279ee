//! Upload file (SPEC §3.1): a multipart body whose `file` part is kept and served back at the
//! absolute URL the reply gives.

use crate::auth::Merchant;
use crate::envelope::{Data, Envelope};
use crate::error::{ApiError, ApiResult};
use crate::files::{clean_file_name, content_type_for, save, StoredFile};
use crate::AppState;
use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::header::CONTENT_LENGTH;
use axum::http::{HeaderMap, StatusCode};
use depot_domain::ErrorCode;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The multipart name of the part that carries the file.
pub const FILE_FIELD: &str = "file";
/// Room for the multipart framing and small extra parts, beyond the file itself.
pub const MULTIPART_OVERHEAD: usize = 64 * 1024;

/// The upload route. Its body is bounded by the upload limit (checked while reading, see
/// [`upload`]), not by the JSON body limit every other route has.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload))
        .layer(DefaultBodyLimit::disable())
}

/// True for the upload path, whichever prefix it came under.
pub fn is_upload_path(path: &str) -> bool {
    path.trim_end_matches('/').ends_with("/files/upload")
}

/// The multipart form of an upload.
#[derive(ToSchema)]
#[allow(dead_code)] // Documents the request body; the handler reads the parts itself.
pub struct UploadForm {
    /// The file. Its part's `filename` names it; its part's `Content-Type` is kept (guessed
    /// from the name's extension when absent).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Upload file: keeps the `file` part (at most the configured upload limit, 20 MiB by
/// default) and answers the absolute URL that serves it back. The URL carries a random token
/// and needs no API key, so it can be handed to the warehouse (a shipping label, say).
#[utoipa::path(post, path = "/files/upload", tag = "Config", security(("api_key" = [])),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 200, body = Envelope<StoredFile>),
              (status = 413, description = "FILE_TOO_LARGE"),
              (status = 422, description = "INVALID_PAYLOAD: no multipart body, no `file` part, or an empty file")))]
pub async fn upload(
    merchant: Merchant,
    State(state): State<AppState>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<Data<StoredFile>> {
    let limit = state.config.upload_limit_bytes;
    // A declared length already over the limit is refused before reading anything.
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > (limit + MULTIPART_OVERHEAD) as u64) {
        return Err(too_large(limit));
    }
    let mut multipart = multipart.map_err(|_| {
        ApiError::invalid_field(
            FILE_FIELD,
            "send a multipart/form-data body with the file in a part named `file`",
        )
    })?;

    let mut file = None;
    let mut other_bytes = 0usize;
    while let Some(mut field) = multipart.next_field().await.map_err(malformed)? {
        if field.name() != Some(FILE_FIELD) {
            // Other parts are allowed and ignored, within the framing allowance.
            while let Some(chunk) = field.chunk().await.map_err(malformed)? {
                other_bytes += chunk.len();
                if other_bytes > MULTIPART_OVERHEAD {
                    return Err(too_large(limit));
                }
            }
            continue;
        }
        if file.is_some() {
            return Err(ApiError::invalid_field(
                FILE_FIELD,
                "send one file per upload",
            ));
        }
        let file_name = clean_file_name(field.file_name());
        let declared_type = field.content_type().map(str::to_string);
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(malformed)? {
            if bytes.len() + chunk.len() > limit {
                return Err(too_large(limit));
            }
            bytes.extend_from_slice(&chunk);
        }
        file = Some((file_name, declared_type, bytes));
    }

    let Some((file_name, declared_type, bytes)) = file else {
        return Err(ApiError::invalid_field(FILE_FIELD, "is required"));
    };
    if bytes.is_empty() {
        return Err(ApiError::invalid_field(FILE_FIELD, "must not be empty"));
    }
    let content_type = content_type_for(declared_type.as_deref(), &file_name);
    let stored = save(
        &state,
        merchant.business_id,
        &file_name,
        &content_type,
        &bytes,
    )
    .await?;
    tracing::info!(
        business_id = merchant.business_id,
        size = stored.size,
        "file uploaded"
    );
    Ok(Data(stored))
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(ErrorCode::FileTooLarge).with_detail(serde_json::json!({
        FILE_FIELD: [format!("must be at most {limit} bytes")],
    }))
}

fn malformed(err: MultipartError) -> ApiError {
    if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(ErrorCode::FileTooLarge)
    } else {
        ApiError::invalid_field(
            "body",
            format!("malformed multipart body: {}", err.body_text()),
        )
    }
}
