//! Data issues and row accounting, as text lines shared by the terminal reports.

use std::collections::BTreeMap;

use crate::ingest::{DataIssue, Outcome, SkipReason, TableInfo};
use crate::issue::IssueKind;

/// "file#sheet:row" (or "file#sheet") for an issue.
pub fn location(tables: &[TableInfo], issue: &DataIssue) -> String {
    match issue.origin {
        Some(o) => {
            let name = tables
                .get(o.table as usize)
                .map(TableInfo::display_name)
                .unwrap_or_default();
            match &issue.column() {
                Some(c) => format!("{name} 第{}行 [{c}]", o.row),
                None => format!("{name} 第{}行", o.row),
            }
        }
        None => String::new(),
    }
}

/// What happened to the row, in Chinese.
pub(crate) fn outcome_zh(o: Outcome) -> String {
    match o {
        Outcome::Skipped(r) => format!("跳过（{}）", r.zh()),
        Outcome::Counted => "照常计入".to_string(),
    }
}

/// Whether an issue is worth listing one by one: blank, total and note rows, and rows
/// outside `--scope`, are only counted (they are in `--rejects` all the same).
pub fn is_listed(issue: &DataIssue) -> bool {
    !matches!(
        issue.outcome,
        Outcome::Skipped(
            SkipReason::Blank | SkipReason::Total | SkipReason::Note | SkipReason::OutOfScope
        )
    )
}

/// Totals over all tables: (read, used, skipped by reason).
pub fn totals(tables: &[TableInfo]) -> (u64, u64, BTreeMap<SkipReason, u64>) {
    let mut read = 0u64;
    let mut used = 0u64;
    let mut skipped: BTreeMap<SkipReason, u64> = BTreeMap::new();
    for t in tables {
        read += u64::from(t.rows_read);
        used += u64::from(t.used);
        for (r, n) in &t.skipped {
            *skipped.entry(*r).or_insert(0) += u64::from(*n);
        }
    }
    (read, used, skipped)
}

/// "读取 N 行 = 使用 U 行 + 跳过 S 行（空行 a，合计行 b…）".
pub(crate) fn accounting_line(read: u64, used: u64, skipped: &BTreeMap<SkipReason, u64>) -> String {
    accounting_line_in(read, used, skipped, crate::report::Lang::Zh)
}

/// The accounting line in the report's language.
pub(crate) fn accounting_line_in(
    read: u64,
    used: u64,
    skipped: &BTreeMap<SkipReason, u64>,
    lang: crate::report::Lang,
) -> String {
    let zh = lang == crate::report::Lang::Zh;
    let total: u64 = skipped.values().sum();
    let parts: Vec<String> = SkipReason::ALL
        .iter()
        .filter_map(|r| {
            let name = super::shared::reason_label(*r, lang);
            skipped
                .get(r)
                .filter(|n| **n > 0)
                .map(|n| format!("{name} {n}"))
        })
        .collect();
    let mut line = if zh {
        format!("读取 {read} 行 = 使用 {used} 行 + 跳过 {total} 行")
    } else {
        format!("read {read} rows = used {used} + skipped {total}")
    };
    if !parts.is_empty() {
        if zh {
            line.push_str(&format!("（{}）", parts.join("，")));
        } else {
            line.push_str(&format!(" ({})", parts.join(", ")));
        }
    }
    if read != used + total {
        let off = read as i64 - (used + total) as i64;
        if zh {
            line.push_str(&format!(" ⚠ 账目不平：相差 {off}"));
        } else {
            line.push_str(&format!(" ⚠ does not balance: off by {off}"));
        }
    }
    line
}

/// Accounting line of one table.
pub(crate) fn table_accounting(t: &TableInfo) -> String {
    let skipped: BTreeMap<SkipReason, u64> =
        t.skipped.iter().map(|(r, n)| (*r, u64::from(*n))).collect();
    accounting_line(u64::from(t.rows_read), u64::from(t.used), &skipped)
}

/// The urban/rural classification counts, in the report's language.
pub(crate) fn classification_line(
    c: &crate::model::Classification,
    lang: crate::report::Lang,
) -> String {
    use crate::report::Lang;
    match lang {
        Lang::Zh => format!(
            "城乡分类：按城乡类型列 {}，按名称 {}，按城乡分类代码 {}，无法判定 {}；名称与代码不一致 {}{}",
            c.by_column,
            c.by_name,
            c.by_code,
            c.unclassified,
            c.name_code_disagree,
            if c.code_wins { "（代码优先）" } else { "（名称优先）" }
        ),
        Lang::En => format!(
            "Urban/rural: by type column {}, by name {}, by NBS code {}, unclassified {}; name and code disagree {} ({} wins)",
            c.by_column,
            c.by_name,
            c.by_code,
            c.unclassified,
            c.name_code_disagree,
            if c.code_wins { "code" } else { "name" }
        ),
    }
}

/// Identical data issues (same table, column, message and outcome) listed once, with how
/// many rows share them and the first few rows.
#[derive(Debug, Clone)]
pub struct IssueGroup<'a> {
    /// The first issue of the group.
    pub issue: &'a DataIssue,
    /// The explanation (index into `AuditResult::explanations`) explaining every issue of
    /// the group, when one does ([`grouped_in`] keeps explained and unexplained apart).
    pub explained: Option<usize>,
    /// How many issues the group holds.
    pub count: usize,
    /// The rows of the first few (at most [`GROUP_ROWS`]), in reading order.
    pub rows: Vec<u32>,
}

