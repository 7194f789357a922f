//! The trend report as PDF (`zhibiao trend … -o trend.pdf`): the title block with the
//! snapshots, the outlook counts of every target, then per target a small multiple of line
//! charts (one per region, on the target's common scale, the required value dashed, the
//! last point red when unmet and green when met) and the table of values per snapshot
//! with the change and the outlook. Numbers through [`fmt_num`] at the row's decimals.

use super::layout::{Cell, Panel, Table, CONTENT_W, GREY, INK, MARGIN_X, OK, WARN};
use super::{
    absent_notes, extra, level_label, outlook_counts_table, parenthesized, status_fill,
    title_block_with, with_marks, DocInfo, FontSource, Pages, PdfOptions,
};
use crate::audit::{AuditResult, Status};
use crate::report::trend::{date_positions, scale, trend_targets, TrendTarget};
use crate::report::{change_text, fmt_num, region_label, Lang, ReportError, ReportMeta};

/// Panels side by side when a target has at most this many regions; more get a tighter
/// grid.
const WIDE_COLS: usize = 4;
/// Columns of the tighter grid.
const NARROW_COLS: usize = 5;
/// Horizontal gap between panels.
const PANEL_GAP: f32 = 14.0;
/// Height of a panel.
const PANEL_H: f32 = 96.0;

/// The trend report of `results` (snapshots in date order) as PDF bytes.
pub fn trend_to_bytes(
    results: &[AuditResult],
    meta: &ReportMeta,
    opts: &PdfOptions,
) -> Result<Vec<u8>, ReportError> {
    let Some(last) = results.last() else {
        return Err(ReportError::Other("trend: no snapshot".to_string()));
    };
    let src = FontSource::load(opts)?;
    let shaper = src.shaper()?;
    let mut p = Pages::new(&shaper);
    let lang = meta.lang;
    let w = lang.words();
    let x = extra(lang);
    let plan = &last.plan;
    let dates: Vec<String> = results.iter().map(|r| r.as_of.to_string()).collect();
    let sep = if lang == Lang::Zh { "、" } else { ", " };
    let facts: Vec<(&str, String)> = vec![
        (x.issuer, plan.issuer.clone()),
        (
            x.document,
            if plan.document.is_empty() {
                "—".to_string()
            } else {
                plan.document.clone()
            },
        ),
        (w.province, plan.province.clone()),
        (x.plan, plan.id.clone()),
        (w.snapshots, dates.join(sep)),
        (w.due, plan.due.to_string()),
        (w.scope, last.scope.clone()),
        (w.level, level_levels(last, lang)),
        (
            w.generated,
            meta.generated.format("%Y-%m-%d %H:%M:%S").to_string(),
        ),
    ];
    title_block_with(&mut p, plan, facts, meta)?;
    body(&mut p, results, last, lang)?;
    let first = dates.first().cloned().unwrap_or_default();
    let doc = DocInfo {
        title: format!("{} · {}", plan.title, w.trend),
        footer_left: format!(
            "{} · {} · {} {first} → {}",
            plan.title, plan.id, w.trend, last.as_of
        ),
        description: format!(
            "{} {} · {} {}",
            w.snapshots,
            dates.join(sep),
            w.scope,
            last.scope
        ),
    };
    src.render(&doc, meta, &shaper, p)
}

/// The levels the targets are assessed at ("市、县区").
fn level_levels(last: &AuditResult, lang: Lang) -> String {
    let mut levels: Vec<crate::model::Level> = Vec::new();
    for t in &last.targets {
        if !levels.contains(&t.target.level) {
            levels.push(t.target.level);
        }
    }
    levels
        .iter()
        .map(|l| level_label(*l, lang))
        .collect::<Vec<_>>()
        .join(if lang == Lang::Zh { "、" } else { ", " })
}

fn body(
    p: &mut Pages,
    results: &[AuditResult],
    last: &AuditResult,
    lang: Lang,
) -> Result<(), ReportError> {
    let w = lang.words();
    let targets = trend_targets(results);
    let first = results
        .first()
        .map(|r| r.as_of.to_string())
        .unwrap_or_default();
    let title = parenthesized(w.trend, &format!("{first} → {}", last.as_of), lang);
    p.heading(&title)?;
    p.paragraph(w.trend_note, 8.0, GREY, &title)?;
    p.gap(4.0);
    let counts = targets
        .iter()
        .filter(|t| t.counts.iter().sum::<usize>() > 0)
        .map(|t| {
            let target = &last.targets[t.target].target;
            (format!("{}　{}", target.id, target.text), t.level, t.counts)
        })
        .collect();
    p.paragraph(w.outlook_counts, 9.0, INK, &title)?;
    outlook_counts_table(p, counts, lang, &title)?;
    for t in &targets {
        target_block(p, results, last, t, lang)?;
    }
    Ok(())
}

