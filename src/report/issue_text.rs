//! Data issues in words: each [`IssueKind`] rendered in the report's language. The only
//! place where an issue becomes a sentence.

use crate::ingest::values::{self, Domain};
use crate::ingest::{DataIssue, Origin, TableInfo};
use crate::issue::{CreditFault, IssueKind, RecordKind, Text};

use super::Lang;

/// The issue's sentence in `lang` (tables name the row where a duplicate was first seen).
pub fn message(issue: &DataIssue, tables: &[TableInfo], lang: Lang) -> String {
    let column = issue.column();
    let origin = issue.origin;
    match lang {
        Lang::Zh => zh(issue.kind(), column, origin, tables),
        Lang::En => en(issue.kind(), column, origin, tables),
    }
}

/// The issue's sentence with its code first ("V102 成立日期 …").
pub(crate) fn with_code(issue: &DataIssue, tables: &[TableInfo], lang: Lang) -> String {
    format!("{} {}", issue.code(), message(issue, tables, lang))
}

/// A suggested fix for the row, when the issue points to one: the name the place or
/// value was probably meant to be ("是否为 阳光社区居委会？"), the full names of an
/// ambiguous short name, the street a merged county needs, or how to write back a credit
/// code Excel turned into a number.
pub fn suggestion(issue: &DataIssue, lang: Lang) -> Option<String> {
    kind_suggestion(issue.kind(), lang)
}

fn kind_suggestion(kind: &IssueKind, lang: Lang) -> Option<String> {
    let zh = lang == Lang::Zh;
    let meant = |n: &str| {
        if zh {
            format!("是否为 {n}？")
        } else {
            format!("did you mean {n}?")
        }
    };
    match kind {
        IssueKind::NotInList(u) => u.suggestion.as_ref().map(|n| meant(n)),
        IssueKind::UnknownValue {
            suggestion: Some(n),
            ..
        } => Some(meant(n)),
        IssueKind::ServedCommunity { miss, .. } => kind_suggestion(miss, lang),
        IssueKind::Ambiguous {
            column, candidates, ..
        } => Some(if zh {
            format!("{}请写全称：{}", column.zh(), join(candidates, " 或 "))
        } else {
            format!(
                "write the {} in full: {}",
                column.en(),
                join(candidates, " or ")
            )
        }),
        IssueKind::MergedCountyNeedsStreet { .. } => Some(if zh {
            "请填写街道乡镇".to_string()
        } else {
            "fill in the street/township".to_string()
        }),
        IssueKind::InvalidCreditCode { value, fault } => {
            let scientific = value.contains("E+") && value.contains('.');
            let zeros = matches!(fault, CreditFault::Check { .. })
                && value.chars().all(|c| c.is_ascii_digit())
                && value.ends_with("000");
            match (scientific, zeros, zh) {
                (true, _, true) => Some(
                    "Excel 把代码存成了数字（科学计数法）：将该列设为文本，按证书重新填写".into(),
                ),
                (true, _, false) => Some(
                    "Excel stored the code as a number (scientific notation): format the \
                     column as text and type the code again from the certificate"
                        .into(),
                ),
                (false, true, true) => Some(
                    "疑为 Excel 按数字保存后末几位变成 0：将该列设为文本，按证书重新填写".into(),
                ),
                (false, true, false) => Some(
                    "Excel may have stored the code as a number and zeroed its last digits: \
                     format the column as text and type the code again from the certificate"
                        .into(),
                ),
                _ => None,
            }
        }
        _ => None,
    }
}

fn domain_zh(d: Domain) -> &'static str {
    match d {
        Domain::Category => "组织类别",
        Domain::ProjectKind => "项目类型",
        Domain::EventKind => "活动类型",
    }
}

fn domain_en(d: Domain) -> &'static str {
    match d {
        Domain::Category => "organization category",
        Domain::ProjectKind => "project type",
        Domain::EventKind => "event type",
    }
}

fn record_zh(r: RecordKind) -> &'static str {
    match r {
        RecordKind::Organization => "组织",
        RecordKind::Incubator => "孵化基地",
        RecordKind::Project => "项目",
        RecordKind::Event => "活动",
    }
}

fn record_en(r: RecordKind) -> &'static str {
    match r {
        RecordKind::Organization => "organization",
        RecordKind::Incubator => "incubator",
        RecordKind::Project => "project",
        RecordKind::Event => "event",
    }
}

