//! Evaluate: (model, plan, as-of) → a result value. Pure functions, no printing.
//!
//! Each target is computed in one pass over its records: every matching, active record
//! adds to a per-region array at the region it is attached to, and a bottom-up pass sums
//! the arrays over the region tree (regions are stored parents first, so a reverse scan
//! suffices). Memory is a few arrays of the region count per target.

pub mod diff;
pub mod explain;
mod measure;
pub use measure::decimals;
pub mod movement;
mod supply;
pub mod swing;
mod units;

pub use units::NOT_CONFIGURED as UNIT_NOT_CONFIGURED;

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::ingest::{DataIssue, TableInfo, TableKind};
use crate::model::{Classification, Level, Model, RegionId};

use crate::plan::{Measure, Plan, PlanMeta, Severity, Stage, Target};
pub use supply::{target_tables, Supply};

/// Options of one audit run.
#[derive(Debug, Clone, Copy)]
pub struct AuditOptions {
    /// Records active on this date count.
    pub as_of: NaiveDate,
    /// Level of the per-region gap table; density and coverage targets get rows at it too.
    pub by: Level,
    /// Threads that evaluate targets side by side (0: one per core). Any count gives the
    /// same result.
    pub threads: usize,
}

/// Status of one (target, region) row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Threshold reached.
    Met,
    /// Threshold not reached.
    Unmet,
    /// Before the due date, with no milestone reached yet, the final threshold is not
    /// reached: reported with its gap and outlook, never a failure unless `--fail-on
    /// behind` (and the outlook is behind or stalled).
    NotDue,
    /// No verdict can be given on data that was not supplied: a reporting unit missing
    /// from the data, or a table the target reads that was not supplied for the region.
    /// Counts as a shortfall (exit 1).
    NoData,
    /// The region has no units of the kind the target divides by (a street without rural
    /// communities): nothing to judge, shown "—", never fails a run.
    NotApplicable,
    /// A figure with no threshold.
    Info,
    /// Unmet, not yet due or without data, and an unexpired explanation says why
    /// (`--explain`): value and gap unchanged, never a failure.
    Explained,
}

impl Status {
    /// "met", "unmet", "not_due", "no_data", "not_applicable", "info".
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::Unmet => "unmet",
            Status::NotDue => "not_due",
            Status::NoData => "no_data",
            Status::NotApplicable => "not_applicable",
            Status::Info => "info",
            Status::Explained => "explained",
        }
    }

    /// Chinese label.
    pub fn zh(self) -> &'static str {
        match self {
            Status::Met => "达标",
            Status::Unmet => "未达标",
            Status::NotDue => "未到期",
            Status::NoData => "无数据",
            Status::NotApplicable => "不适用",
            Status::Info => "信息",
            Status::Explained => "已说明",
        }
    }
}

/// A figure built from only some of the reporting units below it (the province row when 9
/// of 11 cities sent nothing): `supplied` of `of` units sent every table the target reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Partial {
    /// Reporting units whose data the figure includes.
    pub supplied: u32,
    /// Reporting units below the region.
    pub of: u32,
    /// Level of the reporting units (city, or county under a county scope).
    pub level: Level,
}

impl Partial {
    /// "2/11 市" / "2/11 cities".
    pub fn label(self, zh: bool) -> String {
        if zh {
            format!("{}/{} {}", self.supplied, self.of, self.level.zh())
        } else {
            let unit = match self.level {
                Level::County => "counties",
                _ => "cities",
            };
            format!("{}/{} {unit}", self.supplied, self.of)
        }
    }

    /// "2/11", as the CSV's `partial` column has it.
    pub fn fraction(self) -> String {
        format!("{}/{}", self.supplied, self.of)
    }
}

