//! A history of audits in one SQLite file (`zhibiao audit --history FILE`), so that a trend
//! can be drawn later from the history alone, without the old exports.
//!
//! Each audit is recorded as a **snapshot**: the plan, the scope, the as-of date, the input
//! files with their SHA-256, and every row of the long result (the CSV's cells, numbers as
//! numbers). A snapshot belongs to the series (plan, scope, as-of); within a series it is
//! identified by its `settings` (the gap-table level and the urban/rural route, which change
//! the rows) and its `inputs_key` (the sorted distinct SHA-256 of its inputs):
//!
//! - recording the same series, settings and inputs again writes nothing
//!   ([`Recorded::AlreadyThere`]);
//! - the same series with other inputs (a corrected export for the same quarter) or other
//!   settings is a new **revision** (2, 3, …); readers use the newest revision of each series.
//!
//! # Schema (version 2)
//!
//! The schema version is SQLite's `PRAGMA user_version`; `PRAGMA application_id` is
//! [`APPLICATION_ID`] (`0x7A68_6962`, "zhib"). A database written by a newer zhibiao
//! (a higher version) is refused; an older one is migrated in place, in one transaction per
//! step ([`MIGRATIONS`]`[i]` takes version `i` to `i + 1`).
//!
//! ```sql
//! snapshot(
//!   id INTEGER PRIMARY KEY,
//!   plan TEXT,            -- plan id, 'shanxi-2021-2023'
//!   plan_title TEXT,
//!   scope TEXT,           -- '山西省', or '山西省/阳泉市' under --scope
//!   as_of TEXT,           -- 'YYYY-MM-DD'
//!   revision INTEGER,     -- 1, 2, … within (plan, scope, as_of)
//!   recorded_at TEXT,     -- 'YYYY-MM-DD HH:MM:SS', local time of the run
//!   settings TEXT,        -- 'by=city;urban_rural=name'
//!   inputs_key TEXT,      -- sorted distinct input SHA-256s joined by ','
//!   zhibiao_version TEXT)
//! snapshot_input(snapshot_id, seq, path, sha256)   -- the files read, in reading order
//! result_row(snapshot_id, seq, target, level, region,
//!            value REAL, required REAL, gap INTEGER,   -- NULL where the CSV cell is empty
//!            status TEXT,  -- met | unmet | not_due | no_data | not_applicable | info
//!            due TEXT, partial TEXT,                   -- partial '2/11' or NULL
//!            decimals INTEGER, assessed INTEGER, severity TEXT,
//!            count INTEGER,      -- records (density, count) or covered units (coverage)
//!            gap_final INTEGER,  -- gap to the target's own threshold (≠ gap under a milestone)
//!            milestone TEXT)     -- 'YYYY-MM-DD' of the milestone judged, or NULL
//! latest_snapshot   -- view: the newest revision of each (plan, scope, as_of)
//! latest_row        -- view: result_row of latest_snapshot, with plan, scope, as_of, revision
//! ```
//!
//! Version 2 added `count`, `gap_final` and `milestone` (NULL in rows recorded by
//! version 1), so that `zhibiao trend --history` gives the change in records and the pace.
//!
//! `value` and `required` are the rounded figures the reports print (10.31, not
//! 1619 ÷ 157); `decimals` says how many decimals they carry.

use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use crate::audit::{AuditResult, Partial, Row, Status};
use crate::model::Level;
use crate::plan::{Milestone, Plan, Ratio, Severity, Stage};

/// `PRAGMA application_id` of a zhibiao history ("zhib").
pub(crate) const APPLICATION_ID: i32 = 0x7A68_6962;

/// Schema migrations: entry `i` takes a database from version `i` to `i + 1`. A new schema
/// version is one more entry; never edit an entry that has shipped.
pub(crate) const MIGRATIONS: &[&str] = &[MIGRATION_1, MIGRATION_2];

/// Version 2: the records behind a value, the gap to the final threshold and the milestone
/// judged (issue 8: milestones, `trend --history`).
const MIGRATION_2: &str = "
ALTER TABLE result_row ADD COLUMN count INTEGER;
ALTER TABLE result_row ADD COLUMN gap_final INTEGER;
ALTER TABLE result_row ADD COLUMN milestone TEXT;
";

