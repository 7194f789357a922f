//! Record-level diff between two exports of the same ledgers (a quarter and the one
//! before): which organizations and incubators were added, dissolved, moved or renamed,
//! and how that explains the change of every region's count. Pure: two [`Model`]s and the
//! as-of dates in, a [`DiffResult`] out.
//!
//! **Matching.** An organization (or an incubator) of the previous export and one of the
//! current export are the same record when both carry a 统一社会信用代码 and the codes are
//! equal; otherwise when they have the same name and resolve to the same place (the key of
//! the duplicate check in `model`: folded name and resolved region, the same region of the
//! two models being the one with the same path) and at most one of them has a code (two
//! different codes are two records). Codes are matched first, over the whole export, then
//! names. So a record without a code that changed its place or name cannot be told from
//! one closing and another opening: it shows as dissolved there and added here (generic
//! names such as 老年协会 repeat across communities, so matching by name alone would pair
//! strangers).
//!
//! **Cost.** The regions of the two models are joined once (`Joint`: ids, paths and
//! the rows each region counts in); per record the diff looks up integers, and the records
//! borrow their names and codes from the models. Two 100,000-row exports diff in about a
//! tenth of a second; reading them is the rest.
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
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;

use crate::ingest::{Origin, SkipReason};
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

/// One side of a record: borrowed from its model, the place and the table shared (a
/// diff of two 100,000-row exports holds 200,000 of these; nothing is copied per record).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Side<'m> {
    /// Name as read (folded).
    pub name: &'m str,
    /// Resolved place, full path.
    pub place: Arc<str>,
    /// 统一社会信用代码.
    pub credit_code: Option<&'m str>,
    /// Active at this side's as-of date.
    pub active: bool,
    /// The table it was read from: `file[#sheet]`.
    pub table: Arc<str>,
    /// Its row in that table.
    pub row: u32,
}

impl Side<'_> {
    /// Where it was read: `file[#sheet]:row`.
    pub fn source(&self) -> String {
        format!("{}:{}", self.table, self.row)
    }
}

/// One record of either export (or both).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffRecord<'m> {
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
    pub before: Option<Side<'m>>,
    /// In the current export.
    pub after: Option<Side<'m>>,
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
    pub(crate) fn balanced(&self) -> bool {
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
#[derive(Debug, Clone)]
pub struct DiffResult<'m> {
    /// Previous as-of date.
    pub baseline_as_of: NaiveDate,
    /// Current as-of date.
    pub as_of: NaiveDate,
    /// Every record, changed or not, previous-export order first (then the current
    /// export's records that match none).
    pub records: Vec<DiffRecord<'m>>,
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

impl DiffResult<'_> {
    /// Whether every region row satisfies the identity.
    #[cfg(test)]
    pub(crate) fn balanced(&self) -> bool {
        self.regions.iter().all(|(_, r)| r.balanced())
    }
}

/// One record of one side, in the form the matching needs.
struct Item<'a> {
    name: &'a str,
    place: RegionId,
    code: Option<&'a str>,
    active: Active,
    origin: Origin,
}

/// Compare two exports.
pub fn diff<'m>(previous: &'m Model, current: &'m Model, opts: DiffOptions) -> DiffResult<'m> {
    let joint = Joint::new(&previous.regions, &current.regions, opts.by);
    let tables = [table_names(previous), table_names(current)];
    let mut out = DiffResult {
        baseline_as_of: opts.baseline_as_of,
        as_of: opts.as_of,
        records: Vec::with_capacity(
            previous.organizations.len()
                + current.organizations.len()
                + previous.incubators.len()
                + current.incubators.len(),
        ),
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
        diff_kind(kind, &joint, &tables, &prev, &cur, opts, &mut out);
    }
    out
}

fn orgs(m: &Model) -> Vec<Item<'_>> {
    m.organizations
        .iter()
        .map(|o| Item {
            name: &o.name,
            place: o.place,
            code: o.credit_code().filter(|c| !c.is_empty()),
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
            code: o.credit_code.as_deref().filter(|c| !c.is_empty()),
            active: o.active,
            origin: o.origin,
        })
        .collect()
}

/// `file[#sheet]` of every table of a model, shared by the records read from it.
fn table_names(m: &Model) -> Vec<Arc<str>> {
    m.tables.iter().map(|t| t.display_name().into()).collect()
}

