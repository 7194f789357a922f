//! The long result as JSON: an array of objects with the long-result keys of the CSV.
//! After the rows come the findings that are not rows, each with a `finding` key: every
//! swing between the snapshots (`"finding": "swing"`, code S501, `status` `flagged` or
//! `explained`) and every other data issue an explanation explains (`"finding": "issue"`,
//! `status` `explained`), with the reason in `explanation`.

use std::io::Write;

use serde_json::{json, Value};

use super::fmt_num;
use crate::audit::AuditResult;

/// The long result as a JSON value. Numbers are JSON numbers with the same decimals as
/// the CSV; missing values are `null`.
pub fn to_value(result: &AuditResult) -> Value {
    let num = |v: Option<f64>, d: u8| -> Value {
        v.and_then(|x| fmt_num(x, d).parse::<serde_json::Number>().ok())
            .map_or(Value::Null, Value::Number)
    };
    let mut all: Vec<Value> = result
        .rows
        .iter()
        .map(|r| {
            let tr = &result.targets[r.target];
            let t = &tr.target;
            let milestone = match tr.stage {
                crate::plan::Stage::Milestone(m) => Some(m.by.to_string()),
                crate::plan::Stage::Final | crate::plan::Stage::NotDue => None,
            };
            let mut o = json!({
                "plan": result.plan.id,
                "target": t.id,
                "level": r.level.as_str(),
                "region": r.region,
                "value": num(r.value, r.decimals),
                "required": num(r.required, r.decimals),
                "gap": r.gap,
                "status": r.status.as_str(),
                "due": t.due.to_string(),
                "partial": r.partial.map(|p| p.fraction()),
                "as_of": result.as_of.to_string(),
                "milestone": milestone,
                "explanation": super::explanation_of(result, r),
            });
            if let (Some(m), Some(obj)) = (&r.movement, o.as_object_mut()) {
                obj.insert("baseline_as_of".into(), json!(m.baseline_as_of.to_string()));
                obj.insert("baseline_value".into(), num(m.baseline_value, r.decimals));
                obj.insert("change".into(), num(m.change, r.decimals));
                obj.insert("change_count".into(), json!(m.change_count));
                obj.insert("pace_needed".into(), num(m.pace_needed, 2));
                obj.insert("pace_actual".into(), num(m.pace_actual, 2));
                obj.insert(
                    "projected_date".into(),
                    json!(m.projected_date.map(|d| d.to_string())),
                );
                obj.insert("outlook".into(), json!(m.outlook.map(|o| o.as_str())));
            }
            if let Some(obj) = o.as_object_mut() {
                let (n, u) = super::ratio_parts(r).unzip();
                obj.insert("numerator".into(), json!(n));
                obj.insert("denominator".into(), json!(u));
            }
            o
        })
        .collect();
    all.extend(findings(result));
    Value::Array(all)
}

/// Swings and explained data issues as JSON objects (see the module doc).
fn findings(result: &AuditResult) -> Vec<Value> {
    use crate::issue::IssueKind;
    let mut out = Vec::new();
    for (i, issue) in result.issues.iter().enumerate() {
        let explained = result
            .issue_explained
            .get(&i)
            .and_then(|&u| result.explanations.get(u));
        let region = result.issue_regions.get(i).cloned().flatten();
        let status = if explained.is_some() {
            "explained"
        } else {
            "flagged"
        };
        let reason = explained.map(|u| u.reason.clone());
        match issue.kind() {
            IssueKind::Swing {
                record,
                region,
                baseline_as_of,
                before,
                after,
                added,
                dissolved,
                moved_in,
                moved_out,
                max_change,
            } => out.push(json!({
                "plan": result.plan.id,
                "finding": "swing",
                "code": issue.code(),
                "region": &**region,
                "table": match record {
                    crate::issue::RecordKind::Incubator => "incubators",
                    _ => "organizations",
                },
                "baseline_as_of": baseline_as_of.to_string(),
                "as_of": result.as_of.to_string(),
                "before": before,
                "after": after,
                "change_percent": crate::audit::swing::change_percent(*before, *after)
                    .and_then(|p| fmt_num(p, 1).parse::<serde_json::Number>().ok()),
                "max_change": crate::audit::swing::percent_text(*max_change),
                "added": added,
                "dissolved": dissolved,
                "moved_in": moved_in,
                "moved_out": moved_out,
                "status": status,
                "explanation": reason,
            })),
            _ if explained.is_some() => out.push(json!({
                "plan": result.plan.id,
                "finding": "issue",
                "code": issue.code(),
                "region": region.as_deref(),
                "location": super::issues::location(&result.tables, issue),
                "message": super::issue_text::message(issue, &result.tables, super::Lang::Zh),
                "as_of": result.as_of.to_string(),
                "status": status,
                "explanation": reason,
            })),
            _ => {}
        }
    }
    out
}

/// Write the long result as pretty JSON.
pub fn write<W: Write>(mut out: W, result: &AuditResult) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut out, &to_value(result))?;
    out.write_all(b"\n")
}
