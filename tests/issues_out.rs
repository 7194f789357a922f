//! `audit --issues-out FILE`: the correction list of `zhibiao issues INPUT… -o FILE`, written
//! from the audit's own reading of the same inputs, beside its usual reports; the flag
//! changes neither the report nor the exit code.

mod common;

use std::path::Path;

use common::{csv_rows, run, xlsx_rows, xlsx_sheet_names};

const DEMO: [&str; 5] = ["audit", "fixtures/demo", "--as-of", "2023-12-31", "-q"];

fn path_arg(p: &Path) -> &str {
    p.to_str()
        .unwrap_or_else(|| panic!("{} is not UTF-8", p.display()))
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn the_csv_is_that_of_zhibiao_issues_and_the_audit_is_unchanged() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let from_audit = dir.path().join("audit-issues.csv");
    let from_issues = dir.path().join("issues.csv");

    let (plain_code, plain_out, plain_err) = run(&DEMO);
    assert_eq!(plain_code, 1, "{plain_err}");

    let (code, out, err) = run(&[&DEMO[..], &["--issues-out", path_arg(&from_audit)]].concat());
    // The flag changes neither the exit code nor the report on standard output.
    assert_eq!(code, 1, "{err}");
    assert_eq!(out, plain_out);
    assert!(
        err.contains(&format!("已写入 wrote {}", from_audit.display())),
        "{err}"
    );

    let (code, _, err) = run(&[
        "issues",
        "fixtures/demo",
        "-q",
        "-o",
        path_arg(&from_issues),
    ]);
    assert_eq!(code, 1, "{err}");

    let (a, b) = (read(&from_audit), read(&from_issues));
    assert_eq!(
        String::from_utf8_lossy(&a),
        String::from_utf8_lossy(&b),
        "audit --issues-out and issues -o differ"
    );
    assert_eq!(a, b);
    // The demo's six data issues, one line each after the header, with the BOM.
    assert!(a.starts_with("\u{feff}".as_bytes()));
    let rows = csv_rows(&String::from_utf8_lossy(&a));
    assert_eq!(rows.len(), 7, "{rows:?}");
}

#[test]
fn with_reports_no_bom_and_english_it_still_matches() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let report = dir.path().join("gaps.csv");
    let from_audit = dir.path().join("a.csv");
    let from_issues = dir.path().join("b.csv");
    let (code, _, err) = run(&[
        &DEMO[..],
        &[
            "-o",
            path_arg(&report),
            "--issues-out",
            path_arg(&from_audit),
            "--no-bom",
            "--lang",
            "en",
        ],
    ]
    .concat());
    assert_eq!(code, 1, "{err}");
    assert!(read(&report).len() > 100, "the -o report is written too");
    let (code, _, err) = run(&[
        "issues",
        "fixtures/demo",
        "-q",
        "--no-bom",
        "--lang",
        "en",
        "-o",
        path_arg(&from_issues),
    ]);
    assert_eq!(code, 1, "{err}");
    let a = read(&from_audit);
    assert!(!a.starts_with("\u{feff}".as_bytes()));
    assert_eq!(a, read(&from_issues));
}

#[test]
fn the_workbook_has_the_sheets_and_lines_of_zhibiao_issues() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let from_audit = dir.path().join("a.xlsx");
    let from_issues = dir.path().join("b.xlsx");
    let (code, _, err) = run(&[&DEMO[..], &["--issues-out", path_arg(&from_audit)]].concat());
    assert_eq!(code, 1, "{err}");
    let (code, _, err) = run(&[
        "issues",
        "fixtures/demo",
        "-q",
        "-o",
        path_arg(&from_issues),
    ]);
    assert_eq!(code, 1, "{err}");
    let sheets = xlsx_sheet_names(&from_audit);
    assert!(sheets.len() >= 2, "a summary and a county: {sheets:?}");
    assert_eq!(sheets, xlsx_sheet_names(&from_issues));
    for sheet in &sheets {
        assert_eq!(
            xlsx_rows(&from_audit, sheet),
            xlsx_rows(&from_issues, sheet),
            "{sheet}"
        );
    }
}

#[test]
fn it_is_refused_before_reading_when_it_is_an_input_or_not_xlsx_or_csv() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // An input: refused, the input untouched.
    let input = Path::new("fixtures/demo/经费.csv");
    let before = read(&common::root().join(input));
    let (code, out, err) = run(&[&DEMO[..], &["--issues-out", path_arg(input)]].concat());
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "nothing audited: {out}");
    assert!(err.contains("--issues-out"), "{err}");
    assert_eq!(read(&common::root().join(input)), before);
    // Another extension: named in the error, nothing written.
    let txt = dir.path().join("issues.txt");
    let (code, out, err) = run(&[&DEMO[..], &["--issues-out", path_arg(&txt)]].concat());
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("--issues-out") && err.contains(".xlsx") && err.contains(".csv"),
        "{err}"
    );
    assert!(!txt.exists());
    // Standard output is not a file.
    let (code, _, err) = run(&[&DEMO[..], &["--issues-out", "-"]].concat());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--issues-out"), "{err}");
    // trend does not take it.
    let (code, _, err) = run(&[
        "trend",
        "-q",
        "fixtures/demo/2023Q2",
        "fixtures/demo/2023Q3",
        "--issues-out",
        path_arg(&dir.path().join("t.csv")),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--issues-out"), "{err}");
    assert!(!dir.path().join("t.csv").exists());
}

#[test]
fn a_scope_and_the_issue_list_fixture_give_the_same_lists() {
    // tests/data/issue-list (14 issues, see tests/issue_list.rs) and the demo within 阳泉市.
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let cases: [(&[&str], &[&str], usize); 2] = [
        (&["tests/data/issue-list"], &[], 15),
        (
            &["fixtures/demo", "--as-of", "2023-12-31"],
            &["--scope", "阳泉市"],
            4,
        ),
    ];
    for (i, (inputs, scope, lines)) in cases.into_iter().enumerate() {
        let a = dir.path().join(format!("a{i}.csv"));
        let b = dir.path().join(format!("b{i}.csv"));
        let audit = [
            &["audit", "-q"],
            inputs,
            scope,
            &["--issues-out", path_arg(&a)],
        ]
        .concat();
        let (code, _, err) = run(&audit);
        assert_eq!(code, 1, "{audit:?}: {err}");
        let issues = [&["issues", "-q", inputs[0]], scope, &["-o", path_arg(&b)]].concat();
        let (code, _, err) = run(&issues);
        assert_eq!(code, 1, "{issues:?}: {err}");
        let text = String::from_utf8_lossy(&read(&a)).into_owned();
        assert_eq!(csv_rows(&text).len(), lines, "{text}");
        assert_eq!(read(&a), read(&b), "{audit:?}");
    }
}