/// "+35.0%", or "上期为 0" / "none before" when there was nothing to compare with.
fn change_text(before: u32, after: u32, lang: Lang) -> String {
    match crate::audit::swing::change_percent(before, after) {
        Some(p) => format!("{p:+.1}%"),
        None if lang == Lang::Zh => "上期为 0".to_string(),
        None => "none before".to_string(),
    }
}

fn join(items: &[Text], sep: &str) -> String {
    items.iter().map(|t| &**t).collect::<Vec<_>>().join(sep)
}

fn table_name(tables: &[TableInfo], table: u32) -> String {
    tables
        .get(table as usize)
        .map(TableInfo::display_name)
        .unwrap_or_default()
}

fn first_seen_zh(first: Origin, now: Option<Origin>, tables: &[TableInfo]) -> String {
    if now.is_some_and(|n| n.table == first.table) {
        format!("首次出现在第{}行", first.row)
    } else {
        format!(
            "首次出现在 {} 第{}行",
            table_name(tables, first.table),
            first.row
        )
    }
}

fn first_seen_en(first: Origin, now: Option<Origin>, tables: &[TableInfo]) -> String {
    if now.is_some_and(|n| n.table == first.table) {
        format!("first listed at row {}", first.row)
    } else {
        format!(
            "first listed in {} row {}",
            table_name(tables, first.table),
            first.row
        )
    }
}