/// Something the reports say after a row's figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Detail {
    /// No unit passes the target's filters, so there is nothing to divide by.
    NoEligibleUnits,
    /// The records (or covered units) over the units behind a ratio.
    Ratio(u64, u64),
    /// No plan year has ended by the as-of date.
    NoEndedYear,
    /// The ended plan years without enough records.
    MissingYears(Vec<i32>),
    /// A reporting unit of the plan that is not in the data at all.
    UnitNotInData,
    /// The region has no data in this snapshot (it had in the baseline).
    NotInThisSnapshot,
    /// A reporting unit (`--units`) without its places configured.
    UnitNotConfigured,
    /// None of the unit's places is in the data.
    PlacesNotInData(Vec<String>),
    /// Some of the unit's places are not in the data; the figure is of the others.
    SomePlacesNotInData(Vec<String>),
}

/// One (target, region) row of the long result.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// Index into [`AuditResult::targets`].
    pub target: usize,
    /// Level of the region.
    pub level: Level,
    /// Names from the province down joined by "/".
    pub region: String,
    /// Region id in the model (`None` for a reporting unit missing from the data).
    #[serde(skip)]
    pub region_id: Option<RegionId>,
    /// Measured value (`None` when there is no data).
    pub value: Option<f64>,
    /// Required value (`None` for info).
    pub required: Option<f64>,
    /// Records or units still needed (`None` for info and no data).
    pub gap: Option<u64>,
    /// Status.
    pub status: Status,
    /// Whether this row is at the target's assessed level (only these decide the exit code).
    pub assessed: bool,
    /// Decimals to show `value` and `required` with.
    pub decimals: u8,
    /// Key that sorts rows in region order (codes where known).
    #[serde(skip)]
    pub sort_key: String,
    /// What the reports add after the figure (the years missing, …), as values: the words
    /// are `report`'s.
    pub detail: Vec<Detail>,
    /// Tables the target reads that were not supplied for this region's reporting unit
    /// (the row is then `no_data`).
    pub missing: Vec<TableKind>,
    /// Set when the figure includes only some of the reporting units below the region.
    pub partial: Option<Partial>,
    /// The records (density, count) or covered units (coverage) behind the value.
    pub count: Option<u64>,
    /// The units a density or coverage divides by (`value` = `count` ÷ `units`, before
    /// rounding); `None` for other measures and rows without a figure.
    pub units: Option<u64>,
    /// Movement since the baseline snapshot (`--baseline`, `trend`).
    pub movement: Option<movement::Movement>,
    /// Records or units still needed to reach the target's own (final) threshold; equals
    /// `gap` except when a milestone is judged. Movement and pace are measured on it.
    #[serde(skip)]
    pub gap_final: Option<u64>,
    /// Set when an explanation made the row `explained`: the status it had, and the index
    /// into [`AuditResult::explanations`].
    pub explained: Option<(Status, usize)>,
}

impl Row {
    /// Whether the row falls short: unmet, or no data (a reporting unit missing from the
    /// data, or a table not supplied). A region with no units of a kind (not applicable)
    /// has nothing to judge.
    pub(crate) fn is_shortfall(&self) -> bool {
        match self.status {
            Status::Unmet | Status::NoData => true,
            Status::Met
            | Status::NotDue
            | Status::NotApplicable
            | Status::Info
            | Status::Explained => false,
        }
    }
}

/// Per-target summary at the assessed level.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Regions assessed.
    pub regions: usize,
    /// Met.
    pub met: usize,
    /// Unmet.
    pub unmet: usize,
    /// No data.
    pub no_data: usize,
    /// Not applicable (no units of the kind).
    pub not_applicable: usize,
    /// Not yet due and short of the final threshold.
    pub not_due: usize,
    /// Unmet, not yet due or without data, but explained (`--explain`): no longer counted
    /// under those.
    pub explained: usize,
    /// Reporting units (cities) with no data, when the target is assessed below them
    /// (their counties cannot be listed, so they are counted here, at their own level).
    pub units_no_data: usize,
    /// Up to three worst unmet regions, by lowest value ÷ required.
    pub worst: Vec<String>,
}

/// A target as the reports need it.
#[derive(Debug, Clone, Serialize)]
pub struct TargetResult {
    /// The target definition.
    pub target: Target,
    /// Summary at the assessed level.
    pub summary: Summary,
    /// Why the target was not evaluated (e.g. assessed above the scope), if so.
    pub skipped: Option<String>,
    /// Tables the target reads that no input supplied at all: its rows are no data.
    pub missing_tables: Vec<TableKind>,
    /// The requirement judged at the audit's as-of date (the target, a milestone, or not
    /// yet due).
    pub stage: Stage,
}

