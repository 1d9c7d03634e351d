//! WAV strips.
use super::{IoError, ReadOptions, Recording};
use std::path::Path;

/// Read a WAV strip.
pub fn read(path: &Path, _opts: &ReadOptions) -> Result<Recording, IoError> {
    Err(IoError::unsupported(path, "WAV reading is not built yet"))
}
