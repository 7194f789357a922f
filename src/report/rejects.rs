//! `--rejects FILE.csv`: every row a table read skipped (file, sheet, row, reason, message,
//! issue code) followed by the row's original cells, for `audit`, `trend`, `inspect` and
//! `issues`. The cells are read again from the files by the caller
//! ([`crate::ingest::original_cells`] for [`origins`]); this module only lays them out.

use std::io::Write;

use super::csv::{write_rows, CsvOptions};
use super::inspect::excel_column;
use super::{issue_text, Lang};
use crate::ingest::{DataIssue, Origin};
use crate::issue::IssueKind;
use crate::model::Model;

/// The fixed columns before the cells (`cell_A`, `cell_B`, … follow).
const COLUMNS: [&str; 6] = ["file", "sheet", "row", "reason", "message", "code"];

/// The rows whose original cells the CSV needs, in its order.
pub fn origins(model: &Model) -> Vec<Origin> {
    model.skipped_rows().iter().map(|(o, _, _)| *o).collect()
}

/// The message on one row's line: a run of blank rows says "空行" on each of its rows.
fn row_message(issue: &DataIssue, model: &Model) -> String {
    match issue.kind() {
        IssueKind::BlankRow { rows } if *rows > 1 => {
            let one = DataIssue::new(
                issue.origin,
                issue.column().map(Into::into),
                IssueKind::BlankRow { rows: 1 },
                issue.outcome,
            );
            issue_text::message(&one, &model.tables, Lang::Zh)
        }
        _ => issue_text::message(issue, &model.tables, Lang::Zh),
    }
}

/// Write the CSV (with a byte-order mark) of the skipped rows of `model`, `cells` holding the
/// original cells of [`origins`]; returns how many rows it holds. A row without cells gets
/// empty ones; every row has as many cell columns as the widest.
pub fn write_csv<W: Write>(
    out: W,
    model: &Model,
    cells: &crate::ingest::OriginalCells,
) -> std::io::Result<usize> {
    let skipped = model.skipped_rows();
    let width = cells.values().map(|r| r.len()).max().unwrap_or(0);
    let mut header: Vec<String> = COLUMNS.map(String::from).to_vec();
    header.extend((0..width).map(|i| format!("cell_{}", excel_column(i))));
    let rows = skipped.iter().map(|(o, r, issue)| {
        let t = &model.tables[o.table as usize];
        let mut row = vec![
            t.file.display().to_string(),
            t.sheet.clone().unwrap_or_default(),
            o.row.to_string(),
            r.as_str().to_string(),
            row_message(issue, model),
            issue.code().to_string(),
        ];
        row.extend(
            cells
                .get(o)
                .into_iter()
                .flat_map(|r| r.iter().map(String::from)),
        );
        row.resize(COLUMNS.len() + width, String::new());
        row
    });
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    write_rows(out, CsvOptions::default(), &header_refs, rows)?;
    Ok(skipped.len())
}
