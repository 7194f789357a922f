//! Errors that stop reading.
use std::path::PathBuf;

/// An error that makes an input unusable (as opposed to a [`super::DataIssue`]).
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// Cannot open or read the file.
    #[error("{path}: {message}")]
    Io {
        /// File.
        path: PathBuf,
        /// What failed.
        message: String,
    },
}
