//! Shaping, measuring and wrapping text with rustybuzz and unicode-linebreak.
//!
//! Every string drawn in the PDF goes through [`Shaper::shape`], which refuses a character
//! the font has no glyph for ([`ReportError::MissingGlyph`]) instead of drawing an empty box.

use krilla::text::{GlyphId, KrillaGlyph};
use unicode_linebreak::{linebreaks, BreakOpportunity};

use crate::report::ReportError;

/// A shaped single line of text: glyph advances are in em (multiply by the font size).
#[derive(Debug, Clone)]
pub(crate) struct Line {
    /// The text the glyphs stand for (the PDF's text layer).
    pub text: String,
    /// Glyphs as krilla draws them.
    pub glyphs: Vec<KrillaGlyph>,
    /// Advance width of the whole line at size 1.
    pub width_em: f32,
}

impl Line {
    /// Width at a font size.
    pub fn width(&self, size: f32) -> f32 {
        self.width_em * size
    }
}

/// The first character of `text` the font lacks, by a cmap lookup (`has_glyph`). Whitespace
/// controls are never looked up: [`clean`] turns them into spaces before shaping.
pub(crate) fn first_missing(text: &str, has_glyph: impl Fn(char) -> bool) -> Option<char> {
    text.chars().find(|&c| !has_glyph(c))
}

/// The error for a character the font lacks.
pub(crate) fn missing(ch: char, context: &str) -> ReportError {
    ReportError::MissingGlyph {
        ch,
        code: u32::from(ch),
        context: context.to_string(),
    }
}

/// Control characters (tabs, stray line breaks inside a cell) become spaces.
pub(crate) fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Shapes text with one font face.
pub(crate) struct Shaper<'a> {
    face: rustybuzz::Face<'a>,
    upem: f32,
}

impl<'a> Shaper<'a> {
    /// A shaper over face `index` of the font file `data`; `None` if it is not a usable font.
    pub fn new(data: &'a [u8], index: u32) -> Option<Self> {
        let face = rustybuzz::Face::from_slice(data, index)?;
        let upem = face.units_per_em() as f32;
        if upem <= 0.0 {
            return None;
        }
        Some(Shaper { face, upem })
    }

    /// Whether the font maps `c` to a glyph.
    pub fn has_glyph(&self, c: char) -> bool {
        self.face.glyph_index(c).is_some_and(|g| g.0 != 0)
    }

    /// Shape one line (no line breaks). `context` names where the text occurs, for the error
    /// on a missing glyph.
    pub fn shape(&self, text: &str, context: &str) -> Result<Line, ReportError> {
        let mut text = clean(text);
        // The explained mark ✎ (gap cells, notes) is not in Noto Sans SC: ※ (GB 2312) then.
        if text.contains('✎') && !self.has_glyph('✎') {
            text = text.replace('✎', "※");
        }
        if let Some(ch) = first_missing(&text, |c| self.has_glyph(c)) {
            return Err(missing(ch, context));
        }
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(&text);
        buffer.set_direction(rustybuzz::Direction::LeftToRight);
        buffer.guess_segment_properties();
        let output = rustybuzz::shape(&self.face, &[], buffer);
        let infos = output.glyph_infos();
        let positions = output.glyph_positions();
        let mut glyphs = Vec::with_capacity(infos.len());
        let mut width = 0.0f32;
        for (i, (info, pos)) in infos.iter().zip(positions).enumerate() {
            let start = info.cluster as usize;
            if info.glyph_id == 0 {
                let ch = text
                    .get(start..)
                    .and_then(|s| s.chars().next())
                    .unwrap_or('\u{FFFD}');
                return Err(missing(ch, context));
            }
            // The cluster ends where the next different cluster starts (left to right).
            let end = infos[i + 1..]
                .iter()
                .map(|n| n.cluster as usize)
                .find(|&c| c != start)
                .unwrap_or(text.len());
            let adv = pos.x_advance as f32 / self.upem;
            width += adv;
            glyphs.push(KrillaGlyph::new(
                GlyphId::new(info.glyph_id),
                adv,
                pos.x_offset as f32 / self.upem,
                pos.y_offset as f32 / self.upem,
                pos.y_advance as f32 / self.upem,
                start..end.max(start),
                None,
            ));
        }
        Ok(Line {
            text,
            glyphs,
            width_em: width,
        })
    }

    /// Width of `text` at `size`.
    pub fn width(&self, text: &str, size: f32, context: &str) -> Result<f32, ReportError> {
        Ok(self.shape(text, context)?.width(size))
    }

    /// Break `text` into lines no wider than `max_width` at `size`: at the line-break
    /// opportunities of UAX #14 (between CJK characters, after spaces and hyphens), and
    /// between any two characters when one word alone is too wide. `\n` forces a break.
    pub fn wrap(
        &self,
        text: &str,
        size: f32,
        max_width: f32,
        context: &str,
    ) -> Result<Vec<Line>, ReportError> {
        let mut lines = Vec::new();
        for para in text.split('\n') {
            for piece in self.wrap_paragraph(para, size, max_width, context)? {
                lines.push(self.shape(&piece, context)?);
            }
        }
        Ok(lines)
    }

