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
    ConditionalFormatText, ConditionalFormatTextRule, ExcelDateTime, Format, FormatAlign, Workbook,
    Worksheet, XlsxError,
};

use super::issues::{is_listed, totals};
use super::shared::{
    accounting_in, classification_line, level_name, pick, summary_counts, summary_required,
};
use super::{fmt_num, long_cells, Lang, ReportError, ReportMeta, COLUMNS};
use crate::audit::movement::Outlook;
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
    if result.baseline_as_of.is_some() {
        movement_sheet(wb.add_worksheet(), result, lang)?;
        outlook_sheet(wb.add_worksheet(), result, lang)?;
    }
    Ok(wb.save_to_buffer()?)
}

/// Formats shared by the movement and trend sheets.
struct Fmts {
    header: Format,
    integer: Format,
    signed: Format,
    pace: Format,
    date: Format,
    red: Format,
    green: Format,
    grey: Format,
    /// Per count of decimals: the value format and the change format ("▲0.65").
    by_decimals: Vec<(u8, Format, Format)>,
}

impl Fmts {
    fn new() -> Self {
        Fmts {
            header: Format::new().set_bold().set_background_color(0x00EE_F1F5),
            integer: Format::new().set_num_format("0"),
            signed: Format::new().set_num_format("+0;-0;0"),
            pace: Format::new().set_num_format("0.00"),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            red: Format::new()
                .set_background_color(0x00FF_C7CE)
                .set_font_color(0x009C_0006),
            green: Format::new()
                .set_background_color(0x00C6_EFCE)
                .set_font_color(0x0000_6100),
            grey: Format::new().set_background_color(0x00F0_F0F0),
            by_decimals: Vec::new(),
        }
    }

    /// (value format, change format) of `decimals` places.
    fn of(&mut self, decimals: u8) -> (Format, Format) {
        if let Some((_, v, c)) = self.by_decimals.iter().find(|(d, _, _)| *d == decimals) {
            return (v.clone(), c.clone());
        }
        let n = num_format(decimals);
        let v = Format::new().set_num_format(n.as_str());
        let c = Format::new().set_num_format(change_format(decimals));
        self.by_decimals.push((decimals, v.clone(), c.clone()));
        (v, c)
    }

    /// The fill of an outlook cell: met and on track green, behind and stalled red.
    fn outlook(&self, o: Option<Outlook>) -> Option<&Format> {
        match o {
            Some(Outlook::Met | Outlook::OnTrack) => Some(&self.green),
            Some(Outlook::Behind | Outlook::Stalled) => Some(&self.red),
            Some(Outlook::NoData) => Some(&self.grey),
            None => None,
        }
    }
}

/// The number format of a change: the number with ▲ or ▼ before it, "＝" for zero.
pub(crate) fn change_format(decimals: u8) -> String {
    let n = num_format(decimals);
    format!("\"▲\"{n};\"▼\"{n};\"＝\"")
}

/// Write `text` as the number it prints (with `format`), or nothing when it is empty or not
/// a number.
fn number_cell(
    ws: &mut Worksheet,
    r: u32,
    c: u16,
    text: &str,
    format: &Format,
) -> Result<(), XlsxError> {
    if let Ok(x) = text.parse::<f64>() {
        ws.write_number_with_format(r, c, x, format)?;
    }
    Ok(())
}

/// A date cell (a date format), or the date as text if Excel cannot hold it.
fn date_cell(
    ws: &mut Worksheet,
    r: u32,
    c: u16,
    d: chrono::NaiveDate,
    format: &Format,
) -> Result<(), XlsxError> {
    use chrono::Datelike;
    let excel = u16::try_from(d.year())
        .ok()
        .and_then(|y| ExcelDateTime::from_ymd(y, d.month() as u8, d.day() as u8).ok());
    match excel {
        Some(x) => ws.write_date_with_format(r, c, &x, format)?,
        None => ws.write_string(r, c, d.to_string())?,
    };
    Ok(())
}

