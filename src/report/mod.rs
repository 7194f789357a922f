//! Render: one file per output format, each a function of the [`AuditResult`].
//!
//! All formats print numbers through [`fmt_num`], so a number shown in two formats is the
//! same number.

pub mod csv;
pub mod inspect;
pub mod issues;
pub mod json;
pub mod table;

use crate::audit::{AuditResult, Row};

/// Output formats of `zhibiao audit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Terminal tables.
    Table,
    /// Long result as CSV.
    Csv,
    /// Long result as JSON.
    Json,
}

impl Format {
    /// The format named by a file extension.
    pub fn from_extension(ext: &str) -> Option<Format> {
        match ext.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            "txt" => Some(Format::Table),
            _ => None,
        }
    }
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
