//! Movement between two snapshots (`audit --baseline`, `trend`): for every (target,
//! region) the baseline value, the change, the pace needed to close the gap by the due
//! date, the pace achieved between the snapshots, the projected date at that pace and an
//! outlook.
//!
//! The rules, in units of the target's gap (records for density and count targets, covered
//! units for coverage targets, years for yearly counts), with a quarter = 365.25 / 4 days:
//! - `change` = current value − baseline value; `change_count` = current − baseline records
//!   (or covered units);
//! - `pace_needed` = current gap ÷ quarters from the current as-of date to the due date
//!   (for an unmet target whose due date is ahead);
//! - `pace_actual` = (baseline gap − current gap) ÷ quarters between the snapshots: how fast
//!   the gap closed (it equals the records added when the units did not change);
//! - `projected_date` = current as-of + current gap ÷ `pace_actual` quarters (when the pace
//!   is positive);
//! - outlook: `met` when the target is met; `no_data` when either snapshot has no figure;
//!   `stalled` when the gap did not close (pace ≤ 0); `on_track` when the projected date is
//!   on or before the due date; `behind` otherwise, and for an unmet target past its due
//!   date.
//! - a yearly count judges each ended year on its own (a later snapshot judges more years,
//!   so its gap is not comparable): no pace or projection; `met` when every ended year has
//!   its records, else `behind` (a missed year cannot be made up).

use chrono::{Duration, NaiveDate};
use serde::Serialize;

use super::{AuditResult, Row, Status};

/// Days in a quarter, on average.
pub(crate) const QUARTER_DAYS: f64 = 365.25 / 4.0;

/// Where a region is heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outlook {
    /// Met now.
    Met,
    /// At the pace achieved, met by the due date.
    OnTrack,
    /// At the pace achieved, met only after the due date (or the due date has passed).
    Behind,
    /// The gap did not close, or grew.
    Stalled,
    /// No figure in one of the snapshots.
    NoData,
}

impl Outlook {
    /// "met", "on_track", "behind", "stalled", "no_data".
    pub fn as_str(self) -> &'static str {
        match self {
            Outlook::Met => "met",
            Outlook::OnTrack => "on_track",
            Outlook::Behind => "behind",
            Outlook::Stalled => "stalled",
            Outlook::NoData => "no_data",
        }
    }

    /// Chinese label.
    pub fn zh(self) -> &'static str {
        match self {
            Outlook::Met => "已达标",
            Outlook::OnTrack => "按期可达",
            Outlook::Behind => "进度落后",
            Outlook::Stalled => "停滞",
            Outlook::NoData => "无数据",
        }
    }
}

/// One row's movement since the baseline.
#[derive(Debug, Clone, Serialize)]
pub struct Movement {
    /// As-of date of the baseline snapshot.
    pub baseline_as_of: NaiveDate,
    /// The baseline value (`None`: the region had no figure then, or was absent).
    pub baseline_value: Option<f64>,
    /// Current − baseline value.
    pub change: Option<f64>,
    /// Current − baseline records (density, count) or covered units (coverage).
    pub change_count: Option<i64>,
    /// Gap units per quarter needed to close the gap by the due date.
    pub pace_needed: Option<f64>,
    /// Gap units per quarter closed between the snapshots.
    pub pace_actual: Option<f64>,
    /// The date the gap closes at the pace achieved.
    pub projected_date: Option<NaiveDate>,
    /// Outlook (`None` for info and not-applicable rows).
    pub outlook: Option<Outlook>,
}

fn quarters(from: NaiveDate, to: NaiveDate) -> f64 {
    (to - from).num_days() as f64 / QUARTER_DAYS
}

