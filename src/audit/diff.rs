//! Record-level diff between two exports of the same ledgers (a quarter and the one
//! before): which organizations and incubators were added, dissolved, moved or renamed,
//! and how that explains the change of every region's count. Pure: two [`Model`]s and the
//! as-of dates in, a [`DiffResult`] out.
//!
//! **Matching.** An organization of the previous export and one of the current export are
//! the same record when both carry a 统一社会信用代码 and the codes are equal; otherwise
//! when they have the same name and resolve to the same place (the key of the duplicate
//! check in `model`: folded name and resolved region, compared by its full path because
//! the two exports are two models) and at most one of them has a code (two different codes
//! are two organizations). Codes are matched first, over the whole export, then names.
//! Incubators have no code: name and place only. So a record without a code that changed
//! its place or name cannot be told from one closing and another opening: it shows as
//! dissolved there and added here (generic names such as 老年协会 repeat across
//! communities, so matching by name alone would pair strangers).
//!
//! **Changes.** Each record counts as active on its side at that side's as-of date
//! ([`Active::at`]). A matched pair active on both sides is *moved* when its resolved
//! place changed (another community, street, county …), *renamed* when its name changed
//! (only possible when matched by code), *unchanged* otherwise. Active before and not now
//! (gone from the export, or now carrying a 注销 date / status on or before the as-of
//! date) is *dissolved*; active now and not before (new in the export, or listed before
//! but not active then: founded later or dissolved and re-listed) is *added*. A record
//! active on neither side is *inactive* and changes no count.
//!
//! **Regions.** For every region (province, cities, counties, and streets with
//! `by = Street`), `before` and `after` are counted directly from the two models (active
//! records located within the region), and the changes are attributed: added to the
//! current place's regions, dissolved to the previous place's, moved in/out to the regions
//! where the place at that level differs. Hence, for every region and by construction of
//! the classification, `after − before = added − dissolved + moved_in − moved_out`;
//! [`RegionDiff::balanced`] checks it and the reports show it.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::Serialize;

use crate::ingest::SkipReason;
use crate::model::{Active, Level, Model, RegionId, RegionIndex};

/// How the diff is computed.
#[derive(Debug, Clone, Copy)]
pub struct DiffOptions {
    /// As-of date of the previous export (records active that day count "before").
    pub baseline_as_of: NaiveDate,
    /// As-of date of the current export.
    pub as_of: NaiveDate,
    /// Deepest level of the per-region counts: city, county or street.
    pub by: Level,
}

/// Organization or incubator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// 社区社会组织.
    Organization,
    /// 孵化基地.
    Incubator,
}

impl RecordKind {
    /// English name (CSV).
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Organization => "organization",
            RecordKind::Incubator => "incubator",
        }
    }

    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            RecordKind::Organization => "社区社会组织",
            RecordKind::Incubator => "孵化基地",
        }
    }
}

/// What happened to a record between the two exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Active now, not before.
    Added,
    /// Active before, not now.
    Dissolved,
    /// Active on both sides at another place (and perhaps renamed: see [`DiffRecord::renamed`]).
    Moved,
    /// Active on both sides at the same place under another name.
    Renamed,
    /// Active on both sides, same place and name.
    Unchanged,
    /// Active on neither side.
    Inactive,
}

impl Change {
    /// English name (CSV).
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Added => "added",
            Change::Dissolved => "dissolved",
            Change::Moved => "moved",
            Change::Renamed => "renamed",
            Change::Unchanged => "unchanged",
            Change::Inactive => "inactive",
        }
    }

    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            Change::Added => "新增",
            Change::Dissolved => "注销/消失",
            Change::Moved => "迁移",
            Change::Renamed => "更名",
            Change::Unchanged => "未变",
            Change::Inactive => "均未生效",
        }
    }
}

/// Why a record was added or dissolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Not in the previous export.
    New,
    /// In the previous export, but not active at its as-of date.
    Reactivated,
    /// Not in the current export.
    Gone,
    /// In the current export with a 注销 date or status on or before its as-of date.
    Deregistered,
    /// In the current export, not yet founded at its as-of date.
    NotYetFounded,
}

