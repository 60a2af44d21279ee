//! A small page-drawing layer over `pdf-writer`: pages of one size (A4, A6), one embedded
//! TrueType font (DejaVu Sans, subset to the glyphs used) for any Unicode text it covers, filled
//! rectangles and lines.
//!
//! Coordinates are in points from the page's top-left corner (y grows downwards); text is placed
//! by its baseline. Content streams and the font are Flate-compressed.

use crate::DocumentError;
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, TextRenderingMode, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use std::collections::BTreeMap;
use subsetter::GlyphRemapper;
use ttf_parser::{Face, GlyphId};
use unicode_normalization::UnicodeNormalization;

/// Points in a millimetre.
pub const MM: f32 = 72.0 / 25.4;

/// A page's size in points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageSize {
    pub width: f32,
    pub height: f32,
}

/// 210 × 297 mm.
pub const A4: PageSize = PageSize {
    width: 595.28,
    height: 841.89,
};

/// 105 × 148 mm, the common shipping-label size.
pub const A6: PageSize = PageSize {
    width: 297.64,
    height: 419.53,
};

const FONT_DATA: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
const FONT_NAME: &[u8] = b"F1";

/// How text looks: size in points, weight, gray level (0 black … 1 white).
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub size: f32,
    pub bold: bool,
    pub gray: f32,
}

impl Style {
    pub const fn regular(size: f32) -> Style {
        Style {
            size,
            bold: false,
            gray: 0.0,
        }
    }
    pub const fn bold(size: f32) -> Style {
        Style {
            size,
            bold: true,
            gray: 0.0,
        }
    }
    pub const fn gray(mut self, gray: f32) -> Style {
        self.gray = gray;
        self
    }
}

/// The embedded font: glyph lookup and text measurement.
pub struct Font {
    face: Face<'static>,
    units_per_em: f32,
    /// Drawn for a character the font lacks.
    fallback: u16,
}

impl Font {
    pub fn load() -> Result<Font, DocumentError> {
        let face = Face::parse(FONT_DATA, 0)
            .map_err(|e| DocumentError::Font(format!("DejaVu Sans: {e}")))?;
        let fallback = face.glyph_index('?').map(|g| g.0).unwrap_or(0);
        Ok(Font {
            units_per_em: f32::from(face.units_per_em()),
            face,
            fallback,
        })
    }

    /// True when the font has a glyph of its own for `c`.
    pub fn covers(&self, c: char) -> bool {
        self.face.glyph_index(c).is_some()
    }

    fn glyph(&self, c: char) -> u16 {
        self.face
            .glyph_index(c)
            .map(|g| g.0)
            .unwrap_or(self.fallback)
    }

    fn advance(&self, glyph: u16) -> f32 {
        f32::from(self.face.glyph_hor_advance(GlyphId(glyph)).unwrap_or(0))
    }

    /// The width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        normalize(text)
            .map(|c| self.advance(self.glyph(c)))
            .sum::<f32>()
            * size
            / self.units_per_em
    }

    /// `text` broken into lines no wider than `max` (at word boundaries, inside a word only
    /// when the word alone is too wide). Newlines in `text` start new lines.
    pub fn wrap(&self, text: &str, size: f32, max: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            for word in paragraph.split_whitespace() {
                let candidate = if line.is_empty() {
                    word.to_string()
                } else {
                    format!("{line} {word}")
                };
                if self.width(&candidate, size) <= max {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                // A word wider than the line is cut where it must be.
                for c in word.chars() {
                    let mut next = line.clone();
                    next.push(c);
                    if !line.is_empty() && self.width(&next, size) > max {
                        lines.push(std::mem::take(&mut line));
                        line.push(c);
                    } else {
                        line = next;
                    }
                }
            }
            lines.push(line);
        }
        lines
    }

    /// `text` shortened with "…" to fit `max`.
    pub fn fit(&self, text: &str, size: f32, max: f32) -> String {
        if self.width(text, size) <= max {
            return text.to_string();
        }
        let mut out = String::new();
        for c in normalize(text) {
            let mut next = out.clone();
            next.push(c);
            next.push('…');
            if self.width(&next, size) > max {
                break;
            }
            out.push(c);
        }
        out.push('…');
        out
    }
}

/// Composed form (so "ế" typed as e + ◌̂ + ◌́ uses the font's single glyph), without control
/// characters.
fn normalize(text: &str) -> impl Iterator<Item = char> + '_ {
    text.nfc().filter(|c| !c.is_control())
}

/// A document being drawn: pages of content and the glyphs they use.
pub struct Doc {
    pub font: Font,
    pub size: PageSize,
    glyphs: GlyphRemapper,
    /// New glyph id → the character it shows (for copy-paste and search).
    unicode: BTreeMap<u16, char>,
    pages: Vec<Content>,
    current: usize,
}

impl Doc {
    pub fn new(size: PageSize) -> Result<Doc, DocumentError> {
        Ok(Doc {
            font: Font::load()?,
            size,
            glyphs: GlyphRemapper::new(),
            unicode: BTreeMap::new(),
            pages: Vec::new(),
            current: 0,
        })
    }

