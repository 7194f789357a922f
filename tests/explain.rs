//! Explanations (issue 12 §1) through the binary on the demo: of targets, and of data
//! issues by code (swings, S501, in tests/swing.rs).
//!
//! Figures from fixtures/demo/EXPECTED.md (expected.py): at 2023-12-31 晋城市 has no rural
//! pilot community (rural-pilot 0 / 1, gap 1, unmet) and 1409 urban organizations for 176
//! urban communities (urban-density 8.01 / 10, gap 1760 − 1409 = 351, unmet); 阳泉市 meets
//! urban-density (10.31). A one-target copy of the plan (urban-density) under `--scope
//! 晋城市` fails only on 晋城市's urban density, so an explanation of that row decides the
//! exit code.

use std::path::Path;

mod common;
use common::{csv_rows, one_target_plan, root, run};

fn tmp() -> tempfile::TempDir {
    match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    }
}

fn write(path: &Path, text: &str) {
    if let Err(e) = std::fs::write(path, text) {
        panic!("{e}");
    }
}

fn entry(target: &str, region: &str, expires: &str) -> String {
    format!(
        "[[explanation]]\ntarget = \"{target}\"\nregion = \"{region}\"\nreason = \"试点已批复，二季度启动\"\nby = \"晋城市民政局\"\nexpires = {expires}\n\n"
    )
}

fn audit(args: &[&str]) -> (i32, Vec<Vec<String>>, String) {
    let mut all = vec![
        "audit",
        "fixtures/demo",
        "--as-of",
        "2023-12-31",
        "--format",
        "csv",
        "--no-bom",
    ];
    all.extend_from_slice(args);
    let (code, out, err) = run(&all);
    (code, csv_rows(&out), err)
}

/// (value, required, gap, status, explanation) of a row.
fn row(rows: &[Vec<String>], target: &str, region: &str) -> [String; 5] {
    let h = &rows[0];
    let c = |n: &str| {
        h.iter()
            .position(|x| x == n)
            .unwrap_or_else(|| panic!("no {n}"))
    };
    let r = rows
        .iter()
        .find(|r| r[1] == target && r[3] == region)
        .unwrap_or_else(|| panic!("no row {target} {region}"));
    [
        r[c("value")].clone(),
        r[c("required")].clone(),
        r[c("gap")].clone(),
        r[c("status")].clone(),
        r[c("explanation")].clone(),
    ]
}

#[test]
fn a_matching_explanation_explains_without_changing_value_or_gap() {
    let dir = tmp();
    let ex = dir.path().join("ex.toml");
    write(&ex, &entry("rural-pilot", "晋城市", "2099-12-31"));
    let (_, rows, err) = audit(&["--explain", &ex.display().to_string()]);
    assert_eq!(
        row(&rows, "rural-pilot", "山西省/晋城市"),
        ["0", "1", "1", "explained", "试点已批复，二季度启动"],
        "{err}"
    );
    // Another target of the same region, and the same target elsewhere, are untouched.
    assert_eq!(row(&rows, "urban-density", "山西省/晋城市")[3], "unmet");
    assert_eq!(row(&rows, "rural-pilot", "山西省/阳泉市")[3], "met"); // The summary counts it as explained, not unmet, and no longer names 晋城市 as the
                                                                      // worst (阳泉市 meets the target: nothing is left unmet).
    let (_, out, err) = run(&[
        "audit",
        "fixtures/demo",
        "--as-of",
        "2023-12-31",
        "--explain",
        &ex.display().to_string(),
    ]);
    let line = out
        .lines()
        .find(|l| l.contains("│ 农村培育试点 "))
        .unwrap_or_else(|| panic!("{out}{err}"));
    assert!(line.contains("0（另 1 已说明）"), "{line}");
    assert!(!line.contains("晋城市"), "{line}");
}

