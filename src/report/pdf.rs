//! PDF/A-2b report (A4 landscape) with krilla. Not written yet: see issue 4.

use std::io::Write;

use super::{ReportError, ReportMeta};
use crate::audit::AuditResult;

/// PDF options.
#[derive(Debug, Clone, Default)]
pub struct PdfOptions {
    /// A font file and face index instead of the embedded Noto Sans SC.
    pub font: Option<(std::path::PathBuf, u32)>,
}

/// Write the PDF report.
pub fn write<W: Write>(
    _out: W,
    _result: &AuditResult,
    _meta: &ReportMeta,
    _opts: &PdfOptions,
) -> Result<(), ReportError> {
    Err(ReportError::Other("PDF output is not available yet".into()))
}
