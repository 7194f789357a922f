//! Milestones, not-yet-due targets and `--fail-on behind` (issue 8 §2), through the binary
//! on the demo ledgers with a one-target copy of the Shanxi plan (urban-density, due
//! 2023-12-31), under `--scope` of one city so that the other cities' absence does not
//! decide the exit code.
//!
//! Figures checked independently (fixtures/demo/expected.py's functions at each date, see
//! tests/movement.rs): urban organizations / urban communities
//!
//! | city   | 2023-06-30 | 2023-09-30 |
//! |--------|------------|------------|
//! | 晋城市 | 1296 / 176 = 7.36 | 1356 / 176 = 7.70 |
//! | 阳泉市 | 1473 / 157 = 9.38 | 1537 / 157 = 9.79 |
//!
//! Worked by hand (python3, quarter = 365.25 / 4 days):
//! - against the final 10: 晋城市 gap 1760 − 1296 = 464 → 1760 − 1356 = 404; 阳泉市 1570 −
//!   1473 = 97 → 1570 − 1537 = 33.
//! - 92 days between = 1.007529 quarters. 晋城市 pace 60 / 1.007529 = 59.55 a quarter,
//!   404 / 59.55 quarters = 619.5 → 620 days after 2023-09-30 = 2025-06-11: behind.
//!   阳泉市 pace 64 / 1.007529 = 63.52, 33 / 63.52 × 91.3125 = 47.4 → 48 days = 2023-11-17:
//!   on track.
//! - against a milestone of 9 by 2023-09-30: 晋城市 needs ⌈9 × 176⌉ = 1584, gap 228, unmet;
//!   阳泉市 needs 1413 ≤ 1537, met. Against 8 by 2023-06-30 (as of 2023-06-30): 晋城市 needs
//!   1408, gap 112, unmet.

use std::path::{Path, PathBuf};

mod common;
use common::{csv_rows, one_target_plan, run};

/// The one-target plan with `extra` lines, in `dir`.
fn plan_file(dir: &tempfile::TempDir, extra: &str) -> PathBuf {
    one_target_plan(dir.path(), extra)
}

fn tmp() -> tempfile::TempDir {
    match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    }
}

/// Audit the demo with `plan` at `as_of` under `--scope city`, CSV out.
fn audit(plan: &Path, city: &str, as_of: &str, more: &[&str]) -> (i32, Vec<Vec<String>>, String) {
    let mut args: Vec<String> = [
        "audit",
        "fixtures/demo",
        "--plan",
        &plan.display().to_string(),
        "--scope",
        city,
        "--as-of",
        as_of,
        "--format",
        "csv",
        "--no-bom",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(more.iter().map(|s| s.to_string()));
    let (code, out, err) = run(&args);
    (code, csv_rows(&out), err)
}

/// The named cells of the city row.
fn city_row(rows: &[Vec<String>], city: &str, names: &[&str]) -> Vec<String> {
    let header = &rows[0];
    let row = rows
        .iter()
        .find(|r| r.get(3).is_some_and(|x| x == &format!("山西省/{city}")))
        .unwrap_or_else(|| panic!("no row for {city} in {rows:?}"));
    names
        .iter()
        .map(|n| {
            let i = header
                .iter()
                .position(|h| h == n)
                .unwrap_or_else(|| panic!("no column {n}"));
            row[i].clone()
        })
        .collect()
}

#[test]
fn before_the_due_date_a_shortfall_is_not_due_and_does_not_fail() {
    let dir = tmp();
    let plan = plan_file(&dir, "");
    let (code, rows, err) = audit(&plan, "晋城市", "2023-09-30", &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        city_row(
            &rows,
            "晋城市",
            &["value", "required", "gap", "status", "milestone"]
        ),
        ["7.70", "10.00", "404", "not_due", ""]
    );
    // At the due date the same shortfall is unmet and fails.
    let (code, rows, err) = audit(&plan, "晋城市", "2023-12-31", &[]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(city_row(&rows, "晋城市", &["status"]), ["unmet"]);
}

#[test]
fn fail_on_behind_fails_a_city_behind_its_pace_and_passes_one_on_track() {
    let dir = tmp();
    let plan = plan_file(&dir, "");
    let base = [
        "--baseline",
        "fixtures/demo",
        "--baseline-as-of",
        "2023-06-30",
    ];
    let mut behind = base.to_vec();
    behind.extend(["--fail-on", "behind"]);
    let (code, rows, err) = audit(&plan, "晋城市", "2023-09-30", &behind);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        city_row(
            &rows,
            "晋城市",
            &[
                "status",
                "gap",
                "pace_needed",
                "pace_actual",
                "projected_date",
                "outlook"
            ]
        ),
        ["not_due", "404", "400.98", "59.55", "2025-06-11", "behind"]
    );
    // The default --fail-on error does not fail a not-yet-due target, behind or not.
    let (code, _, err) = audit(&plan, "晋城市", "2023-09-30", &base);
    assert_eq!(code, 0, "{err}");
    // 阳泉市 is on track: passes under --fail-on behind.
    let (code, rows, err) = audit(&plan, "阳泉市", "2023-09-30", &behind);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        city_row(
            &rows,
            "阳泉市",
            &["status", "gap", "projected_date", "outlook"]
        ),
        ["not_due", "33", "2023-11-17", "on_track"]
    );
}

#[test]
fn fail_on_behind_needs_a_baseline() {
    let dir = tmp();
    let plan = plan_file(&dir, "");
    let (code, _, err) = audit(&plan, "晋城市", "2023-09-30", &["--fail-on", "behind"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--baseline"), "{err}");
}

#[test]
fn the_latest_milestone_on_or_before_the_as_of_date_is_judged() {
    let dir = tmp();
    let plan = plan_file(
        &dir,
        "milestones = [{ by = 2023-06-30, min = 8 }, { by = 2023-09-30, min = 9 }]",
    );
    // As of 2023-09-30 the milestone of 9 applies: 晋城市 unmet (fails), 阳泉市 met.
    let (code, rows, err) = audit(&plan, "晋城市", "2023-09-30", &[]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        city_row(
            &rows,
            "晋城市",
            &["value", "required", "gap", "status", "milestone"]
        ),
        ["7.70", "9.00", "228", "unmet", "2023-09-30"]
    );
    let (code, rows, err) = audit(&plan, "阳泉市", "2023-09-30", &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        city_row(&rows, "阳泉市", &["required", "gap", "status", "milestone"]),
        ["9.00", "0", "met", "2023-09-30"]
    );
    // As of the first milestone's date, that milestone: 8.
    let (_, rows, _) = audit(&plan, "晋城市", "2023-06-30", &[]);
    assert_eq!(
        city_row(
            &rows,
            "晋城市",
            &["value", "required", "gap", "status", "milestone"]
        ),
        ["7.36", "8.00", "112", "unmet", "2023-06-30"]
    );
    // The pace is still measured toward the target's own 10 (gap 404, not 228).
    let (_, rows, _) = audit(
        &plan,
        "晋城市",
        "2023-09-30",
        &[
            "--baseline",
            "fixtures/demo",
            "--baseline-as-of",
            "2023-06-30",
        ],
    );
    assert_eq!(
        city_row(
            &rows,
            "晋城市",
            &["pace_needed", "projected_date", "outlook"]
        ),
        ["400.98", "2025-06-11", "behind"]
    );
}
