//! `zhibiao issues`: the lists to send back (issue 10 §3), read back from the workbook
//! (calamine) and the CSV (csv crate).
//!
//! The fixture `tests/data/issue-list/` is small and ugly on purpose. Its community list
//! names 晋城市/城区 first, then 阳泉市/城区 and 阳泉市/矿区 (division codes 140502…,
//! 140302…, 140303…: code order is not list order). Its organizations (CSV line = row):
//!
//! | row | place                           | fault                                  | code |
//! |-----|---------------------------------|----------------------------------------|------|
//! | 2   | 阳泉市 城区 阳光社区居委会      | credit code 9.11401E+17 (Excel)        | V104 counted |
//! | 3   | 阳泉市 城区 桃北社区居委会      | credit code 9.11401E+17                | V104 counted |
//! | 4   | 阳泉市 城区 桃北社区居委会      | credit code 9.11401E+17                | V104 counted |
//! | 5   | 阳泉市 城区 阳**先**社区居委会  | community not in list, 1 edit away     | P203 skipped, "是否为 阳光社区居委会？" |
//! | 6   | 阳泉市 矿区 平坦社区居委会      | 成立日期 2021-02-30                    | V102 counted |
//! | 7   | 阳泉市 **平定县** (not in list) | county unknown                         | P203 skipped |
//! | 8   | 晋城市 城区 东街社区居委会      | 成立日期 2021-13-01 and 9.11401E+17    | V102 + V104 counted |
//! | 9   | 阳泉市 城区 阳光社区居委会      | credit code 9.11401E+17                | V104 counted |
//! | 10  | 阳泉市 矿区 平坦社区居委会      | 组织名称 empty                         | V101 skipped |
//!
//! The same mangled code on rows 2, 3, 4, 8 and 9 also makes rows 3, 4, 8 and 9 duplicates
//! of row 2 (D302, "统一社会信用代码相同", skipped): what 777 Excel-mangled codes do to a
//! real ledger. Each D302 names its organization, so they are not grouped.
//!
//! So, by county (14 issues):
//! - 阳泉市/城区: V104 ×4 on rows 2–4, 9 (one line: same column, same cell); D302 on rows
//!   3, 4, 9 (three lines); P203 row 5. 8 issues, 5 rows, 5 lines.
//! - 阳泉市/矿区: V102 row 6, V101 row 10 (a skipped row still lies in its county). 2
//!   issues, 2 rows, 2 lines.
//! - 晋城市/城区: D302, V102 and V104 on row 8 (the V104 is not grouped with 阳泉's: another
//!   county). 3 issues, 1 row, 3 lines.
//! - 未识别地区: P203 row 7 (its county is unknown). 1 issue, 1 row, 1 line.
//!
//! Summary order: by division code, 阳泉市/城区 (140302), 阳泉市/矿区 (140303),
//! 晋城市/城区 (140502), then 未识别地区. Totals 14 issues, 9 rows, 11 lines.
//!
//! By city: 阳泉市 holds rows 2–7, 9, 10 (row 7's city is known): 11 issues, 8 rows, 8
//! lines; the V104 rows 2–4, 9 still one line. 晋城市: 3 issues, 1 row, 3 lines. No
//! unresolved sheet.

mod common;
use common::{csv_rows, root, run};

const FIXTURE: &str = "tests/data/issue-list";
const ORGS: &str = "tests/data/issue-list/社区社会组织.csv";

use common::{xlsx_rows as rows, xlsx_sheet_names as sheet_names};

/// Run `zhibiao issues` with `args` writing `file` in a fresh folder: (exit code, path,
/// stdout, the folder kept alive).
fn issues_to(file: &str, args: &[&str]) -> (i32, std::path::PathBuf, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().join(file);
    let mut all: Vec<String> = vec!["issues".into()];
    all.extend(args.iter().map(|s| s.to_string()));
    all.push("-o".into());
    all.push(out.display().to_string());
    let (code, stdout, stderr) = run(&all);
    assert!(out.exists(), "{file} not written: {stderr}");
    (code, out, stdout, dir)
}

/// The sum of inspect's "数据问题 N 条" lines: the issues it lists, table by table.
fn inspect_issue_count(inputs: &[&str]) -> usize {
    let mut args = vec!["inspect"];
    args.extend(inputs);
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    out.lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix("数据问题 ")
                .and_then(|r| r.strip_suffix(" 条:"))
        })
        .map(|n| n.parse::<usize>().unwrap_or_else(|e| panic!("{n}: {e}")))
        .sum()
}

