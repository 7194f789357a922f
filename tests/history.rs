//! `zhibiao audit --history FILE` through the binary on the demo: recorded once, the same
//! inputs again not duplicated, another as-of a second snapshot, a corrected export for the
//! same as-of a revision that readers then use.
//!
//! Expected figures: fixtures/demo/EXPECTED.md (computed independently by expected.py):
//! urban-density 阳泉市 1619 orgs / 157 urban communities = 10.31 (met); 晋城市 1409 / 176 =
//! 8.01, gap ⌈10 × 176⌉ − 1409 = 351; the province 9.09 from 2 of 11 cities. The corrected
//! copy drops one active 文体活动类 organization of an urban community of 晋城市 (row 4,
//! 建设路社区夕阳红乒乓球协会, 城区/东街街道/建设路社区居委会, founded 2014, not dissolved):
//! 晋城市 1408 / 176 = 8.00, gap 1760 − 1408 = 352; 阳泉市 unchanged.

use std::path::Path;

use rusqlite::Connection;
use zhibiao::history::History;

mod common;
use common::{root, run};

fn ok<T, E: std::fmt::Display>(r: Result<T, E>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{e}"),
    }
}

fn audit(inputs: &Path, as_of: &str, history: &Path) -> (i32, String, String) {
    run(&[
        "audit".as_ref(),
        inputs.as_os_str(),
        "--as-of".as_ref(),
        as_of.as_ref(),
        "--history".as_ref(),
        history.as_os_str(),
    ])
}

fn one<T: rusqlite::types::FromSql>(db: &Connection, sql: &str) -> T {
    ok(db.query_row(sql, [], |r| r.get(0)))
}

/// (value, status, gap) of a row of the newest revision.
fn latest(
    db: &Connection,
    as_of: &str,
    target: &str,
    region: &str,
) -> (Option<f64>, String, Option<i64>) {
    ok(db.query_row(
        "SELECT value, status, gap FROM latest_row WHERE as_of = ?1 AND target = ?2 AND region = ?3",
        [as_of, target, region],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    ))
}