impl Reason {
    /// English name (CSV).
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::New => "new",
            Reason::Reactivated => "reactivated",
            Reason::Gone => "gone",
            Reason::Deregistered => "deregistered",
            Reason::NotYetFounded => "not_yet_founded",
        }
    }

    /// Chinese description.
    pub fn zh(self) -> &'static str {
        match self {
            Reason::New => "上期没有",
            Reason::Reactivated => "上期已列但当时未生效",
            Reason::Gone => "本期台账中没有",
            Reason::Deregistered => "本期填有注销日期或注销状态",
            Reason::NotYetFounded => "本期成立日期晚于截止日",
        }
    }
}

/// How a pair was matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    /// Same 统一社会信用代码.
    Code,
    /// Same name and place.
    Name,
}

impl MatchedBy {
    /// English name (CSV).
    pub fn as_str(self) -> &'static str {
        match self {
            MatchedBy::Code => "credit_code",
            MatchedBy::Name => "name_place",
        }
    }
}

/// One side of a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Side {
    /// Name as read (folded).
    pub name: String,
    /// Resolved place, full path.
    pub place: String,
    /// 统一社会信用代码.
    pub credit_code: Option<String>,
    /// Active at this side's as-of date.
    pub active: bool,
    /// Where it was read: `file[#sheet]:row`.
    pub source: String,
}

/// One record of either export (or both).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffRecord {
    /// Organization or incubator.
    pub kind: RecordKind,
    /// What happened.
    pub change: Change,
    /// Why it was added or dissolved.
    pub reason: Option<Reason>,
    /// How the two sides were matched (`None`: only one side).
    pub matched_by: Option<MatchedBy>,
    /// The name changed (a moved record may be renamed too).
    pub renamed: bool,
    /// In the previous export.
    pub before: Option<Side>,
    /// In the current export.
    pub after: Option<Side>,
}

/// Counts of one region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegionDiff {
    /// Full path, e.g. "山西省/阳泉市/城区".
    pub path: String,
    /// Level of the row.
    pub level: Level,
    /// The records located at this region itself, shown at a deeper level (an
    /// organization of 城区 with no street, in a `by = Street` table): "（本级）".
    pub own: bool,
    /// Active records within the region at the previous as-of date.
    pub before: u32,
    /// Active records within the region at the current as-of date.
    pub after: u32,
    /// Added within the region.
    pub added: u32,
    /// Dissolved within the region (at their previous place).
    pub dissolved: u32,
    /// Moved here from outside the region.
    pub moved_in: u32,
    /// Moved from here to outside the region.
    pub moved_out: u32,
    /// Renamed, active on both sides, now within the region.
    pub renamed: u32,
}

impl RegionDiff {
    /// `after − before = added − dissolved + moved_in − moved_out`.
    pub fn balanced(&self) -> bool {
        i64::from(self.after) - i64::from(self.before)
            == i64::from(self.added) - i64::from(self.dissolved) + i64::from(self.moved_in)
                - i64::from(self.moved_out)
    }
}

/// Counts of one change over the whole diff, per record kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Records of the previous export (used rows of its tables).
    pub previous: u32,
    /// Records of the current export.
    pub current: u32,
    /// Pairs matched by credit code.
    pub by_code: u32,
    /// Pairs matched by name and place.
    pub by_name: u32,
    /// Per change.
    pub changes: BTreeMap<Change, u32>,
}

/// The diff of two exports.
#[derive(Debug, Clone, Serialize)]
pub struct DiffResult {
    /// Previous as-of date.
    pub baseline_as_of: NaiveDate,
    /// Current as-of date.
    pub as_of: NaiveDate,
    /// Every record, changed or not, previous-export order first (then the current
    /// export's records that match none).
    pub records: Vec<DiffRecord>,
    /// Per region, organizations then incubators, each in tree order (province, then each
    /// city followed by its counties and streets).
    pub regions: Vec<(RecordKind, RegionDiff)>,
    /// Totals per record kind.
    pub totals: BTreeMap<RecordKind, Totals>,
    /// Row accounting of the previous export.
    pub previous: Accounting,
    /// Row accounting of the current export.
    pub current: Accounting,
}

