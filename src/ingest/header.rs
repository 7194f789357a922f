//! Header detection.
