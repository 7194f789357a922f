//! The terminal report: summary, per-region gap table, data issues and row accounting.
//! comfy-table measures East Asian wide characters, so Chinese text lines up.

use std::fmt::Write as _;

use comfy_table::{presets, Attribute, Cell, CellAlignment, Color, ContentArrangement, Table};

use super::fmt_num;
use super::issues::{accounting_line, is_listed, outcome_zh, totals};
use crate::audit::{AuditResult, Row, Status};

/// Terminal report options.
#[derive(Debug, Clone, Copy)]
pub struct TableOptions {
    /// Use ANSI colours (red unmet, green met).
    pub color: bool,
    /// Terminal width to fit tables to (`None`: no limit, e.g. when piped).
    pub width: Option<u16>,
    /// Data issues listed one by one before "… N more".
    pub max_issues: usize,
}

impl Default for TableOptions {
    fn default() -> Self {
        TableOptions {
            color: false,
            width: None,
            max_issues: 20,
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

fn status_cell(text: String, status: Status, opts: &TableOptions) -> Cell {
    let cell = Cell::new(text);
    if !opts.color {
        return cell;
    }
    match status {
        Status::Met => cell.fg(Color::Green),
        Status::Unmet => cell.fg(Color::Red),
        Status::NoData => cell.fg(Color::Yellow),
        Status::NotDue | Status::Explained => cell.fg(Color::Cyan),
        Status::NotApplicable | Status::Info => cell,
    }
}

/// The text of a gap-table cell: "value / required" then the gap (or the status), and with
/// a baseline the change ("▲0.65", "▼2", "＝") and the outlook.
pub fn cell_text(row: &Row) -> String {
    let head = cell_text_now(row);
    match &row.movement {
        Some(m) if row.status != Status::NoData => {
            let change = match m.change {
                Some(c) if c > 0.0 => format!("▲{}", fmt_num(c, row.decimals)),
                Some(c) if c < 0.0 => format!("▼{}", fmt_num(-c, row.decimals)),
                Some(_) => "＝".to_string(),
                None => String::new(),
            };
            let outlook = m.outlook.map(|o| o.zh()).unwrap_or_default();
            let tail = [change.as_str(), outlook]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" ");
            if tail.is_empty() {
                head
            } else {
                format!("{head}\n{tail}")
            }
        }
        _ => head,
    }
}

/// [`cell_text`] without the movement.
fn cell_text_now(row: &Row) -> String {
    let value = row.value.map(|v| fmt_num(v, row.decimals));
    match (row.status, value, row.required) {
        (Status::NoData, _, _) => "无数据".to_string(),
        (Status::Explained, None, _) => "无数据 ✎已说明".to_string(),
        (Status::NotApplicable, _, _) => "—".to_string(),
        (Status::Info, Some(v), _) => v,
        (_, Some(v), Some(q)) => {
            let head = format!("{v} / {}", fmt_num(q, row.decimals));
            match row.gap {
                Some(0) | None => format!("{head}\n✓"),
                Some(g) if row.status == Status::NotDue => format!("{head}\n差 {g} 未到期"),
                Some(g) if row.status == Status::Explained => format!("{head}\n差 {g} ✎已说明"),
                Some(g) => format!("{head}\n差 {g}"),
            }
        }
        (_, Some(v), None) => v,
        (_, None, _) => "—".to_string(),
    }
}

/// Render the whole terminal report.
pub fn render(result: &AuditResult, opts: &TableOptions) -> String {
    let mut out = String::new();
    let p = &result.plan;
    let _ = writeln!(out, "{}", p.title);
    let doc = if p.document.is_empty() {
        p.issuer.clone()
    } else {
        format!("{} {}", p.issuer, p.document)
    };
    let _ = writeln!(
        out,
        "{doc} · 计划 {} · 审计日 {} · 范围 {} · 截止 {}",
        p.id, result.as_of, result.scope, p.due
    );
    let _ = writeln!(out);

    // Summary.
    let mut t = new_table(opts);
    t.set_header(vec![
        "指标 target",
        "条款",
        "层级",
        "要求",
        "达标",
        "未达标",
        "无数据",
        "差距最大",
    ]);
    for tr in &result.targets {
        let target = &tr.target;
        let required = result
            .rows
            .iter()
            .find(|r| r.target_id_eq(result, &target.id) && r.assessed)
            .and_then(|r| r.required.map(|q| fmt_num(q, r.decimals)))
            .unwrap_or_else(|| "—".to_string());
        let s = &tr.summary;
        let mut row = vec![
            Cell::new(format!("{}\n{}", target.id, short(&target.text, 24))),
            Cell::new(&target.clause),
            Cell::new(target.level.zh()),
            Cell::new(required),
        ];
        if let Some(why) = &tr.skipped {
            row.push(Cell::new(format!("未评估：{why}")));
        } else {
            let unmet_status = if s.unmet > 0 {
                Status::Unmet
            } else {
                Status::Met
            };
            let info = s.met + s.unmet + s.not_due + s.explained + s.no_data == 0;
            row.push(status_cell(
                if info {
                    "—".into()
                } else {
                    s.met.to_string()
                },
                Status::Met,
                opts,
            ));
            let unmet = super::html::unmet_text(s, super::Lang::Zh);
            row.push(status_cell(unmet, unmet_status, opts));
            let no_data = if s.units_no_data > 0 {
                format!("{}（另 {} 市）", s.no_data, s.units_no_data)
            } else {
                s.no_data.to_string()
            };
            row.push(status_cell(
                no_data,
                if s.no_data + s.units_no_data > 0 {
                    Status::NoData
                } else {
                    Status::Info
                },
                opts,
            ));
            row.push(Cell::new(s.worst.join("、")));
        }
        t.add_row(row);
    }
    for i in 4..7 {
        if let Some(c) = t.column_mut(i) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    let _ = writeln!(out, "目标汇总（按各指标的考核层级）");
    let _ = writeln!(out, "{t}");
    for line in summary_notes(result, super::Lang::Zh) {
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(out);

    out.push_str(&render_checklist(result, opts));

    // Gap table at the --by level.
    let level = result.by;
    let (cols, regions) = super::gap_layout(result);
    let mut t = new_table(opts);
    let mut header =
        vec![Cell::new(format!("地区（{}）", level.zh())).add_attribute(Attribute::Bold)];
    header.extend(
        cols.iter()
            .map(|&ti| Cell::new(&result.targets[ti].target.id)),
    );
    t.set_header(header);
    for region in &regions {
        let mut cells = vec![Cell::new(super::region_label(region))];
        for &ti in &cols {
            match result.row_at(ti, region) {
                Some(r) => cells.push(status_cell(cell_text(r), r.status, opts)),
                None => cells.push(Cell::new("—")),
            }
        }
        t.add_row(cells);
    }
    let _ = writeln!(
        out,
        "分地区差距（{}级；每格：实际 / 要求，差 = 尚缺的组织数、单位数或年数）",
        level.zh()
    );
    if let Some(b) = result.baseline_as_of {
        let _ = writeln!(
            out,
            "与 {b} 相比：▲/▼ 变化，展望 = 按 {b} 至 {} 的进度能否在截止日前达标（按期可达 / 进度落后 / 停滞）",
            result.as_of
        );
    }
    let _ = writeln!(out, "{t}");
    let _ = writeln!(out);

    out.push_str(&render_issues(result, opts));
    out
}

/// Data issues, classification and accounting (shared with `inspect`).
pub fn render_issues(result: &AuditResult, opts: &TableOptions) -> String {
    let mut out = String::new();
    let listed = result.issues.iter().filter(|i| is_listed(i)).count();
    let groups = super::issues::grouped_in(result);
    if groups.len() == listed {
        let _ = writeln!(out, "数据问题 {listed} 条");
    } else {
        let _ = writeln!(
            out,
            "数据问题 {listed} 条（相同的合并为 {} 项）",
            groups.len()
        );
    }
    for g in groups.iter().take(opts.max_issues) {
        let loc = g.location(&result.tables);
        let _ = if loc.is_empty() {
            writeln!(
                out,
                "  - {}（{}）",
                super::issues::group_text(result, g, super::Lang::Zh),
                outcome_zh(g.issue.outcome)
            )
        } else {
            writeln!(
                out,
                "  - {loc}：{}（{}）",
                super::issues::group_text(result, g, super::Lang::Zh),
                outcome_zh(g.issue.outcome)
            )
        };
    }
    if groups.len() > opts.max_issues {
        let _ = writeln!(
            out,
            "  … 另有 {} 项；用 `zhibiao inspect` 查看全部，或 --rejects FILE.csv 导出被跳过的行",
            groups.len() - opts.max_issues
        );
    }
    for ig in &result.ignored {
        let _ = writeln!(out, "已忽略：{ig}");
    }
    let _ = writeln!(
        out,
        "{}",
        super::issues::classification_line(&result.classification, super::Lang::Zh)
    );
    let (read, used, skipped) = totals(&result.tables);
    let _ = writeln!(out, "行数核对：{}", accounting_line(read, used, &skipped));
    out
}

/// Notes under the summary: targets whose tables were not supplied at all, figures built
/// from only some reporting units, swings between snapshots, explanations and what became
/// of them. Shared by the text formats.
pub fn summary_notes(result: &AuditResult, lang: super::Lang) -> Vec<String> {
    let zh = lang == super::Lang::Zh;
    let mut out = Vec::new();
    // Targets grouped by the tables they lack, in plan order.
    let mut groups: Vec<(Vec<crate::ingest::TableKind>, Vec<&str>)> = Vec::new();
    for tr in &result.targets {
        if tr.missing_tables.is_empty() {
            continue;
        }
        match groups.iter_mut().find(|(k, _)| *k == tr.missing_tables) {
            Some((_, ids)) => ids.push(&tr.target.id),
            None => groups.push((tr.missing_tables.clone(), vec![&tr.target.id])),
        }
    }
    for (kinds, ids) in groups {
        out.push(if zh {
            format!(
                "⚠ {}：{}（{}），记为无数据",
                ids.join("、"),
                super::missing_tables_text(&kinds, super::Lang::Zh),
                super::missing_tables_text(&kinds, super::Lang::En)
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
        if !matches!(issue.kind, crate::issue::IssueKind::Swing { .. }) {
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
                u.target, u.reason, u.by, u.expires
            ),
            (State::Applied { rows }, false) => format!(
                "✎ explained {} {region} ({rows} {unit_en}): {} ({}, until {})",
                u.target, u.reason, u.by, u.expires
            ),
            (State::Expired, true) => format!(
                "⚠ 说明已过期，不再计入：{} {region}（{}:{}，有效至 {}）",
                u.target, u.file, u.line, u.expires
            ),
            (State::Expired, false) => format!(
                "⚠ explanation expired, no longer counted: {} {region} ({}:{}, until {})",
                u.target, u.file, u.line, u.expires
            ),
            (State::Stale, true) if u.issue => format!(
                "⚠ 说明未匹配任何数据问题（已过时？）：{} {region}（{}:{}）",
                u.target, u.file, u.line
            ),
            (State::Stale, false) if u.issue => format!(
                "⚠ explanation matches no data issue (stale?): {} {region} ({}:{})",
                u.target, u.file, u.line
            ),
            (State::Stale, true) => format!(
                "⚠ 说明未匹配任何未达标的行（已过时？）：{} {region}（{}:{}）",
                u.target, u.file, u.line
            ),
            (State::Stale, false) => format!(
                "⚠ explanation matches no shortfall (stale?): {} {region} ({}:{})",
                u.target, u.file, u.line
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
                tr.target.id,
                fmt_num(m.min.value(), crate::audit::decimals(&tr.target)),
                m.by
            )),
            crate::plan::Stage::NotDue => not_due.push(&tr.target.id),
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
pub fn render_checklist(result: &AuditResult, opts: &TableOptions) -> String {
    let mut out = String::new();
    let grid = super::checklist_grid(result, super::Lang::Zh);
    if grid.rows.is_empty() {
        return out;
    }
    let mut t = new_table(opts);
    let mut header = vec![Cell::new("报送单位")];
    header.extend(grid.kinds.iter().map(Cell::new));
    t.set_header(header);
    for r in &grid.rows {
        let mut cells = vec![Cell::new(&r.unit)];
        if !r.present {
            for _ in &grid.kinds {
                cells.push(status_cell("—".into(), Status::NoData, opts));
            }
        } else {
            for k in 0..grid.kinds.len() {
                let status = if r.cells[k].is_some() {
                    Status::Met
                } else {
                    Status::NoData
                };
                cells.push(status_cell(r.cell_text(k), status, opts));
            }
        }
        t.add_row(cells);
    }
    let _ = writeln!(
        out,
        "报送清单（✓ 已报送，数字为下列文件编号；✗ 未提供该表；— 数据中没有该单位）"
    );
    let _ = writeln!(out, "{t}");
    for (n, name) in &grid.legend {
        let _ = writeln!(out, "  {n}. {name}");
    }
    let _ = writeln!(out);
    out
}

fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n).collect();
        t.push('…');
        t
    }
}

impl Row {
    fn target_id_eq(&self, result: &AuditResult, id: &str) -> bool {
        result
            .targets
            .get(self.target)
            .is_some_and(|t| t.target.id == id)
    }
}
