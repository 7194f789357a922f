//! Table kinds and their fields; the column aliases come from `rules/columns.toml`.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::text::header_key;

/// The kinds of table zhibiao reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TableKind {
    /// 社区/村 list.
    Communities,
    /// 社区社会组织.
    Organizations,
    /// 孵化基地.
    Incubators,
    /// 项目.
    Projects,
    /// 活动.
    Events,
    /// 经费.
    Funds,
}

impl TableKind {
    /// Every kind, in a fixed order.
    pub(crate) const ALL: [TableKind; 6] = [
        TableKind::Communities,
        TableKind::Organizations,
        TableKind::Incubators,
        TableKind::Projects,
        TableKind::Events,
        TableKind::Funds,
    ];

    /// English name as used in plan files and `--kind` ("communities", …).
    pub fn as_str(self) -> &'static str {
        match self {
            TableKind::Communities => "communities",
            TableKind::Organizations => "organizations",
            TableKind::Incubators => "incubators",
            TableKind::Projects => "projects",
            TableKind::Events => "events",
            TableKind::Funds => "funds",
        }
    }

    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            TableKind::Communities => "社区/村",
            TableKind::Organizations => "社区社会组织",
            TableKind::Incubators => "孵化基地",
            TableKind::Projects => "项目",
            TableKind::Events => "活动",
            TableKind::Funds => "经费",
        }
    }

    /// Parse an English or Chinese kind name.
    pub fn parse(s: &str) -> Option<TableKind> {
        let s = s.trim();
        TableKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s) || k.zh() == s)
    }
}

/// One field of a table kind.
#[derive(Debug, Clone, Serialize)]
pub struct FieldSpec {
    /// Canonical English name (`city`, `category`, …).
    pub name: &'static str,
    /// Canonical Chinese header (`市`, `组织类别`, …).
    pub zh: &'static str,
    /// Whether the column must be present.
    pub required: bool,
    /// Every header text that maps to this field (canonical names included), compared
    /// after [`crate::ingest::text::header_key`].
    pub aliases: Vec<&'static str>,
}

/// The fields of a table kind, in canonical order.
pub(crate) fn fields(kind: TableKind) -> &'static [FieldSpec] {
    schema()
        .kinds
        .get(kind_index(kind))
        .map(|k| k.fields.as_slice())
        .unwrap_or(&[])
}

/// The field a header text maps to in a table kind (compared by
/// [`header_key`]), or `None`.
#[cfg(test)]
pub(crate) fn field_for_header(kind: TableKind, header: &str) -> Option<&'static str> {
    field_for_key(kind, &header_key(header))
}

/// Like [`field_for_header`] for a text already passed through [`header_key`].
pub(crate) fn field_for_key(kind: TableKind, key: &str) -> Option<&'static str> {
    schema()
        .kinds
        .get(kind_index(kind))
        .and_then(|k| k.lookup.get(key).copied())
}

/// Whether a header text names a column that is recognized and ignored in every table
/// (序号, 编号, …).
#[cfg(test)]
pub(crate) fn is_ignored_header(header: &str) -> bool {
    is_ignored_key(&header_key(header))
}

/// Like [`is_ignored_header`] for a text already passed through [`header_key`].
pub(crate) fn is_ignored_key(key: &str) -> bool {
    schema().ignore.iter().any(|k| k == key)
}

/// For a field that is required unless another column is present (communities'
/// `kind`, required unless `urban_rural_code` is present), the name of that other field.
pub(crate) fn required_unless(kind: TableKind, field: &str) -> Option<&'static str> {
    schema()
        .kinds
        .get(kind_index(kind))
        .and_then(|k| k.unless.iter().find(|(f, _)| *f == field))
        .map(|(_, other)| *other)
}

/// The field spec of `field` in `kind`.
pub fn field(kind: TableKind, field: &str) -> Option<&'static FieldSpec> {
    fields(kind).iter().find(|f| f.name == field)
}

fn kind_index(kind: TableKind) -> usize {
    TableKind::ALL.iter().position(|k| *k == kind).unwrap_or(0)
}

const COLUMNS_TOML: &str = include_str!("../../rules/columns.toml");

#[derive(Deserialize)]
struct RawField {
    name: String,
    zh: String,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    required_unless: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
}

