//! Receiving a multipart upload as a stream: the file part goes to storage chunk by chunk
//! while its size and SHA-256 are counted, so no upload is ever held whole in memory. The
//! merchant file upload (SPEC §3.1) and the evidence media upload (SPEC §9) share it.
//!
//! An upload is all or nothing:
//! * the bytes are written under a temporary name ([`depot_store::file_writer`]); a refusal,
//!   a malformed body, a client that goes away mid-body, or the request's task being dropped
//!   all drop the writer, which removes them;
//! * a declared `Content-Length` over the limit is refused before anything is read
//!   ([`refuse_declared_length`]); otherwise reading stops at the first byte over it;
//! * once the body is complete, [`keep`] makes the bytes durable (`fsync`, rename) and then
//!   records the row, on a task of its own: from there on nothing the client does can leave
//!   bytes without a row, and a failed insert takes the bytes back.

use crate::error::{ApiError, ApiResult};
use crate::AppState;
use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::extract::Multipart;
use axum::http::header::CONTENT_LENGTH;
use axum::http::{HeaderMap, StatusCode};
use depot_domain::ErrorCode;
use depot_store::files::FileWriter;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::future::Future;

/// The multipart name of the part that carries the file.
pub const FILE_FIELD: &str = "file";
/// Room for the multipart framing and small extra parts, beyond the file itself.
pub const MULTIPART_OVERHEAD: usize = 64 * 1024;
/// How much of a file's start is looked at to tell its type by content.
pub const HEAD_LEN: usize = 4096;

/// What to accept.
pub struct UploadSpec<'a> {
    /// Largest file, in bytes.
    pub limit: usize,
    /// Where the file's bytes go in the storage.
    pub storage_key: String,
    /// Small text parts to keep (each at most once); other parts are read and ignored.
    pub text_fields: &'a [&'a str],
}

/// The start of the file part, shown to the inspector once (see [`receive`]).
pub struct FileHead<'a> {
    pub file_name: &'a str,
    /// The part's own `Content-Type`, if it has one.
    pub declared_type: Option<&'a str>,
    /// The first [`HEAD_LEN`] bytes, or the whole file when it is shorter.
    pub bytes: &'a [u8],
}

/// A complete multipart body: the file (its bytes written, not yet kept) and the text parts.
pub struct Received {
    pub file: Option<ReceivedFile>,
    pub fields: BTreeMap<String, String>,
}

/// A file part read to its end. Its bytes sit under a temporary name until [`keep`];
/// dropping it removes them.
pub struct ReceivedFile {
    pub file: FileFacts,
    writer: Box<dyn FileWriter>,
}

/// What was learnt about a file while it streamed in.
#[derive(Debug, Clone)]
pub struct FileFacts {
    /// The part's `filename`, cleaned (see [`crate::files::clean_file_name`]).
    pub file_name: String,
    pub declared_type: Option<String>,
    pub size: u64,
    /// Lowercase hex.
    pub sha256: String,
    pub storage_key: String,
}

/// `413 FILE_TOO_LARGE` when the request declares a body longer than `limit` plus the
/// multipart allowance: refused before a byte of it is read.
pub fn refuse_declared_length(headers: &HeaderMap, limit: usize) -> ApiResult<()> {
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit.saturating_add(MULTIPART_OVERHEAD) as u64) {
        return Err(too_large(limit));
    }
    Ok(())
}

