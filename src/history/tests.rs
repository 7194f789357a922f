//! History round trip, de-duplication, revisions and schema versions, on temporary files.
//! The expected figures are the ones put in by hand below.

use super::*;

fn date(s: &str) -> NaiveDate {
    match NaiveDate::parse_from_str(s, DATE) {
        Ok(d) => d,
        Err(e) => panic!("{s}: {e}"),
    }
}

fn at(s: &str) -> NaiveDateTime {
    match NaiveDateTime::parse_from_str(s, DATETIME) {
        Ok(d) => d,
        Err(e) => panic!("{s}: {e}"),
    }
}

fn ok<T, E: std::fmt::Display>(r: Result<T, E>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{e}"),
    }
}

fn input(path: &str, sha: char) -> InputFile {
    InputFile {
        path: path.to_string(),
        sha256: sha.to_string().repeat(64),
    }
}

/// Three rows covering every kind of cell: a met density (value 10.31 = 1619/157 rounded,
/// as the demo's 阳泉市), a no-data city (value and gap NULL), and a partial province
/// info figure (required and gap NULL, partial "2/11").
fn snapshot(as_of: &str, inputs: Vec<InputFile>) -> Snapshot {
    let row = |target: &str, level, region: &str| StoredRow {
        target: target.to_string(),
        level,
        region: region.to_string(),
        value: None,
        required: None,
        gap: None,
        status: Status::NoData,
        due: date("2023-12-31"),
        partial: None,
        decimals: 2,
        assessed: true,
        severity: Severity::Error,
        count: None,
        gap_final: None,
        milestone: None,
    };
    Snapshot {
        plan: "shanxi-2021-2023".into(),
        plan_title: "山西省社区社会组织培育发展计划".into(),
        scope: "山西省".into(),
        as_of: date(as_of),
        recorded_at: at("2024-01-15 09:30:00"),
        settings: "by=city;urban_rural=name".into(),
        inputs,
        rows: vec![
            StoredRow {
                value: Some(10.31),
                required: Some(10.0),
                gap: Some(0),
                status: Status::Met,
                count: Some(1619),
                gap_final: Some(0),
                ..row("urban-density", Level::City, "山西省/阳泉市")
            },
            row("urban-density", Level::City, "山西省/太原市"),
            StoredRow {
                value: Some(1234.5),
                status: Status::Info,
                partial: Some("2/11".into()),
                decimals: 1,
                assessed: false,
                severity: Severity::Warning,
                ..row("funding", Level::Province, "山西省")
            },
        ],
    }
}

fn count(h: &History, sql: &str) -> i64 {
    ok(h.conn.query_row(sql, [], |r| r.get(0)))
}

#[test]
fn round_trip_keeps_numbers_and_nulls() {
    let dir = ok(tempfile::tempdir());
    let path = dir.path().join("h.sqlite");
    let snap = snapshot(
        "2023-12-31",
        vec![input("a.csv", 'a'), input("b.xlsx", 'b')],
    );
    let id = {
        let mut h = ok(History::open(&path));
        match ok(h.record(&snap)) {
            Recorded::New { id, revision: 1 } => id,
            other => panic!("{other:?}"),
        }
    };
    // Reopened: the file holds it.
    let h = ok(History::open(&path));
    assert_eq!(ok(h.rows(id)), snap.rows);
    let infos = ok(h.snapshots("shanxi-2021-2023"));
    assert_eq!(infos.len(), 1);
    let info = &infos[0];
    assert_eq!(info.id, id);
    assert_eq!(info.as_of, date("2023-12-31"));
    assert_eq!(info.revision, 1);
    assert_eq!(info.recorded_at, at("2024-01-15 09:30:00"));
    assert_eq!(info.inputs, snap.inputs);
    assert_eq!(info.scope, "山西省");
    assert_eq!(info.settings, "by=city;urban_rural=name");
    assert_eq!(
        ok(h.plans()),
        vec![("shanxi-2021-2023".to_string(), snap.plan_title.clone())]
    );
    // Numbers are stored as numbers and empty cells as NULL, for analysts' SQL.
    assert_eq!(
        count(
            &h,
            "SELECT count(*) FROM result_row WHERE typeof(value) = 'real'"
        ),
        2
    );
    assert_eq!(
        count(&h, "SELECT count(*) FROM result_row WHERE value IS NULL"),
        1
    );
    assert_eq!(
        count(&h, "SELECT count(*) FROM result_row WHERE gap IS NULL"),
        2
    );
    assert_eq!(
        count(
            &h,
            "SELECT count(*) FROM result_row WHERE typeof(gap) = 'integer'"
        ),
        1
    );
    let v: f64 = ok(h.conn.query_row(
        "SELECT value FROM latest_row WHERE target = 'urban-density' AND region = '山西省/阳泉市'",
        [],
        |r| r.get(0),
    ));
    assert_eq!(v, 10.31);
    assert!(ok(h.snapshots("other-plan")).is_empty());
}

