//! The intercept policy (SPEC §7): once the carrier holds a parcel it can no longer be
//! cancelled, but the merchant may ask for it back. A request is REQUESTED until the carrier
//! side answers CONFIRMED (the parcel turns back: 360 RETURNING) or FAILED (it goes on).
//!
//! Pure functions from a shipment's status and its latest request to a decision; the store
//! locks the shipment, asks them and applies the answer in one transaction, so racing
//! requests, answers and deliveries each end in one state.

use crate::status::ShipmentStatus;

/// Where an intercept request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InterceptStatus {
    Requested,
    Confirmed,
    Failed,
}

impl InterceptStatus {
    pub const ALL: &'static [InterceptStatus] = &[
        InterceptStatus::Requested,
        InterceptStatus::Confirmed,
        InterceptStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InterceptStatus::Requested => "REQUESTED",
            InterceptStatus::Confirmed => "CONFIRMED",
            InterceptStatus::Failed => "FAILED",
        }
    }

    /// Case-insensitive, as filters are.
    pub fn parse(text: &str) -> Option<InterceptStatus> {
        Self::ALL
            .iter()
            .copied()
            .find(|s| s.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

/// The carrier side's answer to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Confirmed,
    Failed,
}

impl Outcome {
    pub fn parse(text: &str) -> Option<Outcome> {
        match text.trim() {
            t if t.eq_ignore_ascii_case("CONFIRMED") => Some(Outcome::Confirmed),
            t if t.eq_ignore_ascii_case("FAILED") => Some(Outcome::Failed),
            _ => None,
        }
    }

    /// The status a request ends in with this answer.
    pub fn status(self) -> InterceptStatus {
        match self {
            Outcome::Confirmed => InterceptStatus::Confirmed,
            Outcome::Failed => InterceptStatus::Failed,
        }
    }
}

/// The statuses a merchant may ask to intercept from: the carrier holds the parcel and has
/// not delivered it.
pub fn interceptable(status: ShipmentStatus) -> bool {
    use ShipmentStatus::*;
    matches!(
        status,
        Handover | InTransit | OutForDelivery | DeliveryFailed
    )
}

/// What a merchant's request does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestDecision {
    /// Open a new request (REQUESTED).
    Open,
    /// A request is open or was confirmed: answer it, change nothing.
    Existing,
}

/// Decides a merchant's request. `latest` is the shipment's latest request, if any. Refused
/// with the current status when the shipment cannot be intercepted.
pub fn decide_request(
    status: ShipmentStatus,
    latest: Option<InterceptStatus>,
) -> Result<RequestDecision, ShipmentStatus> {
    match latest {
        Some(InterceptStatus::Requested | InterceptStatus::Confirmed) => {
            Ok(RequestDecision::Existing)
        }
        // None yet, or the last one failed: a new one may be made while it still applies.
        None | Some(InterceptStatus::Failed) if interceptable(status) => Ok(RequestDecision::Open),
        None | Some(InterceptStatus::Failed) => Err(status),
    }
}

/// What the carrier side's answer does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerDecision {
    /// Resolve the open request CONFIRMED and move the shipment to `to` (360 RETURNING).
    Confirm { to: ShipmentStatus },
    /// Resolve the open request FAILED; the status stays.
    Fail,
    /// The request was already resolved with this same outcome: answer it, change nothing.
    Repeat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerRefusal {
    /// The shipment has no intercept request.
    NoRequest,
    /// The latest request was resolved with the other outcome (or was failed by a delivery).
    AlreadyResolved(InterceptStatus),
    /// The shipment's status does not allow turning it back (defensive: an open request
    /// implies an interceptable status, see [`on_status_change`]).
    NotInterceptable(ShipmentStatus),
}

/// Decides the carrier side's answer to the latest request.
pub fn decide_answer(
    status: ShipmentStatus,
    latest: Option<InterceptStatus>,
    outcome: Outcome,
) -> Result<AnswerDecision, AnswerRefusal> {
    match latest {
        None => Err(AnswerRefusal::NoRequest),
        Some(InterceptStatus::Requested) => match outcome {
            Outcome::Failed => Ok(AnswerDecision::Fail),
            Outcome::Confirmed if interceptable(status) => Ok(AnswerDecision::Confirm {
                to: ShipmentStatus::Returning,
            }),
            Outcome::Confirmed => Err(AnswerRefusal::NotInterceptable(status)),
        },
        Some(resolved) if resolved == outcome.status() => Ok(AnswerDecision::Repeat),
        Some(resolved) => Err(AnswerRefusal::AlreadyResolved(resolved)),
    }
}

