//! Place lookup: a row's city / county / street / community text → a region.
//!
//! A ledger writes the same few places over and over (a community has a handful of
//! organizations, a county writes its names the same way on every row), so [`Resolver::resolve`]
//! remembers the outcome of every distinct spelling — the region and route, or the miss
//! with its "是否为…？" suggestion — and a repeated spelling costs one hash lookup, whether
//! it resolves or not.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::hash_map::Entry;
use std::collections::HashMap;

use foldhash::fast::RandomState;

use crate::ingest::{text, Place, PlaceIds, PlaceNames, SkipReason};
use crate::issue::{IssueBody, IssueKind, PlaceColumn, Text, Unlisted};
use std::sync::Arc;

use super::places::{Lookup, PlaceForms, Route};
use super::provinces;
use super::region::{Level, RegionId, RegionIndex};
use crate::keytable::{Key, KeyTable};

/// Why a place could not be resolved.
#[derive(Debug, Clone)]
pub(crate) struct Miss {
    /// The column at fault.
    pub column: PlaceColumn,
    /// Skip reason (unmatched, ambiguous, out of scope).
    pub reason: SkipReason,
    /// The data issue's body (a place kind: P201–P207, in the column at fault), shared by
    /// the issues of every row of the spelling.
    pub body: Arc<IssueBody>,
    /// The deepest region that did match (the street under which a community was not
    /// found, …), so that a row outside `--scope` can be told apart from a wrong name.
    pub matched: Option<RegionId>,
}

impl Miss {
    /// A miss in `column`, its issue of `kind`.
    pub(crate) fn new(
        column: PlaceColumn,
        reason: SkipReason,
        kind: IssueKind,
        matched: Option<RegionId>,
    ) -> Miss {
        Miss {
            column,
            reason,
            body: IssueBody::new(Some(column.zh_text()), kind),
            matched,
        }
    }

    /// The data issue's kind.
    pub(crate) fn kind(&self) -> &IssueKind {
        &self.body.kind
    }
}

/// The outcome of resolving one place.
pub(crate) type Resolved = Result<(RegionId, Route), Miss>;

/// Distinct spellings remembered at most (about 40 bytes each, more for a miss); beyond that, places are
/// still resolved, just not remembered, so memory stays bounded whatever the input.
const MEMO_LIMIT: usize = 1 << 20;

fn cells(p: &Place) -> [&str; 5] {
    [&p.province, &p.city, &p.county, &p.street, &p.community]
}

/// A place's five names, borrowed: an organization row's place is read from the dataset's
/// name table without a clone of each shared name (the resolve threads would count the
/// same shared names up and down: a contended atomic for every new spelling).
#[derive(Clone, Copy)]
struct Cells<'a> {
    province: &'a Text,
    city: &'a Text,
    county: &'a Text,
    street: &'a Text,
    community: &'a Text,
}

impl<'a> From<&'a Place> for Cells<'a> {
    fn from(p: &'a Place) -> Self {
        Cells {
            province: &p.province,
            city: &p.city,
            county: &p.county,
            street: &p.street,
            community: &p.community,
        }
    }
}

/// What [`Resolver::street_in`] gives.
enum StreetOf {
    /// The street, with its lookup's route.
    Found(RegionId, Route),
    /// The row's outcome, decided at the street.
    Done(Resolved),
}

/// See [`Resolver::upper`].
enum Upper {
    /// The place's outcome.
    Done(Resolved),
    /// City, county and the route so far: the street and community decide the rest.
    County(RegionId, RegionId, Route),
}

/// A remembered outcome: the region and route, or the index of the miss.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Slot {
    Found(RegionId, Route),
    Missed(u32),
}

/// A [`Slot`] in 32 bits, so that an entry of the memo by place ids ([`KeyTable`]) is 16
/// bytes, not 24 (national-28: a million places per resolver, 24k page faults of the
/// table's growth): the two top bits say what it is (0 nothing, 1 found, 2 missed); a
/// region takes the next two for its route and 28 for its id, a miss 30 for its index.
#[derive(Clone, Copy, Default, Debug, PartialEq)]
struct Packed(u32);

impl Packed {
    const FOUND: u32 = 1 << 30;
    const MISSED: u32 = 2 << 30;

    /// The slot packed; `None` when its id or index does not fit (then it is not
    /// remembered, only worked out again when met again).
    fn of(slot: Slot) -> Option<Packed> {
        match slot {
            Slot::Found(id, route) if id < 1 << 28 => {
                let r = match route {
                    Route::Exact => 0,
                    Route::Variant => 1,
                    Route::Short => 2,
                    Route::Alias => 3,
                };
                Some(Packed(Self::FOUND | r << 28 | id))
            }
            Slot::Missed(i) if i < 1 << 30 => Some(Packed(Self::MISSED | i)),
            _ => None,
        }
    }

    fn get(self) -> Option<Slot> {
        match self.0 >> 30 {
            1 => {
                let route = match (self.0 >> 28) & 3 {
                    0 => Route::Exact,
                    1 => Route::Variant,
                    2 => Route::Short,
                    _ => Route::Alias,
                };
                Some(Slot::Found(self.0 & ((1 << 28) - 1), route))
            }
            2 => Some(Slot::Missed(self.0 & ((1 << 30) - 1))),
            _ => None,
        }
    }
}

