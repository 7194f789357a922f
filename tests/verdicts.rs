//! Trustworthy verdicts on what counties really send (issue 7, sections 1, 2 and 5),
//! through the binary, on copies of the demo ledgers (every real community of 阳泉市 and
//! 晋城市) with tables left out, resubmitted or added.
//!
//! Figures of the whole demo are checked independently by `fixtures/demo/expected.py`
//! (tests/golden.rs); here every expectation is either one of those figures (阳泉市
//! urban-density 10.31, met; 晋城市 brand-projects 7 / 10) or worked out in a comment.

use std::path::Path;

mod common;
use common::{csv_rows, root, run};

/// A copy of the demo folder without the named files.
fn demo_without(leave_out: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let demo = root().join("fixtures/demo");
    let entries = std::fs::read_dir(&demo).unwrap_or_else(|e| panic!("{e}"));
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let is_data = [".csv", ".xlsx"].iter().any(|x| name.ends_with(x));
        if is_data && !leave_out.contains(&name.as_str()) {
            std::fs::copy(e.path(), dir.path().join(&name)).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    dir
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap_or_else(|e| panic!("{e}"));
}

/// The long CSV of an audit of `dir` (extra args appended), as rows of cells.
fn audit_csv(dir: &Path, extra: &[&str]) -> (i32, Vec<Vec<String>>, String) {
    let d = dir.to_string_lossy().into_owned();
    let mut args = vec![
        "audit",
        d.as_str(),
        "--as-of",
        "2023-12-31",
        "--format",
        "csv",
        "--no-bom",
    ];
    args.extend_from_slice(extra);
    let (code, out, err) = run(&args);
    (code, csv_rows(&out), err)
}

/// (value, required, gap, status, partial) of one (target, region) row.
fn cell(
    rows: &[Vec<String>],
    target: &str,
    region: &str,
) -> (String, String, String, String, String) {
    match rows.iter().find(|r| r[1] == target && r[3] == region) {
        Some(r) => (
            r[4].clone(),
            r[5].clone(),
            r[6].clone(),
            r[7].clone(),
            r[9].clone(),
        ),
        None => panic!("no row {target} {region}"),
    }
}

fn s(x: &str) -> String {
    x.to_string()
}

#[test]
fn a_table_not_sent_is_no_data_never_zero_unmet() {
    // Without 项目与活动.xlsx there is no projects and no events table at all.
    let dir = demo_without(&["项目与活动.xlsx"]);
    let (code, rows, err) = audit_csv(dir.path(), &[]);
    assert_eq!(code, 1, "{err}");
    for (target, region) in [
        ("training-city", "山西省/阳泉市"),
        ("selection-city", "山西省/晋城市"),
        ("brand-projects", "山西省/晋城市"),
        ("training-county", "山西省/阳泉市/城区"),
    ] {
        assert_eq!(
            cell(&rows, target, region),
            (
                s(""),
                cell(&rows, target, region).1,
                s(""),
                s("no_data"),
                s("")
            ),
            "{target} {region}"
        );
    }
    // Targets reading the tables that were sent keep their figures (demo: 10.31, met).
    assert_eq!(
        cell(&rows, "urban-density", "山西省/阳泉市"),
        (s("10.31"), s("10.00"), s("0"), s("met"), s(""))
    );
    // The summary says which table is missing, for which targets.
    let (_, out, _) = run(&[
        "audit",
        dir.path().to_str().unwrap_or_default(),
        "--as-of",
        "2023-12-31",
    ]);
    assert!(out.contains("未提供 活动 表"), "{out}");
    // In Chinese only (no English in a Chinese sentence), by the targets' names.
    assert!(!out.contains("no events table was supplied"), "{out}");
    assert!(out.contains("品牌项目：未提供 项目 表"), "{out}");
}

#[test]
fn a_city_that_sent_no_organizations_is_no_data_and_the_checklist_shows_it() {
    let dir = demo_without(&["晋城市社区社会组织台账.csv"]);
    let (code, rows, err) = audit_csv(dir.path(), &[]);
    assert_eq!(code, 1, "{err}");
    // 晋城市 sent communities but no organizations: no verdict on organization targets.
    assert_eq!(cell(&rows, "urban-density", "山西省/晋城市").3, "no_data");
    assert_eq!(cell(&rows, "brand-orgs", "山西省/晋城市").3, "no_data");
    assert_eq!(
        cell(&rows, "urban-density", "山西省/晋城市/泽州县").3,
        "no_data"
    );
    // Its incubators and projects were sent (孵化基地.csv, 项目与活动.xlsx hold both cities).
    assert_eq!(cell(&rows, "brand-projects", "山西省/晋城市").0, "7");
    // 阳泉市 is untouched; the province figure now holds only 阳泉市: partial 1/11.
    assert_eq!(
        cell(&rows, "urban-density", "山西省/阳泉市"),
        (s("10.31"), s("10.00"), s("0"), s("met"), s(""))
    );
    assert_eq!(cell(&rows, "urban-density", "山西省").4, "1/11");
    assert_eq!(cell(&rows, "urban-density", "山西省").0, "10.31");
    // The checklist: 晋城市 has ✗ under 社区社会组织, ✓ under 孵化基地.
    let (_, out, _) = run(&[
        "audit",
        dir.path().to_str().unwrap_or_default(),
        "--as-of",
        "2023-12-31",
    ]);
    assert!(out.contains("报送清单"), "{out}");
    let line = out
        .lines()
        .find(|l| l.contains("晋城市") && l.contains('✗'))
        .unwrap_or_else(|| panic!("no 晋城市 checklist line with ✗ in\n{out}"));
    // Columns: 报送单位 | 社区/村 | 社区社会组织 | 孵化基地 | 项目 | 活动 | 经费.
    let cells: Vec<&str> = line.split('┆').map(str::trim).collect();
    assert_eq!(cells.len(), 7, "{line}");
    assert!(cells[1].starts_with('✓'), "{line}");
    assert_eq!(cells[2].trim_end_matches('│').trim(), "✗", "{line}");
    assert!(cells[3].starts_with('✓'), "{line}");
    assert!(
        out.contains("阳泉市社区社会组织台账.xlsx#社会组织台账"),
        "{out}"
    );
}

#[test]
fn a_missing_table_under_scope_fails_the_run() {
    // tests/data/yangquan-met.toml: urban-density, rural-density and brand-orgs, all met
    // by 阳泉市 (exit 0 in tests/cli.rs). Without 阳泉市's organizations ledger there is no
    // figure to judge: exit 1, never 0.
    let dir = demo_without(&["阳泉市社区社会组织台账.xlsx"]);
    let plan = root().join("tests/data/yangquan-met.toml");
    let (code, rows, err) = audit_csv(
        dir.path(),
        &[
            "--scope",
            "阳泉市",
            "--plan",
            plan.to_str().unwrap_or_default(),
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(cell(&rows, "urban-density", "山西省/阳泉市").3, "no_data");
}

const EVENTS_HEADER: &str = "活动名称,活动类型,市,县区,日期\n";

#[test]
fn another_citys_table_supplies_nothing_but_a_combined_one_is_a_real_zero() {
    // Only 晋城市 events: under --scope 阳泉市 the events table is not 阳泉市's.
    let dir = demo_without(&["项目与活动.xlsx"]);
    write(
        dir.path(),
        "活动.csv",
        &format!(
            "{EVENTS_HEADER}2021年晋城市培训,能力培训,晋城市,,2021-05-01\n\
             2022年晋城市培训,能力培训,晋城市,,2022-05-01\n"
        ),
    );
    let (_, rows, err) = audit_csv(dir.path(), &["--scope", "阳泉市"]);
    assert_eq!(
        cell(&rows, "training-city", "山西省/阳泉市").3,
        "no_data",
        "{err}"
    );
    // Province-wide, 晋城市 has its two trainings (2021, 2022 of 3 years: 2 / 3, gap 1)
    // and 阳泉市 has none supplied.
    let (_, rows, _) = audit_csv(dir.path(), &[]);
    assert_eq!(
        cell(&rows, "training-city", "山西省/晋城市"),
        (s("2"), s("3"), s("1"), s("unmet"), s(""))
    );
    assert_eq!(cell(&rows, "training-city", "山西省/阳泉市").3, "no_data");

    // A combined table with rows of both cities but no 阳泉市 training: a real zero.
    write(
        dir.path(),
        "活动.csv",
        &format!(
            "{EVENTS_HEADER}2021年晋城市培训,能力培训,晋城市,,2021-05-01\n\
             2022年阳泉市评选,优质项目评选,阳泉市,,2022-05-01\n"
        ),
    );
    let (_, rows, _) = audit_csv(dir.path(), &["--scope", "阳泉市"]);
    assert_eq!(
        cell(&rows, "training-city", "山西省/阳泉市"),
        (s("0"), s("3"), s("3"), s("unmet"), s(""))
    );
}

#[test]
fn an_empty_table_counts_for_the_city_its_file_names() {
    // A header-only events file named for 阳泉市: 阳泉市 declared no events (a real zero);
    // 晋城市 sent no events table.
    let dir = demo_without(&["项目与活动.xlsx"]);
    write(dir.path(), "阳泉市活动.csv", EVENTS_HEADER);
    let (_, rows, _) = audit_csv(dir.path(), &[]);
    assert_eq!(
        cell(&rows, "training-city", "山西省/阳泉市"),
        (s("0"), s("3"), s("3"), s("unmet"), s(""))
    );
    assert_eq!(cell(&rows, "training-city", "山西省/晋城市").3, "no_data");
}

/// The 晋城市 ledger's header and its first `n` data rows (decoded from GBK).
fn jincheng_rows(n: usize) -> (String, Vec<String>) {
    let bytes = std::fs::read(root().join("fixtures/demo/晋城市社区社会组织台账.csv"))
        .unwrap_or_else(|e| panic!("{e}"));
    let (text, _, _) = encoding_rs::GBK.decode(&bytes);
    let mut lines = text.lines().map(|l| l.trim_end_matches('\r').to_string());
    let header = lines.next().unwrap_or_default();
    (header, lines.take(n).collect())
}

/// A 10-row 晋城市 "resubmission": the ledger's first `same` rows unchanged, the next
/// `10 - same` renamed and without credit code (so they match nothing).
fn resubmission(same: usize) -> String {
    let (header, rows) = jincheng_rows(10);
    let mut out = format!("{header}\n");
    for (i, row) in rows.iter().enumerate() {
        if i < same {
            out.push_str(row);
        } else {
            let mut cells: Vec<String> = row.split(',').map(str::to_string).collect();
            cells[1] = format!("{}（新）", cells[1]);
            cells[11] = String::new();
            out.push_str(&cells.join(","));
        }
        out.push('\n');
    }
    out
}

#[test]
fn a_resubmitted_ledger_stops_the_audit_naming_both_files() {
    // 6 of the 10 rows repeat the first ledger: more than half → one submission sent twice.
    let dir = demo_without(&[]);
    write(dir.path(), "晋城市台账（更正）.csv", &resubmission(6));
    let (code, out, err) = run(&[
        "audit",
        dir.path().to_str().unwrap_or_default(),
        "--as-of",
        "2023-12-31",
    ]);
    assert_eq!(code, 2, "{out}");
    for want in [
        "重复报送",
        "晋城市台账（更正）.csv",
        "晋城市社区社会组织台账.csv",
        "有 6 条记录",
        "晋城市",
        "--exclude",
    ] {
        assert!(err.contains(want), "missing {want:?} in {err}");
    }
    // Keeping one of them, as the message says, gives the demo's figures again (晋城市
    // brand-orgs 3 / 5 as in tests/golden.rs).
    let (code, rows, err) = audit_csv(dir.path(), &["--exclude", "晋城市台账（更正）.csv"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(cell(&rows, "brand-orgs", "山西省/晋城市").0, "3");
    assert_eq!(cell(&rows, "urban-density", "山西省/晋城市").0, "8.01");
}

#[test]
fn half_or_less_is_not_a_resubmission_and_each_duplicate_names_its_first_row() {
    // 5 of 10 = exactly half: not "most". The 5 repeats are skipped as duplicates, each
    // naming where the record was first listed; the 5 renamed rows count.
    let dir = demo_without(&[]);
    write(
        dir.path(),
        "晋城市社区社会组织台账（补充）.csv",
        &resubmission(5),
    );
    let (code, rows, err) = audit_csv(dir.path(), &[]);
    assert_eq!(code, 1, "{err}");
    let (_, out, _) = run(&[
        "audit",
        dir.path().to_str().unwrap_or_default(),
        "--as-of",
        "2023-12-31",
        "--width",
        "300",
    ]);
    // Row 2 of the ledger is 晋城市城区社区社会组织联合会 (its first data row).
    assert!(
        out.contains("首次出现在") && out.contains("晋城市社区社会组织台账.csv 第2行"),
        "{out}"
    );
    // The demo reads 17172 rows, uses 17155 and skips 1 duplicate (tests/golden.rs); the
    // 10 new rows add 5 used (the renamed ones) and 5 duplicates: 17182 = 17160 + 22.
    assert!(!out.contains("账目不平"), "{out}");
    assert!(
        out.contains("读取 17182 行 = 使用 17160 行 + 跳过 22 行") && out.contains("重复 6"),
        "{out}"
    );
    assert!(rows.len() > 1);
}

#[test]
fn duplicate_projects_are_counted_once() {
    // Projects had no duplicate check: the same project twice in one table counts once.
    let dir = demo_without(&["项目与活动.xlsx"]);
    write(
        dir.path(),
        "项目.csv",
        "项目名称,项目类型,市,县区,认定日期\n\
         阳泉市甲项目,品牌项目,阳泉市,,2021-05-01\n\
         阳泉市甲项目,品牌项目,阳泉市,,2021-05-01\n\
         阳泉市乙项目,品牌项目,阳泉市,城区,2022-05-01\n",
    );
    let (_, rows, _) = audit_csv(dir.path(), &[]);
    // 甲 once + 乙 = 2.
    assert_eq!(cell(&rows, "brand-projects", "山西省/阳泉市").0, "2");
    let (_, out, _) = run(&[
        "audit",
        dir.path().to_str().unwrap_or_default(),
        "--as-of",
        "2023-12-31",
    ]);
    assert!(out.contains("项目“阳泉市甲项目”"), "{out}");
    assert!(out.contains("首次出现在第2行"), "{out}");
}

#[test]
fn identical_issues_are_grouped_with_a_count() {
    // Eight organizations with a blank 市: one line naming the first rows and the count.
    let dir = demo_without(&[]);
    let mut text = String::from("组织名称,市,县区\n");
    for i in 0..8 {
        text.push_str(&format!("无市组织{i},,城区\n"));
    }
    write(dir.path(), "补报组织.csv", &text);
    let (_, out, _) = run(&[
        "audit",
        dir.path().to_str().unwrap_or_default(),
        "--as-of",
        "2023-12-31",
    ]);
    assert!(
        out.contains("补报组织.csv 第2、3、4行等 8 行 [市]"),
        "{out}"
    );
}

#[test]
fn statuses_say_what_they_mean() {
    // --by street: streets of 阳泉市/城区 have no rural community, so rural-density is not
    // applicable there ("—"), which never fails a run; the demo's exit code stays 1 only
    // because of real shortfalls.
    let demo = root().join("fixtures/demo");
    let (code, rows, _) = audit_csv(&demo, &["--by", "street"]);
    assert_eq!(code, 1);
    let na: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| r[1] == "rural-density" && r[7] == "not_applicable")
        .collect();
    assert!(!na.is_empty());
    for r in &na {
        assert_eq!(
            (r[2].as_str(), r[4].as_str(), r[6].as_str()),
            ("street", "", "")
        );
    }
    // "worst" lists unmet regions only: rural-density is met by both cities, so its
    // summary names no region (the 9 cities without data are counted, not listed).
    let (_, out, _) = run(&["audit", "fixtures/demo", "--as-of", "2023-12-31"]);
    // The summary row's first line: the target's name and the counts (the id below).
    let line = out
        .lines()
        .find(|l| l.contains("农村社区组织密度"))
        .unwrap_or_default();
    assert!(!line.contains("太原市"), "{line}");
    assert!(line.contains(" 9 "), "{line}");
    // A county-level target counts the 9 missing cities apart from its counties.
    let line = out
        .lines()
        .find(|l| l.contains("县级能力培训"))
        .unwrap_or_default();
    assert!(line.contains("0（另 9 市）"), "{line}");
    // The province figure is partial.
    assert!(out.contains("山西省的数字只含 2/11 市的数据"), "{out}");
}

#[test]
fn the_demo_resolves_places_written_as_staff_write_them() {
    // fixtures/demo/GENERATOR-NOTES.txt: 25 rows of the 晋城市 ledger write 泽州 for 泽州县,
    // 15 write …街道办事处 for …街道; all resolve (the ledger's only unmatched row is the
    // planted 幸福里社区), and the golden figures do not move (tests/golden.rs).
    let (code, out, err) = run(&["inspect", "fixtures/demo"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("地点解析 place routes: 原名 exact 9530，变体 variant 15，简称 short form 25"),
        "{out}"
    );
    assert!(
        out.contains("晋城市 泽州 南村镇 岭杰社区 → 山西省/晋城市/泽州县/南村镇/岭杰社区"),
        "{out}"
    );
}
