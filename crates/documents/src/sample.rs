//! Realistic documents for tests and the examples.

use crate::{
    LabelReceiver, Manifest, ManifestParcel, PickItem, PickList, PickShipment, PoBill, PoBillItem,
    PoBillPackage, ShippingLabel, Warehouse,
};
use depot_domain::Lang;

const PRODUCTS: [(&str, &str); 8] = [
    (
        "AO-THUN-TRANG-M",
        "Áo thun cotton cổ tròn màu trắng, size M",
    ),
    (
        "QUAN-JEAN-XANH-30",
        "Quần jean nam ống đứng xanh đậm, size 30",
    ),
    (
        "NON-BAO-HIEM-3-4",
        "Nón bảo hiểm ¾ đầu có kính chắn gió, màu đen nhám",
    ),
    (
        "BINH-GIU-NHIET-500",
        "Bình giữ nhiệt inox 304 dung tích 500 ml — khắc tên theo yêu cầu",
    ),
    (
        "DEP-TO-ONG-40",
        "Dép tổ ong Bitis Hunter chính hãng, size 40",
    ),
    (
        "CA-PHE-RANG-XAY-1KG",
        "Cà phê Robusta rang xay Buôn Ma Thuột, túi 1 kg",
    ),
    (
        "NUOC-MAM-PHU-QUOC",
        "Nước mắm Phú Quốc 40 độ đạm, chai thủy tinh 500 ml (hàng dễ vỡ)",
    ),
    (
        "KEO-DUA-BEN-TRE",
        "Kẹo dừa Bến Tre truyền thống vị sầu riêng, hộp 400 g",
    ),
];

/// A bill with `packages` packages of `lines_per_package` lines each.
pub fn bill(packages: usize, lines_per_package: usize) -> PoBill {
    let mut n = 0;
    PoBill {
        po_code: "OAPO000000123".into(),
        merchant_po_reference: Some("NCC-2027/01-0042".into()),
        business_name: "Công ty TNHH Thương mại Điện tử Ánh Dương".into(),
        warehouse: warehouse(),
        estimated_arrival_time: Some(1_800_086_400),
        created_time: 1_800_000_000,
        status_label: "Đang vận chuyển".into(),
        note: Some(
            "Giao hàng giờ hành chính; gọi trước 30 phút cho chị Hương (0912 345 678). \
             Hàng dễ vỡ: xếp nhẹ tay, không chồng quá 3 thùng."
                .into(),
        ),
        packages: (0..packages)
            .map(|p| PoBillPackage {
                package_code: format!("THUNG-{:03}", p + 1),
                weight: Some(12.5 + p as f64),
                dimensions: Some((60.0, 40.0, 35.5)),
                package_note: p
                    .is_multiple_of(2)
                    .then(|| "Thùng carton 5 lớp, dán băng keo đỏ “hàng dễ vỡ”.".into()),
                items: (0..lines_per_package)
                    .map(|_| {
                        let (sku, name) = PRODUCTS[n % PRODUCTS.len()];
                        n += 1;
                        PoBillItem {
                            oasin: format!("OASIN{:07}", n),
                            sku: sku.into(),
                            name: name.into(),
                            product_quantity: (n as i64 * 7) % 120 + 1,
                        }
                    })
                    .collect(),
            })
            .collect(),
        lang: Lang::Vi,
        ..PoBill::default()
    }
}

fn warehouse() -> Warehouse {
    Warehouse {
        code: "WH-HN01".into(),
        name: "Kho Hà Nội 01 — Long Biên".into(),
        address: "Số 18 Ngõ 2 Phố Nguyễn Văn Cừ, Phường Bồ Đề, Quận Long Biên, Hà Nội".into(),
    }
}

/// An EAN-13 with its check digit, from 12 digits.
fn ean13(first12: &str) -> String {
    let sum: u32 = first12
        .bytes()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    format!("{first12}{}", (10 - sum % 10) % 10)
}

fn product(i: usize) -> PickItem {
    let (sku, name) = PRODUCTS[i % PRODUCTS.len()];
    PickItem {
        oasin: format!("OASIN{:07}", i + 1),
        sku: sku.into(),
        name: name.into(),
        barcodes: vec![ean13(&format!("893000000{:03}", i + 1))],
        quantity: 0,
    }
}

/// A wave of `shipments` shipments: shipment i takes product i mod 3 (with a small wave) or
/// i mod 8 (with a bigger one) and, when it differs, product 3.
pub fn pick_list(shipments: usize) -> PickList {
    let spread = if shipments <= 10 { 3 } else { PRODUCTS.len() };
    PickList {
        wave_id: "WAVE-20270115-0007".into(),
        warehouse: warehouse(),
        created_time: 1_800_000_000,
        created_by: Some("kho.hn01@anhduong.vn".into()),
        shipments: (0..shipments)
            .map(|i| {
                let mut items = vec![PickItem {
                    quantity: (i as i64 % 4) + 1,
                    ..product(i % spread)
                }];
                if i % spread != 3 {
                    items.push(PickItem {
                        quantity: 1,
                        ..product(3)
                    });
                }
                PickShipment {
                    tracking_code: format!("OASC{:08}", 1000 + i),
                    items,
                }
            })
            .collect(),
        ..PickList::default()
    }
}

/// A packed retail parcel with COD.
pub fn label() -> ShippingLabel {
    ShippingLabel {
        tracking_code: "OASC00012345".into(),
        merchant_reference: "SHOPEE-250115-8QK2NX".into(),
        courier_name: Some("Giao Hàng Nhanh".into()),
        courier_tracking_code: Some("GHN5XK29TVN".into()),
        platform: "shopee".into(),
        receiver: Some(LabelReceiver {
            name: "Nguyễn Thị Thu Hường".into(),
            phone: "0912 345 678".into(),
            address: "Số 12 ngõ 34 phố Nguyễn Văn Cừ (gần cổng trường THCS Ngọc Lâm)".into(),
            ward: Some("Phường Bồ Đề".into()),
            district: Some("Quận Long Biên".into()),
            province: Some("Thành phố Hà Nội".into()),
        }),
        sender_name: Some("Công ty TNHH Thương mại Điện tử Ánh Dương".into()),
        warehouse: warehouse(),
        cod_amount_minor: Some(125_000_000),
        item_count: 3,
        weight: Some(1.25),
        packed_time: Some(1_800_000_000),
        note: Some("Gọi trước khi giao; cho xem hàng, không cho thử. Hàng dễ vỡ.".into()),
        ..ShippingLabel::default()
    }
}

/// A closed manifest of `parcels` parcels for one courier.
pub fn manifest(parcels: usize) -> Manifest {
    Manifest {
        manifest_id: "MF-20270115-0003".into(),
        warehouse: warehouse(),
        courier_name: "Giao Hàng Nhanh".into(),
        created_time: 1_800_000_000,
        closed_time: Some(1_800_009_000),
        created_by: Some("kho.hn01@anhduong.vn".into()),
        parcels: (0..parcels)
            .map(|i| ManifestParcel {
                tracking_code: format!("OASC{:08}", 2000 + i),
                merchant_reference: format!("SHOPEE-250115-{:04}", i + 1),
                courier_tracking_code: (i % 7 != 6).then(|| format!("GHN{:07}VN", i + 1)),
                item_count: (i as i64 % 3) + 1,
                weight: Some(0.35 + (i % 5) as f64 * 0.4),
            })
            .collect(),
        ..Manifest::default()
    }
}