/// Looks places up in a region index.
pub(crate) struct Resolver<'a> {
    regions: &'a RegionIndex,
    forms: &'a PlaceForms,
    province: RegionId,
    province_name: &'a str,
    /// 128-bit hash of the five cells ([`super::dedup::key`], as the duplicate check keys
    /// its records: two spellings share one with a probability below 10⁻²⁵ at a million
    /// spellings) → the outcome's index in `memos`. Keyed by the hash alone, a repeated
    /// spelling is found without reading the remembered text again.
    memo: HashMap<u128, u32, RandomState>,
    /// The 128-bit hash of an organization row's place ids ([`Resolver::ids_key`]) → the
    /// outcome itself: a repeated place is one line of the cache, brought in ahead by
    /// [`Resolver::warm_ids`] (a `HashMap` probe read its control bytes, then its entry
    /// on another line: two misses one after the other, a national run's million places).
    memo_ids: KeyTable<Packed>,
    /// (province, city, county) ids of organization rows → their city, county and route
    /// (only when both were found: see [`Resolver::place_by_ids`]).
    counties: HashMap<(u32, u32, u32), (RegionId, RegionId, Route), RandomState>,
    /// (city, county, street id) of organization rows → their street, its route and whether
    /// it is a street (found ones only).
    streets: HashMap<(RegionId, RegionId, u32), (RegionId, Route, bool), RandomState>,
    /// The outcomes remembered, in the order first seen (the table moves small entries
    /// when it grows, not the outcomes): a region in 8 bytes, a miss as its index in
    /// `missed` (most spellings resolve; a miss carries its message's values).
    memos: Vec<Slot>,
    /// The misses remembered.
    missed: Vec<Resolved>,
    /// (parent, column) → name → the unmatched miss with its suggestion.
    misses: RefCell<Misses>,
    /// Names in `misses`.
    misses_remembered: Cell<usize>,
    /// (parent, column) → the names a miss there is compared with, prepared once
    /// ([`Candidate`]): a misspelt ledger searches the same county for every new spelling.
    candidates: RefCell<HashMap<(RegionId, PlaceColumn), Searched<'a>, RandomState>>,
}

/// What [`Resolver::search_unmatched`] keeps of a parent: its path (shared by its misses'
/// issues) and the names below it a miss is compared with.
struct Searched<'a> {
    path: Text,
    candidates: Vec<Candidate<'a>>,
}

/// A name a miss is compared with in [`Resolver::search_unmatched`], with what the search
/// needs of it worked out once: its characters and character signature ([`signature`]),
/// and the same of its form without 居委会 and the like.
struct Candidate<'a> {
    name: &'a str,
    chars: u32,
    sig: u64,
    /// The short form's length in bytes (the name's when there is none), characters and
    /// signature.
    short_len: u32,
    short_chars: u32,
    short_sig: u64,
}

impl<'a> Candidate<'a> {
    fn of(full: &'a str) -> Self {
        let short = text::strip_committee_suffix(full);
        let (chars, short_chars) = (char_count(full), char_count(short));
        let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        Candidate {
            name: full,
            chars: n(chars),
            sig: signature(full),
            short_len: n(short.len()),
            short_chars: n(short_chars),
            short_sig: signature(short),
        }
    }
}

/// The characters of a text as a set of 64 bits (each character sets one bit by a hash of
/// its code point). Two texts at most `b` edits apart differ by at most `b` bits either way:
/// each bit of one that the other lacks stands for a character of it (at one position at
/// least) the other does not hold, which only an insertion or a substitution makes; so a
/// candidate whose bits differ by more is passed over without computing its distance.
fn signature(s: &str) -> u64 {
    s.chars().fold(0, |sig, c| {
        sig | 1u64 << ((c as u32).wrapping_mul(0x9E37_79B1) >> 26)
    })
}

/// Whether the character sets `a` and `b` ([`signature`]) allow a distance of `bound`.
fn may_be_within(a: u64, b: u64, bound: usize) -> bool {
    at_most(a & !b, bound) && at_most(b & !a, bound)
}

/// Whether `bits` has at most `n` bits set (`n` is 0 to 2 here: a loop of that many steps,
/// each clearing the lowest, where `count_ones` is a dozen operations on a CPU without
/// `popcnt`, the baseline x86-64 this is built for).
fn at_most(mut bits: u64, n: usize) -> bool {
    for _ in 0..n {
        bits &= bits.wrapping_sub(1);
    }
    bits == 0
}

/// See [`Resolver::unmatched`].
type Misses = HashMap<(RegionId, PlaceColumn), HashMap<Box<str>, Miss, RandomState>, RandomState>;

impl<'a> Resolver<'a> {
    /// A resolver for the province `province` of `regions`, with the written forms
    /// `forms` prepared for that tree.
    pub fn new(
        regions: &'a RegionIndex,
        forms: &'a PlaceForms,
        province: RegionId,
        province_name: &'a str,
    ) -> Self {
        Resolver {
            regions,
            forms,
            province,
            province_name,
            memo: HashMap::default(),
            memo_ids: KeyTable::default(),
            counties: HashMap::default(),
            streets: HashMap::default(),
            memos: Vec::new(),
            missed: Vec::new(),
            misses: RefCell::new(HashMap::default()),
            misses_remembered: Cell::new(0),
            candidates: RefCell::new(HashMap::default()),
        }
    }

