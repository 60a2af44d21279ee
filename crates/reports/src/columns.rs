//! The five report types of SPEC §8 and their columns. Each row of a report gives its cells
//! in the order listed here; the keys are the API's field names where there is one.

use crate::{Column, Format, Kind, Options, ReportError, ReportWriter, Zone};
use depot_domain::Lang;
use std::io::Write;

use Kind::{Bool, Date, Decimal, Integer, Money, Text, Time};

const fn col(key: &'static str, vi: &'static str, en: &'static str, kind: Kind) -> Column {
    Column::new(key, vi, en, kind)
}

/// A report type, as requests name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportType {
    Shipments,
    StockSnapshot,
    StockLedger,
    Returns,
    PurchaseOrders,
}

impl ReportType {
    pub const ALL: [ReportType; 5] = [
        ReportType::Shipments,
        ReportType::StockSnapshot,
        ReportType::StockLedger,
        ReportType::Returns,
        ReportType::PurchaseOrders,
    ];

    /// `shipments`, `stock_snapshot`, `stock_ledger`, `returns`, `purchase_orders`.
    pub fn parse(name: &str) -> Option<ReportType> {
        ReportType::ALL.into_iter().find(|t| t.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ReportType::Shipments => "shipments",
            ReportType::StockSnapshot => "stock_snapshot",
            ReportType::StockLedger => "stock_ledger",
            ReportType::Returns => "returns",
            ReportType::PurchaseOrders => "purchase_orders",
        }
    }

    /// The report's title (vi, en), also its XLSX sheet's name.
    pub fn title(self) -> (&'static str, &'static str) {
        match self {
            ReportType::Shipments => ("Vận đơn", "Shipments"),
            ReportType::StockSnapshot => ("Tồn kho", "Stock"),
            ReportType::StockLedger => ("Biến động tồn kho", "Stock ledger"),
            ReportType::Returns => ("Đơn hoàn", "Returns"),
            ReportType::PurchaseOrders => ("Đơn nhập", "Purchase orders"),
        }
    }

    pub fn columns(self) -> &'static [Column] {
        match self {
            ReportType::Shipments => SHIPMENTS,
            ReportType::StockSnapshot => STOCK_SNAPSHOT,
            ReportType::StockLedger => STOCK_LEDGER,
            ReportType::Returns => RETURNS,
            ReportType::PurchaseOrders => PURCHASE_ORDERS,
        }
    }

    /// A writer for this report: its columns, its title as the sheet name.
    pub fn writer<W: Write + Send>(
        self,
        format: Format,
        lang: Lang,
        zone: &Zone,
        writer: W,
    ) -> Result<ReportWriter<W>, ReportError> {
        let (vi, en) = self.title();
        let options = Options {
            sheet_name: Some(lang.pick(vi, en).to_string()),
            ..Options::default()
        };
        ReportWriter::with_options(format, self.columns(), lang, zone, &options, writer)
    }
}

