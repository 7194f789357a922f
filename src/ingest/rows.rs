//! Grid + header → typed rows, with every row below the header accounted for.

use std::borrow::Cow;
use std::collections::HashMap;

use super::chunks::Chunks;
use crate::keytable::{Key, KeyTable};

use chrono::NaiveDate;

use super::date::{from_serial, parse_date};
use super::header::{self, HeaderMatch};
use super::source::{number_text, Cell, CellRef, CsvRest, Grid, GridRow, Merge, Piece, RowCells};
use super::text::{clean_cell, clean_cow, fold, fold_cow};
use super::values::{self, Domain};
use super::{
    CommunityRow, DataIssue, Dataset, EventRow, FundRow, IncubatorRow, IngestError, IngestOptions,
    NameTable, OrganizationRow, Origin, Outcome, Place, PlaceIds, ProjectRow, SkipReason,
    TableInfo, TableKind,
};
use crate::issue::{CreditFault, IssueKind, Text};

/// How a data row is classified before its cells are parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RowClass {
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
#[cfg(test)]
pub(crate) fn classify(row: &GridRow) -> RowClass {
    classify_with(row, false)
}

/// [`classify`] of a row whose cells are known to be their own cleaned and folded text
/// (`plain`), or not.
fn classify_with<R: RowCells>(row: &R, plain: bool) -> RowClass {
    let mut non_empty = (0..row.width())
        .map(|i| row.cell_ref(i))
        .filter(|c| !c.is_blank())
        .map(|c| {
            if plain {
                c.text()
            } else {
                clean_text(c.text())
            }
        });
    let Some(first) = non_empty.next() else {
        return RowClass::Blank;
    };
    fn folded(s: &str, plain: bool) -> Cow<'_, str> {
        if plain {
            Cow::Borrowed(s)
        } else {
            fold_cow(s)
        }
    }
    if values::note_marker_of(&folded(&first, plain)).is_some() {
        return RowClass::Note;
    }
    let second = non_empty.next();
    let is_total = |s: &str| values::total_marker_of(&folded(s, plain)).is_some();
    if is_total(&first) || second.as_deref().is_some_and(is_total) {
        return RowClass::Total;
    }
    RowClass::Data
}

/// A cell's text cleaned ([`clean_cow`]), borrowed from the cell when already clean.
fn clean_text(text: Cow<'_, str>) -> Cow<'_, str> {
    through(text, clean_cow)
}

/// `f` (a cleaning or folding) applied to a cell's text, still borrowed from the cell
/// when the text was and `f` changes nothing.
fn through<'a>(text: Cow<'a, str>, f: for<'x> fn(&'x str) -> Cow<'x, str>) -> Cow<'a, str> {
    match text {
        Cow::Borrowed(b) => f(b),
        Cow::Owned(o) => Cow::Owned(f(&o).into_owned()),
    }
}

/// GB 32100-2015 alphabet of the unified social credit code (no I, O, S, V, Z).
const CREDIT_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Check a unified social credit code (already folded and upper-cased): 18 characters
/// of the GB 32100-2015 alphabet with a valid check character. `Err` says what is wrong.
pub(crate) fn check_credit_code(code: &str) -> Result<(), CreditFault> {
    let found = code.chars().count();
    if found != 18 {
        return Err(CreditFault::Length { found });
    }
    let (mut sum, mut last) = (0, 0);
    for (i, c) in code.chars().enumerate() {
        let v = credit_value(c).ok_or(CreditFault::Character { found: c })?;
        if let Some(w) = CREDIT_WEIGHTS.get(i) {
            sum += v * w;
        }
        last = v;
    }
    let check = (31 - sum % 31) % 31;
    if last == check {
        Ok(())
    } else {
        let expected = CREDIT_ALPHABET.chars().nth(check as usize).unwrap_or('?');
        Err(CreditFault::Check { expected })
    }
}

/// A character's value in the credit code's alphabet (its place in [`CREDIT_ALPHABET`]).
fn credit_value(c: char) -> Option<u32> {
    const VALUES: [u8; 128] = {
        let mut t = [u8::MAX; 128];
        let a = CREDIT_ALPHABET.as_bytes();
        let mut i = 0;
        while i < a.len() {
            t[a[i] as usize] = i as u8;
            i += 1;
        }
        t
    };
    let v = *VALUES.get(c as usize)?;
    (v != u8::MAX).then_some(u32::from(v))
}

/// A field the row parsers read, by its canonical name in `rules/columns.toml`. A table's
/// columns are looked up by field once, when its header is found ([`FieldColumns`]), not
/// by name in every row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum F {
    Name,
    Province,
    City,
    County,
    Street,
    Community,
    Category,
    Registration,
    Brand,
    Founded,
    Dissolved,
    Status,
    CreditCode,
    Serves,
    Kind,
    UrbanRuralCode,
    Code,
    Pilot,
    Established,
    Closed,
    Date,
    Year,
    Amount,
    Source,
}

impl F {
    const ALL: [F; 24] = [
        F::Name,
        F::Province,
        F::City,
        F::County,
        F::Street,
        F::Community,
        F::Category,
        F::Registration,
        F::Brand,
        F::Founded,
        F::Dissolved,
        F::Status,
        F::CreditCode,
        F::Serves,
        F::Kind,
        F::UrbanRuralCode,
        F::Code,
        F::Pilot,
        F::Established,
        F::Closed,
        F::Date,
        F::Year,
        F::Amount,
        F::Source,
    ];

    /// The canonical field name.
    pub(crate) fn key(self) -> &'static str {
        match self {
            F::Name => "name",
            F::Province => "province",
            F::City => "city",
            F::County => "county",
            F::Street => "street",
            F::Community => "community",
            F::Category => "category",
            F::Registration => "registration",
            F::Brand => "brand",
            F::Founded => "founded",
            F::Dissolved => "dissolved",
            F::Status => "status",
            F::CreditCode => "credit_code",
            F::Serves => "serves",
            F::Kind => "kind",
            F::UrbanRuralCode => "urban_rural_code",
            F::Code => "code",
            F::Pilot => "pilot",
            F::Established => "established",
            F::Closed => "closed",
            F::Date => "date",
            F::Year => "year",
            F::Amount => "amount",
            F::Source => "source",
        }
    }
}

/// Field → index into a header's columns ([`HeaderMatch::columns`]), made once per table.
#[derive(Debug, Clone, Default)]
pub(crate) struct FieldColumns([Option<u16>; F::ALL.len()]);

impl FieldColumns {
    pub(crate) fn of(columns: &[super::ColumnMap]) -> FieldColumns {
        let mut by = [None; F::ALL.len()];
        for (slot, f) in by.iter_mut().zip(F::ALL) {
            *slot = columns
                .iter()
                .position(|c| c.field == f.key())
                .and_then(|i| u16::try_from(i).ok());
        }
        FieldColumns(by)
    }
}

/// A data row being parsed: its cells by field, and the problems found.
struct RowCtx<'a, R> {
    row: &'a R,
    /// The place names met so far (one shared copy of each).
    names: &'a mut Names,
    header: &'a HeaderMatch,
    fills: &'a HashMap<(u32, usize), Cell>,
    origin: Origin,
    /// Every cell of the row is its own cleaned and folded text (a plain CSV record with
    /// no fills): cleaning and folding are passed over.
    plain: bool,
    /// Problems that make the row unusable: (column header, issue).
    errors: Vec<(Option<Text>, IssueKind)>,
    /// Problems noted while the row is used.
    notes: Vec<(Option<Text>, IssueKind)>,
}

