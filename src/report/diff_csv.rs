//! The records of a [`DiffResult`] as CSV (UTF-8 with a BOM by default, formula-like cells
//! guarded, through [`super::csv::write_rows`]): one row per record, columns stable for
//! scripts.

use std::io::Write;

use super::csv::{write_rows, CsvOptions};
use crate::audit::diff::{Change, DiffRecord, DiffResult, Side};

/// Column names of the records CSV (and of the XLSX records sheet).
pub const COLUMNS: [&str; 15] = [
    "kind",
    "change",
    "reason",
    "matched_by",
    "renamed",
    "name_before",
    "name_after",
    "credit_code_before",
    "credit_code_after",
    "place_before",
    "place_after",
    "active_before",
    "active_after",
    "source_before",
    "source_after",
];

/// Whether a record is written: changes always, unchanged and inactive ones with `all`.
pub(crate) fn selected(r: &DiffRecord, all: bool) -> bool {
    all || !matches!(r.change, Change::Unchanged | Change::Inactive)
}

fn yes(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

/// The cells of one record, in [`COLUMNS`] order.
pub fn cells(r: &DiffRecord) -> Vec<String> {
    let get = |s: &Option<Side>, f: fn(&Side) -> String| s.as_ref().map(f).unwrap_or_default();
    vec![
        r.kind.as_str().to_string(),
        r.change.as_str().to_string(),
        r.reason.map(|x| x.as_str().to_string()).unwrap_or_default(),
        r.matched_by
            .map(|m| m.as_str().to_string())
            .unwrap_or_default(),
        yes(r.renamed),
        get(&r.before, |s| s.name.to_string()),
        get(&r.after, |s| s.name.to_string()),
        get(&r.before, |s| s.credit_code.unwrap_or_default().to_string()),
        get(&r.after, |s| s.credit_code.unwrap_or_default().to_string()),
        get(&r.before, |s| s.place.to_string()),
        get(&r.after, |s| s.place.to_string()),
        get(&r.before, |s| yes(s.active)),
        get(&r.after, |s| yes(s.active)),
        get(&r.before, |s| s.source()),
        get(&r.after, |s| s.source()),
    ]
}

/// Write the records (`all`: also the unchanged and inactive ones).
pub fn write<W: Write>(
    out: W,
    result: &DiffResult,
    opts: CsvOptions,
    all: bool,
) -> std::io::Result<()> {
    write_rows(
        out,
        opts,
        &COLUMNS,
        result
            .records
            .iter()
            .filter(|r| selected(r, all))
            .map(cells),
    )
}