const MIGRATION_1: &str = "
CREATE TABLE snapshot (
    id              INTEGER PRIMARY KEY,
    plan            TEXT NOT NULL,
    plan_title      TEXT NOT NULL,
    scope           TEXT NOT NULL,
    as_of           TEXT NOT NULL,
    revision        INTEGER NOT NULL,
    recorded_at     TEXT NOT NULL,
    settings        TEXT NOT NULL,
    inputs_key      TEXT NOT NULL,
    zhibiao_version TEXT NOT NULL,
    UNIQUE (plan, scope, as_of, revision),
    UNIQUE (plan, scope, as_of, settings, inputs_key)
);
CREATE TABLE snapshot_input (
    snapshot_id INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    path        TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, seq)
);
CREATE TABLE result_row (
    snapshot_id INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    target      TEXT NOT NULL,
    level       TEXT NOT NULL,
    region      TEXT NOT NULL,
    value       REAL,
    required    REAL,
    gap         INTEGER,
    status      TEXT NOT NULL,
    due         TEXT NOT NULL,
    partial     TEXT,
    decimals    INTEGER NOT NULL,
    assessed    INTEGER NOT NULL,
    severity    TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, seq)
);
CREATE INDEX result_row_target_region ON result_row (target, region);
CREATE INDEX snapshot_series ON snapshot (plan, scope, as_of);
CREATE VIEW latest_snapshot AS
    SELECT s.* FROM snapshot s
    WHERE s.revision = (SELECT max(t.revision) FROM snapshot t
                        WHERE t.plan = s.plan AND t.scope = s.scope AND t.as_of = s.as_of);
CREATE VIEW latest_row AS
    SELECT s.plan, s.scope, s.as_of, s.revision, r.*
    FROM latest_snapshot s JOIN result_row r ON r.snapshot_id = s.id;
";

/// Errors opening, reading or writing a history.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// SQLite failed (cannot open or write the file, not a database, locked …).
    #[error("{path}: {error}")]
    Sqlite {
        /// The history file.
        path: PathBuf,
        /// SQLite's error (in the message, not a `source`, so that it is printed once).
        error: rusqlite::Error,
    },
    /// The schema version is higher than this binary knows.
    #[error(
        "{path}: 历史库由更新版本的 zhibiao 写入 / made by a newer zhibiao (schema version \
         {found}, this zhibiao knows up to {known}); use a newer zhibiao"
    )]
    NewerSchema {
        /// The history file.
        path: PathBuf,
        /// Version found in the file.
        found: i64,
        /// Highest version this binary knows.
        known: i64,
    },
    /// A SQLite database that is not a zhibiao history.
    #[error("{path}: 不是 zhibiao 历史库 / not a zhibiao history ({why})")]
    NotHistory {
        /// The file.
        path: PathBuf,
        /// What gave it away.
        why: String,
    },
    /// A stored value cannot be read back (edited by hand?).
    #[error("{path}: 历史库内容无法读取 / unreadable value in the history: {what}")]
    Corrupt {
        /// The history file.
        path: PathBuf,
        /// Which value.
        what: String,
    },
    /// An input file cannot be read to compute its SHA-256.
    #[error("cannot read {path}: {error}")]
    Input {
        /// The input file.
        path: PathBuf,
        /// The I/O error.
        error: std::io::Error,
    },
}

/// One input file of a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    /// Path as given on the command line (or found in a folder).
    pub path: String,
    /// SHA-256 of its bytes, lower-case hex.
    pub sha256: String,
}

impl InputFile {
    /// Read a file and compute its SHA-256 (for inputs that are not tables: a plan file,
    /// `--places`, `--units`).
    pub fn of_path(path: &Path) -> Result<InputFile, HistoryError> {
        use sha2::{Digest, Sha256};
        let bytes = std::fs::read(path).map_err(|error| HistoryError::Input {
            path: path.to_path_buf(),
            error,
        })?;
        let sha256 = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(InputFile {
            path: path.display().to_string(),
            sha256,
        })
    }
}

impl From<&crate::report::InputDigest> for InputFile {
    fn from(d: &crate::report::InputDigest) -> Self {
        InputFile {
            path: d.path.clone(),
            sha256: d.sha256.clone(),
        }
    }
}

