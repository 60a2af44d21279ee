//! B2C shipments (SPEC §2.1, §2.2, §3.4): creation with atomic reservation, operator
//! transitions, and the cancellation engine shared by every dialect.
//!
//! Every write runs in one transaction that takes its locks in one order — the shipment rows
//! first (ascending id), then stock balances (ascending product id) — so concurrent cancels,
//! transitions, creates and stock arrivals on PostgreSQL cannot deadlock; SQLite's single
//! writer serialises them anyway.

use crate::events::{record_event, status_event, SHIPMENT_UPDATE_STATUS};
use crate::list::{Cursor, Filter, PageOf, PageRequest, TimeRange};
use crate::products::{resolve_line_products, LineProductsError};
use crate::sql::Row;
use crate::sql::{placeholders, Target};
use crate::stock::{move_stock, move_stocks, StockKey, StockMove};
use crate::{is_unique_violation, Backend, Db, Result, Tx};
use depot_domain::cancel::{CancelGuard, CancelReason, LineCancel, Refusal, StockEffect};
use depot_domain::codes::CodeKind;
use depot_domain::intercept::InterceptStatus;
use depot_domain::money;
use depot_domain::status::ShipmentStatus;
use depot_domain::status::StatusInfo;
use depot_domain::stock::{Movement, SELLABLE};
use depot_domain::Lang;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

mod cancel;
mod intercept;

pub use intercept::{AnswerError, Intercept, InterceptCommand, InterceptError, InterceptView};

/// What a face may look a business's shipments up by besides their tracking code (the
/// dialects name them by merchant reference, courier tracking code or status). Typed, so no
/// caller outside the store writes SQL; every field set must match.
#[derive(Debug, Clone, Default)]
pub struct ShipmentLookup {
    /// `merchant_tracking_code_reference`: the original and every successor of a partial
    /// cancel share it.
    pub merchant_reference: Option<String>,
    pub courier_tracking_code: Option<String>,
    pub warehouse_code: Option<String>,
    /// Any of these statuses; empty means any status.
    pub statuses: Vec<ShipmentStatus>,
}

impl ShipmentLookup {
    fn filter(&self, business_id: i64) -> Filter {
        let mut f = Filter::new();
        f.int("s.business_id = ?", business_id);
        f.opt_text(
            "s.merchant_tracking_code_reference = ?",
            self.merchant_reference.as_deref(),
        );
        f.opt_text(
            "s.courier_tracking_code = ?",
            self.courier_tracking_code.as_deref(),
        );
        f.opt_text("w.warehouse_code = ?", self.warehouse_code.as_deref());
        if !self.statuses.is_empty() {
            let values: Vec<i64> = self.statuses.iter().map(|s| s.value()).collect();
            f.int_in("s.status", &values);
        }
        f
    }
}

/// A validated create request.
#[derive(Debug, Clone, Default)]
pub struct NewShipment {
    pub warehouse_code: String,
    pub platform: String,
    pub merchant_tracking_code_reference: String,
    pub courier_tracking_code: Option<String>,
    pub courier_name: Option<String>,
    pub shipping_label_url: Option<String>,
    /// (OASIN, quantity), each OASIN once.
    pub items: Vec<(String, i64)>,
    pub receiver: Option<Value>,
    pub cod_amount_minor: Option<i64>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateShipmentError {
    WarehouseNotFound,
    Products(LineProductsError),
    DuplicateReference,
}

#[derive(Debug, Clone)]
pub struct ShipmentLine {
    pub line_id: i64,
    pub product_id: i64,
    pub sku: String,
    pub product_quantity: i64,
    pub cancelled_quantity: i64,
}

impl ShipmentLine {
    pub fn oasin(&self) -> String {
        CodeKind::Product.format(self.product_id)
    }
    /// Units still to ship on this line.
    pub fn open_quantity(&self) -> i64 {
        self.product_quantity - self.cancelled_quantity
    }
}

#[derive(Debug, Clone)]
pub struct HistoryEntry {
    pub status: ShipmentStatus,
    pub actor: String,
    pub note: Option<String>,
    pub created_time: i64,
}

#[derive(Debug, Clone)]
pub struct Shipment {
    pub id: i64,
    pub business_id: i64,
    pub warehouse_id: i64,
    pub warehouse_code: String,
    pub merchant_tracking_code_reference: String,
    pub courier_tracking_code: Option<String>,
    pub courier_name: Option<String>,
    pub shipping_label_url: Option<String>,
    pub platform: String,
    pub status: ShipmentStatus,
    pub status_time: i64,
    pub receiver: Option<Value>,
    pub cod_amount_minor: Option<i64>,
    pub note: Option<String>,
    pub allocated_time: Option<i64>,
    pub picked_time: Option<i64>,
    pub packed_time: Option<i64>,
    /// The weight the pack station recorded, in grams (not part of the merchant's view).
    pub packed_weight_grams: Option<i64>,
    pub handover_time: Option<i64>,
    pub delivered_time: Option<i64>,
    pub cancelled_time: Option<i64>,
    pub cancel_reason_code: Option<String>,
    pub cancel_reason_note: Option<String>,
    pub supersedes_id: Option<i64>,
    pub superseded_by_id: Option<i64>,
    pub created_time: i64,
    pub updated_time: i64,
    pub lines: Vec<ShipmentLine>,
    pub history: Vec<HistoryEntry>,
    /// The latest intercept request (SPEC §7), if any.
    pub intercept_id: Option<i64>,
    pub intercept: Option<Intercept>,
}

impl Shipment {
    pub fn tracking_code(&self) -> String {
        CodeKind::Shipment.format(self.id)
    }

