//! Plan-file diagnostics with `file:line:column` and the offending text underlined.

use std::fmt;
use std::ops::Range;

/// An error in a plan file, located in its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file name as given (or `builtin:ID`).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// The source line.
    pub source_line: String,
    /// Characters to underline from `column` (at least 1).
    pub width: usize,
    /// Column of the underlined text within `source_line`, which is a window of the line
    /// around it when the line is long (a 200 KB line is not echoed whole).
    pub echo_column: usize,
}

/// Characters of context kept on each side of the underlined text of a long line.
const ECHO_CONTEXT: usize = 60;

impl Diagnostic {
    /// Locate `span` (byte offsets) in `text` and build a diagnostic.
    pub fn new(file: &str, text: &str, span: Option<Range<usize>>, message: String) -> Diagnostic {
        let span = span.unwrap_or(0..0);
        let start = clamp_to_char(text, span.start.min(text.len()));
        let end = clamp_to_char(text, span.end.min(text.len()).max(start));
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line = text[..start].matches('\n').count() + 1;
        let column = text[line_start..start].chars().count() + 1;
        let width = text[start..end.min(line_end).max(start)]
            .chars()
            .count()
            .max(1);
        let full: Vec<char> = text[line_start..line_end]
            .trim_end_matches('\r')
            .chars()
            .collect();
        let (source_line, echo_column, width) =
            if full.len() > 2 * ECHO_CONTEXT + width.min(2 * ECHO_CONTEXT) {
                let from = (column - 1).saturating_sub(ECHO_CONTEXT);
                let width = width.min(2 * ECHO_CONTEXT);
                let to = (column - 1 + width + ECHO_CONTEXT).min(full.len());
                let mut shown = String::new();
                if from > 0 {
                    shown.push('…');
                }
                shown.extend(&full[from..to]);
                if to < full.len() {
                    shown.push('…');
                }
                (shown, column - from + usize::from(from > 0), width)
            } else {
                (full.iter().collect(), column, width)
            };
        Diagnostic {
            file: file.to_string(),
            line,
            column,
            message,
            source_line,
            width,
            echo_column,
        }
    }
}

fn clamp_to_char(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let num = self.line.to_string();
        let pad = " ".repeat(num.len());
        // Underline by display width so that Chinese text lines up in a terminal.
        let lead: String = self
            .source_line
            .chars()
            .take(self.echo_column - 1)
            .collect();
        let marked: String = self
            .source_line
            .chars()
            .skip(self.echo_column - 1)
            .take(self.width)
            .collect();
        let indent = " ".repeat(display_width(&lead));
        let carets = "^".repeat(display_width(&marked).max(1));
        writeln!(
            f,
            "{}:{}:{}: error: {}",
            self.file, self.line, self.column, self.message
        )?;
        writeln!(f, "{pad} |")?;
        writeln!(f, "{num} | {}", self.source_line)?;
        write!(f, "{pad} | {indent}{carets}")
    }
}

/// Terminal columns of a string: East Asian wide and full-width characters take two.
pub fn display_width(s: &str) -> usize {
    s.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
}

fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_line_and_column_in_characters() {
        let text = "a = 1\n名称 = \"x\"\nbad = 2\n";
        let start = text.find("bad").unwrap_or(0);
        let d = Diagnostic::new("p.toml", text, Some(start..start + 3), "unknown".into());
        assert_eq!((d.line, d.column, d.width), (3, 1, 3));
        let start = text.find("\"x\"").unwrap_or(0);
        let d = Diagnostic::new("p.toml", text, Some(start..start + 3), "m".into());
        // "名称 = " is 5 characters, so the value starts at column 6.
        assert_eq!((d.line, d.column), (2, 6));
        let shown = d.to_string();
        assert!(shown.starts_with("p.toml:2:6: error: m"), "{shown}");
        // 名称 is 4 columns wide + " = " → caret at display offset 7.
        assert!(shown.ends_with("\n  |        ^^^"), "{shown:?}");
    }

    #[test]
    fn a_long_line_is_echoed_as_a_window_around_the_error() {
        // A 200,000-character line with the error at character 100,001.
        let text = format!("{}X{}\n", "a".repeat(100_000), "b".repeat(100_000));
        let d = Diagnostic::new("p", &text, Some(100_000..100_001), "m".into());
        assert_eq!((d.line, d.column, d.width), (1, 100_001, 1));
        // "…" + 60 characters before, the X, 60 after + "…".
        assert_eq!(d.source_line.chars().count(), 1 + 60 + 1 + 60 + 1);
        assert_eq!(d.echo_column, 62);
        let shown = d.to_string();
        assert!(shown.starts_with("p:1:100001: error: m"), "{shown}");
        assert!(shown.len() < 400, "{}", shown.len());
        // The caret sits under the X.
        let lines: Vec<&str> = shown.lines().collect();
        let x = lines[2].find('X').unwrap_or(0);
        let caret = lines[3].find('^').unwrap_or(1);
        assert_eq!(
            lines[2][..x].chars().count(),
            lines[3][..caret].chars().count()
        );
    }

    #[test]
    fn out_of_range_span_does_not_panic() {
        let d = Diagnostic::new("p", "abc", Some(10..20), "m".into());
        assert_eq!(d.line, 1);
    }
}
