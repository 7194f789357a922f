//! Grid + header → typed rows, with every row below the header accounted for.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::date::{from_serial, parse_date};
use super::header::{self, HeaderMatch};
use super::source::{number_text, Cell, Grid, GridRow};
use super::text::{clean_cell, fold};
use super::values::{self, Domain};
use super::{
    CommunityRow, DataIssue, Dataset, EventRow, FundRow, IncubatorRow, IngestError, IngestOptions,
    OrganizationRow, Origin, Outcome, Place, ProjectRow, SkipReason, TableInfo, TableKind,
};

/// How a data row is classified before its cells are parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowClass {
    /// Every cell empty.
    Blank,
    /// A totals row (合计, 总计, 小计, …).
    Total,
    /// A note or signature row (注：…, 填表人：…).
    Note,
    /// A data row.
    Data,
}

/// Classify a row: blank; totals (one of its first two non-empty cells is a totals
/// marker, alone or as "xx合计"); note (its first non-empty cell starts with a note
/// marker); else data.
pub fn classify(row: &GridRow) -> RowClass {
    let mut non_empty = row
        .cells
        .iter()
        .filter(|c| !c.is_blank())
        .map(|c| clean_cell(&c.text()));
    let Some(first) = non_empty.next() else {
        return RowClass::Blank;
    };
    if values::note_marker(&first).is_some() {
        return RowClass::Note;
    }
    let second = non_empty.next();
    let is_total = |s: &str| values::total_marker(s).is_some();
    if is_total(&first) || second.as_deref().is_some_and(is_total) {
        return RowClass::Total;
    }
    RowClass::Data
}

/// GB 32100-2015 alphabet of the unified social credit code (no I, O, S, V, Z).
const CREDIT_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Check a unified social credit code (already folded and upper-cased): 18 characters
/// of the GB 32100-2015 alphabet with a valid check character. `Err` says what is wrong.
pub fn check_credit_code(code: &str) -> Result<(), String> {
    let chars: Vec<char> = code.chars().collect();
    if chars.len() != 18 {
        return Err(format!("应为 18 位，实为 {} 位", chars.len()));
    }
    let mut values = Vec::with_capacity(18);
    for c in &chars {
        match CREDIT_ALPHABET.find(*c) {
            Some(v) => values.push(v as u32),
            None => return Err(format!("含有不允许的字符 {c}")),
        }
    }
    let sum: u32 = values.iter().zip(CREDIT_WEIGHTS).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    let expected = CREDIT_ALPHABET.chars().nth(check as usize).unwrap_or('?');
    match chars.last() {
        Some(last) if *last == expected => Ok(()),
        _ => Err(format!("校验位应为 {expected}")),
    }
}

/// A data row being parsed: its cells by field, and the problems found.
struct RowCtx<'a> {
    row: &'a GridRow,
    header: &'a HeaderMatch,
    fills: &'a HashMap<(u32, usize), Cell>,
    origin: Origin,
    /// Problems that make the row unusable: (column header, message).
    errors: Vec<(String, String)>,
    /// Problems noted while the row is used.
    notes: Vec<(String, String)>,
}

impl<'a> RowCtx<'a> {
    fn cell(&self, field: &str) -> Option<(&'a str, Cell)> {
        let map = self.header.column(field)?;
        let raw = self.row.cell(map.column);
        let cell = if raw.is_blank() {
            self.fills
                .get(&(self.row.number, map.column))
                .cloned()
                .unwrap_or(Cell::Empty)
        } else {
            raw.clone()
        };
        Some((map.header.as_str(), cell))
    }

    /// Cleaned text of a field's cell; `None` when the column is absent or the cell blank.
    fn text(&self, field: &str) -> Option<(&'a str, String)> {
        let (h, c) = self.cell(field)?;
        let t = clean_cell(&c.text());
        if t.is_empty() {
            None
        } else {
            Some((h, t))
        }
    }

