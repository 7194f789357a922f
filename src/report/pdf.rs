//! PDF/A-2b report (A4 landscape) with krilla.
//!
//! Sections, each with a bookmark: overview (title block, inputs), summary (with the notes
//! on tables not supplied and partial figures), submission checklist (its legend in two
//! columns), charts, gap table, data issues (identical ones merged), row accounting.
//!
//! The report renders the [`AuditResult`] and computes nothing of its own: every number is
//! printed through [`fmt_num`] with the row's decimals, so it equals the CSV. Layout happens
//! first ([`layout::Pages`] collects drawing operations per page), then the pages are drawn
//! with the page count known for the footer "第 X 页 / 共 Y 页".
//!
//! Text is shaped with rustybuzz over the embedded Noto Sans SC (or `--font`); a character the
//! font lacks is [`ReportError::MissingGlyph`] naming where it occurs, never an empty box.

mod layout;
mod text;
mod trend;

pub use self::trend::trend_to_bytes;

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{Datelike, Timelike};
use krilla::color::rgb;
use krilla::configure::{Accessibility, Archival, ConfigurationBuilder, ValidationError};
use krilla::destination::XyzDestination;
use krilla::error::KrillaError;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::{DateTime, Metadata};
use krilla::num::NormalizedF32;
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke, StrokeDash};
use krilla::tagging::{
    Artifact, ArtifactType, ContentTag, Identifier, Node as TagNode, SpanTag, TableHeaderScope,
    Tag, TagGroup, TagKind, TagTree,
};
use krilla::text::Font;
use krilla::{Data, Document, SerializeSettings};

use self::layout::{
    Bar, Cell, Chart, Kind, Node, Op, Pages, Rgb, Table, CONTENT_W, GREY, INK, MARGIN_X, NODATA_BG,
    OK_BG, PAGE_H, PAGE_W, WARN, WARN_BG,
};
use self::text::Shaper;
use super::issues::{is_listed, table_accounting, totals};
use super::shared::{
    issues_count_in, level_name as level_label, outcome_in as outcome_label, partial_label,
    reason_label, summary_counts,
};
use super::{region_label, Lang, ReportError, ReportMeta, Words, OUTLOOKS};
use crate::audit::movement::Outlook;
use crate::audit::{AuditResult, Row, Status};
use crate::ingest::SkipReason;
use crate::model::Level;
use crate::plan::Measure;

/// Noto Sans SC Regular 2.004 (OFL-1.1, `assets/fonts/OFL.txt`); krilla embeds a subset.
static NOTO_SANS_SC: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-Regular.otf");

/// Data issues listed one by one at most; the rest are counted.
const MAX_ISSUES: usize = 500;

/// PDF options.
#[derive(Debug, Clone, Default)]
pub struct PdfOptions {
    /// A font file and face index instead of the embedded Noto Sans SC.
    pub font: Option<(PathBuf, u32)>,
}

/// Labels the shared word table does not have.
struct Extra {
    document: &'static str,
    issuer: &'static str,
    plan: &'static str,
    by_level: &'static str,
    overview: &'static str,
    kind: &'static str,
    total: &'static str,
    classification: &'static str,
    legend: &'static str,
    not_assessed: &'static str,
    more_issues: &'static str,
    chart_no_data: &'static str,
    required_line: &'static str,
    location: &'static str,
    issues_count: &'static str,
    skipped_detail: &'static str,
    ignored: &'static str,
}

const EXTRA_ZH: Extra = Extra {
    document: "文号",
    issuer: "发文机关",
    plan: "计划",
    by_level: "差距表层级",
    overview: "概况",
    kind: "类型",
    total: "合计",
    classification: "城乡分类",
    legend: "每格：实际 / 要求，分子/分母；差 = 尚缺的组织数、单位数或年数。",
    not_assessed: "未评估",
    more_issues:
        "另有 {n} 项未列出；用 zhibiao inspect 查看全部，或 --rejects FILE.csv 导出被跳过的行。",
    chart_no_data: "无数据",
    required_line: "要求",
    location: "位置",
    issues_count: "共 {n}",
    skipped_detail: "跳过原因",
    ignored: "未读取的表：",
};

const EXTRA_EN: Extra = Extra {
    document: "Document",
    issuer: "Issued by",
    plan: "Plan",
    by_level: "Gap table level",
    overview: "Overview",
    kind: "Kind",
    total: "Total",
    classification: "Urban/rural classification",
    legend: "Each cell: value / required, numerator/denominator; gap = organizations, units or years still missing.",
    not_assessed: "not assessed",
    more_issues: "{n} more entries not listed; run zhibiao inspect for all, or --rejects FILE.csv for the skipped rows.",
    chart_no_data: "No data",
    required_line: "required",
    location: "Location",
    issues_count: "In all: {n}",
    skipped_detail: "Skipped by reason",
    ignored: "Tables passed over: ",
};

fn extra(lang: Lang) -> &'static Extra {
    match lang {
        Lang::Zh => &EXTRA_ZH,
        Lang::En => &EXTRA_EN,
    }
}

