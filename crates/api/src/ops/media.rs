//! Evidence media uploads from the warehouse floor (SPEC §9): the packing video of a shipment,
//! the inspection video of a returned parcel, photos of either. The body streams to storage
//! ([`crate::upload`]); its type is checked by content as it arrives.

use crate::auth::Operator;
use crate::envelope::{Created, Envelope};
use crate::error::{ApiError, ApiResult};
use crate::media::{check_media_type, media_object, MediaObject};
use crate::upload::{keep, receive, refuse_declared_length, UploadSpec, FILE_FIELD};
use crate::AppState;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::HeaderMap;
use depot_domain::ErrorCode;
use depot_store::files::{new_file_token, new_storage_key};
use depot_store::media::{MediaKind, MediaOwner, NewMedia};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The text parts an upload may carry besides `file`.
const FIELDS: &[&str] = &["kind", "recorded_time", "duration_seconds", "station"];
/// Longest recording accepted, in seconds (a day).
const MAX_DURATION: f64 = 86_400.0;
/// How far ahead of Depot's clock a station's clock may run, in seconds.
const CLOCK_SKEW: i64 = 3_600;
const MAX_STATION: usize = 100;

/// The upload routes. Their bodies are bounded by the media limit (checked while reading),
/// not by the JSON body limit.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload_shipment_media))
        .routes(routes!(upload_return_media))
        .layer(DefaultBodyLimit::disable())
}

/// The multipart form of a media upload.
#[derive(ToSchema)]
#[allow(dead_code)] // Documents the request body; the handler reads the parts itself.
pub struct MediaForm {
    /// The video or photo: `video/mp4`, `video/webm`, `video/quicktime`, `image/jpeg` or
    /// `image/png`, as its content shows (a part `Content-Type` that says otherwise is refused).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// `PACKING` (default for a shipment), `RETURN_INSPECTION` (default for a return) or `PHOTO`.
    kind: Option<String>,
    /// When the recording was made, Unix seconds.
    recorded_time: Option<i64>,
    /// Length of the recording in seconds (decimals allowed).
    duration_seconds: Option<f64>,
    /// The packing or inspection station (at most 100 characters).
    station: Option<String>,
}

/// Upload evidence media for a shipment (the packing video by default). The file streams to
/// storage, at most `--media-limit-bytes` (500 MiB by default); its size and SHA-256 are
/// recorded and `media.added` is sent to the merchant.
#[utoipa::path(post, path = "/shipments/{tracking_code}/media", tag = "Operator", security(("ops_token" = [])),
    request_body(content = MediaForm, content_type = "multipart/form-data"),
    responses((status = 201, body = Envelope<MediaObject>),
              (status = 404, description = "SHIPMENT_NOT_FOUND"),
              (status = 413, description = "FILE_TOO_LARGE"),
              (status = 422, description = "INVALID_PAYLOAD: no `file`, an empty file, a type that is not kept or does not match the content, or a bad field")))]
pub async fn upload_shipment_media(
    _: Operator,
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<Created<MediaObject>> {
    attach_shipment_media(&state, &code, None, &headers, multipart)
        .await
        .map(Created)
}

/// The shipment media command the API and the console's pack station share. With
/// `warehouse`, a shipment of another warehouse is not found.
pub async fn attach_shipment_media(
    state: &AppState,
    code: &str,
    warehouse: Option<&str>,
    headers: &HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<MediaObject> {
    let not_found = || ApiError::new(ErrorCode::ShipmentNotFound);
    if let Some(w) = warehouse {
        let found = state.db.floor_shipment(code).await?;
        if found.is_none_or(|s| s.warehouse_code != w) {
            return Err(not_found());
        }
    }
    let owner = state
        .db
        .media_shipment_owner(code)
        .await?
        .ok_or_else(not_found)?;
    upload(state, owner, MediaKind::Packing, headers, multipart)
        .await
        .map(|c| c.0)
}

/// Upload evidence media for a return shipment (the inspection video by default), as for a
/// shipment.
#[utoipa::path(post, path = "/return-shipments/{return_tracking_code}/media", tag = "Operator", security(("ops_token" = [])),
    request_body(content = MediaForm, content_type = "multipart/form-data"),
    responses((status = 201, body = Envelope<MediaObject>),
              (status = 404, description = "RETURN_SHIPMENT_NOT_FOUND"),
              (status = 413, description = "FILE_TOO_LARGE"),
              (status = 422, description = "INVALID_PAYLOAD: no `file`, an empty file, a type that is not kept or does not match the content, or a bad field")))]
