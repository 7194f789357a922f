//! The merged cells of an XLSX's worksheets, found without reading their cells.
//!
//! A worksheet's `<mergeCells>` follows its `<sheetData>`: calamine finds them by reading
//! the whole sheet's XML (for a province-sized sheet, as much work as reading its cells).
//! Here the sheet's part is inflated and looked through for the end of its `<sheetData>`,
//! and only what follows is read as XML (quick-xml), as calamine reads it: the regions of
//! the first `<mergeCells>`. The parts are found as calamine finds them (the workbook's
//! relationships, names compared without case). Whatever is not found this way (no such
//! part, no end of `<sheetData>`, XML that does not read) is `None`: the caller asks
//! calamine.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Cursor, Read};

use calamine::Dimensions;
use quick_xml::events::Event;
use quick_xml::Reader;
use zip::ZipArchive;

use crate::ingest::spreadsheetml::attr;

type Zip<'a> = ZipArchive<Cursor<&'a [u8]>>;

/// The sheets of a workbook that calamine reads as visible worksheets, in the workbook's
/// order: name and zip entry.
pub(super) fn visible_worksheets(zip: &mut Zip<'_>) -> Option<Vec<(String, String)>> {
    Some(
        sheets(zip)?
            .into_iter()
            .filter(|s| s.visible && s.kind.ends_with("/worksheet"))
            .map(|s| (s.name, s.part))
            .collect(),
    )
}

/// Whether the workbook lists one sheet, a worksheet.
pub(super) fn one_worksheet(zip: &mut Zip<'_>) -> bool {
    sheets(zip).is_some_and(|s| s.len() == 1 && s.iter().all(|s| s.kind.ends_with("/worksheet")))
}

/// A sheet as the workbook lists it.
struct Sheet {
    name: String,
    /// Its zip entry.
    part: String,
    /// Its relationship's type.
    kind: String,
    /// Not `state="hidden"` or `"veryHidden"`.
    visible: bool,
}