/// Reads the whole multipart body. The one `file` part streams to storage under
/// `spec.storage_key`; `inspect` sees its first [`HEAD_LEN`] bytes (or all of a shorter,
/// non-empty file) as soon as they are in, and may refuse the upload there and then.
pub async fn receive<F>(
    state: &AppState,
    multipart: Result<Multipart, MultipartRejection>,
    spec: UploadSpec<'_>,
    mut inspect: F,
) -> ApiResult<Received>
where
    F: FnMut(&FileHead<'_>) -> ApiResult<()>,
{
    let mut multipart = multipart.map_err(|_| {
        ApiError::invalid_field(
            FILE_FIELD,
            "send a multipart/form-data body with the file in a part named `file`",
        )
    })?;
    let mut file = None;
    let mut fields = BTreeMap::new();
    let mut other_bytes = 0usize;
    while let Some(mut field) = multipart.next_field().await.map_err(malformed)? {
        let name = field.name().unwrap_or("").to_string();
        if name == FILE_FIELD {
            if file.is_some() {
                return Err(ApiError::invalid_field(
                    FILE_FIELD,
                    "send one file per upload",
                ));
            }
            file = Some(stream_file(state, &mut field, &spec, &mut inspect).await?);
            continue;
        }
        // Other parts are small: kept when asked for, ignored otherwise, within the framing
        // allowance either way.
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(malformed)? {
            other_bytes += chunk.len();
            if other_bytes > MULTIPART_OVERHEAD {
                return Err(too_large(spec.limit));
            }
            if spec.text_fields.contains(&name.as_str()) {
                bytes.extend_from_slice(&chunk);
            }
        }
        if spec.text_fields.contains(&name.as_str()) {
            let text = String::from_utf8(bytes)
                .map_err(|_| ApiError::invalid_field(name.clone(), "must be UTF-8 text"))?;
            crate::text::check_field(&name, &text)?;
            if fields.insert(name.clone(), text).is_some() {
                return Err(ApiError::invalid_field(name, "must be given once"));
            }
        }
    }
    Ok(Received { file, fields })
}

async fn stream_file<F>(
    state: &AppState,
    field: &mut Field<'_>,
    spec: &UploadSpec<'_>,
    inspect: &mut F,
) -> ApiResult<ReceivedFile>
where
    F: FnMut(&FileHead<'_>) -> ApiResult<()>,
{
    let file_name = crate::files::clean_file_name(field.file_name());
    let declared_type = field.content_type().map(str::to_string);
    let mut writer = state
        .files
        .create(&spec.storage_key)
        .await
        .map_err(storage_error)?;
    let mut hasher = Sha256::new();
    let mut size = 0usize;
    let mut head = Vec::with_capacity(HEAD_LEN);
    let mut inspected = false;
    while let Some(chunk) = field.chunk().await.map_err(malformed)? {
        if size + chunk.len() > spec.limit {
            return Err(too_large(spec.limit));
        }
        size += chunk.len();
        hasher.update(&chunk);
        if !inspected {
            let take = chunk.len().min(HEAD_LEN - head.len());
            head.extend_from_slice(&chunk[..take]);
            if head.len() == HEAD_LEN {
                inspected = true;
                inspect(&FileHead {
                    file_name: &file_name,
                    declared_type: declared_type.as_deref(),
                    bytes: &head,
                })?;
            }
        }
        writer.write(&chunk).await.map_err(storage_error)?;
    }
    if !inspected && size > 0 {
        inspect(&FileHead {
            file_name: &file_name,
            declared_type: declared_type.as_deref(),
            bytes: &head,
        })?;
    }
    Ok(ReceivedFile {
        file: FileFacts {
            file_name,
            declared_type,
            size: size as u64,
            sha256: hex::encode(hasher.finalize()),
            storage_key: spec.storage_key.clone(),
        },
        writer,
    })
}

/// Keeps a received file: makes its bytes durable under their key, then runs `record` (the
/// row, and its event). Runs on a task of its own so it finishes even if the client goes away
/// now. If `record` fails the bytes are deleted again.
pub async fn keep<T, Fut>(
    state: &AppState,
    received: ReceivedFile,
    record: impl FnOnce(AppState, FileFacts) -> Fut + Send + 'static,
) -> ApiResult<T>
where
    T: Send + 'static,
    Fut: Future<Output = ApiResult<T>> + Send + 'static,
{
    let state = state.clone();
    let task = tokio::spawn(async move {
        let ReceivedFile { file, writer } = received;
        writer.finish().await.map_err(storage_error)?;
        let key = file.storage_key.clone();
        let recorded = record(state.clone(), file).await;
        if recorded.is_err() {
            // No row points at the bytes: take them back (best effort).
            if let Err(e) = state.files.delete(&key).await {
                tracing::warn!(error = %e, %key, "removing the bytes of an unrecorded upload");
            }
        }
        recorded
    });
    task.await.map_err(|e| {
        tracing::error!(error = %e, "the task keeping an upload failed");
        ApiError::internal()
    })?
}

/// `413 FILE_TOO_LARGE` naming the limit.
pub fn too_large(limit: usize) -> ApiError {
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

fn storage_error(err: std::io::Error) -> ApiError {
    tracing::error!(error = %err, "writing an upload to storage");
    ApiError::internal()
}