    /// The detail of SPEC §3.4, as the API answers it and webhooks carry it, ready to be
    /// serialised straight from the shipment.
    pub fn detail(&self, lang: Lang) -> ShipmentView<'_> {
        let code = |id: Option<i64>| id.map(|i| CodeKind::Shipment.format(i));
        ShipmentView {
            status_info: self.status.info(lang, Some(self.status_time)),
            created_time: self.created_time,
            updated_time: self.updated_time,
            warehouse_code: &self.warehouse_code,
            tracking_code: self.tracking_code(),
            package_id: self.id,
            merchant_tracking_code_reference: &self.merchant_tracking_code_reference,
            courier_tracking_code: self.courier_tracking_code.as_deref(),
            courier_name: self.courier_name.as_deref(),
            shipping_label_url: self.shipping_label_url.as_deref(),
            platform: &self.platform,
            allocated_time: self.allocated_time,
            picked_time: self.picked_time,
            packed_time: self.packed_time,
            handover_time: self.handover_time,
            delivered_time: self.delivered_time,
            cancelled_time: self.cancelled_time,
            cancel_reason: self
                .cancel_reason_code
                .as_deref()
                .map(|code| CancelReasonView {
                    code,
                    note: self.cancel_reason_note.as_deref(),
                }),
            items: self
                .lines
                .iter()
                .map(|l| ItemView {
                    line_id: l.line_id,
                    oasin: l.oasin(),
                    sku: &l.sku,
                    product_quantity: l.product_quantity,
                    cancelled_quantity: l.cancelled_quantity,
                })
                .collect(),
            receiver: self.receiver.as_ref(),
            cod_amount: self.cod_amount_minor.map(money::format_minor),
            note: self.note.as_deref(),
            supersedes: code(self.supersedes_id),
            superseded_by: code(self.superseded_by_id),
            history: self
                .history
                .iter()
                .map(|h| HistoryView {
                    status_info: h.status.info(lang, Some(h.created_time)),
                    actor: &h.actor,
                    note: h.note.as_deref(),
                })
                .collect(),
            intercept: self.intercept.as_ref().map(Intercept::view),
        }
    }

    /// [`Shipment::detail`] as a JSON value.
    pub fn view(&self, lang: Lang) -> Value {
        serde_json::to_value(self.detail(lang)).expect("a shipment view serialises")
    }
}

/// A shipment's detail in one language; fields in wire order.
#[derive(Debug, Serialize)]
pub struct ShipmentView<'a> {
    status_info: StatusInfo,
    created_time: i64,
    updated_time: i64,
    warehouse_code: &'a str,
    tracking_code: String,
    package_id: i64,
    merchant_tracking_code_reference: &'a str,
    courier_tracking_code: Option<&'a str>,
    courier_name: Option<&'a str>,
    shipping_label_url: Option<&'a str>,
    platform: &'a str,
    allocated_time: Option<i64>,
    picked_time: Option<i64>,
    packed_time: Option<i64>,
    handover_time: Option<i64>,
    delivered_time: Option<i64>,
    cancelled_time: Option<i64>,
    cancel_reason: Option<CancelReasonView<'a>>,
    items: Vec<ItemView<'a>>,
    receiver: Option<&'a Value>,
    cod_amount: Option<String>,
    note: Option<&'a str>,
    supersedes: Option<String>,
    superseded_by: Option<String>,
    history: Vec<HistoryView<'a>>,
    intercept: Option<InterceptView<'a>>,
}

#[derive(Debug, Serialize)]
struct CancelReasonView<'a> {
    code: &'a str,
    note: Option<&'a str>,
}

#[derive(Debug, Serialize)]
struct ItemView<'a> {
    line_id: i64,
    oasin: String,
    sku: &'a str,
    product_quantity: i64,
    cancelled_quantity: i64,
}

#[derive(Debug, Serialize)]
struct HistoryView<'a> {
    status_info: StatusInfo,
    actor: &'a str,
    note: Option<&'a str>,
}

/// Filters of Get B2C Shipment List.
#[derive(Debug, Clone, Default)]
pub struct ShipmentFilter {
    pub status: Option<i64>,
    pub warehouse_code: Option<String>,
    pub platform: Option<String>,
    pub tracking_code: Option<String>,
    pub merchant_tracking_code_reference: Option<String>,
    pub courier_tracking_code: Option<String>,
    pub times: TimeRange,
    /// The latest intercept request's status (SPEC §7).
    pub intercept_status: Option<InterceptStatus>,
    /// The portal's search box: one text matched exactly against the tracking code, the
    /// merchant reference and the courier code (each indexed).
    pub search: Option<String>,
}

impl ShipmentFilter {
    /// True when nothing but the status narrows the list, so its total can come from the
    /// per-status counts.
    fn only_status(&self) -> bool {
        let blank = |v: &Option<String>| v.as_deref().is_none_or(str::is_empty);
        blank(&self.warehouse_code)
            && blank(&self.platform)
            && blank(&self.tracking_code)
            && blank(&self.merchant_tracking_code_reference)
            && blank(&self.courier_tracking_code)
            && self.times.is_empty()
            && self.intercept_status.is_none()
            && blank(&self.search)
    }
}

/// Filters of the operator's shipment list: the merchant list's, plus the business, wave
/// and manifest.
#[derive(Debug, Clone, Default)]
pub struct FloorShipmentFilter {
    pub business_id: Option<i64>,
    pub wave_id: Option<i64>,
    pub manifest_id: Option<i64>,
    pub shipments: ShipmentFilter,
}

/// A cancel, as every dialect expresses it.
#[derive(Debug, Clone)]
pub struct CancelCommand {
    pub guard: CancelGuard,
    pub reason: CancelReason,
    pub reason_note: Option<String>,
    /// Empty: cancel everything.
    pub lines: Vec<LineCancel>,
    /// Who asked, for the history (`merchant`, `shipper`, `ithink`, `trendyol`).
    pub actor: String,
}

