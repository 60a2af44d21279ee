//! The console's navigation, by role. To add a page, add one [`Entry`] to [`ENTRIES`] with
//! the least role that may open it.

use depot_domain::Lang;
use depot_store::users::{Operator, OperatorRole};

pub struct Entry {
    pub href: &'static str,
    pub vi: &'static str,
    pub en: &'static str,
    pub role: OperatorRole,
}

pub const ENTRIES: &[Entry] = &[
    Entry {
        href: "/console/",
        vi: "Tổng quan",
        en: "Overview",
        role: OperatorRole::Floor,
    },
    Entry {
        href: "/console/businesses",
        vi: "Doanh nghiệp",
        en: "Businesses",
        role: OperatorRole::Admin,
    },
    Entry {
        href: "/console/operators",
        vi: "Nhân viên",
        en: "Operators",
        role: OperatorRole::Admin,
    },
];

pub fn links(operator: &Operator, lang: Lang) -> Vec<(String, &'static str)> {
    ENTRIES
        .iter()
        .filter(|e| operator.role >= e.role)
        .map(|e| (e.href.to_string(), lang.pick(e.vi, e.en)))
        .collect()
}
