//! A row's place → its region within the scope, or the reason it is skipped.
//!
//! Each distinct spelling is resolved once by the resolver's memo (keyed by a 128-bit hash
//! of the five cells). Remembering more per spelling here (by the addresses of the interned
//! names: the scope verdict, the city and county) was measured slower and bigger on the
//! national-scale data, where a spelling repeats only four or five times: 5.57 s / 845 MB
//! against 5.26 s / 711 MB at 700,000 organizations.

use super::region::{Level, RegionId, RegionIndex};
use super::resolve::{Resolved, Resolver};
use super::{PlaceRoutes, TableReach};
use crate::keytable::Key;
use std::borrow::Cow;

use crate::ingest::{DataIssue, OrganizationRow, Origin, Place, PlaceIds, PlaceNames, SkipReason};
use crate::issue::{IssueBody, IssueKind, PlaceColumn};

/// A row's place: its names, or the ids of its names in a table (organization rows).
#[derive(Clone, Copy)]
pub(super) enum PlaceRef<'p> {
    Names(&'p Place),
    Ids(&'p PlaceIds, &'p dyn PlaceNames),
}

impl PlaceRef<'_> {
    /// The place's names.
    pub(super) fn names(&self) -> Cow<'_, Place> {
        match self {
            PlaceRef::Names(p) => Cow::Borrowed(p),
            PlaceRef::Ids(ids, table) => Cow::Owned(table.place_of(ids)),
        }
    }
}

/// Locates rows' places within a scope.
pub(super) struct Locator<'a> {
    resolver: Resolver<'a>,
    regions: &'a RegionIndex,
    scope: RegionId,
}

/// The lists `locate` adds to: rows skipped (by table and reason), issues, the regions met
/// by each table (for its reach), routes.
pub(super) type Sinks<'s> = (
    &'s mut Vec<(u32, SkipReason)>,
    &'s mut crate::ingest::Chunks<DataIssue>,
    &'s mut Reached,
    &'s mut PlaceRoutes,
);

/// What `admit` knows per region, one bit per region: the regions each table has met (their
/// cities and counties are its reach), and whether a region lies within the scope (worked
/// out for the whole tree at once: row by row, a region's first row walked up the tree from
/// it, a miss of the cache a community on the admitting thread).
pub(super) struct Reached {
    tables: Vec<Vec<u64>>,
    within: Vec<u64>,
}

/// Set bit `id` of `bits`.
fn mark(bits: &mut Vec<u64>, id: RegionId) {
    let (word, bit) = (id as usize / 64, 1u64 << (id % 64));
    if bits.len() <= word {
        bits.resize(word + 1, 0);
    }
    if let Some(w) = bits.get_mut(word) {
        *w |= bit;
    }
}

impl Reached {
    /// `id` met in `table`.
    fn meet(&mut self, table: u32, id: RegionId) {
        let t = table as usize;
        if self.tables.len() <= t {
            self.tables.resize_with(t + 1, Vec::new);
        }
        if let Some(bits) = self.tables.get_mut(t) {
            mark(bits, id);
        }
    }

    /// The cities and counties of the regions met in each table, added to that table's
    /// `reach` once every row is admitted. (Worked out row by row, each region's first row
    /// walked up from it: a miss of the cache a community, the admitting thread's costliest
    /// line at national scale; here the regions go by in the order of their ids, the tree's
    /// order, and a county's run of communities is looked up once.)
    pub(super) fn add_to(&self, regions: &RegionIndex, reach: &mut Vec<TableReach>) {
        for (t, bits) in self.tables.iter().enumerate() {
            if bits.iter().all(|&w| w == 0) {
                continue;
            }
            if reach.len() <= t {
                reach.resize(t + 1, TableReach::default());
            }
            let Some(r) = reach.get_mut(t) else {
                continue;
            };
            // The parent of the last street or community looked up: a sibling below the
            // county has the same city and county (a city or county is its own).
            let mut last = None;
            for (w, &word) in bits.iter().enumerate() {
                let mut x = word;
                while x != 0 {
                    let id = (w * 64) as RegionId + x.trailing_zeros();
                    x &= x - 1;
                    let up = regions
                        .parent_and_level(id)
                        .and_then(|(parent, level)| parent.filter(|_| level > Level::County));
                    if up.is_some() && up == last {
                        continue;
                    }
                    last = up;
                    if let Some(c) = regions.ancestor_at(id, Level::City) {
                        r.cities.insert(c);
                    }
                    if let Some(c) = regions.ancestor_at(id, Level::County) {
                        r.counties.insert(c);
                    }
                }
            }
        }
    }

