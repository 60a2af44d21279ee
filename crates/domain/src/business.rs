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

named_enum! {
    /// What customer support does to a business (SPEC §11). The label is the button's text.
    BusinessAction {
        Approve = "APPROVE", "Duyệt", "Approve";
        Reject = "REJECT", "Từ chối", "Reject";
        Suspend = "SUSPEND", "Tạm ngưng", "Suspend";
        Reactivate = "REACTIVATE", "Kích hoạt lại", "Reactivate";
    }
}

/// What an action does to a business in a given status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusChange {
    /// The business moves to this status.
    To(BusinessStatus),
    /// It already is where the action leads: repeating an action changes nothing.
    Unchanged,
}

impl BusinessAction {
    /// Where the action leads.
    pub fn target(self) -> BusinessStatus {
        match self {
            BusinessAction::Approve | BusinessAction::Reactivate => BusinessStatus::Approved,
            BusinessAction::Reject => BusinessStatus::Rejected,
            BusinessAction::Suspend => BusinessStatus::Suspended,
        }
    }

    /// The statuses the action moves a business from. A rejected registration may be
    /// reconsidered (approved); an approved business is suspended, never rejected; only a
    /// suspended one is reactivated, and approving does not lift a suspension (reactivate
    /// does, so the reason is on record).
    pub fn sources(self) -> &'static [BusinessStatus] {
        match self {
            BusinessAction::Approve => &[BusinessStatus::Pending, BusinessStatus::Rejected],
            BusinessAction::Reject => &[BusinessStatus::Pending],
            BusinessAction::Suspend => &[BusinessStatus::Approved],
            BusinessAction::Reactivate => &[BusinessStatus::Suspended],
        }
    }

    /// The rule: what this action does from `from`, or Err when it is not allowed there.
    pub fn apply(self, from: BusinessStatus) -> Result<StatusChange, BusinessStatus> {
        if from == self.target() {
            Ok(StatusChange::Unchanged)
        } else if self.sources().contains(&from) {
            Ok(StatusChange::To(self.target()))
        } else {
            Err(from)
        }
    }

    /// Rejecting and suspending tell the business why: the note is required.
    pub fn needs_note(self) -> bool {
        matches!(self, BusinessAction::Reject | BusinessAction::Suspend)
    }

    /// The actions that move a business in this status (the buttons to show).
    pub fn available(from: BusinessStatus) -> Vec<BusinessAction> {
        BusinessAction::ALL
            .iter()
            .copied()
            .filter(|a| matches!(a.apply(from), Ok(StatusChange::To(_))))
            .collect()
    }
}

impl BusinessStatus {
    /// The order of the customer-support queue: PENDING first, then APPROVED, SUSPENDED,
    /// REJECTED.
    pub fn queue_rank(self) -> i64 {
        match self {
            BusinessStatus::Pending => 0,
            BusinessStatus::Approved => 1,
            BusinessStatus::Suspended => 2,
            BusinessStatus::Rejected => 3,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_action_moves_only_from_its_sources_and_repeats_are_no_ops() {
        use BusinessAction::*;
        use BusinessStatus::*;
        let cases = [
            (Approve, Pending, Ok(StatusChange::To(Approved))),
            (Approve, Rejected, Ok(StatusChange::To(Approved))),
            (Approve, Approved, Ok(StatusChange::Unchanged)),
            (Approve, Suspended, Err(Suspended)),
            (Reject, Pending, Ok(StatusChange::To(Rejected))),
            (Reject, Rejected, Ok(StatusChange::Unchanged)),
            (Reject, Approved, Err(Approved)),
            (Reject, Suspended, Err(Suspended)),
            (Suspend, Approved, Ok(StatusChange::To(Suspended))),
            (Suspend, Suspended, Ok(StatusChange::Unchanged)),
            (Suspend, Pending, Err(Pending)),
            (Suspend, Rejected, Err(Rejected)),
            (Reactivate, Suspended, Ok(StatusChange::To(Approved))),
            (Reactivate, Approved, Ok(StatusChange::Unchanged)),
            (Reactivate, Pending, Err(Pending)),
            (Reactivate, Rejected, Err(Rejected)),
        ];
        for (action, from, expected) in cases {
            assert_eq!(action.apply(from), expected, "{action:?} from {from:?}");
        }
        assert_eq!(BusinessAction::available(Pending), vec![Approve, Reject]);
        assert_eq!(BusinessAction::available(Approved), vec![Suspend]);
        assert_eq!(BusinessAction::available(Suspended), vec![Reactivate]);
        assert_eq!(BusinessAction::available(Rejected), vec![Approve]);
        assert!(Reject.needs_note() && Suspend.needs_note());
        assert!(!Approve.needs_note() && !Reactivate.needs_note());
        assert_eq!(Reactivate.label(Lang::En), "Reactivate");
    }

    #[test]
    fn the_queue_starts_with_pending() {
        let mut all = BusinessStatus::ALL.to_vec();
        all.sort_by_key(|s| s.queue_rank());
        assert_eq!(all[0], BusinessStatus::Pending);
    }

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