#[test]
fn the_same_snapshot_twice_is_recorded_once() {
    let dir = ok(tempfile::tempdir());
    let path = dir.path().join("h.sqlite");
    let mut h = ok(History::open(&path));
    let first = ok(h.record(&snapshot(
        "2023-12-31",
        vec![input("a.csv", 'a'), input("b.csv", 'b')],
    )));
    let Recorded::New { id, revision: 1 } = first else {
        panic!("{first:?}")
    };
    // Same hashes, other order and other paths (a copied folder): the same snapshot.
    let mut again = snapshot(
        "2023-12-31",
        vec![input("copy/b.csv", 'b'), input("copy/a.csv", 'a')],
    );
    again.recorded_at = at("2024-02-01 08:00:00");
    assert_eq!(
        ok(h.record(&again)),
        Recorded::AlreadyThere {
            id,
            revision: 1,
            latest: true
        }
    );
    assert_eq!(count(&h, "SELECT count(*) FROM snapshot"), 1);
    assert_eq!(count(&h, "SELECT count(*) FROM result_row"), 3);
    assert_eq!(count(&h, "SELECT count(*) FROM snapshot_input"), 2);
    // Another as-of of the same inputs is another snapshot, revision 1 of its own series.
    assert!(matches!(
        ok(h.record(&snapshot(
            "2023-09-30",
            vec![input("a.csv", 'a'), input("b.csv", 'b')]
        ))),
        Recorded::New { revision: 1, .. }
    ));
    assert_eq!(count(&h, "SELECT count(*) FROM snapshot"), 2);
}

#[test]
fn another_export_for_the_same_as_of_is_a_revision() {
    let dir = ok(tempfile::tempdir());
    let path = dir.path().join("h.sqlite");
    let mut h = ok(History::open(&path));
    let r1 = ok(h.record(&snapshot("2023-12-31", vec![input("a.csv", 'a')])));
    let q3 = ok(h.record(&snapshot("2023-09-30", vec![input("a.csv", 'a')])));
    let mut fixed = snapshot("2023-12-31", vec![input("a.csv", 'c')]);
    fixed.rows[0].value = Some(10.5);
    let r2 = ok(h.record(&fixed));
    let (
        Recorded::New { id: id1, .. },
        Recorded::New { id: id_q3, .. },
        Recorded::New {
            id: id2,
            revision: 2,
        },
    ) = (r1, q3, r2)
    else {
        panic!("{r1:?} {q3:?} {r2:?}")
    };
    // Readers see the newest revision of each as-of: 09-30 (rev 1) and 12-31 (rev 2).
    let infos = ok(h.snapshots("shanxi-2021-2023"));
    let seen: Vec<(NaiveDate, u32, i64)> =
        infos.iter().map(|i| (i.as_of, i.revision, i.id)).collect();
    assert_eq!(
        seen,
        vec![(date("2023-09-30"), 1, id_q3), (date("2023-12-31"), 2, id2)]
    );
    assert_eq!(ok(h.rows(id2))[0].value, Some(10.5));
    // Every revision stays queryable.
    assert_eq!(ok(h.revisions("shanxi-2021-2023")).len(), 3);
    assert_eq!(ok(h.rows(id1))[0].value, Some(10.31));
    // The view analysts use agrees: 3 rows of 09-30 + 3 rows of revision 2.
    assert_eq!(count(&h, "SELECT count(*) FROM latest_row"), 6);
    let v: f64 = ok(h.conn.query_row(
        "SELECT value FROM latest_row WHERE as_of = '2023-12-31' AND region = '山西省/阳泉市'",
        [],
        |r| r.get(0),
    ));
    assert_eq!(v, 10.5);
    // The superseded export again: already there, but not the one readers use.
    assert_eq!(
        ok(h.record(&snapshot("2023-12-31", vec![input("a.csv", 'a')]))),
        Recorded::AlreadyThere {
            id: id1,
            revision: 1,
            latest: false
        }
    );
    // Other settings for the same inputs (--by county) change the rows: a revision too.
    let mut by_county = snapshot("2023-12-31", vec![input("a.csv", 'c')]);
    by_county.settings = "by=county;urban_rural=name".into();
    assert!(matches!(
        ok(h.record(&by_county)),
        Recorded::New { revision: 3, .. }
    ));
}

