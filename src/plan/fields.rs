//! The fields a plan may filter on, per table: one table, read by validation and by the
//! audit alike.

use serde::Serialize;

use crate::ingest::values::Domain;
use crate::ingest::TableKind;

/// A filterable field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// communities.kind: urban / rural.
    CommunityKind,
    /// communities.pilot: yes/no.
    Pilot,
    /// organizations.category.
    Category,
    /// organizations.registration: registered / filed.
    Registration,
    /// organizations.brand: yes/no.
    Brand,
    /// projects.kind.
    ProjectKind,
    /// events.kind.
    EventKind,
    /// funds.source (free text).
    FundSource,
}

/// The values a field takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// true / false.
    Bool,
    /// One of a fixed list (canonical values and their synonyms).
    Enum(&'static [(&'static str, &'static [&'static str])]),
    /// A value domain of `rules/values.toml`.
    Domain(Domain),
    /// Any text.
    Text,
}

const URBAN_RURAL: &[(&str, &[&str])] = &[
    ("urban", &["城市", "城市社区"]),
    ("rural", &["农村", "农村社区"]),
];
const REGISTRATION: &[(&str, &[&str])] = &[("registered", &["登记"]), ("filed", &["备案"])];

/// (table, field name in plan files, field, type).
pub const FILTER_FIELDS: &[(TableKind, &str, Field, FieldType)] = &[
    (
        TableKind::Communities,
        "kind",
        Field::CommunityKind,
        FieldType::Enum(URBAN_RURAL),
    ),
    (
        TableKind::Communities,
        "pilot",
        Field::Pilot,
        FieldType::Bool,
    ),
    (
        TableKind::Organizations,
        "category",
        Field::Category,
        FieldType::Domain(Domain::Category),
    ),
    (
        TableKind::Organizations,
        "registration",
        Field::Registration,
        FieldType::Enum(REGISTRATION),
    ),
    (
        TableKind::Organizations,
        "brand",
        Field::Brand,
        FieldType::Bool,
    ),
    (
        TableKind::Projects,
        "kind",
        Field::ProjectKind,
        FieldType::Domain(Domain::ProjectKind),
    ),
    (
        TableKind::Events,
        "kind",
        Field::EventKind,
        FieldType::Domain(Domain::EventKind),
    ),
    (
        TableKind::Funds,
        "source",
        Field::FundSource,
        FieldType::Text,
    ),
];

/// The field `name` of `table`, with its type.
pub(crate) fn lookup(table: TableKind, name: &str) -> Option<(Field, FieldType)> {
    FILTER_FIELDS
        .iter()
        .find(|(t, n, _, _)| *t == table && *n == name)
        .map(|(_, _, f, ty)| (*f, *ty))
}

/// Names of the filterable fields of `table`.
pub fn names(table: TableKind) -> Vec<&'static str> {
    FILTER_FIELDS
        .iter()
        .filter(|(t, ..)| *t == table)
        .map(|(_, n, ..)| *n)
        .collect()
}

/// Canonical form of `value` for a field of this type, or `None` if it is not one of its
/// values. Text fields take any value.
pub fn canonical(ty: FieldType, value: &str) -> Option<String> {
    match ty {
        FieldType::Bool => None,
        FieldType::Text => Some(value.to_string()),
        FieldType::Enum(list) => list
            .iter()
            .find(|(c, syn)| *c == value || syn.contains(&value))
            .map(|(c, _)| c.to_string()),
        FieldType::Domain(d) => crate::ingest::values::canonicalize(d, value).map(str::to_string),
    }
}

/// The canonical values of a field type, for error messages.
pub fn expected(ty: FieldType) -> Vec<String> {
    match ty {
        FieldType::Bool => vec!["true".into(), "false".into()],
        FieldType::Text => vec![],
        FieldType::Enum(list) => list.iter().map(|(c, _)| c.to_string()).collect(),
        FieldType::Domain(d) => crate::ingest::values::canonical_values(d)
            .into_iter()
            .map(str::to_string)
            .collect(),
    }
}
