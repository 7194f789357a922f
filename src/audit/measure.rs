//! The measures: density, coverage, count, yearly count, info.

use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};

use super::{years_judged, Row, Status};
use crate::ingest::{Registration, TableKind, UrbanRural};
use crate::model::{Level, Model, RegionId};
use crate::plan::{
    Attach, Field, Filter, Measure, Plan, Ratio, Selection, Target, Test, UnitKind, Units,
};

/// Shared state for evaluating the targets of one plan on one model.
pub struct Context<'a> {
    model: &'a Model,
    as_of: NaiveDate,
    years: Vec<i32>,
    keys: Vec<String>,
    /// The organizations active at `as_of`, made on first use for every target.
    active: OnceLock<ActiveOrgs<'a>>,
}

/// The organizations active at the as-of date as the measures read them: a few bytes each
/// with their category a number, so that each target reads 20 bytes a row and tests a
/// category once, not its text in every row (national scale: seven targets read 3.5
/// million organizations of 88 bytes each, and compared their categories' text).
struct ActiveOrgs<'a> {
    /// Category number → the category as written (number 0: blank).
    categories: Vec<Option<&'a str>>,
    /// The `serves` lists that are not empty, by `Slim::serves`.
    serves: Vec<&'a [RegionId]>,
    /// The rows in runs, each in the order of its places ([`by_place`]): the first half of
    /// the organizations, then the second, each made on a core of its own (made on one,
    /// the list was a tenth of a second of a national audit with the other core idle).
    runs: Vec<Vec<Slim>>,
}

/// One active organization ([`ActiveOrgs`]).
#[derive(Clone, Copy)]
struct Slim {
    place: RegionId,
    category: u32,
    /// Index in `ActiveOrgs::serves`; `u32::MAX` for none.
    serves: u32,
    start: Option<NaiveDate>,
    /// 0 blank, 1 registered, 2 filed.
    registration: u8,
    brand: bool,
}

/// Organizations fewer than this are made into [`ActiveOrgs`] on one thread.
pub(super) const ACTIVE_SPLIT_MIN: usize = 1 << 16;

