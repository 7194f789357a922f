//! Data issues and row accounting, as text lines shared by the terminal reports.

use std::collections::BTreeMap;

use crate::ingest::{DataIssue, Outcome, SkipReason, TableInfo};

/// "file#sheet:row" (or "file#sheet") for an issue.
pub fn location(tables: &[TableInfo], issue: &DataIssue) -> String {
    match issue.origin {
        Some(o) => {
            let name = tables
                .get(o.table as usize)
                .map(TableInfo::display_name)
                .unwrap_or_default();
            match &issue.column {
                Some(c) => format!("{name} 第{}行 [{c}]", o.row),
                None => format!("{name} 第{}行", o.row),
            }
        }
        None => String::new(),
    }
}

/// What happened to the row, in Chinese.
pub fn outcome_zh(o: Outcome) -> String {
    match o {
        Outcome::Skipped(r) => format!("跳过（{}）", r.zh()),
        Outcome::Counted => "照常计入".to_string(),
    }
}

/// Whether an issue is worth listing one by one (blank, total and note rows are only counted).
pub fn is_listed(issue: &DataIssue) -> bool {
    !matches!(
        issue.outcome,
        Outcome::Skipped(SkipReason::Blank | SkipReason::Total | SkipReason::Note)
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
pub fn accounting_line(read: u64, used: u64, skipped: &BTreeMap<SkipReason, u64>) -> String {
    let total: u64 = skipped.values().sum();
    let parts: Vec<String> = SkipReason::ALL
        .iter()
        .filter_map(|r| {
            skipped
                .get(r)
                .filter(|n| **n > 0)
                .map(|n| format!("{} {n}", r.zh()))
        })
        .collect();
    let mut line = format!("读取 {read} 行 = 使用 {used} 行 + 跳过 {total} 行");
    if !parts.is_empty() {
        line.push_str(&format!("（{}）", parts.join("，")));
    }
    if read != used + total {
        line.push_str(&format!(
            " ⚠ 账目不平：相差 {}",
            read as i64 - (used + total) as i64
        ));
    }
    line
}

/// Accounting line of one table.
pub fn table_accounting(t: &TableInfo) -> String {
    let skipped: BTreeMap<SkipReason, u64> =
        t.skipped.iter().map(|(r, n)| (*r, u64::from(*n))).collect();
    accounting_line(u64::from(t.rows_read), u64::from(t.used), &skipped)
}
