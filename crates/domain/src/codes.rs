//! Generated public codes (SPEC §1.6): a fixed prefix and a zero-padded number taken from a
//! database sequence, so codes are unique platform-wide and never reused.

/// The kinds of generated code and their documented formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeKind {
    /// `OASIN` + 7 digits.
    Product,
    /// `OAPO` + 9 digits.
    PurchaseOrder,
    /// `OASC` + 8 digits.
    Shipment,
    /// `OARSC` + 9 digits.
    ReturnShipment,
}

impl CodeKind {
    pub fn prefix(self) -> &'static str {
        match self {
            CodeKind::Product => "OASIN",
            CodeKind::PurchaseOrder => "OAPO",
            CodeKind::Shipment => "OASC",
            CodeKind::ReturnShipment => "OARSC",
        }
    }

    fn digits(self) -> usize {
        match self {
            CodeKind::Product => 7,
            CodeKind::PurchaseOrder => 9,
            CodeKind::Shipment => 8,
            CodeKind::ReturnShipment => 9,
        }
    }

    /// The id inside a code of this kind; None for anything that is not exactly such a code.
    pub fn parse(self, code: &str) -> Option<i64> {
        let digits = code.strip_prefix(self.prefix())?;
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: i64 = digits.parse().ok()?;
        (self.format(n) == code).then_some(n)
    }

    /// The code for the n-th object of this kind. Past the documented width the number simply
    /// grows longer rather than wrapping, so a code is never reused.
    pub fn format(self, n: i64) -> String {
        format!("{}{:0width$}", self.prefix(), n, width = self.digits())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_formats() {
        assert_eq!(CodeKind::Product.format(1), "OASIN0000001");
        assert_eq!(CodeKind::PurchaseOrder.format(42), "OAPO000000042");
        assert_eq!(CodeKind::Shipment.format(7), "OASC00000007");
        assert_eq!(CodeKind::ReturnShipment.format(3), "OARSC000000003");
    }

    #[test]
    fn parse_accepts_only_exact_codes() {
        assert_eq!(CodeKind::Product.parse("OASIN0000001"), Some(1));
        assert_eq!(CodeKind::Product.parse("OASIN1"), None);
        assert_eq!(CodeKind::Product.parse("OASIN00000x1"), None);
        assert_eq!(CodeKind::Shipment.parse("OASIN0000001"), None);
        assert_eq!(CodeKind::Shipment.parse("OASC123456789"), Some(123_456_789));
    }
}