/// The last part of a region path ("山西省/晋城市" → "晋城市").
fn short_region(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// A 64-digit hash shown in full when it fits, else as head…tail.
fn hash_text(hash: &str, fits: bool) -> String {
    if fits || hash.chars().count() <= 24 {
        hash.to_string()
    } else {
        let head: String = hash.chars().take(16).collect();
        let tail: String = hash
            .chars()
            .rev()
            .take(8)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("{head}…{tail}")
    }
}

fn status_fill(s: Status) -> Option<Rgb> {
    match s {
        Status::Met => Some(OK_BG),
        Status::Unmet => Some(WARN_BG),
        Status::NoData => Some(NODATA_BG),
        Status::NotDue | Status::NotApplicable | Status::Info | Status::Explained => None,
    }
}

/// Write the PDF report.
pub fn write<W: Write>(
    mut out: W,
    result: &AuditResult,
    meta: &ReportMeta,
    opts: &PdfOptions,
) -> Result<(), ReportError> {
    let bytes = to_bytes(result, meta, opts)?;
    out.write_all(&bytes)?;
    Ok(())
}

/// The PDF report as bytes (validated as PDF/A-2b by krilla).
pub fn to_bytes(
    result: &AuditResult,
    meta: &ReportMeta,
    opts: &PdfOptions,
) -> Result<Vec<u8>, ReportError> {
    let src = FontSource::load(opts)?;
    let shaper = src.shaper()?;
    let pages = lay_out(result, meta, &shaper)?;
    let w = meta.lang.words();
    let doc = DocInfo {
        title: result.plan.title.clone(),
        footer_left: format!(
            "{} · {} · {} {}",
            result.plan.title, result.plan.id, w.as_of, result.as_of
        ),
        description: format!(
            "{} {} · {} {}",
            w.as_of, result.as_of, w.scope, result.scope
        ),
    };
    src.render(&doc, meta, &shaper, pages)
}

/// The font of a report: the embedded Noto Sans SC, or `--font PATH[:INDEX]`.
struct FontSource {
    owned: Option<Arc<Vec<u8>>>,
    index: u32,
    name: String,
}

impl FontSource {
    fn load(opts: &PdfOptions) -> Result<Self, ReportError> {
        match &opts.font {
            Some((path, index)) => {
                let bytes = std::fs::read(path).map_err(|e| ReportError::Font {
                    path: path.display().to_string(),
                    message: e.to_string(),
                })?;
                Ok(FontSource {
                    owned: Some(Arc::new(bytes)),
                    index: *index,
                    name: path.display().to_string(),
                })
            }
            None => Ok(FontSource {
                owned: None,
                index: 0,
                name: "NotoSansSC-Regular.otf (embedded)".to_string(),
            }),
        }
    }

    fn err(&self, message: &str) -> ReportError {
        ReportError::Font {
            path: self.name.clone(),
            message: message.to_string(),
        }
    }

    fn shaper(&self) -> Result<Shaper<'_>, ReportError> {
        let slice: &[u8] = match &self.owned {
            Some(b) => b.as_slice(),
            None => NOTO_SANS_SC,
        };
        Shaper::new(slice, self.index)
            .ok_or_else(|| self.err("not a usable font (or no such face index)"))
    }

    /// Draw the laid-out pages into a validated PDF.
    fn render(
        &self,
        doc: &DocInfo,
        meta: &ReportMeta,
        shaper: &Shaper,
        pages: Pages,
    ) -> Result<Vec<u8>, ReportError> {
        let data: Data = match &self.owned {
            Some(bytes) => Data::from(bytes.clone()),
            None => Data::from(NOTO_SANS_SC),
        };
        let font =
            Font::new(data, self.index).ok_or_else(|| self.err("krilla cannot read this font"))?;
        render(doc, meta, shaper, font, pages).map_err(|e| match e {
            RenderError::Report(e) => e,
            RenderError::Krilla(k) => krilla_error(k, &self.name),
        })
    }
}

/// What the document says about itself: title, footer, description.
struct DocInfo {
    title: String,
    footer_left: String,
    description: String,
}

enum RenderError {
    Report(ReportError),
    Krilla(KrillaError),
}

impl From<ReportError> for RenderError {
    fn from(e: ReportError) -> Self {
        RenderError::Report(e)
    }
}

fn krilla_error(e: KrillaError, font_name: &str) -> ReportError {
    match e {
        KrillaError::Font(_, message) => ReportError::Font {
            path: font_name.to_string(),
            message,
        },
        KrillaError::Validation(errors) => {
            if errors
                .iter()
                .any(|(e, _)| matches!(e, ValidationError::RestrictedLicense(_)))
            {
                return ReportError::Font {
                    path: font_name.to_string(),
                    message: "the font's licence does not allow embedding, which PDF/A requires"
                        .to_string(),
                };
            }
            let list: Vec<String> = errors.iter().map(|(e, _)| format!("{e:?}")).collect();
            ReportError::Other(format!("PDF/A-2b validation failed: {}", list.join("; ")))
        }
        other => ReportError::Other(format!("PDF: {other}")),
    }
}

/// Lay out every section.
fn lay_out<'s, 'f>(
    result: &AuditResult,
    meta: &ReportMeta,
    shaper: &'s Shaper<'f>,
) -> Result<Pages<'s, 'f>, ReportError> {
    let mut p = Pages::new(shaper);
    title_block(&mut p, result, meta)?;
    summary(&mut p, result, meta.lang)?;
    checklist(&mut p, result, meta.lang)?;
    charts(&mut p, result, meta.lang)?;
    gap_table(&mut p, result, meta.lang, meta.hide_no_data)?;
    movement(&mut p, result, meta.lang)?;
    data_issues(&mut p, result, meta.lang)?;
    accounting(&mut p, result, meta.lang)?;
    Ok(p)
}

fn title_block(p: &mut Pages, result: &AuditResult, meta: &ReportMeta) -> Result<(), ReportError> {
    let lang = meta.lang;
    let w = lang.words();
    let x = extra(lang);
    let plan = &result.plan;
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
        (w.as_of, result.as_of.to_string()),
        (w.due, plan.due.to_string()),
        (w.scope, result.scope.clone()),
        (x.by_level, level_label(result.by, lang).to_string()),
        (
            w.generated,
            meta.generated.format("%Y-%m-%d %H:%M:%S").to_string(),
        ),
    ];
    title_block_with(p, plan, facts, meta)
}

/// The plan's title and issuer, `facts` in a key/value grid of three pairs per row, and
/// the input files with their SHA-256.
fn title_block_with(
    p: &mut Pages,
    plan: &crate::plan::PlanMeta,
    facts: Vec<(&str, String)>,
    meta: &ReportMeta,
) -> Result<(), ReportError> {
    let w = meta.lang.words();
    let x = extra(meta.lang);
    let page = p.page_index();
    p.marks.push(layout::Mark {
        title: x.overview.to_string(),
        page,
        y: p.y,
        children: Vec::new(),
    });
    p.paragraph(&plan.title, 18.0, INK, "plan title")?;
    p.gap(4.0);
    let mut doc = plan.issuer.clone();
    if !plan.document.is_empty() {
        doc = format!("{doc}　{}", plan.document);
    }
    p.paragraph(&doc, 11.0, GREY, "plan issuer")?;
    p.gap(8.0);

    let mut rows = Vec::new();
    for chunk in facts.chunks(3) {
        let mut row = Vec::new();
        for (k, v) in chunk {
            row.push(Cell::new(*k).color(GREY).fill(Some(layout::HEAD_BG)));
            row.push(Cell::new(v.clone()).fill(Some(layout::WHITE)));
        }
        while row.len() < 6 {
            row.push(Cell::new(""));
        }
        rows.push(row);
    }
    let kw = 70.0;
    let vw = CONTENT_W / 3.0 - kw;
    let header = rows.remove(0);
    p.table(&Table {
        widths: vec![kw, vw, kw, vw, kw, vw],
        header,
        rows,
        size: 9.0,
        context: "title block".to_string(),
    })?;
    p.gap(6.0);

    // Input files with their SHA-256.
    let size = 8.0;
    let hash_w = CONTENT_W * 0.45;
    let full_fits = meta
        .inputs
        .first()
        .map(|d| p.shaper.width(&d.sha256, size, "SHA-256"))
        .transpose()?
        .is_none_or(|wd| wd + 8.0 <= hash_w);
    let rows = meta
        .inputs
        .iter()
        .map(|d| {
            vec![
                Cell::new(d.path.clone()),
                Cell::new(hash_text(&d.sha256, full_fits)),
            ]
        })
        .collect();
    p.table(&Table {
        widths: vec![CONTENT_W - hash_w, hash_w],
        header: vec![Cell::new(w.inputs), Cell::new("SHA-256")],
        rows,
        size,
        context: w.inputs.to_string(),
    })?;
    Ok(())
}

