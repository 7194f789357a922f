//! Explanations matched against an audit result: an unmet, not-yet-due or no-data row of
//! the target and region an unexpired explanation names becomes `explained` (its value and
//! gap unchanged), and no longer fails the run. An expired explanation no longer counts
//! and is reported as expired; one that matches no such row is reported as stale, so that
//! the file stays honest.

use chrono::NaiveDate;
use serde::Serialize;

use super::{AuditResult, Status};
use crate::plan::{Diagnostic, Explanation, Explanations};

/// What became of one explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum State {
    /// It explains this many rows.
    Applied {
        /// Rows now `explained`.
        rows: usize,
    },
    /// Its date has passed: it no longer counts.
    Expired,
    /// Nothing to explain: the rows it names are met (or not there).
    Stale,
    /// Its region lies outside the audit's `--scope` (a province-wide file read for one
    /// city): not judged.
    OutOfScope,
}

/// One explanation and what became of it.
#[derive(Debug, Clone, Serialize)]
pub struct Used {
    /// Target id.
    pub target: String,
    /// Region as written.
    pub region: String,
    /// The reason.
    pub reason: String,
    /// Who wrote it.
    pub by: String,
    /// Last day it counts.
    pub expires: NaiveDate,
    /// Line of its `[[explanation]]` in the file.
    pub line: usize,
    /// The file.
    pub file: String,
    /// What became of it.
    pub state: State,
}

/// Whether a row's region path is the region an explanation names: the path itself, its
/// last names ("郊区", "阳泉市/郊区"), or the path under the province.
fn names(path: &str, region: &str) -> bool {
    path == region
        || path
            .strip_suffix(region)
            .is_some_and(|head| head.ends_with('/'))
}

/// Apply `ex` to `result` on `today` (expiry is judged against the day of the run). A
/// region that no row of the result has is an error located in the file, with a
/// did-you-mean.
pub fn apply(
    result: &mut AuditResult,
    ex: &Explanations,
    today: NaiveDate,
) -> Result<(), Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let mut used = Vec::new();
    for e in &ex.entries {
        let in_rows = result.rows.iter().any(|r| names(&r.region, &e.region));
        if !in_rows && result.scope.contains('/') {
            // Under a scope below the province, a region of the rest of the province is
            // not this audit's business (a typo cannot be told from it here).
            used.push(Used {
                target: e.target.clone(),
                region: e.region.clone(),
                reason: e.reason.clone(),
                by: e.by.clone(),
                expires: e.expires,
                line: e.line,
                file: ex.file.clone(),
                state: State::OutOfScope,
            });
            continue;
        }
        if !in_rows {
            let label = |p: &str| crate::report::region_label(p);
            let mut near: Vec<(usize, String)> = result
                .rows
                .iter()
                .map(|r| label(&r.region))
                .map(|l| (crate::ingest::text::edit_distance(&l, &e.region), l))
                .filter(|(d, _)| *d <= 2)
                .collect();
            near.sort();
            near.dedup();
            let best = near.first().map(|(d, _)| *d);
            let near: Vec<String> = near
                .into_iter()
                .filter(|(d, _)| Some(*d) == best)
                .map(|(_, l)| format!("{l:?}"))
                .collect();
            let near = if near.is_empty() {
                String::new()
            } else {
                format!("; did you mean {}?", near.join(" or "))
            };
            diags.push(Diagnostic::new(
                &ex.file,
                &ex.text,
                Some(e.region_span.clone()),
                format!(
                    "region {:?} is not in this audit (scope {}){near}",
                    e.region, result.scope
                ),
            ));
            continue;
        }
        let index = used.len();
        used.push(use_one(result, e, today, &ex.file, index));
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    result.explanations = used;
    Ok(())
}

fn use_one(
    result: &mut AuditResult,
    e: &Explanation,
    today: NaiveDate,
    file: &str,
    index: usize,
) -> Used {
    let ti = result.targets.iter().position(|t| t.target.id == e.target);
    let matching =
        |status: Status| matches!(status, Status::Unmet | Status::NotDue | Status::NoData);
    let state = if e.expires < today {
        State::Expired
    } else {
        let mut rows = 0;
        for r in &mut result.rows {
            if Some(r.target) == ti && names(&r.region, &e.region) && matching(r.status) {
                r.explained = Some((r.status, index));
                r.status = Status::Explained;
                rows += 1;
            }
        }
        if rows == 0 {
            State::Stale
        } else {
            State::Applied { rows }
        }
    };
    Used {
        target: e.target.clone(),
        region: e.region.clone(),
        reason: e.reason.clone(),
        by: e.by.clone(),
        expires: e.expires,
        line: e.line,
        file: file.to_string(),
        state,
    }
}