/// What one export's tables held: `read = used + skipped` over all its tables.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Accounting {
    /// Tables read (`file[#sheet]`).
    pub tables: Vec<String>,
    /// Rows read.
    pub read: u64,
    /// Rows used.
    pub used: u64,
    /// Rows skipped, per reason.
    pub skipped: BTreeMap<SkipReason, u64>,
    /// Data issues (see `zhibiao inspect`).
    pub issues: usize,
}

impl Accounting {
    /// The accounting of a model.
    pub fn of(m: &Model) -> Accounting {
        let mut a = Accounting {
            issues: m.issues.len(),
            ..Accounting::default()
        };
        for t in &m.tables {
            a.tables.push(t.display_name());
            a.read += u64::from(t.rows_read);
            a.used += u64::from(t.used);
            for (r, n) in &t.skipped {
                *a.skipped.entry(*r).or_insert(0) += u64::from(*n);
            }
        }
        a
    }
}

impl DiffResult {
    /// Whether every region row satisfies the identity.
    pub fn balanced(&self) -> bool {
        self.regions.iter().all(|(_, r)| r.balanced())
    }
}

/// One record of one side, in the form the matching needs.
struct Item<'a> {
    name: &'a str,
    place: RegionId,
    code: Option<&'a str>,
    active: Active,
    origin: crate::ingest::Origin,
}

/// Compare two exports.
pub fn diff(previous: &Model, current: &Model, opts: DiffOptions) -> DiffResult {
    let mut out = DiffResult {
        baseline_as_of: opts.baseline_as_of,
        as_of: opts.as_of,
        records: Vec::new(),
        regions: Vec::new(),
        totals: BTreeMap::new(),
        previous: Accounting::of(previous),
        current: Accounting::of(current),
    };
    for (kind, prev, cur) in [
        (RecordKind::Organization, orgs(previous), orgs(current)),
        (
            RecordKind::Incubator,
            incubators(previous),
            incubators(current),
        ),
    ] {
        diff_kind(kind, previous, current, &prev, &cur, opts, &mut out);
    }
    out
}

fn orgs(m: &Model) -> Vec<Item<'_>> {
    m.organizations
        .iter()
        .map(|o| Item {
            name: &o.name,
            place: o.place,
            code: o.credit_code.as_deref().filter(|c| !c.is_empty()),
            active: o.active,
            origin: o.origin,
        })
        .collect()
}

fn incubators(m: &Model) -> Vec<Item<'_>> {
    m.incubators
        .iter()
        .map(|o| Item {
            name: &o.name,
            place: o.place,
            code: None,
            active: o.active,
            origin: o.origin,
        })
        .collect()
}

/// Pairs (previous index, current index) and how they matched.
fn pairs(
    previous: &Paths<'_>,
    current: &Paths<'_>,
    prev: &[Item<'_>],
    cur: &[Item<'_>],
) -> Vec<(Option<usize>, Option<usize>, Option<MatchedBy>)> {
    let mut cur_of_prev: Vec<Option<(usize, MatchedBy)>> = vec![None; prev.len()];
    let mut taken = vec![false; cur.len()];
    // 1. Credit codes (unique within an export: the model drops a repeated code as a
    //    duplicate).
    let by_code: HashMap<&str, usize> = cur
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.code.map(|k| (k, i)))
        .collect();
    for (i, p) in prev.iter().enumerate() {
        if let Some(&j) = p.code.and_then(|k| by_code.get(k)) {
            if !taken[j] {
                taken[j] = true;
                cur_of_prev[i] = Some((j, MatchedBy::Code));
            }
        }
    }
    // 2. Name and place, where at most one side has a code: the first unmatched current
    //    record of that key, in reading order.
    let mut by_key: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (j, c) in cur.iter().enumerate().rev() {
        if !taken[j] {
            by_key
                .entry((c.name, current.get(c.place)))
                .or_default()
                .push(j);
        }
    }
    for (i, p) in prev.iter().enumerate() {
        if cur_of_prev[i].is_some() {
            continue;
        }
        let key = (p.name, previous.get(p.place));
        let Some(cands) = by_key.get_mut(&key) else {
            continue;
        };
        // Candidates are stacked in reverse reading order: search from the top.
        let pos = cands
            .iter()
            .rposition(|&j| !taken[j] && (p.code.is_none() || cur[j].code.is_none()));
        if let Some(pos) = pos {
            let j = cands.remove(pos);
            taken[j] = true;
            cur_of_prev[i] = Some((j, MatchedBy::Name));
        }
    }
    let mut out: Vec<_> = cur_of_prev
        .into_iter()
        .enumerate()
        .map(|(i, m)| match m {
            Some((j, by)) => (Some(i), Some(j), Some(by)),
            None => (Some(i), None, None),
        })
        .collect();
    out.extend(
        taken
            .iter()
            .enumerate()
            .filter(|(_, t)| !**t)
            .map(|(j, _)| (None, Some(j), None)),
    );
    out
}

/// The region keys of a place at the levels counted: (path, own) per level, province
/// first. A place above a level stands for itself there, marked `own`.
fn keys(paths: &Paths<'_>, place: RegionId, levels: &[Level]) -> Vec<(String, bool)> {
    levels
        .iter()
        .map(|&l| match paths.regions.ancestor_at(place, l) {
            Some(a) => (paths.get(a).to_string(), false),
            None => (paths.get(place).to_string(), true),
        })
        .collect()
}

/// The full path of every region of a model, computed once.
struct Paths<'m> {
    regions: &'m RegionIndex,
    of: Vec<String>,
}

