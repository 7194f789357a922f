//! Table kinds and their fields; the column aliases come from `rules/columns.toml`.

use serde::Serialize;

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
    pub const ALL: [TableKind; 6] = [
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
pub fn fields(kind: TableKind) -> &'static [FieldSpec] {
    let _ = kind;
    &[]
}
