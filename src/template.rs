//! `zhibiao template`: an empty ledger workbook for a plan, which zhibiao reads back as is.
//!
//! One sheet per table kind the plan needs (the community list always), headed by the
//! canonical Chinese headers of `rules/columns.toml`, frozen and bold. Enumerated columns
//! get drop-down lists: 组织类别, 项目类型 and 活动类型 offer the canonical values of
//! `rules/values.toml`; 城乡类型, 试点, 登记形式, 品牌组织 and 状态 the words of
//! `rules/template.toml`. Given a community list, the place columns (市, 县区, 街道乡镇,
//! 社区) offer the names of the scope, kept on a hidden 名录 sheet when they do not fit
//! Excel's 255-character inline list. Date columns are formatted `yyyy-mm-dd` and accept
//! only dates; 统一社会信用代码 and 统计用区划代码 are text. A 说明 sheet explains every
//! column and names the targets that use it; zhibiao passes that sheet over when it reads
//! the workbook back ([`crate::ingest::inputs::TEMPLATE_NOTES_TITLE`]).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, DataValidationRule, ExcelDateTime, Format,
    FormatAlign, FormatBorder, Formula, Workbook, Worksheet, XlsxError,
};
use serde::Deserialize;

use crate::ingest::inputs::TEMPLATE_NOTES_TITLE;
use crate::ingest::schema::{self, FieldSpec};
use crate::ingest::values::{self, Domain};
use crate::ingest::TableKind;
use crate::model::{Level, Model};
use crate::plan::diag::display_width;
use crate::plan::{Attach, Measure, Plan, Target, FILTER_FIELDS};

/// Name of the sheet explaining the columns.
pub(crate) const NOTES_SHEET: &str = "说明";

/// Name of the hidden sheet holding the lists too long to write inline.
pub(crate) const LISTS_SHEET: &str = "名录";

/// Last row index a validation or format covers (Excel's last row).
const LAST_ROW: u32 = 1_048_575;

/// Widest column, in characters.
const MAX_WIDTH: usize = 40;

/// Excel's limit on an inline list (characters, commas included).
const INLINE_LIST_MAX: usize = 255;

/// Why a template cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// `rules/template.toml` does not fit `rules/columns.toml` (a build defect).
    #[error("rules/template.toml: {0}")]
    Rules(String),
    /// The workbook could not be written.
    #[error("XLSX: {0}")]
    Xlsx(#[from] XlsxError),
}

/// How Excel checks the cells of a column (`check` in `rules/template.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// No check.
    Text,
    /// 城市社区 / 农村社区.
    UrbanRural,
    /// 是 / 否.
    YesNo,
    /// 登记 / 备案.
    Registration,
    /// 正常 / 注销.
    Status,
    /// The canonical 组织类别.
    Category,
    /// The canonical 项目类型.
    ProjectKind,
    /// The canonical 活动类型.
    EventKind,
    /// The scope's place names at the column's level (from a community list).
    Place,
    /// A date, 1900–2100, shown `yyyy-mm-dd`.
    Date,
    /// A whole year, 1900–2100.
    Year,
    /// A number ≥ 0.
    Amount,
    /// 城乡分类代码: a whole number 100–299.
    UrbanRuralCode,
    /// 统一社会信用代码: 18 characters, stored as text.
    CreditCode,
    /// 统计用区划代码: 12 characters, stored as text.
    DivisionCode,
}

#[derive(Debug, Deserialize)]
struct RawColumn {
    check: Check,
    note: String,
}

#[derive(Debug, Deserialize)]
struct RawChoices {
    urban_rural: Vec<String>,
    yes_no: Vec<String>,
    registration: Vec<String>,
    status: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct RawTemplate {
    sheets: BTreeMap<String, String>,
    choices: RawChoices,
    columns: BTreeMap<String, BTreeMap<String, RawColumn>>,
}

#[derive(Debug, Default)]
struct Rules {
    sheets: BTreeMap<TableKind, String>,
    choices: Option<RawChoices>,
    columns: BTreeMap<(TableKind, String), RawColumn>,
    problems: Vec<String>,
}

const TEMPLATE_TOML: &str = include_str!("../rules/template.toml");

fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| load(TEMPLATE_TOML))
}

