//! Property tests (proptest) for the pieces with algebra: gaps, normalization and place
//! resolution, date parsing, and the determinism of an audit's CSV.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;
use zhibiao::audit::{self, AuditOptions, AuditResult, Status};
use zhibiao::ingest::date::{from_serial, parse_date};
use zhibiao::ingest::source::{Grid, GridRow};
use zhibiao::ingest::text::{clean_cell, fold, header_key, strip_committee_suffix};
use zhibiao::ingest::{self, rows, Dataset, IngestOptions};
use zhibiao::model::{self, BuildOptions, Level};
use zhibiao::plan::{self, Plan};

/// Cases of the slow properties (each builds a model): `PROPTEST_CASES` when set.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

// ------------------------------------------------------------------------------- gaps

/// The demo ledgers (`fixtures/demo`), read once.
fn demo() -> &'static Dataset {
    static DS: OnceLock<Dataset> = OnceLock::new();
    DS.get_or_init(|| {
        ingest::read_inputs(&[repo("fixtures/demo")], &IngestOptions::default())
            .expect("the demo reads")
    })
}

fn shanxi_plan() -> Plan {
    plan::builtin("shanxi-2021-2023")
        .expect("the Shanxi plan is built in")
        .expect("and parses")
}

fn audit_of(ds: Dataset, plan: &Plan, as_of: NaiveDate, by: Level) -> AuditResult {
    let opts = BuildOptions {
        province: plan.meta.province.clone(),
        reporting_units: plan.meta.reporting_units.clone(),
        ..BuildOptions::default()
    };
    let model = model::build(ds, &opts).expect("the demo builds");
    audit::run(
        &model,
        plan,
        AuditOptions {
            as_of,
            by,
            threads: 0,
        },
    )
}

/// Targets evaluated side by side, a few at a time, give the result of one thread, for
/// any count of threads, with milestones standing in (mid-2022, before the targets are
/// due) and without (the end of 2023).
#[test]
fn any_thread_count_gives_the_same_audit() {
    let plan = shanxi_plan();
    let opts = BuildOptions {
        province: plan.meta.province.clone(),
        reporting_units: plan.meta.reporting_units.clone(),
        ..BuildOptions::default()
    };
    let model = model::build(demo().clone(), &opts).expect("the demo builds");
    let dates = [(2022, 6, 30), (2023, 12, 31)];
    for (y, m, d) in dates {
        let as_of = NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let json = |threads| {
            let r = audit::run(
                &model,
                &plan,
                AuditOptions {
                    as_of,
                    by: Level::County,
                    threads,
                },
            );
            serde_json::to_string(&r).unwrap()
        };
        let one = json(1);
        assert!(one.contains("\"target\""), "{}", &one[..200.min(one.len())]);
        for threads in [2, 3, 16, 0] {
            assert!(json(threads) == one, "{threads} threads, as of {as_of}");
        }
    }
}

/// (target, region) → gap, for every row that has one.
fn gaps(r: &AuditResult) -> HashMap<(usize, String), u64> {
    r.rows
        .iter()
        .filter_map(|row| Some(((row.target, row.region.clone()), row.gap?)))
        .collect()
}

fn as_of() -> impl Strategy<Value = NaiveDate> {
    (2021i32..=2024, 1u32..=12, 1u32..=28)
        .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).expect("a valid day"))
}

