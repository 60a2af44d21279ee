//! A realistic bill for tests and the `po_bill_sample` example.

use crate::{PoBill, PoBillItem, PoBillPackage, PoBillWarehouse};
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
        warehouse: PoBillWarehouse {
            code: "WH-HN01".into(),
            name: "Kho Hà Nội 01 — Long Biên".into(),
            address: "Số 18 Ngõ 2 Phố Nguyễn Văn Cừ, Phường Bồ Đề, Quận Long Biên, Hà Nội".into(),
        },
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