fn load(text: &str) -> Rules {
    let raw: RawTemplate = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            return Rules {
                problems: vec![e.to_string()],
                ..Rules::default()
            }
        }
    };
    let mut r = Rules::default();
    for (kind, name) in raw.sheets {
        match TableKind::parse(&kind) {
            Some(k) => {
                r.sheets.insert(k, name);
            }
            None => r
                .problems
                .push(format!("[sheets]: unknown table kind {kind}")),
        }
    }
    for (kind, fields) in raw.columns {
        let Some(k) = TableKind::parse(&kind) else {
            r.problems
                .push(format!("[columns.{kind}]: unknown table kind {kind}"));
            continue;
        };
        for (field, col) in fields {
            if schema::field(k, &field).is_none() {
                r.problems.push(format!(
                    "[columns.{kind}]: {field} is not a field of {kind}"
                ));
            }
            r.columns.insert((k, field), col);
        }
    }
    for k in TableKind::ALL {
        if !r.sheets.contains_key(&k) {
            r.problems
                .push(format!("[sheets]: no sheet name for {}", k.as_str()));
        }
        for f in schema::fields(k) {
            if !r.columns.contains_key(&(k, f.name.to_string())) {
                r.problems
                    .push(format!("[columns.{}]: no entry for {}", k.as_str(), f.name));
            }
        }
    }
    r.choices = Some(raw.choices);
    r
}

/// Problems found when loading `rules/template.toml` against `rules/columns.toml`
/// (empty when it is sound).
pub fn problems() -> &'static [String] {
    &rules().problems
}

/// The sheet name of a table kind's sheet (社区名单, 社区社会组织, …).
pub(crate) fn sheet_name(kind: TableKind) -> &'static str {
    rules()
        .sheets
        .get(&kind)
        .map(String::as_str)
        .unwrap_or_else(|| kind.zh())
}

/// How a column is checked; [`Check::Text`] when `rules/template.toml` says nothing.
pub fn check(kind: TableKind, field: &str) -> Check {
    rules()
        .columns
        .get(&(kind, field.to_string()))
        .map_or(Check::Text, |c| c.check)
}

/// The 说明 sheet's note on a column.
pub fn note(kind: TableKind, field: &str) -> &'static str {
    rules()
        .columns
        .get(&(kind, field.to_string()))
        .map_or("", |c| c.note.as_str())
}

/// The values a drop-down list offers for a check that has a fixed list (`None` for the
/// others; place lists come from the community list).
pub(crate) fn choices(check: Check) -> Option<Vec<&'static str>> {
    let c = rules().choices.as_ref();
    let words = |pick: fn(&'static RawChoices) -> &'static Vec<String>| {
        c.map(|c| pick(c).iter().map(String::as_str).collect())
            .unwrap_or_default()
    };
    match check {
        Check::UrbanRural => Some(words(|c| &c.urban_rural)),
        Check::YesNo => Some(words(|c| &c.yes_no)),
        Check::Registration => Some(words(|c| &c.registration)),
        Check::Status => Some(words(|c| &c.status)),
        Check::Category => Some(values::canonical_values(Domain::Category)),
        Check::ProjectKind => Some(values::canonical_values(Domain::ProjectKind)),
        Check::EventKind => Some(values::canonical_values(Domain::EventKind)),
        _ => None,
    }
}

/// The place names a template offers: those of the scope in a community list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopePlaces {
    /// The scope, e.g. "山西省/阳泉市".
    pub label: String,
    /// 市 names, in list order, each once.
    pub cities: Vec<String>,
    /// 县区 names.
    pub counties: Vec<String>,
    /// 街道乡镇 names.
    pub streets: Vec<String>,
    /// 社区 names.
    pub communities: Vec<String>,
}

