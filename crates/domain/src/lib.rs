//! Depot's domain: everything about fulfillment that is true without a database or HTTP.
//!
//! Statuses and their labels, the error codes of the contract, languages, generated codes and the
//! policies (which transition is allowed, what a cancel does to stock) live here as plain data and
//! pure functions, so the store and every API dialect share one definition.

pub mod business;
pub mod cancel;
pub mod carrier;
pub mod clock;
pub mod codes;
pub mod error;
pub mod floor;
pub mod intercept;
pub mod lang;
pub mod money;
pub mod quantity;
pub mod status;
pub mod stock;

pub use clock::{Clock, SharedClock};
pub use error::ErrorCode;
pub use lang::Lang;
