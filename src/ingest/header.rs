//! Header detection: which row (or pair of rows) of a grid is the header, which table
//! kind it announces, and which column holds which field.
//!
//! Each of the first [`SCAN_ROWS`] rows is tried alone and together with the row above
//! (a two-row header whose upper row holds merged group labels or vertically merged
//! cells). For a two-row header each column takes the lower cell if it maps to a field,
//! else the upper cell if it does, else the two joined (group label + lower text).
//! A candidate counts when every required field of its kind is present; the one with the
//! most mapped fields wins, earlier rows and one-row headers winning ties within a kind.

use std::collections::BTreeMap;

use super::schema::{self, field_for_key, fields, is_ignored_key, required_unless, TableKind};
use super::source::{Grid, GridRow};
use super::text::{clean_cell, header_key};
use super::values::{self, Domain};
use super::{ColumnMap, IngestError, KindClue, KindOverride};

/// How many rows from the top are tried as header rows.
pub(crate) const SCAN_ROWS: usize = 30;

/// How many rows below a header are looked at to break a tie between table kinds on
/// their values (a national table is not read twice for it).
pub(crate) const TIE_ROWS: usize = 5_000;

/// The header found in a grid.
#[derive(Debug, Clone)]
pub struct HeaderMatch {
    /// Table kind.
    pub kind: TableKind,
    /// Whether the kind was forced by `--kind`.
    pub forced: bool,
    /// What decided the kind.
    pub clue: KindClue,
    /// 1-based first and last header row.
    pub header_rows: (u32, u32),
    /// Index into [`Grid::rows`] of the first row below the header.
    pub data_start: usize,
    /// Columns mapped to fields, in column order.
    pub columns: Vec<ColumnMap>,
    /// Header texts of the other non-empty columns (序号 included).
    pub extra_columns: Vec<String>,
    /// `columns` by field, for the row parsers.
    pub(crate) by_field: super::rows::FieldColumns,
}

impl HeaderMatch {
    /// The column mapped to a field.
    pub fn column(&self, field: &str) -> Option<&ColumnMap> {
        self.columns.iter().find(|c| c.field == field)
    }
}

/// The `--kind` override that applies to a grid: the first whose file matches the file
/// name, the whole path or a path suffix (at a `/` boundary) and whose sheet, if given,
/// is the grid's sheet.
pub(crate) fn find_override<'a>(
    grid: &Grid,
    overrides: &'a [KindOverride],
) -> Option<&'a KindOverride> {
    let path = grid.file.to_string_lossy().replace('\\', "/");
    let name = grid
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    overrides.iter().find(|o| {
        let pat = o.file.replace('\\', "/");
        let file_ok = pat == name
            || pat == path
            || path.ends_with(&format!("/{}", pat.trim_start_matches("./")));
        let sheet_ok = match (&o.sheet, &grid.sheet) {
            (None, _) => true,
            (Some(want), Some(have)) => want == have,
            (Some(_), None) => false,
        };
        file_ok && sheet_ok
    })
}

/// One header column as seen: the text used and the field it maps to.
#[derive(Debug, Clone)]
struct SeenColumn {
    column: usize,
    text: String,
    field: Option<&'static str>,
}

#[derive(Debug, Clone)]
struct Candidate {
    kind: TableKind,
    /// Index of the (last) header row in `grid.rows`.
    index: usize,
    two_rows: bool,
    columns: Vec<SeenColumn>,
}

impl Candidate {
    fn fields(&self) -> Vec<&'static str> {
        let mut f: Vec<&'static str> = self.columns.iter().filter_map(|c| c.field).collect();
        f.sort_unstable();
        f.dedup();
        f
    }

    fn score(&self) -> usize {
        self.fields().len()
    }

    /// Required fields missing, as `(field, required_unless)`.
    fn missing(&self) -> Vec<&'static schema::FieldSpec> {
        let have = self.fields();
        let mut out = Vec::new();
        for spec in fields(self.kind) {
            if have.contains(&spec.name) {
                continue;
            }
            let needed = spec.required
                || required_unless(self.kind, spec.name)
                    .is_some_and(|other| !have.contains(&other));
            if needed {
                out.push(spec);
            }
        }
        out
    }
}