    /// Folded text, empty when absent.
    fn folded(&self, field: &str) -> String {
        self.text(field).map(|(_, t)| fold(&t)).unwrap_or_default()
    }

    /// Folded text of a required field; records an error when blank.
    fn required(&mut self, field: &str) -> Option<String> {
        match self.text(field) {
            Some((_, t)) => Some(fold(&t)),
            None => {
                let h = self
                    .header
                    .column(field)
                    .map(|c| c.header.clone())
                    .unwrap_or_else(|| field.to_string());
                self.errors.push((
                    h.clone(),
                    format!("{h} 为空（必填） / required cell is empty"),
                ));
                None
            }
        }
    }

    fn date(&mut self, field: &str) -> Option<NaiveDate> {
        let (h, cell) = self.cell(field)?;
        let parsed = match &cell {
            Cell::Empty => return None,
            Cell::DateTime(dt) => Some(dt.date()),
            Cell::Number(f) if *f >= 1e7 => parse_date(&number_text(*f)),
            Cell::Number(f) => from_serial(*f),
            Cell::Text(s) if clean_cell(s).is_empty() => return None,
            Cell::Text(s) => parse_date(s),
            Cell::Bool(_) => None,
        };
        if parsed.is_none() {
            let v = clean_cell(&cell.text());
            self.errors.push((
                h.to_string(),
                format!("{h} \"{v}\" 不是日期（应为 2021-03-05、2021/3/5、2021年3月5日 等） / not a date"),
            ));
        }
        parsed
    }

    fn required_date(&mut self, field: &str) -> Option<NaiveDate> {
        let before = self.errors.len();
        let d = self.date(field);
        if d.is_none() && self.errors.len() == before {
            self.required(field);
        }
        d
    }

    fn yes_no(&mut self, field: &str) -> bool {
        let Some((h, t)) = self.text(field) else {
            return false;
        };
        match values::yes_no(&t) {
            Some(b) => b,
            None => {
                self.notes.push((
                    h.to_string(),
                    format!("{h} \"{t}\" 不是 是/否，按“否”计 / not yes/no, taken as no"),
                ));
                false
            }
        }
    }

    /// A value of a domain: canonical when known, else folded as written with a note.
    fn domain_value(&mut self, field: &str, domain: Domain, what: &str) -> Option<String> {
        let (h, t) = self.text(field)?;
        if let Some(c) = values::canonicalize(domain, &t) {
            return Some(c.to_string());
        }
        let hint = values::nearest(domain, &t)
            .map(|n| format!("；是否应为“{n}”？ / did you mean {n}?"))
            .unwrap_or_default();
        self.notes.push((
            h.to_string(),
            format!(
                "{h} \"{t}\" 不是已知的{what}（{}），按原样保留{hint}",
                values::canonical_values(domain).join("、")
            ),
        ));
        Some(fold(&t))
    }

    fn place(&self) -> Place {
        Place {
            province: self.folded("province"),
            city: self.folded("city"),
            county: self.folded("county"),
            street: self.folded("street"),
            community: self.folded("community"),
        }
    }
}

fn parse_year(cell: &Cell) -> Option<i32> {
    let y = match cell {
        Cell::Number(f) => *f,
        Cell::DateTime(dt) => return Some(chrono::Datelike::year(&dt.date())),
        other => {
            let t = fold(&other.text());
            let t = t
                .strip_suffix("年度")
                .or_else(|| t.strip_suffix('年'))
                .unwrap_or(&t);
            t.parse::<f64>().ok()?
        }
    };
    if y.fract() != 0.0 || !(1900.0..=2100.0).contains(&y) {
        return None;
    }
    Some(y as i32)
}

fn parse_amount(cell: &Cell) -> Option<f64> {
    let a = match cell {
        Cell::Number(f) => *f,
        other => {
            let t = fold(&other.text()).replace(',', "");
            let t = t
                .strip_suffix("万元")
                .or_else(|| t.strip_suffix('万'))
                .unwrap_or(&t);
            t.parse::<f64>().ok()?
        }
    };
    a.is_finite().then_some(a)
}

