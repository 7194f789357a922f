//! Every input kept under `tests/data/fuzz-regressions/<target>/` (crashes the fuzz targets
//! of `fuzz/` found, and hand-made tricky inputs) runs through the same library entry as
//! its fuzz target: none may panic, and each gives a sensible result.

use std::path::{Path, PathBuf};

use zhibiao::ingest::date::{from_serial, parse_date};
use zhibiao::ingest::period::parse_as_of;
use zhibiao::ingest::source::{self, number_text, Cell, Grid, GridRow};
use zhibiao::ingest::text::{clean_cell, fold, header_key, strip_committee_suffix};
use zhibiao::ingest::{rows, Dataset, IngestError, IngestOptions};
use zhibiao::model::{self, BuildOptions};
use zhibiao::plan::{self, PlanError};

fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/fuzz-regressions")
        .join(target);
    let mut out: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = std::fs::read(&p).expect("readable input");
            (p, bytes)
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no inputs in {}", dir.display());
    out
}

fn name(p: &Path) -> String {
    p.file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}

/// The small limits the fuzz targets read with.
fn options() -> IngestOptions {
    IngestOptions {
        limits: source::Limits {
            input: 1 << 20,
            plan: 1 << 20,
            rows: 2_000,
            columns: 200,
            cell_chars: 2_000,
        },
        ..IngestOptions::default()
    }
}

/// Read bytes as the file `file`, then every grid into typed rows; the error (if any)
/// must render as a message naming the file.
fn read(file: &str, bytes: &[u8]) -> Result<Dataset, IngestError> {
    let opts = options();
    let grids = source::read_grids_from(Path::new(file), bytes.to_vec(), &opts)?;
    let mut ds = Dataset::default();
    for grid in grids.grids {
        rows::ingest_grid(grid, &opts, &mut ds)?;
    }
    Ok(ds)
}

fn check_message(input: &Path, e: &IngestError, file: &str) {
    let msg = e.to_string();
    assert!(
        msg.contains(file) || matches!(e, IngestError::OverLimit { .. }),
        "{}: the error does not name the file: {msg}",
        input.display()
    );
}

#[test]
fn csv_reader() {
    for (p, bytes) in inputs("csv_reader") {
        match read("fuzz.csv", &bytes) {
            Ok(ds) => assert!(!ds.tables.is_empty(), "{}: read but no table", p.display()),
            Err(e) => check_message(&p, &e, "fuzz.csv"),
        }
    }
}

#[test]
fn csv_hand_made_inputs_give_their_errors() {
    let dir = "csv_reader";
    for (p, bytes) in inputs(dir) {
        let result = read("fuzz.csv", &bytes);
        match name(&p).as_str() {
            "bom-only.csv" | "blank-lines.csv" => {
                assert!(
                    matches!(result, Err(IngestError::EmptyFile { .. })),
                    "{result:?}"
                )
            }
            "nul-byte.csv" => match result {
                Err(IngestError::Decode { offset, line, .. }) => {
                    assert_eq!((offset, line), (9, 2));
                }
                other => panic!("{other:?}"),
            },
            "zip-named-csv.csv" => {
                assert!(
                    matches!(result, Err(IngestError::BadWorkbook { .. })),
                    "{result:?}"
                )
            }
            _ => {}
        }
    }
}

/// The file name the workbook target gives the bytes (the extension picks the reader
/// tried first).
fn workbook_name(data: &[u8]) -> &'static str {
    if data.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        "fuzz.xls"
    } else if data.windows(8).take(200).any(|w| w == b"opendocu") {
        "fuzz.ods"
    } else {
        "fuzz.xlsx"
    }
}

#[test]
fn workbook_reader() {
    for (p, bytes) in inputs("workbook_reader") {
        let file = workbook_name(&bytes);
        match read(file, &bytes) {
            Ok(_) => {}
            Err(e) => check_message(&p, &e, file),
        }
        // Damaged files (and the crash reproducers: an OLE container whose sector table
        // loops made calamine grow memory without end) are not valid workbooks.
        let n = name(&p);
        if n.starts_with("garbage-html") {
            // Issue 13: an HTML page is read as the table it is, whatever its name; this
            // one's table has no header row.
            let e = read(file, &bytes).expect_err("a table without header");
            assert!(
                matches!(e, IngestError::NoHeader { .. }) && e.to_string().contains("#表1"),
                "{}: {e}",
                p.display()
            );
            continue;
        }
        if ["truncated", "garbage", "oom-"]
            .iter()
            .any(|s| n.starts_with(s))
        {
            let e = read(file, &bytes).expect_err("a damaged workbook");
            assert!(
                matches!(e, IngestError::BadWorkbook { .. }),
                "{}: {e}",
                p.display()
            );
            if n.starts_with("oom-cfb") {
                assert!(e.to_string().contains("sector chain loops"), "{e}");
            }
        }
    }
}