fn row_index(i: usize) -> Result<u32, ReportError> {
    u32::try_from(i).map_err(|_| ReportError::Other("XLSX: too many rows".to_string()))
}

/// The movement sheet (变化 / Movement, only with a baseline): per target the regions at
/// its level ranked by change (rank 1 = the largest), then those with no figure; numbers
/// are the numbers the CSV prints, with the row's decimals, the change shown with ▲/▼, the
/// projected date a date. Frozen header, autofilter.
fn movement_sheet(ws: &mut Worksheet, result: &AuditResult, lang: Lang) -> Result<(), ReportError> {
    let w = lang.words();
    ws.set_name(pick(lang, "变化", "Movement"))?;
    let base = result
        .baseline_as_of
        .map(|d| d.to_string())
        .unwrap_or_default();
    let rank = pick(lang, "排名", "Rank");
    let heads: Vec<String> = vec![
        w.target.to_string(),
        w.level.to_string(),
        w.region.to_string(),
        rank.to_string(),
        format!("{} {base}", w.baseline),
        format!("{} {}", w.current, result.as_of),
        w.required.to_string(),
        w.change.to_string(),
        w.change_count.to_string(),
        w.gap.to_string(),
        w.pace_needed.to_string(),
        w.pace_actual.to_string(),
        w.projected.to_string(),
        w.outlook.to_string(),
    ];
    let mut f = Fmts::new();
    let mut widths = Widths::new(heads.len());
    for (c, h) in heads.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h.as_str(), &f.header)?;
        widths.see(c, h);
    }
    let mut r = 0u32;
    for m in super::movement_targets(result) {
        let t = &result.targets[m.target].target;
        let ranked = m
            .ranked
            .iter()
            .enumerate()
            .map(|(i, row)| (Some(i + 1), *row));
        let absent = m.absent.iter().map(|row| (None, *row));
        for (place, row) in ranked.chain(absent) {
            r = row_index(r as usize + 1)?;
            let (value_f, change_f) = f.of(row.decimals);
            let cells = super::movement_cells(row);
            let long = long_cells(result, row);
            let label = super::region_label(&row.region);
            ws.write_string(r, 0, t.id.as_str())?;
            widths.see(0, &t.id);
            ws.write_string(r, 1, level_name(row.level, lang))?;
            ws.write_string(r, 2, label.as_str())?;
            widths.see(2, &label);
            if let Some(n) = place {
                ws.write_number_with_format(r, 3, n as f64, &f.integer)?;
            }
            number_cell(ws, r, 4, &cells[1], &value_f)?;
            number_cell(ws, r, 5, &long[4], &value_f)?;
            number_cell(ws, r, 6, &long[5], &value_f)?;
            number_cell(ws, r, 7, &cells[2], &change_f)?;
            number_cell(ws, r, 8, &cells[3], &f.signed)?;
            number_cell(ws, r, 9, &long[6], &f.integer)?;
            number_cell(ws, r, 10, &cells[4], &f.pace)?;
            number_cell(ws, r, 11, &cells[5], &f.pace)?;
            if let Some(d) = row.movement.as_ref().and_then(|m| m.projected_date) {
                date_cell(ws, r, 12, d, &f.date)?;
            }
            let outlook = row.movement.as_ref().and_then(|m| m.outlook);
            let text = outlook.map(|o| lang.outlook(o)).unwrap_or_default();
            match f.outlook(outlook) {
                Some(fmt) => ws.write_string_with_format(r, 13, text, fmt)?,
                None => ws.write_string(r, 13, text)?,
            };
            widths.see(13, text);
        }
    }
    ws.set_freeze_panes(1, 0)?;
    ws.autofilter(0, 0, r, (heads.len() - 1) as u16)?;
    widths.apply(ws, 10)?;
    Ok(())
}

