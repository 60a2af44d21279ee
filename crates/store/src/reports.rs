//! Reports and exports (SPEC §8): the report rows merchants see, and the rows of each report
//! type read page by page.
//!
//! * A report row (`reports`) is created with its job (`jobs`, kind [`REPORT_JOB`]) in one
//!   transaction. The job's run moves the row RUNNING → DONE or FAILED; every write of a run
//!   is fenced by the job's lease token, so a run that lost its lease (its process stalled
//!   and another took the job over) changes nothing, and `report.done` is recorded once, in
//!   the transaction that marks the row DONE or FAILED.
//! * [`ReportReader`] reads a report's rows with keyset pages (each page starts after the
//!   last row of the one before), so memory stays flat and the millionth row costs what the
//!   first costs. Rows are oldest first, as cells in the columns' order of
//!   `depot_reports::ReportType::columns`.

use crate::events::{record_events, PendingEvent, REPORT_DONE};
use crate::list::{Bind, Cursor, Filter, PageOf, PageRequest, TimeRange};
use crate::purchase_orders::{po_filter, PoFilter};
use crate::returns::{return_filter, ReturnFilter};
use crate::shipments::{shipment_filter, ShipmentFilter};
use crate::sql::{placeholders, Row};
use crate::{Db, Result};
use depot_domain::codes::CodeKind;
use depot_domain::status::{PoStatus, ReturnStatus, ShipmentStatus};
use depot_domain::Lang;
use depot_reports::{Cell, ReportType};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The kind of the `jobs` rows that render reports.
pub const REPORT_JOB: &str = "report";
/// Runs a report job gets before its report is FAILED.
pub const REPORT_ATTEMPTS: i64 = 3;

/// One row of a report, its cells in column order.
pub type ReportRow = Vec<Cell<'static>>;

/// A report as stored.
#[derive(Debug, Clone)]
pub struct ReportRecord {
    pub id: i64,
    pub business_id: i64,
    pub report_type: String,
    pub format: String,
    /// The validated filters, a JSON object.
    pub filters: String,
    /// `vi` or `en`: the language of the headers and labels.
    pub lang: String,
    /// QUEUED, RUNNING, DONE or FAILED.
    pub status: String,
    pub progress: i64,
    pub row_count: i64,
    pub job_id: Option<i64>,
    pub token: Option<String>,
    pub file_name: Option<String>,
    pub storage_key: Option<String>,
    pub size: Option<i64>,
    pub error: Option<String>,
    pub created_time: i64,
    pub started_time: Option<i64>,
    pub finished_time: Option<i64>,
    pub expires_time: Option<i64>,
}

impl TryFrom<Row> for ReportRecord {
    type Error = crate::StoreError;
    fn try_from(r: Row) -> Result<Self> {
        Ok(ReportRecord {
            id: r.try_get("id")?,
            business_id: r.try_get("business_id")?,
            report_type: r.try_get("report_type")?,
            format: r.try_get("format")?,
            filters: r.try_get("filters")?,
            lang: r.try_get("lang")?,
            status: r.try_get("status")?,
            progress: r.try_get("progress")?,
            row_count: r.try_get("row_count")?,
            job_id: r.try_get("job_id")?,
            token: r.try_get("token")?,
            file_name: r.try_get("file_name")?,
            storage_key: r.try_get("storage_key")?,
            size: r.try_get("size")?,
            error: r.try_get("error")?,
            created_time: r.try_get("created_time")?,
            started_time: r.try_get("started_time")?,
            finished_time: r.try_get("finished_time")?,
            expires_time: r.try_get("expires_time")?,
        })
    }
}

/// What creating a report needs (validated by the caller).
#[derive(Debug, Clone)]
pub struct NewReport<'a> {
    pub business_id: i64,
    pub report_type: &'a str,
    pub format: &'a str,
    pub filters: &'a str,
    pub lang: &'a str,
}

/// How a run ended.
#[derive(Debug, Clone)]
pub enum ReportOutcome {
    Done {
        token: String,
        file_name: String,
        storage_key: String,
        size: i64,
        rows: i64,
    },
    Failed {
        error: String,
    },
}

/// A job run's fence: its job and lease token.
#[derive(Debug, Clone, Copy)]
pub struct RunFence<'a> {
    pub job_id: i64,
    pub token: &'a str,
}

/// The condition that the run still holds its job's lease.
const FENCED: &str = "EXISTS (SELECT 1 FROM jobs j WHERE j.id = $2 AND j.lease_token = $3 \
                      AND j.status = 'RUNNING')";

