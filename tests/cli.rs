//! The real binary on the bundled fixtures: exit codes, outputs, inspect accounting.

use std::path::Path;

mod common;
use common::{root, run as stdout_of};

// The demo audit's terminal report (exit 1, the summary, the gap tables with 10.31 / 10.00,
// 8.01 / 10.00 and 差 351, 无数据 for the cities not sent, the data issues, the passed-over
// files and the row accounting, no colour codes) is the reviewed snapshot
// tests/snapshots/audit-demo-zh.snap (tests/snapshots.rs).

#[test]
fn exit_0_when_every_error_target_is_met() {
    // 阳泉市 meets urban-density, rural-density and brand-orgs; with --scope only 阳泉市 is
    // expected, so a plan of those three passes.
    let plan = root().join("tests/data/yangquan-met.toml");
    let (code, out, err) = stdout_of(&[
        "audit",
        "fixtures/demo",
        "--as-of",
        "2023-12-31",
        "--scope",
        "阳泉市",
        "--plan",
        plan.to_str().unwrap_or_default(),
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    // Without the scope, the missing cities are no data → 1.
    let (code, _, _) = stdout_of(&[
        "audit",
        "fixtures/demo",
        "--as-of",
        "2023-12-31",
        "--plan",
        plan.to_str().unwrap_or_default(),
    ]);
    assert_eq!(code, 1);
    // --fail-on never turns any successful run into 0.
    let (code, _, _) = stdout_of(&[
        "audit",
        "fixtures/demo",
        "--as-of",
        "2023-12-31",
        "--fail-on",
        "never",
    ]);
    assert_eq!(code, 0);
}

#[test]
fn exit_2_when_the_audit_cannot_run() {
    let cases: &[&[&str]] = &[
        &["audit", "fixtures/messy/does-not-exist.csv"],
        &[
            "audit",
            "fixtures/messy/communities-taiyuan.csv",
            "fixtures/messy/garbage.xlsx",
        ],
        &[
            "audit",
            "fixtures/messy/communities-taiyuan.csv",
            "fixtures/messy/encrypted.xlsx",
        ],
        &[
            "audit",
            "fixtures/messy/communities-taiyuan.csv",
            "fixtures/messy/empty.csv",
        ],
        &[
            "audit",
            "fixtures/messy/communities-taiyuan.csv",
            "fixtures/messy/missing-column.csv",
        ],
        &[
            "audit",
            "fixtures/messy/communities-taiyuan.csv",
            "fixtures/messy/not-utf8-nor-gbk.csv",
        ],
        &["audit", "fixtures/demo", "--plan", "no-such-plan"],
        &[
            "audit",
            "fixtures/demo",
            "--plan",
            "tests/data/bad-plan.toml",
        ],
        &["audit", "fixtures/demo", "--as-of", "2023-13-01"],
        // (--scope 太原市, a reporting unit without data, is no_data and exit 1: tests/places.rs.)
        &["audit", "fixtures/demo", "--scope", "不存在市"],
        &["audit", "fixtures/messy/gbk.csv"],
        &["audit", "--bogus-flag", "fixtures/demo"],
    ];
    for args in cases {
        let (code, out, err) = stdout_of(args);
        assert_eq!(code, 2, "{args:?}\nstdout: {out}\nstderr: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(!err.is_empty(), "{args:?}: no message");
    }
}

#[test]
fn errors_name_the_file_and_what_was_expected() {
    let (_, _, err) = stdout_of(&[
        "audit",
        "fixtures/messy/communities-taiyuan.csv",
        "fixtures/messy/missing-column.csv",
    ]);
    assert!(err.contains("missing-column.csv"), "{err}");
    assert!(err.contains("组织名称"), "{err}");
    let (_, _, err) = stdout_of(&[
        "audit",
        "fixtures/messy/communities-taiyuan.csv",
        "fixtures/messy/not-utf8-nor-gbk.csv",
    ]);
    assert!(
        err.contains("not-utf8-nor-gbk.csv") && err.contains("116"),
        "{err}"
    );
    let (_, _, err) = stdout_of(&[
        "audit",
        "fixtures/messy/communities-taiyuan.csv",
        "fixtures/messy/encrypted.xlsx",
    ]);
    assert!(
        err.contains("encrypted.xlsx") && err.contains("password"),
        "{err}"
    );
}

// `plan check` on tests/data/bad-plan.toml and bad-values.toml (located errors) and on
// rules/shanxi-2021-2023.toml are the reviewed snapshots tests/snapshots/plan-check-*.snap.

// `zhibiao plans` and `zhibiao plan show shanxi-2021-2023` are the reviewed snapshots
// tests/snapshots/plans.snap and plan-show-shanxi-2021-2023.snap (tests/snapshots.rs).

fn read_csv(path: &Path) -> (Vec<u8>, Vec<Vec<String>>) {
    let bytes = std::fs::read(path).unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes)
        .trim_start_matches('\u{feff}')
        .to_string();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    let rows = rdr
        .records()
        .filter_map(Result::ok)
        .map(|r| r.iter().map(str::to_string).collect())
        .collect();
    (bytes, rows)
}

#[test]
fn csv_and_json_outputs_carry_the_same_long_result() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let csv_path = dir.path().join("gaps.csv");
    let json_path = dir.path().join("gaps.json");
    let (code, _, err) = stdout_of(&[
        "audit",
        "fixtures/demo",
        "--as-of",
        "2023-12-31",
        "-o",
        csv_path.to_str().unwrap_or_default(),
        "-o",
        json_path.to_str().unwrap_or_default(),
    ]);
    assert_eq!(code, 1, "{err}");
    let (bytes, rows) = read_csv(&csv_path);
    assert!(
        bytes.starts_with("\u{feff}".as_bytes()),
        "CSV must start with a BOM"
    );
    assert_eq!(
        rows[0],
        [
            "plan",
            "target",
            "level",
            "region",
            "value",
            "required",
            "gap",
            "status",
            "due",
            "partial",
            "as_of",
            "milestone",
            "explanation",
            "numerator",
            "denominator"
        ]
    );
    // The province row holds only 阳泉市 and 晋城市 of the plan's 11 cities: partial.
    let province = rows
        .iter()
        .find(|r| r[1] == "urban-density" && r[3] == "山西省")
        .cloned()
        .unwrap_or_default();
    assert_eq!(province[9], "2/11", "{province:?}");
    // A city row is whole.
    let city = rows
        .iter()
        .find(|r| r[1] == "urban-density" && r[3] == "山西省/阳泉市")
        .cloned()
        .unwrap_or_default();
    assert_eq!(city[9], "", "{city:?}");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json_path).unwrap_or_default()).unwrap_or_default();
    let arr = json.as_array().cloned().unwrap_or_default();
    assert_eq!(arr.len(), rows.len() - 1);
    for (row, obj) in rows[1..].iter().zip(&arr) {
        assert_eq!(obj["target"], row[1]);
        assert_eq!(obj["region"], row[3]);
        assert_eq!(obj["status"], row[7]);
        assert_eq!(obj["partial"].as_str().unwrap_or(""), row[9]);
        let num = |k: &str| obj[k].as_u64().map(|n| n.to_string()).unwrap_or_default();
        assert_eq!(
            (num("numerator"), num("denominator")),
            (row[13].clone(), row[14].clone())
        );
        let v = obj["value"].as_f64().map(|x| format!("{x}"));
        let c = row[4].parse::<f64>().ok().map(|x| format!("{x}"));
        assert_eq!(v, c, "{row:?}");
    }
    // --no-bom and --format csv to stdout.
    let (_, out, _) = stdout_of(&[
        "audit",
        "fixtures/demo",
        "--as-of",
        "2023-12-31",
        "--format",
        "csv",
        "--no-bom",
    ]);
    assert!(out.starts_with("plan,target,level,region"), "{out}");
    // Two runs give byte-identical CSV.
    let (_, again, _) = stdout_of(&[
        "audit",
        "fixtures/demo",
        "--as-of",
        "2023-12-31",
        "--format",
        "csv",
        "--no-bom",
    ]);
    assert_eq!(out, again);
}

