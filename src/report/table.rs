//! The terminal report: summary, per-region gap table, data issues and row accounting.
//! comfy-table measures East Asian wide characters, so Chinese text lines up.

use std::fmt::Write as _;

use comfy_table::{
    presets, Attribute, Cell, CellAlignment, Color, ColumnConstraint, ContentArrangement, Table,
};

use unicode_width::UnicodeWidthStr;

use super::issues::{is_listed, totals};
use super::Lang;
use crate::audit::{AuditResult, Row, Status};

/// Terminal report options.
#[derive(Debug, Clone, Copy)]
pub struct TableOptions {
    /// Use ANSI colours (red unmet, green met).
    pub color: bool,
    /// Display columns to fit the report to (`None`: no limit). The gap table is printed
    /// in blocks of targets that fit, each with its region column; text lines are wrapped
    /// between words, never inside a word or a number.
    pub width: Option<u16>,
    /// Data issues listed one by one before "… N more".
    pub max_issues: usize,
    /// Language of the words.
    pub lang: Lang,
    /// Leave regions without data out of the gap table (`--hide-no-data`).
    pub hide_no_data: bool,
}

impl Default for TableOptions {
    fn default() -> Self {
        TableOptions {
            color: false,
            width: None,
            max_issues: 20,
            lang: Lang::Zh,
            hide_no_data: false,
        }
    }
}

/// A table in the terminal style, fitted to `opts.width` when there is one.
pub(crate) fn new_table(opts: &TableOptions) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    match opts.width {
        Some(w) => {
            t.set_content_arrangement(ContentArrangement::Dynamic);
            t.set_width(w);
        }
        None => {
            t.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    if !opts.color {
        t.force_no_tty();
    } else {
        t.enforce_styling();
    }
    t
}

/// A table whose cells are never wrapped (the caller has made it fit).
fn fixed_table(opts: &TableOptions) -> Table {
    let mut t = new_table(opts);
    t.set_content_arrangement(ContentArrangement::Disabled);
    t
}

fn status_cell(text: String, status: Status, warning: bool, opts: &TableOptions) -> Cell {
    let cell = Cell::new(text);
    if !opts.color {
        return cell;
    }
    match status {
        Status::Met => cell.fg(Color::Green),
        Status::Unmet if warning => cell.fg(Color::Yellow),
        Status::Unmet => cell.fg(Color::Red),
        Status::NoData => cell.fg(Color::Yellow),
        Status::NotDue | Status::Explained => cell.fg(Color::Cyan),
        Status::NotApplicable | Status::Info => cell,
    }
}

/// Display width of a string (CJK characters are two columns wide).
pub(crate) fn display_width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `text` broken into lines of at most `width` display columns, at the line-break
/// opportunities of UAX #14 (between words, after CJK characters and punctuation; never
/// inside a word or a number). A single word wider than `width` stays whole on its line.
/// Continuation lines start with `indent` spaces.
pub(crate) fn wrap(text: &str, width: Option<u16>, indent: usize) -> Vec<String> {
    let Some(width) = width.map(usize::from) else {
        return vec![text.to_string()];
    };
    let mut out = Vec::new();
    let mut line = String::new();
    let mut line_w = 0usize;
    let mut start = 0usize;
    let pad = " ".repeat(indent);
    for (end, _) in unicode_linebreak::linebreaks(text) {
        let piece = &text[start..end];
        start = end;
        let piece_w = display_width(piece.trim_end());
        if line_w > 0 && line_w + piece_w > width {
            out.push(line.trim_end().to_string());
            line = pad.clone();
            line_w = indent;
        }
        line.push_str(piece);
        line_w += display_width(piece);
    }
    if !line.trim().is_empty() || out.is_empty() {
        out.push(line.trim_end().to_string());
    }
    out
}

/// Every line of `text` broken as [`wrap`] breaks it, each continuation indented under its
/// line: two columns past a list item's `- `, four past the line's own indent otherwise (so a
/// `  key: value` line's continuation stands apart from the next key). Used for the listings
/// of `inspect`, `plan show` and `plans`.
pub fn wrap_lines(text: &str, width: Option<u16>) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let rest = line.trim_start_matches(' ');
        let lead = line.len() - rest.len();
        let hang = if rest.starts_with("- ") {
            lead + 2
        } else {
            lead + 4
        };
        for l in wrap_line(line, width, hang) {
            out.push_str(&l);
            out.push('\n');
        }
    }
    if !text.ends_with('\n') && out.ends_with('\n') {
        out.pop();
    }
    out
}

