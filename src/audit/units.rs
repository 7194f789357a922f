//! Rows of the plan's reporting units beside the cities (`[[unit]]`, e.g. 杨凌示范区 =
//! 咸阳市/杨陵区).
//!
//! A unit is a set of places that do not nest; its figures are the sums of its places'
//! figures ([`Values::set_row`]), judged like a city's. Its rows are additional rows at
//! city level: the records still count in their city, county and street as always, so a
//! unit is never subtracted from its city and nothing is counted twice within a row.
//!
//! - Rows exist only when the audit covers the whole province (no `--scope`) and only for
//!   targets that have city rows; they are assessed when the target is assessed at city
//!   level (like a city, a unit then decides the exit code).
//! - A place not in the community list: the unit is computed over the places present, its
//!   detail names the absent ones and a data issue says so. None present: no data, and
//!   like a city missing from the data it is a shortfall.
//! - A unit whose places the user has not given (`places = "user"` without `--units`):
//!   no data with "not configured", a shortfall as well — it is addressed by the document
//!   and cannot be judged.

use crate::ingest::{DataIssue, Outcome};
use crate::issue::{IssueKind, Text};
use crate::model::{Level, Model, RegionId};
use crate::plan::{Measure, Plan, Target};

use super::measure::{blank_row, Values};
use super::{Detail, Row, Status};

/// Detail of a unit whose places the user has not given.
pub const NOT_CONFIGURED: &str =
    "未配置：用 --units 提供街道名单 / not configured: give its streets with --units";

/// A unit's places resolved against the model.
enum Places {
    /// `places = "user"` and no `--units` entry.
    NotConfigured,
    /// Regions of the places present, and the paths of those absent.
    Resolved {
        ids: Vec<RegionId>,
        absent: Vec<String>,
    },
}

/// One unit, resolved.
struct Unit {
    name: String,
    places: Places,
}

/// The plan's units resolved against the model, once per audit.
pub(super) struct Units {
    province: String,
    code: String,
    units: Vec<Unit>,
    issues: Vec<DataIssue>,
}

/// Resolve every unit's places (paths from the city down, exact folded names). Empty when
/// the model is scoped below the province.
pub(super) fn resolve(model: &Model, plan: &Plan) -> Units {
    let regions = &model.regions;
    let mut out = Units {
        province: regions.path(model.scope),
        code: plan.meta.province_code.clone(),
        units: Vec::new(),
        issues: Vec::new(),
    };
    if regions.get(model.scope).level != Level::Province {
        return out;
    }
    for u in &plan.units {
        let places = if !u.configured() {
            Places::NotConfigured
        } else {
            let mut ids = Vec::new();
            let mut absent = Vec::new();
            for path in &u.places {
                let mut cur = Some(model.scope);
                for name in path {
                    cur = cur.and_then(|c| regions.child(Some(c), name));
                }
                match cur {
                    Some(id) => ids.push(id),
                    None => absent.push(path.join("/")),
                }
            }
            if !absent.is_empty() && !ids.is_empty() {
                out.issues.push(DataIssue::new(
                    None,
                    None,
                    IssueKind::UnitPlacesAbsent {
                        unit: u.name.as_str().into(),
                        absent: absent.iter().map(|a| Text::from(a.as_str())).collect(),
                        found: ids.len(),
                    },
                    Outcome::Counted,
                ));
            }
            Places::Resolved { ids, absent }
        };
        out.units.push(Unit {
            name: u.name.clone(),
            places,
        });
    }
    out
}

impl Units {
    /// The data issues found resolving the units, then the model's (shared, not copied).
    pub(super) fn issues_with(&self, model: &crate::model::Model) -> crate::issue::Issues {
        crate::issue::Issues::new(self.issues.clone(), model.issues.clone())
    }

    /// The units' rows of target `ti`, when the target has city rows (`levels`).
    pub(super) fn rows(
        &self,
        values: &Values,
        ti: usize,
        target: &Target,
        levels: &[Level],
        assessed_level: Level,
    ) -> Vec<Row> {
        if !levels.contains(&Level::City) {
            return Vec::new();
        }
        let info = matches!(target.measure, Measure::Info { .. });
        self.units
            .iter()
            .enumerate()
            .map(|(i, u)| {
                let mut row = blank_row(ti, target, Level::City);
                row.region = format!("{}/{}", self.province, u.name);
                row.assessed = assessed_level == Level::City;
                // After the cities present and the cities missing (U+10FFFF then the index),
                // in plan order.
                row.sort_key = format!("{}/\u{10FFFF}\u{10FFFF}{i:04}", self.code);
                let no_data = |mut row: Row, detail: Detail| {
                    row.status = if info { Status::Info } else { Status::NoData };
                    row.detail = vec![detail];
                    row
                };
                match &u.places {
                    Places::NotConfigured => no_data(row, Detail::UnitNotConfigured),
                    Places::Resolved { ids, absent } if ids.is_empty() => {
                        no_data(row, Detail::PlacesNotInData(absent.clone()))
                    }
                    Places::Resolved { ids, absent } => {
                        row.region_id = ids.first().copied();
                        let mut row = values.set_row(row, ids);
                        if !absent.is_empty() {
                            row.detail.push(Detail::SomePlacesNotInData(absent.clone()));
                        }
                        row
                    }
                }
            })
            .collect()
    }
}

#[cfg(test)]
#[path = "units_tests.rs"]
mod tests;