impl ScopePlaces {
    /// The names of the communities within the model's scope and of the places above them.
    pub fn from_model(model: &Model) -> ScopePlaces {
        let regions = &model.regions;
        let mut out = ScopePlaces {
            label: regions.path(model.scope),
            ..ScopePlaces::default()
        };
        let push = |list: &mut Vec<String>, name: &str| {
            if !name.is_empty() && !list.iter().any(|n| n == name) {
                list.push(name.to_string());
            }
        };
        for id in regions.descendants_at(model.scope, Level::Community) {
            let name_at = |level| {
                regions
                    .ancestor_at(id, level)
                    .map(|a| regions.get(a).name.as_str())
                    .unwrap_or("")
            };
            push(&mut out.cities, name_at(Level::City));
            push(&mut out.counties, name_at(Level::County));
            push(&mut out.streets, name_at(Level::Street));
            push(&mut out.communities, name_at(Level::Community));
        }
        out
    }

    /// The names offered for a place field (`city`, `county`, `street`, `community`).
    pub fn names(&self, field: &str) -> &[String] {
        match field {
            "city" => &self.cities,
            "county" => &self.counties,
            "street" => &self.streets,
            "community" => &self.communities,
            _ => &[],
        }
    }
}

/// What a template is made for.
#[derive(Debug, Clone, Copy)]
pub struct TemplateSpec<'a> {
    /// The plan whose tables the template holds.
    pub plan: &'a Plan,
    /// The scope's place names, when a community list was given.
    pub places: Option<&'a ScopePlaces>,
}

/// The table kinds a plan reads, in [`TableKind::ALL`] order; the community list always
/// (places are resolved against it).
pub(crate) fn kinds_needed(plan: &Plan) -> Vec<TableKind> {
    TableKind::ALL
        .into_iter()
        .filter(|k| {
            *k == TableKind::Communities
                || plan.targets.iter().any(|t| t.measure.records().table == *k)
        })
        .collect()
}

/// The targets of `plan` that read table `kind` (as records, or as the communities and
/// streets they divide by).
pub(crate) fn targets_reading(plan: &Plan, kind: TableKind) -> Vec<&Target> {
    plan.targets
        .iter()
        .filter(|t| {
            t.measure.records().table == kind
                || (kind == TableKind::Communities && units_of(&t.measure).is_some())
        })
        .collect()
}

fn units_of(m: &Measure) -> Option<&crate::plan::Units> {
    match m {
        Measure::Density { units, .. } | Measure::Coverage { units, .. } => Some(units),
        _ => None,
    }
}

/// The plan-file name of a filter's field in its table (`category`, `kind`, …).
fn filter_name(field: crate::plan::Field) -> Option<(TableKind, &'static str)> {
    FILTER_FIELDS
        .iter()
        .find(|(_, _, f, _)| *f == field)
        .map(|(t, n, _, _)| (*t, *n))
}

/// The targets of `plan` that select by the column `field` of table `kind`: a `where` of
/// the records or of the units names it (城乡分类代码 decides urban/rural as 城乡类型
/// does), 服务社区 for coverage by reach, 金额 for sums.
pub(crate) fn targets_using<'p>(plan: &'p Plan, kind: TableKind, field: &str) -> Vec<&'p Target> {
    let field = match (kind, field) {
        (TableKind::Communities, "urban_rural_code") => "kind",
        _ => field,
    };
    plan.targets
        .iter()
        .filter(|t| {
            let records = t.measure.records();
            let named = |filters: &[crate::plan::Filter], table: TableKind| {
                filters
                    .iter()
                    .any(|f| filter_name(f.field) == Some((kind, field)) && table == kind)
            };
            let by_records = named(&records.filters, records.table);
            let by_units =
                units_of(&t.measure).is_some_and(|u| named(&u.filters, TableKind::Communities));
            let by_reach = matches!(
                t.measure,
                Measure::Coverage {
                    attach: Attach::Reaches,
                    ..
                }
            ) && records.table == kind
                && field == "serves";
            let by_sum = matches!(&t.measure, Measure::Info { sum: Some(s), .. } if s == field)
                && records.table == kind;
            by_records || by_units || by_reach || by_sum
        })
        .collect()
}