#[test]
fn schema_version_is_stored_and_a_newer_one_is_refused() {
    let dir = ok(tempfile::tempdir());
    let path = dir.path().join("h.sqlite");
    {
        let h = ok(History::open(&path));
        assert_eq!(ok(h.schema_version()), 2);
        assert_eq!(
            count(&h, "SELECT application_id FROM pragma_application_id"),
            i64::from(APPLICATION_ID)
        );
        ok(h.conn.pragma_update(None, "user_version", 99));
    }
    match History::open(&path) {
        Err(
            e @ HistoryError::NewerSchema {
                found: 99,
                known: 2,
                ..
            },
        ) => {
            let msg = e.to_string();
            assert!(msg.contains("made by a newer zhibiao"), "{msg}");
            assert!(msg.contains("h.sqlite"), "{msg}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_v1_history_is_migrated_to_v2_with_its_rows_kept() {
    let dir = ok(tempfile::tempdir());
    let path = dir.path().join("h.sqlite");
    // A history written by the version-1 binary: its schema and one row, by hand.
    {
        let h = ok(History::open_with(&path, &[MIGRATION_1]));
        assert_eq!(ok(h.schema_version()), 1);
        ok(h.conn.execute_batch(
            "INSERT INTO snapshot VALUES (1, 'shanxi-2021-2023', 't', '山西省', '2023-12-31', 1,
                 '2024-01-15 09:30:00', 'by=city;urban_rural=name', 'aa', '0.1.0');
             INSERT INTO result_row VALUES (1, 0, 'urban-density', 'city', '山西省/阳泉市',
                 10.31, 10.0, 0, 'met', '2023-12-31', NULL, 2, 1, 'error');",
        ));
    }
    let h = ok(History::open(&path));
    assert_eq!(ok(h.schema_version()), 2);
    let rows = ok(h.rows(1));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].value, Some(10.31));
    assert_eq!(rows[0].status, Status::Met);
    // The columns version 2 added are NULL for the old row.
    assert_eq!(
        (rows[0].count, rows[0].gap_final, rows[0].milestone),
        (None, None, None)
    );
}

#[test]
fn a_v2_history_is_migrated_by_a_later_binary() {
    let dir = ok(tempfile::tempdir());
    let path = dir.path().join("h.sqlite");
    let id = {
        let mut h = ok(History::open(&path));
        match ok(h.record(&snapshot("2023-12-31", vec![input("a.csv", 'a')]))) {
            Recorded::New { id, .. } => id,
            other => panic!("{other:?}"),
        }
    };
    // A binary with a version 3 (one more migration) opens it: migrated, data kept.
    let v2 = [
        MIGRATION_1,
        MIGRATION_2,
        "ALTER TABLE snapshot ADD COLUMN note TEXT;",
    ];
    let h = ok(History::open_with(&path, &v2));
    assert_eq!(ok(h.schema_version()), 3);
    assert_eq!(
        count(&h, "SELECT count(*) FROM snapshot WHERE note IS NULL"),
        1
    );
    assert_eq!(ok(h.rows(id)).len(), 3);
    drop(h);
    // Opening again applies nothing twice (the ALTER would fail).
    assert!(History::open_with(&path, &v2).is_ok());
    // And the version 2 binary now refuses it.
    assert!(matches!(
        History::open(&path),
        Err(HistoryError::NewerSchema {
            found: 3,
            known: 2,
            ..
        })
    ));
}

#[test]
fn other_files_are_refused_not_overwritten() {
    let dir = ok(tempfile::tempdir());
    // Another application's SQLite database.
    let other = dir.path().join("other.sqlite");
    {
        let c = ok(Connection::open(&other));
        ok(c.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);"));
    }
    match History::open(&other) {
        Err(e @ HistoryError::NotHistory { .. }) => {
            assert!(e.to_string().contains("not a zhibiao history"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    // A file that is not SQLite at all (a CSV given by mistake): an error naming it.
    let csv = dir.path().join("gaps.csv");
    ok(std::fs::write(&csv, "plan,target\n".repeat(200)));
    match History::open(&csv) {
        Err(e @ HistoryError::Sqlite { .. }) => assert!(e.to_string().contains("gaps.csv"), "{e}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        ok(std::fs::read_to_string(&csv)),
        "plan,target\n".repeat(200)
    );
}

#[test]
fn input_digest_of_a_file() {
    // printf abc | sha256sum
    let dir = ok(tempfile::tempdir());
    let p = dir.path().join("plan.toml");
    ok(std::fs::write(&p, "abc"));
    assert_eq!(
        ok(InputFile::of_path(&p)).sha256,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert!(matches!(
        InputFile::of_path(&dir.path().join("missing")),
        Err(HistoryError::Input { .. })
    ));
}