/// The outlook counts of every target (展望 / Outlook).
fn outlook_sheet(ws: &mut Worksheet, result: &AuditResult, lang: Lang) -> Result<(), ReportError> {
    ws.set_name(pick(lang, "展望", "Outlook"))?;
    let rows: Vec<(String, String, crate::model::Level, [usize; 5])> =
        super::movement_targets(result)
            .iter()
            .filter(|m| m.counted() > 0)
            .map(|m| {
                let t = &result.targets[m.target].target;
                (t.id.clone(), t.text.clone(), m.level, m.counts)
            })
            .collect();
    counts_sheet(ws, &rows, lang)
}

/// A sheet of outlook counts: target, level, the five counts, the target's text.
fn counts_sheet(
    ws: &mut Worksheet,
    rows: &[(String, String, crate::model::Level, [usize; 5])],
    lang: Lang,
) -> Result<(), ReportError> {
    let w = lang.words();
    let f = Fmts::new();
    let mut heads = vec![w.target, w.level];
    heads.extend(w.outlooks);
    heads.push(pick(lang, "条款原文", "Clause text"));
    let mut widths = Widths::new(heads.len());
    for (c, h) in heads.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &f.header)?;
        widths.see(c, h);
    }
    for (i, (id, text, level, counts)) in rows.iter().enumerate() {
        let r = row_index(i + 1)?;
        ws.write_string(r, 0, id.as_str())?;
        widths.see(0, id);
        ws.write_string(r, 1, level_name(*level, lang))?;
        for (k, n) in counts.iter().enumerate() {
            let c = (k + 2) as u16;
            match (*n > 0)
                .then(|| f.outlook(super::OUTLOOKS.get(k).copied()))
                .flatten()
            {
                Some(fmt) => ws.write_number_with_format(r, c, *n as f64, fmt)?,
                None => ws.write_number(r, c, *n as f64)?,
            };
        }
        ws.write_string(r, 7, text.as_str())?;
        widths.see(7, text);
    }
    ws.set_freeze_panes(1, 0)?;
    widths.apply(ws, 8)?;
    Ok(())
}

/// The trend workbook (`zhibiao trend … -o trend.xlsx`): 走势 / Trend, the wide sheet (one
/// row per target and region of the last snapshot, one column per snapshot date, then the
/// required value, the change from the first to the last and the outlook); 展望 / Outlook,
/// the outlook counts; 明细 / Long, the trend CSV's rows and columns with numbers as
/// numbers.
pub fn trend_to_bytes(results: &[AuditResult], meta: &ReportMeta) -> Result<Vec<u8>, ReportError> {
    let lang = meta.lang;
    let mut wb = Workbook::new();
    let Some(last) = results.last() else {
        return Err(ReportError::Other("trend: no snapshot".to_string()));
    };
    wide_sheet(wb.add_worksheet(), results, last, lang)?;
    let counts: Vec<(String, String, crate::model::Level, [usize; 5])> =
        super::trend::trend_targets(results)
            .iter()
            .filter(|t| t.counts.iter().sum::<usize>() > 0)
            .map(|t| {
                let tt = &last.targets[t.target].target;
                (tt.id.clone(), tt.text.clone(), t.level, t.counts)
            })
            .collect();
    let ws = wb.add_worksheet();
    ws.set_name(pick(lang, "展望", "Outlook"))?;
    counts_sheet(ws, &counts, lang)?;
    trend_long_sheet(wb.add_worksheet(), results, lang)?;
    Ok(wb.save_to_buffer()?)
}