/// The sheets of a workbook, in its order (from the workbook's relationships).
fn sheets(zip: &mut Zip<'_>) -> Option<Vec<Sheet>> {
    // Entry names without case, as calamine looks them up.
    let entries: HashMap<String, String> = zip
        .file_names()
        .flatten()
        .map(|n| (n.replace('\\', "/").to_ascii_lowercase(), n.to_string()))
        .collect();
    let entry = |path: &str| {
        entries
            .get(&path.to_ascii_lowercase())
            .cloned()
            .unwrap_or_else(|| path.to_string())
    };
    let office = relationships(zip, &entry("_rels/.rels"))?
        .into_iter()
        .find(|(_, (_, kind))| kind.ends_with("/relationships/officeDocument"))
        .map(|(_, (target, _))| target)?;
    let (dir, book) = match office.rfind('/') {
        Some(i) => office.split_at(i + 1),
        None => ("", office.as_str()),
    };
    let dir = dir.strip_prefix('/').unwrap_or(dir);
    let book = if book.is_empty() {
        "workbook.xml"
    } else {
        book
    };
    let rels = relationships(zip, &entry(&format!("{dir}_rels/{book}.rels")))?;
    let text = part_text(zip, &entry(&format!("{dir}{book}")))?;
    let mut xml = Reader::from_reader(text.as_slice());
    let mut parts = Vec::new();
    loop {
        match xml.read_event().ok()? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "sheet" => {
                let name = attr(&e, "name")?;
                // `r:id` (any prefix), as calamine reads it: raw.
                let id = e.attributes().flatten().find_map(|a| {
                    let key: &str = a.key.as_ref();
                    let local = key.rsplit(':').next().unwrap_or(key);
                    (local == "id").then(|| a.value.to_string())
                })?;
                let (target, kind) = rels.get(&id)?;
                let path = match target.strip_prefix('/') {
                    Some(abs) => abs.to_string(),
                    None => format!("{dir}{target}"),
                };
                // As calamine reads it: any other state (or none) is visible.
                let state = attr(&e, "state");
                let visible = !matches!(state.as_deref(), Some("hidden" | "veryHidden"));
                parts.push(Sheet {
                    name,
                    part: entry(&path),
                    kind: kind.clone(),
                    visible,
                });
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Some(parts)
}

/// A relationships part: target and type by id.
fn relationships(zip: &mut Zip<'_>, path: &str) -> Option<HashMap<String, (String, String)>> {
    let text = part_text(zip, path)?;
    let mut xml = Reader::from_reader(text.as_slice());
    let mut out = HashMap::new();
    loop {
        match xml.read_event().ok()? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "Relationship" => {
                if let Some(id) = attr(&e, "Id") {
                    let target = attr(&e, "Target").unwrap_or_default();
                    let kind = attr(&e, "Type").unwrap_or_default();
                    out.insert(id, (target, kind));
                }
            }
            Event::Eof => return Some(out),
            _ => {}
        }
    }
}

/// A small part (relationships, the workbook) read whole. Its declared size is checked
/// against the limit before any workbook is read ([`super::check_zip_parts`]).
fn part_text(zip: &mut Zip<'_>, path: &str) -> Option<Vec<u8>> {
    let mut text = Vec::new();
    zip.by_name(path).ok()?.read_to_end(&mut text).ok()?;
    Some(text)
}

/// Bytes inflated at a time while the end of `<sheetData>` is looked for.
const CHUNK: usize = 1 << 16;

/// The merged regions of the worksheet in zip entry `part`, as calamine's
/// `merge_cells_by_sheet_name` gives them; `None` when they are not found this way.
pub(super) fn merged_cells(zip: &mut Zip<'_>, part: &str) -> Option<Vec<Dimensions>> {
    let mut file = BufReader::with_capacity(CHUNK, zip.by_name(part).ok()?);
    // The end tag `</sheetData>` or `</x:sheetData>`: from its `<` on, the part is XML
    // read as such. `carry` holds the end of the bytes before, where the tag may begin.
    let mut carry: Vec<u8> = Vec::new();
    let tail = loop {
        let got = file.fill_buf().ok()?;
        if got.is_empty() {
            return None;
        }
        let n = got.len();
        carry.extend_from_slice(got);
        file.consume(n);
        if let Some(at) = end_of_sheet_data(&carry) {
            break carry.split_off(at);
        }
        let keep = carry.len().saturating_sub(64);
        carry.drain(..keep);
    };
    let mut xml = Reader::from_reader(BufReader::new(Cursor::new(tail).chain(file)));
    // It begins with the end tags of elements begun before it.
    xml.config_mut().check_end_names = false;
    xml.config_mut().allow_unmatched_ends = true;
    let mut buf = Vec::new();
    let mut merges = Vec::new();
    let mut inside = false;
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf).ok()? {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                "mergeCells" => inside = true,
                "mergeCell" if inside => {
                    if let Some(r) = attr(&e, "ref") {
                        merges.push(dimension(&r)?);
                    }
                }
                _ => {}
            },
            Event::End(e) if inside && e.local_name().as_ref() == "mergeCells" => break,
            Event::Eof => {
                if inside {
                    return None;
                }
                break;
            }
            _ => {}
        }
    }
    Some(merges)
}

/// Where the first end of `sheetData` (any prefix) begins in `bytes`: its end tag
/// (`</sheetData>`), or the element itself when empty (`<sheetData/>`).
fn end_of_sheet_data(bytes: &[u8]) -> Option<usize> {
    const NAME: &[u8] = b"sheetData";
    let mut from = 0;
    while let Some(i) = memchr::memmem::find(bytes.get(from..)?, NAME) {
        let at = from + i;
        from = at + NAME.len();
        // Back over a prefix (`x:`) to `<` or `</`.
        let before = bytes.get(..at)?;
        let start = match before.last() {
            Some(b':') => before
                .iter()
                .rposition(|b| !(b.is_ascii_alphanumeric() || *b == b'_' || *b == b':'))
                .map_or(0, |p| p + 1),
            _ => at,
        };
        let after = bytes.get(from..)?;
        let closes = after.first() == Some(&b'>');
        let empty = after
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| *b == b'/');
        if start >= 2 && closes && bytes.get(start - 2..start) == Some(b"</") {
            return Some(start - 2);
        }
        if start >= 1 && empty && bytes.get(start - 1) == Some(&b'<') {
            return Some(start - 1);
        }
    }
    None
}

