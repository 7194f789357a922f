//! Plans: the TOML schema, its validation with `file:line:column` diagnostics, and the
//! built-in plans compiled from `rules/*.toml`.
//!
//! A plan file holds data only: metadata in `[plan]`, one `[[target]]` table per
//! quantitative target, and optionally `[[unit]]` tables for reporting units beside the
//! cities (see `units.rs`). See `rules/shanxi-2021-2023.toml` for an annotated example.

pub mod diag;
pub mod explain;
mod fields;
mod load;
mod show;
pub mod swing;
mod units;

use chrono::NaiveDate;
use serde::Serialize;

use crate::ingest::{Dataset, TableKind};
use crate::model::{provinces, Level};
pub use diag::Diagnostic;
pub use explain::{parse_explanations, Explanation, Explanations};
pub use fields::{Field, FieldType, FILTER_FIELDS};
pub use load::{load_path, parse, parse_bytes, read_text};
pub use show::show;
pub use swing::{SwingBound, SwingRules};
pub use units::{apply_units, apply_units_path, describe as describe_units, ReportingUnit};

/// A built-in plan: its id and TOML text.
pub struct Builtin {
    /// Plan id.
    pub id: &'static str,
    /// File name under `rules/`.
    pub file: &'static str,
    /// TOML text.
    pub text: &'static str,
}

/// The plans compiled into the binary.
pub const BUILTINS: &[Builtin] = &[
    Builtin {
        id: "shanxi-2021-2023",
        file: "rules/shanxi-2021-2023.toml",
        text: include_str!("../../rules/shanxi-2021-2023.toml"),
    },
    Builtin {
        id: "shaanxi-2019",
        file: "rules/shaanxi-2019.toml",
        text: include_str!("../../rules/shaanxi-2019.toml"),
    },
];

/// Every built-in plan, parsed.
pub fn builtins() -> Result<Vec<Plan>, PlanError> {
    BUILTINS.iter().map(|b| parse(b.file, b.text)).collect()
}

/// The built-in plan with this id.
pub fn builtin(id: &str) -> Option<Result<Plan, PlanError>> {
    BUILTINS
        .iter()
        .find(|b| b.id == id)
        .map(|b| parse(b.file, b.text))
}

/// Errors loading a plan.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The file cannot be read.
    #[error("{path}: {message}")]
    Io {
        /// Path.
        path: String,
        /// What failed.
        message: String,
    },
    /// Syntax or schema errors, each located in the text.
    #[error("{}", render(.0))]
    Invalid(Vec<Diagnostic>),
}

/// Every diagnostic, rendered, a blank line between them, and a closing count when there
/// are several.
fn render(d: &[Diagnostic]) -> String {
    let mut s = d
        .iter()
        .map(|d| d.render().trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n\n");
    if d.len() > 1 {
        s.push_str(&format!(
            "\n\n{}: 共 {} 个错误 / {} errors",
            diag::ERROR_PREFIX,
            d.len(),
            d.len()
        ));
    }
    s
}

/// Plan metadata.
#[derive(Debug, Clone, Serialize)]
pub struct PlanMeta {
    /// Stable id, e.g. "shanxi-2021-2023".
    pub id: String,
    /// Title.
    pub title: String,
    /// Issuing body.
    pub issuer: String,
    /// Document number, e.g. "晋民发〔2021〕30号" (empty when the source gives none).
    pub document: String,
    /// Date issued, when the source text gives it.
    pub issued: Option<NaiveDate>,
    /// Province name, e.g. "山西省".
    pub province: String,
    /// Two-digit province code, e.g. "14".
    pub province_code: String,
    /// Cities expected to report.
    pub reporting_units: Vec<String>,
    /// First day of the plan period.
    pub period_start: NaiveDate,
    /// Due date of the plan.
    pub due: NaiveDate,
}

/// How bad an unmet target is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Reported, fails the run only with `--fail-on warning`.
    Warning,
    /// Fails the run.
    Error,
}

/// How a record is attached to a region or unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Attach {
    /// Located in the region or below it.
    Within,
    /// Located exactly at the region.
    At,
    /// (Community units) located in the community, at its street with no community, or
    /// naming it in 服务社区.
    Reaches,
}

