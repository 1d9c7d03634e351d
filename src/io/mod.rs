//! Reading records and writing results (feature `std`).
//!
//! - [`wfdb`]: PhysioNet WFDB records (header, signal formats 212/16/80) and MIT annotation files;
//! - [`wav`]: WAV strips through `hound`;
//! - [`csv`]: CSV strips (`time_s,ecg_mv` or a single `ecg_mv` column);
//! - [`jsonl`]: the event stream of `EVALUATION.md`;
//! - [`fuzz`]: byte-level entry points for fuzzing and property tests;
//! - [`stream`]: a WFDB lead decoded chunk by chunk, for records too long to load whole;
//! - [`resample`]: band-limited sample-rate conversion of a whole lead (evaluation at other rates).
//!
//! [`open_recording`] picks the reader from the path and returns one lead in millivolts.

pub mod annotation;
pub mod csv;
pub mod fuzz;
pub mod jsonl;
pub mod resample;
pub mod stream;
pub mod wav;
pub mod wfdb;

use std::fmt;
use std::path::{Path, PathBuf};

pub use annotation::Annotation;

/// Largest number of samples a record may claim (a 48-hour Holter at 1 kHz with margin).
pub const MAX_SAMPLES: u64 = 400_000_000;

/// Sample rates any reader accepts, Hz (the engine itself takes 125–1000 Hz).
pub const SAMPLE_RATE_RANGE_HZ: (f64, f64) = (0.001, 100_000.0);

/// True when `fs` lies in [`SAMPLE_RATE_RANGE_HZ`].
pub fn plausible_rate(fs: f64) -> bool {
    fs.is_finite() && fs >= SAMPLE_RATE_RANGE_HZ.0 && fs <= SAMPLE_RATE_RANGE_HZ.1
}

/// Options for [`open_recording`].
#[derive(Clone, Debug)]
pub struct ReadOptions {
    /// Channel (lead) to read, 0-based.
    pub lead: usize,
    /// Sample rate for a CSV without a time column, Hz.
    pub sample_rate_hz: Option<f32>,
    /// Scale of integer WAV samples, µV per least significant bit.
    pub uv_per_lsb: f32,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            lead: 0,
            sample_rate_hz: None,
            uv_per_lsb: 1.0,
        }
    }
}

/// One lead of a record, in physical units.
#[derive(Clone, Debug, PartialEq)]
pub struct Recording {
    /// Record name (file stem).
    pub name: String,
    /// Sample rate, Hz.
    pub sample_rate_hz: f32,
    /// Lead description, where the file gives one.
    pub lead_name: String,
    /// The samples, mV.
    pub samples_mv: Vec<f32>,
}

/// What went wrong while reading or writing a file.
#[derive(Debug)]
#[non_exhaustive]
pub enum IoErrorKind {
    /// The file could not be opened, read or written.
    Io(std::io::Error),
    /// The file's content is malformed; the text says how.
    Format(String),
    /// A well-formed file in a format we do not read.
    Unsupported(String),
}

/// An error tied to the file it concerns.
#[derive(Debug)]
pub struct IoError {
    /// The file.
    pub path: PathBuf,
    /// The problem.
    pub kind: IoErrorKind,
}

impl IoError {
    /// A format error for `path`.
    pub fn format(path: &Path, msg: impl Into<String>) -> Self {
        IoError {
            path: path.to_path_buf(),
            kind: IoErrorKind::Format(msg.into()),
        }
    }
    /// An unsupported-format error for `path`.
    pub fn unsupported(path: &Path, msg: impl Into<String>) -> Self {
        IoError {
            path: path.to_path_buf(),
            kind: IoErrorKind::Unsupported(msg.into()),
        }
    }
    /// An OS-level error for `path`.
    pub fn io(path: &Path, e: std::io::Error) -> Self {
        IoError {
            path: path.to_path_buf(),
            kind: IoErrorKind::Io(e),
        }
    }
}

impl fmt::Display for IoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self.path.display();
        match &self.kind {
            IoErrorKind::Io(e) => write!(f, "{p}: {e}"),
            IoErrorKind::Format(m) => write!(f, "{p}: {m}"),
            IoErrorKind::Unsupported(m) => write!(f, "{p}: unsupported: {m}"),
        }
    }
}

impl std::error::Error for IoError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            IoErrorKind::Io(e) => Some(e),
            _ => None,
        }
    }
}

/// The record name of a file: its stem (`strip` for `dir/strip.csv`), empty when it has none.
pub fn record_name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Open a record by path: `.wav`, `.csv`, or a WFDB record (with or without `.hea`).
///
/// Any other extension is refused by name, unless `PATH.hea` exists (a WFDB record whose name
/// contains a dot).
pub fn open_recording(path: &Path, opts: &ReadOptions) -> Result<Recording, IoError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("wav") => wav::read(path, opts),
        Some("csv") => csv::read(path, opts),
        None | Some("hea") | Some("dat") | Some("atr") => wfdb::read_recording(path, opts.lead),
        Some(other) => {
            let mut hea = path.as_os_str().to_owned();
            hea.push(".hea");
            if Path::new(&hea).exists() {
                wfdb::read_recording(path, opts.lead)
            } else {
                Err(IoError::unsupported(
                    path,
                    format!("file type `.{other}` (WFDB records, .wav and .csv are read)"),
                ))
            }
        }
    }
}
