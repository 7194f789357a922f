//! The JUnit XML report for CI.
//!
//! - One `<testsuite name="TARGET-ID">` per target, with `tests`, `failures`, `errors` and
//!   `skipped` counts, and the clause, level and severity as `<properties>`.
//! - One `<testcase classname="TARGET-ID" name="REGION">` per row at the target's assessed
//!   level (`Row::assessed`), plus the city row of a reporting unit missing from the data
//!   for a target assessed below the city (it decides the exit code too); `name` is the
//!   full region path of the CSV's `region` column (two cities may both have a 城区).
//! - A row that counts against the exit code ([`AuditResult::decides`]: unmet, or no data
//!   — a missing city or a table not supplied):
//!   - of an **error**-severity target: `<failure message="value … required … gap …">`
//!     (these are exactly the rows that make `zhibiao audit` exit 1);
//!   - of a **warning**-severity target: `<skipped message="…">`. Warnings do not fail the
//!     run by default (`--fail-on error`), so they are not failures for CI either, yet they
//!     stay visible as skipped tests rather than being hidden among the passing ones.
//! - A met row passes; an info row (a figure with no threshold) passes with its value in
//!   `<system-out>`; a not-applicable row (a region with no units of the kind) passes with
//!   "not applicable" in `<system-out>`.
//! - A target not evaluated (e.g. assessed above `--scope`) has one skipped testcase giving
//!   the reason.
//!
//! The words of the messages follow `--lang`; every number is the CSV's
//! ([`long_cells`]).

use std::fmt::Write as _;
use std::io::Write;

use super::shared::{detail_text, esc, pick};
use super::{long_cells, Lang, ReportError, ReportMeta};
use crate::audit::{AuditResult, Row, Status};
use crate::plan::Severity;

/// What a testcase reports.
enum Verdict {
    Pass,
    Failure,
    Skipped,
}

fn verdict(result: &AuditResult, row: &Row, severity: Severity) -> Verdict {
    // The same rule as the exit code (`AuditResult::fails`).
    match (result.decides(row), severity) {
        (true, Severity::Error) => Verdict::Failure,
        (true, Severity::Warning) => Verdict::Skipped,
        (false, _) => Verdict::Pass,
    }
}

/// "value 8.01, required 10.00, gap 351" (in the report's language), from the CSV cells.
fn message(result: &AuditResult, row: &Row, lang: Lang) -> String {
    let w = lang.words();
    let c = long_cells(result, row);
    let or_dash = |s: &str| {
        if s.is_empty() {
            "—".to_string()
        } else {
            s.to_string()
        }
    };
    let sep = pick(lang, "，", ", ");
    let mut m = format!(
        "{} {}{sep}{} {}{sep}{} {}",
        w.value.to_lowercase(),
        or_dash(&c[4]),
        w.required.to_lowercase(),
        or_dash(&c[5]),
        w.gap.to_lowercase(),
        or_dash(&c[6])
    );
    if row.status == Status::NoData {
        let _ = write!(m, "{sep}{}", lang.status(Status::NoData));
        // The tables not supplied for the row's reporting unit, if that is why.
        if !row.missing.is_empty() {
            let _ = write!(
                m,
                "{}{}{}",
                pick(lang, "（", " ("),
                super::missing_tables_text(&row.missing, lang),
                pick(lang, "）", ")")
            );
        }
    }
    m
}

/// Write the JUnit report.
pub fn write<W: Write>(
    mut out: W,
    result: &AuditResult,
    meta: &ReportMeta,
) -> Result<(), ReportError> {
    out.write_all(render(result, meta).as_bytes())?;
    Ok(())
}

