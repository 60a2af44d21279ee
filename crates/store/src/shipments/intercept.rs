//! Intercept requests (SPEC §7). Every request — single or bulk —, every answer of the carrier
//! side and every operator move that resolves a request is decided by
//! `depot_domain::intercept` and applied here, in one transaction that holds the shipment's
//! row lock (PostgreSQL `FOR UPDATE`; SQLite's single writer), so a request racing a
//! delivery, an answer racing a delivery, or two repeats of one request each end in one
//! state. A partial unique index (migration 0020) keeps at most one open request per
//! shipment even if a guard were wrong.

use super::{load_shipments_with, lock_shipment, record_change, set_status, Shipment};
use crate::events::{record_events, PendingEvent, SHIPMENT_INTERCEPT};
use crate::list::Filter;
use crate::sql::{placeholders, Row, Target};
use crate::{Backend, Db, Result, StoreError, Tx};
use depot_domain::cancel::CancelReason;
use depot_domain::codes::CodeKind;
use depot_domain::intercept::{
    self, AnswerDecision, AnswerRefusal, InterceptStatus, Outcome, RequestDecision,
};
use depot_domain::status::ShipmentStatus;
use serde::Serialize;
use std::collections::HashMap;

/// A shipment's latest intercept request.
#[derive(Debug, Clone)]
pub struct Intercept {
    pub id: i64,
    pub status: InterceptStatus,
    pub reason_code: String,
    pub reason_note: Option<String>,
    /// The carrier side's answer, or `delivered` when the parcel was delivered first.
    pub note: Option<String>,
    pub requested_by: String,
    pub resolved_by: Option<String>,
    pub requested_time: i64,
    pub resolved_time: Option<i64>,
}

impl Intercept {
    /// The intercept object of SPEC §7, as the API answers it and the detail shows it.
    pub fn view(&self) -> InterceptView<'_> {
        InterceptView {
            status: self.status.as_str(),
            requested_time: self.requested_time,
            resolved_time: self.resolved_time,
            reason: InterceptReasonView {
                code: &self.reason_code,
                note: self.reason_note.as_deref(),
            },
            note: self.note.as_deref(),
        }
    }

    fn from_row(r: &Row) -> Result<Intercept> {
        let status: String = r.try_get("status")?;
        Ok(Intercept {
            id: r.try_get("id")?,
            status: InterceptStatus::parse(&status)
                .ok_or_else(|| StoreError::Decode(format!("intercept status {status}")))?,
            reason_code: r.try_get("reason_code")?,
            reason_note: r.try_get("reason_note")?,
            note: r.try_get("note")?,
            requested_by: r.try_get("requested_by")?,
            resolved_by: r.try_get("resolved_by")?,
            requested_time: r.try_get("requested_time")?,
            resolved_time: r.try_get("resolved_time")?,
        })
    }
}

/// `{status, requested_time, resolved_time, reason {code, note}, note}`, in wire order.
#[derive(Debug, Serialize)]
pub struct InterceptView<'a> {
    status: &'static str,
    requested_time: i64,
    resolved_time: Option<i64>,
    reason: InterceptReasonView<'a>,
    note: Option<&'a str>,
}

#[derive(Debug, Serialize)]
struct InterceptReasonView<'a> {
    code: &'a str,
    note: Option<&'a str>,
}