    /// Starts a new page and draws on it from now on.
    pub fn add_page(&mut self) {
        self.pages.push(Content::new());
        self.current = self.pages.len() - 1;
    }

    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// Draws on an earlier page (0-based), e.g. to add footers once the page count is known.
    pub fn select_page(&mut self, index: usize) {
        assert!(index < self.pages.len(), "no page {index}");
        self.current = index;
    }

    fn content(&mut self) -> &mut Content {
        &mut self.pages[self.current]
    }

    /// Text with its baseline at `y`, starting at `x`.
    pub fn text(&mut self, x: f32, y: f32, style: Style, text: &str) {
        let mut encoded = Vec::new();
        for c in normalize(text) {
            let old = self.font.glyph(c);
            let new = self.glyphs.remap(old);
            let shown = if self.font.covers(c) { c } else { '?' };
            self.unicode.entry(new).or_insert(shown);
            encoded.extend_from_slice(&new.to_be_bytes());
        }
        if encoded.is_empty() {
            return;
        }
        let height = self.size.height;
        let content = &mut self.pages[self.current];
        content.save_state();
        content.set_fill_gray(style.gray);
        if style.bold {
            // Emboldened by stroking the outline too: one embedded font serves both weights.
            content.set_text_rendering_mode(TextRenderingMode::FillStroke);
            content.set_stroke_gray(style.gray);
            content.set_line_width(style.size * 0.045);
        }
        content.begin_text();
        content.set_font(Name(FONT_NAME), style.size);
        content.next_line(x, height - y);
        content.show(Str(&encoded));
        content.end_text();
        content.restore_state();
    }

    /// Text ending at `right`.
    pub fn text_right(&mut self, right: f32, y: f32, style: Style, text: &str) {
        let w = self.font.width(text, style.size);
        self.text(right - w, y, style, text);
    }

    /// Text centred on `center`.
    pub fn text_center(&mut self, center: f32, y: f32, style: Style, text: &str) {
        let w = self.font.width(text, style.size);
        self.text(center - w / 2.0, y, style, text);
    }

    /// A filled rectangle whose top-left corner is (`x`, `y`).
    pub fn fill_rect(&mut self, x: f32, y: f32, w: f32, h: f32, gray: f32) {
        let height = self.size.height;
        let content = self.content();
        content.save_state();
        content.set_fill_gray(gray);
        content.rect(x, height - y - h, w, h);
        content.fill_nonzero();
        content.restore_state();
    }

    /// A rectangle's outline.
    pub fn stroke_rect(&mut self, x: f32, y: f32, w: f32, h: f32, width: f32, gray: f32) {
        let height = self.size.height;
        let content = self.content();
        content.save_state();
        content.set_stroke_gray(gray);
        content.set_line_width(width);
        content.rect(x, height - y - h, w, h);
        content.stroke();
        content.restore_state();
    }

    /// A straight line.
    pub fn line(&mut self, from: (f32, f32), to: (f32, f32), width: f32, gray: f32) {
        let height = self.size.height;
        let content = self.content();
        content.save_state();
        content.set_stroke_gray(gray);
        content.set_line_width(width);
        content.move_to(from.0, height - from.1);
        content.line_to(to.0, height - to.1);
        content.stroke();
        content.restore_state();
    }

    /// Vertical black bars, e.g. a barcode: each `(x, width)` from `top` down `height` points.
    pub fn bars(&mut self, bars: &[(f32, f32)], top: f32, height: f32) {
        let page_height = self.size.height;
        let content = self.content();
        content.save_state();
        content.set_fill_gray(0.0);
        for &(x, w) in bars {
            content.rect(x, page_height - top - height, w, height);
        }
        content.fill_nonzero();
        content.restore_state();
    }

