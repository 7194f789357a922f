//! `zhibiao issues`: the lists of data issues to send back, in words. A workbook with a
//! summary sheet and one sheet per county (or city) whose lines are what that county must
//! correct, identical issues one line with their count and rows; a CSV with one line per
//! issue for scripts; a short grouped list for the terminal. The grouping is
//! [`super::issue_groups`]'s.

use std::fmt::Write as _;
use std::io::Write;

use rust_xlsxwriter::{Format, Url, Workbook, Worksheet};

use super::csv::{write_rows, CsvOptions};
use super::issue_groups::{row_ranges, Group, IssueList, Sheet, SheetList};
use super::{issue_text, Lang, ReportError};
use crate::ingest::{DataIssue, Outcome, TableInfo};
use crate::model::{region_label, Level, Model};
use crate::plan::diag::display_width;

/// Characters Excel keeps in a cell.
const CELL_CHARS: usize = 32_767;
/// Characters of a row list before it is cut short ("… 共 777 行").
const ROWS_CHARS: usize = 32_000;
/// Widest column, in characters.
const MAX_WIDTH: usize = 60;
/// Groups shown per county on the terminal.
const TERMINAL_GROUPS: usize = 10;

/// The name of a sheet's region: "阳泉市/城区", "阳泉市", "未识别地区", "文件".
pub(crate) fn sheet_label(model: &Model, sheet: Sheet, lang: Lang) -> String {
    match (sheet, lang) {
        (Sheet::Region(id), _) => region_label(&model.regions.path(id)),
        (Sheet::Unresolved, Lang::Zh) => "未识别地区".into(),
        (Sheet::Unresolved, Lang::En) => "unresolved place".into(),
        (Sheet::Files, Lang::Zh) => "文件".into(),
        (Sheet::Files, Lang::En) => "files".into(),
    }
}

fn level_word(level: Level, lang: Lang) -> &'static str {
    match (level, lang) {
        (Level::City, Lang::Zh) => "市",
        (Level::City, Lang::En) => "city",
        (_, Lang::Zh) => "县区",
        (_, Lang::En) => "county",
    }
}

fn table_of<'t>(tables: &'t [TableInfo], issue: &DataIssue) -> Option<&'t TableInfo> {
    issue.origin.and_then(|o| tables.get(o.table as usize))
}

/// The rows of a group as runs, cut short with the count when longer than `max` chars.
fn rows_text(g: &Group<'_>, lang: Lang, max: usize) -> String {
    let text = row_ranges(&g.rows, "–");
    if text.chars().count() <= max {
        return text;
    }
    let tail = match lang {
        Lang::Zh => format!(" … 共 {} 行", g.rows.len()),
        Lang::En => format!(" … {} rows in all", g.rows.len()),
    };
    let keep = max.saturating_sub(tail.chars().count());
    let cut: String = text.chars().take(keep).collect();
    let cut = cut.rsplit_once(", ").map_or(cut.as_str(), |(a, _)| a);
    format!("{cut}{tail}")
}

/// The file an error names first ("path: …").
fn unread_file(error: &str) -> String {
    let first = error.lines().next().unwrap_or_default();
    first
        .split_once(": ")
        .map_or_else(String::new, |(f, _)| f.to_string())
}

/// Excel's cell limit.
fn cell(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().count() <= CELL_CHARS {
        s.into()
    } else {
        s.chars().take(CELL_CHARS).collect::<String>().into()
    }
}