fn summary(p: &mut Pages, result: &AuditResult, lang: Lang) -> Result<(), ReportError> {
    let w = lang.words();
    let x = extra(lang);
    p.heading(w.summary)?;
    let mut rows = Vec::new();
    for (ti, tr) in result.targets.iter().enumerate() {
        let t = &tr.target;
        let required =
            super::shared::summary_required(result, ti).unwrap_or_else(|| "—".to_string());
        let s = &tr.summary;
        let mut row = vec![
            Cell::new(format!("{}\n{}", super::target_name(t, lang), t.id)),
            Cell::new(if lang == Lang::Zh {
                t.clause.clone()
            } else {
                String::new()
            }),
            Cell::new(level_label(t.level, lang)),
            Cell::new(required).right(),
        ];
        if tr.skipped.is_some() {
            row.push(Cell::new("—").right());
            row.push(Cell::new("—").right());
            row.push(Cell::new("—").right());
            row.push(
                Cell::new(labelled(
                    x.not_assessed,
                    &super::skipped_text(result, tr, lang),
                    lang,
                ))
                .color(GREY),
            );
        } else {
            let c = summary_counts(tr, lang);
            row.push(
                Cell::new(c.met)
                    .right()
                    .fill((!c.info && s.met > 0).then_some(OK_BG)),
            );
            row.push(
                Cell::new(super::unmet_summary_text(tr, lang))
                    .right()
                    .fill((s.unmet > 0).then_some(WARN_BG)),
            );
            let no_data = match &c.missing {
                Some(m) => format!("{}\n{m}", c.no_data),
                None => c.no_data,
            };
            row.push(
                Cell::new(no_data)
                    .right()
                    .fill(c.any_no_data.then_some(NODATA_BG)),
            );
            row.push(Cell::new(s.worst.join(if lang == Lang::Zh {
                "、"
            } else {
                ", "
            })));
        }
        rows.push(row);
    }
    p.table(&Table {
        widths: vec![250.0, 72.0, 40.0, 50.0, 56.0, 44.0, 88.0, CONTENT_W - 600.0],
        header: vec![
            Cell::new(w.target),
            Cell::new(w.clause),
            Cell::new(w.level),
            Cell::new(w.required).right(),
            Cell::new(w.met).right(),
            Cell::new(w.unmet).right(),
            Cell::new(w.no_data).right(),
            Cell::new(w.worst),
        ],
        rows,
        size: 8.0,
        context: w.summary.to_string(),
    })?;
    // Tables not supplied at all, and partial figures (the province from 2 of 11 cities).
    for line in super::table::summary_notes(result, lang) {
        let color = if line.starts_with('⚠') { WARN } else { INK };
        let line = with_marks(p.shaper, &line);
        p.paragraph(&line, 8.5, color, w.summary)?;
    }
    Ok(())
}

/// The checklist's and notes' marks in glyphs the font has: ✓ else √, ✗ else ×, ⚠ else !
/// (Noto Sans SC has ✓ and ⚠ but no ✗; √ and × are in GB 2312, so in any Chinese font).
fn with_marks(shaper: &Shaper, text: &str) -> String {
    let mut out = text.to_string();
    for (mark, fallback) in [('✓', "√"), ('✗', "×"), ('⚠', "!")] {
        if out.contains(mark) && !shaper.has_glyph(mark) {
            out = out.replace(mark, fallback);
        }
    }
    out
}

/// The submission checklist: which table kinds each reporting unit supplied, from which
/// files (numbered in the legend below); ✗ and absent units on the no-data ground.
fn checklist(p: &mut Pages, result: &AuditResult, lang: Lang) -> Result<(), ReportError> {
    let w = lang.words();
    let grid = super::checklist_grid(result, lang);
    if grid.rows.is_empty() {
        return Ok(());
    }
    // Keep the section on one page when it fits on one (heading, note, rows, legend).
    // (Heading 36, note 14, rows of one 8-point line 16.4 each, legend lines 10.4 in two
    // columns.)
    let legend_lines = grid.legend.len().div_ceil(2);
    let est = 60.0 + (grid.rows.len() + 1) as f32 * 16.5 + legend_lines as f32 * 10.5;
    if est < layout::CONTENT_BOTTOM - layout::MARGIN_TOP {
        p.need(est);
    }
    p.heading(w.checklist)?;
    let note = with_marks(p.shaper, w.checklist_note);
    p.paragraph(&note, 8.0, GREY, w.checklist)?;
    p.gap(3.0);
    let size = 8.0;
    let mut unit_w: f32 = 60.0;
    for r in &grid.rows {
        unit_w = unit_w.max(p.shaper.width(&r.unit, size, w.checklist)? + 10.0);
    }
    unit_w = unit_w.max(p.shaper.width(w.reporting_unit, size, w.checklist)? + 10.0);
    let unit_w = unit_w.min(200.0);
    let n = grid.kinds.len().max(1) as f32;
    let kind_w = (CONTENT_W - unit_w) / n;
    let mut widths = vec![unit_w];
    widths.extend(grid.kinds.iter().map(|_| kind_w));
    let mut header = vec![Cell::new(w.reporting_unit)];
    header.extend(grid.kinds.iter().map(|k| Cell::new(k.clone())));
    let rows = grid
        .rows
        .iter()
        .map(|r| {
            let mut cells = vec![Cell::new(r.unit.clone())];
            for k in 0..grid.kinds.len() {
                let supplied = r.present && matches!(r.cells.get(k), Some(Some(_)));
                cells.push(
                    Cell::new(with_marks(p.shaper, &r.cell_text(k)))
                        .fill(Some(if supplied { OK_BG } else { NODATA_BG }))
                        .color(if r.present && !supplied { WARN } else { INK }),
                );
            }
            cells
        })
        .collect();
    p.table(&Table {
        widths,
        header,
        rows,
        size,
        context: w.checklist.to_string(),
    })?;
    legend(p, &grid.legend, w.checklist)
}

