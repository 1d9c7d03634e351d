//! CSV strips.
use super::{IoError, ReadOptions, Recording};
use std::path::Path;

/// Read a CSV strip.
pub fn read(path: &Path, _opts: &ReadOptions) -> Result<Recording, IoError> {
    Err(IoError::unsupported(path, "CSV reading is not built yet"))
}