/// `shipments`: one row per shipment line; the shipment's own fields repeat on each of its
/// lines (`line_no` 1 marks its first line, e.g. to add up COD once per shipment).
/// `receiver_*` names are the administrative units' names, beside their codes;
/// `status_label` is in the report's language.
pub const SHIPMENTS: &[Column] = &[
    col("tracking_code", "Mã vận đơn", "Tracking code", Text),
    col("package_id", "Mã kiện (package_id)", "Package ID", Integer),
    col(
        "merchant_tracking_code_reference",
        "Mã tham chiếu",
        "Merchant reference",
        Text,
    ),
    col("status_value", "Mã trạng thái", "Status code", Integer),
    col("status_label", "Trạng thái", "Status", Text),
    col(
        "status_updated_time",
        "Thời gian cập nhật trạng thái",
        "Status updated",
        Time,
    ),
    col("warehouse_code", "Mã kho", "Warehouse", Text),
    col("platform", "Kênh bán", "Platform", Text),
    col("courier_name", "Đơn vị vận chuyển", "Courier", Text),
    col(
        "courier_tracking_code",
        "Mã vận chuyển",
        "Courier tracking code",
        Text,
    ),
    col("line_no", "Dòng số", "Line no.", Integer),
    col("line_id", "Mã dòng (line_id)", "Line ID", Integer),
    col("oasin", "OASIN", "OASIN", Text),
    col("sku", "SKU", "SKU", Text),
    col("product_name", "Tên sản phẩm", "Product name", Text),
    col("product_quantity", "Số lượng", "Quantity", Integer),
    col(
        "cancelled_quantity",
        "Số lượng đã hủy",
        "Cancelled quantity",
        Integer,
    ),
    col("cod_amount", "Tiền thu hộ (COD)", "COD amount", Money),
    col("receiver_name", "Người nhận", "Receiver", Text),
    col("receiver_phone", "Số điện thoại", "Receiver phone", Text),
    col("receiver_address", "Địa chỉ", "Receiver address", Text),
    col("receiver_ward_code", "Mã phường/xã", "Ward code", Text),
    col("receiver_ward", "Phường/xã", "Ward", Text),
    col(
        "receiver_district_code",
        "Mã quận/huyện",
        "District code",
        Text,
    ),
    col("receiver_district", "Quận/huyện", "District", Text),
    col(
        "receiver_province_code",
        "Mã tỉnh/thành",
        "Province code",
        Text,
    ),
    col("receiver_province", "Tỉnh/thành phố", "Province", Text),
    col("created_time", "Thời gian tạo", "Created", Time),
    col("updated_time", "Thời gian cập nhật", "Updated", Time),
    col("allocated_time", "Thời gian phân bổ", "Allocated", Time),
    col("picked_time", "Thời gian lấy hàng", "Picked", Time),
    col("packed_time", "Thời gian đóng gói", "Packed", Time),
    col("handover_time", "Thời gian bàn giao", "Handed over", Time),
    col(
        "delivered_time",
        "Thời gian giao thành công",
        "Delivered",
        Time,
    ),
    col("cancelled_time", "Thời gian hủy", "Cancelled", Time),
    col("cancel_reason_code", "Lý do hủy", "Cancel reason", Text),
    col("cancel_reason_note", "Ghi chú hủy", "Cancel note", Text),
    col("supersedes", "Thay thế vận đơn", "Supersedes", Text),
    col(
        "superseded_by",
        "Được thay bởi vận đơn",
        "Superseded by",
        Text,
    ),
    col(
        "intercept_status",
        "Yêu cầu chặn hàng",
        "Intercept status",
        Text,
    ),
    col(
        "intercept_requested_time",
        "Thời gian yêu cầu chặn",
        "Intercept requested",
        Time,
    ),
    col(
        "intercept_resolved_time",
        "Thời gian xử lý yêu cầu chặn",
        "Intercept resolved",
        Time,
    ),
    col("note", "Ghi chú", "Note", Text),
    col(
        "shipping_label_url",
        "Nhãn vận chuyển (URL)",
        "Shipping label URL",
        Text,
    ),
];

/// `stock_snapshot`: one row per warehouse, product and stock level.
pub const STOCK_SNAPSHOT: &[Column] = &[
    col("warehouse_code", "Mã kho", "Warehouse", Text),
    col("oasin", "OASIN", "OASIN", Text),
    col("sku", "SKU", "SKU", Text),
    col("product_name", "Tên sản phẩm", "Product name", Text),
    col("stock_level", "Cấp tồn kho", "Stock level", Text),
    col("on_hand", "Tồn thực tế", "On hand", Integer),
    col("reserved", "Đang giữ chỗ", "Reserved", Integer),
    col("available", "Có thể bán", "Available", Integer),
    col(
        "min_stock_warning",
        "Ngưỡng cảnh báo tồn",
        "Min stock warning",
        Integer,
    ),
];

/// `stock_ledger`: one row per movement, oldest first. `on_hand_change` is the webhook's
/// `movement_quantity` for every movement but reservations, which move only `reserved`;
/// `remaining_on_hand` is the balance's `on_hand` after the movement (`remaining_stock`).
pub const STOCK_LEDGER: &[Column] = &[
    col("transaction_id", "Mã giao dịch", "Transaction ID", Integer),
    col("time", "Thời gian", "Time", Time),
    col("warehouse_code", "Mã kho", "Warehouse", Text),
    col("oasin", "OASIN", "OASIN", Text),
    col("sku", "SKU", "SKU", Text),
    col("product_name", "Tên sản phẩm", "Product name", Text),
    col("stock_level", "Cấp tồn kho", "Stock level", Text),
    col("movement_type", "Loại biến động", "Movement type", Text),
    col(
        "on_hand_change",
        "Thay đổi tồn thực tế",
        "On-hand change",
        Integer,
    ),
    col(
        "reserved_change",
        "Thay đổi giữ chỗ",
        "Reserved change",
        Integer,
    ),
    col(
        "remaining_on_hand",
        "Tồn thực tế sau biến động",
        "On hand after",
        Integer,
    ),
    col("reference_code", "Mã chứng từ", "Reference code", Text),
    col("reason", "Lý do", "Reason", Text),
    col("is_abnormal", "Bất thường", "Abnormal", Bool),
];