/// A merchant's request, as every way in expresses it.
#[derive(Debug, Clone)]
pub struct InterceptCommand {
    pub reason: CancelReason,
    pub reason_note: Option<String>,
    /// Who asked (`merchant`, `portal:<email>`).
    pub actor: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InterceptError {
    NotFound,
    /// Not with the carrier: the current status and when it was reached.
    NotInterceptable(ShipmentStatus, i64),
}

#[derive(Debug, Clone)]
pub enum AnswerError {
    NotFound,
    /// The shipment has no request to answer.
    NoRequest(Box<Shipment>),
    /// The latest request was already resolved with the other outcome.
    AlreadyResolved(Box<Shipment>),
    /// The shipment's status does not allow turning it back.
    NotInterceptable(Box<Shipment>),
}

/// Attaches each shipment's latest request, read on the same connection as the shipments.
pub(super) async fn attach(conn: &mut Target<'_>, shipments: &mut [Shipment]) -> Result<()> {
    let ids: Vec<i64> = shipments.iter().filter_map(|s| s.intercept_id).collect();
    if ids.is_empty() {
        return Ok(());
    }
    let mut found: HashMap<i64, Intercept> = HashMap::new();
    for r in crate::sql::query(&format!(
        "SELECT * FROM shipment_intercepts WHERE id IN ({})",
        placeholders(1, ids.len())
    ))
    .bind_each(&ids)
    .fetch_all(conn)
    .await?
    {
        let i = Intercept::from_row(&r)?;
        found.insert(i.id, i);
    }
    for s in shipments {
        s.intercept = s.intercept_id.and_then(|id| found.remove(&id));
    }
    Ok(())
}

/// Resolves the open request of a locked shipment (CONFIRMED or FAILED) with its note. The
/// guarded UPDATE finds it open, or the data broke an invariant and nothing is committed.
async fn resolve(
    tx: &mut Tx,
    shipment: &Shipment,
    to: InterceptStatus,
    note: Option<&str>,
    actor: &str,
    now: i64,
) -> Result<()> {
    let id = shipment
        .intercept_id
        .ok_or_else(|| StoreError::Invariant(format!("{} has no request", shipment.id)))?;
    let done = crate::sql::query(
        "UPDATE shipment_intercepts SET status = $2, note = $3, resolved_by = $4, resolved_time = $5 \
         WHERE id = $1 AND status = $6",
    )
    .bind(id)
    .bind(to.as_str())
    .bind(note)
    .bind(actor)
    .bind(now)
    .bind(InterceptStatus::Requested.as_str())
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Invariant(format!(
            "intercept {id} left REQUESTED under a lock"
        )));
    }
    crate::sql::query(
        "UPDATE shipments SET intercept_status = $2, updated_time = $3 WHERE id = $1 AND intercept_id = $4",
    )
    .bind(shipment.id)
    .bind(to.as_str())
    .bind(now)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Inside an operator move of a locked shipment to `to`: resolves its open request as the
/// domain says (a delivery fails it, a parcel turned back confirms it). True when it did, so
/// the caller records `shipment.intercept` once the move is recorded.
pub(super) async fn resolve_on_move(
    tx: &mut Tx,
    shipment: &Shipment,
    to: ShipmentStatus,
    now: i64,
) -> Result<bool> {
    let latest = shipment.intercept.as_ref().map(|i| i.status);
    match intercept::on_status_change(to, latest) {
        Some((status, note)) => {
            resolve(tx, shipment, status, Some(note), "system", now).await?;
            Ok(true)
        }
        None => Ok(false),
    }
}

/// The `shipment.intercept` event of shipments as they now are: their detail, which
/// carries `intercept`.
pub(super) fn intercept_event(shipment: &Shipment) -> PendingEvent {
    PendingEvent::new(shipment.business_id, SHIPMENT_INTERCEPT, |lang| {
        shipment.detail(lang)
    })
}

/// Locks a business's shipments by id (ascending), with history.
async fn lock_many(
    tx: &mut Tx,
    backend: Backend,
    business_id: i64,
    ids: &[i64],
) -> Result<Vec<Shipment>> {
    let mut f = Filter::new();
    // `+` keeps SQLite's planner on the id lookups (see the cancel engine).
    f.int_in("s.id", ids).int("+s.business_id = ?", business_id);
    let lock = match backend {
        Backend::Sqlite => "",
        Backend::Postgres => " FOR UPDATE OF s",
    };
    let clause = format!("{} ORDER BY s.id", f.conditions());
    load_shipments_with(&mut **tx, &clause, &f, lock, true).await
}

