//! The HTML report: one self-contained file (inline CSS, inline SVG charts, a few lines of
//! inline script to sort tables), with the sections of the terminal report: title block and
//! inputs, summary of targets (with the notes on tables not supplied and partial figures),
//! the submission checklist, charts, the gap table at `--by` level, data issues (identical
//! ones merged) and row accounting. Nothing is fetched: no URL, no web font, no external
//! script or style.
//!
//! Every number is printed with [`fmt_num`] at the row's decimals, or taken from
//! [`long_cells`](super::long_cells), so it equals the CSV.
//!
//! The layout helpers at the end ([`cell_text_in`], [`gap_layout`], `summary_counts`,
//! `partial_label`, `issues_count_in`, …) are shared with the
//! Markdown, PDF and XLSX reports.

use std::fmt::Write as _;
use std::io::Write;

use super::issues::{is_listed, totals};
use super::shared::{
    accounting_in, classification_line, esc, issues_count_in, level_name, outcome_in,
    partial_label, pick, summary_counts, summary_required,
};
use super::{fmt_num, Lang, ReportError, ReportMeta};
pub use super::{gap_layout, region_label};
use crate::audit::movement::Outlook;
use crate::audit::{AuditResult, Row, Status};
use crate::model::Level;
use crate::plan::Measure;

/// Write the HTML report.
pub fn write<W: Write>(
    mut out: W,
    result: &AuditResult,
    meta: &ReportMeta,
) -> Result<(), ReportError> {
    out.write_all(render(result, meta).as_bytes())?;
    Ok(())
}

/// The HTML report as a string.
pub fn render(result: &AuditResult, meta: &ReportMeta) -> String {
    let lang = meta.lang;
    let w = lang.words();
    let p = &result.plan;
    let mut h = String::with_capacity(64 * 1024);
    page_head(&mut h, &p.title, lang);
    let facts = [
        (pick(lang, "计划", "Plan"), p.id.clone()),
        (w.province, p.province.clone()),
        (w.scope, result.scope.clone()),
        (w.as_of, result.as_of.to_string()),
        (w.due, p.due.to_string()),
        (
            w.generated,
            meta.generated.format("%Y-%m-%d %H:%M:%S").to_string(),
        ),
    ];
    header_block(&mut h, &p.title, p, &facts, meta);
    summary_section(&mut h, result, lang);
    checklist_section(&mut h, result, lang);
    charts_section(&mut h, result, lang);
    gaps_section(&mut h, result, lang, meta.hide_no_data);
    movement_section(&mut h, result, lang);
    issues_section(&mut h, result, lang);
    page_foot(&mut h, meta);
    h
}

/// The document's head and the opening of its body.
fn page_head(h: &mut String, title: &str, lang: Lang) {
    let html_lang = match lang {
        Lang::Zh => "zh-CN",
        Lang::En => "en",
    };
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{html_lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"zhibiao {}\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        esc(env!("CARGO_PKG_VERSION")),
        esc(title)
    );
}

/// The title block: heading, issuer and document, `facts`, the input files.
fn header_block(
    h: &mut String,
    title: &str,
    p: &crate::plan::PlanMeta,
    facts: &[(&str, String)],
    meta: &ReportMeta,
) {
    let w = meta.lang.words();
    h.push_str("<header>\n");
    let _ = writeln!(h, "<h1>{}</h1>", esc(title));
    let doc = [p.issuer.as_str(), p.document.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    if !doc.is_empty() {
        let _ = writeln!(h, "<p class=\"doc\">{}</p>", esc(&doc));
    }
    h.push_str("<dl class=\"meta\">\n");
    for (k, v) in facts {
        let _ = writeln!(h, "<div><dt>{}</dt><dd>{}</dd></div>", esc(k), esc(v));
    }
    h.push_str("</dl>\n");
    if !meta.inputs.is_empty() {
        let _ = writeln!(
            h,
            "<details class=\"inputs\" open><summary>{} ({})</summary>",
            esc(w.inputs),
            meta.inputs.len()
        );
        let _ = writeln!(
            h,
            "<table class=\"sortable\"><thead><tr><th>{}</th><th>SHA-256</th></tr></thead><tbody>",
            esc(w.file)
        );
        for i in &meta.inputs {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"hash\">{}</td></tr>",
                esc(&i.path),
                esc(&i.sha256)
            );
        }
        h.push_str("</tbody></table>\n</details>\n");
    }
    h.push_str("</header>\n");
}

/// The footer, the sorting script and the end of the document.
fn page_foot(h: &mut String, meta: &ReportMeta) {
    let w = meta.lang.words();
    let _ = writeln!(
        h,
        "<footer>zhibiao {} · {} {}</footer>",
        esc(env!("CARGO_PKG_VERSION")),
        esc(w.generated),
        esc(&meta.generated.format("%Y-%m-%d %H:%M:%S").to_string())
    );
    let _ = write!(h, "<script>{SCRIPT}</script>\n</body>\n</html>\n");
}

/// The CSS class of an outlook cell.
fn outlook_class(o: Option<Outlook>) -> &'static str {
    match o {
        Some(Outlook::Met | Outlook::OnTrack) => "met",
        Some(Outlook::Behind | Outlook::Stalled) => "unmet",
        Some(Outlook::NoData) => "no_data",
        None => "",
    }
}