/// One row of the long result as stored: the CSV's cells, numbers as numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRow {
    /// Target id ("urban-density").
    pub target: String,
    /// Level of the region.
    pub level: Level,
    /// Region path ("山西省/阳泉市").
    pub region: String,
    /// Value as printed (rounded to `decimals`); `None` when there is no data.
    pub value: Option<f64>,
    /// Required value as printed; `None` for info.
    pub required: Option<f64>,
    /// Records or units still needed; `None` for info and no data.
    pub gap: Option<u64>,
    /// Status.
    pub status: Status,
    /// Due date of the target.
    pub due: NaiveDate,
    /// "2/11" when the figure includes only some reporting units.
    pub partial: Option<String>,
    /// Decimals of `value` and `required`.
    pub decimals: u8,
    /// Whether the row is at the target's assessed level.
    pub assessed: bool,
    /// Severity of the target.
    pub severity: Severity,
    /// Records (density, count) or covered units (coverage) behind the value.
    pub count: Option<u64>,
    /// Gap to the target's own threshold when a milestone is judged.
    pub gap_final: Option<u64>,
    /// The milestone judged (its date), before the due date.
    pub milestone: Option<NaiveDate>,
}

/// One audit to record.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// Plan id.
    pub plan: String,
    /// Plan title.
    pub plan_title: String,
    /// Scope path ("山西省", "山西省/阳泉市").
    pub scope: String,
    /// As-of date of the audit.
    pub as_of: NaiveDate,
    /// When it was recorded (given by the caller).
    pub recorded_at: NaiveDateTime,
    /// Options that change the rows for the same inputs: "by=city;urban_rural=name".
    pub settings: String,
    /// Input files, in reading order.
    pub inputs: Vec<InputFile>,
    /// Rows of the long result, in its order.
    pub rows: Vec<StoredRow>,
}

impl Snapshot {
    /// The snapshot of an audit result.
    pub fn from_result(
        result: &AuditResult,
        inputs: Vec<InputFile>,
        recorded_at: NaiveDateTime,
    ) -> Snapshot {
        let rows = result
            .rows
            .iter()
            .filter_map(|r| {
                let tr = result.targets.get(r.target)?;
                let t = &tr.target;
                Some(StoredRow {
                    target: t.id.clone(),
                    level: r.level,
                    region: r.region.clone(),
                    value: r.value,
                    required: r.required,
                    gap: r.gap,
                    status: r.status,
                    due: t.due,
                    partial: r.partial.map(|p| p.fraction()),
                    decimals: r.decimals,
                    assessed: r.assessed,
                    severity: t.severity,
                    count: r.count,
                    gap_final: r.gap_final,
                    milestone: match tr.stage {
                        crate::plan::Stage::Milestone(m) => Some(m.by),
                        crate::plan::Stage::Final | crate::plan::Stage::NotDue => None,
                    },
                })
            })
            .collect();
        Snapshot {
            plan: result.plan.id.clone(),
            plan_title: result.plan.title.clone(),
            scope: result.scope.clone(),
            as_of: result.as_of,
            recorded_at,
            settings: format!(
                "by={};urban_rural={}",
                result.by.as_str(),
                if result.classification.code_wins {
                    "code"
                } else {
                    "name"
                }
            ),
            inputs,
            rows,
        }
    }

    /// The sorted distinct SHA-256s of the inputs, joined by ",".
    pub(crate) fn inputs_key(&self) -> String {
        let mut hashes: Vec<&str> = self.inputs.iter().map(|i| i.sha256.as_str()).collect();
        hashes.sort_unstable();
        hashes.dedup();
        hashes.join(",")
    }
}

/// What [`History::record`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// A new snapshot was written.
    New {
        /// Its id.
        id: i64,
        /// Its revision within (plan, scope, as-of): 1 for the first.
        revision: u32,
    },
    /// The same snapshot (plan, scope, as-of, settings, inputs) was there: nothing written.
    AlreadyThere {
        /// The existing snapshot.
        id: i64,
        /// Its revision.
        revision: u32,
        /// Whether it is the newest revision of its series (readers use it), or a later
        /// revision with other inputs supersedes it.
        latest: bool,
    },
}

