//! Date cells.