fn wide_sheet(
    ws: &mut Worksheet,
    results: &[AuditResult],
    last: &AuditResult,
    lang: Lang,
) -> Result<(), ReportError> {
    let w = lang.words();
    ws.set_name(pick(lang, "走势", "Trend"))?;
    let mut heads: Vec<String> = vec![
        w.target.to_string(),
        w.level.to_string(),
        w.region.to_string(),
    ];
    heads.extend(results.iter().map(|r| r.as_of.to_string()));
    let n = results.len();
    heads.extend([
        w.required.to_string(),
        w.change.to_string(),
        w.outlook.to_string(),
    ]);
    let mut f = Fmts::new();
    let mut widths = Widths::new(heads.len());
    for (c, h) in heads.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h.as_str(), &f.header)?;
        widths.see(c, h);
    }
    let mut r = 0u32;
    for row in &last.rows {
        r = row_index(r as usize + 1)?;
        let (value_f, change_f) = f.of(row.decimals);
        let id = last
            .targets
            .get(row.target)
            .map(|t| t.target.id.as_str())
            .unwrap_or_default();
        ws.write_string(r, 0, id)?;
        widths.see(0, id);
        ws.write_string(r, 1, level_name(row.level, lang))?;
        let label = super::region_label(&row.region);
        ws.write_string(r, 2, label.as_str())?;
        widths.see(2, &label);
        let values = super::trend::values_across(results, last, row);
        for (i, v) in values.iter().enumerate() {
            if let Some(v) = v {
                number_cell(ws, r, (3 + i) as u16, &fmt_num(*v, row.decimals), &value_f)?;
            }
        }
        let c = (3 + n) as u16;
        if let Some(q) = row.required {
            number_cell(ws, r, c, &fmt_num(q, row.decimals), &value_f)?;
        }
        let series = super::trend::Series { row, values };
        if let Some(ch) = series.change() {
            number_cell(ws, r, c + 1, &fmt_num(ch, row.decimals), &change_f)?;
        }
        let outlook = row.movement.as_ref().and_then(|m| m.outlook);
        let text = outlook.map(|o| lang.outlook(o)).unwrap_or_default();
        match f.outlook(outlook) {
            Some(fmt) => ws.write_string_with_format(r, c + 2, text, fmt)?,
            None => ws.write_string(r, c + 2, text)?,
        };
        widths.see((c + 2) as usize, text);
    }
    ws.set_freeze_panes(1, 3)?;
    ws.autofilter(0, 0, r, (heads.len() - 1) as u16)?;
    widths.apply(ws, 10)?;
    Ok(())
}

/// The trend CSV as a sheet: text as text, numbers as the numbers the CSV prints.
fn trend_long_sheet(
    ws: &mut Worksheet,
    results: &[AuditResult],
    lang: Lang,
) -> Result<(), ReportError> {
    ws.set_name(pick(lang, "明细", "Long"))?;
    let mut f = Fmts::new();
    let mut heads: Vec<&str> = COLUMNS.to_vec();
    heads.extend(super::MOVEMENT_COLUMNS);
    let mut widths = Widths::new(heads.len());
    for (c, h) in heads.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &f.header)?;
        widths.see(c, h);
    }
    let mut r = 0u32;
    for (si, row) in super::trend::long_rows(results) {
        r = row_index(r as usize + 1)?;
        let (value_f, _) = f.of(row.decimals);
        let mut cells = long_cells(&results[si], row).to_vec();
        cells.extend(super::movement_cells(row));
        for (c, text) in cells.iter().enumerate() {
            widths.see(c, text);
            if text.is_empty() {
                continue;
            }
            let format = match c {
                4 | 5 | 12 | 13 => Some(&value_f),
                6 | 14 => Some(&f.integer),
                15 | 16 => Some(&f.pace),
                _ => None,
            };
            match (format, text.parse::<f64>()) {
                (Some(fmt), Ok(x)) => ws.write_number_with_format(r, c as u16, x, fmt)?,
                _ => ws.write_string(r, c as u16, text.as_str())?,
            };
        }
    }
    ws.set_freeze_panes(1, 0)?;
    ws.autofilter(0, 0, r, (heads.len() - 1) as u16)?;
    widths.apply(ws, 9)?;
    Ok(())
}

/// The number format of `decimals` places: "0", "0.00", "0.0000".
pub(crate) fn num_format(decimals: u8) -> String {
    if decimals == 0 {
        "0".to_string()
    } else {
        format!("0.{}", "0".repeat(usize::from(decimals)))
    }
}

