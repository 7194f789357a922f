//! Limits of a sheet's shape, through the real binary on hostile files written at test
//! time: a stray cell at XFD1048576, a sheet one row longer than Excel allows, a cell
//! at a column past a million, a cell longer than Excel allows, a CSV wider than the
//! column limit. Each is read normally or refused with an error naming the file, the
//! limit and the option that raises it (exit 2), within seconds.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

mod common;
use common::run;

fn tempdir() -> tempfile::TempDir {
    match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    }
}

/// A minimal XLSX (one sheet named `台账`) whose sheet data is `sheet_data` (the XML
/// between `<sheetData>` and `</sheetData>`), written by hand so that nothing checks
/// or fixes it on the way.
fn hand_xlsx(path: &Path, sheet_data: &mut dyn FnMut(&mut dyn std::io::Write)) {
    let file = match std::fs::File::create(path) {
        Ok(f) => f,
        Err(e) => panic!("{e}"),
    };
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let parts: [(&str, &str); 4] = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="台账" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
    ];
    for (name, text) in parts {
        if let Err(e) = zip
            .start_file(name, opts)
            .map_err(|e| e.to_string())
            .and_then(|()| zip.write_all(text.as_bytes()).map_err(|e| e.to_string()))
        {
            panic!("{name}: {e}");
        }
    }
    if let Err(e) = zip.start_file("xl/worksheets/sheet1.xml", opts) {
        panic!("{e}");
    }
    let head = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#;
    if let Err(e) = zip.write_all(head.as_bytes()) {
        panic!("{e}");
    }
    sheet_data(&mut zip);
    if let Err(e) = zip.write_all(b"</sheetData></worksheet>") {
        panic!("{e}");
    }
    if let Err(e) = zip.finish().map(|mut w| w.flush()) {
        panic!("{e}");
    }
}