/// One line of a listing broken into lines of at most `width` display columns, continuations
/// indented by `hang` spaces. It breaks where UAX #14 allows (never inside a word or number;
/// never before a `·` separator), and among those prefers one after a space or a CJK
/// punctuation mark (、，；：。）) or after the `/` of a place path when that keeps the line
/// at least two thirds full, so that a place name like 临汾市 or a phrase is not cut between
/// its characters without need; else one between two CJK characters; a break that would part
/// a number or Latin word from the CJK character next to it (2023|年) only when no other fits.
/// A word wider than the line stays whole.
pub fn wrap_line(line: &str, width: Option<u16>, hang: usize) -> Vec<String> {
    let Some(width) = width.map(usize::from) else {
        return vec![line.to_string()];
    };
    // Break opportunities (byte offsets) and the display width of the text before each.
    // Quality of a break: 2 after a space, CJK punctuation or the `/` between place names,
    // 1 between CJK characters, 0 next to a digit or Latin letter without a space (so not
    // inside a path like docs/units.toml either).
    let mut breaks: Vec<(usize, usize, u8)> = Vec::new();
    let mut w = 0usize;
    let mut last = 0usize;
    for (at, _) in unicode_linebreak::linebreaks(line) {
        w += display_width(&line[last..at]);
        last = at;
        if at < line.len() && !line[at..].starts_with('·') {
            let before = line[..at].chars().next_back().unwrap_or(' ');
            let after = line[at..].chars().next().unwrap_or(' ');
            let quality = if before.is_whitespace() || "、，；：。）".contains(before) {
                2
            } else if before.is_ascii_alphanumeric() || after.is_ascii_alphanumeric() {
                0
            } else if before == '/' {
                2
            } else {
                1
            };
            breaks.push((at, w, quality));
        }
    }
    let total = display_width(line);
    // The width of line[from..to] without its trailing spaces, from the widths before each.
    let span = |from: (usize, usize), to: (usize, usize)| {
        let text = &line[from.0..to.0];
        let trailing = display_width(&text[text.trim_end().len()..]);
        (to.1 - from.1).saturating_sub(trailing)
    };
    let mut out = Vec::new();
    let mut start = (0usize, 0usize);
    let mut next = 0usize; // the first break after `start`
    loop {
        let indent = if out.is_empty() { 0 } else { hang };
        let room = width.saturating_sub(indent);
        if span(start, (line.len(), total)) <= room {
            break;
        }
        // The last good break that fits and leaves the line two thirds full, else the last
        // ordinary one, else the last that fits at all.
        let mut best: [Option<usize>; 3] = [None; 3];
        let mut k = next;
        while let Some(&(at, w, quality)) = breaks.get(k) {
            let used = span(start, (at, w));
            if used > room {
                break;
            }
            if quality < 2 || used * 3 >= room * 2 {
                best[usize::from(quality)] = Some(k);
            } else {
                best[1] = Some(k);
            }
            k += 1;
        }
        // Nothing fits: the overlong word ends at the next break (or the line).
        let Some(cut) = best[2]
            .or(best[1])
            .or(best[0])
            .or((k < breaks.len()).then_some(k))
        else {
            break;
        };
        let (at, w, _) = breaks[cut];
        let piece = line[start.0..at].trim_end();
        out.push(format!("{}{piece}", " ".repeat(indent)));
        start = (at, w);
        next = cut + 1;
    }
    let indent = if out.is_empty() { 0 } else { hang };
    out.push(format!(
        "{}{}",
        " ".repeat(indent),
        line[start.0..].trim_end()
    ));
    out
}

fn push_wrapped(out: &mut String, text: &str, width: Option<u16>, indent: usize) {
    for line in text.lines() {
        for l in wrap(line, width, indent) {
            let _ = writeln!(out, "{l}");
        }
    }
}

