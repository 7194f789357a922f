//! markdown report. Not written yet: see issue 4.

use std::io::Write;

use super::{ReportError, ReportMeta};
use crate::audit::AuditResult;

/// Write the markdown report.
pub fn write<W: Write>(
    _out: W,
    _result: &AuditResult,
    _meta: &ReportMeta,
) -> Result<(), ReportError> {
    Err(ReportError::Other(
        "markdown output is not available yet".into(),
    ))
}
