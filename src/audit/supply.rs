//! Which tables each reporting unit supplied: the submission checklist, and the rule that
//! a figure needing a table that was not supplied is "no data", never "0, unmet".
//!
//! The reporting units are the plan's cities (plus any other city present in the data),
//! or the scope itself under `--scope 市` / `--scope 市/县` (a county scope makes the
//! counties the units). A table supplies a kind to a unit when:
//! - some row of it lies in the unit; or
//! - its rows lie in two or more units: a combined table, where a unit without rows has a
//!   real zero; or
//! - (county units) its rows lie at the level of the county's city only (a city's own
//!   table, e.g. city-level events with 县区 blank); or
//! - no row of it could be placed (an empty table): then its file or sheet name decides
//!   when it names exactly one unit ("阳泉市孵化基地.csv"), else it counts for every unit.
//!
//! A table whose rows all lie in one other unit supplies nothing to this one: 晋城市's
//! events file says nothing about 阳泉市's trainings.

use crate::ingest::{TableInfo, TableKind};
use crate::model::{Level, Model, RegionId, TableReach};
use crate::plan::{Measure, PlanMeta, Target};

/// The reporting units and what each of them supplied.
#[derive(Debug, Clone)]
pub struct Supply {
    /// Level of the units: city, or county under a county scope.
    pub level: Level,
    /// Units in order: (region path, region id when the unit is in the community list).
    pub units: Vec<(String, Option<RegionId>)>,
    /// Per unit, per kind (in [`TableKind::ALL`] order): indexes of the supplying tables.
    tables: Vec<Vec<Vec<u32>>>,
    /// Per kind: whether any table of the kind was read at all.
    any: Vec<bool>,
}

fn kind_index(kind: TableKind) -> usize {
    TableKind::ALL.iter().position(|k| *k == kind).unwrap_or(0)
}

/// The tables a target reads: its records' table, and the community list for units.
pub fn target_tables(target: &Target) -> Vec<TableKind> {
    let mut out = vec![target.measure.records().table];
    if matches!(
        target.measure,
        Measure::Density { .. } | Measure::Coverage { .. }
    ) && !out.contains(&TableKind::Communities)
    {
        out.push(TableKind::Communities);
    }
    out
}

impl Supply {
    /// Work out the units and what each supplied.
    pub fn new(model: &Model, meta: &PlanMeta) -> Supply {
        let regions = &model.regions;
        let scope_level = regions.get(model.scope).level;
        let level = if scope_level == Level::County {
            Level::County
        } else {
            Level::City
        };
        let mut units: Vec<(String, Option<RegionId>)> = Vec::new();
        if scope_level == Level::Province {
            for name in &meta.reporting_units {
                let id = regions.child(Some(model.province), name);
                let path = match id {
                    Some(id) => regions.path(id),
                    None => format!("{}/{name}", regions.path(model.province)),
                };
                units.push((path, id));
            }
            for id in regions.descendants_at(model.scope, Level::City) {
                if !units.iter().any(|(_, u)| *u == Some(id)) {
                    units.push((regions.path(id), Some(id)));
                }
            }
        } else {
            units.push((regions.path(model.scope), Some(model.scope)));
        }
        let names: Vec<String> = units
            .iter()
            .map(|(p, _)| p.rsplit('/').next().unwrap_or(p).to_string())
            .collect();
        let mut any = vec![false; TableKind::ALL.len()];
        let mut tables = vec![vec![Vec::new(); TableKind::ALL.len()]; units.len()];
        let empty = TableReach::default();
        for (t, info) in model.tables.iter().enumerate() {
            let k = kind_index(info.kind);
            any[k] = true;
            let reach = model.reach.get(t).unwrap_or(&empty);
            let named = named_unit(info, &names);
            for (u, (_, id)) in units.iter().enumerate() {
                let Some(id) = *id else { continue };
                // A community list supplies the units whose communities it holds.
                let supplies = if info.kind == TableKind::Communities {
                    reach_at(reach, level).contains(&id)
                } else {
                    supplies(model, reach, level, id, named.map(|n| n == u))
                };
                if supplies {
                    tables[u][k].push(t as u32);
                }
            }
        }
        Supply {
            level,
            units,
            tables,
            any,
        }
    }