/// A recorded snapshot, without its rows.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotInfo {
    /// Id (for [`History::rows`]).
    pub id: i64,
    /// Plan id.
    pub plan: String,
    /// Plan title.
    pub plan_title: String,
    /// Scope path.
    pub scope: String,
    /// As-of date.
    pub as_of: NaiveDate,
    /// Revision within (plan, scope, as-of).
    pub revision: u32,
    /// When it was recorded.
    pub recorded_at: NaiveDateTime,
    /// Options that changed the rows ("by=city;urban_rural=name").
    pub settings: String,
    /// Input files, in reading order.
    pub inputs: Vec<InputFile>,
    /// The zhibiao version that recorded it.
    pub zhibiao_version: String,
}

/// An open history file.
#[derive(Debug)]
pub struct History {
    conn: Connection,
    path: PathBuf,
}

const DATE: &str = "%Y-%m-%d";
const DATETIME: &str = "%Y-%m-%d %H:%M:%S";

impl History {
    /// Open (creating if missing) the history at `path`, migrating an older schema.
    pub fn open(path: &Path) -> Result<History, HistoryError> {
        Self::open_with(path, MIGRATIONS)
    }

    /// [`History::open`] with a given migration list (tests simulate a later version).
    fn open_with(path: &Path, migrations: &[&str]) -> Result<History, HistoryError> {
        let sql = |error| HistoryError::Sqlite {
            path: path.to_path_buf(),
            error,
        };
        let mut conn = Connection::open(path).map_err(sql)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(sql)?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(sql)?;
        let known = i64::try_from(migrations.len()).unwrap_or(i64::MAX);
        // Reading the version is the first real read: a file that is not SQLite fails here.
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(sql)?;
        let app_id: i32 = conn
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .map_err(sql)?;
        if app_id != 0 && app_id != APPLICATION_ID {
            return Err(HistoryError::NotHistory {
                path: path.to_path_buf(),
                why: format!("application_id {app_id:#x}"),
            });
        }
        if version == 0 {
            let tables: i64 = conn
                .query_row(
                    "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'",
                    [],
                    |r| r.get(0),
                )
                .map_err(sql)?;
            if tables > 0 {
                return Err(HistoryError::NotHistory {
                    path: path.to_path_buf(),
                    why: format!("{tables} table(s) or view(s) but no zhibiao schema version"),
                });
            }
        } else if app_id != APPLICATION_ID {
            return Err(HistoryError::NotHistory {
                path: path.to_path_buf(),
                why: format!("schema version {version} but application_id {app_id:#x}"),
            });
        }
        if version > known {
            return Err(HistoryError::NewerSchema {
                path: path.to_path_buf(),
                found: version,
                known,
            });
        }
        let from = usize::try_from(version.max(0)).unwrap_or(usize::MAX);
        for (i, step) in migrations.iter().enumerate().skip(from) {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(sql)?;
            // Another process may have migrated in the meantime.
            let now: i64 = tx
                .pragma_query_value(None, "user_version", |r| r.get(0))
                .map_err(sql)?;
            if now > i64::try_from(i).unwrap_or(i64::MAX) {
                continue;
            }
            tx.execute_batch(step).map_err(sql)?;
            tx.pragma_update(None, "application_id", APPLICATION_ID)
                .map_err(sql)?;
            tx.pragma_update(
                None,
                "user_version",
                i64::try_from(i + 1).unwrap_or(i64::MAX),
            )
            .map_err(sql)?;
            tx.commit().map_err(sql)?;
        }
        Ok(History {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// The schema version of the open file.
    #[cfg(test)]
    pub(crate) fn schema_version(&self) -> Result<i64, HistoryError> {
        self.conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| self.sql(e))
    }

    fn sql(&self, error: rusqlite::Error) -> HistoryError {
        HistoryError::Sqlite {
            path: self.path.clone(),
            error,
        }
    }

    fn corrupt(&self, what: String) -> HistoryError {
        HistoryError::Corrupt {
            path: self.path.clone(),
            what,
        }
    }

    /// Record a snapshot in one transaction, unless the same one is there already.
    pub fn record(&mut self, snap: &Snapshot) -> Result<Recorded, HistoryError> {
        let path = self.path.clone();
        let sql = |error| HistoryError::Sqlite {
            path: path.clone(),
            error,
        };
        let as_of = snap.as_of.format(DATE).to_string();
        let key = snap.inputs_key();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        let existing: Option<(i64, u32)> = tx
            .query_row(
                "SELECT id, revision FROM snapshot
                 WHERE plan = ?1 AND scope = ?2 AND as_of = ?3 AND settings = ?4 AND inputs_key = ?5",
                params![snap.plan, snap.scope, as_of, snap.settings, key],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(sql)?;
        let newest: Option<u32> = tx
            .query_row(
                "SELECT max(revision) FROM snapshot WHERE plan = ?1 AND scope = ?2 AND as_of = ?3",
                params![snap.plan, snap.scope, as_of],
                |r| r.get(0),
            )
            .map_err(sql)?;
        if let Some((id, revision)) = existing {
            return Ok(Recorded::AlreadyThere {
                id,
                revision,
                latest: newest == Some(revision),
            });
        }
        let revision = newest.unwrap_or(0) + 1;
        tx.execute(
            "INSERT INTO snapshot (plan, plan_title, scope, as_of, revision, recorded_at,
                                   settings, inputs_key, zhibiao_version)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                snap.plan,
                snap.plan_title,
                snap.scope,
                as_of,
                revision,
                snap.recorded_at.format(DATETIME).to_string(),
                snap.settings,
                key,
                env!("CARGO_PKG_VERSION"),
            ],
        )
        .map_err(sql)?;
        let id = tx.last_insert_rowid();
        {
            let mut ins = tx
                .prepare("INSERT INTO snapshot_input (snapshot_id, seq, path, sha256) VALUES (?1, ?2, ?3, ?4)")
                .map_err(sql)?;
            for (seq, i) in (0i64..).zip(&snap.inputs) {
                ins.execute(params![id, seq, i.path, i.sha256])
                    .map_err(sql)?;
            }
            let mut ins = tx
                .prepare(
                    "INSERT INTO result_row (snapshot_id, seq, target, level, region, value,
                         required, gap, status, due, partial, decimals, assessed, severity,
                         count, gap_final, milestone)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,
                             ?16, ?17)",
                )
                .map_err(sql)?;
            for (seq, r) in (0i64..).zip(&snap.rows) {
                ins.execute(params![
                    id,
                    seq,
                    r.target,
                    r.level.as_str(),
                    r.region,
                    r.value,
                    r.required,
                    r.gap.map(|g| i64::try_from(g).unwrap_or(i64::MAX)),
                    r.status.as_str(),
                    r.due.format(DATE).to_string(),
                    r.partial,
                    r.decimals,
                    r.assessed,
                    severity_str(r.severity),
                    r.count.map(|g| i64::try_from(g).unwrap_or(i64::MAX)),
                    r.gap_final.map(|g| i64::try_from(g).unwrap_or(i64::MAX)),
                    r.milestone.map(|d| d.format(DATE).to_string()),
                ])
                .map_err(sql)?;
            }
        }
        tx.commit().map_err(sql)?;
        Ok(Recorded::New { id, revision })
    }

    /// The snapshots of a plan, oldest as-of first: only the newest revision of each
    /// (scope, as-of).
    pub fn snapshots(&self, plan: &str) -> Result<Vec<SnapshotInfo>, HistoryError> {
        self.query_snapshots(
            "SELECT id, plan, plan_title, scope, as_of, revision, recorded_at, settings,
                    zhibiao_version
             FROM latest_snapshot WHERE plan = ?1 ORDER BY scope, as_of, revision",
            plan,
        )
    }

    /// Every snapshot of a plan, superseded revisions included, oldest as-of first.
    #[cfg(test)]
    pub(crate) fn revisions(&self, plan: &str) -> Result<Vec<SnapshotInfo>, HistoryError> {
        self.query_snapshots(
            "SELECT id, plan, plan_title, scope, as_of, revision, recorded_at, settings,
                    zhibiao_version
             FROM snapshot WHERE plan = ?1 ORDER BY scope, as_of, revision",
            plan,
        )
    }

    /// The plans recorded, with their titles, by id.
    pub fn plans(&self) -> Result<Vec<(String, String)>, HistoryError> {
        let mut st = self
            .conn
            .prepare(
                "SELECT plan, plan_title FROM snapshot
                 WHERE id IN (SELECT max(id) FROM snapshot GROUP BY plan) ORDER BY plan",
            )
            .map_err(|e| self.sql(e))?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| self.sql(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.sql(e))
    }

    fn query_snapshots(&self, query: &str, plan: &str) -> Result<Vec<SnapshotInfo>, HistoryError> {
        type Raw = (
            i64,
            String,
            String,
            String,
            String,
            u32,
            String,
            String,
            String,
        );
        let raw: Vec<Raw> = {
            let mut st = self.conn.prepare(query).map_err(|e| self.sql(e))?;
            let rows = st
                .query_map(params![plan], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                        r.get(7)?,
                        r.get(8)?,
                    ))
                })
                .map_err(|e| self.sql(e))?;
            rows.collect::<Result<_, _>>().map_err(|e| self.sql(e))?
        };
        let mut out = Vec::with_capacity(raw.len());
        for (id, plan, plan_title, scope, as_of, revision, recorded_at, settings, version) in raw {
            let as_of = NaiveDate::parse_from_str(&as_of, DATE)
                .map_err(|_| self.corrupt(format!("snapshot {id}: as_of {as_of:?}")))?;
            let recorded_at = NaiveDateTime::parse_from_str(&recorded_at, DATETIME)
                .map_err(|_| self.corrupt(format!("snapshot {id}: recorded_at {recorded_at:?}")))?;
            out.push(SnapshotInfo {
                id,
                plan,
                plan_title,
                scope,
                as_of,
                revision,
                recorded_at,
                settings,
                inputs: self.inputs(id)?,
                zhibiao_version: version,
            });
        }
        Ok(out)
    }

    fn inputs(&self, id: i64) -> Result<Vec<InputFile>, HistoryError> {
        let mut st = self
            .conn
            .prepare("SELECT path, sha256 FROM snapshot_input WHERE snapshot_id = ?1 ORDER BY seq")
            .map_err(|e| self.sql(e))?;
        let rows = st
            .query_map(params![id], |r| {
                Ok(InputFile {
                    path: r.get(0)?,
                    sha256: r.get(1)?,
                })
            })
            .map_err(|e| self.sql(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.sql(e))
    }

    /// The rows of a snapshot, in the order of the long result.
    pub fn rows(&self, snapshot_id: i64) -> Result<Vec<StoredRow>, HistoryError> {
        type Raw = (
            String,
            String,
            String,
            Option<f64>,
            Option<f64>,
            Option<i64>,
            String,
            String,
            Option<String>,
            u8,
            bool,
            String,
            (Option<i64>, Option<i64>, Option<String>),
        );
        let raw: Vec<Raw> = {
            let mut st = self
                .conn
                .prepare(
                    "SELECT target, level, region, value, required, gap, status, due, partial,
                            decimals, assessed, severity, count, gap_final, milestone
                     FROM result_row WHERE snapshot_id = ?1 ORDER BY seq",
                )
                .map_err(|e| self.sql(e))?;
            let rows = st
                .query_map(params![snapshot_id], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                        r.get(7)?,
                        r.get(8)?,
                        r.get(9)?,
                        r.get(10)?,
                        r.get(11)?,
                        (r.get(12)?, r.get(13)?, r.get(14)?),
                    ))
                })
                .map_err(|e| self.sql(e))?;
            rows.collect::<Result<_, _>>().map_err(|e| self.sql(e))?
        };
        let mut out = Vec::with_capacity(raw.len());
        for (
            target,
            level,
            region,
            value,
            required,
            gap,
            status,
            due,
            partial,
            dec,
            assessed,
            sev,
            (count, gap_final, milestone),
        ) in raw
        {
            let at = |what: &str, v: &str| {
                format!("snapshot {snapshot_id}, {target} {region}: {what} {v:?}")
            };
            let level = Level::parse(&level).ok_or_else(|| self.corrupt(at("level", &level)))?;
            let status =
                parse_status(&status).ok_or_else(|| self.corrupt(at("status", &status)))?;
            let due =
                NaiveDate::parse_from_str(&due, DATE).map_err(|_| self.corrupt(at("due", &due)))?;
            let severity =
                parse_severity(&sev).ok_or_else(|| self.corrupt(at("severity", &sev)))?;
            let whole = |what: &str, v: Option<i64>| match v {
                Some(g) => u64::try_from(g)
                    .map(Some)
                    .map_err(|_| self.corrupt(at(what, &g.to_string()))),
                None => Ok(None),
            };
            let gap = whole("gap", gap)?;
            let count = whole("count", count)?;
            let gap_final = whole("gap_final", gap_final)?;
            let milestone = match milestone {
                Some(m) => Some(
                    NaiveDate::parse_from_str(&m, DATE)
                        .map_err(|_| self.corrupt(at("milestone", &m)))?,
                ),
                None => None,
            };
            out.push(StoredRow {
                target,
                level,
                region,
                value,
                required,
                gap,
                status,
                due,
                partial,
                decimals: dec,
                assessed,
                severity,
                count,
                gap_final,
                milestone,
            });
        }
        Ok(out)
    }
}

