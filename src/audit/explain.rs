//! Explanations matched against an audit result: an unmet, not-yet-due or no-data row of
//! the target and region an unexpired explanation names becomes `explained` (its value and
//! gap unchanged), and no longer fails the run. An expired explanation no longer counts
//! and is reported as expired; one that matches no such row is reported as stale, so that
//! the file stays honest.
//!
//! An explanation of data issues (`issue = "S501"`) explains the issues of that code whose
//! region lies within its `region` and, when it names a `file`, that were read from that
//! file. An issue's region is the place its row was resolved to (the record read from it),
//! else the region the issue itself names (the parent of a name not in the list, the place
//! of a duplicate, the county of a swing); an issue with neither (a row skipped before its
//! place was known) is matched by `file` only. Explained issues are listed as such, with
//! the reason; a swing explained no longer fails `--fail-on swing`.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::{AuditResult, Status};
use crate::ingest::DataIssue;
use crate::issue::{IssueKind, Text};
use crate::model::{Model, RegionId};
use crate::plan::{Diagnostic, Explanation, Explanations};

/// What became of one explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum State {
    /// It explains this many rows (or data issues).
    Applied {
        /// Rows now `explained` (for an explanation of data issues: issues explained).
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
    /// Target id, or the data-issue code when `issue` is set.
    pub target: String,
    /// Whether it explains data issues (then `Applied { rows }` counts issues).
    pub issue: bool,
    /// For data issues: the file it is limited to.
    pub in_file: Option<String>,
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
        let in_rows = e.region.is_empty()
            || result.rows.iter().any(|r| names(&r.region, &e.region))
            || (e.issue
                && result
                    .issue_regions
                    .iter()
                    .flatten()
                    .any(|p| within(p, &e.region)));
        if !in_rows && result.scope.contains('/') {
            // Under a scope below the province, a region of the rest of the province is
            // not this audit's business (a typo cannot be told from it here).
            used.push(Used {
                target: e.target.clone(),
                issue: e.issue,
                in_file: e.file.clone(),
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
            let label = |p: &str| crate::model::region_label(p);
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
        used.push(if e.issue {
            use_issues(result, e, today, &ex.file, index)
        } else {
            use_one(result, e, today, &ex.file, index)
        });
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
                let before = r.status;
                r.status = Status::Explained;
                rows += 1;
                // The target's summary counts the row as explained from now on.
                let s = ti
                    .and_then(|t| result.targets.get_mut(t))
                    .map(|t| &mut t.summary);
                if let Some(s) = s {
                    let counted = match before {
                        Status::Unmet if r.assessed => Some(&mut s.unmet),
                        Status::NotDue if r.assessed => Some(&mut s.not_due),
                        Status::NoData if r.assessed => Some(&mut s.no_data),
                        Status::NoData if r.region_id.is_none() => Some(&mut s.units_no_data),
                        _ => None,
                    };
                    if let Some(n) = counted {
                        *n = n.saturating_sub(1);
                        s.explained += 1;
                    }
                    let label = crate::model::region_label(&r.region);
                    s.worst.retain(|w| *w != label);
                }
            }
        }
        if rows == 0 {
            State::Stale
        } else {
            State::Applied { rows }
        }
    };
    used(e, file, state)
}

fn used(e: &Explanation, file: &str, state: State) -> Used {
    Used {
        target: e.target.clone(),
        issue: e.issue,
        in_file: e.file.clone(),
        region: e.region.clone(),
        reason: e.reason.clone(),
        by: e.by.clone(),
        expires: e.expires,
        line: e.line,
        file: file.to_string(),
        state,
    }
}

/// Whether `path` lies within the region an explanation names: `path` itself or one of
/// its ancestors is that region (see [`names`]).
fn within(path: &str, region: &str) -> bool {
    names(path, region)
        || path
            .char_indices()
            .filter(|(_, c)| *c == '/')
            .any(|(i, _)| names(&path[..i], region))
}

/// Whether an issue was read from `file` (a file name, or the end of its path).
fn from_file(result: &AuditResult, issue: &DataIssue, file: &str) -> bool {
    let Some(o) = issue.origin else { return false };
    result
        .tables
        .get(o.table as usize)
        .is_some_and(|t| t.file.ends_with(file) || t.file.display().to_string() == file)
}