    /// Nothing met yet, within `scope` of `regions`.
    pub(super) fn new(regions: &RegionIndex, scope: RegionId) -> Self {
        Reached {
            tables: Vec::new(),
            within: regions.within_bits(scope),
        }
    }

    /// [`RegionIndex::is_within`]`(id, scope)`.
    fn within(&self, regions: &RegionIndex, id: RegionId, scope: RegionId) -> bool {
        match self.within.get(id as usize / 64) {
            Some(w) => w & (1u64 << (id % 64)) != 0,
            None => regions.is_within(id, scope),
        }
    }
}

impl<'a> Locator<'a> {
    /// A locator of places within `scope`.
    pub(super) fn new(resolver: Resolver<'a>, regions: &'a RegionIndex, scope: RegionId) -> Self {
        Locator {
            resolver,
            regions,
            scope,
        }
    }

    /// The resolver, for lookups other than a row's place.
    pub(super) fn resolver(&self) -> &Resolver<'a> {
        &self.resolver
    }

    /// Resolve a row's place and check it lies within the scope; otherwise count the row
    /// as skipped (unmatched, ambiguous or out of scope) with a data issue, and return
    /// `None`. `name` names the row in the out-of-scope message (a funds row has none).
    pub(super) fn locate(
        &mut self,
        sinks: Sinks<'_>,
        origin: Origin,
        place: &Place,
        name: Option<&str>,
    ) -> Option<RegionId> {
        let (regions, scope) = (self.regions, self.scope);
        let resolved = self.resolver.resolve(place);
        admit(
            regions,
            scope,
            sinks,
            (origin, PlaceRef::Names(place), name),
            resolved,
        )
    }

    /// [`Locator::locate`] with the place already resolved (by a [`Pool`] or [`resolve_shard`]).
    pub(super) fn locate_resolved(
        &self,
        sinks: Sinks<'_>,
        (origin, place, name): (Origin, PlaceRef<'_>, Option<&str>),
        resolved: Resolved,
    ) -> Option<RegionId> {
        admit(
            self.regions,
            self.scope,
            sinks,
            (origin, place, name),
            Cow::Owned(resolved),
        )
    }
}

/// A resolved place as a resolve thread hands it to the admitting one, 16 bytes a row:
/// found; a name not in the list, by the values its issue shares with every row of the
/// spelling (one count up: a misspelt national ledger's misses were each a copy of a
/// 96-byte miss, boxed on one thread and freed on another); another miss, boxed.
pub(super) enum Outcome {
    Found(RegionId, super::Route),
    /// The values, with the column and the parent region beside them: admission then never
    /// reads the values (their line was last written by the resolve thread's count, on the
    /// other core: two thirds of admitting a misspelt row).
    Unlisted(
        std::sync::Arc<crate::issue::IssueBody>,
        PlaceColumn,
        RegionId,
    ),
    Missed(Box<super::resolve::Miss>),
}

impl Outcome {
    fn of(resolved: Cow<'_, Resolved>) -> Self {
        // A name not under its parent: the miss is its issue's values, its column and its
        // parent (`Resolution::resolved` makes it again from them).
        let unlisted = |m: &super::resolve::Miss| match (m.kind(), m.matched) {
            (IssueKind::NotInList(_), Some(parent)) if m.reason == SkipReason::UnmatchedPlace => {
                Some(Outcome::Unlisted(m.body.clone(), m.column, parent))
            }
            _ => None,
        };
        match resolved {
            Cow::Borrowed(Ok((id, route))) => Outcome::Found(*id, *route),
            Cow::Owned(Ok((id, route))) => Outcome::Found(id, route),
            Cow::Borrowed(Err(miss)) => {
                unlisted(miss).unwrap_or_else(|| Outcome::Missed(Box::new(miss.clone())))
            }
            Cow::Owned(Err(miss)) => {
                unlisted(&miss).unwrap_or_else(|| Outcome::Missed(Box::new(miss)))
            }
        }
    }