    /// [`Resolver::place`], remembered per distinct spelling: the same cells give the same
    /// outcome (the lookup depends on nothing else), computed once.
    pub fn resolve(&mut self, p: &Place) -> Cow<'_, Resolved> {
        let at = self.remember(p);
        self.outcome(at, || p.clone())
    }

    /// [`Resolver::resolve`] of a place given by the ids of its names in `names` (an
    /// organization row's), remembered by the ids (a name has one id, so the ids are the
    /// spelling): a repeated place costs one lookup of 20 bytes, a new one no hash of its
    /// text.
    pub fn resolve_ids(&mut self, ids: &PlaceIds, names: &dyn PlaceNames) -> Cow<'_, Resolved> {
        self.resolve_keyed(ids, Self::ids_key(ids), names)
    }

    /// The key of a place's ids in the memo.
    pub(crate) fn ids_key(ids: &PlaceIds) -> Key {
        crate::keytable::key(ids)
    }

    /// [`Resolver::resolve_ids`] of ids with their key ([`Resolver::ids_key`]).
    pub(crate) fn resolve_keyed(
        &mut self,
        ids: &PlaceIds,
        key: Key,
        names: &dyn PlaceNames,
    ) -> Cow<'_, Resolved> {
        let slot = match self.memo_ids.find(key) {
            Ok(slot) => slot.get(),
            Err(_) if self.memo_ids.len() >= MEMO_LIMIT => None,
            Err(vacant) => {
                let slot = match self.place_by_ids(ids, names) {
                    Ok((id, route)) => Slot::Found(id, route),
                    miss => {
                        self.missed.push(miss);
                        // Fewer misses than MEMO_LIMIT per map: the index fits.
                        Slot::Missed((self.missed.len() - 1) as u32)
                    }
                };
                // Nothing was put in the memo since the probe: `vacant` still holds.
                if let Some(packed) = Packed::of(slot) {
                    self.memo_ids.insert(vacant, key, packed);
                }
                Some(slot)
            }
        };
        self.slot_outcome(slot, || names.place_of(ids))
    }

    /// Have the memo's line for a place's key brought into the cache, changing nothing
    /// (asked for several rows back to back, their misses of the cache overlap).
    pub(crate) fn warm_ids(&self, key: Key) {
        self.memo_ids.warm(key);
    }

    /// Ready the lines a place's resolution will read, changing nothing (asked for a group
    /// of rows back to back after [`Resolver::warm_ids`], their misses of the cache
    /// overlap): a remembered miss's values ([`Resolver::warm_missed`]); for a place not
    /// remembered whose county and street are, its community's entries in the region
    /// index by name and by short name (each a random line of a table of the whole list).
    pub(crate) fn warm_ahead(&self, ids: &PlaceIds, key: Key, names: &dyn PlaceNames) {
        match self.memo_ids.find(key).map(Packed::get) {
            Ok(Some(Slot::Missed(i))) => self.warm_missed(i),
            Ok(_) => {}
            Err(_) => {
                let county = self.counties.get(&(ids.province, ids.city, ids.county));
                let Some(&(city, county, _)) = county else {
                    return;
                };
                let Some(&(street, _, true)) = self.streets.get(&(city, county, ids.street)) else {
                    return;
                };
                let community = names.name_of(ids.community);
                if !community.is_empty() {
                    self.regions.warm_community(street, community);
                }
            }
        }
    }

    /// Look at remembered miss `i` and the count of its shared values, which the next
    /// [`Resolver::resolve_ids`] of its spelling reads and counts up: a misspelt ledger's
    /// misses are tens of thousands, each met again far from the last time.
    pub(crate) fn warm_missed(&self, i: u32) {
        if let Some(entry) = self.missed.get(i as usize) {
            // Prefetches, not loads: a load that only warms holds back every instruction
            // after it until its line comes (perf, a misspelt national ledger: warming was
            // 6.0 % of the samples, 3.5 % in the clean one).
            crate::memory::prefetch(entry);
            if let Err(miss) = entry {
                crate::memory::prefetch(&*miss.body);
            }
        }
    }

    /// The index in `memos` of a spelling's outcome, worked out now when the spelling is
    /// new; `None` when the memo is full.
    fn remember(&mut self, p: &Place) -> Option<u32> {
        let key = super::dedup::key(cells(p));
        match self.memo.entry(key) {
            Entry::Occupied(at) => Some(*at.get()),
            Entry::Vacant(_) if self.memos.len() >= MEMO_LIMIT => None,
            Entry::Vacant(at) => {
                // MEMO_LIMIT < u32::MAX: the indices fit.
                let index = self.memos.len() as u32;
                at.insert(index);
                let slot = match self.place(p) {
                    Ok((id, route)) => Slot::Found(id, route),
                    miss => {
                        self.missed.push(miss);
                        Slot::Missed((self.missed.len() - 1) as u32)
                    }
                };
                self.memos.push(slot);
                Some(index)
            }
        }
    }

    /// The outcome remembered at `at`, or worked out anew for the place `p` gives.
    fn outcome(&self, at: Option<u32>, p: impl FnOnce() -> Place) -> Cow<'_, Resolved> {
        self.slot_outcome(at.and_then(|i| self.memos.get(i as usize).copied()), p)
    }

    /// The outcome a slot remembers, or worked out anew for the place `p` gives.
    fn slot_outcome(&self, slot: Option<Slot>, p: impl FnOnce() -> Place) -> Cow<'_, Resolved> {
        match slot {
            Some(Slot::Found(id, route)) => Cow::Owned(Ok((id, route))),
            Some(Slot::Missed(i)) => match self.missed.get(i as usize) {
                Some(m) => Cow::Borrowed(m),
                None => Cow::Owned(self.place(&p())),
            },
            None => Cow::Owned(self.place(&p())),
        }
    }

    /// Resolve a row's place to the most specific region it names, with the least direct
    /// route any cell took.
    pub fn place(&self, p: &Place) -> Result<(RegionId, Route), Miss> {
        let p = Cells::from(p);
        match self.upper(p) {
            Upper::Done(r) => r,
            Upper::County(city, county, route) => self.below_county(p, city, county, route),
        }
    }

    /// [`Resolver::place`] of an organization row's place (ids in `names`): its province,
    /// city and county, when they name a county, are looked up once for every street and
    /// community written under them.
    fn place_by_ids(&mut self, ids: &PlaceIds, names: &dyn PlaceNames) -> Resolved {
        let p = Cells {
            province: names.name_of(ids.province),
            city: names.name_of(ids.city),
            county: names.name_of(ids.county),
            street: names.name_of(ids.street),
            community: names.name_of(ids.community),
        };
        let key = (ids.province, ids.city, ids.county);
        let (city, county, route) = match self.counties.get(&key) {
            Some(&found) => found,
            None => match self.upper(p) {
                Upper::Done(r) => return r,
                Upper::County(city, county, route) => {
                    if self.counties.len() < MEMO_LIMIT {
                        self.counties.insert(key, (city, county, route));
                    }
                    (city, county, route)
                }
            },
        };
        if p.street.is_empty() {
            return self.below_county(p, city, county, route);
        }
        // The street by its id under the county: a county's few streets are written the
        // same way by thousands of distinct places (one per community spelling), each of
        // which looked the street up again.
        let street_key = (city, county, ids.street);
        let (street, r, is_street) = match self.streets.get(&street_key) {
            Some(&found) => found,
            None => match self.street_in(p, city, county, route) {
                StreetOf::Found(street, r) => {
                    let found = (street, r, self.is_street(street));
                    if self.streets.len() < MEMO_LIMIT {
                        self.streets.insert(street_key, found);
                    }
                    found
                }
                StreetOf::Done(outcome) => return outcome,
            },
        };
        self.at_street(p, (street, is_street), route.max(r))
    }

    /// The part of [`Resolver::place`] above the street: the place's outcome when that
    /// decides it, else its city and county (each found) and the route so far. It reads the
    /// province, city and county cells alone, but for a county that is the city itself or
    /// was split, where the lower cells decide (both [`Upper::Done`]).
    fn upper(&self, p: Cells<'_>) -> Upper {
        if !p.province.is_empty()
            && !self.province_name.is_empty()
            && !provinces::same_province(p.province, self.province_name)
        {
            return Upper::Done(Err(Miss::new(
                PlaceColumn::Province,
                SkipReason::OutOfScope,
                IssueKind::OtherProvince {
                    community: None,
                    province: p.province.clone(),
                    audited: self.province_name.into(),
                },
                None,
            )));
        }
        let city_blank = || {
            Miss::new(
                PlaceColumn::City,
                SkipReason::InvalidValue,
                IssueKind::CityBlank,
                None,
            )
        };
        if p.city.is_empty() {
            return Upper::Done(Err(city_blank()));
        }
        let mut route = Route::Exact;
        let p_chain = [self.province];
        let city = match self
            .forms
            .lookup(self.regions, self.province, &p_chain, p.city)
        {
            Lookup::Found(id, r) => {
                route = route.max(r);
                id
            }
            Lookup::Enclosing => return Upper::Done(Err(city_blank())),
            other => {
                return Upper::Done(Err(self.not_one(
                    PlaceColumn::City,
                    self.province,
                    p.city,
                    other,
                )))
            }
        };
        let lower_blank = |cells: &[&Text]| cells.iter().all(|c| c.is_empty());
        if p.county.is_empty() {
            return Upper::Done(Ok((city, route)));
        }
        let c_chain = [self.province, city];
        let county = match self.forms.lookup(self.regions, city, &c_chain, p.county) {
            Lookup::Found(id, r) => {
                route = route.max(r);
                id
            }
            Lookup::Enclosing if lower_blank(&[p.street, p.community]) => {
                return Upper::Done(Ok((city, route.max(Route::Variant))));
            }
            Lookup::Split(candidates, year) => {
                // A former county split among several: the street decides.
                return Upper::Done(self.split(p, city, candidates, year));
            }
            other => {
                return Upper::Done(Err(self.not_one(
                    PlaceColumn::County,
                    city,
                    p.county,
                    other,
                )))
            }
        };
        Upper::County(city, county, route)
    }

    /// The street and community of a row whose county is resolved.
    fn below_county(
        &self,
        p: Cells<'_>,
        city: RegionId,
        county: RegionId,
        route: Route,
    ) -> Result<(RegionId, Route), Miss> {
        if p.street.is_empty() {
            if p.community.is_empty() {
                return Ok((county, route));
            }
            return self.community_in(county, p.community).map(|c| (c, route));
        }
        match self.street_in(p, city, county, route) {
            StreetOf::Found(street, r) => {
                self.at_street(p, (street, self.is_street(street)), route.max(r))
            }
            StreetOf::Done(outcome) => outcome,
        }
    }

    /// The street of a row (its cell not blank) whose county is resolved: found (with the
    /// route of its own lookup), or the row's outcome when the street cell decides it.
    fn street_in(&self, p: Cells<'_>, city: RegionId, county: RegionId, route: Route) -> StreetOf {
        let s_chain = [self.province, city, county];
        match self.forms.lookup(self.regions, county, &s_chain, p.street) {
            Lookup::Found(id, r) => StreetOf::Found(id, r),
            Lookup::Enclosing if p.community.is_empty() => {
                StreetOf::Done(Ok((county, route.max(Route::Variant))))
            }
            other => StreetOf::Done(Err(self.not_one(
                PlaceColumn::Street,
                county,
                p.street,
                other,
            ))),
        }
    }

    /// The community of a row (if any) under its resolved street.
    fn at_street(
        &self,
        p: Cells<'_>,
        (street, is_street): (RegionId, bool),
        route: Route,
    ) -> Result<(RegionId, Route), Miss> {
        if p.community.is_empty() {
            return Ok((street, route));
        }
        match self.community_under((street, is_street), p.community) {
            Ok(c) => Ok((c, route)),
            // The street's own name repeated in the community cell (and no community of
            // that name): the row is at the street.
            Err(_) if **p.community == *self.regions.get(street).name => {
                Ok((street, route.max(Route::Variant)))
            }
            Err(miss) => Err(miss),
        }
    }

    /// A former county now split among `candidates`: exactly one of them must hold the
    /// row's street.
    fn split(
        &self,
        p: Cells<'_>,
        city: RegionId,
        candidates: &[RegionId],
        year: Option<i32>,
    ) -> Result<(RegionId, Route), Miss> {
        let successors = self.names(candidates);
        let county: Text = p.county.clone();
        if p.street.is_empty() {
            return Err(Miss::new(
                PlaceColumn::County,
                SkipReason::AmbiguousPlace,
                IssueKind::MergedCountyNeedsStreet {
                    county,
                    year,
                    successors,
                },
                Some(city),
            ));
        }
        let found: Vec<RegionId> = candidates
            .iter()
            .filter(|&&k| {
                let chain = [self.province, city, k];
                matches!(
                    self.forms.lookup(self.regions, k, &chain, p.street),
                    Lookup::Found(..)
                )
            })
            .copied()
            .collect();
        match found.as_slice() {
            [one] => self.below_county(p, city, *one, Route::Alias),
            [] => Err(Miss::new(
                PlaceColumn::Street,
                SkipReason::UnmatchedPlace,
                IssueKind::MergedCountyStreetNotFound {
                    county,
                    year,
                    successors,
                    street: p.street.clone(),
                },
                Some(city),
            )),
            many => Err(Miss::new(
                PlaceColumn::Street,
                SkipReason::AmbiguousPlace,
                IssueKind::MergedCountyStreetAmbiguous {
                    county,
                    year,
                    successors,
                    street: p.street.clone(),
                    candidates: self.names(many),
                },
                Some(city),
            )),
        }
    }

    /// The paths of `ids` (山西省/大同市/平城区 …).
    fn names(&self, ids: &[RegionId]) -> std::sync::Arc<[Text]> {
        ids.iter()
            .map(|&id| Text::from(self.regions.path(id)))
            .collect()
    }

    /// The miss for a cell that found nothing, or more than one region.
    fn not_one(&self, column: PlaceColumn, parent: RegionId, cell: &str, l: Lookup<'_>) -> Miss {
        match l {
            Lookup::Ambiguous(c) | Lookup::Split(c, _) => Miss::new(
                column,
                SkipReason::AmbiguousPlace,
                IssueKind::Ambiguous {
                    column,
                    name: cell.into(),
                    parent: self.regions.path(parent).into(),
                    candidates: self.names(c),
                },
                Some(parent),
            ),
            _ => self.unmatched(column, parent, cell),
        }
    }

    /// A community named in an organization's 服务社区 list, looked up among the
    /// communities of the organization's street (or, for one located at a county or city,
    /// of that region); the place issue when there is none.
    pub(crate) fn served_community(
        &self,
        place: RegionId,
        name: &str,
    ) -> Result<RegionId, IssueKind> {
        let base = match self.regions.get(place).level {
            Level::Community => self.regions.get(place).parent.unwrap_or(place),
            _ => place,
        };
        self.community_in(base, name).map_err(|m| m.kind().clone())
    }

    /// Find a community by name among the communities within `base` (a street, county or
    /// city): the exact name wins; else the name without committee suffix, if unique.
    fn community_in(&self, base: RegionId, name: &str) -> Result<RegionId, Miss> {
        self.community_under((base, self.is_street(base)), name)
    }

    /// Whether a region is a street (乡镇街道).
    fn is_street(&self, region: RegionId) -> bool {
        self.regions.get(region).level == Level::Street
    }

    /// [`Resolver::community_in`] with whether `base` is a street already known (a street
    /// remembered by its row's ids is not looked at again: its region's line was a miss of
    /// the cache for every place resolved, half of this function's time at national scale).
    fn community_under(
        &self,
        (base, is_street): (RegionId, bool),
        name: &str,
    ) -> Result<RegionId, Miss> {
        // Most rows: a street's community by its exact name, one lookup, no list made (a
        // street holds one community of a name).
        let (streets, exact): (Vec<RegionId>, Vec<RegionId>) = if is_street {
            if let Some(c) = self.regions.child(Some(base), name) {
                return Ok(c);
            }
            // Then by its short form (窑坡 for 窑坡社区居委会): one found is the
            // community, with no list made (a street's short forms are mostly one).
            let mut short = self
                .regions
                .short_named(base, text::strip_committee_suffix(name));
            match (short.next(), short.next()) {
                (Some(one), None) => return Ok(one),
                // None by either form: the "是否为…？" search.
                (None, _) => {
                    return Err(self.unmatched(PlaceColumn::Community, base, name));
                }
                _ => (vec![base], Vec::new()),
            }
        } else {
            let streets = self.regions.descendants_at(base, Level::Street);
            let exact = streets
                .iter()
                .filter_map(|&s| self.regions.child(Some(s), name))
                .collect();
            (streets, exact)
        };
        if exact.len() == 1 {
            return Ok(exact[0]);
        }
        let short = text::strip_committee_suffix(name);
        let mut found: Vec<RegionId> = if exact.len() > 1 {
            exact
        } else {
            streets
                .iter()
                .flat_map(|&s| self.regions.by_short_name(s, short))
                .collect()
        };
        found.dedup();
        match found.len() {
            1 => Ok(found[0]),
            0 => Err(self.unmatched(PlaceColumn::Community, base, name)),
            _ => Err(Miss::new(
                PlaceColumn::Community,
                SkipReason::AmbiguousPlace,
                IssueKind::Ambiguous {
                    column: PlaceColumn::Community,
                    name: name.into(),
                    parent: self.regions.path(base).into(),
                    candidates: found
                        .iter()
                        .map(|&c| Text::from(self.regions.get(c).name.as_str()))
                        .collect(),
                },
                Some(base),
            )),
        }
    }

    /// An "unmatched" miss with the nearest name among `parent`'s regions at the level
    /// below (or the communities within it) when one is at most two edits away.
    ///
    /// The search reads every sibling (every city of a national list, every community of
    /// a county) and depends only on the column, the parent and the name, so each is
    /// searched once: rows that differ only in the cells below the one that failed (all
    /// the organizations of a city from another province) share it. (A community's
    /// siblings are prepared once per parent: see [`Candidate`].)
    fn unmatched(&self, column: PlaceColumn, parent: RegionId, name: &str) -> Miss {
        // A community's miss is not remembered here: its rows share the spelling of every
        // cell above it too, so they share the whole place's memo entry, and a probe here
        // for each new misspelt community was a miss of the cache a spelling for nothing.
        if column == PlaceColumn::Community {
            // The caller then asks whether the name is the street's own ([`Resolver::
            // at_street`]): the street's record, cold, is brought in while the search runs.
            crate::memory::prefetch(self.regions.get(parent));
            return self.search_unmatched(column, parent, name);
        }
        if let Some(m) = self
            .misses
            .borrow()
            .get(&(parent, column))
            .and_then(|by_name| by_name.get(name))
        {
            return m.clone();
        }
        let miss = self.search_unmatched(column, parent, name);
        let n = self.misses_remembered.get();
        if n < MEMO_LIMIT {
            self.misses_remembered.set(n + 1);
            self.misses
                .borrow_mut()
                .entry((parent, column))
                .or_default()
                .insert(name.into(), miss.clone());
        }
        miss
    }

    /// [`Resolver::unmatched`], searched.
    fn search_unmatched(&self, column: PlaceColumn, parent: RegionId, name: &str) -> Miss {
        let mut cache = self.candidates.borrow_mut();
        let searched = cache.entry((parent, column)).or_insert_with(|| {
            let ids = if column == PlaceColumn::Community {
                self.regions.descendants_at(parent, Level::Community)
            } else {
                self.regions.get(parent).children.clone()
            };
            Searched {
                path: self.regions.path(parent).into(),
                candidates: ids
                    .into_iter()
                    .map(|id| Candidate::of(&self.regions.get(id).name))
                    .collect(),
            }
        });
        let candidates = &searched.candidates;
        // The rows of a national ledger come in any order, so the street's candidates are
        // met cold: their names (and the path the issue shares) are asked for all at once
        // before the loop needs them one after another.
        if let Some(b) = searched.path.as_bytes().first() {
            crate::memory::prefetch(b);
        }
        for c in candidates.iter() {
            if let Some(b) = c.name.as_bytes().first() {
                crate::memory::prefetch(b);
            }
        }
        // Only distances up to two matter: computed with a bound, the name prepared once for
        // every candidate.
        let mut near = Near::new(name);
        let sig = signature(name);
        // The nearest (then the first by name) of the candidates: once one is found at a
        // distance, a candidate further away is not worth computing exactly, so the bound
        // tightens to it (a tie is still found, with its exact distance).
        let mut best: Option<(usize, &str)> = None;
        let chars = near.chars.len();
        for c in candidates.iter() {
            let bound = best.map_or(2, |(d, _)| d);
            // A form's length and characters may be within the bound of the name's.
            let may = |n: u32, s: u64| {
                (n as usize).abs_diff(chars) <= bound && may_be_within(sig, s, bound)
            };
            let try_full = may(c.chars, c.sig);
            let try_short =
                (c.short_len as usize) < c.name.len() && may(c.short_chars, c.short_sig);
            if !try_full && !try_short {
                continue;
            }
            let full = c.name;
            let d_full = try_full
                .then(|| near.within(full, c.chars as usize, bound))
                .flatten();
            let d_short = if try_short {
                full.get(..c.short_len as usize)
                    .and_then(|short| near.within(short, c.short_chars as usize, bound))
            } else {
                None
            };
            let d = match (d_full, d_short) {
                (Some(a), Some(b)) => a.min(b),
                (Some(a), None) | (None, Some(a)) => a,
                (None, None) => continue,
            };
            if best.is_none_or(|b| (d, full) < b) {
                best = Some((d, full));
            }
        }
        Miss::new(
            column,
            SkipReason::UnmatchedPlace,
            IssueKind::NotInList(Unlisted {
                column,
                name: name.into(),
                parent: searched.path.clone(),
                suggestion: best.map(|(_, n)| Text::from(n)),
            }),
            Some(parent),
        )
    }
}

