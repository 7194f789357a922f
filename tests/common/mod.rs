//! Helpers shared by the integration tests: the binary, run from the project root with
//! `NO_COLOR`, and its exit code and output.

#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The project root (fixtures are addressed from it).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `zhibiao` binary, run from the project root, without colours.
pub fn zhibiao() -> Command {
    let mut c = match Command::cargo_bin("zhibiao") {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    c.current_dir(root()).env("NO_COLOR", "1");
    c
}

/// Run the binary: (exit code, stdout, stderr).
pub fn run<S: AsRef<OsStr>>(args: &[S]) -> (i32, String, String) {
    let out = match zhibiao().args(args).output() {
        Ok(o) => o,
        Err(e) => panic!("{e}"),
    };
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The records of a CSV text (header included), each as its cells; a BOM is dropped.
pub fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    rdr.records()
        .flatten()
        .map(|r| r.iter().map(str::to_string).collect())
        .collect()
}

/// A copy of the Shanxi plan with only its [plan] table and the urban-density target (plus
/// `extra` lines added to the target), written to `dir/plan.toml`: a plan whose exit code
/// only that target decides.
pub fn one_target_plan(dir: &std::path::Path, extra: &str) -> PathBuf {
    let text =
        std::fs::read_to_string(root().join("rules/shanxi-2021-2023.toml")).unwrap_or_default();
    let head = text.split("# ── 一").next().unwrap_or_default();
    let target = text
        .split("[[target]]")
        .nth(1)
        .and_then(|t| t.split("\n\n").next())
        .unwrap_or_default();
    let body = format!("{head}[[target]]{target}\n{extra}\n");
    assert!(body.contains("id = \"urban-density\""), "{body}");
    let path = dir.join("plan.toml");
    if let Err(e) = std::fs::write(&path, body) {
        panic!("{e}");
    }
    path
}

/// The sheet names of an XLSX workbook, in order.
pub fn xlsx_sheet_names(path: &Path) -> Vec<String> {
    use calamine::{open_workbook, Reader, Xlsx};
    let book: Xlsx<_> = open_workbook(path).unwrap_or_else(|e| panic!("{e}"));
    book.sheet_names()
}

/// Every row of an XLSX sheet, cells as text (whole numbers as Excel shows them: 4, not
/// 4.0).
pub fn xlsx_rows(path: &Path, sheet: &str) -> Vec<Vec<String>> {
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let mut book: Xlsx<_> = open_workbook(path).unwrap_or_else(|e| panic!("{e}"));
    let range = book
        .worksheet_range(sheet)
        .unwrap_or_else(|e| panic!("{sheet}: {e}"));
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}
