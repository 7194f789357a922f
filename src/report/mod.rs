//! Render: one file per output format, each a function of the [`AuditResult`].
//!
//! All formats print numbers through [`fmt_num`], so a number shown in two formats is the
//! same number.

pub mod csv;
pub mod html;
pub mod inspect;
pub mod issues;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod pdf;
pub mod table;
pub mod words;
pub mod xlsx;

use chrono::NaiveDateTime;

use crate::audit::{AuditResult, Row};
pub use words::{Lang, Words};

/// Output formats of `zhibiao audit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Terminal tables.
    Table,
    /// Long result as CSV.
    Csv,
    /// Long result as JSON.
    Json,
    /// PDF/A-2b report (A4 landscape).
    Pdf,
    /// Self-contained HTML report.
    Html,
    /// GitHub-flavoured Markdown.
    Markdown,
    /// Excel workbook: summary and long result.
    Xlsx,
    /// JUnit XML for CI.
    Junit,
}

impl Format {
    /// The format named by a file extension (`gaps.csv`, `报告.pdf`, `junit.xml`).
    pub fn from_extension(ext: &str) -> Option<Format> {
        match ext.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            "txt" => Some(Format::Table),
            "pdf" => Some(Format::Pdf),
            "html" | "htm" => Some(Format::Html),
            "md" | "markdown" => Some(Format::Markdown),
            "xlsx" => Some(Format::Xlsx),
            "xml" | "junit" => Some(Format::Junit),
            _ => None,
        }
    }
}

/// One input file as the reports cite it.
#[derive(Debug, Clone)]
pub struct InputDigest {
    /// Path as given.
    pub path: String,
    /// SHA-256 of the file's bytes, lower-case hex.
    pub sha256: String,
}

/// What the reports need besides the result: computed at the CLI edge (clock, file digests).
#[derive(Debug, Clone)]
pub struct ReportMeta {
    /// When the report was generated (local time).
    pub generated: NaiveDateTime,
    /// The input files read, in order.
    pub inputs: Vec<InputDigest>,
    /// Language of the report's words.
    pub lang: Lang,
}

/// Errors writing a report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Writing failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The font lacks a character used in the report.
    #[error("字体缺少字符 / the font has no glyph for {ch:?} (U+{code:04X}), used in {context}")]
    MissingGlyph {
        /// The character.
        ch: char,
        /// Its code point.
        code: u32,
        /// Where it occurs (e.g. a region name).
        context: String,
    },
    /// The font file cannot be used.
    #[error("font {path}: {message}")]
    Font {
        /// Path of the font.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// Any other failure of a format's writer.
    #[error("{0}")]
    Other(String),
}

/// A number with a fixed count of decimals ("8.12", "0.3333", "12").
pub fn fmt_num(x: f64, decimals: u8) -> String {
    format!("{:.*}", usize::from(decimals), x)
}

/// The long-result columns, in order.
pub const COLUMNS: [&str; 9] = [
    "plan", "target", "level", "region", "value", "required", "gap", "status", "due",
];

/// The nine cells of a row of the long result.
pub fn long_cells(result: &AuditResult, row: &Row) -> [String; 9] {
    let t = &result.targets[row.target].target;
    [
        result.plan.id.clone(),
        t.id.clone(),
        row.level.as_str().to_string(),
        row.region.clone(),
        row.value
            .map(|v| fmt_num(v, row.decimals))
            .unwrap_or_default(),
        row.required
            .map(|v| fmt_num(v, row.decimals))
            .unwrap_or_default(),
        row.gap.map(|g| g.to_string()).unwrap_or_default(),
        row.status.as_str().to_string(),
        t.due.to_string(),
    ]
}

/// The gap table's layout, as in the terminal report: the targets with rows at the `--by`
/// level (indexes into `result.targets`) and the regions at that level in region order.
pub fn gap_layout(result: &AuditResult) -> (Vec<usize>, Vec<String>) {
    let level = result.by;
    let cols: Vec<usize> = (0..result.targets.len())
        .filter(|&ti| {
            result
                .rows
                .iter()
                .any(|r| r.target == ti && r.level == level)
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    let mut regions: Vec<(&str, &str)> = Vec::new();
    for r in result.rows.iter().filter(|r| r.level == level) {
        if seen.insert(r.region.as_str()) {
            regions.push((r.region.as_str(), r.sort_key.as_str()));
        }
    }
    regions.sort_by(|a, b| a.1.cmp(b.1));
    (
        cols,
        regions.into_iter().map(|(r, _)| r.to_string()).collect(),
    )
}

/// A region path without the province, as the gap table labels it ("阳泉市/城区").
pub fn region_label(region: &str) -> String {
    let label = region.split('/').skip(1).collect::<Vec<_>>().join("/");
    if label.is_empty() {
        region.to_string()
    } else {
        label
    }
}