fn map_key(kind: TableKind, text: &str) -> (Option<&'static str>, bool) {
    let key = header_key(text);
    if key.is_empty() {
        return (None, false);
    }
    if is_ignored_key(&key) {
        return (None, true);
    }
    (field_for_key(kind, &key), false)
}

fn cell_text(row: &GridRow, col: usize) -> String {
    clean_cell(&row.cell(col).text())
}

fn single_row(kind: TableKind, row: &GridRow) -> Vec<SeenColumn> {
    (0..row.cells.len())
        .filter_map(|col| {
            let text = cell_text(row, col);
            if text.is_empty() {
                return None;
            }
            let (field, _) = map_key(kind, &text);
            Some(SeenColumn {
                column: col,
                text,
                field,
            })
        })
        .collect()
}

fn two_rows(kind: TableKind, grid: &Grid, upper: &GridRow, lower: &GridRow) -> Vec<SeenColumn> {
    let width = upper.cells.len().max(lower.cells.len());
    let mut out = Vec::new();
    for col in 0..width {
        let low = cell_text(lower, col);
        let up_own = cell_text(upper, col);
        // A group label merged across columns sits in the region's first column.
        let up_group = match grid.merge_at(upper.number, col) {
            Some(m) if m.rows.0 == upper.number && m.cols.0 != col => cell_text(upper, m.cols.0),
            _ => up_own.clone(),
        };
        let (low_field, low_ignored) = map_key(kind, &low);
        let (up_field, up_ignored) = map_key(kind, &up_own);
        let joined = format!("{up_group}{low}");
        let seen = if low_field.is_some() || (low_ignored && !low.is_empty()) {
            Some((low, low_field, low_ignored))
        } else if up_field.is_some() || (up_ignored && low.is_empty()) {
            Some((up_own, up_field, up_ignored))
        } else if joined.is_empty() {
            None
        } else {
            let (f, ig) = map_key(kind, &joined);
            let text = if f.is_some() || up_group.is_empty() || low.is_empty() || up_group == low {
                if up_group == low {
                    low
                } else {
                    joined
                }
            } else {
                format!("{up_group}/{low}")
            };
            Some((text, f, ig))
        };
        if let Some((text, field, _)) = seen {
            out.push(SeenColumn {
                column: col,
                text,
                field,
            });
        }
    }
    out
}

fn candidates(grid: &Grid, kinds: &[TableKind]) -> Vec<Candidate> {
    let mut out = Vec::new();
    let scan = grid.rows.len().min(SCAN_ROWS);
    for index in 0..scan {
        let Some(row) = grid.rows.get(index) else {
            continue;
        };
        if row.is_blank() {
            continue;
        }
        for &kind in kinds {
            out.push(Candidate {
                kind,
                index,
                two_rows: false,
                columns: single_row(kind, row),
            });
            if let Some(upper) = index.checked_sub(1).and_then(|i| grid.rows.get(i)) {
                if !upper.is_blank() {
                    out.push(Candidate {
                        kind,
                        index,
                        two_rows: true,
                        columns: two_rows(kind, grid, upper, row),
                    });
                }
            }
        }
    }
    out
}

/// Ordering key: higher score first, then earlier last row, then one-row headers.
fn rank(c: &Candidate) -> (std::cmp::Reverse<usize>, usize, bool) {
    (std::cmp::Reverse(c.score()), c.index, c.two_rows)
}