fn zh(kind: &IssueKind, column: Option<&str>, now: Option<Origin>, tables: &[TableInfo]) -> String {
    let h = column.unwrap_or("该列");
    match kind {
        IssueKind::BlankRow { rows: 0 | 1 } => "空行".into(),
        IssueKind::BlankRow { rows } => format!("空行（自此连续 {rows} 行）"),
        IssueKind::TotalsRow => "合计行".into(),
        IssueKind::NoteRow => "备注或签名行".into(),
        IssueKind::InvalidRow => "无效的行".into(),
        IssueKind::RequiredEmpty => format!("{h} 为空（必填）"),
        IssueKind::NotADate { value } => format!(
            "{h} \"{value}\" 不是日期（应为 2021-03-05、2021/3/5、2021年3月5日 等），按空白计"
        ),
        IssueKind::RequiredNotADate { value } => {
            format!("{h} \"{value}\" 不是日期（应为 2021-03-05、2021/3/5、2021年3月5日 等）")
        }
        IssueKind::InvalidCreditCode { value, fault } => {
            let why = match fault {
                CreditFault::Length { found } => format!("应为 18 位，实为 {found} 位"),
                CreditFault::Character { found } => format!("含有不允许的字符 {found}"),
                CreditFault::Check { expected } => format!("校验位应为 {expected}"),
            };
            format!("{h} \"{value}\" 不是有效的统一社会信用代码（{why}）")
        }
        IssueKind::NotYesNo { value } => format!("{h} \"{value}\" 不是 是/否，按“否”计"),
        IssueKind::UnknownValue {
            domain,
            value,
            suggestion,
        } => {
            let hint = suggestion
                .map(|n| format!("；是否应为“{n}”？"))
                .unwrap_or_default();
            format!(
                "{h} \"{value}\" 不是已知的{}（{}），按原样保留{hint}",
                domain_zh(*domain),
                values::canonical_values(*domain).join("、")
            )
        }
        IssueKind::UnknownUrbanRural { value } => format!(
            "{h} \"{value}\" 不是已知的城乡类型（城市/农村 等），改按名称或代码判断"
        ),
        IssueKind::BadUrbanRuralCode { value } => format!(
            "{h} \"{value}\" 不是城乡分类代码（应为 3 位数字：1xx 城镇、2xx 乡村）"
        ),
        IssueKind::BadDivisionCode { value } => {
            format!("{h} \"{value}\" 不是 12 位统计用区划代码，已忽略此代码")
        }
        IssueKind::UnknownRegistration { value } => {
            format!("{h} \"{value}\" 不是 登记/备案，登记形式按空白计")
        }
        IssueKind::UnknownStatus { value } => {
            format!("{h} \"{value}\" 不是已知状态（正常/存续/注销/撤销），按空白计")
        }
        IssueKind::ActiveButDissolved => format!("{h} 为正常，但填有注销日期"),
        IssueKind::NotAYear { value } => {
            format!("{h} \"{value}\" 不是年份（应为 2021、2021年）")
        }
        IssueKind::NotAnAmount { value } => format!("{h} \"{value}\" 不是金额数字（万元）"),
        IssueKind::OtherProvince {
            community,
            province,
            audited,
        } => match community {
            Some(c) => format!("社区“{c}”属于{province}，不在本次审计的{audited}"),
            None => format!("属于{province}，不在本次审计的{audited}"),
        },
        IssueKind::CityBlank => "市为空".into(),
        IssueKind::NotInList(u) => {
            let hint = u
                .suggestion
                .as_ref()
                .map(|n| format!("（是否为“{n}”？）"))
                .unwrap_or_default();
            format!("{}“{}”不在{}的名单中{hint}", u.column.zh(), u.name, u.parent)
        }
        IssueKind::Ambiguous {
            column,
            name,
            parent,
            candidates,
        } => {
            let list = if *column == crate::issue::PlaceColumn::Community {
                candidates
                    .iter()
                    .map(|c| format!("“{c}”"))
                    .collect::<Vec<_>>()
                    .join("或")
            } else {
                join(candidates, "、")
            };
            format!("{}“{name}”在{parent}不唯一：可能是{list}", column.zh())
        }
        IssueKind::MergedCountyNeedsStreet {
            county,
            year,
            successors,
        } => format!(
            "县区“{county}”已于{}撤并为{}：需要街道乡镇才能判定是哪一个",
            year.map(|y| format!("{y}年")).unwrap_or_default(),
            join(successors, "、")
        ),
        IssueKind::MergedCountyStreetNotFound {
            county,
            year,
            successors,
            street,
        } => format!(
            "县区“{county}”已于{}撤并为{}，街道乡镇“{street}”不在其中任何一个的名单中",
            year.map(|y| format!("{y}年")).unwrap_or_default(),
            join(successors, "、")
        ),
        IssueKind::MergedCountyStreetAmbiguous {
            county,
            year,
            successors,
            street,
            candidates,
        } => format!(
            "县区“{county}”已于{}撤并为{}，街道乡镇“{street}”在{}中都有",
            year.map(|y| format!("{y}年")).unwrap_or_default(),
            join(successors, "、"),
            join(candidates, "、")
        ),
        IssueKind::OutOfScope { name, place } => match name {
            Some(n) => format!("“{n}”位于{place}，在范围之外"),
            None => format!("经费行位于{place}，在范围之外"),
        },
        IssueKind::ServedCommunity { organization, miss } => format!(
            "组织“{organization}”：{}；该服务社区不计",
            zh(miss, None, now, tables)
        ),
        IssueKind::Unclassified { community } => format!(
            "社区“{community}”无法判定城市或农村（无城乡类型、名称无居委会/村委会、无城乡分类代码）：计入社区总数，不计入城市或农村社区目标"
        ),
        IssueKind::DuplicateCommunity { community, street } => {
            format!("社区“{community}”在{street}下重复列出")
        }
        IssueKind::DuplicateRecord {
            record,
            name,
            place,
            dated,
            by_code,
            first,
        } => {
            let first = first_seen_zh(*first, now, tables);
            match (record, dated) {
                (RecordKind::Organization, _) => format!(
                    "组织“{name}”在{place}重复列出（{}），{first}：只计一次",
                    if *by_code {
                        "统一社会信用代码相同"
                    } else {
                        "同名同地点"
                    }
                ),
                (r, Some((kind, date))) => format!(
                    "{}“{name}”（{kind}，{date}）在{place}重复列出，{first}：只计一次",
                    record_zh(*r)
                ),
                (r, None) => format!(
                    "{}“{name}”在{place}重复列出，{first}：只计一次",
                    record_zh(*r)
                ),
            }
        }
        IssueKind::DuplicateFund {
            place,
            year,
            amount,
            source,
            first,
        } => format!(
            "经费行（{place}，{year} 年，{} 万元{}）重复列出，{}：只计一次",
            amount.0,
            source
                .as_ref()
                .map(|s| format!("，{s}"))
                .unwrap_or_default(),
            first_seen_zh(*first, now, tables)
        ),
        IssueKind::UnitPlacesAbsent {
            unit,
            absent,
            found,
        } => format!(
            "报送单位“{unit}”有 {} 处地方不在社区名单中：{}；按其余 {found} 处计算",
            absent.len(),
            join(absent, "、")
        ),
        IssueKind::Swing {
            record,
            region,
            baseline_as_of,
            before,
            after,
            added,
            dissolved,
            moved_in,
            moved_out,
            max_change,
        } => format!(
            "{} 的{}数 {before} → {after}（{}，超过 ±{}；上期 {baseline_as_of}）：新增 {added}，注销 {dissolved}，迁入 {moved_in}，迁出 {moved_out}",
            super::region_label(region),
            match record {
                RecordKind::Incubator => "孵化基地",
                _ => "社区社会组织",
            },
            change_text(*before, *after, Lang::Zh),
            crate::audit::swing::percent_text(*max_change),
        ),
    }
}