#[test]
fn one_sheet_per_county_with_identical_issues_on_one_line() {
    let (code, path, stdout, _dir) = issues_to("问题清单.xlsx", &[FIXTURE]);
    assert_eq!(code, 1, "issues found: exit 1");
    assert_eq!(
        sheet_names(&path),
        [
            "汇总",
            "阳泉市城区",
            "阳泉市矿区",
            "晋城市城区",
            "未识别地区"
        ]
    );
    assert_eq!(
        rows(&path, "汇总"),
        [
            ["县区", "工作表", "问题", "需改正的行", "问题组"],
            ["阳泉市/城区", "阳泉市城区", "8", "5", "5"],
            ["阳泉市/矿区", "阳泉市矿区", "2", "2", "2"],
            ["晋城市/城区", "晋城市城区", "3", "1", "3"],
            ["未识别地区", "未识别地区", "1", "1", "1"],
            ["合计", "", "14", "9", "11"],
        ]
    );
    // The terminal gets the counts when the list went to a file.
    assert!(
        stdout.contains("阳泉市/城区：8 条问题，5 行需改正"),
        "{stdout}"
    );

    let cz = rows(&path, "阳泉市城区");
    assert_eq!(
        cz[0],
        [
            "代码",
            "文件",
            "工作表",
            "行",
            "行数",
            "列",
            "原值",
            "问题",
            "处理",
            "建议"
        ]
    );
    assert_eq!(cz.len(), 6, "{cz:?}");
    let codes: Vec<(&str, &str)> = cz[1..]
        .iter()
        .map(|r| (r[0].as_str(), r[3].as_str()))
        .collect();
    assert_eq!(
        codes,
        [
            ("V104", "2–4, 9"),
            ("D302", "3"),
            ("D302", "4"),
            ("P203", "5"),
            ("D302", "9")
        ]
    );
    // The four Excel-mangled codes: one line, count 4, rows as runs.
    assert_eq!(
        cz[1][..7],
        [
            "V104",
            ORGS,
            "",
            "2–4, 9",
            "4",
            "统一社会信用代码",
            "9.11401E+17"
        ]
    );
    assert!(cz[1][7].contains("9.11401E+17"), "{:?}", cz[1]);
    assert_eq!(cz[1][8], "照常计入");
    assert!(cz[1][9].contains("Excel"), "{:?}", cz[1]);
    // The misspelt community, with its suggestion.
    assert_eq!(
        cz[4][..7],
        ["P203", ORGS, "", "5", "1", "社区", "阳先社区居委会"]
    );
    assert_eq!(cz[4][8], "跳过（地点不在社区名单）");
    assert_eq!(cz[4][9], "是否为 阳光社区居委会？");
    assert_eq!(cz[2][8], "跳过（重复）");

    let kq = rows(&path, "阳泉市矿区");
    let lines: Vec<(&str, &str, &str, &str)> = kq[1..]
        .iter()
        .map(|r| (r[0].as_str(), r[3].as_str(), r[5].as_str(), r[6].as_str()))
        .collect();
    assert_eq!(
        lines,
        [
            ("V102", "6", "成立日期", "2021-02-30"),
            ("V101", "10", "组织名称", "")
        ]
    );
    assert_eq!(kq[2][8], "跳过（无效值）");

    let jc = rows(&path, "晋城市城区");
    let lines: Vec<(&str, &str, &str)> = jc[1..]
        .iter()
        .map(|r| (r[0].as_str(), r[3].as_str(), r[4].as_str()))
        .collect();
    assert_eq!(
        lines,
        [("D302", "8", "1"), ("V102", "8", "1"), ("V104", "8", "1")]
    );

    let un = rows(&path, "未识别地区");
    assert_eq!(un.len(), 2, "{un:?}");
    assert_eq!(un[1][..7], ["P203", ORGS, "", "7", "1", "县区", "平定县"]);
}

#[test]
fn by_city_puts_a_row_of_an_unknown_county_in_its_city() {
    let (code, path, _, _dir) = issues_to("问题清单.xlsx", &[FIXTURE, "--by", "city"]);
    assert_eq!(code, 1);
    assert_eq!(sheet_names(&path), ["汇总", "阳泉市", "晋城市"]);
    assert_eq!(
        rows(&path, "汇总"),
        [
            ["市", "工作表", "问题", "需改正的行", "问题组"],
            ["阳泉市", "阳泉市", "11", "8", "8"],
            ["晋城市", "晋城市", "3", "1", "3"],
            ["合计", "", "14", "9", "11"],
        ]
    );
    let yq = rows(&path, "阳泉市");
    let v104: Vec<_> = yq.iter().filter(|r| r[0] == "V104").collect();
    assert_eq!(v104.len(), 1, "{yq:?}");
    assert_eq!((v104[0][3].as_str(), v104[0][4].as_str()), ("2–4, 9", "4"));
    assert!(yq.iter().any(|r| r[0] == "P203" && r[3] == "7"), "{yq:?}");
}