impl Db {
    /// Asks for shipments back (SPEC §7), all in one transaction, each decided on its own so
    /// a refusal never blocks the others. One result per id, in the order given; None (an
    /// unknown code) and another business's shipment answer NotFound; an id given twice gets
    /// the same result twice. A success is the shipment with its latest request — new, or
    /// the open or confirmed one a repeat answers.
    pub async fn request_intercepts(
        &self,
        business_id: i64,
        shipment_ids: &[Option<i64>],
        cmd: &InterceptCommand,
        now: i64,
    ) -> Result<Vec<Result<Shipment, InterceptError>>> {
        let mut ids: Vec<i64> = shipment_ids.iter().flatten().copied().collect();
        ids.sort_unstable();
        ids.dedup();
        let mut results: HashMap<i64, Result<Shipment, InterceptError>> = HashMap::new();
        let mut tx = self.begin().await?;
        let mut opened = Vec::new();
        if !ids.is_empty() {
            for shipment in lock_many(&mut tx, self.backend(), business_id, &ids).await? {
                let latest = shipment.intercept.as_ref().map(|i| i.status);
                match intercept::decide_request(shipment.status, latest) {
                    Ok(RequestDecision::Existing) => {
                        results.insert(shipment.id, Ok(shipment));
                    }
                    Ok(RequestDecision::Open) => opened.push(shipment.id),
                    Err(status) => {
                        results.insert(
                            shipment.id,
                            Err(InterceptError::NotInterceptable(
                                status,
                                shipment.status_time,
                            )),
                        );
                    }
                }
            }
        }
        for id in &opened {
            let intercept_id: i64 = crate::sql::query_scalar(
                "INSERT INTO shipment_intercepts (shipment_id, status, reason_code, reason_note, \
                 requested_by, requested_time) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(id)
            .bind(InterceptStatus::Requested.as_str())
            .bind(cmd.reason.code())
            .bind(&cmd.reason_note)
            .bind(cmd.actor.as_str())
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            crate::sql::query(
                "UPDATE shipments SET intercept_id = $2, intercept_status = $3, updated_time = $4 WHERE id = $1",
            )
            .bind(id)
            .bind(intercept_id)
            .bind(InterceptStatus::Requested.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        if !opened.is_empty() {
            let mut f = Filter::new();
            f.int_in("s.id", &opened);
            let clause = format!("{} ORDER BY s.id", f.conditions());
            let changed = load_shipments_with(&mut *tx, &clause, &f, "", true).await?;
            record_events(&mut tx, changed.iter().map(intercept_event).collect(), now).await?;
            for s in changed {
                results.insert(s.id, Ok(s));
            }
        }
        tx.commit().await?;
        Ok(shipment_ids
            .iter()
            .map(|id| {
                id.and_then(|id| results.get(&id).cloned())
                    .unwrap_or(Err(InterceptError::NotFound))
            })
            .collect())
    }

    /// The carrier side's answer to a shipment's open request (SPEC §7): CONFIRMED turns the
    /// parcel back (360 RETURNING), FAILED leaves the status. Repeating the same answer
    /// returns the shipment unchanged. Answers the shipment as it now is.
    pub async fn answer_intercept(
        &self,
        tracking_code: &str,
        outcome: Outcome,
        note: Option<&str>,
        actor: &str,
        now: i64,
    ) -> Result<Result<Shipment, AnswerError>> {
        let Some(id) = CodeKind::Shipment.parse(tracking_code) else {
            return Ok(Err(AnswerError::NotFound));
        };
        let mut tx = self.begin().await?;
        let mut f = Filter::new();
        f.int("s.id = ?", id);
        let Some(shipment) = lock_shipment(&mut tx, self.backend(), &f).await? else {
            return Ok(Err(AnswerError::NotFound));
        };
        let latest = shipment.intercept.as_ref().map(|i| i.status);
        let decision = match intercept::decide_answer(shipment.status, latest, outcome) {
            Ok(d) => d,
            Err(refusal) => {
                let shipment = Box::new(shipment);
                return Ok(Err(match refusal {
                    AnswerRefusal::NoRequest => AnswerError::NoRequest(shipment),
                    AnswerRefusal::AlreadyResolved(_) => AnswerError::AlreadyResolved(shipment),
                    AnswerRefusal::NotInterceptable(_) => AnswerError::NotInterceptable(shipment),
                }));
            }
        };
        let changed = match decision {
            AnswerDecision::Repeat => return Ok(Ok(shipment)),
            AnswerDecision::Fail => {
                resolve(
                    &mut tx,
                    &shipment,
                    InterceptStatus::Failed,
                    note,
                    actor,
                    now,
                )
                .await?;
                let mut f = Filter::new();
                f.int("s.id = ?", id);
                load_shipments_with(&mut *tx, &f.conditions(), &f, "", true)
                    .await?
                    .pop()
                    .expect("the locked shipment exists")
            }
            AnswerDecision::Confirm { to } => {
                resolve(
                    &mut tx,
                    &shipment,
                    InterceptStatus::Confirmed,
                    note,
                    actor,
                    now,
                )
                .await?;
                set_status(&mut tx, id, shipment.status, to, now).await?;
                let history_note = note.unwrap_or("intercept confirmed");
                record_change(
                    &mut tx,
                    id,
                    &shipment.history,
                    Some((shipment.status, shipment.status_time)),
                    actor,
                    Some(history_note),
                    now,
                )
                .await?
            }
        };
        record_events(&mut tx, vec![intercept_event(&changed)], now).await?;
        tx.commit().await?;
        Ok(Ok(changed))
    }
}