/// The result of a cancel, or of repeating one.
#[derive(Debug, Clone)]
pub struct CancelOutcome {
    pub shipment_id: i64,
    pub merchant_tracking_code_reference: String,
    pub status: ShipmentStatus,
    pub cancelled_time: i64,
    pub successor_id: Option<i64>,
    /// (line id, OASIN, SKU, quantity cancelled).
    pub cancelled_items: Vec<(i64, String, String, i64)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CancelError {
    NotFound,
    Refused(Refusal),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransitionError {
    NotFound,
    NotAllowed(ShipmentStatus),
    InsufficientStock,
}

const SHIPMENT_COLUMNS: &str = "s.*, w.warehouse_code";

fn shipment_from_row(r: &Row) -> Result<Shipment, crate::StoreError> {
    let status: i64 = r.try_get("status")?;
    let receiver: Option<String> = r.try_get("receiver")?;
    Ok(Shipment {
        id: r.try_get("id")?,
        business_id: r.try_get("business_id")?,
        warehouse_id: r.try_get("warehouse_id")?,
        warehouse_code: r.try_get("warehouse_code")?,
        merchant_tracking_code_reference: r.try_get("merchant_tracking_code_reference")?,
        courier_tracking_code: r.try_get("courier_tracking_code")?,
        courier_name: r.try_get("courier_name")?,
        shipping_label_url: r.try_get("shipping_label_url")?,
        platform: r.try_get("platform")?,
        status: ShipmentStatus::from_value(status)
            .ok_or_else(|| crate::StoreError::Decode(format!("status {status}")))?,
        status_time: r.try_get("status_time")?,
        receiver: receiver.and_then(|r| serde_json::from_str(&r).ok()),
        cod_amount_minor: r.try_get("cod_amount_minor")?,
        note: r.try_get("note")?,
        allocated_time: r.try_get("allocated_time")?,
        picked_time: r.try_get("picked_time")?,
        packed_time: r.try_get("packed_time")?,
        packed_weight_grams: r.try_get("packed_weight_grams")?,
        handover_time: r.try_get("handover_time")?,
        delivered_time: r.try_get("delivered_time")?,
        cancelled_time: r.try_get("cancelled_time")?,
        cancel_reason_code: r.try_get("cancel_reason_code")?,
        cancel_reason_note: r.try_get("cancel_reason_note")?,
        supersedes_id: r.try_get("supersedes_id")?,
        superseded_by_id: r.try_get("superseded_by_id")?,
        created_time: r.try_get("created_time")?,
        updated_time: r.try_get("updated_time")?,
        lines: Vec::new(),
        history: Vec::new(),
        intercept_id: r.try_get("intercept_id")?,
        intercept: None,
    })
}

/// Loads shipments by a WHERE clause on `s`, with lines and history, on one connection (a
/// pooled reader or the transaction's).
pub(crate) async fn load_shipments(
    conn: impl Into<Target<'_>>,
    clause: &str,
    binds: &Filter,
) -> Result<Vec<Shipment>> {
    load_shipments_with(conn, clause, binds, "", true).await
}

/// [`load_shipments`] with a locking clause appended (`FOR UPDATE OF s`), and with or
/// without the history.
async fn load_shipments_with(
    conn: impl Into<Target<'_>>,
    clause: &str,
    binds: &Filter,
    lock: &str,
    with_history: bool,
) -> Result<Vec<Shipment>> {
    let mut conn: Target = conn.into();
    let sql = format!(
        "SELECT {SHIPMENT_COLUMNS} FROM shipments s JOIN warehouses w ON w.id = s.warehouse_id WHERE {clause}{lock}"
    );
    let rows = binds
        .bind_all(crate::sql::query(&sql))
        .fetch_all(&mut conn)
        .await?;
    let mut shipments = rows
        .iter()
        .map(shipment_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    attach_lines_and_history(&mut conn, &mut shipments, with_history).await?;
    Ok(shipments)
}

async fn attach_lines_and_history(
    conn: impl Into<Target<'_>>,
    shipments: &mut [Shipment],
    with_history: bool,
) -> Result<()> {
    let mut conn: Target = conn.into();
    if shipments.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = shipments.iter().map(|s| s.id).collect();
    let list = placeholders(1, ids.len());
    let mut lines: HashMap<i64, Vec<ShipmentLine>> = HashMap::new();
    for r in crate::sql::query(&format!(
        "SELECT * FROM shipment_lines WHERE shipment_id IN ({list}) ORDER BY shipment_id, position"
    ))
    .bind_each(&ids)
    .fetch_all(&mut conn)
    .await?
    {
        lines
            .entry(r.try_get("shipment_id")?)
            .or_default()
            .push(ShipmentLine {
                line_id: r.try_get("id")?,
                product_id: r.try_get("product_id")?,
                sku: r.try_get("sku")?,
                product_quantity: r.try_get("product_quantity")?,
                cancelled_quantity: r.try_get("cancelled_quantity")?,
            });
    }
    let mut history: HashMap<i64, Vec<HistoryEntry>> = HashMap::new();
    let history_rows = if with_history {
        crate::sql::query(&format!(
            "SELECT * FROM shipment_history WHERE shipment_id IN ({list}) ORDER BY shipment_id, id"
        ))
        .bind_each(&ids)
        .fetch_all(&mut conn)
        .await?
    } else {
        Vec::new()
    };
    for r in history_rows {
        let status: i64 = r.try_get("status")?;
        history
            .entry(r.try_get("shipment_id")?)
            .or_default()
            .push(HistoryEntry {
                status: ShipmentStatus::from_value(status).unwrap_or(ShipmentStatus::New),
                actor: r.try_get("actor")?,
                note: r.try_get("note")?,
                created_time: r.try_get("created_time")?,
            });
    }
    for s in shipments.iter_mut() {
        s.lines = lines.remove(&s.id).unwrap_or_default();
        s.history = history.remove(&s.id).unwrap_or_default();
    }
    intercept::attach(&mut conn, shipments).await
}

/// One shipment by id, with lines and history.
async fn load_one(conn: impl Into<Target<'_>>, id: i64) -> Result<Option<Shipment>> {
    let mut f = Filter::new();
    f.int("s.id = ?", id);
    Ok(load_shipments(conn, &f.conditions(), &f).await?.pop())
}

/// Locks and loads one shipment inside a write transaction.
async fn lock_shipment(tx: &mut Tx, backend: Backend, binds: &Filter) -> Result<Option<Shipment>> {
    let lock = match backend {
        Backend::Sqlite => "",
        Backend::Postgres => " FOR UPDATE OF s",
    };
    Ok(
        load_shipments_with(&mut **tx, &binds.conditions(), binds, lock, true)
            .await?
            .pop(),
    )
}

/// Appends a history entry and the `shipment.update_status` event for a shipment whose row
/// already shows its new status. `history` is the history before this change (the caller
/// loaded it, or the shipment is new), so only the row and its lines are read again.
async fn record_change(
    tx: &mut Tx,
    shipment_id: i64,
    history: &[HistoryEntry],
    previous: Option<(ShipmentStatus, i64)>,
    actor: &str,
    note: Option<&str>,
    now: i64,
) -> Result<Shipment> {
    let mut f = Filter::new();
    f.int("s.id = ?", shipment_id);
    let mut shipment = load_shipments_with(&mut **tx, &f.conditions(), &f, "", false)
        .await?
        .pop()
        .expect("shipment exists");
    shipment.history = history.to_vec();
    crate::sql::query("INSERT INTO shipment_history (shipment_id, status, actor, note, created_time) VALUES ($1, $2, $3, $4, $5)")
        .bind(shipment_id)
        .bind(shipment.status.value())
        .bind(actor)
        .bind(note)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    shipment.history.push(HistoryEntry {
        status: shipment.status,
        actor: actor.to_string(),
        note: note.map(str::to_string),
        created_time: now,
    });
    let business_id = shipment.business_id;
    record_event(tx, business_id, SHIPMENT_UPDATE_STATUS, now, |lang| {
        status_event(
            shipment.detail(lang),
            previous.map(|(s, t)| s.info(lang, Some(t))),
        )
    })
    .await?;
    Ok(shipment)
}

/// Where a shipment's goods are kept: the sellable balances its lines draw on.
struct Site<'a> {
    business_id: i64,
    warehouse_id: i64,
    warehouse_code: &'a str,
}

impl Site<'_> {
    fn key(&self, product_id: i64, sku: String) -> StockKey {
        StockKey {
            business_id: self.business_id,
            warehouse_id: self.warehouse_id,
            warehouse_code: self.warehouse_code.to_string(),
            product_id,
            sku,
            stock_level: SELLABLE.to_string(),
        }
    }
}

impl Shipment {
    fn site(&self) -> Site<'_> {
        Site {
            business_id: self.business_id,
            warehouse_id: self.warehouse_id,
            warehouse_code: &self.warehouse_code,
        }
    }