fn parse_row(ctx: &mut RowCtx<'_>, kind: TableKind, ds: &mut Dataset) -> bool {
    let origin = ctx.origin;
    match kind {
        TableKind::Communities => {
            let city = ctx.required("city");
            let county = ctx.required("county");
            let street = ctx.required("street");
            let community = ctx.required("community");
            let kind = match ctx.text("kind") {
                None => None,
                Some((h, t)) => {
                    let k = values::urban_rural_word(&t);
                    if k.is_none() {
                        ctx.notes.push((
                            h.to_string(),
                            format!("{h} \"{t}\" 不是已知的城乡类型（城市/农村 等），改按名称或代码判断 / unknown urban/rural word"),
                        ));
                    }
                    k
                }
            };
            let urban_rural_code = match ctx.text("urban_rural_code") {
                None => None,
                Some((h, t)) => {
                    let t = fold(&t);
                    let t = t.strip_suffix(".0").unwrap_or(&t);
                    let ok = t.len() == 3
                        && t.bytes().all(|b| b.is_ascii_digit())
                        && (t.starts_with('1') || t.starts_with('2'));
                    match t.parse::<u16>() {
                        Ok(v) if ok => Some(v),
                        _ => {
                            ctx.errors.push((
                                h.to_string(),
                                format!("{h} \"{t}\" 不是城乡分类代码（应为 3 位数字：1xx 城镇、2xx 乡村） / not an urban-rural code"),
                            ));
                            None
                        }
                    }
                }
            };
            let code = match ctx.text("code") {
                None => None,
                Some((h, t)) => {
                    let t = fold(&t);
                    if t.len() == 12 && t.bytes().all(|b| b.is_ascii_digit()) {
                        Some(t)
                    } else {
                        ctx.notes.push((
                            h.to_string(),
                            format!("{h} \"{t}\" 不是 12 位统计用区划代码，已忽略此代码 / not a 12-digit code, dropped"),
                        ));
                        None
                    }
                }
            };
            let pilot = ctx.yes_no("pilot");
            if !ctx.errors.is_empty()
                || city.is_none()
                || county.is_none()
                || street.is_none()
                || community.is_none()
            {
                return false;
            }
            ds.communities.push(CommunityRow {
                origin,
                place: ctx.place(),
                kind,
                urban_rural_code,
                code,
                pilot,
            });
        }
        TableKind::Organizations => {
            let name = ctx.required("name");
            ctx.required("city");
            ctx.required("county");
            let category = ctx.domain_value("category", Domain::Category, "组织类别");
            let registration = match ctx.text("registration") {
                None => None,
                Some((h, t)) => {
                    let r = values::registration(&t);
                    if r.is_none() {
                        ctx.notes.push((
                            h.to_string(),
                            format!("{h} \"{t}\" 不是 登记/备案，登记形式按空白计 / not registered/filed"),
                        ));
                    }
                    r
                }
            };
            let brand = ctx.yes_no("brand");
            let founded = ctx.date("founded");
            let dissolved = ctx.date("dissolved");
            let mut status = match ctx.text("status") {
                None => None,
                Some((h, t)) => {
                    let s = values::status(&t);
                    if s.is_none() {
                        ctx.notes.push((
                            h.to_string(),
                            format!("{h} \"{t}\" 不是已知状态（正常/存续/注销/撤销），按空白计 / unknown status"),
                        ));
                    }
                    s
                }
            };
            if dissolved.is_some() {
                match status {
                    None => status = Some(super::Status::Dissolved),
                    Some(super::Status::Active) => {
                        let h = ctx
                            .header
                            .column("status")
                            .map(|c| c.header.clone())
                            .unwrap_or_default();
                        ctx.notes.push((
                            h.clone(),
                            format!("{h} 为正常，但填有注销日期 / status active but a dissolution date is given"),
                        ));
                    }
                    Some(super::Status::Dissolved) => {}
                }
            }
            let credit_code = match ctx.text("credit_code") {
                None => None,
                Some((h, t)) => {
                    let code = fold(&t).to_ascii_uppercase();
                    if let Err(why) = check_credit_code(&code) {
                        ctx.notes.push((
                            h.to_string(),
                            format!("{h} \"{code}\" 不是有效的统一社会信用代码（{why}） / invalid unified social credit code"),
                        ));
                    }
                    Some(code)
                }
            };
            let serves = ctx
                .text("serves")
                .map(|(_, t)| {
                    t.split(['、', ',', ';', '，', '；'])
                        .map(fold)
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default();
            let Some(name) = name else { return false };
            if !ctx.errors.is_empty() {
                return false;
            }
            ds.organizations.push(OrganizationRow {
                origin,
                name,
                place: ctx.place(),
                category,
                registration,
                brand,
                founded,
                dissolved,
                status,
                credit_code,
                serves,
            });
        }
        TableKind::Incubators => {
            let name = ctx.required("name");
            ctx.required("city");
            ctx.required("county");
            ctx.required("street");
            let established = ctx.date("established");
            let closed = ctx.date("closed");
            let Some(name) = name else { return false };
            if !ctx.errors.is_empty() {
                return false;
            }
            ds.incubators.push(IncubatorRow {
                origin,
                name,
                place: ctx.place(),
                established,
                closed,
            });
        }
        TableKind::Projects | TableKind::Events => {
            let name = ctx.required("name");
            let (domain, what) = if kind == TableKind::Projects {
                (Domain::ProjectKind, "项目类型")
            } else {
                (Domain::EventKind, "活动类型")
            };
            let value = ctx.domain_value("kind", domain, what);
            if value.is_none() {
                ctx.required("kind");
            }
            ctx.required("city");
            let date = ctx.required_date("date");
            let (Some(name), Some(value), Some(date)) = (name, value, date) else {
                return false;
            };
            if !ctx.errors.is_empty() {
                return false;
            }
            let place = ctx.place();
            if kind == TableKind::Projects {
                ds.projects.push(ProjectRow {
                    origin,
                    name,
                    kind: value,
                    place,
                    date,
                });
            } else {
                ds.events.push(EventRow {
                    origin,
                    name,
                    kind: value,
                    place,
                    date,
                });
            }
        }
        TableKind::Funds => {
            ctx.required("city");
            let year = match ctx.cell("year") {
                Some((_, c)) if c.is_blank() => {
                    ctx.required("year");
                    None
                }
                Some((h, c)) => {
                    let y = parse_year(&c);
                    if y.is_none() {
                        ctx.errors.push((
                            h.to_string(),
                            format!(
                                "{h} \"{}\" 不是年份（应为 2021、2021年） / not a year",
                                clean_cell(&c.text())
                            ),
                        ));
                    }
                    y
                }
                None => None,
            };
            let amount = match ctx.cell("amount") {
                Some((_, c)) if c.is_blank() => {
                    ctx.required("amount");
                    None
                }
                Some((h, c)) => {
                    let a = parse_amount(&c);
                    if a.is_none() {
                        ctx.errors.push((
                            h.to_string(),
                            format!(
                                "{h} \"{}\" 不是金额数字（万元） / not an amount",
                                clean_cell(&c.text())
                            ),
                        ));
                    }
                    a
                }
                None => None,
            };
            let source = ctx.text("source").map(|(_, t)| t);
            let (Some(year), Some(amount)) = (year, amount) else {
                return false;
            };
            if !ctx.errors.is_empty() {
                return false;
            }
            ds.funds.push(FundRow {
                origin,
                place: ctx.place(),
                year,
                amount,
                source,
            });
        }
    }
    true
}

/// Values of vertically merged regions below the header, keyed by (row, column) of the
/// covered cells: a 市 or 县区 cell merged down over several data rows applies to each.
fn merge_fills(grid: &Grid, header_last: u32) -> HashMap<(u32, usize), Cell> {
    let mut fills = HashMap::new();
    for m in &grid.merges {
        if m.rows.1 <= m.rows.0 || m.rows.0 <= header_last {
            continue;
        }
        let Some(top) = grid.rows.iter().find(|r| r.number == m.rows.0) else {
            continue;
        };
        let value = top.cell(m.cols.0).clone();
        if value.is_blank() {
            continue;
        }
        for r in (m.rows.0 + 1)..=m.rows.1 {
            fills.insert((r, m.cols.0), value.clone());
        }
    }
    fills
}

/// Turn one grid into typed rows: find its header (or apply `--kind`), then read every
/// row below it up to the last non-empty row, skipping blank, totals and note rows and
/// rows with invalid values. Pushes the [`TableInfo`] into `ds.tables`; a table skipped
/// with `--kind …=skip` goes to `ds.ignored` instead.
pub fn ingest_grid(grid: Grid, opts: &IngestOptions, ds: &mut Dataset) -> Result<(), IngestError> {
    let ov = header::find_override(&grid, &opts.kind_overrides);
    if let Some(o) = ov {
        if o.kind.is_none() {
            ds.ignored.push(format!(
                "{}: 按 --kind 跳过 / skipped by --kind",
                grid.display_name()
            ));
            return Ok(());
        }
    }
    let hm = header::detect(&grid, ov.and_then(|o| o.kind))?;
    let table = u32::try_from(ds.tables.len()).unwrap_or(u32::MAX);
    let mut info = TableInfo {
        file: grid.file.clone(),
        sheet: grid.sheet.clone(),
        kind: hm.kind,
        kind_forced: hm.forced,
        encoding: grid.encoding.clone(),
        header_rows: hm.header_rows,
        columns: hm.columns.clone(),
        extra_columns: hm.extra_columns.clone(),
        rows_read: 0,
        skipped: Default::default(),
        used: 0,
    };
    let fills = merge_fills(&grid, hm.header_rows.1);
    let end = grid
        .rows
        .iter()
        .rposition(|r| !r.is_blank())
        .map_or(0, |i| i + 1);
    let data = grid.rows.get(hm.data_start..end).unwrap_or(&[]);
    for row in data {
        info.rows_read += 1;
        let origin = Origin {
            table,
            row: row.number,
        };
        match classify(row) {
            RowClass::Blank => {
                info.skip(SkipReason::Blank);
                continue;
            }
            RowClass::Total => {
                info.skip(SkipReason::Total);
                continue;
            }
            RowClass::Note => {
                info.skip(SkipReason::Note);
                continue;
            }
            RowClass::Data => {}
        }
        let mut ctx = RowCtx {
            row,
            header: &hm,
            fills: &fills,
            origin,
            errors: Vec::new(),
            notes: Vec::new(),
        };
        let used = parse_row(&mut ctx, hm.kind, ds);
        let outcome = if used {
            Outcome::Counted
        } else {
            info.skip(SkipReason::InvalidValue);
            Outcome::Skipped(SkipReason::InvalidValue)
        };
        if !used && ctx.errors.is_empty() {
            ctx.errors
                .push((String::new(), "无效的行 / invalid row".into()));
        }
        for (column, message) in ctx.errors {
            ds.issues.push(DataIssue {
                origin: Some(origin),
                column: (!column.is_empty()).then_some(column),
                message,
                outcome,
            });
        }
        for (column, message) in ctx.notes {
            ds.issues.push(DataIssue {
                origin: Some(origin),
                column: (!column.is_empty()).then_some(column),
                message,
                outcome,
            });
        }
    }
    ds.tables.push(info);
    Ok(())
}
