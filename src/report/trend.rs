//! `zhibiao trend`: several snapshots of one plan side by side — per target and region the
//! value at each as-of date, a sparkline, the change from the first to the last and the
//! outlook of the last (see [`crate::audit::movement`]); and the long CSV of every
//! snapshot, each row's movement measured from the snapshot before it.
//!
//! [`trend_targets`] is the model the PDF, HTML and XLSX trend reports draw: per target the
//! regions at its assessed level with their value at each date (small multiples), the
//! regions with no figure at any date apart, and the outlook counts of the last snapshot.

use std::fmt::Write as _;
use std::io::Write;

use comfy_table::{Cell, CellAlignment};

use super::csv::{write_rows, CsvOptions};
use super::table::TableOptions;
use super::{
    fmt_num, long_cells, movement_cells, movement_rows, outlook_counts, region_label, COLUMNS,
    MOVEMENT_COLUMNS,
};
use crate::audit::{AuditResult, Row, Status};

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A sparkline of the values (a blank for a snapshot without a figure); all equal values
/// draw a flat middle line.
pub fn sparkline(values: &[Option<f64>]) -> String {
    let known: Vec<f64> = values.iter().flatten().copied().collect();
    let (lo, hi) = known
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
    values
        .iter()
        .map(|v| match v {
            None => ' ',
            Some(x) if hi - lo <= f64::EPSILON => BARS[3],
            Some(x) => {
                let i = ((x - lo) / (hi - lo) * 7.0).round() as usize;
                BARS[i.min(7)]
            }
        })
        .collect()
}

/// The terminal report: one table per target at the gap-table level of the last snapshot.
pub fn render(results: &[AuditResult], width: Option<u16>) -> String {
    let mut out = String::new();
    let Some(last) = results.last() else {
        return out;
    };
    let p = &last.plan;
    let _ = writeln!(out, "{}", p.title);
    let dates: Vec<String> = results.iter().map(|r| r.as_of.to_string()).collect();
    let _ = writeln!(
        out,
        "计划 {} · 快照 {} · 范围 {} · 截止 {}",
        p.id,
        dates.join("、"),
        last.scope,
        p.due
    );
    let _ = writeln!(
        out,
        "变化 = 最后一期 − 第一期；展望按最后两期之间的进度（按期可达 / 进度落后 / 停滞 / 已达标）\n"
    );
    let level = last.by;
    for (ti, tr) in last.targets.iter().enumerate() {
        let rows: Vec<_> = last
            .rows
            .iter()
            .filter(|r| r.target == ti && r.level == level)
            .collect();
        if rows.is_empty() {
            continue;
        }
        let mut t = super::table::new_table(&TableOptions {
            width,
            ..TableOptions::default()
        });
        let mut header = vec![Cell::new(format!("地区（{}）", level.zh()))];
        header.extend(dates.iter().map(Cell::new));
        header.extend(["走势", "变化", "展望"].map(Cell::new));
        t.set_header(header);
        for r in rows {
            let values: Vec<Option<f64>> = results
                .iter()
                .map(|res| {
                    res.targets
                        .iter()
                        .position(|x| x.target.id == tr.target.id)
                        .and_then(|i| res.row_at(i, &r.region))
                        .filter(|x| x.status != Status::NoData)
                        .and_then(|x| x.value)
                })
                .collect();
            let mut cells = vec![Cell::new(region_label(&r.region))];
            for v in &values {
                cells.push(
                    Cell::new(v.map(|x| fmt_num(x, r.decimals)).unwrap_or("—".into()))
                        .set_alignment(CellAlignment::Right),
                );
            }
            cells.push(Cell::new(sparkline(&values)));
            let change = match (
                values.first().copied().flatten(),
                values.last().copied().flatten(),
            ) {
                (Some(a), Some(b)) if b > a => format!("▲{}", fmt_num(b - a, r.decimals)),
                (Some(a), Some(b)) if b < a => format!("▼{}", fmt_num(a - b, r.decimals)),
                (Some(_), Some(_)) => "＝".to_string(),
                _ => "—".to_string(),
            };
            cells.push(Cell::new(change).set_alignment(CellAlignment::Right));
            let outlook = r
                .movement
                .as_ref()
                .and_then(|m| m.outlook)
                .map(|o| o.zh())
                .unwrap_or("—");
            cells.push(Cell::new(outlook));
            t.add_row(cells);
        }
        let _ = writeln!(out, "{} · {}", tr.target.id, tr.target.text);
        let _ = writeln!(out, "{t}\n");
    }
    out
}