fn level() -> impl Strategy<Value = Level> {
    prop_oneof![Just(Level::City), Just(Level::County), Just(Level::Street)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(16), ..ProptestConfig::default() })]

    /// A judged row's gap is 0 exactly when it is met.
    #[test]
    fn gap_is_zero_exactly_when_met(as_of in as_of(), by in level()) {
        let plan = shanxi_plan();
        let r = audit_of(demo().clone(), &plan, as_of, by);
        let mut judged = 0;
        for row in &r.rows {
            if !matches!(row.status, Status::Met | Status::Unmet | Status::NotDue) {
                continue;
            }
            judged += 1;
            let gap = row.gap;
            prop_assert!(gap.is_some(), "{} {}: no gap", row.target, row.region);
            prop_assert_eq!(
                gap == Some(0),
                row.status == Status::Met,
                "target {} region {}: {:?} with gap {:?}",
                row.target, &row.region, row.status, gap
            );
        }
        prop_assert!(judged > 0);
    }

    /// Adding a record (a copy of an organization, project, event, incubator or fund row
    /// moved to another community's place) never increases any gap.
    #[test]
    fn adding_a_record_never_increases_a_gap(
        pick in any::<prop::sample::Index>(),
        place in any::<prop::sample::Index>(),
        table in 0usize..5,
        as_of in as_of(),
    ) {
        let plan = shanxi_plan();
        let before = audit_of(demo().clone(), &plan, as_of, Level::County);
        let mut ds = demo().clone();
        let to = ds.communities[place.index(ds.communities.len())].place.clone();
        let moved = |p: &mut ingest::Place| {
            p.city = to.city.clone();
            p.county = to.county.clone();
            if !p.street.is_empty() || !p.community.is_empty() {
                p.street = to.street.clone();
                p.community = to.community.clone();
            }
        };
        match table {
            0 => {
                let mut r = ds.organizations[pick.index(ds.organizations.len())].clone();
                r.name = format!("{}（新增）", r.name).into();
                if let Some(extra) = r.extra.as_mut() {
                    extra.credit_code = None;
                }
                let mut p = ds.names.place(&r.place);
                moved(&mut p);
                r.place = ds.names.intern(&p);
                ds.organizations.push(r);
            }
            1 => {
                let mut r = ds.projects[pick.index(ds.projects.len())].clone();
                r.name.push_str("（新增）");
                moved(&mut r.place);
                ds.projects.push(r);
            }
            2 => {
                let mut r = ds.events[pick.index(ds.events.len())].clone();
                r.name.push_str("（新增）");
                moved(&mut r.place);
                ds.events.push(r);
            }
            3 => {
                let mut r = ds.incubators[pick.index(ds.incubators.len())].clone();
                r.name.push_str("（新增）");
                moved(&mut r.place);
                ds.incubators.push(r);
            }
            _ => {
                let mut r = ds.funds[pick.index(ds.funds.len())].clone();
                moved(&mut r.place);
                ds.funds.push(r);
            }
        }
        let after = audit_of(ds, &plan, as_of, Level::County);
        let (old, new) = (gaps(&before), gaps(&after));
        for (key, gap) in &old {
            let now = new.get(key);
            prop_assert!(now.is_some(), "{:?} lost its gap", key);
            prop_assert!(now.is_some_and(|n| n <= gap), "{:?}: gap {} → {:?}", key, gap, now);
        }
    }
}

// ------------------------------------------------------------------ normalization

/// Text made of what ledgers hold: CJK place characters, the committee suffixes, ASCII
/// and full-width letters and digits, every kind of space, zero-width characters.
fn ledger_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("迎泽".to_string()),
        Just("社区".to_string()),
        Just("居民委员会".to_string()),
        Just("村委会".to_string()),
        Just("【".to_string()),
        Just("〕".to_string()),
        Just("*".to_string()),
        Just(":".to_string()),
        Just("\u{3000}".to_string()),
        Just("\u{200B}".to_string()),
        Just("\u{FEFF}".to_string()),
        Just("\t".to_string()),
        Just("\r\n".to_string()),
        Just(" ".to_string()),
        "[a-zA-Z0-9]{1,3}",
        "[\u{FF01}-\u{FF5E}]{1,3}",
        "[\u{4E00}-\u{9FA5}]{1,3}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn normalization_is_idempotent(s in ledger_text()) {
        let f = fold(&s);
        prop_assert_eq!(fold(&f), f.clone());
        let c = clean_cell(&s);
        prop_assert_eq!(clean_cell(&c), c.clone());
        // Folding a cleaned cell is folding the cell.
        prop_assert_eq!(fold(&c), f.clone());
        let h = header_key(&s);
        prop_assert_eq!(header_key(&h), h);
        let stem = strip_committee_suffix(&f);
        prop_assert_eq!(strip_committee_suffix(stem).len() <= stem.len(), true);
    }
}

/// The community lists bundled in `fixtures/` (real division names: 山西 and 陕西).
const LISTS: [(&str, &str); 3] = [
    ("fixtures/places/社区名单.csv", "山西省"),
    ("fixtures/shaanxi/社区名单.csv", "陕西省"),
    ("fixtures/shaanxi-units/社区名单.csv", "陕西省"),
];

/// A list's rows read as the ledger reader reads them.
fn list(path: &str) -> &'static Dataset {
    static LISTS_READ: OnceLock<HashMap<&'static str, Dataset>> = OnceLock::new();
    let all = LISTS_READ.get_or_init(|| {
        LISTS
            .iter()
            .map(|(p, _)| {
                let ds = ingest::read_inputs(&[repo(p)], &IngestOptions::default())
                    .expect("the list reads");
                (*p, ds)
            })
            .collect()
    });
    &all[path]
}