/// The regions of the gap table, without those with no data when `hide` is set; and how
/// many were left out.
pub(crate) fn shown_regions(
    result: &AuditResult,
    cols: &[usize],
    regions: Vec<String>,
    hide: bool,
) -> (Vec<String>, usize) {
    if !hide {
        return (regions, 0);
    }
    let before = regions.len();
    let kept: Vec<String> = regions
        .into_iter()
        .filter(|region| {
            cols.iter().any(|&ti| {
                result
                    .row_at(ti, region)
                    .is_some_and(|r| r.status != Status::NoData)
            })
        })
        .collect();
    let hidden = before - kept.len();
    (kept, hidden)
}

/// Render the whole terminal report.
pub fn render(result: &AuditResult, opts: &TableOptions) -> String {
    let lang = opts.lang;
    let w = lang.words();
    let zh = lang == Lang::Zh;
    let mut out = String::new();
    let p = &result.plan;
    push_wrapped(&mut out, &p.title, opts.width, 0);
    let doc = if p.document.is_empty() {
        p.issuer.clone()
    } else {
        format!("{} {}", p.issuer, p.document)
    };
    let facts = if zh {
        format!(
            "{doc} · 计划 {} · 审计日 {} · 范围 {} · 截止 {}",
            p.id, result.as_of, result.scope, p.due
        )
    } else {
        format!(
            "Plan {} · as of {} · scope {} · due {}",
            p.id, result.as_of, result.scope, p.due
        )
    };
    push_wrapped(&mut out, &facts, opts.width, 2);
    let _ = writeln!(out);

    // Summary. The clause (Chinese words of the document) only in Chinese and where there
    // is room for it (100 columns or more).
    let clause = zh && opts.width.is_none_or(|w| w >= 100);
    let mut t = new_table(opts);
    let mut header = vec![w.target];
    if clause {
        header.push(w.clause);
    }
    header.extend([
        w.assessed_level,
        w.required,
        w.met,
        w.unmet,
        w.no_data,
        w.worst,
    ]);
    t.set_header(header);
    for (ti, tr) in result.targets.iter().enumerate() {
        let target = &tr.target;
        let required =
            super::shared::summary_required(result, ti).unwrap_or_else(|| "—".to_string());
        let s = &tr.summary;
        // The name (an English one wrapped between words), the id in small print below.
        let name = wrap(super::target_name(target, lang), Some(20), 0).join("\n");
        let mut row = vec![Cell::new(format!("{name}\n{}", target.id))];
        if clause {
            row.push(Cell::new(&target.clause));
        }
        row.push(Cell::new(super::shared::level_name(target.level, lang)));
        row.push(Cell::new(required));
        if tr.skipped.is_some() {
            row.push(Cell::new(format!(
                "{}{}{}",
                w.not_evaluated,
                if zh { "：" } else { ": " },
                super::skipped_text(result, tr, lang)
            )));
        } else {
            let c = super::shared::summary_counts(tr, lang);
            let warning = target.severity == crate::plan::Severity::Warning;
            row.push(status_cell(c.met, Status::Met, false, opts));
            let unmet_status = if s.unmet > 0 {
                Status::Unmet
            } else {
                Status::Met
            };
            row.push(status_cell(
                super::unmet_summary_text(tr, lang),
                unmet_status,
                warning,
                opts,
            ));
            let no_data = match c.missing {
                Some(m) if c.any_no_data => format!("{}\n{m}", c.no_data),
                _ => c.no_data,
            };
            row.push(status_cell(
                no_data,
                if c.any_no_data {
                    Status::NoData
                } else {
                    Status::Info
                },
                false,
                opts,
            ));
            // One region a line: a name is never cut.
            row.push(Cell::new(s.worst.join("\n")));
        }
        t.add_row(row);
    }
    let first_count = if clause { 4 } else { 3 };
    for i in first_count..first_count + 3 {
        if let Some(c) = t.column_mut(i) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    // Only the clause (Chinese text, which may break between characters) and the
    // not-evaluated reasons wrap; names, ids, numbers and regions keep their width.
    for i in 0..first_count + 4 {
        if clause && i == 1 {
            continue;
        }
        if let Some(c) = t.column_mut(i) {
            c.set_constraint(ColumnConstraint::ContentWidth);
        }
    }
    push_wrapped(&mut out, w.summary_title, opts.width, 0);
    let _ = writeln!(out, "{t}");
    for line in summary_notes(result, lang) {
        push_wrapped(&mut out, &line, opts.width, 2);
    }
    let _ = writeln!(out);

    out.push_str(&render_checklist(result, opts));

    // Gap table at the --by level, in blocks of targets that fit the width.
    let level = result.by;
    let level_word = super::shared::level_name(level, lang);
    let (cols, regions) = super::gap_layout(result);
    let (regions, hidden) = shown_regions(result, &cols, regions, opts.hide_no_data);
    push_wrapped(
        &mut out,
        &w.gaps_title.replace("{level}", level_word),
        opts.width,
        0,
    );
    if let Some(b) = result.baseline_as_of {
        push_wrapped(
            &mut out,
            &w.gaps_movement
                .replace("{b}", &b.to_string())
                .replace("{a}", &result.as_of.to_string()),
            opts.width,
            0,
        );
    }
    if hidden > 0 {
        push_wrapped(
            &mut out,
            &w.hidden_no_data.replace("{n}", &hidden.to_string()),
            opts.width,
            0,
        );
    }
    let region_head = w.region_at.replace("{level}", level_word);
    let region_cells: Vec<String> = regions.iter().map(|r| super::region_label(r)).collect();
    // Every column's cells and natural width (the widest line plus padding and a rule).
    let cells: Vec<(String, Vec<Option<&Row>>)> = cols
        .iter()
        .map(|&ti| {
            let t = &result.targets[ti].target;
            let name = super::target_name(t, lang);
            (
                name.to_string(),
                regions
                    .iter()
                    .map(|region| result.row_at(ti, region))
                    .collect(),
            )
        })
        .collect();
    let texts: Vec<Vec<String>> = cells
        .iter()
        .map(|(_, rows)| {
            rows.iter()
                .map(|r| match r {
                    Some(r) => super::gap_cell_text(result, r, lang),
                    None => "—".to_string(),
                })
                .collect()
        })
        .collect();
    let widest =
        |lines: &mut dyn Iterator<Item = &str>| lines.map(display_width).max().unwrap_or(0);
    let body_w: Vec<usize> = texts
        .iter()
        .map(|col| widest(&mut col.iter().flat_map(|c| c.lines())))
        .collect();
    // Header names wrap between words to the width of their column's figures (at least 8).
    let heads: Vec<String> = cells
        .iter()
        .zip(&body_w)
        .map(|((name, _), &bw)| {
            // A name wraps to the width of its figures, kept whole up to 16 columns.
            let room = bw.max(display_width(name).min(16)).max(8);
            wrap(name, Some(room as u16), 0).join("\n")
        })
        .collect();
    let col_w: Vec<usize> = heads
        .iter()
        .zip(&body_w)
        .map(|(h, &bw)| widest(&mut h.lines()).max(bw) + 3)
        .collect();
    let region_w = widest(
        &mut std::iter::once(region_head.as_str()).chain(region_cells.iter().map(String::as_str)),
    ) + 3;
    let blocks = column_blocks(region_w + 1, &col_w, opts.width.map(usize::from));
    for (bi, block) in blocks.iter().enumerate() {
        if bi > 0 {
            let _ = writeln!(out, "{}{}", w.gaps, w.continued);
        }
        let mut t = fixed_table(opts);
        let mut header = vec![Cell::new(&region_head).add_attribute(Attribute::Bold)];
        header.extend(block.iter().map(|&c| Cell::new(&heads[c])));
        t.set_header(header);
        for (ri, label) in region_cells.iter().enumerate() {
            let mut row = vec![Cell::new(label)];
            for &c in block {
                let text = texts[c][ri].clone();
                row.push(match cells[c].1[ri] {
                    Some(r) => status_cell(text, r.status, super::is_warning(result, r), opts),
                    None => Cell::new(text),
                });
            }
            t.add_row(row);
        }
        let _ = writeln!(out, "{t}");
    }
    let _ = writeln!(out);

    out.push_str(&render_issues(result, opts));
    out
}

/// A "path: 中文 / English" line of the reading step in English only ("path:
/// English") for an English report; Chinese reports keep both (the English half may carry
/// details the Chinese one lacks, such as the header seen).
pub(crate) fn one_language(text: &str, lang: Lang) -> String {
    let Some((head, en)) = text.rsplit_once(" / ") else {
        return text.to_string();
    };
    let Some((path, _)) = head.rsplit_once(": ") else {
        return text.to_string();
    };
    match lang {
        Lang::Zh => text.to_string(),
        Lang::En => format!("{path}: {en}"),
    }
}

/// Columns (by their display widths) grouped into blocks that fit `width` beside the
/// region column (`first` columns wide); without a width, one block. A column wider than
/// the room left stands alone.
pub(crate) fn column_blocks(
    first: usize,
    widths: &[usize],
    width: Option<usize>,
) -> Vec<Vec<usize>> {
    let Some(width) = width else {
        return vec![(0..widths.len()).collect()];
    };
    let mut blocks: Vec<Vec<usize>> = Vec::new();
    let mut cur: Vec<usize> = Vec::new();
    let mut used = first;
    for (i, &w) in widths.iter().enumerate() {
        if !cur.is_empty() && used + w > width {
            blocks.push(std::mem::take(&mut cur));
            used = first;
        }
        cur.push(i);
        used += w;
    }
    if !cur.is_empty() || blocks.is_empty() {
        blocks.push(cur);
    }
    balance(blocks, first, widths, width)
}

/// As many blocks as `greedy`, balanced: the widest block as narrow as it can be (so that
/// the last block is not a lone column), when that still fits.
fn balance(
    greedy: Vec<Vec<usize>>,
    first: usize,
    widths: &[usize],
    width: usize,
) -> Vec<Vec<usize>> {
    let k = greedy.len();
    if k <= 1 || widths.len() > 500 {
        return greedy;
    }
    let wide: Vec<f64> = widths.iter().map(|&w| w as f64).collect();
    match super::layout::balanced_groups(&wide, k) {
        Some((blocks, widest)) if first as f64 + widest <= width as f64 => blocks,
        _ => greedy,
    }
}

/// Data issues, classification and accounting (shared with `inspect`).
pub(crate) fn render_issues(result: &AuditResult, opts: &TableOptions) -> String {
    let lang = opts.lang;
    let w = lang.words();
    let mut out = String::new();
    let listed = result.issues.iter().filter(|i| is_listed(i)).count();
    let groups = super::issues::grouped_in(result);
    let mut title = w.issues_title.replace("{n}", &listed.to_string());
    if groups.len() != listed {
        title.push_str(&w.issues_merged.replace("{g}", &groups.len().to_string()));
    }
    push_wrapped(&mut out, &title, opts.width, 0);
    let (open, close, colon) = match lang {
        Lang::Zh => ("（", "）", "："),
        Lang::En => (" (", ")", ": "),
    };
    for g in groups.iter().take(opts.max_issues) {
        let loc = g.location_in(&result.tables, lang);
        let text = super::issues::group_text(result, g, lang);
        let outcome = super::shared::outcome_in(g.issue.outcome, lang);
        let line = if loc.is_empty() {
            format!("  - {text}{open}{outcome}{close}")
        } else {
            format!("  - {loc}{colon}{text}{open}{outcome}{close}")
        };
        push_wrapped(&mut out, &line, opts.width, 4);
    }
    if groups.len() > opts.max_issues {
        push_wrapped(
            &mut out,
            &w.issues_more
                .replace("{n}", &(groups.len() - opts.max_issues).to_string()),
            opts.width,
            4,
        );
    }
    for ig in &result.ignored {
        let ig = one_language(ig, lang);
        push_wrapped(&mut out, &format!("{}{ig}", w.passed_over), opts.width, 2);
    }
    push_wrapped(
        &mut out,
        &super::issues::classification_line(&result.classification, lang),
        opts.width,
        2,
    );
    let (read, used, skipped) = totals(&result.tables);
    push_wrapped(
        &mut out,
        &format!(
            "{}{}",
            w.accounting_label,
            super::issues::accounting_line_in(read, used, &skipped, lang)
        ),
        opts.width,
        2,
    );
    out
}

/// Notes under the summary: targets whose tables were not supplied at all, figures built
/// from only some reporting units, swings between snapshots, explanations and what became
/// of them. Shared by the text formats.
pub(crate) fn summary_notes(result: &AuditResult, lang: super::Lang) -> Vec<String> {
    let zh = lang == super::Lang::Zh;
    let mut out = Vec::new();
    // Targets grouped by the tables they lack, in plan order.
    let mut groups: Vec<(Vec<crate::ingest::TableKind>, Vec<&str>)> = Vec::new();
    for tr in &result.targets {
        if tr.missing_tables.is_empty() {
            continue;
        }
        match groups.iter_mut().find(|(k, _)| *k == tr.missing_tables) {
            Some((_, ids)) => ids.push(super::target_name(&tr.target, lang)),
            None => groups.push((
                tr.missing_tables.clone(),
                vec![super::target_name(&tr.target, lang)],
            )),
        }
    }
    for (kinds, ids) in groups {
        out.push(if zh {
            format!(
                "⚠ {}：{}，记为无数据",
                ids.join("、"),
                super::missing_tables_text(&kinds, super::Lang::Zh)
            )
        } else {
            format!(
                "⚠ {}: {}; no data",
                ids.join(", "),
                super::missing_tables_text(&kinds, super::Lang::En)
            )
        });
    }
    // Partial figures (the province row when some cities sent nothing).
    let mut partial: Vec<(String, String)> = Vec::new();
    for r in result.rows.iter().filter(|r| r.partial.is_some()) {
        let label = r.partial.map(|p| p.label(zh)).unwrap_or_default();
        let region = super::region_label(&r.region);
        match partial
            .iter_mut()
            .find(|(reg, l)| *reg == region && *l == label)
        {
            Some(_) => {}
            None => partial.push((region, label)),
        }
    }
    for (region, label) in partial {
        out.push(if zh {
            format!("注：{region}的数字只含 {label}的数据（其余未报送或缺表），是部分数字，不是{region}的数字")
        } else {
            format!("Note: the {region} figures include only {label}: partial, not the figures of {region}")
        });
    }
    // Swings between the snapshots (S501): each, with its explanation when there is one.
    for (i, issue) in result.issues.iter().enumerate() {
        if !matches!(issue.kind(), crate::issue::IssueKind::Swing { .. }) {
            continue;
        }
        let text = super::issue_text::with_code(issue, &result.tables, lang);
        let by = result
            .issue_explained
            .get(&i)
            .and_then(|&u| result.explanations.get(u));
        out.push(match (by, zh) {
            (Some(u), true) => format!("✎ 波动已说明 {text}：{}（{}）", u.reason, u.by),
            (Some(u), false) => format!("✎ swing explained: {text}: {} ({})", u.reason, u.by),
            (None, true) => format!("⚠ 波动 {text}"),
            (None, false) => format!("⚠ swing: {text}"),
        });
    }
    // Explanations (--explain): what each explains, and the expired and stale ones.
    for u in &result.explanations {
        use crate::audit::explain::State;
        let target = result
            .targets
            .iter()
            .find(|t| t.target.id == u.target)
            .map_or(u.target.as_str(), |t| super::target_name(&t.target, lang));
        let region = match (&u.in_file, u.region.is_empty()) {
            (Some(f), true) => f.clone(),
            (Some(f), false) => format!("{} {f}", u.region),
            (None, _) => u.region.clone(),
        };
        let (unit_zh, unit_en) = if u.issue {
            ("条数据问题", "issues")
        } else {
            ("行", "rows")
        };
        out.push(match (u.state, zh) {
            (State::Applied { rows }, true) => format!(
                "✎ 已说明 {} {region}（{rows} {unit_zh}）：{}（{}，有效至 {}）",
                target, u.reason, u.by, u.expires
            ),
            (State::Applied { rows }, false) => format!(
                "✎ explained {} {region} ({rows} {unit_en}): {} ({}, until {})",
                target, u.reason, u.by, u.expires
            ),
            (State::Expired, true) => format!(
                "⚠ 说明已过期，不再计入：{} {region}（{}:{}，有效至 {}）",
                target, u.file, u.line, u.expires
            ),
            (State::Expired, false) => format!(
                "⚠ explanation expired, no longer counted: {} {region} ({}:{}, until {})",
                target, u.file, u.line, u.expires
            ),
            (State::Stale, true) if u.issue => format!(
                "⚠ 说明未匹配任何数据问题（已过时？）：{} {region}（{}:{}）",
                target, u.file, u.line
            ),
            (State::Stale, false) if u.issue => format!(
                "⚠ explanation matches no data issue (stale?): {} {region} ({}:{})",
                target, u.file, u.line
            ),
            (State::Stale, true) => format!(
                "⚠ 说明未匹配任何未达标的行（已过时？）：{} {region}（{}:{}）",
                target, u.file, u.line
            ),
            (State::Stale, false) => format!(
                "⚠ explanation matches no shortfall (stale?): {} {region} ({}:{})",
                target, u.file, u.line
            ),
            (State::OutOfScope, _) => continue,
        });
    }
    // Before the due date: milestones judged, or shortfalls not yet due.
    let mut milestones: Vec<String> = Vec::new();
    let mut not_due: Vec<&str> = Vec::new();
    for tr in &result.targets {
        match tr.stage {
            crate::plan::Stage::Milestone(m) => milestones.push(format!(
                "{} ≥ {}（{}）",
                super::target_name(&tr.target, lang),
                super::human_num(
                    &tr.target,
                    m.min.value(),
                    crate::audit::decimals(&tr.target)
                ),
                m.by
            )),
            crate::plan::Stage::NotDue => not_due.push(super::target_name(&tr.target, lang)),
            crate::plan::Stage::Final => {}
        }
    }
    if !milestones.is_empty() {
        out.push(if zh {
            format!(
                "ⓘ 审计日早于截止日，按阶段目标评判：{}",
                milestones.join("、")
            )
        } else {
            format!(
                "ⓘ Before the due date, judged against milestones: {}",
                milestones.join(", ").replace('（', " (").replace('）', ")")
            )
        });
    }
    if !not_due.is_empty() {
        out.push(if zh {
            format!(
                "ⓘ {}：审计日早于截止日且尚无阶段目标，未达要求的地区记为“未到期”（not_due），\
                 不计入退出码；--baseline 给出进度展望，--fail-on behind 时进度落后或停滞即失败",
                not_due.join("、")
            )
        } else {
            format!(
                "ⓘ {}: not yet due and no milestone reached: shortfalls are \"not yet due\" and do \
                 not fail the run; --baseline gives the outlook, --fail-on behind fails on behind or stalled",
                not_due.join(", ")
            )
        });
    }
    out
}

/// The submission checklist: which table kinds each reporting unit supplied, and from
/// which files (numbered in a legend).
pub(crate) fn render_checklist(result: &AuditResult, opts: &TableOptions) -> String {
    let mut out = String::new();
    let lang = opts.lang;
    let w = lang.words();
    let grid = super::checklist_grid(result, lang);
    if grid.rows.is_empty() {
        return out;
    }
    let mut t = new_table(opts);
    let mut header = vec![Cell::new(w.reporting_unit)];
    header.extend(grid.kinds.iter().map(Cell::new));
    t.set_header(header);
    for r in &grid.rows {
        let mut cells = vec![Cell::new(&r.unit)];
        if !r.present {
            for _ in &grid.kinds {
                cells.push(status_cell("—".into(), Status::NoData, false, opts));
            }
        } else {
            for k in 0..grid.kinds.len() {
                let status = if r.cells[k].is_some() {
                    Status::Met
                } else {
                    Status::NoData
                };
                cells.push(status_cell(r.cell_text(k), status, false, opts));
            }
        }
        t.add_row(cells);
    }
    let title = match lang {
        Lang::Zh => format!("{}（{}）", w.checklist, w.checklist_note),
        Lang::En => format!("{} ({})", w.checklist, w.checklist_note),
    };
    push_wrapped(&mut out, &title, opts.width, 0);
    let _ = writeln!(out, "{t}");
    for (n, name) in &grid.legend {
        push_wrapped(&mut out, &format!("  {n}. {name}"), opts.width, 5);
    }
    let _ = writeln!(out);
    out
}

#[cfg(test)]
mod tests {
    use super::{display_width, wrap_line, wrap_lines};

    #[test]
    fn wrap_lines_hangs_continuations_and_keeps_words_and_numbers_whole() {
        let text = "  原文：到2023年，实现城市社区平均拥有不少于10个社区社会组织，农村社区平均拥有不少于5个\n\
                    [urban-density] density level error due 2023-12-31 reporting 1234567890\n\
                    \n    - 第7745行：统一社会信用代码 \"52140581854260615B\" 无效\n";
        let out = wrap_lines(text, Some(40));
        for l in out.lines() {
            assert!(display_width(l) <= 40, "{l:?} in\n{out}");
        }
        let lines: Vec<&str> = out.lines().collect();
        // A `key：value` line continues four columns in, a `- ` item two past its dash.
        assert!(lines[0].starts_with("  原文："), "{out}");
        assert!(
            lines[1].starts_with("      ") && !lines[1].starts_with("       "),
            "{out}"
        );
        // Words, dates and numbers are never cut.
        for whole in [
            "2023-12-31",
            "1234567890",
            "[urban-density]",
            "\"52140581854260615B\"",
        ] {
            assert!(out.lines().any(|l| l.contains(whole)), "{whole}: {out}");
        }
        let item = lines
            .iter()
            .position(|l| l.starts_with("    - "))
            .unwrap_or(0);
        assert!(item > 0 && lines[item + 1].starts_with("      \""), "{out}");
        // The blank line stays, as does the text once the spaces are taken out.
        assert!(lines.contains(&""), "{out}");
        let squeeze = |t: &str| t.split_whitespace().collect::<String>();
        assert_eq!(squeeze(&out), squeeze(text));
        assert!(out.ends_with('\n'));
        // Without a width nothing changes.
        assert_eq!(wrap_lines(text, None), text);
    }

    #[test]
    fn wrap_line_prefers_a_break_after_punctuation_and_never_before_a_dot_separator() {
        let line = "报送单位 reporting units: 太原市、大同市、阳泉市、长治市、晋城市、朔州市、晋中市、运城市、忻州市、临汾市、吕梁市";
        let lines = wrap_line(line, Some(100), 4);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(
            lines[0].ends_with('、') && lines[1] == "    临汾市、吕梁市",
            "{lines:?}"
        );
        // A place path parts after its `/`, a file path not at all.
        let line = "    无独立区划代码，街道分属西安市、咸阳市的区县：用 --units 提供街道名单（示例 docs/units-xixian-example.toml）；未提供时记为未配置（无数据）。";
        let lines = wrap_line(line, Some(100), 8);
        assert!(
            lines
                .iter()
                .any(|l| l.contains("docs/units-xixian-example.toml")),
            "{lines:?}"
        );
        let line = "    - fixtures/messy/ambiguous.csv 第3行 [社区]：P204 社区“白文”在山西省/吕梁市/临县/白文镇不唯一：可能是“白文居委会”";
        let lines = wrap_line(line, Some(80), 6);
        assert!(
            lines[0].ends_with("吕梁市/") && lines[1].starts_with("      临县/"),
            "{lines:?}"
        );
        let line = "[training-county] 县级能力培训 / County capacity training · 二（二）1 · yearly_count · county level · error · due 2023-12-31";
        for l in wrap_line(line, Some(100), 4) {
            assert!(!l.trim_start().starts_with('·'), "{l:?}");
            assert!(display_width(&l) <= 100, "{l:?}");
        }
    }

    #[test]
    fn wrap_line_takes_tabs_overlong_words_and_long_lines() {
        // A tab (no display width) before a break, a word longer than the line.
        let long = "x".repeat(60);
        let line = format!("a\tb {long} c d");
        let lines = wrap_line(&line, Some(40), 2);
        assert!(lines.iter().any(|l| l.trim() == long), "{lines:?}");
        // A listing line of 200 000 characters is broken in one pass.
        let line = "A=组织名称  ".repeat(20_000);
        let lines = wrap_line(&line, Some(100), 4);
        assert!(lines.len() > 2_000, "{}", lines.len());
        assert!(lines.iter().all(|l| display_width(l) <= 100));
    }
}