/// The numbered legend of the checklist, in two columns (down the first, then the second)
/// when it has more than three entries and fits on the page, else in one.
fn legend(p: &mut Pages, legend: &[(usize, String)], context: &str) -> Result<(), ReportError> {
    let size = 8.0;
    let line_h = size * 1.3;
    let texts: Vec<String> = legend
        .iter()
        .map(|(n, name)| format!("{n}. {name}"))
        .collect();
    let col_gap = 16.0;
    let col_w = (CONTENT_W - col_gap) / 2.0;
    let half = texts.len().div_ceil(2);
    let mut heights = [0.0f32; 2];
    for (i, t) in texts.iter().enumerate() {
        heights[usize::from(i >= half)] +=
            p.shaper.wrap(t, size, col_w, context)?.len() as f32 * line_h;
    }
    let h = heights[0].max(heights[1]);
    p.need(h);
    if texts.len() > 3 && p.y + h <= layout::CONTENT_BOTTOM {
        let top = p.y;
        for (col, chunk) in texts.chunks(half.max(1)).enumerate() {
            p.y = top;
            let x = MARGIN_X + col as f32 * (col_w + col_gap);
            for t in chunk {
                p.paragraph_at(x, col_w, t, size, INK, context)?;
            }
        }
        p.y = top + h;
    } else {
        for t in &texts {
            p.paragraph(t, size, INK, context)?;
        }
    }
    Ok(())
}

/// One bar chart per density or coverage target: each city-level row with a value.
fn charts(p: &mut Pages, result: &AuditResult, lang: Lang) -> Result<(), ReportError> {
    let w = lang.words();
    let x = extra(lang);
    let mut list = Vec::new();
    for (ti, tr) in result.targets.iter().enumerate() {
        let t = &tr.target;
        if tr.skipped.is_some()
            || !matches!(
                t.measure,
                Measure::Density { .. } | Measure::Coverage { .. }
            )
        {
            continue;
        }
        let rows: Vec<&Row> = result
            .rows
            .iter()
            .filter(|r| r.target == ti && r.level == Level::City)
            .collect();
        if rows.is_empty() {
            continue;
        }
        let bars: Vec<Bar> = rows
            .iter()
            .filter_map(|r| {
                r.value.map(|v| Bar {
                    label: short_region(&r.region).to_string(),
                    value: v,
                    value_text: {
                        let mut text = super::human_num(t, v, r.decimals);
                        if let Some(ratio) = super::ratio_text(r) {
                            text.push_str(&format!(" ({ratio})"));
                        }
                        match partial_label(r, lang) {
                            Some(p) => parenthesized(&text, &p, lang),
                            None => text,
                        }
                    },
                    met: r.status == Status::Met,
                })
            })
            .collect();
        // Regions without a bar: no data, or not applicable (no units of the kind).
        let without = |status: Status| -> Vec<&str> {
            rows.iter()
                .filter(|r| r.value.is_none() && r.status == status)
                .map(|r| short_region(&r.region))
                .collect()
        };
        let no_data = without(Status::NoData);
        let not_applicable = without(Status::NotApplicable);
        let req_row = rows.iter().find(|r| r.required.is_some());
        let required = req_row.and_then(|r| r.required);
        let required_text = req_row
            .and_then(|r| r.required.map(|q| super::human_num(t, q, r.decimals)))
            .map(|q| format!("{} {q}", x.required_line))
            .unwrap_or_default();
        let sep = if lang == Lang::Zh { "、" } else { ", " };
        let mut notes = Vec::new();
        if !no_data.is_empty() {
            notes.push(labelled(x.chart_no_data, &no_data.join(sep), lang));
        }
        if !not_applicable.is_empty() {
            notes.push(labelled(
                lang.status(Status::NotApplicable),
                &not_applicable.join(sep),
                lang,
            ));
        }
        let note = notes.join(if lang == Lang::Zh { "；" } else { "; " });
        list.push(Chart {
            title: format!("{}　{}", super::target_name(t, lang), t.id),
            bars,
            required,
            required_text,
            note,
        });
    }
    if list.is_empty() {
        return Ok(());
    }
    p.heading(w.charts)?;
    // Two charts side by side.
    let col_gap = 24.0;
    let col_w = (CONTENT_W - col_gap) / 2.0;
    for pair in list.chunks(2) {
        let mut h: f32 = 0.0;
        for c in pair {
            h = h.max(p.chart_height(c, col_w)?);
        }
        p.need(h);
        let top = p.y;
        for (i, c) in pair.iter().enumerate() {
            let title = c.title.split('　').next().unwrap_or_default().to_string();
            p.sub_mark(&title);
            p.open(Kind::Figure(chart_alt(c, lang)));
            p.chart(c, MARGIN_X + i as f32 * (col_w + col_gap), top, col_w)?;
            p.close();
        }
        p.y = top + h;
    }
    Ok(())
}

/// A chart's alternative text: its title, every bar's region and value, the required
/// value and the note ("城市社区组织密度：阳泉市 10.31，晋城市 8.01；要求 10.00").
fn chart_alt(c: &Chart, lang: Lang) -> String {
    let (colon, sep, semi) = match lang {
        Lang::Zh => ("：", "，", "；"),
        Lang::En => (": ", ", ", "; "),
    };
    let bars: Vec<String> = c
        .bars
        .iter()
        .map(|b| format!("{} {}", b.label, b.value_text))
        .collect();
    let mut alt = format!("{}{colon}{}", c.title.replace('　', " "), bars.join(sep));
    for extra in [&c.required_text, &c.note] {
        if !extra.is_empty() {
            alt.push_str(semi);
            alt.push_str(extra);
        }
    }
    alt
}

