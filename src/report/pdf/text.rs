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
    pub(crate) fn has_glyph(&self, c: char) -> bool {
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
        // Each glyph's text ends where the next different cluster starts (left to right):
        // found in one backward pass, so that a long run of one cluster stays linear.
        let mut ends = vec![text.len(); infos.len()];
        let mut next_start = text.len();
        for i in (0..infos.len()).rev() {
            let start = infos[i].cluster as usize;
            let following = infos.get(i + 1).map(|n| n.cluster as usize);
            if following.is_some_and(|c| c != start) {
                next_start = following.unwrap_or(next_start);
            }
            ends[i] = next_start;
        }
        let mut glyphs = Vec::with_capacity(infos.len());
        let mut width = 0.0f32;
        for ((info, pos), end) in infos.iter().zip(positions).zip(ends) {
            let start = info.cluster as usize;
            if info.glyph_id == 0 {
                let ch = text
                    .get(start..)
                    .and_then(|s| s.chars().next())
                    .unwrap_or('\u{FFFD}');
                return Err(missing(ch, context));
            }
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
    pub(crate) fn wrap(
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
        let advances = Advances::of(self, &para, size, context)?;
        let width_of = |a: usize, b: usize| advances.width(&para, a, b);
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

/// Advance widths of a paragraph's text, for the width of any stretch of it in
/// O(log n): the byte offset where each glyph's cluster starts and the running total of
/// the advances before it. Built from shapings of pieces of at most [`SHAPE_PIECE`] bytes
/// cut at line-break opportunities (CJK and Latin text here has no shaping across the
/// break points that would change widths noticeably), so that neither the building nor
/// a query depends on the length of the whole paragraph more than linearly.
struct Advances {
    /// Byte offset of each glyph's cluster, ascending.
    starts: Vec<usize>,
    /// `sums[i]`: the advances of glyphs `0..i` at the font size (one more than `starts`).
    sums: Vec<f64>,
}

/// The longest piece of a paragraph shaped at once (unless one word is longer).
const SHAPE_PIECE: usize = 4096;

impl Advances {
    fn of(shaper: &Shaper<'_>, para: &str, size: f32, context: &str) -> Result<Self, ReportError> {
        let mut starts = Vec::new();
        let mut sums = vec![0.0f64];
        let mut total = 0.0f64;
        let mut piece_start = 0usize;
        let mut last_break = 0usize;
        let mut shape_piece = |from: usize, to: usize| -> Result<(), ReportError> {
            let Some(piece) = para.get(from..to) else {
                return Ok(());
            };
            let shaped = shaper.shape(piece, context)?;
            for g in &shaped.glyphs {
                // Glyph clusters of one shaping ascend (left to right); keep the offsets
                // sorted even if a shaper reorders.
                let at = from + g.text_range.start;
                let at = starts.last().map_or(at, |&prev: &usize| at.max(prev));
                starts.push(at);
                total += f64::from(g.x_advance) * f64::from(size);
                sums.push(total);
            }
            Ok(())
        };
        for (idx, _) in linebreaks(para) {
            if idx - piece_start > SHAPE_PIECE && last_break > piece_start {
                shape_piece(piece_start, last_break)?;
                piece_start = last_break;
            }
            last_break = idx;
        }
        shape_piece(piece_start, para.len())?;
        Ok(Advances { starts, sums })
    }

    /// Width of `para[a..b]` without its trailing whitespace.
    fn width(&self, para: &str, a: usize, b: usize) -> f32 {
        let s = para.get(a..b).map(str::trim_end).unwrap_or("");
        let b = a + s.len();
        let i = self.starts.partition_point(|&o| o < a);
        let j = self.starts.partition_point(|&o| o < b);
        let sum = |k: usize| self.sums.get(k).copied().unwrap_or(0.0);
        (sum(j) - sum(i).min(sum(j))) as f32
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

    #[test]
    fn wrap_is_linear_enough_for_a_hundred_thousand_characters() {
        // Before the prefix sums, every break opportunity summed the advances of the whole
        // paragraph: 100,000 characters took 23 s in a release build. Now it is
        // O(n log n), and this test (unoptimized) takes about as long as shaping the text.
        let s = Shaper::new(NOTO, 0).expect("embedded font parses");
        let unit = "到2023年，实现城市社区平均拥有不少于10个社区社会组织 abc-def ";
        let text: String = unit.chars().cycle().take(100_000).collect();
        let lines = s.wrap(&text, 9.0, 480.0, "t").expect("wraps");
        assert!(lines.len() > 1_000, "{} lines", lines.len());
        assert!(lines.iter().all(|l| l.width(9.0) <= 480.5));
        // Nothing lost but the spaces at the line ends.
        let joined: String = lines.iter().map(|l| l.text.as_str()).collect();
        let squeeze = |t: &str| t.chars().filter(|c| *c != ' ').collect::<String>();
        assert_eq!(squeeze(&joined), squeeze(&text));
    }

    #[test]
    fn pieces_measure_as_the_whole() {
        // The paragraph is shaped in pieces cut at break opportunities; a stretch measures
        // the same as shaping it alone.
        let s = Shaper::new(NOTO, 0).expect("embedded font parses");
        let unit = "社区社会组织 community organizations 2023 ";
        let text: String = unit.repeat(400);
        let adv = Advances::of(&s, &text, 10.0, "t").expect("measures");
        for (a, b) in [(0, 7), (0, 300), (18, 4000), (4000, 9000), (0, text.len())] {
            let (a, b) = (floor(&text, a), floor(&text, b));
            let whole = s
                .shape(text[a..b].trim_end(), "t")
                .expect("shapes")
                .width(10.0);
            let got = adv.width(&text, a, b);
            assert!(
                (got - whole).abs() < 0.01 * whole.max(1.0),
                "{a}..{b}: {got} vs {whole}"
            );
        }
    }

    fn floor(t: &str, mut i: usize) -> usize {
        while !t.is_char_boundary(i) {
            i -= 1;
        }
        i
    }
}
