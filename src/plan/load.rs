//! Parse and validate a plan file.

use std::collections::{BTreeMap, HashSet};
use std::ops::Range;
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use toml::de::{DeTable, DeValue, ValueDeserializer};
use toml::value::Datetime;
use toml::Spanned;

use super::fields::{self, FieldType};
use super::{
    Attach, Diagnostic, Filter, Measure, Milestone, Plan, PlanError, PlanMeta, Ratio, Selection,
    Severity, Target, Test, UnitKind, Units,
};
use crate::ingest::TableKind;
use crate::model::Level;

/// The top level of a plan file. Its parts are deserialized one by one (see [`parse`]);
/// the struct names the keys the file takes.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct RawFile {
    plan: RawMeta,
    #[serde(default)]
    target: Vec<RawTarget>,
    #[serde(default)]
    unit: Vec<super::units::RawUnit>,
    swing: Option<super::swing::RawSwing>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeta {
    id: Spanned<String>,
    title: String,
    issuer: String,
    #[serde(default)]
    document: String,
    issued: Option<Spanned<Datetime>>,
    province: Spanned<String>,
    province_code: Spanned<String>,
    reporting_units: Spanned<Vec<String>>,
    period_start: Spanned<Datetime>,
    due: Spanned<Datetime>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    id: Spanned<String>,
    name: Spanned<String>,
    name_en: Option<Spanned<String>>,
    clause: String,
    text: String,
    note: String,
    measure: Spanned<String>,
    level: Spanned<String>,
    levels: Option<Spanned<Vec<Spanned<String>>>>,
    severity: Option<Spanned<String>>,
    due: Option<Spanned<Datetime>>,
    records: Spanned<RawSelection>,
    units: Option<Spanned<RawSelection>>,
    attach: Option<Spanned<String>>,
    at_least: Option<Spanned<i64>>,
    min: Option<Spanned<toml::Value>>,
    sum: Option<Spanned<String>>,
    milestones: Option<Spanned<Vec<Spanned<RawMilestone>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMilestone {
    by: Spanned<Datetime>,
    min: Spanned<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSelection {
    table: Spanned<String>,
    #[serde(default, rename = "where")]
    filters: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
}

/// Read and validate a plan file from disk.
pub fn load_path(path: &Path) -> Result<Plan, PlanError> {
    let bytes = std::fs::read(path).map_err(|e| PlanError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    parse_bytes(&path.display().to_string(), &bytes)
}

/// Read a TOML file of the plan family (a plan, `--units`) as UTF-8 text: a file that is
/// not UTF-8 is a diagnostic naming the byte offset of the first invalid byte, with its
/// line and column.
pub fn read_text(path: &Path) -> Result<String, PlanError> {
    let bytes = std::fs::read(path).map_err(|e| PlanError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    utf8_text(&path.display().to_string(), bytes)
}

/// [`parse`] on the bytes of a plan file, which must be UTF-8 (see [`read_text`]).
pub fn parse_bytes(file: &str, bytes: &[u8]) -> Result<Plan, PlanError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(file, text),
        Err(e) => Err(not_utf8(file, bytes, &e)),
    }
}

fn utf8_text(file: &str, bytes: Vec<u8>) -> Result<String, PlanError> {
    String::from_utf8(bytes).map_err(|e| not_utf8(file, e.as_bytes(), &e.utf8_error()))
}

/// The diagnostic for bytes that are not UTF-8: the 0-based byte offset and the value of
/// the first invalid byte, at its line and column (the column counts the characters
/// before it on its line, which are valid UTF-8).
fn not_utf8(file: &str, bytes: &[u8], e: &std::str::Utf8Error) -> PlanError {
    let offset = e.valid_up_to();
    let byte = bytes.get(offset).copied().unwrap_or(0);
    // The text up to the invalid byte is valid; the rest of its line is shown with the
    // invalid sequences replaced (U+FFFD starts at the same offset).
    let line_end = bytes
        .get(offset..)
        .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
        .map_or(bytes.len(), |i| offset + i);
    let shown = String::from_utf8_lossy(bytes.get(..line_end).unwrap_or(bytes));
    let len = e.error_len().unwrap_or(1);
    let message = format!(
        "不是 UTF-8 文本：第 {offset} 字节（0x{byte:02X}）无效；请以 UTF-8 保存 / not UTF-8: invalid byte 0x{byte:02X} at byte offset {offset}{}; save the file as UTF-8",
        if len > 1 { format!(" ({len} bytes)") } else { String::new() }
    );
    PlanError::Invalid(vec![Diagnostic::new(
        file,
        &shown,
        Some(offset..offset + '\u{FFFD}'.len_utf8()),
        message,
    )])
}

/// Parse and validate a plan from its TOML text; `file` names it in diagnostics.
///
/// Every error is reported, not the first: all syntax errors (the parser recovers), then,
/// for a file that parses, every unknown key (with the nearest known one as a suggestion),
/// every table that does not fit its schema and every value the validation refuses. The
/// diagnostics come in the order of their position in the file.
pub fn parse(file: &str, text: &str) -> Result<Plan, PlanError> {
    let (doc, syntax) = DeTable::parse_recoverable(text);
    if !syntax.is_empty() {
        let mut diags: Vec<Diagnostic> = syntax
            .iter()
            .map(|e| Diagnostic::new(file, text, e.span(), e.message().trim().to_string()))
            .collect();
        sort(&mut diags);
        return Err(PlanError::Invalid(diags));
    }
    let mut v = Validator {
        file,
        text,
        diags: Vec::new(),
    };
    let parts = v.parts(doc.into_inner());
    let plan = v.plan(parts);
    if v.diags.is_empty() {
        plan.ok_or_else(|| PlanError::Invalid(Vec::new()))
    } else {
        sort(&mut v.diags);
        Err(PlanError::Invalid(v.diags))
    }
}

/// In file order (a stable sort: diagnostics at one place keep their order).
fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by_key(|d| (d.line, d.column));
}

/// The parts of a plan file, each deserialized on its own so that an error in one
/// `[[target]]` does not hide those in the others.
struct Parts {
    meta: Option<RawMeta>,
    targets: Vec<RawTarget>,
    units: Vec<super::units::RawUnit>,
    swing: Option<super::swing::RawSwing>,
}

/// The field names of a struct as serde sees them (its `#[derive(Deserialize)]`), so that
/// the unknown-key check follows the schema structs as they are.
fn field_names<T: serde::de::DeserializeOwned>() -> &'static [&'static str] {
    struct Probe<'a>(&'a mut &'static [&'static str]);
    #[derive(Debug)]
    struct Stop;
    impl std::fmt::Display for Stop {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("probe")
        }
    }
    impl std::error::Error for Stop {}
    impl serde::de::Error for Stop {
        fn custom<M: std::fmt::Display>(_: M) -> Self {
            Stop
        }
    }
    impl<'de> serde::Deserializer<'de> for Probe<'_> {
        type Error = Stop;
        fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
            Err(Stop)
        }
        fn deserialize_struct<V: serde::de::Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Stop> {
            *self.0 = fields;
            Err(Stop)
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Probe(&mut fields));
    fields
}