impl<'a, R: RowCells> RowCtx<'a, R> {
    #[inline]
    fn column(&self, field: F) -> Option<&'a super::ColumnMap> {
        let i = self.header.by_field.0[field as usize]?;
        self.header.columns.get(usize::from(i))
    }

    #[inline(always)]
    fn cell(&self, field: F) -> Option<(&'a str, CellRef<'a>)> {
        let map = self.column(field)?;
        let raw = self.row.cell_ref(map.column);
        let cell = if !self.fills.is_empty() && raw.is_blank() {
            self.fills
                .get(&(self.row.number(), map.column))
                .map_or(raw, Cell::as_ref)
        } else {
            raw
        };
        Some((map.header.as_str(), cell))
    }

    /// Cleaned text of a field's cell; `None` when the column is absent or the cell blank.
    #[inline(always)]
    fn text(&self, field: F) -> Option<(&'a str, Cow<'a, str>)> {
        let (h, c) = self.cell(field)?;
        let t = if self.plain {
            c.text()
        } else {
            clean_text(c.text())
        };
        if t.is_empty() {
            None
        } else {
            Some((h, t))
        }
    }

    /// Folded text of a field's cell ([`fold`] of the cell as written: folding drops every
    /// space that cleaning would keep, so the cell need not be cleaned first); `None` when
    /// the column is absent or the cell blank.
    #[inline(always)]
    fn folded(&self, field: F) -> Option<Cow<'a, str>> {
        let (_, c) = self.cell(field)?;
        let t = if self.plain {
            c.text()
        } else {
            through(c.text(), fold_cow)
        };
        (!t.is_empty()).then_some(t)
    }

    /// Folded text of a required field; records an error when blank.
    fn required(&mut self, field: F) -> Option<String> {
        self.required_folded(field).map(Cow::into_owned)
    }

    /// Whether a required field is filled (its text is not kept); records an error when
    /// blank.
    fn require(&mut self, field: F) -> bool {
        self.required_folded(field).is_some()
    }

    fn required_empty(&mut self, field: F) {
        let h = self
            .column(field)
            .map_or(field.key(), |c| c.header.as_str());
        self.errors.push((Some(h.into()), IssueKind::RequiredEmpty));
    }

    /// The date of a field's cell; `Err(text)` when the cell holds something that is not
    /// a date, `Ok(None)` when it is blank or the column absent.
    fn parse_date_cell(&self, field: F) -> Result<Option<NaiveDate>, (String, String)> {
        let Some((h, cell)) = self.cell(field) else {
            return Ok(None);
        };
        let parsed = match cell {
            CellRef::Empty => return Ok(None),
            CellRef::DateTime(dt) => Some(dt.date()),
            CellRef::Number(f) if f >= 1e7 => parse_date(&number_text(f)),
            CellRef::Number(f) => from_serial(f),
            CellRef::Text(s) if clean_cow(s).is_empty() => return Ok(None),
            CellRef::Text(s) => parse_date(s),
            CellRef::Bool(_) => None,
        };
        parsed
            .map(Some)
            .ok_or_else(|| (h.to_string(), clean_cell(&cell.text())))
    }

    /// An optional date (成立日期, 注销日期, 建成日期, 撤销日期): a cell that is not a date
    /// is a data issue and the row is used as if the cell were blank.
    #[inline(always)]
    fn date(&mut self, field: F) -> Option<NaiveDate> {
        match self.parse_date_cell(field) {
            Ok(d) => d,
            Err((h, v)) => {
                self.notes
                    .push((Some(h.into()), IssueKind::NotADate { value: v.into() }));
                None
            }
        }
    }

    /// A required date (项目 认定日期, 活动 日期): blank or not a date makes the row
    /// unusable.
    fn required_date(&mut self, field: F) -> Option<NaiveDate> {
        match self.parse_date_cell(field) {
            Ok(Some(d)) => Some(d),
            Ok(None) => {
                self.required(field);
                None
            }
            Err((h, v)) => {
                self.errors.push((
                    Some(h.into()),
                    IssueKind::RequiredNotADate { value: v.into() },
                ));
                None
            }
        }
    }

    /// 统一社会信用代码, folded and upper-cased; an invalid one is kept and noted.
    fn credit_code(&mut self) -> Option<String> {
        let (h, t) = self.text(F::CreditCode)?;
        let mut code = if self.plain { t.into_owned() } else { fold(&t) };
        code.make_ascii_uppercase();
        if let Err(fault) = check_credit_code(&code) {
            self.notes.push((
                Some(h.into()),
                IssueKind::InvalidCreditCode {
                    value: code.as_str().into(),
                    fault,
                },
            ));
        }
        Some(code)
    }

    #[inline(always)]
    fn yes_no(&mut self, field: F) -> bool {
        let Some((h, t)) = self.text(field) else {
            return false;
        };
        match self.names.recent.yes_no.of(&t, values::yes_no) {
            Some(b) => b,
            None => {
                self.notes
                    .push((Some(h.into()), IssueKind::NotYesNo { value: t.into() }));
                false
            }
        }
    }

    /// A value of a domain: canonical when known, else folded as written with a note.
    fn domain_value(&mut self, field: F, domain: Domain) -> Option<Cow<'static, str>> {
        let (h, t) = self.text(field)?;
        let canonical = match domain {
            Domain::Category => self
                .names
                .recent
                .category
                .of(&t, |t| values::canonicalize(domain, t)),
            _ => values::canonicalize(domain, &t),
        };
        if let Some(c) = canonical {
            return Some(Cow::Borrowed(c));
        }
        let folded = fold(&t);
        self.notes.push((
            Some(h.into()),
            IssueKind::UnknownValue {
                domain,
                suggestion: values::nearest(domain, &t),
                value: t.into(),
            },
        ));
        Some(Cow::Owned(folded))
    }

    /// The province, street and community of an organization row, folded, with the keys
    /// of its five names (city and county as folded already by
    /// [`RowCtx::required_folded`]), their lines of the names' table warmed for
    /// [`RowCtx::place_ids`] at the end of the row.
    fn place_names(&self, city: Option<&str>, county: Option<&str>) -> RowPlace<'a> {
        let names = [
            self.folded(F::Province),
            self.folded(F::Street),
            self.folded(F::Community),
        ];
        let [province, street, community] = names.each_ref().map(|n| n.as_deref());
        let keys = [province, city, county, street, community].map(|n| {
            n.filter(|n| !n.is_empty())
                .map_or(0, |n| self.names.warm(n))
        });
        RowPlace { names, keys }
    }

    /// The place of an organization row: the ids of its names (this thread's), in the
    /// order province, city, county, street, community (a name's id is its order of
    /// meeting).
    fn place_ids(
        &mut self,
        p: &RowPlace<'_>,
        city: Option<&str>,
        county: Option<&str>,
    ) -> PlaceIds {
        let [province, street, community] = p.names.each_ref().map(|n| n.as_deref());
        let names = &mut *self.names;
        let mut id = |t: Option<&str>, key: Key| names.id_keyed(t.unwrap_or(""), key);
        let [kp, kc, ky, ks, km] = p.keys;
        // In field order (the fields of a struct expression are evaluated as written), as
        // the names are met.
        PlaceIds {
            province: id(province, kp),
            city: id(city, kc),
            county: id(county, ky),
            street: id(street, ks),
            community: id(community, km),
        }
    }

    /// Folded text of a required field (kept as borrowed when folding changes nothing);
    /// records an error when blank.
    #[inline(always)]
    fn required_folded(&mut self, field: F) -> Option<Cow<'a, str>> {
        let t = self.folded(field);
        if t.is_none() {
            self.required_empty(field);
        }
        t
    }

    fn place(&mut self) -> Place {
        // All five folded and their lines of the table warmed first ([`Names::warm`]).
        let names = [F::Province, F::City, F::County, F::Street, F::Community]
            .map(|field| self.folded(field).unwrap_or_default());
        let keys = names
            .each_ref()
            .map(|n| if n.is_empty() { 0 } else { self.names.warm(n) });
        let [province, city, county, street, community] =
            std::array::from_fn(|i| self.names.get_keyed(&names[i], keys[i]));
        Place {
            province,
            city,
            county,
            street,
            community,
        }
    }
}

/// An organization row's place names read at its start ([`RowCtx::place_names`]).
struct RowPlace<'a> {
    /// Province, street and community, folded.
    names: [Option<Cow<'a, str>>; 3],
    /// The keys of province, city, county, street and community (0 for a blank name).
    keys: [Key; 5],
}

/// The place names one parsing thread has met, each stored once (end to end in one
/// string) under an id. A national ledger writes a few tens of thousands of names millions
/// of times: a name is found by its 128-bit hash alone (two 64-bit hashes with their own
/// seeds) in a flat [`KeyTable`], as the duplicate keys are (the table keeps 96 of its
/// bits: two names share them with a probability below 10⁻¹⁶ at ten million), so that a lookup reads one slot and never
/// the text. An organization row holds the ids ([`PlaceIds`]), turned into the dataset's
/// ids when its part is joined ([`Names::remap`]); the rows of other tables hold shared
/// copies of the names ([`Names::get`]). Id 0 is the blank name.
pub struct Names {
    /// The name's 128-bit hash ([`crate::keytable::key`]) → its id: one line of the
    /// cache a lookup (a `HashTable`'s control bytes, then its entry on another line, were
    /// two misses one after the other: four-fifths of this thread's costliest function).
    table: KeyTable<u32>,
    /// Id → where its name lies in `text`.
    spans: Vec<(usize, usize)>,
    text: String,
    /// Id → the shared copy of its name, made when first asked for.
    shared: Vec<Option<Text>>,
    /// Shared copies of the rules' own values (an organization's category), found by their
    /// address: a few of them written millions of times, no hash of their text.
    rule_values: Vec<(&'static str, Text)>,
    /// Id → the id of the same name in the dataset's table, for the ids joined so far.
    joined: Vec<u32>,
    /// The last value of each coded column looked up, with what it meant.
    recent: Recent,
}

/// What this thread's last values of each coded column meant: a ledger writes a handful of
/// values in each, millions of times, and each lookup folded the text and hashed it.
#[derive(Default)]
struct Recent {
    category: Last<Option<&'static str>>,
    registration: Last<Option<super::Registration>>,
    status: Last<Option<super::Status>>,
    yes_no: Last<Option<bool>>,
}

/// A column's last [`LAST_VALUES`] texts and their meanings ([`Recent`]), the oldest
/// written over (a category column holds half a dozen values in no order: the last one
/// alone was another for most rows).
struct Last<T> {
    seen: Vec<(String, T)>,
    /// The entry a new text takes once `seen` is full.
    next: usize,
}

/// Texts a column remembers ([`Last`]).
const LAST_VALUES: usize = 8;

impl<T> Default for Last<T> {
    fn default() -> Self {
        Last {
            seen: Vec::new(),
            next: 0,
        }
    }
}

impl<T: Copy> Last<T> {
    /// `lookup(text)`, remembered.
    fn of(&mut self, text: &str, lookup: impl FnOnce(&str) -> T) -> T {
        if let Some((_, m)) = self.seen.iter().find(|(t, _)| t == text) {
            return *m;
        }
        let m = lookup(text);
        if self.seen.len() < LAST_VALUES {
            self.seen.push((text.to_string(), m));
        } else if let Some(slot) = self.seen.get_mut(self.next) {
            slot.0.clear();
            slot.0.push_str(text);
            slot.1 = m;
            self.next = (self.next + 1) % LAST_VALUES;
        }
        m
    }
}

impl Default for Names {
    fn default() -> Self {
        Names {
            table: KeyTable::default(),
            spans: vec![(0, 0)],
            text: String::new(),
            shared: Vec::new(),
            rule_values: Vec::new(),
            joined: Vec::new(),
            recent: Recent::default(),
        }
    }
}

impl Names {
    /// The name of `id`: its span of `text`.
    fn name(&self, id: u32) -> &str {
        self.spans
            .get(id as usize)
            .and_then(|&(start, end)| self.text.get(start..end))
            .unwrap_or_default()
    }