/// The template workbook, ready to be filled or saved (tests fill it as a user would).
pub fn workbook(spec: &TemplateSpec<'_>) -> Result<Workbook, TemplateError> {
    if let Some(p) = problems().first() {
        return Err(TemplateError::Rules(p.clone()));
    }
    let kinds = kinds_needed(spec.plan);
    let mut book = Workbook::new();
    let mut lists = Lists::default();
    for (i, kind) in kinds.iter().enumerate() {
        let ws = book.add_worksheet();
        ws.set_name(sheet_name(*kind))?;
        if i == 0 {
            ws.set_active(true);
        }
        data_sheet(ws, *kind, spec, &mut lists)?;
    }
    let ws = book.add_worksheet();
    ws.set_name(NOTES_SHEET)?;
    notes_sheet(ws, &kinds, spec)?;
    if !lists.columns.is_empty() {
        let ws = book.add_worksheet();
        ws.set_name(LISTS_SHEET)?;
        lists.write(ws)?;
        ws.set_hidden(true);
    }
    Ok(book)
}

/// The template workbook's bytes.
pub fn render(spec: &TemplateSpec<'_>) -> Result<Vec<u8>, TemplateError> {
    Ok(workbook(spec)?.save_to_buffer()?)
}

/// Lists kept on the hidden 名录 sheet: (header, values), one column each.
#[derive(Default)]
struct Lists {
    columns: Vec<(String, Vec<String>)>,
}

impl Lists {
    /// The range of a list (`'名录'!$A$2:$A$9`), the list added once per header.
    fn range(&mut self, header: &str, values: &[String]) -> String {
        let col = match self.columns.iter().position(|(h, _)| h == header) {
            Some(c) => c,
            None => {
                self.columns.push((header.to_string(), values.to_vec()));
                self.columns.len() - 1
            }
        };
        let letter = column_letter(col as u16);
        let last = self.columns[col].1.len() + 1;
        format!("'{LISTS_SHEET}'!${letter}$2:${letter}${last}")
    }

    fn write(&self, ws: &mut Worksheet) -> Result<(), XlsxError> {
        let bold = Format::new().set_bold();
        for (c, (header, values)) in self.columns.iter().enumerate() {
            let c = c as u16;
            ws.write_with_format(0, c, header, &bold)?;
            let mut widest = display_width(header);
            for (r, v) in values.iter().enumerate() {
                ws.write_string(r as u32 + 1, c, v)?;
                widest = widest.max(display_width(v));
            }
            ws.set_column_width(c, widest.min(MAX_WIDTH) as f64 + 2.0)?;
        }
        Ok(())
    }
}

/// A..Z, AA.. for a 0-based column.
fn column_letter(mut col: u16) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    s.reverse();
    String::from_utf8_lossy(&s).into_owned()
}

fn header_format() -> Format {
    Format::new()
        .set_bold()
        .set_background_color(0xDDEBF7)
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
}