/// The value of `row`'s target and region in each snapshot (`None`: no figure then).
pub(crate) fn values_across(
    results: &[AuditResult],
    last: &AuditResult,
    row: &Row,
) -> Vec<Option<f64>> {
    let Some(id) = last.targets.get(row.target).map(|t| t.target.id.as_str()) else {
        return vec![None; results.len()];
    };
    results
        .iter()
        .map(|res| {
            res.targets
                .iter()
                .position(|x| x.target.id == id)
                .and_then(|i| res.row_at(i, &row.region))
                .filter(|x| x.status != Status::NoData)
                .and_then(|x| x.value)
        })
        .collect()
}

/// One region's line: its row in the last snapshot and its value at each date.
#[derive(Debug, Clone)]
pub(crate) struct Series<'a> {
    /// The row of the last snapshot (status, required, decimals, movement).
    pub row: &'a Row,
    /// The value at each snapshot date.
    pub values: Vec<Option<f64>>,
}

impl Series<'_> {
    /// Last − first value, when both are known.
    pub fn change(&self) -> Option<f64> {
        match (self.values.first(), self.values.last()) {
            (Some(Some(a)), Some(Some(b))) => Some(b - a),
            _ => None,
        }
    }
}

/// One target of the trend reports.
#[derive(Debug, Clone)]
pub(crate) struct TrendTarget<'a> {
    /// Index into the last snapshot's targets.
    pub target: usize,
    /// Regions with a figure at some date, in region order.
    pub series: Vec<Series<'a>>,
    /// Regions with no figure at any date.
    pub absent: Vec<&'a Row>,
    /// Rows of the last snapshot per outlook, in the order of [`OUTLOOKS`].
    pub counts: [usize; 5],
    /// Lowest and highest of the values and the required value (the charts' common scale).
    pub range: Option<(f64, f64)>,
    /// The level of the rows shown ([`shown_level`](super::shown_level)).
    pub level: crate::model::Level,
}

/// The targets of the trend reports, from the snapshots in date order (each with the
/// movement from the one before); rows at each target's assessed level
/// ([`movement_rows`]).
pub(crate) fn trend_targets(results: &[AuditResult]) -> Vec<TrendTarget<'_>> {
    let Some(last) = results.last() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (ti, tr) in last.targets.iter().enumerate() {
        if tr.skipped.is_some() {
            continue;
        }
        let rows = movement_rows(last, ti);
        if rows.is_empty() {
            continue;
        }
        let counts = outlook_counts(last, &rows);
        let level = super::shown_level(last, &rows);
        let mut series = Vec::new();
        let mut absent = Vec::new();
        for r in rows {
            let values = values_across(results, last, r);
            if values.iter().any(Option::is_some) {
                series.push(Series { row: r, values });
            } else {
                absent.push(r);
            }
        }
        let range = series
            .iter()
            .flat_map(|s| s.values.iter().flatten().copied().chain(s.row.required))
            .filter(|x| x.is_finite())
            .fold(None, |acc: Option<(f64, f64)>, x| match acc {
                None => Some((x, x)),
                Some((lo, hi)) => Some((lo.min(x), hi.max(x))),
            });
        out.push(TrendTarget {
            target: ti,
            series,
            absent,
            counts,
            range,
            level,
        });
    }
    out
}

