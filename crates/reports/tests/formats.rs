//! Each format written, then read back the way a consumer reads it: the `csv` crate for CSV,
//! `calamine` (and the raw parts of the zip) for XLSX.

use calamine::{Data, Reader, Xlsx};
use depot_domain::Lang;
use depot_reports::{
    Cell, Column, Format, Kind, Options, ReportError, ReportType, ReportWriter, Zone, XLSX_MAX_ROWS,
};
use std::io::{Cursor, Read};

/// 2027-01-15 08:00:00 UTC: 15:00 in Vietnam.
const T: i64 = 1_800_000_000;

const COLUMNS: &[Column] = &[
    Column::new("code", "Mã", "Code", Kind::Text),
    Column::new("status", "Trạng thái", "Status", Kind::Text),
    Column::new("qty", "Số lượng", "Quantity", Kind::Integer),
    Column::new("weight", "Khối lượng", "Weight", Kind::Decimal),
    Column::new("cod", "Tiền thu hộ", "COD", Kind::Money),
    Column::new("created", "Thời gian tạo", "Created", Kind::Time),
    Column::new("expiry", "Hạn sử dụng", "Expiry", Kind::Date),
    Column::new("abnormal", "Bất thường", "Abnormal", Kind::Bool),
];

fn row<'a>(code: &'a str, qty: i64, time: Option<i64>) -> Vec<Cell<'a>> {
    vec![
        Cell::from(code),
        Cell::label("Đã bàn giao", "Handed over"),
        Cell::from(qty),
        Cell::from(12.5),
        Cell::money(50_000_050),
        Cell::time(time),
        Cell::date(Some("2027-03-31")),
        Cell::from(true),
    ]
}

fn write(format: Format, lang: Lang, zone: &Zone, rows: &[Vec<Cell>]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = ReportWriter::new(format, COLUMNS, lang, zone, &mut out).unwrap();
    for r in rows {
        w.write_row(r).unwrap();
    }
    assert_eq!(w.finish().unwrap(), rows.len() as u64);
    out
}

fn csv_records(bytes: &[u8]) -> Vec<Vec<String>> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").expect("a UTF-8 BOM");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

fn xlsx_rows(bytes: Vec<u8>) -> (Vec<String>, Vec<Vec<Data>>) {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let names = book.sheet_names();
    let range = book.worksheet_range(&names[0]).unwrap();
    (names, range.rows().map(|r| r.to_vec()).collect())
}

/// A part of the XLSX zip, as text.
fn xlsx_part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut text = String::new();
    zip.by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// Excel's serial day number (days since 1899-12-30) of a wall-clock time `offset` seconds
/// east of UTC.
fn serial(unix: i64, offset: i64) -> f64 {
    (unix + offset) as f64 / 86_400.0 + 25_569.0
}

#[test]
fn csv_has_a_bom_crlf_lines_and_rfc4180_quoting() {
    let tricky = "Áo \"thun\", size M\nmàu trắng";
    let bytes = write(
        Format::Csv,
        Lang::Vi,
        &Zone::default(),
        &[row(tricky, 3, Some(T)), row("OASC00000002", -4, None)],
    );
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    // Every record ends with CRLF; the only bare LF is the one inside the quoted field.
    assert!(text.ends_with("\r\n"));
    assert_eq!(text.matches("\r\n").count(), 3, "{text:?}");
    assert_eq!(text.matches('\n').count(), 4, "{text:?}");
    assert!(
        text.contains("\"Áo \"\"thun\"\", size M\nmàu trắng\","),
        "quoted with doubled quotes: {text:?}"
    );
    // Plain fields are not quoted.
    assert!(text.starts_with("Mã,Trạng thái,Số lượng,"), "{text:?}");
    let records = csv_records(&bytes);
    assert_eq!(
        records[0],
        [
            "Mã",
            "Trạng thái",
            "Số lượng",
            "Khối lượng",
            "Tiền thu hộ",
            "Thời gian tạo",
            "Hạn sử dụng",
            "Bất thường"
        ]
    );
    assert_eq!(
        records[1],
        [
            tricky,
            "Đã bàn giao",
            "3",
            "12.5",
            "500000.50",
            "2027-01-15 15:00:00",
            "2027-03-31",
            "TRUE"
        ]
    );
    // A negative number stays a number; an absent time is empty.
    assert_eq!(records[2][2], "-4");
    assert_eq!(records[2][5], "");
}

