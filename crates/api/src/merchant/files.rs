//! Upload file (SPEC §3.1): a multipart body whose `file` part is kept and served back at the
//! absolute URL the reply gives. The body streams to storage ([`crate::upload`]).

use crate::auth::Merchant;
use crate::envelope::{Data, Envelope};
use crate::error::{ApiError, ApiResult};
use crate::files::{content_type_for, file_url, StoredFile};
use crate::upload::{keep, receive, refuse_declared_length, UploadSpec};
use crate::AppState;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::HeaderMap;
use depot_store::files::{new_file_token, new_storage_key, NewFile};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use crate::upload::{FILE_FIELD, MULTIPART_OVERHEAD};

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
    refuse_declared_length(&headers, limit)?;
    let spec = UploadSpec {
        limit,
        storage_key: new_storage_key(merchant.business_id),
        text_fields: &[],
    };
    let received = receive(&state, multipart, spec, |_| Ok(())).await?;
    let Some(file) = received.file else {
        return Err(ApiError::invalid_field(FILE_FIELD, "is required"));
    };
    if file.file.size == 0 {
        return Err(ApiError::invalid_field(FILE_FIELD, "must not be empty"));
    }
    let business_id = merchant.business_id;
    let stored = keep(&state, file, move |state, file| async move {
        let content_type = content_type_for(file.declared_type.as_deref(), &file.file_name);
        let token = new_file_token();
        let record = state
            .db
            .insert_file(
                &NewFile {
                    business_id,
                    token: &token,
                    file_name: &file.file_name,
                    content_type: &content_type,
                    size: file.size as i64,
                    storage_key: &file.storage_key,
                },
                state.now(),
            )
            .await?;
        Ok(StoredFile {
            url: file_url(&state, &record.token, &record.file_name),
            file_name: record.file_name,
            size: record.size,
            content_type: record.content_type,
        })
    })
    .await?;
    tracing::info!(
        business_id = merchant.business_id,
        size = stored.size,
        "file uploaded"
    );
    Ok(Data(stored))
}