pub async fn upload_return_media(
    _: Operator,
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<Created<MediaObject>> {
    attach_return_media(&state, &code, None, &headers, multipart)
        .await
        .map(Created)
}

/// The return media command the API and the console's returns page share. With
/// `warehouse`, a return to another warehouse is not found.
pub async fn attach_return_media(
    state: &AppState,
    code: &str,
    warehouse: Option<&str>,
    headers: &HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<MediaObject> {
    let not_found = || ApiError::new(ErrorCode::ReturnShipmentNotFound);
    if let Some(w) = warehouse {
        let found = state.db.return_shipment_any(code).await?;
        if found.is_none_or(|r| r.warehouse_code != w) {
            return Err(not_found());
        }
    }
    let owner = state
        .db
        .media_return_owner(code)
        .await?
        .ok_or_else(not_found)?;
    upload(
        state,
        owner,
        MediaKind::ReturnInspection,
        headers,
        multipart,
    )
    .await
    .map(|c| c.0)
}

async fn upload(
    state: &AppState,
    owner: MediaOwner,
    default_kind: MediaKind,
    headers: &HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<Created<MediaObject>> {
    let limit = state.config.media_limit_bytes;
    refuse_declared_length(headers, limit)?;
    let spec = UploadSpec {
        limit,
        storage_key: new_storage_key(owner.business_id()),
        text_fields: FIELDS,
    };
    // The type is decided by the first bytes, so a file of the wrong kind is refused without
    // reading the rest of it.
    let mut content_type = None;
    let received = receive(state, multipart, spec, |head| {
        content_type = Some(check_media_type(head)?);
        Ok(())
    })
    .await?;
    let Some(file) = received.file else {
        return Err(ApiError::invalid_field(FILE_FIELD, "is required"));
    };
    if file.file.size == 0 {
        return Err(ApiError::invalid_field(FILE_FIELD, "must not be empty"));
    }
    let content_type = content_type.ok_or_else(ApiError::internal)?;
    let fields = Fields::parse(&received.fields, default_kind, state.now())?;

    let media = keep(state, file, move |state, file| async move {
        let token = new_file_token();
        let new = NewMedia {
            owner,
            kind: fields.kind,
            token: &token,
            file_name: &file.file_name,
            content_type,
            size: file.size as i64,
            sha256: &file.sha256,
            recorded_time: fields.recorded_time,
            duration_seconds: fields.duration_seconds,
            station: fields.station.as_deref(),
            storage_key: &file.storage_key,
        };
        let (code_field, code) = owner.code();
        let record = state
            .db
            .insert_media(&new, state.now(), |record| {
                let mut payload = serde_json::to_value(media_object(&state, record))
                    .expect("a media object serialises");
                if let Some(map) = payload.as_object_mut() {
                    map.insert(code_field.to_string(), code.into());
                }
                payload
            })
            .await?;
        Ok(media_object(&state, &record))
    })
    .await?;
    tracing::info!(
        business_id = owner.business_id(),
        media_id = media.media_id,
        size = media.size,
        kind = media.kind,
        "media uploaded"
    );
    Ok(Created(media))
}

/// The optional text parts, checked.
struct Fields {
    kind: MediaKind,
    recorded_time: Option<i64>,
    duration_seconds: Option<f64>,
    station: Option<String>,
}

impl Fields {
    fn parse(
        raw: &BTreeMap<String, String>,
        default_kind: MediaKind,
        now: i64,
    ) -> ApiResult<Fields> {
        let get = |name: &str| raw.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
        let mut errors: Vec<(&str, String)> = Vec::new();
        let kind = match get("kind") {
            None => default_kind,
            Some(k) => MediaKind::parse(&k.to_ascii_uppercase()).unwrap_or_else(|| {
                errors.push(("kind", "must be PACKING, RETURN_INSPECTION or PHOTO".into()));
                default_kind
            }),
        };
        let recorded_time = match get("recorded_time").map(str::parse::<i64>) {
            None => None,
            Some(Ok(t)) if (0..=now.saturating_add(CLOCK_SKEW)).contains(&t) => Some(t),
            Some(Ok(_)) => {
                errors.push((
                    "recorded_time",
                    "must be a time that has happened (Unix seconds)".into(),
                ));
                None
            }
            Some(Err(_)) => {
                errors.push(("recorded_time", "must be an integer (Unix seconds)".into()));
                None
            }
        };
        let duration_seconds = match get("duration_seconds").map(str::parse::<f64>) {
            None => None,
            Some(Ok(d)) if d.is_finite() && (0.0..=MAX_DURATION).contains(&d) => Some(d),
            _ => {
                errors.push((
                    "duration_seconds",
                    format!("must be a number of seconds from 0 to {MAX_DURATION}"),
                ));
                None
            }
        };
        let station = get("station").map(str::to_string);
        if station
            .as_ref()
            .is_some_and(|s| s.chars().count() > MAX_STATION || s.chars().any(char::is_control))
        {
            errors.push((
                "station",
                format!("must be at most {MAX_STATION} characters of text"),
            ));
        }
        if !errors.is_empty() {
            return Err(ApiError::invalid_fields(errors));
        }
        Ok(Fields {
            kind,
            recorded_time,
            duration_seconds,
            station,
        })
    }
}
