//! Stray files, zhibiao's own outputs, identical copies, kind ties, `--exclude`,
//! `--strict`, `inspect` on a folder with a broken file, and dates that are not dates —
//! all through the real binary on copies of `fixtures/stray` and `fixtures/demo` in
//! temporary folders. The expected figures are worked out by hand in
//! `fixtures/stray/EXPECTED.md` (stray fixtures) and `fixtures/demo/EXPECTED.md` (demo).

use std::path::{Path, PathBuf};

mod common;
use common::{root, run};

fn tempdir() -> tempfile::TempDir {
    match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    }
}

/// Copy `from` (relative to the repo) to `dir/name`.
fn copy(from: &str, dir: &Path, name: &str) -> PathBuf {
    let to = dir.join(name);
    if let Err(e) = std::fs::copy(root().join(from), &to) {
        panic!("copy {from}: {e}");
    }
    to
}

/// A copy of fixtures/demo (every file, the non-spreadsheets too; not the earlier
/// quarters' folders).
fn demo_copy() -> tempfile::TempDir {
    let dir = tempdir();
    let entries = match std::fs::read_dir(root().join("fixtures/demo")) {
        Ok(e) => e,
        Err(e) => panic!("{e}"),
    };
    for e in entries.flatten().filter(|e| e.path().is_file()) {
        let name = e.file_name().to_string_lossy().into_owned();
        copy(&format!("fixtures/demo/{name}"), dir.path(), &name);
    }
    dir
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// The row of the long CSV for (target, region): (value, required, gap, status).
fn row(csv_text: &str, target: &str, region: &str) -> (String, String, String, String) {
    let text = csv_text.trim_start_matches('\u{feff}');
    for r in csv::Reader::from_reader(text.as_bytes())
        .records()
        .flatten()
    {
        if &r[1] == target && &r[3] == region {
            return (
                r[4].to_string(),
                r[5].to_string(),
                r[6].to_string(),
                r[7].to_string(),
            );
        }
    }
    panic!("no row {target} {region} in\n{csv_text}");
}

fn tuple(v: &str, r: &str, g: &str, st: &str) -> (String, String, String, String) {
    (v.into(), r.into(), g.into(), st.into())
}

const ASOF: [&str; 2] = ["--as-of", "2023-12-31"];

#[test]
fn a_stray_file_in_a_folder_is_passed_over_but_named_or_strict_it_is_an_error() {
    let dir = tempdir();
    copy(
        "fixtures/stray/communities.csv",
        dir.path(),
        "communities.csv",
    );
    copy("fixtures/stray/projects.csv", dir.path(), "projects.csv");
    let stray = copy("fixtures/stray/通讯录.csv", dir.path(), "通讯录.csv");
    let d = s(dir.path());

    // The audit goes on: 晋城市 has 3 brand projects (EXPECTED.md), unmet → exit 1.
    let (code, out, err) = run(&["audit", &d, ASOF[0], ASOF[1], "--format", "csv"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        row(&out, "brand-projects", "山西省/晋城市"),
        tuple("3", "10", "7", "unmet")
    );
    let (code, out, err) = run(&["audit", &d, ASOF[0], ASOF[1], "--width", "400"]);
    assert_eq!(code, 1, "{err}");
    let want = format!(
        "已忽略：{}: 表头不符合任何表类型 / header fits no table kind (header seen: 姓名 | 职务 | 电话)",
        s(&stray)
    );
    assert!(out.contains(&want), "missing {want:?} in\n{out}");

    // Named explicitly, it is an error.
    let (code, _, err) = run(&[
        "audit",
        &s(&dir.path().join("communities.csv")),
        &s(&dir.path().join("projects.csv")),
        &s(&stray),
        ASOF[0],
        ASOF[1],
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("通讯录.csv") && err.contains("找不到表头"),
        "{err}"
    );

    // --strict: a passed-over folder file is an error too.
    let (code, _, err) = run(&["audit", &d, ASOF[0], ASOF[1], "--strict"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("通讯录.csv") && err.contains("--strict") && err.contains("header fits no"),
        "{err}"
    );
}

#[test]
fn own_outputs_in_the_ledger_folder_change_nothing() {
    let dir = demo_copy();
    let d = s(dir.path());
    let gaps = dir.path().join("gaps.csv");
    let (code, _, err) = run(&[
        "audit",
        &d,
        ASOF[0],
        ASOF[1],
        "-o",
        &s(&gaps),
        "-o",
        &s(&dir.path().join("gaps.xlsx")),
        "-o",
        &s(&dir.path().join("gaps.json")),
        "--rejects",
        &s(&dir.path().join("rejects.csv")),
    ]);
    assert_eq!(code, 1, "{err}");
    let first = std::fs::read_to_string(&gaps).unwrap_or_default();
    assert!(first.contains("brand-projects"), "{first}");

    // Next quarter's run over the same folder: the same figures, byte for byte.
    let (code, second, err) = run(&["audit", &d, ASOF[0], ASOF[1], "--format", "csv"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(second, first);
    // … and the outputs are named as passed over.
    let (_, table, _) = run(&["audit", &d, ASOF[0], ASOF[1]]);
    for name in ["gaps.csv", "gaps.xlsx", "rejects.csv"] {
        let want = format!("{}: zhibiao 的输出文件", s(&dir.path().join(name)));
        assert!(table.contains(&want), "missing {want:?} in\n{table}");
    }
    assert!(table.contains("gaps.json: 不是表格文件"), "{table}");
    // Named explicitly, an output is an error, not a ledger.
    let (code, _, err) = run(&["audit", &s(&gaps), ASOF[0], ASOF[1]]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("an output of zhibiao (gap_table)"), "{err}");
}

#[test]
fn english_projects_and_events_are_told_apart_by_file_name_then_values() {
    // Hand-computed (fixtures/stray/EXPECTED.md): brand projects 晋城市 3 (泽州县, 城区,
    // city level), 阳泉市 1 (盂县); 能力培训 at 阳泉市 (county blank) in 2021, 2022 and
    // 2023 → 3 of 3 years, met; 优质项目评选 at 晋城市 in 2022 only → 1 of 3.
    let check = |dir: &Path, projects: &str, clue: &str| {
        let d = s(dir);
        let (code, out, err) = run(&["inspect", &d]);
        assert_eq!(code, 0, "{err}");
        let block = out
            .split("\n\n")
            .find(|b| b.starts_with(&s(&dir.join(projects))))
            .unwrap_or_default()
            .to_string();
        assert!(block.contains("类型 kind: projects 项目"), "{out}");
        assert!(block.contains(clue), "missing {clue:?} in\n{block}");
        let (code, out, err) = run(&["audit", &d, ASOF[0], ASOF[1], "--format", "csv"]);
        assert_eq!(code, 1, "{err}");
        assert_eq!(
            row(&out, "brand-projects", "山西省/晋城市"),
            tuple("3", "10", "7", "unmet")
        );
        assert_eq!(
            row(&out, "brand-projects", "山西省/阳泉市"),
            tuple("1", "10", "9", "unmet")
        );
        assert_eq!(
            row(&out, "training-city", "山西省/阳泉市"),
            tuple("3", "3", "0", "met")
        );
        assert_eq!(
            row(&out, "selection-city", "山西省/晋城市"),
            tuple("1", "3", "2", "unmet")
        );
    };

    // By file name.
    let dir = tempdir();
    copy(
        "fixtures/stray/communities.csv",
        dir.path(),
        "communities.csv",
    );
    copy("fixtures/stray/projects.csv", dir.path(), "projects.csv");
    copy("fixtures/stray/events.csv", dir.path(), "events.csv");
    check(dir.path(), "projects.csv", "file name says \"project\"");

    // Names that say nothing: by the values of the kind column (6 of 6 are project kinds).
    let dir = tempdir();
    copy(
        "fixtures/stray/communities.csv",
        dir.path(),
        "communities.csv",
    );
    copy("fixtures/stray/projects.csv", dir.path(), "export-a.csv");
    copy("fixtures/stray/events.csv", dir.path(), "export-b.csv");
    check(
        dir.path(),
        "export-a.csv",
        "6 of 6 values of the kind column belong to this kind only",
    );

    // A real tie: one project kind and one event kind, and a name that says nothing.
    let dir = tempdir();
    copy(
        "fixtures/stray/communities.csv",
        dir.path(),
        "communities.csv",
    );
    copy("fixtures/stray/tie.csv", dir.path(), "export.csv");
    let (code, _, err) = run(&["audit", &s(dir.path()), ASOF[0], ASOF[1]]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("export.csv")
            && err.contains("projects")
            && err.contains("events")
            && err.contains("--kind")
            && err.contains("projects 1/2, events 1/2"),
        "{err}"
    );
}

#[test]
fn inspect_lists_every_file_then_exits_2() {
    let dir = tempdir();
    copy(
        "fixtures/stray/communities.csv",
        dir.path(),
        "a-communities.csv",
    );
    let garbage = copy("fixtures/messy/garbage.xlsx", dir.path(), "b-garbage.xlsx");
    let missing = copy(
        "fixtures/messy/missing-column.csv",
        dir.path(),
        "c-missing-column.csv",
    );
    copy("fixtures/stray/projects.csv", dir.path(), "d-projects.csv");
    let (code, out, err) = run(&["inspect", &s(dir.path())]);
    assert_eq!(code, 2, "{err}");
    // Both good files are listed with their accounting (communities.csv: 96 rows, see
    // EXPECTED.md; projects: 6) …
    assert!(out.contains("读取 96 行 = 使用 96 行"), "{out}");
    assert!(out.contains("d-projects.csv"), "{out}");
    assert!(out.contains("读取 6 行 = 使用 6 行"), "{out}");
    // … and both broken ones with their errors, after the tables.
    let g = format!("无法读取 failed: {}", s(&garbage));
    let m = format!("无法读取 failed: {}", s(&missing));
    assert!(out.contains(&g) && out.contains(&m), "{out}");
    assert!(out.find(&g) > out.find("d-projects.csv"), "{out}");
    assert!(err.contains("2 file(s) could not be read"), "{err}");
    // The audit stops at the first.
    let (code, _, err) = run(&["audit", &s(dir.path()), ASOF[0], ASOF[1]]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("b-garbage.xlsx"), "{err}");
}

#[test]
fn an_identical_copy_is_read_once_and_exclude_leaves_a_file_out() {
    // The demo alone: 晋城市 brand-projects 7 / 10, unmet (fixtures/demo/EXPECTED.md).
    let (code, alone, err) = run(&[
        "audit",
        "fixtures/demo",
        ASOF[0],
        ASOF[1],
        "--format",
        "csv",
    ]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        row(&alone, "brand-projects", "山西省/晋城市"),
        tuple("7", "10", "3", "unmet")
    );

    let dir = demo_copy();
    let d = s(dir.path());
    let copy_path = copy(
        "fixtures/demo/项目与活动.xlsx",
        dir.path(),
        "项目与活动 (1).xlsx",
    );
    let (code, out, err) = run(&["audit", &d, ASOF[0], ASOF[1], "--format", "csv"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(out, alone, "the copy must not double the projects");
    let (_, table, _) = run(&["audit", &d, ASOF[0], ASOF[1]]);
    // The shorter name is read, the copy named.
    let want = format!(
        "已忽略：{}: 与 {} 内容相同，只读一次",
        s(&copy_path),
        s(&dir.path().join("项目与活动.xlsx"))
    );
    assert!(table.contains(&want), "missing {want:?} in\n{table}");
    // --strict refuses the copy.
    let (code, _, err) = run(&["audit", &d, ASOF[0], ASOF[1], "--strict"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("项目与活动 (1).xlsx") && err.contains("same content"),
        "{err}"
    );

    // --exclude by file name: a file inside the folder; the same figures, no copy note.
    let (code, out, err) = run(&[
        "audit",
        &d,
        ASOF[0],
        ASOF[1],
        "--exclude",
        "项目与活动 (1).xlsx",
        "--strict",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(out, alone);
    let (_, table, _) = run(&["audit", &d, ASOF[0], ASOF[1], "--exclude", &s(&copy_path)]);
    let want = format!("已忽略：{}: 按 --exclude 排除", s(&copy_path));
    assert!(table.contains(&want), "missing {want:?} in\n{table}");
    assert!(!table.contains("内容相同"), "{table}");
    // Excluding the original instead reads the copy: still the same figures.
    let (code, out, err) = run(&[
        "audit",
        &d,
        ASOF[0],
        ASOF[1],
        "--exclude",
        &s(&dir.path().join("项目与活动.xlsx")),
        "--format",
        "csv",
    ]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(out, alone);
    // An --exclude that matches nothing is an error (typo protection).
    let (code, _, err) = run(&[
        "audit",
        &d,
        ASOF[0],
        ASOF[1],
        "--exclude",
        "项目与活动(1).xlsx",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("matches no input file"), "{err}");
}

#[test]
fn the_same_file_named_twice_is_read_once() {
    let c = "fixtures/stray/communities.csv";
    let p = "fixtures/stray/projects.csv";
    let (code, out, err) = run(&["audit", c, p, p, ASOF[0], ASOF[1], "--format", "csv"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        row(&out, "brand-projects", "山西省/晋城市"),
        tuple("3", "10", "7", "unmet")
    );
    let (_, table, _) = run(&["audit", c, p, p, ASOF[0], ASOF[1]]);
    let want = "已忽略：fixtures/stray/projects.csv: 同一文件给出两次，只读一次";
    assert!(table.contains(want), "missing {want:?} in\n{table}");
}

#[test]
fn a_date_that_is_not_a_date_counts_the_row_as_if_blank() {
    let c = "fixtures/stray/communities.csv";
    let o = "fixtures/stray/organizations-bad-dates.csv";
    let (code, out, err) = run(&["inspect", c, o]);
    assert_eq!(code, 0, "{err}");
    // 3 rows, all used: 成立日期 不详 (row 3) and 注销日期 待定 (row 4) are data issues.
    assert!(out.contains("读取 3 行 = 使用 3 行"), "{out}");
    for want in [
        "第3行 [成立日期]：V102 成立日期 \"不详\" 不是日期",
        "第4行 [注销日期]：V102 注销日期 \"待定\" 不是日期",
        "），按空白计（照常计入）",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
    // All three brand organizations count (none founded after, none dissolved by the
    // as-of date): 3 of the 5 required.
    let (code, out, err) = run(&["audit", c, o, ASOF[0], ASOF[1], "--format", "csv"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        row(&out, "brand-orgs", "山西省/阳泉市"),
        tuple("3", "5", "2", "unmet")
    );
}