/// The per-region gap table at the `--by` level, in column groups that fit the page.
fn gap_table(
    p: &mut Pages,
    result: &AuditResult,
    lang: Lang,
    hide_no_data: bool,
) -> Result<(), ReportError> {
    let w = lang.words();
    let x = extra(lang);
    let level = result.by;
    let (cols, regions) = super::gap_layout(result);
    let (regions, hidden) = super::table::shown_regions(result, &cols, regions, hide_no_data);
    let title = parenthesized(w.gaps, level_label(level, lang), lang);
    p.heading(&title)?;
    p.paragraph(x.legend, 8.0, GREY, x.legend)?;
    if hidden > 0 {
        let note = w.hidden_no_data.replace("{n}", &hidden.to_string());
        p.paragraph(&note, 8.0, GREY, x.legend)?;
    }
    p.gap(4.0);
    if cols.is_empty() || regions.is_empty() {
        return p.paragraph("—", 9.0, GREY, &title);
    }
    let size = 7.5;
    // The cells of every column, and the width each needs.
    let cell_of = |ti: usize, region: &str| -> Cell {
        match result.row_at(ti, region) {
            Some(r) => Cell::new(super::gap_cell_text(result, r, lang))
                .right()
                .fill(status_fill(r.status))
                .color(
                    if r.status == Status::Unmet && !super::is_warning(result, r) {
                        WARN
                    } else {
                        INK
                    },
                ),
            None => Cell::new("—").right(),
        }
    };
    let labels: Vec<String> = regions.iter().map(|r| region_label(r)).collect();
    let mut region_w: f32 = 50.0;
    for l in &labels {
        region_w = region_w.max(p.shaper.width(l, size, &title)? + 8.0);
    }
    let region_w = region_w.min(180.0);
    let mut widths = Vec::new();
    for &ti in &cols {
        let mut need: f32 = 0.0;
        for region in &regions {
            for line in gap_cell_lines(result, ti, region, lang) {
                need = need.max(p.shaper.width(&line, size, &title)?);
            }
        }
        let name = super::target_name(&result.targets[ti].target, lang);
        let name_w = p.shaper.width(name, size, &title)?;
        widths.push((need.max(name_w.min(80.0)) + 8.0).clamp(40.0, 140.0));
    }
    let groups = column_groups(region_w, &widths, CONTENT_W);
    let n_groups = groups.len();
    for (gi, g) in groups.iter().enumerate() {
        if n_groups > 1 {
            let names: Vec<&str> = g
                .iter()
                .map(|&i| super::target_name(&result.targets[cols[i]].target, lang))
                .collect();
            p.need(60.0);
            p.paragraph(
                &format!(
                    "({}/{n_groups}) {}",
                    gi + 1,
                    names.join(if lang == Lang::Zh { "、" } else { ", " })
                ),
                8.0,
                GREY,
                &title,
            )?;
        }
        // Spread the spare width over the group's columns.
        let natural: f32 = g.iter().map(|&i| widths[i]).sum();
        let extra_w = ((CONTENT_W - region_w - natural) / g.len() as f32).clamp(0.0, 40.0);
        let mut ws = vec![region_w];
        ws.extend(g.iter().map(|&i| widths[i] + extra_w));
        let mut header = vec![Cell::new(parenthesized(
            w.region,
            level_label(level, lang),
            lang,
        ))];
        header.extend(g.iter().map(|&i| {
            Cell::new(super::target_name(&result.targets[cols[i]].target, lang)).right()
        }));
        let rows = regions
            .iter()
            .zip(&labels)
            .map(|(region, label)| {
                let mut cells = vec![Cell::new(label.clone())];
                cells.extend(g.iter().map(|&i| cell_of(cols[i], region)));
                cells
            })
            .collect();
        p.table(&Table {
            widths: ws,
            header,
            rows,
            size,
            context: title.clone(),
        })?;
        p.gap(4.0);
    }
    Ok(())
}

/// "标题（内容）" / "Title (content)".
fn parenthesized(head: &str, inner: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("{head}（{inner}）"),
        Lang::En => format!("{head} ({inner})"),
    }
}

/// "标签：内容" / "Label: content".
/// One line per status (no data, not applicable) naming the regions without a figure, as
/// the movement section and the trend report list them below their tables.
fn absent_notes(
    p: &mut Pages,
    rows: &[&crate::audit::Row],
    lang: Lang,
    context: &str,
) -> Result<(), ReportError> {
    let sep = if lang == Lang::Zh { "、" } else { ", " };
    for status in [Status::NoData, Status::NotApplicable] {
        let names: Vec<&str> = rows
            .iter()
            .filter(|r| r.status == status)
            .map(|r| short_region(&r.region))
            .collect();
        if !names.is_empty() {
            p.paragraph(
                &labelled(lang.status(status), &names.join(sep), lang),
                7.5,
                GREY,
                context,
            )?;
        }
    }
    Ok(())
}

fn labelled(label: &str, text: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("{label}：{text}"),
        Lang::En => format!("{label}: {text}"),
    }
}

/// Background of an outlook cell: met and on track green, behind and stalled red.
fn outlook_fill(o: Option<Outlook>) -> Option<Rgb> {
    match o {
        Some(Outlook::Met | Outlook::OnTrack) => Some(OK_BG),
        Some(Outlook::Behind | Outlook::Stalled) => Some(WARN_BG),
        Some(Outlook::NoData) => Some(NODATA_BG),
        None => None,
    }
}

/// The outlook counts of the targets, one row each (the movement and trend reports).
fn outlook_counts_table(
    p: &mut Pages,
    rows: Vec<(String, Level, [usize; 5])>,
    lang: Lang,
    context: &str,
) -> Result<(), ReportError> {
    let w = lang.words();
    let rows = rows
        .into_iter()
        .map(|(id, level, counts)| {
            let mut cells = vec![Cell::new(id), Cell::new(level_label(level, lang))];
            for (i, n) in counts.iter().enumerate() {
                let fill = (*n > 0)
                    .then(|| outlook_fill(OUTLOOKS.get(i).copied()))
                    .flatten();
                cells.push(Cell::new(n.to_string()).right().fill(fill));
            }
            cells
        })
        .collect();
    let mut header = vec![Cell::new(w.target), Cell::new(w.level)];
    header.extend(w.outlooks.iter().map(|o| Cell::new(*o).right()));
    let first = CONTENT_W - 60.0 - 5.0 * 80.0;
    p.table(&Table {
        widths: vec![first, 60.0, 80.0, 80.0, 80.0, 80.0, 80.0],
        header,
        rows,
        size: 8.0,
        context: context.to_string(),
    })
}