#[test]
fn english_headers_and_sheet_names() {
    let (_, path, _, _dir) = issues_to("issues.xlsx", &[FIXTURE, "--lang", "en"]);
    assert_eq!(
        sheet_names(&path),
        [
            "Summary",
            "阳泉市城区",
            "阳泉市矿区",
            "晋城市城区",
            "unresolved place"
        ]
    );
    let summary = rows(&path, "Summary");
    assert_eq!(
        summary[0],
        ["County", "Sheet", "Issues", "Rows to correct", "Lines"]
    );
    assert_eq!(summary[5][0], "Total");
    let cz = rows(&path, "阳泉市城区");
    assert_eq!(
        cz[0],
        [
            "Code",
            "File",
            "Sheet",
            "Rows",
            "Count",
            "Column",
            "Original value",
            "Issue",
            "Outcome",
            "Suggestion"
        ]
    );
    assert_eq!(cz[4][8], "skipped (place not in the community list)");
    assert_eq!(cz[4][9], "did you mean 阳光社区居委会?");
}

#[test]
fn the_csv_has_one_line_per_issue_with_its_county() {
    let (code, path, _, _dir) = issues_to("issues.csv", &[FIXTURE]);
    assert_eq!(code, 1);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{e}"));
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "BOM by default");
    let text = String::from_utf8(bytes).unwrap_or_else(|e| panic!("{e}"));
    let rows = csv_rows(&text);
    assert_eq!(
        rows[0],
        [
            "code",
            "county",
            "file",
            "sheet",
            "row",
            "column",
            "original",
            "outcome",
            "reason",
            "message",
            "suggestion"
        ]
    );
    assert_eq!(rows.len(), 15, "14 issues, not grouped");
    let line = |row: &str, code: &str| {
        rows.iter()
            .find(|r| r[4] == row && r[0] == code)
            .unwrap_or_else(|| panic!("no {code} at row {row}: {rows:?}"))
            .clone()
    };
    for r in ["2", "3", "4", "9"] {
        let l = line(r, "V104");
        assert_eq!(l[1], "阳泉市/城区");
        assert_eq!(l[6], "9.11401E+17");
        assert_eq!((l[7].as_str(), l[8].as_str()), ("counted", ""));
    }
    let l = line("5", "P203");
    assert_eq!(
        [&l[1], &l[2], &l[5], &l[6], &l[7], &l[8], &l[10]],
        [
            "阳泉市/城区",
            ORGS,
            "社区",
            "阳先社区居委会",
            "skipped",
            "unmatched_place",
            "是否为 阳光社区居委会？"
        ]
    );
    assert_eq!(
        line("7", "P203")[1],
        "",
        "an unresolved county is left blank"
    );
    assert_eq!(line("8", "V104")[1], "晋城市/城区");
    assert_eq!(line("10", "V101")[1], "阳泉市/矿区");

    // --format csv --no-bom on standard output: the same lines, no BOM.
    let (code, out, _) = run(&["issues", FIXTURE, "--format", "csv", "--no-bom"]);
    assert_eq!(code, 1);
    assert!(out.starts_with("code,county,"), "{out}");
    assert_eq!(csv_rows(&out), rows);
}

#[test]
fn no_issue_is_lost() {
    // Against inspect's own count of listed issues, table by table.
    let expected = inspect_issue_count(&[FIXTURE]);
    assert_eq!(expected, 14);
    for (inputs, by) in [
        (vec![FIXTURE], "county"),
        (vec!["fixtures/demo"], "county"),
        (vec!["fixtures/demo"], "city"),
        (
            vec![
                "fixtures/messy/communities-taiyuan.csv",
                "fixtures/messy/gbk.csv",
                "fixtures/messy/dates.csv",
                "fixtures/messy/unknown-values.csv",
                "fixtures/messy/title-merged-totals.xlsx",
            ],
            "county",
        ),
    ] {
        let expected = inspect_issue_count(&inputs);
        let mut args = inputs.clone();
        args.extend(["--by", by]);
        let (_, path, _, _dir) = issues_to("l.xlsx", &args);
        let summary = rows(&path, "汇总");
        let total = summary.last().cloned().unwrap_or_default();
        assert_eq!(total[0], "合计");
        let per_sheet: usize = summary[1..summary.len() - 1]
            .iter()
            .map(|r| r[2].parse::<usize>().unwrap_or(0))
            .sum();
        assert_eq!(per_sheet, expected, "{inputs:?} by {by}: {summary:?}");
        assert_eq!(total[2], expected.to_string());
        // Each sheet's lines add up to its count.
        for r in &summary[1..summary.len() - 1] {
            let lines = rows(&path, &r[1]);
            let sum: usize = lines[1..]
                .iter()
                .map(|l| l[4].parse::<usize>().unwrap_or(0))
                .sum();
            assert_eq!(sum.to_string(), r[2], "{inputs:?} sheet {}", r[1]);
        }
    }
}

