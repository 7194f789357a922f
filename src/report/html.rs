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

use super::issues::{is_listed, outcome_zh, totals};
use super::table::cell_text;
use super::{fmt_num, Lang, ReportError, ReportMeta};
pub use super::{gap_layout, region_label};
use crate::audit::{AuditResult, Row, Status};
use crate::ingest::{Outcome, SkipReason};
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
        esc(&p.title)
    );

    // Title block.
    h.push_str("<header>\n");
    let _ = writeln!(h, "<h1>{}</h1>", esc(&p.title));
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
    let plan_label = pick(lang, "计划", "Plan");
    for (k, v) in [
        (plan_label, p.id.clone()),
        (w.province, p.province.clone()),
        (w.scope, result.scope.clone()),
        (w.as_of, result.as_of.to_string()),
        (w.due, p.due.to_string()),
        (
            w.generated,
            meta.generated.format("%Y-%m-%d %H:%M:%S").to_string(),
        ),
    ] {
        let _ = writeln!(h, "<div><dt>{}</dt><dd>{}</dd></div>", esc(k), esc(&v));
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

    summary_section(&mut h, result, lang);
    checklist_section(&mut h, result, lang);
    charts_section(&mut h, result, lang);
    gaps_section(&mut h, result, lang);
    issues_section(&mut h, result, lang);

    let _ = writeln!(
        h,
        "<footer>zhibiao {} · {} {}</footer>",
        esc(env!("CARGO_PKG_VERSION")),
        esc(w.generated),
        esc(&meta.generated.format("%Y-%m-%d %H:%M:%S").to_string())
    );
    let _ = write!(h, "<script>{SCRIPT}</script>\n</body>\n</html>\n");
    h
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
            "<tr><td data-sort=\"{}\"><span class=\"id\">{}</span><br><span class=\"text\">{}</span></td>\
             <td>{}</td><td>{}</td><td class=\"num\" data-sort=\"{}\">{}</td>",
            esc(&t.id),
            esc(&t.id),
            esc(&t.text),
            esc(&t.clause),
            esc(level_name(t.level, lang)),
            esc(required.as_deref().unwrap_or("")),
            esc(required.as_deref().unwrap_or("—")),
        );
        match &tr.skipped {
            Some(why) => {
                let _ = write!(
                    h,
                    "<td colspan=\"4\" class=\"skipped\">{}{}</td>",
                    esc(pick(lang, "未评估：", "not evaluated: ")),
                    esc(why)
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
                    esc(&c.unmet),
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
            "<figure class=\"chart\">\n<figcaption><span class=\"id\">{}</span> {}</figcaption>",
            esc(&tr.target.id),
            esc(&tr.target.text)
        );
        charts.push_str(&bar_chart(&with_value, lang));
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

fn bar_chart(rows: &[&Row], lang: Lang) -> String {
    let w = lang.words();
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
            Status::NoData => "no_data",
            Status::NotApplicable => "not_applicable",
            Status::Info => "info",
        };
        let mut value_text = r.value.map(|v| fmt_num(v, r.decimals)).unwrap_or_default();
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
                esc(&fmt_num(q, r.decimals))
            );
        }
    }
    s.push_str("</svg>\n");
    s
}

fn gaps_section(h: &mut String, result: &AuditResult, lang: Lang) {
    let w = lang.words();
    let (cols, regions) = gap_layout(result);
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
            "每格：实际 / 要求，差 = 尚缺的组织数、单位数或年数",
            "Each cell: value / required; gap = organizations, units or years still missing",
        ))
    );
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
            esc(&t.text),
            esc(&t.id)
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
                    let text = cell_text_in(r, lang);
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
    let groups = super::issues::grouped(&result.issues);
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
                esc(&g.issue.message),
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

/// Escape text for HTML and XML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            // Control characters other than tab and newline are not allowed in XML.
            c if (c as u32) < 0x20 && c != '\t' && c != '\n' && c != '\r' => o.push('\u{FFFD}'),
            c => o.push(c),
        }
    }
    o
}

/// The Chinese or English text, by language.
pub(crate) fn pick(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// The name of a level in the report's language.
pub(crate) fn level_name(level: Level, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => level.zh(),
        Lang::En => level.as_str(),
    }
}

/// The text of a gap-table cell in the report's language: in Chinese the terminal report's
/// [`cell_text`]; in English the same layout ("value / required", then "✓" or "gap N", or
/// "no data"). A partial figure gets a last line "（2/11 市）" / "(2/11 cities)".
pub fn cell_text_in(row: &Row, lang: Lang) -> String {
    let mut text = cell_text_plain(row, lang);
    if let Some(p) = partial_label(row, lang) {
        text.push_str(&match lang {
            Lang::Zh => format!("\n（{p}）"),
            Lang::En => format!("\n({p})"),
        });
    }
    text
}

fn cell_text_plain(row: &Row, lang: Lang) -> String {
    if lang == Lang::Zh {
        return cell_text(row);
    }
    let value = row.value.map(|v| fmt_num(v, row.decimals));
    match (row.status, value, row.required) {
        (Status::NoData, _, _) => lang.status(Status::NoData).to_string(),
        (Status::NotApplicable, _, _) => "—".to_string(),
        (Status::Info, Some(v), _) => v,
        (_, Some(v), Some(q)) => {
            let head = format!("{v} / {}", fmt_num(q, row.decimals));
            match row.gap {
                Some(0) | None => format!("{head}\n✓"),
                Some(g) => format!("{head}\ngap {g}"),
            }
        }
        (_, Some(v), None) => v,
        (_, None, _) => "—".to_string(),
    }
}