/// What one reporting unit sent: the submission checklist.
#[derive(Debug, Clone, Serialize)]
pub struct Submitted {
    /// The unit's region path ("山西省/阳泉市").
    pub unit: String,
    /// Whether the unit is in the community list at all.
    pub present: bool,
    /// For every table kind, in the order of [`TableKind::ALL`]: the tables (`file#sheet`)
    /// that supply it for this unit; empty when none does.
    pub kinds: Vec<(TableKind, Vec<String>)>,
}

/// The result of an audit: everything every report renders.
#[derive(Debug, Clone, Serialize)]
pub struct AuditResult {
    /// Plan metadata.
    pub plan: PlanMeta,
    /// As-of date.
    pub as_of: NaiveDate,
    /// Gap-table level.
    pub by: Level,
    /// The scope path ("山西省" or "山西省/太原市").
    pub scope: String,
    /// As-of date of the baseline snapshot, when rows carry a movement.
    pub baseline_as_of: Option<NaiveDate>,
    /// Targets in plan order.
    pub targets: Vec<TargetResult>,
    /// Rows sorted by target, then region.
    pub rows: Vec<Row>,
    /// Tables read and their accounting.
    pub tables: Vec<TableInfo>,
    /// Data issues.
    pub issues: crate::issue::Issues,
    /// Tables passed over.
    pub ignored: Vec<String>,
    /// Urban/rural classification counts.
    pub classification: Classification,
    /// What each reporting unit sent (cities; the county under a county scope).
    pub checklist: Vec<Submitted>,
    /// The explanations given (`--explain`), each with what became of it.
    pub explanations: Vec<explain::Used>,
    /// Per data issue (indexed like `issues`): the path of the region its row lies in (or
    /// the region it names), when known; what issue explanations are matched by.
    #[serde(skip)]
    pub issue_regions: Vec<Option<crate::issue::Text>>,
    /// Data issues an explanation explains: issue index → index into `explanations`.
    #[serde(skip)]
    pub issue_explained: std::collections::BTreeMap<usize, usize>,
    /// (target index, region path) → index into `rows`.
    #[serde(skip)]
    index: HashMap<(usize, String), usize>,
}

impl AuditResult {
    /// A result from rows kept elsewhere (a history): the plan's targets with the stage
    /// each was judged at, and rows whose `target` indexes `plan.targets`, in long-result
    /// order. Summaries are recomputed; nothing of the inputs (tables, issues) is known.
    pub(crate) fn from_rows(
        plan: &Plan,
        scope: String,
        as_of: NaiveDate,
        by: Level,
        stages: Vec<Stage>,
        rows: Vec<Row>,
    ) -> AuditResult {
        let targets = plan
            .targets
            .iter()
            .enumerate()
            .map(|(ti, t)| {
                let mine: Vec<Row> = rows.iter().filter(|r| r.target == ti).cloned().collect();
                TargetResult {
                    target: t.clone(),
                    summary: summarize(&mine, ti),
                    skipped: None,
                    missing_tables: Vec::new(),
                    stage: stages.get(ti).copied().unwrap_or(Stage::Final),
                }
            })
            .collect();
        let mut result = AuditResult {
            plan: plan.meta.clone(),
            as_of,
            by,
            scope,
            baseline_as_of: None,
            targets,
            rows,
            tables: Vec::new(),
            issues: crate::issue::Issues::default(),
            ignored: Vec::new(),
            classification: Classification::default(),
            checklist: Vec::new(),
            explanations: Vec::new(),
            issue_regions: Vec::new(),
            issue_explained: std::collections::BTreeMap::new(),
            index: HashMap::new(),
        };
        result.rebuild_index();
        result
    }