/// The data validation of a column, and the widest value it offers.
fn validation(
    kind: TableKind,
    field: &FieldSpec,
    spec: &TemplateSpec<'_>,
    lists: &mut Lists,
) -> Result<(Option<DataValidation>, usize), TemplateError> {
    let header = field.zh;
    let check = check(kind, field.name);
    let list =
        |values: Vec<String>, lists: &mut Lists| -> Result<DataValidation, XlsxError> {
            // Inline: joined by commas, so a value holding one goes to the sheet too.
            let joined: usize = values.iter().map(|v| v.encode_utf16().count() + 1).sum();
            if joined <= INLINE_LIST_MAX + 1 && !values.iter().any(|v| v.contains(',')) {
                DataValidation::new().allow_list_strings(&values)
            } else {
                Ok(DataValidation::new()
                    .allow_list_formula(Formula::new(lists.range(header, &values))))
            }
        };
    let (dv, widest) = match check {
        Check::Text => (None, 0),
        Check::Place => match spec.places {
            Some(p) if !p.names(field.name).is_empty() => {
                let names = p.names(field.name).to_vec();
                let widest = names.iter().map(|n| display_width(n)).max().unwrap_or(0);
                let dv = list(names, lists)?
                    .set_error_style(DataValidationErrorStyle::Warning)
                    .set_error_title("不在社区名单中")?
                    .set_error_message(format!(
                        "“{header}”不在 {} 的社区名单中，zhibiao 读取时会跳过这一行。仍要填写吗？",
                        p.label
                    ))?;
                (Some(dv), widest)
            }
            _ => (None, 0),
        },
        Check::Date => {
            let lo = ExcelDateTime::from_ymd(1900, 1, 1)?;
            let hi = ExcelDateTime::from_ymd(2100, 12, 31)?;
            let dv = DataValidation::new()
                .allow_date(DataValidationRule::Between(lo, hi))
                .set_error_title("不是日期")?
                .set_error_message(format!("“{header}”请填写日期，如 2021-03-05。"))?;
            (Some(dv), 10)
        }
        Check::Year => {
            let dv = DataValidation::new()
                .allow_whole_number(DataValidationRule::Between(1900, 2100))
                .set_error_title("不是年度")?
                .set_error_message(format!("“{header}”请填写 4 位年份，如 2022。"))?;
            (Some(dv), 4)
        }
        Check::Amount => {
            let dv = DataValidation::new()
                .allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(0.0))
                .set_error_title("不是金额")?
                .set_error_message(format!("“{header}”请填写不小于 0 的数字（万元）。"))?;
            (Some(dv), 8)
        }
        Check::UrbanRuralCode => {
            let dv = DataValidation::new()
                .allow_whole_number(DataValidationRule::Between(100, 299))
                .set_error_title("不是城乡分类代码")?
                .set_error_message(format!("“{header}”请填写 3 位数字：1xx 城镇，2xx 乡村。"))?;
            (Some(dv), 3)
        }
        Check::CreditCode | Check::DivisionCode => {
            let len = if check == Check::CreditCode { 18 } else { 12 };
            let dv = DataValidation::new()
                .allow_text_length(DataValidationRule::EqualTo(len))
                .set_error_title("位数不对")?
                .set_error_message(format!("“{header}”应为 {len} 位。"))?;
            (Some(dv), len as usize)
        }
        _ => {
            let values: Vec<String> = choices(check)
                .unwrap_or_default()
                .into_iter()
                .map(str::to_string)
                .collect();
            let widest = values.iter().map(|v| display_width(v)).max().unwrap_or(0);
            let offered = values.join("、");
            let dv = list(values, lists)?
                .set_error_title("不是可选值")?
                .set_error_message(format!("“{header}”请从下拉列表中选择：{offered}。"))?;
            (Some(dv), widest)
        }
    };
    let dv = match dv {
        Some(dv) => Some(prompt(dv, header, note(kind, field.name))?),
        None => None,
    };
    Ok((dv, widest))
}

/// The input message shown when a cell of the column is selected.
fn prompt(dv: DataValidation, header: &str, note: &str) -> Result<DataValidation, XlsxError> {
    let title: String = header.chars().take(32).collect();
    let message: String = note.chars().take(250).collect();
    dv.set_input_title(title)?.set_input_message(message)
}

