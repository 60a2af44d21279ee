//! The two languages of messages and labels (SPEC §1.3).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Vietnamese, the default when a client names no language.
    #[default]
    Vi,
    En,
}

impl Lang {
    /// Reads an `Accept-Language` header value. The first supported language in the header
    /// wins (`en-US,en;q=0.9` → English); anything else falls back to Vietnamese.
    pub fn from_accept_language(header: Option<&str>) -> Lang {
        let Some(header) = header else {
            return Lang::Vi;
        };
        for part in header.split(',') {
            let tag = part
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            let primary = tag.split('-').next().unwrap_or("");
            match primary {
                "en" => return Lang::En,
                "vi" => return Lang::Vi,
                _ => {}
            }
        }
        Lang::Vi
    }

    /// Picks the text of this language from a (vi, en) pair.
    pub fn pick(self, vi: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }

    pub fn parse(value: &str) -> Option<Lang> {
        match value {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_first_supported() {
        assert_eq!(Lang::from_accept_language(None), Lang::Vi);
        assert_eq!(Lang::from_accept_language(Some("en")), Lang::En);
        assert_eq!(Lang::from_accept_language(Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(Lang::from_accept_language(Some("fr, vi;q=0.5")), Lang::Vi);
        assert_eq!(Lang::from_accept_language(Some("de")), Lang::Vi);
    }
}
