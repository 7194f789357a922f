//! Helpers shared by several report formats: escaping, words picked by language, the
//! summary's count cells and required value, outcomes and accounting lines. (The gap-cell
//! text itself is [`super::gap_cell_text`].)

use super::Lang;
use crate::audit::{AuditResult, Detail, Row};
use crate::ingest::{Outcome, SkipReason};
use crate::model::Level;

/// Escape text for HTML and XML content and attribute values.
pub(crate) fn esc(s: &str) -> String {
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

/// The unmet count of a summary with the not-yet-due and explained rows beside it:
/// "1（另 2 未到期，1 已说明）" / "1 (+2 not yet due, 1 explained)".
pub(crate) fn unmet_text(s: &crate::audit::Summary, lang: Lang) -> String {
    let mut extra = Vec::new();
    if s.not_due > 0 {
        extra.push(match lang {
            Lang::Zh => format!("{} 未到期", s.not_due),
            Lang::En => format!("{} not yet due", s.not_due),
        });
    }
    if s.explained > 0 {
        extra.push(match lang {
            Lang::Zh => format!("{} 已说明", s.explained),
            Lang::En => format!("{} explained", s.explained),
        });
    }
    match (extra.is_empty(), lang) {
        (true, _) => s.unmet.to_string(),
        (false, Lang::Zh) => format!("{}（另 {}）", s.unmet, extra.join("，")),
        (false, Lang::En) => format!("{} (+{})", s.unmet, extra.join(", ")),
    }
}

/// The summary counts of target `tr` in `lang`.
pub(crate) fn summary_counts(tr: &crate::audit::TargetResult, lang: Lang) -> SummaryCounts {
    let s = &tr.summary;
    let info =
        s.met + s.unmet + s.not_due + s.explained + s.no_data + s.not_applicable + s.units_no_data
            == 0;
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
        unmet: unmet_text(s, lang),
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

/// The required value of a target as the summary shows it (from its first assessed row).
pub(crate) fn summary_required(result: &AuditResult, ti: usize) -> Option<String> {
    result
        .rows
        .iter()
        .find(|r| r.target == ti && r.assessed)
        .and_then(|r| {
            let t = &result.targets.get(ti)?.target;
            r.required.map(|q| super::human_num(t, q, r.decimals))
        })
}

/// What happened to an issue's row, in the report's language.
pub(crate) fn outcome_in(o: Outcome, lang: Lang) -> String {
    match (lang, o) {
        (Lang::Zh, o) => super::issues::outcome_zh(o),
        (Lang::En, Outcome::Skipped(r)) => format!("skipped ({})", reason_label(r, lang)),
        (Lang::En, Outcome::Counted) => "counted".to_string(),
    }
}

/// What the reports say after a row's figure, in the report's language: the tables not
/// supplied ("未提供 活动 表"), then its details ("缺 2021、2022" / "missing 2021, 2022"),
/// joined by "；" / "; ". Empty when there is nothing to say.
pub(crate) fn detail_text(row: &Row, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    let list = |items: &[String]| items.join(if zh { "、" } else { ", " });
    let missing = (!row.missing.is_empty()).then(|| super::missing_tables_text(&row.missing, lang));
    let parts: Vec<String> = missing
        .into_iter()
        .chain(row.detail.iter().map(|d| {
            match d {
                Detail::NoEligibleUnits => {
                    pick(lang, "没有符合条件的单位", "no eligible units").into()
                }
                Detail::Ratio(n, u) => format!("{n}/{u}"),
                Detail::NoEndedYear => {
                    pick(lang, "尚无已结束的年度", "no plan year has ended yet").into()
                }
                Detail::MissingYears(ys) => {
                    let ys: Vec<String> = ys.iter().map(ToString::to_string).collect();
                    match lang {
                        Lang::Zh => format!("缺 {}", list(&ys)),
                        Lang::En => format!("missing {}", list(&ys)),
                    }
                }
                Detail::UnitNotInData => {
                    pick(lang, "数据中没有该市", "the city is not in the data").into()
                }
                Detail::NotInThisSnapshot => pick(
                    lang,
                    "本期数据中没有该地区",
                    "the region is not in this snapshot's data",
                )
                .into(),
                Detail::UnitNotConfigured => pick(
                    lang,
                    "未配置：用 --units 提供街道名单",
                    "not configured: give its streets with --units",
                )
                .into(),
                Detail::PlacesNotInData(places) => match lang {
                    Lang::Zh => format!("数据中没有：{}", list(places)),
                    Lang::En => format!("not in the data: {}", list(places)),
                },
                Detail::SomePlacesNotInData(places) => match lang {
                    Lang::Zh => format!("部分地方不在数据中：{}（按其余地方计算）", list(places)),
                    Lang::En => format!(
                        "not in the data: {} (the figure is of the other places)",
                        list(places)
                    ),
                },
            }
        }))
        .collect();
    parts.join(if zh { "；" } else { "; " })
}

/// Why a row was skipped, in the report's language ("地点不在社区名单" / "unmatched
/// place"). The rejects file and CSV/JSON keep the codes of [`SkipReason::as_str`].
pub(crate) fn reason_label(r: SkipReason, lang: Lang) -> &'static str {
    match (lang, r) {
        (Lang::Zh, r) => r.zh(),
        (Lang::En, SkipReason::Blank) => "blank row",
        (Lang::En, SkipReason::Total) => "totals row",
        (Lang::En, SkipReason::Note) => "note row",
        (Lang::En, SkipReason::Duplicate) => "duplicate",
        (Lang::En, SkipReason::UnmatchedPlace) => "place not in the community list",
        (Lang::En, SkipReason::AmbiguousPlace) => "ambiguous place",
        (Lang::En, SkipReason::InvalidValue) => "invalid value",
        (Lang::En, SkipReason::OutOfScope) => "out of scope",
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
