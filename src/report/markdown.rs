//! The Markdown report: title line, summary of targets (and its notes), the submission
//! checklist and the per-region gap table as GitHub-flavoured tables, then the data issues
//! (identical ones merged, at most 50 entries) and row accounting, for pasting into
//! documents and wikis.
//!
//! Cells are the HTML report's (which are the terminal report's): every number is printed
//! with [`fmt_num`](super::fmt_num) at the row's decimals, so it equals the CSV. A `|` in a
//! name is escaped as `\|`; line breaks inside a cell become spaces.

use std::fmt::Write as _;
use std::io::Write;

use super::issues::{is_listed, totals};
use super::shared::{
    accounting_in, issues_count_in, level_name, outcome_in, pick, summary_counts, summary_required,
};
use super::{gap_cell_text, gap_layout, region_label};
use super::{Lang, ReportError, ReportMeta};
use crate::audit::{AuditResult, Status};

/// Write the Markdown report.
pub fn write<W: Write>(
    mut out: W,
    result: &AuditResult,
    meta: &ReportMeta,
) -> Result<(), ReportError> {
    out.write_all(render(result, meta).as_bytes())?;
    Ok(())
}

/// The Markdown report as a string.
pub fn render(result: &AuditResult, meta: &ReportMeta) -> String {
    let lang = meta.lang;
    let w = lang.words();
    let p = &result.plan;
    let mut m = String::new();
    let _ = writeln!(m, "# {}\n", inline(&p.title));
    let doc = [p.issuer.as_str(), p.document.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    let mut facts = Vec::new();
    if !doc.is_empty() {
        facts.push(inline(&doc));
    }
    facts.push(format!("{} {}", pick(lang, "计划", "plan"), inline(&p.id)));
    facts.push(format!("{} {}", w.as_of, result.as_of));
    facts.push(format!("{} {}", w.scope, inline(&result.scope)));
    facts.push(format!("{} {}", w.due, p.due));
    facts.push(format!(
        "{} {}",
        w.generated,
        meta.generated.format("%Y-%m-%d %H:%M:%S")
    ));
    let _ = writeln!(m, "{}\n", facts.join(" · "));

    // Summary.
    let _ = writeln!(m, "## {}\n", w.summary);
    let _ = writeln!(
        m,
        "| {} | {} | {} | {} | {} | {} | {} | {} |",
        w.target, w.clause, w.level, w.required, w.met, w.unmet, w.no_data, w.worst
    );
    m.push_str("|---|---|---|--:|--:|--:|--:|---|\n");
    for (ti, tr) in result.targets.iter().enumerate() {
        let t = &tr.target;
        let required = summary_required(result, ti).unwrap_or_else(|| "—".to_string());
        let head = format!(
            "| {} `{}` | {} | {} | {} |",
            cell(super::target_name(t, lang)),
            cell(&t.id).replace('`', "'"),
            cell(if lang == Lang::Zh { &t.clause } else { "" }),
            level_name(t.level, lang),
            cell(&required)
        );
        match &tr.skipped {
            Some(_) => {
                let _ = writeln!(
                    m,
                    "{head} {}{} | | | |",
                    pick(lang, "未评估：", "not evaluated: "),
                    cell(&super::skipped_text(result, tr, lang))
                );
            }
            None => {
                let s = &tr.summary;
                let c = summary_counts(tr, lang);
                let no_data = match &c.missing {
                    Some(m) => format!("{}{}{}", c.no_data, pick(lang, "：", ": "), m),
                    None => c.no_data,
                };
                let _ = writeln!(
                    m,
                    "{head} {} | {} | {} | {} |",
                    cell(&c.met),
                    cell(&super::unmet_summary_text(tr, lang)),
                    cell(&no_data),
                    cell(&s.worst.join(pick(lang, "、", ", ")))
                );
            }
        }
    }
    m.push('\n');
    // Tables not supplied at all; partial figures.
    let notes = super::table::summary_notes(result, lang);
    for line in &notes {
        let _ = writeln!(m, "{}  ", inline(line));
    }
    if !notes.is_empty() {
        m.push('\n');
    }

    // Submission checklist.
    let grid = super::checklist_grid(result, lang);
    if !grid.rows.is_empty() {
        let _ = writeln!(m, "## {}\n\n{}\n", w.checklist, inline(w.checklist_note));
        let mut header = format!("| {} |", w.reporting_unit);
        let mut rule = String::from("|---|");
        for k in &grid.kinds {
            let _ = write!(header, " {} |", cell(k));
            rule.push_str("---|");
        }
        let _ = writeln!(m, "{header}\n{rule}");
        for r in &grid.rows {
            let _ = write!(m, "| {} |", cell(&r.unit));
            for k in 0..grid.kinds.len() {
                let text = cell(&r.cell_text(k));
                if r.present && !matches!(r.cells.get(k), Some(Some(_))) {
                    let _ = write!(m, " **{text}** |");
                } else {
                    let _ = write!(m, " {text} |");
                }
            }
            m.push('\n');
        }
        m.push('\n');
        // "1\." so that a renderer keeps the numbers (the legend may skip some).
        for (n, name) in &grid.legend {
            let _ = writeln!(m, "{n}\\. {}  ", inline(name));
        }
        m.push('\n');
    }

    // Gap table.
    let (cols, regions) = gap_layout(result);
    let (regions, hidden) = super::table::shown_regions(result, &cols, regions, meta.hide_no_data);
    let level = result.by;
    let _ = writeln!(
        m,
        "## {}{}{}{}\n",
        w.gaps,
        pick(lang, "（", " ("),
        level_name(level, lang),
        pick(lang, "）", ")")
    );
    let _ = writeln!(
        m,
        "{}\n",
        pick(
            lang,
            "每格：实际 / 要求，分子/分母，差 = 尚缺的组织数、单位数或年数；未达标与无数据加粗。",
            "Each cell: value / required, numerator/denominator; gap = organizations, units or years still missing; unmet and no data in bold.",
        )
    );
    if hidden > 0 {
        let _ = writeln!(
            m,
            "{}\n",
            w.hidden_no_data.replace("{n}", &hidden.to_string())
        );
    }
    let mut header = format!("| {} |", w.region);
    let mut rule = String::from("|---|");
    for &ti in &cols {
        let _ = write!(
            header,
            " {} |",
            cell(super::target_name(&result.targets[ti].target, lang))
        );
        rule.push_str("--:|");
    }
    let _ = writeln!(m, "{header}\n{rule}");
    for region in &regions {
        let _ = write!(m, "| {} |", cell(&region_label(region)));
        for &ti in &cols {
            let text = match result.row_at(ti, region) {
                Some(r) => {
                    let t = cell(&gap_cell_text(result, r, lang));
                    if matches!(r.status, Status::Unmet | Status::NoData) {
                        format!("**{t}**")
                    } else {
                        t
                    }
                }
                None => "—".to_string(),
            };
            let _ = write!(m, " {text} |");
        }
        m.push('\n');
    }
    m.push('\n');

    // Data issues (identical ones of a table merged, with their count), accounting.
    let listed = result.issues.iter().filter(|i| is_listed(i)).count();
    let groups = super::issues::grouped_in(result);
    let _ = writeln!(
        m,
        "## {}\n\n{}{}\n",
        w.issues,
        pick(lang, "共 ", "In all: "),
        issues_count_in(listed, groups.len(), lang)
    );
    for g in groups.iter().take(MAX_ISSUES) {
        // An issue of no row (a swing, a reporting unit's places) has no location.
        let loc = g.location_in(&result.tables, lang);
        let _ = writeln!(
            m,
            "- {}{}{}{}{}{}",
            inline(&loc),
            if loc.is_empty() {
                ""
            } else {
                pick(lang, "：", ": ")
            },
            inline(&super::issues::group_text(result, g, lang)),
            pick(lang, "（", " ("),
            inline(&outcome_in(g.issue.outcome, lang)),
            pick(lang, "）", ")")
        );
    }
    if groups.len() > MAX_ISSUES {
        let more = groups.len() - MAX_ISSUES;
        let _ = writeln!(
            m,
            "- {}",
            match lang {
                super::Lang::Zh => format!("… 另有 {more} 项；用 `zhibiao inspect` 查看全部"),
                super::Lang::En => format!("… {more} more; run `zhibiao inspect` for all"),
            }
        );
    }
    if !groups.is_empty() {
        m.push('\n');
    }
    let (read, used, skipped) = totals(&result.tables);
    let _ = writeln!(
        m,
        "{}{}{}",
        w.accounting,
        pick(lang, "：", ": "),
        inline(&accounting_in(read, used, &skipped, lang))
    );
    m
}

/// Data issues listed one by one at most (identical ones merged); the rest are counted.
const MAX_ISSUES: usize = 50;

/// Text for a table cell: `|` escaped, line breaks as spaces, Markdown emphasis characters
/// escaped.
fn cell(s: &str) -> String {
    inline(s).replace('|', "\\|")
}

/// Text for a line of Markdown: line breaks as spaces; characters that would start markup
/// (`\`, `*`, `_`, `<`, `[`, `]`, `` ` ``) escaped with a backslash.
fn inline(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\r' => o.push(' '),
            '\\' | '*' | '_' | '<' | '>' | '[' | ']' | '`' => {
                o.push('\\');
                o.push(c);
            }
            c => o.push(c),
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::html::sample;
    use crate::report::Lang;

    #[test]
    fn pipes_are_escaped_and_rows_match_regions() {
        let Some(r) = sample::result() else {
            panic!("sample result")
        };
        let md = render(&r, &sample::meta(Lang::Zh));
        assert!(md.contains("\\<b\\>&\"阳泉'\\|市"), "{md}");
        let (_, regions) = gap_layout(&r);
        let gap_rows = md
            .lines()
            .skip_while(|l| !l.starts_with("## 分地区差距"))
            .filter(|l| l.starts_with("| ") && !l.starts_with("| 地区"))
            .count();
        assert_eq!(gap_rows, regions.len());
        // Every table row of the gap table has as many unescaped pipes as the header.
        let header_pipes = md
            .lines()
            .find(|l| l.starts_with("| 地区"))
            .map(|l| l.matches('|').count())
            .unwrap_or_default();
        for l in md
            .lines()
            .skip_while(|l| !l.starts_with("## 分地区差距"))
            .filter(|l| l.starts_with('|'))
        {
            let pipes = l.matches('|').count() - l.matches("\\|").count();
            assert_eq!(pipes, header_pipes, "{l}");
        }
    }

    #[test]
    fn english_words() {
        let Some(r) = sample::result() else {
            panic!("sample result")
        };
        let md = render(&r, &sample::meta(Lang::En));
        assert!(md.contains("## Summary of targets"));
        assert!(md.contains("## Gaps by region (city)"));
        assert!(md.contains("no data"));
    }

    #[test]
    fn inline_escapes_markup() {
        assert_eq!(cell("a|b\nc*d_"), "a\\|b c\\*d\\_");
    }
}