fn use_issues(
    result: &mut AuditResult,
    e: &Explanation,
    today: NaiveDate,
    file: &str,
    index: usize,
) -> Used {
    if e.expires < today {
        return used(e, file, State::Expired);
    }
    let mut hits = Vec::new();
    for (i, issue) in result.issues.iter().enumerate() {
        if issue.code() != e.target || result.issue_explained.contains_key(&i) {
            continue;
        }
        let region_ok = e.region.is_empty()
            || result
                .issue_regions
                .get(i)
                .and_then(Option::as_deref)
                .is_some_and(|p| within(p, &e.region));
        let file_ok = e
            .file
            .as_deref()
            .is_none_or(|f| from_file(result, issue, f));
        if region_ok && file_ok {
            hits.push(i);
        }
    }
    let state = if hits.is_empty() {
        State::Stale
    } else {
        State::Applied { rows: hits.len() }
    };
    for i in hits {
        result.issue_explained.insert(i, index);
    }
    used(e, file, state)
}

/// How many issues ahead [`issue_regions`] warms.
const WARM_AHEAD: usize = 16;

/// The region of each issue (see the module doc), as a full path from the province.
pub(crate) fn issue_regions<'i>(
    model: &Model,
    issues: &'i crate::issue::Issues,
) -> Vec<Option<Text>> {
    // Hashed with foldhash: every record of the model is looked up (national scale: 3.5
    // million organizations), none at all when no issue names a row that was counted. (A
    // skipped row is no record, so its issue never finds one: the third of a misspelt
    // ledger's rows that were skipped are not looked for.)
    let wanted: foldhash::HashSet<_> = issues
        .iter()
        .filter(|i| i.outcome == crate::ingest::Outcome::Counted)
        .filter_map(|i| i.origin)
        .collect();
    let mut place: HashMap<crate::ingest::Origin, RegionId> = HashMap::new();
    if !wanted.is_empty() {
        for (o, p) in model.record_places() {
            if wanted.contains(&o) {
                place.insert(o, p);
            }
        }
    }
    let province = model.regions.path(model.province);
    let under = format!("{province}/");
    let mut paths: HashMap<RegionId, Text> = HashMap::new();
    // An issue's own region as a full path, made once per spelling: the thousands of
    // unmatched rows of a street name the same one.
    let mut named: foldhash::HashMap<&str, Text> = foldhash::HashMap::default();
    let mut full = |p: &'i str| -> Text {
        if let Some(t) = named.get(p) {
            return t.clone();
        }
        let t: Text = if p.is_empty() {
            province.as_str().into()
        } else if p == province || p.starts_with(&under) {
            p.into()
        } else {
            format!("{under}{p}").into()
        };
        named.insert(p, t.clone());
        t
    };
    // The shared body of the issue a few ahead ([`DataIssue::warm`]), then the parent's
    // path it points to (nearer), are brought in while this one is placed.
    let mut ahead = issues.iter().skip(WARM_AHEAD);
    let mut nearer = issues.iter().skip(WARM_AHEAD / 2);
    issues
        .iter()
        .map(|i| {
            if let Some(a) = ahead.next() {
                a.warm();
            }
            if let Some(a) = nearer.next() {
                a.warm_deeper();
            }
            if let Some(id) = i.origin.and_then(|o| place.get(&o)) {
                let path = paths
                    .entry(*id)
                    .or_insert_with(|| model.regions.path(*id).into());
                return Some(path.clone());
            }
            // A full path already (a misspelt ledger's thousands of unmatched rows share
            // their street's): the same text, with no lookup.
            named_region(i.kind()).map(|t| {
                if **t == *province || t.starts_with(&under) {
                    t.clone()
                } else {
                    full(t)
                }
            })
        })
        .collect()
}

/// The region an issue names itself, if any.
fn named_region(kind: &IssueKind) -> Option<&Text> {
    match kind {
        IssueKind::NotInList(u) => Some(&u.parent),
        IssueKind::Ambiguous { parent, .. } => Some(parent),
        IssueKind::OutOfScope { place, .. }
        | IssueKind::DuplicateRecord { place, .. }
        | IssueKind::DuplicateFund { place, .. } => Some(place),
        IssueKind::DuplicateCommunity { street, .. } => Some(street),
        IssueKind::Swing { region, .. } => Some(region),
        _ => None,
    }
}
