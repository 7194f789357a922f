//! Swing checks between two snapshots (`audit --baseline`, `trend`): a county whose count
//! of active records of a table changed by more than the plan's bound (`[swing]`, by
//! default ±30% for a county with at least 20 records) is flagged as a data-quality
//! warning, code S501, naming the two counts, the change and the records behind it (the
//! diff's added, dissolved and moved counts). A swing is a data issue: it never changes a
//! figure, it can be explained by code and region, and `--fail-on swing` makes an
//! unexplained one fail the run.
//!
//! **The rule**, per county and table (organizations, incubators: the tables whose records
//! are active for a while; projects, events and funds are dated records that only
//! accumulate), with `before` and `after` the active records at the two as-of dates:
//! - `before ≥ min_records`: flagged when `|after − before| > max_change × before`
//!   (strictly more: exactly 30% is not flagged);
//! - `before = 0` and `after ≥ min_records`: flagged (a county that had nothing and now
//!   has a full ledger: usually a table missing from the earlier snapshot);
//! - otherwise (`0 < before < min_records`) not judged: small counts swing by nature.
//!
//! Counted as in `zhibiao diff` ([`super::diff`]): records located within the county, so
//! `after − before = added − dissolved + moved_in − moved_out`.

use chrono::NaiveDate;

use super::diff::{self, DiffOptions, RecordKind as DiffKind};
use crate::ingest::{DataIssue, Outcome, TableKind};
use crate::issue::{IssueKind, RecordKind};
use crate::model::{Level, Model};
use crate::plan::{SwingBound, SwingRules};

/// Whether a change from `before` to `after` records is a swing under `bound` (the rule of
/// the module doc; exact integer arithmetic).
pub(crate) fn is_swing(before: u32, after: u32, bound: SwingBound) -> bool {
    if before == 0 {
        return after >= bound.min_records.max(1);
    }
    if before < bound.min_records {
        return false;
    }
    let delta = u64::from(before.abs_diff(after));
    // |Δ| / before > bp / 10000
    delta * 10_000 > u64::from(bound.max_change) * u64::from(before)
}

/// The change in percent (`None` when there was nothing before).
pub(crate) fn change_percent(before: u32, after: u32) -> Option<f64> {
    (before > 0).then(|| (f64::from(after) - f64::from(before)) * 100.0 / f64::from(before))
}

/// A bound in hundredths of a percent as written: 3000 → "30%", 1250 → "12.5%".
pub(crate) fn percent_text(bp: u32) -> String {
    let (int, frac) = (bp / 100, bp % 100);
    match frac {
        0 => format!("{int}%"),
        f if f % 10 == 0 => format!("{int}.{}%", f / 10),
        f => format!("{int}.{f:02}%"),
    }
}

/// The swings of `current` (at `as_of`) against `previous` (at `baseline_as_of`), one data
/// issue per county and table flagged, in the diff's order (organizations then incubators,
/// counties in tree order). Only counties within the current model's scope are judged.
pub fn check(
    previous: &Model,
    current: &Model,
    rules: &SwingRules,
    baseline_as_of: NaiveDate,
    as_of: NaiveDate,
) -> Vec<DataIssue> {
    let d = diff::diff(
        previous,
        current,
        DiffOptions {
            baseline_as_of,
            as_of,
            by: Level::County,
        },
    );
    let scope = current.regions.path(current.scope);
    let within = |path: &str| {
        path == scope
            || path
                .strip_prefix(scope.as_str())
                .is_some_and(|rest| rest.starts_with('/'))
    };
    let mut out = Vec::new();
    for (kind, r) in &d.regions {
        if r.level != Level::County || r.own || !within(&r.path) {
            continue;
        }
        let (table, record) = match kind {
            DiffKind::Organization => (TableKind::Organizations, RecordKind::Organization),
            DiffKind::Incubator => (TableKind::Incubators, RecordKind::Incubator),
        };
        let Some(bound) = rules.bound(table) else {
            continue;
        };
        if !is_swing(r.before, r.after, bound) {
            continue;
        }
        out.push(DataIssue::new(
            None,
            None,
            IssueKind::Swing {
                record,
                region: r.path.as_str().into(),
                baseline_as_of,
                before: r.before,
                after: r.after,
                added: r.added,
                dissolved: r.dissolved,
                moved_in: r.moved_in,
                moved_out: r.moved_out,
                max_change: bound.max_change,
            },
            Outcome::Counted,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(pct: u32, min: u32) -> SwingBound {
        SwingBound {
            max_change: pct * 100,
            min_records: min,
        }
    }

    #[test]
    fn the_bounds_by_hand() {
        let d = b(30, 20);
        // 20 → 26 is +30% exactly: not more than the bound.
        assert!(!is_swing(20, 26, d));
        assert!(is_swing(20, 27, d));
        assert!(!is_swing(20, 14, d));
        assert!(is_swing(20, 13, d));
        // 19 records before: below min_records, not judged.
        assert!(!is_swing(19, 40, d));
        // Nothing before, a full ledger now.
        assert!(is_swing(0, 20, d));
        assert!(!is_swing(0, 19, d));
        assert!(!is_swing(0, 0, d));
        // 12.5%: 80 → 90 is +12.5% (not flagged), 80 → 91 is +13.75%.
        let t = SwingBound {
            max_change: 1250,
            min_records: 20,
        };
        assert!(!is_swing(80, 90, t));
        assert!(is_swing(80, 91, t));
        assert!(is_swing(u32::MAX, 0, d));
    }

    #[test]
    fn percent_texts() {
        assert_eq!(percent_text(3000), "30%");
        assert_eq!(percent_text(1250), "12.5%");
        assert_eq!(percent_text(5), "0.05%");
        assert_eq!(change_percent(20, 27), Some(35.0));
        assert_eq!(change_percent(0, 27), None);
    }
}
