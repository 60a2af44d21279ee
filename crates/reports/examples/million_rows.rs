//! Writes a `shipments` report of synthetic rows and prints how fast and in how much memory:
//!
//! ```text
//! cargo run --release -p depot-reports --example million_rows -- csv|xlsx [ROWS] [DIR]
//! ```
//!
//! ROWS defaults to 1,000,000 and DIR to the system's temporary directory; the file is
//! removed afterwards unless MILLION_ROWS_KEEP is set. Run one format per process: the peak
//! resident set size (VmHWM, Linux) is the process's.

use depot_domain::Lang;
use depot_reports::{Cell, Format, ReportType, Zone};
use std::fs::File;
use std::io::BufWriter;
use std::time::Instant;

const NAMES: [&str; 4] = [
    "Nguyễn Thị Thu Hường",
    "Trần Văn Bình",
    "Lê Hoàng Phương Anh",
    "Phạm Quốc Đạt",
];
const PRODUCTS: [(&str, &str); 4] = [
    (
        "AO-THUN-TRANG-M",
        "Áo thun cotton cổ tròn màu trắng, size M",
    ),
    (
        "QUAN-JEAN-XANH-30",
        "Quần jean nam ống đứng xanh đậm, size 30",
    ),
    (
        "BINH-GIU-NHIET-500",
        "Bình giữ nhiệt inox 304 dung tích 500 ml",
    ),
    (
        "CA-PHE-RANG-XAY-1KG",
        "Cà phê Robusta rang xay Buôn Ma Thuột, túi 1 kg",
    ),
];
const STATUSES: [(i64, &str, &str); 4] = [
    (100, "Mới tạo", "New (stock reserved)"),
    (220, "Đã đóng gói", "Packed"),
    (300, "Đã bàn giao", "Handed over to the carrier"),
    (390, "Giao hàng thành công", "Delivered"),
];

/// A field of /proc/self/status in KiB.
fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let format = args
        .next()
        .as_deref()
        .and_then(Format::parse)
        .ok_or("usage: million_rows csv|xlsx [ROWS] [DIR]")?;
    let rows: u64 = args
        .next()
        .map(|r| r.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let dir = args
        .next()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let path = dir.join(format!("million_rows.{}", format.extension()));

    let zone = Zone::default();
    let rss_before = status_kib("VmRSS:");
    let started = Instant::now();
    let file = BufWriter::with_capacity(256 * 1024, File::create(&path)?);
    let mut report = ReportType::Shipments.writer(format, Lang::Vi, &zone, file)?;
    let t0: i64 = 1_800_000_000;
    let mut max_rss = rss_before;
    let mut tracking = String::new();
    let mut reference = String::new();
    let mut oasin = String::new();
    let mut courier = String::new();
    for i in 0..rows {
        use std::fmt::Write;
        let n = i as usize;
        let (status, vi, en) = STATUSES[n % STATUSES.len()];
        let (sku, name) = PRODUCTS[n % PRODUCTS.len()];
        let created = t0 + i as i64 * 3;
        tracking.clear();
        write!(tracking, "OASC{:08}", i / 2 + 1)?;
        reference.clear();
        write!(reference, "SHOPEE-250115-{i:07}")?;
        oasin.clear();
        write!(oasin, "OASIN{:07}", n % 5000 + 1)?;
        courier.clear();
        write!(courier, "GHN{i:08}VN")?;
        let delivered = (status == 390).then_some(created + 86_400);
        let cells = [
            Cell::from(tracking.as_str()),
            Cell::from(i as i64 / 2 + 1),
            Cell::from(reference.as_str()),
            Cell::from(status),
            Cell::label(vi, en),
            Cell::time(created + 3600),
            Cell::from("WH-HN01"),
            Cell::from("shopee"),
            Cell::from("Giao Hàng Nhanh"),
            Cell::from(courier.as_str()),
            Cell::from(i as i64 % 2 + 1),
            Cell::from(i as i64 + 1),
            Cell::from(oasin.as_str()),
            Cell::from(sku),
            Cell::from(name),
            Cell::from(i as i64 % 5 + 1),
            Cell::from(0),
            Cell::money(125_000_000),
            Cell::from(NAMES[n % NAMES.len()]),
            Cell::from("0912 345 678"),
            Cell::from("Số 12 ngõ 34 phố Nguyễn Văn Cừ"),
            Cell::from("00100"),
            Cell::from("Phường Bồ Đề"),
            Cell::from("004"),
            Cell::from("Quận Long Biên"),
            Cell::from("01"),
            Cell::from("Thành phố Hà Nội"),
            Cell::time(created),
            Cell::time(created + 3600),
            Cell::time(created + 600),
            Cell::time(created + 1200),
            Cell::time(created + 1800),
            Cell::time((status >= 300).then_some(created + 3600)),
            Cell::time(delivered),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::from("Gọi trước khi giao"),
            Cell::Empty,
        ];
        report.write_row(&cells)?;
        if (i + 1) % 10_000 == 0 {
            max_rss = max_rss.max(status_kib("VmRSS:"));
        }
        if (i + 1) % 250_000 == 0 {
            eprintln!(
                "  {:>9} rows  {:>6.1} s  RSS {:>6} KiB",
                i + 1,
                started.elapsed().as_secs_f64(),
                status_kib("VmRSS:")
            );
        }
    }
    let written_rows = started.elapsed();
    let written = report.finish()?;
    let elapsed = started.elapsed();
    // VmHWM is updated lazily; the samples taken while writing cover what it may miss.
    let peak = status_kib("VmHWM:").max(max_rss).max(status_kib("VmRSS:"));
    let size = std::fs::metadata(&path)?.len();
    println!(
        "{}: {written} rows × {} columns in {:.1} s ({:.1} s writing rows, {:.1} s finishing) \
         = {:.0} rows/s; file {:.1} MiB; RSS before {} KiB, peak {} KiB (+{:.1} MiB)",
        format.as_str(),
        ReportType::Shipments.columns().len(),
        elapsed.as_secs_f64(),
        written_rows.as_secs_f64(),
        (elapsed - written_rows).as_secs_f64(),
        written as f64 / elapsed.as_secs_f64(),
        size as f64 / (1024.0 * 1024.0),
        rss_before,
        peak,
        peak.saturating_sub(rss_before) as f64 / 1024.0,
    );
    if std::env::var_os("MILLION_ROWS_KEEP").is_none() {
        std::fs::remove_file(&path)?;
    } else {
        println!("kept {}", path.display());
    }
    Ok(())
}
