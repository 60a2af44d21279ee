//! Writes sample floor documents to look at:
//! `cargo run -p depot-documents --example floor_documents [DIR]` (default /tmp) →
//! pick_list_sample.pdf (one page, Vietnamese), pick_list_long.pdf (a 400-shipment wave,
//! English), label_sample.pdf and label_en.pdf (A6), manifest_sample.pdf and
//! manifest_long.pdf (120 parcels, English).

use depot_documents::{manifest_pdf, pick_list_pdf, sample, shipping_label_pdf};
use depot_domain::Lang;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "/tmp".into()));
    let files = [
        (
            "pick_list_sample.pdf",
            pick_list_pdf(&sample::pick_list(5), Lang::Vi)?,
        ),
        (
            "pick_list_long.pdf",
            pick_list_pdf(&sample::pick_list(400), Lang::En)?,
        ),
        (
            "label_sample.pdf",
            shipping_label_pdf(&sample::label(), Lang::Vi)?,
        ),
        (
            "label_en.pdf",
            shipping_label_pdf(&sample::label(), Lang::En)?,
        ),
        (
            "manifest_sample.pdf",
            manifest_pdf(&sample::manifest(6), Lang::Vi)?,
        ),
        (
            "manifest_long.pdf",
            manifest_pdf(&sample::manifest(120), Lang::En)?,
        ),
    ];
    for (name, bytes) in files {
        let path = dir.join(name);
        std::fs::write(&path, bytes)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
