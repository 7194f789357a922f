//! `zhibiao trend`: several snapshots of one plan side by side — per target and region the
//! value at each as-of date, a sparkline, the change from the first to the last and the
//! outlook of the last (see [`crate::audit::movement`]); and the long CSV of every
//! snapshot, each row's movement measured from the snapshot before it.

use std::fmt::Write as _;
use std::io::Write;

use comfy_table::{Cell, CellAlignment};

use super::csv::{write_rows, CsvOptions};
use super::table::TableOptions;
use super::{fmt_num, long_cells, movement_cells, region_label, COLUMNS, MOVEMENT_COLUMNS};
use crate::audit::{AuditResult, Status};

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

/// The long CSV of every snapshot, grouped by target and region, snapshots in date order;
/// each row's movement is measured from the snapshot before it.
pub fn write_csv<W: Write>(
    out: W,
    results: &[AuditResult],
    opts: CsvOptions,
) -> std::io::Result<()> {
    let mut header: Vec<&str> = COLUMNS.to_vec();
    header.extend(MOVEMENT_COLUMNS);
    // (target index in the last result's plan order, region sort key, snapshot) → cells.
    let mut rows: Vec<((usize, String, usize), Vec<String>)> = Vec::new();
    for (si, res) in results.iter().enumerate() {
        for r in &res.rows {
            let mut cells = long_cells(res, r).to_vec();
            cells.extend(movement_cells(r));
            rows.push(((r.target, r.sort_key.clone(), si), cells));
        }
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    write_rows(out, opts, &header, rows.into_iter().map(|(_, c)| c))
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
}