/// The movement since the baseline (only with `--baseline`): the outlook counts of every
/// target, then per target its regions ranked by change, with the pace needed and
/// achieved, the projected date and the outlook.
fn movement(p: &mut Pages, result: &AuditResult, lang: Lang) -> Result<(), ReportError> {
    let targets = super::movement_targets(result);
    let Some(base) = result.baseline_as_of else {
        return Ok(());
    };
    if targets.is_empty() {
        return Ok(());
    }
    let w = lang.words();
    let title = parenthesized(w.movement, &format!("{base} → {}", result.as_of), lang);
    p.heading(&title)?;
    p.paragraph(&super::movement_note(result, lang), 8.0, GREY, &title)?;
    p.gap(4.0);
    let counts = targets
        .iter()
        .filter(|m| m.counted() > 0)
        .map(|m| {
            let t = &result.targets[m.target].target;
            (format!("{}　{}", t.id, t.text), m.level, m.counts)
        })
        .collect();
    outlook_counts_table(p, counts, lang, &title)?;
    let size = 7.5;
    for m in &targets {
        let t = &result.targets[m.target].target;
        let caption = format!("{}　{}", t.id, t.text);
        // Keep the caption with the header and the first rows.
        p.need(9.0 * 1.3 * 2.0 + 3.0 * 16.0 + 4.0);
        p.gap(4.0);
        p.sub_mark(&t.id);
        p.paragraph(&caption, 9.0, INK, &caption)?;
        if !m.ranked.is_empty() {
            let mut region_w: f32 = 60.0;
            for r in &m.ranked {
                region_w =
                    region_w.max(p.shaper.width(&region_label(&r.region), size, &caption)? + 8.0);
            }
            let fixed = [58.0, 58.0, 48.0, 56.0, 56.0, 44.0, 62.0, 62.0, 62.0, 58.0];
            let region_w = region_w.min(CONTENT_W - fixed.iter().sum::<f32>());
            // Spread the spare width over the columns (up to 16 points each).
            let spare = CONTENT_W - region_w - fixed.iter().sum::<f32>();
            let extra_w = (spare / 11.0).clamp(0.0, 16.0);
            let mut widths = vec![region_w + extra_w];
            widths.extend(fixed.iter().map(|f| f + extra_w));
            let header = vec![
                Cell::new(parenthesized(w.region, level_label(m.level, lang), lang)),
                Cell::new(format!("{}\n{base}", w.baseline)).right(),
                Cell::new(format!("{}\n{}", w.current, result.as_of)).right(),
                Cell::new(w.required).right(),
                Cell::new(w.change).right(),
                Cell::new(w.change_count).right(),
                Cell::new(w.gap).right(),
                Cell::new(w.pace_needed).right(),
                Cell::new(w.pace_actual).right(),
                Cell::new(w.projected).right(),
                Cell::new(w.outlook),
            ];
            let rows = m
                .ranked
                .iter()
                .map(|r| {
                    let d = super::movement_display(r, lang);
                    let outlook = r.movement.as_ref().and_then(|m| m.outlook);
                    let mut cells = vec![Cell::new(region_label(&r.region))];
                    for (i, text) in d.iter().enumerate() {
                        let cell = Cell::new(with_marks(p.shaper, text));
                        cells.push(match i {
                            1 => cell.right().fill(status_fill(r.status)),
                            3 if text.starts_with('▼') => cell.right().color(WARN),
                            9 => cell.fill(outlook_fill(outlook)),
                            _ => cell.right(),
                        });
                    }
                    cells
                })
                .collect();
            p.table(&Table {
                widths,
                header,
                rows,
                size,
                context: caption.clone(),
            })?;
        }
        // Regions with no figure at either date, by status.
        absent_notes(p, &m.absent, lang, &caption)?;
        p.gap(6.0);
    }
    Ok(())
}

/// Split columns of `widths` into consecutive groups that fit `avail` next to the region
/// column: as few groups as fit, balanced so that the widest group is as narrow as it can
/// be (thirteen columns in two groups are 7 + 6, never 12 + 1). A column wider than the
/// rest of the page gets a group of its own.
fn column_groups(region_w: f32, widths: &[f32], avail: f32) -> Vec<Vec<usize>> {
    let greedy = greedy_groups(region_w, widths, avail);
    let k = greedy.len();
    if k <= 1 || widths.len() > 200 {
        return greedy;
    }
    let wide: Vec<f64> = widths.iter().map(|&w| f64::from(w)).collect();
    match super::layout::balanced_groups(&wide, k) {
        Some((groups, widest)) if widest + f64::from(region_w) <= f64::from(avail) + 0.01 => groups,
        _ => greedy,
    }
}

/// Columns packed greedily into groups that fit `avail` next to the region column.
fn greedy_groups(region_w: f32, widths: &[f32], avail: f32) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut used = region_w;
    for (i, w) in widths.iter().enumerate() {
        match groups.last_mut() {
            Some(g) if used + w <= avail => {
                g.push(i);
                used += w;
            }
            _ => {
                groups.push(vec![i]);
                used = region_w + w;
            }
        }
    }
    groups
}