/// The count cells of a target's summary row, as the terminal shows them: met (with the
/// regions not applicable counted apart), unmet, no data (with the reporting units missing
/// below a county-level target counted apart, "0（另 9 市）"), and the tables no input
/// supplied ("未提供 活动 表"). Shared by the HTML, PDF, Markdown and XLSX summaries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SummaryCounts {
    /// "3", "3（另 2 不适用）" / "3 (+2 n/a)", or "—" for a figure with no threshold.
    pub met: String,
    /// "1".
    pub unmet: String,
    /// "9", "0（另 9 市）" / "0 (+9 cities)".
    pub no_data: String,
    /// "未提供 活动 表" / "no events table was supplied", when the target lacks tables.
    pub missing: Option<String>,
    /// No verdict at all (an info target): the counts are not shown.
    pub info: bool,
    /// Whether the no-data cell is to be marked (no data or missing units).
    pub any_no_data: bool,
}

/// The summary counts of target `tr` in `lang`.
pub(crate) fn summary_counts(tr: &crate::audit::TargetResult, lang: Lang) -> SummaryCounts {
    let s = &tr.summary;
    let info = s.met + s.unmet + s.not_due + s.no_data + s.not_applicable + s.units_no_data == 0;
    let met = if info {
        "—".to_string()
    } else if s.not_applicable > 0 {
        match lang {
            Lang::Zh => format!("{}（另 {} 不适用）", s.met, s.not_applicable),
            Lang::En => format!("{} (+{} n/a)", s.met, s.not_applicable),
        }
    } else {
        s.met.to_string()
    };
    let no_data = if s.units_no_data > 0 {
        match lang {
            Lang::Zh => format!("{}（另 {} 市）", s.no_data, s.units_no_data),
            Lang::En => format!("{} (+{} cities)", s.no_data, s.units_no_data),
        }
    } else {
        s.no_data.to_string()
    };
    SummaryCounts {
        met,
        unmet: if s.not_due > 0 {
            match lang {
                Lang::Zh => format!("{}（另 {} 未到期）", s.unmet, s.not_due),
                Lang::En => format!("{} (+{} not yet due)", s.unmet, s.not_due),
            }
        } else {
            s.unmet.to_string()
        },
        no_data,
        missing: (!tr.missing_tables.is_empty())
            .then(|| super::missing_tables_text(&tr.missing_tables, lang)),
        info,
        any_no_data: s.no_data + s.units_no_data > 0,
    }
}

/// "2/11 市" / "2/11 cities" for a figure built from only some reporting units.
pub(crate) fn partial_label(row: &Row, lang: Lang) -> Option<String> {
    row.partial.map(|p| p.label(lang == Lang::Zh))
}

/// "6 条" or "40 条（相同的合并为 3 项）" / "40 (identical ones merged into 3 entries)".
pub(crate) fn issues_count_in(listed: usize, groups: usize, lang: Lang) -> String {
    match (lang, listed == groups) {
        (Lang::Zh, true) => format!("{listed} 条"),
        (Lang::Zh, false) => format!("{listed} 条（相同的合并为 {groups} 项）"),
        (Lang::En, true) => listed.to_string(),
        (Lang::En, false) => format!("{listed} (identical ones merged into {groups} entries)"),
    }
}

/// The last name of a region path ("城区").
fn short_name(region: &str) -> String {
    region.rsplit('/').next().unwrap_or(region).to_string()
}

/// The required value of a target as the summary shows it (from its first assessed row).
pub fn summary_required(result: &AuditResult, ti: usize) -> Option<String> {
    result
        .rows
        .iter()
        .find(|r| r.target == ti && r.assessed)
        .and_then(|r| r.required.map(|q| fmt_num(q, r.decimals)))
}

/// What happened to an issue's row, in the report's language.
pub(crate) fn outcome_in(o: Outcome, lang: Lang) -> String {
    match (lang, o) {
        (Lang::Zh, o) => outcome_zh(o),
        (Lang::En, Outcome::Skipped(r)) => format!("skipped ({})", r.as_str()),
        (Lang::En, Outcome::Counted) => "counted".to_string(),
    }
}

/// The row-accounting line, in the report's language (Chinese: the terminal report's).
pub(crate) fn accounting_in(
    read: u64,
    used: u64,
    skipped: &std::collections::BTreeMap<SkipReason, u64>,
    lang: Lang,
) -> String {
    super::issues::accounting_line_in(read, used, skipped, lang)
}

/// The urban/rural classification counts, in the report's language.
pub(crate) fn classification_line(result: &AuditResult, lang: Lang) -> String {
    super::issues::classification_line(&result.classification, lang)
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
.summary .id, figcaption .id { font-family: ui-monospace, "DejaVu Sans Mono", Consolas, monospace; font-weight: 600; }
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
footer { margin-top: 32px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding-top: 6px; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 10.5pt; }
  thead { display: table-header-group; }
  thead th { position: static; }
  tr, figure.chart { break-inside: avoid; }
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