#[derive(Deserialize, Default)]
struct RawIgnore {
    #[serde(default)]
    aliases: Vec<String>,
}

#[derive(Deserialize, Default)]
struct RawKindNames {
    #[serde(default)]
    communities: Vec<String>,
    #[serde(default)]
    organizations: Vec<String>,
    #[serde(default)]
    incubators: Vec<String>,
    #[serde(default)]
    projects: Vec<String>,
    #[serde(default)]
    events: Vec<String>,
    #[serde(default)]
    funds: Vec<String>,
}

#[derive(Deserialize)]
struct RawColumns {
    #[serde(default)]
    ignore: RawIgnore,
    #[serde(default)]
    kind_names: RawKindNames,
    #[serde(default)]
    own_outputs: std::collections::BTreeMap<String, Vec<String>>,
    #[serde(default)]
    communities: Vec<RawField>,
    #[serde(default)]
    organizations: Vec<RawField>,
    #[serde(default)]
    incubators: Vec<RawField>,
    #[serde(default)]
    projects: Vec<RawField>,
    #[serde(default)]
    events: Vec<RawField>,
    #[serde(default)]
    funds: Vec<RawField>,
}

#[derive(Default)]
struct KindSchema {
    fields: Vec<FieldSpec>,
    lookup: HashMap<String, &'static str>,
    unless: Vec<(&'static str, &'static str)>,
}

#[derive(Default)]
struct Schema {
    kinds: Vec<KindSchema>,
    ignore: Vec<String>,
    /// Per kind (in [`TableKind::ALL`] order): words of file and sheet names, as keys.
    kind_names: Vec<Vec<String>>,
    /// Output name → header keys of its first row.
    own_outputs: Vec<(&'static str, Vec<String>)>,
    /// Problems found in the rules file (checked by the tests).
    #[cfg_attr(not(test), allow(dead_code))]
    problems: Vec<String>,
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| load(COLUMNS_TOML))
}

fn load(text: &str) -> Schema {
    let raw: RawColumns = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            return Schema {
                problems: vec![format!("rules/columns.toml: {e}")],
                ..Schema::default()
            }
        }
    };
    let mut problems = Vec::new();
    let ignore: Vec<String> = raw.ignore.aliases.iter().map(|a| header_key(a)).collect();
    let n = raw.kind_names;
    let kind_names: Vec<Vec<String>> = [
        n.communities,
        n.organizations,
        n.incubators,
        n.projects,
        n.events,
        n.funds,
    ]
    .into_iter()
    .map(|words| words.iter().map(|w| header_key(w)).collect())
    .collect();
    let own_outputs: Vec<(&'static str, Vec<String>)> = raw
        .own_outputs
        .into_iter()
        .map(|(name, cols)| (leak(name), cols.iter().map(|c| header_key(c)).collect()))
        .collect();
    if own_outputs.iter().any(|(_, cols)| cols.len() < 3) {
        problems.push("own_outputs: a header needs at least 3 columns".to_string());
    }
    let lists = [
        raw.communities,
        raw.organizations,
        raw.incubators,
        raw.projects,
        raw.events,
        raw.funds,
    ];
    let mut kinds = Vec::new();
    for (kind, list) in TableKind::ALL.into_iter().zip(lists) {
        let mut ks = KindSchema::default();
        for f in list {
            let name = leak(f.name);
            let zh = leak(f.zh);
            let mut aliases: Vec<&'static str> = vec![zh, name];
            for a in f.aliases {
                if !aliases.contains(&a.as_str()) {
                    aliases.push(leak(a));
                }
            }
            for a in &aliases {
                let key = header_key(a);
                if let Some(other) = ks.lookup.get(&key) {
                    if *other != name {
                        problems.push(format!(
                            "{}: alias {a} of {name} already names {other}",
                            kind.as_str()
                        ));
                    }
                    continue;
                }
                if ignore.contains(&key) {
                    problems.push(format!("{}: alias {a} is an ignored column", kind.as_str()));
                }
                ks.lookup.insert(key, name);
            }
            if let Some(other) = f.required_unless {
                ks.unless.push((name, leak(other)));
            }
            ks.fields.push(FieldSpec {
                name,
                zh,
                required: f.required,
                aliases,
            });
        }
        if ks.fields.is_empty() {
            problems.push(format!("{}: no fields", kind.as_str()));
        }
        kinds.push(ks);
    }
    Schema {
        kinds,
        ignore,
        kind_names,
        own_outputs,
        problems,
    }
}

