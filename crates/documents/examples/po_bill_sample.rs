//! Writes sample PO bills to look at: `cargo run -p depot-documents --example po_bill_sample`
//! → /tmp/po_bill_sample.pdf (one page), /tmp/po_bill_long.pdf (several pages, English).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let short = depot_documents::sample::bill(3, 3);
    std::fs::write(
        "/tmp/po_bill_sample.pdf",
        depot_documents::po_bill_pdf(&short)?,
    )?;
    let mut long = depot_documents::sample::bill(6, 20);
    long.lang = depot_domain::Lang::En;
    long.status_label = "In transit".into();
    std::fs::write(
        "/tmp/po_bill_long.pdf",
        depot_documents::po_bill_pdf(&long)?,
    )?;
    println!("wrote /tmp/po_bill_sample.pdf and /tmp/po_bill_long.pdf");
    Ok(())
}
