//! Evidence media (SPEC §9): the packing video of a shipment, the inspection video of a
//! returned parcel, photos of either. The bytes live in the [`crate::files::FileStorage`]
//! under `storage_key`; this table holds what was recorded about them.
//!
//! A row is inserted only after its bytes are on disk under their final name, in the same
//! transaction as its `media.added` event. Retention ([`Db::purge_media_before`]) deletes
//! rows first and reports their storage keys, so the bytes can go after: a crash between the
//! two leaves an orphan file, never a row without bytes.

use crate::events::{record_events, PendingEvent, MEDIA_ADDED};
use crate::list::{Cursor, Filter, PageOf, PageRequest};
use crate::sql::Row;
use crate::{Db, Result};
use depot_domain::codes::CodeKind;
use serde_json::Value;

/// What a medium shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    /// The packing of an outbound parcel (the default for a shipment).
    Packing,
    /// The opening and grading of a returned parcel (the default for a return).
    ReturnInspection,
    Photo,
}

impl MediaKind {
    pub const ALL: [MediaKind; 3] = [
        MediaKind::Packing,
        MediaKind::ReturnInspection,
        MediaKind::Photo,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Packing => "PACKING",
            MediaKind::ReturnInspection => "RETURN_INSPECTION",
            MediaKind::Photo => "PHOTO",
        }
    }

    pub fn parse(s: &str) -> Option<MediaKind> {
        MediaKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// What a medium belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaOwner {
    Shipment { id: i64, business_id: i64 },
    Return { id: i64, business_id: i64 },
}

impl MediaOwner {
    pub fn business_id(self) -> i64 {
        match self {
            MediaOwner::Shipment { business_id, .. } | MediaOwner::Return { business_id, .. } => {
                business_id
            }
        }
    }

    /// `("tracking_code", "OASC…")` or `("return_tracking_code", "OARSC…")`: how the owner is
    /// named in an event.
    pub fn code(self) -> (&'static str, String) {
        match self {
            MediaOwner::Shipment { id, .. } => ("tracking_code", CodeKind::Shipment.format(id)),
            MediaOwner::Return { id, .. } => {
                ("return_tracking_code", CodeKind::ReturnShipment.format(id))
            }
        }
    }
}

/// A stored medium.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaRecord {
    pub id: i64,
    pub business_id: i64,
    pub shipment_id: Option<i64>,
    pub return_id: Option<i64>,
    pub kind: MediaKind,
    pub token: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    /// Lowercase hex.
    pub sha256: String,
    pub recorded_time: Option<i64>,
    pub duration_seconds: Option<f64>,
    pub station: Option<String>,
    pub storage_key: String,
    pub created_time: i64,
}

impl TryFrom<Row> for MediaRecord {
    type Error = crate::StoreError;
    fn try_from(r: Row) -> Result<Self, crate::StoreError> {
        let kind: String = r.try_get("kind")?;
        Ok(MediaRecord {
            id: r.try_get("id")?,
            business_id: r.try_get("business_id")?,
            shipment_id: r.try_get("shipment_id")?,
            return_id: r.try_get("return_id")?,
            kind: MediaKind::parse(&kind)
                .ok_or_else(|| crate::StoreError::Decode(format!("media kind {kind:?}")))?,
            token: r.try_get("token")?,
            file_name: r.try_get("file_name")?,
            content_type: r.try_get("content_type")?,
            size: r.try_get("size")?,
            sha256: r.try_get("sha256")?,
            recorded_time: r.try_get("recorded_time")?,
            duration_seconds: r.try_get("duration_seconds")?,
            station: r.try_get("station")?,
            storage_key: r.try_get("storage_key")?,
            created_time: r.try_get("created_time")?,
        })
    }
}

/// What recording a new medium needs (its bytes already stored under `storage_key`).
#[derive(Debug, Clone)]
pub struct NewMedia<'a> {
    pub owner: MediaOwner,
    pub kind: MediaKind,
    pub token: &'a str,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub sha256: &'a str,
    pub recorded_time: Option<i64>,
    pub duration_seconds: Option<f64>,
    pub station: Option<&'a str>,
    pub storage_key: &'a str,
}

impl Db {
    /// The shipment a tracking code names, whoever owns it (the warehouse side).
    pub async fn media_shipment_owner(&self, tracking_code: &str) -> Result<Option<MediaOwner>> {
        let Some(id) = CodeKind::Shipment.parse(tracking_code) else {
            return Ok(None);
        };
        let business: Option<i64> =
            crate::sql::query_scalar("SELECT business_id FROM shipments WHERE id = $1")
                .bind(id)
                .fetch_optional(self.reader())
                .await?;
        Ok(business.map(|business_id| MediaOwner::Shipment { id, business_id }))
    }