/// The known name closest to `found`, when it is close enough to be a likely misspelling:
/// at most a third of its characters (and at least one) edited, a different case, or the
/// start of the name cut short (`warn` for `warning`, three characters at least).
pub(crate) fn did_you_mean<'a>(
    found: &str,
    known: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (found.chars().count() / 3).max(1);
    known
        .into_iter()
        .filter(|k| *k != found)
        .map(|k| {
            let d = if k.eq_ignore_ascii_case(found)
                || (found.chars().count() >= 3 && k.starts_with(found))
            {
                0
            } else {
                strsim::damerau_levenshtein(found, k)
            };
            (d, k)
        })
        .filter(|(d, k)| *d <= limit && *d < k.chars().count())
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

type Table<'i> = toml::de::DeTable<'i>;
type Value<'i> = Spanned<DeValue<'i>>;

/// Deserialize one part of the file; `Err` is its diagnostic, already recorded.
fn de<T: serde::de::DeserializeOwned>(v: &mut Validator<'_>, value: Value<'_>) -> Option<T> {
    let span = value.span();
    match T::deserialize(ValueDeserializer::from(value)) {
        Ok(x) => Some(x),
        Err(e) => {
            let at = e.span().unwrap_or(span);
            v.err(at, e.message().trim().to_string());
            None
        }
    }
}

