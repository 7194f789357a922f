//! Plan-file diagnostics: each is data (the file, `line:column`, the message, a
//! suggestion, the source line or a window of it) until it is rendered, with
//! annotate-snippets, as
//!
//! ```text
//! 错误 error: unknown field `measur` in [[target]]
//!   --> plan.toml:15:1
//!    |
//! 15 | measur = "density"
//!    | ^^^^^^
//!    |
//!    = 提示 help: did you mean `measure`? / 是否应为 `measure`？
//! ```

use std::fmt;
use std::ops::Range;

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};
use unicode_width::UnicodeWidthStr;

/// The words before each diagnostic's message: one prefix, in both languages.
pub const ERROR_PREFIX: &str = "错误 error";

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
    /// A suggestion, e.g. "did you mean `measure`?".
    pub help: Option<String>,
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
        let full: Vec<char> = text[line_start..line_end]
            .trim_end_matches('\r')
            .chars()
            .collect();
        // Underline at most to the end of the line (a span over several lines marks its
        // first), and at least one character (or the end of the line).
        let width = text[start..end.min(line_end).max(start)]
            .chars()
            .count()
            .min(full.len().saturating_sub(column - 1))
            .max(1);
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
            help: None,
        }
    }

    /// The same diagnostic with a suggestion.
    pub(crate) fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// The byte range of the underlined text in `source_line`.
    fn echo_span(&self) -> Range<usize> {
        let byte_at = |chars: usize| {
            self.source_line
                .char_indices()
                .nth(chars)
                .map_or(self.source_line.len(), |(i, _)| i)
        };
        let start = byte_at(self.echo_column.saturating_sub(1));
        let end = byte_at(self.echo_column.saturating_sub(1) + self.width);
        start..end.max(start)
    }

    /// Render with annotate-snippets: the message after one prefix, the position, the
    /// line (or its window) with the text underlined by display width, the suggestion.
    pub fn render(&self) -> String {
        let title = Level::ERROR
            .with_name(ERROR_PREFIX)
            .primary_title(self.message.as_str());
        let mut group = Group::with_title(title).element(
            Origin::path(self.file.as_str())
                .line(self.line)
                .char_column(self.column),
        );
        group = group.element(
            Snippet::source(self.source_line.as_str())
                .line_start(self.line)
                .fold(false)
                .annotation(AnnotationKind::Primary.span(self.echo_span())),
        );
        if let Some(help) = &self.help {
            group = group.element(Level::HELP.with_name("提示 help").message(help.as_str()));
        }
        // The window of a long line is at most 2 × 60 + 120 characters wide: never cut.
        let shown = Renderer::plain()
            .term_width(usize::MAX / 4)
            .render(&[group]);
        // The position is the origin's (the true line and column, also on a window of a
        // long line), so the snippet has no path of its own, which the renderer marks
        // with a bare `:::` line: drop it.
        shown
            .lines()
            .filter(|l| l.trim() != ":::")
            .collect::<Vec<_>>()
            .join("\n")
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
        f.write_str(&self.render())
    }
}

/// Terminal columns of a string: East Asian wide and full-width characters take two
/// (Unicode's East Asian Width, as the unicode-width crate reads it).
pub(crate) fn display_width(s: &str) -> usize {
    s.width()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The source line echoed (after `N | `) and the caret line (after `  | `).
    fn echo_and_carets(shown: &str) -> (String, String) {
        let lines: Vec<&str> = shown.lines().collect();
        let i = lines
            .iter()
            .position(|l| l.contains('^'))
            .unwrap_or(lines.len() - 1);
        let after_bar = |l: &str| {
            l.split_once("| ")
                .map_or(String::new(), |(_, r)| r.to_string())
        };
        (after_bar(lines[i - 1]), after_bar(lines[i]))
    }

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
        assert!(shown.starts_with("错误 error: m\n"), "{shown}");
        assert!(shown.contains("--> p.toml:2:6\n"), "{shown}");
        let (echo, carets) = echo_and_carets(&shown);
        assert_eq!(echo, "名称 = \"x\"", "{shown}");
        // 名称 is 4 columns wide + " = " → three carets at display offset 7.
        assert_eq!(carets.trim_end(), "       ^^^", "{shown}");
    }

    #[test]
    fn a_suggestion_is_rendered_after_the_snippet() {
        let d = Diagnostic::new("p", "measur = 1\n", Some(0..6), "unknown field".into())
            .with_help("did you mean `measure`?");
        let shown = d.to_string();
        assert_eq!(shown.matches("error").count(), 1, "{shown}");
        assert!(
            shown.contains("= 提示 help: did you mean `measure`?"),
            "{shown}"
        );
        let (_, carets) = echo_and_carets(&shown);
        assert_eq!(carets.trim_end(), "^^^^^^", "{shown}");
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
        assert!(shown.starts_with("错误 error: m"), "{shown}");
        assert!(shown.contains("--> p:1:100001"), "{shown}");
        assert!(shown.len() < 600, "{}", shown.len());
        // The caret sits under the X.
        let (echo, carets) = echo_and_carets(&shown);
        let x = echo.find('X').unwrap_or(0);
        let caret = carets.find('^').unwrap_or(1);
        assert_eq!(display_width(&echo[..x]), caret, "{shown}");
        assert_eq!(carets.trim(), "^", "{shown}");
    }

    #[test]
    fn cjk_text_is_underlined_by_display_width() {
        let text = "category = \"枢纽性\"\n";
        let start = text.find('枢').unwrap_or(0);
        let d = Diagnostic::new("p", text, Some(start..start + "枢纽性".len()), "m".into());
        let (_, carets) = echo_and_carets(&d.to_string());
        // `category = "` is 12 columns, 枢纽性 six.
        assert_eq!(
            carets.trim_end(),
            format!("{}{}", " ".repeat(12), "^".repeat(6))
        );
    }

    #[test]
    fn out_of_range_span_does_not_panic() {
        let d = Diagnostic::new("p", "abc", Some(10..20), "m".into());
        assert_eq!(d.line, 1);
        let _ = d.to_string();
        let d = Diagnostic::new("p", "", None, "m".into());
        assert!(d.to_string().contains("--> p:1:1"), "{d}");
    }

    #[test]
    fn display_width_counts_wide_characters_twice() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("名称"), 4);
        assert_eq!(display_width("ＡＢ"), 4);
    }
}
