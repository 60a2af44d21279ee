//! Every status a client can see (SPEC §2): its number, its name and its label in both
//! languages, plus the moves each state machine allows.

use crate::Lang;
use serde::Serialize;

/// `status_info` as it goes on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusInfo {
    pub value: i64,
    pub label: &'static str,
    pub updated_time: Option<i64>,
}

macro_rules! status_enum {
    ($(#[$meta:meta])* $name:ident { $( $variant:ident = $value:literal, $vi:literal, $en:literal; )* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $( $variant, )* }

        impl $name {
            pub const ALL: &'static [$name] = &[ $( $name::$variant, )* ];

            pub fn value(self) -> i64 {
                match self { $( $name::$variant => $value, )* }
            }

            pub fn from_value(value: i64) -> Option<Self> {
                match value { $( $value => Some($name::$variant), )* _ => None }
            }

            /// The name used by operators and in filters, e.g. `WAITING_HANDOVER`.
            pub fn name(self) -> &'static str {
                match self { $( $name::$variant => crate::status::screaming(stringify!($variant)), )* }
            }

            pub fn from_name(name: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|s| s.name().eq_ignore_ascii_case(name))
            }

            /// Accepts either the number (`"490"`) or the name (`"CANCELLED"`), as filters do.
            pub fn parse(text: &str) -> Option<Self> {
                match text.trim().parse::<i64>() {
                    Ok(v) => Self::from_value(v),
                    Err(_) => Self::from_name(text.trim()),
                }
            }

            pub fn label(self, lang: Lang) -> &'static str {
                match self { $( $name::$variant => lang.pick($vi, $en), )* }
            }

            pub fn info(self, lang: Lang, updated_time: Option<i64>) -> StatusInfo {
                StatusInfo { value: self.value(), label: self.label(lang), updated_time }
            }
        }
    };
}

status_enum! {
    /// B2C shipment (SPEC §2.1).
    ShipmentStatus {
        New = 100, "Mới tạo", "New (stock reserved)";
        OutOfStock = 150, "Thiếu hàng", "Waiting for stock";
        Allocated = 200, "Đã phân bổ", "Allocated (released to the warehouse floor)";
        Picked = 210, "Đã lấy hàng", "Picked";
        Packed = 220, "Đã đóng gói", "Packed";
        WaitingHandover = 290, "Chờ bàn giao", "Waiting for handover";
        Handover = 300, "Đã bàn giao", "Handed over to the carrier";
        InTransit = 310, "Đang vận chuyển", "In transit";
        DeliveryFailed = 315, "Giao hàng thất bại", "Delivery attempt failed";
        OutForDelivery = 350, "Đang giao hàng", "Out for delivery";
        Returning = 360, "Đang hoàn về kho", "Returning to the warehouse";
        Delivered = 390, "Giao hàng thành công", "Delivered";
        ReturnedToSender = 395, "Đã hoàn về kho", "Returned to the warehouse by the carrier";
        Cancelled = 490, "Đã hủy", "Cancelled";
        CancelledAfterPacked = 500, "Đã hủy sau đóng gói", "Cancelled after packing";
    }
}

status_enum! {
    /// Inbound purchase order (SPEC §2.3).
    PoStatus {
        Transit = 100, "Đang vận chuyển", "In transit to the warehouse";
        Receiving = 200, "Đang nhận hàng", "Being received";
        Completed = 300, "Hoàn thành", "Completed";
        Cancelled = 400, "Đã hủy", "Cancelled";
    }
}

status_enum! {
    /// B2C return shipment (SPEC §2.4).
    ReturnStatus {
        New = 100, "Mới tạo", "Registered, awaiting the parcel";
        Received = 200, "Đã nhận hàng hoàn", "Received at the warehouse";
        Completed = 300, "Hoàn hàng thành công", "Inspected and restocked";
        Problem = 350, "Hoàn hàng có vấn đề", "Received with a problem";
        Cancelled = 400, "Đã hủy", "Cancelled";
    }
}

