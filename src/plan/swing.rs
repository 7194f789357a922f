//! `[swing]` of a plan: how much a county's count of active records of a table may change
//! between two snapshots before the change is flagged as a data-quality warning (S501).
//!
//! ```toml
//! [swing]
//! max_change = "30%"      # flagged when the count changes by more than this
//! min_records = 20        # only for regions with at least this many records before
//!
//! [swing.organizations]   # per table (organizations, incubators); unset keys inherit
//! max_change = "50%"
//! ```

use std::ops::Range;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::Diagnostic;
use crate::ingest::TableKind;

/// The bound of one table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SwingBound {
    /// The largest change not flagged, in hundredths of a percent (3000 = 30%).
    pub max_change: u32,
    /// Regions with fewer active records in the earlier snapshot are not judged by the
    /// percentage (see `audit::swing`).
    pub min_records: u32,
}

impl Default for SwingBound {
    fn default() -> Self {
        SwingBound {
            max_change: 3000,
            min_records: 20,
        }
    }
}

/// The swing bounds of a plan: one per table checked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SwingRules {
    /// 社区社会组织.
    pub organizations: SwingBound,
    /// 孵化基地.
    pub incubators: SwingBound,
}

impl SwingRules {
    /// The bound of a table (organizations or incubators; `None` for the tables not
    /// checked).
    pub fn bound(&self, kind: TableKind) -> Option<SwingBound> {
        match kind {
            TableKind::Organizations => Some(self.organizations),
            TableKind::Incubators => Some(self.incubators),
            _ => None,
        }
    }
}

/// `[swing]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSwing {
    max_change: Option<Spanned<toml::Value>>,
    min_records: Option<Spanned<i64>>,
    organizations: Option<RawBound>,
    incubators: Option<RawBound>,
}

/// `[swing.organizations]` / `[swing.incubators]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBound {
    max_change: Option<Spanned<toml::Value>>,
    min_records: Option<Spanned<i64>>,
}

/// Largest `max_change` accepted: 10000%.
const MAX_PERCENT_BP: u64 = 1_000_000;
/// Largest `min_records` accepted.
const MAX_MIN_RECORDS: i64 = 1_000_000_000;

/// "30%", "12.5%" → hundredths of a percent.
pub(crate) fn parse_percent(s: &str) -> Option<u32> {
    let n = s.trim().strip_suffix('%')?.trim();
    let (int, frac) = match n.split_once('.') {
        Some((i, f)) => (i, f),
        None => (n, ""),
    };
    if int.is_empty()
        || frac.len() > 2
        || !int.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
        || int.len() > 6
    {
        return None;
    }
    let int: u64 = int.parse().ok()?;
    let frac: u64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse().ok()?
    };
    let bp = int * 100 + frac;
    (bp <= MAX_PERCENT_BP)
        .then(|| u32::try_from(bp).ok())
        .flatten()
}

/// Validate `[swing]`; diagnostics located in `file`.
pub(crate) fn validate(
    file: &str,
    text: &str,
    raw: Option<RawSwing>,
) -> (SwingRules, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let Some(raw) = raw else {
        return (SwingRules::default(), diags);
    };
    let mut check = Check {
        file,
        text,
        diags: &mut diags,
    };
    let base = check.bound(SwingBound::default(), &raw.max_change, &raw.min_records);
    let mut table = |b: &Option<RawBound>| match b {
        Some(r) => check.bound(base, &r.max_change, &r.min_records),
        None => base,
    };
    let rules = SwingRules {
        organizations: table(&raw.organizations),
        incubators: table(&raw.incubators),
    };
    (rules, diags)
}

struct Check<'a> {
    file: &'a str,
    text: &'a str,
    diags: &'a mut Vec<Diagnostic>,
}

impl Check<'_> {
    fn err(&mut self, span: Range<usize>, message: String) {
        self.diags
            .push(Diagnostic::new(self.file, self.text, Some(span), message));
    }

    /// `base` with the keys given set.
    fn bound(
        &mut self,
        base: SwingBound,
        max_change: &Option<Spanned<toml::Value>>,
        min_records: &Option<Spanned<i64>>,
    ) -> SwingBound {
        let mut b = base;
        if let Some(m) = max_change {
            match m.get_ref().as_str().and_then(parse_percent) {
                Some(bp) => b.max_change = bp,
                None => self.err(
                    m.span(),
                    format!(
                        "max_change must be a percentage such as \"30%\" or \"12.5%\" (0% to 10000%), found {}",
                        m.get_ref()
                    ),
                ),
            }
        }
        if let Some(n) = min_records {
            match u32::try_from(*n.get_ref()) {
                Ok(v) if v >= 1 && i64::from(v) <= MAX_MIN_RECORDS => b.min_records = v,
                _ => self.err(
                    n.span(),
                    format!(
                        "min_records must be a whole number of records, at least 1, found {}",
                        n.get_ref()
                    ),
                ),
            }
        }
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages() {
        assert_eq!(parse_percent("30%"), Some(3000));
        assert_eq!(parse_percent(" 12.5 %"), Some(1250));
        assert_eq!(parse_percent("0.05%"), Some(5));
        assert_eq!(parse_percent("0%"), Some(0));
        assert_eq!(parse_percent("10000%"), Some(1_000_000));
        for bad in ["30", "abc", "-5%", "%", "1.234%", "10001%", ".5%", "3e1%"] {
            assert_eq!(parse_percent(bad), None, "{bad}");
        }
    }
}
