//! A row's place → its region within the scope, or the reason it is skipped.
//!
//! Each distinct spelling is resolved once by the resolver's memo (keyed by the text of
//! the five cells). Remembering more per spelling here (by the addresses of the interned
//! names: the scope verdict, the city and county) was measured slower and bigger on the
//! national-scale data, where a spelling repeats only four or five times: 5.57 s / 845 MB
//! against 5.26 s / 711 MB at 700,000 organizations.

use super::region::{Level, RegionId, RegionIndex};
use super::resolve::Resolver;
use super::{skip, PlaceRoutes, TableReach};
use crate::ingest::{DataIssue, Origin, Place, SkipReason, TableInfo};
use crate::issue::IssueKind;

/// Locates rows' places within a scope.
pub(super) struct Locator<'a> {
    resolver: Resolver<'a>,
    regions: &'a RegionIndex,
    scope: RegionId,
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
        (tables, issues, reach, routes): Sinks<'_>,
        origin: Origin,
        place: &Place,
        name: Option<&str>,
    ) -> Option<RegionId> {
        let (regions, scope) = (self.regions, self.scope);
        let resolved = self.resolver.resolve(place);
        let resolved = resolved.as_ref();
        if let Ok((id, route)) = resolved {
            routes.record(origin.table, *route, place, || regions.path(*id));
        }
        let deepest = match resolved {
            Ok((id, _)) => Some(*id),
            Err(miss) => miss.matched,
        };
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
        let (column, reason, kind) = match resolved {
            Ok((id, _)) if regions.is_within(*id, scope) => return Some(*id),
            Ok((id, _)) => (None, SkipReason::OutOfScope, out_of_scope(*id)),
            // The part that matched already lies outside the scope (another city): out of
            // scope, whatever is wrong further down.
            Err(miss)
                if miss.matched.is_some_and(|m| {
                    !regions.is_within(m, scope) && !regions.is_within(scope, m)
                }) =>
            {
                let m = miss.matched.unwrap_or(scope);
                (None, SkipReason::OutOfScope, out_of_scope(m))
            }
            Err(miss) => (Some(miss.column.zh()), miss.reason, miss.kind.clone()),
        };
        skip(tables, issues, origin, column, reason, kind);
        None
    }
}