impl Db {
    /// Records a report (QUEUED) and its job in one transaction.
    pub async fn create_report(&self, new: &NewReport<'_>, now: i64) -> Result<ReportRecord> {
        let mut tx = self.begin().await?;
        let id: i64 = crate::sql::query_scalar(
            "INSERT INTO reports (business_id, report_type, format, filters, lang, status, \
               created_time) VALUES ($1, $2, $3, $4, $5, 'QUEUED', $6) RETURNING id",
        )
        .bind(new.business_id)
        .bind(new.report_type)
        .bind(new.format)
        .bind(new.filters)
        .bind(new.lang)
        .bind(now)
        .fetch_one(&mut tx)
        .await?;
        let payload = serde_json::json!({ "report_id": id }).to_string();
        let job_id = crate::coordination::jobs::enqueue(
            &mut tx,
            REPORT_JOB,
            Some(new.business_id),
            &payload,
            REPORT_ATTEMPTS,
            now,
        )
        .await?;
        let row = crate::sql::query("UPDATE reports SET job_id = $2 WHERE id = $1 RETURNING *")
            .bind(id)
            .bind(job_id)
            .fetch_one(&mut tx)
            .await?;
        tx.commit().await?;
        ReportRecord::try_from(row)
    }

    /// A business's report, unless it expired at `now`.
    pub async fn report(
        &self,
        business_id: i64,
        id: i64,
        now: i64,
    ) -> Result<Option<ReportRecord>> {
        let row = crate::sql::query(
            "SELECT * FROM reports WHERE id = $1 AND business_id = $2 \
               AND (expires_time IS NULL OR expires_time > $3)",
        )
        .bind(id)
        .bind(business_id)
        .bind(now)
        .fetch_optional(self.reader())
        .await?;
        row.map(ReportRecord::try_from).transpose()
    }

    /// A report by id, whoever owns it (the job that renders it).
    pub async fn report_by_id(&self, id: i64) -> Result<Option<ReportRecord>> {
        let row = crate::sql::query("SELECT * FROM reports WHERE id = $1")
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        row.map(ReportRecord::try_from).transpose()
    }

    /// The DONE report a download token names, unless it expired: the token is the permission.
    pub async fn report_by_token(&self, token: &str, now: i64) -> Result<Option<ReportRecord>> {
        let row = crate::sql::query(
            "SELECT * FROM reports WHERE token = $1 AND status = 'DONE' \
               AND (expires_time IS NULL OR expires_time > $2)",
        )
        .bind(token)
        .bind(now)
        .fetch_optional(self.reader())
        .await?;
        row.map(ReportRecord::try_from).transpose()
    }

    /// A business's reports, newest first, without the expired ones.
    pub async fn list_reports(
        &self,
        business_id: i64,
        page: &PageRequest,
        now: i64,
    ) -> Result<PageOf<ReportRecord>> {
        let mut filter = Filter::new();
        filter
            .int("r.business_id = ?", business_id)
            .int("(r.expires_time IS NULL OR r.expires_time > ?)", now);
        let total = self.count("reports r", &filter).await?;
        let tail = page.apply(&mut filter, "r");
        let sql = format!("SELECT * FROM reports r{}{tail}", filter.where_sql());
        let rows = filter
            .bind_all(crate::sql::query(&sql))
            .fetch_all(self.reader())
            .await?
            .into_iter()
            .map(ReportRecord::try_from)
            .collect::<Result<Vec<_>>>()?;
        Ok(page.finish(rows, total, |r| Cursor {
            created_time: r.created_time,
            id: r.id,
        }))
    }

