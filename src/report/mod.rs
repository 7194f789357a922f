//! Render: one file per output format, each a function of the [`AuditResult`].
//!
//! All formats print numbers through [`fmt_num`], so a number shown in two formats is the
//! same number.

pub mod csv;
pub mod diff_csv;
pub mod diff_table;
pub mod diff_xlsx;
pub mod html;
pub mod inspect;
pub mod issue_groups;
pub mod issue_list;
pub(crate) mod issue_text;
pub mod issues;
pub mod json;
pub mod junit;
mod layout;
pub mod markdown;
pub mod pdf;
pub mod rejects;
mod shared;
pub mod table;
pub mod trend;
pub mod words;
pub mod xlsx;

use chrono::NaiveDateTime;

use crate::audit::{AuditResult, Row};
pub use words::{Lang, Words};

/// Output formats of `zhibiao audit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Terminal tables.
    Table,
    /// Long result as CSV.
    Csv,
    /// Long result as JSON.
    Json,
    /// PDF/A-2b report (A4 landscape).
    Pdf,
    /// Self-contained HTML report.
    Html,
    /// GitHub-flavoured Markdown.
    Markdown,
    /// Excel workbook: summary and long result.
    Xlsx,
    /// JUnit XML for CI.
    Junit,
}

impl Format {
    /// The format named by a file extension (`gaps.csv`, `报告.pdf`, `junit.xml`).
    pub fn from_extension(ext: &str) -> Option<Format> {
        match ext.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            "txt" => Some(Format::Table),
            "pdf" => Some(Format::Pdf),
            "html" | "htm" => Some(Format::Html),
            "md" | "markdown" => Some(Format::Markdown),
            "xlsx" => Some(Format::Xlsx),
            "xml" | "junit" => Some(Format::Junit),
            _ => None,
        }
    }
}

/// One input file as the reports cite it.
#[derive(Debug, Clone)]
pub struct InputDigest {
    /// Path as given.
    pub path: String,
    /// SHA-256 of the file's bytes, lower-case hex.
    pub sha256: String,
}

impl InputDigest {
    /// Every input file the tables of `model` were read from, once each in reading order,
    /// with the SHA-256 ingest took while reading it.
    pub fn of_model(model: &crate::model::Model) -> Result<Vec<InputDigest>, ReportError> {
        let mut out: Vec<InputDigest> = Vec::new();
        for t in &model.tables {
            let path = t.file.display().to_string();
            if out.iter().any(|d| d.path == path) {
                continue;
            }
            let hash = model
                .hashes
                .get(&t.file)
                .ok_or_else(|| ReportError::Other(format!("no SHA-256 recorded for {path}")))?;
            let sha256 = hash.iter().map(|b| format!("{b:02x}")).collect();
            out.push(InputDigest { path, sha256 });
        }
        Ok(out)
    }
}

/// What the reports need besides the result: computed at the CLI edge (clock, file digests).
#[derive(Debug, Clone)]
pub struct ReportMeta {
    /// When the report was generated (local time).
    pub generated: NaiveDateTime,
    /// The input files read, in order.
    pub inputs: Vec<InputDigest>,
    /// Language of the report's words.
    pub lang: Lang,
    /// Leave regions without data out of the per-region tables (`--hide-no-data`); they
    /// stay in the summary.
    pub hide_no_data: bool,
}

/// Errors writing a report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Writing failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The font lacks a character used in the report.
    #[error("字体缺少字符 / the font has no glyph for {ch:?} (U+{code:04X}), used in {context}")]
    MissingGlyph {
        /// The character.
        ch: char,
        /// Its code point.
        code: u32,
        /// Where it occurs (e.g. a region name).
        context: String,
    },
    /// The font file cannot be used.
    #[error("font {path}: {message}")]
    Font {
        /// Path of the font.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// Any other failure of a format's writer.
    #[error("{0}")]
    Other(String),
}

/// A number with a fixed count of decimals ("8.12", "0.3333", "12").
pub(crate) fn fmt_num(x: f64, decimals: u8) -> String {
    format!("{:.*}", usize::from(decimals), x)
}

