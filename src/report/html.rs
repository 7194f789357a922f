//! html report. Not written yet: see issue 4.

use std::io::Write;

use super::{ReportError, ReportMeta};
use crate::audit::AuditResult;

/// Write the html report.
pub fn write<W: Write>(
    _out: W,
    _result: &AuditResult,
    _meta: &ReportMeta,
) -> Result<(), ReportError> {
    Err(ReportError::Other(
        "html output is not available yet".into(),
    ))
}
