//! Depot's printable documents, rendered as PDF by pure functions (no IO, no clock): the
//! caller stores the bytes (see `depot_api::files::save`) and hands out their URL.
//!
//! * [`po_bill_pdf`]: the purchase-order bill (SPEC §3.3 "Get PO Bill").
//!
//! Text is set in DejaVu Sans, embedded in the binary and subset into each PDF, so Vietnamese
//! (and most Latin, Greek and Cyrillic text) prints exactly; barcodes are Code 128 drawn as
//! vector bars ([`code128`]).

pub mod code128;
#[cfg(test)]
mod extract;
mod pdf;
mod po_bill;
#[doc(hidden)]
pub mod sample;

pub use po_bill::{po_bill_pdf, PoBill, PoBillItem, PoBillPackage, PoBillWarehouse};

/// Why a document could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// The text cannot be a barcode (Code 128 here takes printable ASCII).
    #[error("barcode: {0}")]
    Barcode(String),
    /// The embedded font could not be read or subset (a bug, not bad input).
    #[error("font: {0}")]
    Font(String),
}
