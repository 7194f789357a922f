//! A row's place → its region within the scope, or the reason it is skipped.
//!
//! Each distinct spelling is resolved once by the resolver's memo (keyed by a 128-bit hash
//! of the five cells). Remembering more per spelling here (by the addresses of the interned
//! names: the scope verdict, the city and county) was measured slower and bigger on the
//! national-scale data, where a spelling repeats only four or five times: 5.57 s / 845 MB
//! against 5.26 s / 711 MB at 700,000 organizations.

use super::region::{Level, RegionId, RegionIndex};
use super::resolve::{Resolved, Resolver};
use super::{skip, PlaceRoutes, TableReach};
use std::borrow::Cow;

use crate::ingest::{
    DataIssue, NameTable, OrganizationRow, Origin, Place, PlaceIds, SkipReason, TableInfo,
};
use crate::issue::IssueKind;

/// A row's place: its names, or the ids of its names in a table (organization rows).
#[derive(Clone, Copy)]
pub(super) enum PlaceRef<'p> {
    Names(&'p Place),
    Ids(&'p PlaceIds, &'p NameTable),
}

impl PlaceRef<'_> {
    /// The place's names.
    pub(super) fn names(&self) -> Cow<'_, Place> {
        match self {
            PlaceRef::Names(p) => Cow::Borrowed(p),
            PlaceRef::Ids(ids, table) => Cow::Owned(table.place(ids)),
        }
    }
}

/// Locates rows' places within a scope.
pub(super) struct Locator<'a> {
    resolver: Resolver<'a>,
    regions: &'a RegionIndex,
    scope: RegionId,
}

/// The lists `locate` adds to: tables (skip counts), issues, each table's reach (with the
/// regions already counted in it), routes.
pub(super) type Sinks<'s> = (
    &'s mut [TableInfo],
    &'s mut Vec<DataIssue>,
    (&'s mut [TableReach], &'s mut Reached),
    &'s mut PlaceRoutes,
);

/// What `admit` has worked out per region, one bit per region: the regions whose city and
/// county each table's reach already holds (most rows name a region an earlier row of their
/// table named, and are passed over without walking up the tree again), and whether a
/// region lies within the scope.
#[derive(Default)]
pub(super) struct Reached {
    tables: Vec<Vec<u64>>,
    known: Vec<u64>,
    within: Vec<u64>,
}

/// Set bit `id` of `bits`; whether it was clear.
fn mark(bits: &mut Vec<u64>, id: RegionId) -> bool {
    let (word, bit) = (id as usize / 64, 1u64 << (id % 64));
    if bits.len() <= word {
        bits.resize(word + 1, 0);
    }
    match bits.get_mut(word) {
        Some(w) if *w & bit != 0 => false,
        Some(w) => {
            *w |= bit;
            true
        }
        None => true,
    }
}

fn bit(bits: &[u64], id: RegionId) -> bool {
    bits.get(id as usize / 64)
        .is_some_and(|w| w & (1u64 << (id % 64)) != 0)
}

impl Reached {
    /// Whether `id` is met in `table` for the first time (it is marked met).
    fn first(&mut self, table: u32, id: RegionId) -> bool {
        let t = table as usize;
        if self.tables.len() <= t {
            self.tables.resize_with(t + 1, Vec::new);
        }
        self.tables.get_mut(t).is_none_or(|bits| mark(bits, id))
    }

