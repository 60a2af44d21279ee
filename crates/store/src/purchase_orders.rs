//! Inbound purchase orders (SPEC §2.3, §3.3, §4): created TRANSIT, cancellable only then,
//! received by the warehouse into stock (`PUTAWAY`), COMPLETED after.

use crate::events::{record_event, status_event, PURCHASE_ORDER_UPDATE_STATUS};
use crate::list::{Cursor, Filter, PageOf, PageRequest, TimeRange};
use crate::products::{resolve_line_products, LineProductsError};
use crate::shipments::{allocate_waiting, lock_waiting};
use crate::sql::Target;
use crate::stock::{move_stock, StockKey, StockMove};
use crate::{is_unique_violation, Db, Result, Tx};
use depot_domain::codes::CodeKind;
use depot_domain::quantity::MAX_BALANCE;
use depot_domain::status::PoStatus;
use depot_domain::stock::{is_stock_level, Movement, SELLABLE};
use depot_domain::Lang;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, Default)]
pub struct NewPackage {
    pub package_code: String,
    pub weight: Option<f64>,
    pub length: Option<f64>,
    pub width: Option<f64>,
    pub height: Option<f64>,
    /// (OASIN, quantity), each OASIN once per package.
    pub items: Vec<(String, i64)>,
    pub package_note: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct NewPurchaseOrder {
    pub warehouse_code: String,
    pub merchant_po_reference: String,
    pub vas: Vec<String>,
    pub packages: Vec<NewPackage>,
    pub estimated_arrival_time: Option<i64>,
    /// `[{document_type, document_url, print_quantity}]`, already validated.
    pub po_documents: Value,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreatePoError {
    WarehouseNotFound,
    Products(LineProductsError),
    DuplicateReference,
}

#[derive(Debug, Clone)]
pub struct PoLine {
    pub id: i64,
    pub product_id: i64,
    pub sku: String,
    /// The product's name, for printed documents.
    pub name: String,
    pub product_quantity: i64,
    pub inbound_quantity: Option<i64>,
    pub putaway_quantity: Option<i64>,
    pub stock_level: Option<String>,
    pub batch_lot_code: Option<String>,
    pub manufacturing_date: Option<String>,
    pub expiry_date: Option<String>,
    /// The product's own dimensions and weight, for the inspection list.
    pub product_dims: (f64, f64, f64, f64),
    pub inventory_tracking_type: String,
}

#[derive(Debug, Clone)]
pub struct Package {
    pub id: i64,
    pub package_code: String,
    pub weight: Option<f64>,
    pub length: Option<f64>,
    pub width: Option<f64>,
    pub height: Option<f64>,
    pub package_note: Option<String>,
    pub lines: Vec<PoLine>,
}

#[derive(Debug, Clone)]
pub struct PurchaseOrder {
    pub id: i64,
    pub business_id: i64,
    pub warehouse_id: i64,
    pub warehouse_code: String,
    pub merchant_po_reference: String,
    pub status: PoStatus,
    pub status_time: i64,
    pub vas: Value,
    pub po_documents: Value,
    pub estimated_arrival_time: Option<i64>,
    pub note: Option<String>,
    pub received_time: Option<i64>,
    pub completed_time: Option<i64>,
    pub cancelled_time: Option<i64>,
    pub created_time: i64,
    pub updated_time: i64,
    pub packages: Vec<Package>,
}

impl PurchaseOrder {
    pub fn po_code(&self) -> String {
        CodeKind::PurchaseOrder.format(self.id)
    }

    /// The detail of SPEC §3.3, as the API answers it and webhooks carry it.
    pub fn view(&self, lang: Lang) -> Value {
        json!({
            "po_code": self.po_code(),
            "status_info": self.status.info(lang, Some(self.status_time)),
            "warehouse_code": self.warehouse_code,
            "merchant_po_reference": self.merchant_po_reference,
            "vas": self.vas,
            "packages": self.packages.iter().map(|p| json!({
                "package_code": p.package_code,
                "weight": p.weight, "length": p.length, "width": p.width, "height": p.height,
                "package_note": p.package_note,
                "items": p.lines.iter().map(|l| json!({
                    "oasin": CodeKind::Product.format(l.product_id),
                    "sku": l.sku,
                    "product_quantity": l.product_quantity,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "estimated_arrival_time": self.estimated_arrival_time,
            "po_documents": self.po_documents,
            "note": self.note,
            "created_time": self.created_time,
            "updated_time": self.updated_time,
            "received_time": self.received_time,
            "completed_time": self.completed_time,
            "cancelled_time": self.cancelled_time,
        })
    }

    /// Get PO Inspection Detail: one row per package × product (documented names).
    pub fn inspection_rows(&self) -> Vec<Value> {
        let mut rows = Vec::new();
        for p in &self.packages {
            for l in &p.lines {
                let (weight, length, width, height) = l.product_dims;
                let inbound = l.inbound_quantity.unwrap_or(0);
                let putaway = l.putaway_quantity.unwrap_or(0);
                rows.push(json!({
                    "package_code": p.package_code,
                    "oasin": CodeKind::Product.format(l.product_id),
                    "sku": l.sku,
                    "product_quantity": l.product_quantity,
                    "volume": format!("{}x{}x{}", trim_float(length), trim_float(width), trim_float(height)),
                    "weight": weight,
                    "inbound_quantity": inbound,
                    "putaway_quantity": putaway,
                    "is_putaway_completed": putaway == inbound,
                    "stock_level": l.stock_level,
                    "batch_lot_code": l.batch_lot_code,
                    "manufacturing_date": l.manufacturing_date,
                    "expiry_date": l.expiry_date,
                }));
            }
        }
        rows
    }
}

/// `12.0` → `12`, `12.5` → `12.5`.
fn trim_float(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

/// One line of a warehouse receipt, as the operator reports it.
#[derive(Debug, Clone, Default)]
pub struct ReceiptLine {
    pub package_code: String,
    pub oasin: String,
    pub inbound_quantity: i64,
    pub putaway_quantity: i64,
    pub stock_level: String,
    pub batch_lot_code: Option<String>,
    pub manufacturing_date: Option<String>,
    pub expiry_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PoChangeError {
    NotFound,
    WrongStatus(PoStatus),
    /// A receipt line that does not fit the PO: (field, message).
    BadLines(Vec<(String, String)>),
}

#[derive(Debug, Clone, Default)]
pub struct PoFilter {
    pub status: Option<i64>,
    pub warehouse_code: Option<String>,
    pub po_code: Option<String>,
    pub merchant_po_reference: Option<String>,
    pub times: TimeRange,
}

async fn load_pos(
    conn: impl Into<Target<'_>>,
    clause: &str,
    binds: &Filter,
) -> Result<Vec<PurchaseOrder>> {
    let mut conn: Target = conn.into();
    let sql = format!(
        "SELECT po.*, w.warehouse_code FROM purchase_orders po JOIN warehouses w ON w.id = po.warehouse_id WHERE {clause}"
    );
    let rows = binds
        .bind_all(crate::sql::query(&sql))
        .fetch_all(&mut conn)
        .await?;
    let mut pos = Vec::with_capacity(rows.len());
    for r in &rows {
        let status: i64 = r.try_get("status")?;
        let vas: String = r.try_get("vas")?;
        let docs: String = r.try_get("po_documents")?;
        pos.push(PurchaseOrder {
            id: r.try_get("id")?,
            business_id: r.try_get("business_id")?,
            warehouse_id: r.try_get("warehouse_id")?,
            warehouse_code: r.try_get("warehouse_code")?,
            merchant_po_reference: r.try_get("merchant_po_reference")?,
            status: PoStatus::from_value(status).unwrap_or(PoStatus::Transit),
            status_time: r.try_get("status_time")?,
            vas: serde_json::from_str(&vas).unwrap_or(Value::Array(Vec::new())),
            po_documents: serde_json::from_str(&docs).unwrap_or(Value::Array(Vec::new())),
            estimated_arrival_time: r.try_get("estimated_arrival_time")?,
            note: r.try_get("note")?,
            received_time: r.try_get("received_time")?,
            completed_time: r.try_get("completed_time")?,
            cancelled_time: r.try_get("cancelled_time")?,
            created_time: r.try_get("created_time")?,
            updated_time: r.try_get("updated_time")?,
            packages: Vec::new(),
        });
    }
    if pos.is_empty() {
        return Ok(pos);
    }
    let ids: Vec<i64> = pos.iter().map(|x| x.id).collect();
    let list = crate::sql::placeholders(1, ids.len());
    let mut packages: HashMap<i64, Vec<Package>> = HashMap::new();
    let mut package_po: HashMap<i64, i64> = HashMap::new();
    for r in crate::sql::query(&format!(
        "SELECT * FROM po_packages WHERE po_id IN ({list}) ORDER BY po_id, position"
    ))
    .bind_each(&ids)
    .fetch_all(&mut conn)
    .await?
    {
        let (id, po_id): (i64, i64) = (r.try_get("id")?, r.try_get("po_id")?);
        package_po.insert(id, po_id);
        packages.entry(po_id).or_default().push(Package {
            id,
            package_code: r.try_get("package_code")?,
            weight: r.try_get("weight")?,
            length: r.try_get("length")?,
            width: r.try_get("width")?,
            height: r.try_get("height")?,
            package_note: r.try_get("package_note")?,
            lines: Vec::new(),
        });
    }
    for r in crate::sql::query(&format!(
        "SELECT l.*, p.name, p.weight, p.length, p.width, p.height, p.inventory_tracking_type FROM po_lines l \
         JOIN products p ON p.id = l.product_id WHERE l.po_id IN ({list}) ORDER BY l.po_id, l.position"
    ))
    .bind_each(&ids)
    .fetch_all(&mut conn)
    .await?
    {
        let package_id: i64 = r.try_get("package_id")?;
        let po_id = package_po[&package_id];
        let line = PoLine {
            id: r.try_get("id")?,
            product_id: r.try_get("product_id")?,
            sku: r.try_get("sku")?,
            name: r.try_get("name")?,
            product_quantity: r.try_get("product_quantity")?,
            inbound_quantity: r.try_get("inbound_quantity")?,
            putaway_quantity: r.try_get("putaway_quantity")?,
            stock_level: r.try_get("stock_level")?,
            batch_lot_code: r.try_get("batch_lot_code")?,
            manufacturing_date: r.try_get("manufacturing_date")?,
            expiry_date: r.try_get("expiry_date")?,
            product_dims: (r.try_get("weight")?, r.try_get("length")?, r.try_get("width")?, r.try_get("height")?),
            inventory_tracking_type: r.try_get("inventory_tracking_type")?,
        };
        if let Some(p) = packages.get_mut(&po_id).and_then(|ps| ps.iter_mut().find(|p| p.id == package_id)) {
            p.lines.push(line);
        }
    }
    for po in &mut pos {
        po.packages = packages.remove(&po.id).unwrap_or_default();
    }
    Ok(pos)
}

async fn load_po(conn: impl Into<Target<'_>>, id: i64) -> Result<Option<PurchaseOrder>> {
    let mut f = Filter::new();
    f.int("po.id = ?", id);
    Ok(load_pos(conn, &f.conditions(), &f).await?.pop())
}

/// Sets a new status (guarded by the old one) with its milestone time, and records the event.
async fn change_status(
    tx: &mut Tx,
    po: &PurchaseOrder,
    to: PoStatus,
    now: i64,
) -> Result<PurchaseOrder> {
    let milestone = match to {
        PoStatus::Receiving => Some("received_time"),
        PoStatus::Completed => Some("completed_time"),
        PoStatus::Cancelled => Some("cancelled_time"),
        PoStatus::Transit => None,
    };
    let change = (po.status.value(), to.value());
    crate::set_status(tx, "purchase_orders", po.id, change, milestone, now).await?;
    let changed = load_po(&mut **tx, po.id).await?.expect("PO exists");
    record_po_event(tx, &changed, Some((po.status, po.status_time)), now).await?;
    Ok(changed)
}

async fn record_po_event(
    tx: &mut Tx,
    po: &PurchaseOrder,
    previous: Option<(PoStatus, i64)>,
    now: i64,
) -> Result<()> {
    record_event(
        tx,
        po.business_id,
        PURCHASE_ORDER_UPDATE_STATUS,
        now,
        |lang| status_event(po.view(lang), previous.map(|(s, t)| s.info(lang, Some(t)))),
    )
    .await?;
    Ok(())
}

impl Db {
    pub async fn create_purchase_order(
        &self,
        business_id: i64,
        new: &NewPurchaseOrder,
        now: i64,
    ) -> Result<Result<PurchaseOrder, CreatePoError>> {
        let mut tx = self.begin().await?;
        let warehouse_id: Option<i64> =
            crate::sql::query_scalar("SELECT id FROM warehouses WHERE warehouse_code = $1")
                .bind(&new.warehouse_code)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(warehouse_id) = warehouse_id else {
            return Ok(Err(CreatePoError::WarehouseNotFound));
        };
        let oasins: Vec<String> = new
            .packages
            .iter()
            .flat_map(|p| p.items.iter().map(|(o, _)| o.clone()))
            .collect();
        let products =
            match resolve_line_products(&mut tx, business_id, warehouse_id, &oasins).await? {
                Ok(p) => p,
                Err(e) => return Ok(Err(CreatePoError::Products(e))),
            };
        let inserted = crate::sql::query(
            "INSERT INTO purchase_orders (business_id, warehouse_id, merchant_po_reference, status, status_time, \
             vas, po_documents, estimated_arrival_time, note, created_time, updated_time) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $5, $5) RETURNING id",
        )
        .bind(business_id)
        .bind(warehouse_id)
        .bind(&new.merchant_po_reference)
        .bind(PoStatus::Transit.value())
        .bind(now)
        .bind(serde_json::to_string(&new.vas).unwrap_or_else(|_| "[]".into()))
        .bind(new.po_documents.to_string())
        .bind(new.estimated_arrival_time)
        .bind(&new.note)
        .fetch_one(&mut *tx)
        .await;
        let id: i64 = match inserted {
            Ok(r) => r.try_get(0)?,
            Err(e)
                if is_unique_violation(
                    &e,
                    "purchase_orders_business_reference_key",
                    "purchase_orders.business_id, purchase_orders.merchant_po_reference",
                ) =>
            {
                return Ok(Err(CreatePoError::DuplicateReference))
            }
            Err(e) => return Err(e),
        };
        let mut line_position = 0i64;
        for (position, p) in new.packages.iter().enumerate() {
            let package_id: i64 = crate::sql::query_scalar(
                "INSERT INTO po_packages (po_id, package_code, weight, length, width, height, package_note, position) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(id)
            .bind(&p.package_code)
            .bind(p.weight)
            .bind(p.length)
            .bind(p.width)
            .bind(p.height)
            .bind(&p.package_note)
            .bind(position as i64)
            .fetch_one(&mut *tx)
            .await?;
            for (oasin, quantity) in &p.items {
                let product = &products[oasin];
                crate::sql::query(
                    "INSERT INTO po_lines (po_id, package_id, product_id, sku, product_quantity, position) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(id)
                .bind(package_id)
                .bind(product.product_id)
                .bind(&product.sku)
                .bind(quantity)
                .bind(line_position)
                .execute(&mut *tx)
                .await?;
                line_position += 1;
            }
        }
        let po = load_po(&mut tx, id).await?.expect("just inserted");
        record_po_event(&mut tx, &po, None, now).await?;
        tx.commit().await?;
        Ok(Ok(po))
    }

    pub async fn purchase_order(
        &self,
        business_id: i64,
        po_code: &str,
    ) -> Result<Option<PurchaseOrder>> {
        let Some(id) = CodeKind::PurchaseOrder.parse(po_code) else {
            return Ok(None);
        };
        let mut f = Filter::new();
        f.int("po.id = ?", id)
            .int("po.business_id = ?", business_id);
        Ok(load_pos(self.reader(), &f.conditions(), &f).await?.pop())
    }

    /// A PO of any business (operators see the whole warehouse network).
    pub async fn purchase_order_any(&self, po_code: &str) -> Result<Option<PurchaseOrder>> {
        let Some(id) = CodeKind::PurchaseOrder.parse(po_code) else {
            return Ok(None);
        };
        load_po(self.reader(), id).await
    }

    pub async fn list_purchase_orders(
        &self,
        business_id: i64,
        f: &PoFilter,
        page: &PageRequest,
    ) -> Result<PageOf<PurchaseOrder>> {
        let mut filter = po_filter(business_id, f);
        let total = self.count("purchase_orders po", &filter).await?;
        let tail = page.apply(&mut filter, "po");
        let clause = format!("{}{tail}", filter.conditions());
        let rows = load_pos(self.reader(), &clause, &filter).await?;
        Ok(page.finish(rows, total, |p| Cursor {
            created_time: p.created_time,
            id: p.id,
        }))
    }

    /// TRANSIT → CANCELLED. Cancelling a cancelled PO answers as the first cancel did.
    pub async fn cancel_purchase_order(
        &self,
        business_id: i64,
        po_code: &str,
        now: i64,
    ) -> Result<Result<PurchaseOrder, PoChangeError>> {
        let Some(id) = CodeKind::PurchaseOrder.parse(po_code) else {
            return Ok(Err(PoChangeError::NotFound));
        };
        let mut tx = self.begin().await?;
        let Some(po) = lock_po(&mut tx, self, id, Some(business_id)).await? else {
            return Ok(Err(PoChangeError::NotFound));
        };
        let result = match po.status {
            PoStatus::Cancelled => Ok(po),
            PoStatus::Transit => Ok(change_status(&mut tx, &po, PoStatus::Cancelled, now).await?),
            other => Err(PoChangeError::WrongStatus(other)),
        };
        tx.commit().await?;
        Ok(result)
    }

    /// The warehouse receives a TRANSIT PO: inbound and putaway quantities per package line;
    /// putaway enters stock (`PUTAWAY`, reference = PO code) and wakes waiting shipments. The PO
    /// passes RECEIVING and ends COMPLETED. Lines not reported were not received.
    pub async fn receive_purchase_order(
        &self,
        po_code: &str,
        receipt: &[ReceiptLine],
        now: i64,
    ) -> Result<Result<PurchaseOrder, PoChangeError>> {
        let Some(id) = CodeKind::PurchaseOrder.parse(po_code) else {
            return Ok(Err(PoChangeError::NotFound));
        };
        let mut tx = self.begin().await?;
        let Some(po) = lock_po(&mut tx, self, id, None).await? else {
            return Ok(Err(PoChangeError::NotFound));
        };
        if po.status != PoStatus::Transit {
            return Ok(Err(PoChangeError::WrongStatus(po.status)));
        }
        // Match every receipt line to a PO line, and check it against what was declared.
        let mut errors = Vec::new();
        let mut matched: Vec<(&PoLine, &ReceiptLine)> = Vec::new();
        let mut seen = HashSet::new();
        for (i, r) in receipt.iter().enumerate() {
            let line = po
                .packages
                .iter()
                .filter(|p| p.package_code == r.package_code)
                .flat_map(|p| p.lines.iter())
                .find(|l| CodeKind::Product.format(l.product_id) == r.oasin);
            let Some(line) = line else {
                errors.push((
                    format!("items[{i}]"),
                    "names no line of this purchase order".to_string(),
                ));
                continue;
            };
            if !seen.insert(line.id) {
                errors.push((
                    format!("items[{i}]"),
                    "reports the same package line twice".into(),
                ));
            }
            if r.inbound_quantity < 0 || r.inbound_quantity > line.product_quantity {
                errors.push((
                    format!("items[{i}].inbound_quantity"),
                    format!("must be 0 to the {} declared", line.product_quantity),
                ));
            }
            if r.putaway_quantity < 0 || r.putaway_quantity > r.inbound_quantity {
                errors.push((
                    format!("items[{i}].putaway_quantity"),
                    "must be 0 to the inbound quantity".into(),
                ));
            }
            if !is_stock_level(&r.stock_level) {
                errors.push((
                    format!("items[{i}].stock_level"),
                    "must be one of A, D1, D2, D3, L".into(),
                ));
            }
            let tracking = line.inventory_tracking_type.as_str();
            if matches!(tracking, "BATCH" | "BOTH")
                && r.batch_lot_code.as_deref().is_none_or(str::is_empty)
                && r.inbound_quantity > 0
            {
                errors.push((
                    format!("items[{i}].batch_lot_code"),
                    "is required for a batch-tracked product".into(),
                ));
            }
            if matches!(tracking, "EXPIRY" | "BOTH")
                && r.expiry_date.as_deref().is_none_or(str::is_empty)
                && r.inbound_quantity > 0
            {
                errors.push((
                    format!("items[{i}].expiry_date"),
                    "is required for an expiry-tracked product".into(),
                ));
            }
            matched.push((line, r));
        }
        if !errors.is_empty() {
            return Ok(Err(PoChangeError::BadLines(errors)));
        }
        let receiving = change_status(&mut tx, &po, PoStatus::Receiving, now).await?;
        let reference = po.po_code();
        // Lock order (see shipments.rs): the waiting shipments first, then balances by product.
        let sellable: Vec<i64> = matched
            .iter()
            .filter(|(_, r)| r.putaway_quantity > 0 && r.stock_level == SELLABLE)
            .map(|(l, _)| l.product_id)
            .collect();
        let waiting = lock_waiting(
            &mut tx,
            self.backend(),
            po.business_id,
            po.warehouse_id,
            &sellable,
            &matched
                .iter()
                .map(|(l, _)| l.product_id)
                .collect::<Vec<_>>(),
        )
        .await?;
        matched.sort_by_key(|(l, _)| l.product_id);
        for (line, r) in &matched {
            crate::sql::query(
                "UPDATE po_lines SET inbound_quantity = $2, putaway_quantity = $3, stock_level = $4, \
                 batch_lot_code = $5, manufacturing_date = $6, expiry_date = $7 WHERE id = $1",
            )
            .bind(line.id)
            .bind(r.inbound_quantity)
            .bind(r.putaway_quantity)
            .bind(&r.stock_level)
            .bind(&r.batch_lot_code)
            .bind(&r.manufacturing_date)
            .bind(&r.expiry_date)
            .execute(&mut *tx)
            .await?;
            if r.putaway_quantity > 0 {
                let key = StockKey {
                    business_id: po.business_id,
                    warehouse_id: po.warehouse_id,
                    warehouse_code: po.warehouse_code.clone(),
                    product_id: line.product_id,
                    sku: line.sku.clone(),
                    stock_level: r.stock_level.clone(),
                };
                let m = StockMove {
                    movement: Movement::Putaway,
                    on_hand_delta: r.putaway_quantity,
                    reserved_delta: 0,
                    reference_code: &reference,
                    reason: None,
                    is_abnormal: false,
                };
                if move_stock(&mut tx, &key, &m, now).await?.is_none() {
                    // Only a balance at its ceiling refuses goods coming in.
                    let i = receipt
                        .iter()
                        .position(|x| std::ptr::eq(x, *r))
                        .unwrap_or(0);
                    return Ok(Err(PoChangeError::BadLines(vec![(
                        format!("items[{i}].putaway_quantity"),
                        format!("would take the stock balance past {MAX_BALANCE}"),
                    )])));
                }
            }
        }
        allocate_waiting(&mut tx, self.backend(), &waiting, now).await?;
        let completed = change_status(&mut tx, &receiving, PoStatus::Completed, now).await?;
        tx.commit().await?;
        Ok(Ok(completed))
    }
}

async fn lock_po(
    tx: &mut Tx,
    db: &Db,
    id: i64,
    business_id: Option<i64>,
) -> Result<Option<PurchaseOrder>> {
    let mut f = Filter::new();
    f.int("id = ?", id).opt_int("business_id = ?", business_id);
    let sql = format!(
        "SELECT id FROM purchase_orders WHERE {}{}",
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
    load_po(&mut **tx, id).await
}

/// The WHERE clauses on `po` of the PO list's filters, scoped to a business; the purchase
/// orders report takes the same.
pub(crate) fn po_filter(business_id: i64, f: &PoFilter) -> Filter {
    let mut filter = Filter::new();
    filter.int("po.business_id = ?", business_id);
    filter.opt_int("po.status = ?", f.status);
    if let Some(code) = f.warehouse_code.as_deref().filter(|c| !c.is_empty()) {
        filter.text(
            "po.warehouse_id = (SELECT id FROM warehouses WHERE warehouse_code = ?)",
            code,
        );
    }
    if let Some(code) = f.po_code.as_deref().filter(|c| !c.is_empty()) {
        filter.int(
            "po.id = ?",
            CodeKind::PurchaseOrder.parse(code).unwrap_or(-1),
        );
    }
    filter.opt_text(
        "po.merchant_po_reference = ?",
        f.merchant_po_reference.as_deref(),
    );
    filter.time_range("po", &f.times);
    filter
}