    /// Whether any table of this kind was read.
    pub fn any(&self, kind: TableKind) -> bool {
        self.any[kind_index(kind)]
    }

    /// The index of the unit a region belongs to (itself or its ancestor at the unit level).
    pub(crate) fn unit_of(&self, model: &Model, id: RegionId) -> Option<usize> {
        let u = model.regions.ancestor_at(id, self.level)?;
        self.units.iter().position(|(_, x)| *x == Some(u))
    }

    /// Whether no unit supplied this kind.
    pub(crate) fn supplied_by_none(&self, kind: TableKind) -> bool {
        let k = kind_index(kind);
        self.tables.iter().all(|per| per[k].is_empty())
    }

    /// Kinds among `kinds` that unit `u` did not supply.
    pub fn missing(&self, u: usize, kinds: &[TableKind]) -> Vec<TableKind> {
        kinds
            .iter()
            .copied()
            .filter(|k| {
                self.tables
                    .get(u)
                    .is_none_or(|per| per[kind_index(*k)].is_empty())
            })
            .collect()
    }

    /// Units present in the data that supplied every kind in `kinds`, and the count of
    /// units (present or not).
    pub fn complete(&self, kinds: &[TableKind]) -> (u32, u32) {
        let done = self
            .units
            .iter()
            .enumerate()
            .filter(|(u, (_, id))| id.is_some() && self.missing(*u, kinds).is_empty())
            .count();
        (done as u32, self.units.len() as u32)
    }

    /// Region ids of the units present in the data that supplied every kind in `kinds`.
    pub(crate) fn complete_ids(&self, kinds: &[TableKind]) -> Vec<RegionId> {
        self.units
            .iter()
            .enumerate()
            .filter_map(|(u, (_, id))| id.filter(|_| self.missing(u, kinds).is_empty()))
            .collect()
    }

    /// The checklist: for each unit, per kind, the supplying tables' names.
    pub fn checklist(&self, tables: &[TableInfo]) -> Vec<super::Submitted> {
        self.units
            .iter()
            .enumerate()
            .map(|(u, (path, id))| super::Submitted {
                unit: path.clone(),
                present: id.is_some(),
                kinds: TableKind::ALL
                    .iter()
                    .enumerate()
                    .map(|(k, kind)| {
                        let names = self.tables[u][k]
                            .iter()
                            .filter_map(|&t| tables.get(t as usize).map(TableInfo::display_name))
                            .collect();
                        (*kind, names)
                    })
                    .collect(),
            })
            .collect()
    }
}

fn reach_at(reach: &TableReach, level: Level) -> &std::collections::BTreeSet<RegionId> {
    if level == Level::County {
        &reach.counties
    } else {
        &reach.cities
    }
}

/// The rule of the module docs for a table that is not a community list. `named` is
/// `Some(true)` when the table's file or sheet name names exactly this unit, `Some(false)`
/// when it names exactly another one, `None` when it names none or several.
fn supplies(
    model: &Model,
    reach: &TableReach,
    level: Level,
    unit: RegionId,
    named: Option<bool>,
) -> bool {
    let at = reach_at(reach, level);
    if at.contains(&unit) || at.len() >= 2 {
        return true;
    }
    if !at.is_empty() {
        return false;
    }
    if level == Level::County {
        if reach.cities.len() >= 2 {
            return true;
        }
        if let Some(city) = model.regions.ancestor_at(unit, Level::City) {
            if reach.cities.contains(&city) {
                return true;
            }
        }
        if !reach.cities.is_empty() {
            return false;
        }
    }
    named.unwrap_or(true)
}

/// The one unit whose name (or name without 市) the table's file or sheet name contains.
fn named_unit(info: &TableInfo, names: &[String]) -> Option<usize> {
    let file = info
        .file
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let text = format!("{file}#{}", info.sheet.clone().unwrap_or_default());
    let hits: Vec<usize> = names
        .iter()
        .enumerate()
        .filter(|(_, n)| {
            let short = n.strip_suffix('市').filter(|s| s.chars().count() >= 2);
            text.contains(n.as_str()) || short.is_some_and(|s| text.contains(s))
        })
        .map(|(i, _)| i)
        .collect();
    match hits.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}
