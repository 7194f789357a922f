//! Swing checks (issue 12 §2) through the binary, on hand-made snapshots.
//!
//! Two snapshots `2023Q3/` and `2023Q4/`, each the demo's community list and a tiny
//! organizations CSV of 晋城市 (every organization placed at its county, no dates, no
//! codes: matched by name and place). Counts per county, Q3 → Q4, with the default bound
//! (more than ±30% for a county with at least 20 records before):
//!
//! | county | Q3 | Q4 | change | flagged |
//! |---|---|---|---|---|
//! | 城区 | 20 | 26 | +30% exactly | no |
//! | 泽州县 | 20 | 27 | +35% (7 added) | yes |
//! | 阳城县 | 19 | 40 | +110%, but 19 < 20 records before | no |
//! | 陵川县 | 20 | 14 | −30% exactly | no |
//! | 高平市 | 20 | 13 | −35% (7 dissolved) | yes |
//! | 沁水县 | 0 | 20 | nothing before, 20 now | yes |
//!
//! The plan is the demo plan's urban-density target as a warning, so the targets never
//! fail the run: the exit code is the swings' alone.

use std::path::{Path, PathBuf};

mod common;
use common::{one_target_plan, root, run};

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

/// A snapshot folder `dir/name` with the demo's community list and `counts` organizations
/// per county of 晋城市 (the first `n` of a fixed list of names).
fn snapshot(dir: &Path, name: &str, counts: &[(&str, usize)]) -> PathBuf {
    let d = dir.join(name);
    if let Err(e) = std::fs::create_dir_all(&d) {
        panic!("{e}");
    }
    if let Err(e) = std::fs::copy(
        root().join("fixtures/demo/社区名单.xlsx"),
        d.join("社区名单.xlsx"),
    ) {
        panic!("{e}");
    }
    let mut csv = String::from("组织名称,市,县（市、区）\n");
    for (county, n) in counts {
        for i in 0..*n {
            csv.push_str(&format!("{county}测试服务队{i:02},晋城市,{county}\n"));
        }
    }
    write(&d.join("社区社会组织台账.csv"), &csv);
    d
}

struct Setup {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    q3: String,
    q4: String,
    plan: String,
}

/// The two snapshots of the module doc and the plan, `swing` added to the plan.
fn setup(swing: &str) -> Setup {
    let dir = tmp();
    let q3 = snapshot(
        dir.path(),
        "2023Q3",
        &[
            ("城区", 20),
            ("泽州县", 20),
            ("阳城县", 19),
            ("陵川县", 20),
            ("高平市", 20),
        ],
    );
    let q4 = snapshot(
        dir.path(),
        "2023Q4",
        &[
            ("城区", 26),
            ("泽州县", 27),
            ("阳城县", 40),
            ("陵川县", 14),
            ("高平市", 13),
            ("沁水县", 20),
        ],
    );
    let plan = one_target_plan(dir.path(), &format!("severity = \"warning\"\n\n{swing}"));
    Setup {
        dir: dir.path().to_path_buf(),
        q3: q3.display().to_string(),
        q4: q4.display().to_string(),
        plan: plan.display().to_string(),
        _dir: dir,
    }
}

impl Setup {
    /// `audit Q4 --baseline Q3 --scope 晋城市 --plan … extra…`: (code, stdout, stderr).
    fn audit(&self, extra: &[&str]) -> (i32, String, String) {
        let mut args = vec![
            "audit",
            self.q4.as_str(),
            "--baseline",
            self.q3.as_str(),
            "--scope",
            "晋城市",
            "--plan",
            self.plan.as_str(),
        ];
        args.extend_from_slice(extra);
        run(&args)
    }

    /// The swing findings of the JSON output: (county, before, after, added, dissolved,
    /// status, explanation).
    fn swings(&self, extra: &[&str]) -> Vec<(String, u64, u64, u64, u64, String, String)> {
        let mut args = vec!["--format", "json"];
        args.extend_from_slice(extra);
        let (_, out, err) = self.audit(&args);
        let v: serde_json::Value = match serde_json::from_str(&out) {
            Ok(v) => v,
            Err(e) => panic!("{e}: {out}\n{err}"),
        };
        let s = |o: &serde_json::Value, k: &str| o[k].as_str().unwrap_or_default().to_string();
        let n = |o: &serde_json::Value, k: &str| o[k].as_u64().unwrap_or(u64::MAX);
        v.as_array()
            .into_iter()
            .flatten()
            .filter(|o| o["finding"] == "swing")
            .map(|o| {
                (
                    s(o, "region"),
                    n(o, "before"),
                    n(o, "after"),
                    n(o, "added"),
                    n(o, "dissolved"),
                    s(o, "status"),
                    s(o, "explanation"),
                )
            })
            .collect()
    }

