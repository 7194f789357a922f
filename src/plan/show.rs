//! `zhibiao plan show`: a plan as a person reads it — per target its threshold, levels,
//! severity, filters, due date and milestones.

use std::fmt::Write as _;

use super::{
    describe_units, fields, Attach, Filter, Measure, Plan, Ratio, Selection, Severity, Test,
    UnitKind, Units,
};

/// The text of `zhibiao plan show`.
pub fn show(p: &Plan) -> String {
    let mut s = String::new();
    let m = &p.meta;
    let _ = writeln!(s, "{} — {}", m.id, m.title);
    let _ = writeln!(
        s,
        "{}{}{} · {} · {} 至 {}",
        m.issuer,
        if m.document.is_empty() {
            String::new()
        } else {
            format!(" {}", m.document)
        },
        m.issued.map(|d| format!(" · {d}")).unwrap_or_default(),
        m.province,
        m.period_start,
        m.due
    );
    let _ = writeln!(
        s,
        "报送单位 reporting units: {}",
        m.reporting_units.join("、")
    );
    s.push_str(&describe_units(p));
    for t in &p.targets {
        let _ = writeln!(s);
        // An info target is shown, never judged: it has no severity to speak of.
        let sev = match (&t.measure, t.severity) {
            (Measure::Info { .. }, _) => "info (not judged)",
            (_, Severity::Error) => "error",
            (_, Severity::Warning) => "warning",
        };
        let _ = writeln!(
            s,
            "[{}] {}{} · {} · {} · {} level · {sev} · due {}",
            t.id,
            t.name,
            t.name_en
                .as_deref()
                .map(|e| format!(" / {e}"))
                .unwrap_or_default(),
            t.clause,
            t.measure.name(),
            t.level.as_str(),
            t.due
        );
        let _ = writeln!(s, "  指标 threshold: {}", threshold(&t.measure));
        let _ = writeln!(s, "  记录 records: {}", selection(t.measure.records()));
        if let Measure::Density { units, .. } | Measure::Coverage { units, .. } = &t.measure {
            let _ = writeln!(s, "  单位 units: {}", units_text(units));
        }
        let levels: Vec<&str> = t.levels.iter().map(|l| l.as_str()).collect();
        let _ = writeln!(
            s,
            "  层级 levels: {} (assessed at {}) · 严重性 severity: {sev} · 截止 due: {}",
            levels.join(", "),
            t.level.as_str(),
            t.due
        );
        if !t.milestones.is_empty() {
            let ms: Vec<String> = t
                .milestones
                .iter()
                .map(|m| format!("by {} ≥ {}", m.by, ratio(m.min)))
                .collect();
            let _ = writeln!(s, "  阶段 milestones: {}", ms.join("; "));
        }
        let _ = writeln!(s, "  原文：{}", t.text);
        let _ = writeln!(s, "  解释：{}", t.note);
    }
    s
}

/// "record" after 1, else "records".
fn records_word(n: &str) -> &'static str {
    if n == "1" {
        "record"
    } else {
        "records"
    }
}

/// What a target requires, in the words of its measure.
fn threshold(m: &Measure) -> String {
    match m {
        Measure::Density { min, .. } => {
            let n = ratio(*min);
            format!("≥ {n} {} per unit (mean)", records_word(&n))
        }
        Measure::Coverage {
            min,
            at_least,
            attach,
            ..
        } => format!(
            "≥ {} of units ({}) with at least {at_least} {} {}",
            ratio(*min),
            percent(*min),
            records_word(&at_least.to_string()),
            attach_word(*attach)
        ),
        Measure::Count { min, attach, .. } => {
            format!(
                "≥ {min} {} {}",
                records_word(&min.to_string()),
                attach_word(*attach)
            )
        }
        Measure::YearlyCount {
            at_least, attach, ..
        } => format!(
            "≥ {at_least} {} {} in each plan year",
            records_word(&at_least.to_string()),
            attach_word(*attach)
        ),
        Measure::Info { sum, .. } => match sum {
            Some(f) => format!("none (the sum of `{f}` is shown)"),
            None => "none (the count is shown)".to_string(),
        },
    }
}

fn attach_word(a: Attach) -> &'static str {
    match a {
        Attach::Within => "within the region",
        Attach::At => "at the region itself",
        Attach::Reaches => "reaching the community",
    }
}

/// `10`, `0.85`, `1/3`: as written in plan files, exactly.
pub(crate) fn ratio(r: Ratio) -> String {
    if r.den == 1 {
        return r.num.to_string();
    }
    // A decimal when the denominator divides a power of ten of at most nine digits.
    let mut den = 1u64;
    for places in 1..=9 {
        den *= 10;
        if den.is_multiple_of(r.den) {
            let scaled = u128::from(r.num) * u128::from(den / r.den);
            let den = u128::from(den);
            let frac = format!("{:0>width$}", scaled % den, width = places);
            return format!("{}.{}", scaled / den, frac.trim_end_matches('0'));
        }
    }
    format!("{}/{}", r.num, r.den)
}

fn percent(r: Ratio) -> String {
    let p = r.value() * 100.0;
    if (p - p.round()).abs() < 1e-9 {
        format!("{}%", p.round())
    } else {
        format!("{p:.1}%")
    }
}

fn selection(sel: &Selection) -> String {
    with_filters(sel.table.as_str(), &sel.filters)
}

fn units_text(u: &Units) -> String {
    let kind = match u.kind {
        UnitKind::Communities => "communities",
        UnitKind::Streets => "streets",
    };
    with_filters(kind, &u.filters)
}

fn with_filters(table: &str, filters: &[Filter]) -> String {
    if filters.is_empty() {
        return table.to_string();
    }
    let tests: Vec<String> = filters.iter().map(filter).collect();
    format!("{table} where {}", tests.join(", "))
}

fn filter(f: &Filter) -> String {
    let name = fields::FILTER_FIELDS
        .iter()
        .find(|(_, _, field, _)| *field == f.field)
        .map_or("?", |(_, n, _, _)| *n);
    match &f.test {
        Test::In(v) if v.len() == 1 => format!("{name} = {}", v[0]),
        Test::In(v) => format!("{name} in [{}]", v.join(", ")),
        Test::NotIn(v) => format!("{name} not in [{}]", v.join(", ")),
        Test::Is(b) => format!("{name} = {b}"),
    }
}
