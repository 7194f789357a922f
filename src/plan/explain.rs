//! Explanations files (`--explain FILE`, or `说明.toml` / `explanations.toml` beside the
//! inputs): why an unmet target of a region is acceptable for now, who says so, and until
//! when. Parsed and validated here with `file:line:column` diagnostics; matched against an
//! audit result in [`crate::audit::explain`].
//!
//! ```toml
//! [[explanation]]
//! target = "rural-pilot"          # a target id of the plan
//! region = "晋城市"               # a region as in --scope: 晋城市, 阳泉市/郊区, 山西省
//! reason = "农村试点已于2024年1月批复，第二季度启动"
//! by = "晋城市民政局 王××"
//! expires = 2024-06-30            # after this date it no longer counts
//!
//! [[explanation]]
//! issue = "S501"                  # or a data-issue code instead of a target
//! region = "阳泉市/城区"          # issues whose row (or region) lies there …
//! file = "阳泉市社区社会组织台账.xlsx"  # … and/or read from that file
//! reason = "四季度集中补录备案组织"
//! by = "城区民政局"
//! expires = 2024-03-31
//! ```

use std::ops::Range;

use chrono::NaiveDate;
use serde::Deserialize;
use toml::value::Datetime;
use toml::Spanned;

use super::{Diagnostic, PlanError};

/// A validated explanations file.
#[derive(Debug, Clone)]
pub struct Explanations {
    /// The file as given.
    pub file: String,
    /// Its text (for diagnostics found later, when matched against the data).
    pub text: String,
    /// The entries in file order.
    pub entries: Vec<Explanation>,
}

/// One explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// Target id, or the data-issue code when [`Explanation::issue`] is set.
    pub target: String,
    /// Whether it explains data issues (`issue = "V104"`) rather than a target's rows.
    pub issue: bool,
    /// For data issues: only those read from this file (a file name, or a path ending).
    pub file: Option<String>,
    /// Region as written (a name or a path below the province); empty only for a data-issue
    /// entry that names a `file` instead.
    pub region: String,
    /// The reason, in the author's words.
    pub reason: String,
    /// Who wrote it.
    pub by: String,
    /// The last day it counts.
    pub expires: NaiveDate,
    /// Where `region` is written (for the diagnostic of a region the data does not have).
    pub region_span: Range<usize>,
    /// 1-based line of the entry's `[[explanation]]` (to name it in reports).
    pub line: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    explanation: Vec<Spanned<RawEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    target: Option<Spanned<String>>,
    issue: Option<Spanned<String>>,
    file: Option<Spanned<String>>,
    region: Option<Spanned<String>>,
    reason: Spanned<String>,
    by: Spanned<String>,
    expires: Spanned<Datetime>,
}

/// Parse and validate an explanations file against the target ids of plan `plan_id`
/// (with a did-you-mean for a near miss).
pub fn parse_explanations(
    file: &str,
    text: &str,
    plan_id: &str,
    targets: &[&str],
) -> Result<Explanations, PlanError> {
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        PlanError::Invalid(vec![Diagnostic::new(
            file,
            text,
            e.span(),
            e.message().trim().to_string(),
        )])
    })?;
    let mut diags = Vec::new();
    let mut err = |span: Range<usize>, message: String| {
        diags.push(Diagnostic::new(file, text, Some(span), message));
    };
    let mut entries = Vec::new();
    for e in raw.explanation {
        let line = text[..e.span().start.min(text.len())].matches('\n').count() + 1;
        let entry_span = e.span();
        let e = e.into_inner();
        let (target, issue) = match (&e.target, &e.issue) {
            (Some(t), None) => {
                let target = t.get_ref().trim();
                if !targets.contains(&target) {
                    let near = targets
                        .iter()
                        .map(|t| (crate::ingest::text::edit_distance(t, target), t))
                        .min()
                        .filter(|(d, _)| *d <= 3)
                        .map(|(_, id)| format!("; did you mean {id:?}?"))
                        .unwrap_or_default();
                    err(
                        t.span(),
                        format!("unknown target {target:?} in plan {plan_id}{near}"),
                    );
                }
                if let Some(f) = &e.file {
                    err(
                        f.span(),
                        "`file` goes with `issue = \"…\"` (data issues), not with a target"
                            .to_string(),
                    );
                }
                (target.to_string(), false)
            }
            (None, Some(c)) => {
                let code = c.get_ref().trim().to_ascii_uppercase();
                if !crate::issue::is_code(&code) {
                    let near = crate::issue::CODES
                        .iter()
                        .map(|(k, _)| (crate::ingest::text::edit_distance(k, &code), k))
                        .min()
                        .filter(|(d, _)| *d <= 1)
                        .map(|(_, k)| format!("; did you mean {k:?}?"))
                        .unwrap_or_default();
                    err(
                        c.span(),
                        format!(
                            "unknown data-issue code {:?} (codes: R001…, V101…, P201…, D301…, U401, S501; see the README){near}",
                            c.get_ref()
                        ),
                    );
                }
                if e.region.is_none() && e.file.is_none() {
                    err(
                        c.span(),
                        "an explanation of data issues needs `region` or `file` (or both)"
                            .to_string(),
                    );
                }
                (code, true)
            }
            (Some(t), Some(_)) => {
                err(
                    t.span(),
                    "an explanation names a `target` or an `issue`, not both".to_string(),
                );
                continue;
            }
            (None, None) => {
                err(
                    entry_span.clone(),
                    "an explanation needs `target = \"…\"` (a target id) or `issue = \"…\"` (a data-issue code)"
                        .to_string(),
                );
                continue;
            }
        };
        if !issue && e.region.is_none() {
            err(
                entry_span.clone(),
                "missing field `region` (the region whose rows it explains)".to_string(),
            );
            continue;
        }
        for (name, v) in [("region", &e.region), ("file", &e.file)] {
            if let Some(v) = v {
                if v.get_ref().trim().is_empty() {
                    err(v.span(), format!("`{name}` must not be empty"));
                }
            }
        }
        for (name, v) in [("reason", &e.reason), ("by", &e.by)] {
            if v.get_ref().trim().is_empty() {
                err(v.span(), format!("`{name}` must not be empty"));
            }
        }
        let expires = match NaiveDate::parse_from_str(&e.expires.get_ref().to_string(), "%Y-%m-%d")
        {
            Ok(d) => d,
            Err(_) => {
                err(
                    e.expires.span(),
                    format!(
                        "expected a date such as 2024-06-30, found {}",
                        e.expires.get_ref()
                    ),
                );
                continue;
            }
        };
        entries.push(Explanation {
            target,
            issue,
            file: e.file.as_ref().map(|f| f.get_ref().trim().to_string()),
            region: e
                .region
                .as_ref()
                .map(|r| crate::ingest::text::fold(r.get_ref().trim()))
                .unwrap_or_default(),
            reason: e.reason.get_ref().trim().to_string(),
            by: e.by.get_ref().trim().to_string(),
            expires,
            region_span: e.region.as_ref().map_or(entry_span, |r| r.span()),
            line,
        });
    }
    if diags.is_empty() {
        Ok(Explanations {
            file: file.to_string(),
            text: text.to_string(),
            entries,
        })
    } else {
        Err(PlanError::Invalid(diags))
    }
}
