//! A [`DiffResult`] as an XLSX workbook: sheet 地区 Regions (the per-region counts with the
//! identity check, as in the terminal) and sheet 记录 Records (the records, columns as in
//! the CSV), each with a frozen header and an autofilter.

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::diff_csv::{cells, selected, COLUMNS};
use super::diff_table::{net, region_label, REGION_HEADER};
use super::ReportError;
use crate::audit::diff::DiffResult;

/// The workbook's bytes (`all`: also the unchanged and inactive records).
pub fn to_bytes(result: &DiffResult, all: bool) -> Result<Vec<u8>, ReportError> {
    let mut wb = Workbook::new();
    regions_sheet(wb.add_worksheet(), result)?;
    records_sheet(wb.add_worksheet(), result, all)?;
    Ok(wb.save_to_buffer()?)
}

fn header_format() -> Format {
    Format::new().set_bold().set_background_color(0x00EE_F1F5)
}

fn regions_sheet(ws: &mut Worksheet, result: &DiffResult) -> Result<(), XlsxError> {
    ws.set_name("地区 Regions")?;
    let header = header_format();
    ws.write_string_with_format(0, 0, "类别 kind", &header)?;
    for (i, h) in REGION_HEADER.iter().enumerate() {
        ws.write_string_with_format(0, i as u16 + 1, *h, &header)?;
    }
    let red = Format::new()
        .set_font_color(0x009C_0006)
        .set_background_color(0x00FF_C7CE);
    for (n, (kind, r)) in result.regions.iter().enumerate() {
        let row = n as u32 + 1;
        ws.write_string(row, 0, kind.zh())?;
        ws.write_string(row, 1, region_label(r))?;
        for (col, v) in [
            (2, i64::from(r.before)),
            (3, i64::from(r.after)),
            (4, net(r)),
            (5, i64::from(r.added)),
            (6, i64::from(r.dissolved)),
            (7, i64::from(r.moved_in)),
            (8, i64::from(r.moved_out)),
            (9, i64::from(r.renamed)),
        ] {
            ws.write_number(row, col, v as f64)?;
        }
        if r.balanced() {
            ws.write_string(row, 10, "✓")?;
        } else {
            ws.write_string_with_format(row, 10, "✗", &red)?;
        }
    }
    ws.set_freeze_panes(1, 0)?;
    ws.autofilter(0, 0, result.regions.len() as u32, 10)?;
    ws.set_column_width(1, 36)?;
    for c in 2..=10 {
        ws.set_column_width(c, 12)?;
    }
    Ok(())
}

fn records_sheet(ws: &mut Worksheet, result: &DiffResult, all: bool) -> Result<(), XlsxError> {
    ws.set_name("记录 Records")?;
    let header = header_format();
    for (i, h) in COLUMNS.iter().enumerate() {
        ws.write_string_with_format(0, i as u16, *h, &header)?;
    }
    let mut row = 0u32;
    for r in result.records.iter().filter(|r| selected(r, all)) {
        row += 1;
        for (col, cell) in cells(r).iter().enumerate() {
            if !cell.is_empty() {
                ws.write_string(row, col as u16, cell)?;
            }
        }
    }
    ws.set_freeze_panes(1, 0)?;
    ws.autofilter(0, 0, row, COLUMNS.len() as u16 - 1)?;
    for (c, w) in [
        (5, 30),
        (6, 30),
        (7, 22),
        (8, 22),
        (9, 44),
        (10, 44),
        (13, 40),
        (14, 40),
    ] {
        ws.set_column_width(c, w)?;
    }
    Ok(())
}