    /// Rebuild the (target, region) index after rows were added or reordered.
    pub(crate) fn rebuild_index(&mut self) {
        self.index = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| ((r.target, r.region.clone()), i))
            .collect();
    }

    /// The row of target `ti` for the region with this path (each path has one level).
    pub(crate) fn row_at(&self, ti: usize, region: &str) -> Option<&Row> {
        self.index
            .get(&(ti, region.to_string()))
            .and_then(|&i| self.rows.get(i))
    }

    /// Keep only the rows of the region with this path, with summaries and scope to
    /// match: `--scope` naming a reporting unit that is absent from the data (its rows are
    /// the no-data rows of the province-wide audit). The data issues of other regions go.
    pub fn retain_region(&mut self, path: &str) {
        self.rows.retain(|r| r.region == path);
        for (ti, t) in self.targets.iter_mut().enumerate() {
            let rows: Vec<Row> = self
                .rows
                .iter()
                .filter(|r| r.target == ti)
                .cloned()
                .collect();
            t.summary = summarize(&rows, ti);
        }
        self.index = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| ((r.target, r.region.clone()), i))
            .collect();
        self.scope = path.to_string();
        let mut regions = std::mem::take(&mut self.issue_regions).into_iter();
        let issues = std::mem::take(&mut self.issues);
        let mut kept = Vec::new();
        for issue in issues.iter() {
            let region = regions.next().flatten();
            if issue.origin.is_none() {
                kept.push(issue.clone());
                self.issue_regions.push(region);
            }
        }
        self.issues = kept.into();
    }

    /// Add a data issue found after the audit (a swing), with the region it lies in.
    pub fn push_issue(&mut self, issue: DataIssue, region: Option<crate::issue::Text>) {
        // Keep the two vectors aligned even if `issue_regions` was never filled.
        self.issue_regions.resize(self.issues.len(), None);
        self.issues.push(issue);
        self.issue_regions.push(region);
    }

    /// The swings (S501) no explanation explains (`--fail-on swing`).
    pub fn unexplained_swings(&self) -> usize {
        self.issues
            .iter()
            .enumerate()
            .filter(|(i, issue)| {
                matches!(issue.kind(), crate::issue::IssueKind::Swing { .. })
                    && !self.issue_explained.contains_key(i)
            })
            .count()
    }

    /// Whether some target of at least `severity` is unmet at its assessed level, or a
    /// reporting unit of the plan is missing from the data. A region that is present but has
    /// no units of a kind (a district without rural communities) has nothing to fail.
    pub fn fails(&self, severity: Severity) -> bool {
        self.rows
            .iter()
            .any(|r| self.decides(r) && self.targets[r.target].target.severity >= severity)
    }

    /// Whether an assessed error-severity row short of its target's own threshold is
    /// behind or stalled against the baseline (`--fail-on behind`).
    pub fn behind(&self) -> bool {
        self.rows.iter().any(|r| {
            r.assessed
                && self.targets[r.target].target.severity == Severity::Error
                && matches!(r.status, Status::Unmet | Status::NotDue | Status::Met)
                && r.movement.as_ref().is_some_and(|m| {
                    matches!(
                        m.outlook,
                        Some(movement::Outlook::Behind | movement::Outlook::Stalled)
                    )
                })
        })
    }

    /// Whether a row counts against the exit code: a shortfall at the target's assessed
    /// level, or a reporting unit missing from the data (listed at city level even for a
    /// target assessed below it).
    pub fn decides(&self, r: &Row) -> bool {
        r.is_shortfall() && (r.assessed || r.region_id.is_none())
    }
}