    /// A run begins: RUNNING, progress and rows back to 0 (a run taken over from a process
    /// that died starts again). False when the run does not hold the lease or the report is
    /// finished.
    pub async fn start_report(&self, id: i64, fence: RunFence<'_>, now: i64) -> Result<bool> {
        let done = crate::sql::query(&format!(
            "UPDATE reports SET status = 'RUNNING', progress = 0, row_count = 0, \
               started_time = $4, error = NULL \
             WHERE id = $1 AND status IN ('QUEUED', 'RUNNING') AND {FENCED}"
        ))
        .bind(id)
        .bind(fence.job_id)
        .bind(fence.token)
        .bind(now)
        .execute(self.writer())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Rows written so far and the progress (0–100). False when the run lost its lease.
    pub async fn report_progress(
        &self,
        id: i64,
        fence: RunFence<'_>,
        rows: i64,
        progress: i64,
    ) -> Result<bool> {
        let done = crate::sql::query(&format!(
            "UPDATE reports SET row_count = $4, progress = $5 \
             WHERE id = $1 AND status = 'RUNNING' AND {FENCED}"
        ))
        .bind(id)
        .bind(fence.job_id)
        .bind(fence.token)
        .bind(rows)
        .bind(progress.clamp(0, 100))
        .execute(self.writer())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// A run failed and will be tried again: QUEUED, with the error kept.
    pub async fn requeue_report(&self, id: i64, fence: RunFence<'_>, error: &str) -> Result<bool> {
        let done = crate::sql::query(&format!(
            "UPDATE reports SET status = 'QUEUED', progress = 0, row_count = 0, error = $4 \
             WHERE id = $1 AND status = 'RUNNING' AND {FENCED}"
        ))
        .bind(id)
        .bind(fence.job_id)
        .bind(fence.token)
        .bind(error)
        .execute(self.writer())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records how a report ended (DONE with its file, or FAILED) and its `report.done`
    /// event, in one transaction, if the run still holds the lease. `payload` renders the
    /// event's body from the finished row. None when the run had lost the lease (nothing is
    /// written).
    pub async fn finish_report(
        &self,
        id: i64,
        fence: RunFence<'_>,
        outcome: &ReportOutcome,
        expires_time: Option<i64>,
        now: i64,
        payload: impl Fn(&ReportRecord) -> Value,
    ) -> Result<Option<ReportRecord>> {
        let mut tx = self.begin().await?;
        let row = match outcome {
            ReportOutcome::Done {
                token,
                file_name,
                storage_key,
                size,
                rows,
            } => {
                crate::sql::query(&format!(
                    "UPDATE reports SET status = 'DONE', progress = 100, row_count = $4, \
                       token = $5, file_name = $6, storage_key = $7, size = $8, error = NULL, \
                       finished_time = $9, expires_time = $10 \
                     WHERE id = $1 AND status = 'RUNNING' AND {FENCED} RETURNING *"
                ))
                .bind(id)
                .bind(fence.job_id)
                .bind(fence.token)
                .bind(*rows)
                .bind(token)
                .bind(file_name)
                .bind(storage_key)
                .bind(*size)
                .bind(now)
                .bind(expires_time)
                .fetch_optional(&mut tx)
                .await?
            }
            ReportOutcome::Failed { error } => {
                crate::sql::query(&format!(
                    "UPDATE reports SET status = 'FAILED', error = $4, finished_time = $5, \
                       expires_time = $6 \
                     WHERE id = $1 AND status IN ('QUEUED', 'RUNNING') AND {FENCED} RETURNING *"
                ))
                .bind(id)
                .bind(fence.job_id)
                .bind(fence.token)
                .bind(error)
                .bind(now)
                .bind(expires_time)
                .fetch_optional(&mut tx)
                .await?
            }
        };
        let Some(row) = row else {
            return Ok(None);
        };
        let record = ReportRecord::try_from(row)?;
        let event = PendingEvent::uniform(record.business_id, REPORT_DONE, payload(&record));
        record_events(&mut tx, vec![event], now).await?;
        tx.commit().await?;
        Ok(Some(record))
    }

    /// Deletes up to `limit` reports that expired before `now` and answers the storage keys
    /// of their files, to be deleted after the rows (a crash between leaves an orphan file,
    /// never a row without its file).
    pub async fn purge_reports_before(&self, now: i64, limit: i64) -> Result<Vec<String>> {
        let keys: Vec<Option<String>> = crate::sql::query_scalar(
            "DELETE FROM reports WHERE id IN (SELECT id FROM reports \
               WHERE expires_time IS NOT NULL AND expires_time <= $1 ORDER BY expires_time LIMIT $2) \
             RETURNING storage_key",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(self.writer())
        .await?;
        Ok(keys.into_iter().flatten().collect())
    }
}

/// What a report reads: its type and its validated filters.
#[derive(Debug, Clone)]
pub enum ReportSpec {
    /// Every filter of the shipment list.
    Shipments(ShipmentFilter),
    StockSnapshot {
        warehouse_code: Option<String>,
        oasin: Option<String>,
    },
    /// Movements from `from` to `to` (inclusive, Unix seconds).
    StockLedger {
        from: i64,
        to: i64,
        warehouse_code: Option<String>,
        oasin: Option<String>,
    },
    Returns {
        filter: ReturnFilter,
        times: TimeRange,
    },
    PurchaseOrders(PoFilter),
}

impl ReportSpec {
    pub fn report_type(&self) -> ReportType {
        match self {
            ReportSpec::Shipments(_) => ReportType::Shipments,
            ReportSpec::StockSnapshot { .. } => ReportType::StockSnapshot,
            ReportSpec::StockLedger { .. } => ReportType::StockLedger,
            ReportSpec::Returns { .. } => ReportType::Returns,
            ReportSpec::PurchaseOrders(_) => ReportType::PurchaseOrders,
        }
    }
}

/// An OASIN filter as a product id (-1, which matches nothing, for a code that is none).
fn product_id(oasin: &str) -> i64 {
    CodeKind::Product.parse(oasin).unwrap_or(-1)
}

/// Reads one report's rows page after page (keyset), oldest first.
pub struct ReportReader {
    business_id: i64,
    spec: ReportSpec,
    lang: Lang,
    /// The key of the last row read; None before the first page.
    after: Option<(i64, i64, String)>,
    done: bool,
    /// Names of administrative units already looked up (shipments), by code.
    places: HashMap<String, Option<String>>,
    /// On hand per balance after the last movement read (stock ledger).
    balances: HashMap<(i64, i64, String), i64>,
}

/// A text cell, empty when absent.
fn text(v: Option<String>) -> Cell<'static> {
    Cell::from(v)
}

/// A fixed label in the report's language.
fn label(l: Option<&'static str>) -> Cell<'static> {
    l.map_or(Cell::Empty, Cell::from)
}

impl ReportReader {
    pub fn new(business_id: i64, spec: ReportSpec, lang: Lang) -> ReportReader {
        ReportReader {
            business_id,
            spec,
            lang,
            after: None,
            done: false,
            places: HashMap::new(),
            balances: HashMap::new(),
        }
    }

    pub fn report_type(&self) -> ReportType {
        self.spec.report_type()
    }

    /// The filters' WHERE clauses and the FROM of the report's rows.
    fn base(&self) -> (Filter, &'static str) {
        let b = self.business_id;
        match &self.spec {
            ReportSpec::Shipments(f) => (
                shipment_filter(b, f),
                "shipments s JOIN warehouses w ON w.id = s.warehouse_id \
                 JOIN shipment_lines l ON l.shipment_id = s.id \
                 JOIN products p ON p.id = l.product_id",
            ),
            ReportSpec::StockSnapshot {
                warehouse_code,
                oasin,
            } => {
                let mut f = Filter::new();
                f.int("g.business_id = ?", b)
                    .opt_text("w.warehouse_code = ?", warehouse_code.as_deref());
                if let Some(o) = oasin.as_deref().filter(|o| !o.is_empty()) {
                    f.int("g.product_id = ?", product_id(o));
                }
                (
                    f,
                    "stock_balances g JOIN warehouses w ON w.id = g.warehouse_id \
                     JOIN products p ON p.id = g.product_id",
                )
            }
            ReportSpec::StockLedger {
                from,
                to,
                warehouse_code,
                oasin,
            } => {
                let mut f = Filter::new();
                f.int("g.business_id = ?", b)
                    .int("g.created_time >= ?", *from)
                    .int("g.created_time <= ?", *to)
                    .opt_text("w.warehouse_code = ?", warehouse_code.as_deref());
                if let Some(o) = oasin.as_deref().filter(|o| !o.is_empty()) {
                    f.int("g.product_id = ?", product_id(o));
                }
                (
                    f,
                    "stock_ledger g JOIN warehouses w ON w.id = g.warehouse_id \
                     JOIN products p ON p.id = g.product_id",
                )
            }
            ReportSpec::Returns { filter, times } => {
                let mut f = return_filter(b, filter);
                f.time_range("r", times);
                (
                    f,
                    "return_shipments r JOIN warehouses w ON w.id = r.warehouse_id \
                     JOIN return_lines l ON l.return_id = r.id \
                     JOIN products p ON p.id = l.product_id",
                )
            }
            ReportSpec::PurchaseOrders(f) => (
                po_filter(b, f),
                "purchase_orders po JOIN warehouses w ON w.id = po.warehouse_id \
                 JOIN po_lines l ON l.po_id = po.id \
                 JOIN po_packages k ON k.id = l.package_id \
                 JOIN products p ON p.id = l.product_id",
            ),
        }
    }

    /// How many rows the report will have (for its progress).
    pub async fn count(&self, db: &Db) -> Result<i64> {
        let (filter, from) = self.base();
        db.count(from, &filter).await
    }

    /// The next page of at most `limit` rows; empty once every row was read.
    pub async fn next_page(&mut self, db: &Db, limit: i64) -> Result<Vec<ReportRow>> {
        if self.done {
            return Ok(Vec::new());
        }
        let (mut filter, from) = self.base();
        let (select, order, key) = match self.spec {
            ReportSpec::Shipments(_) => (SHIPMENT_ROW, "s.id, l.id", Key::Pair("s.id", "l.id")),
            ReportSpec::StockSnapshot { .. } => (
                SNAPSHOT_ROW,
                "g.warehouse_id, g.product_id, g.stock_level",
                Key::Triple,
            ),
            ReportSpec::StockLedger { .. } => (
                LEDGER_ROW,
                "g.created_time, g.id",
                Key::Pair("g.created_time", "g.id"),
            ),
            ReportSpec::Returns { .. } => (RETURN_ROW, "r.id, l.id", Key::Pair("r.id", "l.id")),
            ReportSpec::PurchaseOrders(_) => (PO_ROW, "po.id, l.id", Key::Pair("po.id", "l.id")),
        };
        if let Some((a, b, c)) = &self.after {
            match key {
                Key::Pair(first, second) => filter.numbered(
                    &format!("{first} >= ?1 AND ({first} > ?1 OR {second} > ?2)"),
                    vec![Bind::Int(*a), Bind::Int(*b)],
                ),
                Key::Triple => filter.numbered(
                    "(g.warehouse_id, g.product_id, g.stock_level) > (?1, ?2, ?3)",
                    vec![Bind::Int(*a), Bind::Int(*b), Bind::Text(c.clone())],
                ),
            };
        }
        let sql = format!(
            "SELECT {select} FROM {from}{} ORDER BY {order} LIMIT {}",
            filter.where_sql(),
            limit.max(1)
        );
        let rows = filter
            .bind_all(crate::sql::query(&sql))
            .fetch_all(db.reader())
            .await?;
        if (rows.len() as i64) < limit.max(1) {
            self.done = true;
        }
        let Some(last) = rows.last() else {
            return Ok(Vec::new());
        };
        self.after = Some(match self.spec {
            ReportSpec::Shipments(_) => {
                (last.try_get("id")?, last.try_get("line_id")?, String::new())
            }
            ReportSpec::StockSnapshot { .. } => (
                last.try_get("warehouse_id")?,
                last.try_get("product_id")?,
                last.try_get("stock_level")?,
            ),
            ReportSpec::StockLedger { .. } => (
                last.try_get("created_time")?,
                last.try_get("id")?,
                String::new(),
            ),
            ReportSpec::Returns { .. } => {
                (last.try_get("id")?, last.try_get("line_id")?, String::new())
            }
            ReportSpec::PurchaseOrders(_) => {
                (last.try_get("id")?, last.try_get("line_id")?, String::new())
            }
        });
        match self.spec {
            ReportSpec::Shipments(_) => self.shipment_rows(db, &rows).await,
            ReportSpec::StockSnapshot { .. } => rows.iter().map(snapshot_row).collect(),
            ReportSpec::StockLedger { .. } => self.ledger_rows(db, &rows).await,
            ReportSpec::Returns { .. } => self.return_rows(db, &rows).await,
            ReportSpec::PurchaseOrders(_) => rows.iter().map(|r| po_row(r, self.lang)).collect(),
        }
    }

    async fn shipment_rows(&mut self, db: &Db, rows: &[Row]) -> Result<Vec<ReportRow>> {
        let receivers: Vec<Option<Value>> = rows
            .iter()
            .map(|r| {
                let raw: Option<String> = r.try_get("receiver")?;
                Ok(raw.and_then(|t| serde_json::from_str(&t).ok()))
            })
            .collect::<Result<_>>()?;
        self.look_up_places(db, &receivers).await?;
        let lang = self.lang;
        let mut out = Vec::with_capacity(rows.len());
        for (r, receiver) in rows.iter().zip(&receivers) {
            let field = |name: &str| -> Option<String> {
                receiver
                    .as_ref()
                    .and_then(|v| v.get(name))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            };
            let place = |name: &str| -> Cell<'static> {
                text(field(name).and_then(|code| self.places.get(&code).cloned().flatten()))
            };
            let id: i64 = r.try_get("id")?;
            let status: i64 = r.try_get("status")?;
            let code = |col: &str| -> Result<Cell<'static>> {
                let id: Option<i64> = r.try_get(col)?;
                Ok(text(id.map(|i| CodeKind::Shipment.format(i))))
            };
            let position: i64 = r.try_get("position")?;
            out.push(vec![
                Cell::from(CodeKind::Shipment.format(id)),
                Cell::from(id),
                text(r.try_get("merchant_tracking_code_reference")?),
                Cell::from(status),
                label(ShipmentStatus::from_value(status).map(|s| s.label(lang))),
                Cell::time(r.try_get::<Option<i64>, _>("status_time")?),
                text(r.try_get("warehouse_code")?),
                text(r.try_get("platform")?),
                text(r.try_get("courier_name")?),
                text(r.try_get("courier_tracking_code")?),
                Cell::from(position + 1),
                Cell::from(r.try_get::<i64, _>("line_id")?),
                Cell::from(CodeKind::Product.format(r.try_get("product_id")?)),
                text(r.try_get("sku")?),
                text(r.try_get("product_name")?),
                Cell::from(r.try_get::<i64, _>("product_quantity")?),
                Cell::from(r.try_get::<i64, _>("cancelled_quantity")?),
                Cell::money(r.try_get::<Option<i64>, _>("cod_amount_minor")?),
                text(field("name")),
                text(field("phone")),
                text(field("address")),
                text(field("ward_code")),
                place("ward_code"),
                text(field("district_code")),
                place("district_code"),
                text(field("province_code")),
                place("province_code"),
                Cell::time(r.try_get::<Option<i64>, _>("created_time")?),
                Cell::time(r.try_get::<Option<i64>, _>("updated_time")?),
                Cell::time(r.try_get::<Option<i64>, _>("allocated_time")?),
                Cell::time(r.try_get::<Option<i64>, _>("picked_time")?),
                Cell::time(r.try_get::<Option<i64>, _>("packed_time")?),
                Cell::time(r.try_get::<Option<i64>, _>("handover_time")?),
                Cell::time(r.try_get::<Option<i64>, _>("delivered_time")?),
                Cell::time(r.try_get::<Option<i64>, _>("cancelled_time")?),
                text(r.try_get("cancel_reason_code")?),
                text(r.try_get("cancel_reason_note")?),
                code("supersedes_id")?,
                code("superseded_by_id")?,
                // Intercepts (SPEC §7) are not recorded by this version: empty.
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                text(r.try_get("note")?),
                text(r.try_get("shipping_label_url")?),
            ]);
        }
        Ok(out)
    }

    /// Looks up the names of the wards, districts and provinces of a page not seen yet (the
    /// directory is a few thousand rows; a report keeps what it looked up).
    async fn look_up_places(&mut self, db: &Db, receivers: &[Option<Value>]) -> Result<()> {
        for (field, table) in [
            ("ward_code", "wards"),
            ("district_code", "districts"),
            ("province_code", "provinces"),
        ] {
            let missing: HashSet<String> = receivers
                .iter()
                .flatten()
                .filter_map(|v| v.get(field).and_then(Value::as_str))
                .filter(|c| !self.places.contains_key(*c))
                .map(str::to_string)
                .collect();
            if missing.is_empty() {
                continue;
            }
            let codes: Vec<String> = missing.into_iter().collect();
            let rows = crate::sql::query(&format!(
                "SELECT code, name FROM {table} WHERE code IN ({})",
                placeholders(1, codes.len())
            ))
            .bind_each(&codes)
            .fetch_all(db.reader())
            .await?;
            for code in codes {
                self.places.entry(code).or_insert(None);
            }
            for r in rows {
                self.places
                    .insert(r.try_get("code")?, Some(r.try_get("name")?));
            }
        }
        Ok(())
    }

    async fn ledger_rows(&mut self, db: &Db, rows: &[Row]) -> Result<Vec<ReportRow>> {
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let id: i64 = r.try_get("id")?;
            let balance: (i64, i64, String) = (
                r.try_get("warehouse_id")?,
                r.try_get("product_id")?,
                r.try_get("stock_level")?,
            );
            let delta: i64 = r.try_get("on_hand_delta")?;
            let before =
                match self.balances.get(&balance) {
                    Some(on_hand) => *on_hand,
                    // The first movement of this balance in the report: what the movements
                    // before it added up to.
                    None => crate::sql::query_scalar::<i64>(
                        "SELECT CAST(COALESCE(SUM(on_hand_delta), 0) AS BIGINT) FROM stock_ledger \
                     WHERE business_id = $1 AND warehouse_id = $2 AND product_id = $3 \
                       AND stock_level = $4 AND id < $5",
                    )
                    .bind(self.business_id)
                    .bind(balance.0)
                    .bind(balance.1)
                    .bind(&balance.2)
                    .bind(id)
                    .fetch_one(db.reader())
                    .await?,
                };
            let after = before.saturating_add(delta);
            self.balances.insert(balance.clone(), after);
            out.push(vec![
                Cell::from(id),
                Cell::time(r.try_get::<i64, _>("created_time")?),
                text(r.try_get("warehouse_code")?),
                Cell::from(CodeKind::Product.format(balance.1)),
                text(r.try_get("sku")?),
                text(r.try_get("product_name")?),
                Cell::from(balance.2),
                text(r.try_get("movement_type")?),
                Cell::from(delta),
                Cell::from(r.try_get::<i64, _>("reserved_delta")?),
                Cell::from(after),
                text(r.try_get("reference_code")?),
                text(r.try_get("reason")?),
                Cell::from(r.try_get::<bool, _>("is_abnormal")?),
            ]);
        }
        Ok(out)
    }

    async fn return_rows(&mut self, db: &Db, rows: &[Row]) -> Result<Vec<ReportRow>> {
        // What came back, per return and product, by grade.
        let mut ids: Vec<i64> = rows
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<Result<_>>()?;
        ids.dedup();
        let mut received: HashMap<(i64, i64), BTreeMap<String, i64>> = HashMap::new();
        for r in crate::sql::query(&format!(
            "SELECT return_id, product_id, stock_level, \
               CAST(SUM(received_quantity) AS BIGINT) AS quantity FROM return_receipts \
             WHERE return_id IN ({}) GROUP BY return_id, product_id, stock_level",
            placeholders(1, ids.len())
        ))
        .bind_each(&ids)
        .fetch_all(db.reader())
        .await?
        {
            received
                .entry((r.try_get("return_id")?, r.try_get("product_id")?))
                .or_default()
                .insert(r.try_get("stock_level")?, r.try_get("quantity")?);
        }
        let lang = self.lang;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let id: i64 = r.try_get("id")?;
            let product: i64 = r.try_get("product_id")?;
            let status: i64 = r.try_get("status")?;
            let grades = received.get(&(id, product));
            let (quantity, level, by_level) = match grades {
                None => (None, None, None),
                Some(g) => (
                    Some(g.values().sum::<i64>()),
                    Some(match g.len() {
                        1 => g.keys().next().cloned().unwrap_or_default(),
                        _ => "MIXED".to_string(),
                    }),
                    Some(
                        g.iter()
                            .map(|(level, q)| format!("{level}: {q}"))
                            .collect::<Vec<_>>()
                            .join("; "),
                    ),
                ),
            };
            out.push(vec![
                Cell::from(CodeKind::ReturnShipment.format(id)),
                text(r.try_get("merchant_return_tracking_code_reference")?),
                Cell::from(CodeKind::Shipment.format(r.try_get("shipment_id")?)),
                Cell::from(status),
                label(ReturnStatus::from_value(status).map(|s| s.label(lang))),
                Cell::time(r.try_get::<Option<i64>, _>("status_time")?),
                text(r.try_get("warehouse_code")?),
                text(r.try_get("partner_tracking_code")?),
                text(r.try_get("return_courier_tracking_code")?),
                Cell::from(CodeKind::Product.format(product)),
                text(r.try_get("sku")?),
                text(r.try_get("product_name")?),
                Cell::from(r.try_get::<i64, _>("product_quantity")?),
                Cell::from(quantity),
                text(level),
                text(by_level),
                Cell::time(r.try_get::<Option<i64>, _>("created_time")?),
                Cell::time(r.try_get::<Option<i64>, _>("updated_time")?),
                Cell::time(r.try_get::<Option<i64>, _>("received_time")?),
                Cell::time(r.try_get::<Option<i64>, _>("cancelled_time")?),
                text(r.try_get("note")?),
            ]);
        }
        Ok(out)
    }
}

