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
    /// Target id.
    pub target: String,
    /// Region as written (a name or a path below the province).
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
    target: Spanned<String>,
    region: Spanned<String>,
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
        let e = e.into_inner();
        let target = e.target.get_ref().trim();
        if !targets.contains(&target) {
            let near = targets
                .iter()
                .map(|t| (crate::ingest::text::edit_distance(t, target), t))
                .min()
                .filter(|(d, _)| *d <= 3)
                .map(|(_, id)| format!("; did you mean {id:?}?"))
                .unwrap_or_default();
            err(
                e.target.span(),
                format!("unknown target {target:?} in plan {plan_id}{near}"),
            );
        }
        for (name, v) in [("region", &e.region), ("reason", &e.reason), ("by", &e.by)] {
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
            target: target.to_string(),
            region: crate::ingest::text::fold(e.region.get_ref().trim()),
            reason: e.reason.get_ref().trim().to_string(),
            by: e.by.get_ref().trim().to_string(),
            expires,
            region_span: e.region.span(),
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