    /// The id of `name`, added when new.
    pub fn id(&mut self, name: &str) -> u32 {
        if name.is_empty() {
            return 0;
        }
        self.id_keyed(name, crate::keytable::key(name))
    }

    /// The key of `name` (not blank), its slot's line of the table brought into the cache
    /// meanwhile: [`Names::id_keyed`] with it a few hundred instructions later finds the
    /// line there (the table of a national ledger's names is tens of MB, and its probe was
    /// a miss of the cache for nearly every row: their community names are a million).
    fn warm(&self, name: &str) -> Key {
        let key = crate::keytable::key(name);
        self.table.warm(key);
        key
    }

    /// [`Names::id`] of a name with its key (from [`Names::warm`]) already made.
    #[inline(always)]
    fn id_keyed(&mut self, name: &str, key: Key) -> u32 {
        if name.is_empty() {
            return 0;
        }
        let vacant = match self.table.find(key) {
            Ok(id) => return id,
            Err(vacant) => vacant,
        };
        // Fewer names than bytes read: the ids fit.
        let id = u32::try_from(self.spans.len()).unwrap_or(u32::MAX);
        let start = self.text.len();
        self.text.push_str(name);
        self.spans.push((start, self.text.len()));
        self.table.insert(vacant, key, id);
        id
    }

    /// The shared copy of `name`.
    pub fn get(&mut self, name: &str) -> Text {
        let key = if name.is_empty() {
            0
        } else {
            crate::keytable::key(name)
        };
        self.get_keyed(name, key)
    }

    /// [`Names::get`] of a name with its key (from [`Names::warm`]; 0 when blank).
    fn get_keyed(&mut self, name: &str, key: Key) -> Text {
        let id = self.id_keyed(name, key) as usize;
        if self.shared.len() <= id {
            self.shared.resize(id + 1, None);
        }
        if let Some(Some(t)) = self.shared.get(id) {
            return t.clone();
        }
        let t: Text = name.into();
        if let Some(slot) = self.shared.get_mut(id) {
            *slot = Some(t.clone());
        }
        t
    }

    /// The shared copy of a value: a rule's own text (one of a bounded few) by its address,
    /// any other by [`Names::get`].
    fn value(&mut self, value: Cow<'static, str>) -> Text {
        match value {
            Cow::Borrowed(v) => {
                if let Some((_, t)) = self.rule_values.iter().find(|(k, _)| std::ptr::eq(*k, v)) {
                    return t.clone();
                }
                let t: Text = v.into();
                self.rule_values.push((v, t.clone()));
                t
            }
            Cow::Owned(v) => self.get(&v),
        }
    }

    /// Turn the ids of `rows` (this thread's) into those of the same names in `table`,
    /// adding the names `table` does not hold yet.
    fn remap(&mut self, rows: &mut Chunks<OrganizationRow>, table: &mut NameTable) {
        for id in self.joined.len()..self.spans.len() {
            let global = table.id(self.name(id as u32));
            self.joined.push(global);
        }
        let map = |id: &mut u32| *id = self.joined.get(*id as usize).copied().unwrap_or(0);
        for row in rows.iter_mut() {
            row.place.ids_mut().into_iter().for_each(map);
        }
    }
}

fn parse_year(cell: CellRef<'_>) -> Option<i32> {
    let y = match cell {
        CellRef::Number(f) => f,
        CellRef::DateTime(dt) => return Some(chrono::Datelike::year(&dt.date())),
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

fn parse_amount(cell: CellRef<'_>) -> Option<f64> {
    let a = match cell {
        CellRef::Number(f) => f,
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

/// Parse one data row of a table of `kind` into `ds`; `false` when the row is not usable
/// (its errors are in `ctx`).
fn parse_row<R: RowCells>(ctx: &mut RowCtx<'_, R>, kind: TableKind, ds: &mut Dataset) -> bool {
    match kind {
        TableKind::Communities => community_row(ctx, ds),
        TableKind::Organizations => organization_row(ctx, ds),
        TableKind::Incubators => incubator_row(ctx, ds),
        TableKind::Projects | TableKind::Events => dated_row(ctx, kind, ds),
        TableKind::Funds => fund_row(ctx, ds),
    }
}

/// A row of a communities table (社区名单). `false` when it is not usable.
fn community_row<R: RowCells>(ctx: &mut RowCtx<'_, R>, ds: &mut Dataset) -> bool {
    let origin = ctx.origin;
    let city = ctx.require(F::City);
    let county = ctx.require(F::County);
    let street = ctx.require(F::Street);
    let community = ctx.require(F::Community);
    let kind = match ctx.text(F::Kind) {
        None => None,
        Some((h, t)) => {
            let k = values::urban_rural_word(&t);
            if k.is_none() {
                ctx.notes.push((
                    Some(h.into()),
                    IssueKind::UnknownUrbanRural { value: t.into() },
                ));
            }
            k
        }
    };
    let urban_rural_code = match ctx.text(F::UrbanRuralCode) {
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
                        Some(h.into()),
                        IssueKind::BadUrbanRuralCode { value: t.into() },
                    ));
                    None
                }
            }
        }
    };
    let code = match ctx.text(F::Code) {
        None => None,
        Some((h, t)) => {
            let t = fold(&t);
            if t.len() == 12 && t.bytes().all(|b| b.is_ascii_digit()) {
                Some(t)
            } else {
                ctx.notes.push((
                    Some(h.into()),
                    IssueKind::BadDivisionCode {
                        value: t.as_str().into(),
                    },
                ));
                None
            }
        }
    };
    let pilot = ctx.yes_no(F::Pilot);
    if !ctx.errors.is_empty() || !city || !county || !street || !community {
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
    true
}

/// A row of an organizations table (社区社会组织). `false` when it is not usable.
fn organization_row<R: RowCells>(ctx: &mut RowCtx<'_, R>, ds: &mut Dataset) -> bool {
    let origin = ctx.origin;
    let name = ctx.required(F::Name);
    let city = ctx.required_folded(F::City);
    let county = ctx.required_folded(F::County);
    let place = ctx.place_names(city.as_deref(), county.as_deref());
    // One shared copy of each category: a ledger writes a dozen of them millions of times.
    let category = ctx
        .domain_value(F::Category, Domain::Category)
        .map(|c| ctx.names.value(c));
    let registration = match ctx.text(F::Registration) {
        None => None,
        Some((h, t)) => {
            let r = ctx.names.recent.registration.of(&t, values::registration);
            if r.is_none() {
                ctx.notes.push((
                    Some(h.into()),
                    IssueKind::UnknownRegistration { value: t.into() },
                ));
            }
            r
        }
    };
    let brand = ctx.yes_no(F::Brand);
    let founded = ctx.date(F::Founded);
    let dissolved = ctx.date(F::Dissolved);
    let mut status = match ctx.text(F::Status) {
        None => None,
        Some((h, t)) => {
            let s = ctx.names.recent.status.of(&t, values::status);
            if s.is_none() {
                ctx.notes
                    .push((Some(h.into()), IssueKind::UnknownStatus { value: t.into() }));
            }
            s
        }
    };
    if dissolved.is_some() {
        match status {
            None => status = Some(super::Status::Dissolved),
            Some(super::Status::Active) => {
                let h = ctx.column(F::Status).map(|c| c.header.as_str());
                ctx.notes
                    .push((h.map(Into::into), IssueKind::ActiveButDissolved));
            }
            Some(super::Status::Dissolved) => {}
        }
    }
    let credit_code = ctx.credit_code();
    let serves = ctx
        .text(F::Serves)
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
        name: name.into_boxed_str(),
        place: ctx.place_ids(&place, city.as_deref(), county.as_deref()),
        category,
        registration,
        brand,
        founded,
        dissolved,
        status,
        extra: super::OrgExtra::of(credit_code.map(String::into_boxed_str), serves),
    });
    true
}

/// A row of an incubators table (孵化基地). `false` when it is not usable.
fn incubator_row<R: RowCells>(ctx: &mut RowCtx<'_, R>, ds: &mut Dataset) -> bool {
    let origin = ctx.origin;
    let name = ctx.required(F::Name);
    ctx.require(F::City);
    ctx.require(F::County);
    ctx.require(F::Street);
    let established = ctx.date(F::Established);
    let closed = ctx.date(F::Closed);
    let credit_code = ctx.credit_code();
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
        credit_code,
    });
    true
}