/// The long-result columns, in order. `partial` is "2/11" when the figure includes only
/// some of the reporting units below the region (empty otherwise); `as_of` is the audit's
/// as-of date.
pub const COLUMNS: [&str; 13] = [
    "plan",
    "target",
    "level",
    "region",
    "value",
    "required",
    "gap",
    "status",
    "due",
    "partial",
    "as_of",
    "milestone",
    "explanation",
];

/// The columns added after [`COLUMNS`] when the audit has a baseline (`--baseline`,
/// `trend`): see [`crate::audit::movement`].
pub(crate) const MOVEMENT_COLUMNS: [&str; 8] = [
    "baseline_as_of",
    "baseline_value",
    "change",
    "change_count",
    "pace_needed",
    "pace_actual",
    "projected_date",
    "outlook",
];

/// The movement cells of a row (empty strings when it has none).
pub(crate) fn movement_cells(row: &Row) -> [String; 8] {
    let Some(m) = &row.movement else {
        return Default::default();
    };
    let num = |v: Option<f64>, d: u8| v.map(|x| fmt_num(x, d)).unwrap_or_default();
    [
        m.baseline_as_of.to_string(),
        num(m.baseline_value, row.decimals),
        num(m.change, row.decimals),
        m.change_count.map(|c| c.to_string()).unwrap_or_default(),
        num(m.pace_needed, 2),
        num(m.pace_actual, 2),
        m.projected_date.map(|d| d.to_string()).unwrap_or_default(),
        m.outlook
            .map(|o| o.as_str().to_string())
            .unwrap_or_default(),
    ]
}

/// The cells of a row of the long result, in the order of [`COLUMNS`].
pub fn long_cells(result: &AuditResult, row: &Row) -> [String; 13] {
    let tr = &result.targets[row.target];
    let t = &tr.target;
    [
        result.plan.id.clone(),
        t.id.clone(),
        row.level.as_str().to_string(),
        row.region.clone(),
        row.value
            .map(|v| fmt_num(v, row.decimals))
            .unwrap_or_default(),
        row.required
            .map(|v| fmt_num(v, row.decimals))
            .unwrap_or_default(),
        row.gap.map(|g| g.to_string()).unwrap_or_default(),
        row.status.as_str().to_string(),
        t.due.to_string(),
        row.partial.map(|p| p.fraction()).unwrap_or_default(),
        result.as_of.to_string(),
        match tr.stage {
            crate::plan::Stage::Milestone(m) => m.by.to_string(),
            crate::plan::Stage::Final | crate::plan::Stage::NotDue => String::new(),
        },
        explanation_of(result, row).unwrap_or_default(),
    ]
}

/// The reason of the explanation that made a row `explained`.
pub(crate) fn explanation_of(result: &AuditResult, row: &Row) -> Option<String> {
    let (_, i) = row.explained?;
    result.explanations.get(i).map(|u| u.reason.clone())
}

