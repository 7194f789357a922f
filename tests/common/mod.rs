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