/// The short list for the terminal: per county its counts and, with `detail`, its first
/// groups (without, when the full list went to a file); messages wrapped at `width`.
pub fn render_text(
    list: &IssueList<'_>,
    model: &Model,
    unread: &[String],
    lang: Lang,
    detail: bool,
    width: Option<u16>,
) -> String {
    let push = |out: &mut String, text: String, indent: usize| {
        for l in super::table::wrap(&text, width, indent) {
            let _ = writeln!(out, "{l}");
        }
    };
    let mut out = String::new();
    for e in unread {
        let _ = if lang == Lang::Zh {
            writeln!(out, "无法读取 failed: {e}")
        } else {
            writeln!(out, "could not be read: {e}")
        };
    }
    let zh = lang == Lang::Zh;
    let regions = list
        .sheets
        .iter()
        .filter(|s| matches!(s.sheet, Sheet::Region(_)))
        .count();
    if list.total() == 0 {
        out.push_str(if zh {
            "没有数据问题。\n"
        } else {
            "No data issues.\n"
        });
        return out;
    }
    let _ = if zh {
        writeln!(
            out,
            "数据问题 {} 条，涉及 {regions} 个{}{}",
            list.total(),
            level_word(list.level, lang),
            if list.sheets.len() > regions {
                "及未识别地区/文件"
            } else {
                ""
            }
        )
    } else {
        writeln!(
            out,
            "{} data issue(s) in {regions} {}{}",
            list.total(),
            if regions == 1 {
                level_word(list.level, lang).to_string()
            } else if list.level == Level::City {
                "cities".to_string()
            } else {
                "counties".to_string()
            },
            if list.sheets.len() > regions {
                " and unresolved places/files"
            } else {
                ""
            }
        )
    };
    for s in &list.sheets {
        let label = sheet_label(model, s.sheet, lang);
        let gap = if detail { "\n" } else { "  " };
        let _ = if zh {
            writeln!(
                out,
                "{gap}{label}：{} 条问题，{} 行需改正",
                s.issues, s.rows
            )
        } else {
            writeln!(
                out,
                "{gap}{label}: {} issue(s), {} row(s) to correct",
                s.issues, s.rows
            )
        };
        if !detail {
            continue;
        }
        for g in s.groups.iter().take(TERMINAL_GROUPS) {
            let mut head = format!("  {}", g.issue.code());
            if g.count > 1 {
                let _ = write!(head, " ×{}", g.count);
            }
            if let Some(t) = table_of(&model.tables, g.issue) {
                let rows = rows_text(g, lang, 60);
                let _ = if zh {
                    write!(head, "  {} 第 {rows} 行", t.display_name())
                } else {
                    write!(head, "  {} row {rows}", t.display_name())
                };
            }
            if let Some(c) = &g.issue.column() {
                let _ = write!(head, " [{c}]");
            }
            push(&mut out, head, 6);
            let message = issue_text::message(g.issue, &model.tables, lang);
            let outcome = super::shared::outcome_in(g.issue.outcome, lang);
            let text = if zh {
                format!("      {message}（{outcome}）")
            } else {
                format!("      {message} ({outcome})")
            };
            push(&mut out, text, 6);
            if let Some(fix) = issue_text::suggestion(g.issue, lang) {
                push(&mut out, format!("      → {fix}"), 8);
            }
        }
        if s.groups.len() > TERMINAL_GROUPS {
            let more = s.groups.len() - TERMINAL_GROUPS;
            let shown: usize = s.groups.iter().take(TERMINAL_GROUPS).map(|g| g.count).sum();
            let _ = if zh {
                writeln!(
                    out,
                    "  … 另 {more} 组 {} 条（完整清单：-o 问题清单.xlsx）",
                    s.issues - shown
                )
            } else {
                writeln!(
                    out,
                    "  … {more} more group(s), {} issue(s) (the full list: -o issues.xlsx)",
                    s.issues - shown
                )
            };
        }
    }
    out
}