#[test]
fn rejects_lists_every_skipped_row_with_its_cells() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("rejects.csv");
    let (code, _, err) = stdout_of(&[
        "inspect",
        "fixtures/demo",
        "--rejects",
        path.to_str().unwrap_or_default(),
    ]);
    assert_eq!(code, 0, "{err}");
    let (_, rows) = read_csv(&path);
    assert_eq!(&rows[0][..5], ["file", "sheet", "row", "reason", "message"]);
    // fixtures/demo/EXPECTED.md: skipped rows are 阳泉 sheet 1+1 (total, note), 晋城 sheet
    // 1+1, 阳泉 orgs 3 blank + 1 total + 1 note + 1 duplicate + 1 unmatched, 晋城 orgs
    // 3 blank + 1 total + 1 note + 1 unmatched = 17.
    assert_eq!(rows.len() - 1, 17, "{rows:?}");
    let dup = rows.iter().find(|r| r[3] == "duplicate");
    assert!(
        dup.is_some_and(|r| r[2] == "333"
            && r.iter()
                .any(|c| c.contains("大阳泉矿社区阳光爱心妈妈服务队"))),
        "{dup:?}"
    );
    let unmatched = rows
        .iter()
        .find(|r| r[3] == "unmatched_place" && r[0].ends_with(".csv"));
    assert!(unmatched.is_some_and(|r| r[2] == "729"), "{unmatched:?}");
}