/// What an operator move does to an open request, decided with the move in its transaction:
/// a delivery fails it (note `delivered`); a parcel the carrier turns back by itself confirms
/// it. Returns the request's new status and its note, or None when nothing changes.
pub fn on_status_change(
    to: ShipmentStatus,
    latest: Option<InterceptStatus>,
) -> Option<(InterceptStatus, &'static str)> {
    if latest != Some(InterceptStatus::Requested) {
        return None;
    }
    match to {
        ShipmentStatus::Delivered => Some((InterceptStatus::Failed, "delivered")),
        ShipmentStatus::Returning => Some((InterceptStatus::Confirmed, "returning")),
        ShipmentStatus::ReturnedToSender => {
            Some((InterceptStatus::Confirmed, "returned to sender"))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use ShipmentStatus::*;

    #[test]
    fn requests_are_allowed_only_while_the_carrier_holds_the_parcel() {
        for s in [Handover, InTransit, OutForDelivery, DeliveryFailed] {
            assert_eq!(decide_request(s, None), Ok(RequestDecision::Open));
        }
        for s in [
            New,
            OutOfStock,
            Allocated,
            Picked,
            Packed,
            WaitingHandover,
            Returning,
            Delivered,
            ReturnedToSender,
            Cancelled,
            CancelledAfterPacked,
        ] {
            assert_eq!(decide_request(s, None), Err(s), "{s:?}");
        }
    }

    #[test]
    fn repeating_answers_the_open_or_confirmed_request_and_a_failed_one_may_be_retried() {
        use InterceptStatus::*;
        assert_eq!(
            decide_request(InTransit, Some(Requested)),
            Ok(RequestDecision::Existing)
        );
        assert_eq!(
            decide_request(Returning, Some(Confirmed)),
            Ok(RequestDecision::Existing)
        );
        assert_eq!(
            decide_request(ReturnedToSender, Some(Confirmed)),
            Ok(RequestDecision::Existing)
        );
        assert_eq!(
            decide_request(OutForDelivery, Some(Failed)),
            Ok(RequestDecision::Open)
        );
        assert_eq!(decide_request(Delivered, Some(Failed)), Err(Delivered));
    }

    #[test]
    fn answers() {
        use InterceptStatus::*;
        assert_eq!(
            decide_answer(Handover, Some(Requested), Outcome::Confirmed),
            Ok(AnswerDecision::Confirm { to: Returning })
        );
        assert_eq!(
            decide_answer(DeliveryFailed, Some(Requested), Outcome::Failed),
            Ok(AnswerDecision::Fail)
        );
        assert_eq!(
            decide_answer(InTransit, None, Outcome::Confirmed),
            Err(AnswerRefusal::NoRequest)
        );
        assert_eq!(
            decide_answer(Returning, Some(Confirmed), Outcome::Confirmed),
            Ok(AnswerDecision::Repeat)
        );
        assert_eq!(
            decide_answer(Delivered, Some(Failed), Outcome::Confirmed),
            Err(AnswerRefusal::AlreadyResolved(Failed))
        );
        assert_eq!(
            decide_answer(Returning, Some(Confirmed), Outcome::Failed),
            Err(AnswerRefusal::AlreadyResolved(Confirmed))
        );
    }

    #[test]
    fn moves_resolve_an_open_request() {
        use InterceptStatus::*;
        assert_eq!(
            on_status_change(Delivered, Some(Requested)),
            Some((Failed, "delivered"))
        );
        assert_eq!(
            on_status_change(Returning, Some(Requested)).map(|r| r.0),
            Some(Confirmed)
        );
        assert_eq!(
            on_status_change(ReturnedToSender, Some(Requested)).map(|r| r.0),
            Some(Confirmed)
        );
        assert_eq!(on_status_change(OutForDelivery, Some(Requested)), None);
        assert_eq!(on_status_change(Delivered, Some(Failed)), None);
        assert_eq!(on_status_change(Delivered, None), None);
    }

    #[test]
    fn names_round_trip() {
        for s in InterceptStatus::ALL {
            assert_eq!(InterceptStatus::parse(s.as_str()), Some(*s));
        }
        assert_eq!(
            InterceptStatus::parse("requested"),
            Some(InterceptStatus::Requested)
        );
        assert_eq!(InterceptStatus::parse("OPEN"), None);
        assert_eq!(Outcome::parse("confirmed"), Some(Outcome::Confirmed));
        assert_eq!(Outcome::parse("RETURNED"), None);
    }

    fn latest() -> impl Strategy<Value = Option<InterceptStatus>> {
        prop_oneof![
            Just(None),
            Just(Some(InterceptStatus::Requested)),
            Just(Some(InterceptStatus::Confirmed)),
            Just(Some(InterceptStatus::Failed)),
        ]
    }

    /// A shipment's life as the store drives it: merchant requests, operator answers and
    /// operator moves in any order, each decided by the functions above. Whatever the order:
    /// at most one request is open, a delivered parcel never has an open or confirmed
    /// request, and RETURNING is reached only by a confirmation or a plain move the flow allows.
    #[derive(Debug, Clone)]
    enum Step {
        Request,
        Answer(bool),
        Move(usize),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            Just(Step::Request),
            any::<bool>().prop_map(Step::Answer),
            (0..ShipmentStatus::ALL.len()).prop_map(Step::Move),
        ]
    }

    proptest! {
        #[test]
        fn a_decision_never_contradicts_the_state(s in 0..ShipmentStatus::ALL.len(), latest in latest(), confirm in any::<bool>()) {
            let status = ShipmentStatus::ALL[s];
            match decide_request(status, latest) {
                Ok(RequestDecision::Open) => {
                    prop_assert!(interceptable(status));
                    prop_assert!(matches!(latest, None | Some(InterceptStatus::Failed)));
                }
                Ok(RequestDecision::Existing) => prop_assert!(latest.is_some() && latest != Some(InterceptStatus::Failed)),
                Err(current) => {
                    prop_assert_eq!(current, status);
                    prop_assert!(!interceptable(status));
                }
            }
            let outcome = if confirm { Outcome::Confirmed } else { Outcome::Failed };
            match decide_answer(status, latest, outcome) {
                Ok(AnswerDecision::Confirm { to }) => {
                    prop_assert_eq!(to, Returning);
                    prop_assert_eq!(latest, Some(InterceptStatus::Requested));
                }
                Ok(AnswerDecision::Fail) => prop_assert_eq!(latest, Some(InterceptStatus::Requested)),
                Ok(AnswerDecision::Repeat) => prop_assert_eq!(latest, Some(outcome.status())),
                Err(AnswerRefusal::NoRequest) => prop_assert!(latest.is_none()),
                Err(AnswerRefusal::AlreadyResolved(r)) => {
                    prop_assert_eq!(Some(r), latest);
                    prop_assert_ne!(r, outcome.status());
                }
                Err(AnswerRefusal::NotInterceptable(st)) => prop_assert!(!interceptable(st)),
            }
        }

        #[test]
        fn any_sequence_keeps_one_consistent_state(steps in proptest::collection::vec(step(), 1..40)) {
            let mut status = InTransit;
            // Every request made, in order; the last is the latest.
            let mut requests: Vec<InterceptStatus> = Vec::new();
            for step in steps {
                let latest = requests.last().copied();
                match step {
                    Step::Request => match decide_request(status, latest) {
                        Ok(RequestDecision::Open) => requests.push(InterceptStatus::Requested),
                        Ok(RequestDecision::Existing) | Err(_) => {}
                    },
                    Step::Answer(confirm) => {
                        let outcome = if confirm { Outcome::Confirmed } else { Outcome::Failed };
                        match decide_answer(status, latest, outcome) {
                            Ok(AnswerDecision::Confirm { to }) => {
                                prop_assert!(status == Handover || status.can_move_to(to));
                                status = to;
                                *requests.last_mut().unwrap() = InterceptStatus::Confirmed;
                            }
                            Ok(AnswerDecision::Fail) => *requests.last_mut().unwrap() = InterceptStatus::Failed,
                            Ok(AnswerDecision::Repeat) | Err(_) => {}
                        }
                    }
                    Step::Move(i) => {
                        let to = ShipmentStatus::ALL[i];
                        if status.can_move_to(to) {
                            if let Some((resolved, _)) = on_status_change(to, latest) {
                                *requests.last_mut().unwrap() = resolved;
                            }
                            status = to;
                        }
                    }
                }
                let open = requests.iter().filter(|r| **r == InterceptStatus::Requested).count();
                prop_assert!(open <= 1);
                prop_assert!(requests.iter().rev().skip(1).all(|r| *r == InterceptStatus::Failed), "only the latest may be other than FAILED");
                let latest = requests.last().copied();
                if status == Delivered {
                    prop_assert!(matches!(latest, None | Some(InterceptStatus::Failed)));
                }
                if latest == Some(InterceptStatus::Requested) {
                    prop_assert!(interceptable(status), "an open request implies an interceptable status, not {status:?}");
                }
                if latest == Some(InterceptStatus::Confirmed) {
                    prop_assert!(matches!(status, Returning | ReturnedToSender));
                }
            }
        }
    }
}