    fn explain(&self, text: &str) -> String {
        let p = self.dir.join("ex.toml");
        write(&p, text);
        p.display().to_string()
    }
}

fn swing(
    county: &str,
    before: u64,
    after: u64,
    added: u64,
    dissolved: u64,
) -> (String, u64, u64, u64, u64, String, String) {
    (
        format!("山西省/晋城市/{county}"),
        before,
        after,
        added,
        dissolved,
        "flagged".into(),
        String::new(),
    )
}

#[test]
fn swings_just_above_the_bound_are_flagged_and_those_at_it_are_not() {
    let s = setup("");
    assert_eq!(
        s.swings(&[]),
        [
            swing("沁水县", 0, 20, 20, 0),
            swing("泽州县", 20, 27, 7, 0),
            swing("高平市", 20, 13, 0, 7),
        ]
    );
    // The terminal names the counts, the change and the records behind it.
    let (code, out, err) = s.audit(&["--width", "400"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("⚠ 波动 S501 晋城市/泽州县 的社区社会组织数 20 → 27（+35.0%，超过 ±30%；上期 2023-09-30）：新增 7，注销 0，迁入 0，迁出 0"),
        "{out}"
    );
    assert!(out.contains("20 → 13（-35.0%"), "{out}");
    assert!(out.contains("0 → 20（上期为 0"), "{out}");
}

#[test]
fn fail_on_swing_fails_on_unexplained_swings_only() {
    let s = setup("");
    assert_eq!(s.audit(&[]).0, 0);
    let (code, _, err) = s.audit(&["--fail-on", "swing"]);
    assert_eq!(code, 1, "{err}");
    // Two of the three explained: still 1; all three (one entry per county, 晋城市 for
    // the city's): 0, figures unchanged, statuses explained with the reason.
    let entry = |region: &str| {
        format!(
            "[[explanation]]\nissue = \"S501\"\nregion = \"{region}\"\nreason = \"集中补录\"\nby = \"晋城市民政局\"\nexpires = 2099-12-31\n\n"
        )
    };
    let two = s.explain(&format!("{}{}", entry("泽州县"), entry("高平市")));
    assert_eq!(s.audit(&["--fail-on", "swing", "--explain", &two]).0, 1);
    let all = s.explain(&entry("晋城市"));
    let (code, out, err) = s.audit(&["--fail-on", "swing", "--explain", &all]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("✎ 已说明 S501 晋城市（3 条数据问题）：集中补录"),
        "{out}"
    );
    let got = s.swings(&["--explain", &all]);
    assert_eq!(got.len(), 3);
    for g in &got {
        assert_eq!(
            (g.5.as_str(), g.6.as_str()),
            ("explained", "集中补录"),
            "{g:?}"
        );
    }
    // Expired: no longer counts.
    let expired = s.explain(&entry("晋城市").replace("2099-12-31", "2020-01-01"));
    let (code, out, _) = s.audit(&["--fail-on", "swing", "--explain", &expired]);
    assert_eq!(code, 1);
    assert!(out.contains("⚠ 说明已过期，不再计入：S501 晋城市"), "{out}");
    // A county without a swing: stale.
    let stale = s.explain(&entry("城区"));
    let (code, out, _) = s.audit(&["--fail-on", "swing", "--explain", &stale]);
    assert_eq!(code, 1);
    assert!(
        out.contains("⚠ 说明未匹配任何数据问题（已过时？）：S501 城区"),
        "{out}"
    );
}

#[test]
fn bounds_per_plan_and_per_table() {
    // 40%: 泽州县 +35% and 高平市 −35% pass; 沁水县 (nothing before) is still flagged.
    let s = setup("[swing]\nmax_change = \"40%\"\n");
    assert_eq!(s.swings(&[]), [swing("沁水县", 0, 20, 20, 0)]);
    // min_records 19: 阳城县 19 → 40 is judged now (+110%). Counties in the list's order.
    let s = setup("[swing]\nmin_records = 19\n");
    assert_eq!(
        s.swings(&[]),
        [
            swing("沁水县", 0, 20, 20, 0),
            swing("阳城县", 19, 40, 21, 0),
            swing("泽州县", 20, 27, 7, 0),
            swing("高平市", 20, 13, 0, 7),
        ]
    );
    // The organizations' own bound wins over [swing]'s (40% would flag only 沁水县);
    // min_records is inherited (20).
    let s = setup("[swing]\nmax_change = \"40%\"\n\n[swing.organizations]\nmax_change = \"34%\"\n");
    assert_eq!(
        s.swings(&[]),
        [
            swing("沁水县", 0, 20, 20, 0),
            swing("泽州县", 20, 27, 7, 0),
            swing("高平市", 20, 13, 0, 7),
        ]
    );
}

#[test]
fn fail_on_swing_needs_two_snapshots() {
    let s = setup("");
    let (code, _, err) = run(&[
        "audit",
        s.q4.as_str(),
        "--plan",
        s.plan.as_str(),
        "--fail-on",
        "swing",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--fail-on swing"), "{err}");
    assert!(err.contains("--baseline"), "{err}");
}

#[test]
fn trend_checks_each_pair_of_snapshots() {
    let s = setup("");
    let (code, out, err) = run(&[
        "trend",
        s.q3.as_str(),
        s.q4.as_str(),
        "--scope",
        "晋城市",
        "--plan",
        s.plan.as_str(),
        "--fail-on",
        "swing",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_default();
    let regions: Vec<&str> = v
        .as_array()
        .into_iter()
        .flatten()
        .filter(|o| o["finding"] == "swing")
        .filter_map(|o| o["region"].as_str())
        .collect();
    assert_eq!(
        regions,
        [
            "山西省/晋城市/沁水县",
            "山西省/晋城市/泽州县",
            "山西省/晋城市/高平市"
        ]
    );
}

#[test]
fn bad_swing_bounds_are_located() {
    let dir = tmp();
    let plan = one_target_plan(
        dir.path(),
        "\n[swing]\nmax_change = \"abc\"\n\n[swing.incubators]\nmin_records = -3\n",
    );
    let (code, _, err) = run(&["plan", "check", &plan.display().to_string()]);
    assert_eq!(code, 2, "{err}");
    let text = std::fs::read_to_string(&plan).unwrap_or_default();
    let line_of = |needle: &str| {
        text.lines()
            .position(|l| l.starts_with(needle))
            .map_or(0, |i| i + 1)
    };
    // `max_change = "abc"`: the value starts at column 14; `min_records = -3` at 15.
    assert!(
        err.contains(&format!("plan.toml:{}:14", line_of("max_change"))),
        "{err}"
    );
    assert!(err.contains("max_change must be a percentage"), "{err}");
    assert!(
        err.contains(&format!("plan.toml:{}:15", line_of("min_records"))),
        "{err}"
    );
    assert!(err.contains("min_records must be a whole number"), "{err}");
    // An unknown table.
    let plan = one_target_plan(dir.path(), "\n[swing.projects]\nmax_change = \"5%\"\n");
    let (code, _, err) = run(&["plan", "check", &plan.display().to_string()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("projects"), "{err}");
}

/// The README's demo: the Shanxi plan with `[swing] max_change = "5%"`, Q4 against Q3.
/// From `zhibiao diff fixtures/demo/2023Q3 fixtures/demo --by county` (organizations
/// active at each date): 阳泉市/城区 683 → 720 (+37, +5.42%) and 阳泉市/矿区 540 → 569
/// (+29, +5.37%) exceed 5%; the next largest, 晋城市/阳城县 1827 → 1914, is +4.76%. The
/// explanations file explains rural-pilot in 晋城市 (unmet, 0 / 1) and the swing of
/// 阳泉市/城区; the swing of 阳泉市/矿区 stays flagged.
#[test]
fn the_readme_demo() {
    let dir = tmp();
    let text =
        std::fs::read_to_string(root().join("rules/shanxi-2021-2023.toml")).unwrap_or_default();
    let plan = dir.path().join("方案.toml");
    write(&plan, &format!("{text}\n[swing]\nmax_change = \"5%\"\n"));
    let ex = dir.path().join("说明.toml");
    write(
        &ex,
        "[[explanation]]\ntarget = \"rural-pilot\"\nregion = \"晋城市\"\nreason = \"农村试点已于2024年1月批复，第二季度启动\"\nby = \"晋城市民政局 王××\"\nexpires = 2099-06-30\n\n\
         [[explanation]]\nissue = \"S501\"\nregion = \"阳泉市/城区\"\nreason = \"四季度集中补录已备案的组织\"\nby = \"城区民政局 李××\"\nexpires = 2099-03-31\n",
    );
    let (plan, ex) = (plan.display().to_string(), ex.display().to_string());
    // The PDF and Markdown too (the PDF font has no ✎: it draws ※).
    let md = dir.path().join("r.md");
    let pdf = dir.path().join("r.pdf");
    let (code, out, err) = run(&[
        "audit",
        "fixtures/demo",
        "--as-of",
        "2023-12-31",
        "--baseline",
        "fixtures/demo/2023Q3",
        "--plan",
        &plan,
        "--explain",
        &ex,
        "--width",
        "400",
        "-o",
        &md.display().to_string(),
        "-o",
        &pdf.display().to_string(),
    ]);
    assert_eq!(code, 1, "{err}");
    let md = std::fs::read_to_string(&md).unwrap_or_default();
    assert!(
        md.contains("\n- S501 阳泉市/矿区 的社区社会组织数 540 → 569（+5.4%，超过 ±5%；上期 2023-09-30）：新增 29，注销 0，迁入 0，迁出 0（照常计入）\n"),
        "{md}"
    );
    assert!(md.contains("⚠ 波动 S501 阳泉市/矿区"), "{md}");
    assert!(std::fs::metadata(&pdf).is_ok_and(|m| m.len() > 0));
    for line in [
        "✎ 波动已说明 S501 阳泉市/城区 的社区社会组织数 683 → 720（+5.4%，超过 ±5%；上期 2023-09-30）：新增 37，注销 0，迁入 0，迁出 0：四季度集中补录已备案的组织（城区民政局 李××）",
        "⚠ 波动 S501 阳泉市/矿区 的社区社会组织数 540 → 569（+5.4%，超过 ±5%；上期 2023-09-30）：新增 29，注销 0，迁入 0，迁出 0",
        "✎ 已说明 农村培育试点 晋城市（1 行）：农村试点已于2024年1月批复，第二季度启动（晋城市民政局 王××，有效至 2099-06-30）",
    ] {
        assert!(out.lines().any(|l| l == line), "{line}\n{out}");
    }
    assert_eq!(out.matches("S501").count(), 5, "{out}");
    // With the built-in plan (±30%) the demo's quarters swing nowhere.
    let (_, out, _) = run(&[
        "audit",
        "fixtures/demo",
        "--as-of",
        "2023-12-31",
        "--baseline",
        "fixtures/demo/2023Q3",
        "--format",
        "json",
    ]);
    assert!(!out.contains("\"finding\""), "{out}");
}

/// Three snapshots: the swings are between the first two; the last two are equal. The exit
/// code under `--fail-on swing` counts a swing between any two consecutive snapshots.
#[test]
fn trend_fails_on_a_swing_between_any_two_snapshots() {
    let s = setup("");
    let before = [("泽州县", 20)];
    let after = [("泽州县", 27)];
    let q2 = snapshot(&s.dir, "2023Q2", &before);
    let q3 = snapshot(&s.dir, "t/2023Q3", &after);
    let q4 = snapshot(&s.dir, "t/2023Q4", &after);
    let (q2, q3, q4) = (
        q2.display().to_string(),
        q3.display().to_string(),
        q4.display().to_string(),
    );
    let trend = |fail_on: &str| {
        run(&[
            "trend",
            q2.as_str(),
            q3.as_str(),
            q4.as_str(),
            "--scope",
            "晋城市",
            "--plan",
            s.plan.as_str(),
            "--fail-on",
            fail_on,
        ])
    };
    let (code, _, err) = trend("error");
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = trend("swing");
    assert_eq!(code, 1, "{err}");
}