#[test]
fn normalization_never_merges_two_places_of_the_real_lists() {
    for (path, _) in LISTS {
        let ds = list(path);
        assert!(ds.communities.len() > 100, "{path}");
        let mut seen: HashMap<[String; 4], [String; 4]> = HashMap::new();
        for row in &ds.communities {
            let p = &row.place;
            let written = [&p.city, &p.county, &p.street, &p.community].map(|s| s.to_string());
            let key = written.clone().map(|s| fold(&clean_cell(&s)));
            if let Some(other) = seen.insert(key.clone(), written.clone()) {
                assert_eq!(other, written, "{path}: two places fold to {key:?}");
            }
        }
        // Street names under one county and county names under one city stay apart too.
        let mut names: HashMap<(String, String), String> = HashMap::new();
        for row in &ds.communities {
            let p = &row.place;
            for (parent, name) in [(&p.city, &p.county), (&p.county, &p.street)] {
                let key = (parent.to_string(), fold(&clean_cell(name)));
                if let Some(other) = names.insert(key, name.to_string()) {
                    assert_eq!(
                        other.as_str(),
                        &**name,
                        "{path}: {other} and {name} fold together"
                    );
                }
            }
        }
    }
}

/// A respelling that a ledger may hold for the same name: spaces (ASCII, ideographic,
/// zero-width) inserted, ASCII turned full-width.
fn respell(name: &str, seed: &[u8]) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        match seed.get(i).copied().unwrap_or(0) % 6 {
            0 => out.push(' '),
            1 => out.push('\u{3000}'),
            2 => out.push('\u{200B}'),
            _ => {}
        }
        out.push(match c {
            '!'..='~' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
            _ => c,
        });
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(48), ..ProptestConfig::default() })]

    /// A community of a real list, respelled, resolves to itself and never to another
    /// community (a street or county when the name alone is not enough).
    #[test]
    fn a_respelled_community_resolves_to_itself(
        which in 0usize..3,
        pick in any::<prop::sample::Index>(),
        seed in prop::collection::vec(any::<u8>(), 64),
        drop_suffix in any::<bool>(),
    ) {
        let (path, province) = LISTS[which];
        let mut ds = list(path).clone();
        let i = pick.index(ds.communities.len());
        let p = ds.communities[i].place.clone();
        let community = if drop_suffix {
            strip_committee_suffix(&p.community).to_string()
        } else {
            p.community.to_string()
        };
        // The organization row goes through the ledger reader, as written in a CSV.
        let cells = [
            "某协会".to_string(),
            respell(&p.city, &seed),
            respell(&p.county, &seed[8..]),
            respell(&p.street, &seed[16..]),
            respell(&community, &seed[24..]),
        ];
        let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
        let grid = Grid {
            file: PathBuf::from("组织.csv"),
            sheet: None,
            encoding: None,
            rows: vec![
                GridRow::from_texts(1, &["组织名称", "市", "县区", "街道乡镇", "社区"]),
                GridRow::from_texts(2, &cells),
            ],
            merges: Vec::new(),
        };
        rows::ingest_grid(grid, &IngestOptions::default(), &mut ds).expect("the row reads");
        prop_assert_eq!(ds.organizations.len(), 1);
        let opts = BuildOptions { province: province.into(), ..BuildOptions::default() };
        let m = model::build(ds, &opts).expect("the list builds");
        let own = m.communities[i];
        let placed = m.organizations.iter().map(|o| o.place).collect::<Vec<_>>();
        if !drop_suffix {
            prop_assert_eq!(placed.as_slice(), &[own], "{}", m.regions.path(own));
        }
        for id in placed {
            if m.regions.get(id).level == Level::Community {
                prop_assert_eq!(id, own, "{} became {}", m.regions.path(own), m.regions.path(id));
            } else {
                prop_assert!(m.regions.is_within(own, id));
            }
        }
    }
}

// ------------------------------------------------------------------------- dates

fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0'..='9' | '/' | '-' | '.' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