/// Run the audit.
pub fn run(model: &Model, plan: &Plan, opts: AuditOptions) -> AuditResult {
    let regions = &model.regions;
    let scope_level = regions.get(model.scope).level;
    let ctx = measure::Context::new(model, plan, opts.as_of);
    let supply = Supply::new(model, &plan.meta);
    let extra_units = units::resolve(model, plan);
    let mut rows = Vec::new();
    let mut targets = Vec::new();
    // Before the due date a milestone's threshold stands in for the target's own.
    let staged: Vec<Option<Target>> = plan
        .targets
        .iter()
        .map(|t| match t.stage(opts.as_of) {
            Stage::Milestone(m) => Some(t.with_min(m.min)),
            Stage::Final | Stage::NotDue => None,
        })
        .collect();
    let effective: Vec<&Target> = plan
        .targets
        .iter()
        .zip(&staged)
        .map(|(t, s)| s.as_ref().unwrap_or(t))
        .collect();
    // A scope below the assessed level (a county auditing a city-level target): a
    // density or coverage threshold applies to the county as well, so the county is
    // assessed in the city's stead; counts per city do not divide, so they are skipped.
    let skipped = |t: &Target| t.level < scope_level && !is_ratio(t);
    let wanted: Vec<(usize, &Target)> = (0..)
        .zip(effective.iter().copied())
        .filter(|(_, t)| !skipped(t))
        .collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    // The data issues (the model's shared, not copied) and their regions (a misspelt
    // national ledger's near a million placed), on a thread of their own while the
    // targets are worked out: at the end, after them, they were a tenth of a second of
    // one core alone.
    let issues_of = || {
        let issues = extra_units.issues_with(model);
        let regions = explain::issue_regions(model, &issues);
        (issues, regions)
    };
    let (issues, issue_regions) = std::thread::scope(|s| {
        let beside = (opts.threads != 1).then(|| s.spawn(issues_of));
        let mut ahead = Ahead::start(s, (&ctx, &wanted, &next), opts.threads);
        for (ti, (original, &target)) in plan.targets.iter().zip(&effective).enumerate() {
            let stage = original.stage(opts.as_of);
            let ratio = is_ratio(target);
            let assessed_level = if target.level < scope_level {
                if !ratio {
                    targets.push(TargetResult {
                        target: target.clone(),
                        summary: summarize(&[], ti),
                        missing_tables: Vec::new(),
                        stage: Stage::Final,
                        skipped: Some(format!(
                            "assessed at {} level, above the scope {}",
                            target.level.as_str(),
                            regions.path(model.scope)
                        )),
                    });
                    continue;
                }
                scope_level
            } else {
                target.level
            };
            let mut values = ahead.take(ti, target);
            values.set_final_min(original.min());
            let mut levels = target.levels.clone();
            for extra in [opts.by, assessed_level] {
                if ratio && !levels.contains(&extra) {
                    levels.push(extra);
                }
            }
            levels.retain(|l| *l >= scope_level && *l <= Level::Street);
            levels.sort();
            levels.dedup();
            let mut target_rows = Vec::new();
            // A reporting unit missing from the data gets a city row even for a target assessed
            // below the city (its counties cannot be listed), so that it never just vanishes.
            let missing_needs_row =
                scope_level == Level::Province && !levels.contains(&Level::City);
            if missing_needs_row {
                let present: Vec<&str> = regions
                    .descendants_at(model.scope, Level::City)
                    .into_iter()
                    .map(|id| regions.get(id).name.as_str())
                    .collect();
                for (i, unit) in plan.meta.reporting_units.iter().enumerate() {
                    if !present.contains(&unit.as_str()) {
                        target_rows.push(missing_row(ti, target, &plan.meta, i, unit));
                    }
                }
            }
            target_rows.extend(extra_units.rows(&values, ti, target, &levels, assessed_level));
            for level in levels {
                let mut present: Vec<&str> = Vec::new();
                let units_listed = level == Level::City && scope_level == Level::Province;
                for id in regions.descendants_at(model.scope, level) {
                    // (The names are only looked at for the cities.)
                    if units_listed {
                        present.push(&regions.get(id).name);
                    }
                    target_rows.push(values.row(ti, target, &ctx, id, assessed_level));
                }
                if units_listed {
                    for (i, unit) in plan.meta.reporting_units.iter().enumerate() {
                        if !present.contains(&unit.as_str()) {
                            target_rows.push(missing_row(ti, target, &plan.meta, i, unit));
                        }
                    }
                }
            }
            let needs = supply::target_tables(target);
            for row in &mut target_rows {
                apply_supply(row, model, &supply, &needs, &values);
            }
            target_rows.sort_by(|a, b| a.sort_key.cmp(&b.sort_key));
            if stage == Stage::NotDue {
                for row in &mut target_rows {
                    if row.status == Status::Unmet {
                        row.status = Status::NotDue;
                    }
                }
            }
            let summary = summarize(&target_rows, ti);
            targets.push(TargetResult {
                target: original.clone(),
                stage,
                summary,
                skipped: None,
                missing_tables: needs.into_iter().filter(|k| !supply.any(*k)).collect(),
            });
            rows.extend(target_rows);
        }
        match beside {
            Some(h) => h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
            None => issues_of(),
        }
    });
    let index = rows
        .iter()
        .enumerate()
        .map(|(i, r)| ((r.target, r.region.clone()), i))
        .collect();
    AuditResult {
        index,
        plan: plan.meta.clone(),
        as_of: opts.as_of,
        by: opts.by,
        scope: regions.path(model.scope),
        baseline_as_of: None,
        targets,
        rows,
        tables: model.tables.clone(),
        issues,
        ignored: model.ignored.clone(),
        classification: model.classification.clone(),
        checklist: supply.checklist(&model.tables),
        explanations: Vec::new(),
        issue_regions,
        issue_explained: std::collections::BTreeMap::new(),
    }
}