/// The JUnit report as a string.
pub fn render(result: &AuditResult, meta: &ReportMeta) -> String {
    let lang = meta.lang;
    let timestamp = meta.generated.format("%Y-%m-%dT%H:%M:%S").to_string();
    let mut suites = String::new();
    let (mut all_tests, mut all_failures, mut all_skipped) = (0usize, 0usize, 0usize);
    for (ti, tr) in result.targets.iter().enumerate() {
        let t = &tr.target;
        let id = esc(&t.id);
        let mut cases = String::new();
        let (mut tests, mut failures, mut skipped) = (0usize, 0usize, 0usize);
        if let Some(why) = &tr.skipped {
            tests += 1;
            skipped += 1;
            let _ = writeln!(
                cases,
                "    <testcase classname=\"{id}\" name=\"{}\" time=\"0\">\n      <skipped message=\"{}{}\"/>\n    </testcase>",
                esc(&result.scope),
                esc(pick(lang, "未评估：", "not evaluated: ")),
                esc(why)
            );
        }
        for row in result
            .rows
            .iter()
            .filter(|r| r.target == ti && (r.assessed || result.decides(r)))
        {
            tests += 1;
            let _ = write!(
                cases,
                "    <testcase classname=\"{id}\" name=\"{}\" time=\"0\"",
                esc(&row.region)
            );
            match verdict(result, row, t.severity) {
                Verdict::Failure => {
                    failures += 1;
                    let _ = write!(
                        cases,
                        ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>\n",
                        esc(&message(result, row, lang)),
                        row.status.as_str(),
                        esc(&failure_text(result, row, lang))
                    );
                }
                Verdict::Skipped => {
                    skipped += 1;
                    let _ = write!(
                        cases,
                        ">\n      <skipped message=\"{}{}\"/>\n    </testcase>\n",
                        esc(pick(lang, "警告：", "warning: ")),
                        esc(&message(result, row, lang))
                    );
                }
                Verdict::Pass if row.status == Status::Info => {
                    let c = long_cells(result, row);
                    let _ = write!(
                        cases,
                        ">\n      <system-out>{} {}</system-out>\n    </testcase>\n",
                        esc(&lang.words().value.to_lowercase()),
                        esc(if c[4].is_empty() { "—" } else { &c[4] })
                    );
                }
                Verdict::Pass if row.status == Status::NotApplicable => {
                    let mut text = lang.status(Status::NotApplicable).to_string();
                    let detail = detail_text(row, lang);
                    if !detail.is_empty() {
                        let _ = write!(text, " · {detail}");
                    }
                    let _ = write!(
                        cases,
                        ">\n      <system-out>{}</system-out>\n    </testcase>\n",
                        esc(&text)
                    );
                }
                Verdict::Pass => cases.push_str("/>\n"),
            }
        }
        all_tests += tests;
        all_failures += failures;
        all_skipped += skipped;
        let _ = writeln!(
            suites,
            "  <testsuite name=\"{id}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"0\" timestamp=\"{timestamp}\">"
        );
        let _ = writeln!(suites, "    <properties>");
        for (k, v) in [
            ("clause", t.clause.as_str()),
            ("text", t.text.as_str()),
            ("level", t.level.as_str()),
            (
                "severity",
                match t.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                },
            ),
            ("measure", t.measure.name()),
        ] {
            let _ = writeln!(
                suites,
                "      <property name=\"{k}\" value=\"{}\"/>",
                esc(v)
            );
        }
        let _ = writeln!(
            suites,
            "      <property name=\"due\" value=\"{}\"/>\n    </properties>",
            t.due
        );
        suites.push_str(&cases);
        suites.push_str("  </testsuite>\n");
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"zhibiao {} {}\" tests=\"{all_tests}\" failures=\"{all_failures}\" errors=\"0\" skipped=\"{all_skipped}\" time=\"0\" timestamp=\"{timestamp}\">\n{suites}</testsuites>\n",
        esc(&result.plan.id),
        result.as_of
    )
}

/// The body of a failure: the region, the target's words and the row's detail.
fn failure_text(result: &AuditResult, row: &Row, lang: Lang) -> String {
    let t = &result.targets[row.target].target;
    // The plan's own words in Chinese; in English the target's English name (the clause
    // quotes a Chinese document).
    let words = match lang {
        Lang::Zh => t.text.as_str(),
        Lang::En => super::target_name(t, lang),
    };
    let mut s = format!("{} · {} · {}", row.region, lang.status(row.status), words);
    let detail = detail_text(row, lang);
    if !detail.is_empty() {
        let _ = write!(s, " · {detail}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::html::sample;

    #[test]
    fn escapes_and_counts() {
        let Some(r) = sample::result() else {
            panic!("sample result")
        };
        let x = render(&r, &sample::meta(Lang::En));
        assert!(!x.contains(sample::CITY));
        assert!(x.contains("name=\"山西省/&lt;b&gt;&amp;&quot;阳泉&#39;|市\""));
        let want = r
            .rows
            .iter()
            .filter(|row| {
                r.decides(row) && r.targets[row.target].target.severity == Severity::Error
            })
            .count();
        assert_eq!(x.matches("<failure ").count(), want);
        assert!(x.contains(&format!("failures=\"{want}\"")));
        assert!(x.contains("message=\"value —, required 10.00, gap —, no data\""));
    }

    #[test]
    fn unmet_warnings_are_skipped_not_failed() {
        let Some(mut r) = sample::result() else {
            panic!("sample result")
        };
        r.targets[0].target.severity = Severity::Warning;
        let bad = r
            .rows
            .iter()
            .filter(|row| row.target == 0 && row.assessed && row.is_shortfall())
            .count();
        assert!(bad > 0);
        let x = render(&r, &sample::meta(Lang::Zh));
        let suite = x.split("<testsuite ").nth(1).unwrap_or_default();
        assert_eq!(suite.matches("<skipped message=\"警告：").count(), bad);
        assert_eq!(suite.matches("<failure").count(), 0);
        assert!(suite.contains(&format!("skipped=\"{bad}\"")));
    }
}