#[test]
fn headers_and_labels_follow_the_language() {
    for (lang, header, label) in [
        (Lang::Vi, "Thời gian tạo", "Đã bàn giao"),
        (Lang::En, "Created", "Handed over"),
    ] {
        let rows = [row("A", 1, Some(T))];
        let records = csv_records(&write(Format::Csv, lang, &Zone::default(), &rows));
        assert_eq!(records[0][5], header);
        assert_eq!(records[1][1], label);
        let (_, xlsx) = xlsx_rows(write(Format::Xlsx, lang, &Zone::default(), &rows));
        assert_eq!(xlsx[0][5], Data::String(header.into()));
        assert_eq!(xlsx[1][1], Data::String(label.into()));
    }
    // Every report type's header row, in both languages and formats.
    for t in ReportType::ALL {
        for lang in [Lang::Vi, Lang::En] {
            let expected: Vec<&str> = t.columns().iter().map(|c| c.header(lang)).collect();
            let mut csv = Vec::new();
            t.writer(Format::Csv, lang, &Zone::default(), &mut csv)
                .unwrap()
                .finish()
                .unwrap();
            assert_eq!(csv_records(&csv)[0], expected, "{t:?} {lang:?}");
            let mut xlsx = Vec::new();
            t.writer(Format::Xlsx, lang, &Zone::default(), &mut xlsx)
                .unwrap()
                .finish()
                .unwrap();
            let (names, rows) = xlsx_rows(xlsx);
            assert_eq!(names, [lang.pick(t.title().0, t.title().1)]);
            let headers: Vec<Data> = expected
                .iter()
                .map(|h| Data::String(h.to_string()))
                .collect();
            assert_eq!(rows, [headers], "{t:?} {lang:?}");
        }
    }
}

#[test]
fn formula_like_text_gets_a_leading_quote_in_both_formats() {
    let triggers = [
        "=HYPERLINK(\"http://x\")",
        "+84912345678",
        "-2+3",
        "@SUM(A1)",
        "\tx",
        "\rx",
    ];
    let harmless = ["1-2", "a=b", "Đơn =1", ""];
    let mut rows = Vec::new();
    for t in triggers.iter().chain(&harmless) {
        let mut r = row(t, -5, Some(T));
        r[0] = Cell::from(*t);
        rows.push(r);
    }
    let records = csv_records(&write(Format::Csv, Lang::En, &Zone::default(), &rows));
    let (_, xlsx) = xlsx_rows(write(Format::Xlsx, Lang::En, &Zone::default(), &rows));
    for (i, t) in triggers.iter().enumerate() {
        assert_eq!(records[i + 1][0], format!("'{t}"));
        assert_eq!(xlsx[i + 1][0], Data::String(format!("'{t}")));
        // The rule is for text: a negative quantity stays a number.
        assert_eq!(records[i + 1][2], "-5");
        assert_eq!(xlsx[i + 1][2], Data::Float(-5.0));
    }
    for (i, t) in harmless.iter().enumerate() {
        let at = triggers.len() + i + 1;
        assert_eq!(records[at][0], *t);
        let expected = if t.is_empty() {
            Data::Empty
        } else {
            Data::String(t.to_string())
        };
        assert_eq!(xlsx[at][0], expected);
    }
}