impl<'a> ActiveOrgs<'a> {
    fn of(model: &'a Model, as_of: NaiveDate) -> ActiveOrgs<'a> {
        let orgs = &model.organizations;
        if orgs.len() < ACTIVE_SPLIT_MIN {
            return Self::of_part(orgs.iter(), orgs.len(), as_of);
        }
        let half = orgs.len() / 2;
        let (first, second) = std::thread::scope(|s| {
            let second =
                s.spawn(move || Self::of_part(orgs.iter().skip(half), orgs.len() - half, as_of));
            let first = Self::of_part(orgs.iter().take(half), half, as_of);
            (
                first,
                second
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p)),
            )
        });
        first.join(second)
    }

    /// The active organizations of `orgs` (`n` of them) as one run.
    fn of_part(
        orgs: impl Iterator<Item = &'a crate::model::Organization>,
        n: usize,
        as_of: NaiveDate,
    ) -> ActiveOrgs<'a> {
        let mut categories: Vec<Option<&'a str>> = vec![None];
        // A category's number by the address of its shared text (a dozen of them written
        // millions of times, one copy per part read), else by the text (met first under
        // another address).
        let mut last: (usize, u32) = (0, 0);
        let mut by_address: foldhash::HashMap<usize, u32> = foldhash::HashMap::default();
        let mut by_text: foldhash::HashMap<&'a str, u32> = foldhash::HashMap::default();
        let mut serves = Vec::new();
        // Room for every organization at once (most are active): grown by doubling, the
        // list was copied and its pages cleared again at each step.
        let mut rows = Vec::with_capacity(n);
        for o in orgs {
            if !o.active.at(as_of) {
                continue;
            }
            let category = match o.category.as_deref() {
                None => 0,
                Some(c) if c.as_ptr() as usize == last.0 => last.1,
                Some(c) => {
                    let address = c.as_ptr() as usize;
                    let n = match by_address.get(&address) {
                        Some(&n) => n,
                        None => {
                            let next = u32::try_from(categories.len()).unwrap_or(u32::MAX);
                            let n = *by_text.entry(c).or_insert(next);
                            if n == next {
                                categories.push(Some(c));
                            }
                            by_address.insert(address, n);
                            n
                        }
                    };
                    last = (address, n);
                    n
                }
            };
            let served = o.serves();
            let serves_at = if served.is_empty() {
                u32::MAX
            } else {
                serves.push(served);
                u32::try_from(serves.len() - 1).unwrap_or(u32::MAX)
            };
            rows.push(Slim {
                place: o.place,
                category,
                serves: serves_at,
                start: o.active.start,
                registration: match o.registration {
                    None => 0,
                    Some(Registration::Registered) => 1,
                    Some(Registration::Filed) => 2,
                },
                brand: o.brand,
            });
        }
        ActiveOrgs {
            categories,
            serves,
            runs: vec![by_place(rows)],
        }
    }

    /// `self`'s runs, then `other`'s, its category numbers and `serves` indices made ours.
    fn join(mut self, other: ActiveOrgs<'a>) -> ActiveOrgs<'a> {
        let number: Vec<u32> = other
            .categories
            .iter()
            .map(|&c| match c {
                None => 0,
                Some(text) => match self.categories.iter().position(|&m| m == Some(text)) {
                    Some(at) => u32::try_from(at).unwrap_or(u32::MAX),
                    None => {
                        self.categories.push(Some(text));
                        u32::try_from(self.categories.len() - 1).unwrap_or(u32::MAX)
                    }
                },
            })
            .collect();
        let shift = u32::try_from(self.serves.len()).unwrap_or(u32::MAX);
        let same = number.iter().enumerate().all(|(i, &n)| n as usize == i);
        self.serves.extend(other.serves);
        for mut run in other.runs {
            if !same || shift > 0 {
                for r in &mut run {
                    r.category = number.get(r.category as usize).copied().unwrap_or(u32::MAX);
                    if r.serves != u32::MAX {
                        r.serves = r.serves.saturating_add(shift);
                    }
                }
            }
            self.runs.push(run);
        }
        self
    }
}

/// Bits of a place id sorted on in one pass of [`by_place`].
const RADIX_BITS: u32 = 11;

/// `rows` in the order of their places (rows of one place in the order given), by a radix
/// sort of the place ids. Every measure counts, and a count does not depend on the order;
/// in the order of the ledger, each row's region (its line of the region tree, the
/// target's counter and unit mask) was a miss of the cache, for each of a national
/// ledger's millions of rows and each target: three-fifths of the evaluation's time.
fn by_place(rows: Vec<Slim>) -> Vec<Slim> {
    let Some(&first) = rows.first() else {
        return rows;
    };
    let max = rows.iter().map(|r| r.place).max().unwrap_or(0);
    let buckets = 1usize << RADIX_BITS;
    let mut src = rows;
    let mut dst = vec![first; src.len()];
    let mut shift = 0;
    while shift < RegionId::BITS && (max >> shift) > 0 {
        let digit = |r: &Slim| ((r.place >> shift) as usize) & (buckets - 1);
        // Where each digit's rows begin.
        let mut at = vec![0usize; buckets];
        for r in &src {
            if let Some(n) = at.get_mut(digit(r)) {
                *n += 1;
            }
        }
        let mut sum = 0;
        for n in &mut at {
            let count = *n;
            *n = sum;
            sum += count;
        }
        for r in &src {
            if let Some(n) = at.get_mut(digit(r)) {
                if let Some(slot) = dst.get_mut(*n) {
                    *slot = *r;
                }
                *n += 1;
            }
        }
        std::mem::swap(&mut src, &mut dst);
        shift += RADIX_BITS;
    }
    src
}

