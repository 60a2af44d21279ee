//! Test-only text extraction: reads back the text a PDF written here shows, page by page,
//! through its ToUnicode map, the way a viewer's copy-paste or search does.

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

/// The strings shown with `Tj` in a content stream, as bytes.
fn shown_strings(content: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < content.len() {
        let (string, next) = match content[i] {
            b'(' => literal(content, i + 1),
            b'<' if content.get(i + 1) != Some(&b'<') => hex(content, i + 1),
            _ => {
                i += 1;
                continue;
            }
        };
        i = next;
        let after = &content[i..];
        let after = &after[after.iter().take_while(|b| b.is_ascii_whitespace()).count()..];
        if after.starts_with(b"Tj") {
            out.push(string);
        }
    }
    out
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

/// Each page's text: one line per shown string.
pub fn page_texts(pdf: &[u8]) -> Vec<String> {
    let streams = streams(pdf);
    let cmap = streams
        .iter()
        .find(|s| find(s, b"beginbfchar").is_some())
        .expect("a ToUnicode map");
    let map = unicode_map(cmap);
    streams
        .iter()
        .filter(|s| {
            !s.starts_with(&[0, 1, 0, 0]) && find(s, b"BT").is_some() && find(s, b"Tj").is_some()
        })
        .filter(|s| find(s, b"begincmap").is_none())
        .map(|content| {
            shown_strings(content)
                .iter()
                .map(|bytes| {
                    bytes
                        .chunks(2)
                        .map(|g| {
                            let glyph = u16::from_be_bytes([g[0], g[1]]);
                            map.get(&glyph)
                                .cloned()
                                .unwrap_or_else(|| "\u{FFFD}".into())
                        })
                        .collect::<String>()
                })
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect()
}
