//! Reads back what a PDF rendered by this crate shows, for tests here and in the API's
//! black-box tests: each page's size, its text (through the font's ToUnicode map, the way a
//! viewer's copy-paste or search gets it) and its Code 128 barcodes (decoded from the drawn
//! bars, the way a scanner reads the widths of bars and spaces).
//!
//! It understands the PDFs this crate writes (Flate streams, one font), not PDF in general.

use crate::code128::{CODE_B, CODE_C, PATTERNS, START_B, START_C, STOP};
use std::collections::HashMap;

/// The inflated streams of a PDF, in file order.
fn streams(pdf: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = pdf;
    while let Some(start) = find(rest, b"\nstream\n") {
        let data = &rest[start + 8..];
        let Some(end) = find(data, b"\nendstream") else {
            break;
        };
        if let Ok(inflated) = miniz_oxide::inflate::decompress_to_vec_zlib(&data[..end]) {
            out.push(inflated);
        }
        rest = &data[end..];
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Glyph id → text, from the ToUnicode CMap.
fn unicode_map(cmap: &[u8]) -> HashMap<u16, String> {
    let text = String::from_utf8_lossy(cmap);
    let mut map = HashMap::new();
    for line in text.lines() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        if let [glyph, unicode] = parts[..] {
            let (Some(glyph), Some(unicode)) = (
                glyph.strip_prefix('<').and_then(|g| g.strip_suffix('>')),
                unicode.strip_prefix('<').and_then(|u| u.strip_suffix('>')),
            ) else {
                continue;
            };
            let units: Vec<u16> = (0..unicode.len() / 4)
                .map(|i| u16::from_str_radix(&unicode[i * 4..i * 4 + 4], 16).unwrap())
                .collect();
            map.insert(
                u16::from_str_radix(glyph, 16).unwrap(),
                String::from_utf16(&units).unwrap(),
            );
        }
    }
    map
}

fn literal(content: &[u8], mut i: usize) -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    let mut depth = 0;
    while i < content.len() {
        let b = content[i];
        i += 1;
        match b {
            b'\\' => {
                let e = content[i];
                i += 1;
                match e {
                    b'n' => out.push(b'\n'),
                    b'r' => out.push(b'\r'),
                    b't' => out.push(b'\t'),
                    b'b' => out.push(8),
                    b'f' => out.push(12),
                    b'0'..=b'7' => {
                        let mut v = u32::from(e - b'0');
                        for _ in 0..2 {
                            match content.get(i) {
                                Some(d @ b'0'..=b'7') => {
                                    v = v * 8 + u32::from(d - b'0');
                                    i += 1;
                                }
                                _ => break,
                            }
                        }
                        out.push(v as u8);
                    }
                    other => out.push(other),
                }
            }
            b'(' => {
                depth += 1;
                out.push(b);
            }
            b')' if depth == 0 => return (out, i),
            b')' => {
                depth -= 1;
                out.push(b);
            }
            _ => out.push(b),
        }
    }
    (out, i)
}

fn hex(content: &[u8], i: usize) -> (Vec<u8>, usize) {
    let end = i + content[i..].iter().position(|&b| b == b'>').unwrap();
    let digits: Vec<u8> = content[i..end]
        .iter()
        .copied()
        .filter(|b| b.is_ascii_hexdigit())
        .collect();
    let bytes = digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
        .collect();
    (bytes, end + 1)
}

/// The page content streams, in page order (the font program and the ToUnicode map left out).
fn content_streams(streams: &[Vec<u8>]) -> Vec<&Vec<u8>> {
    streams
        .iter()
        .filter(|s| !s.starts_with(&[0, 1, 0, 0]) && find(s, b"begincmap").is_none())
        .collect()
}

/// A string shown on a page: its text, where its baseline starts (points from the page's
/// top-left corner) and its size.
#[derive(Debug, Clone, PartialEq)]
pub struct TextRun {
    pub text: String,
    pub x: f32,
    pub y: f32,
    pub size: f32,
}