    /// Whether the place was found.
    pub(super) fn is_found(&self) -> bool {
        matches!(self, Outcome::Found(..))
    }
}

/// An organization row's place as [`Pool::resolve`] hands it to admission, with the row's
/// duplicate keys worked out on the resolve threads too ([`super::dedup::key`] of its name
/// and region, and of its credit code when it has one).
pub(super) struct Resolution {
    pub(super) outcome: Outcome,
    pub(super) key: super::dedup::Key,
    /// Its credit code's key, 0 for none ([`Resolution::code`]): an `Option` of it was 32
    /// bytes of the 48.
    code_key: super::dedup::Key,
}

// A block's outcomes cross from the resolve threads to the admitting one: 48 bytes a row.
const _: () = assert!(std::mem::size_of::<Resolution>() == 48);

impl Resolution {
    fn of(resolved: Cow<'_, Resolved>, row: &OrganizationRow) -> Resolution {
        let outcome = Outcome::of(resolved);
        // The keys are only asked for when the row is found (a miss is never a duplicate):
        // a misspelt ledger's misses are not hashed.
        let (key, code_key) = match outcome {
            Outcome::Found(id, _) => (
                super::dedup::key((&row.name, id)),
                row.credit_code()
                    .filter(|c| !c.is_empty())
                    // (A code whose key is 0, odds 2⁻¹²⁸, is kept apart from none.)
                    .map_or(0, |c| super::dedup::key(c).max(1)),
            ),
            _ => (0, 0),
        };
        Resolution {
            outcome,
            key,
            code_key,
        }
    }

    /// The key of the row's credit code when it has one.
    pub(super) fn code(&self) -> Option<super::dedup::Key> {
        (self.code_key != 0).then_some(self.code_key)
    }

    /// The outcome as the resolver gives it.
    pub(super) fn resolved(outcome: Outcome) -> Resolved {
        match outcome {
            Outcome::Found(id, route) => Ok((id, route)),
            Outcome::Unlisted(body, column, parent) => Err(super::resolve::Miss {
                column,
                reason: SkipReason::UnmatchedPlace,
                body,
                matched: Some(parent),
            }),
            Outcome::Missed(miss) => Err(*miss),
        }
    }
}

/// The outcome of one row, resolved by `r` alone.
pub(super) fn resolve_one(
    r: &mut Resolver<'_>,
    row: &OrganizationRow,
    names: &dyn PlaceNames,
) -> Resolution {
    Resolution::of(r.resolve_ids(&row.place, names), row)
}

/// Rows whose memo entries are looked at together before they are resolved.
const WARM_GROUP: usize = 8;

/// How far ahead in a shard's outcomes the admitting thread warms the duplicate table's
/// line of a row ([`Resolutions::next`]).
const WARM_AHEAD: usize = 16;

/// The shard of `n` a place falls to: by its street's id (its community's when the street
/// is blank), so that the same spelling always goes to the same resolver (and is resolved
/// and remembered once), and so do the misspelt communities of a street (whose names are
/// prepared once per resolver for the "是否为…？" search).
fn shard(p: &PlaceIds, n: usize) -> usize {
    let id = if p.street != 0 { p.street } else { p.community };
    (id.wrapping_mul(0x9E37_79B9) >> 16) as usize % n.max(1)
}