/// The words of file and sheet names that name a table kind (`[kind_names]`), as
/// [`header_key`]s.
pub(crate) fn kind_names(kind: TableKind) -> &'static [String] {
    schema()
        .kind_names
        .get(kind_index(kind))
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// The headers of zhibiao's own outputs (`[own_outputs]`): name and the
/// [`header_key`]s of the columns the first row starts with.
pub(crate) fn own_outputs() -> &'static [(&'static str, Vec<String>)] {
    &schema().own_outputs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_file_loads_without_problems() {
        let s = schema();
        assert!(s.problems.is_empty(), "{:?}", s.problems);
        for kind in TableKind::ALL {
            assert!(!fields(kind).is_empty(), "{kind:?}");
        }
    }

    #[test]
    fn field_names_are_the_agreed_ones() {
        let names = |k| fields(k).iter().map(|f| f.name).collect::<Vec<_>>();
        assert_eq!(
            names(TableKind::Communities),
            [
                "province",
                "city",
                "county",
                "street",
                "community",
                "kind",
                "urban_rural_code",
                "code",
                "pilot"
            ]
        );
        assert_eq!(
            names(TableKind::Organizations),
            [
                "name",
                "province",
                "city",
                "county",
                "street",
                "community",
                "category",
                "registration",
                "brand",
                "founded",
                "dissolved",
                "credit_code",
                "status",
                "serves"
            ]
        );
        assert_eq!(
            names(TableKind::Incubators),
            [
                "name",
                "province",
                "city",
                "county",
                "street",
                "established",
                "closed",
                "credit_code"
            ]
        );
        assert_eq!(
            names(TableKind::Projects),
            ["name", "kind", "province", "city", "county", "date"]
        );
        assert_eq!(
            names(TableKind::Events),
            ["name", "kind", "province", "city", "county", "date"]
        );
        assert_eq!(
            names(TableKind::Funds),
            ["province", "city", "county", "year", "amount", "source"]
        );
    }

    #[test]
    fn aliases_are_per_kind() {
        use TableKind::*;
        assert_eq!(field_for_header(Communities, "城乡类型"), Some("kind"));
        assert_eq!(field_for_header(Projects, "项目类型"), Some("kind"));
        assert_eq!(field_for_header(Events, "活动类型"), Some("kind"));
        assert_eq!(field_for_header(Communities, "项目类型"), None);
        assert_eq!(
            field_for_header(Communities, "县（市、区）"),
            Some("county")
        );
        assert_eq!(field_for_header(Communities, "县(市、区)"), Some("county"));
        assert_eq!(
            field_for_header(Organizations, "乡镇（街道）"),
            Some("street")
        );
        assert_eq!(
            field_for_header(Organizations, "所属社区"),
            Some("community")
        );
        assert_eq!(field_for_header(Organizations, "County"), Some("county"));
        assert_eq!(field_for_header(Funds, "金额\n（万元）"), Some("amount"));
        assert_eq!(field_for_header(Funds, "资金(万元)"), Some("amount"));
        assert!(is_ignored_header("序号"));
        assert!(is_ignored_header(" 编 号 "));
    }

    #[test]
    fn required_flags() {
        let req = |k| {
            fields(k)
                .iter()
                .filter(|f| f.required)
                .map(|f| f.name)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            req(TableKind::Communities),
            ["city", "county", "street", "community"]
        );
        assert_eq!(req(TableKind::Organizations), ["name", "city", "county"]);
        assert_eq!(
            req(TableKind::Incubators),
            ["name", "city", "county", "street"]
        );
        assert_eq!(req(TableKind::Projects), ["name", "kind", "city", "date"]);
        assert_eq!(req(TableKind::Events), ["name", "kind", "city", "date"]);
        assert_eq!(req(TableKind::Funds), ["city", "year", "amount"]);
        assert_eq!(
            required_unless(TableKind::Communities, "kind"),
            Some("urban_rural_code")
        );
    }
}
