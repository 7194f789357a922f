//! The XLSX report: a summary sheet (title block, one row per target, the notes on tables
//! not supplied and partial figures, input files, row accounting), a sheet with the long
//! result, the CSV's columns and values, and the submission checklist sheet (报送清单 /
//! Checklist). Summary counts are numbers; the regions counted apart ("0（另 9 市）") are a
//! literal suffix of the cell's number format.
//!
//! In the long sheet `value`, `required` and `gap` are numeric cells holding exactly the
//! number the CSV prints (the [`long_cells`] string, read back as a number), shown with a
//! number format of the row's decimals ("0.00", "0.0000", "0"); an empty CSV cell is an
//! empty cell. The header row is frozen, an autofilter covers the table, and conditional
//! formats fill `unmet` and `no_data` status cells red and `met` green. Column widths count
//! East Asian wide characters as two.
//!
//! Text cells are written as strings, never as formulas, so the CSV's formula guard (a
//! leading `'`) is not needed here: a name beginning with `=` is stored as that text.

use rust_xlsxwriter::{
    ConditionalFormatText, ConditionalFormatTextRule, Format, FormatAlign, Workbook, Worksheet,
    XlsxError,
};

use super::html::{
    accounting_in, classification_line, level_name, pick, summary_counts, summary_required,
};
use super::issues::{is_listed, totals};
use super::{long_cells, Lang, ReportError, ReportMeta, COLUMNS};
use crate::audit::AuditResult;
use crate::plan::diag::display_width;

/// Widest column, in characters.
const MAX_WIDTH: usize = 60;

impl From<XlsxError> for ReportError {
    fn from(e: XlsxError) -> Self {
        ReportError::Other(format!("XLSX: {e}"))
    }
}

/// The XLSX workbook's bytes.
pub fn to_bytes(result: &AuditResult, meta: &ReportMeta) -> Result<Vec<u8>, ReportError> {
    let mut wb = Workbook::new();
    let lang = meta.lang;
    summary_sheet(wb.add_worksheet(), result, meta)?;
    long_sheet(wb.add_worksheet(), result, lang)?;
    checklist_sheet(wb.add_worksheet(), result, lang)?;
    Ok(wb.save_to_buffer()?)
}

/// The number format of `decimals` places: "0", "0.00", "0.0000".
pub fn num_format(decimals: u8) -> String {
    if decimals == 0 {
        "0".to_string()
    } else {
        format!("0.{}", "0".repeat(usize::from(decimals)))
    }
}

/// The number format of a count with a literal suffix: "0", or `0"（另 9 市）"`.
pub fn count_format(suffix: &str) -> String {
    if suffix.is_empty() {
        "0".to_string()
    } else {
        // A literal in a number format is quoted; a quote cannot occur in it.
        format!("0\"{}\"", suffix.replace('"', "'"))
    }
}