/// A cell reference or a range (`B3`, `A1:G2`) as calamine's dimensions (0-based (row,
/// column) of its corners).
fn dimension(text: &str) -> Option<Dimensions> {
    let mut corners = text.split(':').map(cell_position);
    let start = corners.next()??;
    let end = match corners.next() {
        Some(c) => c?,
        None => start,
    };
    if corners.next().is_some() {
        return None;
    }
    Some(Dimensions { start, end })
}

/// `B3` → (2, 1). Only what calamine reads the same way (one to three letters, then one
/// to seven digits): anything else is left to calamine.
fn cell_position(text: &str) -> Option<(u32, u32)> {
    let split = text.find(|c: char| !c.is_ascii_alphabetic())?;
    let (letters, digits) = text.split_at(split);
    if !(1..=3).contains(&letters.len())
        || !(1..=7).contains(&digits.len())
        || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let col = letters.bytes().fold(0u32, |acc, b| {
        acc * 26 + u32::from(b.to_ascii_uppercase() - b'A') + 1
    });
    let row: u32 = digits.parse().ok()?;
    Some((row.checked_sub(1)?, col.checked_sub(1)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::Reader as _;
    use rust_xlsxwriter::{Format, Workbook};

    /// What calamine gives for each sheet, and what is found here (`None`: not found).
    #[allow(clippy::type_complexity)]
    fn both(bytes: &[u8]) -> Vec<(String, Vec<Dimensions>, Option<Vec<Dimensions>>)> {
        let mut book = calamine::Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
        let mut zip = ZipArchive::new(Cursor::new(bytes)).unwrap();
        let parts: HashMap<String, String> = sheets(&mut zip)
            .unwrap()
            .into_iter()
            .map(|s| (s.name, s.part))
            .collect();
        book.sheet_names()
            .into_iter()
            .map(|name| {
                let slow = book.merge_cells_by_sheet_name(&name).unwrap_or_default();
                let fast = parts.get(&name).and_then(|p| merged_cells(&mut zip, p));
                (name, slow, fast)
            })
            .collect()
    }

    /// Every fixture workbook, and one written with merged cells in several sheets (a
    /// sheet whose name needs escaping, one without merged cells, one without cells),
    /// gives calamine's merged cells for every sheet, found here.
    #[test]
    fn merged_cells_equal_calamines() {
        let mut book = Workbook::new();
        let f = Format::new();
        let ws = book.add_worksheet().set_name("组织 & <台账>").unwrap();
        ws.merge_range(0, 0, 0, 6, "标题", &f).unwrap();
        ws.merge_range(1, 0, 2, 0, "组织名称", &f).unwrap();
        ws.merge_range(30, 2, 40, 2, "小店区", &f).unwrap();
        ws.write_string(50, 27, "AB51").unwrap();
        ws.merge_range(60, 700, 61, 701, "far", &f).unwrap();
        let plain = book.add_worksheet().set_name("二表").unwrap();
        plain.write_string(0, 0, "组织名称").unwrap();
        book.add_worksheet().set_name("空白").unwrap();
        let ws = book.add_worksheet().set_name("三表").unwrap();
        ws.merge_range(3, 1, 9, 1, "城区", &f).unwrap();
        let written = book.save_to_buffer().unwrap();
        let mut files = vec![("written".to_string(), written)];
        let mut dirs = vec![std::path::PathBuf::from("fixtures")];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "xlsx") {
                    let bytes = std::fs::read(&p).unwrap();
                    if calamine::Xlsx::new(Cursor::new(bytes.clone())).is_ok() {
                        files.push((p.display().to_string(), bytes));
                    }
                }
            }
        }
        assert!(files.len() > 8, "{}", files.len());
        let mut merged = 0;
        for (file, bytes) in &files {
            for (sheet, slow, fast) in both(bytes) {
                assert_eq!(fast.as_ref(), Some(&slow), "{file}#{sheet}");
                merged += slow.len();
            }
        }
        assert!(merged >= 7, "{merged}");
        let first = both(&files[0].1);
        assert_eq!(first[0].1.len(), 4, "{first:?}");
        assert_eq!(first[0].1[3].start, (60, 700));
    }

    /// The visible worksheets found here are calamine's, in its order, for every fixture
    /// workbook and one with a hidden sheet and a chart sheet among its worksheets; one
    /// worksheet alone is told apart.
    #[test]
    fn visible_worksheets_are_calamines() {
        let mut book = Workbook::new();
        book.add_worksheet().set_name("组织").unwrap();
        book.add_worksheet()
            .set_name("隐藏")
            .unwrap()
            .set_hidden(true);
        let mut chart = rust_xlsxwriter::Chart::new(rust_xlsxwriter::ChartType::Column);
        chart.add_series().set_values("组织!$A$1:$A$2");
        book.add_chartsheet().insert_chart(0, 0, &chart).unwrap();
        book.add_worksheet().set_name("二表 & <x>").unwrap();
        let mixed = book.save_to_buffer().unwrap();
        let mut files = vec![mixed.clone()];
        for e in std::fs::read_dir("fixtures/demo").unwrap().flatten() {
            if e.path().extension().is_some_and(|x| x == "xlsx") {
                files.push(std::fs::read(e.path()).unwrap());
            }
        }
        assert!(files.len() >= 3, "{}", files.len());
        for bytes in &files {
            let book = calamine::Xlsx::new(Cursor::new(bytes.clone())).unwrap();
            let want: Vec<String> = book
                .sheets_metadata()
                .iter()
                .filter(|s| {
                    s.visible == calamine::SheetVisible::Visible
                        && s.typ == calamine::SheetType::WorkSheet
                })
                .map(|s| s.name.clone())
                .collect();
            let mut zip = ZipArchive::new(Cursor::new(bytes.as_slice())).unwrap();
            let got: Vec<String> = visible_worksheets(&mut zip)
                .unwrap()
                .into_iter()
                .map(|(name, _)| name)
                .collect();
            assert_eq!(got, want);
        }
        let mut zip = ZipArchive::new(Cursor::new(mixed.as_slice())).unwrap();
        assert_eq!(
            visible_worksheets(&mut zip).unwrap(),
            [
                ("组织".to_string(), "xl/worksheets/sheet1.xml".to_string()),
                (
                    "二表 & <x>".to_string(),
                    "xl/worksheets/sheet3.xml".to_string()
                )
            ]
        );
        assert!(!one_worksheet(&mut zip));
        let mut one = Workbook::new();
        one.add_worksheet();
        let one = one.save_to_buffer().unwrap();
        assert!(one_worksheet(
            &mut ZipArchive::new(Cursor::new(one.as_slice())).unwrap()
        ));
    }

    #[test]
    fn end_of_sheet_data_with_and_without_prefix() {
        assert_eq!(
            end_of_sheet_data(b"<row/></sheetData><mergeCells>"),
            Some(6)
        );
        assert_eq!(end_of_sheet_data(b"<x:row/></x:sheetData>"), Some(8));
        assert_eq!(end_of_sheet_data(b"<sheetData></sheetData>"), Some(11));
        assert_eq!(end_of_sheet_data(b"<a/><sheetData/>"), Some(4));
        assert_eq!(end_of_sheet_data(b"<a/><x:sheetData />"), Some(4));
        assert_eq!(end_of_sheet_data(b"<sheetData>"), None);
        assert_eq!(end_of_sheet_data(b"ab sheetData> </sheetData"), None);
    }

    #[test]
    fn cell_references_as_calamine_reads_them() {
        assert_eq!(cell_position("B3"), Some((2, 1)));
        assert_eq!(cell_position("aa10"), Some((9, 26)));
        assert_eq!(cell_position("XFD1048576"), Some((1_048_575, 16_383)));
        for bad in [
            "",
            "A",
            "3",
            "A0",
            "$A$1",
            "A+1",
            "ABCD1",
            "A12345678",
            "A1B",
        ] {
            assert_eq!(cell_position(bad), None, "{bad}");
        }
        let d = dimension("A1:G2").unwrap();
        assert_eq!((d.start, d.end), ((0, 0), (1, 6)));
        assert!(dimension("A1:B2:C3").is_none());
    }
}