fn gap_cell_lines(result: &AuditResult, ti: usize, region: &str, lang: Lang) -> Vec<String> {
    result
        .row_at(ti, region)
        .map(|r| {
            super::gap_cell_text(result, r, lang)
                .lines()
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn data_issues(p: &mut Pages, result: &AuditResult, lang: Lang) -> Result<(), ReportError> {
    let w = lang.words();
    let x = extra(lang);
    p.heading(w.issues)?;
    let listed = result.issues.iter().filter(|i| is_listed(i)).count();
    // Identical issues of a table are one entry with their count and first rows.
    let groups = super::issues::grouped_in(result);
    p.paragraph(
        &x.issues_count
            .replace("{n}", &issues_count_in(listed, groups.len(), lang)),
        9.0,
        INK,
        w.issues,
    )?;
    p.gap(3.0);
    if groups.is_empty() {
        return Ok(());
    }
    let rows = groups
        .iter()
        .take(MAX_ISSUES)
        .map(|g| {
            vec![
                Cell::new(g.location_in(&result.tables, lang)),
                Cell::new(super::issues::group_text(result, g, lang)),
                Cell::new(outcome_label(g.issue.outcome, lang)),
            ]
        })
        .collect();
    p.table(&Table {
        widths: vec![230.0, CONTENT_W - 230.0 - 130.0, 130.0],
        header: vec![
            Cell::new(x.location),
            Cell::new(w.message),
            Cell::new(w.outcome),
        ],
        rows,
        size: 7.5,
        context: w.issues.to_string(),
    })?;
    if groups.len() > MAX_ISSUES {
        p.paragraph(
            &x.more_issues
                .replace("{n}", &(groups.len() - MAX_ISSUES).to_string()),
            8.0,
            GREY,
            w.issues,
        )?;
    }
    Ok(())
}

fn accounting(p: &mut Pages, result: &AuditResult, lang: Lang) -> Result<(), ReportError> {
    let w = lang.words();
    let x = extra(lang);
    p.heading(w.accounting)?;
    let skipped_text = |skipped: &mut dyn Iterator<Item = (SkipReason, u64)>| -> String {
        skipped
            .filter(|(_, n)| *n > 0)
            .map(|(r, n)| format!("{} {n}", reason_label(r, lang)))
            .collect::<Vec<_>>()
            .join(if lang == Lang::Zh { "，" } else { ", " })
    };
    let mut rows = Vec::new();
    for t in &result.tables {
        let skipped: u64 = t.skipped.values().map(|n| u64::from(*n)).sum();
        let kind = match lang {
            Lang::Zh => t.kind.zh().to_string(),
            Lang::En => format!("{:?}", t.kind).to_lowercase(),
        };
        let balanced = u64::from(t.rows_read) == u64::from(t.used) + skipped;
        rows.push(vec![
            Cell::new(t.display_name()),
            Cell::new(kind),
            Cell::new(t.rows_read.to_string()).right(),
            Cell::new(t.used.to_string()).right(),
            Cell::new(skipped.to_string()).right(),
            Cell::new(skipped_text(
                &mut t.skipped.iter().map(|(r, n)| (*r, u64::from(*n))),
            ))
            .fill((!balanced).then_some(WARN_BG)),
        ]);
    }
    let (read, used, skipped) = totals(&result.tables);
    let skipped_total: u64 = skipped.values().sum();
    rows.push(vec![
        Cell::new(x.total).fill(Some(layout::HEAD_BG)),
        Cell::new("").fill(Some(layout::HEAD_BG)),
        Cell::new(read.to_string())
            .right()
            .fill(Some(layout::HEAD_BG)),
        Cell::new(used.to_string())
            .right()
            .fill(Some(layout::HEAD_BG)),
        Cell::new(skipped_total.to_string())
            .right()
            .fill(Some(layout::HEAD_BG)),
        Cell::new(skipped_text(&mut skipped.iter().map(|(r, n)| (*r, *n))))
            .fill(Some(layout::HEAD_BG)),
    ]);
    p.table(&Table {
        widths: vec![300.0, 80.0, 55.0, 55.0, 55.0, CONTENT_W - 545.0],
        header: vec![
            Cell::new(w.file),
            Cell::new(x.kind),
            Cell::new(w.read).right(),
            Cell::new(w.used).right(),
            Cell::new(w.skipped).right(),
            Cell::new(x.skipped_detail),
        ],
        rows,
        size: 8.0,
        context: w.accounting.to_string(),
    })?;
    // The per-table balance lines (Chinese wording of the shared helper).
    if lang == Lang::Zh {
        for t in &result.tables {
            if u64::from(t.rows_read)
                != u64::from(t.used) + t.skipped.values().map(|n| u64::from(*n)).sum::<u64>()
            {
                p.paragraph(
                    &format!(
                        "{}：{}",
                        t.display_name(),
                        table_accounting(t).replace('⚠', "!")
                    ),
                    8.0,
                    WARN,
                    w.accounting,
                )?;
            }
        }
    }
    let class = super::issues::classification_line(&result.classification, lang);
    p.gap(2.0);
    p.paragraph(&class, 8.0, INK, x.classification)?;
    if !result.ignored.is_empty() {
        p.paragraph(
            &format!("{}{}", x.ignored, result.ignored.join("; ")),
            8.0,
            GREY,
            w.inputs,
        )?;
    }
    Ok(())
}

fn color(c: Rgb) -> rgb::Color {
    rgb::Color::new(c.0, c.1, c.2)
}

fn fill(c: Rgb) -> Fill {
    Fill {
        paint: color(c).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

/// A circle as four cubic Béziers.
fn circle_path(x: f32, y: f32, r: f32) -> Option<krilla::geom::Path> {
    // The control-point distance that makes a quarter circle: 4/3 · (√2 − 1).
    let k = 0.552_284_8 * r;
    let mut pb = PathBuilder::new();
    pb.move_to(x + r, y);
    pb.cubic_to(x + r, y + k, x + k, y + r, x, y + r);
    pb.cubic_to(x - k, y + r, x - r, y + k, x - r, y);
    pb.cubic_to(x - r, y - k, x - k, y - r, x, y - r);
    pb.cubic_to(x + k, y - r, x + r, y - k, x + r, y);
    pb.close();
    pb.finish()
}

/// A node of the layout's structure tree as krilla's tag tree (`None` for an element left
/// without content).
fn tag_node(node: &Node, ids: &mut [Option<Identifier>]) -> Option<TagNode> {
    match node {
        Node::Leaf(id) => ids.get_mut(*id)?.take().map(TagNode::from),
        Node::Group(kind, children) => {
            let children: Vec<TagNode> = children.iter().filter_map(|c| tag_node(c, ids)).collect();
            if children.is_empty() {
                return None;
            }
            let tag: TagKind = match kind {
                Kind::Heading(title) => {
                    Tag::Hn(std::num::NonZeroU16::MIN, Some(title.clone())).into()
                }
                Kind::P => Tag::P.into(),
                Kind::Table => Tag::Table.into(),
                Kind::THead => Tag::THead.into(),
                Kind::TBody => Tag::TBody.into(),
                Kind::TR => Tag::TR.into(),
                Kind::TH => Tag::TH(TableHeaderScope::Column).into(),
                Kind::TD => Tag::TD.into(),
                Kind::Figure(alt) => Tag::Figure(Some(alt.clone())).into(),
            };
            Some(TagGroup::with_children(tag, children).into())
        }
    }
}

/// Draw the laid-out pages, footers, outline and metadata; krilla validates PDF/A-2a and
/// PDF/UA-1 (a tagged PDF: headings, tables, figures with alternative text).
fn render(
    doc: &DocInfo,
    meta: &ReportMeta,
    shaper: &Shaper,
    font: Font,
    pages: Pages,
) -> Result<Vec<u8>, RenderError> {
    let lang = meta.lang;
    let w: &Words = lang.words();
    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(Archival::A2_A)
        .with_accessibility_validator(Accessibility::UA1)
        .finish()
        .map_err(|e| ReportError::Other(format!("PDF/A configuration: {e:?}")))?;
    let settings = SerializeSettings {
        configuration,
        enable_tagging: true,
        ..SerializeSettings::default()
    };
    let mut document = Document::new_with(settings);
    let total = pages.pages.len();
    let footer_left = shaper.shape(&doc.footer_left, "footer")?;
    // The marked content of every leaf of the structure tree, by leaf id.
    let mut ids: Vec<Option<Identifier>> = vec![None; pages.leaves];
    for (i, ops) in pages.pages.iter().enumerate() {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
            .ok_or_else(|| ReportError::Other("page size".into()))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        for op in ops {
            match op {
                Op::Begin { id, text } => {
                    let tag = if *text {
                        ContentTag::Span(SpanTag::empty())
                    } else {
                        ContentTag::Other
                    };
                    let identifier = surface.start_tagged(tag);
                    if let Some(slot) = ids.get_mut(*id) {
                        *slot = Some(identifier);
                    }
                }
                Op::Artifact => {
                    surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(
                        ArtifactType::Layout,
                    )));
                }
                Op::End => surface.end_tagged(),
                Op::Text {
                    x,
                    y,
                    size,
                    line,
                    color: c,
                } => {
                    surface.set_stroke(None);
                    surface.set_fill(Some(fill(*c)));
                    surface.draw_glyphs(
                        Point::from_xy(*x, *y),
                        &line.glyphs,
                        font.clone(),
                        &line.text,
                        *size,
                        false,
                    );
                }
                Op::Rect {
                    x,
                    y,
                    w,
                    h,
                    fill: c,
                } => {
                    if let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) {
                        let mut pb = PathBuilder::new();
                        pb.push_rect(rect);
                        if let Some(path) = pb.finish() {
                            surface.set_stroke(None);
                            surface.set_fill(Some(fill(*c)));
                            surface.draw_path(&path);
                        }
                    }
                }
                Op::Polyline {
                    points,
                    width,
                    color: c,
                } => {
                    let mut pb = PathBuilder::new();
                    for (i, (x, y)) in points.iter().enumerate() {
                        if i == 0 {
                            pb.move_to(*x, *y);
                        } else {
                            pb.line_to(*x, *y);
                        }
                    }
                    if let Some(path) = pb.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke {
                            paint: color(*c).into(),
                            width: *width,
                            line_join: krilla::paint::LineJoin::Round,
                            line_cap: krilla::paint::LineCap::Round,
                            ..Stroke::default()
                        }));
                        surface.draw_path(&path);
                    }
                }
                Op::Circle { x, y, r, fill: c } => {
                    if let Some(path) = circle_path(*x, *y, *r) {
                        surface.set_stroke(None);
                        surface.set_fill(Some(fill(*c)));
                        surface.draw_path(&path);
                    }
                }
                Op::Stroke {
                    x1,
                    y1,
                    x2,
                    y2,
                    width,
                    color: c,
                    dashed,
                } => {
                    let mut pb = PathBuilder::new();
                    pb.move_to(*x1, *y1);
                    pb.line_to(*x2, *y2);
                    if let Some(path) = pb.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke {
                            paint: color(*c).into(),
                            width: *width,
                            dash: dashed.then(|| StrokeDash {
                                array: vec![3.0, 2.0],
                                offset: 0.0,
                            }),
                            ..Stroke::default()
                        }));
                        surface.draw_path(&path);
                    }
                }
            }
        }
        // Footer (a pagination artifact).
        surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(
            ArtifactType::PaginationOther,
        )));
        let size = 7.5;
        let y = PAGE_H - 22.0;
        surface.set_stroke(None);
        surface.set_fill(Some(fill(GREY)));
        let num = format!("{}{}{}{}{}", w.page.0, i + 1, w.page.1, total, w.page.2);
        let num = shaper.shape(&num, "footer")?;
        let num_x = PAGE_W - MARGIN_X - num.width(size);
        let max_left = num_x - MARGIN_X - 20.0;
        if footer_left.width(size) <= max_left {
            surface.draw_glyphs(
                Point::from_xy(MARGIN_X, y),
                &footer_left.glyphs,
                font.clone(),
                &footer_left.text,
                size,
                false,
            );
        }
        surface.draw_glyphs(
            Point::from_xy(num_x, y),
            &num.glyphs,
            font.clone(),
            &num.text,
            size,
            false,
        );
        surface.end_tagged();
        surface.finish();
        page.finish();
    }
    let mut tree = TagTree::new();
    for node in &pages.tree {
        if let Some(n) = tag_node(node, &mut ids) {
            tree.push(n);
        }
    }
    document.set_tag_tree(tree);

    // Outline: one entry per section.
    let mut outline = Outline::new();
    for m in &pages.marks {
        let mut node = OutlineNode::new(
            m.title.clone(),
            XyzDestination::new(m.page, Point::from_xy(0.0, (m.y - 10.0).max(0.0))),
        );
        for (title, page, y) in &m.children {
            node.push_child(OutlineNode::new(
                title.clone(),
                XyzDestination::new(*page, Point::from_xy(0.0, (y - 10.0).max(0.0))),
            ));
        }
        outline.push_child(node);
    }
    document.set_outline(outline);

    let g = meta.generated;
    let date = DateTime::new(u16::try_from(g.year()).unwrap_or(2000))
        .month(g.month() as u8)
        .day(g.day() as u8)
        .hour(g.hour() as u8)
        .minute(g.minute() as u8)
        .second(g.second() as u8);
    let metadata = Metadata::new()
        .title(doc.title.clone())
        .description(doc.description.clone())
        .language(match lang {
            Lang::Zh => "zh-CN".to_string(),
            Lang::En => "en".to_string(),
        })
        .creator(format!("zhibiao {}", env!("CARGO_PKG_VERSION")))
        .creation_date(date);
    document.set_metadata(metadata);
    document.finish().map_err(RenderError::Krilla)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_shorten_only_when_needed() {
        let h = "a".repeat(64);
        assert_eq!(hash_text(&h, true), h);
        let s = hash_text(&h, false);
        assert!(s.starts_with("aaaaaaaaaaaaaaaa…") && s.chars().count() == 25);
    }

    #[test]
    fn thirteen_columns_split_into_groups() {
        let widths = [70.0; 13];
        let groups = column_groups(80.0, &widths, CONTENT_W);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups.concat(), (0..13).collect::<Vec<_>>());
        for g in &groups {
            assert!(80.0 + g.len() as f32 * 70.0 <= CONTENT_W);
        }
        // Balanced: 6 + 7 (the widest group as narrow as can be), not 9 + 4 (greedy).
        let sizes: Vec<usize> = groups.iter().map(Vec::len).collect();
        assert!(sizes == [6, 7] || sizes == [7, 6], "{sizes:?}");
        // Eleven columns of which ten fit: 5 + 6 or 6 + 5, no lone column.
        let groups = column_groups(80.0, &[72.0; 11], 80.0 + 72.0 * 10.0);
        let sizes: Vec<usize> = groups.iter().map(Vec::len).collect();
        assert!(sizes == [5, 6] || sizes == [6, 5], "{sizes:?}");
        assert_eq!(column_groups(80.0, &[70.0; 3], CONTENT_W).len(), 1);
        assert_eq!(
            column_groups(80.0, &[900.0, 10.0], CONTENT_W),
            vec![vec![0], vec![1]]
        );
    }

    #[test]
    fn movement_and_trend_pdfs_of_the_sample() {
        let Some(base) = super::super::html::sample::result() else {
            panic!("sample result")
        };
        let mut cur = base.clone();
        crate::audit::movement::apply_baseline(&mut cur, &base);
        let meta = super::super::html::sample::meta(Lang::En);
        let opts = PdfOptions::default();
        for bytes in [
            to_bytes(&cur, &meta, &opts),
            trend_to_bytes(&[base, cur], &meta, &opts),
        ] {
            match bytes {
                Ok(b) => assert!(b.starts_with(b"%PDF-")),
                Err(e) => panic!("{e}"),
            }
        }
        assert!(trend_to_bytes(&[], &meta, &opts).is_err());
    }

    #[test]
    fn region_labels() {
        assert_eq!(region_label("山西省/晋城市"), "晋城市");
        assert_eq!(region_label("山西省"), "山西省");
        assert_eq!(short_region("陕西省/西安市/鄠邑区"), "鄠邑区");
    }
}