/// No row, no region, no record.
const NONE: usize = usize::MAX;

/// The regions of both exports as one tree. A region is the same in both exports when its
/// path (the names from the province down) is: the current model's regions keep their
/// ids, the previous model's are mapped onto them by parent and name, and the regions only
/// the previous export has are appended (in its order). Each region's path, and the rows it
/// counts in at each level, are worked out once here; per record the diff only looks up
/// integers.
struct Joint {
    /// Previous model's region id → joint id.
    prev: Vec<usize>,
    /// Per joint region: its parent.
    parent: Vec<Option<usize>>,
    /// Per joint region: its level.
    level: Vec<Level>,
    /// Per joint region: its full path.
    path: Vec<Arc<str>>,
    /// The levels counted, province down to `by` (at most street).
    levels: Vec<Level>,
    /// Per joint region and counted level: the row a record placed there counts in, or
    /// [`NONE`]. Row `2 × id` is the region `id`; row `2 × id + 1` holds the region's own
    /// records (placed at the region itself) at the first counted level below it.
    keys: Vec<usize>,
}

impl Joint {
    fn new(previous: &RegionIndex, current: &RegionIndex, by: Level) -> Joint {
        let levels: Vec<Level> = Level::ALL
            .into_iter()
            .take_while(|&l| l <= by.min(Level::Street))
            .collect();
        let mut j = Joint {
            prev: Vec::with_capacity(previous.len()),
            parent: Vec::with_capacity(current.len()),
            level: Vec::with_capacity(current.len()),
            path: Vec::with_capacity(current.len()),
            levels,
            keys: Vec::new(),
        };
        // A parent is always inserted before its children (`RegionIndex::child_or_insert`
        // takes an existing id), so the parent's joint id is known when a child comes.
        for id in current.ids() {
            let r = current.get(id);
            let parent = r.parent.map(|p| p as usize).filter(|&p| p < j.path.len());
            j.push(parent, r.level, &r.name, || current.path(id));
        }
        let n = current.len();
        for id in previous.ids() {
            let r = previous.get(id);
            let parent = r
                .parent
                .and_then(|p| j.prev.get(p as usize).copied())
                .filter(|&p| p != NONE);
            let same = match (r.parent, parent) {
                (None, _) => current.child(None, &r.name),
                (Some(_), Some(p)) if p < n => RegionId::try_from(p)
                    .ok()
                    .and_then(|p| current.child(Some(p), &r.name)),
                _ => None,
            };
            let joint = match same {
                Some(c) => c as usize,
                None => j.push(parent, r.level, &r.name, || previous.path(id)),
            };
            j.prev.push(joint);
        }
        let width = j.levels.len();
        let mut keys = Vec::with_capacity(j.path.len() * width);
        for id in 0..j.path.len() {
            let mut own = false;
            for &level in &j.levels {
                keys.push(match j.ancestor_at(id, level) {
                    Some(a) => 2 * a,
                    // The region lies above this level: its own row, once.
                    None if !own => {
                        own = true;
                        2 * id + 1
                    }
                    None => NONE,
                });
            }
        }
        j.keys = keys;
        j
    }

    /// Append a region; its path is the parent's and its name, or `full()` for a root.
    fn push(
        &mut self,
        parent: Option<usize>,
        level: Level,
        name: &str,
        full: impl FnOnce() -> String,
    ) -> usize {
        let path: Arc<str> = match parent.and_then(|p| self.path.get(p)) {
            Some(pp) => format!("{pp}/{name}").into(),
            None => full().into(),
        };
        self.parent.push(parent);
        self.level.push(level);
        self.path.push(path);
        self.path.len() - 1
    }

    /// The ancestor of `id` at `level` (itself if it is at that level).
    fn ancestor_at(&self, id: usize, level: Level) -> Option<usize> {
        let mut cur = Some(id);
        // A region is at most five levels deep; the bound keeps a malformed tree finite.
        for _ in 0..=Level::ALL.len() {
            let c = cur?;
            let l = *self.level.get(c)?;
            if l == level {
                return Some(c);
            }
            if l < level {
                return None;
            }
            cur = self.parent.get(c).copied().flatten();
        }
        None
    }