/// The characters of a short text: its bytes that do not continue a character (std's
/// `chars().count()` takes a general path, measured 27 M instructions for the candidates
/// of a misspelt 100,000-row ledger).
fn char_count(s: &str) -> usize {
    s.bytes().filter(|&b| (b as i8) >= -0x40).count()
}

/// A name prepared for bounded edit distances (over characters) to many others: the
/// bit-parallel Levenshtein distance of Myers (1999) in Hyyrö's form (as rapidfuzz writes
/// it), one 64-bit word of positions for a name of up to 64 characters, so that a candidate
/// costs a few word operations per character instead of a row of the table; a longer name
/// falls back to the table ([`edit_distance_within`]).
struct Near {
    chars: Vec<char>,
    /// Each distinct character of the name with the bits of the positions it holds.
    masks: Vec<(char, u64)>,
    prev: Vec<usize>,
    cur: Vec<usize>,
}

impl Near {
    fn new(name: &str) -> Self {
        let chars: Vec<char> = name.chars().collect();
        let mut masks: Vec<(char, u64)> = Vec::new();
        for (i, &c) in chars.iter().enumerate().take(64) {
            let bit = 1u64 << i;
            match masks.iter_mut().find(|(k, _)| *k == c) {
                Some((_, bits)) => *bits |= bit,
                None => masks.push((c, bit)),
            }
        }
        Near {
            chars,
            masks,
            prev: Vec::new(),
            cur: Vec::new(),
        }
    }