fn rows_seen(grid: &Grid) -> String {
    let mut lines = Vec::new();
    for row in grid.rows.iter().filter(|r| !r.is_blank()).take(6) {
        let cells: Vec<String> = (0..row.cells.len().min(12))
            .map(|c| cell_text(row, c))
            .collect();
        let more = if row.cells.len() > 12 { " | …" } else { "" };
        lines.push(format!(
            "  第 {} 行 / row {}: {}{more}",
            row.number,
            row.number,
            cells.join(" | ")
        ));
    }
    format!("前几行 / first rows:\n{}", lines.join("\n"))
}

fn expected_names(spec: &schema::FieldSpec) -> String {
    // Chinese spellings first, one per key, then the English name.
    let mut keys = vec![header_key(spec.zh)];
    let mut others: Vec<&str> = Vec::new();
    for a in spec.aliases.iter().filter(|a| !a.is_ascii()) {
        let k = header_key(a);
        if !keys.contains(&k) && others.len() < 5 {
            keys.push(k);
            others.push(a);
        }
    }
    others.push(spec.name);
    format!("{}（也可写作 / or: {}）", spec.zh, others.join("、"))
}

fn missing_text(c: &Candidate) -> String {
    c.missing()
        .iter()
        .map(|spec| match required_unless(c.kind, spec.name) {
            Some(other) => {
                let other_zh = schema::field(c.kind, other).map(|f| f.zh).unwrap_or(other);
                format!("{}，或 / or {other_zh}", expected_names(spec))
            }
            None => expected_names(spec),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn header_line(grid: &Grid, c: &Candidate) -> String {
    let last = grid.rows.get(c.index).map(|r| r.number).unwrap_or(0);
    let first = if c.two_rows {
        c.index
            .checked_sub(1)
            .and_then(|i| grid.rows.get(i))
            .map(|r| r.number)
            .unwrap_or(last)
    } else {
        last
    };
    let rows = if first == last {
        format!("第 {last} 行 / row {last}")
    } else {
        format!("第 {first}–{last} 行 / rows {first}–{last}")
    };
    let cols: Vec<String> = c.columns.iter().map(|s| s.text.clone()).collect();
    format!("表头 / header {rows}: {}", cols.join(" | "))
}

/// The words of `[kind_names]` found in `name`, per tied kind; `Some` when exactly one
/// kind is named.
fn named_kind(name: &str, kinds: &[TableKind]) -> Option<(TableKind, String)> {
    let key = header_key(name);
    let hits: Vec<(TableKind, String)> = kinds
        .iter()
        .filter_map(|&k| {
            schema::kind_names(k)
                .iter()
                .find(|w| !w.is_empty() && key.contains(w.as_str()))
                .map(|w| (k, w.clone()))
        })
        .collect();
    match hits.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// Whether a cell value is a known value of a kind's value column.
type ValueTest = fn(&str) -> bool;

/// The column whose values tell a kind apart, and whether a value is one of that kind's.
fn value_test(kind: TableKind) -> Option<(&'static str, ValueTest)> {
    match kind {
        TableKind::Projects => Some(("kind", |v| {
            values::canonicalize(Domain::ProjectKind, v).is_some()
        })),
        TableKind::Events => Some(("kind", |v| {
            values::canonicalize(Domain::EventKind, v).is_some()
        })),
        TableKind::Organizations => Some(("category", |v| {
            values::canonicalize(Domain::Category, v).is_some()
        })),
        TableKind::Communities => Some(("kind", |v| values::urban_rural_word(v).is_some())),
        TableKind::Incubators | TableKind::Funds => None,
    }
}

/// For a candidate, (values recognized as its kind's, non-empty values) in its value
/// column below the header.
fn value_hits(grid: &Grid, c: &Candidate) -> (u32, u32) {
    let Some((field, test)) = value_test(c.kind) else {
        return (0, 0);
    };
    let Some(col) = c.columns.iter().find(|s| s.field == Some(field)) else {
        return (0, 0);
    };
    let (mut hits, mut of) = (0u32, 0u32);
    for row in grid.rows.iter().skip(c.index + 1).take(TIE_ROWS) {
        let v = cell_text(row, col.column);
        if v.is_empty() {
            continue;
        }
        of += 1;
        if test(&v) {
            hits += 1;
        }
    }
    (hits, of)
}

/// Decide between candidates whose headers fit equally well: the sheet name, then the
/// file name, then the values of the kind column (one kind recognizes some values and
/// the others none). `Err` says what each clue gave.
fn break_tie<'a>(grid: &Grid, tied: &[&'a Candidate]) -> Result<(&'a Candidate, KindClue), String> {
    let mut kinds: Vec<TableKind> = tied.iter().map(|c| c.kind).collect();
    kinds.sort();
    kinds.dedup();
    let first_of = |k: TableKind| tied.iter().copied().find(|c| c.kind == k);
    let mut said = Vec::new();
    if let Some(sheet) = &grid.sheet {
        if let Some((k, word)) = named_kind(sheet, &kinds) {
            if let Some(c) = first_of(k) {
                return Ok((c, KindClue::SheetName { word }));
            }
        }
        said.push(format!("工作表名“{sheet}”未指明 / sheet name says nothing"));
    }
    let stem = grid
        .file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if let Some((k, word)) = named_kind(&stem, &kinds) {
        if let Some(c) = first_of(k) {
            return Ok((c, KindClue::FileName { word }));
        }
    }
    said.push(format!("文件名“{stem}”未指明 / file name says nothing"));
    let counts: Vec<(&Candidate, u32, u32)> = kinds
        .iter()
        .filter_map(|&k| first_of(k))
        .map(|c| {
            let (hits, of) = value_hits(grid, c);
            (c, hits, of)
        })
        .collect();
    let with_hits: Vec<&(&Candidate, u32, u32)> =
        counts.iter().filter(|(_, hits, _)| *hits > 0).collect();
    if let [(c, hits, of)] = with_hits.as_slice() {
        return Ok((
            c,
            KindClue::Values {
                matched: *hits,
                of: *of,
            },
        ));
    }
    let known: Vec<String> = counts
        .iter()
        .map(|(c, hits, of)| format!("{} {hits}/{of}", c.kind.as_str()))
        .collect();
    said.push(format!(
        "类型列的值也不能区分 / the kind column's values do not tell (known values: {})",
        known.join(", ")
    ));
    Err(said.join("; "))
}

/// Find the header of a grid. With `forced`, only that kind is tried and missing
/// required columns are an error; otherwise every kind is tried.
pub fn detect(grid: &Grid, forced: Option<TableKind>) -> Result<HeaderMatch, IngestError> {
    let table = grid.display_name();
    let kinds: Vec<TableKind> = match forced {
        Some(k) => vec![k],
        None => TableKind::ALL.to_vec(),
    };
    let all = candidates(grid, &kinds);
    let mut valid: Vec<&Candidate> = all.iter().filter(|c| c.missing().is_empty()).collect();
    valid.sort_by_key(|c| rank(c));
    let Some(best) = valid.first().copied() else {
        // Nothing complete: report the best partial match.
        let best = all.iter().min_by_key(|c| {
            (
                std::cmp::Reverse(c.score()),
                c.missing().len(),
                c.index,
                c.two_rows,
            )
        });
        return Err(match best {
            Some(b) if b.score() >= 2 || forced.is_some() => IngestError::MissingColumns {
                table,
                kind: b.kind.as_str(),
                missing: missing_text(b),
                detail: format!("{}\n{}", header_line(grid, b), rows_seen(grid)),
            },
            Some(b) => IngestError::NoHeader {
                table,
                detail: format!(
                    "{}\n最接近的是 {} 表，缺少 / closest is {}, missing: {}",
                    rows_seen(grid),
                    b.kind.zh(),
                    b.kind.as_str(),
                    missing_text(b)
                ),
            },
            None => IngestError::NoHeader {
                table,
                detail: rows_seen(grid),
            },
        });
    };
    let tied: Vec<&Candidate> = valid
        .iter()
        .copied()
        .filter(|c| rank(c) == rank(best))
        .collect();
    let (best, clue) = if tied.iter().any(|c| c.kind != best.kind) {
        match break_tie(grid, &tied) {
            Ok(pick) => pick,
            Err(clues) => {
                let second = tied
                    .iter()
                    .find(|c| c.kind != best.kind)
                    .map_or("", |c| c.kind.as_str());
                return Err(IngestError::AmbiguousHeader {
                    table,
                    row: grid.rows.get(best.index).map(|r| r.number).unwrap_or(0),
                    first: best.kind.as_str(),
                    second,
                    clues,
                });
            }
        }
    } else if forced.is_some() {
        (best, KindClue::Forced)
    } else {
        (best, KindClue::Header)
    };
    let last_row = grid.rows.get(best.index).map(|r| r.number).unwrap_or(0);
    let first_row = if best.two_rows {
        best.index
            .checked_sub(1)
            .and_then(|i| grid.rows.get(i))
            .map(|r| r.number)
            .unwrap_or(last_row)
    } else {
        last_row
    };
    let mut seen: BTreeMap<&'static str, &SeenColumn> = BTreeMap::new();
    let mut columns = Vec::new();
    let mut extra_columns = Vec::new();
    for col in &best.columns {
        match col.field {
            Some(field) => {
                if let Some(first) = seen.get(field) {
                    return Err(IngestError::DuplicateColumn {
                        table,
                        row: last_row,
                        field,
                        first: first.text.clone(),
                        second: col.text.clone(),
                    });
                }
                seen.insert(field, col);
                columns.push(ColumnMap {
                    field,
                    column: col.column,
                    header: col.text.clone(),
                });
            }
            None => extra_columns.push(col.text.clone()),
        }
    }
    Ok(HeaderMatch {
        kind: best.kind,
        forced: forced.is_some(),
        clue,
        header_rows: (first_row, last_row),
        data_start: best.index + 1,
        by_field: super::rows::FieldColumns::of(&columns),
        columns,
        extra_columns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::source::Merge;
    use std::path::PathBuf;

    fn row(number: u32, cells: &[&str]) -> GridRow {
        GridRow::from_texts(number, cells)
    }

    fn grid(rows: Vec<GridRow>, merges: Vec<Merge>) -> Grid {
        Grid {
            file: PathBuf::from("dir/台账.xlsx"),
            sheet: Some("Sheet1".into()),
            encoding: None,
            rows,
            merges,
        }
    }

    #[test]
    fn title_row_and_two_row_merged_header() {
        // Row 1: title merged A1:G1. Rows 2–3: header; 序号, 组织名称 and 成立日期 merged
        // vertically, "所在地" merged across C2:E2 over 市/县（市、区）/街道.
        let g = grid(
            vec![
                row(1, &["太原市社区社会组织备案台账（2023年第三季度）"]),
                row(2, &["序号", "组织名称", "所在地", "", "", "成立", "备注"]),
                row(3, &["", "", "市", "县（市、区）", "乡镇(街道)", "日期", ""]),
                row(
                    4,
                    &[
                        "1",
                        "迎泽区文体协会",
                        "太原市",
                        "迎泽区",
                        "桥东街道",
                        "2021-03-05",
                        "",
                    ],
                ),
            ],
            vec![
                Merge {
                    rows: (1, 1),
                    cols: (0, 6),
                },
                Merge {
                    rows: (2, 3),
                    cols: (0, 0),
                },
                Merge {
                    rows: (2, 3),
                    cols: (1, 1),
                },
                Merge {
                    rows: (2, 2),
                    cols: (2, 4),
                },
                Merge {
                    rows: (2, 2),
                    cols: (5, 5),
                },
            ],
        );
        let h = detect(&g, None).unwrap();
        assert_eq!(h.kind, TableKind::Organizations);
        assert_eq!(h.header_rows, (2, 3));
        assert_eq!(h.data_start, 3);
        let got: Vec<(&str, usize)> = h.columns.iter().map(|c| (c.field, c.column)).collect();
        assert_eq!(
            got,
            [
                ("name", 1),
                ("city", 2),
                ("county", 3),
                ("street", 4),
                ("founded", 5)
            ]
        );
        assert_eq!(h.column("founded").unwrap().header, "成立日期");
        assert_eq!(h.extra_columns, ["序号", "备注"]);
    }

    #[test]
    fn one_row_header_below_titles_is_preferred_to_swallowing_data() {
        let g = grid(
            vec![
                row(1, &["经费台账"]),
                row(2, &["填报单位：太原市民政局"]),
                row(3, &["市", "县区", "年度", "金额\n（万元）", "来源"]),
                row(4, &["太原市", "小店区", "2021", "12.5", "福彩公益金"]),
            ],
            vec![],
        );
        let h = detect(&g, None).unwrap();
        assert_eq!(h.kind, TableKind::Funds);
        assert_eq!(h.header_rows, (3, 3));
        assert_eq!(h.data_start, 3);
    }

    #[test]
    fn community_kind_required_unless_code() {
        let with_code = grid(
            vec![row(1, &["市", "县区", "街道", "社区", "城乡分类代码"])],
            vec![],
        );
        assert_eq!(
            detect(&with_code, None).unwrap().kind,
            TableKind::Communities
        );
        let without = grid(
            vec![row(1, &["市", "县区", "街道", "社区", "备注"])],
            vec![],
        );
        let err = detect(&without, Some(TableKind::Communities))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("城乡类型") && err.contains("城乡分类代码"),
            "{err}"
        );
    }

    #[test]
    fn missing_required_column_names_what_was_seen() {
        let g = grid(
            vec![
                row(1, &["组织名称", "市", "备注"]),
                row(2, &["甲", "太原市", ""]),
            ],
            vec![],
        );
        let err = detect(&g, None).unwrap_err();
        let msg = err.to_string();
        assert!(
            matches!(
                err,
                IngestError::MissingColumns {
                    kind: "organizations",
                    ..
                }
            ),
            "{msg}"
        );
        assert!(
            msg.contains("县区") && msg.contains("组织名称 | 市 | 备注"),
            "{msg}"
        );
    }

    #[test]
    fn nothing_recognized() {
        let g = grid(vec![row(1, &["甲", "乙"]), row(2, &["1", "2"])], vec![]);
        let msg = detect(&g, None).unwrap_err().to_string();
        assert!(
            msg.contains("找不到表头") && msg.contains("甲 | 乙"),
            "{msg}"
        );
    }

    #[test]
    fn duplicate_column_is_an_error() {
        let g = grid(
            vec![row(1, &["组织名称", "市", "县区", "县（市、区）"])],
            vec![],
        );
        let msg = detect(&g, None).unwrap_err().to_string();
        assert!(msg.contains("县区") && msg.contains("县(市、区)"), "{msg}");
    }

    #[test]
    fn two_row_header_without_merge_information() {
        // As a CSV export shows it: vertically merged cells only in the upper row, the
        // group label only above its first column.
        let g = grid(
            vec![
                row(1, &["序号", "名称", "地点", "", "", "建成", "撤销日期"]),
                row(2, &["", "", "市", "县区", "街道", "时间", ""]),
                row(
                    3,
                    &[
                        "1",
                        "迎泽孵化园",
                        "太原市",
                        "迎泽区",
                        "桥东街道",
                        "2020-01-01",
                        "",
                    ],
                ),
            ],
            vec![],
        );
        let h = detect(&g, None).unwrap();
        assert_eq!(h.kind, TableKind::Incubators);
        assert_eq!(h.header_rows, (1, 2));
        let got: Vec<&str> = h.columns.iter().map(|c| c.field).collect();
        assert_eq!(
            got,
            ["name", "city", "county", "street", "established", "closed"]
        );
    }

    #[test]
    fn equally_good_kinds_are_ambiguous() {
        // 名称/市/县区/街道/建成日期 fits incubators, 市/县区/街道/社区/城乡分类代码 fits
        // communities: five columns each.
        let g = grid(
            vec![row(
                1,
                &[
                    "名称",
                    "市",
                    "县区",
                    "街道",
                    "社区",
                    "城乡分类代码",
                    "建成日期",
                ],
            )],
            vec![],
        );
        let err = detect(&g, None).unwrap_err();
        assert!(matches!(err, IngestError::AmbiguousHeader { .. }), "{err}");
        assert!(err.to_string().contains("--kind"));
        assert_eq!(
            detect(&g, Some(TableKind::Incubators)).unwrap().kind,
            TableKind::Incubators
        );
    }

    fn english(file: &str, sheet: Option<&str>, kinds: &[&str]) -> Grid {
        let mut rows = vec![row(1, &["name", "kind", "city", "county", "date"])];
        for (i, k) in kinds.iter().enumerate() {
            rows.push(row(
                i as u32 + 2,
                &["x", k, "晋城市", "泽州县", "2022-03-01"],
            ));
        }
        Grid {
            file: PathBuf::from(file),
            sheet: sheet.map(str::to_string),
            encoding: None,
            rows,
            merges: vec![],
        }
    }

    #[test]
    fn equal_headers_are_told_apart_by_sheet_name_file_name_then_values() {
        use crate::ingest::KindClue;
        // The sheet name first: "活动" names events, though the file names both.
        let h = detect(
            &english("dir/项目与活动.xlsx", Some("活动"), &["brand"]),
            None,
        )
        .unwrap();
        assert_eq!(h.kind, TableKind::Events);
        assert_eq!(
            h.clue,
            KindClue::SheetName {
                word: "活动".into()
            }
        );
        // The file name ("Projects" folded to lower case).
        let h = detect(&english("Projects-2023.csv", None, &["training"]), None).unwrap();
        assert_eq!(h.kind, TableKind::Projects);
        assert_eq!(
            h.clue,
            KindClue::FileName {
                word: "project".into()
            }
        );
        // Names that say nothing: 2 of 3 values are project kinds, none an event kind.
        let h = detect(
            &english(
                "export.csv",
                Some("Sheet1"),
                &["brand", "", "创投", "other"],
            ),
            None,
        )
        .unwrap();
        assert_eq!(h.kind, TableKind::Projects);
        assert_eq!(h.clue, KindClue::Values { matched: 2, of: 3 });
        let h = detect(&english("export.csv", None, &["培训"]), None).unwrap();
        assert_eq!(h.kind, TableKind::Events);
        // Values of both kinds, or of neither: a real tie.
        for values in [&["brand", "training"][..], &["other"][..], &[][..]] {
            let err = detect(&english("export.csv", None, values), None).unwrap_err();
            assert!(matches!(err, IngestError::AmbiguousHeader { .. }), "{err}");
        }
        // --kind decides without clues.
        let h = detect(
            &english("events.csv", None, &["brand"]),
            Some(TableKind::Projects),
        )
        .unwrap();
        assert_eq!(h.clue, KindClue::Forced);
    }

    #[test]
    fn overrides_match_file_and_sheet() {
        let g = grid(vec![row(1, &["x"])], vec![]);
        let ov = |file: &str, sheet: Option<&str>| KindOverride {
            file: file.into(),
            sheet: sheet.map(str::to_string),
            kind: Some(TableKind::Funds),
        };
        assert!(find_override(&g, &[ov("台账.xlsx", None)]).is_some());
        assert!(find_override(&g, &[ov("dir/台账.xlsx", Some("Sheet1"))]).is_some());
        assert!(find_override(&g, &[ov("台账.xlsx", Some("Sheet2"))]).is_none());
        assert!(find_override(&g, &[ov("账.xlsx", None)]).is_none());
    }
}