    /// [`RegionIndex::is_within`]`(id, scope)`, worked out once per region.
    fn within(&mut self, regions: &RegionIndex, id: RegionId, scope: RegionId) -> bool {
        if !mark(&mut self.known, id) {
            return bit(&self.within, id);
        }
        let inside = regions.is_within(id, scope);
        if inside {
            mark(&mut self.within, id);
        }
        inside
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

    /// [`Locator::locate`] with the place already resolved (by [`resolve_all`]).
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

/// A resolved place with its miss boxed: most rows are found, and a block's outcomes travel
/// from the resolve threads to the admitting one, 16 bytes a row instead of a miss's 96.
type Outcome = Result<(RegionId, super::Route), Box<super::resolve::Miss>>;

/// An organization row's place as [`resolve_all`] hands it to admission, with the row's
/// duplicate keys worked out on the resolve threads too ([`super::dedup::key`] of its name
/// and region, and of its credit code when it has one).
pub(super) struct Resolution {
    pub(super) outcome: Outcome,
    pub(super) key: super::dedup::Key,
    pub(super) code: Option<super::dedup::Key>,
}

impl Resolution {
    fn of(resolved: Cow<'_, Resolved>, row: &OrganizationRow) -> Resolution {
        let outcome = match resolved {
            Cow::Borrowed(Ok(found)) => Ok(*found),
            Cow::Owned(Ok(found)) => Ok(found),
            Cow::Borrowed(Err(miss)) => Err(Box::new(miss.clone())),
            Cow::Owned(Err(miss)) => Err(Box::new(miss)),
        };
        // The keys are only asked for when the row is found (a miss is never a duplicate):
        // a misspelt ledger's misses are not hashed.
        let (key, code) = match outcome {
            Ok((id, _)) => (
                super::dedup::key((&row.name, id)),
                row.credit_code
                    .as_deref()
                    .filter(|c| !c.is_empty())
                    .map(super::dedup::key),
            ),
            Err(_) => (0, None),
        };
        Resolution { outcome, key, code }
    }

    /// The outcome as the resolver gives it.
    pub(super) fn resolved(outcome: Outcome) -> Resolved {
        outcome.map_err(|miss| *miss)
    }
}

/// Rows whose memo entries are looked at together before they are resolved.
const WARM_GROUP: usize = 8;

/// Resolve the places of many organization rows (ids in `names`) at once on `threads`
/// threads, each with a resolver of its own: a place goes to the thread its community's
/// name falls to, so that the rows of one spelling are resolved (and remembered) by one
/// thread. The outcomes come back in the order of `rows`, the same as resolving them
/// one after the other.
pub(super) fn resolve_all(
    resolvers: &mut [Resolver<'_>],
    rows: &[OrganizationRow],
    names: &NameTable,
) -> Vec<Resolution> {
    let n = resolvers.len();
    if n <= 1 {
        return match resolvers.first_mut() {
            Some(r) => rows
                .iter()
                .map(|row| Resolution::of(r.resolve_ids(&row.place, names), row))
                .collect(),
            None => Vec::new(),
        };
    }
    // The community's id: the same spelling, the same shard.
    let shard = |p: &PlaceIds| (p.community.wrapping_mul(0x9E37_79B9) >> 16) as usize % n;
    let parts: Vec<Vec<Resolution>> = std::thread::scope(|s| {
        let handles: Vec<_> = resolvers
            .iter_mut()
            .enumerate()
            .map(|(k, r)| {
                s.spawn(move || {
                    let mine: Vec<&OrganizationRow> =
                        rows.iter().filter(|row| shard(&row.place) == k).collect();
                    // The memo's entries of a few rows are looked at back to back first, so
                    // that their misses of the cache overlap.
                    let mut out = Vec::with_capacity(mine.len());
                    for group in mine.chunks(WARM_GROUP) {
                        for row in group {
                            r.warm_ids(&row.place);
                        }
                        for row in group {
                            out.push(Resolution::of(r.resolve_ids(&row.place, names), row));
                        }
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    // Each shard's outcomes are in the order of its rows: take them back in turn.
    let mut parts: Vec<_> = parts.into_iter().map(Vec::into_iter).collect();
    rows.iter()
        .map(|row| {
            let k = shard(&row.place);
            match parts.get_mut(k).and_then(Iterator::next) {
                Some(r) => r,
                // Not reached (every row went to its shard); resolved here all the same.
                None => Resolution::of(resolvers[k].resolve_ids(&row.place, names), row), // k < n
            }
        })
        .collect()
}

/// What [`Locator::locate`] does with a resolved place: count its route and reach, and
/// return its region when it lies within `scope`; otherwise skip the row with its issue.
fn admit(
    regions: &RegionIndex,
    scope: RegionId,
    (tables, issues, (reach, reached), routes): Sinks<'_>,
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
    let deepest = deepest.filter(|&id| reached.first(origin.table, id));
    if let (Some(id), Some(r)) = (deepest, reach.get_mut(origin.table as usize)) {
        if let Some(c) = regions.ancestor_at(id, Level::City) {
            r.cities.insert(c);
        }
        if let Some(c) = regions.ancestor_at(id, Level::County) {
            r.counties.insert(c);
        }
    }
    let out_of_scope = |id: RegionId| IssueKind::OutOfScope {
        name: name.map(Into::into),
        place: regions.path(id).into(),
    };
    // An owned outcome gives its miss's issue to the row (a third of a misspelt national
    // ledger's rows are misses: no copy of each); a remembered one lends a copy.
    let (column, reason, kind) = match resolved.into_owned() {
        Ok((id, _)) if reached.within(regions, id, scope) => return Some(id),
        Ok((id, _)) => (None, SkipReason::OutOfScope, out_of_scope(id)),
        // The part that matched already lies outside the scope (another city): out of
        // scope, whatever is wrong further down.
        Err(miss)
            if miss
                .matched
                .is_some_and(|m| !regions.is_within(m, scope) && !regions.is_within(scope, m)) =>
        {
            let m = miss.matched.unwrap_or(scope);
            (None, SkipReason::OutOfScope, out_of_scope(m))
        }
        Err(miss) => (Some(miss.column.zh_text()), miss.reason, miss.kind),
    };
    skip(tables, issues, origin, column, reason, kind);
    None
}
