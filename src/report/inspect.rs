//! `zhibiao inspect`: what was read from each file and sheet.

use std::fmt::Write as _;

use super::issue_text;
use super::issues::{accounting_line, is_listed, location, outcome_zh, table_accounting, totals};
use crate::model::places::Route;
use crate::model::{Model, RouteCounts};

/// Render the inspection of a model.
pub fn render(model: &Model) -> String {
    let mut out = String::new();
    for (i, t) in model.tables.iter().enumerate() {
        let _ = writeln!(out, "{}", t.display_name());
        let forced = if t.kind_forced {
            "（--kind 指定）"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  类型 kind: {} {}{forced}",
            t.kind.as_str(),
            t.kind.zh()
        );
        if !matches!(
            t.kind_clue,
            crate::ingest::KindClue::Header | crate::ingest::KindClue::Forced
        ) {
            let _ = writeln!(out, "  类型依据 kind clue: {}", t.kind_clue.describe());
        }
        if let Some(enc) = &t.encoding {
            // A web export's "encoding" names its format too (ingest::source::web_format).
            if crate::ingest::source::is_format_label(enc) {
                let _ = writeln!(out, "  格式 format: {enc}");
            } else {
                let _ = writeln!(out, "  编码 encoding: {enc}");
            }
        }
        let (a, b) = t.header_rows;
        if a == b {
            let _ = writeln!(out, "  表头 header: 第{a}行");
        } else {
            let _ = writeln!(out, "  表头 header: 第{a}–{b}行");
        }
        let cols: Vec<String> = t
            .columns
            .iter()
            .map(|c| format!("{}={}", excel_column(c.column), c.header_or_field()))
            .collect();
        let _ = writeln!(out, "  列 columns: {}", cols.join("  "));
        if !t.extra_columns.is_empty() {
            let _ = writeln!(
                out,
                "  未使用的列 ignored columns: {}",
                t.extra_columns.join("、")
            );
        }
        let _ = writeln!(out, "  {}", table_accounting(t));
        if let Some(r) = model.routes.by_table.get(&(i as u32)) {
            let _ = writeln!(out, "  {}", routes_line(r));
        }
        let issues: Vec<_> = model
            .issues
            .iter()
            .filter(|x| x.origin.is_some_and(|o| o.table as usize == i) && is_listed(x))
            .collect();
        if !issues.is_empty() {
            let _ = writeln!(out, "  数据问题 {} 条:", issues.len());
            for x in issues {
                let _ = writeln!(
                    out,
                    "    - {}：{}（{}）",
                    location(&model.tables, x),
                    issue_text::with_code(x, &model.tables, super::Lang::Zh),
                    outcome_zh(x.outcome)
                );
            }
        }
        let _ = writeln!(out);
    }
    for ig in &model.ignored {
        let _ = writeln!(out, "已忽略 ignored: {ig}");
    }
    let c = &model.classification;
    let _ = writeln!(
        out,
        "城乡分类 urban/rural: 按城乡类型列 {}，按名称 {}，按城乡分类代码 {}，无法判定 {}；名称与代码不一致 {}{}",
        c.by_column,
        c.by_name,
        c.by_code,
        c.unclassified,
        c.name_code_disagree,
        if c.code_wins { "（--urban-rural code：代码优先）" } else { "（名称优先；--urban-rural code 改为代码优先）" }
    );
    let r = &model.routes;
    if r.total.total() > 0 {
        let _ = writeln!(out, "{}", routes_line(&r.total));
        let by_route = Route::ALL
            .iter()
            .flat_map(|k| r.examples.iter().filter(move |e| e.route == *k));
        for e in by_route {
            let _ = writeln!(
                out,
                "  {} {}: {} → {}",
                e.route.zh(),
                e.route.as_str(),
                e.written,
                e.path
            );
        }
    }
    let (read, used, skipped) = totals(&model.tables);
    let _ = writeln!(out, "合计 total: {}", accounting_line(read, used, &skipped));
    out
}

/// The files that could not be read, one block each (empty when none failed).
pub fn render_failures(failures: &[crate::ingest::IngestError]) -> String {
    let mut out = String::new();
    for e in failures {
        let text = e.to_string();
        let mut lines = text.lines();
        let _ = writeln!(out, "无法读取 failed: {}", lines.next().unwrap_or_default());
        for l in lines {
            let _ = writeln!(out, "  {l}");
        }
    }
    out
}

/// "地点解析 place routes: 原名 exact 17, 变体 variant 4, 简称 short form 2, 旧名 alias 3".
fn routes_line(r: &RouteCounts) -> String {
    let parts: Vec<String> = Route::ALL
        .iter()
        .map(|&k| format!("{} {} {}", k.zh(), k.as_str(), r.get(k)))
        .collect();
    format!("地点解析 place routes: {}", parts.join("，"))
}

/// Spreadsheet column letters of a 0-based index: 0 → A, 26 → AA.
pub(crate) fn excel_column(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

impl crate::ingest::ColumnMap {
    fn header_or_field(&self) -> String {
        let h = self.header.replace(['\n', '\r'], "");
        if h == self.field {
            h
        } else {
            format!("{h}→{}", self.field)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::excel_column;

    #[test]
    fn columns_are_lettered_like_excel() {
        assert_eq!(excel_column(0), "A");
        assert_eq!(excel_column(25), "Z");
        assert_eq!(excel_column(26), "AA");
        assert_eq!(excel_column(27), "AB");
        assert_eq!(excel_column(701), "ZZ");
        assert_eq!(excel_column(702), "AAA");
    }
}