/// `returns`: one row per return line. `stock_level` is the grade the line came back in, or
/// `MIXED`, with `received_by_level` listing the grades (`A: 3; D1: 1`).
pub const RETURNS: &[Column] = &[
    col(
        "return_tracking_code",
        "Mã đơn hoàn",
        "Return tracking code",
        Text,
    ),
    col(
        "merchant_return_tracking_code_reference",
        "Mã tham chiếu đơn hoàn",
        "Merchant return reference",
        Text,
    ),
    col(
        "shipment_tracking_code",
        "Mã vận đơn gốc",
        "Shipment tracking code",
        Text,
    ),
    col("status_value", "Mã trạng thái", "Status code", Integer),
    col("status_label", "Trạng thái", "Status", Text),
    col(
        "status_updated_time",
        "Thời gian cập nhật trạng thái",
        "Status updated",
        Time,
    ),
    col("warehouse_code", "Mã kho", "Warehouse", Text),
    col(
        "partner_tracking_code",
        "Mã đối tác",
        "Partner tracking code",
        Text,
    ),
    col(
        "return_courier_tracking_code",
        "Mã vận chuyển hoàn",
        "Return courier tracking code",
        Text,
    ),
    col("oasin", "OASIN", "OASIN", Text),
    col("sku", "SKU", "SKU", Text),
    col("product_name", "Tên sản phẩm", "Product name", Text),
    col("product_quantity", "Số lượng hoàn", "Quantity", Integer),
    col(
        "received_quantity",
        "Số lượng đã nhận",
        "Received quantity",
        Integer,
    ),
    col("stock_level", "Cấp tồn kho", "Stock level", Text),
    col(
        "received_by_level",
        "Nhận theo cấp",
        "Received by level",
        Text,
    ),
    col("created_time", "Thời gian tạo", "Created", Time),
    col("updated_time", "Thời gian cập nhật", "Updated", Time),
    col("received_time", "Thời gian nhận hàng", "Received", Time),
    col("cancelled_time", "Thời gian hủy", "Cancelled", Time),
    col("note", "Ghi chú", "Note", Text),
];