fn sha256_hex(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(ok(std::fs::read(path)))
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn history_records_dedups_and_revises() {
    let dir = ok(tempfile::tempdir());
    let hist = dir.path().join("历史.sqlite");
    let demo = root().join("fixtures/demo");

    // 1. First record: snapshot 1, revision 1; the audit's own exit code (1) is unchanged.
    let (code, _, err) = audit(&demo, "2023-12-31", &hist);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("已记入历史 recorded in history:") && err.contains("(snapshot 1, revision 1)"),
        "{err}"
    );

    // 2. Same inputs again: nothing written.
    let (code, _, err) = audit(&demo, "2023-12-31", &hist);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("历史中已有相同快照 already in history:")
            && err.contains("(snapshot 1, revision 1)"),
        "{err}"
    );
    let db = ok(Connection::open(&hist));
    assert_eq!(one::<i64>(&db, "SELECT count(*) FROM snapshot"), 1);

    // Every row of the long result is there, in its order, with the CSV's cells.
    let (_, csv, _) = run(&[
        "audit",
        "fixtures/demo",
        "--as-of",
        "2023-12-31",
        "--format",
        "csv",
        "--no-bom",
    ]);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let csv_rows: Vec<csv::StringRecord> = reader.records().map(ok).collect();
    assert!(csv_rows.len() > 100, "{}", csv_rows.len());
    assert_eq!(
        one::<i64>(&db, "SELECT count(*) FROM result_row WHERE snapshot_id = 1"),
        csv_rows.len() as i64
    );
    let mut st = ok(db.prepare(
        "SELECT target, level, region, value, required, gap, status, due, partial, decimals
         FROM result_row WHERE snapshot_id = 1 ORDER BY seq",
    ));
    let stored: Vec<[String; 9]> = ok(ok(st.query_map([], |r| {
        let dec = usize::from(r.get::<_, u8>(9)?);
        let num = |v: Option<f64>| v.map(|x| format!("{x:.dec$}")).unwrap_or_default();
        Ok([
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            num(r.get(3)?),
            num(r.get(4)?),
            r.get::<_, Option<i64>>(5)?
                .map(|g| g.to_string())
                .unwrap_or_default(),
            r.get(6)?,
            r.get(7)?,
            r.get::<_, Option<String>>(8)?.unwrap_or_default(),
        ])
    }))
    .collect::<Result<Vec<_>, _>>());
    for (csv_row, db_row) in csv_rows.iter().zip(&stored) {
        // Skip `plan`; the stored row has no `as_of` cell (the snapshot holds it).
        let cells: Vec<&str> = csv_row.iter().skip(1).take(9).collect();
        assert_eq!(cells, db_row.iter().map(String::as_str).collect::<Vec<_>>());
    }

    // The demo's golden figures, as numbers.
    assert_eq!(
        latest(&db, "2023-12-31", "urban-density", "山西省/阳泉市"),
        (Some(10.31), "met".to_string(), Some(0))
    );
    assert_eq!(
        latest(&db, "2023-12-31", "urban-density", "山西省/晋城市"),
        (Some(8.01), "unmet".to_string(), Some(351))
    );
    // A city with no data: value and gap NULL.
    assert_eq!(
        latest(&db, "2023-12-31", "urban-density", "山西省/太原市"),
        (None, "no_data".to_string(), None)
    );
    assert_eq!(
        one::<String>(
            &db,
            "SELECT partial FROM result_row WHERE target = 'urban-density' AND region = '山西省'"
        ),
        "2/11"
    );
    // The six spreadsheets of the demo with their SHA-256.
    assert_eq!(one::<i64>(&db, "SELECT count(*) FROM snapshot_input"), 6);
    let funds = demo.join("经费.csv");
    assert_eq!(
        one::<String>(
            &db,
            "SELECT sha256 FROM snapshot_input WHERE path LIKE '%经费.csv'"
        ),
        sha256_hex(&funds)
    );

    // 3. Another as-of: a second snapshot.
    let (code, _, err) = audit(&demo, "2023-09-30", &hist);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("(snapshot 2, revision 1)"), "{err}");

    // 4. A corrected export for 2023-12-31: revision 2, used from now on.
    let copy = dir.path().join("demo-corrected");
    ok(std::fs::create_dir(&copy));
    for entry in ok(std::fs::read_dir(&demo)) {
        let p = ok(entry).path();
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.ends_with(".csv") || name.ends_with(".xlsx") {
            ok(std::fs::copy(&p, copy.join(&name)));
        }
    }
    let ledger = copy.join("晋城市社区社会组织台账.csv");
    let bytes = ok(std::fs::read(&ledger));
    let (text, _, bad) = encoding_rs::GBK.decode(&bytes);
    assert!(!bad);
    let kept: Vec<&str> = text
        .split_inclusive('\n')
        .filter(|l| {
            !l.starts_with(
                "4,建设路社区夕阳红乒乓球协会,晋城市,城区,东街街道,建设路社区居委会,文体活动类",
            )
        })
        .collect();
    assert_eq!(kept.len(), text.split_inclusive('\n').count() - 1);
    let corrected = kept.concat();
    let (gbk, _, bad) = encoding_rs::GBK.encode(&corrected);
    assert!(!bad);
    ok(std::fs::write(&ledger, gbk));

    let (code, _, err) = audit(&copy, "2023-12-31", &hist);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("(snapshot 3, revision 2)"), "{err}");
    assert_eq!(one::<i64>(&db, "SELECT count(*) FROM snapshot"), 3);
    assert_eq!(one::<i64>(&db, "SELECT count(*) FROM latest_snapshot"), 2);
    assert_eq!(
        latest(&db, "2023-12-31", "urban-density", "山西省/晋城市"),
        (Some(8.0), "unmet".to_string(), Some(352))
    );
    assert_eq!(
        latest(&db, "2023-12-31", "urban-density", "山西省/阳泉市"),
        (Some(10.31), "met".to_string(), Some(0))
    );
    // Revision 1 is kept.
    assert_eq!(
        one::<f64>(
            &db,
            "SELECT value FROM result_row WHERE snapshot_id = 1 AND target = 'urban-density' \
             AND region = '山西省/晋城市'"
        ),
        8.01
    );

    // The read API that `trend` uses sees the newest revision per as-of.
    let h = ok(History::open(&hist));
    let seen: Vec<(String, u32, i64)> = ok(h.snapshots("shanxi-2021-2023"))
        .iter()
        .map(|s| (s.as_of.to_string(), s.revision, s.id))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("2023-09-30".to_string(), 1, 2),
            ("2023-12-31".to_string(), 2, 3)
        ]
    );
    let rows = ok(h.rows(3));
    let jc = rows
        .iter()
        .find(|r| r.target == "urban-density" && r.region == "山西省/晋城市");
    assert_eq!(jc.map(|r| (r.value, r.gap)), Some((Some(8.0), Some(352))));
}