/// The rows of shard `k` of `n`, resolved by `r` in their order (taken a group at a time,
/// no list of them made). The memo's entries of a group are looked at back to back first,
/// so that their misses of the cache overlap.
pub(super) fn resolve_shard(
    r: &mut Resolver<'_>,
    rows: &[OrganizationRow],
    names: &dyn PlaceNames,
    (k, n): (usize, usize),
) -> Vec<Resolution> {
    let mut mine = rows.iter().filter(|row| shard(&row.place, n) == k);
    let mut out = Vec::with_capacity(rows.len() / n.max(1) + rows.len() / 16);
    loop {
        // The group's rows with their keys in the memo (fewer than a whole group at the end).
        let mut group: [Option<(&OrganizationRow, Key)>; WARM_GROUP] = [None; WARM_GROUP];
        for (g, row) in group.iter_mut().zip(mine.by_ref()) {
            let key = Resolver::ids_key(&row.place);
            r.warm_ids(key);
            *g = Some((row, key));
        }
        if let [None, ..] = group {
            return out;
        }
        for &(row, key) in group.iter().flatten() {
            r.warm_ahead(&row.place, key, names);
        }
        for &(row, key) in group.iter().flatten() {
            out.push(Resolution::of(r.resolve_keyed(&row.place, key, names), row));
        }
    }
}

/// A block's outcomes as the resolve threads gave them, each shard's in the order of its
/// rows, taken back in the order of the block's rows ([`Resolutions::next`]). (They were
/// merged into one list first, and the duplicate keys copied into another for warming: two
/// lists of every row's outcome in fresh memory, a fifth of a national run's page faults.)
pub(super) struct Resolutions {
    parts: Vec<std::vec::IntoIter<Resolution>>,
    /// Per shard: whether its first outcomes were handed to `warm`.
    started: Vec<bool>,
}

impl Resolutions {
    /// The outcomes of shard `k` of `parts.len()` in `parts[k]`.
    pub(super) fn of(parts: Vec<Vec<Resolution>>) -> Self {
        let n = parts.len();
        Resolutions {
            parts: parts.into_iter().map(Vec::into_iter).collect(),
            started: vec![false; n],
        }
    }

    /// Whether each shard holds exactly the outcomes of its rows of `rows`.
    fn fit(&self, rows: &[OrganizationRow]) -> bool {
        let n = self.parts.len();
        let mut count = vec![0usize; n];
        for row in rows {
            if let Some(c) = count.get_mut(shard(&row.place, n)) {
                *c += 1;
            }
        }
        self.parts.iter().zip(count).all(|(p, c)| p.len() == c)
    }

    /// The outcome of `row`, the next row of the block (rows are taken in order). The
    /// outcome [`WARM_AHEAD`] places further in the row's shard is handed to `warm` (the
    /// first ones all at once), so that the duplicate table's line for it is in the cache
    /// by the time it is taken.
    pub(super) fn next(
        &mut self,
        row: &OrganizationRow,
        warm: &mut dyn FnMut(&Resolution),
    ) -> Option<Resolution> {
        let k = shard(&row.place, self.parts.len());
        let (part, started) = (self.parts.get_mut(k)?, self.started.get_mut(k)?);
        if !*started {
            for r in part.as_slice().iter().take(WARM_AHEAD) {
                warm(r);
            }
            *started = true;
        }
        let taken = part.next();
        if let Some(r) = part.as_slice().get(WARM_AHEAD - 1) {
            warm(r);
        }
        taken
    }
}

/// A block of organization rows shared with the resolve threads while they resolve it.
type Block = std::sync::Arc<Vec<OrganizationRow>>;

/// The names a block's place ids stand for.
pub(super) type Names<'n> = std::sync::Arc<dyn PlaceNames + 'n>;

/// Resolve threads that live as long as a model build's organizations phase, one per
/// resolver, started once (they were started anew for every block: national-28 started
/// 136 threads in all, now 42). Each block goes to as many of them as it is worth; each
/// resolves its shard ([`shard`]: the rows of one spelling go to one thread, which
/// resolves and remembers it once), and the outcomes come back in the rows' order, the
/// same as resolving them one after the other.
pub(super) struct Pool<'n> {
    jobs: Vec<std::sync::mpsc::Sender<(Block, Names<'n>, usize)>>,
    done: std::sync::mpsc::Receiver<(usize, Vec<Resolution>)>,
    /// Resolves a block alone when a thread did not answer (not reached).
    spare: Resolver<'n>,
}