    /// The finished PDF file.
    pub fn finish(self, title: &str) -> Result<Vec<u8>, DocumentError> {
        let mut next = Ref::new(1);
        let catalog_id = next.bump();
        let tree_id = next.bump();
        let info_id = next.bump();
        let type0_id = next.bump();
        let cid_id = next.bump();
        let descriptor_id = next.bump();
        let font_file_id = next.bump();
        let cmap_id = next.bump();
        let page_ids: Vec<(Ref, Ref)> = self
            .pages
            .iter()
            .map(|_| (next.bump(), next.bump()))
            .collect();

        let mut pdf = Pdf::new();
        pdf.catalog(catalog_id).pages(tree_id);
        pdf.pages(tree_id)
            .kids(page_ids.iter().map(|(page, _)| *page))
            .count(page_ids.len() as i32);
        pdf.document_info(info_id)
            .title(TextStr(title))
            .producer(TextStr("Depot"));

        for ((page_id, content_id), content) in page_ids.iter().zip(self.pages) {
            let mut page = pdf.page(*page_id);
            page.media_box(Rect::new(0.0, 0.0, self.size.width, self.size.height));
            page.parent(tree_id);
            page.contents(*content_id);
            page.resources().fonts().pair(Name(FONT_NAME), type0_id);
            page.finish();
            let data = compress(&content.finish());
            pdf.stream(*content_id, &data).filter(Filter::FlateDecode);
        }

        // The font: Type 0 over a CID-keyed TrueType subset, glyph ids as CIDs.
        let face = &self.font.face;
        let base_font = format!("{}+DejaVuSans", subset_tag(&self.glyphs));
        let scale = 1000.0 / self.font.units_per_em;
        pdf.type0_font(type0_id)
            .base_font(Name(base_font.as_bytes()))
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid_id)
            .to_unicode(cmap_id);
        let widths: Vec<f32> = self
            .glyphs
            .remapped_gids()
            .map(|old| self.font.advance(old) * scale)
            .collect();
        let mut cid = pdf.cid_font(cid_id);
        cid.subtype(CidFontType::Type2)
            .base_font(Name(base_font.as_bytes()))
            .system_info(SystemInfo {
                registry: Str(b"Adobe"),
                ordering: Str(b"Identity"),
                supplement: 0,
            })
            .font_descriptor(descriptor_id)
            .default_width(0.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        cid.widths().consecutive(0, widths);
        cid.finish();

        let bbox = face.global_bounding_box();
        pdf.font_descriptor(descriptor_id)
            .name(Name(base_font.as_bytes()))
            .flags(FontFlags::SYMBOLIC)
            .bbox(Rect::new(
                f32::from(bbox.x_min) * scale,
                f32::from(bbox.y_min) * scale,
                f32::from(bbox.x_max) * scale,
                f32::from(bbox.y_max) * scale,
            ))
            .italic_angle(0.0)
            .ascent(f32::from(face.ascender()) * scale)
            .descent(f32::from(face.descender()) * scale)
            .cap_height(f32::from(face.capital_height().unwrap_or(face.ascender())) * scale)
            .stem_v(80.0)
            .font_file2(font_file_id);

        let subset = subsetter::subset(FONT_DATA, 0, &self.glyphs)
            .map_err(|e| DocumentError::Font(format!("subsetting DejaVu Sans: {e}")))?;
        let data = compress(&subset);
        pdf.stream(font_file_id, &data)
            .filter(Filter::FlateDecode)
            .pair(Name(b"Length1"), subset.len() as i32);

        let mut cmap = UnicodeCmap::new(
            Name(b"Depot-UTF16"),
            SystemInfo {
                registry: Str(b"Adobe"),
                ordering: Str(b"UCS"),
                supplement: 0,
            },
        );
        for (&glyph, &c) in &self.unicode {
            cmap.pair(glyph, c);
        }
        let data = compress(&cmap.finish());
        pdf.stream(cmap_id, &data).filter(Filter::FlateDecode);

        Ok(pdf.finish())
    }
}

fn compress(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}

/// The six capital letters PDF puts before a subset font's name, derived from its glyphs.
fn subset_tag(glyphs: &GlyphRemapper) -> String {
    let mut hash: u32 = 2_166_136_261;
    for g in glyphs.remapped_gids() {
        for b in g.to_be_bytes() {
            hash = (hash ^ u32::from(b)).wrapping_mul(16_777_619);
        }
    }
    (0..6)
        .map(|i| (b'A' + ((hash >> (i * 5)) % 26) as u8) as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_font_covers_vietnamese() {
        let font = Font::load().unwrap();
        let vietnamese = "ĂÂĐÊÔƠƯăâđêôơư àảãáạ ằẳẵắặ ầẩẫấậ èẻẽéẹ ềểễếệ ìỉĩíị òỏõóọ ồổỗốộ ờởỡớợ \
                          ùủũúụ ừửữứự ỳỷỹýỵ ÀẢÃÁẠ ỲỶỸÝỴ Ữ Ợ";
        for c in vietnamese.chars().filter(|c| !c.is_whitespace()) {
            assert!(font.covers(c), "{c} U+{:04X}", c as u32);
        }
    }

    #[test]
    fn decomposed_text_measures_like_composed_text() {
        let font = Font::load().unwrap();
        let composed = "Nguyễn Thị Hồng";
        let decomposed: String = composed.nfd().collect();
        assert_ne!(composed, decomposed);
        assert_eq!(font.width(composed, 10.0), font.width(&decomposed, 10.0));
    }

    #[test]
    fn wrapping_keeps_every_line_within_the_width() {
        let font = Font::load().unwrap();
        let text = "Số 1 Phố Phúc Xá, Phường Phúc Xá, Quận Ba Đình, Thành phố Hà Nội, Việt Nam \
                    MỘTTỪRẤTDÀIKHÔNGCÓKHOẢNGTRẮNGNÀOCẢĐỂNGẮTDÒNG";
        let lines = font.wrap(text, 9.0, 120.0);
        assert!(lines.len() > 3);
        for line in &lines {
            assert!(font.width(line, 9.0) <= 120.0, "{line}");
        }
        assert_eq!(
            lines.join(" ").replace(' ', ""),
            text.replace(' ', ""),
            "nothing lost"
        );
        let fitted = font.fit(text, 9.0, 100.0);
        assert!(fitted.ends_with('…') && font.width(&fitted, 9.0) <= 100.0);
    }
}