/// The movement of `now` (at `as_of`) from `before` (at `baseline_as_of`), the target
/// being due on `due`.
pub fn movement(
    now: &Row,
    before: Option<&Row>,
    as_of: NaiveDate,
    baseline_as_of: NaiveDate,
    due: NaiveDate,
) -> Movement {
    let baseline_value = before.and_then(|b| b.value);
    let change = match (now.value, baseline_value) {
        (Some(a), Some(b)) => Some(round6(a - b)),
        _ => None,
    };
    let change_count = match (now.count, before.and_then(|b| b.count)) {
        (Some(a), Some(b)) => Some(a as i64 - b as i64),
        _ => None,
    };
    let mut m = Movement {
        baseline_as_of,
        baseline_value,
        change,
        change_count,
        pace_needed: None,
        pace_actual: None,
        projected_date: None,
        outlook: None,
    };
    let before_status = before.map(|b| b.status);
    // Pace and outlook are about the target's own threshold, whatever milestone is judged.
    let final_gap = |r: &Row| r.gap_final.or(r.gap);
    let met_final = final_gap(now) == Some(0);
    m.outlook = match (now.status, before_status) {
        (Status::Info | Status::NotApplicable, _) => None,
        (Status::Met, _) if met_final => Some(Outlook::Met),
        (Status::NoData, _) | (_, None | Some(Status::NoData | Status::NotApplicable)) => {
            Some(Outlook::NoData)
        }
        (_, Some(Status::Info)) => None,
        (Status::Met | Status::Unmet | Status::NotDue | Status::Explained, _) => {
            let gap_now = final_gap(now).unwrap_or(0) as f64;
            let left = quarters(as_of, due);
            if left > 0.0 {
                m.pace_needed = Some(round6(gap_now / left));
            }
            let between = quarters(baseline_as_of, as_of);
            let gap_before = before.and_then(final_gap);
            match gap_before {
                Some(gb) if between > 0.0 => {
                    let pace = (gb as f64 - gap_now) / between;
                    m.pace_actual = Some(round6(pace));
                    if pace > 0.0 {
                        // The tolerance keeps an exact whole number of days from rounding up.
                        let days = (gap_now / pace * QUARTER_DAYS - 1e-9).ceil();
                        m.projected_date = Duration::try_days(days as i64)
                            .and_then(|d| as_of.checked_add_signed(d));
                    }
                    if pace <= 0.0 {
                        Some(Outlook::Stalled)
                    } else if left > 0.0 && m.projected_date.is_some_and(|p| p <= due) {
                        Some(Outlook::OnTrack)
                    } else {
                        Some(Outlook::Behind)
                    }
                }
                // A baseline row without a gap (met then, now unmet): going backwards.
                Some(_) | None if before_status == Some(Status::Met) => Some(Outlook::Stalled),
                _ => Some(Outlook::NoData),
            }
        }
    };
    m
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Attach the movement since `baseline` to every row of `current`. A (target, region) of
/// the baseline that the current snapshot lacks (a county that sent nothing this quarter)
/// gets a row of its own: no data now, its baseline value kept; such rows are not assessed
/// (the exit code is the current audit's).
pub fn apply_baseline(current: &mut AuditResult, baseline: &AuditResult) {
    let as_of = current.as_of;
    let base_as_of = baseline.as_of;
    // Targets are matched by id (the same plan is used for both snapshots).
    let target_index = |id: &str| current.targets.iter().position(|t| t.target.id == id);
    let mut extra: Vec<Row> = Vec::new();
    for b in &baseline.rows {
        let Some(ti) = baseline
            .targets
            .get(b.target)
            .and_then(|t| target_index(&t.target.id))
        else {
            continue;
        };
        if current.row_at(ti, &b.region).is_none() {
            let mut r = b.clone();
            r.target = ti;
            r.value = None;
            r.count = None;
            r.units = None;
            r.gap = None;
            r.status = Status::NoData;
            r.assessed = false;
            r.partial = None;
            r.missing = Vec::new();
            r.detail = vec![super::Detail::NotInThisSnapshot];
            extra.push(r);
        }
    }
    current.rows.extend(extra);
    current.rows.sort_by(|a, b| {
        a.target
            .cmp(&b.target)
            .then_with(|| a.sort_key.cmp(&b.sort_key))
    });
    current.rebuild_index();
    let mut moves = Vec::with_capacity(current.rows.len());
    for r in &current.rows {
        let t = &current.targets[r.target].target;
        let bi = baseline.targets.iter().position(|x| x.target.id == t.id);
        let before = bi.and_then(|bi| baseline.row_at(bi, &r.region));
        let mut m = movement(r, before, as_of, base_as_of, t.due);
        if matches!(t.measure, crate::plan::Measure::YearlyCount { .. }) {
            m.pace_needed = None;
            m.pace_actual = None;
            m.projected_date = None;
            m.outlook = match r.status {
                Status::Met => Some(Outlook::Met),
                Status::Unmet | Status::Explained => Some(Outlook::Behind),
                Status::NoData => Some(Outlook::NoData),
                Status::NotDue | Status::NotApplicable | Status::Info => None,
            };
        }
        moves.push(m);
    }
    for (r, m) in current.rows.iter_mut().zip(moves) {
        r.movement = Some(m);
    }
    current.baseline_as_of = Some(base_as_of);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Level;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn row(value: f64, count: u64, gap: u64, status: Status) -> Row {
        Row {
            target: 0,
            level: Level::City,
            region: "山西省/阳泉市".into(),
            region_id: Some(1),
            value: Some(value),
            required: Some(10.0),
            gap: Some(gap),
            status,
            assessed: true,
            decimals: 2,
            sort_key: String::new(),
            detail: Vec::new(),
            missing: Vec::new(),
            partial: None,
            count: Some(count),
            movement: None,
            gap_final: None,
            units: None,
            explained: None,
        }
    }

    #[test]
    fn pace_projection_and_outlook_worked_by_hand() {
        // Baseline 2023-06-30: 900 records in 100 units, need 1000 → gap 100.
        // Current 2023-09-30: 950 records → gap 50. 92 days = 92 / 91.3125 = 1.007529 quarters.
        // pace_actual = (100 − 50) / 1.007529 = 49.626359 records a quarter (python: 50 / (92 / 91.3125)).
        // Due 2023-12-31: 92 days left = 1.007529 quarters; pace_needed = 50 / 1.007529 = 49.626.
        // Projected: 50 / 49.626 × 91.3125 = 92.0 days → 2023-12-31 ≤ due: on track.
        let before = row(9.0, 900, 100, Status::Unmet);
        let now = row(9.5, 950, 50, Status::Unmet);
        let m = movement(
            &now,
            Some(&before),
            d(2023, 9, 30),
            d(2023, 6, 30),
            d(2023, 12, 31),
        );
        assert_eq!(m.change, Some(0.5));
        assert_eq!(m.change_count, Some(50));
        assert_eq!(m.pace_actual, Some(49.626359));
        assert_eq!(m.pace_needed, Some(49.626359));
        assert_eq!(m.projected_date, Some(d(2023, 12, 31)));
        assert_eq!(m.outlook, Some(Outlook::OnTrack));
        // Closing only 40 (gap 100 → 60): pace 39.70 < needed 59.55 → projected
        // 60 / 39.7009 × 91.3125 = 138 days → 2024-02-15 > due: behind.
        let now = row(9.4, 940, 60, Status::Unmet);
        let m = movement(
            &now,
            Some(&before),
            d(2023, 9, 30),
            d(2023, 6, 30),
            d(2023, 12, 31),
        );
        assert_eq!(m.projected_date, Some(d(2024, 2, 15)));
        assert_eq!(m.outlook, Some(Outlook::Behind));
        // No progress, or going backwards: stalled, no projection.
        let now = row(8.9, 890, 110, Status::Unmet);
        let m = movement(
            &now,
            Some(&before),
            d(2023, 9, 30),
            d(2023, 6, 30),
            d(2023, 12, 31),
        );
        assert_eq!((m.change_count, m.projected_date), (Some(-10), None));
        assert_eq!(m.outlook, Some(Outlook::Stalled));
        // Met now.
        let now = row(10.1, 1010, 0, Status::Met);
        let m = movement(
            &now,
            Some(&before),
            d(2023, 9, 30),
            d(2023, 6, 30),
            d(2023, 12, 31),
        );
        assert_eq!(m.outlook, Some(Outlook::Met));
        // Past the due date and unmet: behind, whatever the pace.
        let now = row(9.5, 950, 50, Status::Unmet);
        let m = movement(
            &now,
            Some(&before),
            d(2024, 3, 31),
            d(2023, 6, 30),
            d(2023, 12, 31),
        );
        assert_eq!((m.pace_needed, m.outlook), (None, Some(Outlook::Behind)));
    }

    #[test]
    fn a_region_new_in_the_current_snapshot_has_no_pace() {
        // Present only in the later snapshot: no baseline value, no change, outlook no data
        // (unless met now).
        let now = row(9.5, 950, 50, Status::Unmet);
        let m = movement(&now, None, d(2023, 9, 30), d(2023, 6, 30), d(2023, 12, 31));
        assert_eq!(
            (m.baseline_value, m.change, m.pace_actual),
            (None, None, None)
        );
        assert_eq!(m.outlook, Some(Outlook::NoData));
        let now = row(10.5, 1050, 0, Status::Met);
        let m = movement(&now, None, d(2023, 9, 30), d(2023, 6, 30), d(2023, 12, 31));
        assert_eq!(m.outlook, Some(Outlook::Met));
    }
}
