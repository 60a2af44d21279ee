//! The portal's navigation. An `API_USER` business sees Developer tools, Webhooks, Reports and
//! Videos (documented); an `OMS_USER` business also sees the OMS pages. A pending business
//! sees none: only its approval status.
//!
//! To add a page to the navigation, add one [`Entry`] to [`ENTRIES`] in the order it should
//! appear, with `oms_only: true` for an OMS page.

use depot_domain::business::{BusinessStatus, CustomerType};
use depot_domain::Lang;
use depot_store::tenants::Business;

pub struct Entry {
    pub href: &'static str,
    pub vi: &'static str,
    pub en: &'static str,
    /// Only `OMS_USER` businesses have it.
    pub oms_only: bool,
}

pub const ENTRIES: &[Entry] = &[
    Entry {
        href: "/portal/",
        vi: "Tổng quan",
        en: "Dashboard",
        oms_only: true,
    },
    Entry {
        href: "/portal/shipments",
        vi: "Vận đơn",
        en: "Shipments",
        oms_only: true,
    },
    Entry {
        href: "/portal/products",
        vi: "Sản phẩm",
        en: "Products",
        oms_only: true,
    },
    Entry {
        href: "/portal/stock",
        vi: "Tồn kho",
        en: "Stock",
        oms_only: true,
    },
    Entry {
        href: "/portal/purchase-orders",
        vi: "Nhập kho (PO)",
        en: "Inbound (POs)",
        oms_only: true,
    },
    Entry {
        href: "/portal/returns",
        vi: "Hàng hoàn",
        en: "Returns",
        oms_only: true,
    },
    Entry {
        href: "/portal/developer",
        vi: "Công cụ nhà phát triển",
        en: "Developer tools",
        oms_only: false,
    },
    Entry {
        href: "/portal/webhooks",
        vi: "Webhook",
        en: "Webhooks",
        oms_only: false,
    },
    Entry {
        href: "/portal/reports",
        vi: "Báo cáo",
        en: "Reports",
        oms_only: false,
    },
    Entry {
        href: "/portal/videos",
        vi: "Video",
        en: "Videos",
        oms_only: false,
    },
];

/// The entries this business sees, as (address, label).
pub fn links(business: &Business, lang: Lang) -> Vec<(String, &'static str)> {
    if business.status != BusinessStatus::Approved {
        return Vec::new();
    }
    let oms = business.customer_type == CustomerType::OmsUser;
    ENTRIES
        .iter()
        .filter(|e| oms || !e.oms_only)
        .map(|e| (e.href.to_string(), lang.pick(e.vi, e.en)))
        .collect()
}