#[derive(Clone, Copy)]
enum Key {
    /// Two integer columns.
    Pair(&'static str, &'static str),
    /// Warehouse, product and level of a stock balance.
    Triple,
}

const SHIPMENT_ROW: &str = "s.id, s.merchant_tracking_code_reference, s.status, s.status_time, \
    w.warehouse_code, s.platform, s.courier_name, s.courier_tracking_code, l.position, \
    l.id AS line_id, l.product_id, l.sku, p.name AS product_name, l.product_quantity, \
    l.cancelled_quantity, s.cod_amount_minor, s.receiver, s.created_time, s.updated_time, \
    s.allocated_time, s.picked_time, s.packed_time, s.handover_time, s.delivered_time, \
    s.cancelled_time, s.cancel_reason_code, s.cancel_reason_note, s.supersedes_id, \
    s.superseded_by_id, s.note, s.shipping_label_url";

const SNAPSHOT_ROW: &str = "g.warehouse_id, g.product_id, g.stock_level, w.warehouse_code, \
    p.sku, p.name AS product_name, g.on_hand, g.reserved, p.min_stock_warning";

const LEDGER_ROW: &str = "g.id, g.created_time, g.warehouse_id, g.product_id, g.stock_level, \
    w.warehouse_code, p.sku, p.name AS product_name, g.movement_type, g.on_hand_delta, \
    g.reserved_delta, g.reference_code, g.reason, g.is_abnormal";

