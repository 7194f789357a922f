//! Place names as people write them (issue 7 §3), through the real binary on
//! fixtures/places: a community list of ten real streets (NBS 2022, copied from
//! shanxi-communities.csv by fixtures/places/make_places.py) and an organizations CSV
//! whose place cells use every written form.
//!
//! Every expected path below was checked by hand against the real list, e.g.
//! `grep ',阳泉市,城区,上站街道,油娄沟社区居委会' shanxi-communities.csv`,
//! `grep ',大同市,平城区,新华街道,' …` (新华街道 is in 平城区, not in 云冈区),
//! `grep ',大同市,云州区,西坪镇,' …`, `grep ',长治市,上党区,韩店街道,' …`,
//! `grep ',吕梁市,临县,白文镇,白文' …` (白文居委会 and 白文村委会); the renames from
//! RENAMES.csv. fixtures/places/EXPECTED.md lists each row with its expected result.

mod common;
use common::{root, run};

const PLAN: &str = "tests/data/places-count.toml";

/// (target, region) → (value, status) from `audit --format csv --no-bom`.
fn csv_rows(out: &str) -> Vec<(String, String, String, String)> {
    out.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let get = |i: usize| f.get(i).map(|s| s.to_string()).unwrap_or_default();
            (get(1), get(3), get(4), get(7))
        })
        .collect()
}

fn value(
    rows: &[(String, String, String, String)],
    target: &str,
    region: &str,
) -> Option<(String, String)> {
    rows.iter()
        .find(|r| r.0 == target && r.1 == region)
        .map(|r| (r.2.clone(), r.3.clone()))
}