fn en(kind: &IssueKind, column: Option<&str>, now: Option<Origin>, tables: &[TableInfo]) -> String {
    let h = column.unwrap_or("the cell");
    match kind {
        IssueKind::BlankRow { rows: 0 | 1 } => "blank row".into(),
        IssueKind::BlankRow { rows } => format!("blank rows ({rows} in a row from here)"),
        IssueKind::TotalsRow => "totals row".into(),
        IssueKind::NoteRow => "note or signature row".into(),
        IssueKind::InvalidRow => "invalid row".into(),
        IssueKind::RequiredEmpty => format!("{h} is empty (required)"),
        IssueKind::NotADate { value } => format!(
            "{h} \"{value}\" is not a date (write 2021-03-05, 2021/3/5 or 2021年3月5日); taken as blank"
        ),
        IssueKind::RequiredNotADate { value } => format!(
            "{h} \"{value}\" is not a date (write 2021-03-05, 2021/3/5 or 2021年3月5日)"
        ),
        IssueKind::InvalidCreditCode { value, fault } => {
            let why = match fault {
                CreditFault::Length { found } => {
                    format!("18 characters expected, {found} found")
                }
                CreditFault::Character { found } => format!("the character {found} is not allowed"),
                CreditFault::Check { expected } => {
                    format!("the check character should be {expected}")
                }
            };
            format!("{h} \"{value}\" is not a valid unified social credit code ({why})")
        }
        IssueKind::NotYesNo { value } => {
            format!("{h} \"{value}\" is not 是/否 (yes/no); taken as no")
        }
        IssueKind::UnknownValue {
            domain,
            value,
            suggestion,
        } => {
            let hint = suggestion
                .map(|n| format!("; did you mean “{n}”?"))
                .unwrap_or_default();
            format!(
                "{h} \"{value}\" is not a known {} ({}); kept as written{hint}",
                domain_en(*domain),
                values::canonical_values(*domain).join(", ")
            )
        }
        IssueKind::UnknownUrbanRural { value } => format!(
            "{h} \"{value}\" is not a known urban/rural word (城市, 农村 …); classified by name or code instead"
        ),
        IssueKind::BadUrbanRuralCode { value } => format!(
            "{h} \"{value}\" is not an urban-rural code (three digits: 1xx urban, 2xx rural)"
        ),
        IssueKind::BadDivisionCode { value } => {
            format!("{h} \"{value}\" is not a 12-digit statistical division code; the code is ignored")
        }
        IssueKind::UnknownRegistration { value } => format!(
            "{h} \"{value}\" is neither 登记 (registered) nor 备案 (filed); taken as blank"
        ),
        IssueKind::UnknownStatus { value } => format!(
            "{h} \"{value}\" is not a known status (正常, 存续, 注销, 撤销); taken as blank"
        ),
        IssueKind::ActiveButDissolved => {
            format!("{h} says active, but a dissolution date is given")
        }
        IssueKind::NotAYear { value } => {
            format!("{h} \"{value}\" is not a year (write 2021 or 2021年)")
        }
        IssueKind::NotAnAmount { value } => {
            format!("{h} \"{value}\" is not an amount (万元, ten thousand yuan)")
        }
        IssueKind::OtherProvince {
            community,
            province,
            audited,
        } => match community {
            Some(c) => format!(
                "community “{c}” belongs to {province}, not to {audited}, the province audited"
            ),
            None => format!("belongs to {province}, not to {audited}, the province audited"),
        },
        IssueKind::CityBlank => "the city (市) is empty".into(),
        IssueKind::NotInList(u) => {
            let hint = u
                .suggestion
                .as_ref()
                .map(|n| format!(" (did you mean “{n}”?)"))
                .unwrap_or_default();
            format!(
                "{} “{}” is not in the list of {}{hint}",
                u.column.en(),
                u.name,
                u.parent
            )
        }
        IssueKind::Ambiguous {
            column,
            name,
            parent,
            candidates,
        } => format!(
            "{} “{name}” is not unique in {parent}: it may be {}",
            column.en(),
            candidates
                .iter()
                .map(|c| format!("“{c}”"))
                .collect::<Vec<_>>()
                .join(" or ")
        ),
        IssueKind::MergedCountyNeedsStreet {
            county,
            year,
            successors,
        } => format!(
            "county “{county}” was merged{} into {}: the street is needed to tell which",
            year.map(|y| format!(" in {y}")).unwrap_or_default(),
            join(successors, ", ")
        ),
        IssueKind::MergedCountyStreetNotFound {
            county,
            year,
            successors,
            street,
        } => format!(
            "county “{county}” was merged{} into {}, and street “{street}” is in none of them",
            year.map(|y| format!(" in {y}")).unwrap_or_default(),
            join(successors, ", ")
        ),
        IssueKind::MergedCountyStreetAmbiguous {
            county,
            year,
            successors,
            street,
            candidates,
        } => format!(
            "county “{county}” was merged{} into {}, and street “{street}” is in each of {}",
            year.map(|y| format!(" in {y}")).unwrap_or_default(),
            join(successors, ", "),
            join(candidates, ", ")
        ),
        IssueKind::OutOfScope { name, place } => match name {
            Some(n) => format!("“{n}” lies in {place}, outside the scope"),
            None => format!("funds line lies in {place}, outside the scope"),
        },
        IssueKind::ServedCommunity { organization, miss } => format!(
            "organization “{organization}”: {}; that served community is not counted",
            en(miss, None, now, tables)
        ),
        IssueKind::Unclassified { community } => format!(
            "community “{community}” is neither urban nor rural by any clue (no 城乡类型, no committee type in its name, no urban-rural code): counted in the community total only, not in urban or rural targets"
        ),
        IssueKind::DuplicateCommunity { community, street } => {
            format!("community “{community}” is listed twice under {street}")
        }
        IssueKind::DuplicateRecord {
            record,
            name,
            place,
            dated,
            by_code,
            first,
        } => {
            let first = first_seen_en(*first, now, tables);
            let why = match (record, by_code) {
                (RecordKind::Organization, true) => " (same credit code)",
                (RecordKind::Organization, false) => " (same name and place)",
                _ => "",
            };
            let detail = dated
                .as_ref()
                .map(|(k, d)| format!(" ({k}, {d})"))
                .unwrap_or_default();
            format!(
                "{} “{name}”{detail} in {place} is listed again{why}, {first}: counted once",
                record_en(*record)
            )
        }
        IssueKind::DuplicateFund {
            place,
            year,
            amount,
            source,
            first,
        } => format!(
            "funds line ({place}, {year}, {} 万元{}) is listed again, {}: counted once",
            amount.0,
            source
                .as_ref()
                .map(|s| format!(", {s}"))
                .unwrap_or_default(),
            first_seen_en(*first, now, tables)
        ),
        IssueKind::UnitPlacesAbsent {
            unit,
            absent,
            found,
        } => format!(
            "{} places of reporting unit “{unit}” are not in the community list: {}; computed over the other {found}",
            absent.len(),
            join(absent, ", ")
        ),
        IssueKind::Swing {
            record,
            region,
            baseline_as_of,
            before,
            after,
            added,
            dissolved,
            moved_in,
            moved_out,
            max_change,
        } => format!(
            "{}: {} {before} → {after} ({}, beyond ±{}; baseline {baseline_as_of}): added {added}, dissolved {dissolved}, moved in {moved_in}, moved out {moved_out}",
            super::region_label(region),
            match record {
                RecordKind::Incubator => "incubators",
                _ => "organizations",
            },
            change_text(*before, *after, Lang::En),
            crate::audit::swing::percent_text(*max_change),
        ),
    }
}
