//! Reporting units beside the cities (杨凌示范区, 韩城市, 神木市, 府谷县, 西咸新区), through the
//! real binary on fixtures/shaanxi-units. Every expected figure is worked out by hand in
//! fixtures/shaanxi-units/EXPECTED.md from the community counts of the real NBS list and the
//! organizations planted by fixtures/make_units_fixture.py.

mod common;
use common::run;

const DATA: &str = "fixtures/shaanxi-units";
const UNITS: &str = "fixtures/shaanxi-units/units.toml";

/// The long CSV of an audit of the fixture with plan shaanxi-2019 and `extra` arguments.
fn csv(extra: &[&str]) -> (i32, Vec<Vec<String>>) {
    let mut args = vec![
        "audit",
        DATA,
        "--plan",
        "shaanxi-2019",
        "--as-of",
        "2020-12-31",
        "--format",
        "csv",
        "--no-bom",
    ];
    args.extend_from_slice(extra);
    let (code, out, err) = run(&args);
    assert!(code == 0 || code == 1, "exit {code}: {err}");
    let rows = out
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    (code, rows)
}

/// (level, value, required, gap, status) of the row of `target` for `region`.
fn cell(rows: &[Vec<String>], target: &str, region: &str) -> [String; 5] {
    let hits: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| r.len() == 15 && r[1] == target && r[3] == region)
        .collect();
    assert_eq!(hits.len(), 1, "{target} {region}: {hits:?}");
    let r = hits[0];
    [
        r[2].clone(),
        r[4].clone(),
        r[5].clone(),
        r[6].clone(),
        r[7].clone(),
    ]
}

fn expect(rows: &[Vec<String>], target: &str, region: &str, want: [&str; 5]) {
    assert_eq!(cell(rows, target, region), want, "{target} {region}");
}

#[test]
fn units_get_city_level_rows_with_hand_computed_figures() {
    let (code, rows) = csv(&["--units", UNITS]);
    // Six of the plan's ten cities and 神木市 are missing: exit 1.
    assert_eq!(code, 1);
    let u = "urban-density";
    let r = "rural-density";
    // 杨凌示范区 = 咸阳市/杨陵区: 113 orgs in 22 urban communities = 5.14 ≥ 5 (110 needed);
    // 60 in 54 rural = 1.11.
    expect(
        &rows,
        u,
        "陕西省/杨凌示范区",
        ["city", "5.14", "5.00", "0", "met"],
    );
    expect(
        &rows,
        r,
        "陕西省/杨凌示范区",
        ["city", "1.11", "1.00", "0", "met"],
    );
    // 韩城市: 82/41 = 2.00, gap ⌈5 × 41⌉ − 82 = 123; 100/166 = 0.60, gap 66.
    expect(
        &rows,
        u,
        "陕西省/韩城市",
        ["city", "2.00", "5.00", "123", "unmet"],
    );
    expect(
        &rows,
        r,
        "陕西省/韩城市",
        ["city", "0.60", "1.00", "66", "unmet"],
    );
    // 府谷县: 51/17 = 3.00, gap 85 − 51 = 34; 40/172 = 0.23, gap 132.
    expect(
        &rows,
        u,
        "陕西省/府谷县",
        ["city", "3.00", "5.00", "34", "unmet"],
    );
    expect(
        &rows,
        r,
        "陕西省/府谷县",
        ["city", "0.23", "1.00", "132", "unmet"],
    );
    // 神木市 is not in the community list: no data, a shortfall like a missing city.
    expect(
        &rows,
        u,
        "陕西省/神木市",
        ["city", "", "5.00", "", "no_data"],
    );
    expect(
        &rows,
        "org-count",
        "陕西省/神木市",
        ["city", "", "", "", "info"],
    );
    // 西咸新区 from units.toml: 六村堡 + 建章路 + 钓台 + 马泉: 108/27 = 4.00, gap 135 − 108 = 27;
    // rural 29/34 = 0.85, gap 5; 137 organizations.
    expect(
        &rows,
        u,
        "陕西省/西咸新区",
        ["city", "4.00", "5.00", "27", "unmet"],
    );
    expect(
        &rows,
        r,
        "陕西省/西咸新区",
        ["city", "0.85", "1.00", "5", "unmet"],
    );
    expect(
        &rows,
        "org-count",
        "陕西省/西咸新区",
        ["city", "137", "", "", "info"],
    );
    // org-count counts the two 社会工作服务机构 of 杨陵区 too: 113 + 60 + 2.
    expect(
        &rows,
        "org-count",
        "陕西省/杨凌示范区",
        ["city", "175", "", "", "info"],
    );
}

#[test]
fn unit_records_still_count_in_their_city() {
    let (_, rows) = csv(&["--units", UNITS]);
    let u = "urban-density";
    // 咸阳市 = 杨陵区 (22 urban, 113 orgs) + 钓台/马泉/人民路 (26 urban, 78 orgs): 191/48 = 3.98,
    // gap 240 − 191 = 49. Without 杨陵区 it would be 78/26 = 3.00.
    expect(
        &rows,
        u,
        "陕西省/咸阳市",
        ["city", "3.98", "5.00", "49", "unmet"],
    );
    expect(
        &rows,
        "org-count",
        "陕西省/咸阳市",
        ["city", "253", "", "", "info"],
    );
    // 渭南市 holds only 韩城市 here, so it has exactly 韩城市's figures; the county row is there too.
    expect(
        &rows,
        u,
        "陕西省/渭南市",
        ["city", "2.00", "5.00", "123", "unmet"],
    );
    expect(
        &rows,
        u,
        "陕西省/渭南市/韩城市",
        ["county", "2.00", "5.00", "123", "unmet"],
    );
    // The province is the sum of the cities, never of the units: 408/134 = 3.04.
    expect(
        &rows,
        u,
        "陕西省",
        ["province", "3.04", "5.00", "262", "unmet"],
    );
    // org-count has no province row; its city rows hold all 641 organizations once
    // (115 + 253 + 182 + 91), and the unit rows come on top of them.
    let cities: f64 = ["西安市", "咸阳市", "渭南市", "榆林市"]
        .iter()
        .map(|c| {
            let v = &cell(&rows, "org-count", &format!("陕西省/{c}"))[1];
            v.parse::<f64>().unwrap_or(f64::NAN)
        })
        .sum();
    assert_eq!(cities, 641.0);
    // Units get no county rows of their own.
    assert!(!rows.iter().any(|r| r[3].starts_with("陕西省/杨凌示范区/")));
}

