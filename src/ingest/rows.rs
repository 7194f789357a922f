//! Grid + header → typed rows.
use super::{source::Grid, Dataset, IngestError, IngestOptions};
/// Turn one grid into typed rows.
pub fn ingest_grid(grid: Grid, opts: &IngestOptions, ds: &mut Dataset) -> Result<(), IngestError> {
    let _ = (grid, opts, ds);
    Ok(())
}