/// One matching, active record as the measures see it.
struct Rec<'r> {
    place: RegionId,
    serves: &'r [RegionId],
    date: Option<NaiveDate>,
    amount: f64,
}

/// A target's figures for every region, indexed by region id.
pub enum Values {
    /// Density (records ÷ units) or coverage (covered units ÷ units).
    Ratio {
        /// Numerator per region (records, or covered units).
        num: Vec<u64>,
        /// Units per region.
        units: Vec<u64>,
        /// Required ratio.
        min: Ratio,
        /// The target's own ratio when `min` is a milestone's (gives `gap_final`).
        final_min: Ratio,
        /// Decimals shown.
        decimals: u8,
    },
    /// Count of records.
    Count {
        /// Count per region.
        counts: Vec<u64>,
        /// Required.
        min: u64,
        /// The target's own count when `min` is a milestone's.
        final_min: u64,
    },
    /// Records per judged year.
    Yearly {
        /// Judged years.
        years: Vec<i32>,
        /// Per year, count per region.
        counts: Vec<Vec<u64>>,
        /// Records needed per year.
        at_least: u64,
    },
    /// A figure without threshold.
    Info {
        /// Figure per region.
        sums: Vec<f64>,
        /// Decimals shown.
        decimals: u8,
    },
}

/// Decimals a target's value is shown with.
pub fn decimals(target: &Target) -> u8 {
    match &target.measure {
        Measure::Density { .. } => 2,
        Measure::Coverage { .. } => 4,
        Measure::Info { sum: Some(_), .. } => 2,
        _ => 0,
    }
}

/// The required value of a target independent of the region (`None` for info and
/// yearly counts, whose requirement depends on the years judged).
pub(crate) fn required_value(target: &Target) -> Option<f64> {
    match &target.measure {
        Measure::Density { min, .. } | Measure::Coverage { min, .. } => {
            Some(round(min.value(), decimals(target)))
        }
        Measure::Count { min, .. } => Some(*min as f64),
        _ => None,
    }
}

/// Round half away from zero to `decimals`, as Excel's ROUND does. Status and gap are
/// computed exactly from the counts, never from the rounded value.
fn round(x: f64, decimals: u8) -> f64 {
    let f = 10f64.powi(i32::from(decimals));
    // The small epsilon keeps exact halves such as 5.125 from falling to 5.12 through
    // binary representation.
    ((x * f) + 1e-9).round() / f
}