    /// Joint id of a region of the previous model.
    fn of_prev(&self, id: RegionId) -> usize {
        self.prev.get(id as usize).copied().unwrap_or(NONE)
    }

    /// Joint id of a region of the current model (the same id).
    fn of_cur(&self, id: RegionId) -> usize {
        let id = id as usize;
        if id < self.path.len() {
            id
        } else {
            NONE
        }
    }

    /// The rows a record placed at joint region `id` counts in, one per counted level.
    fn keys(&self, id: usize) -> &[usize] {
        let w = self.levels.len();
        id.checked_mul(w)
            .and_then(|a| self.keys.get(a..a + w))
            .unwrap_or(&[])
    }

    fn path(&self, id: usize) -> Arc<str> {
        self.path.get(id).cloned().unwrap_or_else(|| Arc::from(""))
    }

    /// The order of a row: its region's ancestors from the province down (joint ids follow
    /// the current model's tree order, then the previous model's), a region's own row
    /// after the rows of its children.
    fn sort_key(&self, row: usize) -> Vec<usize> {
        let mut key = Vec::with_capacity(6);
        let mut cur = Some(row / 2);
        for _ in 0..=Level::ALL.len() {
            let Some(c) = cur else { break };
            key.push(c);
            cur = self.parent.get(c).copied().flatten();
        }
        key.reverse();
        if row % 2 == 1 {
            key.push(usize::MAX);
        }
        key
    }
}