    /// Units still to ship, by product (with the SKU the ledger records).
    fn open_units(&self) -> BTreeMap<i64, (String, i64)> {
        let mut units: BTreeMap<i64, (String, i64)> = BTreeMap::new();
        for l in &self.lines {
            units.entry(l.product_id).or_insert((l.sku.clone(), 0)).1 += l.open_quantity();
        }
        units
    }
}

/// Reserves `units` (product → SKU and quantity) from sellable stock, all or nothing.
/// Balances are locked in product order, checked, then moved, so the moves cannot fail
/// half-way.
async fn try_reserve(
    tx: &mut Tx,
    backend: Backend,
    site: &Site<'_>,
    units: BTreeMap<i64, (String, i64)>,
    reference: &str,
    now: i64,
) -> Result<bool> {
    let rows = crate::sql::query(&format!(
        "SELECT product_id, on_hand - reserved AS available FROM stock_balances \
         WHERE business_id = $1 AND warehouse_id = $2 AND stock_level = 'A' AND product_id IN ({}) \
         ORDER BY product_id{}",
        placeholders(3, units.len()),
        backend.for_update()
    ))
    .bind(site.business_id)
    .bind(site.warehouse_id)
    .bind_each(units.keys())
    .fetch_all(&mut **tx)
    .await?;
    let mut available: HashMap<i64, i64> = HashMap::new();
    for r in rows {
        available.insert(r.try_get("product_id")?, r.try_get("available")?);
    }
    if units
        .iter()
        .any(|(id, (_, q))| available.get(id).copied().unwrap_or(0) < *q)
    {
        return Ok(false);
    }
    for (product_id, (sku, quantity)) in units {
        let m = StockMove {
            movement: Movement::Reserve,
            on_hand_delta: 0,
            reserved_delta: quantity,
            reference_code: reference,
            reason: None,
            is_abnormal: false,
        };
        move_stock(tx, &site.key(product_id, sku), &m, now)
            .await?
            .expect("balance locked and checked");
    }
    Ok(true)
}

/// Reserves what a shipment still needs, all or nothing.
async fn reserve_shipment(
    tx: &mut Tx,
    backend: Backend,
    shipment: &Shipment,
    now: i64,
) -> Result<bool> {
    try_reserve(
        tx,
        backend,
        &shipment.site(),
        shipment.open_units(),
        &shipment.tracking_code(),
        now,
    )
    .await
}

/// The stock moves for `quantities` (line id → units) of a shipment by the effect of its
/// status, one per product, recorded under `reference` (the shipment's tracking code).
fn effect_moves<'r>(
    shipment: &Shipment,
    effect: StockEffect,
    movement_for_restock: Movement,
    quantities: &[(i64, i64)],
    reference: &'r str,
) -> Vec<(StockKey, StockMove<'r>)> {
    let mut per_product: BTreeMap<i64, (String, i64)> = BTreeMap::new();
    for (line_id, q) in quantities {
        if let Some(l) = shipment.lines.iter().find(|l| l.line_id == *line_id) {
            per_product
                .entry(l.product_id)
                .or_insert((l.sku.clone(), 0))
                .1 += q;
        }
    }
    let mut moves = Vec::with_capacity(per_product.len());
    for (product_id, (sku, q)) in per_product {
        let (movement, on_hand_delta, reserved_delta) = match effect {
            StockEffect::None => continue,
            StockEffect::Release => (Movement::Release, 0, -q),
            StockEffect::Restock => (movement_for_restock, q, 0),
        };
        let m = StockMove {
            movement,
            on_hand_delta,
            reserved_delta,
            reference_code: reference,
            reason: None,
            is_abnormal: false,
        };
        moves.push((shipment.site().key(product_id, sku), m));
    }
    moves
}