/// Parse every "读取 N 行 = 使用 U 行 + 跳过 S 行" line and check N = U + S.
fn assert_accounting_adds_up(out: &str) -> usize {
    let mut lines = 0;
    for line in out
        .lines()
        .filter(|l| l.contains("读取 ") && l.contains(" = 使用 "))
    {
        let nums: Vec<u64> = line
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .take(3)
            .filter_map(|s| s.parse().ok())
            .collect();
        assert_eq!(nums.len(), 3, "{line}");
        assert_eq!(nums[0], nums[1] + nums[2], "{line}");
        lines += 1;
    }
    assert!(!out.contains("账目不平"), "{out}");
    lines
}

#[test]
fn inspect_accounts_for_every_row_of_the_messy_fixtures() {
    let files = [
        "gbk.csv",
        "utf8-bom.csv",
        "title-merged-totals.xlsx",
        "two-row-header.xlsx",
        "dates.csv",
        "dates.xlsx",
        "fullwidth.csv",
        "unknown-values.csv",
    ];
    let mut args = vec![
        "inspect".to_string(),
        "fixtures/messy/communities-taiyuan.csv".to_string(),
    ];
    args.extend(files.iter().map(|f| format!("fixtures/messy/{f}")));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = stdout_of(&refs);
    assert_eq!(code, 0, "{err}");
    // One line per table plus the total.
    assert_eq!(assert_accounting_adds_up(&out), files.len() + 2, "{out}");
    for want in [
        // title rows above the header; blank, total and note rows skipped and counted
        "读取 24 行 = 使用 20 行 + 跳过 4 行（空行 2，合计行 1，备注行 1）",
        "表头 header: 第3行",
        // two-row header with merged group labels
        "表头 header: 第1–2行",
        // GBK detected; the unmatched place suggests the near name
        "编码 encoding: GBK",
        "是否为“亲贤社区居委会”",
        // the invalid dates are named with row, column and value
        "dates.csv 第11行 [成立日期]",
        "2021-02-30",
        "dates.xlsx#日期 第13行 [成立日期]",
        // unknown category kept and said
        "兴趣爱好类",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
}

#[test]
fn inspect_reads_ods_xls_rare_characters_and_ambiguous_names() {
    let (code, out, err) = stdout_of(&["inspect", "fixtures/messy/communities.ods"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("读取 152 行 = 使用 152 行"), "{out}");
    let (code, out, err) = stdout_of(&["inspect", "fixtures/messy/communities.xls"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("读取 153 行 = 使用 152 行 + 跳过 1 行（合计行 1）"),
        "{out}"
    );
    assert!(out.contains("表头 header: 第2行"), "{out}");
    let (code, out, err) = stdout_of(&[
        "inspect",
        "fixtures/messy/rare-chars-communities.csv",
        "fixtures/messy/rare-chars.csv",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("读取 12 行 = 使用 12 行 + 跳过 0 行"), "{out}");
    let (code, out, err) = stdout_of(&[
        "inspect",
        "fixtures/messy/ambiguous-communities.csv",
        "fixtures/messy/ambiguous.csv",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("读取 9 行 = 使用 7 行 + 跳过 2 行（地点不唯一 2）"),
        "{out}"
    );
    assert!(out.contains("“白文居委会”或“白文村委会”"), "{out}");
    assert_accounting_adds_up(&out);
}

#[test]
fn the_urban_rural_switch_lets_the_code_decide() {
    let (_, by_name, _) = stdout_of(&["inspect", "fixtures/demo"]);
    assert!(
        by_name.contains("按名称 2505，按城乡分类代码 0"),
        "{by_name}"
    );
    assert!(by_name.contains("名称与代码不一致 451"), "{by_name}");
    let (_, by_code, _) = stdout_of(&["inspect", "fixtures/demo", "--urban-rural", "code"]);
    assert!(
        by_code.contains("按名称 0，按城乡分类代码 2505"),
        "{by_code}"
    );
}

// Every `--help` (the exit status and examples of `audit --help` among them) is a reviewed
// snapshot in tests/snapshots/ (tests/snapshots.rs).

/// Rows of a CSV audit keyed by (target, region) → (value, required, gap, status).
fn audit_rows(args: &[&str]) -> std::collections::HashMap<(String, String), [String; 4]> {
    let mut all = vec!["audit", "--format", "csv", "--no-bom"];
    all.extend_from_slice(args);
    let (_, out, err) = stdout_of(&all);
    let mut rdr = csv::Reader::from_reader(out.as_bytes());
    let map: std::collections::HashMap<_, _> = rdr
        .records()
        .filter_map(Result::ok)
        .map(|r| {
            (
                (r[1].to_string(), r[3].to_string()),
                [
                    r[4].to_string(),
                    r[5].to_string(),
                    r[6].to_string(),
                    r[7].to_string(),
                ],
            )
        })
        .collect();
    assert!(!map.is_empty(), "{err}");
    map
}

#[test]
fn shaanxi_plan_is_chosen_by_the_data_and_matches_its_expected_figures() {
    // Figures from fixtures/shaanxi/EXPECTED.md (independent Python reading).
    let (_, out, _) = stdout_of(&["audit", "fixtures/shaanxi", "--as-of", "2020-12-31"]);
    assert!(out.contains("计划 shaanxi-2019"), "{out}");
    let m = audit_rows(&["fixtures/shaanxi", "--as-of", "2020-12-31"]);
    let get = |t: &str, r: &str| m.get(&(t.to_string(), r.to_string())).cloned();
    let s = |v: [&str; 4]| Some(v.map(str::to_string));
    assert_eq!(
        get("urban-density", "陕西省/西安市"),
        s(["3.83", "5.00", "35", "unmet"])
    );
    assert_eq!(
        get("urban-density", "陕西省/西安市/鄠邑区"),
        s(["3.83", "5.00", "35", "unmet"])
    );
    assert_eq!(
        get("rural-density", "陕西省/铜川市/宜君县"),
        s(["0.79", "1.00", "25", "unmet"])
    );
    assert_eq!(
        get("incubators", "陕西省/西安市"),
        s(["0.2857", "1.0000", "10", "unmet"])
    );
    assert_eq!(
        get("incubators", "陕西省/铜川市"),
        s(["1.0000", "1.0000", "0", "met"])
    );
    assert_eq!(
        get("funding", "陕西省/铜川市"),
        s(["354.19", "", "", "info"])
    );
    assert_eq!(
        get("funding", "陕西省/铜川市/王益区"),
        s(["52.37", "", "", "info"])
    );
    assert_eq!(
        get("org-count", "陕西省/铜川市"),
        s(["848", "", "", "info"])
    );
    assert_eq!(
        get("purchased-services", "陕西省/西安市"),
        s(["3", "", "", "info"])
    );
    assert_eq!(
        get("incubator-count", "陕西省/西安市"),
        s(["14", "", "", "info"])
    );
    assert_eq!(
        get("urban-density", "陕西省/宝鸡市"),
        s(["", "5.00", "", "no_data"])
    );
}

#[test]
fn county_scope_audits_one_county_down_to_its_streets() {
    let m = audit_rows(&[
        "fixtures/demo",
        "--as-of",
        "2023-12-31",
        "--scope",
        "阳泉市/城区",
        "--by",
        "street",
    ]);
    // Only 阳泉市/城区 and its streets; 晋城市/城区 is another county.
    assert!(
        m.keys().all(|(_, r)| r.starts_with("山西省/阳泉市/城区")),
        "{:?}",
        m.keys()
    );
    // fixtures/demo/EXPECTED.md: 阳泉市/城区 urban 636 / 53 = 12.00, rural 72 / 12 = 6.00.
    let county = m.get(&(
        "urban-density".to_string(),
        "山西省/阳泉市/城区".to_string(),
    ));
    assert_eq!(county.map(|v| v[0].as_str()), Some("12.00"));
    let county = m.get(&(
        "rural-density".to_string(),
        "山西省/阳泉市/城区".to_string(),
    ));
    assert_eq!(county.map(|v| v[0].as_str()), Some("6.00"));
    assert!(m
        .keys()
        .any(|(t, r)| t == "hub-streets" && r.matches('/').count() == 3));
    // City-level targets are not evaluated for a county.
    assert!(!m.keys().any(|(t, _)| t == "brand-orgs"));
}

#[test]
fn kind_override_skips_a_table_and_says_so() {
    let (code, out, err) = stdout_of(&[
        "inspect",
        "fixtures/messy/communities-taiyuan.csv",
        "fixtures/messy/missing-column.csv",
        "--kind",
        "missing-column.csv=skip",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("已忽略 ignored: fixtures/messy/missing-column.csv"),
        "{out}"
    );
    let (code, _, err) = stdout_of(&[
        "inspect",
        "fixtures/messy/gbk.csv",
        "--kind",
        "gbk.csv=nonsense",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("nonsense"), "{err}");
}

#[test]
fn no_matching_plan_is_an_error_listing_the_plans() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("c.csv");
    let text = "市,县区,街道乡镇,社区,城乡类型\n杭州市,西湖区,北山街道,保俶社区,城市\n";
    std::fs::write(&path, text).unwrap_or_default();
    let (code, _, err) = stdout_of(&["audit", path.to_str().unwrap_or_default()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("shanxi-2021-2023") && err.contains("shaanxi-2019") && err.contains("--plan"),
        "{err}"
    );
}

#[test]
fn rows_outside_the_scope_are_counted_not_listed() {
    let (_, out, _) = stdout_of(&[
        "audit",
        "fixtures/demo",
        "--as-of",
        "2023-12-31",
        "--scope",
        "阳泉市",
    ]);
    // 阳泉市's own issues (fixtures/demo/EXPECTED.md): a bad credit code, a duplicate, an
    // unmatched place; 晋城市's rows are out of scope and only counted.
    assert!(out.contains("数据问题 3 条"), "{out}");
    assert!(out.contains("范围之外"), "{out}");
    assert!(!out.contains("晋城市社区社会组织台账.csv 第729行"), "{out}");
}

#[test]
fn no_progress_bar_when_stderr_is_not_a_terminal() {
    // With stderr captured (a pipe), nothing of the bar is written, with or without
    // --quiet; -j 1 and -j 3 give the same CSV (the demo's tables are below the size that
    // is split among threads: ingest::rows' unit test checks split tables).
    let args = [
        "audit",
        "fixtures/demo",
        "--as-of",
        "2023-12-31",
        "--format",
        "csv",
    ];
    let (code, one, err) = stdout_of(&[&args[..], &["-j", "1"]].concat());
    assert_eq!(code, 1, "{err}");
    assert!(!err.contains("reading") && !err.contains('\r'), "{err}");
    let (_, three, err) = stdout_of(&[&args[..], &["-j", "3", "--quiet"]].concat());
    assert!(!err.contains("reading"), "{err}");
    assert_eq!(one, three);
}

#[test]
fn completions_and_man_page_come_from_the_clap_definitions() {
    let (code, out, err) = stdout_of(&["completions", "bash"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("_zhibiao()"), "{out}");
    for sub in [
        "audit",
        "trend",
        "inspect",
        "diff",
        "template",
        "plans",
        "plan",
        "completions",
        "man",
    ] {
        assert!(out.contains(sub), "{sub} missing");
    }
    // Options and their accepted values.
    assert!(
        out.contains("--as-of") && out.contains("--fail-on"),
        "{out}"
    );
    // The localized value parsers still offer their values (--by).
    assert!(out.contains("city county street"), "{out}");
    let (code, out, err) = stdout_of(&["completions", "zsh"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("#compdef zhibiao"), "{out}");
    let (code, out, _) = stdout_of(&["completions", "fish"]);
    assert_eq!(code, 0);
    assert!(out.contains("complete -c zhibiao"), "{out}");
    let (code, out, _) = stdout_of(&["completions", "powershell"]);
    assert_eq!(code, 0);
    assert!(out.contains("Register-ArgumentCompleter"), "{out}");
    let (code, _, err) = stdout_of(&["completions", "tcsh"]);
    assert_eq!(code, 2);
    assert!(err.contains("bash") && err.contains("powershell"), "{err}");
    let (code, out, err) = stdout_of(&["man"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(".TH zhibiao 1"), "{out}");
    assert!(
        out.contains("audit") && out.contains("completions"),
        "{out}"
    );
    // --dir: a page for the command and one per subcommand.
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let man = dir.path().join("man1");
    let (code, _, err) = stdout_of(&["man", "--dir", &man.display().to_string()]);
    assert_eq!(code, 0, "{err}");
    for page in ["zhibiao.1", "zhibiao-audit.1", "zhibiao-plan-check.1"] {
        let text = std::fs::read_to_string(man.join(page)).unwrap_or_default();
        assert!(text.contains(".TH"), "{page}: {text}");
    }
}

#[test]
fn bad_flag_values_name_the_accepted_forms_in_the_language_of_the_run() {
    // Default (zh).
    let (code, _, err) = stdout_of(&["audit", "fixtures/demo", "--as-of", "2023-13-45"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("“2023-13-45” 不是日期")
            && err.contains("2023年12月31日")
            && err.contains("2023Q4"),
        "{err}"
    );
    assert!(!err.contains("is not a date"), "{err}");
    // English, with --lang before or after the bad value.
    for args in [
        [
            "audit",
            "fixtures/demo",
            "--lang",
            "en",
            "--as-of",
            "2023-13-45",
        ],
        [
            "audit",
            "fixtures/demo",
            "--as-of",
            "2023-13-45",
            "--lang=en",
            "-q",
        ],
    ] {
        let (code, _, err) = stdout_of(&args);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains("\"2023-13-45\" is not a date")
                && err.contains("2023-12-31, 2023/12/31")
                && err.contains("2023Q4"),
            "{err}"
        );
        assert!(!err.contains("不是日期"), "{err}");
    }
    // Enumerated values, a size, a scope.
    let (_, _, err) = stdout_of(&["audit", "fixtures/demo", "--by", "town"]);
    assert!(
        err.contains("--by “town” 无效；可选：city、county、street"),
        "{err}"
    );
    let (_, _, err) = stdout_of(&["audit", "fixtures/demo", "--lang", "en", "--by", "town"]);
    assert!(
        err.contains("--by \"town\" is not accepted; use one of: city, county, street"),
        "{err}"
    );
    let (_, _, err) = stdout_of(&[
        "audit",
        "fixtures/demo",
        "--lang",
        "en",
        "--max-input-size",
        "lots",
    ]);
    assert!(err.contains("not a size") && err.contains("512M"), "{err}");
    let (_, _, err) = stdout_of(&["audit", "fixtures/demo", "--scope", "a/b/c/d"]);
    assert!(
        err.contains("不是范围") && err.contains("太原市/小店区"),
        "{err}"
    );
    // diff's dates are spelt as audit's: the same message for one that is not a date …
    let (code, _, err) = stdout_of(&["diff", "a", "b", "--as-of", "2023-13-45"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("“2023-13-45” 不是日期")
            && err.contains("2023年12月31日")
            && err.contains("2023Q4"),
        "{err}"
    );
}

#[test]
fn diff_reads_every_spelling_of_a_date() {
    // … and 2023年12月31日, 2023/12/31 or 2023Q4 count the same records as 2023-12-31
    // (2023/09/30 for the previous export as 2023-09-30).
    let diff = |as_of: &str, baseline_as_of: &str| {
        stdout_of(&[
            "diff",
            "fixtures/diff/2023Q3",
            "fixtures/diff/2023Q4",
            "--communities",
            "fixtures/diff/社区名单.csv",
            "--baseline-as-of",
            baseline_as_of,
            "--as-of",
            as_of,
            "--by",
            "street",
            "--format",
            "csv",
            "-q",
        ])
    };
    let (code, iso, err) = diff("2023-12-31", "2023-09-30");
    assert_eq!(code, 0, "{err}");
    assert!(iso.lines().count() > 1, "{iso}");
    for (as_of, baseline_as_of) in [
        ("2023年12月31日", "2023/09/30"),
        ("2023/12/31", "2023年9月30日"),
        ("2023Q4", "2023Q3"),
    ] {
        let (code, out, err) = diff(as_of, baseline_as_of);
        assert_eq!(code, 0, "{as_of} {baseline_as_of}: {err}");
        assert_eq!(out, iso, "{as_of} {baseline_as_of}");
    }
}

/// The community tree is made as soon as the community list is read, while later files
/// are still read; a community table read after it (a list split over files, one after the
/// organizations) must still count. Worked out by hand: four communities, three of them
/// urban (code 111: 坞城, 南坞城, 南关); the organizations in urban communities are 甲 (坞城)
/// and 乙 (南关), so the province's urban density row reads 2 of 3, in every file order.
#[test]
fn a_community_list_split_over_files_counts_whole_in_any_order() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        path.display().to_string()
    };
    let head = "市,县区,街道乡镇,社区,城乡分类代码\n";
    let a = write(
        "a.csv",
        &format!(
            "{head}太原市,小店区,坞城街道,坞城社区居民委员会,111\n\
             太原市,小店区,坞城街道,南坞城社区居民委员会,111\n"
        ),
    );
    let b = write(
        "b.csv",
        &format!(
            "{head}大同市,平城区,南关街道,南关社区居民委员会,111\n\
             大同市,平城区,南关街道,迎宾村村民委员会,220\n"
        ),
    );
    let both = write(
        "both.csv",
        &format!(
            "{head}太原市,小店区,坞城街道,坞城社区居民委员会,111\n\
             太原市,小店区,坞城街道,南坞城社区居民委员会,111\n\
             大同市,平城区,南关街道,南关社区居民委员会,111\n\
             大同市,平城区,南关街道,迎宾村村民委员会,220\n"
        ),
    );
    let o = write(
        "o.csv",
        "组织名称,市,县区,街道乡镇,社区,组织类别,成立日期\n\
         甲志愿服务队,太原市,小店区,坞城街道,坞城社区,志愿服务类,2021-01-01\n\
         乙文体队,大同市,平城区,南关街道,南关社区,文体类,2021-02-01\n\
         丙调解会,大同市,平城区,南关街道,迎宾村,专业调处类,2022-02-01\n",
    );
    // With ZHIBIAO_STREAM_MIN=0 the last file's organizations go to the build while it
    // is read, whatever its size; two community lists alone (nothing to stream, the second
    // read after the build took the tree) must count whole too.
    for (files, numerator) in [
        (vec![&a, &o, &b], Some(2)),
        (vec![&a, &b, &o], Some(2)),
        (vec![&o, &a, &b], Some(2)),
        (vec![&both, &o], Some(2)),
        (vec![&a, &b], None),
    ] {
        for (threads, stream) in [("1", "0"), ("2", "0"), ("2", "100000000")] {
            let mut args = vec![
                "audit",
                "--plan",
                "shanxi-2021-2023",
                "--as-of",
                "2023-12-31",
                "--format",
                "json",
                "--fail-on",
                "never",
                "-j",
                threads,
            ];
            args.extend(files.iter().map(|f| f.as_str()));
            let out = common::zhibiao()
                .args(&args)
                .env("ZHIBIAO_STREAM_MIN", stream)
                .output()
                .unwrap_or_else(|e| panic!("{e}"));
            let (code, err) = (
                out.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&out.stderr).to_string(),
            );
            let out = String::from_utf8_lossy(&out.stdout).to_string();
            assert_eq!(code, 0, "{files:?} -j{threads} stream {stream}: {err}");
            let rows: serde_json::Value =
                serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
            let rows = rows.as_array().cloned().unwrap_or_default();
            let at = |target: &str, region: &str| {
                rows.iter()
                    .find(|r| r["target"] == target && r["region"] == region)
                    .cloned()
            };
            // 平城区 has rows only when the second list's communities are in the tree.
            assert!(
                at("urban-density", "山西省/大同市/平城区").is_some(),
                "{files:?} -j{threads} stream {stream}: {out}"
            );
            let row = at("urban-density", "山西省").unwrap_or_default();
            let expected = match numerator {
                Some(n) => (serde_json::json!(n), serde_json::json!(3)),
                // No organization table: no verdict.
                None => (serde_json::Value::Null, serde_json::Value::Null),
            };
            assert_eq!(
                (&row["numerator"], &row["denominator"]),
                (&expected.0, &expected.1),
                "{files:?} -j{threads} stream {stream}"
            );
        }
    }
}

/// The last file an XLSX of one worksheet whose organizations go to the model build while
/// it is read (`ZHIBIAO_STREAM_MIN=0`): the same audit as read first and built after; and
/// when its sheet's cells come out of row order (a row's cells written after the rows
/// below it), so that the workbook is read again after rows went to the build, still the
/// same audit and no data issue (the inputs are read again without handing on; rows handed
/// on twice would be duplicates). 20,000 organizations in 坞城社区 (太原市, urban) and none in
/// 大同市: urban-density of the province is 20,000 organizations ÷ 1 urban community, over
/// the one city with organizations (hand count).
#[test]
fn an_xlsx_streamed_to_the_build_and_read_again_audits_the_same() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let communities = dir.path().join("a.csv");
    std::fs::write(
        &communities,
        "市,县区,街道乡镇,社区,城乡分类代码\n\
         太原市,小店区,坞城街道,坞城社区居民委员会,111\n\
         大同市,平城区,南关街道,南关社区居民委员会,111\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    let header = [
        "组织名称",
        "市",
        "县区",
        "街道乡镇",
        "社区",
        "组织类别",
        "成立日期",
    ];
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    for i in 1..=20_000u32 {
        let row = [
            format!("志愿服务队{i}"),
            "太原市".into(),
            "小店区".into(),
            "坞城街道".into(),
            "坞城社区".into(),
            "公益慈善类".into(),
            "2021-01-01".into(),
        ];
        for (c, v) in row.iter().enumerate() {
            ws.write_string(i, c as u16, v)
                .unwrap_or_else(|e| panic!("{e}"));
        }
    }
    let ordered = book.save_to_buffer().unwrap_or_else(|e| panic!("{e}"));
    // Row 19,990 (1-based) moved to the end of the sheet's XML: after the head and a
    // batch (16,384 rows) went to the build.
    let mut zip =
        zip::ZipArchive::new(std::io::Cursor::new(&ordered)).unwrap_or_else(|e| panic!("{e}"));
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).unwrap_or_else(|e| panic!("{e}"));
        let name = part.name().unwrap_or_else(|e| panic!("{e}")).to_string();
        let mut text = Vec::new();
        part.read_to_end(&mut text)
            .unwrap_or_else(|e| panic!("{e}"));
        if name == "xl/worksheets/sheet1.xml" {
            let xml = String::from_utf8(text).unwrap_or_else(|e| panic!("{e}"));
            let start = xml
                .find("<row r=\"19990\"")
                .unwrap_or_else(|| panic!("{xml}"));
            let end = start + xml[start..].find("</row>").unwrap_or(0) + "</row>".len();
            let rest = format!("{}{}", &xml[..start], &xml[end..]);
            let moved = format!("{}</sheetData>", &xml[start..end]);
            text = rest.replacen("</sheetData>", &moved, 1).into_bytes();
        }
        out.start_file(name, opts).unwrap_or_else(|e| panic!("{e}"));
        out.write_all(&text).unwrap_or_else(|e| panic!("{e}"));
    }
    let unordered = out.finish().unwrap_or_else(|e| panic!("{e}")).into_inner();
    let audit = |book: &[u8], stream: &str| {
        let orgs = dir.path().join("o.xlsx");
        let issues = dir.path().join("issues.csv");
        std::fs::write(&orgs, book).unwrap_or_else(|e| panic!("{e}"));
        let out = common::zhibiao()
            .args([
                "audit",
                "--plan",
                "shanxi-2021-2023",
                "--as-of",
                "2023-12-31",
            ])
            .args(["--format", "json", "--fail-on", "never", "-j", "2"])
            .arg("--issues-out")
            .arg(&issues)
            .arg(&communities)
            .arg(&orgs)
            .env("ZHIBIAO_STREAM_MIN", stream)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(out.status.code(), Some(0), "{err}");
        let issues = std::fs::read_to_string(&issues).unwrap_or_else(|e| panic!("{e}"));
        (String::from_utf8_lossy(&out.stdout).to_string(), issues)
    };
    let first = audit(&ordered, "100000000");
    // No data issue: no row counted twice.
    assert_eq!(first.1.lines().count(), 1, "{}", first.1);
    let rows: serde_json::Value =
        serde_json::from_str(&first.0).unwrap_or_else(|e| panic!("{e}: {}", first.0));
    let density = rows
        .as_array()
        .and_then(|r| {
            r.iter()
                .find(|r| r["target"] == "urban-density" && r["region"] == "山西省")
        })
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (&density["numerator"], &density["denominator"]),
        (&serde_json::json!(20_000), &serde_json::json!(1)),
        "{}",
        first.0
    );
    for (book, stream) in [
        (&ordered, "0"),
        (&unordered, "0"),
        (&unordered, "100000000"),
    ] {
        assert_eq!(audit(book, stream), first, "stream {stream}");
    }
}

/// A fault late in the last file, after some of its organizations went to the model build
/// while it was read, is the same error (exit 2, the file and row named) as without that:
/// 3,000 rows where `--max-rows 2000` allows 2,000.
#[test]
fn a_fault_late_in_a_streamed_file_is_the_same_error() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let communities = dir.path().join("a.csv");
    std::fs::write(
        &communities,
        "市,县区,街道乡镇,社区,城乡分类代码\n太原市,小店区,坞城街道,坞城社区居民委员会,111\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut orgs = String::from("组织名称,市,县区,街道乡镇,社区\n");
    for i in 0..3000 {
        orgs.push_str(&format!("志愿服务队{i},太原市,小店区,坞城街道,坞城社区\n"));
    }
    let orgs_path = dir.path().join("o.csv");
    std::fs::write(&orgs_path, &orgs).unwrap_or_else(|e| panic!("{e}"));
    let run_with = |stream: &str| {
        let out = common::zhibiao()
            .args([
                "audit",
                "--plan",
                "shanxi-2021-2023",
                "--as-of",
                "2023-12-31",
            ])
            .args(["-j", "2", "--max-rows", "2000"])
            .arg(&communities)
            .arg(&orgs_path)
            .env("ZHIBIAO_STREAM_MIN", stream)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (code, err) = run_with("0");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("o.csv") && err.contains("2001"), "{err}");
    assert_eq!(run_with("100000000"), (code, err));
}