#[test]
fn cell_values() {
    for (p, data) in inputs("cell_values") {
        let text = String::from_utf8_lossy(&data);
        let number = data
            .get(..8)
            .and_then(|b| b.try_into().ok())
            .map_or(0.0, f64::from_le_bytes);
        if let Some(d) = parse_date(&text) {
            let again = parse_date(&d.format("%Y-%m-%d").to_string());
            assert_eq!(again, Some(d), "{}", p.display());
        }
        let _ = parse_as_of(&text);
        let _ = from_serial(number);
        let shown = number_text(number);
        let _ = parse_date(&shown);
        let _ = Cell::Number(number).text();
        let grid = |header: &[&str], data: Vec<Vec<Cell>>| Grid {
            file: PathBuf::from("fuzz.csv"),
            sheet: None,
            encoding: None,
            rows: std::iter::once(GridRow::from_texts(1, header))
                .chain(data.into_iter().enumerate().map(|(i, cells)| GridRow {
                    number: i as u32 + 2,
                    cells,
                }))
                .collect(),
            merges: Vec::new(),
        };
        let t = || Cell::Text(text.to_string());
        let city = || Cell::Text("阳泉市".into());
        let opts = IngestOptions::default();
        let mut ds = Dataset::default();
        let funds = grid(
            &["市", "县区", "年度", "金额（万元）"],
            vec![
                vec![city(), Cell::Empty, t(), t()],
                vec![
                    city(),
                    Cell::Empty,
                    Cell::Number(number),
                    Cell::Number(number),
                ],
            ],
        );
        rows::ingest_grid(funds, &opts, &mut ds).expect("the fund header is found");
        let events = grid(
            &["活动名称", "活动类型", "市", "日期"],
            vec![
                vec![t(), t(), city(), t()],
                vec![t(), t(), city(), Cell::Number(number)],
                vec![t(), t(), city(), Cell::Text(shown)],
            ],
        );
        rows::ingest_grid(events, &opts, &mut ds).expect("the event header is found");
        // Every row below each header is read (kept or skipped with a reason).
        let read: Vec<u32> = ds.tables.iter().map(|t| t.rows_read).collect();
        assert_eq!(read, [2, 3], "{}", p.display());
    }
}

#[test]
fn place_names() {
    let list = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/places/社区名单.csv");
    let mut base = Dataset::default();
    let opts = IngestOptions::default();
    let grids = source::read_grids(&list, &opts).expect("the community list reads");
    for g in grids.grids {
        rows::ingest_grid(g, &opts, &mut base).expect("the community list parses");
    }
    for (p, data) in inputs("place_names") {
        let text = String::from_utf8_lossy(&data);
        let f = fold(&text);
        assert_eq!(fold(&f), f, "{}", p.display());
        let c = clean_cell(&text);
        assert_eq!(clean_cell(&c), c, "{}", p.display());
        let h = header_key(&text);
        assert_eq!(header_key(&h), h, "{}", p.display());
        assert!(f.is_empty() || !strip_committee_suffix(&f).is_empty());

        let mut parts = text.split(['|', '\t']);
        let mut cells = vec![Cell::Text("某某协会".into())];
        cells.extend(parts.by_ref().take(6).map(|s| Cell::Text(s.to_string())));
        let scope: Vec<String> = parts.take(2).map(str::to_string).collect();
        let grid = Grid {
            file: PathBuf::from("组织.csv"),
            sheet: None,
            encoding: None,
            rows: vec![
                GridRow::from_texts(
                    1,
                    &[
                        "组织名称",
                        "省",
                        "市",
                        "县区",
                        "街道乡镇",
                        "社区",
                        "服务社区",
                    ],
                ),
                GridRow { number: 2, cells },
            ],
            merges: Vec::new(),
        };
        let mut ds = base.clone();
        if rows::ingest_grid(grid, &opts, &mut ds).is_err() {
            continue;
        }
        let build = BuildOptions {
            province: "山西省".into(),
            scope,
            ..BuildOptions::default()
        };
        if let Ok(m) = model::build(ds, &build) {
            for o in &m.organizations {
                assert!(m.regions.is_within(o.place, m.province), "{}", p.display());
            }
        }
    }
}

