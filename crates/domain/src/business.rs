//! A business's lifecycle and customer type, with their labels in both languages.
//!
//! A business registers PENDING; customer support approves it (APPROVED), rejects it
//! (REJECTED) or later suspends it (SUSPENDED) and may reactivate it. Only an APPROVED
//! business may call the API; a PENDING one may sign in to the portal and see its status; a
//! REJECTED or SUSPENDED one may do neither.

use crate::Lang;
use serde::{Deserialize, Serialize};

macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident { $( $variant:ident = $text:literal, $vi:literal, $en:literal; )* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum $name { $( $variant, )* }

        impl $name {
            pub const ALL: &'static [$name] = &[ $( $name::$variant, )* ];

            /// The name on the wire and in the database, e.g. `APPROVED`.
            pub fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $text, )* }
            }

            /// Reads a name (case-insensitive); None when it is not one of ours.
            pub fn parse(text: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|s| s.as_str().eq_ignore_ascii_case(text.trim()))
            }

            pub fn label(self, lang: Lang) -> &'static str {
                match self { $( $name::$variant => lang.pick($vi, $en), )* }
            }
        }
    };
}

named_enum! {
    /// Where a business stands with customer support.
    BusinessStatus {
        Pending = "PENDING", "Chờ duyệt", "Pending approval";
        Approved = "APPROVED", "Đã duyệt", "Approved";
        Rejected = "REJECTED", "Bị từ chối", "Rejected";
        Suspended = "SUSPENDED", "Tạm ngưng", "Suspended";
    }
}

named_enum! {
    /// What a business uses Depot for (documented: "API User" integrates by API and sees only
    /// Developer tools, Reports and Videos in the portal; an OMS user runs its orders there).
    CustomerType {
        ApiUser = "API_USER", "Người dùng API", "API User";
        OmsUser = "OMS_USER", "Người dùng OMS", "OMS User";
    }
}

impl BusinessStatus {
    /// May this business's people sign in to the portal at all?
    pub fn may_sign_in(self) -> bool {
        matches!(self, BusinessStatus::Pending | BusinessStatus::Approved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back_and_labels_exist() {
        for s in BusinessStatus::ALL {
            assert_eq!(BusinessStatus::parse(s.as_str()), Some(*s));
            assert!(!s.label(Lang::Vi).is_empty() && !s.label(Lang::En).is_empty());
        }
        assert_eq!(CustomerType::parse("api_user"), Some(CustomerType::ApiUser));
        assert_eq!(CustomerType::ApiUser.label(Lang::En), "API User");
        assert_eq!(BusinessStatus::parse("nope"), None);
        assert!(!BusinessStatus::Suspended.may_sign_in());
        assert!(BusinessStatus::Pending.may_sign_in());
    }
}
