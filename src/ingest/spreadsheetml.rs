//! SpreadsheetML 2003 ("XML 表格", Excel 2003's XML Spreadsheet) → grids.
//!
//! A `<Workbook>` in the namespace `urn:schemas-microsoft-com:office:spreadsheet` holds
//! `<Worksheet ss:Name>`s, each a `<Table>` of `<Row>`s of `<Cell>`s. A row or cell may
//! jump ahead with `ss:Index` (1-based); a cell spans with `ss:MergeAcross` and
//! `ss:MergeDown` (a merged region, its value in the top-left cell, as in XLSX), and the
//! next cell of the row follows the region. `<Data ss:Type>` is `String`, `Number`,
//! `DateTime` (ISO 8601, `2021-03-15T00:00:00.000`), `Boolean` or `Error`. A worksheet
//! whose `<WorksheetOptions>` say `SheetHidden` is passed over as a hidden sheet. Read
//! event by event with quick-xml; prefixes are ignored (Excel writes `ss:` or none).

use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use encoding_rs::Encoding;
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use super::source::{bad, detect_csv, validate_strict, Cell, FileGrids, Grid, GridRow};
use super::source::{Limits, Merge};
use super::{IngestError, PassReason, PassedOver, ProgressHook};

/// The format name of a SpreadsheetML workbook in `inspect`.
pub(crate) const FORMAT: &str = "SpreadsheetML 2003 (XML 表格)";

/// The text of the file: UTF-8 (the format's own; with or without BOM), else the
/// encoding its XML declaration names, else detected as a CSV is.
fn decode<'b>(
    path: &Path,
    bytes: &'b [u8],
    forced: Option<&'static Encoding>,
) -> Result<std::borrow::Cow<'b, str>, IngestError> {
    if forced.is_none() {
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        if let Ok(text) = std::str::from_utf8(body) {
            return Ok(std::borrow::Cow::Borrowed(text));
        }
        if Encoding::for_bom(bytes).is_none() {
            if let Some(enc) = declared_encoding(bytes) {
                if enc.is_ascii_compatible() && validate_strict(enc, bytes).is_ok() {
                    let (text, _) = enc.decode_without_bom_handling(bytes);
                    return Ok(text);
                }
            }
        }
    }
    let found = detect_csv(path, bytes, forced)?;
    let body = bytes.get(found.skip..).unwrap_or(&[]);
    let (text, _) = found.encoding.decode_without_bom_handling(body);
    Ok(std::borrow::Cow::Owned(text.into_owned()))
}

/// The `encoding` of the XML declaration (`<?xml version="1.0" encoding="gb2312"?>`).
fn declared_encoding(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = bytes.get(..512).unwrap_or(bytes);
    let head = String::from_utf8_lossy(head);
    let mut reader = Reader::from_str(&head);
    loop {
        match reader.read_event() {
            Ok(Event::Decl(d)) => {
                let label = d.encoding()?.ok()?;
                return Encoding::for_label(label.trim().as_bytes());
            }
            Ok(Event::Text(_)) => {}
            _ => return None,
        }
    }
}

/// The value of an attribute by its local name (`ss:Index` or `Index`), unescaped.
pub(crate) fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        (a.key.local_name().as_ref() == name)
            .then(|| {
                a.normalized_value(XmlVersion::Implicit1_0)
                    .map(|v| v.into_owned())
                    .ok()
            })
            .flatten()
    })
}

fn number_attr(e: &BytesStart<'_>, name: &str) -> Option<u64> {
    attr(e, name).and_then(|v| v.trim().parse::<u64>().ok())
}

/// A `DateTime` value: `2021-03-15T00:00:00.000` (seconds and fraction optional).
fn parse_datetime(text: &str) -> Option<NaiveDateTime> {
    let t = text.trim();
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(t, fmt) {
            return Some(dt);
        }
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .map(|d| d.and_time(chrono::NaiveTime::MIN))
}

fn typed(kind: &str, text: String) -> Cell {
    if text.is_empty() {
        return Cell::Empty;
    }
    match kind {
        "Number" => text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map_or(Cell::Text(text), Cell::Number),
        "DateTime" => parse_datetime(&text).map_or(Cell::Text(text), Cell::DateTime),
        "Boolean" => match text.trim() {
            "1" => Cell::Bool(true),
            "0" => Cell::Bool(false),
            _ => Cell::Text(text),
        },
        _ => Cell::Text(text),
    }
}