impl Validator<'_> {
    /// Report every key of `table` that is not one of `known`, suggesting the nearest.
    /// Like a compiler, go on as if the suggestion had been written (when that key is not
    /// there already), else without the key, so that the rest of the table is checked
    /// and one misspelling gives one error.
    fn known_keys<'i>(&mut self, table: &mut Table<'i>, what: &str, known: &[&str]) {
        let unknown: Vec<String> = table
            .iter()
            .map(|(k, _)| k.get_ref().to_string())
            .filter(|k| !known.contains(&k.as_str()))
            .collect();
        for name in unknown {
            let Some((key, value)) = table.remove_entry(name.as_str()) else {
                continue;
            };
            let message = format!("unknown field `{name}` in {what}");
            match did_you_mean(&name, known.iter().copied()) {
                Some(k) => {
                    self.err_help(
                        key.span(),
                        message,
                        format!("did you mean `{k}`? / 是否应为 `{k}`？"),
                    );
                    if table.get(k).is_none() {
                        table.insert(
                            Spanned::new(key.span(), std::borrow::Cow::Owned(k.to_string())),
                            value,
                        );
                    }
                }
                None => self.err_help(
                    key.span(),
                    message,
                    format!("{what} 可用的键 / takes: {}", known.join(", ")),
                ),
            }
        }
    }

    /// Check the keys of every table of the file against the schema, then deserialize
    /// its parts one by one.
    fn parts(&mut self, mut doc: Table<'_>) -> Parts {
        self.known_keys(&mut doc, "the file", field_names::<RawFile>());
        let mut parts = Parts {
            meta: None,
            targets: Vec::new(),
            units: Vec::new(),
            swing: None,
        };
        match doc.remove("plan") {
            Some(mut meta) => {
                if let DeValue::Table(t) = meta.get_mut() {
                    self.known_keys(t, "[plan]", field_names::<RawMeta>());
                }
                parts.meta = de(self, meta);
            }
            None => self.err(
                0..0,
                "missing table [plan] (id, title, issuer, province, …)",
            ),
        }
        if let Some(mut targets) = doc.remove("target") {
            let span = targets.span();
            match targets.get_mut() {
                DeValue::Array(list) => {
                    for t in list.iter_mut() {
                        if let DeValue::Table(table) = t.get_mut() {
                            self.target_keys(table);
                        }
                        let t = std::mem::replace(t, Spanned::new(0..0, DeValue::Boolean(false)));
                        if let Some(t) = de(self, t) {
                            parts.targets.push(t);
                        }
                    }
                }
                _ => self.err(span, "`target` must be [[target]] tables"),
            }
        }
        if let Some(mut units) = doc.remove("unit") {
            if let DeValue::Array(list) = units.get_mut() {
                for u in list.iter_mut() {
                    if let DeValue::Table(table) = u.get_mut() {
                        self.known_keys(table, "[[unit]]", field_names::<super::units::RawUnit>());
                    }
                }
            }
            parts.units = de(self, units).unwrap_or_default();
        }
        if let Some(mut swing) = doc.remove("swing") {
            if let DeValue::Table(table) = swing.get_mut() {
                self.known_keys(table, "[swing]", field_names::<super::swing::RawSwing>());
            }
            parts.swing = de(self, swing);
        }
        parts
    }

    /// The keys of a `[[target]]`, its `records` and `units` tables and its milestones.
    fn target_keys(&mut self, table: &mut Table<'_>) {
        self.known_keys(table, "[[target]]", field_names::<RawTarget>());
        for key in ["records", "units"] {
            if let Some(DeValue::Table(sel)) = table.get_mut(key).map(Spanned::get_mut) {
                self.known_keys(sel, key, field_names::<RawSelection>());
            }
        }
        if let Some(DeValue::Array(ms)) = table.get_mut("milestones").map(Spanned::get_mut) {
            for m in ms.iter_mut() {
                if let DeValue::Table(m) = m.get_mut() {
                    self.known_keys(m, "a milestone", field_names::<RawMilestone>());
                }
            }
        }
    }
}

/// Bounds that make sense for a plan: counts and thresholds below 10⁹, dates of the
/// People's Republic up to 2100, a plan period of at most 20 years. Within them the gap
/// arithmetic (`⌈min × units⌉ − records` in u128, clamped) cannot overflow.
const MAX_COUNT: u64 = 1_000_000_000;
const DATE_MIN: i32 = 1949;
const DATE_MAX: i32 = 2100;
const MAX_PERIOD_YEARS: i32 = 20;

struct Validator<'a> {
    file: &'a str,
    text: &'a str,
    diags: Vec<Diagnostic>,
}