    /// The distance from the name to `b` (of `b_chars` characters) when it is at most
    /// `max`, else `None`.
    fn within(&mut self, b: &str, b_chars: usize, max: usize) -> Option<usize> {
        let m = self.chars.len();
        if m > 64 {
            return edit_distance_within(&self.chars, b, max, &mut self.prev, &mut self.cur);
        }
        if b_chars.abs_diff(m) > max {
            return None;
        }
        if m == 0 {
            return Some(b_chars);
        }
        let high = 1u64 << (m - 1);
        let (mut vp, mut vn) = (u64::MAX, 0u64);
        let mut dist = m;
        for (j, c) in b.chars().enumerate() {
            let x = self
                .masks
                .iter()
                .find(|(k, _)| *k == c)
                .map_or(0, |&(_, bits)| bits);
            let d0 = (((x & vp).wrapping_add(vp)) ^ vp) | x | vn;
            let hp = vn | !(d0 | vp);
            let hn = d0 & vp;
            if hp & high != 0 {
                dist += 1;
            } else if hn & high != 0 {
                dist -= 1;
            }
            let hp = (hp << 1) | 1;
            let hn = hn << 1;
            vp = hn | !(d0 | hp);
            vn = hp & d0;
            // Each character left lowers the distance by one at most.
            let left = b_chars.saturating_sub(j + 1);
            if dist > max + left {
                return None;
            }
        }
        (dist <= max).then_some(dist)
    }
}

