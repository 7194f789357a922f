//! Golden test of the demo audit.
//!
//! `tests/golden/demo-expected-long.csv` is written by `fixtures/demo/expected.py`, an
//! independent Python reading of the demo spreadsheets (openpyxl/csv; it shares no code
//! with zhibiao or with the fixture generator): per target and region the value, required,
//! gap and status that the plan's rules give at 2023-12-31. Every one of its 116 rows must
//! appear, equal, in zhibiao's CSV.
//!
//! `tests/golden/demo-audit.csv` is zhibiao's whole CSV for the same run, reviewed against
//! the Python figures when it was written; it catches any other change (rows, order,
//! formatting). Regenerate it with `UPDATE_GOLDEN=1 cargo test --test golden` and review
//! the diff.

use std::collections::HashMap;
use std::path::PathBuf;

use assert_cmd::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn demo_csv() -> String {
    let mut cmd = match Command::cargo_bin("zhibiao") {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    let out = cmd
        .current_dir(root())
        .args([
            "audit",
            "fixtures/demo",
            "--as-of",
            "2023-12-31",
            "--format",
            "csv",
            "--no-bom",
        ])
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn records(text: &str) -> Vec<csv::StringRecord> {
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .filter_map(Result::ok)
        .collect()
}

#[test]
fn demo_matches_the_independent_python_figures() {
    let ours = demo_csv();
    let mut by_key: HashMap<(String, String), csv::StringRecord> = HashMap::new();
    for r in records(&ours) {
        by_key.insert((r[1].to_string(), r[3].to_string()), r);
    }
    let expected = std::fs::read_to_string(root().join("tests/golden/demo-expected-long.csv"))
        .unwrap_or_default();
    let want = records(&expected);
    assert_eq!(want.len(), 116, "expected-long.csv should hold 116 rows");
    for w in &want {
        // target,region,value,required,gap,status
        let key = (w[0].to_string(), w[1].to_string());
        let Some(got) = by_key.get(&key) else {
            panic!("zhibiao has no row for {key:?}");
        };
        // plan,target,level,region,value,required,gap,status,due
        assert_eq!(
            (&got[4], &got[5], &got[6], &got[7]),
            (&w[2], &w[3], &w[4], &w[5]),
            "{key:?}"
        );
    }
}

#[test]
fn demo_csv_is_unchanged() {
    let ours = demo_csv();
    let path = root().join("tests/golden/demo-audit.csv");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        if let Err(e) = std::fs::write(&path, &ours) {
            panic!("{e}");
        }
    }
    let golden = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        golden == ours,
        "zhibiao's demo CSV differs from {}; review with UPDATE_GOLDEN=1 and git diff",
        path.display()
    );
}

/// The trend of the demo's three quarterly exports (demo/2023Q2/, demo/2023Q3/, demo/ as of
/// 2023-12-31): every row of each snapshot equals `expected.py`'s figures for that export at
/// its date (tests/golden/demo-2023Q2-expected-long.csv, …-2023Q3-…, demo-expected-long.csv),
/// and every `change` equals the difference of the two snapshots' Python values.
#[test]
fn demo_trend_matches_the_independent_python_figures() {
    let mut cmd = match Command::cargo_bin("zhibiao") {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    let out = match cmd
        .current_dir(root())
        .args([
            "trend",
            "fixtures/demo/2023Q2",
            "fixtures/demo/2023Q3",
            "fixtures/demo=2023-12-31",
            "--format",
            "csv",
            "--no-bom",
        ])
        .output()
    {
        Ok(o) => o,
        Err(e) => panic!("{e}"),
    };
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let header: Vec<String> = csv::Reader::from_reader(text.as_bytes())
        .headers()
        .map(|h| h.iter().map(str::to_string).collect())
        .unwrap_or_default();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let (as_of, change) = (col("as_of"), col("change"));
    let ours = records(&text);
    let mut by_key: HashMap<(String, String, String), csv::StringRecord> = HashMap::new();
    for r in &ours {
        by_key.insert(
            (r[1].to_string(), r[3].to_string(), r[as_of].to_string()),
            r.clone(),
        );
    }
    let snapshots = [
        ("2023-06-30", "demo-2023Q2-expected-long.csv"),
        ("2023-09-30", "demo-2023Q3-expected-long.csv"),
        ("2023-12-31", "demo-expected-long.csv"),
    ];
    let mut previous: HashMap<(String, String), String> = HashMap::new();
    let mut checked_changes = 0;
    for (date, file) in snapshots {
        let expected =
            std::fs::read_to_string(root().join("tests/golden").join(file)).unwrap_or_default();
        let want = records(&expected);
        assert_eq!(want.len(), 116, "{file} should hold 116 rows");
        let mut values: HashMap<(String, String), String> = HashMap::new();
        for w in &want {
            let key = (w[0].to_string(), w[1].to_string(), date.to_string());
            let Some(got) = by_key.get(&key) else {
                panic!("the trend has no row for {key:?}");
            };
            assert_eq!(
                (&got[4], &got[5], &got[6], &got[7]),
                (&w[2], &w[3], &w[4], &w[5]),
                "{key:?}"
            );
            let k = (w[0].to_string(), w[1].to_string());
            if let (Some(before), Ok(now)) = (previous.get(&k), w[2].parse::<f64>()) {
                if let Ok(b) = before.parse::<f64>() {
                    let want_change = now - b;
                    let got_change: f64 = got[change].parse().unwrap_or(f64::NAN);
                    assert!(
                        (got_change - want_change).abs() < 1e-6,
                        "{key:?}: change {got_change} ≠ {now} − {b}"
                    );
                    checked_changes += 1;
                }
            }
            values.insert(k, w[2].to_string());
        }
        previous = values;
    }
    // Two transitions × the rows with a value on both sides.
    assert!(checked_changes > 150, "{checked_changes}");
}
