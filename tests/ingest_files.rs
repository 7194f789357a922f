//! Reading real workbook files (XLSX, XLS, ODS) and broken ones; the small workbooks are
//! made by tests/data/ingest/make.py.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use zhibiao::ingest::{
    read_file, read_inputs, source, Dataset, IngestError, IngestOptions, SkipReason, TableKind,
};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/ingest")
        .join(name)
}

fn read(name: &str) -> Result<Dataset, IngestError> {
    let mut ds = Dataset::default();
    read_file(&data(name), &IngestOptions::default(), &mut ds).map(|_| ds)
}

fn typed(ds: &Dataset, kind: TableKind) -> u32 {
    let n = match kind {
        TableKind::Communities => ds.communities.len(),
        TableKind::Organizations => ds.organizations.len(),
        TableKind::Incubators => ds.incubators.len(),
        TableKind::Projects => ds.projects.len(),
        TableKind::Events => ds.events.len(),
        TableKind::Funds => ds.funds.len(),
    };
    n as u32
}

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

#[test]
fn messy_xlsx_title_two_row_header_merges_totals_notes() {
    let ds = read("messy.xlsx").unwrap();
    assert_eq!(ds.tables.len(), 2, "{:?}", ds.ignored);
    let t = &ds.tables[0];
    assert_eq!(t.sheet.as_deref(), Some("台账"));
    assert_eq!(t.kind, TableKind::Organizations);
    assert_eq!(t.header_rows, (4, 5));
    let cols: Vec<(&str, usize)> = t.columns.iter().map(|c| (c.field, c.column)).collect();
    assert_eq!(
        cols,
        [
            ("name", 2),
            ("city", 3),
            ("county", 4),
            ("street", 5),
            ("community", 6),
            ("category", 7),
            ("founded", 8),
            ("brand", 9)
        ]
    );
    assert_eq!(t.extra_columns, ["序号"]);
    assert_eq!(t.rows_read, 6);
    assert_eq!(t.skipped.get(&SkipReason::Blank), Some(&1));
    assert_eq!(t.skipped.get(&SkipReason::Total), Some(&1));
    assert_eq!(t.skipped.get(&SkipReason::Note), Some(&1));
    assert_eq!(t.rows_read, typed(&ds, t.kind) + t.skipped_total());

    let rows: Vec<u32> = ds.organizations.iter().map(|o| o.origin.row).collect();
    assert_eq!(rows, [6, 7, 8]);
    let o = &ds.organizations;
    assert_eq!(o[0].founded, date(2021, 3, 5));
    assert_eq!(
        o[1].founded,
        date(2021, 3, 1),
        "serial 44256 in a numeric cell"
    );
    assert_eq!(o[2].founded, date(2022, 5, 1));
    assert_eq!(&*o[2].name, "薛圐圙乡调解会");
    assert_eq!(o[2].category.as_deref(), Some("专业调处类"));
    assert_eq!(
        o.iter().map(|o| o.brand).collect::<Vec<_>>(),
        [true, false, true]
    );
    // Only the layout rows (blank, total, note) are recorded, as skips.
    assert!(
        ds.issues.iter().all(|i| matches!(
            i.outcome,
            zhibiao::ingest::Outcome::Skipped(
                SkipReason::Blank | SkipReason::Total | SkipReason::Note
            )
        )),
        "{:?}",
        ds.issues
    );

    // Hidden and empty sheets are passed over, and said so.
    assert_eq!(ds.ignored.len(), 2, "{:?}", ds.ignored);
    let ignored: Vec<String> = ds.ignored.iter().map(ToString::to_string).collect();
    assert!(ignored[0].contains("#隐藏") && ignored[0].contains("hidden"));
    assert!(ignored[1].contains("#空表") && ignored[1].contains("empty"));

    let f = &ds.tables[1];
    assert_eq!(f.kind, TableKind::Funds);
    assert_eq!(ds.funds.len(), 2);
    assert_eq!(ds.funds[1].year, 2022);
    assert!((ds.funds[1].amount - 1000.0).abs() < 1e-9);
}

#[test]
fn original_cells_of_xlsx_rows() {
    let ds = read("messy.xlsx").unwrap();
    let totals = zhibiao::ingest::Origin { table: 0, row: 10 };
    let first = zhibiao::ingest::Origin { table: 0, row: 6 };
    let cells =
        zhibiao::ingest::original_cells(&ds.tables, &[totals, first], &IngestOptions::default())
            .unwrap();
    assert_eq!(cells[&totals].get(1), Some("合计"));
    assert_eq!(cells[&totals].get(3), Some("3"));
    assert_eq!(cells[&first].get(2), Some("迎泽区文体协会"));
    assert_eq!(cells[&first].get(8), Some("2021-03-05"));
}