/// `purchase_orders`: one row per package line. Inbound and putaway quantities, level,
/// batch and dates are empty until the PO is received; `vas` lists the services
/// comma-separated.
pub const PURCHASE_ORDERS: &[Column] = &[
    col("po_code", "Mã đơn nhập", "PO code", Text),
    col(
        "merchant_po_reference",
        "Mã tham chiếu",
        "Merchant PO reference",
        Text,
    ),
    col("status_value", "Mã trạng thái", "Status code", Integer),
    col("status_label", "Trạng thái", "Status", Text),
    col(
        "status_updated_time",
        "Thời gian cập nhật trạng thái",
        "Status updated",
        Time,
    ),
    col("warehouse_code", "Mã kho", "Warehouse", Text),
    col("vas", "Dịch vụ gia tăng", "VAS", Text),
    col(
        "estimated_arrival_time",
        "Dự kiến đến kho",
        "Estimated arrival",
        Time,
    ),
    col("package_code", "Mã kiện", "Package code", Text),
    col(
        "package_weight",
        "Khối lượng kiện",
        "Package weight",
        Decimal,
    ),
    col("package_length", "Dài", "Length", Decimal),
    col("package_width", "Rộng", "Width", Decimal),
    col("package_height", "Cao", "Height", Decimal),
    col("package_note", "Ghi chú kiện", "Package note", Text),
    col("oasin", "OASIN", "OASIN", Text),
    col("sku", "SKU", "SKU", Text),
    col("product_name", "Tên sản phẩm", "Product name", Text),
    col(
        "product_quantity",
        "Số lượng đặt",
        "Ordered quantity",
        Integer,
    ),
    col(
        "inbound_quantity",
        "Số lượng nhận",
        "Inbound quantity",
        Integer,
    ),
    col(
        "putaway_quantity",
        "Số lượng lên kệ",
        "Putaway quantity",
        Integer,
    ),
    col(
        "is_putaway_completed",
        "Đã lên kệ đủ",
        "Putaway completed",
        Bool,
    ),
    col("stock_level", "Cấp tồn kho", "Stock level", Text),
    col("batch_lot_code", "Số lô", "Batch/lot code", Text),
    col(
        "manufacturing_date",
        "Ngày sản xuất",
        "Manufacturing date",
        Date,
    ),
    col("expiry_date", "Hạn sử dụng", "Expiry date", Date),
    col("created_time", "Thời gian tạo", "Created", Time),
    col("updated_time", "Thời gian cập nhật", "Updated", Time),
    col("received_time", "Thời gian nhận hàng", "Received", Time),
    col("completed_time", "Thời gian hoàn thành", "Completed", Time),
    col("cancelled_time", "Thời gian hủy", "Cancelled", Time),
    col("note", "Ghi chú", "Note", Text),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_round_trip() {
        for t in ReportType::ALL {
            assert_eq!(ReportType::parse(t.as_str()), Some(t));
        }
        assert_eq!(ReportType::parse("inventory"), None);
    }

    #[test]
    fn keys_and_headers_are_unique_within_a_report() {
        for t in ReportType::ALL {
            let cols = t.columns();
            let keys: HashSet<_> = cols.iter().map(|c| c.key).collect();
            assert_eq!(keys.len(), cols.len(), "{t:?} keys");
            for lang in [Lang::Vi, Lang::En] {
                let headers: HashSet<_> = cols.iter().map(|c| c.header(lang)).collect();
                assert_eq!(headers.len(), cols.len(), "{t:?} {lang:?} headers");
            }
            let (vi, en) = t.title();
            assert!(vi.chars().count() <= 31 && en.len() <= 31);
        }
    }

    #[test]
    fn the_spec_fields_are_there() {
        let keys = |t: ReportType| -> Vec<&str> { t.columns().iter().map(|c| c.key).collect() };
        let shipments = keys(ReportType::Shipments);
        // Every field of the shipment detail (SPEC §3.4) that fits a row.
        for k in [
            "tracking_code",
            "package_id",
            "merchant_tracking_code_reference",
            "status_value",
            "status_label",
            "created_time",
            "updated_time",
            "warehouse_code",
            "courier_tracking_code",
            "courier_name",
            "platform",
            "allocated_time",
            "picked_time",
            "packed_time",
            "handover_time",
            "delivered_time",
            "cancelled_time",
            "cancel_reason_code",
            "cancel_reason_note",
            "line_id",
            "oasin",
            "sku",
            "product_quantity",
            "cancelled_quantity",
            "receiver_name",
            "receiver_phone",
            "receiver_address",
            "receiver_province_code",
            "receiver_district_code",
            "receiver_ward_code",
            "cod_amount",
            "note",
            "supersedes",
            "superseded_by",
            "shipping_label_url",
        ] {
            assert!(shipments.contains(&k), "shipments lacks {k}");
        }
        let snapshot = keys(ReportType::StockSnapshot);
        for k in [
            "warehouse_code",
            "oasin",
            "sku",
            "product_name",
            "stock_level",
            "on_hand",
            "reserved",
            "available",
            "min_stock_warning",
        ] {
            assert!(snapshot.contains(&k), "stock_snapshot lacks {k}");
        }
        let ledger = keys(ReportType::StockLedger);
        for k in [
            "time",
            "warehouse_code",
            "oasin",
            "sku",
            "stock_level",
            "movement_type",
            "on_hand_change",
            "reference_code",
            "remaining_on_hand",
            "is_abnormal",
        ] {
            assert!(ledger.contains(&k), "stock_ledger lacks {k}");
        }
        let returns = keys(ReportType::Returns);
        for k in [
            "return_tracking_code",
            "shipment_tracking_code",
            "merchant_return_tracking_code_reference",
            "partner_tracking_code",
            "return_courier_tracking_code",
            "status_value",
            "status_label",
            "warehouse_code",
            "oasin",
            "sku",
            "product_quantity",
            "received_quantity",
            "stock_level",
            "created_time",
            "updated_time",
            "received_time",
            "cancelled_time",
            "note",
        ] {
            assert!(returns.contains(&k), "returns lacks {k}");
        }
        let pos = keys(ReportType::PurchaseOrders);
        for k in [
            "po_code",
            "package_code",
            "oasin",
            "sku",
            "product_quantity",
            "inbound_quantity",
            "putaway_quantity",
            "is_putaway_completed",
            "stock_level",
            "batch_lot_code",
            "manufacturing_date",
            "expiry_date",
            "estimated_arrival_time",
            "received_time",
            "completed_time",
        ] {
            assert!(pos.contains(&k), "purchase_orders lacks {k}");
        }
    }
}