    /// Greedy breaking of one paragraph into line strings.
    fn wrap_paragraph(
        &self,
        para: &str,
        size: f32,
        max_width: f32,
        context: &str,
    ) -> Result<Vec<String>, ReportError> {
        let para = clean(para);
        if para.trim().is_empty() {
            return Ok(vec![String::new()]);
        }
        // Advance of every character, from one shaping of the paragraph (CJK and Latin text
        // here has no shaping across the break points that would change widths noticeably).
        let shaped = self.shape(&para, context)?;
        let mut adv_at: Vec<(usize, f32)> = Vec::new(); // (byte offset of cluster, advance)
        for g in &shaped.glyphs {
            adv_at.push((g.text_range.start, g.x_advance * size));
        }
        let width_of = |a: usize, b: usize| -> f32 {
            let s = para.get(a..b).map(str::trim_end).unwrap_or("");
            let b = a + s.len();
            adv_at
                .iter()
                .filter(|(o, _)| *o >= a && *o < b)
                .map(|(_, w)| *w)
                .sum()
        };
        let mut out = Vec::new();
        let mut start = 0usize;
        let mut fit_end: Option<usize> = None;
        for (idx, kind) in linebreaks(&para) {
            if width_of(start, idx) <= max_width {
                fit_end = Some(idx);
            } else {
                match fit_end {
                    Some(e) if e > start => {
                        out.push(para[start..e].trim_end().to_string());
                        start = e;
                        // The segment after the break may itself be too wide.
                        if width_of(start, idx) > max_width {
                            start =
                                self.break_chars(&para, start, idx, max_width, &width_of, &mut out);
                        }
                    }
                    _ => {
                        start = self.break_chars(&para, start, idx, max_width, &width_of, &mut out);
                    }
                }
                fit_end = Some(idx);
            }
            if kind == BreakOpportunity::Mandatory && idx > start {
                out.push(para[start..idx].trim_end().to_string());
                start = idx;
                fit_end = None;
            }
        }
        if start < para.len() {
            out.push(para[start..].trim_end().to_string());
        }
        if out.is_empty() {
            out.push(String::new());
        }
        Ok(out)
    }

    /// Break `para[start..end]` between characters into lines that fit; pushes all full
    /// lines and returns the start of the remainder (which fits).
    fn break_chars(
        &self,
        para: &str,
        mut start: usize,
        end: usize,
        max_width: f32,
        width_of: &dyn Fn(usize, usize) -> f32,
        out: &mut Vec<String>,
    ) -> usize {
        while width_of(start, end) > max_width {
            let mut cut = None;
            for (i, _) in para[start..end].char_indices().skip(1) {
                if width_of(start, start + i) <= max_width {
                    cut = Some(start + i);
                } else {
                    break;
                }
            }
            // At least one character per line, even if it alone is too wide.
            let cut = cut.unwrap_or_else(|| {
                para[start..end]
                    .char_indices()
                    .nth(1)
                    .map_or(end, |(i, _)| start + i)
            });
            out.push(para[start..cut].to_string());
            start = cut;
            if start >= end {
                break;
            }
        }
        start
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static NOTO: &[u8] = include_bytes!("../../../assets/fonts/NotoSansSC-Regular.otf");

    #[test]
    fn first_missing_uses_the_lookup() {
        let latin_only = |c: char| c.is_ascii();
        assert_eq!(first_missing("abc 123", latin_only), None);
        assert_eq!(first_missing("ab鄠邑区", latin_only), Some('鄠'));
    }

    #[test]
    fn rare_names_shape_with_noto() {
        let s = Shaper::new(NOTO, 0).expect("embedded font parses");
        for name in [
            "鄠邑区",
            "薛圐圙乡",
            "赤泥窊乡",
            "第 1 页 / 共 3 页",
            "〔2021〕—…",
        ] {
            let line = s.shape(name, "test").expect("shapes");
            assert_eq!(line.text, name);
            assert!(line.glyphs.iter().all(|g| g.glyph_id.to_u32() != 0));
        }
    }

    #[test]
    fn missing_glyph_names_char_and_context() {
        let s = Shaper::new(NOTO, 0).expect("embedded font parses");
        // Arabic is not in Noto Sans SC.
        match s.shape("阳泉市ب", "地区 阳泉市ب") {
            Err(ReportError::MissingGlyph { ch, code, context }) => {
                assert_eq!(ch, 'ب');
                assert_eq!(code, 0x628);
                assert_eq!(context, "地区 阳泉市ب");
            }
            other => panic!("expected MissingGlyph, got {other:?}"),
        }
    }

    #[test]
    fn wrap_breaks_cjk_and_long_words() {
        let s = Shaper::new(NOTO, 0).expect("embedded font parses");
        let text =
            "到2023年，实现城市社区平均拥有不少于10个社区社会组织，农村社区平均拥有不少于5个";
        let lines = s.wrap(text, 10.0, 100.0, "t").expect("wraps");
        assert!(lines.len() > 2);
        assert!(lines.iter().all(|l| l.width(10.0) <= 100.5));
        let joined: String = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(joined, text);
        let hash = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        let lines = s.wrap(hash, 10.0, 80.0, "t").expect("wraps");
        assert!(lines.len() > 2);
        assert!(lines.iter().all(|l| l.width(10.0) <= 80.5));
        let lines = s.wrap("a\nb", 10.0, 80.0, "t").expect("wraps");
        assert_eq!(lines.len(), 2);
    }
}