/// The CSV: one line per issue in reading order, its county (or city) and its words, then
/// one line per file that could not be read (outcome `not_read`, no code). The column
/// names are English whatever the language, as in the other CSVs.
pub fn write_csv<W: Write>(
    out: W,
    list: &IssueList<'_>,
    model: &Model,
    unread: &[String],
    lang: Lang,
    opts: CsvOptions,
) -> std::io::Result<()> {
    let header = [
        "code",
        list.level.as_str(),
        "file",
        "sheet",
        "row",
        "column",
        "original",
        "outcome",
        "reason",
        "message",
        "suggestion",
    ];
    let rows = list.items.iter().map(|it| {
        let i = it.issue;
        let t = table_of(&model.tables, i);
        let region = match it.sheet {
            Sheet::Region(_) => sheet_label(model, it.sheet, lang),
            _ => String::new(),
        };
        let (outcome, reason) = match i.outcome {
            Outcome::Counted => ("counted", ""),
            Outcome::Skipped(r) => ("skipped", r.as_str()),
        };
        vec![
            i.code().to_string(),
            region,
            t.map(|t| t.file.display().to_string()).unwrap_or_default(),
            t.and_then(|t| t.sheet.clone()).unwrap_or_default(),
            i.origin.map(|o| o.row.to_string()).unwrap_or_default(),
            i.column().unwrap_or_default().to_string(),
            it.original.as_deref().unwrap_or_default().to_string(),
            outcome.to_string(),
            reason.to_string(),
            issue_text::message(i, &model.tables, lang),
            issue_text::suggestion(i, lang).unwrap_or_default(),
        ]
    });
    let unread = unread.iter().map(|e| {
        let mut row = vec![String::new(); header.len()];
        row[2] = unread_file(e);
        row[7] = "not_read".into();
        row[9] = e.clone();
        row
    });
    write_rows(out, opts, &header, rows.chain(unread))
}

/// Column widths seen so far (East Asian wide characters count two).
struct Widths(Vec<usize>);

impl Widths {
    fn see(&mut self, col: usize, text: &str) {
        if let Some(w) = self.0.get_mut(col) {
            *w = (*w).max(display_width(text));
        }
    }

    fn apply(&self, ws: &mut Worksheet) -> Result<(), ReportError> {
        for (i, w) in self.0.iter().enumerate() {
            ws.set_column_width(i as u16, (*w + 2).clamp(6, MAX_WIDTH) as f64)?;
        }
        Ok(())
    }
}

/// A valid, unique sheet name for `label`: no `[]:*?/\`, no leading or trailing `'`, at
/// most 31 characters, unique ignoring case (a second "城区" becomes "城区 (2)").
pub(crate) fn sheet_name(label: &str, taken: &mut Vec<String>) -> String {
    let clean: String = label
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') && !c.is_control())
        .collect();
    let clean = clean.trim().trim_matches('\'').trim().to_string();
    let base = if clean.is_empty() {
        "Sheet".to_string()
    } else {
        clean
    };
    let fit = |s: &str, room: usize| s.chars().take(room).collect::<String>();
    let mut name = fit(&base, 31);
    let mut n = 1;
    while taken
        .iter()
        .any(|t| t.to_lowercase() == name.to_lowercase())
        || name.eq_ignore_ascii_case("history")
    {
        n += 1;
        let suffix = format!(" ({n})");
        name = format!("{}{suffix}", fit(&base, 31 - suffix.chars().count()));
    }
    taken.push(name.clone());
    name
}

