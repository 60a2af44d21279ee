//! B2C return shipments (SPEC §2.4, §3.5, §4): registered against a shipment the carrier took,
//! cancellable while NEW, received and graded by the warehouse: COMPLETED when everything came
//! back sellable, PROBLEM (350) otherwise. Sellable units restock (`RETURN_RESTOCK`).

use crate::events::{record_event, status_event, RETURN_SHIPMENT_UPDATE_STATUS};
use crate::list::{Cursor, Filter, PageOf, PageRequest};
use crate::shipments::{allocate_waiting, lock_waiting};
use crate::sql::Target;
use crate::stock::{move_stock, StockKey, StockMove};
use crate::{is_unique_violation, Db, Result, Tx};
use depot_domain::codes::CodeKind;
use depot_domain::quantity::MAX_BALANCE;
use depot_domain::status::{ReturnStatus, ShipmentStatus};
use depot_domain::stock::{is_stock_level, Movement, SELLABLE};
use depot_domain::Lang;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, Default)]
pub struct NewReturn {
    pub warehouse_code: String,
    pub shipment_tracking_code: String,
    pub merchant_return_tracking_code_reference: String,
    pub partner_tracking_code: Option<String>,
    pub return_courier_tracking_code: Option<String>,
    /// (OASIN, quantity), each OASIN once.
    pub items: Vec<(String, i64)>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateReturnError {
    WarehouseNotFound,
    ShipmentNotFound,
    /// The shipment never reached the carrier (or was cancelled).
    NotReturnable(ShipmentStatus),
    /// OASINs not shipped by that shipment.
    NotInShipment(Vec<String>),
    /// OASINs not mapped to the receiving warehouse.
    NotMapped(Vec<String>),
    /// (field, message): more than was shipped, counting earlier returns.
    TooMany(Vec<(String, String)>),
    DuplicateReference,
}

#[derive(Debug, Clone)]
pub struct ReturnLine {
    pub product_id: i64,
    pub sku: String,
    pub product_quantity: i64,
    /// What the warehouse found, by stock level.
    pub received: BTreeMap<String, i64>,
}

#[derive(Debug, Clone)]
pub struct ReturnShipment {
    pub id: i64,
    pub business_id: i64,
    pub warehouse_id: i64,
    pub warehouse_code: String,
    pub shipment_id: i64,
    pub merchant_return_tracking_code_reference: String,
    pub partner_tracking_code: Option<String>,
    pub return_courier_tracking_code: Option<String>,
    pub status: ReturnStatus,
    pub status_time: i64,
    pub note: Option<String>,
    pub received_time: Option<i64>,
    pub cancelled_time: Option<i64>,
    pub created_time: i64,
    pub updated_time: i64,
    pub lines: Vec<ReturnLine>,
}

impl ReturnShipment {
    pub fn return_tracking_code(&self) -> String {
        CodeKind::ReturnShipment.format(self.id)
    }