#[test]
fn the_terminal_list_and_the_exit_codes() {
    let (code, out, _) = run(&["issues", FIXTURE]);
    assert_eq!(code, 1);
    assert!(out.contains("阳泉市/城区：8 条问题，5 行需改正"), "{out}");
    assert!(out.contains("V104 ×4"), "{out}");
    assert!(out.contains("第 2–4, 9 行"), "{out}");
    assert!(out.contains("→ 是否为 阳光社区居委会？"), "{out}");
    assert!(out.contains("未识别地区：1 条问题"), "{out}");

    // A clean list: exit 0.
    let (code, out, err) = run(&[
        "issues",
        "fixtures/messy/communities-taiyuan.csv",
        "fixtures/messy/utf8-bom.csv",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("没有数据问题"), "{out}");
}

#[test]
fn o_never_overwrites_an_input() {
    let input = root().join(FIXTURE).join("社区名单.csv");
    let before = std::fs::read(&input).unwrap_or_else(|e| panic!("{e}"));
    let (code, _, err) = run(&[
        "issues",
        FIXTURE,
        "-o",
        "tests/data/issue-list/社区名单.csv",
    ]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(std::fs::read(&input).unwrap_or_default(), before);
    // An extension that is neither .xlsx nor .csv: refused before reading.
    let (code, _, err) = run(&["issues", FIXTURE, "-o", "list.pdf"]);
    assert_eq!(code, 2);
    assert!(err.contains(".xlsx"), "{err}");
}

#[test]
fn lists_written_into_the_ledger_folder_are_passed_over_next_time() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for f in ["社区名单.csv", "社区社会组织.csv"] {
        std::fs::copy(root().join(FIXTURE).join(f), dir.path().join(f))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let folder = dir.path().display().to_string();
    for (file, extra) in [
        ("问题清单.xlsx", vec![]),
        ("issues.csv", vec![]),
        ("en.xlsx", vec!["--lang", "en"]),
        ("city.xlsx", vec!["--by", "city"]),
        ("city-en.xlsx", vec!["--by", "city", "--lang", "en"]),
        ("city.csv", vec!["--by", "city"]),
    ] {
        let out = dir.path().join(file).display().to_string();
        let mut args = vec!["issues", folder.as_str(), "-o", out.as_str()];
        args.extend(extra);
        let (code, _, err) = run(&args);
        assert_eq!(code, 1, "{file}: {err}");
    }
    // The folder now holds six lists: read again, the same 14 issues.
    let (code, out, err) = run(&["issues", folder.as_str(), "--format", "csv"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(csv_rows(&out).len(), 15, "{out}");
}

#[test]
fn scope_lists_what_audit_lists_for_it() {
    // --scope 晋城市: rows 2–7 and 9 lie in 阳泉市, outside it (counted apart, not listed),
    // so row 8 is no longer a duplicate of row 2 (no D302). Row 10 was skipped while
    // reading (组织名称 empty), before any place was looked at: audit lists its V101
    // under the scope too, and here it lies in its own county, 阳泉市/矿区.
    let (code, out, err) = run(&["issues", FIXTURE, "--scope", "晋城市", "--format", "csv"]);
    assert_eq!(code, 1, "{err}");
    let lines: Vec<(String, String, String)> = csv_rows(&out)[1..]
        .iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[4].clone()))
        .collect();
    let want = [
        ("V102", "晋城市/城区", "8"),
        ("V104", "晋城市/城区", "8"),
        ("V101", "阳泉市/矿区", "10"),
    ]
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()));
    assert_eq!(lines, want);
    let (_, audit, _) = run(&[
        "audit",
        FIXTURE,
        "--scope",
        "晋城市",
        "--as-of",
        "2023-12-31",
    ]);
    assert!(audit.contains("数据问题 3 条"), "{audit}");
}

#[test]
fn a_file_that_cannot_be_read_is_a_line_of_the_files_sheet_and_exit_2() {
    let (code, path, _, _dir) = issues_to("问题清单.xlsx", &[FIXTURE, "fixtures/messy/empty.csv"]);
    assert_eq!(code, 2, "a file could not be read");
    assert_eq!(
        sheet_names(&path),
        [
            "汇总",
            "阳泉市城区",
            "阳泉市矿区",
            "晋城市城区",
            "未识别地区",
            "文件"
        ]
    );
    let summary = rows(&path, "汇总");
    assert_eq!(summary[5], ["文件", "文件", "1", "0", "1"]);
    assert_eq!(summary[6], ["合计", "", "15", "9", "12"]);
    let files = rows(&path, "文件");
    assert_eq!(files.len(), 2, "{files:?}");
    assert_eq!(files[1][1], "fixtures/messy/empty.csv");
    assert!(files[1][7].contains("empty file"), "{files:?}");
    assert_eq!(files[1][8], "未读取");
}