/// The audit result of a recorded snapshot, for `trend --history`: its rows under `plan`
/// (the plan the snapshot was recorded with, by id). Rows of targets the plan no longer has
/// are left out and counted in the second value.
pub fn to_result(info: &SnapshotInfo, rows: Vec<StoredRow>, plan: &Plan) -> (AuditResult, usize) {
    let by = info
        .settings
        .split(';')
        .find_map(|kv| kv.strip_prefix("by="))
        .and_then(Level::parse)
        .unwrap_or(Level::City);
    // The stage each target is judged at on that date; a milestone recorded in the rows
    // wins (the plan may have changed since).
    let mut stages: Vec<Stage> = plan.targets.iter().map(|t| t.stage(info.as_of)).collect();
    let mut dropped = 0;
    let mut out: Vec<Row> = Vec::with_capacity(rows.len());
    for (seq, r) in rows.into_iter().enumerate() {
        let Some(ti) = plan.targets.iter().position(|t| t.id == r.target) else {
            dropped += 1;
            continue;
        };
        if let (Some(by), Some(min)) = (r.milestone, r.required) {
            if let Some(s) = stages.get_mut(ti) {
                if !matches!(s, Stage::Milestone(m) if m.by == by) {
                    *s = Stage::Milestone(Milestone {
                        by,
                        min: Ratio {
                            num: (min * 1_000_000.0).round() as u64,
                            den: 1_000_000,
                        },
                    });
                }
            }
        }
        out.push(Row {
            target: ti,
            level: r.level,
            region: r.region,
            region_id: None,
            value: r.value,
            required: r.required,
            gap: r.gap,
            status: r.status,
            assessed: r.assessed,
            decimals: r.decimals,
            // The stored order is the long result's: target, then region order.
            sort_key: format!("{seq:08}"),
            detail: Vec::new(),
            missing: Vec::new(),
            partial: r.partial.as_deref().and_then(parse_partial),
            count: r.count,
            movement: None,
            gap_final: r.gap_final,
            units: None,
            explained: None,
        });
    }
    (
        AuditResult::from_rows(plan, info.scope.clone(), info.as_of, by, stages, out),
        dropped,
    )
}

/// "2/11" → the partial mark (level: cities; the history does not keep it).
fn parse_partial(s: &str) -> Option<Partial> {
    let (a, b) = s.split_once('/')?;
    Some(Partial {
        supplied: a.trim().parse().ok()?,
        of: b.trim().parse().ok()?,
        level: Level::City,
    })
}

fn severity_str(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn parse_severity(s: &str) -> Option<Severity> {
    [Severity::Error, Severity::Warning]
        .into_iter()
        .find(|x| severity_str(*x) == s)
}

fn parse_status(s: &str) -> Option<Status> {
    [
        Status::Met,
        Status::Unmet,
        Status::NotDue,
        Status::NoData,
        Status::NotApplicable,
        Status::Info,
        Status::Explained,
    ]
    .into_iter()
    .find(|x| x.as_str() == s)
}

#[cfg(test)]
mod tests;