/// The Levenshtein distance over characters between `a` and `b` when it is at most `max`
/// (else `None`), on the buffers `prev` and `cur`.
fn edit_distance_within(
    a: &[char],
    b: &str,
    max: usize,
    prev: &mut Vec<usize>,
    cur: &mut Vec<usize>,
) -> Option<usize> {
    if b.chars().count().abs_diff(a.len()) > max {
        return None;
    }
    prev.clear();
    prev.extend(0..=a.len());
    cur.clear();
    cur.resize(a.len() + 1, 0);
    for (i, cb) in b.chars().enumerate() {
        cur[0] = i + 1;
        let mut row_min = cur[0];
        for (j, ca) in a.iter().enumerate() {
            let cost = usize::from(*ca != cb);
            let v = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            cur[j + 1] = v;
            row_min = row_min.min(v);
        }
        // Every later row is at least this row's minimum.
        if row_min > max {
            return None;
        }
        std::mem::swap(prev, cur);
    }
    prev.get(a.len()).copied().filter(|&d| d <= max)
}

#[cfg(test)]
mod tests {
    use super::super::places::PlaceRules;
    use super::*;
    use crate::ingest::NameTable;
    // The full distance, the reference for `edit_distance_within`.
    use crate::ingest::text::edit_distance;

    #[test]
    fn a_remembered_outcome_is_packed_in_32_bits_or_not_remembered() {
        let routes = [Route::Exact, Route::Variant, Route::Short, Route::Alias];
        for route in routes {
            for id in [0, 1, 12_345, (1 << 28) - 1] {
                let slot = Slot::Found(id, route);
                assert_eq!(Packed::of(slot).and_then(Packed::get), Some(slot));
            }
            assert_eq!(Packed::of(Slot::Found(1 << 28, route)), None);
        }
        for i in [0, 7, (1 << 30) - 1] {
            let slot = Slot::Missed(i);
            assert_eq!(Packed::of(slot).and_then(Packed::get), Some(slot));
        }
        assert_eq!(Packed::of(Slot::Missed(1 << 30)), None);
        // An empty entry of the table holds nothing.
        assert_eq!(Packed::default().get(), None);
        assert_eq!(std::mem::size_of::<Packed>(), 4);
    }