/// The gap table's layout, as in the terminal report: the targets with rows at the `--by`
/// level (indexes into `result.targets`) and the regions at that level in region order.
pub fn gap_layout(result: &AuditResult) -> (Vec<usize>, Vec<String>) {
    let level = result.by;
    let cols: Vec<usize> = (0..result.targets.len())
        .filter(|&ti| {
            result
                .rows
                .iter()
                .any(|r| r.target == ti && r.level == level)
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    let mut regions: Vec<(&str, &str)> = Vec::new();
    for r in result.rows.iter().filter(|r| r.level == level) {
        if seen.insert(r.region.as_str()) {
            regions.push((r.region.as_str(), r.sort_key.as_str()));
        }
    }
    regions.sort_by(|a, b| a.1.cmp(b.1));
    (
        cols,
        regions.into_iter().map(|(r, _)| r.to_string()).collect(),
    )
}

/// Region naming belongs to the model (the audit names regions too); reports use it
/// from here.
pub use crate::model::region_label;

/// The submission checklist as a grid every format renders the same way: one row per
/// reporting unit, one column per table kind; a cell lists the numbers of the tables that
/// supplied the kind ("✓ 1, 3"), or says it is missing ("✗"). The legend maps the numbers
/// to the tables (`file#sheet`), numbered in reading order.
#[derive(Debug, Clone)]
pub struct ChecklistGrid {
    /// Column headers after the unit column (table kinds in the report's language).
    pub kinds: Vec<String>,
    /// (unit label, present in the data, cells).
    pub rows: Vec<ChecklistRow>,
    /// (number, table name), for the tables cited in the grid.
    pub legend: Vec<(usize, String)>,
}

/// One unit of the [`ChecklistGrid`].
#[derive(Debug, Clone)]
pub struct ChecklistRow {
    /// The unit's label ("阳泉市").
    pub unit: String,
    /// Whether the unit is in the community list at all.
    pub present: bool,
    /// Per kind: `Some(numbers)` when supplied, `None` when missing.
    pub cells: Vec<Option<Vec<usize>>>,
}

impl ChecklistRow {
    /// The text of cell `k`: "✓ 1, 3" or "✗" (or "—" for a unit with no data at all).
    pub fn cell_text(&self, k: usize) -> String {
        if !self.present {
            return "—".to_string();
        }
        match self.cells.get(k) {
            Some(Some(ns)) => format!(
                "✓ {}",
                ns.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            _ => "✗".to_string(),
        }
    }

    /// Kinds the unit did not supply (for a present unit).
    pub fn missing(&self) -> usize {
        self.cells.iter().filter(|c| c.is_none()).count()
    }
}

/// Build the checklist grid of a result.
pub fn checklist_grid(result: &AuditResult, lang: Lang) -> ChecklistGrid {
    let kinds: Vec<String> = crate::ingest::TableKind::ALL
        .iter()
        .map(|k| match lang {
            Lang::Zh => k.zh().to_string(),
            Lang::En => k.as_str().to_string(),
        })
        .collect();
    let mut numbers: Vec<String> = Vec::new();
    let mut number_of = |name: &str| -> usize {
        match numbers.iter().position(|n| n == name) {
            Some(i) => i + 1,
            None => {
                numbers.push(name.to_string());
                numbers.len()
            }
        }
    };
    // Number the tables in reading order, so that the legend follows the inputs.
    for t in &result.tables {
        number_of(&t.display_name());
    }
    let rows = result
        .checklist
        .iter()
        .map(|s| ChecklistRow {
            unit: region_label(&s.unit),
            present: s.present,
            cells: s
                .kinds
                .iter()
                .map(|(_, names)| {
                    if names.is_empty() {
                        None
                    } else {
                        Some(names.iter().map(|n| number_of(n)).collect())
                    }
                })
                .collect(),
        })
        .collect::<Vec<_>>();
    let cited: std::collections::BTreeSet<usize> = rows
        .iter()
        .flat_map(|r| r.cells.iter().flatten().flatten().copied())
        .collect();
    let legend = numbers
        .into_iter()
        .enumerate()
        .map(|(i, n)| (i + 1, n))
        .filter(|(i, _)| cited.contains(i))
        .collect();
    ChecklistGrid {
        kinds,
        rows,
        legend,
    }
}

/// "未提供 活动 表 / no events table was supplied" for a target's missing tables.
pub(crate) fn missing_tables_text(kinds: &[crate::ingest::TableKind], lang: Lang) -> String {
    match lang {
        Lang::Zh => {
            let names: Vec<&str> = kinds.iter().map(|k| k.zh()).collect();
            format!("未提供 {} 表", names.join("、"))
        }
        Lang::En => {
            let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
            format!("no {} table was supplied", names.join(" or "))
        }
    }
}

/// The outlooks in the order the reports count them.
pub(crate) const OUTLOOKS: [crate::audit::movement::Outlook; 5] = {
    use crate::audit::movement::Outlook;
    [
        Outlook::Met,
        Outlook::OnTrack,
        Outlook::Behind,
        Outlook::Stalled,
        Outlook::NoData,
    ]
};

/// The rows of target `ti` that the movement section and the trend charts show: the rows
/// at the target's assessed level (cities for a city target, counties for a county
/// target), including the regions of the baseline that the current snapshot lacks, and
/// the reporting units missing from the data (for a county target: the cities not in the
/// data, which [`outlook_counted`] leaves out as the summary counts them apart); in region
/// order.
pub(crate) fn movement_rows(result: &AuditResult, ti: usize) -> Vec<&Row> {
    let mut rows: Vec<&Row> = result
        .rows
        .iter()
        .filter(|r| {
            r.target == ti
                && (outlook_counted(result, r)
                    || (r.region_id.is_none() && r.status == crate::audit::Status::NoData))
        })
        .collect();
    rows.sort_by(|a, b| a.sort_key.cmp(&b.sort_key));
    rows
}

/// Whether a row counts in a target's outlook counts: it lies at the target's assessed level
/// (or is assessed).
pub(crate) fn outlook_counted(result: &AuditResult, row: &Row) -> bool {
    result
        .targets
        .get(row.target)
        .is_some_and(|t| row.level == t.target.level)
        || row.assessed
}

/// The outlook counts of `rows`, in the order of [`OUTLOOKS`] (rows that
/// [`outlook_counted`] leaves out, and rows without an outlook, are not counted).
pub(crate) fn outlook_counts(result: &AuditResult, rows: &[&Row]) -> [usize; 5] {
    let mut counts = [0usize; 5];
    for r in rows.iter().filter(|r| outlook_counted(result, r)) {
        if let Some(o) = r.movement.as_ref().and_then(|m| m.outlook) {
            if let Some(i) = OUTLOOKS.iter().position(|x| *x == o) {
                counts[i] += 1;
            }
        }
    }
    counts
}

/// The level of a target's shown rows: that of the first counted row (a county under a
/// county `--scope`), else the target's.
pub(crate) fn shown_level(result: &AuditResult, rows: &[&Row]) -> crate::model::Level {
    rows.iter()
        .find(|r| outlook_counted(result, r))
        .map(|r| r.level)
        .or_else(|| rows.first().map(|r| r.level))
        .unwrap_or(result.by)
}

/// One target of the movement section: its regions ranked by change, the regions with no
/// figure at either date apart, and the outlook counts.
#[derive(Debug, Clone)]
pub(crate) struct MovementTarget<'a> {
    /// Index into `result.targets`.
    pub target: usize,
    /// Regions with a figure now or at the baseline, largest change first (no change
    /// last), then in region order.
    pub ranked: Vec<&'a Row>,
    /// Regions with no figure at either date (no data, not applicable).
    pub absent: Vec<&'a Row>,
    /// Rows per outlook, in the order of [`OUTLOOKS`].
    pub counts: [usize; 5],
    /// The level of the rows shown (the target's, or the county under a county scope).
    pub level: crate::model::Level,
}

impl MovementTarget<'_> {
    /// Rows with an outlook (info and not-applicable rows have none).
    pub fn counted(&self) -> usize {
        self.counts.iter().sum()
    }
}

/// The movement section of a result with a baseline: one entry per evaluated target with
/// rows at its level (none without a baseline).
pub(crate) fn movement_targets(result: &AuditResult) -> Vec<MovementTarget<'_>> {
    if result.baseline_as_of.is_none() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (ti, tr) in result.targets.iter().enumerate() {
        if tr.skipped.is_some() {
            continue;
        }
        let rows = movement_rows(result, ti);
        if rows.is_empty() {
            continue;
        }
        let counts = outlook_counts(result, &rows);
        let level = shown_level(result, &rows);
        let (mut ranked, absent): (Vec<&Row>, Vec<&Row>) = rows.into_iter().partition(|r| {
            r.value.is_some()
                || r.movement
                    .as_ref()
                    .is_some_and(|m| m.baseline_value.is_some())
        });
        let change = |r: &Row| r.movement.as_ref().and_then(|m| m.change);
        ranked.sort_by(|a, b| match (change(a), change(b)) {
            (Some(x), Some(y)) => y.total_cmp(&x).then_with(|| a.sort_key.cmp(&b.sort_key)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.sort_key.cmp(&b.sort_key),
        });
        out.push(MovementTarget {
            target: ti,
            ranked,
            absent,
            counts,
            level,
        });
    }
    out
}

/// A change as the reports show it: "▲0.65", "▼2", "＝", or "—" when unknown.
pub(crate) fn change_text(change: Option<f64>, decimals: u8) -> String {
    match change {
        Some(c)
            if fmt_num(c.abs(), decimals)
                .chars()
                .all(|ch| ch == '0' || ch == '.') =>
        {
            "＝".to_string()
        }
        Some(c) if c > 0.0 => format!("▲{}", fmt_num(c, decimals)),
        Some(c) if c < 0.0 => format!("▼{}", fmt_num(-c, decimals)),
        Some(_) => "＝".to_string(),
        None => "—".to_string(),
    }
}

/// A change in records or units: "+113", "−3", "0", or "—".
pub(crate) fn count_change_text(change: Option<i64>) -> String {
    match change {
        Some(c) if c > 0 => format!("+{c}"),
        Some(c) if c < 0 => format!("−{}", c.unsigned_abs()),
        Some(_) => "0".to_string(),
        None => "—".to_string(),
    }
}

/// The movement cells of a row in the order the PDF, HTML and XLSX movement tables show
/// them: baseline value, current value, required, change, change in count, gap, pace
/// needed, pace achieved, projected date, outlook ("—" where there is nothing).
pub(crate) fn movement_display(row: &Row, lang: Lang) -> [String; 10] {
    let dash = || "—".to_string();
    let num = |v: Option<f64>, d: u8| v.map(|x| fmt_num(x, d)).unwrap_or_else(dash);
    let m = row.movement.as_ref();
    [
        num(m.and_then(|m| m.baseline_value), row.decimals),
        num(row.value, row.decimals),
        num(row.required, row.decimals),
        change_text(m.and_then(|m| m.change), row.decimals),
        count_change_text(m.and_then(|m| m.change_count)),
        row.gap.map(|g| g.to_string()).unwrap_or_else(dash),
        num(m.and_then(|m| m.pace_needed), 2),
        num(m.and_then(|m| m.pace_actual), 2),
        m.and_then(|m| m.projected_date)
            .map(|d| d.to_string())
            .unwrap_or_else(dash),
        m.and_then(|m| m.outlook)
            .map(|o| lang.outlook(o).to_string())
            .unwrap_or_else(dash),
    ]
}

/// The explanation above a movement section, with the two dates filled in.
pub(crate) fn movement_note(result: &AuditResult, lang: Lang) -> String {
    let b = result
        .baseline_as_of
        .map(|d| d.to_string())
        .unwrap_or_default();
    lang.words()
        .movement_note
        .replace("{b}", &b)
        .replace("{a}", &result.as_of.to_string())
}

/// A target's short name in the report's language: `name` in Chinese, `name_en` (else the
/// id) in English. Ids stay in the CSV/JSON and in small print.
pub(crate) fn target_name(t: &crate::plan::Target, lang: Lang) -> &str {
    match lang {
        Lang::Zh => &t.name,
        Lang::En => t.name_en.as_deref().unwrap_or(&t.id),
    }
}

/// Whether a target's values are shares (coverage), shown as percentages to people.
pub(crate) fn is_share(t: &crate::plan::Target) -> bool {
    matches!(t.measure, crate::plan::Measure::Coverage { .. })
}

/// A value or requirement as a person reads it: a share as a percentage ("93.02%", two
/// decimals fewer than the fraction's), any other figure as [`fmt_num`] gives it. CSV and
/// JSON keep the fraction.
pub(crate) fn human_num(t: &crate::plan::Target, x: f64, decimals: u8) -> String {
    if is_share(t) {
        format!("{}%", fmt_num(x * 100.0, decimals.saturating_sub(2)))
    } else {
        fmt_num(x, decimals)
    }
}

/// The numerator and denominator behind a density or coverage value (records or covered
/// units, and units), when the row has a figure.
pub(crate) fn ratio_parts(row: &Row) -> Option<(u64, u64)> {
    Some((row.count?, row.units?))
}

/// "1409/176": the numerator and denominator of a ratio row, for people.
pub(crate) fn ratio_text(row: &Row) -> Option<String> {
    ratio_parts(row).map(|(n, u)| format!("{n}/{u}"))
}

/// The columns added at the end of the long result (after the movement columns when
/// there are any): the numerator and denominator of a density or coverage value.
pub(crate) const RATIO_COLUMNS: [&str; 2] = ["numerator", "denominator"];

/// The cells of [`RATIO_COLUMNS`] (empty for other measures and rows without a figure).
pub fn ratio_cells(row: &Row) -> [String; 2] {
    match ratio_parts(row) {
        Some((n, u)) => [n.to_string(), u.to_string()],
        None => Default::default(),
    }
}

/// Whether an unmet row belongs to a warning-severity target (marked 警告 / warning).
pub(crate) fn is_warning(result: &AuditResult, row: &Row) -> bool {
    result
        .targets
        .get(row.target)
        .is_some_and(|t| t.target.severity == crate::plan::Severity::Warning)
        && matches!(row.status, crate::audit::Status::Unmet)
}

/// Why a target was not evaluated, in the report's language ("在市级考核，高于范围 …").
pub(crate) fn skipped_text(
    result: &AuditResult,
    tr: &crate::audit::TargetResult,
    lang: Lang,
) -> String {
    let level = match lang {
        Lang::Zh => tr.target.level.zh(),
        Lang::En => tr.target.level.as_str(),
    };
    lang.words()
        .above_scope
        .replace("{level}", level)
        .replace("{scope}", &result.scope)
}

/// The text of a gap-table cell, shared by the terminal, HTML, PDF and Markdown: the value
/// against the requirement ("93.02% / 100.00%", shares as percentages), the numerator and
/// denominator of a ratio ("1409/176"), then "✓" or the gap ("差 351", with "警告" for a
/// warning target, "未到期" or "✎已说明"), or the status ("无数据"). A partial figure gets a
/// line "（2/11 市）"; with a baseline, a last line with the change and the outlook.
pub(crate) fn gap_cell_text(result: &AuditResult, row: &Row, lang: Lang) -> String {
    use crate::audit::Status;
    let w = lang.words();
    let Some(tr) = result.targets.get(row.target) else {
        return String::new();
    };
    let t = &tr.target;
    let value = row.value.map(|v| human_num(t, v, row.decimals));
    let (open, close) = match lang {
        Lang::Zh => ("（", "）"),
        Lang::En => (" (", ")"),
    };
    let mut lines: Vec<String> = Vec::new();
    match (row.status, value, row.required) {
        (Status::NoData, _, _) => lines.push(w.no_data.to_string()),
        (Status::Explained, None, _) => lines.push(format!("{} ✎{}", w.no_data, w.explained)),
        (Status::NotApplicable, _, _) => lines.push("—".to_string()),
        (Status::Info, Some(v), _) => lines.push(v),
        (_, Some(v), Some(q)) => {
            lines.push(format!("{v} / {}", human_num(t, q, row.decimals)));
            if let Some(r) = ratio_text(row) {
                lines.push(r);
            }
            lines.push(match row.gap {
                Some(0) | None => "✓".to_string(),
                Some(g) if row.status == Status::NotDue => {
                    format!("{} {g} {}", w.gap_short, w.not_due)
                }
                Some(g) if row.status == Status::Explained => {
                    format!("{} {g} ✎{}", w.gap_short, w.explained)
                }
                Some(g) if is_warning(result, row) => {
                    format!("{} {g}{open}{}{close}", w.gap_short, w.warning)
                }
                Some(g) => format!("{} {g}", w.gap_short),
            });
        }
        (_, Some(v), None) => lines.push(v),
        (_, None, _) => lines.push("—".to_string()),
    }
    if let Some(p) = row.partial {
        lines.push(
            format!("{open}{}{close}", p.label(lang == Lang::Zh))
                .trim()
                .to_string(),
        );
    }
    if let Some(m) = &row.movement {
        if row.status != crate::audit::Status::NoData {
            let change = match m.change {
                Some(_) => change_text(m.change, row.decimals),
                None => String::new(),
            };
            let outlook = m.outlook.map(|o| lang.outlook(o)).unwrap_or_default();
            let tail = [change.as_str(), outlook]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" ");
            if !tail.is_empty() {
                lines.push(tail);
            }
        }
    }
    lines.join("\n")
}

/// The unmet count of a summary, marked as a warning for a warning-severity target with
/// unmet rows ("2（警告）" / "2 (warning)").
pub(crate) fn unmet_summary_text(tr: &crate::audit::TargetResult, lang: Lang) -> String {
    let text = shared::unmet_text(&tr.summary, lang);
    if tr.target.severity == crate::plan::Severity::Warning && tr.summary.unmet > 0 {
        match lang {
            Lang::Zh => format!("{text}（{}）", lang.words().warning),
            Lang::En => format!("{text} ({})", lang.words().warning),
        }
    } else {
        text
    }
}