/// The workbook: the summary sheet, then one sheet per county (or city) in the summary's
/// order, then the unresolved rows and the file issues.
/// Files that could not be read (`unread`, their errors) are lines of the files sheet.
pub fn to_xlsx(
    list: &IssueList<'_>,
    model: &Model,
    unread: &[String],
    lang: Lang,
) -> Result<Vec<u8>, ReportError> {
    let zh = lang == Lang::Zh;
    let mut wb = Workbook::new();
    let header = Format::new().set_bold().set_background_color(0x00EE_F1F5);
    let mut taken = Vec::new();
    let summary_name = sheet_name(if zh { "汇总" } else { "Summary" }, &mut taken);
    // The sheets in order, with the files sheet added for unread files if it has no issue.
    let mut sheets: Vec<(Sheet, Option<&SheetList<'_>>)> =
        list.sheets.iter().map(|s| (s.sheet, Some(s))).collect();
    if !unread.is_empty() && !sheets.iter().any(|(s, _)| *s == Sheet::Files) {
        sheets.push((Sheet::Files, None));
    }
    let names: Vec<String> = sheets
        .iter()
        .map(|(s, _)| sheet_name(&sheet_label(model, *s, lang), &mut taken))
        .collect();
    let unread_in = |s: Sheet| if s == Sheet::Files { unread.len() } else { 0 };

    // Summary.
    {
        let ws = wb.add_worksheet();
        ws.set_name(&summary_name)?;
        let heads: [&str; 5] = if zh {
            [
                level_word(list.level, lang),
                "工作表",
                "问题",
                "需改正的行",
                "问题组",
            ]
        } else {
            [
                if list.level == Level::City {
                    "City"
                } else {
                    "County"
                },
                "Sheet",
                "Issues",
                "Rows to correct",
                "Lines",
            ]
        };
        let mut widths = Widths(vec![0; heads.len()]);
        for (c, h) in heads.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &header)?;
            widths.see(c, h);
        }
        let mut r = 0u32;
        for ((sheet, s), name) in sheets.iter().zip(&names) {
            r += 1;
            let label = sheet_label(model, *sheet, lang);
            ws.write_string(r, 0, &label)?;
            widths.see(0, &label);
            // A link to the county's sheet.
            let link = Url::new(format!("internal:'{}'!A1", name.replace('\'', "''")))
                .set_text(name.as_str());
            ws.write_url(r, 1, link)?;
            widths.see(1, name);
            let extra = unread_in(*sheet);
            ws.write_number(r, 2, (s.map_or(0, |s| s.issues) + extra) as f64)?;
            ws.write_number(r, 3, s.map_or(0, |s| s.rows) as f64)?;
            ws.write_number(r, 4, (s.map_or(0, |s| s.groups.len()) + extra) as f64)?;
        }
        let last = r;
        r += 1;
        ws.write_string_with_format(r, 0, if zh { "合计" } else { "Total" }, &header)?;
        ws.write_number_with_format(r, 2, (list.total() + unread.len()) as f64, &header)?;
        ws.write_number_with_format(
            r,
            3,
            list.sheets.iter().map(|s| s.rows).sum::<usize>() as f64,
            &header,
        )?;
        ws.write_number_with_format(
            r,
            4,
            (list.sheets.iter().map(|s| s.groups.len()).sum::<usize>() + unread.len()) as f64,
            &header,
        )?;
        ws.set_freeze_panes(1, 0)?;
        ws.autofilter(0, 0, last.max(1), (heads.len() - 1) as u16)?;
        widths.apply(ws)?;
    }

    // One sheet per county.
    let heads: [&str; 10] = if zh {
        [
            "代码",
            "文件",
            "工作表",
            "行",
            "行数",
            "列",
            "原值",
            "问题",
            "处理",
            "建议",
        ]
    } else {
        [
            "Code",
            "File",
            "Sheet",
            "Rows",
            "Count",
            "Column",
            "Original value",
            "Issue",
            "Outcome",
            "Suggestion",
        ]
    };
    for ((sheet, s), name) in sheets.iter().zip(&names) {
        let groups = s.map_or(&[][..], |s| s.groups.as_slice());
        let ws = wb.add_worksheet();
        ws.set_name(name)?;
        let mut widths = Widths(vec![0; heads.len()]);
        for (c, h) in heads.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &header)?;
            widths.see(c, h);
        }
        let mut r = 0u32;
        for g in groups {
            r += 1;
            let t = table_of(&model.tables, g.issue);
            let texts = [
                g.issue.code().to_string(),
                t.map(|t| t.file.display().to_string()).unwrap_or_default(),
                t.and_then(|t| t.sheet.clone()).unwrap_or_default(),
                rows_text(g, lang, ROWS_CHARS),
            ];
            for (c, text) in texts.iter().enumerate() {
                ws.write_string(r, c as u16, cell(text))?;
                widths.see(c, text);
            }
            ws.write_number(r, 4, g.count as f64)?;
            let texts = [
                g.issue.column().unwrap_or_default().to_string(),
                g.original.as_deref().unwrap_or_default().to_string(),
                issue_text::message(g.issue, &model.tables, lang),
                super::shared::outcome_in(g.issue.outcome, lang),
                issue_text::suggestion(g.issue, lang).unwrap_or_default(),
            ];
            for (i, text) in texts.iter().enumerate() {
                ws.write_string(r, (5 + i) as u16, cell(text))?;
                widths.see(5 + i, text);
            }
        }
        for e in unread.iter().filter(|_| *sheet == Sheet::Files) {
            r += 1;
            let file = unread_file(e);
            ws.write_string(r, 1, &file)?;
            widths.see(1, &file);
            ws.write_number(r, 4, 1.0)?;
            ws.write_string(r, 7, cell(e))?;
            widths.see(7, e);
            let what = if zh { "未读取" } else { "not read" };
            ws.write_string(r, 8, what)?;
            widths.see(8, what);
        }
        ws.set_freeze_panes(1, 0)?;
        ws.autofilter(0, 0, r.max(1), (heads.len() - 1) as u16)?;
        widths.apply(ws)?;
    }
    Ok(wb.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_row_list_is_cut_short_with_its_count() {
        use crate::ingest::{Origin, SkipReason};
        let issue = DataIssue::new(
            Some(Origin { table: 0, row: 2 }),
            Some("统一社会信用代码".into()),
            crate::issue::IssueKind::RequiredEmpty,
            Outcome::Skipped(SkipReason::InvalidValue),
        );
        // Every other row of 2..=200_000: 99,999 single rows, far over Excel's limit.
        let rows: Vec<u32> = (1..100_000).map(|i| i * 2).collect();
        let g = Group {
            issue: &issue,
            original: None,
            count: rows.len(),
            rows,
        };
        let text = rows_text(&g, Lang::Zh, ROWS_CHARS);
        assert!(text.chars().count() <= ROWS_CHARS, "{}", text.len());
        assert!(text.starts_with("2, 4, 6, "), "{}", &text[..20]);
        assert!(
            text.ends_with(" … 共 99999 行"),
            "{}",
            &text[text.len() - 40..]
        );
        // The last row kept is whole (the cut falls between two rows).
        let kept = text.trim_end_matches(" … 共 99999 行");
        assert!(kept
            .rsplit(", ")
            .next()
            .is_some_and(|r| r.parse::<u32>().is_ok()));
        let en = rows_text(&g, Lang::En, ROWS_CHARS);
        assert!(
            en.ends_with(" … 99999 rows in all"),
            "{}",
            &en[en.len() - 40..]
        );
        // A short list is left whole.
        let g = Group {
            rows: vec![5, 6, 7, 8, 9, 12, 40],
            count: 7,
            ..g
        };
        assert_eq!(rows_text(&g, Lang::Zh, ROWS_CHARS), "5–9, 12, 40");
    }

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let mut taken = vec!["汇总".to_string()];
        assert_eq!(sheet_name("阳泉市/城区", &mut taken), "阳泉市城区");
        assert_eq!(sheet_name("阳泉市/城区", &mut taken), "阳泉市城区 (2)");
        assert_eq!(sheet_name("a[b]:c*?\\d", &mut taken), "abcd");
        assert_eq!(sheet_name("'x'", &mut taken), "x");
        assert_eq!(sheet_name("X", &mut taken), "X (2)");
        assert_eq!(sheet_name("History", &mut taken), "History (2)");
        let long = "很".repeat(40);
        let a = sheet_name(&long, &mut taken);
        let b = sheet_name(&long, &mut taken);
        assert_eq!(a.chars().count(), 31);
        assert_eq!(b.chars().count(), 31);
        assert!(b.ends_with(" (2)"), "{b}");
    }
}