/// Each page's strings, in drawing order.
pub fn text_runs(pdf: &[u8]) -> Vec<Vec<TextRun>> {
    let streams = streams(pdf);
    let sizes = page_sizes(pdf);
    let map = streams
        .iter()
        .find(|s| find(s, b"beginbfchar").is_some())
        .map(|cmap| unicode_map(cmap))
        .unwrap_or_default();
    content_streams(&streams)
        .into_iter()
        .enumerate()
        .map(|(page, content)| {
            let height = sizes.get(page).map(|s| s.1).unwrap_or(0.0);
            parse_content(content)
                .runs
                .into_iter()
                .map(|(bytes, x, y, size)| TextRun {
                    text: bytes
                        .chunks(2)
                        .map(|g| {
                            let glyph = u16::from_be_bytes([g[0], g.get(1).copied().unwrap_or(0)]);
                            map.get(&glyph)
                                .cloned()
                                .unwrap_or_else(|| "\u{FFFD}".into())
                        })
                        .collect(),
                    x,
                    y: height - y,
                    size,
                })
                .collect()
        })
        .collect()
}

/// Each page's text: one line per shown string.
pub fn page_texts(pdf: &[u8]) -> Vec<String> {
    text_runs(pdf)
        .into_iter()
        .map(|runs| {
            runs.into_iter()
                .map(|r| r.text)
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect()
}

/// Each page's size in points (width, height), from its MediaBox.
pub fn page_sizes(pdf: &[u8]) -> Vec<(f32, f32)> {
    let text = String::from_utf8_lossy(pdf);
    text.match_indices("/MediaBox [")
        .filter_map(|(at, m)| {
            let rest = &text[at + m.len()..];
            let inner = &rest[..rest.find(']')?];
            let n: Vec<f32> = inner
                .split_whitespace()
                .filter_map(|v| v.parse().ok())
                .collect();
            (n.len() == 4).then(|| (n[2] - n[0], n[3] - n[1]))
        })
        .collect()
}

/// A barcode found on a page: what it says and where it is (points, from the page's
/// top-left corner).
#[derive(Debug, Clone, PartialEq)]
pub struct FoundBarcode {
    pub text: String,
    pub left: f32,
    pub top: f32,
    /// From the first bar's left edge to the last bar's right edge.
    pub width: f32,
    pub height: f32,
    /// The narrowest bar or space.
    pub module: f32,
}

/// Each page's Code 128 barcodes, in drawing order. A group of ten or more bars filled
/// together is taken for a barcode; one that does not decode is reported with its error as
/// its text (`"?…"`), so a test sees it.
pub fn barcodes(pdf: &[u8]) -> Vec<Vec<FoundBarcode>> {
    let streams = streams(pdf);
    let sizes = page_sizes(pdf);
    content_streams(&streams)
        .into_iter()
        .enumerate()
        .map(|(page, content)| {
            let height = sizes.get(page).map(|s| s.1).unwrap_or(0.0);
            parse_content(content)
                .fills
                .into_iter()
                .filter(|g| g.len() >= 10)
                .map(|g| read_bars(g, height))
                .collect()
        })
        .collect()
}

#[derive(Default)]
struct Parsed {
    /// Shown strings: (glyph bytes, x, y in PDF coordinates, font size).
    runs: Vec<(Vec<u8>, f32, f32, f32)>,
    /// The rectangles of each filled path, in PDF coordinates (x, y, w, h).
    fills: Vec<Vec<[f32; 4]>>,
}

/// The text and filled rectangles of a content stream as this crate writes them (text placed
/// with `Td` inside its own `BT … ET`, rectangles with `re`).
fn parse_content(content: &[u8]) -> Parsed {
    let mut out = Parsed::default();
    let mut rects = Vec::new();
    let mut numbers: Vec<f32> = Vec::new();
    let mut string: Option<Vec<u8>> = None;
    let (mut x, mut y, mut size) = (0.0, 0.0, 0.0);
    let mut i = 0;
    while i < content.len() {
        let b = content[i];
        if b.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if b == b'(' {
            let (s, next) = literal(content, i + 1);
            string = Some(s);
            i = next;
            continue;
        }
        if b == b'<' && content.get(i + 1) != Some(&b'<') {
            let (s, next) = hex(content, i + 1);
            string = Some(s);
            i = next;
            continue;
        }
        let len = content[i..]
            .iter()
            .skip(1)
            .position(|c| c.is_ascii_whitespace() || b"()<>[]/".contains(c))
            .map(|p| p + 1)
            .unwrap_or(content.len() - i);
        let token = &content[i..i + len];
        i += len;
        if let Some(v) = std::str::from_utf8(token)
            .ok()
            .and_then(|t| t.parse::<f32>().ok())
        {
            numbers.push(v);
            continue;
        }
        let last = |n: usize| numbers.len().checked_sub(n).map(|at| &numbers[at..]);
        match token {
            b"Tf" => size = last(1).map(|n| n[0]).unwrap_or(size),
            b"BT" => (x, y) = (0.0, 0.0),
            b"Td" => {
                if let Some(n) = last(2) {
                    x += n[0];
                    y += n[1];
                }
            }
            b"Tj" => {
                if let Some(s) = string.take() {
                    out.runs.push((s, x, y, size));
                }
            }
            b"re" => {
                if let Some(n) = last(4) {
                    rects.push([n[0], n[1], n[2], n[3]]);
                }
            }
            b"f" | b"F" | b"f*" => out.fills.push(std::mem::take(&mut rects)),
            b"S" | b"s" | b"n" | b"B" | b"b" | b"Q" => rects.clear(),
            _ => {}
        }
        numbers.clear();
    }
    out
}

fn read_bars(mut rects: Vec<[f32; 4]>, page_height: f32) -> FoundBarcode {
    rects.sort_by(|a, b| a[0].total_cmp(&b[0]));
    let first = rects[0];
    let last = rects[rects.len() - 1];
    let mut found = FoundBarcode {
        text: String::new(),
        left: first[0],
        top: page_height - (first[1] + first[3]),
        width: last[0] + last[2] - first[0],
        height: first[3],
        module: 0.0,
    };
    let same_row = rects
        .iter()
        .all(|r| (r[1] - first[1]).abs() < 0.01 && (r[3] - first[3]).abs() < 0.01);
    if !same_row {
        found.text = "?bars of different heights".into();
        return found;
    }
    // Bar, space, bar, … widths in points.
    let mut lengths = Vec::with_capacity(rects.len() * 2);
    for (i, r) in rects.iter().enumerate() {
        if i > 0 {
            let prev = rects[i - 1];
            lengths.push(r[0] - (prev[0] + prev[2]));
        }
        lengths.push(r[2]);
    }
    let module = lengths.iter().copied().fold(f32::INFINITY, f32::min);
    found.module = module;
    let mut widths = Vec::with_capacity(lengths.len());
    for l in &lengths {
        let m = l / module;
        let rounded = m.round();
        if (m - rounded).abs() > 0.1 || !(1.0..=4.0).contains(&rounded) {
            found.text = format!("?a bar or space of {m:.2} modules");
            return found;
        }
        widths.push(rounded as u8);
    }
    found.text = decode_code128(&widths).unwrap_or_else(|e| format!("?{e}"));
    found
}

/// Reads Code 128 bar/space widths (in modules, bar first, stop included) back into text,
/// checking the structure and the check symbol. Handles code sets B and C.
pub fn decode_code128(widths: &[u8]) -> Result<String, String> {
    let stop = PATTERNS[usize::from(STOP)];
    let body_len = widths.len().checked_sub(stop.len()).ok_or("too short")?;
    if !body_len.is_multiple_of(6) || body_len == 0 {
        return Err(format!("{} widths is not whole symbols", widths.len()));
    }
    if widths[body_len..] != stop.iter().map(|d| d - b'0').collect::<Vec<_>>()[..] {
        return Err("no stop symbol".into());
    }
    let values: Vec<u8> = widths[..body_len]
        .chunks(6)
        .map(|c| {
            PATTERNS
                .iter()
                .position(|p| p.len() == 6 && p.iter().zip(c).all(|(d, w)| d - b'0' == *w))
                .map(|v| v as u8)
                .ok_or_else(|| format!("unknown symbol {c:?}"))
        })
        .collect::<Result<_, _>>()?;
    let (check, data) = values.split_last().ok_or("empty")?;
    let sum: u32 = data
        .iter()
        .enumerate()
        .map(|(i, &v)| i.max(1) as u32 * u32::from(v))
        .sum();
    if sum % 103 != u32::from(*check) {
        return Err("bad check symbol".into());
    }
    let mut text = String::new();
    let mut in_c = match data.first() {
        Some(&START_B) => false,
        Some(&START_C) => true,
        other => return Err(format!("unexpected start {other:?}")),
    };
    for &v in &data[1..] {
        match (in_c, v) {
            (true, CODE_B) => in_c = false,
            (false, CODE_C) => in_c = true,
            (true, 0..=99) => text.push_str(&format!("{v:02}")),
            (false, 0..=94) => text.push((v + 32) as char),
            _ => return Err(format!("unexpected value {v}")),
        }
    }
    Ok(text)
}