/// The checklist sheet: the grid of [`checklist_grid`](super::checklist_grid) from A1
/// (header row, one row per reporting unit), ✗ and absent units on the red fill, ✓ on the
/// green; then what the marks mean and the numbered legend of the tables.
fn checklist_sheet(
    ws: &mut Worksheet,
    result: &AuditResult,
    lang: Lang,
) -> Result<(), ReportError> {
    let w = lang.words();
    ws.set_name(pick(lang, "报送清单", "Checklist"))?;
    let grid = super::checklist_grid(result, lang);
    let header = Format::new().set_bold().set_background_color(0x00EE_F1F5);
    let red = Format::new()
        .set_background_color(0x00FF_C7CE)
        .set_font_color(0x009C_0006);
    let green = Format::new()
        .set_background_color(0x00C6_EFCE)
        .set_font_color(0x0000_6100);
    let muted = Format::new().set_font_color(0x0066_6666);
    let mut widths = Widths::new(grid.kinds.len() + 1);
    ws.write_string_with_format(0, 0, w.reporting_unit, &header)?;
    widths.see(0, w.reporting_unit);
    for (k, kind) in grid.kinds.iter().enumerate() {
        ws.write_string_with_format(0, (k + 1) as u16, kind.as_str(), &header)?;
        widths.see(k + 1, kind);
    }
    let mut r = 1u32;
    for row in &grid.rows {
        ws.write_string(r, 0, row.unit.as_str())?;
        widths.see(0, &row.unit);
        for k in 0..grid.kinds.len() {
            let text = row.cell_text(k);
            let supplied = row.present && matches!(row.cells.get(k), Some(Some(_)));
            let f = if supplied { &green } else { &red };
            ws.write_string_with_format(r, (k + 1) as u16, text.as_str(), f)?;
            widths.see(k + 1, &text);
        }
        r += 1;
    }
    ws.set_freeze_panes(1, 1)?;
    r += 1;
    ws.write_string_with_format(r, 0, w.checklist_note, &muted)?;
    r += 1;
    for (n, name) in &grid.legend {
        ws.write_number(r, 0, *n as f64)?;
        ws.write_string(r, 1, name.as_str())?;
        r += 1;
    }
    widths.apply(ws, 8)?;
    Ok(())
}

/// Column widths: the widest cell of each column (wide characters count two), plus padding.
struct Widths(Vec<usize>);

impl Widths {
    fn new(n: usize) -> Self {
        Widths(vec![0; n])
    }

    fn see(&mut self, col: usize, text: &str) {
        if let Some(w) = self.0.get_mut(col) {
            *w = (*w).max(display_width(text));
        }
    }

    fn apply(&self, ws: &mut Worksheet, min: usize) -> Result<(), XlsxError> {
        for (i, w) in self.0.iter().enumerate() {
            let width = (*w + 2).clamp(min, MAX_WIDTH);
            ws.set_column_width(i as u16, width as f64)?;
        }
        Ok(())
    }
}

fn long_sheet(ws: &mut Worksheet, result: &AuditResult, lang: Lang) -> Result<(), ReportError> {
    ws.set_name(pick(lang, "结果", "Result"))?;
    let header = Format::new().set_bold().set_background_color(0x00EE_F1F5);
    let mut widths = Widths::new(COLUMNS.len());
    for (c, name) in COLUMNS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *name, &header)?;
        widths.see(c, name);
    }
    // One number format per count of decimals.
    let mut formats: Vec<(u8, Format)> = Vec::new();
    let integer = Format::new().set_num_format("0");
    let mut last_row = 0u32;
    for (i, row) in result.rows.iter().enumerate() {
        let r = u32::try_from(i + 1)
            .map_err(|_| ReportError::Other("XLSX: too many rows".to_string()))?;
        last_row = r;
        let cells = long_cells(result, row);
        if !formats.iter().any(|(d, _)| *d == row.decimals) {
            formats.push((
                row.decimals,
                Format::new().set_num_format(num_format(row.decimals)),
            ));
        }
        let decimal = formats
            .iter()
            .find(|(d, _)| *d == row.decimals)
            .map(|(_, f)| f)
            .unwrap_or(&integer);
        for (c, text) in cells.iter().enumerate() {
            widths.see(c, text);
            let col = c as u16;
            if text.is_empty() {
                continue;
            }
            let format = match c {
                4 | 5 => Some(decimal),
                6 => Some(&integer),
                _ => None,
            };
            match (format, text.parse::<f64>()) {
                (Some(f), Ok(x)) => {
                    ws.write_number_with_format(r, col, x, f)?;
                }
                _ => {
                    ws.write_string(r, col, text.as_str())?;
                }
            }
        }
    }
    let last_col = (COLUMNS.len() - 1) as u16;
    ws.set_freeze_panes(1, 0)?;
    ws.autofilter(0, 0, last_row, last_col)?;
    if last_row > 0 {
        let status_col = 7u16;
        let red = Format::new()
            .set_background_color(0x00FF_C7CE)
            .set_font_color(0x009C_0006);
        let green = Format::new()
            .set_background_color(0x00C6_EFCE)
            .set_font_color(0x0000_6100);
        // "met" must not match "unmet": whole-word tests by the text's beginning.
        for (text, format) in [("unmet", &red), ("no_data", &red), ("met", &green)] {
            let cf = ConditionalFormatText::new()
                .set_rule(ConditionalFormatTextRule::BeginsWith(text.to_string()))
                .set_format(format);
            ws.add_conditional_format(1, status_col, last_row, status_col, &cf)?;
        }
    }
    // Room for the autofilter button next to the header text.
    widths.apply(ws, 9)?;
    Ok(())
}

