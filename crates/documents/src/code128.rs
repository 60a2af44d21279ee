//! Code 128 (ISO/IEC 15417) for printable ASCII, using code sets B and C.
//!
//! Text is encoded in set B, with runs of digits packed two per symbol in set C where that is
//! shorter: the whole text when it starts with four or more digits (an even run), a run of six
//! or more digits inside it, four or more at its end. The result is the symbol values (start,
//! data, mod-103 check, stop) and the bar/space widths a renderer draws.

use crate::DocumentError;

pub(crate) const CODE_C: u8 = 99;
pub(crate) const CODE_B: u8 = 100;
pub(crate) const START_B: u8 = 104;
pub(crate) const START_C: u8 = 105;
pub(crate) const STOP: u8 = 106;

/// Bar and space widths of each symbol value, in modules (bar first). Every symbol is 11
/// modules wide; the stop symbol, with its final bar, is 13.
pub(crate) const PATTERNS: [&[u8]; 107] = [
    b"212222", b"222122", b"222221", b"121223", b"121322", b"131222", b"122213", b"122312",
    b"132212", b"221213", b"221312", b"231212", b"112232", b"122132", b"122231", b"113222",
    b"123122", b"123221", b"223211", b"221132", b"221231", b"213212", b"223112", b"312131",
    b"311222", b"321122", b"321221", b"312212", b"322112", b"322211", b"212123", b"212321",
    b"232121", b"111323", b"131123", b"131321", b"112313", b"132113", b"132311", b"211313",
    b"231113", b"231311", b"112133", b"112331", b"132131", b"113123", b"113321", b"133121",
    b"313121", b"211331", b"231131", b"213113", b"213311", b"213131", b"311123", b"311321",
    b"331121", b"312113", b"312311", b"332111", b"314111", b"221411", b"431111", b"111224",
    b"111422", b"121124", b"121421", b"141122", b"141221", b"112214", b"112412", b"122114",
    b"122411", b"142112", b"142211", b"241211", b"221114", b"413111", b"241112", b"134111",
    b"111242", b"121142", b"121241", b"114212", b"124112", b"124211", b"411212", b"421112",
    b"421211", b"212141", b"214121", b"412121", b"111143", b"111341", b"131141", b"114113",
    b"114311", b"411113", b"411311", b"113141", b"114131", b"311141", b"411131", b"211412",
    b"211214", b"211232", b"2331112",
];

/// Quiet zone a reader needs on each side, in modules.
pub const QUIET_ZONE: u32 = 10;

/// The symbol values for `text`: start, data, check, stop.
pub fn symbols(text: &str) -> Result<Vec<u8>, DocumentError> {
    let bytes = text.as_bytes();
    if bytes.is_empty() || !bytes.iter().all(|b| (32..=126).contains(b)) {
        return Err(DocumentError::Barcode(format!(
            "{text:?}: Code 128 here takes 1 or more printable ASCII characters"
        )));
    }
    let digits_from = |i: usize| bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
    let n = bytes.len();

    let first_run = digits_from(0);
    let mut in_c =
        first_run >= 4 && first_run.is_multiple_of(2) || first_run == n && n.is_multiple_of(2);
    let mut values = vec![if in_c { START_C } else { START_B }];
    let mut i = 0;
    while i < n {
        let run = digits_from(i);
        if in_c {
            if run >= 2 {
                values.push((bytes[i] - b'0') * 10 + (bytes[i + 1] - b'0'));
                i += 2;
            } else {
                values.push(CODE_B);
                in_c = false;
            }
        } else if run.is_multiple_of(2) && (run >= 6 || run >= 4 && i + run == n) {
            values.push(CODE_C);
            in_c = true;
        } else {
            values.push(bytes[i] - 32);
            i += 1;
        }
    }
    let check = values
        .iter()
        .enumerate()
        .map(|(pos, &v)| pos.max(1) as u32 * u32::from(v))
        .sum::<u32>()
        % 103;
    values.push(check as u8);
    values.push(STOP);
    Ok(values)
}

/// The bar/space widths of the symbols, in modules, starting with a bar and ending with one.
pub fn widths(symbols: &[u8]) -> Vec<u8> {
    symbols
        .iter()
        .flat_map(|&s| PATTERNS[usize::from(s)].iter().map(|d| d - b'0'))
        .collect()
}