impl<'m> Paths<'m> {
    fn new(regions: &'m RegionIndex) -> Self {
        Paths {
            regions,
            of: regions.ids().map(|id| regions.path(id)).collect(),
        }
    }

    fn get(&self, id: RegionId) -> &str {
        self.of.get(id as usize).map(String::as_str).unwrap_or("")
    }
}

fn source(m: &Model, origin: crate::ingest::Origin) -> String {
    let t = m
        .tables
        .get(origin.table as usize)
        .map(crate::ingest::TableInfo::display_name)
        .unwrap_or_default();
    format!("{t}:{}", origin.row)
}

fn diff_kind(
    kind: RecordKind,
    previous: &Model,
    current: &Model,
    prev: &[Item<'_>],
    cur: &[Item<'_>],
    opts: DiffOptions,
    out: &mut DiffResult,
) {
    let levels: Vec<Level> = Level::ALL
        .into_iter()
        .take_while(|&l| l <= opts.by.min(Level::Street))
        .collect();
    let prev_paths = Paths::new(&previous.regions);
    let cur_paths = Paths::new(&current.regions);
    // Region rows: (path, own) → counts; order decided below.
    let mut rows: HashMap<(String, bool), RegionDiff> = HashMap::new();
    let bump = |rows: &mut HashMap<(String, bool), RegionDiff>,
                keys: &[(String, bool)],
                f: &dyn Fn(&mut RegionDiff)| {
        for (key, &level) in keys.iter().zip(&levels) {
            f(entry(rows, key, level));
        }
    };

    // Before and after, straight from the models.
    for p in prev {
        if p.active.at(opts.baseline_as_of) {
            bump(&mut rows, &keys(&prev_paths, p.place, &levels), &|r| {
                r.before += 1
            });
        }
    }
    for c in cur {
        if c.active.at(opts.as_of) {
            bump(&mut rows, &keys(&cur_paths, c.place, &levels), &|r| {
                r.after += 1
            });
        }
    }

    let totals = out.totals.entry(kind).or_default();
    totals.previous = prev.len() as u32;
    totals.current = cur.len() as u32;
    for (i, j, by) in pairs(&prev_paths, &cur_paths, prev, cur) {
        let p = i.and_then(|i| prev.get(i));
        let c = j.and_then(|j| cur.get(j));
        let p_active = p.is_some_and(|p| p.active.at(opts.baseline_as_of));
        let c_active = c.is_some_and(|c| c.active.at(opts.as_of));
        let pk = p.map(|p| keys(&prev_paths, p.place, &levels));
        let ck = c.map(|c| keys(&cur_paths, c.place, &levels));
        let p_path = p.map(|p| prev_paths.get(p.place).to_string());
        let c_path = c.map(|c| cur_paths.get(c.place).to_string());
        let renamed = matches!((p, c), (Some(p), Some(c)) if p.name != c.name);
        let (change, reason) = match (p_active, c_active) {
            (true, true) => {
                if p_path != c_path {
                    (Change::Moved, None)
                } else if renamed {
                    (Change::Renamed, None)
                } else {
                    (Change::Unchanged, None)
                }
            }
            (true, false) => {
                let reason = match c {
                    None => Reason::Gone,
                    Some(c) if c.active.end.is_some_and(|e| e <= opts.as_of) => {
                        Reason::Deregistered
                    }
                    Some(_) => Reason::NotYetFounded,
                };
                (Change::Dissolved, Some(reason))
            }
            (false, true) => (
                Change::Added,
                Some(if p.is_some() {
                    Reason::Reactivated
                } else {
                    Reason::New
                }),
            ),
            (false, false) => (Change::Inactive, None),
        };
        match change {
            Change::Added => {
                if let Some(ck) = &ck {
                    bump(&mut rows, ck, &|r| r.added += 1);
                }
            }
            Change::Dissolved => {
                if let Some(pk) = &pk {
                    bump(&mut rows, pk, &|r| r.dissolved += 1);
                }
            }
            Change::Moved | Change::Renamed | Change::Unchanged => {
                if let (Some(pk), Some(ck)) = (&pk, &ck) {
                    for ((a, b), &level) in pk.iter().zip(ck).zip(&levels) {
                        if a != b {
                            entry(&mut rows, a, level).moved_out += 1;
                            entry(&mut rows, b, level).moved_in += 1;
                        }
                    }
                    if renamed {
                        bump(&mut rows, ck, &|r| r.renamed += 1);
                    }
                }
            }
            Change::Inactive => {}
        }
        if let Some(by) = by {
            match by {
                MatchedBy::Code => totals.by_code += 1,
                MatchedBy::Name => totals.by_name += 1,
            }
        }
        *totals.changes.entry(change).or_insert(0) += 1;
        out.records.push(DiffRecord {
            kind,
            change,
            reason,
            matched_by: by,
            renamed,
            before: p.map(|p| Side {
                name: p.name.to_string(),
                place: p_path.clone().unwrap_or_default(),
                credit_code: p.code.map(str::to_string),
                active: p_active,
                source: source(previous, p.origin),
            }),
            after: c.map(|c| Side {
                name: c.name.to_string(),
                place: c_path.clone().unwrap_or_default(),
                credit_code: c.code.map(str::to_string),
                active: c_active,
                source: source(current, c.origin),
            }),
        });
    }

    // Tree order: the current model's region order, then the previous model's for regions
    // only it has; an "own" row right after its region's other rows.
    let mut order: HashMap<String, usize> = HashMap::new();
    for m in [current, previous] {
        for id in m.regions.topological() {
            let n = order.len();
            order.entry(m.regions.path(id)).or_insert(n);
        }
    }
    let sort_key = |r: &RegionDiff| -> Vec<usize> {
        // Each prefix of the path, looked up in the order.
        let parts: Vec<&str> = r.path.split('/').collect();
        let mut key: Vec<usize> = (1..=parts.len())
            .map(|n| {
                order
                    .get(&parts[..n].join("/"))
                    .copied()
                    .unwrap_or(usize::MAX)
            })
            .collect();
        if r.own {
            key.push(usize::MAX);
        }
        key
    };
    let mut rows: Vec<RegionDiff> = rows.into_values().collect();
    rows.sort_by_cached_key(|r| (sort_key(r), r.path.clone()));
    out.regions.extend(rows.into_iter().map(|r| (kind, r)));
}

/// The row of a region, created empty.
fn entry<'r>(
    rows: &'r mut HashMap<(String, bool), RegionDiff>,
    key: &(String, bool),
    level: Level,
) -> &'r mut RegionDiff {
    rows.entry(key.clone()).or_insert_with(|| RegionDiff {
        path: key.0.clone(),
        level,
        own: key.1,
        before: 0,
        after: 0,
        added: 0,
        dissolved: 0,
        moved_in: 0,
        moved_out: 0,
        renamed: 0,
    })
}