/// Bottom and top of a target's common scale: the values and the required value, with a
/// tenth of the span around them, rounded outwards to the target's decimals (so that the
/// labels are the exact values at the plot's edges); never below zero for figures that
/// are not.
pub fn scale(range: Option<(f64, f64)>, decimals: u8) -> (f64, f64) {
    let (lo, hi) = range.unwrap_or((0.0, 1.0));
    let step = 10f64.powi(-i32::from(decimals));
    let span = hi - lo;
    let pad = if span > 0.0 {
        span * 0.1
    } else {
        (hi.abs() * 0.1).max(step)
    };
    // In steps, rounded to a millionth first: 0.9 / 0.0001 is 8999.999…, not 9000.
    let steps = |x: f64| (x / step * 1e6).round() / 1e6;
    let mut bottom = steps(lo - pad).floor() * step;
    if lo >= 0.0 && bottom < 0.0 {
        bottom = 0.0;
    }
    let top = steps(hi + pad).ceil() * step;
    if top > bottom {
        (bottom, top)
    } else {
        (bottom, bottom + step)
    }
}

/// Where each snapshot date lies across a chart: 0 for the first, 1 for the last, the
/// others in proportion to the days between (all 0.5 when the dates do not differ).
pub(crate) fn date_positions(results: &[AuditResult]) -> Vec<f64> {
    let (Some(first), Some(last)) = (results.first(), results.last()) else {
        return Vec::new();
    };
    let days = (last.as_of - first.as_of).num_days() as f64;
    results
        .iter()
        .map(|r| {
            if days > 0.0 {
                (r.as_of - first.as_of).num_days() as f64 / days
            } else {
                0.5
            }
        })
        .collect()
}

/// The long CSV of every snapshot, grouped by target and region, snapshots in date order;
/// each row's movement is measured from the snapshot before it.
pub fn write_csv<W: Write>(
    out: W,
    results: &[AuditResult],
    opts: CsvOptions,
) -> std::io::Result<()> {
    let mut header: Vec<&str> = COLUMNS.to_vec();
    header.extend(MOVEMENT_COLUMNS);
    let rows = long_rows(results).into_iter().map(|(si, r)| {
        let res = &results[si];
        let mut cells = long_cells(res, r).to_vec();
        cells.extend(movement_cells(r));
        cells
    });
    write_rows(out, opts, &header, rows)
}

/// Every snapshot's rows as (snapshot index, row), grouped by target and region, snapshots
/// in date order: the order of the trend CSV and of the trend workbook's long sheet.
pub(crate) fn long_rows(results: &[AuditResult]) -> Vec<(usize, &Row)> {
    let mut rows: Vec<(usize, &Row)> = results
        .iter()
        .enumerate()
        .flat_map(|(si, res)| res.rows.iter().map(move |r| (si, r)))
        .collect();
    rows.sort_by(|a, b| (a.1.target, &a.1.sort_key, a.0).cmp(&(b.1.target, &b.1.sort_key, b.0)));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparklines_scale_between_min_and_max() {
        assert_eq!(sparkline(&[Some(1.0), Some(2.0), Some(3.0)]), "▁▅█");
        assert_eq!(sparkline(&[Some(5.0), None, Some(5.0)]), "▄ ▄");
        assert_eq!(sparkline(&[]), "");
    }

    #[test]
    fn scales_round_outwards_to_the_decimals() {
        // 7.36 … 10.31 (required 10): span 2.95, a tenth 0.295 → 7.065 → 7.06, 10.605 → 10.61.
        let (lo, hi) = scale(Some((7.36, 10.31)), 2);
        assert!(
            (lo - 7.06).abs() < 1e-9 && (hi - 10.61).abs() < 1e-9,
            "{lo} {hi}"
        );
        // Counts 1 … 3: pad 0.2 → 0 (not below zero) and 4.
        assert_eq!(scale(Some((1.0, 3.0)), 0), (0.0, 4.0));
        // One value: a tenth of it around it.
        assert_eq!(scale(Some((5.0, 5.0)), 0), (4.0, 6.0));
        assert_eq!(scale(None, 0), (0.0, 2.0));
        // A coverage of 1 all along: 0.9 … 1.1 at four decimals (not 0.8999).
        let (lo, hi) = scale(Some((1.0, 1.0)), 4);
        assert_eq!(
            (crate::report::fmt_num(lo, 4), crate::report::fmt_num(hi, 4)),
            ("0.9000".to_string(), "1.1000".to_string())
        );
    }
}