const RETURN_ROW: &str = "r.id, r.merchant_return_tracking_code_reference, r.shipment_id, \
    r.status, r.status_time, w.warehouse_code, r.partner_tracking_code, \
    r.return_courier_tracking_code, l.id AS line_id, l.product_id, l.sku, p.name AS product_name, \
    l.product_quantity, r.created_time, r.updated_time, r.received_time, r.cancelled_time, r.note";

const PO_ROW: &str = "po.id, po.merchant_po_reference, po.status, po.status_time, \
    w.warehouse_code, po.vas, po.estimated_arrival_time, k.package_code, k.weight, k.length, \
    k.width, k.height, k.package_note, l.id AS line_id, l.product_id, l.sku, \
    p.name AS product_name, l.product_quantity, l.inbound_quantity, l.putaway_quantity, \
    l.stock_level, l.batch_lot_code, l.manufacturing_date, l.expiry_date, po.created_time, \
    po.updated_time, po.received_time, po.completed_time, po.cancelled_time, po.note";

fn snapshot_row(r: &Row) -> Result<ReportRow> {
    let on_hand: i64 = r.try_get("on_hand")?;
    let reserved: i64 = r.try_get("reserved")?;
    Ok(vec![
        text(r.try_get("warehouse_code")?),
        Cell::from(CodeKind::Product.format(r.try_get("product_id")?)),
        text(r.try_get("sku")?),
        text(r.try_get("product_name")?),
        text(r.try_get("stock_level")?),
        Cell::from(on_hand),
        Cell::from(reserved),
        Cell::from(on_hand - reserved),
        Cell::from(r.try_get::<Option<i64>, _>("min_stock_warning")?),
    ])
}