/// The barcode for `text` as modules, true for a dark one (no quiet zone).
pub fn modules(text: &str) -> Result<Vec<bool>, DocumentError> {
    let mut out = Vec::new();
    for (i, w) in widths(&symbols(text)?).into_iter().enumerate() {
        out.extend(std::iter::repeat_n(i.is_multiple_of(2), usize::from(w)));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collapse(modules: &[bool]) -> String {
        modules.iter().map(|&m| if m { '1' } else { '0' }).collect()
    }

    use crate::inspect::decode_code128 as decode;

    #[test]
    fn every_pattern_has_the_right_width() {
        for (value, p) in PATTERNS.iter().enumerate() {
            let sum: u32 = p.iter().map(|d| u32::from(d - b'0')).sum();
            let expected = if value == usize::from(STOP) { 13 } else { 11 };
            assert_eq!(sum, expected, "symbol {value}");
            // Code 128's parity: a symbol's bars always cover an even number of modules.
            let bars: u32 = p.iter().step_by(2).map(|d| u32::from(d - b'0')).sum();
            assert_eq!(bars % 2, 0, "bar modules of symbol {value} are even");
        }
    }

    #[test]
    fn known_patterns() {
        // Start B, Start C and stop, as printed in the standard's table.
        assert_eq!(collapse(&modules("A").unwrap()[..11]), "11010010000");
        assert_eq!(collapse(&modules("12").unwrap()[..11]), "11010011100");
        let stop = "1100011101011";
        assert!(collapse(&modules("A").unwrap()).ends_with(stop));
        // "A" in set B: Start B (104), A (33), check (104 + 33) % 103 = 34, stop.
        assert_eq!(symbols("A").unwrap(), vec![104, 33, 34, 106]);
        assert_eq!(
            collapse(&modules("A").unwrap()),
            format!("11010010000{}{}{stop}", "10100011000", "10001011000")
        );
        // "PJJ123C" stays in set B (a 3-digit run is not worth set C): check =
        // (104 + 1·48 + 2·42 + 3·42 + 4·17 + 5·18 + 6·19 + 7·35) mod 103 = 879 mod 103 = 55.
        assert_eq!(
            symbols("PJJ123C").unwrap(),
            vec![104, 48, 42, 42, 17, 18, 19, 35, 55, 106]
        );
        // An all-digit even string is packed in set C from the start.
        assert_eq!(
            symbols("1234").unwrap(),
            vec![105, 12, 34, (105 + 12 + 68) % 103, 106]
        );
    }

    #[test]
    fn po_codes_use_set_c_for_their_digits() {
        // OAPO + 9 digits: "OAPO1" in B, then 23 45 67 89 in C.
        let s = symbols("OAPO123456789").unwrap();
        assert_eq!(
            &s[..11],
            &[104, 47, 33, 48, 47, 17, CODE_C, 23, 45, 67, 89],
            "{s:?}"
        );
        assert_eq!(decode(&widths(&s)).unwrap(), "OAPO123456789");
    }

    /// The same symbols, encoded by the `barcoders` crate, give the same modules.
    #[test]
    fn agrees_with_an_independent_encoder() {
        use barcoders::sym::code128::Code128;
        let cases = [
            ("OAPO000000001", "ƁOAPO0Ć00000001"),
            ("OAPO123456789", "ƁOAPO1Ć23456789"),
            ("PJJ123C", "ƁPJJ123C"),
            ("12345678", "Ć12345678"),
            ("123456A", "Ć123456ƁA"),
            ("Mã", "ƁM"), // Not ASCII: refused below.
            ("PO-2024/01 x", "ƁPO-2024/01 x"),
            ("A1234567", "ƁA1Ć234567"),
            ("AB123456CD", "ƁABĆ123456ƁCD"),
        ];
        for (text, with_sets) in cases {
            let ours = match modules(text) {
                Ok(m) => m,
                Err(_) => {
                    assert!(!text.is_ascii());
                    continue;
                }
            };
            let theirs = Code128::new(with_sets).unwrap().encode();
            let theirs: Vec<bool> = theirs.iter().map(|&m| m == 1).collect();
            assert_eq!(collapse(&ours), collapse(&theirs), "{text}");
        }
    }

    #[test]
    fn round_trips_through_a_decoder() {
        let mut cases: Vec<String> = vec![
            "0".into(),
            "00".into(),
            "007".into(),
            "9999".into(),
            " ~!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}".into(),
            "OASIN0000001".into(),
            "OASC00000001".into(),
            "OARSC000000001".into(),
        ];
        // A deterministic spread of mixed strings.
        let alphabet = b"0123456789ABCxyz-/ ";
        let mut seed = 12345u32;
        for len in 1..40 {
            let mut s = String::new();
            for _ in 0..len {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                s.push(alphabet[(seed >> 16) as usize % alphabet.len()] as char);
            }
            cases.push(s);
        }
        for text in cases {
            let w = widths(&symbols(&text).unwrap());
            assert_eq!(decode(&w).as_deref(), Ok(text.as_str()));
        }
    }

    #[test]
    fn refuses_what_it_cannot_encode() {
        assert!(symbols("").is_err());
        assert!(symbols("Mã đơn").is_err());
        assert!(symbols("tab\there").is_err());
    }
}
