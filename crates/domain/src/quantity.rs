//! Bounded quantities. Every number of units a client sends — a shipment, PO or return line, a
//! partial cancel, a receipt, a stock adjustment — is one of these types, so it is checked once,
//! when the request is read, and arithmetic on it cannot leave `i64`: a line holds at most
//! [`MAX_QUANTITY`] units, a shipment at most 100 lines, a balance at most [`MAX_BALANCE`].
//! Sums of client numbers use `checked_add` on top, so nothing ever wraps.

use serde::{Deserialize, Deserializer};
use std::borrow::Cow;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};

/// Most units one line (or one adjustment) may carry.
pub const MAX_QUANTITY: i64 = 1_000_000;

/// Most units one stock balance (business, warehouse, product, level) may hold. A movement
/// that would take a balance past it is refused, so `on_hand + delta` in SQL never overflows.
pub const MAX_BALANCE: i64 = 1_000_000_000_000;

macro_rules! bounded {
    ($(#[$doc:meta])* $name:ident, $min:expr, $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            pub const MIN: i64 = $min;
            pub const MAX: i64 = $max;

            /// The quantity, or the message that names the bounds.
            pub fn new(value: i64) -> Result<$name, String> {
                if (Self::MIN..=Self::MAX).contains(&value) {
                    Ok($name(value))
                } else {
                    Err(format!("must be {} to {}", Self::MIN, Self::MAX))
                }
            }

            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                $name::new(i64::deserialize(d)?).map_err(serde::de::Error::custom)
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                    .minimum(Some(Self::MIN))
                    .maximum(Some(Self::MAX))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    };
}

bounded!(
    /// Units on a line: 1 to [`MAX_QUANTITY`].
    Quantity,
    1,
    MAX_QUANTITY
);
bounded!(
    /// Units counted on receipt (inbound, putaway, returned): 0 to [`MAX_QUANTITY`].
    ReceivedQuantity,
    0,
    MAX_QUANTITY
);
bounded!(
    /// A stock correction: −[`MAX_QUANTITY`] to [`MAX_QUANTITY`].
    QuantityDelta,
    -MAX_QUANTITY,
    MAX_QUANTITY
);

/// Sums client quantities without wrapping: None once the sum leaves `i64`.
pub fn checked_sum(values: impl IntoIterator<Item = i64>) -> Option<i64> {
    values.into_iter().try_fold(0i64, i64::checked_add)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_enforced_when_read() {
        assert_eq!(Quantity::new(1).map(Quantity::get), Ok(1));
        assert!(Quantity::new(0).is_err());
        assert!(Quantity::new(MAX_QUANTITY + 1).is_err());
        assert!(Quantity::new(i64::MAX).is_err());
        assert_eq!(ReceivedQuantity::new(0).map(ReceivedQuantity::get), Ok(0));
        assert!(QuantityDelta::new(-MAX_QUANTITY).is_ok());
        assert!(QuantityDelta::new(i64::MIN).is_err());
        let err = serde_json::from_str::<Quantity>("9223372036854775807").unwrap_err();
        assert!(err.to_string().contains("must be 1 to 1000000"), "{err}");
        assert!(serde_json::from_str::<Quantity>("9223372036854775808").is_err());
        assert_eq!(serde_json::from_str::<Quantity>("7").unwrap().get(), 7);
    }

    proptest::proptest! {
        /// Any i64 is accepted exactly when it lies in the type's range.
        #[test]
        fn bounded_types_accept_exactly_their_range(v in proptest::prelude::any::<i64>()) {
            proptest::prop_assert_eq!(Quantity::new(v).is_ok(), (1..=MAX_QUANTITY).contains(&v));
            proptest::prop_assert_eq!(ReceivedQuantity::new(v).is_ok(), (0..=MAX_QUANTITY).contains(&v));
            proptest::prop_assert_eq!(QuantityDelta::new(v).is_ok(), v.abs_diff(0) <= MAX_QUANTITY as u64);
        }

        /// A checked sum is the exact sum, or None when some running total leaves i64.
        #[test]
        fn checked_sums_are_exact_or_refused(vs in proptest::collection::vec(proptest::prelude::any::<i64>(), 0..8)) {
            let mut running = 0i128;
            let mut fits = true;
            for v in &vs {
                running += i128::from(*v);
                fits &= i64::try_from(running).is_ok();
            }
            match checked_sum(vs.iter().copied()) {
                Some(sum) => proptest::prop_assert!(fits && i128::from(sum) == running),
                None => proptest::prop_assert!(!fits),
            }
        }
    }

    #[test]
    fn sums_never_wrap() {
        assert_eq!(checked_sum([1, 2, 3]), Some(6));
        assert_eq!(checked_sum([2, i64::MAX, i64::MAX - 5]), None);
        assert_eq!(checked_sum([]), Some(0));
    }
}
