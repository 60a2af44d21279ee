//! Webhook delivery (SPEC §3.7).
//!
//! * [`signing`]: Standard Webhooks signatures and `whsec_` secrets;
//! * [`schedule`]: the retry schedule with jitter, the penalty after a 429 or a timeout, and a
//!   clamped `Retry-After`;
//! * [`policy`]: which target addresses are allowed ([`special`]: the IANA special-purpose
//!   registries);
//! * [`worker`]: the delivery worker that `depot serve` runs and tests step by hand.
//!
//! Events come from the outbox (`events`), written by the domain transactions; the store's
//! `webhooks` module holds the subscriptions, deliveries and attempt log.

pub mod policy;
pub mod schedule;
pub mod signing;
pub mod special;
pub mod worker;

pub use policy::AddressPolicy;
pub use schedule::RetryPolicy;
pub use worker::{Step, Worker, WorkerConfig};