/// A row of a projects (项目) or events (活动) table. `false` when it is not usable.
fn dated_row<R: RowCells>(ctx: &mut RowCtx<'_, R>, kind: TableKind, ds: &mut Dataset) -> bool {
    let origin = ctx.origin;
    let name = ctx.required(F::Name);
    let domain = if kind == TableKind::Projects {
        Domain::ProjectKind
    } else {
        Domain::EventKind
    };
    let value = ctx.domain_value(F::Kind, domain).map(Cow::into_owned);
    if value.is_none() {
        ctx.require(F::Kind);
    }
    ctx.require(F::City);
    let date = ctx.required_date(F::Date);
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
    true
}

/// A required cell of `field` read by `parse`: a blank cell is a missing value; one that
/// does not parse is the error `bad` of its text (the row is not usable). `None` also when
/// the column is absent (the header check reports that).
fn required_parsed<T, R: RowCells>(
    ctx: &mut RowCtx<'_, R>,
    field: F,
    parse: fn(CellRef<'_>) -> Option<T>,
    bad: fn(Text) -> IssueKind,
) -> Option<T> {
    match ctx.cell(field) {
        Some((_, c)) if c.is_blank() => {
            ctx.require(field);
            None
        }
        Some((h, c)) => {
            let v = parse(c);
            if v.is_none() {
                ctx.errors
                    .push((Some(h.into()), bad(clean_cell(&c.text()).into())));
            }
            v
        }
        None => None,
    }
}

/// A row of a funds table (经费). `false` when it is not usable.
fn fund_row<R: RowCells>(ctx: &mut RowCtx<'_, R>, ds: &mut Dataset) -> bool {
    let origin = ctx.origin;
    ctx.require(F::City);
    let year = required_parsed(ctx, F::Year, parse_year, |value| IssueKind::NotAYear {
        value,
    });
    let amount = required_parsed(ctx, F::Amount, parse_amount, |value| {
        IssueKind::NotAnAmount { value }
    });
    let source = ctx.text(F::Source).map(|(_, t)| t.into_owned());
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
    true
}

/// Values of vertically merged regions below the header, keyed by (row, column) of the
/// covered cells: a 市 or 县区 cell merged down over several data rows applies to each.
/// `merges` are the regions whose top row is among `rows` (a grid's, or a batch's).
fn merge_fills(
    fills: &mut HashMap<(u32, usize), Cell>,
    (rows, merges): (&[GridRow], &[Merge]),
    header_last: u32,
) {
    for m in merges {
        if m.rows.1 <= m.rows.0 || m.rows.0 <= header_last {
            continue;
        }
        let Ok(top) = rows.binary_search_by_key(&m.rows.0, |r| r.number) else {
            continue;
        };
        let Some(top) = rows.get(top) else {
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
}

/// Record `rows` blank rows from `origin` on: as a longer run when they continue the
/// run that `issues` ends with (same table, the next row number), so that a run of blank
/// rows is one issue whichever threads and batches its rows were parsed in.
fn push_blank(issues: &mut Vec<DataIssue>, origin: Origin, rows: u32) {
    if let Some(last) = issues.last_mut() {
        if let Some((first, n)) = last.blank_run() {
            if first.table == origin.table && first.row.checked_add(n) == Some(origin.row) {
                if let (Some(sum), IssueKind::BlankRow { rows: n }) =
                    (n.checked_add(rows), last.kind_mut())
                {
                    *n = sum;
                    return;
                }
            }
        }
    }
    issues.push(DataIssue::new(
        Some(origin),
        None,
        IssueKind::BlankRow { rows },
        Outcome::Skipped(SkipReason::Blank),
    ));
}

/// Below this many rows per thread, a table is parsed on one thread.
const PARALLEL_ROWS: usize = 20_000;

/// Parse one data row of a table into `ds` (its typed row and its issues), counting it
/// in `info`; `false` when the row is blank.
fn parse_one<R: RowCells>(
    (row, plain): (&R, bool),
    table: u32,
    (hm, fills): (&HeaderMatch, &HashMap<(u32, usize), Cell>),
    names: &mut Names,
    ds: &mut Dataset,
    info: &mut TableInfo,
) -> bool {
    info.rows_read += 1;
    let origin = Origin {
        table,
        row: row.number(),
    };
    let layout_skip = match classify_with(row, plain) {
        RowClass::Blank => {
            info.skip(SkipReason::Blank);
            push_blank(&mut ds.issues, origin, 1);
            return false;
        }
        RowClass::Total => Some((SkipReason::Total, IssueKind::TotalsRow)),
        RowClass::Note => Some((SkipReason::Note, IssueKind::NoteRow)),
        RowClass::Data => None,
    };
    if let Some((reason, kind)) = layout_skip {
        // Recorded as an issue too, so that `--rejects` lists every skipped row;
        // reports count these rather than list them.
        info.skip(reason);
        let body = ds.bodies.body(None, kind);
        ds.issues.push(DataIssue::shared(
            Some(origin),
            body,
            Outcome::Skipped(reason),
        ));
        return true;
    }
    let mut ctx = RowCtx {
        row,
        names,
        header: hm,
        fills,
        origin,
        // A fill is a cell of another row (a merged range's value).
        plain: plain && fills.is_empty(),
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
        ctx.errors.push((None, IssueKind::InvalidRow));
    }
    for (column, kind) in ctx.errors.into_iter().chain(ctx.notes) {
        let body = ds.bodies.body(column, kind);
        ds.issues
            .push(DataIssue::shared(Some(origin), body, outcome));
    }
    true
}

/// Turn one grid into typed rows: find its header (or apply `--kind`), then read every
/// row below it up to the last non-empty row, skipping blank, totals and note rows and
/// rows with invalid values. Pushes the [`TableInfo`] into `ds.tables`; a table skipped
/// with `--kind …=skip` goes to `ds.ignored` instead.
pub fn ingest_grid(grid: Grid, opts: &IngestOptions, ds: &mut Dataset) -> Result<(), IngestError> {
    ingest_rows(grid, (std::iter::empty(), 0), opts, ds)
}

/// [`ingest_grid`] on a table read in parts: `head`, the table's first rows (the header
/// is looked for there), then the batches of rows that follow it, each parsed as it
/// comes (a national CSV never stands in memory as one grid). Blank rows at the end of
/// a batch wait for the next one: blank rows after the last non-empty row of the table
/// are not rows of it. `expected` is how many rows the table is thought to hold in all
/// (`0` when not known): room for them is reserved at once.
pub(crate) fn ingest_rows(
    head: Grid,
    (more, expected): (
        impl Iterator<Item = Result<Vec<GridRow>, IngestError>>,
        usize,
    ),
    opts: &IngestOptions,
    ds: &mut Dataset,
) -> Result<(), IngestError> {
    let more = more.map(|batch| batch.map(|rows| (rows, Vec::new())));
    ingest_merged_rows(head, (more, expected), opts, ds)
}

/// [`ingest_rows`] on batches that carry merged regions of their own (an HTML table read
/// as a stream): each batch comes with the regions whose top row is in it, so that a
/// cell merged down from a batch fills the rows below it as in one grid.
pub(crate) fn ingest_merged_rows(
    head: Grid,
    (mut more, expected): (
        impl Iterator<Item = Result<(Vec<GridRow>, Vec<Merge>), IngestError>>,
        usize,
    ),
    opts: &IngestOptions,
    ds: &mut Dataset,
) -> Result<(), IngestError> {
    let Some((hm, table, mut info)) = begin_table(&head, expected, opts, ds)? else {
        return Ok(());
    };
    let mut fills = HashMap::new();
    merge_fills(&mut fills, (&head.rows, &head.merges), hm.header_rows.1);
    let mut names: Vec<Names> = Vec::new();
    let mut pending: Vec<GridRow> = head.rows;
    pending.drain(..hm.data_start.min(pending.len()));
    loop {
        // The rows up to the last non-empty one so far are rows of the table.
        let ready = pending
            .iter()
            .rposition(|r| !r.is_blank())
            .map_or(0, |i| i + 1);
        if ready > 0 {
            let rest = pending.split_off(ready);
            parse_block(
                &pending,
                table,
                (&hm, &fills),
                &mut names,
                opts,
                ds,
                &mut info,
            );
            super::pass_on(ds);
            pending = rest;
        }
        match more.next() {
            None => break,
            Some(batch) => {
                let (rows, merges) = batch?;
                merge_fills(&mut fills, (&rows, &merges), hm.header_rows.1);
                pending.extend(rows);
            }
        }
    }
    ds.tables.push(info);
    Ok(())
}

/// A table's header (from its first rows, or `--kind`), its number and its counts so far,
/// with room reserved in `ds` for the `expected` rows; `None` when `--kind …=skip` passes
/// the table over (noted in `ds.ignored`).
fn begin_table(
    head: &Grid,
    expected: usize,
    opts: &IngestOptions,
    ds: &mut Dataset,
) -> Result<Option<(HeaderMatch, u32, TableInfo)>, IngestError> {
    let ov = header::find_override(head, &opts.kind_overrides);
    if let Some(o) = ov {
        if o.kind.is_none() {
            ds.ignored.push(super::PassedOver {
                file: head.file.clone(),
                sheet: head.sheet.clone(),
                reason: super::PassReason::SkippedByKind,
            });
            return Ok(None);
        }
    }
    let hm = header::detect(head, ov.and_then(|o| o.kind))?;
    let table = u32::try_from(ds.tables.len()).unwrap_or(u32::MAX);
    let info = TableInfo {
        file: head.file.clone(),
        sheet: head.sheet.clone(),
        kind: hm.kind,
        kind_forced: hm.forced,
        kind_clue: hm.clue.clone(),
        encoding: head.encoding.clone(),
        header_rows: hm.header_rows,
        columns: hm.columns.clone(),
        extra_columns: hm.extra_columns.clone(),
        rows_read: 0,
        skipped: Default::default(),
        used: 0,
    };
    ds.reserve(hm.kind, expected);
    Ok(Some((hm, table, info)))
}

/// [`ingest_grid`] on a CSV: `head`, its first records (the header is looked for there),
/// then the rest of its records window by window, each window's pieces split into records
/// and parsed on a thread of their own ([`CsvRest`]); the same rows, issues and counts, in
/// reading order, as one pass. `expected` is as in [`ingest_rows`].
pub(crate) fn ingest_csv(
    head: Grid,
    (mut rest, expected): (CsvRest<'_>, usize),
    opts: &IngestOptions,
    ds: &mut Dataset,
) -> Result<(), IngestError> {
    let Some((hm, table, mut info)) = begin_table(&head, expected, opts, ds)? else {
        return Ok(());
    };
    let fills = HashMap::new();
    let header = (&hm, &fills);
    let mut names: Vec<Names> = Vec::new();
    let data = head.rows.get(hm.data_start..).unwrap_or_default();
    let mut last = parse_block(data, table, header, &mut names, opts, ds, &mut info);
    super::pass_on(ds);
    let threads = opts.thread_count().max(1);
    if names.len() < threads {
        names.resize_with(threads, Names::default);
    }
    let zero = counted_from_nothing(&info);
    let blank_info = || zero.clone();
    while let Some(window) = rest.next_window(threads)? {
        let shape = rest.shape();
        let parse = |k: usize, names: &mut Names, mut info: TableInfo| {
            let mut piece = Piece::new(shape, &window, k);
            let mut part = Dataset::default();
            match hm.kind {
                TableKind::Organizations => part.organizations.reserve(piece.lines()),
                TableKind::Communities => part.communities.reserve(piece.lines()),
                _ => {}
            }
            let mut last = None;
            let end = loop {
                match piece.next_row() {
                    Ok(Some((row, plain))) => {
                        if parse_one((&row, plain), table, header, names, &mut part, &mut info) {
                            last = Some(row.number());
                        }
                    }
                    Ok(None) => break None,
                    Err(e) => break Some(e),
                }
            };
            (part, info, last, piece.records(), end)
        };
        let parts: Vec<_> = std::thread::scope(|s| {
            let mut names = names.iter_mut();
            let first = names.next();
            let handles: Vec<_> = (1..window.pieces())
                .zip(names)
                .map(|(k, names)| {
                    let info = blank_info();
                    s.spawn(move || parse(k, names, info))
                })
                .collect();
            let mut spare = Names::default();
            let first = parse(0, first.unwrap_or(&mut spare), blank_info());
            std::iter::once(first)
                .chain(
                    handles
                        .into_iter()
                        .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))),
                )
                .collect()
        });
        rest.recycle(window);
        for ((part, counts, part_last, records, end), names) in parts.into_iter().zip(&mut names) {
            rest.count(records)?;
            if let Some(e) = end {
                return Err(e);
            }
            join_part(ds, &mut info, (part, counts), names);
            last = part_last.or(last);
        }
        super::pass_on(ds);
    }
    drop_trailing_blanks(ds, &mut info, table, last);
    ds.tables.push(info);
    Ok(())
}

/// `info` with no rows counted yet: each part of a table parsed on its own counts its rows
/// from nothing, and [`join_part`] adds the counts up in reading order.
fn counted_from_nothing(info: &TableInfo) -> TableInfo {
    TableInfo {
        rows_read: 0,
        skipped: Default::default(),
        ..info.clone()
    }
}

/// Blank rows after the last non-blank row (`last`) of a table are not rows of it: their
/// issues (the last of `ds.issues`) and counts are taken back.
fn drop_trailing_blanks(ds: &mut Dataset, info: &mut TableInfo, table: u32, last: Option<u32>) {
    while let Some((o, rows)) = ds.issues.last().and_then(DataIssue::blank_run) {
        if o.table != table || last.is_some_and(|l| o.row <= l) {
            break;
        }
        info.rows_read = info.rows_read.saturating_sub(rows);
        if let Some(n) = info.skipped.get_mut(&SkipReason::Blank) {
            *n = n.saturating_sub(rows);
            if *n == 0 {
                info.skipped.remove(&SkipReason::Blank);
            }
        }
        ds.issues.pop();
    }
}

/// Add a part of a table parsed on its own by the thread of `names` (its rows, issues and
/// counts) after what `ds` and `info` hold: its organizations' place ids become the
/// dataset's, and a run of blank rows cut between the two is joined again.
fn join_part(
    ds: &mut Dataset,
    info: &mut TableInfo,
    (mut part, counts): (Dataset, TableInfo),
    names: &mut Names,
) {
    if !part.organizations.is_empty() {
        names.remap(&mut part.organizations, &mut ds.names);
    }
    info.rows_read += counts.rows_read;
    for (reason, n) in counts.skipped {
        *info.skipped.entry(reason).or_insert(0) += n;
    }
    ds.communities.append_chunks(part.communities);
    ds.organizations.append_chunks(part.organizations);
    ds.incubators.extend(part.incubators);
    ds.projects.extend(part.projects);
    ds.events.extend(part.events);
    ds.funds.extend(part.funds);
    let mut issues = part.issues.into_iter();
    if let Some(first) = issues.next() {
        match first.blank_run() {
            Some((o, rows)) => push_blank(&mut ds.issues, o, rows),
            None => ds.issues.push(first),
        }
    }
    ds.issues.extend(issues);
}

/// Parse a block of data rows into `ds`, on one thread per core when the block is large:
/// the same rows, issues and counts, in reading order, as one pass.
fn parse_block(
    data: &[GridRow],
    table: u32,
    header: (&HeaderMatch, &HashMap<(u32, usize), Cell>),
    names: &mut Vec<Names>,
    opts: &IngestOptions,
    ds: &mut Dataset,
    info: &mut TableInfo,
) -> Option<u32> {
    let zero = counted_from_nothing(info);
    let parse = |rows: &[GridRow], names: &mut Names, mut info: TableInfo| {
        let mut part = Dataset::default();
        if header.0.kind == TableKind::Organizations {
            part.organizations.reserve(rows.len());
        }
        let mut last = None;
        for row in rows {
            if parse_one((row, false), table, header, names, &mut part, &mut info) {
                last = Some(row.number);
            }
        }
        (part, info, last)
    };
    let threads = opts.thread_count().min(data.len() / PARALLEL_ROWS).max(1);
    if names.len() < threads {
        names.resize_with(threads, Names::default);
    }
    let chunk = data.len().div_ceil(threads).max(1);
    let parts: Vec<(Dataset, TableInfo, Option<u32>)> = if threads == 1 {
        match names.first_mut() {
            Some(n) => vec![parse(data, n, zero)],
            None => Vec::new(),
        }
    } else {
        std::thread::scope(|s| {
            let handles: Vec<_> = data
                .chunks(chunk)
                .zip(names.iter_mut())
                .map(|(rows, names)| {
                    let zero = zero.clone();
                    s.spawn(move || parse(rows, names, zero))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        })
    };
    let mut last = None;
    for ((part, counts, part_last), names) in parts.into_iter().zip(names.iter_mut()) {
        join_part(ds, info, (part, counts), names);
        last = part_last.or(last);
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::source::{Cell, Merge};
    use crate::ingest::{read_file, KindOverride, Registration, Status, UrbanRural};
    use std::path::PathBuf;

    fn row(number: u32, cells: &[&str]) -> GridRow {
        GridRow::from_texts(number, cells)
    }

    fn grid(rows: Vec<GridRow>) -> Grid {
        Grid {
            file: PathBuf::from("orgs.xlsx"),
            sheet: Some("台账".into()),
            encoding: None,
            rows,
            merges: vec![],
        }
    }

    /// A grid of `rows` read on `threads` threads.
    fn read_on(rows: &[GridRow], threads: usize) -> Dataset {
        let mut ds = Dataset::default();
        let opts = IngestOptions {
            threads,
            ..IngestOptions::default()
        };
        ingest_grid(grid(rows.to_vec()), &opts, &mut ds).unwrap_or_else(|e| panic!("{e}"));
        ds
    }

    fn typed_rows(ds: &Dataset) -> u32 {
        (ds.communities.len()
            + ds.organizations.len()
            + ds.incubators.len()
            + ds.projects.len()
            + ds.events.len()
            + ds.funds.len()) as u32
    }

    /// The interner against a plain map: 60,000 names (many one character apart, the
    /// blank one among them), each met three times in a scrambled order, get one id each,
    /// ids name their text, shared copies are shared, and remapping to a dataset's table
    /// gives the ids of the same names there.
    /// The coded columns' last value is remembered per thread (`Recent`): a value met
    /// again, a new one, an unknown one met twice and a known one after it each mean what
    /// they mean alone, and each unknown one keeps its own issue.
    #[test]
    fn coded_values_mean_the_same_whether_met_again_or_not() {
        let header = row(
            1,
            &[
                "组织名称",
                "市",
                "县区",
                "组织类别",
                "登记形式",
                "状态",
                "品牌组织",
            ],
        );
        let mut values = vec![
            ["文体类", "登记", "正常", "是"],
            ["文体类", "登记", "正常", "是"],
            ["养老类", "备案", "注销", "否"],
            ["奇怪类", "怪形", "怪态", "也许"],
            ["奇怪类", "怪形", "怪态", "也许"],
            ["文体类", "备案", "存续", "否"],
        ];
        // Then twelve categories (more than a column remembers), known and not, twice
        // over in turn, and the last three again: each still means what it means alone.
        let many = [
            "枢纽型",
            "枢纽",
            "支持型",
            "社工机构",
            "生活服务类",
            "公益慈善类",
            "文体活动类",
            "专业调处类",
            "类别甲",
            "类别乙",
            "枢纽型组织",
            "类别丙",
        ];
        // The last three again: remembered in entries written over.
        for c in many.iter().chain(&many).chain(&many[9..]) {
            values.push([c, "登记", "正常", "是"]);
        }
        let mut rows = vec![header];
        for (i, v) in values.iter().enumerate() {
            let name = format!("组织{i}");
            let mut cells = vec![name.as_str(), "太原市", "小店区"];
            cells.extend(v);
            rows.push(row(i as u32 + 2, &cells));
        }
        let ds = read_on(&rows, 1);
        let orgs: Vec<_> = ds.organizations.iter().collect();
        assert_eq!(orgs.len(), values.len());
        // Each row as its values mean on their own (the first row read alone).
        for (org, v) in orgs.iter().zip(&values) {
            let alone = read_on(
                &[
                    rows[0].clone(),
                    row(2, &["x", "太原市", "小店区", v[0], v[1], v[2], v[3]]),
                ],
                1,
            );
            let a = alone.organizations.iter().next().unwrap();
            assert_eq!(org.category, a.category, "{v:?}");
            assert_eq!(org.registration, a.registration, "{v:?}");
            assert_eq!(org.status, a.status, "{v:?}");
            assert_eq!(org.brand, a.brand, "{v:?}");
        }
        assert_eq!(orgs[2].registration, Some(Registration::Filed));
        assert_eq!(orgs[2].status, Some(Status::Dissolved));
        assert!(orgs[0].brand && !orgs[2].brand);
        assert_eq!(orgs[4].registration, None);
        assert_eq!(orgs[5].status, Some(Status::Active));
        assert_eq!(orgs[7].category.as_deref(), Some("枢纽型"));
        assert_eq!(orgs[6 + 12 + 1].category.as_deref(), Some("枢纽型"));
        assert_eq!(orgs[6 + 12 + 8].category.as_deref(), Some("类别甲"));
        // Rows 5 and 6 each carry their four issues of unknown values.
        for r in [5, 6] {
            let kinds: Vec<_> = ds
                .issues
                .iter()
                .filter(|i| i.origin.is_some_and(|o| o.row == r))
                .map(|i| std::mem::discriminant(i.kind()))
                .collect();
            assert_eq!(kinds.len(), 4, "row {r}: {:?}", ds.issues);
        }
    }

    #[test]
    fn names_intern_each_name_once_and_remap_to_the_dataset() {
        let all: Vec<String> = (0..60_000)
            .map(|i| match i {
                0 => String::new(),
                _ => format!("{}村{}", ["东", "西", "南", "北"][i % 4], i / 4),
            })
            .collect();
        let mut names = Names::default();
        let mut want: HashMap<&str, u32> = HashMap::new();
        for round in 0..3 {
            for k in 0..all.len() {
                let name = &all[(k * 7919 + round * 13) % all.len()];
                let id = names.id(name);
                let first = *want.entry(name).or_insert(id);
                assert_eq!(id, first, "{name:?}");
                assert_eq!(names.name(id), name);
            }
        }
        assert_eq!(names.id(""), 0);
        let mut ids: Vec<u32> = want.values().copied().collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), all.len(), "one id per name");
        let a = names.get("东村1");
        assert!(std::sync::Arc::ptr_eq(&a, &names.get("东村1")));
        // Rows with this thread's ids → the dataset's ids of the same names.
        let mut table = NameTable::default();
        let earlier = table.id("北村3");
        let place = |n: &mut Names, c: &str| PlaceIds {
            city: n.id("西村2"),
            community: n.id(c),
            ..PlaceIds::default()
        };
        let mut rows: Chunks<OrganizationRow> = Chunks::default();
        for c in ["北村3", "南村9", ""] {
            rows.push(OrganizationRow {
                origin: Origin { table: 0, row: 1 },
                name: "组织".into(),
                place: place(&mut names, c),
                category: None,
                registration: None,
                brand: false,
                founded: None,
                dissolved: None,
                status: None,
                extra: None,
            });
        }
        names.remap(&mut rows, &mut table);
        let places: Vec<Place> = rows.iter().map(|r| table.place(&r.place)).collect();
        let written: Vec<(&str, &str, &str)> = places
            .iter()
            .map(|p| (&*p.province, &*p.city, &*p.community))
            .collect();
        assert_eq!(
            written,
            [
                ("", "西村2", "北村3"),
                ("", "西村2", "南村9"),
                ("", "西村2", "")
            ]
        );
        assert_eq!(rows[0].place.community, earlier);
        assert_eq!(rows[2].place.community, 0);
    }

    #[test]
    fn every_field_the_parsers_read_is_a_field_of_the_column_rules() {
        use super::super::schema::fields;
        for f in F::ALL {
            assert!(
                TableKind::ALL
                    .into_iter()
                    .any(|k| fields(k).iter().any(|spec| spec.name == f.key())),
                "{f:?}"
            );
        }
        // And a table's columns are found by field as by name.
        let cols: Vec<super::super::ColumnMap> = ["city", "name", "serves"]
            .into_iter()
            .enumerate()
            .map(|(i, field)| super::super::ColumnMap {
                field,
                column: i + 3,
                header: field.to_uppercase(),
            })
            .collect();
        let by = FieldColumns::of(&cols);
        assert_eq!(by.0[F::City as usize], Some(0));
        assert_eq!(by.0[F::Serves as usize], Some(2));
        assert_eq!(by.0[F::County as usize], None);
    }

    #[test]
    fn credit_codes() {
        // Every character's value is its place in the alphabet; others have none.
        for c in [
            '\0', 'I', 'O', 'S', 'V', 'Z', 'a', '-', '\u{7f}', '\u{80}', '９', '统',
        ] {
            assert_eq!(credit_value(c), None, "{c:?}");
        }
        for (i, c) in CREDIT_ALPHABET.chars().enumerate() {
            assert_eq!(credit_value(c), Some(i as u32));
        }
        assert_eq!(
            check_credit_code("91350100M000100Y4"),
            Err(CreditFault::Length { found: 17 })
        );
        assert_eq!(
            check_credit_code("913501００M000100Y43"),
            Err(CreditFault::Character { found: '０' })
        );
        assert_eq!(
            check_credit_code("91350100M000100YI3"),
            Err(CreditFault::Character { found: 'I' })
        );
        assert_eq!(check_credit_code("91350100M000100Y43"), Ok(()));
        // Same code, wrong check character.
        assert_eq!(
            check_credit_code("91350100M000100Y44"),
            Err(CreditFault::Check { expected: '3' })
        );
        assert!(check_credit_code("91350100M000100Y4").is_err());
        assert!(check_credit_code("91350100M000100I43").is_err()); // I not allowed
        assert!(check_credit_code("").is_err());
    }

    #[test]
    fn totals_and_notes() {
        assert_eq!(classify(&row(9, &["", "合计", "", "12"])), RowClass::Total);
        // A plain row (no byte that cleaning or folding changes) classified without
        // cleaning or folding its cells is classified the same.
        for cells in [
            &["", "合计", "", "12"][..],
            &["太原市合计", "", "12"],
            &["3", "总计"],
            &["注:本表截至9月30日"],
            &["填表人:张三", "", "审核人:李四"],
            &["", "", ""],
            &["1", "合计划生育协会", "太原市"],
            &["1", "迎泽社区志愿服务队", "太原市"],
        ] {
            assert!(
                crate::ingest::text::surely_plain(&cells.concat()),
                "{cells:?}"
            );
            let r = row(9, cells);
            assert_eq!(classify_with(&r, true), classify(&r), "{cells:?}");
        }
        assert_eq!(
            classify(&row(9, &["太原市合计", "", "12"])),
            RowClass::Total
        );
        assert_eq!(classify(&row(9, &["", "小 计："])), RowClass::Total);
        assert_eq!(classify(&row(9, &["3", "总计"])), RowClass::Total);
        assert_eq!(classify(&row(9, &["注：本表截至9月30日"])), RowClass::Note);
        assert_eq!(
            classify(&row(9, &["填表人：张三", "", "审核人：李四"])),
            RowClass::Note
        );
        assert_eq!(classify(&row(9, &["", "  ", "\u{3000}"])), RowClass::Blank);
        assert_eq!(
            classify(&row(9, &["1", "合计划生育协会", "太原市"])),
            RowClass::Data
        );
    }

    #[test]
    fn organizations_with_every_kind_of_row() {
        let g = Grid {
            merges: vec![
                Merge {
                    rows: (1, 1),
                    cols: (0, 9),
                },
                // 市 merged down over the data rows 3–5.
                Merge {
                    rows: (3, 5),
                    cols: (2, 2),
                },
            ],
            ..grid(vec![
                row(1, &["太原市社区社会组织备案台账（2023年第三季度）"]),
                row(
                    2,
                    &[
                        "序号",
                        "组织名称",
                        "市",
                        "县（市、区）",
                        "乡镇（街道）",
                        "所属社区",
                        "组织类别",
                        "登记形式",
                        "成立日期",
                        "统一社会信用代码",
                        "服务社区",
                        "注销日期",
                    ],
                ),
                row(
                    3,
                    &[
                        "1",
                        "　迎泽区 文体协会 ",
                        "太原市",
                        "迎泽区",
                        "桥东街道",
                        "迎泽社区",
                        "文体类",
                        "已备案",
                        "2021/3/5",
                        "91350100M000100Y43",
                        "迎泽社区、新店村；郝庄社区",
                        "",
                    ],
                ),
                row(
                    4,
                    &[
                        "2",
                        "鄠邑区助老协会",
                        "",
                        "鄠邑区",
                        "甘亭街道",
                        "",
                        "养老类",
                        "登记",
                        "２０２１年３月",
                        "91350100M000100Y44",
                        "",
                        "2023-01-01",
                    ],
                ),
                row(
                    5,
                    &[
                        "3",
                        "薛圐圙乡调解会",
                        "",
                        "五寨县",
                        "",
                        "",
                        "",
                        "",
                        "2021-13-45",
                    ],
                ),
                row(6, &[]),
                row(7, &["4", "", "太原市", "小店区"]),
                row(8, &["", "合计", "", "", "", "", "", "", "", "", "", ""]),
                row(9, &["填表人：张三"]),
                row(10, &[]),
            ])
        };
        let mut ds = Dataset::default();
        ingest_grid(g, &IngestOptions::default(), &mut ds).unwrap();
        let t = &ds.tables[0];
        assert_eq!(t.kind, TableKind::Organizations);
        assert_eq!(t.header_rows, (2, 2));
        assert_eq!(t.rows_read, 7); // rows 3–9; trailing blank row 10 not read
        assert_eq!(t.skipped.get(&SkipReason::Blank), Some(&1));
        assert_eq!(t.skipped.get(&SkipReason::Total), Some(&1));
        assert_eq!(t.skipped.get(&SkipReason::Note), Some(&1));
        // Row 5 (成立日期 "2021-13-45") is used as if the date were blank; row 7 (name
        // empty) is the only invalid row.
        assert_eq!(t.skipped.get(&SkipReason::InvalidValue), Some(&1));
        assert_eq!(t.used, 0);
        assert_eq!(t.rows_read, typed_rows(&ds) + t.skipped_total());

        let a = &ds.organizations[0];
        assert_eq!(a.origin, Origin { table: 0, row: 3 });
        assert_eq!(&*a.name, "迎泽区文体协会");
        assert_eq!(&**ds.names.name(a.place.city), "太原市");
        assert_eq!(&**ds.names.name(a.place.community), "迎泽社区");
        assert_eq!(a.category.as_deref(), Some("文体活动类"));
        assert_eq!(a.registration, Some(Registration::Filed));
        assert_eq!(a.founded, NaiveDate::from_ymd_opt(2021, 3, 5));
        assert_eq!(a.credit_code(), Some("91350100M000100Y43"));
        assert_eq!(a.serves(), ["迎泽社区", "新店村", "郝庄社区"]);
        assert_eq!(a.status, None);

        let b = &ds.organizations[1];
        assert_eq!(
            &**ds.names.name(b.place.city),
            "太原市",
            "filled from the vertical merge"
        );
        assert_eq!(b.category.as_deref(), Some("养老类"));
        assert_eq!(b.founded, NaiveDate::from_ymd_opt(2021, 3, 1));
        assert_eq!(b.status, Some(Status::Dissolved));
        assert_eq!(b.dissolved, NaiveDate::from_ymd_opt(2023, 1, 1));

        let row_issues = |r: u32| {
            ds.issues
                .iter()
                .filter(|i| i.origin.map(|o| o.row) == Some(r))
                .collect::<Vec<_>>()
        };
        // Row 4: unknown category and bad credit code, both counted.
        let i4 = row_issues(4);
        assert_eq!(i4.len(), 2);
        assert!(i4.iter().all(|i| i.outcome == Outcome::Counted));
        assert!(i4[0].text().contains("养老类"));
        assert!(i4[1].text().contains("校验位"));
        // Row 5: invalid optional date → counted as if blank, message names column and
        // value.
        let i5 = row_issues(5);
        assert_eq!(i5.len(), 1);
        assert_eq!(i5[0].outcome, Outcome::Counted);
        assert_eq!(i5[0].column(), Some("成立日期"));
        assert!(
            i5[0]
                .text()
                .starts_with("成立日期 \"2021-13-45\" 不是日期（应为 2021-03-05"),
            "{}",
            i5[0].text()
        );
        assert_eq!(i5[0].code(), "V102");
        let en = crate::report::issue_text::message(i5[0], &[], crate::report::Lang::En);
        assert!(en.ends_with("taken as blank"), "{en}");
        let c = &ds.organizations[2];
        assert_eq!((c.origin.row, c.founded), (5, None));
        // Row 7: name empty.
        let i7 = row_issues(7);
        assert_eq!(i7[0].column(), Some("组织名称"));
    }

    #[test]
    fn communities_codes_and_kinds() {
        let g = grid(vec![
            row(
                1,
                &[
                    "市",
                    "县区",
                    "街道",
                    "社区",
                    "城乡类型",
                    "城乡分类代码",
                    "统计用区划代码",
                    "试点",
                ],
            ),
            row(
                2,
                &[
                    "忻州市",
                    "五寨县",
                    "薛圐圙乡",
                    "赤泥窊村委会",
                    "农村",
                    "220",
                    "140928203201",
                    "是",
                ],
            ),
            row(
                3,
                &[
                    "太原市",
                    "迎泽区",
                    "桥东街道",
                    "迎泽社区居委会",
                    "城区",
                    "111",
                    "1401",
                    "√",
                ],
            ),
            row(
                4,
                &["太原市", "迎泽区", "桥东街道", "新店村", "", "311", "", ""],
            ),
        ]);
        let mut ds = Dataset::default();
        ingest_grid(g, &IngestOptions::default(), &mut ds).unwrap();
        assert_eq!(ds.tables[0].kind, TableKind::Communities);
        assert_eq!(ds.communities.len(), 2);
        let c = &ds.communities[0];
        assert_eq!(&*c.place.street, "薛圐圙乡");
        assert_eq!(c.kind, Some(UrbanRural::Rural));
        assert_eq!(c.urban_rural_code, Some(220));
        assert_eq!(c.code.as_deref(), Some("140928203201"));
        assert!(c.pilot);
        let d = &ds.communities[1];
        assert_eq!(d.kind, None);
        assert_eq!(d.code, None);
        assert!(d.pilot);
        assert_eq!(ds.issues.len(), 3, "{:?}", ds.issues);
        assert_eq!(
            ds.issues[2].outcome,
            Outcome::Skipped(SkipReason::InvalidValue)
        );
        assert_eq!(ds.tables[0].rows_read, 3);
    }

    #[test]
    fn funds_projects_events() {
        let mut ds = Dataset::default();
        let opts = IngestOptions::default();
        let funds = grid(vec![
            row(1, &["市", "县区", "年度", "金额（万元）", "来源"]),
            row(2, &["太原市", "", "2021年", "1,234.5万元", "福彩公益金"]),
            row(3, &["太原市", "", "2022.0", "10", ""]),
            row(4, &["太原市", "", "明年", "10", ""]),
            row(5, &["太原市", "", "2023", "十万", ""]),
            row(6, &["太原市", "", "", "5", ""]),
        ]);
        ingest_grid(funds, &opts, &mut ds).unwrap();
        assert_eq!(ds.funds.len(), 2);
        // Rows 4–6 are not usable: a year that is not one (V113), an amount that is not a
        // number (V114), a blank year (required).
        let fund_issue = |row: u32| {
            ds.issues
                .iter()
                .find(|i| i.origin == Some(Origin { table: 0, row }))
                .map(|i| (i.kind().code(), i.column().unwrap_or(""), i.outcome))
        };
        let invalid = Outcome::Skipped(SkipReason::InvalidValue);
        assert_eq!(fund_issue(4), Some(("V113", "年度", invalid)));
        // (Issues name the header as cleaned: full-width brackets folded.)
        assert_eq!(fund_issue(5), Some(("V114", "金额(万元)", invalid)));
        assert_eq!(
            fund_issue(6).map(|(_, c, o)| (c, o)),
            Some(("年度", invalid))
        );
        assert_eq!(ds.funds[0].year, 2021);
        assert!((ds.funds[0].amount - 1234.5).abs() < 1e-9);
        assert_eq!(ds.funds[1].year, 2022);
        assert_eq!(ds.funds[1].source, None);
        let mut projects = grid(vec![
            row(1, &["项目名称", "项目类型", "市", "县区", "认定日期"]),
            row(2, &["邻里守望", "政府购买服务", "太原市", "", ""]),
            row(3, &["邻里守望", "公益创头", "太原市", "", "44256"]),
            row(4, &["邻里守望", "品牌项目", "太原市", "", "2021-13-01"]),
        ]);
        projects.rows[2].cells[4] = Cell::Number(44256.0);
        ingest_grid(projects, &opts, &mut ds).unwrap();
        assert_eq!(ds.projects.len(), 1);
        assert_eq!(ds.projects[0].kind, "公益创头");
        assert_eq!(
            ds.projects[0].date,
            NaiveDate::from_ymd_opt(2021, 3, 1).unwrap()
        );
        assert!(ds.issues.iter().any(|i| i.text().contains("认定日期 为空")));
        assert!(ds.issues.iter().any(|i| i.text().contains("公益创投")));
        // A required date that is not a date makes the row unusable (skipped), unlike an
        // optional one.
        let bad = ds
            .issues
            .iter()
            .find(|i| i.text().contains("\"2021-13-01\""))
            .expect("issue for row 4");
        assert_eq!(bad.outcome, Outcome::Skipped(SkipReason::InvalidValue));
        assert_eq!(bad.column(), Some("认定日期"));
        let events = grid(vec![
            row(1, &["活动名称", "活动类型", "市", "日期"]),
            row(2, &["能力提升班", "培训", "太原市", "2021年3月5日"]),
        ]);
        ingest_grid(events, &opts, &mut ds).unwrap();
        assert_eq!(ds.events[0].kind, "能力培训");
        for t in &ds.tables {
            let used = match t.kind {
                TableKind::Funds => ds.funds.len(),
                TableKind::Projects => ds.projects.len(),
                _ => ds.events.len(),
            } as u32;
            assert_eq!(
                t.rows_read,
                used + t.skipped_total(),
                "{}",
                t.display_name()
            );
        }
    }

    #[test]
    fn kind_override_skip_and_force() {
        let g = grid(vec![
            row(1, &["名称", "市", "县区", "街道"]),
            row(2, &["甲", "乙", "丙", "丁"]),
        ]);
        let mut ds = Dataset::default();
        let skip = IngestOptions {
            kind_overrides: vec![KindOverride {
                file: "orgs.xlsx".into(),
                sheet: None,
                kind: None,
            }],
            ..Default::default()
        };
        ingest_grid(g.clone(), &skip, &mut ds).unwrap();
        assert!(ds.tables.is_empty());
        assert_eq!(ds.ignored.len(), 1);
        let force = IngestOptions {
            kind_overrides: vec![KindOverride {
                file: "orgs.xlsx".into(),
                sheet: Some("台账".into()),
                kind: Some(TableKind::Organizations),
            }],
            ..Default::default()
        };
        let err = ingest_grid(g, &force, &mut ds).unwrap_err().to_string();
        assert!(err.contains("组织名称"), "{err}");
    }

    #[test]
    fn gbk_csv_end_to_end() {
        let text = "西安市社区名单\r\n序号,市,县（市、区）,乡镇(街道),社区（村）,城乡类型\r\n1,西安市,鄠邑区,甘亭街道,城关社区居民委员会,城市\r\n2,忻州市,五寨县,薛圐圙乡,赤泥窊村,农村\r\n,,,,,\r\n合计,2,,,,\r\n注：数据截至2023年9月\r\n";
        let (bytes, _, _) = encoding_rs::GBK.encode(text);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("名单.csv");
        std::fs::write(&path, &bytes).unwrap();
        let mut ds = Dataset::default();
        read_file(&path, &IngestOptions::default(), &mut ds).unwrap();
        let t = &ds.tables[0];
        assert!(matches!(t.encoding.as_deref(), Some("GBK" | "GB18030")));
        assert_eq!(t.header_rows, (2, 2));
        assert_eq!(t.extra_columns, ["序号"]);
        assert_eq!(t.rows_read, 5);
        assert_eq!(ds.communities.len(), 2);
        assert_eq!(t.rows_read, typed_rows(&ds) + t.skipped_total());
        assert_eq!(&*ds.communities[1].place.street, "薛圐圙乡");
        assert_eq!(&*ds.communities[0].place.county, "鄠邑区");
        assert_eq!(ds.communities[1].origin.row, 4);
        // --rejects: original cells of the skipped totals row.
        let origin = Origin { table: 0, row: 6 };
        let cells = crate::ingest::original_cells(&ds.tables, &[origin], &IngestOptions::default())
            .unwrap();
        let got: Vec<&str> = cells[&origin].iter().collect();
        assert_eq!(got, ["合计", "2", "", "", "", ""]);
    }

    #[test]
    fn rows_parsed_on_several_threads_equal_one_pass() {
        // 2.5 × PARALLEL_ROWS rows with an issue every 7th row, a blank row every 11th and
        // a totals row every 13th: three threads must give the same rows, issues and
        // counts in the same order as one.
        let n = PARALLEL_ROWS * 5 / 2;
        let mut rows = vec![row(1, &["组织名称", "市", "县区", "成立日期", "品牌组织"])];
        for i in 0..n {
            let number = u32::try_from(i).unwrap_or(u32::MAX) + 2;
            let name = format!("组织{i}");
            let date = if i % 7 == 0 { "不详" } else { "2021-03-05" };
            rows.push(match (i % 11, i % 13) {
                (0, _) => row(number, &[]),
                (_, 0) => row(number, &["合计", "", "", "", ""]),
                _ => row(number, &[&name, "太原市", "小店区", date, "是"]),
            });
        }
        let read = |threads: usize| read_on(&rows, threads);
        let (one, three) = (read(1), read(3));
        let names = |ds: &Dataset| -> Vec<(u32, String)> {
            ds.organizations
                .iter()
                .map(|o| (o.origin.row, o.name.to_string()))
                .collect()
        };
        let issues = |ds: &Dataset| -> Vec<(Option<Origin>, &'static str)> {
            ds.issues.iter().map(|i| (i.origin, i.code())).collect()
        };
        assert_eq!(names(&one), names(&three));
        assert_eq!(issues(&one), issues(&three));
        assert_eq!(one.tables[0].rows_read, three.tables[0].rows_read);
        assert_eq!(one.tables[0].skipped, three.tables[0].skipped);
        // And the counts are what the pattern gives (checked by hand: i in 0..50000).
        let blank = (0..n).filter(|i| i % 11 == 0).count();
        let total = (0..n).filter(|i| i % 11 != 0 && i % 13 == 0).count();
        assert_eq!(three.organizations.len(), n - blank - total);
        assert_eq!(
            three.tables[0].skipped.get(&SkipReason::Total).copied(),
            u32::try_from(total).ok()
        );
        let bad_dates = (0..n)
            .filter(|i| i % 11 != 0 && i % 13 != 0 && i % 7 == 0)
            .count();
        assert_eq!(
            three.issues.iter().filter(|i| i.code() == "V102").count(),
            bad_dates
        );
        // Identical issues share one body (the same value in the same column; every
        // totals row): one per part a thread parsed.
        let bodies = |ds: &Dataset, code: &str| {
            ds.issues
                .iter()
                .filter(|i| i.code() == code)
                .map(|i| std::sync::Arc::as_ptr(i.body()))
                .collect::<std::collections::HashSet<_>>()
                .len()
        };
        assert_eq!((bodies(&one, "V102"), bodies(&one, "R002")), (1, 1));
        assert!((1..=3).contains(&bodies(&three, "V102")));
        assert!((1..=3).contains(&bodies(&three, "R002")));
    }

    #[test]
    fn a_run_of_blank_rows_is_one_issue_on_any_threads_and_lists_each_row() {
        // 53,000 rows with blank rows among them: a run of 3,000 across the cut between
        // the threads' rows (2 threads of at least PARALLEL_ROWS, the cut after 26,500),
        // a single blank row, and ten blank rows numbered with a gap in the middle (as
        // after a multi-line record): two issues.
        let n = PARALLEL_ROWS * 5 / 2;
        let mut rows = vec![row(1, &["组织名称", "市", "县区"])];
        let mut number = 1u32;
        let mut push = |rows: &mut Vec<GridRow>, blank: bool, skip: u32| {
            number += skip + 1;
            rows.push(if blank {
                row(number, &[])
            } else {
                row(number, &[&format!("组织{number}"), "太原市", "小店区"])
            });
        };
        // Expected runs as (first row, rows), worked out from the pattern.
        let mut expected = Vec::new();
        for i in 0..n + 3_000 {
            let blank =
                (25_000..28_000).contains(&i) || i == 40_000 || (45_000..45_010).contains(&i);
            // Row 45,005 comes after a gap of one row number.
            push(&mut rows, blank, u32::from(i == 45_005));
        }
        // Row numbers: i + 2 up to 45,004, then i + 3.
        expected.push((25_002, 3_000));
        expected.push((40_002, 1));
        expected.push((45_002, 5));
        expected.push((45_008, 5));
        let read = |threads: usize| read_on(&rows, threads);
        let runs = |ds: &Dataset| -> Vec<(u32, u32)> {
            ds.issues
                .iter()
                .filter_map(|i| match (i.origin, i.kind()) {
                    (Some(o), IssueKind::BlankRow { rows }) => Some((o.row, *rows)),
                    _ => None,
                })
                .collect()
        };
        let (one, three) = (read(1), read(3));
        assert_eq!(runs(&one), expected);
        assert_eq!(runs(&three), expected);
        assert_eq!(
            three.tables[0].skipped.get(&SkipReason::Blank).copied(),
            Some(3_000 + 1 + 10)
        );
        // `--rejects` lists every blank row once, by its own number.
        let model = crate::model::build(three, &crate::model::BuildOptions::default())
            .unwrap_or_else(|e| panic!("{e}"));
        let listed: Vec<u32> = model
            .skipped_rows()
            .iter()
            .filter(|(_, r, _)| *r == SkipReason::Blank)
            .map(|(o, _, _)| o.row)
            .collect();
        let mut want: Vec<u32> = (25_002..28_002).chain([40_002]).collect();
        want.extend((45_002..45_007).chain(45_008..45_013));
        assert_eq!(listed, want);
    }
}