/// An inline-string cell.
fn cell(r: &str, text: &str) -> String {
    format!(r#"<c r="{r}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

/// The header and two rows of a communities table (columns A–E), rows 1–3.
fn communities_rows() -> String {
    let rows = [
        ["市", "县区", "街道乡镇", "社区", "城乡类型"],
        ["阳泉市", "城区", "上站街道", "东风社区", "城市"],
        ["阳泉市", "城区", "上站街道", "南山路社区", "城市"],
    ];
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        let n = i + 1;
        out.push_str(&format!(r#"<row r="{n}">"#));
        for (c, text) in row.iter().enumerate() {
            let col = ["A", "B", "C", "D", "E"][c];
            out.push_str(&cell(&format!("{col}{n}"), text));
        }
        out.push_str("</row>");
    }
    out
}

fn write_all(w: &mut dyn std::io::Write, text: &str) {
    if let Err(e) = w.write_all(text.as_bytes()) {
        panic!("{e}");
    }
}

/// Run `inspect FILE ARGS…` and time it: (exit code, stdout, stdout and stderr, time).
fn inspect(file: &Path, args: &[&str]) -> (i32, String, String, Duration) {
    let mut all: Vec<String> = vec!["inspect".into(), file.display().to_string()];
    all.extend(args.iter().map(|a| a.to_string()));
    let start = Instant::now();
    let (code, out, err) = run(&all);
    // `inspect` lists a file that fails among the others (stdout), then exits 2.
    let both = format!("{out}\n{err}");
    (code, out, both, start.elapsed())
}

fn path_in(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

#[test]
fn a_stray_cell_at_xfd1048576_costs_nothing() {
    let dir = tempdir();
    let path = path_in(&dir, "社区名单.xlsx");
    hand_xlsx(&path, &mut |w| {
        write_all(w, &communities_rows());
        write_all(
            w,
            &format!(r#"<row r="1048576">{}</row>"#, cell("XFD1048576", "备注")),
        );
    });
    let (code, out, err, took) = inspect(&path, &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    // Read as a table of communities; the rows between are blank rows, all accounted.
    assert!(out.contains("communities"), "{out}");
    assert!(took < Duration::from_secs(30), "{took:?}");
}

#[test]
fn a_sheet_longer_than_excel_allows_is_refused() {
    let dir = tempdir();
    let path = path_in(&dir, "big.xlsx");
    // 1,048,577 rows of one number each: a few MB of deflated XML.
    hand_xlsx(&path, &mut |w| {
        write_all(w, &communities_rows());
        let mut chunk = String::with_capacity(1 << 16);
        for n in 4..=1_048_577u32 {
            chunk.push_str(&format!(r#"<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>"#));
            if chunk.len() > 60_000 {
                write_all(w, &chunk);
                chunk.clear();
            }
        }
        write_all(w, &chunk);
    });
    let (code, out, err, took) = inspect(&path, &[]);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains("big.xlsx#台账"), "{err}");
    assert!(err.contains("row 1048577"), "{err}");
    assert!(
        err.contains("over the limit of 1048576; raise it with --max-rows"),
        "{err}"
    );
    assert!(took < Duration::from_secs(30), "{took:?}");

    // Raised, the same sheet is read (its rows past the header are not communities).
    let (code, out, err, _) = inspect(&path, &["--max-rows", "2000000"]);
    assert!(!err.contains("--max-rows"), "{code}\n{out}\n{err}");
}

#[test]
fn a_cell_past_a_million_columns_is_refused() {
    let dir = tempdir();
    let path = path_in(&dir, "wide.xlsx");
    // Column BDWGN is column 1,000,000.
    hand_xlsx(&path, &mut |w| {
        write_all(w, &communities_rows());
        write_all(w, &format!(r#"<row r="4">{}</row>"#, cell("BDWGN4", "x")));
    });
    let (code, _, err, took) = inspect(&path, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("wide.xlsx#台账"), "{err}");
    assert!(err.contains("row 4, column 1000000"), "{err}");
    assert!(err.contains("--max-columns"), "{err}");
    assert!(took < Duration::from_secs(30), "{took:?}");
}

#[test]
fn a_cell_longer_than_excel_allows_is_refused() {
    let dir = tempdir();
    let path = path_in(&dir, "long.xlsx");
    let long = "长".repeat(40_000);
    hand_xlsx(&path, &mut |w| {
        write_all(w, &communities_rows());
        write_all(w, &format!(r#"<row r="4">{}</row>"#, cell("B4", &long)));
    });
    let (code, _, err, _) = inspect(&path, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("long.xlsx#台账"), "{err}");
    assert!(
        err.contains("row 4, column 2: the cell holds 40000 characters, over the limit of 32767; raise it with --max-cell-chars"),
        "{err}"
    );
    let (code, out, err, _) = inspect(&path, &["--max-cell-chars", "40000"]);
    assert_eq!(code, 0, "{out}\n{err}");

    // The same in a CSV, with a lower limit.
    let csv = path_in(&dir, "社区名单.csv");
    let text = format!(
        "市,县区,街道乡镇,社区,城乡类型\n阳泉市,城区,上站街道,{},城市\n",
        "长".repeat(101)
    );
    if let Err(e) = std::fs::write(&csv, text) {
        panic!("{e}");
    }
    let (code, _, err, _) = inspect(&csv, &["--max-cell-chars", "100"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("row 2, column 4: the cell holds 101 characters, over the limit of 100"),
        "{err}"
    );
}

#[test]
fn a_csv_wider_than_the_limit_is_refused() {
    let dir = tempdir();
    let path = path_in(&dir, "社区名单.csv");
    let mut text =
        String::from("市,县区,街道乡镇,社区,城乡类型\n阳泉市,城区,上站街道,东风社区,城市");
    text.push_str(&",".repeat(16_384));
    text.push('\n');
    if let Err(e) = std::fs::write(&path, text) {
        panic!("{e}");
    }
    let (code, _, err, took) = inspect(&path, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("社区名单.csv"), "{err}");
    assert!(
        err.contains("row 2, column 16389: the number of columns is over the limit of 16384; raise it with --max-columns"),
        "{err}"
    );
    assert!(took < Duration::from_secs(30), "{took:?}");
    let (code, out, err, _) = inspect(&path, &["--max-columns", "20000"]);
    assert_eq!(code, 0, "{out}\n{err}");
}

#[test]
fn limits_are_whole_numbers_above_zero() {
    for bad in ["0", "lots", "1.5", "99999999999"] {
        let (code, _, err) = run(&["inspect", "fixtures/demo", "--max-rows", bad]);
        assert_eq!(code, 2, "{bad}: {err}");
        assert!(err.contains("--max-rows"), "{bad}: {err}");
    }
}