/// Units of a density or coverage measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// Communities (社区/村), optionally filtered.
    Communities,
    /// Streets and townships (街道乡镇).
    Streets,
}

/// A filter test on one field.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Test {
    /// Field is one of these canonical values.
    In(Vec<String>),
    /// Field is none of these (a blank field passes).
    NotIn(Vec<String>),
    /// Yes/no field equals this.
    Is(bool),
}

/// One filter: a field and a test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Filter {
    /// Field tested.
    pub field: Field,
    /// Test.
    pub test: Test,
}

/// Which records a target counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Selection {
    /// Table.
    pub table: TableKind,
    /// All must pass.
    pub filters: Vec<Filter>,
}

/// Which units a density or coverage target divides by.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Units {
    /// Communities or streets.
    pub kind: UnitKind,
    /// Filters on communities (kind, pilot).
    pub filters: Vec<Filter>,
}

/// An exact non-negative rational threshold (10, 1, 1/3, 0.85).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Ratio {
    /// Numerator.
    pub num: u64,
    /// Denominator (> 0).
    pub den: u64,
}

impl Ratio {
    /// As a float.
    pub fn value(self) -> f64 {
        self.num as f64 / self.den as f64
    }

    /// ⌈self × n⌉, exactly.
    pub(crate) fn ceil_times(self, n: u64) -> u64 {
        let p = u128::from(self.num) * u128::from(n);
        let d = u128::from(self.den);
        p.div_ceil(d).min(u128::from(u64::MAX)) as u64
    }
}

/// What a target measures. See the audit issue for the semantics.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "measure")]
pub enum Measure {
    /// Mean matching records located in each matching unit.
    Density {
        /// Records counted.
        records: Selection,
        /// Units divided by.
        units: Units,
        /// Required mean.
        min: Ratio,
    },
    /// Share of units with at least `at_least` matching records attached.
    Coverage {
        /// Records.
        records: Selection,
        /// Units.
        units: Units,
        /// Attachment of records to units.
        attach: Attach,
        /// Records a unit needs to be covered.
        at_least: u32,
        /// Required share.
        min: Ratio,
    },
    /// Matching records in the region.
    Count {
        /// Records.
        records: Selection,
        /// Attachment to the region.
        attach: Attach,
        /// Required count.
        min: u64,
    },
    /// For each ended plan year, whether the region has at least `at_least` records dated in it.
    YearlyCount {
        /// Records.
        records: Selection,
        /// Attachment to the region.
        attach: Attach,
        /// Records needed per year.
        at_least: u32,
    },
    /// A figure with no threshold: a count, or the sum of a numeric field.
    Info {
        /// Records.
        records: Selection,
        /// Attachment to the region.
        attach: Attach,
        /// Field summed (`amount`), or `None` to count.
        sum: Option<String>,
    },
}

impl Measure {
    /// Measure name as written in plan files.
    pub fn name(&self) -> &'static str {
        match self {
            Measure::Density { .. } => "density",
            Measure::Coverage { .. } => "coverage",
            Measure::Count { .. } => "count",
            Measure::YearlyCount { .. } => "yearly_count",
            Measure::Info { .. } => "info",
        }
    }

    /// The records selection.
    pub fn records(&self) -> &Selection {
        match self {
            Measure::Density { records, .. }
            | Measure::Coverage { records, .. }
            | Measure::Count { records, .. }
            | Measure::YearlyCount { records, .. }
            | Measure::Info { records, .. } => records,
        }
    }
}

/// One quantitative target.
#[derive(Debug, Clone, Serialize)]
pub struct Target {
    /// Stable id, e.g. "urban-density".
    pub id: String,
    /// Short Chinese name for the reports, e.g. "城市社区组织密度" (required).
    pub name: String,
    /// Short English name (`--lang en`); the id when absent.
    pub name_en: Option<String>,
    /// Clause reference, e.g. "一、总体目标".
    pub clause: String,
    /// The clause's own words.
    pub text: String,
    /// How it is interpreted.
    pub note: String,
    /// Measure.
    pub measure: Measure,
    /// Level at which it is assessed.
    pub level: Level,
    /// Levels that get rows (always includes `level`), top down.
    pub levels: Vec<Level>,
    /// Severity when unmet.
    pub severity: Severity,
    /// Due date.
    pub due: NaiveDate,
    /// Interim requirements before the due date, by date ascending (density, coverage and
    /// count targets only).
    pub milestones: Vec<Milestone>,
}