/// The number format of a count with a literal suffix: "0", or `0"（另 9 市）"`.
pub(crate) fn count_format(suffix: &str) -> String {
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

/// The Result sheet's headers in Chinese, column for column those of the CSV
/// ([`COLUMNS`] then [`super::RATIO_COLUMNS`]); English keeps the CSV's names.
/// `rules/columns.toml` lists them under `[own_outputs]`, so that the workbook in a ledger
/// folder is passed over as zhibiao's own output.
pub const COLUMNS_ZH: [&str; 15] = [
    "计划",
    "指标",
    "层级",
    "地区",
    "实际",
    "要求",
    "差距",
    "状态",
    "截止",
    "部分",
    "审计日",
    "阶段目标",
    "说明",
    "分子",
    "分母",
];

fn long_sheet(ws: &mut Worksheet, result: &AuditResult, lang: Lang) -> Result<(), ReportError> {
    ws.set_name(pick(lang, "结果", "Result"))?;
    let header = Format::new().set_bold().set_background_color(0x00EE_F1F5);
    let heads: Vec<&str> = match lang {
        Lang::Zh => COLUMNS_ZH.to_vec(),
        Lang::En => COLUMNS
            .iter()
            .chain(&super::RATIO_COLUMNS)
            .copied()
            .collect(),
    };
    let mut widths = Widths::new(heads.len());
    for (c, name) in heads.iter().enumerate() {
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
        let mut cells = long_cells(result, row).to_vec();
        cells.extend(super::ratio_cells(row));
        if lang == Lang::Zh {
            // Level and status in Chinese words (the CSV keeps the codes).
            cells[2] = level_name(row.level, lang).to_string();
            cells[7] = lang.status(row.status).to_string();
        }
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
                6 | 13 | 14 => Some(&integer),
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
    let last_col = (heads.len() - 1) as u16;
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
        let (unmet, no_data, met) = match lang {
            Lang::Zh => ("未达标", "无数据", "达标"),
            Lang::En => ("unmet", "no_data", "met"),
        };
        for (text, format) in [(unmet, &red), (no_data, &red), (met, &green)] {
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
        let name = format!("{}（{}）", super::target_name(t, lang), t.id);
        ws.write_string(r, 0, name.as_str())?;
        widths.see(0, &name);
        ws.write_string(r, 1, t.clause.as_str())?;
        widths.see(1, &t.clause);
        ws.write_string(r, 2, level_name(t.level, lang))?;
        widths.see(2, level_name(t.level, lang));
        // The required value, as the CSV prints it, with its decimals.
        if let Some(row) = result.rows.iter().find(|x| x.target == ti && x.assessed) {
            if let (true, Some(q)) = (super::is_share(t), row.required) {
                // A share: the fraction, shown as a percentage ("33.33%").
                let f = Format::new().set_num_format("0.00%");
                ws.write_number_with_format(r, 3, q, &f)?;
                widths.see(3, "100.00%");
            } else if let Some(text) = summary_required(result, ti) {
                let f = Format::new().set_num_format(num_format(row.decimals));
                match text.parse::<f64>() {
                    Ok(x) => ws.write_number_with_format(r, 3, x, &f)?,
                    Err(_) => ws.write_string(r, 3, text.as_str())?,
                };
                widths.see(3, &text);
            }
        }
        match &tr.skipped {
            Some(_) => {
                let text = format!(
                    "{}{}",
                    pick(lang, "未评估：", "not evaluated: "),
                    super::skipped_text(result, tr, lang)
                );
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
            let mut want = long_cells(&r, row).to_vec();
            want.extend(crate::report::ratio_cells(row));
            assert_eq!(cells.len(), want.len());
            for (c, cell) in cells.iter().enumerate() {
                let got = match cell {
                    Data::Empty => String::new(),
                    Data::String(s) => s.clone(),
                    Data::Float(x) if matches!(c, 6 | 13 | 14) => format!("{x:.0}"),
                    Data::Float(x) => crate::report::fmt_num(*x, row.decimals),
                    other => panic!("{other:?}"),
                };
                assert_eq!(got, want[c]);
            }
        }
    }
}