fn data_sheet(
    ws: &mut Worksheet,
    kind: TableKind,
    spec: &TemplateSpec<'_>,
    lists: &mut Lists,
) -> Result<(), TemplateError> {
    let head = header_format();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let text = Format::new().set_num_format("@");
    for (c, field) in schema::fields(kind).iter().enumerate() {
        let c = c as u16;
        ws.write_with_format(0, c, field.zh, &head)?;
        let (dv, widest) = validation(kind, field, spec, lists)?;
        match check(kind, field.name) {
            Check::Date => {
                ws.set_column_format(c, &date)?;
            }
            Check::CreditCode | Check::DivisionCode => {
                ws.set_column_format(c, &text)?;
            }
            _ => {}
        }
        if let Some(dv) = dv {
            ws.add_data_validation(1, c, LAST_ROW, c, &dv)?;
        }
        let width = (display_width(field.zh) + 2)
            .max(widest)
            .clamp(8, MAX_WIDTH);
        ws.set_column_width(c, width as f64 + 2.0)?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}

/// Target ids joined by 、, or "—".
fn ids(targets: &[&Target]) -> String {
    if targets.is_empty() {
        return "—".to_string();
    }
    targets
        .iter()
        .map(|t| t.id.as_str())
        .collect::<Vec<_>>()
        .join("、")
}

/// What a column is used for when no target selects by it.
fn general_use(kind: TableKind, field: &FieldSpec, reading: &[&Target]) -> String {
    if reading.is_empty() {
        return "—".to_string();
    }
    match check(kind, field.name) {
        Check::Place => "本表全部指标：按地点归属地区".to_string(),
        Check::Date | Check::Year => match kind {
            TableKind::Projects | TableKind::Events | TableKind::Funds => {
                "本表全部指标：按年度或审计日计数".to_string()
            }
            _ => "本表全部指标：审计日是否有效".to_string(),
        },
        Check::Status => "本表全部指标：审计日是否有效".to_string(),
        _ if field.required => "本表全部指标".to_string(),
        Check::CreditCode => "查重（同一组织只计一次）".to_string(),
        _ => "—".to_string(),
    }
}

fn notes_sheet(
    ws: &mut Worksheet,
    kinds: &[TableKind],
    spec: &TemplateSpec<'_>,
) -> Result<(), TemplateError> {
    let plan = spec.plan;
    let title = Format::new().set_bold().set_font_size(14);
    let bold = Format::new().set_bold();
    let head = header_format();
    let wrap = Format::new()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_border(FormatBorder::Thin);
    let section = Format::new()
        .set_bold()
        .set_background_color(0xF2F2F2)
        .set_border(FormatBorder::Thin);
    ws.write_with_format(0, 0, TEMPLATE_NOTES_TITLE, &title)?;
    let m = &plan.meta;
    let mut intro = vec![
        format!(
            "方案：{} {}（{}，{} 至 {}）",
            m.id,
            m.title,
            if m.document.is_empty() {
                &m.issuer
            } else {
                &m.document
            },
            m.period_start,
            m.due
        ),
        match spec.places {
            Some(p) => format!(
                "范围：{}。市、县区、街道乡镇、社区列的下拉列表取自所给社区名单：{} 个街道乡镇，{} 个社区；名单之外的地点，zhibiao 读取时会跳过该行。",
                p.label,
                p.streets.len(),
                p.communities.len()
            ),
            None => "范围：未给社区名单，市、县区、街道乡镇、社区列没有下拉列表（zhibiao template --scope 市 社区名单.xlsx -o 台账模板.xlsx 可加上）。".to_string(),
        },
        "填写：每个工作表一种台账；第 1 行是表头，请勿改动；从第 2 行起每行一条记录。日期写成 2021-03-05。不用的工作表可以留空。".to_string(),
        "检查：zhibiao inspect 台账模板.xlsx 列出每行的问题；zhibiao audit 台账模板.xlsx 按方案审计。本说明工作表在读取时跳过。".to_string(),
    ];
    intro.retain(|s| !s.is_empty());
    let mut row = 1u32;
    for line in &intro {
        ws.write_string(row, 0, line)?;
        row += 1;
    }
    row += 1;
    let heads = ["工作表", "列", "必填", "填写说明", "可选值", "用于指标"];
    for (c, h) in heads.iter().enumerate() {
        ws.write_with_format(row, c as u16, *h, &head)?;
    }
    row += 1;
    for kind in kinds {
        let reading = targets_reading(plan, *kind);
        let what = if reading.is_empty() {
            "本方案的指标不读此表".to_string()
        } else {
            format!("读取此表的指标：{}", ids(&reading))
        };
        let what = if *kind == TableKind::Communities {
            format!("{what}；其他各表的地点都按社区名单解析")
        } else {
            what
        };
        ws.write_with_format(row, 0, sheet_name(*kind), &section)?;
        for c in 1..heads.len() as u16 {
            ws.write_blank(row, c, &section)?;
        }
        ws.write_with_format(row, 3, what, &section)?;
        row += 1;
        for field in schema::fields(*kind) {
            let check = check(*kind, field.name);
            let required = match schema::required_unless(*kind, field.name) {
                Some(other) => format!(
                    "无{}时必填",
                    schema::field(*kind, other).map_or(other, |f| f.zh)
                ),
                None if field.required => "必填".to_string(),
                None => String::new(),
            };
            let offered = match check {
                Check::Place => match spec.places {
                    Some(p) if !p.names(field.name).is_empty() => format!(
                        "{} 的 {} 个名称（下拉列表）",
                        p.label,
                        p.names(field.name).len()
                    ),
                    _ => "（给出社区名单时有下拉列表）".to_string(),
                },
                Check::Date => "日期 yyyy-mm-dd".to_string(),
                Check::Year => "1900–2100".to_string(),
                Check::Amount => "≥ 0 的数字".to_string(),
                Check::UrbanRuralCode => "100–299".to_string(),
                Check::CreditCode => "18 位（文本）".to_string(),
                Check::DivisionCode => "12 位（文本）".to_string(),
                Check::Text => String::new(),
                _ => choices(check).unwrap_or_default().join("、"),
            };
            let using = targets_using(plan, *kind, field.name);
            let used = if using.is_empty() {
                general_use(*kind, field, &targets_reading(plan, *kind))
            } else {
                format!("按此列：{}", ids(&using))
            };
            let cells = [
                sheet_name(*kind),
                field.zh,
                required.as_str(),
                note(*kind, field.name),
                offered.as_str(),
                used.as_str(),
            ];
            for (c, text) in cells.iter().enumerate() {
                ws.write_with_format(row, c as u16, *text, &wrap)?;
            }
            row += 1;
        }
    }
    row += 1;
    ws.write_with_format(row, 0, "指标一览", &bold)?;
    row += 1;
    for (c, h) in ["指标", "条款", "原文", "读取的表"].iter().enumerate() {
        ws.write_with_format(row, c as u16, *h, &head)?;
    }
    row += 1;
    for t in &plan.targets {
        let mut tables = vec![sheet_name(t.measure.records().table)];
        if units_of(&t.measure).is_some() && !tables.contains(&sheet_name(TableKind::Communities)) {
            tables.push(sheet_name(TableKind::Communities));
        }
        let cells = [
            t.id.as_str(),
            t.clause.as_str(),
            t.text.as_str(),
            &tables.join("、"),
        ];
        for (c, text) in cells.iter().enumerate() {
            ws.write_with_format(row, c as u16, *text, &wrap)?;
        }
        row += 1;
    }
    for (c, w) in [14.0, 16.0, 12.0, 48.0, 30.0, 36.0].into_iter().enumerate() {
        ws.set_column_width(c as u16, w)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::schema::kind_names;
    use crate::ingest::text::header_key;
    use crate::ingest::{Registration, Status, UrbanRural};

    #[test]
    fn rules_fit_the_columns() {
        assert!(problems().is_empty(), "{:?}", problems());
    }

    #[test]
    fn sheet_names_name_their_kind_only() {
        for kind in TableKind::ALL {
            let key = header_key(sheet_name(kind));
            for other in TableKind::ALL {
                let hit = kind_names(other).iter().any(|w| key.contains(w.as_str()));
                assert_eq!(
                    hit,
                    other == kind,
                    "{} vs {}",
                    sheet_name(kind),
                    other.as_str()
                );
            }
        }
    }

    #[test]
    fn offered_words_read_back() {
        let words = |c| choices(c).unwrap_or_default();
        assert_eq!(
            words(Check::UrbanRural)
                .iter()
                .map(|w| values::urban_rural_word(w))
                .collect::<Vec<_>>(),
            [Some(UrbanRural::Urban), Some(UrbanRural::Rural)]
        );
        assert_eq!(
            words(Check::YesNo)
                .iter()
                .map(|w| values::yes_no(w))
                .collect::<Vec<_>>(),
            [Some(true), Some(false)]
        );
        assert_eq!(
            words(Check::Registration)
                .iter()
                .map(|w| values::registration(w))
                .collect::<Vec<_>>(),
            [Some(Registration::Registered), Some(Registration::Filed)]
        );
        assert_eq!(
            words(Check::Status)
                .iter()
                .map(|w| values::status(w))
                .collect::<Vec<_>>(),
            [Some(Status::Active), Some(Status::Dissolved)]
        );
        assert_eq!(words(Check::Category)[0], "枢纽型");
        assert!(choices(Check::Place).is_none());
    }

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
    }

    #[test]
    fn kinds_and_uses_of_the_default_plan() {
        let plan = crate::plan::builtin("shanxi-2021-2023").unwrap().unwrap();
        assert_eq!(
            kinds_needed(&plan),
            [
                TableKind::Communities,
                TableKind::Organizations,
                TableKind::Projects,
                TableKind::Events
            ]
        );
        let using = |k, f| {
            targets_using(&plan, k, f)
                .iter()
                .map(|t| t.id.clone())
                .collect::<Vec<_>>()
        };
        assert!(using(TableKind::Organizations, "category").contains(&"urban-density".into()));
        assert!(using(TableKind::Communities, "kind").contains(&"urban-density".into()));
        assert_eq!(
            using(TableKind::Communities, "kind"),
            using(TableKind::Communities, "urban_rural_code")
        );
        assert!(!using(TableKind::Organizations, "brand").is_empty());
        assert!(!using(TableKind::Organizations, "serves").is_empty());
        assert!(using(TableKind::Organizations, "founded").is_empty());
        let shaanxi = crate::plan::builtin("shaanxi-2019").unwrap().unwrap();
        assert!(kinds_needed(&shaanxi).contains(&TableKind::Funds));
        let funding: Vec<&str> = targets_using(&shaanxi, TableKind::Funds, "amount")
            .iter()
            .map(|t| t.id.as_str())
            .collect();
        assert_eq!(funding, ["funding"]);
    }

    #[test]
    fn long_lists_go_to_the_lists_sheet() {
        let plan = crate::plan::builtin("shanxi-2021-2023").unwrap().unwrap();
        let places = ScopePlaces {
            label: "山西省/阳泉市".into(),
            cities: vec!["阳泉市".into()],
            counties: vec!["城区".into(), "矿区".into()],
            streets: (0..10).map(|i| format!("第{i}街道")).collect(),
            communities: (0..100).map(|i| format!("第{i}社区居委会")).collect(),
        };
        let spec = TemplateSpec {
            plan: &plan,
            places: Some(&places),
        };
        let mut lists = Lists::default();
        let community = schema::field(TableKind::Organizations, "community").unwrap();
        let (dv, _) = validation(TableKind::Organizations, community, &spec, &mut lists).unwrap();
        assert!(dv.is_some());
        assert_eq!(lists.columns.len(), 1);
        assert_eq!(lists.columns[0].0, "社区");
        let street = schema::field(TableKind::Organizations, "street").unwrap();
        validation(TableKind::Organizations, street, &spec, &mut lists).unwrap();
        assert_eq!(lists.columns.len(), 1, "a short list stays inline");
        assert_eq!(lists.range("社区", &[]), "'名录'!$A$2:$A$101");
        let odd = ScopePlaces {
            counties: vec!["城区,矿区".into()],
            ..places.clone()
        };
        let spec2 = TemplateSpec {
            plan: &plan,
            places: Some(&odd),
        };
        let county = schema::field(TableKind::Organizations, "county").unwrap();
        validation(TableKind::Organizations, county, &spec2, &mut lists).unwrap();
        assert_eq!(lists.columns.len(), 2, "a name with a comma is not inlined");
        assert_eq!(lists.columns[1].1, ["城区,矿区"]);
        assert!(render(&spec).is_ok());
    }
}