/// An interim requirement: by `by`, at least `min` (in the unit of the target's `min`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Milestone {
    /// The date the interim requirement applies from.
    pub by: NaiveDate,
    /// Required mean, share or count.
    pub min: Ratio,
}

/// Which requirement an audit at a given as-of date judges a target against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "stage")]
pub enum Stage {
    /// The target itself: the as-of date is on or after the due date, or the measure
    /// judges each ended year on its own (`yearly_count`, `info`).
    Final,
    /// The latest milestone on or before the as-of date.
    Milestone(Milestone),
    /// Before the due date with no milestone reached yet: a shortfall is reported with its
    /// outlook (status `not_due`) and does not fail the run unless `--fail-on behind`.
    NotDue,
}

impl Target {
    /// The requirement that applies at `as_of` (see [`Stage`]).
    pub(crate) fn stage(&self, as_of: NaiveDate) -> Stage {
        let staged = matches!(
            self.measure,
            Measure::Density { .. } | Measure::Coverage { .. } | Measure::Count { .. }
        );
        if !staged || as_of >= self.due {
            return Stage::Final;
        }
        match self.milestones.iter().rev().find(|m| m.by <= as_of) {
            Some(m) => Stage::Milestone(*m),
            None => Stage::NotDue,
        }
    }

    /// The target with `min` replaced by a milestone's (the measure's own unit).
    pub(crate) fn with_min(&self, min: Ratio) -> Target {
        let mut t = self.clone();
        match &mut t.measure {
            Measure::Density { min: m, .. } | Measure::Coverage { min: m, .. } => *m = min,
            Measure::Count { min: m, .. } => *m = min.ceil_times(1),
            Measure::YearlyCount { .. } | Measure::Info { .. } => {}
        }
        t
    }

    /// The target's own threshold as a ratio (`None` for yearly counts and info).
    pub fn min(&self) -> Option<Ratio> {
        match &self.measure {
            Measure::Density { min, .. } | Measure::Coverage { min, .. } => Some(*min),
            Measure::Count { min, .. } => Some(Ratio { num: *min, den: 1 }),
            Measure::YearlyCount { .. } | Measure::Info { .. } => None,
        }
    }
}

/// A validated plan.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// Metadata.
    pub meta: PlanMeta,
    /// Targets in plan order.
    pub targets: Vec<Target>,
    /// Units reported beside the cities (`[[unit]]`), in plan order.
    pub units: Vec<ReportingUnit>,
    /// `[swing]`: the bounds of the swing check between snapshots.
    pub swing: SwingRules,
}

/// Built-in plans whose province matches the data: by division codes, a 省 column, or city
/// names. Returns the ids of the matching plans.
pub fn detect(ds: &Dataset, plans: &[Plan]) -> Vec<String> {
    let mut provinces_seen: Vec<String> = Vec::new();
    let mut note = |name: &str| {
        if !name.is_empty()
            && !provinces_seen
                .iter()
                .any(|p| provinces::same_province(p, name))
        {
            provinces_seen.push(name.to_string());
        }
    };
    for c in &ds.communities {
        if !c.place.province.is_empty() {
            note(&c.place.province);
        } else if let Some(p) = c.code.as_deref().and_then(provinces::province_of_code) {
            note(p);
        }
    }
    let by_province: Vec<String> = plans
        .iter()
        .filter(|p| {
            provinces_seen
                .iter()
                .any(|s| provinces::same_province(s, &p.meta.province))
        })
        .map(|p| p.meta.id.clone())
        .collect();
    if !by_province.is_empty() {
        return by_province;
    }
    let cities: std::collections::HashSet<&str> = ds
        .communities
        .iter()
        .map(|c| &*c.place.city)
        .chain(
            ds.organizations
                .iter()
                .map(|o| &**ds.names.name(o.place.city)),
        )
        .collect();
    plans
        .iter()
        .filter(|p| {
            p.meta
                .reporting_units
                .iter()
                .any(|u| cities.contains(&u.as_str()))
        })
        .map(|p| p.meta.id.clone())
        .collect()
}

#[cfg(test)]
mod tests;