#[test]
fn inspect_counts_each_route_and_keeps_the_accounting() {
    let (code, out, err) = run(&["inspect", "fixtures/places"]);
    assert_eq!(code, 0, "{out}\n{err}");
    // 20 rows: 16 resolved (3 exact, 5 variant, 3 short, 5 alias, see EXPECTED.md),
    // 4 skipped (2 ambiguous: 白文, 矿区 without street; 2 unmatched: 不存在街道,
    // 城区/西坪镇 of 大同市).
    for want in [
        "读取 20 行 = 使用 16",
        "地点解析 place routes: 原名 exact 3，变体 variant 5，简称 short form 3，旧名 alias 5",
        // Examples, first three per route in reading order.
        "变体 variant: 山西省阳泉市 城区 上站街道 油娄沟社区 → 山西省/阳泉市/城区/上站街道/油娄沟社区居委会",
        "变体 variant: 阳泉市 阳泉市城区 上站街道 → 山西省/阳泉市/城区/上站街道",
        "变体 variant: 阳泉市 城区 上站街道办事处 → 山西省/阳泉市/城区/上站街道",
        "简称 short form: 晋城市 泽州 南村镇 → 山西省/晋城市/泽州县/南村镇",
        "简称 short form: 阳泉 城区 上站街道 窑坡社区居委会 → 山西省/阳泉市/城区/上站街道/窑坡社区居委会",
        "旧名 alias: 大同市 大同县 西坪镇 → 山西省/大同市/云州区/西坪镇",
        "旧名 alias: 大同市 城区 新华街道 → 山西省/大同市/平城区/新华街道",
        "旧名 alias: 大同市 南郊区 新平旺街道 → 山西省/大同市/云冈区/新平旺街道",
        // Never guessed: the candidates are named.
        "白文居委会",
        "山西省/大同市/平城区、山西省/大同市/云冈区：需要街道乡镇才能判定",
        "街道乡镇“西坪镇”不在其中任何一个的名单中",
        "街道乡镇“不存在街道”不在山西省/阳泉市/城区的名单中",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
    let accounting = out
        .lines()
        .find(|l| l.contains("读取 20 行"))
        .unwrap_or_default();
    assert!(accounting.contains("跳过 4"), "{accounting}");
}

#[test]
fn audit_counts_rows_at_the_places_they_resolve_to() {
    let (code, out, err) = run(&[
        "audit",
        "fixtures/places",
        "--plan",
        PLAN,
        "--as-of",
        "2023-12-31",
        "--format",
        "csv",
        "--no-bom",
    ]);
    // 太原市 is a reporting unit with no data, 吕梁市 has 0 organizations: exit 1.
    assert_eq!(code, 1, "{out}\n{err}");
    let rows = csv_rows(&out);
    // Hand count per region (EXPECTED.md): 阳泉市 8 = 城区 5 + 郊区 2 + 1 at the city
    // (县区 = 阳泉市); 晋城市 3 = 城区 1 + 泽州县 2; 大同市 3 = 平城区, 云冈区, 云州区 1
    // each; 长治市 2 = 上党区 1 + 潞州区 1; 吕梁市 0 (白文 is ambiguous).
    for (target, region, want) in [
        ("orgs-city", "山西省/阳泉市", "8"),
        ("orgs-city", "山西省/晋城市", "3"),
        ("orgs-city", "山西省/大同市", "3"),
        ("orgs-city", "山西省/长治市", "2"),
        ("orgs-city", "山西省/吕梁市", "0"),
        ("orgs-county", "山西省/阳泉市/城区", "5"),
        ("orgs-county", "山西省/阳泉市/郊区", "2"),
        ("orgs-county", "山西省/晋城市/城区", "1"),
        ("orgs-county", "山西省/晋城市/泽州县", "2"),
        ("orgs-county", "山西省/大同市/平城区", "1"),
        ("orgs-county", "山西省/大同市/云冈区", "1"),
        ("orgs-county", "山西省/大同市/云州区", "1"),
        ("orgs-county", "山西省/长治市/上党区", "1"),
        ("orgs-county", "山西省/长治市/潞州区", "1"),
        ("orgs-county", "山西省/吕梁市/临县", "0"),
    ] {
        let got = value(&rows, target, region).map(|(v, _)| v);
        assert_eq!(got.as_deref(), Some(want), "{target} {region}\n{out}");
    }
    assert_eq!(
        value(&rows, "orgs-city", "山西省/太原市").map(|(_, s)| s),
        Some("no_data".to_string()),
        "{out}"
    );
    // No region is made up from a former name.
    assert!(
        !out.contains("大同市/城区") && !out.contains("长治市/城区"),
        "{out}"
    );
}

#[test]
fn scope_takes_the_same_forms() {
    // 阳泉 → 阳泉市: 8 organizations, as province-wide.
    let (code, out, err) = run(&[
        "audit",
        "fixtures/places",
        "--plan",
        PLAN,
        "--as-of",
        "2023-12-31",
        "--format",
        "csv",
        "--no-bom",
        "--scope",
        "阳泉",
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    let rows = csv_rows(&out);
    assert_eq!(
        value(&rows, "orgs-city", "山西省/阳泉市").map(|(v, _)| v),
        Some("8".to_string()),
        "{out}"
    );
    assert!(!out.contains("晋城市"), "{out}");

    // 泽州 → 晋城市/泽州县 alone: its 2 organizations.
    let (code, out, err) = run(&[
        "audit",
        "fixtures/places",
        "--plan",
        PLAN,
        "--as-of",
        "2023-12-31",
        "--format",
        "csv",
        "--no-bom",
        "--scope",
        "泽州",
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    let rows = csv_rows(&out);
    assert_eq!(
        value(&rows, "orgs-county", "山西省/晋城市/泽州县").map(|(v, _)| v),
        Some("2".to_string()),
        "{out}"
    );
    assert!(!out.contains("阳泉市"), "{out}");

    // 城区 is the current name of a county in 阳泉市 and in 晋城市: ambiguous, exit 2,
    // both listed (the former 城区 of 大同市 and 长治市 do not outrank a current name).
    let (code, out, err) = run(&[
        "audit",
        "fixtures/places",
        "--plan",
        PLAN,
        "--scope",
        "城区",
    ]);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(
        err.contains("山西省/阳泉市/城区、山西省/晋城市/城区"),
        "{err}"
    );
    assert!(!err.contains("平城区"), "{err}");

    // A place that does not exist at all: exit 2.
    let (code, _, err) = run(&[
        "audit",
        "fixtures/places",
        "--plan",
        PLAN,
        "--scope",
        "不存在市",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("不存在市"), "{err}");
}

#[test]
fn scope_of_a_reporting_unit_without_data_is_no_data() {
    // 太原市 is a reporting unit of the plan but has no community in the list: its rows
    // are no_data and the exit code is 1, not 2.
    let (code, out, err) = run(&[
        "audit",
        "fixtures/places",
        "--plan",
        PLAN,
        "--as-of",
        "2023-12-31",
        "--format",
        "csv",
        "--no-bom",
        "--scope",
        "太原",
    ]);
    assert_eq!(code, 1, "{out}\n{err}");
    let rows = csv_rows(&out);
    assert!(!rows.is_empty(), "{out}");
    assert!(
        rows.iter()
            .all(|r| r.1 == "山西省/太原市" && r.3 == "no_data"),
        "{out}"
    );
    // Both targets have their row.
    assert_eq!(rows.len(), 2, "{out}");
}

#[test]
fn a_user_places_file_adds_local_names_and_bad_files_are_located() {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    };
    let orgs = dir.path().join("orgs.csv");
    let user = dir.path().join("local.toml");
    let bad = dir.path().join("bad.toml");
    let w = |p: &std::path::Path, s: &str| {
        if let Err(e) = std::fs::write(p, s) {
            panic!("{e}")
        }
    };
    // 西坪乡: what a county's ledger still calls 西坪镇 (a local habit).
    w(
        &orgs,
        "组织名称,市,县区,街道乡镇,社区\n西坪秧歌队,大同市,云州区,西坪乡,\n",
    );
    w(
        &user,
        "[[alias]]\nprovince = \"山西省\"\ncity = \"大同市\"\ncounty = \"云州区\"\nold = \"西坪乡\"\ncurrent = [\"西坪镇\"]\nyear = 2015\n",
    );
    w(
        &bad,
        "[[alias]]\nprovince = \"山西省\"\nold = \"x\"\ncurrent = [\"y\"]\nyaer = 1\n",
    );
    let list = root().join("fixtures/places/社区名单.csv");
    let (list, orgs_s) = (list.to_string_lossy(), orgs.to_string_lossy());
    let (code, out, _) = run(&["inspect", &list, &orgs_s]);
    assert_eq!(code, 0);
    assert!(
        out.contains("街道乡镇“西坪乡”不在山西省/大同市/云州区的名单中"),
        "{out}"
    );
    let (code, out, err) = run(&[
        "inspect",
        &list,
        &orgs_s,
        "--places",
        &user.to_string_lossy(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("旧名 alias: 大同市 云州区 西坪乡 → 山西省/大同市/云州区/西坪镇"),
        "{out}"
    );
    let (code, _, err) = run(&["inspect", &list, "--places", &bad.to_string_lossy()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("bad.toml:5:1") && err.contains("yaer"),
        "{err}"
    );
    // One prefix, with the flag after it.
    assert!(err.starts_with("错误 error: --places: "), "{err}");
    assert_eq!(err.matches("错误 error").count(), 1, "{err}");
}