#[test]
fn xixian_is_not_configured_without_units_file() {
    let (code, rows) = csv(&[]);
    assert_eq!(code, 1);
    expect(
        &rows,
        "urban-density",
        "陕西省/西咸新区",
        ["city", "", "5.00", "", "no_data"],
    );
    expect(
        &rows,
        "org-count",
        "陕西省/西咸新区",
        ["city", "", "", "", "info"],
    );
    // The other units are computed all the same.
    expect(
        &rows,
        "urban-density",
        "陕西省/杨凌示范区",
        ["city", "5.14", "5.00", "0", "met"],
    );
    // The reason is in the JUnit failure and on standard error.
    let (code, out, err) = run(&[
        "audit",
        DATA,
        "--plan",
        "shaanxi-2019",
        "--as-of",
        "2020-12-31",
        "--format",
        "junit",
    ]);
    assert_eq!(code, 1);
    assert!(
        out.contains("陕西省/西咸新区 · 无数据") && out.contains("未配置：用 --units 提供街道名单"),
        "{out}"
    );
    assert!(out.contains("陕西省/神木市 · 无数据") && out.contains("数据中没有：榆林市/神木市"));
    assert!(err.contains("西咸新区") && err.contains("--units"), "{err}");
}

#[test]
fn an_unconfigured_unit_alone_decides_the_exit_code() {
    // Every city and 杨凌示范区 meet urban density ≥ 2 (渭南市 exactly: 82 = ⌈2 × 41⌉), so
    // only 西咸新区 decides: configured and met (108 ≥ 54) → 0, not configured → 1.
    let plan = "tests/data/units-plan.toml";
    let base = [
        "audit",
        DATA,
        "--plan",
        plan,
        "--as-of",
        "2020-12-31",
        "--format",
        "csv",
        "--no-bom",
    ];
    let (code, out, err) = run(&base);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        out.contains("units-test,urban-density-2,city,陕西省/西咸新区,,2.00,,no_data,"),
        "{out}"
    );
    let mut with = base.to_vec();
    with.extend(["--units", UNITS]);
    let (code, out, err) = run(&with);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("units-test,urban-density-2,city,陕西省/西咸新区,4.00,2.00,0,met,"),
        "{out}"
    );
    assert!(
        out.contains("units-test,urban-density-2,city,陕西省/渭南市,2.00,2.00,0,met,"),
        "{out}"
    );
}

#[test]
fn places_absent_from_the_data_are_named_and_the_rest_computed() {
    // The documented example lists 18 streets; the fixture holds 4 of them, so the figures are
    // those of units.toml and the 14 others are named.
    let example = "docs/units-xixian-example.toml";
    let (_, rows) = csv(&["--units", example]);
    expect(
        &rows,
        "urban-density",
        "陕西省/西咸新区",
        ["city", "4.00", "5.00", "27", "unmet"],
    );
    let (_, out, _) = run(&[
        "audit",
        DATA,
        "--plan",
        "shaanxi-2019",
        "--as-of",
        "2020-12-31",
        "--units",
        example,
        "--width",
        "1000",
    ]);
    assert!(
        out.contains("报送单位“西咸新区”有 14 处地方不在社区名单中：西安市/未央区/三桥街道")
            && out.contains("按其余 4 处计算"),
        "{out}"
    );
    let (_, junit, _) = run(&[
        "audit",
        DATA,
        "--plan",
        "shaanxi-2019",
        "--as-of",
        "2020-12-31",
        "--units",
        example,
        "--format",
        "junit",
    ]);
    assert!(
        junit.contains("108/27；部分地方不在数据中：西安市/未央区/三桥街道、"),
        "{junit}"
    );
}

#[test]
fn a_bad_units_file_is_exit_2_with_file_line_column() {
    let (code, _, err) = run(&[
        "audit",
        DATA,
        "--plan",
        "shaanxi-2019",
        "--units",
        "tests/data/units-bad.toml",
    ]);
    assert_eq!(code, 2, "{err}");
    // name = "西咸新城" is line 2; the value starts at column 8.
    assert!(
        err.contains("错误 error: unit \"西咸新城\": the plan declares no such unit")
            && err.contains("--> tests/data/units-bad.toml:2:8"),
        "{err}"
    );
    assert!(err.contains("西咸新区"), "{err}");
    let (code, _, err) = run(&[
        "audit",
        DATA,
        "--plan",
        "shaanxi-2019",
        "--units",
        "tests/data/no-such-units.toml",
    ]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn plan_show_lists_the_units() {
    let (code, out, _) = run(&["plan", "show", "shaanxi-2019"]);
    assert_eq!(code, 0);
    for want in [
        "杨凌示范区 = 咸阳市/杨陵区",
        "韩城市 = 渭南市/韩城市",
        "神木市 = 榆林市/神木市",
        "府谷县 = 榆林市/府谷县",
        "西咸新区 = 未配置",
        "not a new roll-up",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
}
