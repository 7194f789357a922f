//! junit report. Not written yet: see issue 4.

use std::io::Write;

use super::{ReportError, ReportMeta};
use crate::audit::AuditResult;

/// Write the junit report.
pub fn write<W: Write>(
    _out: W,
    _result: &AuditResult,
    _meta: &ReportMeta,
) -> Result<(), ReportError> {
    Err(ReportError::Other(
        "junit output is not available yet".into(),
    ))
}