impl<'a> Context<'a> {
    /// Prepare the context (region sort keys, judged years).
    pub fn new(model: &'a Model, plan: &Plan, as_of: NaiveDate) -> Context<'a> {
        let regions = &model.regions;
        let mut keys: Vec<String> = Vec::with_capacity(regions.len());
        for id in regions.ids() {
            let r = regions.get(id);
            if r.level == Level::Community {
                // Communities get no rows: no key (saves a string per community, and its
                // own part is not made either: a copy of each of 600,000 codes).
                keys.push(String::new());
                continue;
            }
            let own = match (&r.code, r.level) {
                (Some(c), _) => c.clone(),
                (None, Level::Province) => plan.meta.province_code.clone(),
                (None, _) => format!("~{}", r.name),
            };
            let key = match r.parent {
                Some(p) => format!("{}/{}", keys[p as usize], own),
                None => own,
            };
            keys.push(key);
        }
        Context {
            model,
            as_of,
            years: years_judged(&plan.meta, as_of),
            keys,
            active: OnceLock::new(),
        }
    }

    /// Key that sorts a region in code (else name) order, parents first.
    pub(crate) fn sort_key(&self, id: RegionId) -> String {
        self.keys[id as usize].clone()
    }

    fn zeros(&self) -> Vec<u64> {
        vec![0; self.model.regions.len()]
    }

    /// Add every region's value to its parent, bottom up.
    fn roll_up<T: Copy + std::ops::AddAssign>(&self, v: &mut [T]) {
        for id in (0..v.len()).rev() {
            // The parents' compact list (a whole region each was 37 % of evaluating).
            if let Some(p) = self.model.regions.parent_of(id as RegionId) {
                let x = v[id];
                v[p as usize] += x;
            }
        }
    }

    /// Call `f` for every record of the selection that passes its filters and is active at
    /// the as-of date.
    fn each_record(&self, sel: &Selection, mut f: impl FnMut(Rec<'_>)) {
        let m = self.model;
        let as_of = self.as_of;
        match sel.table {
            TableKind::Communities => {
                for &c in &m.communities {
                    if community_passes(m, c, &sel.filters) {
                        f(Rec {
                            place: c,
                            serves: &[],
                            date: None,
                            amount: 1.0,
                        });
                    }
                }
            }
            TableKind::Organizations => {
                let active = self.active.get_or_init(|| ActiveOrgs::of(m, as_of));
                // Each filter tested once per category, registration and brand value.
                let category: Vec<bool> = active
                    .categories
                    .iter()
                    .map(|&c| {
                        sel.filters.iter().all(|flt| match flt.field {
                            Field::Category => text_passes(c, &flt.test),
                            Field::Registration | Field::Brand => true,
                            _ => false,
                        })
                    })
                    .collect();
                let registration: [bool; 3] = [None, Some("registered"), Some("filed")].map(|r| {
                    sel.filters.iter().all(|flt| match flt.field {
                        Field::Registration => text_passes(r, &flt.test),
                        _ => true,
                    })
                });
                let brand: [bool; 2] = [false, true].map(|b| {
                    sel.filters.iter().all(|flt| match (flt.field, &flt.test) {
                        (Field::Brand, Test::Is(want)) => b == *want,
                        (Field::Brand, _) => false,
                        _ => true,
                    })
                });
                for o in active.runs.iter().flatten() {
                    let pass = category.get(o.category as usize).copied().unwrap_or(false)
                        && registration[usize::from(o.registration)]
                        && brand[usize::from(o.brand)];
                    if pass {
                        f(Rec {
                            place: o.place,
                            serves: active.serves.get(o.serves as usize).copied().unwrap_or(&[]),
                            date: o.start,
                            amount: 1.0,
                        });
                    }
                }
            }
            TableKind::Incubators => {
                for i in &m.incubators {
                    if i.active.at(as_of) && sel.filters.is_empty() {
                        f(Rec {
                            place: i.place,
                            serves: &[],
                            date: i.active.start,
                            amount: 1.0,
                        });
                    }
                }
            }
            TableKind::Projects | TableKind::Events => {
                let (list, field) = if sel.table == TableKind::Projects {
                    (&m.projects, Field::ProjectKind)
                } else {
                    (&m.events, Field::EventKind)
                };
                for d in list {
                    let pass = d.date <= as_of
                        && sel
                            .filters
                            .iter()
                            .all(|flt| flt.field == field && text_passes(Some(&d.kind), &flt.test));
                    if pass {
                        f(Rec {
                            place: d.place,
                            serves: &[],
                            date: Some(d.date),
                            amount: 1.0,
                        });
                    }
                }
            }
            TableKind::Funds => {
                for x in &m.funds {
                    let pass = x.year <= as_of.year()
                        && sel.filters.iter().all(|flt| {
                            flt.field == Field::FundSource
                                && text_passes(x.source.as_deref(), &flt.test)
                        });
                    if pass {
                        f(Rec {
                            place: x.place,
                            serves: &[],
                            date: None,
                            amount: x.amount,
                        });
                    }
                }
            }
        }
    }

    /// Units mask: which regions are units of the measure.
    fn unit_mask(&self, units: &Units) -> Vec<bool> {
        let m = self.model;
        let mut mask = vec![false; m.regions.len()];
        for &c in &m.communities {
            match units.kind {
                UnitKind::Communities => {
                    if community_passes(m, c, &units.filters) {
                        mask[c as usize] = true;
                    }
                }
                UnitKind::Streets => {
                    if let Some(p) = m.regions.get(c).parent {
                        mask[p as usize] = true;
                    }
                }
            }
        }
        mask
    }

    fn unit_level(units: &Units) -> Level {
        match units.kind {
            UnitKind::Communities => Level::Community,
            UnitKind::Streets => Level::Street,
        }
    }

    /// Compute a target's figures for every region.
    pub fn evaluate(&self, target: &Target) -> Values {
        let regions = &self.model.regions;
        match &target.measure {
            Measure::Density {
                records,
                units,
                min,
            } => {
                let mask = self.unit_mask(units);
                let level = Self::unit_level(units);
                let mut num = self.zeros();
                self.each_record(records, |r| {
                    if let Some(u) = regions.ancestor_at(r.place, level) {
                        if mask[u as usize] {
                            num[u as usize] += 1;
                        }
                    }
                });
                let mut count: Vec<u64> = mask.iter().map(|&b| u64::from(b)).collect();
                self.roll_up(&mut num);
                self.roll_up(&mut count);
                Values::Ratio {
                    num,
                    units: count,
                    min: *min,
                    final_min: *min,
                    decimals: decimals(target),
                }
            }
            Measure::Coverage {
                records,
                units,
                attach,
                at_least,
                min,
            } => {
                let mask = self.unit_mask(units);
                let level = Self::unit_level(units);
                let mut per_unit = self.zeros();
                let mut reached: Vec<RegionId> = Vec::new();
                self.each_record(records, |r| {
                    reached.clear();
                    match attach {
                        Attach::Within => {
                            if let Some(u) = regions.ancestor_at(r.place, level) {
                                reached.push(u);
                            }
                        }
                        Attach::At => {
                            if regions.get(r.place).level == level {
                                reached.push(r.place);
                            }
                        }
                        Attach::Reaches => {
                            let place = regions.get(r.place);
                            match place.level {
                                Level::Community => reached.push(r.place),
                                Level::Street => reached.extend(place.children.iter().copied()),
                                _ => {}
                            }
                            reached.extend(r.serves.iter().copied());
                            reached.sort_unstable();
                            reached.dedup();
                        }
                    }
                    for &u in &reached {
                        if mask[u as usize] {
                            per_unit[u as usize] += 1;
                        }
                    }
                });
                let k = u64::from(*at_least);
                let mut covered: Vec<u64> = per_unit
                    .iter()
                    .zip(&mask)
                    .map(|(&n, &is_unit)| u64::from(is_unit && n >= k))
                    .collect();
                let mut count: Vec<u64> = mask.iter().map(|&b| u64::from(b)).collect();
                self.roll_up(&mut covered);
                self.roll_up(&mut count);
                Values::Ratio {
                    num: covered,
                    units: count,
                    min: *min,
                    final_min: *min,
                    decimals: decimals(target),
                }
            }
            Measure::Count {
                records,
                attach,
                min,
            } => {
                let mut counts = self.zeros();
                self.each_record(records, |r| counts[r.place as usize] += 1);
                if *attach != Attach::At {
                    self.roll_up(&mut counts);
                }
                Values::Count {
                    counts,
                    min: *min,
                    final_min: *min,
                }
            }
            Measure::YearlyCount {
                records,
                attach,
                at_least,
            } => {
                let mut counts: Vec<Vec<u64>> = self.years.iter().map(|_| self.zeros()).collect();
                self.each_record(records, |r| {
                    if let Some(d) = r.date {
                        if let Some(i) = self.years.iter().position(|&y| y == d.year()) {
                            counts[i][r.place as usize] += 1;
                        }
                    }
                });
                if *attach != Attach::At {
                    for c in &mut counts {
                        self.roll_up(c);
                    }
                }
                Values::Yearly {
                    years: self.years.clone(),
                    counts,
                    at_least: u64::from(*at_least),
                }
            }
            Measure::Info {
                records,
                attach,
                sum,
            } => {
                let mut sums = vec![0f64; regions.len()];
                self.each_record(records, |r| {
                    sums[r.place as usize] += if sum.is_some() { r.amount } else { 1.0 };
                });
                if *attach != Attach::At {
                    self.roll_up(&mut sums);
                }
                Values::Info {
                    sums,
                    decimals: decimals(target),
                }
            }
        }
    }
}

impl Values {
    /// Note the target's own threshold when the values were evaluated against a
    /// milestone's, so that rows carry the gap to the final threshold as well.
    pub(crate) fn set_final_min(&mut self, own: Option<Ratio>) {
        let Some(own) = own else { return };
        match self {
            Values::Ratio { final_min, .. } => *final_min = own,
            Values::Count { final_min, .. } => *final_min = own.ceil_times(1),
            Values::Yearly { .. } | Values::Info { .. } => {}
        }
    }

    /// The row of region `id` for target `ti` (the target's index in the plan); rows at
    /// `assessed_level` decide the exit code.
    pub fn row(
        &self,
        ti: usize,
        target: &Target,
        ctx: &Context<'_>,
        id: RegionId,
        assessed_level: Level,
    ) -> Row {
        let level = ctx.model.regions.get(id).level;
        let mut row = blank_row(ti, target, level);
        row.region = ctx.model.regions.path(id);
        row.region_id = Some(id);
        row.assessed = level == assessed_level;
        row.sort_key = ctx.sort_key(id);
        self.fill(&mut row, &[id]);
        row
    }

    /// The row of a set of regions that do not nest (a reporting unit's places): every
    /// figure is the sum of theirs — records and units of a ratio, counts, counts per year,
    /// info sums — judged as [`Values::row`] judges one region. `row` carries the labels.
    pub(crate) fn set_row(&self, mut row: Row, ids: &[RegionId]) -> Row {
        self.fill(&mut row, ids);
        row
    }

    /// Set value, gap, status and detail of `row` from the summed figures of `ids`.
    fn fill(&self, row: &mut Row, ids: &[RegionId]) {
        let sum = |v: &[u64]| -> u64 { ids.iter().map(|&i| v[i as usize]).sum() };
        match self {
            Values::Ratio {
                num,
                units,
                min,
                final_min,
                decimals,
            } => {
                let (n, u) = (sum(num), sum(units));
                if u == 0 {
                    row.status = Status::NotApplicable;
                    row.detail = vec![super::Detail::NoEligibleUnits];
                } else {
                    let need = min.ceil_times(u);
                    row.value = Some(round(n as f64 / u as f64, *decimals));
                    row.count = Some(n);
                    row.units = Some(u);
                    row.gap = Some(need.saturating_sub(n));
                    row.gap_final = Some(final_min.ceil_times(u).saturating_sub(n));
                    row.status = if n >= need {
                        Status::Met
                    } else {
                        Status::Unmet
                    };
                    row.detail = vec![super::Detail::Ratio(n, u)];
                }
            }
            Values::Count {
                counts,
                min,
                final_min,
            } => {
                let n = sum(counts);
                row.value = Some(n as f64);
                row.count = Some(n);
                row.gap = Some(min.saturating_sub(n));
                row.gap_final = Some(final_min.saturating_sub(n));
                row.status = if n >= *min {
                    Status::Met
                } else {
                    Status::Unmet
                };
            }
            Values::Yearly {
                years,
                counts,
                at_least,
            } => {
                let missing: Vec<i32> = years
                    .iter()
                    .zip(counts)
                    .filter(|(_, c)| sum(c) < *at_least)
                    .map(|(y, _)| *y)
                    .collect();
                let judged = years.len() as u64;
                let met = judged - missing.len() as u64;
                row.value = Some(met as f64);
                row.required = Some(judged as f64);
                if judged == 0 {
                    row.status = Status::Info;
                    row.detail = vec![super::Detail::NoEndedYear];
                } else {
                    row.gap = Some(missing.len() as u64);
                    row.status = if missing.is_empty() {
                        Status::Met
                    } else {
                        Status::Unmet
                    };
                    if !missing.is_empty() {
                        row.detail = vec![super::Detail::MissingYears(missing)];
                    }
                }
            }
            Values::Info { sums, decimals } => {
                let x: f64 = ids.iter().map(|&i| sums[i as usize]).sum();
                row.value = Some(round(x, *decimals));
                row.status = Status::Info;
            }
        }
    }
}

/// A row of target `ti` at `level` with no figures yet (no data), for the caller to label.
pub(crate) fn blank_row(ti: usize, target: &Target, level: Level) -> Row {
    Row {
        target: ti,
        level,
        region: String::new(),
        region_id: None,
        value: None,
        required: required_value(target),
        gap: None,
        status: Status::NoData,
        assessed: false,
        decimals: decimals(target),
        sort_key: String::new(),
        detail: Vec::new(),
        missing: Vec::new(),
        partial: None,
        count: None,
        movement: None,
        gap_final: None,
        units: None,
        explained: None,
    }
}

fn community_passes(m: &Model, c: RegionId, filters: &[Filter]) -> bool {
    let r = m.regions.get(c);
    filters.iter().all(|flt| match (flt.field, &flt.test) {
        (Field::CommunityKind, t) => text_passes(
            r.kind.map(|k| match k {
                UrbanRural::Urban => "urban",
                UrbanRural::Rural => "rural",
            }),
            t,
        ),
        (Field::Pilot, Test::Is(b)) => r.pilot == *b,
        _ => false,
    })
}

/// A set test on an optional text value: a blank value is in no set.
fn text_passes(v: Option<&str>, t: &Test) -> bool {
    match t {
        Test::In(set) => v.is_some_and(|v| set.iter().any(|s| s == v)),
        Test::NotIn(set) => !v.is_some_and(|v| set.iter().any(|s| s == v)),
        Test::Is(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows at `places`, each numbered (in `serves`) by its place in the list.
    fn slims(places: &[RegionId]) -> Vec<Slim> {
        places
            .iter()
            .enumerate()
            .map(|(i, &place)| Slim {
                place,
                category: 0,
                serves: i as u32,
                start: None,
                registration: 0,
                brand: false,
            })
            .collect()
    }

    #[test]
    fn rows_by_place_are_a_stable_sort_of_them() {
        let mut next = crate::testutil::xorshift(0x9E37_79B9_7F4A_7C15u64);
        // Few places (one pass), a national tree's (two), any id (three), and none.
        for bound in [0u64, 1, 7, 2048, 700_000, 1 << 32] {
            for len in [0usize, 1, 2, 5000] {
                let places: Vec<RegionId> = (0..len)
                    .map(|_| {
                        if bound == 0 {
                            0
                        } else {
                            (next() % bound) as RegionId
                        }
                    })
                    .collect();
                let got = by_place(slims(&places));
                let mut want = slims(&places);
                want.sort_by_key(|r| r.place);
                let key = |v: &[Slim]| v.iter().map(|r| (r.place, r.serves)).collect::<Vec<_>>();
                assert_eq!(key(&got), key(&want), "bound {bound}, {len} rows");
            }
        }
        let top = by_place(slims(&[RegionId::MAX, 0, RegionId::MAX - 1, 1 << 22, 5]));
        let places: Vec<RegionId> = top.iter().map(|r| r.place).collect();
        assert_eq!(places, [0, 5, 1 << 22, RegionId::MAX - 1, RegionId::MAX]);
    }
}
