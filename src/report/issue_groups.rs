//! The lists of data issues to send back (`zhibiao issues`): every listed issue of the
//! model placed in the county (or city) its row lies in, and identical issues of one
//! county grouped into one line with their rows. A pure function of the model and the
//! rows' original cells (read again by the caller, as for `--rejects`); the words are
//! `report::issue_list`'s.
//!
//! Where a row lies is the model's answer ([`crate::model::issue_rows::places`]). A row
//! whose county (or city) is unknown lies in [`Sheet::Unresolved`]; an issue without a row
//! in [`Sheet::Files`]. No issue is dropped.

use std::collections::{BTreeMap, HashMap};

use super::issues::is_listed;
use crate::ingest::{DataIssue, Origin, Outcome, TableInfo};
use crate::issue::{IssueKind, PlaceColumn, Text};
use crate::model::{Level, Model, RegionId};

/// Where a group of issues is listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sheet {
    /// A county or city of the community list.
    Region(RegionId),
    /// Rows whose county (or city) could not be told.
    Unresolved,
    /// Issues of a file or table as a whole, with no row.
    Files,
}

/// One issue with where it lies and the cell as written.
#[derive(Debug, Clone)]
pub struct Located<'a> {
    /// The issue.
    pub issue: &'a DataIssue,
    /// Its sheet.
    pub sheet: Sheet,
    /// The cell of the issue's column as written in the file, when there is one.
    pub original: Option<Text>,
}

/// Identical issues of one sheet: the same code and values, table, column, original cell
/// and outcome.
#[derive(Debug, Clone)]
pub struct Group<'a> {
    /// The first issue of the group (the others differ only in their row).
    pub issue: &'a DataIssue,
    /// The cell as written.
    pub original: Option<Text>,
    /// How many issues the group holds.
    pub count: usize,
    /// Their rows, ascending, each once.
    pub rows: Vec<u32>,
}

/// The groups of one sheet and its totals.
#[derive(Debug, Clone)]
pub struct SheetList<'a> {
    /// Which sheet.
    pub sheet: Sheet,
    /// Its groups, by table then first row.
    pub groups: Vec<Group<'a>>,
    /// Issues in it.
    pub issues: usize,
    /// Distinct rows (table, row) to correct.
    pub rows: usize,
}

/// Every listed issue, located, and the sheets they fall in.
#[derive(Debug, Clone)]
pub struct IssueList<'a> {
    /// The level of the regions of the sheets (county or city).
    pub level: Level,
    /// Each listed issue in the model's order.
    pub items: Vec<Located<'a>>,
    /// The sheets with issues: regions in community-list order (by division code when
    /// every one has one), then the unresolved rows, then the file issues.
    pub sheets: Vec<SheetList<'a>>,
}

impl IssueList<'_> {
    /// Issues listed in all.
    pub fn total(&self) -> usize {
        self.items.len()
    }
}

/// Group the listed issues of `model` (see `report::issues::is_listed`) at `level` (county
/// or city). `cells` holds the original cells of the issues' rows; `places` where each row
/// lies ([`crate::model::issue_rows::places`]).
pub fn build<'a>(
    model: &'a Model,
    cells: &crate::ingest::OriginalCells,
    places: &HashMap<Origin, Option<RegionId>>,
    level: Level,
) -> IssueList<'a> {
    let regions = &model.regions;
    let mut items = Vec::new();
    for issue in model.issues.iter().filter(|i| is_listed(i)) {
        let Some(o) = issue.origin else {
            items.push(Located {
                issue,
                sheet: Sheet::Files,
                original: None,
            });
            continue;
        };
        let table = model.tables.get(o.table as usize);
        let row = cells.get(&o);
        let deepest = places.get(&o).copied().flatten();
        let sheet = deepest
            .and_then(|id| regions.ancestor_at(id, level))
            .map_or(Sheet::Unresolved, Sheet::Region);
        let original = original_cell(issue, table, row);
        items.push(Located {
            issue,
            sheet,
            original,
        });
    }
    let sheets = group(model, &items);
    IssueList {
        level,
        items,
        sheets,
    }
}