#[test]
fn a_history_that_cannot_be_written_exits_2_naming_it() {
    let dir = ok(tempfile::tempdir());
    // Not a database: a CSV given by mistake.
    let bad = dir.path().join("gaps.csv");
    ok(std::fs::write(&bad, "plan,target,level\n".repeat(100)));
    let (code, _, err) = audit(&root().join("fixtures/demo"), "2023-12-31", &bad);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--history") && err.contains("gaps.csv"),
        "{err}"
    );
    // A folder that does not exist.
    let missing = dir.path().join("no/such/dir/h.sqlite");
    let (code, _, err) = audit(&root().join("fixtures/demo"), "2023-12-31", &missing);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("h.sqlite"), "{err}");
}

/// `trend` of the three quarterly exports recorded with `--history` (each snapshot recorded
/// as it is audited) and then `trend --history FILE` alone give the same CSV: every value,
/// gap, status, change, change in records, pace, projected date and outlook survives the
/// round trip through SQLite (the figures themselves are checked against expected.py in
/// tests/golden.rs).
#[test]
fn trend_from_the_history_alone_equals_the_trend_of_the_exports() {
    let dir = ok(tempfile::tempdir());
    let hist = dir.path().join("历史.sqlite");
    let snapshots = [
        "fixtures/demo/2023Q2",
        "fixtures/demo/2023Q3",
        "fixtures/demo=2023-12-31",
    ];
    let mut args: Vec<&std::ffi::OsStr> = vec!["trend".as_ref()];
    args.extend(snapshots.iter().map(std::ffi::OsStr::new));
    args.extend(["--format", "csv", "--history"].map(std::ffi::OsStr::new));
    args.push(hist.as_os_str());
    let (code, from_exports, err) = run(&args);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        err.matches("已记入历史 recorded in history").count(),
        3,
        "{err}"
    );

    let (code, from_history, err) = run(&[
        "trend".as_ref(),
        "--history".as_ref(),
        hist.as_os_str(),
        "--format".as_ref(),
        "csv".as_ref(),
    ]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(err.matches("取自历史 from history").count(), 3, "{err}");
    assert!(from_exports.lines().count() > 300);
    assert_eq!(from_history, from_exports);

    // A scope never recorded is an error naming the recorded ones.
    let (code, _, err) = run(&[
        "trend".as_ref(),
        "--history".as_ref(),
        hist.as_os_str(),
        "--scope".as_ref(),
        "太原市".as_ref(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("recorded scopes: 山西省"), "{err}");
    // And trend with neither snapshots nor a history is a usage error.
    let (code, _, err) = run(&["trend"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--history"), "{err}");
}