#[test]
fn xls_communities() {
    let ds = read("communities.xls").unwrap();
    let t = &ds.tables[0];
    assert_eq!(t.kind, TableKind::Communities);
    assert_eq!(t.header_rows, (2, 2));
    assert_eq!(t.rows_read, 5);
    assert_eq!(t.skipped.get(&SkipReason::Note), Some(&1));
    assert_eq!(t.rows_read, typed(&ds, t.kind) + t.skipped_total());
    let c = &ds.communities;
    assert_eq!(c.len(), 3);
    assert_eq!(&*c[0].place.county, "鄠邑区");
    assert_eq!(&*c[1].place.street, "薛圐圙乡");
    assert_eq!(&*c[1].place.community, "赤泥窊村委会");
    assert_eq!(c[1].urban_rural_code, Some(220));
    assert_eq!(c[1].code.as_deref(), Some("140928203201"));
    assert_eq!(c[2].urban_rural_code, Some(121));
    assert_eq!(c[2].kind, None);
}

#[test]
fn ods_funds() {
    let ds = read("funds.ods").unwrap();
    let t = &ds.tables[0];
    assert_eq!(t.kind, TableKind::Funds);
    assert_eq!(t.header_rows, (2, 2));
    assert_eq!(t.skipped.get(&SkipReason::Total), Some(&1));
    assert_eq!(t.rows_read, typed(&ds, t.kind) + t.skipped_total());
    assert_eq!(ds.funds.len(), 2);
    assert_eq!(ds.funds[0].year, 2021);
    assert_eq!(ds.funds[0].source.as_deref(), Some("福彩公益金"));
    assert!((ds.funds[1].amount - 15.5).abs() < 1e-9);
}

#[test]
fn broken_workbooks_are_errors() {
    let msg = read("encrypted.xlsx").unwrap_err().to_string();
    assert!(msg.contains("encrypted.xlsx"), "{msg}");
    assert!(
        msg.contains("不是有效的 XLSX 文件") && msg.contains("password"),
        "{msg}"
    );
    let msg = read("garbage.xlsx").unwrap_err().to_string();
    assert!(
        msg.contains("garbage.xlsx") && msg.contains("not a valid XLSX"),
        "{msg}"
    );
    let err = read("empty.xlsx").unwrap_err();
    assert!(matches!(err, IngestError::EmptyFile { .. }), "{err}");
}

#[test]
fn folders_expand_to_spreadsheets_in_name_order() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["b.csv", "a.XLSX", "notes.txt", "c.ods", "~$a.xlsx"] {
        std::fs::write(dir.path().join(name), "x").unwrap();
    }
    let files = source::expand_inputs(&[dir.path().to_path_buf()]).unwrap();
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["a.XLSX", "b.csv", "c.ods"]);

    let empty = tempfile::tempdir().unwrap();
    std::fs::write(empty.path().join("readme.txt"), "x").unwrap();
    assert!(matches!(
        source::expand_inputs(&[empty.path().to_path_buf()]),
        Err(IngestError::NoSpreadsheets { .. })
    ));
    let missing = dir.path().join("nope.csv");
    let msg = read_inputs(&[missing], &IngestOptions::default())
        .unwrap_err()
        .to_string();
    assert!(msg.contains("nope.csv") && msg.contains("不存在"), "{msg}");
}

#[test]
fn arbitrary_bytes_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    for i in 0..60 {
        let len = (i * 37) % 700;
        let mut bytes = Vec::with_capacity(len + 8);
        match i % 4 {
            0 => bytes.extend_from_slice(b"PK\x03\x04"),
            1 => bytes.extend_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]),
            _ => {}
        }
        for _ in 0..len {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            bytes.push(seed as u8);
        }
        for ext in ["csv", "xlsx", "xls", "ods"] {
            let path = dir.path().join(format!("f{i}.{ext}"));
            std::fs::write(&path, &bytes).unwrap();
            let mut ds = Dataset::default();
            // Ok or Err, never a panic.
            let _ = read_file(&path, &IngestOptions::default(), &mut ds);
        }
    }
}