fn is_ratio(t: &Target) -> bool {
    matches!(
        t.measure,
        Measure::Density { .. } | Measure::Coverage { .. }
    )
}

/// The targets' figures, worked out on every core in the order they are asked for: a
/// worker per core but one takes the next target not yet begun, and the caller, when the
/// figures it asks for are not ready, works out the next one itself or waits for them.
/// (Worked out in pairs, the slower target of a pair kept the other core idle, and so did
/// the caller's own work on each target's rows: national-28's evaluation ran on about one
/// core.) Each target's figures are a table over every region; a handful are held at once.
struct Ahead<'c, 'a> {
    ctx: &'c measure::Context<'a>,
    /// The targets to evaluate (as staged), in order.
    order: &'c [(usize, &'c Target)],
    /// The next target of `order` not yet begun.
    next: &'c std::sync::atomic::AtomicUsize,
    done: std::sync::mpsc::Receiver<(usize, measure::Values)>,
    ready: Vec<(usize, measure::Values)>,
}

impl<'c, 'a> Ahead<'c, 'a> {
    /// Start the workers (`threads` in all with the caller; 0: one per core) in `scope`.
    fn start<'s>(
        scope: &'s std::thread::Scope<'s, '_>,
        (ctx, order, next): (
            &'c measure::Context<'a>,
            &'c [(usize, &'c Target)],
            &'c std::sync::atomic::AtomicUsize,
        ),
        threads: usize,
    ) -> Self
    where
        'c: 's,
    {
        let threads = if threads > 0 {
            threads
        } else {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        };
        let (tx, done) = std::sync::mpsc::channel();
        for _ in 1..threads.min(order.len()) {
            let tx = tx.clone();
            scope.spawn(move || {
                while let Some(&(i, t)) =
                    order.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
                {
                    if tx.send((i, ctx.evaluate(t))).is_err() {
                        break;
                    }
                }
            });
        }
        Ahead {
            ctx,
            order,
            next,
            done,
            ready: Vec::new(),
        }
    }

    /// The figures of target `ti` (`target`, as staged).
    fn take(&mut self, ti: usize, target: &Target) -> measure::Values {
        loop {
            if let Some(at) = self.ready.iter().position(|(i, _)| *i == ti) {
                return self.ready.swap_remove(at).1;
            }
            let k = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if let Some(&(i, t)) = self.order.get(k) {
                let values = self.ctx.evaluate(t);
                if i == ti {
                    return values;
                }
                self.ready.push((i, values));
                continue;
            }
            // Every target begun: a worker has this one.
            match self.done.recv() {
                Ok(got) => self.ready.push(got),
                // Not reached (a worker that stops sends first): worked out here.
                Err(_) => return self.ctx.evaluate(target),
            }
        }
    }
}