/// Applies stock moves a shipment's own reservation or picked goods must cover; when they
/// do not, the data is inconsistent and nothing may be committed.
async fn apply_moves(tx: &mut Tx, moves: &[(StockKey, StockMove<'_>)], now: i64) -> Result<()> {
    if moves.is_empty() || move_stocks(tx, moves, now).await?.is_some() {
        return Ok(());
    }
    let mut references: Vec<&str> = moves.iter().map(|(_, m)| m.reference_code).collect();
    references.dedup();
    Err(crate::StoreError::Invariant(format!(
        "stock missing for {}",
        references.join(", ")
    )))
}

/// Moves stock for `quantities` (line id → units) of a shipment by the effect of its status.
async fn apply_effect(
    tx: &mut Tx,
    shipment: &Shipment,
    effect: StockEffect,
    movement_for_restock: Movement,
    quantities: &[(i64, i64)],
    now: i64,
) -> Result<()> {
    let reference = shipment.tracking_code();
    let moves = effect_moves(
        shipment,
        effect,
        movement_for_restock,
        quantities,
        &reference,
    );
    apply_moves(tx, &moves, now).await
}

/// Locks the shipments waiting for any of `wake` in a warehouse (oldest first), then, on
/// PostgreSQL, every balance the transaction may move afterwards in that warehouse: those of
/// `moves`, of `wake` and of every product the waiting shipments need, in the order
/// [`crate::stock::move_stocks`] takes them (product, then level). Releasing one product can
/// wake a shipment that also reserves another; without this that second balance would be
/// locked after the first whatever their order, and two such transactions could deadlock.
/// Called before any stock moves, so the lock order stays shipments → balances.
pub(crate) async fn lock_waiting(
    tx: &mut Tx,
    backend: Backend,
    business_id: i64,
    warehouse_id: i64,
    wake: &[i64],
    moves: &[i64],
) -> Result<Vec<i64>> {
    let waiting: Vec<i64> = if wake.is_empty() {
        Vec::new()
    } else {
        let rows = crate::sql::query(&format!(
            "SELECT s.id FROM shipments s WHERE s.business_id = $1 AND s.warehouse_id = $2 AND s.status = $3 \
             AND EXISTS (SELECT 1 FROM shipment_lines l WHERE l.shipment_id = s.id AND l.product_id IN ({})) \
             ORDER BY s.id{}",
            placeholders(4, wake.len()),
            backend.for_update()
        ))
        .bind(business_id)
        .bind(warehouse_id)
        .bind(ShipmentStatus::OutOfStock.value())
        .bind_each(wake)
        .fetch_all(&mut **tx)
        .await?;
        rows.iter().map(|r| r.try_get(0)).collect::<Result<_>>()?
    };
    if backend == Backend::Postgres {
        lock_balances(tx, business_id, warehouse_id, wake, moves, &waiting).await?;
    }
    Ok(waiting)
}

/// The balance locks of [`lock_waiting`] (PostgreSQL; SQLite's single writer needs none).
async fn lock_balances(
    tx: &mut Tx,
    business_id: i64,
    warehouse_id: i64,
    wake: &[i64],
    moves: &[i64],
    waiting: &[i64],
) -> Result<()> {
    let products: BTreeSet<i64> = wake.iter().chain(moves).copied().collect();
    let mut which = Vec::new();
    if !products.is_empty() {
        which.push(format!(
            "b.product_id IN ({})",
            placeholders(3, products.len())
        ));
    }
    if !waiting.is_empty() {
        which.push(format!(
            "b.product_id IN (SELECT l.product_id FROM shipment_lines l WHERE l.shipment_id IN ({}))",
            placeholders(3 + products.len(), waiting.len())
        ));
    }
    if which.is_empty() {
        return Ok(());
    }
    crate::sql::query(&format!(
        "SELECT b.product_id FROM stock_balances b WHERE b.business_id = $1 AND b.warehouse_id = $2 \
         AND ({}) ORDER BY b.product_id, b.stock_level FOR UPDATE",
        which.join(" OR ")
    ))
    .bind(business_id)
    .bind(warehouse_id)
    .bind_each(&products)
    .bind_each(waiting)
    .fetch_all(&mut **tx)
    .await?;
    Ok(())
}

/// Reserves stock for the locked waiting shipments, in creation order; each that fits becomes NEW.
pub(crate) async fn allocate_waiting(
    tx: &mut Tx,
    backend: Backend,
    waiting: &[i64],
    now: i64,
) -> Result<()> {
    for id in waiting {
        let Some(shipment) = load_one(&mut **tx, *id).await? else {
            continue;
        };
        if shipment.status != ShipmentStatus::OutOfStock {
            continue;
        }
        if reserve_shipment(tx, backend, &shipment, now).await? {
            set_status(
                tx,
                shipment.id,
                ShipmentStatus::OutOfStock,
                ShipmentStatus::New,
                now,
            )
            .await?;
            record_change(
                tx,
                shipment.id,
                &shipment.history,
                Some((ShipmentStatus::OutOfStock, shipment.status_time)),
                "system",
                Some("stock arrived"),
                now,
            )
            .await?;
        }
    }
    Ok(())
}

/// The time column a status stamps when a shipment reaches it.
fn milestone(to: ShipmentStatus) -> Option<&'static str> {
    match to {
        ShipmentStatus::Allocated => Some("allocated_time"),
        ShipmentStatus::Picked => Some("picked_time"),
        ShipmentStatus::Packed => Some("packed_time"),
        ShipmentStatus::Handover => Some("handover_time"),
        ShipmentStatus::Delivered => Some("delivered_time"),
        ShipmentStatus::Cancelled | ShipmentStatus::CancelledAfterPacked => Some("cancelled_time"),
        _ => None,
    }
}

/// Moves a locked shipment from `from` to `to`, stamping the milestone time `to` reaches.
async fn set_status(
    tx: &mut Tx,
    id: i64,
    from: ShipmentStatus,
    to: ShipmentStatus,
    now: i64,
) -> Result<()> {
    crate::set_status(
        tx,
        "shipments",
        id,
        (from.value(), to.value()),
        milestone(to),
        now,
    )
    .await
}

impl Db {
    pub async fn create_shipment(
        &self,
        business_id: i64,
        new: &NewShipment,
        actor: &str,
        now: i64,
    ) -> Result<Result<Shipment, CreateShipmentError>> {
        let mut tx = self.begin().await?;
        let (warehouse_id, products) = match resolve_new(&mut tx, business_id, new).await? {
            Ok(found) => found,
            Err(e) => return Ok(Err(e)),
        };
        let inserted = crate::sql::query(
            "INSERT INTO shipments (business_id, warehouse_id, merchant_tracking_code_reference, \
             courier_tracking_code, courier_name, shipping_label_url, platform, status, status_time, \
             receiver, cod_amount_minor, note, created_time, updated_time) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $9, $9) RETURNING id",
        )
        .bind(business_id)
        .bind(warehouse_id)
        .bind(&new.merchant_tracking_code_reference)
        .bind(&new.courier_tracking_code)
        .bind(&new.courier_name)
        .bind(&new.shipping_label_url)
        .bind(&new.platform)
        .bind(ShipmentStatus::OutOfStock.value())
        .bind(now)
        .bind(new.receiver.as_ref().map(Value::to_string))
        .bind(new.cod_amount_minor)
        .bind(&new.note)
        .fetch_one(&mut *tx)
        .await;
        let id: i64 = match inserted {
            Ok(row) => row.try_get(0)?,
            Err(e)
                if is_unique_violation(
                    &e,
                    "shipments_business_reference_key",
                    "shipments.business_id, shipments.merchant_tracking_code_reference",
                ) =>
            {
                return Ok(Err(CreateShipmentError::DuplicateReference))
            }
            Err(e) => return Err(e),
        };
        let mut units: BTreeMap<i64, (String, i64)> = BTreeMap::new();
        for (position, (oasin, quantity)) in new.items.iter().enumerate() {
            let p = &products[oasin];
            crate::sql::query(
                "INSERT INTO shipment_lines (shipment_id, product_id, sku, product_quantity, position) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(p.product_id)
            .bind(&p.sku)
            .bind(quantity)
            .bind(position as i64)
            .execute(&mut *tx)
            .await?;
            units.entry(p.product_id).or_insert((p.sku.clone(), 0)).1 += quantity;
        }
        // Created waiting; reserved at once when every line is covered.
        let site = Site {
            business_id,
            warehouse_id,
            warehouse_code: &new.warehouse_code,
        };
        let reference = CodeKind::Shipment.format(id);
        if try_reserve(&mut tx, self.backend(), &site, units, &reference, now).await? {
            set_status(
                &mut tx,
                id,
                ShipmentStatus::OutOfStock,
                ShipmentStatus::New,
                now,
            )
            .await?;
        }
        let shipment = record_change(&mut tx, id, &[], None, actor, None, now).await?;
        tx.commit().await?;
        Ok(Ok(shipment))
    }

    /// Everything [`Db::create_shipment`] would check before creating — the warehouse, every
    /// line's product, the reference not yet used — without creating anything (the portal's
    /// CSV dry run). The transaction is only read from and rolled back.
    pub async fn check_shipment(
        &self,
        business_id: i64,
        new: &NewShipment,
    ) -> Result<Result<(), CreateShipmentError>> {
        let mut tx = self.begin().await?;
        if let Err(e) = resolve_new(&mut tx, business_id, new).await? {
            return Ok(Err(e));
        }
        let used: Option<i64> = crate::sql::query_scalar(
            "SELECT id FROM shipments WHERE business_id = $1 \
             AND merchant_tracking_code_reference = $2 AND supersedes_id IS NULL",
        )
        .bind(business_id)
        .bind(&new.merchant_tracking_code_reference)
        .fetch_optional(&mut *tx)
        .await?;
        if used.is_some() {
            return Ok(Err(CreateShipmentError::DuplicateReference));
        }
        Ok(Ok(()))
    }

    /// A merchant's shipment by tracking code.
    pub async fn shipment(
        &self,
        business_id: i64,
        tracking_code: &str,
    ) -> Result<Option<Shipment>> {
        let Some(id) = CodeKind::Shipment.parse(tracking_code) else {
            return Ok(None);
        };
        self.shipment_by_id(business_id, id).await
    }

    /// A shipment of any business by tracking code (operators work across the network).
    pub async fn shipment_any(&self, tracking_code: &str) -> Result<Option<Shipment>> {
        let Some(id) = CodeKind::Shipment.parse(tracking_code) else {
            return Ok(None);
        };
        let mut f = Filter::new();
        f.int("s.id = ?", id);
        Ok(load_shipments(&mut self.snapshot()?, &f.conditions(), &f)
            .await?
            .pop())
    }

    /// Shipments of a warehouse whose intercept request waits for the carrier's answer,
    /// oldest first (at most `limit`).
    pub async fn open_intercepts(&self, warehouse_code: &str, limit: i64) -> Result<Vec<Shipment>> {
        let mut f = Filter::new();
        f.text(
            "s.intercept_status = 'REQUESTED' AND w.warehouse_code = ?",
            warehouse_code,
        );
        let clause = format!("{} ORDER BY s.id LIMIT {}", f.conditions(), limit.max(1));
        load_shipments(&mut self.snapshot()?, &clause, &f).await
    }

    pub async fn shipment_by_id(&self, business_id: i64, id: i64) -> Result<Option<Shipment>> {
        let mut f = Filter::new();
        f.int("s.id = ?", id).int("s.business_id = ?", business_id);
        Ok(load_shipments(&mut self.snapshot()?, &f.conditions(), &f)
            .await?
            .pop())
    }

    /// A business's shipments that match a typed look-up (the dialects' searches), newest
    /// first, at most 200.
    pub async fn find_shipments(
        &self,
        business_id: i64,
        lookup: &ShipmentLookup,
    ) -> Result<Vec<Shipment>> {
        let filter = lookup.filter(business_id);
        let clause = format!("{} ORDER BY s.id DESC LIMIT 200", &filter.conditions());
        load_shipments(self.reader(), &clause, &filter).await
    }

    /// One page of a business's shipments matching a typed look-up, newest (highest id)
    /// first, with the count of all matches — for dialect lists with their own paging.
    pub async fn find_shipments_page(
        &self,
        business_id: i64,
        lookup: &ShipmentLookup,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<Shipment>, i64)> {
        let filter = lookup.filter(business_id);
        let from = match lookup.warehouse_code {
            Some(_) => "shipments s JOIN warehouses w ON w.id = s.warehouse_id",
            None => "shipments s",
        };
        let total = self.count(from, &filter).await?;
        // Both numbers are integers the caller validated, so inlining them is safe.
        let clause = format!(
            "{} ORDER BY s.id DESC LIMIT {} OFFSET {}",
            filter.conditions(),
            limit.max(0),
            offset.max(0)
        );
        let rows = load_shipments(self.reader(), &clause, &filter).await?;
        Ok((rows, total))
    }

    /// Folds the count rows that PostgreSQL's triggers append (migrations 0010 and 0011) into
    /// one row per business and status (and per business, day and status), so that a list's
    /// total and the dashboard's days stay short sums. Safe beside writers (they only insert)
    /// and beside another server folding (each row is deleted, and so summed, once). SQLite's triggers update their rows in place: nothing to fold.
    pub async fn fold_shipment_counts(&self) -> Result<()> {
        if self.backend() != Backend::Postgres {
            return Ok(());
        }
        crate::sql::query(
            "WITH folded AS ( \
                 DELETE FROM shipment_counts WHERE (business_id, status) IN ( \
                     SELECT business_id, status FROM shipment_counts \
                     GROUP BY business_id, status HAVING COUNT(*) > 1) \
                 RETURNING business_id, status, n) \
             INSERT INTO shipment_counts (business_id, status, n) \
             SELECT business_id, status, SUM(n) FROM folded \
             GROUP BY business_id, status HAVING SUM(n) <> 0",
        )
        .execute(self.writer())
        .await?;
        // The per-day counts (migration 0011) the same way, but only the keys that have new
        // rows (`delta`), found by their own index: the folded rows of past days stay put.
        crate::sql::query(
            "WITH folded AS ( \
                 DELETE FROM shipment_day_counts WHERE (business_id, day, status) IN ( \
                     SELECT DISTINCT business_id, day, status FROM shipment_day_counts \
                     WHERE delta) \
                 RETURNING business_id, day, status, n) \
             INSERT INTO shipment_day_counts (business_id, day, status, n, delta) \
             SELECT business_id, day, status, SUM(n), FALSE FROM folded \
             GROUP BY business_id, day, status HAVING SUM(n) <> 0",
        )
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// A business's shipments (or every business's), all or in one status, from the counts
    /// the triggers keep (migrations 0009 and 0010).
    async fn count_by_status(&self, business_id: Option<i64>, status: Option<i64>) -> Result<i64> {
        let mut filter = Filter::new();
        filter
            .opt_int("business_id = ?", business_id)
            .opt_int("status = ?", status);
        let sql = format!(
            "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM shipment_counts{}",
            filter.where_sql()
        );
        filter
            .bind_all(crate::sql::query(&sql))
            .fetch_one(self.reader())
            .await?
            .try_get(0usize)
    }

    pub async fn list_shipments(
        &self,
        business_id: i64,
        f: &ShipmentFilter,
        page: &PageRequest,
    ) -> Result<PageOf<Shipment>> {
        let mut filter = shipment_filter(business_id, f);
        if let Some(text) = f.search_text() {
            // Exact matches found first, each by its own index; the list then reads those
            // rows by id. `+` keeps the planner on the ids instead of walking the business's
            // created-time index for the order (SQLite has no statistics to know better).
            let ids = self.search_ids(business_id, text).await?;
            filter = scoped_filter(Some(("+s.business_id = ?", business_id)), f);
            filter.int_in("s.id", &ids);
        }
        let total = if f.only_status() {
            self.count_by_status(Some(business_id), f.status).await?
        } else {
            self.count("shipments s", &filter).await?
        };
        let tail = page.apply(&mut filter, "s");
        let clause = format!("{}{tail}", &filter.conditions());
        let rows = load_shipments(self.reader(), &clause, &filter).await?;
        Ok(page.finish(rows, total, |s| Cursor {
            created_time: s.created_time,
            id: s.id,
        }))
    }

    /// The operator's shipment list (SPEC §11): the merchant list's filters and paging, across
    /// businesses or for one, narrowed to a wave or a manifest.
    pub async fn list_floor_shipments(
        &self,
        f: &FloorShipmentFilter,
        page: &PageRequest,
    ) -> Result<PageOf<Shipment>> {
        let mut filter = scoped_filter(
            f.business_id.map(|id| ("s.business_id = ?", id)),
            &f.shipments,
        );
        filter.opt_int(
            "s.id IN (SELECT shipment_id FROM wave_shipments WHERE wave_id = ?)",
            f.wave_id,
        );
        filter.opt_int(
            "s.id IN (SELECT shipment_id FROM manifest_parcels WHERE manifest_id = ?)",
            f.manifest_id,
        );
        let total = if f.shipments.only_status() && f.wave_id.is_none() && f.manifest_id.is_none() {
            self.count_by_status(f.business_id, f.shipments.status)
                .await?
        } else {
            self.count("shipments s", &filter).await?
        };
        let tail = page.apply(&mut filter, "s");
        let clause = format!("{}{tail}", &filter.conditions());
        let rows = load_shipments(self.reader(), &clause, &filter).await?;
        Ok(page.finish(rows, total, |s| Cursor {
            created_time: s.created_time,
            id: s.id,
        }))
    }

    /// Ids of the business's shipments whose tracking code, merchant reference or courier
    /// code is exactly `text`.
    async fn search_ids(&self, business_id: i64, text: &str) -> Result<Vec<i64>> {
        let id = CodeKind::Shipment.parse(text).unwrap_or(-1);
        let sql = format!(
            "SELECT id FROM shipments WHERE business_id = $1 AND id = $2 \
             UNION SELECT id FROM shipments WHERE business_id = $1 AND merchant_tracking_code_reference = $3 \
             UNION SELECT id FROM shipments WHERE business_id = $1 AND courier_tracking_code = $3 \
             LIMIT {SEARCH_LIMIT}"
        );
        let rows: Vec<(i64,)> = crate::sql::query_as(&sql)
            .bind(business_id)
            .bind(id)
            .bind(text)
            .fetch_all(self.reader())
            .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// An operator moves a shipment along the flow (SPEC §2.1, §4), with its stock effect.
    pub async fn transition_shipment(
        &self,
        tracking_code: &str,
        to: ShipmentStatus,
        courier: (Option<&str>, Option<&str>),
        note: Option<&str>,
        now: i64,
    ) -> Result<Result<Shipment, TransitionError>> {
        self.transition_shipment_as(tracking_code, to, courier, note, "operator", now)
            .await
    }

    /// [`Db::transition_shipment`] recorded in the history under `actor` (an operator's email).
    pub async fn transition_shipment_as(
        &self,
        tracking_code: &str,
        to: ShipmentStatus,
        courier: (Option<&str>, Option<&str>),
        note: Option<&str>,
        actor: &str,
        now: i64,
    ) -> Result<Result<Shipment, TransitionError>> {
        let Some(id) = CodeKind::Shipment.parse(tracking_code) else {
            return Ok(Err(TransitionError::NotFound));
        };
        let backend = self.backend();
        let mut tx = self.begin().await?;
        let mut f = Filter::new();
        f.int("s.id = ?", id);
        let Some(shipment) = lock_shipment(&mut tx, backend, &f).await? else {
            return Ok(Err(TransitionError::NotFound));
        };
        let moved = move_locked(&mut tx, backend, &shipment, to, courier, note, actor, now).await?;
        if moved.is_ok() {
            tx.commit().await?;
        }
        Ok(moved)
    }

    /// The pack station's move: → PACKED and the weighed grams, in one transaction, so a
    /// packed parcel always has the weight it was packed with.
    pub async fn pack_shipment(
        &self,
        tracking_code: &str,
        weight_grams: i64,
        note: Option<&str>,
        actor: &str,
        now: i64,
    ) -> Result<Result<Shipment, TransitionError>> {
        let Some(id) = CodeKind::Shipment.parse(tracking_code) else {
            return Ok(Err(TransitionError::NotFound));
        };
        let backend = self.backend();
        let mut tx = self.begin().await?;
        let mut f = Filter::new();
        f.int("s.id = ?", id);
        let Some(shipment) = lock_shipment(&mut tx, backend, &f).await? else {
            return Ok(Err(TransitionError::NotFound));
        };
        let to = ShipmentStatus::Packed;
        let mut moved = move_locked(
            &mut tx,
            backend,
            &shipment,
            to,
            (None, None),
            note,
            actor,
            now,
        )
        .await?;
        if let Ok(s) = &mut moved {
            crate::sql::query("UPDATE shipments SET packed_weight_grams = $2 WHERE id = $1")
                .bind(id)
                .bind(weight_grams)
                .execute(&mut *tx)
                .await?;
            s.packed_weight_grams = Some(weight_grams);
            tx.commit().await?;
        }
        Ok(moved)
    }
}

/// Locks and loads shipments by id inside a write transaction, in ascending id order (the
/// lock order every write keeps); ids with no shipment are left out.
pub(crate) async fn lock_shipments(
    tx: &mut Tx,
    backend: Backend,
    ids: &[i64],
) -> Result<Vec<Shipment>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut f = Filter::new();
    f.int_in("s.id", ids);
    let lock = match backend {
        Backend::Sqlite => "",
        Backend::Postgres => " FOR UPDATE OF s",
    };
    let clause = format!("{} ORDER BY s.id", f.conditions());
    load_shipments_with(&mut **tx, &clause, &f, lock, true).await
}

/// The status-move command itself, on a shipment the caller has locked in `tx`: checks the
/// flow, applies the stock effect, resolves an open intercept, records history and the
/// webhook event. Every operator move goes through here — one at a time, in a wave, or on a
/// manifest — so each has exactly the same effects. Nothing is written when it refuses.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn move_locked(
    tx: &mut Tx,
    backend: Backend,
    shipment: &Shipment,
    to: ShipmentStatus,
    courier: (Option<&str>, Option<&str>),
    note: Option<&str>,
    actor: &str,
    now: i64,
) -> Result<Result<Shipment, TransitionError>> {
    let id = shipment.id;
    let from = shipment.status;
    if !from.can_move_to(to) {
        return Ok(Err(TransitionError::NotAllowed(from)));
    }
    let open: Vec<(i64, i64)> = shipment
        .lines
        .iter()
        .map(|l| (l.line_id, l.open_quantity()))
        .collect();
    let products: Vec<i64> = shipment.lines.iter().map(|l| l.product_id).collect();
    match (from, to) {
        (ShipmentStatus::OutOfStock, ShipmentStatus::New)
            if !reserve_shipment(tx, backend, shipment, now).await? =>
        {
            return Ok(Err(TransitionError::InsufficientStock));
        }
        (ShipmentStatus::New, ShipmentStatus::OutOfStock) => {
            apply_effect(
                tx,
                shipment,
                StockEffect::Release,
                Movement::CancelRestock,
                &open,
                now,
            )
            .await?;
        }
        (ShipmentStatus::Allocated, ShipmentStatus::Picked) => {
            // The reserved goods leave the shelf: on hand and reserved drop together.
            for (product_id, (sku, q)) in shipment.open_units() {
                let key = shipment.site().key(product_id, sku);
                let reference = shipment.tracking_code();
                let m = StockMove {
                    movement: Movement::Pick,
                    on_hand_delta: -q,
                    reserved_delta: -q,
                    reference_code: &reference,
                    reason: None,
                    is_abnormal: false,
                };
                if move_stock(tx, &key, &m, now).await?.is_none() {
                    return Err(crate::StoreError::Invariant(format!(
                        "reservation missing for {reference}"
                    )));
                }
            }
        }
        (_, ShipmentStatus::ReturnedToSender) => {
            let waiting = lock_waiting(
                tx,
                backend,
                shipment.business_id,
                shipment.warehouse_id,
                &products,
                &products,
            )
            .await?;
            apply_effect(
                tx,
                shipment,
                StockEffect::Restock,
                Movement::RtsRestock,
                &open,
                now,
            )
            .await?;
            allocate_waiting(tx, backend, &waiting, now).await?;
        }
        _ => {}
    }
    // An open intercept request is resolved by the move itself (SPEC §7).
    let intercept_resolved = intercept::resolve_on_move(tx, shipment, to, now).await?;
    set_status(tx, id, from, to, now).await?;
    if courier.0.is_some() || courier.1.is_some() {
        crate::sql::query(
            "UPDATE shipments SET courier_tracking_code = COALESCE($2, courier_tracking_code), \
             courier_name = COALESCE($3, courier_name) WHERE id = $1",
        )
        .bind(id)
        .bind(courier.0)
        .bind(courier.1)
        .execute(&mut **tx)
        .await?;
    }
    let shipment = record_change(
        tx,
        id,
        &shipment.history,
        Some((from, shipment.status_time)),
        actor,
        note,
        now,
    )
    .await?;
    if intercept_resolved {
        crate::events::record_events(tx, vec![intercept::intercept_event(&shipment)], now).await?;
    }
    Ok(Ok(shipment))
}

/// The warehouse and the line products of a create request, checked as a create checks them.
async fn resolve_new(
    tx: &mut Tx,
    business_id: i64,
    new: &NewShipment,
) -> Result<Result<(i64, HashMap<String, crate::products::LineProduct>), CreateShipmentError>> {
    let warehouse_id: Option<i64> =
        crate::sql::query_scalar("SELECT id FROM warehouses WHERE warehouse_code = $1")
            .bind(&new.warehouse_code)
            .fetch_optional(&mut **tx)
            .await?;
    let Some(warehouse_id) = warehouse_id else {
        return Ok(Err(CreateShipmentError::WarehouseNotFound));
    };
    let oasins: Vec<String> = new.items.iter().map(|(o, _)| o.clone()).collect();
    Ok(
        match resolve_line_products(tx, business_id, warehouse_id, &oasins).await? {
            Ok(p) => Ok((warehouse_id, p)),
            Err(e) => Err(CreateShipmentError::Products(e)),
        },
    )
}

/// The WHERE clauses on `s` of the shipment list's filters (SPEC §3.4), scoped to a business;
/// the shipments report takes the same.
pub(crate) fn shipment_filter(business_id: i64, f: &ShipmentFilter) -> Filter {
    scoped_filter(Some(("s.business_id = ?", business_id)), f)
}

/// [`shipment_filter`] for one business — under a business clause of the caller's (the
/// search's `+s.business_id = ?`) — or for all of them (the operator's list). The search text
/// itself is not a clause: [`Db::list_shipments`] turns it into ids.
fn scoped_filter(business: Option<(&str, i64)>, f: &ShipmentFilter) -> Filter {
    let mut filter = Filter::new();
    if let Some((clause, business_id)) = business {
        filter.int(clause, business_id);
    }
    filter.opt_int("s.status = ?", f.status);
    if let Some(code) = f.warehouse_code.as_deref().filter(|c| !c.is_empty()) {
        filter.text(
            "s.warehouse_id = (SELECT id FROM warehouses WHERE warehouse_code = ?)",
            code,
        );
    }
    filter.opt_text("s.platform = ?", f.platform.as_deref());
    if let Some(code) = f.tracking_code.as_deref().filter(|c| !c.is_empty()) {
        filter.int("s.id = ?", CodeKind::Shipment.parse(code).unwrap_or(-1));
    }
    filter.opt_text(
        "s.merchant_tracking_code_reference = ?",
        f.merchant_tracking_code_reference.as_deref(),
    );
    filter.opt_text(
        "s.courier_tracking_code = ?",
        f.courier_tracking_code.as_deref(),
    );
    filter.time_range("s", &f.times);
    filter.opt_text(
        "s.intercept_status = ?",
        f.intercept_status.map(InterceptStatus::as_str),
    );
    filter
}

/// The most shipments one search text may match (a courier code reused that often is not a
/// search any more).
const SEARCH_LIMIT: i64 = 1000;

impl ShipmentFilter {
    fn search_text(&self) -> Option<&str> {
        self.search
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
    }
}