fn target_block(
    p: &mut Pages,
    results: &[AuditResult],
    last: &AuditResult,
    t: &TrendTarget,
    lang: Lang,
) -> Result<(), ReportError> {
    let w = lang.words();
    let target = &last.targets[t.target].target;
    let decimals = t.series.first().map_or(0, |s| s.row.decimals);
    let required = t.series.iter().find_map(|s| s.row.required);
    let mut caption = format!("{}　{}", target.id, target.text);
    if let Some(q) = required {
        let req = format!("{} {}", w.required, fmt_num(q, decimals));
        caption = format!("{caption}　{}", parenthesized("", &req, lang).trim_start());
    }
    let n = t.series.len();
    let cols = if n <= WIDE_COLS {
        WIDE_COLS
    } else {
        NARROW_COLS
    };
    let panel_w = (CONTENT_W - (cols - 1) as f32 * PANEL_GAP) / cols as f32;
    p.need(9.0 * 1.3 * 2.0 + 8.0 + if n > 0 { PANEL_H } else { 0.0 });
    p.gap(8.0);
    p.sub_mark(&target.id);
    p.paragraph(&caption, 9.0, INK, &caption)?;
    p.gap(3.0);
    let dates: Vec<chrono::NaiveDate> = results.iter().map(|r| r.as_of).collect();
    let xs: Vec<f32> = date_positions(results).iter().map(|f| *f as f32).collect();
    let x_labels: Vec<String> = dates.iter().map(|d| d.to_string()).collect();
    let (lo, hi) = scale(t.range, decimals);
    for row in t.series.chunks(cols) {
        p.need(PANEL_H + 4.0);
        let top = p.y;
        for (i, s) in row.iter().enumerate() {
            let last_value = s.values.last().copied().flatten();
            let mut value_text = last_value
                .map(|v| fmt_num(v, s.row.decimals))
                .unwrap_or_else(|| w.no_data.to_string());
            let change = change_text(s.change(), s.row.decimals);
            if s.change().is_some() {
                value_text = format!("{value_text} {change}");
            }
            let panel = Panel {
                title: region_label(&s.row.region),
                value_text: with_marks(p.shaper, &value_text),
                last_color: match s.row.status {
                    Status::Unmet => WARN,
                    Status::Met => OK,
                    _ => GREY,
                },
                xs: xs.clone(),
                x_labels: x_labels.clone(),
                values: s.values.clone(),
                lo,
                hi,
                lo_text: fmt_num(lo, decimals),
                hi_text: fmt_num(hi, decimals),
                required: s.row.required,
            };
            let x = MARGIN_X + i as f32 * (panel_w + PANEL_GAP);
            p.panel(&panel, x, top, panel_w, PANEL_H)?;
        }
        p.y = top + PANEL_H + 6.0;
    }
    // Regions with no figure at any date.
    absent_notes(p, &t.absent, lang, &caption)?;
    if t.series.is_empty() {
        return Ok(());
    }
    // The values per snapshot, the change and the outlook.
    let size = 7.5;
    let mut region_w: f32 = 60.0;
    for s in &t.series {
        region_w = region_w.max(
            p.shaper
                .width(&region_label(&s.row.region), size, &caption)?
                + 8.0,
        );
    }
    let region_w = region_w.min(200.0);
    let tail = [56.0, 60.0, 64.0];
    let avail = CONTENT_W - region_w - tail.iter().sum::<f32>();
    // Many snapshots narrow the columns (their text wraps) rather than overflow the page.
    let date_w = (avail / dates.len().max(1) as f32).min(64.0);
    let mut widths = vec![region_w];
    widths.extend(dates.iter().map(|_| date_w));
    widths.extend(tail);
    let mut header = vec![Cell::new(parenthesized(
        w.region,
        level_label(t.level, lang),
        lang,
    ))];
    // A date too wide for its column is written on two lines, year above month and day.
    let date_fits = match x_labels.first() {
        Some(d) => p.shaper.width(d, size, &caption)? + 6.0 <= date_w,
        None => true,
    };
    header.extend(dates.iter().map(|d| {
        let text = if date_fits {
            d.to_string()
        } else {
            d.format("%Y\n%m-%d").to_string()
        };
        Cell::new(text).right()
    }));
    header.push(Cell::new(w.required).right());
    header.push(Cell::new(w.change).right());
    header.push(Cell::new(w.outlook));
    let n_dates = dates.len();
    let rows = t
        .series
        .iter()
        .map(|s| {
            let mut cells = vec![Cell::new(region_label(&s.row.region))];
            for (i, v) in s.values.iter().enumerate() {
                let cell = Cell::new(
                    v.map(|x| fmt_num(x, s.row.decimals))
                        .unwrap_or_else(|| "—".to_string()),
                )
                .right();
                cells.push(if i + 1 == n_dates {
                    cell.fill(status_fill(s.row.status))
                } else {
                    cell
                });
            }
            cells.push(
                Cell::new(
                    s.row
                        .required
                        .map(|q| fmt_num(q, s.row.decimals))
                        .unwrap_or_else(|| "—".to_string()),
                )
                .right(),
            );
            let change = change_text(s.change(), s.row.decimals);
            let color = if change.starts_with('▼') { WARN } else { INK };
            cells.push(
                Cell::new(with_marks(p.shaper, &change))
                    .right()
                    .color(color),
            );
            let outlook = s.row.movement.as_ref().and_then(|m| m.outlook);
            cells.push(
                Cell::new(outlook.map(|o| lang.outlook(o)).unwrap_or("—"))
                    .fill(super::outlook_fill(outlook)),
            );
            cells
        })
        .collect();
    p.table(&Table {
        widths,
        header,
        rows,
        size,
        context: caption.clone(),
    })
}