impl ShipmentStatus {
    /// The operator moves the forward flow allows (SPEC §2.1). Cancellation is not an
    /// operator move: it has its own policy.
    pub fn can_move_to(self, next: ShipmentStatus) -> bool {
        use ShipmentStatus::*;
        matches!(
            (self, next),
            (New, Allocated)
                | (New, OutOfStock)
                | (OutOfStock, New)
                | (Allocated, Picked)
                | (Picked, Packed)
                | (Packed, WaitingHandover)
                | (Packed, Handover)
                | (WaitingHandover, Handover)
                | (Handover, InTransit)
                | (InTransit, OutForDelivery)
                | (OutForDelivery, InTransit)
                | (OutForDelivery, DeliveryFailed)
                | (DeliveryFailed, OutForDelivery)
                | (InTransit, DeliveryFailed)
                | (DeliveryFailed, InTransit)
                | (OutForDelivery, Delivered)
                | (InTransit, Delivered)
                | (DeliveryFailed, ReturnedToSender)
                | (InTransit, ReturnedToSender)
                // A carrier turning a parcel back on its own (SPEC §7); a confirmed intercept
                // also reaches RETURNING, from HANDOVER too, through its own command.
                | (InTransit, Returning)
                | (OutForDelivery, Returning)
                | (DeliveryFailed, Returning)
                | (Returning, ReturnedToSender)
        )
    }

    pub fn is_cancelled(self) -> bool {
        matches!(
            self,
            ShipmentStatus::Cancelled | ShipmentStatus::CancelledAfterPacked
        )
    }

    /// True once the carrier holds the parcel: cancellation is refused from here on.
    pub fn is_handed_over(self) -> bool {
        self.value() >= ShipmentStatus::Handover.value() && !self.is_cancelled()
    }
}

/// `WaitingHandover` → `WAITING_HANDOVER`, computed once per name.
pub(crate) fn screaming(camel: &'static str) -> &'static str {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<HashMap<&'static str, &'static str>>> = OnceLock::new();
    let mut cache = CACHE
        .get_or_init(Default::default)
        .lock()
        .expect("name cache");
    cache.entry(camel).or_insert_with(|| {
        let mut out = String::with_capacity(camel.len() + 8);
        for (i, ch) in camel.char_indices() {
            if ch.is_ascii_uppercase() && i > 0 {
                out.push('_');
            }
            out.push(ch.to_ascii_uppercase());
        }
        Box::leak(out.into_boxed_str())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_values_and_labels() {
        assert_eq!(ShipmentStatus::WaitingHandover.name(), "WAITING_HANDOVER");
        assert_eq!(
            ShipmentStatus::from_value(500),
            Some(ShipmentStatus::CancelledAfterPacked)
        );
        assert_eq!(
            ShipmentStatus::parse("cancelled"),
            Some(ShipmentStatus::Cancelled)
        );
        assert_eq!(ShipmentStatus::parse("300"), Some(ShipmentStatus::Handover));
        assert_eq!(ShipmentStatus::Handover.label(Lang::Vi), "Đã bàn giao");
        assert_eq!(ReturnStatus::Problem.label(Lang::Vi), "Hoàn hàng có vấn đề");
        assert_eq!(PoStatus::Transit.name(), "TRANSIT");
    }

    #[test]
    fn handover_guard() {
        assert!(!ShipmentStatus::WaitingHandover.is_handed_over());
        assert!(ShipmentStatus::Handover.is_handed_over());
        assert!(ShipmentStatus::Delivered.is_handed_over());
        assert!(!ShipmentStatus::CancelledAfterPacked.is_handed_over());
        assert!(ShipmentStatus::Returning.is_handed_over());
    }

    #[test]
    fn returning_leads_only_back_to_the_warehouse() {
        use ShipmentStatus::*;
        assert_eq!(Returning.value(), 360);
        assert_eq!(Returning.label(Lang::Vi), "Đang hoàn về kho");
        let next: Vec<_> = ShipmentStatus::ALL
            .iter()
            .filter(|s| Returning.can_move_to(**s))
            .collect();
        assert_eq!(next, vec![&ReturnedToSender]);
        let from: Vec<_> = ShipmentStatus::ALL
            .iter()
            .filter(|s| s.can_move_to(Returning))
            .collect();
        assert_eq!(from, vec![&InTransit, &DeliveryFailed, &OutForDelivery]);
    }
}