    #[test]
    fn edit_distance_counts_characters() {
        assert_eq!(edit_distance("迎泽社区", "迎泽社区"), 0);
        assert_eq!(edit_distance("迎泽社", "迎泽社区"), 1);
        assert_eq!(edit_distance("迎择社区", "迎泽社区"), 1);
        assert_eq!(edit_distance("", "ab"), 2);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn bounded_distance_agrees_within_the_bound() {
        let words = [
            "",
            "a",
            "ab",
            "迎泽社区",
            "迎泽社",
            "迎择社区",
            "迎泽社区居委会",
            "kitten",
            "sitting",
            "阳泉市",
            "东阳泉市",
            "西安市",
        ];
        let (mut p, mut c) = (Vec::new(), Vec::new());
        for a in words {
            let ac: Vec<char> = a.chars().collect();
            for b in words {
                let d = edit_distance(a, b);
                let want = (d <= 2).then_some(d);
                assert_eq!(
                    edit_distance_within(&ac, b, 2, &mut p, &mut c),
                    want,
                    "{a} {b}"
                );
            }
        }
    }

    /// The character-set filter never passes over a name within the bound: every pair of
    /// words of a small alphabet up to five characters (with repeats, so that a character
    /// set differs from the positions), at every bound the search uses. It does pass over
    /// some that are not (else it would be worth nothing).
    #[test]
    fn character_sets_never_pass_over_a_near_name() {
        let alphabet = ['窑', '坡', '社', '区', 'a'];
        let mut words = vec![String::new()];
        for len in 1..=5u32 {
            for n in 0..alphabet.len().pow(len) {
                let mut k = n;
                let mut w = String::new();
                for _ in 0..len {
                    w.push(alphabet[k % alphabet.len()]);
                    k /= alphabet.len();
                }
                words.push(w);
            }
        }
        let mut passed_over = 0;
        for a in words.iter().step_by(7) {
            for b in &words {
                let d = edit_distance(a, b);
                for bound in 0..=2 {
                    let may = may_be_within(signature(a), signature(b), bound);
                    assert!(may || d > bound, "{a} {b} {bound}");
                    passed_over += usize::from(!may);
                }
            }
        }
        assert!(passed_over > 0);
        for (bits, n, want) in [
            (0, 0, true),
            (1, 0, false),
            (0b1010, 1, false),
            (0b1010, 2, true),
        ] {
            assert_eq!(at_most(bits, n), want, "{bits:b} {n}");
        }
    }

    #[test]
    fn characters_counted_as_std_counts_them() {
        for s in ["", "a", "窑坡社区", "a窑b", "𠀋村委会", "é", "\u{10FFFF}x"] {
            assert_eq!(char_count(s), s.chars().count(), "{s}");
        }
    }

    /// The bit-parallel distance equals the plain one wherever it is within the bound:
    /// every pair of words of a small alphabet (CJK and ASCII) up to seven characters, plus
    /// names longer than a word of positions (the table's fallback).
    #[test]
    fn bit_parallel_distance_agrees_with_the_plain_one() {
        let alphabet = ['窑', '坡', '社', '区', 'a', '村'];
        let mut words: Vec<String> = vec![String::new()];
        let mut frontier: Vec<String> = vec![String::new()];
        for _ in 0..4 {
            let next: Vec<String> = frontier
                .iter()
                .flat_map(|w| alphabet.iter().map(move |c| format!("{w}{c}")))
                .collect();
            words.extend(next.iter().cloned());
            frontier = next;
        }
        // Longer words, a sample: every fifth of those of length 4 with three more letters.
        let longer: Vec<String> = frontier
            .iter()
            .step_by(5)
            .map(|w| format!("{w}社区会"))
            .collect();
        words.extend(longer);
        words.push("长".repeat(70));
        words.push(format!("{}窑坡", "长".repeat(69)));
        let sample: Vec<&String> = words.iter().step_by(7).collect();
        let mut checked = 0;
        for a in &sample {
            let mut near = Near::new(a);
            for b in &words {
                let d = edit_distance(a, b);
                for max in 0..=3 {
                    let want = (d <= max).then_some(d);
                    let got = near.within(b, b.chars().count(), max);
                    assert_eq!(got, want, "{a} {b} {max}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 100_000, "{checked}");
    }

    /// The suggestion of the search whose bound tightens as it goes equals the nearest
    /// name (full or without its committee suffix, at most two edits; ties to the first by
    /// name) worked out with the plain distance over every candidate.
    #[test]
    fn suggestion_is_the_nearest_name_by_the_plain_distance() {
        let mut ix = RegionIndex::new();
        let p = ix.child_or_insert(None, "山西省", Level::Province);
        let c = ix.child_or_insert(Some(p), "阳泉市", Level::City);
        let k = ix.child_or_insert(Some(c), "城区", Level::County);
        let s = ix.child_or_insert(Some(k), "上站街道", Level::Street);
        // Names one, two and three edits from each other, with and without suffixes, in
        // an order where a farther name comes before a nearer one and ties differ by name.
        let communities = [
            "窑坡村村民委员会",
            "窑坡社区居委会",
            "窑坡二社区",
            "东窑坡社区",
            "西窑坡社区",
            "南山社区",
            "南山村委会",
            "北山社区",
            "桃河社区居民委员会",
            "桃园社区",
            "义井社区",
        ];
        for name in communities {
            let m = ix.child_or_insert(Some(s), name, Level::Community);
            ix.add_short_name(m);
        }
        let Ok(rules) = PlaceRules::builtin() else {
            panic!("builtin rules")
        };
        let forms = PlaceForms::build(&ix, p, rules);
        let r = Resolver::new(&ix, &forms, p, "山西省");
        let nearest = |name: &str| -> Option<String> {
            communities
                .iter()
                .filter_map(|full| {
                    let d = edit_distance(name, full)
                        .min(edit_distance(name, text::strip_committee_suffix(full)));
                    (d <= 2).then(|| (d, full.to_string()))
                })
                .min()
                .map(|(_, n)| n)
        };
        let asked = [
            "窑坡",
            "窑被",
            "窑坡社",
            "中窑坡社区",
            "南山",
            "南三",
            "北山村",
            "桃河",
            "桃花社区",
            "义井",
            "义",
            "完全不同的名字",
            "山社区",
            "窑坡村",
        ];
        let mut suggested = 0;
        for name in asked {
            let miss = r.search_unmatched(PlaceColumn::Community, s, name);
            let IssueKind::NotInList(u) = miss.kind() else {
                panic!("{name}: {:?}", miss.kind())
            };
            let want = nearest(name);
            assert_eq!(u.suggestion.as_deref(), want.as_deref(), "{name}");
            suggested += usize::from(want.is_some());
        }
        // Most asked names have a suggestion, one has none.
        assert!(suggested >= 10 && suggested < asked.len(), "{suggested}");
    }

    #[test]
    fn remembered_outcomes_equal_fresh_ones() {
        let mut ix = RegionIndex::new();
        let p = ix.child_or_insert(None, "山西省", Level::Province);
        for city in ["太原市", "阳泉市"] {
            let c = ix.child_or_insert(Some(p), city, Level::City);
            let k = ix.child_or_insert(Some(c), "城区", Level::County);
            let s = ix.child_or_insert(Some(k), "上站街道", Level::Street);
            let m = ix.child_or_insert(Some(s), "窑坡社区居委会", Level::Community);
            ix.add_short_name(m);
        }
        let Ok(rules) = PlaceRules::builtin() else {
            panic!("builtin rules")
        };
        let forms = PlaceForms::build(&ix, p, rules);
        let mut r = Resolver::new(&ix, &forms, p, "山西省");
        let place = |city: &str, community: &str| Place {
            city: city.into(),
            county: "城区".into(),
            street: "上站街道".into(),
            community: community.into(),
            ..Place::default()
        };
        let show = |x: &Resolved| match x {
            Ok((id, route)) => format!("{id} {route:?}"),
            Err(m) => {
                let issue = crate::ingest::DataIssue::new(
                    None,
                    None,
                    m.kind().clone(),
                    crate::ingest::Outcome::Counted,
                );
                format!(
                    "{:?} {:?} {} {:?}",
                    m.column,
                    m.reason,
                    issue.text(),
                    m.matched
                )
            }
        };
        let cases = [
            place("阳泉市", "窑坡社区"),
            place("阳泉", "窑坡"),
            place("阳泉市", "窑被社区"),
            place("阳泉市", "窑被社区"),
            place("西安市", "窑坡社区"),
            place("西安市", "别的社区"),
            place("太原市", "窑被社区"),
        ];
        for (i, c) in cases.iter().enumerate() {
            let fresh = show(&r.place(c));
            // Twice: the first computes and remembers, the second is remembered.
            assert_eq!(show(&r.resolve(c)), fresh, "case {i}");
            assert_eq!(show(&r.resolve(c)), fresh, "case {i}");
        }
        // By ids (an organization row's place), the same outcomes, whichever place of a
        // county comes first: a county's lookup remembered for one street and community
        // must not decide another's, nor a county that names the city itself, nor a blank
        // or unknown one, nor another province's.
        let written =
            |province: &str, city: &str, county: &str, street: &str, community: &str| Place {
                province: province.into(),
                city: city.into(),
                county: county.into(),
                street: street.into(),
                community: community.into(),
            };
        let more = [
            written("", "阳泉市", "城区", "上站街道", "窑坡社区"),
            written("", "阳泉市", "城区", "别的街道", "窑坡社区"),
            written("", "阳泉市", "城区", "", ""),
            written("", "阳泉市", "阳泉市", "", ""),
            written("", "阳泉市", "阳泉市", "上站街道", "窑坡社区"),
            written("", "阳泉市", "", "上站街道", "窑坡社区"),
            written("", "阳泉市", "矿区", "上站街道", "窑坡社区"),
            written("陕西省", "阳泉市", "城区", "上站街道", "窑坡社区"),
            written("山西省", "阳泉市", "城区", "上站街道", "窑被社区"),
            written("", "", "城区", "上站街道", "窑坡社区"),
        ];
        let mut names = NameTable::default();
        for round in 0..2 {
            for (i, c) in cases.iter().chain(&more).enumerate() {
                let ids = names.intern(c);
                let fresh = show(&r.place(c));
                assert_eq!(show(&r.resolve_ids(&ids, &names)), fresh, "{round} {i}");
            }
        }
        assert!(!r.counties.is_empty());
        assert!(show(&r.resolve(&cases[2])).contains("是否为“窑坡社区居委会”"));
        assert!(show(&r.resolve(&cases[6])).contains("山西省/太原市/城区/上站街道"));
        // An unmatched city is searched once, whatever the cells below it.
        let searched = r.misses_remembered.get();
        let again = r.resolve(&place("西安市", "第三社区")).into_owned();
        assert!(show(&again).contains("市“西安市”不在山西省的名单中"));
        assert_eq!(r.misses_remembered.get(), searched);
    }
}