proptest! {
    /// Every spelling a date is written in parses back to it.
    #[test]
    fn formatting_then_parsing_a_date_gives_it_back(
        days in 0i64..(8099 * 365),
        style in 0usize..8,
    ) {
        let date = NaiveDate::from_ymd_opt(1900, 1, 1).expect("a date") + chrono::Duration::days(days);
        let text = match style {
            0 => date.format("%Y-%m-%d").to_string(),
            1 => date.format("%Y/%-m/%-d").to_string(),
            2 => date.format("%Y.%m.%d").to_string(),
            3 => date.format("%Y年%-m月%-d日").to_string(),
            4 => date.format("%Y%m%d").to_string(),
            5 => date.format("%Y-%m-%d 00:00:00").to_string(),
            6 => full_width(&date.format("%Y/%m/%d").to_string()),
            _ => date.format(" %Y 年 %m 月 %d 号 ").to_string(),
        };
        prop_assert_eq!(parse_date(&text), Some(date), "{}", text);
    }

    /// An Excel serial number of a date (after 1900-03-01) gives the date back.
    #[test]
    fn a_date_as_an_excel_serial_gives_it_back(days in 61i64..2_958_465, frac in 0.0f64..1.0) {
        let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).expect("a date");
        let date = epoch + chrono::Duration::days(days);
        prop_assert_eq!(from_serial(days as f64 + frac * 0.999), Some(date));
        if date.year() >= 1900 && days < 100_000 {
            prop_assert_eq!(parse_date(&days.to_string()), Some(date));
        }
    }
}

// ------------------------------------------------------------------ determinism

/// The thread counts an audit runs with (`--threads`; `None`: one per core). The demo's
/// tables are below the size split among threads, so a copy of its largest table repeated
/// to 45,000 rows is audited too (see `a_split_table_gives_the_same_csv`).
const THREAD_COUNTS: &[Option<&str>] = &[None, Some("1"), Some("3")];

#[test]
fn an_audit_csv_is_byte_identical_across_runs_and_thread_counts() {
    let run = |threads: Option<&str>| -> Vec<u8> {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_zhibiao"));
        cmd.current_dir(env!("CARGO_MANIFEST_DIR")).args([
            "audit",
            "fixtures/demo",
            "--as-of",
            "2023-12-31",
            "--format",
            "csv",
        ]);
        if let Some(n) = threads {
            cmd.args(["--threads", n]);
        }
        let out = cmd.output().expect("zhibiao runs");
        assert!(
            !out.stdout.is_empty(),
            "no CSV: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let first = run(THREAD_COUNTS[0]);
    assert!(first.len() > 1_000, "{} bytes", first.len());
    for &threads in THREAD_COUNTS {
        for _ in 0..2 {
            assert!(
                run(threads) == first,
                "CSV differs with threads {threads:?}"
            );
        }
    }
}

/// The 晋城市 ledger five times over (47,850 rows, each copy's names suffixed and credit
/// codes cleared so that they are new organizations) is split among threads: 1, 2 and 3
/// threads give the same CSV and the same `--rejects`.
#[test]
fn a_split_table_gives_the_same_csv() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bytes = std::fs::read("fixtures/demo/晋城市社区社会组织台账.csv").expect("fixture");
    let (text, _, _) = encoding_rs::GBK.decode(&bytes);
    let lines: Vec<&str> = text.lines().collect();
    let (header, data) = (lines[0], &lines[1..lines.len() - 2]);
    let mut big = format!("{header}\n");
    for copy in 0..5 {
        for line in data {
            let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
            if copy > 0 {
                cells[1] = format!("{}（{copy}）", cells[1]);
                cells[11] = String::new();
            }
            big.push_str(&cells.join(","));
            big.push('\n');
        }
    }
    assert!(data.len() * 5 > 45_000, "{} rows", data.len() * 5);
    let orgs = dir.path().join("orgs.csv");
    std::fs::write(&orgs, big).expect("write");
    std::fs::copy(
        "fixtures/demo/社区名单.xlsx",
        dir.path().join("社区名单.xlsx"),
    )
    .expect("copy");
    let run = |threads: &str| -> (Vec<u8>, Vec<u8>) {
        let rejects = dir.path().join(format!("rejects-{threads}.csv"));
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_zhibiao"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .arg("audit")
            .arg(dir.path().join("社区名单.xlsx"))
            .arg(&orgs)
            .args([
                "--as-of",
                "2023-12-31",
                "--format",
                "csv",
                "--threads",
                threads,
            ])
            .arg("--rejects")
            .arg(&rejects)
            .output()
            .expect("zhibiao runs");
        assert!(
            !out.stdout.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (out.stdout, std::fs::read(&rejects).unwrap_or_default())
    };
    let one = run("1");
    assert!(one.1.len() > 100, "rejects: {} bytes", one.1.len());
    assert!(run("2") == one, "2 threads differ from 1");
    assert!(run("3") == one, "3 threads differ from 1");
}