    /// The detail of SPEC §3.5, as the API answers it and webhooks carry it.
    pub fn view(&self, lang: Lang) -> Value {
        json!({
            "status_info": self.status.info(lang, Some(self.status_time)),
            "warehouse_code": self.warehouse_code,
            "return_tracking_code": self.return_tracking_code(),
            "shipment_tracking_code": CodeKind::Shipment.format(self.shipment_id),
            "merchant_return_tracking_code_reference": self.merchant_return_tracking_code_reference,
            "partner_tracking_code": self.partner_tracking_code,
            "return_courier_tracking_code": self.return_courier_tracking_code,
            "items": self.lines.iter().map(|l| {
                let received: Option<i64> = (!l.received.is_empty()).then(|| l.received.values().sum());
                // One level reads as that level; a line that came back in several grades says so
                // and lists them.
                let level = match l.received.len() {
                    0 => Value::Null,
                    1 => json!(l.received.keys().next()),
                    _ => json!("MIXED"),
                };
                json!({
                    "oasin": CodeKind::Product.format(l.product_id),
                    "sku": l.sku,
                    "product_quantity": l.product_quantity,
                    "received_quantity": received,
                    "stock_level": level,
                    "received_by_level": l.received.iter().map(|(level, q)| json!({"stock_level": level, "quantity": q})).collect::<Vec<_>>(),
                })
            }).collect::<Vec<_>>(),
            "created_time": self.created_time,
            "updated_time": self.updated_time,
            "received_time": self.received_time,
            "cancelled_time": self.cancelled_time,
            "note": self.note,
        })
    }
}

/// One graded part of what came back.
#[derive(Debug, Clone)]
pub struct ReturnReceipt {
    pub oasin: String,
    pub received_quantity: i64,
    pub stock_level: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReturnChangeError {
    NotFound,
    WrongStatus(ReturnStatus),
    BadLines(Vec<(String, String)>),
}

#[derive(Debug, Clone, Default)]
pub struct ReturnFilter {
    pub status: Option<i64>,
    pub shipment_tracking_code: Option<String>,
    pub return_tracking_code: Option<String>,
    pub warehouse_code: Option<String>,
}

async fn load_returns(
    conn: impl Into<Target<'_>>,
    clause: &str,
    binds: &Filter,
) -> Result<Vec<ReturnShipment>> {
    let mut conn: Target = conn.into();
    let sql = format!(
        "SELECT r.*, w.warehouse_code FROM return_shipments r JOIN warehouses w ON w.id = r.warehouse_id WHERE {clause}"
    );
    let rows = binds
        .bind_all(crate::sql::query(&sql))
        .fetch_all(&mut conn)
        .await?;
    let mut returns = Vec::with_capacity(rows.len());
    for r in &rows {
        let status: i64 = r.try_get("status")?;
        returns.push(ReturnShipment {
            id: r.try_get("id")?,
            business_id: r.try_get("business_id")?,
            warehouse_id: r.try_get("warehouse_id")?,
            warehouse_code: r.try_get("warehouse_code")?,
            shipment_id: r.try_get("shipment_id")?,
            merchant_return_tracking_code_reference: r
                .try_get("merchant_return_tracking_code_reference")?,
            partner_tracking_code: r.try_get("partner_tracking_code")?,
            return_courier_tracking_code: r.try_get("return_courier_tracking_code")?,
            status: ReturnStatus::from_value(status).unwrap_or(ReturnStatus::New),
            status_time: r.try_get("status_time")?,
            note: r.try_get("note")?,
            received_time: r.try_get("received_time")?,
            cancelled_time: r.try_get("cancelled_time")?,
            created_time: r.try_get("created_time")?,
            updated_time: r.try_get("updated_time")?,
            lines: Vec::new(),
        });
    }
    if returns.is_empty() {
        return Ok(returns);
    }
    let ids: Vec<i64> = returns.iter().map(|x| x.id).collect();
    let list = crate::sql::placeholders(1, ids.len());
    let mut lines: HashMap<i64, Vec<ReturnLine>> = HashMap::new();
    for r in crate::sql::query(&format!(
        "SELECT * FROM return_lines WHERE return_id IN ({list}) ORDER BY return_id, position"
    ))
    .bind_each(&ids)
    .fetch_all(&mut conn)
    .await?
    {
        lines
            .entry(r.try_get("return_id")?)
            .or_default()
            .push(ReturnLine {
                product_id: r.try_get("product_id")?,
                sku: r.try_get("sku")?,
                product_quantity: r.try_get("product_quantity")?,
                received: BTreeMap::new(),
            });
    }
    for r in crate::sql::query(&format!(
        "SELECT * FROM return_receipts WHERE return_id IN ({list}) ORDER BY id"
    ))
    .bind_each(&ids)
    .fetch_all(&mut conn)
    .await?
    {
        let (return_id, product_id): (i64, i64) =
            (r.try_get("return_id")?, r.try_get("product_id")?);
        if let Some(line) = lines
            .get_mut(&return_id)
            .and_then(|ls| ls.iter_mut().find(|l| l.product_id == product_id))
        {
            *line.received.entry(r.try_get("stock_level")?).or_insert(0) +=
                r.try_get::<i64, _>("received_quantity")?;
        }
    }
    for r in &mut returns {
        r.lines = lines.remove(&r.id).unwrap_or_default();
    }
    Ok(returns)
}

async fn load_return(conn: impl Into<Target<'_>>, id: i64) -> Result<Option<ReturnShipment>> {
    let mut f = Filter::new();
    f.int("r.id = ?", id);
    Ok(load_returns(conn, &f.conditions(), &f).await?.pop())
}

async fn change_status(
    tx: &mut Tx,
    ret: &ReturnShipment,
    to: ReturnStatus,
    now: i64,
) -> Result<ReturnShipment> {
    let milestone = match to {
        ReturnStatus::Received => Some("received_time"),
        ReturnStatus::Cancelled => Some("cancelled_time"),
        _ => None,
    };
    let change = (ret.status.value(), to.value());
    crate::set_status(tx, "return_shipments", ret.id, change, milestone, now).await?;
    let changed = load_return(&mut **tx, ret.id)
        .await?
        .expect("return exists");
    record_return_event(tx, &changed, Some((ret.status, ret.status_time)), now).await?;
    Ok(changed)
}

async fn record_return_event(
    tx: &mut Tx,
    ret: &ReturnShipment,
    previous: Option<(ReturnStatus, i64)>,
    now: i64,
) -> Result<()> {
    record_event(
        tx,
        ret.business_id,
        RETURN_SHIPMENT_UPDATE_STATUS,
        now,
        |lang| status_event(ret.view(lang), previous.map(|(s, t)| s.info(lang, Some(t)))),
    )
    .await?;
    Ok(())
}

async fn lock_return(
    tx: &mut Tx,
    db: &Db,
    id: i64,
    business_id: Option<i64>,
) -> Result<Option<ReturnShipment>> {
    let mut f = Filter::new();
    f.int("id = ?", id).opt_int("business_id = ?", business_id);
    let sql = format!(
        "SELECT id FROM return_shipments WHERE {}{}",
        f.conditions(),
        db.backend().for_update()
    );
    if f.bind_all(crate::sql::query(&sql))
        .fetch_optional(&mut **tx)
        .await?
        .is_none()
    {
        return Ok(None);
    }
    load_return(&mut **tx, id).await
}

impl Db {
    pub async fn create_return(
        &self,
        business_id: i64,
        new: &NewReturn,
        now: i64,
    ) -> Result<Result<ReturnShipment, CreateReturnError>> {
        let mut tx = self.begin().await?;
        let warehouse_id: Option<i64> =
            crate::sql::query_scalar("SELECT id FROM warehouses WHERE warehouse_code = $1")
                .bind(&new.warehouse_code)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(warehouse_id) = warehouse_id else {
            return Ok(Err(CreateReturnError::WarehouseNotFound));
        };
        let Some(shipment_id) = CodeKind::Shipment.parse(&new.shipment_tracking_code) else {
            return Ok(Err(CreateReturnError::ShipmentNotFound));
        };
        // Lock the shipment so two returns registered at once cannot both claim its last units.
        let status: Option<i64> = crate::sql::query_scalar(&format!(
            "SELECT status FROM shipments WHERE id = $1 AND business_id = $2{}",
            self.backend().for_update()
        ))
        .bind(shipment_id)
        .bind(business_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(status) = status.and_then(ShipmentStatus::from_value) else {
            return Ok(Err(CreateReturnError::ShipmentNotFound));
        };
        if !status.is_handed_over() || status == ShipmentStatus::ReturnedToSender {
            return Ok(Err(CreateReturnError::NotReturnable(status)));
        }
        // What the shipment carried, less what earlier (not cancelled) returns already claim.
        let mut shipped: HashMap<i64, (String, i64)> = HashMap::new();
        for r in crate::sql::query("SELECT product_id, sku, product_quantity - cancelled_quantity AS q FROM shipment_lines WHERE shipment_id = $1")
            .bind(shipment_id)
            .fetch_all(&mut *tx)
            .await?
        {
            let entry = shipped.entry(r.try_get("product_id")?).or_insert((r.try_get("sku")?, 0));
            entry.1 += r.try_get::<i64, _>("q")?;
        }
        for r in crate::sql::query(
            "SELECT l.product_id, l.product_quantity FROM return_lines l JOIN return_shipments rs ON rs.id = l.return_id \
             WHERE rs.shipment_id = $1 AND rs.status <> $2",
        )
        .bind(shipment_id)
        .bind(ReturnStatus::Cancelled.value())
        .fetch_all(&mut *tx)
        .await?
        {
            if let Some(entry) = shipped.get_mut(&r.try_get("product_id")?) {
                entry.1 -= r.try_get::<i64, _>("product_quantity")?;
            }
        }
        let (mut foreign, mut unmapped, mut too_many) = (Vec::new(), Vec::new(), Vec::new());
        let mut products = Vec::new();
        for (i, (oasin, quantity)) in new.items.iter().enumerate() {
            let Some((product_id, (sku, left))) = CodeKind::Product
                .parse(oasin)
                .and_then(|id| shipped.get(&id).map(|e| (id, e)))
            else {
                foreign.push(oasin.clone());
                continue;
            };
            if quantity > left {
                too_many.push((
                    format!("items[{i}].product_quantity"),
                    format!("at most {left} of this shipment remain to return"),
                ));
            }
            let mapped: Option<i64> = crate::sql::query_scalar("SELECT product_id FROM product_warehouses WHERE product_id = $1 AND warehouse_id = $2")
                .bind(product_id)
                .bind(warehouse_id)
                .fetch_optional(&mut *tx)
                .await?;
            if mapped.is_none() {
                unmapped.push(oasin.clone());
            }
            products.push((product_id, sku.clone(), *quantity));
        }
        if !foreign.is_empty() {
            return Ok(Err(CreateReturnError::NotInShipment(foreign)));
        }
        if !unmapped.is_empty() {
            return Ok(Err(CreateReturnError::NotMapped(unmapped)));
        }
        if !too_many.is_empty() {
            return Ok(Err(CreateReturnError::TooMany(too_many)));
        }
        let inserted = crate::sql::query(
            "INSERT INTO return_shipments (business_id, warehouse_id, shipment_id, merchant_return_tracking_code_reference, \
             partner_tracking_code, return_courier_tracking_code, status, status_time, note, created_time, updated_time) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $8, $8) RETURNING id",
        )
        .bind(business_id)
        .bind(warehouse_id)
        .bind(shipment_id)
        .bind(&new.merchant_return_tracking_code_reference)
        .bind(&new.partner_tracking_code)
        .bind(&new.return_courier_tracking_code)
        .bind(ReturnStatus::New.value())
        .bind(now)
        .bind(&new.note)
        .fetch_one(&mut *tx)
        .await;
        let id: i64 = match inserted {
            Ok(r) => r.try_get(0)?,
            Err(e) if is_unique_violation(&e, "return_shipments_business_reference_key", "return_shipments.business_id, return_shipments.merchant_return_tracking_code_reference") => {
                return Ok(Err(CreateReturnError::DuplicateReference))
            }
            Err(e) => return Err(e),
        };
        for (position, (product_id, sku, quantity)) in products.iter().enumerate() {
            crate::sql::query("INSERT INTO return_lines (return_id, product_id, sku, product_quantity, position) VALUES ($1, $2, $3, $4, $5)")
                .bind(id)
                .bind(product_id)
                .bind(sku)
                .bind(quantity)
                .bind(position as i64)
                .execute(&mut *tx)
                .await?;
        }
        let ret = load_return(&mut tx, id).await?.expect("just inserted");
        record_return_event(&mut tx, &ret, None, now).await?;
        tx.commit().await?;
        Ok(Ok(ret))
    }

    pub async fn return_shipment(
        &self,
        business_id: i64,
        code: &str,
    ) -> Result<Option<ReturnShipment>> {
        let Some(id) = CodeKind::ReturnShipment.parse(code) else {
            return Ok(None);
        };
        let mut f = Filter::new();
        f.int("r.id = ?", id).int("r.business_id = ?", business_id);
        Ok(load_returns(self.reader(), &f.conditions(), &f)
            .await?
            .pop())
    }

    /// A return of any business (operators work across the warehouse network).
    pub async fn return_shipment_any(&self, code: &str) -> Result<Option<ReturnShipment>> {
        let Some(id) = CodeKind::ReturnShipment.parse(code) else {
            return Ok(None);
        };
        let mut f = Filter::new();
        f.int("r.id = ?", id);
        Ok(load_returns(self.reader(), &f.conditions(), &f)
            .await?
            .pop())
    }

    pub async fn list_returns(
        &self,
        business_id: i64,
        f: &ReturnFilter,
        page: &PageRequest,
    ) -> Result<PageOf<ReturnShipment>> {
        let mut filter = return_filter(business_id, f);
        let total = self.count("return_shipments r", &filter).await?;
        let tail = page.apply(&mut filter, "r");
        let clause = format!("{}{tail}", filter.conditions());
        let rows = load_returns(self.reader(), &clause, &filter).await?;
        Ok(page.finish(rows, total, |r| Cursor {
            created_time: r.created_time,
            id: r.id,
        }))
    }

    /// NEW → CANCELLED; cancelling again answers as the first cancel did.
    pub async fn cancel_return(
        &self,
        business_id: i64,
        code: &str,
        now: i64,
    ) -> Result<Result<ReturnShipment, ReturnChangeError>> {
        let Some(id) = CodeKind::ReturnShipment.parse(code) else {
            return Ok(Err(ReturnChangeError::NotFound));
        };
        let mut tx = self.begin().await?;
        let Some(ret) = lock_return(&mut tx, self, id, Some(business_id)).await? else {
            return Ok(Err(ReturnChangeError::NotFound));
        };
        let result = match ret.status {
            ReturnStatus::Cancelled => Ok(ret),
            ReturnStatus::New => {
                Ok(change_status(&mut tx, &ret, ReturnStatus::Cancelled, now).await?)
            }
            other => Err(ReturnChangeError::WrongStatus(other)),
        };
        tx.commit().await?;
        Ok(result)
    }

    /// The warehouse receives and grades a NEW return. Grade-A units restock as sellable
    /// (waking waiting shipments); other grades are counted at their level. The return ends
    /// COMPLETED when every registered unit came back as A, PROBLEM otherwise.
    pub async fn receive_return(
        &self,
        code: &str,
        receipts: &[ReturnReceipt],
        note: Option<&str>,
        now: i64,
    ) -> Result<Result<ReturnShipment, ReturnChangeError>> {
        let Some(id) = CodeKind::ReturnShipment.parse(code) else {
            return Ok(Err(ReturnChangeError::NotFound));
        };
        let mut tx = self.begin().await?;
        let Some(ret) = lock_return(&mut tx, self, id, None).await? else {
            return Ok(Err(ReturnChangeError::NotFound));
        };
        if ret.status != ReturnStatus::New {
            return Ok(Err(ReturnChangeError::WrongStatus(ret.status)));
        }
        let mut errors = Vec::new();
        let mut per_line: HashMap<i64, i64> = HashMap::new();
        let mut parts: Vec<(&ReturnLine, &ReturnReceipt)> = Vec::new();
        for (i, r) in receipts.iter().enumerate() {
            let Some(line) = ret
                .lines
                .iter()
                .find(|l| CodeKind::Product.format(l.product_id) == r.oasin)
            else {
                errors.push((
                    format!("items[{i}].oasin"),
                    "is not a line of this return".to_string(),
                ));
                continue;
            };
            if !is_stock_level(&r.stock_level) {
                errors.push((
                    format!("items[{i}].stock_level"),
                    "must be one of A, D1, D2, D3, L".into(),
                ));
            }
            if r.received_quantity < 0 {
                errors.push((
                    format!("items[{i}].received_quantity"),
                    "must be >= 0".into(),
                ));
            }
            // Grades of one line add up, checked: they may never pass what was registered.
            let total = per_line.entry(line.product_id).or_insert(0);
            *total = total.checked_add(r.received_quantity).unwrap_or(i64::MAX);
            if *total > line.product_quantity {
                errors.push((
                    format!("items[{i}].received_quantity"),
                    format!("more than the {} registered", line.product_quantity),
                ));
            }
            parts.push((line, r));
        }
        if !errors.is_empty() {
            return Ok(Err(ReturnChangeError::BadLines(errors)));
        }
        if let Some(note) = note {
            crate::sql::query("UPDATE return_shipments SET note = $2 WHERE id = $1")
                .bind(id)
                .bind(note)
                .execute(&mut *tx)
                .await?;
        }
        let sellable: Vec<i64> = parts
            .iter()
            .filter(|(_, r)| r.stock_level == SELLABLE && r.received_quantity > 0)
            .map(|(l, _)| l.product_id)
            .collect();
        let waiting = lock_waiting(
            &mut tx,
            self.backend(),
            ret.business_id,
            ret.warehouse_id,
            &sellable,
            &parts.iter().map(|(l, _)| l.product_id).collect::<Vec<_>>(),
        )
        .await?;
        parts.sort_by_key(|(l, _)| l.product_id);
        let reference = ret.return_tracking_code();
        for (line, r) in &parts {
            if r.received_quantity == 0 {
                continue;
            }
            crate::sql::query("INSERT INTO return_receipts (return_id, product_id, stock_level, received_quantity) VALUES ($1, $2, $3, $4)")
                .bind(id)
                .bind(line.product_id)
                .bind(&r.stock_level)
                .bind(r.received_quantity)
                .execute(&mut *tx)
                .await?;
            let key = StockKey {
                business_id: ret.business_id,
                warehouse_id: ret.warehouse_id,
                warehouse_code: ret.warehouse_code.clone(),
                product_id: line.product_id,
                sku: line.sku.clone(),
                stock_level: r.stock_level.clone(),
            };
            let m = StockMove {
                movement: Movement::ReturnRestock,
                on_hand_delta: r.received_quantity,
                reserved_delta: 0,
                reference_code: &reference,
                reason: None,
                is_abnormal: r.stock_level != SELLABLE,
            };
            if move_stock(&mut tx, &key, &m, now).await?.is_none() {
                // Only a balance at its ceiling refuses goods coming in.
                let i = receipts
                    .iter()
                    .position(|x| std::ptr::eq(x, *r))
                    .unwrap_or(0);
                return Ok(Err(ReturnChangeError::BadLines(vec![(
                    format!("items[{i}].received_quantity"),
                    format!("would take the stock balance past {MAX_BALANCE}"),
                )])));
            }
        }
        allocate_waiting(&mut tx, self.backend(), &waiting, now).await?;
        let all_sellable = ret.lines.iter().all(|l| {
            parts
                .iter()
                .filter(|(pl, r)| pl.product_id == l.product_id && r.stock_level == SELLABLE)
                .map(|(_, r)| r.received_quantity)
                .sum::<i64>()
                == l.product_quantity
        });
        let received = change_status(&mut tx, &ret, ReturnStatus::Received, now).await?;
        let end = if all_sellable {
            ReturnStatus::Completed
        } else {
            ReturnStatus::Problem
        };
        let done = change_status(&mut tx, &received, end, now).await?;
        tx.commit().await?;
        Ok(Ok(done))
    }
}

/// The WHERE clauses on `r` of the return list's filters, scoped to a business; the returns
/// report takes the same.
pub(crate) fn return_filter(business_id: i64, f: &ReturnFilter) -> Filter {
    let mut filter = Filter::new();
    filter.int("r.business_id = ?", business_id);
    filter.opt_int("r.status = ?", f.status);
    if let Some(code) = f.warehouse_code.as_deref().filter(|c| !c.is_empty()) {
        filter.text(
            "r.warehouse_id = (SELECT id FROM warehouses WHERE warehouse_code = ?)",
            code,
        );
    }
    if let Some(code) = f
        .shipment_tracking_code
        .as_deref()
        .filter(|c| !c.is_empty())
    {
        filter.int(
            "r.shipment_id = ?",
            CodeKind::Shipment.parse(code).unwrap_or(-1),
        );
    }
    if let Some(code) = f.return_tracking_code.as_deref().filter(|c| !c.is_empty()) {
        filter.int(
            "r.id = ?",
            CodeKind::ReturnShipment.parse(code).unwrap_or(-1),
        );
    }
    filter
}