/// The worksheet being read.
struct Sheet {
    name: String,
    rows: Vec<GridRow>,
    merges: Vec<Merge>,
    hidden: bool,
    /// The 1-based number of the last row started (0 before the first).
    row: u32,
    /// The cells of the row being read, and the next 0-based column.
    cells: Vec<Cell>,
    next_col: u64,
    in_row: bool,
}

/// The cell being read: its column, merge, type and text.
struct OpenCell {
    col: u64,
    kind: String,
    text: String,
    in_data: bool,
}

/// Read the worksheets of a SpreadsheetML 2003 workbook.
pub(crate) fn read_spreadsheetml(
    path: &Path,
    bytes: &[u8],
    forced: Option<&'static Encoding>,
    limits: &Limits,
    progress: &ProgressHook,
) -> Result<FileGrids, IngestError> {
    let text = decode(path, bytes, forced)?;
    let mut reader = Reader::from_str(&text);
    let mut out = FileGrids::default();
    let mut sheet: Option<Sheet> = None;
    let mut cell: Option<OpenCell> = None;
    // Inside <WorksheetOptions><Visible>, and inside a <Comment> (not cell text).
    let (mut in_visible, mut in_comment) = (false, 0usize);
    let mut pending = 0u64;
    let mut names: Vec<String> = Vec::new();
    let mut hidden = 0usize;
    let mut workbook = false;
    let xml_error = |e: &dyn std::fmt::Display, at: u64| {
        bad(
            path,
            format!("不是有效的 SpreadsheetML 文件：第 {at} 字节处 XML 出错 / not a valid SpreadsheetML workbook: XML error at byte {at}: {e}"),
        )
    };
    loop {
        let event = match reader.read_event() {
            Ok(ev) => ev,
            Err(e) => return Err(xml_error(&e, reader.error_position())),
        };
        let table = |s: &Sheet| format!("{}#{}", path.display(), s.name);
        match event {
            Event::Eof => break,
            Event::Start(_) | Event::Empty(_) => {
                let (e, empty) = match &event {
                    Event::Start(e) => (e, false),
                    Event::Empty(e) => (e, true),
                    _ => continue,
                };
                let local = e.local_name();
                let name = local.as_ref();
                match name {
                    "Workbook" => workbook = true,
                    "Worksheet" => {
                        let n = attr(e, "Name").unwrap_or_default();
                        let n = if n.trim().is_empty() {
                            format!("Sheet{}", names.len() + 1)
                        } else {
                            n
                        };
                        let mut unique = n.clone();
                        let mut k = 2;
                        while names.contains(&unique) {
                            unique = format!("{n} ({k})");
                            k += 1;
                        }
                        names.push(unique.clone());
                        sheet = Some(Sheet {
                            name: unique,
                            rows: Vec::new(),
                            merges: Vec::new(),
                            hidden: false,
                            row: 0,
                            cells: Vec::new(),
                            next_col: 0,
                            in_row: false,
                        });
                    }
                    "Row" => {
                        if let Some(s) = &mut sheet {
                            finish_row(s, &mut pending, progress);
                            let number = number_attr(e, "Index")
                                .filter(|i| *i > u64::from(s.row))
                                .unwrap_or(u64::from(s.row) + 1);
                            limits.check_row(&|| table(s), number)?;
                            s.row = u32::try_from(number).unwrap_or(u32::MAX);
                            s.in_row = true;
                            s.next_col = 0;
                            // A row repeated by ss:Span is empty (Excel writes it for
                            // formatting only); it moves the next row down.
                            if empty {
                                if let Some(span) = number_attr(e, "Span") {
                                    let last = number.saturating_add(span);
                                    limits.check_row(&|| table(s), last)?;
                                    s.row = u32::try_from(last).unwrap_or(u32::MAX);
                                }
                                finish_row(s, &mut pending, progress);
                            }
                        }
                    }
                    "Cell" => {
                        if let Some(s) = &mut sheet {
                            if !s.in_row {
                                // A cell outside a row: read as in a row of its own.
                                s.row = s.row.saturating_add(1);
                                limits.check_row(&|| table(s), u64::from(s.row))?;
                                s.in_row = true;
                                s.next_col = 0;
                            }
                            let col = number_attr(e, "Index")
                                .filter(|i| *i >= 1)
                                .map_or(s.next_col, |i| (i - 1).max(s.next_col));
                            let across = number_attr(e, "MergeAcross").unwrap_or(0);
                            let down = number_attr(e, "MergeDown").unwrap_or(0);
                            let columns = u64::from(limits.columns);
                            let across = across.min(columns.saturating_sub(col + 1));
                            let rows_left = u64::from(limits.rows).saturating_sub(u64::from(s.row));
                            let down = down.min(rows_left);
                            s.next_col = col.saturating_add(across).saturating_add(1);
                            if (across > 0 || down > 0) && col < columns {
                                s.merges.push(Merge {
                                    rows: (
                                        s.row,
                                        s.row.saturating_add(u32::try_from(down).unwrap_or(0)),
                                    ),
                                    cols: (col as usize, (col + across) as usize),
                                });
                            }
                            if !empty {
                                cell = Some(OpenCell {
                                    col,
                                    kind: String::new(),
                                    text: String::new(),
                                    in_data: false,
                                });
                            }
                        }
                    }
                    "Data" => {
                        if let Some(c) = &mut cell {
                            if in_comment == 0 {
                                c.kind = attr(e, "Type").unwrap_or_default();
                                c.in_data = !empty;
                            }
                        }
                    }
                    "Comment" if !empty => in_comment += 1,
                    "Visible" if !empty => in_visible = true,
                    _ => {}
                }
            }
            Event::End(e) => {
                let local = e.local_name();
                match local.as_ref() {
                    "Data" => {
                        if let Some(c) = &mut cell {
                            if in_comment == 0 {
                                c.in_data = false;
                            }
                        }
                    }
                    "Comment" => in_comment = in_comment.saturating_sub(1),
                    "Visible" => in_visible = false,
                    "Cell" => {
                        if let (Some(s), Some(c)) = (&mut sheet, cell.take()) {
                            let value = typed(&c.kind, c.text);
                            if value != Cell::Empty {
                                let row = u64::from(s.row);
                                limits.check(&|| table(s), row, c.col + 1, &value)?;
                                let col = usize::try_from(c.col).unwrap_or(usize::MAX);
                                if s.cells.len() <= col {
                                    s.cells.resize(col + 1, Cell::Empty);
                                }
                                if let Some(slot) = s.cells.get_mut(col) {
                                    *slot = value;
                                }
                            }
                        }
                    }
                    "Row" => {
                        if let Some(s) = &mut sheet {
                            finish_row(s, &mut pending, progress);
                        }
                    }
                    "Worksheet" => {
                        if let Some(mut s) = sheet.take() {
                            finish_row(&mut s, &mut pending, progress);
                            push_sheet(path, s, &mut out, &mut hidden);
                        }
                    }
                    _ => {}
                }
            }
            Event::Text(t) => {
                if let Some(c) = &mut cell {
                    if c.in_data {
                        c.text.push_str(&t.xml10_content());
                        if let Some(s) = &sheet {
                            check_growing(limits, s, c, &table)?;
                        }
                    }
                } else if in_visible {
                    let v = t.xml10_content();
                    if let Some(s) = &mut sheet {
                        if matches!(v.trim(), "SheetHidden" | "SheetVeryHidden") {
                            s.hidden = true;
                        }
                    }
                }
            }
            Event::CData(t) => {
                if let Some(c) = &mut cell {
                    if c.in_data {
                        c.text.push_str(&t.xml10_content());
                        if let Some(s) = &sheet {
                            check_growing(limits, s, c, &table)?;
                        }
                    }
                }
            }
            Event::GeneralRef(r) => {
                if let Some(c) = &mut cell {
                    if c.in_data {
                        let ch = match r.resolve_char_ref() {
                            Ok(Some(ch)) => Some(ch),
                            Ok(None) => match &*r.xml10_content() {
                                "amp" => Some('&'),
                                "lt" => Some('<'),
                                "gt" => Some('>'),
                                "quot" => Some('"'),
                                "apos" => Some('\''),
                                _ => None,
                            },
                            Err(_) => None,
                        };
                        match ch {
                            Some(ch) => c.text.push(ch),
                            None => {
                                return Err(xml_error(
                                    &format!("&{};", r.xml10_content()),
                                    reader.buffer_position(),
                                ))
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if let Some(mut s) = sheet.take() {
        finish_row(&mut s, &mut pending, progress);
        push_sheet(path, s, &mut out, &mut hidden);
    }
    progress.rows(pending);
    if !workbook {
        return Err(bad(
            path,
            "不是有效的 SpreadsheetML 文件：没有 <Workbook> / not a valid SpreadsheetML workbook: no <Workbook>",
        ));
    }
    if out.grids.is_empty() && hidden == 0 {
        return Err(IngestError::EmptyFile {
            path: path.to_path_buf(),
        });
    }
    Ok(out)
}

/// A cell's text growing past the character limit is an error before it takes more
/// memory.
fn check_growing(
    limits: &Limits,
    s: &Sheet,
    c: &OpenCell,
    table: &dyn Fn(&Sheet) -> String,
) -> Result<(), IngestError> {
    if c.text.len() > (limits.cell_chars as usize).saturating_mul(4) {
        limits.check_cell(&|| table(s), u64::from(s.row), c.col + 1, &c.text)?;
    }
    Ok(())
}

fn finish_row(s: &mut Sheet, pending: &mut u64, progress: &ProgressHook) {
    if !s.in_row {
        return;
    }
    s.in_row = false;
    let mut cells = std::mem::take(&mut s.cells);
    while cells.last().is_some_and(|c| *c == Cell::Empty) {
        cells.pop();
    }
    if let Some(last) = s.rows.last() {
        // Rows skipped by ss:Index are empty rows of the sheet, as a workbook has them.
        let from = last.number.saturating_add(1);
        s.rows.extend((from..s.row).map(|number| GridRow {
            number,
            cells: Vec::new(),
        }));
    }
    s.rows.push(GridRow {
        number: s.row,
        cells,
    });
    *pending += 1;
    if *pending == ProgressHook::BATCH {
        progress.rows(*pending);
        *pending = 0;
    }
}

fn push_sheet(path: &Path, s: Sheet, out: &mut FileGrids, hidden: &mut usize) {
    let passed = |reason| PassedOver {
        file: path.to_path_buf(),
        sheet: Some(s.name.clone()),
        reason,
    };
    if s.hidden {
        *hidden += 1;
        out.ignored.push(passed(PassReason::HiddenSheet));
        return;
    }
    let last = s.rows.last().map_or(0, |r| r.number);
    let merges = s
        .merges
        .iter()
        .filter(|m| m.rows.0 <= last)
        .map(|m| Merge {
            rows: (m.rows.0, m.rows.1.min(last)),
            cols: m.cols,
        })
        .filter(|m| m.rows.0 != m.rows.1 || m.cols.0 != m.cols.1)
        .collect();
    let grid = Grid {
        file: path.to_path_buf(),
        sheet: Some(s.name.clone()),
        encoding: Some(FORMAT.to_string()),
        rows: s.rows,
        merges,
    };
    if grid.is_blank() {
        out.ignored.push(PassedOver {
            file: path.to_path_buf(),
            sheet: grid.sheet.clone(),
            reason: PassReason::EmptySheet,
        });
    } else {
        out.grids.push(grid);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "<?xml version=\"1.0\"?>\n<?mso-application progid=\"Excel.Sheet\"?>\n\
        <Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\" \
        xmlns:ss=\"urn:schemas-microsoft-com:office:spreadsheet\">";

    fn read_with(body: &str, limits: Limits) -> Result<FileGrids, IngestError> {
        let text = format!("{HEAD}{body}</Workbook>");
        read_spreadsheetml(
            Path::new("t.xls"),
            text.as_bytes(),
            None,
            &limits,
            &ProgressHook::default(),
        )
    }

    fn read(body: &str) -> FileGrids {
        read_with(body, Limits::default()).unwrap_or_else(|e| panic!("{e}"))
    }

    fn s(t: &str) -> Cell {
        Cell::Text(t.to_string())
    }

    #[test]
    fn index_gaps_merges_and_types() {
        let g = read(
            "<Worksheet ss:Name=\"台账\"><Table>\
             <Row><Cell ss:MergeAcross=\"3\"><Data ss:Type=\"String\">标题</Data></Cell></Row>\
             <Row ss:Index=\"3\"><Cell ss:MergeDown=\"1\"><Data ss:Type=\"String\">序号</Data></Cell>\
               <Cell ss:MergeAcross=\"1\"><Data ss:Type=\"String\">所在地</Data></Cell>\
               <Cell><Data ss:Type=\"String\">日期</Data></Cell></Row>\
             <Row><Cell ss:Index=\"2\"><Data ss:Type=\"String\">县区</Data></Cell>\
               <Cell><Data ss:Type=\"String\">社区</Data></Cell></Row>\
             <Row><Cell><Data ss:Type=\"Number\">1</Data></Cell>\
               <Cell ss:Index=\"4\"><Data ss:Type=\"DateTime\">2021-03-15T00:00:00.000</Data></Cell></Row>\
             <Row ss:Index=\"8\"><Cell><Data ss:Type=\"Number\">140302001001</Data></Cell>\
               <Cell><Data ss:Type=\"Boolean\">1</Data></Cell>\
               <Cell><Data ss:Type=\"String\">A&amp;B&#10;C</Data></Cell>\
               <Cell><Data ss:Type=\"DateTime\">2021-03-15T08:30:00</Data></Cell>\
               <Cell><Data ss:Type=\"Number\">2.5</Data><Comment><Data>not a value</Data></Comment></Cell></Row>\
             </Table></Worksheet>",
        );
        let g = &g.grids[0];
        assert_eq!(g.sheet.as_deref(), Some("台账"));
        assert_eq!(g.encoding.as_deref(), Some(FORMAT));
        let numbers: Vec<u32> = g.rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, [1, 2, 3, 4, 5, 6, 7, 8], "row 2, 6 and 7 are gaps");
        assert!(g.rows[1].cells.is_empty() && g.rows[5].cells.is_empty());
        assert_eq!(g.rows[0].cells, vec![s("标题")]);
        // The cell after a MergeAcross region follows it.
        assert_eq!(
            g.rows[2].cells,
            vec![s("序号"), s("所在地"), Cell::Empty, s("日期")]
        );
        assert_eq!(g.rows[3].cells, vec![Cell::Empty, s("县区"), s("社区")]);
        let date = NaiveDate::from_ymd_opt(2021, 3, 15).unwrap();
        assert_eq!(
            g.rows[4].cells,
            vec![
                Cell::Number(1.0),
                Cell::Empty,
                Cell::Empty,
                Cell::DateTime(date.and_hms_opt(0, 0, 0).unwrap())
            ]
        );
        assert_eq!(g.rows[4].cells[3].text(), "2021-03-15");
        assert_eq!(
            g.rows[7].cells,
            vec![
                Cell::Number(140_302_001_001.0),
                Cell::Bool(true),
                s("A&B\nC"),
                Cell::DateTime(date.and_hms_opt(8, 30, 0).unwrap()),
                Cell::Number(2.5),
            ]
        );
        assert_eq!(g.rows[7].cells[0].text(), "140302001001");
        assert_eq!(
            g.merges,
            vec![
                Merge {
                    rows: (1, 1),
                    cols: (0, 3)
                },
                Merge {
                    rows: (3, 4),
                    cols: (0, 0)
                },
                Merge {
                    rows: (3, 3),
                    cols: (1, 2)
                },
            ]
        );
    }

    #[test]
    fn hidden_empty_and_unnamed_sheets() {
        let g = read(
            "<Worksheet ss:Name=\"旧表\"><Table><Row><Cell><Data ss:Type=\"String\">x</Data></Cell></Row></Table>\
             <WorksheetOptions xmlns=\"urn:schemas-microsoft-com:office:excel\"><Visible>SheetHidden</Visible></WorksheetOptions></Worksheet>\
             <Worksheet ss:Name=\"空\"><Table/></Worksheet>\
             <Worksheet><Table><Row><Cell><Data ss:Type=\"String\">y</Data></Cell></Row></Table></Worksheet>",
        );
        assert_eq!(g.grids.len(), 1);
        assert_eq!(g.grids[0].sheet.as_deref(), Some("Sheet3"));
        let reasons: Vec<_> = g
            .ignored
            .iter()
            .map(|p| (p.sheet.clone(), p.reason.clone()))
            .collect();
        assert_eq!(
            reasons,
            vec![
                (Some("旧表".to_string()), PassReason::HiddenSheet),
                (Some("空".to_string()), PassReason::EmptySheet),
            ]
        );
    }

    #[test]
    fn limits_and_clamped_merges() {
        let limits = Limits {
            rows: 10,
            columns: 5,
            ..Limits::default()
        };
        // A merge far past the limits is clamped to them and to the last row.
        let g = read_with(
            "<Worksheet ss:Name=\"a\"><Table><Row><Cell ss:MergeAcross=\"1000000\" ss:MergeDown=\"99999999\"><Data ss:Type=\"String\">t</Data></Cell></Row>\
             <Row><Cell><Data ss:Type=\"String\">u</Data></Cell></Row></Table></Worksheet>",
            limits,
        )
        .unwrap();
        assert_eq!(
            g.grids[0].merges,
            vec![Merge {
                rows: (1, 2),
                cols: (0, 4)
            }]
        );
        let e = read_with(
            "<Worksheet ss:Name=\"a\"><Table><Row ss:Index=\"11\"><Cell><Data ss:Type=\"String\">x</Data></Cell></Row></Table></Worksheet>",
            limits,
        )
        .unwrap_err();
        assert!(matches!(e, IngestError::OverLimit { row: 11, .. }), "{e}");
        let e = read_with(
            "<Worksheet ss:Name=\"a\"><Table><Row><Cell ss:Index=\"6\"><Data ss:Type=\"String\">x</Data></Cell></Row></Table></Worksheet>",
            limits,
        )
        .unwrap_err();
        assert!(
            matches!(
                e,
                IngestError::OverLimit {
                    row: 1,
                    column: Some(6),
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("t.xls#a"), "{e}");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for body in [
            "<Worksheet><Table><Row><Cell><Data>x</Cell></Row>",
            "<Worksheet><Table><Row><Cell><Data ss:Type=\"String\">&bogus;</Data></Cell></Row></Table></Worksheet>",
            "",
        ] {
            assert!(read_with(body, Limits::default()).is_err(), "{body}");
        }
        let e = read_spreadsheetml(
            Path::new("t.xls"),
            b"<?mso-application progid=\"Excel.Sheet\"?><Other/>",
            None,
            &Limits::default(),
            &ProgressHook::default(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("SpreadsheetML"), "{e}");
    }

    #[test]
    fn declared_encoding_is_used() {
        let text = format!(
            "<?xml version=\"1.0\" encoding=\"gb2312\"?>{}<Worksheet ss:Name=\"表\"><Table><Row><Cell><Data ss:Type=\"String\">阳泉市</Data></Cell></Row></Table></Worksheet></Workbook>",
            HEAD.split_once("?>\n").map(|(_, r)| r).unwrap_or_default()
        );
        let bytes = encoding_rs::GBK.encode(&text).0.into_owned();
        let g = read_spreadsheetml(
            Path::new("t.xls"),
            &bytes,
            None,
            &Limits::default(),
            &ProgressHook::default(),
        )
        .unwrap();
        assert_eq!(g.grids[0].rows[0].cells, vec![s("阳泉市")]);
        assert_eq!(g.grids[0].sheet.as_deref(), Some("表"));
    }
}

#[cfg(test)]
mod mutations {
    use super::*;

    /// Deterministic mutations of a small workbook: read or refused, never a panic.
    #[test]
    fn mutated_workbooks_never_panic() {
        let book = "<?xml version=\"1.0\"?><?mso-application progid=\"Excel.Sheet\"?>\
            <Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\" \
            xmlns:ss=\"urn:schemas-microsoft-com:office:spreadsheet\"><Worksheet ss:Name=\"a\">\
            <Table><Row ss:Index=\"2\"><Cell ss:MergeAcross=\"2\" ss:MergeDown=\"1\">\
            <Data ss:Type=\"String\">t&amp;</Data></Cell><Cell ss:Index=\"5\">\
            <Data ss:Type=\"DateTime\">2021-03-15T00:00:00.000</Data></Cell></Row>\
            <Row><Cell><Data ss:Type=\"Number\">12</Data></Cell></Row></Table></Worksheet></Workbook>";
        let mut next = crate::testutil::xorshift(0x2545_F491_4F6C_DD1Du64);
        let limits = Limits {
            rows: 50,
            columns: 40,
            cell_chars: 100,
            ..Limits::default()
        };
        for _ in 0..3000 {
            let mut b = book.as_bytes().to_vec();
            for _ in 0..1 + next() % 4 {
                let at = (next() as usize) % b.len().max(1);
                match next() % 4 {
                    0 => b.truncate(at),
                    1 => {
                        if let Some(x) = b.get_mut(at) {
                            *x = (next() % 256) as u8;
                        }
                    }
                    2 => {
                        let s = [
                            "ss:Index=\"999999\" ",
                            "ss:MergeDown=\"99999999\" ",
                            "<Row>",
                            "</Cell>",
                            "&#0;",
                        ];
                        let s = s[(next() % 5) as usize].as_bytes();
                        let at = at.min(b.len());
                        b.splice(at..at, s.iter().copied());
                    }
                    _ => {
                        let end = (at + (next() as usize) % 20).min(b.len());
                        b.drain(at..end);
                    }
                }
            }
            let _ = read_spreadsheetml(
                Path::new("m.xls"),
                &b,
                None,
                &limits,
                &ProgressHook::default(),
            );
        }
    }
}
