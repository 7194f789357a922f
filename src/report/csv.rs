//! The long result as CSV: UTF-8 with a BOM by default (Excel on Chinese Windows reads it
//! right), cells that a spreadsheet would run as a formula prefixed with `'`.

use std::io::Write;

use super::{long_cells, movement_cells, ratio_cells, COLUMNS, MOVEMENT_COLUMNS, RATIO_COLUMNS};
use crate::audit::AuditResult;

/// CSV options.
#[derive(Debug, Clone, Copy)]
pub struct CsvOptions {
    /// Write a UTF-8 byte-order mark first.
    pub bom: bool,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions { bom: true }
    }
}

/// Guard a cell against formula injection: a cell beginning with `=`, `+`, `-`, `@`, a tab
/// or a carriage return gets a leading `'`.
pub(crate) fn safe_cell(s: &str) -> std::borrow::Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}").into(),
        _ => s.into(),
    }
}

/// Write `rows` (with `header`) as CSV.
pub(crate) fn write_rows<W: Write>(
    mut out: W,
    opts: CsvOptions,
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> std::io::Result<()> {
    if opts.bom {
        out.write_all("\u{feff}".as_bytes())?;
    }
    let mut w = ::csv::Writer::from_writer(out);
    w.write_record(header)?;
    for row in rows {
        // A cell is copied only when it needs its quote (a national gap table is hundreds of
        // thousands of cells).
        w.write_record(row.iter().map(|c| match safe_cell(c) {
            std::borrow::Cow::Borrowed(s) => std::borrow::Cow::Borrowed(s.as_bytes()),
            std::borrow::Cow::Owned(s) => std::borrow::Cow::Owned(s.into_bytes()),
        }))?;
    }
    w.flush()
}

/// Write the long result: the columns of [`COLUMNS`], the movement columns with a
/// baseline, then `numerator` and `denominator` of a density or coverage value.
pub fn write<W: Write>(out: W, result: &AuditResult, opts: CsvOptions) -> std::io::Result<()> {
    let moves = result.baseline_as_of.is_some();
    let mut header: Vec<&str> = COLUMNS.to_vec();
    if moves {
        header.extend(MOVEMENT_COLUMNS);
    }
    header.extend(RATIO_COLUMNS);
    write_rows(
        out,
        opts,
        &header,
        result.rows.iter().map(|r| {
            let mut cells = long_cells(result, r).to_vec();
            if moves {
                cells.extend(movement_cells(r));
            }
            cells.extend(ratio_cells(r));
            cells
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_prefixed() {
        assert_eq!(safe_cell("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(safe_cell("+1"), "'+1");
        assert_eq!(safe_cell("-1"), "'-1");
        assert_eq!(safe_cell("@x"), "'@x");
        assert_eq!(safe_cell("\tx"), "'\tx");
        assert_eq!(safe_cell("山西省/太原市"), "山西省/太原市");
        assert_eq!(safe_cell(""), "");
    }

    #[test]
    fn bom_is_optional() {
        let mut a = Vec::new();
        write_rows(
            &mut a,
            CsvOptions { bom: true },
            &["x"],
            vec![vec!["=1".to_string()]],
        )
        .unwrap_or_default();
        assert_eq!(a, "\u{feff}x\n'=1\n".as_bytes());
        let mut b = Vec::new();
        write_rows(
            &mut b,
            CsvOptions { bom: false },
            &["x"],
            vec![vec!["a,b".to_string()]],
        )
        .unwrap_or_default();
        assert_eq!(b, b"x\n\"a,b\"\n");
    }
}
