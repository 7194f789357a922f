//! Helpers shared by the integration tests: the binary, run from the project root with
//! `NO_COLOR`, and its exit code and output.

#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::PathBuf;

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
