//! Depot's printable documents, rendered as PDF by pure functions (no IO, no clock): the
//! caller stores or serves the bytes.
//!
//! * [`po_bill_pdf`]: the purchase-order bill (SPEC §3.3 "Get PO Bill"), A4.
//! * [`pick_list_pdf`]: a wave's pick list (SPEC §11 "Release"), A4.
//! * [`shipping_label_pdf`]: a parcel's shipping label (SPEC §11 "Pack station"), A6.
//! * [`manifest_pdf`]: a courier handover manifest (SPEC §11 "Handover"), A4.
//!
//! Text is set in DejaVu Sans, embedded in the binary and subset into each PDF, so Vietnamese
//! (and most Latin, Greek and Cyrillic text) prints exactly; barcodes are Code 128 drawn as
//! vector bars ([`code128`]). [`inspect`] reads a rendered PDF's text and barcodes back, for
//! tests.

pub mod code128;
pub mod inspect;
mod label;
mod layout;
mod manifest;
mod pdf;
mod pick_list;
mod po_bill;
#[doc(hidden)]
pub mod sample;

pub use label::{shipping_label_pdf, LabelReceiver, ShippingLabel};
pub use manifest::{manifest_pdf, Manifest, ManifestParcel};
pub use pick_list::{pick_list_pdf, PickItem, PickList, PickShipment};
pub use po_bill::{po_bill_pdf, PoBill, PoBillItem, PoBillPackage, PoBillWarehouse};

/// A warehouse as documents print it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Warehouse {
    pub code: String,
    pub name: String,
    pub address: String,
}

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