fn po_row(r: &Row, lang: Lang) -> Result<ReportRow> {
    let status: i64 = r.try_get("status")?;
    let vas: String = r.try_get("vas")?;
    let vas: Vec<String> = serde_json::from_str(&vas).unwrap_or_default();
    let inbound: Option<i64> = r.try_get("inbound_quantity")?;
    let putaway: Option<i64> = r.try_get("putaway_quantity")?;
    Ok(vec![
        Cell::from(CodeKind::PurchaseOrder.format(r.try_get("id")?)),
        text(r.try_get("merchant_po_reference")?),
        Cell::from(status),
        label(PoStatus::from_value(status).map(|s| s.label(lang))),
        Cell::time(r.try_get::<Option<i64>, _>("status_time")?),
        text(r.try_get("warehouse_code")?),
        text((!vas.is_empty()).then(|| vas.join(", "))),
        Cell::time(r.try_get::<Option<i64>, _>("estimated_arrival_time")?),
        text(r.try_get("package_code")?),
        Cell::from(r.try_get::<Option<f64>, _>("weight")?),
        Cell::from(r.try_get::<Option<f64>, _>("length")?),
        Cell::from(r.try_get::<Option<f64>, _>("width")?),
        Cell::from(r.try_get::<Option<f64>, _>("height")?),
        text(r.try_get("package_note")?),
        Cell::from(CodeKind::Product.format(r.try_get("product_id")?)),
        text(r.try_get("sku")?),
        text(r.try_get("product_name")?),
        Cell::from(r.try_get::<i64, _>("product_quantity")?),
        Cell::from(inbound),
        Cell::from(putaway),
        Cell::from(inbound.map(|i| putaway.unwrap_or(0) >= i)),
        text(r.try_get("stock_level")?),
        text(r.try_get("batch_lot_code")?),
        Cell::date(r.try_get::<Option<String>, _>("manufacturing_date")?),
        Cell::date(r.try_get::<Option<String>, _>("expiry_date")?),
        Cell::time(r.try_get::<Option<i64>, _>("created_time")?),
        Cell::time(r.try_get::<Option<i64>, _>("updated_time")?),
        Cell::time(r.try_get::<Option<i64>, _>("received_time")?),
        Cell::time(r.try_get::<Option<i64>, _>("completed_time")?),
        Cell::time(r.try_get::<Option<i64>, _>("cancelled_time")?),
        text(r.try_get("note")?),
    ])
}