/// The cell of the issue's column as written: found by the header text, or, for a place
/// column the issue names by its canonical header (县区, 社区 …), by its field.
fn original_cell(
    issue: &DataIssue,
    table: Option<&TableInfo>,
    cells: Option<&crate::ingest::OriginalRow>,
) -> Option<Text> {
    let (table, cells, column) = (table?, cells?, issue.column()?);
    let field = [
        PlaceColumn::Province,
        PlaceColumn::City,
        PlaceColumn::County,
        PlaceColumn::Street,
        PlaceColumn::Community,
    ]
    .into_iter()
    .find(|p| p.zh() == column)
    .map(|p| match p {
        PlaceColumn::Province => "province",
        PlaceColumn::City => "city",
        PlaceColumn::County => "county",
        PlaceColumn::Street => "street",
        PlaceColumn::Community => "community",
    });
    let map = table
        .columns
        .iter()
        .find(|c| c.header == column)
        .or_else(|| table.columns.iter().find(|c| Some(c.field) == field))?;
    cells.get(map.column).map(Text::from)
}

/// The grouping key of an issue within its sheet: table, column, kind with its values,
/// outcome and the original cell.
type Key<'k> = (
    Option<u32>,
    Option<&'k str>,
    &'k IssueKind,
    Outcome,
    Option<Text>,
);

fn group<'a>(model: &Model, items: &[Located<'a>]) -> Vec<SheetList<'a>> {
    type Groups<'g> = (Vec<Group<'g>>, HashMap<Key<'g>, usize>);
    let mut sheets: BTreeMap<Sheet, Groups<'a>> = BTreeMap::new();
    for it in items {
        let (groups, index) = sheets.entry(it.sheet).or_default();
        let issue: &'a DataIssue = it.issue;
        let key: Key<'a> = (
            issue.origin.map(|o| o.table),
            issue.column(),
            issue.kind(),
            issue.outcome,
            it.original.clone(),
        );
        match index.get(&key) {
            Some(&g) => {
                let g = &mut groups[g];
                g.count += 1;
                if let Some(o) = issue.origin {
                    g.rows.push(o.row);
                }
            }
            None => {
                index.insert(key, groups.len());
                groups.push(Group {
                    issue,
                    original: it.original.clone(),
                    count: 1,
                    rows: issue.origin.map(|o| vec![o.row]).unwrap_or_default(),
                });
            }
        }
    }
    let mut out: Vec<SheetList<'a>> = sheets
        .into_iter()
        .map(|(sheet, (mut groups, _))| {
            let mut rows = std::collections::BTreeSet::new();
            for g in &mut groups {
                g.rows.sort_unstable();
                g.rows.dedup();
                if let Some(o) = g.issue.origin {
                    rows.extend(g.rows.iter().map(|r| (o.table, *r)));
                }
            }
            groups.sort_by_key(|g| {
                (
                    g.issue.origin.map(|o| o.table),
                    g.rows.first().copied(),
                    g.issue.code(),
                )
            });
            let issues = groups.iter().map(|g| g.count).sum();
            SheetList {
                sheet,
                groups,
                issues,
                rows: rows.len(),
            }
        })
        .collect();
    // Regions by division code when every one has one, else in community-list order
    // (region ids are given in reading order); the unresolved rows and files last.
    let regions = &model.regions;
    let all_coded = out.iter().all(|s| match s.sheet {
        Sheet::Region(id) => regions.get(id).code.is_some(),
        _ => true,
    });
    out.sort_by_key(|s| match s.sheet {
        Sheet::Region(id) => {
            let code = if all_coded {
                regions.get(id).code.clone()
            } else {
                None
            };
            (0, code, id)
        }
        Sheet::Unresolved => (1, None, 0),
        Sheet::Files => (2, None, 0),
    });
    out
}

/// "5–9, 12, 40": ascending rows as runs.
pub(crate) fn row_ranges(rows: &[u32], dash: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < rows.len() {
        let start = rows[i];
        let mut end = start;
        while i + 1 < rows.len() && rows[i + 1] == end + 1 {
            i += 1;
            end = rows[i];
        }
        parts.push(match end - start {
            0 => start.to_string(),
            1 => format!("{start}, {end}"),
            _ => format!("{start}{dash}{end}"),
        });
        i += 1;
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_written_as_runs() {
        assert_eq!(row_ranges(&[5, 6, 7, 8, 9, 12, 40], "–"), "5–9, 12, 40");
        assert_eq!(row_ranges(&[3, 4], "–"), "3, 4");
        assert_eq!(row_ranges(&[7], "–"), "7");
        assert_eq!(row_ranges(&[], "–"), "");
        assert_eq!(row_ranges(&[1, 2, 3, 10, 11, 12, 13], "-"), "1-3, 10-13");
    }
}