/// Rows named in a group's location before "…".
pub(crate) const GROUP_ROWS: usize = 3;

impl IssueGroup<'_> {
    /// "file#sheet 第12行" for one issue; "file#sheet 第12、15、40行等 37 行" for a group.
    pub fn location(&self, tables: &[TableInfo]) -> String {
        self.location_in(tables, crate::report::Lang::Zh)
    }

    /// [`IssueGroup::location`] in the report's language ("file row 12", "file rows 12,
    /// 15, 40 … (37 rows)").
    pub(crate) fn location_in(&self, tables: &[TableInfo], lang: crate::report::Lang) -> String {
        let zh = lang == crate::report::Lang::Zh;
        if zh && self.count == 1 {
            return location(tables, self.issue);
        }
        let Some(o) = self.issue.origin else {
            return String::new();
        };
        let name = tables
            .get(o.table as usize)
            .map(TableInfo::display_name)
            .unwrap_or_default();
        let rows: Vec<String> = self.rows.iter().map(ToString::to_string).collect();
        let col = match &self.issue.column() {
            Some(c) => format!(" [{c}]"),
            None => String::new(),
        };
        match (zh, self.count) {
            (true, n) => format!("{name} 第{}行等 {n} 行{col}", rows.join("、")),
            (false, 1) => format!("{name} row {}{col}", o.row),
            (false, n) => format!("{name} rows {} … ({n} rows){col}", rows.join(", ")),
        }
    }
}

/// The listed issues (see [`is_listed`]) grouped: identical issues of one table become one
/// entry, in the order of their first occurrence.
pub fn grouped(issues: &[DataIssue]) -> Vec<IssueGroup<'_>> {
    grouped_with(issues.iter(), &BTreeMap::new())
}

/// The listed issues of an audit grouped as by [`grouped`], an explained issue never in
/// the group of an unexplained one (nor of one explained by another entry).
pub(crate) fn grouped_in(result: &crate::audit::AuditResult) -> Vec<IssueGroup<'_>> {
    grouped_with(result.issues.iter(), &result.issue_explained)
}

/// An issue group's line: code, message and, when explained, "✎ 已说明：reason（by）".
pub(crate) fn group_text(
    result: &crate::audit::AuditResult,
    g: &IssueGroup<'_>,
    lang: crate::report::Lang,
) -> String {
    let text = crate::report::issue_text::with_code(g.issue, &result.tables, lang);
    match g.explained.and_then(|i| result.explanations.get(i)) {
        Some(u) if lang == crate::report::Lang::Zh => {
            format!("{text} ✎ 已说明：{}（{}）", u.reason, u.by)
        }
        Some(u) => format!("{text} ✎ explained: {} ({})", u.reason, u.by),
        None => text,
    }
}

fn grouped_with<'a>(
    issues: impl Iterator<Item = &'a DataIssue>,
    explained: &BTreeMap<usize, usize>,
) -> Vec<IssueGroup<'a>> {
    let mut out: Vec<IssueGroup<'_>> = Vec::new();
    type Key<'k> = (
        Option<u32>,
        Option<&'k str>,
        &'k IssueKind,
        Outcome,
        Option<usize>,
    );
    let mut index: std::collections::HashMap<Key<'_>, usize> = std::collections::HashMap::new();
    for (i, issue) in issues.enumerate().filter(|(_, i)| is_listed(i)) {
        let by = explained.get(&i).copied();
        let key = (
            issue.origin.map(|o| o.table),
            issue.column(),
            issue.kind(),
            issue.outcome,
            by,
        );
        match index.get(&key) {
            Some(&i) => {
                let g = &mut out[i];
                g.count += 1;
                if g.rows.len() < GROUP_ROWS {
                    if let Some(o) = issue.origin {
                        g.rows.push(o.row);
                    }
                }
            }
            None => {
                index.insert(key, out.len());
                out.push(IssueGroup {
                    issue,
                    explained: by,
                    count: 1,
                    rows: issue.origin.map(|o| vec![o.row]).unwrap_or_default(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Origin;

    fn issue(table: u32, row: u32, value: &str) -> DataIssue {
        DataIssue::new(
            Some(Origin { table, row }),
            Some("市".into()),
            IssueKind::NotAYear {
                value: value.into(),
            },
            Outcome::Skipped(SkipReason::InvalidValue),
        )
    }

    #[test]
    fn identical_issues_of_a_table_are_one_line_with_a_count() {
        let issues = vec![
            issue(0, 5, "市为空"),
            issue(0, 9, "市为空"),
            issue(1, 3, "市为空"),
            issue(0, 12, "市为空"),
            issue(0, 20, "市为空"),
            issue(0, 7, "别的"),
        ];
        let g = grouped(&issues);
        // Table 0 "市为空" ×4 (rows 5, 9, 12 shown), table 1 ×1, table 0 "别的" ×1.
        assert_eq!(g.len(), 3);
        assert_eq!((g[0].count, g[0].rows.clone()), (4, vec![5, 9, 12]));
        assert_eq!((g[1].count, g[1].rows.clone()), (1, vec![3]));
        assert_eq!(
            *g[2].issue.kind(),
            IssueKind::NotAYear {
                value: "别的".into()
            }
        );
        let tables = vec![TableInfo::new(
            "a.csv".into(),
            None,
            crate::ingest::TableKind::Organizations,
        )];
        assert_eq!(g[0].location(&tables), "a.csv 第5、9、12行等 4 行 [市]");
        assert_eq!(g[2].location(&tables), "a.csv 第7行 [市]");
    }
}