#[test]
fn xlsx_cells_are_typed_and_times_are_in_the_business_time_zone() {
    let rows = [
        row("OASC00000001", 3, Some(T)),
        vec![
            Cell::from("OASC00000002"),
            Cell::Empty,
            Cell::from(None::<i64>),
            Cell::from(7i64),
            Cell::money(None),
            Cell::time(None),
            Cell::date(Some("2027-13-45")),
            Cell::from(false),
        ],
    ];
    let bytes = write(Format::Xlsx, Lang::Vi, &Zone::default(), &rows);
    let (names, xlsx) = xlsx_rows(bytes.clone());
    assert_eq!(names, ["Báo cáo"]);
    assert_eq!(xlsx.len(), 3);
    let r = &xlsx[1];
    assert_eq!(r[0], Data::String("OASC00000001".into()));
    assert_eq!(r[2], Data::Float(3.0));
    assert_eq!(r[3], Data::Float(12.5));
    assert_eq!(r[4], Data::Float(500_000.5));
    let Data::DateTime(created) = &r[5] else {
        panic!("a date-time, not {:?}", r[5]);
    };
    assert!(created.is_datetime());
    assert!(
        (created.as_f64() - serial(T, 7 * 3600)).abs() < 1e-6,
        "{created:?}"
    );
    let Data::DateTime(expiry) = &r[6] else {
        panic!("a date, not {:?}", r[6]);
    };
    // 2027-03-31 is serial day 46477.
    assert_eq!(expiry.as_f64(), 46_477.0);
    assert_eq!(r[7], Data::Bool(true));
    let r = &xlsx[2];
    assert_eq!(r[1], Data::Empty);
    assert_eq!(r[2], Data::Empty);
    assert_eq!(r[3], Data::Float(7.0), "an integer in a decimal column");
    assert_eq!(r[4], Data::Empty);
    assert_eq!(r[5], Data::Empty);
    assert_eq!(
        r[6],
        Data::String("2027-13-45".into()),
        "not a date: kept as text"
    );
    assert_eq!(r[7], Data::Bool(false));

    // The number formats: a date-time and a date in Vietnamese order, amounts with cents.
    let styles = xlsx_part(&bytes, "xl/styles.xml");
    for code in ["dd/mm/yyyy hh:mm:ss", "dd/mm/yyyy", "#,##0.00"] {
        assert!(
            styles.contains(&format!("formatCode=\"{code}\"")),
            "{code}: {styles}"
        );
    }
    // A bold header row, frozen, with filter buttons.
    assert!(styles.contains("<b/>"), "{styles}");
    let sheet = xlsx_part(&bytes, "xl/worksheets/sheet1.xml");
    let header_row =
        &sheet[sheet.find("<row r=\"1\"").unwrap()..sheet.find("<row r=\"2\"").unwrap()];
    let style = |cell: &str| -> String {
        let at = header_row.find(&format!("r=\"{cell}\"")).unwrap();
        let rest = &header_row[at..];
        rest[rest.find(" s=\"").unwrap() + 4..]
            .split('"')
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(style("A1"), style("H1"));
    let xfs = &styles[styles.find("<cellXfs").unwrap()..];
    let header_xf: usize = style("A1").parse().unwrap();
    let xf = xfs.split("<xf ").nth(header_xf + 1).unwrap();
    let font: usize = xf[xf.find("fontId=\"").unwrap() + 8..]
        .split('"')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let fonts = &styles[styles.find("<fonts").unwrap()..styles.find("</fonts>").unwrap()];
    assert!(
        fonts
            .split("<font>")
            .nth(font + 1)
            .unwrap()
            .contains("<b/>"),
        "{fonts}"
    );
    assert!(sheet.contains("ySplit=\"1\""), "frozen header: {sheet}");
    assert!(sheet.contains("<autoFilter ref=\"A1:H3\""), "{sheet}");

    // English order for English reports.
    let bytes = write(Format::Xlsx, Lang::En, &Zone::default(), &rows);
    let styles = xlsx_part(&bytes, "xl/styles.xml");
    assert!(
        styles.contains("formatCode=\"yyyy-mm-dd hh:mm:ss\""),
        "{styles}"
    );
}

#[test]
fn times_are_converted_in_the_given_zone() {
    let rows = [row("A", 1, Some(T)), row("B", 1, Some(T - 16_000_000))];
    // UTC, Vietnam, and a zone with daylight saving time (CET in January, CEST in July).
    for (zone, csv_times, offsets) in [
        (
            "UTC",
            ["2027-01-15 08:00:00", "2026-07-14 03:33:20"],
            [0, 0],
        ),
        (
            "Asia/Ho_Chi_Minh",
            ["2027-01-15 15:00:00", "2026-07-14 10:33:20"],
            [7 * 3600, 7 * 3600],
        ),
        (
            "Europe/Berlin",
            ["2027-01-15 09:00:00", "2026-07-14 05:33:20"],
            [3600, 2 * 3600],
        ),
    ] {
        let zone = Zone::named(zone).unwrap();
        let records = csv_records(&write(Format::Csv, Lang::En, &zone, &rows));
        assert_eq!([&records[1][5], &records[2][5]], csv_times, "{zone:?}");
        let (_, xlsx) = xlsx_rows(write(Format::Xlsx, Lang::En, &zone, &rows));
        for (i, (unix, offset)) in [T, T - 16_000_000].iter().zip(offsets).enumerate() {
            let Data::DateTime(t) = &xlsx[i + 1][5] else {
                panic!("{:?}", xlsx[i + 1][5]);
            };
            assert!(
                (t.as_f64() - serial(*unix, offset)).abs() < 1e-6,
                "{zone:?} {t:?}"
            );
        }
    }
}

#[test]
fn bad_rows_are_refused_and_nothing_of_them_is_written() {
    for format in Format::ALL {
        let mut out = Vec::new();
        let mut w =
            ReportWriter::new(format, COLUMNS, Lang::En, &Zone::default(), &mut out).unwrap();
        let short = &row("A", 1, Some(T))[..7];
        assert!(matches!(
            w.write_row(short),
            Err(ReportError::RowLength {
                row: 1,
                expected: 8,
                got: 7
            })
        ));
        let mut wrong = row("A", 1, Some(T));
        wrong[5] = Cell::from(T); // an integer in a time column
        match w.write_row(&wrong) {
            Err(ReportError::CellKind {
                row: 1,
                column: "created",
                expected: Kind::Time,
                got: "integer",
            }) => {}
            other => panic!("{other:?}"),
        }
        w.write_row(&row("B", 2, Some(T))).unwrap();
        assert_eq!(w.rows(), 1);
        assert_eq!(w.finish().unwrap(), 1);
        let codes: Vec<String> = match format {
            Format::Csv => csv_records(&out)
                .into_iter()
                .map(|r| r[0].clone())
                .collect(),
            Format::Xlsx => xlsx_rows(out)
                .1
                .into_iter()
                .map(|r| r[0].to_string())
                .collect(),
        };
        assert_eq!(codes, ["Code", "B"], "{format:?}");
    }
}

#[test]
fn texts_xlsx_cannot_hold_whole_are_cut_and_csv_keeps_them() {
    let long = "Đ".repeat(40_000);
    let mut r = row("A", 1, Some(T));
    r[0] = Cell::from(long.as_str());
    let records = csv_records(&write(
        Format::Csv,
        Lang::En,
        &Zone::default(),
        &[r.clone()],
    ));
    assert_eq!(records[1][0], long);
    let (_, xlsx) = xlsx_rows(write(Format::Xlsx, Lang::En, &Zone::default(), &[r]));
    let Data::String(cut) = &xlsx[1][0] else {
        panic!()
    };
    assert_eq!(cut.chars().count(), 32_767);
    assert!(long.starts_with(cut.as_str()));
}

#[test]
fn an_xlsx_sheet_refuses_rows_past_its_limit() {
    const ONE: &[Column] = &[Column::new("n", "Số", "N", Kind::Integer)];
    let dir = std::env::temp_dir();
    let options = Options {
        tempdir: Some(dir),
        ..Options::default()
    };
    let mut w = ReportWriter::with_options(
        Format::Xlsx,
        ONE,
        Lang::En,
        &Zone::default(),
        &options,
        std::io::sink(),
    )
    .unwrap();
    for i in 0..XLSX_MAX_ROWS {
        w.write_row(&[Cell::from(i as i64)]).unwrap();
    }
    assert!(matches!(
        w.write_row(&[Cell::from(0)]),
        Err(ReportError::TooManyRows {
            limit: XLSX_MAX_ROWS
        })
    ));
    assert_eq!(w.finish().unwrap(), XLSX_MAX_ROWS);
}

#[test]
fn control_characters_survive_both_formats() {
    // Control characters are escaped in the XLSX's XML (`_x0001_`), and so is text that looks
    // like such an escape.
    let text = "a\u{1}b\u{7}c\td\u{1b}e_x0041_f";
    let mut r = row("A", 1, Some(T));
    r[0] = Cell::from(text);
    let (_, xlsx) = xlsx_rows(write(
        Format::Xlsx,
        Lang::En,
        &Zone::default(),
        &[r.clone()],
    ));
    assert_eq!(xlsx[1][0], Data::String(text.into()));
    let records = csv_records(&write(Format::Csv, Lang::En, &Zone::default(), &[r]));
    assert_eq!(records[1][0], text);
}