#[test]
fn plan_parser() {
    for (p, data) in inputs("plan_parser") {
        match plan::parse_bytes("fuzz.toml", &data) {
            Ok(mut plan) => {
                if let Ok(text) = std::str::from_utf8(&data) {
                    let _ = plan::apply_units(&mut plan, "fuzz-units.toml", text);
                }
            }
            Err(PlanError::Invalid(diags)) => {
                assert!(!diags.is_empty(), "{}", p.display());
                for d in &diags {
                    assert!(d.line >= 1 && d.column >= 1, "{}: {d:?}", p.display());
                    let shown = d.to_string();
                    assert!(shown.starts_with("错误 error: "), "{shown}");
                    assert!(
                        shown.contains(&format!("--> fuzz.toml:{}:{}", d.line, d.column)),
                        "{shown}"
                    );
                }
            }
            Err(e) => panic!("{}: {e}", p.display()),
        }
    }
}

#[test]
fn a_plan_that_is_not_utf8_names_the_offset_line_and_column() {
    let data = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/fuzz-regressions/plan_parser/gbk-title.toml"),
    )
    .expect("the GBK plan is there");
    let offset = std::str::from_utf8(&data).expect_err("GBK").valid_up_to();
    match plan::parse_bytes("gbk-title.toml", &data) {
        Err(PlanError::Invalid(diags)) => {
            let d = &diags[0];
            // `title = "` then 山 in GBK, C9 BD, which happens to be valid UTF-8 (ɽ): the
            // first invalid byte is the next one, 0xCE (省), in column 11.
            assert_eq!((d.line, d.column), (3, 11), "{d:?}");
            assert_eq!(offset, 27);
            let shown = d.to_string();
            assert!(shown.contains(&format!("byte offset {offset}")), "{shown}");
            assert!(shown.starts_with("错误 error: 不是 UTF-8"), "{shown}");
            assert!(shown.contains("--> gbk-title.toml:3:11"), "{shown}");
            assert!(shown.contains("0xCE"), "{shown}");
        }
        other => panic!("{other:?}"),
    }
}

/// Every input in `tests/data/fuzz-regressions/DIR/` is refused, read as an .xls, as a
/// damaged workbook whose message says `needle`.
fn refused_xls_say(dir: &str, needle: &str) {
    let cases = inputs(dir);
    assert!(!cases.is_empty());
    for (p, bytes) in cases {
        let e = read("fuzz.xls", &bytes).expect_err("a damaged workbook");
        assert!(
            matches!(e, IngestError::BadWorkbook { .. }),
            "{}: {e}",
            p.display()
        );
        assert!(e.to_string().contains(needle), "{e}");
    }
}

/// Found by the workbook_reader fuzz target: a 26 KB .xls whose RK cell names column
/// 62,981 made calamine's `Xls::new` build the sheet's dense `Range` over its bounding box
/// (`Range::from_sparse`), asking for 22 GB, before zhibiao's limits applied. The reader
/// now scans the BIFF cell records first and refuses a cell beyond the format's 256
/// columns, naming it.
#[test]
fn xls_with_far_cells_is_refused_without_allocating_its_rectangle() {
    refused_xls_say("workbook_reader-far-cells", "column 62981");
}

/// Found by the workbook_reader fuzz target (session 4): a 26 KB .xls whose OLE
/// container the strict `cfb` crate cannot open made calamine grow to 24 GB. A container
/// whose structure does not hold is now refused as damaged before calamine reads it.
#[test]
fn damaged_ole_containers_are_refused_without_growing() {
    refused_xls_say("workbook_reader-damaged-ole", "OLE container is damaged");
}

/// Found by the workbook_reader fuzz target (session 5): a sheet's DIMENSIONS record
/// declaring 2,147,155,890 rows × 20,340 columns made calamine reserve room for every
/// cell of that rectangle (1.7 PB: the allocation failed and aborted the process, which
/// no `catch_unwind` can stop). A record beyond BIFF8's 65,536 rows × 256 columns is
/// refused before calamine reads the workbook, naming what it declared.
#[test]
fn xls_dimensions_beyond_the_format_are_refused() {
    refused_xls_say(
        "workbook_reader-dimensions",
        "2147155890 rows × 20340 columns",
    );
}
