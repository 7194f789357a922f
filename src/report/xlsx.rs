//! XLSX report. Not written yet: see issue 4.

use super::{ReportError, ReportMeta};
use crate::audit::AuditResult;

/// The XLSX workbook's bytes.
pub fn to_bytes(_result: &AuditResult, _meta: &ReportMeta) -> Result<Vec<u8>, ReportError> {
    Err(ReportError::Other(
        "XLSX output is not available yet".into(),
    ))
}
