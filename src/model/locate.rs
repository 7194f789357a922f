//! A row's place → its region within the scope, or the reason it is skipped.
//!
//! Rows are read with their place names interned (see `ingest::rows::Names`): every row
//! that writes the same name on the same reading thread shares one `Arc<str>`. So a place
//! is known again by the five addresses of its names, without hashing or comparing the
//! text, and everything `locate` works out for a spelling (the resolution, the city and
//! county it lies in, whether it is within the scope, the path an out-of-scope message
//! names) is worked out once per spelling. A national ledger writes a few hundred thousand
//! places millions of times.

use std::collections::HashMap;

use super::places::Route;
use super::region::{Level, RegionId, RegionIndex};
use super::resolve::{Resolved, Resolver};
use super::{skip, PlaceRoutes, TableReach};
use crate::ingest::{DataIssue, Origin, Place, SkipReason, TableInfo};
use crate::issue::{IssueKind, Text};

/// Spellings remembered at most; beyond that they are still located, just not
/// remembered (the resolver below keeps its own bounded memo of the text).
const LIMIT: usize = 1 << 20;

/// The addresses of a place's five names.
type Key = [usize; 5];

fn key(p: &Place) -> Key {
    let at = |t: &Text| std::sync::Arc::as_ptr(t).cast::<u8>() as usize;
    [
        at(&p.province),
        at(&p.city),
        at(&p.county),
        at(&p.street),
        at(&p.community),
    ]
}

/// What a spelling comes to.
enum Verdict {
    /// Within the scope: the region, and the route its least direct cell took.
    In(RegionId, Route),
    /// Resolved (or partly resolved) outside the scope: the route when it resolved, and the
    /// path the message names.
    OutOfScope(Option<Route>, Text),
    /// Not resolved: the column at fault, the reason and the issue.
    Miss(&'static str, SkipReason, IssueKind),
}

/// One remembered spelling.
struct Located {
    /// Keeps the names (and so the addresses in the key) alive while remembered.
    _place: Place,
    verdict: Verdict,
    /// The city and county of the deepest region that matched.
    city: Option<RegionId>,
    county: Option<RegionId>,
    /// The last table whose reach has this spelling's city and county.
    reached: Option<u32>,
}

/// Locates rows' places, remembering each spelling (see the module's text).
pub(super) struct Locator<'a> {
    resolver: Resolver<'a>,
    regions: &'a RegionIndex,
    scope: RegionId,
    memo: HashMap<Key, Located, foldhash::fast::RandomState>,
}

/// The lists `locate` adds to: tables (skip counts), issues, each table's reach, routes.
pub(super) type Sinks<'s> = (
    &'s mut [TableInfo],
    &'s mut Vec<DataIssue>,
    &'s mut [TableReach],
    &'s mut PlaceRoutes,
);

impl<'a> Locator<'a> {
    /// A locator of places within `scope`.
    pub(super) fn new(resolver: Resolver<'a>, regions: &'a RegionIndex, scope: RegionId) -> Self {
        Locator {
            resolver,
            regions,
            scope,
            memo: HashMap::default(),
        }
    }

    /// The resolver, for lookups other than a row's place.
    pub(super) fn resolver(&self) -> &Resolver<'a> {
        &self.resolver
    }
}

/// Everything `locate` needs to know of a spelling.
fn work_out(
    resolver: &mut Resolver<'_>,
    regions: &RegionIndex,
    scope: RegionId,
    place: &Place,
) -> Located {
    {
        let resolved = resolver.resolve(place);
        let resolved: &Resolved = resolved.as_ref();
        let deepest = match resolved {
            Ok((id, _)) => Some(*id),
            Err(miss) => miss.matched,
        };
        let verdict = match resolved {
            Ok((id, route)) if regions.is_within(*id, scope) => Verdict::In(*id, *route),
            Ok((id, route)) => Verdict::OutOfScope(Some(*route), regions.path(*id).into()),
            // The part that matched already lies outside the scope (another city): out of
            // scope, whatever is wrong further down.
            Err(miss)
                if miss.matched.is_some_and(|m| {
                    !regions.is_within(m, scope) && !regions.is_within(scope, m)
                }) =>
            {
                let m = miss.matched.unwrap_or(scope);
                Verdict::OutOfScope(None, regions.path(m).into())
            }
            Err(miss) => Verdict::Miss(miss.column.zh(), miss.reason, miss.kind.clone()),
        };
        Located {
            _place: place.clone(),
            verdict,
            city: deepest.and_then(|id| regions.ancestor_at(id, Level::City)),
            county: deepest.and_then(|id| regions.ancestor_at(id, Level::County)),
            reached: None,
        }
    }
}

impl Locator<'_> {
    /// Resolve a row's place and check it lies within the scope; otherwise count the row
    /// as skipped (unmatched, ambiguous or out of scope) with a data issue, and return
    /// `None`. `name` names the row in the out-of-scope message (a funds row has none).
    pub(super) fn locate(
        &mut self,
        (tables, issues, reach, routes): Sinks<'_>,
        origin: Origin,
        place: &Place,
        name: Option<&str>,
    ) -> Option<RegionId> {
        let k = key(place);
        if self.memo.len() < LIMIT && !self.memo.contains_key(&k) {
            let located = work_out(&mut self.resolver, self.regions, self.scope, place);
            self.memo.insert(k, located);
        }
        let regions = self.regions;
        let mut fresh;
        let located = match self.memo.get_mut(&k) {
            Some(l) => l,
            None => {
                fresh = work_out(&mut self.resolver, regions, self.scope, place);
                &mut fresh
            }
        };
        match &located.verdict {
            Verdict::In(id, route) => {
                routes.record(origin.table, *route, place, || regions.path(*id));
            }
            Verdict::OutOfScope(Some(route), path) => {
                routes.record(origin.table, *route, place, || path.to_string());
            }
            _ => {}
        }
        if located.reached != Some(origin.table) {
            if let Some(r) = reach.get_mut(origin.table as usize) {
                if let Some(c) = located.city {
                    r.cities.insert(c);
                }
                if let Some(c) = located.county {
                    r.counties.insert(c);
                }
            }
            located.reached = Some(origin.table);
        }
        let (column, reason, kind) = match &located.verdict {
            Verdict::In(id, _) => return Some(*id),
            Verdict::OutOfScope(_, path) => (
                None,
                SkipReason::OutOfScope,
                IssueKind::OutOfScope {
                    name: name.map(Into::into),
                    place: path.clone(),
                },
            ),
            Verdict::Miss(column, reason, kind) => (Some(*column), *reason, kind.clone()),
        };
        skip(tables, issues, origin, column, reason, kind);
        None
    }
}