/// The no-data rule and the partial mark. A row at or below the reporting units' level
/// whose unit did not supply a table the target reads has no figure: `no_data`, naming the
/// tables. A row above them (the province) is computed over the units that supplied
/// everything and marked partial when that is only some of them; it has no figure when
/// none did.
fn apply_supply(
    row: &mut Row,
    model: &Model,
    supply: &Supply,
    needs: &[TableKind],
    values: &measure::Values,
) {
    let Some(id) = row.region_id else { return };
    let missing = if model.regions.get(id).level >= supply.level {
        match supply.unit_of(model, id) {
            Some(u) => supply.missing(u, needs),
            None => Vec::new(),
        }
    } else {
        let (done, of) = supply.complete(needs);
        if done == 0 {
            needs
                .iter()
                .copied()
                .filter(|&k| supply.supplied_by_none(k))
                .collect()
        } else {
            if done < of {
                // The figure of the units that supplied everything, not diluted by the
                // units of those that did not: 阳泉市's organizations over 阳泉市's
                // communities, never over 晋城市's as well.
                let mut fresh = row.clone();
                fresh.value = None;
                fresh.count = None;
                fresh.units = None;
                fresh.gap = None;
                fresh.gap_final = None;
                fresh.status = Status::NoData;
                fresh.detail = Vec::new();
                *row = values.set_row(fresh, &supply.complete_ids(needs));
                row.partial = Some(Partial {
                    supplied: done,
                    of,
                    level: supply.level,
                });
            }
            Vec::new()
        }
    };
    if !missing.is_empty() {
        row.status = Status::NoData;
        row.value = None;
        row.count = None;
        row.units = None;
        row.gap = None;
        row.gap_final = None;
        // The missing tables are the detail now (see `Row::missing`).
        row.detail.clear();
        row.missing = missing;
    }
}

/// The row of a reporting unit that is not in the data at all; these sort after the
/// cities present, in the plan's order of reporting units.
fn missing_row(ti: usize, target: &Target, meta: &PlanMeta, index: usize, unit: &str) -> Row {
    let info = matches!(target.measure, Measure::Info { .. });
    Row {
        target: ti,
        level: Level::City,
        region: format!("{}/{}", meta.province, unit),
        region_id: None,
        value: None,
        required: measure::required_value(target),
        gap: None,
        status: if info { Status::Info } else { Status::NoData },
        assessed: target.level == Level::City,
        decimals: measure::decimals(target),
        // U+10FFFF sorts after every name and code.
        sort_key: format!("{}/\u{10FFFF}{index:04}", meta.province_code),
        detail: vec![Detail::UnitNotInData],
        missing: Vec::new(),
        partial: None,
        count: None,
        movement: None,
        gap_final: None,
        units: None,
        explained: None,
    }
}

fn summarize(rows: &[Row], _ti: usize) -> Summary {
    let assessed: Vec<&Row> = rows.iter().filter(|r| r.assessed).collect();
    let count = |s: Status| assessed.iter().filter(|r| r.status == s).count();
    let mut bad: Vec<&&Row> = assessed
        .iter()
        .filter(|r| r.status == Status::Unmet)
        .collect();
    let score = |r: &Row| -> f64 {
        match (r.value, r.required) {
            (Some(v), Some(q)) if q > 0.0 => v / q,
            (Some(v), _) => v,
            _ => f64::INFINITY,
        }
    };
    bad.sort_by(|a, b| {
        score(a)
            .total_cmp(&score(b))
            .then(a.sort_key.cmp(&b.sort_key))
    });
    Summary {
        regions: assessed.len(),
        met: count(Status::Met),
        unmet: count(Status::Unmet),
        no_data: count(Status::NoData),
        not_applicable: count(Status::NotApplicable),
        not_due: count(Status::NotDue),
        explained: count(Status::Explained),
        units_no_data: rows
            .iter()
            .filter(|r| !r.assessed && r.region_id.is_none() && r.status == Status::NoData)
            .count(),
        worst: bad
            .iter()
            .take(3)
            .map(|r| crate::model::region_label(&r.region))
            .collect(),
    }
}

/// Plan years judged at `as_of`: those of the plan period whose 31 December has passed.
pub(crate) fn years_judged(meta: &PlanMeta, as_of: NaiveDate) -> Vec<i32> {
    (meta.period_start.year()..=meta.due.year())
        .filter(|&y| NaiveDate::from_ymd_opt(y, 12, 31).is_some_and(|end| end <= as_of))
        .collect()
}

#[cfg(test)]
mod tests;