impl Validator<'_> {
    fn err(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.diags.push(Diagnostic::new(
            self.file,
            self.text,
            Some(span),
            message.into(),
        ));
    }

    /// An error about `found`, which is not one of `known`: with the nearest known name as a
    /// suggestion when there is one close enough.
    fn err_unknown(&mut self, span: Range<usize>, message: String, found: &str, known: &[&str]) {
        match did_you_mean(found, known.iter().copied()) {
            Some(k) => self.err_help(
                span,
                message,
                format!("did you mean `{k}`? / 是否应为 `{k}`？"),
            ),
            None => self.err(span, message),
        }
    }

    /// An error with a suggestion ("did you mean …").
    fn err_help(&mut self, span: Range<usize>, message: impl Into<String>, help: String) {
        self.diags.push(
            Diagnostic::new(self.file, self.text, Some(span), message.into()).with_help(help),
        );
    }

    fn date(&mut self, d: &Spanned<Datetime>) -> Option<NaiveDate> {
        let s = d.get_ref().to_string();
        match NaiveDate::parse_from_str(&s, "%Y-%m-%d") {
            Ok(x) if !(DATE_MIN..=DATE_MAX).contains(&x.year()) => {
                self.err(
                    d.span(),
                    format!("date {x} is outside {DATE_MIN}–{DATE_MAX}, the years a plan can span"),
                );
                None
            }
            Ok(x) => Some(x),
            Err(_) => {
                self.err(
                    d.span(),
                    format!("expected a date such as 2023-12-31, found {s}"),
                );
                None
            }
        }
    }

    fn plan(&mut self, raw: Parts) -> Option<Plan> {
        let Some(m) = raw.meta else {
            // The targets are still checked (their own `due` dates, or none).
            for t in raw.targets {
                let _ = self.target(t, None);
            }
            return None;
        };
        let issued = m.issued.as_ref().and_then(|d| self.date(d));
        let period_start = self.date(&m.period_start);
        let due = self.date(&m.due);
        if m.id.get_ref().trim().is_empty() {
            self.err(m.id.span(), "plan id must not be empty");
        }
        let code = m.province_code.get_ref();
        if code.len() != 2 || !code.chars().all(|c| c.is_ascii_digit()) {
            self.err(
                m.province_code.span(),
                format!("province_code must be the two-digit division code (e.g. \"14\"), found {code:?}"),
            );
        } else if crate::model::provinces::province_of_code(code)
            .is_some_and(|p| !crate::model::provinces::same_province(p, m.province.get_ref()))
        {
            self.err(
                m.province.span(),
                format!(
                    "province {:?} does not match province_code {code:?}",
                    m.province.get_ref()
                ),
            );
        }
        if m.reporting_units.get_ref().is_empty() {
            self.err(
                m.reporting_units.span(),
                "reporting_units must list the cities expected to report",
            );
        }
        if let (Some(s), Some(d)) = (period_start, due) {
            if s > d {
                self.err(m.due.span(), "due is before period_start");
            } else if d.year() - s.year() > MAX_PERIOD_YEARS {
                self.err(
                    m.due.span(),
                    format!(
                        "a plan period of {} years is longer than the {MAX_PERIOD_YEARS} a plan can span",
                        d.year() - s.year()
                    ),
                );
            }
        }
        let mut ids = HashSet::new();
        let mut targets = Vec::new();
        for t in raw.targets {
            if !ids.insert(t.id.get_ref().clone()) {
                self.err(
                    t.id.span(),
                    format!("duplicate target id {:?}", t.id.get_ref()),
                );
            }
            if let Some(t) = self.target(t, due) {
                targets.push(t);
            }
        }
        if targets.is_empty() && self.diags.is_empty() {
            self.err(0..0, "a plan needs at least one [[target]]");
        }
        let (units, unit_diags) = super::units::validate(
            self.file,
            self.text,
            raw.units,
            m.reporting_units.get_ref(),
            m.province.get_ref(),
        );
        self.diags.extend(unit_diags);
        let (swing, swing_diags) = super::swing::validate(self.file, self.text, raw.swing);
        self.diags.extend(swing_diags);
        Some(Plan {
            meta: PlanMeta {
                id: m.id.into_inner(),
                title: m.title,
                issuer: m.issuer,
                document: m.document,
                issued,
                province: m.province.into_inner(),
                province_code: m.province_code.into_inner(),
                reporting_units: m
                    .reporting_units
                    .into_inner()
                    .into_iter()
                    .map(|u| crate::ingest::text::fold(&u))
                    .collect(),
                period_start: period_start?,
                due: due?,
            },
            targets,
            units,
            swing,
        })
    }

    fn one_of<T: Copy>(
        &mut self,
        s: &Spanned<String>,
        what: &str,
        options: &[(&str, T)],
    ) -> Option<T> {
        let found = options.iter().find(|(n, _)| *n == s.get_ref().as_str());
        if found.is_none() {
            let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
            self.err_unknown(
                s.span(),
                format!(
                    "unknown {what} {:?}; expected one of: {}",
                    s.get_ref(),
                    names.join(", ")
                ),
                s.get_ref(),
                &names,
            );
        }
        found.map(|(_, v)| *v)
    }

    fn level(&mut self, s: &Spanned<String>) -> Option<Level> {
        self.one_of(
            s,
            "level",
            &[
                ("province", Level::Province),
                ("city", Level::City),
                ("county", Level::County),
                ("street", Level::Street),
            ],
        )
    }

    fn target(&mut self, t: RawTarget, plan_due: Option<NaiveDate>) -> Option<Target> {
        let before = self.diags.len();
        for (name, key) in [(Some(&t.name), "name"), (t.name_en.as_ref(), "name_en")] {
            if let Some(n) = name.filter(|n| n.get_ref().trim().is_empty()) {
                self.err(
                    n.span(),
                    format!("`{key}` is empty: give the target a short name for the reports"),
                );
            }
        }
        let level = self.level(&t.level);
        let severity = match &t.severity {
            Some(s) => self.one_of(
                s,
                "severity",
                &[("error", Severity::Error), ("warning", Severity::Warning)],
            ),
            None => Some(Severity::Error),
        };
        let due = match &t.due {
            Some(d) => self.date(d),
            None => plan_due,
        };
        let records = self.selection(&t.records, false);
        let units = t.units.as_ref().map(|u| (u.span(), self.units(u)));
        let attach = t.attach.as_ref().and_then(|a| {
            self.one_of(
                a,
                "attach",
                &[
                    ("within", Attach::Within),
                    ("at", Attach::At),
                    ("reaches", Attach::Reaches),
                ],
            )
            .map(|x| (a.span(), x))
        });
        let at_least = match &t.at_least {
            Some(k) if *k.get_ref() < 1 || *k.get_ref() > MAX_COUNT as i64 => {
                self.err(
                    k.span(),
                    format!("at_least must be a whole number from 1 to {MAX_COUNT}"),
                );
                None
            }
            Some(k) => Some((k.span(), *k.get_ref() as u32)),
            None => None,
        };
        let min = t
            .min
            .as_ref()
            .and_then(|m| self.ratio(m).map(|r| (m.span(), r)));
        let measure_name = t.measure.get_ref().as_str();
        let known = ["density", "coverage", "count", "yearly_count", "info"];
        if !known.contains(&measure_name) {
            self.err_unknown(
                t.measure.span(),
                format!(
                    "unknown measure {measure_name:?}; expected one of: {}",
                    known.join(", ")
                ),
                measure_name,
                &known,
            );
            return None;
        }
        // Which keys each measure takes.
        let takes = |key: &str| -> bool {
            match measure_name {
                "density" => matches!(key, "units" | "min" | "attach" | "milestones"),
                "coverage" => {
                    matches!(key, "units" | "min" | "attach" | "at_least" | "milestones")
                }
                "count" => matches!(key, "min" | "attach" | "milestones"),
                "yearly_count" => matches!(key, "attach" | "at_least"),
                _ => matches!(key, "attach" | "sum"),
            }
        };
        let present: [(&str, Option<Range<usize>>); 6] = [
            ("units", t.units.as_ref().map(Spanned::span)),
            ("min", t.min.as_ref().map(Spanned::span)),
            ("attach", t.attach.as_ref().map(Spanned::span)),
            ("at_least", t.at_least.as_ref().map(Spanned::span)),
            ("sum", t.sum.as_ref().map(Spanned::span)),
            ("milestones", t.milestones.as_ref().map(Spanned::span)),
        ];
        for (key, span) in present {
            if let Some(span) = span {
                if !takes(key) {
                    self.err(
                        span,
                        format!("`{key}` does not apply to measure \"{measure_name}\""),
                    );
                }
            }
        }
        let needs = |v: &mut Self, key: &str, has: bool| {
            if !has {
                v.err(
                    t.measure.span(),
                    format!("measure \"{measure_name}\" needs `{key}`"),
                );
            }
        };
        match measure_name {
            "density" | "coverage" => {
                needs(self, "units", t.units.is_some());
                needs(self, "min", t.min.is_some());
            }
            "count" => needs(self, "min", t.min.is_some()),
            _ => {}
        }
        let records = records?;
        let attach_or = |default: Attach| attach.as_ref().map_or(default, |(_, a)| *a);
        if let Some((span, a)) = &attach {
            let ok = match (measure_name, a) {
                ("density", Attach::Within) => true,
                ("density", _) => false,
                ("coverage", Attach::Reaches) => {
                    matches!(&units, Some((_, Some(u))) if u.kind == UnitKind::Communities)
                }
                ("coverage", _) => true,
                (_, Attach::Reaches) => false,
                _ => true,
            };
            if !ok {
                // The reason of the measure at hand, not of every measure.
                let why = match measure_name {
                    "density" => "density counts records within each unit",
                    "coverage" => "\"reaches\" needs community units",
                    _ => "\"reaches\" is only for coverage",
                };
                self.err(
                    span.clone(),
                    format!(
                        "attach \"{}\" is impossible here: {why}",
                        match a {
                            Attach::Within => "within",
                            Attach::At => "at",
                            Attach::Reaches => "reaches",
                        }
                    ),
                );
            }
        }
        if measure_name == "yearly_count"
            && !matches!(records.table, TableKind::Projects | TableKind::Events)
        {
            self.err(
                t.records.span(),
                "yearly_count needs dated records: table \"projects\" or \"events\"",
            );
        }
        let sum = match &t.sum {
            Some(s) if records.table == TableKind::Funds && s.get_ref() == "amount" => {
                Some("amount".to_string())
            }
            Some(s) => {
                self.err(
                    s.span(),
                    format!(
                        "cannot sum {:?}: only \"amount\" of table \"funds\" is numeric",
                        s.get_ref()
                    ),
                );
                None
            }
            None => None,
        };
        if let (Some((span, r)), "coverage") = (&min, measure_name) {
            if r.num > r.den {
                self.err(span.clone(), "a coverage share cannot exceed 1 (100%)");
            }
        }
        let count_min = match (&min, measure_name) {
            (Some((span, r)), "count") => {
                if r.den != 1 {
                    self.err(span.clone(), "a count threshold must be a whole number");
                }
                r.num
            }
            _ => 0,
        };
        let milestones = match (&t.milestones, &min, due) {
            (Some(ms), Some((_, final_min)), Some(due)) if takes("milestones") => {
                self.milestones(ms.get_ref(), measure_name, *final_min, due)
            }
            _ => Vec::new(),
        };
        let level = level?;
        let unit_sel = match units {
            Some((_, Some(u))) => Some(u),
            Some((_, None)) => return None,
            None => None,
        };
        if let Some(u) = &unit_sel {
            if u.kind == UnitKind::Streets && level >= Level::Street {
                self.err(
                    t.level.span(),
                    "street units can only be assessed at province, city or county level",
                );
            }
        }
        let mut levels = match &t.levels {
            Some(ls) => {
                let mut out = Vec::new();
                for l in ls.get_ref() {
                    if let Some(x) = self.level(l) {
                        out.push(x);
                    }
                }
                out
            }
            None => match measure_name {
                "density" | "coverage" => vec![Level::Province, Level::City, Level::County],
                _ => vec![],
            },
        };
        if !levels.contains(&level) {
            levels.push(level);
        }
        levels.sort();
        levels.dedup();
        if self.diags.len() > before {
            return None;
        }
        let min_ratio = min.map(|(_, r)| r).unwrap_or(Ratio { num: 0, den: 1 });
        let at_least = at_least.map_or(1, |(_, k)| k);
        let measure = match measure_name {
            "density" => Measure::Density {
                records,
                units: unit_sel?,
                min: min_ratio,
            },
            "coverage" => Measure::Coverage {
                records,
                units: unit_sel?,
                attach: attach_or(Attach::Within),
                at_least,
                min: min_ratio,
            },
            "count" => Measure::Count {
                records,
                attach: attach_or(Attach::Within),
                min: count_min,
            },
            "yearly_count" => Measure::YearlyCount {
                records,
                attach: attach_or(Attach::Within),
                at_least,
            },
            _ => Measure::Info {
                records,
                attach: attach_or(Attach::Within),
                sum,
            },
        };
        Some(Target {
            id: t.id.into_inner(),
            name: t.name.into_inner(),
            name_en: t.name_en.map(Spanned::into_inner),
            clause: t.clause,
            text: t.text,
            note: t.note,
            measure,
            level,
            levels,
            severity: severity?,
            due: due?,
            milestones,
        })
    }

    /// Validate `milestones = [{ by, min }, …]`: dates before the target's due date and
    /// strictly ascending, thresholds in the measure's unit, never above the target's own
    /// `min` and never decreasing.
    fn milestones(
        &mut self,
        raw: &[Spanned<RawMilestone>],
        measure_name: &str,
        final_min: Ratio,
        due: NaiveDate,
    ) -> Vec<Milestone> {
        let mut out: Vec<Milestone> = Vec::new();
        for m in raw {
            let (Some(by), Some(min)) = (self.date(&m.get_ref().by), self.ratio(&m.get_ref().min))
            else {
                continue;
            };
            let min_span = m.get_ref().min.span();
            let by_span = m.get_ref().by.span();
            // Compare a/b with c/d exactly: a·d against c·b.
            let cmp = |x: Ratio, y: Ratio| {
                (u128::from(x.num) * u128::from(y.den))
                    .cmp(&(u128::from(y.num) * u128::from(x.den)))
            };
            if by >= due {
                self.err(
                    by_span,
                    format!("a milestone must come before the target's due date {due}"),
                );
                continue;
            }
            if measure_name == "count" && min.den != 1 {
                self.err(min_span, "a count threshold must be a whole number");
                continue;
            }
            if cmp(min, final_min).is_gt() {
                self.err(
                    min_span,
                    "a milestone cannot ask for more than the target's own `min`",
                );
                continue;
            }
            if let Some(prev) = out.last() {
                if by <= prev.by {
                    self.err(
                        by_span,
                        format!(
                            "milestones must be in date order: {by} is not after {}",
                            prev.by
                        ),
                    );
                    continue;
                }
                if cmp(min, prev.min).is_lt() {
                    self.err(
                        min_span,
                        "a milestone cannot ask for less than the one before it",
                    );
                    continue;
                }
            }
            out.push(Milestone { by, min });
        }
        out
    }

    fn table(&mut self, s: &Spanned<String>) -> Option<TableKind> {
        let found = TableKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.get_ref().as_str());
        if found.is_none() {
            let names: Vec<&str> = TableKind::ALL.iter().map(|k| k.as_str()).collect();
            self.err_unknown(
                s.span(),
                format!(
                    "unknown table {:?}; expected one of: {}",
                    s.get_ref(),
                    names.join(", ")
                ),
                s.get_ref(),
                &names,
            );
        }
        found
    }

    fn selection(&mut self, sel: &Spanned<RawSelection>, _units: bool) -> Option<Selection> {
        let r = sel.get_ref();
        let table = self.table(&r.table)?;
        let filters = self.filters(table, &r.filters)?;
        Some(Selection { table, filters })
    }

    fn units(&mut self, sel: &Spanned<RawSelection>) -> Option<Units> {
        let r = sel.get_ref();
        match r.table.get_ref().as_str() {
            "communities" => {
                let filters = self.filters(TableKind::Communities, &r.filters)?;
                Some(Units {
                    kind: UnitKind::Communities,
                    filters,
                })
            }
            "streets" => {
                if let Some((k, _)) = r.filters.iter().next() {
                    self.err(k.span(), "street units take no filters");
                    return None;
                }
                Some(Units {
                    kind: UnitKind::Streets,
                    filters: Vec::new(),
                })
            }
            other => {
                self.err_unknown(
                    r.table.span(),
                    format!(
                        "unknown unit table {other:?}; expected \"communities\" or \"streets\""
                    ),
                    other,
                    &["communities", "streets"],
                );
                None
            }
        }
    }

    fn filters(
        &mut self,
        table: TableKind,
        raw: &BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    ) -> Option<Vec<Filter>> {
        let before = self.diags.len();
        let mut out = Vec::new();
        for (key, value) in raw {
            let Some((field, ty)) = fields::lookup(table, key.get_ref()) else {
                let names = fields::names(table);
                self.err_unknown(
                    key.span(),
                    format!(
                        "table {:?} has no filterable field {:?}; it has: {}",
                        table.as_str(),
                        key.get_ref(),
                        if names.is_empty() {
                            "(none)".to_string()
                        } else {
                            names.join(", ")
                        }
                    ),
                    key.get_ref(),
                    &names,
                );
                continue;
            };
            if let Some(test) = self.test(ty, value) {
                out.push(Filter { field, test });
            }
        }
        (self.diags.len() == before).then_some(out)
    }

    fn test(&mut self, ty: FieldType, value: &Spanned<toml::Value>) -> Option<Test> {
        let span = value.span();
        if ty == FieldType::Bool {
            return match value.get_ref() {
                toml::Value::Boolean(b) => Some(Test::Is(*b)),
                other => {
                    self.err(span, format!("expected true or false, found {other}"));
                    None
                }
            };
        }
        let (negate, list) = match value.get_ref() {
            toml::Value::String(s) => (false, vec![s.clone()]),
            toml::Value::Table(t) if t.len() == 1 => {
                let (k, v) = t.iter().next()?;
                let negate = match k.as_str() {
                    "in" => false,
                    "not_in" => true,
                    _ => {
                        self.err(
                            span,
                            format!("unknown test {k:?}; write a value, {{ in = [...] }} or {{ not_in = [...] }}"),
                        );
                        return None;
                    }
                };
                let Some(items) = v.as_array() else {
                    self.err(span, format!("`{k}` takes a list of values"));
                    return None;
                };
                let mut list = Vec::new();
                for item in items {
                    match item.as_str() {
                        Some(s) => list.push(s.to_string()),
                        None => {
                            self.err(span.clone(), format!("expected text values, found {item}"));
                            return None;
                        }
                    }
                }
                if list.is_empty() {
                    self.err(span, format!("`{k}` needs at least one value"));
                    return None;
                }
                (negate, list)
            }
            other => {
                self.err(
                    span,
                    format!(
                        "expected a value, {{ in = [...] }} or {{ not_in = [...] }}, found {other}"
                    ),
                );
                return None;
            }
        };
        let mut canon = Vec::new();
        for v in &list {
            match fields::canonical(ty, v) {
                Some(c) => canon.push(c),
                None => {
                    let expected = fields::expected(ty);
                    let known: Vec<&str> = expected.iter().map(String::as_str).collect();
                    self.err_unknown(
                        span.clone(),
                        format!(
                            "unknown value {v:?}; expected one of: {}",
                            expected.join(", ")
                        ),
                        v,
                        &known,
                    );
                    return None;
                }
            }
        }
        Some(if negate {
            Test::NotIn(canon)
        } else {
            Test::In(canon)
        })
    }

    fn ratio(&mut self, v: &Spanned<toml::Value>) -> Option<Ratio> {
        let r = self.ratio_unbounded(v)?;
        if r.den > MAX_COUNT || r.num / r.den >= MAX_COUNT {
            self.err(
                v.span(),
                format!(
                    "a threshold must be below {MAX_COUNT} (with a denominator up to {MAX_COUNT})"
                ),
            );
            return None;
        }
        Some(r)
    }

    fn ratio_unbounded(&mut self, v: &Spanned<toml::Value>) -> Option<Ratio> {
        let bad = |s: &mut Self| {
            s.err(
                v.span(),
                "expected a non-negative number or decimal (10, 0.5, \"0.8\") or a fraction (\"1/3\")",
            );
            None
        };
        match v.get_ref() {
            toml::Value::Integer(i) if *i >= 0 => Some(Ratio {
                num: *i as u64,
                den: 1,
            }),
            // Past the bound: let the bound's message say so.
            toml::Value::Float(f) if f.is_finite() && *f >= 1e12 => Some(Ratio {
                num: u64::MAX,
                den: 1,
            }),
            toml::Value::Float(f) if f.is_finite() && *f >= 0.0 => {
                // Exact to 6 decimals: 0.85 → 850000/1000000.
                let den = 1_000_000u64;
                let num = (f * den as f64).round() as u64;
                let g = gcd(num, den);
                Some(Ratio {
                    num: num / g,
                    den: den / g,
                })
            }
            toml::Value::String(s) => match parse_ratio_text(s) {
                Some(r) => Some(r),
                None => bad(self),
            },
            _ => bad(self),
        }
    }
}

/// A threshold written as text: a fraction `"4/5"` or a decimal `"0.8"` (up to nine
/// decimals), in lowest terms (`"0.8"` and `"4/5"` are the same ratio). `None` for
/// anything else (negative, empty, exponents, a zero denominator).
pub(crate) fn parse_ratio_text(s: &str) -> Option<Ratio> {
    let s = s.trim();
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let (num, den) = if let Some((a, b)) = s.split_once('/') {
        let (a, b) = (a.trim(), b.trim());
        if !digits(a) || !digits(b) {
            return None;
        }
        (a.parse::<u64>().ok()?, b.parse::<u64>().ok()?)
    } else {
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        if !digits(int) || (s.contains('.') && !digits(frac)) || frac.len() > 9 {
            return None;
        }
        let den = 10u64.pow(frac.len() as u32);
        let int: u64 = int.parse().ok()?;
        let frac: u64 = if frac.is_empty() {
            0
        } else {
            frac.parse().ok()?
        };
        (int.checked_mul(den)?.checked_add(frac)?, den)
    };
    if den == 0 {
        return None;
    }
    let g = gcd(num, den);
    Some(Ratio {
        num: num / g,
        den: den / g,
    })
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}