fn summary_sheet(
    ws: &mut Worksheet,
    result: &AuditResult,
    meta: &ReportMeta,
) -> Result<(), ReportError> {
    let lang = meta.lang;
    let w = lang.words();
    let p = &result.plan;
    ws.set_name(pick(lang, "汇总", "Summary"))?;
    let title = Format::new().set_bold().set_font_size(14);
    let bold = Format::new().set_bold();
    let header = Format::new()
        .set_bold()
        .set_background_color(0x00EE_F1F5)
        .set_align(FormatAlign::Center);
    let wrap = Format::new().set_text_wrap();
    let warn = Format::new().set_font_color(0x009C_0006);
    const NCOLS: usize = 9;
    let mut widths = Widths::new(NCOLS);

    ws.write_string_with_format(0, 0, p.title.as_str(), &title)?;
    let doc = [p.issuer.as_str(), p.document.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    ws.write_string(1, 0, doc.as_str())?;
    let facts = [
        (pick(lang, "计划", "Plan"), p.id.clone()),
        (w.province, p.province.clone()),
        (w.scope, result.scope.clone()),
        (w.as_of, result.as_of.to_string()),
        (w.due, p.due.to_string()),
        (
            w.generated,
            meta.generated.format("%Y-%m-%d %H:%M:%S").to_string(),
        ),
    ];
    let mut r = 2u32;
    for (k, v) in facts {
        ws.write_string_with_format(r, 0, k, &bold)?;
        ws.write_string(r, 1, v.as_str())?;
        widths.see(0, k);
        r += 1;
    }
    r += 1;

    // One row per target.
    let heads = [
        w.target,
        w.clause,
        w.level,
        w.required,
        w.met,
        w.unmet,
        w.no_data,
        w.worst,
        pick(lang, "条款原文", "Clause text"),
    ];
    ws.write_string_with_format(r, 0, w.summary, &bold)?;
    r += 1;
    for (c, h) in heads.iter().enumerate() {
        ws.write_string_with_format(r, c as u16, *h, &header)?;
        widths.see(c, h);
    }
    r += 1;
    for (ti, tr) in result.targets.iter().enumerate() {
        let t = &tr.target;
        ws.write_string(r, 0, t.id.as_str())?;
        widths.see(0, &t.id);
        ws.write_string(r, 1, t.clause.as_str())?;
        widths.see(1, &t.clause);
        ws.write_string(r, 2, level_name(t.level, lang))?;
        widths.see(2, level_name(t.level, lang));
        // The required value, as the CSV prints it, with its decimals.
        if let Some(row) = result.rows.iter().find(|x| x.target == ti && x.assessed) {
            if let Some(text) = summary_required(result, ti) {
                let f = Format::new().set_num_format(num_format(row.decimals));
                match text.parse::<f64>() {
                    Ok(x) => ws.write_number_with_format(r, 3, x, &f)?,
                    Err(_) => ws.write_string(r, 3, text.as_str())?,
                };
                widths.see(3, &text);
            }
        }
        match &tr.skipped {
            Some(why) => {
                let text = format!("{}{why}", pick(lang, "未评估：", "not evaluated: "));
                ws.write_string(r, 4, text.as_str())?;
            }
            None => {
                let s = &tr.summary;
                let counts = summary_counts(tr, lang);
                if !counts.info {
                    // Numbers, shown as the terminal shows them: the regions counted apart
                    // are a literal suffix of the number format ("0（另 9 市）").
                    for (c, n, text) in [
                        (4u16, s.met, &counts.met),
                        (5, s.unmet, &counts.unmet),
                        (6, s.no_data, &counts.no_data),
                    ] {
                        let shown = n.to_string();
                        let suffix = text.strip_prefix(shown.as_str()).unwrap_or_default();
                        let f = Format::new().set_num_format(count_format(suffix));
                        ws.write_number_with_format(r, c, n as f64, &f)?;
                        widths.see(c as usize, text);
                    }
                }
                let worst = s.worst.join(pick(lang, "、", ", "));
                widths.see(7, &worst);
                ws.write_string(r, 7, worst.as_str())?;
            }
        }
        ws.write_string_with_format(r, 8, t.text.as_str(), &wrap)?;
        widths.see(8, &t.text);
        r += 1;
    }
    // Tables not supplied at all; partial figures (not measured for the column widths:
    // they run across the row).
    for line in super::table::summary_notes(result, lang) {
        ws.write_string_with_format(r, 0, line.as_str(), &warn)?;
        r += 1;
    }
    r += 1;

    // Inputs.
    ws.write_string_with_format(r, 0, w.inputs, &bold)?;
    r += 1;
    ws.write_string_with_format(r, 0, w.file, &header)?;
    ws.write_string_with_format(r, 1, "SHA-256", &header)?;
    r += 1;
    for i in &meta.inputs {
        ws.write_string(r, 0, i.path.as_str())?;
        ws.write_string(r, 1, i.sha256.as_str())?;
        r += 1;
    }
    r += 1;

    // Issues and accounting, one line each.
    let listed = result.issues.iter().filter(|i| is_listed(i)).count();
    ws.write_string_with_format(r, 0, w.issues, &bold)?;
    ws.write_number(r, 1, listed as f64)?;
    r += 1;
    ws.write_string_with_format(r, 0, w.accounting, &bold)?;
    let (read, used, skipped) = totals(&result.tables);
    ws.write_string(r, 1, accounting_in(read, used, &skipped, lang).as_str())?;
    r += 1;
    ws.write_string(r, 1, classification_line(result, lang).as_str())?;

    widths.apply(ws, 8)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use calamine::{Data, Reader, Xlsx};

    use super::*;
    use crate::report::html::sample;

    #[test]
    fn number_formats_follow_decimals() {
        assert_eq!(num_format(0), "0");
        assert_eq!(num_format(2), "0.00");
        assert_eq!(num_format(4), "0.0000");
    }

    #[test]
    fn long_sheet_reads_back_to_the_csv_cells() {
        let Some(r) = sample::result() else {
            panic!("sample result")
        };
        let bytes = match to_bytes(&r, &sample::meta(Lang::En)) {
            Ok(b) => b,
            Err(e) => panic!("{e}"),
        };
        let mut book = match Xlsx::new(std::io::Cursor::new(bytes)) {
            Ok(b) => b,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(book.sheet_names(), vec!["Summary", "Result", "Checklist"]);
        let range = match book.worksheet_range("Result") {
            Ok(x) => x,
            Err(e) => panic!("{e}"),
        };
        let rows: Vec<_> = range.rows().collect();
        assert_eq!(rows.len(), r.rows.len() + 1);
        for (row, cells) in r.rows.iter().zip(rows.iter().skip(1)) {
            let want = long_cells(&r, row);
            for (c, cell) in cells.iter().enumerate() {
                let got = match cell {
                    Data::Empty => String::new(),
                    Data::String(s) => s.clone(),
                    Data::Float(x) if c == 6 => format!("{x:.0}"),
                    Data::Float(x) => crate::report::fmt_num(*x, row.decimals),
                    other => panic!("{other:?}"),
                };
                assert_eq!(got, want[c]);
            }
        }
    }
}