#[test]
fn explanations_decide_the_exit_code_until_they_expire() {
    let dir = tmp();
    let plan = one_target_plan(dir.path(), "");
    let plan = plan.display().to_string();
    let base = ["--plan", plan.as_str(), "--scope", "晋城市"];
    // Without explanations: 晋城市 8.01 < 10 fails.
    let (code, rows, err) = audit(&base);
    assert_eq!(code, 1, "{err}");
    assert_eq!(row(&rows, "urban-density", "山西省/晋城市")[3], "unmet");
    // Explained: exit 0, figures unchanged.
    let ex = dir.path().join("ex.toml");
    write(&ex, &entry("urban-density", "晋城市", "2099-12-31"));
    let mut args = base.to_vec();
    let ex_s = ex.display().to_string();
    args.extend(["--explain", ex_s.as_str()]);
    let (code, rows, err) = audit(&args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        row(&rows, "urban-density", "山西省/晋城市")[..4],
        ["8.01", "10.00", "351", "explained"]
    );
    // Expired (before today): no longer counts, and says so.
    write(&ex, &entry("urban-density", "晋城市", "2024-06-30"));
    let (code, out, err) = run(&[
        "audit",
        "fixtures/demo",
        "--as-of",
        "2023-12-31",
        "--plan",
        &plan,
        "--scope",
        "晋城市",
        "--explain",
        &ex_s,
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(out.contains("说明已过期"), "{out}");
}

#[test]
fn a_stale_explanation_is_reported() {
    let dir = tmp();
    let ex = dir.path().join("ex.toml");
    // 阳泉市 meets urban-density: nothing to explain.
    write(&ex, &entry("urban-density", "阳泉市", "2099-12-31"));
    let (code, out, err) = run(&[
        "audit",
        "fixtures/demo",
        "--as-of",
        "2023-12-31",
        "--explain",
        &ex.display().to_string(),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        out.contains("⚠ 说明未匹配任何未达标的行（已过时？）：城市社区组织密度 阳泉市"),
        "{out}"
    );
}

#[test]
fn unknown_targets_and_regions_are_located_with_a_suggestion() {
    let dir = tmp();
    let ex = dir.path().join("ex.toml");
    // Line 2 `target = "rural-pilt"`: the value starts at column 10.
    write(&ex, &entry("rural-pilt", "晋城市", "2099-12-31"));
    let (code, _, err) = audit(&["--explain", &ex.display().to_string()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("ex.toml:2:10"), "{err}");
    assert!(err.contains("did you mean \"rural-pilot\"?"), "{err}");
    // Line 3 `region = "晋成市"`: column 10.
    write(&ex, &entry("rural-pilot", "晋成市", "2099-12-31"));
    let (code, _, err) = audit(&["--explain", &ex.display().to_string()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("ex.toml:3:10"), "{err}");
    // Two cities are one character away: both are offered.
    assert!(
        err.contains("did you mean \"晋中市\" or \"晋城市\"?"),
        "{err}"
    );
}

/// An explanations file saved as GBK (not UTF-8) names the first invalid byte: line 3,
/// `region = "` is 10 bytes, so 晋 (0xBD 0xFA in GBK) starts at byte offset 39
/// (`[[explanation]]` 15 bytes and a newline, `target = "rural-pilot"` 22 and a newline)
/// + 10 = 49, column 11.
#[test]
fn an_explanations_file_not_in_utf8_names_the_byte() {
    let dir = tmp();
    let ex = dir.path().join("ex.toml");
    let text = entry("rural-pilot", "晋城市", "2099-12-31");
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    if let Err(e) = std::fs::write(&ex, &gbk) {
        panic!("{e}");
    }
    let (code, _, err) = audit(&["--explain", &ex.display().to_string()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("ex.toml:3:11"), "{err}");
    assert!(err.contains("invalid byte 0xBD at byte offset 49"), "{err}");
}

#[test]
fn a_file_beside_the_inputs_is_found_unless_no_explain() {
    let dir = tmp();
    let data = dir.path().join("data");
    if let Err(e) = std::fs::create_dir(&data) {
        panic!("{e}");
    }
    for e in std::fs::read_dir(root().join("fixtures/demo"))
        .into_iter()
        .flatten()
        .flatten()
    {
        if e.path().is_file() {
            if let Err(err) = std::fs::copy(e.path(), data.join(e.file_name())) {
                panic!("{err}");
            }
        }
    }
    write(
        &data.join("说明.toml"),
        &entry("rural-pilot", "晋城市", "2099-12-31"),
    );
    let d = data.display().to_string();
    let (_, out, err) = run(&["audit", &d, "--as-of", "2023-12-31", "--format", "csv"]);
    assert!(err.contains("说明.toml"), "{err}");
    assert_eq!(
        row(&csv_rows(&out), "rural-pilot", "山西省/晋城市")[3],
        "explained"
    );
    let (_, out, _) = run(&[
        "audit",
        &d,
        "--as-of",
        "2023-12-31",
        "--format",
        "csv",
        "--no-explain",
    ]);
    assert_eq!(
        row(&csv_rows(&out), "rural-pilot", "山西省/晋城市")[3],
        "unmet"
    );
}

fn issue_entry(code: &str, key: &str, value: &str) -> String {
    format!(
        "[[explanation]]\nissue = \"{code}\"\n{key} = \"{value}\"\nreason = \"待登记机关核对\"\nby = \"民政局\"\nexpires = 2099-12-31\n\n"
    )
}

/// The findings of the JSON output: (code, region, status, explanation).
fn findings(args: &[&str]) -> Vec<[String; 4]> {
    let mut all = vec![
        "audit",
        "fixtures/demo",
        "--as-of",
        "2023-12-31",
        "--format",
        "json",
    ];
    all.extend_from_slice(args);
    let (_, out, err) = run(&all);
    let v: serde_json::Value = match serde_json::from_str(&out) {
        Ok(v) => v,
        Err(e) => panic!("{e}: {err}"),
    };
    let s = |o: &serde_json::Value, k: &str| o[k].as_str().unwrap_or_default().to_string();
    v.as_array()
        .into_iter()
        .flatten()
        .filter(|o| o.get("finding").is_some())
        .map(|o| {
            [
                s(o, "code"),
                s(o, "region"),
                s(o, "status"),
                s(o, "explanation"),
            ]
        })
        .collect()
}

/// The demo has two invalid credit codes (V104): 晋城市社区社会组织台账.csv row 7745 (an
/// organization of 高平市/北城街道/王何南村委会) and the 阳泉市 workbook's row 2718 (平定县/锁簧镇/
/// 前梨林头村委会). An explanation by code and region, or by code and file, explains just
/// the one; the exit code is unchanged (data issues do not fail a run).
#[test]
fn data_issues_are_explained_by_code_and_region_or_file() {
    let dir = tmp();
    let ex = dir.path().join("ex.toml");
    let ex_s = ex.display().to_string();
    for (key, value) in [
        ("region", "高平市"),
        ("region", "晋城市"),
        ("file", "晋城市社区社会组织台账.csv"),
    ] {
        write(&ex, &issue_entry("V104", key, value));
        assert_eq!(
            findings(&["--explain", &ex_s]),
            [[
                "V104".to_string(),
                "山西省/晋城市/高平市/北城街道/王何南村委会".to_string(),
                "explained".to_string(),
                "待登记机关核对".to_string(),
            ]],
            "{key} = {value}"
        );
    }
    // Both, in the province: two issues; the terminal shows the reason beside each.
    write(&ex, &issue_entry("V104", "region", "山西省"));
    let (code, out, err) = run(&[
        "audit",
        "fixtures/demo",
        "--as-of",
        "2023-12-31",
        "--explain",
        &ex_s,
        "--width",
        "400",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        out.contains(
            "✎ 已说明 V104 山西省（2 条数据问题）：待登记机关核对（民政局，有效至 2099-12-31）"
        ),
        "{out}"
    );
    assert_eq!(
        out.matches("✎ 已说明：待登记机关核对（民政局）").count(),
        2,
        "{out}"
    );
    // Without explanations the JSON has no findings at all.
    assert!(findings(&["--no-explain"]).is_empty());
    // A code with no issue there: stale.
    write(&ex, &issue_entry("V104", "region", "阳城县"));
    let (_, out, _) = run(&[
        "audit",
        "fixtures/demo",
        "--as-of",
        "2023-12-31",
        "--explain",
        &ex_s,
    ]);
    assert!(
        out.contains("⚠ 说明未匹配任何数据问题（已过时？）：V104 阳城县"),
        "{out}"
    );
}

#[test]
fn issue_entries_are_checked() {
    let dir = tmp();
    let ex = dir.path().join("ex.toml");
    let ex_s = ex.display().to_string();
    // Line 2 `issue = "V1O4"` (a letter O): column 9, with the code it may be.
    write(&ex, &issue_entry("V1O4", "region", "晋城市"));
    let (code, _, err) = audit(&["--explain", &ex_s]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("ex.toml:2:9"), "{err}");
    assert!(err.contains("did you mean \"V104\"?"), "{err}");
    // Neither region nor file.
    write(
        &ex,
        "[[explanation]]\nissue = \"V104\"\nreason = \"r\"\nby = \"b\"\nexpires = 2099-12-31\n",
    );
    let (code, _, err) = audit(&["--explain", &ex_s]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("needs `region` or `file`"), "{err}");
    // Both a target and an issue.
    write(
        &ex,
        "[[explanation]]\ntarget = \"rural-pilot\"\nissue = \"V104\"\nregion = \"晋城市\"\nreason = \"r\"\nby = \"b\"\nexpires = 2099-12-31\n",
    );
    let (code, _, err) = audit(&["--explain", &ex_s]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not both"), "{err}");
    // `file` with a target.
    write(
        &ex,
        &entry("rural-pilot", "晋城市", "2099-12-31").replace("by =", "file = \"a.csv\"\nby ="),
    );
    let (code, _, err) = audit(&["--explain", &ex_s]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("`file` goes with `issue"), "{err}");
}