impl<'n> Pool<'n> {
    /// Start a thread per resolver of `resolvers` in `scope`; `spare` is kept here.
    pub(super) fn start<'scope>(
        scope: &'scope std::thread::Scope<'scope, '_>,
        resolvers: Vec<Resolver<'n>>,
        spare: Resolver<'n>,
    ) -> Self
    where
        'n: 'scope,
    {
        let (answer, done) = std::sync::mpsc::channel();
        let jobs = resolvers
            .into_iter()
            .enumerate()
            .map(|(k, mut r)| {
                let (job, jobs) = std::sync::mpsc::channel::<(Block, Names<'n>, usize)>();
                let answer = answer.clone();
                scope.spawn(move || {
                    for (rows, names, n) in jobs {
                        let out = resolve_shard(&mut r, &rows, &*names, (k, n));
                        // The block is the caller's again once every thread has answered.
                        drop(rows);
                        if answer.send((k, out)).is_err() {
                            break;
                        }
                    }
                });
                job
            })
            .collect();
        Pool { jobs, done, spare }
    }

    /// Resolve `block` (its place ids standing for `names`) on `n` of the threads (at least
    /// one, at most all).
    pub(super) fn resolve(
        &mut self,
        block: Vec<OrganizationRow>,
        names: &Names<'n>,
        n: usize,
    ) -> (Vec<OrganizationRow>, Resolutions) {
        let n = n.clamp(1, self.jobs.len().max(1));
        let shared: Block = std::sync::Arc::new(block);
        let sent = self
            .jobs
            .iter()
            .take(n)
            .filter(|j| j.send((shared.clone(), names.clone(), n)).is_ok())
            .count();
        let mut parts: Vec<Vec<Resolution>> = (0..n).map(|_| Vec::new()).collect();
        let mut answered = 0;
        while answered < sent {
            let Ok((k, out)) = self.done.recv() else {
                break;
            };
            if let Some(p) = parts.get_mut(k) {
                *p = out;
            }
            answered += 1;
        }
        let block = std::sync::Arc::try_unwrap(shared).unwrap_or_else(|b| (*b).clone());
        let resolved = Resolutions::of(parts);
        if answered == n && resolved.fit(&block) {
            return (block, resolved);
        }
        let alone = resolve_shard(&mut self.spare, &block, &**names, (0, 1));
        (block, Resolutions::of(vec![alone]))
    }
}

/// What [`Locator::locate`] does with a resolved place: count its route and reach, and
/// return its region when it lies within `scope`; otherwise skip the row with its issue.
fn admit(
    regions: &RegionIndex,
    scope: RegionId,
    (skips, issues, reached, routes): Sinks<'_>,
    (origin, place, name): (Origin, PlaceRef<'_>, Option<&str>),
    resolved: Cow<'_, Resolved>,
) -> Option<RegionId> {
    if let Ok((id, route)) = resolved.as_ref() {
        routes.record(origin.table, *route, place, || regions.path(*id));
    }
    let deepest = match resolved.as_ref() {
        Ok((id, _)) => Some(*id),
        Err(miss) => miss.matched,
    };
    // Its city and county are added to the table's reach at the end (`Reached::add_to`).
    if let Some(id) = deepest {
        reached.meet(origin.table, id);
    }
    let out_of_scope = |id: RegionId| IssueKind::OutOfScope {
        name: name.map(Into::into),
        place: regions.path(id).into(),
    };
    // A miss's issue shares the miss's body (a third of a misspelt national ledger's rows
    // are misses, of a few hundred thousand spellings: no copy of each).
    let (reason, body) = match resolved.into_owned() {
        Ok((id, _)) if reached.within(regions, id, scope) => return Some(id),
        Ok((id, _)) => (
            SkipReason::OutOfScope,
            IssueBody::new(None, out_of_scope(id)),
        ),
        // The part that matched already lies outside the scope (another city): out of
        // scope, whatever is wrong further down.
        Err(miss)
            if miss.matched.is_some_and(|m| {
                !reached.within(regions, m, scope) && !regions.is_within(scope, m)
            }) =>
        {
            let m = miss.matched.unwrap_or(scope);
            (
                SkipReason::OutOfScope,
                IssueBody::new(None, out_of_scope(m)),
            )
        }
        Err(miss) => (miss.reason, miss.body),
    };
    super::skip_shared(skips, issues, origin, reason, body);
    None
}