/// Pairs (previous index, current index) and how they matched.
fn pairs(
    joint: &Joint,
    prev: &[Item<'_>],
    cur: &[Item<'_>],
) -> Vec<(Option<usize>, Option<usize>, Option<MatchedBy>)> {
    let mut cur_of_prev: Vec<Option<(usize, MatchedBy)>> = vec![None; prev.len()];
    let mut taken = vec![false; cur.len()];
    // 1. Credit codes: the first current record with the code. (The model drops a
    //    repeated organization code as a duplicate; a repeated one goes on to step 2.)
    let mut by_code: HashMap<&str, usize> = HashMap::with_capacity(cur.len());
    for (j, c) in cur.iter().enumerate() {
        if let Some(k) = c.code {
            by_code.entry(k).or_insert(j);
        }
    }
    for (i, p) in prev.iter().enumerate() {
        if let Some(&j) = p.code.and_then(|k| by_code.get(k)) {
            if let Some(t) = taken.get_mut(j).filter(|t| !**t) {
                *t = true;
                cur_of_prev[i] = Some((j, MatchedBy::Code));
            }
        }
    }
    // 2. Name and place, where at most one side has a code: the first unmatched current
    //    record of that key, in reading order. The unmatched current records of a key are
    //    kept in two queues (without a code, with one) linked through `next`: a previous
    //    record with a code takes the head of the first, one without the earlier head.
    #[derive(Clone, Copy)]
    struct Queues {
        head: [usize; 2],
        tail: [usize; 2],
    }
    let mut next = vec![NONE; cur.len()];
    let mut by_key: HashMap<(&str, usize), Queues> = HashMap::with_capacity(cur.len());
    for (j, c) in cur.iter().enumerate() {
        if taken[j] {
            continue;
        }
        let q = by_key
            .entry((c.name, joint.of_cur(c.place)))
            .or_insert(Queues {
                head: [NONE; 2],
                tail: [NONE; 2],
            });
        let k = usize::from(c.code.is_some());
        match next.get_mut(q.tail[k]) {
            Some(n) => *n = j,
            None => q.head[k] = j,
        }
        q.tail[k] = j;
    }
    for (i, p) in prev.iter().enumerate() {
        if cur_of_prev[i].is_some() {
            continue;
        }
        let Some(q) = by_key.get_mut(&(p.name, joint.of_prev(p.place))) else {
            continue;
        };
        let j = if p.code.is_some() {
            q.head[0]
        } else {
            q.head[0].min(q.head[1])
        };
        let Some(c) = cur.get(j) else { continue };
        let k = usize::from(c.code.is_some());
        q.head[k] = next.get(j).copied().unwrap_or(NONE);
        taken[j] = true;
        cur_of_prev[i] = Some((j, MatchedBy::Name));
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

/// The counts of one row while the diff runs (`level`: set when first counted).
#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    level: Option<Level>,
    n: [u32; 7],
}

const BEFORE: usize = 0;
const AFTER: usize = 1;
const ADDED: usize = 2;
const DISSOLVED: usize = 3;
const MOVED_IN: usize = 4;
const MOVED_OUT: usize = 5;
const RENAMED: usize = 6;

/// Count one in `what` of a row, at `level`.
fn count(rows: &mut [Counts], row: usize, level: Level, what: usize) {
    if let Some(c) = rows.get_mut(row) {
        c.level.get_or_insert(level);
        if let Some(n) = c.n.get_mut(what) {
            *n += 1;
        }
    }
}

/// Count one in `what` of every row of `keys` (one per level).
fn bump(rows: &mut [Counts], levels: &[Level], keys: &[usize], what: usize) {
    for (&row, &level) in keys.iter().zip(levels) {
        if row != NONE {
            count(rows, row, level, what);
        }
    }
}

fn side<'m>(item: &Item<'m>, active: bool, place: Arc<str>, tables: &[Arc<str>]) -> Side<'m> {
    Side {
        name: item.name,
        place,
        credit_code: item.code,
        active,
        table: tables
            .get(item.origin.table as usize)
            .cloned()
            .unwrap_or_else(|| Arc::from("")),
        row: item.origin.row,
    }
}

fn diff_kind<'m>(
    kind: RecordKind,
    joint: &Joint,
    tables: &[Vec<Arc<str>>; 2],
    prev: &[Item<'m>],
    cur: &[Item<'m>],
    opts: DiffOptions,
    out: &mut DiffResult<'m>,
) {
    let levels = &joint.levels;
    let mut rows = vec![Counts::default(); joint.path.len() * 2];

    // Before and after, straight from the models.
    for p in prev {
        if p.active.at(opts.baseline_as_of) {
            bump(
                &mut rows,
                levels,
                joint.keys(joint.of_prev(p.place)),
                BEFORE,
            );
        }
    }
    for c in cur {
        if c.active.at(opts.as_of) {
            bump(&mut rows, levels, joint.keys(joint.of_cur(c.place)), AFTER);
        }
    }

    let totals = out.totals.entry(kind).or_default();
    totals.previous = u32::try_from(prev.len()).unwrap_or(u32::MAX);
    totals.current = u32::try_from(cur.len()).unwrap_or(u32::MAX);
    for (i, j, by) in pairs(joint, prev, cur) {
        let p = i.and_then(|i| prev.get(i));
        let c = j.and_then(|j| cur.get(j));
        let p_active = p.is_some_and(|p| p.active.at(opts.baseline_as_of));
        let c_active = c.is_some_and(|c| c.active.at(opts.as_of));
        let p_place = p.map(|p| joint.of_prev(p.place));
        let c_place = c.map(|c| joint.of_cur(c.place));
        let renamed = matches!((p, c), (Some(p), Some(c)) if p.name != c.name);
        let (change, reason) = match (p_active, c_active) {
            (true, true) => {
                if p_place != c_place {
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
        match (change, p_place, c_place) {
            (Change::Added, _, Some(c)) => bump(&mut rows, levels, joint.keys(c), ADDED),
            (Change::Dissolved, Some(p), _) => {
                bump(&mut rows, levels, joint.keys(p), DISSOLVED);
            }
            (Change::Moved | Change::Renamed | Change::Unchanged, Some(p), Some(c)) => {
                let (pk, ck) = (joint.keys(p), joint.keys(c));
                for ((&a, &b), &level) in pk.iter().zip(ck).zip(levels) {
                    if a != b {
                        if a != NONE {
                            count(&mut rows, a, level, MOVED_OUT);
                        }
                        if b != NONE {
                            count(&mut rows, b, level, MOVED_IN);
                        }
                    }
                }
                if renamed {
                    bump(&mut rows, levels, ck, RENAMED);
                }
            }
            _ => {}
        }
        match by {
            Some(MatchedBy::Code) => totals.by_code += 1,
            Some(MatchedBy::Name) => totals.by_name += 1,
            None => {}
        }
        *totals.changes.entry(change).or_insert(0) += 1;
        out.records.push(DiffRecord {
            kind,
            change,
            reason,
            matched_by: by,
            renamed,
            before: p
                .zip(p_place)
                .map(|(p, at)| side(p, p_active, joint.path(at), &tables[0])),
            after: c
                .zip(c_place)
                .map(|(c, at)| side(c, c_active, joint.path(at), &tables[1])),
        });
    }

    // Tree order: the current model's region order, then the previous model's for regions
    // only it has; an "own" row right after its region's other rows.
    let mut counted: Vec<usize> = rows
        .iter()
        .enumerate()
        .filter(|(_, c)| c.level.is_some())
        .map(|(row, _)| row)
        .collect();
    counted.sort_by_cached_key(|&row| joint.sort_key(row));
    out.regions.extend(counted.into_iter().filter_map(|row| {
        let c = rows.get(row)?;
        let [before, after, added, dissolved, moved_in, moved_out, renamed] = c.n;
        Some((
            kind,
            RegionDiff {
                path: joint.path(row / 2).to_string(),
                level: c.level?,
                own: row % 2 == 1,
                before,
                after,
                added,
                dissolved,
                moved_in,
                moved_out,
                renamed,
            },
        ))
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Organization;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    /// A model whose regions are inserted path by path ("阳泉市/城区/上站街道"), in order.
    fn model(paths: &[&str]) -> Model {
        let mut m = Model::default();
        let p = m.regions.child_or_insert(None, "山西省", Level::Province);
        m.province = p;
        m.scope = p;
        for path in paths {
            let mut at = p;
            for (name, level) in path.split('/').zip(&Level::ALL[1..]) {
                at = m.regions.child_or_insert(Some(at), name, *level);
            }
        }
        m
    }

    /// Add an organization at `path` (below the province), always active.
    fn org(m: &mut Model, name: &str, path: &str, code: Option<&str>) {
        let mut at = m.province;
        for name in path.split('/') {
            at = m.regions.child(Some(at), name).unwrap_or(NONE as RegionId);
        }
        let row = m.organizations.len() as u32 + 2;
        m.organizations.push(Organization {
            origin: Origin { table: 0, row },
            name: name.into(),
            place: at,
            category: None,
            registration: None,
            brand: false,
            active: Active {
                start: None,
                end: None,
            },
            extra: crate::model::OrgExtra::of(code.map(Into::into), Box::default()),
        });
    }

    fn opts(by: Level) -> DiffOptions {
        DiffOptions {
            baseline_as_of: date("2023-09-30"),
            as_of: date("2023-12-31"),
            by,
        }
    }

    /// (label, [before, after, added, dissolved, in, out, renamed]) of the organization rows.
    fn rows(r: &DiffResult<'_>) -> Vec<(String, [u32; 7])> {
        r.regions
            .iter()
            .filter(|(k, _)| *k == RecordKind::Organization)
            .map(|(_, d)| {
                let label = if d.own {
                    format!("{}（本级）", d.path)
                } else {
                    d.path.clone()
                };
                let n = [
                    d.before,
                    d.after,
                    d.added,
                    d.dissolved,
                    d.moved_in,
                    d.moved_out,
                    d.renamed,
                ];
                (label, n)
            })
            .collect()
    }

    #[test]
    fn records_above_the_counted_levels_count_once_in_their_own_row() {
        // By street: A and B are placed at the city itself before; now A still is, B has
        // moved to a street (same code), C is new at the city.
        let mut prev = model(&["阳泉市/城区/上站街道"]);
        org(&mut prev, "A", "阳泉市", None);
        org(&mut prev, "B", "阳泉市", Some("B1"));
        let mut cur = model(&["阳泉市/城区/上站街道"]);
        org(&mut cur, "A", "阳泉市", None);
        org(&mut cur, "B", "阳泉市/城区/上站街道", Some("B1"));
        org(&mut cur, "C", "阳泉市", None);
        let r = diff(&prev, &cur, opts(Level::Street));
        // 阳泉市（本级）: before A B, after A C: added C, moved out B (2 − 2 = 1 − 0 + 0 − 1).
        // It shows once, at the county level, after the city's other rows.
        let want: Vec<(String, [u32; 7])> = vec![
            ("山西省".into(), [2, 3, 1, 0, 0, 0, 0]),
            ("山西省/阳泉市".into(), [2, 3, 1, 0, 0, 0, 0]),
            ("山西省/阳泉市/城区".into(), [0, 1, 0, 0, 1, 0, 0]),
            ("山西省/阳泉市/城区/上站街道".into(), [0, 1, 0, 0, 1, 0, 0]),
            ("山西省/阳泉市（本级）".into(), [2, 2, 1, 0, 0, 1, 0]),
        ];
        assert_eq!(rows(&r), want);
        assert!(r.balanced());
        let own = r.regions.iter().find(|(_, d)| d.own).map(|(_, d)| d.level);
        assert_eq!(own, Some(Level::County));
    }

    #[test]
    fn regions_are_the_same_by_path_whatever_their_ids() {
        // The previous model lists 晋城市 first and has a county the current one lacks;
        // the current one lists 阳泉市 first: the ids differ, the places do not.
        let mut prev = model(&[
            "晋城市/城区/东街街道",
            "阳泉市/矿区/沙坪街道",
            "阳泉市/城区/上站街道",
        ]);
        org(&mut prev, "舞蹈队", "阳泉市/城区/上站街道", None);
        org(&mut prev, "合唱团", "阳泉市/矿区/沙坪街道", None);
        org(&mut prev, "书画社", "晋城市/城区/东街街道", Some("S1"));
        let mut cur = model(&["阳泉市/城区/上站街道", "晋城市/城区/东街街道"]);
        org(&mut cur, "舞蹈队", "阳泉市/城区/上站街道", None);
        org(&mut cur, "书画社", "阳泉市/城区/上站街道", Some("S1"));
        let r = diff(&prev, &cur, opts(Level::County));
        let change = |name: &str| {
            r.records
                .iter()
                .find(|x| x.before.as_ref().is_some_and(|s| s.name == name))
                .map(|x| (x.change, x.matched_by))
        };
        assert_eq!(
            change("舞蹈队"),
            Some((Change::Unchanged, Some(MatchedBy::Name)))
        );
        assert_eq!(
            change("书画社"),
            Some((Change::Moved, Some(MatchedBy::Code)))
        );
        assert_eq!(change("合唱团"), Some((Change::Dissolved, None)));
        // Tree order: the current model's (阳泉市 before 晋城市), then 矿区, which only the
        // previous export has, after the current regions of 阳泉市.
        let want: Vec<(String, [u32; 7])> = vec![
            ("山西省".into(), [3, 2, 0, 1, 0, 0, 0]),
            ("山西省/阳泉市".into(), [2, 2, 0, 1, 1, 0, 0]),
            ("山西省/阳泉市/城区".into(), [1, 2, 0, 0, 1, 0, 0]),
            ("山西省/阳泉市/矿区".into(), [1, 0, 0, 1, 0, 0, 0]),
            ("山西省/晋城市".into(), [1, 0, 0, 0, 0, 1, 0]),
            ("山西省/晋城市/城区".into(), [1, 0, 0, 0, 0, 1, 0]),
        ];
        assert_eq!(rows(&r), want);
        assert!(r.balanced());
    }

    #[test]
    fn name_matching_takes_the_first_candidate_a_code_allows() {
        // Same name and place three times now: with code X, without code, with code Y.
        // Before: one with code Z (may only take the one without a code), one without a
        // code (takes the first left: X's record).
        let mut prev = model(&["阳泉市/城区/上站街道"]);
        org(&mut prev, "老年协会", "阳泉市/城区/上站街道", Some("Z"));
        org(&mut prev, "老年协会", "阳泉市/城区/上站街道", None);
        let mut cur = model(&["阳泉市/城区/上站街道"]);
        org(&mut cur, "老年协会", "阳泉市/城区/上站街道", Some("X"));
        org(&mut cur, "老年协会", "阳泉市/城区/上站街道", None);
        org(&mut cur, "老年协会", "阳泉市/城区/上站街道", Some("Y"));
        let r = diff(&prev, &cur, opts(Level::City));
        let pairs: Vec<(Option<u32>, Option<u32>)> = r
            .records
            .iter()
            .map(|x| {
                (
                    x.before.as_ref().map(|s| s.row),
                    x.after.as_ref().map(|s| s.row),
                )
            })
            .collect();
        // Rows are 2, 3, 4 in order of insertion.
        assert_eq!(
            pairs,
            [(Some(2), Some(3)), (Some(3), Some(2)), (None, Some(4))]
        );
    }
}