/// The outlook counts table: one row per target (label, level, counts).
fn outlook_counts_table(h: &mut String, rows: &[(String, String, Level, [usize; 5])], lang: Lang) {
    let w = lang.words();
    let _ = write!(
        h,
        "<table class=\"sortable outlooks\"><thead><tr><th>{}</th><th>{}</th>",
        esc(w.target),
        esc(w.level)
    );
    for o in w.outlooks {
        let _ = write!(h, "<th class=\"num\">{}</th>", esc(o));
    }
    h.push_str("</tr></thead><tbody>\n");
    for (id, text, level, counts) in rows {
        let _ = write!(
            h,
            "<tr><td data-sort=\"{}\"><span class=\"id\">{}</span> <span class=\"text\">{}</span></td><td>{}</td>",
            esc(id),
            esc(id),
            esc(text),
            esc(level_name(*level, lang))
        );
        for (i, n) in counts.iter().enumerate() {
            let class = if *n > 0 {
                outlook_class(super::OUTLOOKS.get(i).copied())
            } else {
                ""
            };
            let _ = write!(h, "<td class=\"num {class}\">{n}</td>");
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table>\n");
}

/// The names of `rows` with `status`, as a note ("无数据：太原市、大同市").
fn absent_notes(h: &mut String, rows: &[&Row], lang: Lang) {
    for status in [Status::NoData, Status::NotApplicable] {
        let names: Vec<String> = rows
            .iter()
            .filter(|r| r.status == status)
            .map(|r| short_name(&r.region))
            .collect();
        if !names.is_empty() {
            let _ = writeln!(
                h,
                "<p class=\"missing\">{}{}{}</p>",
                esc(lang.status(status)),
                pick(lang, "：", ": "),
                esc(&names.join(pick(lang, "、", ", ")))
            );
        }
    }
}

/// The movement since the baseline (only with `--baseline`): the outlook counts of every
/// target, then per target its regions ranked by change.
fn movement_section(h: &mut String, result: &AuditResult, lang: Lang) {
    let Some(base) = result.baseline_as_of else {
        return;
    };
    let targets = super::movement_targets(result);
    if targets.is_empty() {
        return;
    }
    let w = lang.words();
    let _ = writeln!(
        h,
        "<section id=\"movement\">\n<h2>{}{}{base} → {}{}</h2>\n<p class=\"note\">{}</p>",
        esc(w.movement),
        pick(lang, "（", " ("),
        result.as_of,
        pick(lang, "）", ")"),
        esc(&super::movement_note(result, lang))
    );
    let counts: Vec<(String, String, Level, [usize; 5])> = targets
        .iter()
        .filter(|m| m.counted() > 0)
        .map(|m| {
            let t = &result.targets[m.target].target;
            (t.id.clone(), t.text.clone(), m.level, m.counts)
        })
        .collect();
    outlook_counts_table(h, &counts, lang);
    for m in &targets {
        let t = &result.targets[m.target].target;
        let _ = writeln!(
            h,
            "<h3 id=\"movement-{}\"><span class=\"id\">{}</span> {}</h3>",
            esc(&t.id),
            esc(&t.id),
            esc(&t.text)
        );
        if !m.ranked.is_empty() {
            let _ = write!(
                h,
                "<div class=\"scroll\"><table class=\"sortable movement\"><thead><tr><th>{}{}{}{}</th>",
                esc(w.region),
                pick(lang, "（", " ("),
                esc(level_name(m.level, lang)),
                pick(lang, "）", ")")
            );
            for (head, num) in [
                (format!("{} {base}", w.baseline), true),
                (format!("{} {}", w.current, result.as_of), true),
                (w.required.to_string(), true),
                (w.change.to_string(), true),
                (w.change_count.to_string(), true),
                (w.gap.to_string(), true),
                (w.pace_needed.to_string(), true),
                (w.pace_actual.to_string(), true),
                (w.projected.to_string(), true),
                (w.outlook.to_string(), false),
            ] {
                let class = if num { " class=\"num\"" } else { "" };
                let _ = write!(h, "<th{class}>{}</th>", esc(&head));
            }
            h.push_str("</tr></thead><tbody>\n");
            for r in &m.ranked {
                let d = super::movement_display(r, lang);
                let mv = r.movement.as_ref();
                // Sort keys: the numbers as numbers (the change signed), dates as text.
                let sort = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
                let keys = [
                    sort(mv.and_then(|m| m.baseline_value)),
                    sort(r.value),
                    sort(r.required),
                    sort(mv.and_then(|m| m.change)),
                    mv.and_then(|m| m.change_count)
                        .map(|c| c.to_string())
                        .unwrap_or_default(),
                    r.gap.map(|g| g.to_string()).unwrap_or_default(),
                    sort(mv.and_then(|m| m.pace_needed)),
                    sort(mv.and_then(|m| m.pace_actual)),
                    mv.and_then(|m| m.projected_date)
                        .map(|d| d.to_string())
                        .unwrap_or_default(),
                    d[9].clone(),
                ];
                let _ = write!(
                    h,
                    "<tr><th scope=\"row\" data-sort=\"{}\">{}</th>",
                    esc(&r.sort_key),
                    esc(&region_label(&r.region))
                );
                for (i, (text, key)) in d.iter().zip(&keys).enumerate() {
                    let class = match i {
                        1 => format!("num {}", r.status.as_str()),
                        3 if text.starts_with('▼') => "num down".to_string(),
                        3 if text.starts_with('▲') => "num up".to_string(),
                        9 => outlook_class(mv.and_then(|m| m.outlook)).to_string(),
                        _ => "num".to_string(),
                    };
                    let _ = write!(
                        h,
                        "<td class=\"{class}\" data-sort=\"{}\">{}</td>",
                        esc(key),
                        esc(text)
                    );
                }
                h.push_str("</tr>\n");
            }
            h.push_str("</tbody></table></div>\n");
        }
        absent_notes(h, &m.absent, lang);
    }
    h.push_str("</section>\n");
}

fn summary_section(h: &mut String, result: &AuditResult, lang: Lang) {
    let w = lang.words();
    let _ = writeln!(
        h,
        "<section id=\"summary\">\n<h2>{}</h2>\n<p class=\"note\">{}</p>",
        esc(w.summary),
        esc(pick(
            lang,
            "按各指标的考核层级统计",
            "Counted at each target's assessed level",
        ))
    );
    let _ = writeln!(
        h,
        "<table class=\"sortable summary\"><thead><tr><th>{}</th><th>{}</th><th>{}</th>\
         <th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th>\
         <th class=\"num\">{}</th><th>{}</th></tr></thead><tbody>",
        esc(w.target),
        esc(w.clause),
        esc(w.level),
        esc(w.required),
        esc(w.met),
        esc(w.unmet),
        esc(w.no_data),
        esc(w.worst)
    );
    for (ti, tr) in result.targets.iter().enumerate() {
        let t = &tr.target;
        let required = summary_required(result, ti);
        let _ = write!(
            h,
            "<tr><td data-sort=\"{}\"><span class=\"name\">{}</span><br><span class=\"id\">{}</span></td>\
             <td>{}</td><td>{}</td><td class=\"num\" data-sort=\"{}\">{}</td>",
            esc(&t.id),
            esc(super::target_name(t, lang)),
            esc(&t.id),
            esc(if lang == Lang::Zh { &t.clause } else { "" }),
            esc(level_name(t.level, lang)),
            esc(required.as_deref().unwrap_or("")),
            esc(required.as_deref().unwrap_or("—")),
        );
        match &tr.skipped {
            Some(_) => {
                let _ = write!(
                    h,
                    "<td colspan=\"4\" class=\"skipped\">{}{}</td>",
                    esc(pick(lang, "未评估：", "not evaluated: ")),
                    esc(&super::skipped_text(result, tr, lang))
                );
            }
            None => {
                let s = &tr.summary;
                let c = summary_counts(tr, lang);
                let missing = c
                    .missing
                    .as_deref()
                    .map(|m| format!("<br><span class=\"reason\">{}</span>", esc(m)))
                    .unwrap_or_default();
                let _ = write!(
                    h,
                    "<td class=\"num{}\" data-sort=\"{}\">{}</td>\
                     <td class=\"num{}\">{}</td><td class=\"num{}\" data-sort=\"{}\">{}{missing}</td><td>{}</td>",
                    if !c.info && s.met > 0 { " met" } else { "" },
                    if c.info { String::new() } else { s.met.to_string() },
                    esc(&c.met),
                    if s.unmet > 0 { " unmet" } else { "" },
                    esc(&super::unmet_summary_text(tr, lang)),
                    if c.any_no_data { " no_data" } else { "" },
                    s.no_data + s.units_no_data,
                    esc(&c.no_data),
                    esc(&s.worst.join(pick(lang, "、", ", ")))
                );
            }
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table>\n");
    for line in super::table::summary_notes(result, lang) {
        let _ = writeln!(h, "<p class=\"warn\">{}</p>", esc(&line));
    }
    h.push_str("</section>\n");
}

/// The submission checklist: one row per reporting unit, one column per table kind; a
/// cell lists the numbers of the supplying tables ("✓ 1, 3"), "✗" when the unit lacks the
/// table (styled as no data), "—" for a unit not in the data at all. The legend below maps
/// the numbers to the files.
fn checklist_section(h: &mut String, result: &AuditResult, lang: Lang) {
    let w = lang.words();
    let grid = super::checklist_grid(result, lang);
    if grid.rows.is_empty() {
        return;
    }
    let _ = writeln!(
        h,
        "<section id=\"checklist\">\n<h2>{}</h2>\n<p class=\"note\">{}</p>",
        esc(w.checklist),
        esc(w.checklist_note)
    );
    let _ = write!(
        h,
        "<table class=\"sortable checklist\"><thead><tr><th>{}</th>",
        esc(w.reporting_unit)
    );
    for k in &grid.kinds {
        let _ = write!(h, "<th>{}</th>", esc(k));
    }
    h.push_str("</tr></thead><tbody>\n");
    for r in &grid.rows {
        let _ = write!(h, "<tr><th scope=\"row\">{}</th>", esc(&r.unit));
        for k in 0..grid.kinds.len() {
            let class = match (r.present, r.cells.get(k)) {
                (true, Some(Some(_))) => "met",
                (true, _) => "no_data missing",
                (false, _) => "no_data absent",
            };
            let _ = write!(h, "<td class=\"{class}\">{}</td>", esc(&r.cell_text(k)));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table>\n");
    if !grid.legend.is_empty() {
        h.push_str("<ol class=\"legend\">\n");
        for (n, name) in &grid.legend {
            let _ = writeln!(h, "<li value=\"{n}\">{}</li>", esc(name));
        }
        h.push_str("</ol>\n");
    }
    h.push_str("</section>\n");
}

/// Chart geometry (CSS pixels).
const CHART_W: f64 = 600.0;
const LABEL_W: f64 = 80.0;
const VALUE_W: f64 = 70.0;
const BAR_H: f64 = 20.0;
const BAR_GAP: f64 = 8.0;
const TOP: f64 = 26.0;

fn charts_section(h: &mut String, result: &AuditResult, lang: Lang) {
    let w = lang.words();
    let mut charts = String::new();
    for (ti, tr) in result.targets.iter().enumerate() {
        if tr.skipped.is_some()
            || !matches!(
                tr.target.measure,
                Measure::Density { .. } | Measure::Coverage { .. }
            )
        {
            continue;
        }
        let rows = chart_rows(result, ti);
        let with_value: Vec<&Row> = rows.iter().copied().filter(|r| r.value.is_some()).collect();
        let missing: Vec<&Row> = rows.iter().copied().filter(|r| r.value.is_none()).collect();
        if with_value.is_empty() {
            continue;
        }
        let _ = writeln!(
            charts,
            "<figure class=\"chart\">\n<figcaption>{} <span class=\"id\">{}</span></figcaption>",
            esc(super::target_name(&tr.target, lang)),
            esc(&tr.target.id)
        );
        charts.push_str(&bar_chart(result, &with_value, lang));
        // Regions without a bar: no data, or not applicable (no units of the kind).
        for status in [Status::NoData, Status::NotApplicable] {
            let names: Vec<String> = missing
                .iter()
                .filter(|r| r.status == status)
                .map(|r| short_name(&r.region))
                .collect();
            if !names.is_empty() {
                let _ = writeln!(
                    charts,
                    "<p class=\"missing\">{}{}{}</p>",
                    esc(lang.status(status)),
                    pick(lang, "：", ": "),
                    esc(&names.join(pick(lang, "、", ", ")))
                );
            }
        }
        charts.push_str("</figure>\n");
    }
    if charts.is_empty() {
        return;
    }
    let _ = writeln!(
        h,
        "<section id=\"charts\">\n<h2>{}</h2>\n<p class=\"note\">{}</p>\n<div class=\"charts\">\n{charts}</div>\n</section>",
        esc(w.charts),
        esc(pick(
            lang,
            "竖线为要求值；红色为未达标，绿色为达标",
            "The vertical line is the required value; red bars are unmet, green met",
        ))
    );
}

/// The rows a target's chart shows: its city-level rows, or its rows at the `--by` level
/// when the scope holds at most one city.
fn chart_rows(result: &AuditResult, ti: usize) -> Vec<&Row> {
    let at = |level: Level| -> Vec<&Row> {
        result
            .rows
            .iter()
            .filter(|r| r.target == ti && r.level == level)
            .collect()
    };
    let cities = at(Level::City);
    if cities.iter().filter(|r| r.value.is_some()).count() > 1 || result.by == Level::City {
        cities
    } else {
        at(result.by)
    }
}

fn bar_chart(result: &AuditResult, rows: &[&Row], lang: Lang) -> String {
    let w = lang.words();
    let human = |r: &Row, x: f64| match result.targets.get(r.target) {
        Some(t) => super::human_num(&t.target, x, r.decimals),
        None => fmt_num(x, r.decimals),
    };
    let max = rows
        .iter()
        .flat_map(|r| [r.value, r.required])
        .flatten()
        .filter(|x| x.is_finite())
        .fold(0.0_f64, f64::max);
    let scale_max = if max > 0.0 { max * 1.08 } else { 1.0 };
    let plot_w = CHART_W - LABEL_W - VALUE_W;
    let x_of = |v: f64| LABEL_W + (v.max(0.0) / scale_max) * plot_w;
    let height = TOP + rows.len() as f64 * (BAR_H + BAR_GAP) + 6.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg class=\"bars\" viewBox=\"0 0 {CHART_W} {height}\" width=\"{CHART_W}\" height=\"{height}\" role=\"img\">"
    );
    // Axis.
    let _ = writeln!(
        s,
        "<line x1=\"{LABEL_W}\" y1=\"{}\" x2=\"{LABEL_W}\" y2=\"{}\" class=\"axis\"/>",
        TOP - 4.0,
        height - 4.0
    );
    for (i, r) in rows.iter().enumerate() {
        let y = TOP + i as f64 * (BAR_H + BAR_GAP);
        let v = r.value.unwrap_or(0.0);
        let x = x_of(v);
        let class = match r.status {
            Status::Met => "met",
            Status::Unmet => "unmet",
            Status::NotDue => "not_due",
            Status::Explained => "explained",
            Status::NoData => "no_data",
            Status::NotApplicable => "not_applicable",
            Status::Info => "info",
        };
        let mut value_text = r.value.map(|v| human(r, v)).unwrap_or_default();
        if let Some(ratio) = super::ratio_text(r) {
            value_text.push_str(&format!(" ({ratio})"));
        }
        if let Some(p) = partial_label(r, lang) {
            value_text.push_str(&match lang {
                Lang::Zh => format!("（{p}）"),
                Lang::En => format!(" ({p})"),
            });
        }
        let name = short_name(&r.region);
        // The value inside a long bar, at its start (clear of the required line, which lies
        // near the bar's end); after a short bar.
        let (value_x, value_class) = if x - LABEL_W > 64.0 {
            (LABEL_W + 6.0, "value inside")
        } else {
            (x + 6.0, "value")
        };
        let _ = writeln!(
            s,
            "<g class=\"{class}\"><title>{} {} {}{}</title>\
             <text x=\"{}\" y=\"{}\" class=\"label\">{}</text>\
             <rect x=\"{LABEL_W}\" y=\"{y}\" width=\"{:.1}\" height=\"{BAR_H}\"/>\
             <text x=\"{:.1}\" y=\"{}\" class=\"{value_class}\">{}</text></g>",
            esc(&name),
            esc(&value_text),
            esc(lang.status(r.status)),
            r.gap
                .filter(|g| *g > 0)
                .map(|g| format!(" · {} {g}", w.gap))
                .map(|t| esc(&t))
                .unwrap_or_default(),
            LABEL_W - 8.0,
            y + BAR_H * 0.72,
            esc(&name),
            (x - LABEL_W).max(0.5),
            value_x,
            y + BAR_H * 0.72,
            esc(&value_text)
        );
    }
    // The required line: the value of the first row that has one (a target has one
    // threshold; rows only differ in their measured values).
    if let Some(r) = rows.iter().find(|r| r.required.is_some()) {
        if let Some(q) = r.required {
            let x = x_of(q);
            let _ = writeln!(
                s,
                "<line x1=\"{x:.1}\" y1=\"{}\" x2=\"{x:.1}\" y2=\"{}\" class=\"required\"/>\
                 <text x=\"{x:.1}\" y=\"{}\" class=\"required-label\">{} {}</text>",
                TOP - 8.0,
                height - 2.0,
                TOP - 12.0,
                esc(w.required),
                esc(&human(r, q))
            );
        }
    }
    s.push_str("</svg>\n");
    s
}

/// The trend report (`zhibiao trend … -o trend.html`): the snapshots, the outlook counts,
/// then per target a small multiple of line charts (one inline SVG per region, the
/// target's common scale, the required value dashed, the last point red when unmet and
/// green when met) and the table of values per snapshot with the change and the outlook.
pub fn render_trend(results: &[AuditResult], meta: &ReportMeta) -> String {
    let mut h = String::with_capacity(64 * 1024);
    let Some(last) = results.last() else {
        return h;
    };
    let lang = meta.lang;
    let w = lang.words();
    let p = &last.plan;
    let title = format!("{} · {}", p.title, w.trend);
    page_head(&mut h, &title, lang);
    let dates: Vec<String> = results.iter().map(|r| r.as_of.to_string()).collect();
    let facts = [
        (pick(lang, "计划", "Plan"), p.id.clone()),
        (w.province, p.province.clone()),
        (w.scope, last.scope.clone()),
        (w.snapshots, dates.join(pick(lang, "、", ", "))),
        (w.due, p.due.to_string()),
        (
            w.generated,
            meta.generated.format("%Y-%m-%d %H:%M:%S").to_string(),
        ),
    ];
    header_block(&mut h, &p.title, p, &facts, meta);
    let targets = super::trend::trend_targets(results);
    let _ = writeln!(
        h,
        "<section id=\"trend\">\n<h2>{}{}{} → {}{}</h2>\n<p class=\"note\">{}</p>",
        esc(w.trend),
        pick(lang, "（", " ("),
        esc(dates.first().map(String::as_str).unwrap_or_default()),
        last.as_of,
        pick(lang, "）", ")"),
        esc(w.trend_note)
    );
    let counts: Vec<(String, String, Level, [usize; 5])> = targets
        .iter()
        .filter(|t| t.counts.iter().sum::<usize>() > 0)
        .map(|t| {
            let tt = &last.targets[t.target].target;
            (tt.id.clone(), tt.text.clone(), t.level, t.counts)
        })
        .collect();
    let _ = writeln!(h, "<h3>{}</h3>", esc(w.outlook_counts));
    outlook_counts_table(&mut h, &counts, lang);
    let xs = super::trend::date_positions(results);
    for t in &targets {
        let target = &last.targets[t.target].target;
        let decimals = t.series.first().map_or(0, |s| s.row.decimals);
        let required = t.series.iter().find_map(|s| s.row.required);
        let _ = write!(
            h,
            "<div class=\"trend-target\" id=\"trend-{}\">\n<h3><span class=\"id\">{}</span> {}",
            esc(&target.id),
            esc(&target.id),
            esc(&target.text)
        );
        if let Some(q) = required {
            let _ = write!(
                h,
                " <span class=\"required-note\">{}{} {}{}</span>",
                pick(lang, "（", "("),
                esc(w.required),
                esc(&fmt_num(q, decimals)),
                pick(lang, "）", ")")
            );
        }
        h.push_str("</h3>\n");
        let (lo, hi) = super::trend::scale(t.range, decimals);
        if !t.series.is_empty() {
            h.push_str("<div class=\"smalls\">\n");
            for s in &t.series {
                h.push_str(&small_chart(s, &xs, &dates, (lo, hi), decimals, lang));
            }
            h.push_str("</div>\n");
        }
        absent_notes(&mut h, &t.absent, lang);
        if !t.series.is_empty() {
            let _ = write!(
                h,
                "<div class=\"scroll\"><table class=\"sortable trend\"><thead><tr><th>{}{}{}{}</th>",
                esc(w.region),
                pick(lang, "（", " ("),
                esc(level_name(t.level, lang)),
                pick(lang, "）", ")")
            );
            for d in &dates {
                let _ = write!(h, "<th class=\"num\">{}</th>", esc(d));
            }
            let _ = writeln!(
                h,
                "<th class=\"num\">{}</th><th class=\"num\">{}</th><th>{}</th></tr></thead><tbody>",
                esc(w.required),
                esc(w.change),
                esc(w.outlook)
            );
            for s in &t.series {
                let r = s.row;
                let _ = write!(
                    h,
                    "<tr><th scope=\"row\" data-sort=\"{}\">{}</th>",
                    esc(&r.sort_key),
                    esc(&region_label(&r.region))
                );
                let n = s.values.len();
                for (i, v) in s.values.iter().enumerate() {
                    let class = if i + 1 == n {
                        format!("num {}", r.status.as_str())
                    } else {
                        "num".to_string()
                    };
                    let _ = write!(
                        h,
                        "<td class=\"{class}\" data-sort=\"{}\">{}</td>",
                        v.map(|x| x.to_string()).unwrap_or_default(),
                        esc(&v
                            .map(|x| fmt_num(x, r.decimals))
                            .unwrap_or_else(|| "—".to_string()))
                    );
                }
                let change = s.change();
                let change_text = super::change_text(change, r.decimals);
                let dir = match change_text.chars().next() {
                    Some('▲') => " up",
                    Some('▼') => " down",
                    _ => "",
                };
                let outlook = r.movement.as_ref().and_then(|m| m.outlook);
                let _ = writeln!(
                    h,
                    "<td class=\"num\">{}</td><td class=\"num{dir}\" data-sort=\"{}\">{}</td><td class=\"{}\">{}</td></tr>",
                    esc(&r
                        .required
                        .map(|q| fmt_num(q, r.decimals))
                        .unwrap_or_else(|| "—".to_string())),
                    change.map(|c| c.to_string()).unwrap_or_default(),
                    esc(&change_text),
                    outlook_class(outlook),
                    esc(outlook.map(|o| lang.outlook(o)).unwrap_or("—"))
                );
            }
            h.push_str("</tbody></table></div>\n");
        }
        h.push_str("</div>\n");
    }
    h.push_str("</section>\n");
    page_foot(&mut h, meta);
    h
}

/// Small-multiple geometry (CSS pixels).
const SM_W: f64 = 240.0;
const SM_H: f64 = 140.0;

/// One small line chart: a region's value at each snapshot on the target's common scale.
fn small_chart(
    s: &super::trend::Series,
    xs: &[f64],
    dates: &[String],
    (lo, hi): (f64, f64),
    decimals: u8,
    lang: Lang,
) -> String {
    let r = s.row;
    let lo_text = fmt_num(lo, decimals);
    let hi_text = fmt_num(hi, decimals);
    // Tick labels at 10px: about 6px a character.
    let label_w = lo_text.chars().count().max(hi_text.chars().count()) as f64 * 6.0 + 4.0;
    let (pl, pr, pt, pb) = (label_w + 2.0, SM_W - 4.0, 24.0, SM_H - 16.0);
    let inset = 6.0;
    let x_of = |f: f64| pl + inset + f.clamp(0.0, 1.0) * (pr - pl - 2.0 * inset);
    let span = hi - lo;
    let y_of = |v: f64| {
        if span > 0.0 && v.is_finite() {
            pb - ((v - lo) / span).clamp(0.0, 1.0) * (pb - pt)
        } else {
            (pt + pb) / 2.0
        }
    };
    let last_class = match r.status {
        Status::Met => "met",
        Status::Unmet => "unmet",
        _ => "other",
    };
    let mut value_text = s
        .values
        .last()
        .copied()
        .flatten()
        .map(|v| fmt_num(v, r.decimals))
        .unwrap_or_else(|| lang.status(Status::NoData).to_string());
    if s.change().is_some() {
        value_text = format!(
            "{value_text} {}",
            super::change_text(s.change(), r.decimals)
        );
    }
    let name = region_label(&r.region);
    let tip: Vec<String> = dates
        .iter()
        .zip(&s.values)
        .map(|(d, v)| {
            format!(
                "{d}: {}",
                v.map(|x| fmt_num(x, r.decimals))
                    .unwrap_or_else(|| "—".to_string())
            )
        })
        .collect();
    let mut o = String::new();
    let _ = writeln!(
        o,
        "<svg class=\"sm\" viewBox=\"0 0 {SM_W} {SM_H}\" width=\"{SM_W}\" height=\"{SM_H}\" role=\"img\">\
         <title>{} · {}</title>",
        esc(&name),
        esc(&tip.join(" · "))
    );
    let _ = write!(
        o,
        "<text x=\"0\" y=\"14\" class=\"name\">{}</text>\
         <text x=\"{SM_W}\" y=\"14\" class=\"last {last_class}\">{}</text>\
         <rect x=\"{pl:.1}\" y=\"{pt}\" width=\"{:.1}\" height=\"{:.1}\" class=\"plot\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" class=\"tick\">{}</text>\
         <text x=\"{:.1}\" y=\"{:.1}\" class=\"tick\">{}</text>",
        esc(&name),
        esc(&value_text),
        pr - pl,
        pb - pt,
        pl - 3.0,
        pt + 8.0,
        esc(&hi_text),
        pl - 3.0,
        pb,
        esc(&lo_text)
    );
    if let Some(q) = r.required {
        let y = y_of(q);
        let _ = write!(
            o,
            "<line x1=\"{pl:.1}\" y1=\"{y:.1}\" x2=\"{pr:.1}\" y2=\"{y:.1}\" class=\"required\"/>"
        );
    }
    // The line, broken where a snapshot has no figure.
    let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    let mut points = Vec::new();
    for (f, v) in xs.iter().zip(&s.values) {
        match v {
            Some(v) => {
                let p = (x_of(*f), y_of(*v));
                if let Some(run) = runs.last_mut() {
                    run.push(p);
                }
                points.push(p);
            }
            None => runs.push(Vec::new()),
        }
    }
    for run in runs.iter().filter(|r| r.len() >= 2) {
        let pts: Vec<String> = run.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
        let _ = write!(o, "<polyline points=\"{}\" class=\"line\"/>", pts.join(" "));
    }
    let last_x = s
        .values
        .iter()
        .rposition(Option::is_some)
        .and_then(|i| xs.get(i).map(|f| x_of(*f)));
    for (x, y) in &points {
        if Some(*x) == last_x {
            let _ = write!(
                o,
                "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4\" class=\"point last {last_class}\"/>"
            );
        } else {
            let _ = write!(
                o,
                "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"2.5\" class=\"point\"/>"
            );
        }
    }
    // Dates: the first and last always, the others where they do not collide.
    let n = dates.len();
    let label_px = 62.0;
    let mut taken: Vec<f64> = Vec::new();
    let mut order: Vec<usize> = if n == 0 { Vec::new() } else { vec![0, n - 1] };
    order.extend(1..n.saturating_sub(1));
    order.dedup();
    for i in order {
        let (Some(d), Some(f)) = (dates.get(i), xs.get(i)) else {
            continue;
        };
        let (x, anchor, center) = if i == 0 {
            (pl, "start", pl + label_px / 2.0)
        } else if i + 1 == n {
            (pr, "end", pr - label_px / 2.0)
        } else {
            (x_of(*f), "middle", x_of(*f))
        };
        if taken.iter().any(|c| (c - center).abs() < label_px + 4.0) {
            continue;
        }
        taken.push(center);
        let _ = write!(
            o,
            "<text x=\"{x:.1}\" y=\"{:.1}\" class=\"date\" text-anchor=\"{anchor}\">{}</text>",
            SM_H - 3.0,
            esc(d)
        );
    }
    o.push_str("</svg>\n");
    o
}

fn gaps_section(h: &mut String, result: &AuditResult, lang: Lang, hide_no_data: bool) {
    let w = lang.words();
    let (cols, regions) = gap_layout(result);
    let (regions, hidden) = super::table::shown_regions(result, &cols, regions, hide_no_data);
    let level = result.by;
    let _ = writeln!(
        h,
        "<section id=\"gaps\">\n<h2>{}{}{}{}</h2>\n<p class=\"note\">{}</p>",
        esc(w.gaps),
        pick(lang, "（", " ("),
        esc(level_name(level, lang)),
        pick(lang, "）", ")"),
        esc(pick(
            lang,
            "每格：实际 / 要求，分子/分母，差 = 尚缺的组织数、单位数或年数",
            "Each cell: value / required, numerator/denominator; gap = organizations, units or years still missing",
        ))
    );
    if hidden > 0 {
        let _ = writeln!(
            h,
            "<p class=\"note\">{}</p>",
            esc(&w.hidden_no_data.replace("{n}", &hidden.to_string()))
        );
    }
    let _ = write!(
        h,
        "<div class=\"scroll\"><table class=\"sortable gaps\"><thead><tr><th>{}</th>",
        esc(w.region)
    );
    for &ti in &cols {
        let t = &result.targets[ti].target;
        let _ = write!(
            h,
            "<th class=\"num\" title=\"{}\">{}</th>",
            esc(&t.id),
            esc(super::target_name(t, lang))
        );
    }
    h.push_str("</tr></thead><tbody>\n");
    for region in &regions {
        let _ = write!(
            h,
            "<tr><th scope=\"row\" data-sort=\"{}\">{}</th>",
            esc(region),
            esc(&region_label(region))
        );
        for &ti in &cols {
            match result.row_at(ti, region) {
                Some(r) => {
                    let text = super::gap_cell_text(result, r, lang);
                    let sort = r.value.map(|v| fmt_num(v, r.decimals)).unwrap_or_default();
                    let mut lines = text.lines();
                    let first = lines.next().unwrap_or_default();
                    let rest: Vec<&str> = lines.collect();
                    let _ = write!(
                        h,
                        "<td class=\"num {}\" data-sort=\"{}\">{}",
                        r.status.as_str(),
                        esc(&sort),
                        esc(first)
                    );
                    for l in rest {
                        let _ = write!(h, "<br><span class=\"gap\">{}</span>", esc(l));
                    }
                    h.push_str("</td>");
                }
                None => h.push_str("<td class=\"num\" data-sort=\"\">—</td>"),
            }
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table></div>\n</section>\n");
}

fn issues_section(h: &mut String, result: &AuditResult, lang: Lang) {
    let w = lang.words();
    let listed = result.issues.iter().filter(|i| is_listed(i)).count();
    let groups = super::issues::grouped_in(result);
    let _ = writeln!(
        h,
        "<section id=\"issues\">\n<h2>{} <span class=\"count\">{}</span></h2>",
        esc(w.issues),
        esc(&issues_count_in(listed, groups.len(), lang))
    );
    if !groups.is_empty() {
        let _ = writeln!(
            h,
            "<table class=\"sortable issues\"><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            esc(pick(lang, "位置", "Location")),
            esc(w.message),
            esc(w.outcome)
        );
        for g in &groups {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&g.location_in(&result.tables, lang)),
                esc(&super::issues::group_text(result, g, lang)),
                esc(&outcome_in(g.issue.outcome, lang))
            );
        }
        h.push_str("</tbody></table>\n");
    }
    let _ = writeln!(
        h,
        "<p class=\"classification\">{}</p>",
        esc(&classification_line(result, lang))
    );
    let (read, used, skipped) = totals(&result.tables);
    let _ = writeln!(
        h,
        "<h2>{}</h2>\n<p class=\"accounting\">{}</p>",
        esc(w.accounting),
        esc(&accounting_in(read, used, &skipped, lang))
    );
    if !result.tables.is_empty() {
        let _ = writeln!(
            h,
            "<table class=\"sortable tables\"><thead><tr><th>{}</th><th class=\"num\">{}</th>\
             <th class=\"num\">{}</th><th class=\"num\">{}</th></tr></thead><tbody>",
            esc(w.file),
            esc(w.read),
            esc(w.used),
            esc(w.skipped)
        );
        for t in &result.tables {
            let skipped: u32 = t.skipped.values().sum();
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                esc(&t.display_name()),
                t.rows_read,
                t.used,
                skipped
            );
        }
        h.push_str("</tbody></table>\n");
    }
    h.push_str("</section>\n");
}

/// The last name of a region path ("城区").
fn short_name(region: &str) -> String {
    region.rsplit('/').next().unwrap_or(region).to_string()
}

const CSS: &str = r#"
:root { --met: #1e7b34; --met-bg: #e7f4ea; --unmet: #b3261e; --unmet-bg: #fdeceb;
  --nodata: #8a5a00; --nodata-bg: #fff3dc; --line: #d0d4da; --muted: #5f6670; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans SC", "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei",
  "PingFang SC", "Hiragino Sans GB", sans-serif; color: #1d2125; margin: 24px auto;
  max-width: 1280px; padding: 0 20px; line-height: 1.5; font-size: 14px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 2px solid #2c4a6e; }
.doc { margin: 0 0 10px; color: var(--muted); }
dl.meta { display: flex; flex-wrap: wrap; gap: 4px 22px; margin: 0 0 10px; }
dl.meta div { display: flex; gap: 6px; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; font-weight: 600; }
details.inputs summary { cursor: pointer; color: var(--muted); }
.hash { font-family: ui-monospace, "DejaVu Sans Mono", Consolas, monospace; font-size: 12px; word-break: break-all; }
.note { color: var(--muted); margin: 0 0 8px; font-size: 13px; }
table { border-collapse: collapse; margin: 4px 0 12px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; vertical-align: top; text-align: left; }
thead th { background: #eef1f5; position: sticky; top: 0; white-space: nowrap; }
table.sortable thead th { cursor: pointer; user-select: none; }
table.sortable thead th::after { content: " \2195"; color: #a0a6ad; font-size: 11px; }
table.sortable thead th[aria-sort="ascending"]::after { content: " \25B2"; color: #2c4a6e; }
table.sortable thead th[aria-sort="descending"]::after { content: " \25BC"; color: #2c4a6e; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.met { background: var(--met-bg); color: var(--met); }
td.unmet { background: var(--unmet-bg); color: var(--unmet); }
td.no_data { background: var(--nodata-bg); color: var(--nodata); }
td .reason { font-size: 12px; white-space: normal; }
p.warn { color: var(--nodata); margin: 2px 0; font-size: 13px; }
table.checklist td { white-space: nowrap; }
table.checklist tbody th { background: #f7f8fa; white-space: nowrap; text-align: left; }
ol.legend { margin: 0 0 12px; padding-left: 2.2em; font-size: 13px; color: var(--muted); }
td .gap { font-size: 12px; }
.summary .name { font-weight: 600; }
.summary .id, figcaption .id { font-family: ui-monospace, "DejaVu Sans Mono", Consolas, monospace; font-size: 11px; color: var(--muted); }
.summary .text { color: var(--muted); font-size: 12px; }
.summary td:first-child { max-width: 420px; }
td.skipped { color: var(--muted); font-style: italic; }
.scroll { overflow-x: auto; }
table.gaps tbody th { background: #f7f8fa; white-space: nowrap; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 8px 24px; }
figure.chart { margin: 0 0 12px; break-inside: avoid; }
figure.chart figcaption { font-size: 13px; margin-bottom: 2px; }
svg.bars { max-width: 100%; height: auto; font-size: 12px; }
svg.bars .label { text-anchor: end; fill: #1d2125; }
svg.bars .value, svg.bars .label, svg.bars .required-label { paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
svg.bars .value { fill: #1d2125; }
svg.bars .value.inside { fill: #fff; stroke: none; font-weight: 600; }
svg.bars .met rect { fill: #2e8b47; }
svg.bars .unmet rect { fill: #d0382e; }
svg.bars .no_data rect, svg.bars .info rect { fill: #9aa1a9; }
svg.bars .axis { stroke: #6b7280; stroke-width: 1; }
svg.bars .required { stroke: #1d2125; stroke-width: 1.5; stroke-dasharray: 4 3; }
svg.bars .required-label { text-anchor: middle; fill: #1d2125; font-size: 11px; }
.missing { color: var(--nodata); font-size: 12px; margin: 0; }
.count { display: inline-block; min-width: 1.6em; padding: 0 6px; border-radius: 9px;
  background: #eef1f5; font-size: 13px; text-align: center; }
table.issues td:first-child { white-space: nowrap; font-size: 12px; }
h3 { font-size: 14px; margin: 18px 0 6px; }
h3 .required-note { color: var(--muted); font-weight: normal; font-size: 13px; }
td.up { color: var(--met); }
td.down { color: var(--unmet); }
table.movement tbody th, table.trend tbody th { background: #f7f8fa; white-space: nowrap; text-align: left; }
.outlooks .text { color: var(--muted); font-size: 12px; }
.smalls { display: grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); gap: 6px 18px; margin: 4px 0 6px; }
svg.sm { max-width: 100%; height: auto; font-size: 11px; }
svg.sm .name { fill: #1d2125; font-weight: 600; font-size: 12px; }
svg.sm .last { text-anchor: end; font-weight: 600; }
svg.sm .last.met { fill: var(--met); }
svg.sm .last.unmet { fill: var(--unmet); }
svg.sm .last.other { fill: var(--muted); }
svg.sm .plot { fill: #f7f8fa; stroke: #d0d4da; stroke-width: 1; }
svg.sm .tick { text-anchor: end; fill: var(--muted); font-size: 10px; }
svg.sm .date { fill: var(--muted); font-size: 10px; }
svg.sm .required { stroke: #1d2125; stroke-width: 1.2; stroke-dasharray: 4 3; }
svg.sm .line { fill: none; stroke: #2c4a6e; stroke-width: 2; stroke-linejoin: round; stroke-linecap: round; }
svg.sm .point { fill: #2c4a6e; }
svg.sm .point.last.met { fill: #2e8b47; }
svg.sm .point.last.unmet { fill: #d0382e; }
svg.sm .point.last.other { fill: #9aa1a9; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding-top: 6px; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 10.5pt; }
  thead { display: table-header-group; }
  thead th { position: static; }
  tr, figure.chart, svg.sm { break-inside: avoid; }
  .smalls { grid-template-columns: repeat(4, 1fr); }
  table.sortable thead th::after { content: ""; }
  .scroll { overflow: visible; }
  .charts { grid-template-columns: 1fr 1fr; }
  table.gaps { font-size: 8pt; }
  table.gaps thead th { white-space: normal; }
  th, td { padding: 2px 4px; }
  details.inputs > summary { list-style: none; }
  h2 { break-after: avoid; }
  td.met, td.unmet, td.no_data, svg.bars rect { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"#;

/// Sorts a table by a clicked header: numbers numerically, text by locale; empty cells last.
const SCRIPT: &str = r#"
(function () {
  function key(cell) {
    var s = cell.getAttribute('data-sort');
    return s === null ? cell.textContent.trim() : s;
  }
  document.querySelectorAll('table.sortable').forEach(function (table) {
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, col) {
      th.addEventListener('click', function () {
        var asc = th.getAttribute('aria-sort') !== 'ascending';
        Array.prototype.forEach.call(heads, function (o) { o.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a.cells[col]), y = key(b.cells[col]);
          if (x === '' || y === '') { return (x === '') - (y === ''); }
          var nx = Number(x), ny = Number(y), r;
          if (!isNaN(nx) && !isNaN(ny)) { r = nx - ny; } else { r = x.localeCompare(y, document.documentElement.lang); }
          return asc ? r : -r;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
})();
"#;

/// A small audit result for the report writers' unit tests: the built-in Shanxi plan on a
/// model of one city whose name holds markup and table characters.
#[cfg(test)]
pub(crate) mod sample {
    use chrono::NaiveDate;

    use crate::audit::{self, AuditOptions, AuditResult};
    use crate::ingest::UrbanRural;
    use crate::model::{Level, Model};
    use crate::report::{InputDigest, Lang, ReportMeta};

    /// The city name with `<`, `&`, quotes and `|`.
    pub const CITY: &str = "<b>&\"阳泉'|市";

    /// The result, or `None` if the built-in plan does not parse.
    pub fn result() -> Option<AuditResult> {
        let plan = crate::plan::builtin("shanxi-2021-2023")?.ok()?;
        let mut m = Model::default();
        let r = &mut m.regions;
        let p = r.child_or_insert(None, "山西省", Level::Province);
        let city = r.child_or_insert(Some(p), CITY, Level::City);
        let k = r.child_or_insert(Some(city), "城区", Level::County);
        let s = r.child_or_insert(Some(k), "南山路街道", Level::Street);
        let c = r.child_or_insert(Some(s), "阳光社区", Level::Community);
        r.get_mut(c).kind = Some(UrbanRural::Urban);
        m.province = p;
        m.scope = p;
        m.communities = vec![c];
        for kind in crate::ingest::TableKind::ALL {
            m.push_table(
                crate::ingest::TableInfo::new("台账.csv".into(), None, kind),
                crate::model::TableReach {
                    cities: [city].into(),
                    counties: [k].into(),
                },
            );
        }
        let as_of = NaiveDate::from_ymd_opt(2023, 12, 31)?;
        Some(audit::run(
            &m,
            &plan,
            AuditOptions {
                as_of,
                by: Level::City,
                threads: 0,
            },
        ))
    }

    /// Report metadata in `lang`.
    pub fn meta(lang: Lang) -> ReportMeta {
        ReportMeta {
            generated: NaiveDate::from_ymd_opt(2024, 1, 2)
                .and_then(|d| d.and_hms_opt(3, 4, 5))
                .unwrap_or_default(),
            inputs: vec![InputDigest {
                path: "台账<1>.xlsx".into(),
                sha256: "ab".repeat(32),
            }],
            lang,
            hide_no_data: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Lang;

    fn page(lang: Lang) -> String {
        match sample::result() {
            Some(r) => render(&r, &sample::meta(lang)),
            None => panic!("sample result"),
        }
    }

    #[test]
    fn names_from_spreadsheets_are_escaped() {
        let h = page(Lang::Zh);
        assert!(!h.contains(sample::CITY));
        assert!(h.contains("&lt;b&gt;&amp;&quot;阳泉&#39;|市"));
        assert!(h.contains("台账&lt;1&gt;.xlsx"));
        assert!(h.contains("<html lang=\"zh-CN\">"));
        assert!(h.contains("<meta charset=\"utf-8\">"));
        assert!(h.contains("<svg class=\"bars\""));
        for bad in ["http:", "https:", "@import", "url(", "src=", "href="] {
            assert!(!h.contains(bad), "{bad}");
        }
    }

    #[test]
    fn movement_and_trend_escape_names_and_need_a_baseline() {
        let Some(base) = sample::result() else {
            panic!("sample result")
        };
        // Without a baseline: no movement section.
        assert!(!page(Lang::Zh).contains("id=\"movement\""));
        // The same snapshot as its own baseline (no time between: no pace, nothing divides
        // by zero).
        let mut cur = base.clone();
        crate::audit::movement::apply_baseline(&mut cur, &base);
        let h = render(&cur, &sample::meta(Lang::Zh));
        assert!(h.contains("<section id=\"movement\">"));
        assert!(!h.contains(sample::CITY));
        assert!(h.contains("&lt;b&gt;&amp;&quot;阳泉&#39;|市"));
        // Two snapshots at the same date: the charts put them in the middle.
        let t = render_trend(&[base, cur], &sample::meta(Lang::En));
        assert!(t.contains("<svg class=\"sm\""));
        assert!(!t.contains(sample::CITY));
        for bad in ["http:", "https:"] {
            assert!(!t.contains(bad), "{bad}");
        }
        for svg in t.split("<svg").skip(1) {
            let svg = svg.split("</svg>").next().unwrap_or_default();
            assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
        }
    }

    #[test]
    fn english_words() {
        let h = page(Lang::En);
        assert!(h.contains("<html lang=\"en\">"));
        assert!(h.contains("Gaps by region"));
        assert!(h.contains("no data"));
        assert!(!h.contains("分地区差距"));
    }

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc(r#"<b>"A&B's"</b>"#),
            "&lt;b&gt;&quot;A&amp;B&#39;s&quot;&lt;/b&gt;"
        );
        assert_eq!(esc("a\u{1}b"), "a\u{FFFD}b");
    }

    #[test]
    fn region_labels_drop_the_province() {
        assert_eq!(region_label("山西省/阳泉市/城区"), "阳泉市/城区");
        assert_eq!(region_label("山西省"), "山西省");
        assert_eq!(short_name("山西省/阳泉市/城区"), "城区");
    }

    #[test]
    fn the_page_fetches_nothing() {
        for s in [CSS, SCRIPT] {
            for bad in ["http:", "https:", "@import", "url(", "//"] {
                assert!(!s.contains(bad), "{bad}");
            }
        }
    }
}