    /// The return a return tracking code names, whoever owns it (the warehouse side).
    pub async fn media_return_owner(&self, code: &str) -> Result<Option<MediaOwner>> {
        let Some(id) = CodeKind::ReturnShipment.parse(code) else {
            return Ok(None);
        };
        let business: Option<i64> =
            crate::sql::query_scalar("SELECT business_id FROM return_shipments WHERE id = $1")
                .bind(id)
                .fetch_optional(self.reader())
                .await?;
        Ok(business.map(|business_id| MediaOwner::Return { id, business_id }))
    }

    /// Records a medium and its `media.added` event in one transaction. `payload` renders the
    /// event's body from the new row (the API's view of it, with its URL).
    pub async fn insert_media(
        &self,
        media: &NewMedia<'_>,
        now: i64,
        payload: impl FnOnce(&MediaRecord) -> Value,
    ) -> Result<MediaRecord> {
        let (shipment_id, return_id) = match media.owner {
            MediaOwner::Shipment { id, .. } => (Some(id), None),
            MediaOwner::Return { id, .. } => (None, Some(id)),
        };
        let mut tx = self.begin().await?;
        let row = crate::sql::query(
            "INSERT INTO media (business_id, shipment_id, return_id, kind, token, file_name, \
             content_type, size, sha256, recorded_time, duration_seconds, station, storage_key, \
             created_time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
             RETURNING *",
        )
        .bind(media.owner.business_id())
        .bind(shipment_id)
        .bind(return_id)
        .bind(media.kind.as_str())
        .bind(media.token)
        .bind(media.file_name)
        .bind(media.content_type)
        .bind(media.size)
        .bind(media.sha256)
        .bind(media.recorded_time)
        .bind(media.duration_seconds)
        .bind(media.station)
        .bind(media.storage_key)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let record = MediaRecord::try_from(row)?;
        let event = PendingEvent::uniform(record.business_id, MEDIA_ADDED, payload(&record));
        record_events(&mut tx, vec![event], now).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// The media of a merchant's shipment or return (by the owner's id), newest first.
    pub async fn list_media(
        &self,
        business_id: i64,
        owner: MediaOwner,
        page: &PageRequest,
    ) -> Result<PageOf<MediaRecord>> {
        let mut filter = Filter::new();
        filter.int("m.business_id = ?", business_id);
        match owner {
            MediaOwner::Shipment { id, .. } => filter.int("m.shipment_id = ?", id),
            MediaOwner::Return { id, .. } => filter.int("m.return_id = ?", id),
        };
        let total = self.count("media m", &filter).await?;
        let tail = page.apply(&mut filter, "m");
        let sql = format!("SELECT m.* FROM media m{}{tail}", filter.where_sql());
        let rows = filter
            .bind_all(crate::sql::query(&sql))
            .fetch_all(self.reader())
            .await?;
        let rows = rows
            .into_iter()
            .map(MediaRecord::try_from)
            .collect::<Result<Vec<_>>>()?;
        Ok(page.finish(rows, total, |m| Cursor {
            created_time: m.created_time,
            id: m.id,
        }))
    }

    /// Every medium of a business (its shipments' and its returns'), newest first: the
    /// portal's Videos page.
    pub async fn list_business_media(
        &self,
        business_id: i64,
        page: &PageRequest,
    ) -> Result<PageOf<MediaRecord>> {
        let mut filter = Filter::new();
        filter.int("m.business_id = ?", business_id);
        let total = self.count("media m", &filter).await?;
        let tail = page.apply(&mut filter, "m");
        let sql = format!("SELECT m.* FROM media m{}{tail}", filter.where_sql());
        let rows = filter
            .bind_all(crate::sql::query(&sql))
            .fetch_all(self.reader())
            .await?;
        let rows = rows
            .into_iter()
            .map(MediaRecord::try_from)
            .collect::<Result<Vec<_>>>()?;
        Ok(page.finish(rows, total, |m| Cursor {
            created_time: m.created_time,
            id: m.id,
        }))
    }

    /// The medium a token names, whoever owns it: the token itself is the permission.
    pub async fn media_by_token(&self, token: &str) -> Result<Option<MediaRecord>> {
        let row = crate::sql::query("SELECT * FROM media WHERE token = $1")
            .bind(token)
            .fetch_optional(self.reader())
            .await?;
        row.map(MediaRecord::try_from).transpose()
    }

    /// Deletes up to `limit` media created before `cutoff`, oldest first, and returns their
    /// storage keys (the caller removes the bytes). Each row is deleted by one caller only,
    /// so processes sharing the database never both report it.
    pub async fn purge_media_before(&self, cutoff: i64, limit: i64) -> Result<Vec<String>> {
        crate::sql::query_scalar(
            "DELETE FROM media WHERE id IN (SELECT id FROM media WHERE created_time < $1 \
             ORDER BY created_time, id LIMIT $2) RETURNING storage_key",
        )
        .bind(cutoff)
        .bind(limit)
        .fetch_all(self.writer())
        .await
    }
}
