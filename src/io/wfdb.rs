//! WFDB records: header (`.hea`), signal files (formats 212, 16 and 80) and MIT annotation files.
//!
//! A WFDB *record* is a text header naming one or more binary signal files and an optional
//! annotation file beside it. The header gives, per signal, the storage format, the byte offset,
//! the gain (ADC units per physical unit), the baseline, the units and a checksum.
//!
//! The reader follows the WFDB specification (Moody, *WFDB Programmer's Guide*, "header(5)",
//! "signal(5)", "annot(5)"). As in `hound`, the header is parsed and validated eagerly and the
//! samples are decoded on request; raw ADC units ([`Header::read_adc`]) and physical units
//! ([`Header::adc_to_mv`]) are kept apart. Every parser also takes bytes or an `impl Read`
//! ([`Header::from_reader`], [`Header::decode_adc`], [`parse_annotations`]), so it can be tested
//! and fuzzed without files.
//!
//! Policies, stated once:
//! - a header that claims more samples than its signal file holds is **refused** (the error names
//!   both counts); a record analysed from a truncated file would silently lose its end;
//! - a signal whose decoded samples do not add up to the header's checksum is refused;
//! - the WFDB "invalid sample" value (−2048 in format 212, −32768 in 16, −128 in 80) becomes NaN
//!   in physical units, as in the WFDB library and wfdb-python; the engine treats NaN as missing;
//! - record sizes are bounded by [`MAX_SAMPLES`] and [`MAX_SIGNALS`]; memory grows only with the
//!   bytes actually read, never with what a header claims.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::annotation::Annotation;
use super::{plausible_rate, IoError, Recording, MAX_SAMPLES};

/// Most signals a header may declare.
pub const MAX_SIGNALS: usize = 64;

/// Largest header read, bytes.
pub const MAX_HEADER_BYTES: u64 = 1 << 20;

/// Largest annotation file read, bytes.
pub const MAX_ANNOTATION_BYTES: u64 = 1 << 28;

/// A signal file's storage format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignalFormat {
    /// Two 12-bit two's-complement samples packed in three bytes.
    F212,
    /// 16-bit two's-complement, little-endian.
    F16,
    /// 8-bit offset binary (value − 128).
    F80,
}

impl SignalFormat {
    fn parse(code: u32) -> Option<Self> {
        match code {
            212 => Some(SignalFormat::F212),
            16 => Some(SignalFormat::F16),
            80 => Some(SignalFormat::F80),
            _ => None,
        }
    }

    /// The WFDB format number (212, 16, 80).
    pub fn code(self) -> u32 {
        match self {
            SignalFormat::F212 => 212,
            SignalFormat::F16 => 16,
            SignalFormat::F80 => 80,
        }
    }

    /// The ADC value WFDB reserves for "invalid sample" in this format.
    pub fn invalid_adc(self) -> i32 {
        match self {
            SignalFormat::F212 => -2048,
            SignalFormat::F16 => -32768,
            SignalFormat::F80 => -128,
        }
    }

    /// Smallest and largest storable ADC value.
    pub fn adc_range(self) -> (i32, i32) {
        match self {
            SignalFormat::F212 => (-2048, 2047),
            SignalFormat::F16 => (-32768, 32767),
            SignalFormat::F80 => (-128, 127),
        }
    }
}

/// One signal line of a header.
#[derive(Clone, Debug, PartialEq)]
pub struct SignalSpec {
    /// Signal file name, relative to the header's folder.
    pub file_name: String,
    /// Storage format.
    pub format: SignalFormat,
    /// Byte offset of the first sample in the file.
    pub byte_offset: u64,
    /// ADC units per physical unit.
    pub gain: f64,
    /// ADC value of 0 physical units.
    pub baseline: i32,
    /// Physical units (`mV` unless stated).
    pub units: String,
    /// ADC resolution, bits.
    pub adc_resolution: u32,
    /// ADC zero.
    pub adc_zero: i32,
    /// Checksum of the signal's samples (16-bit sum), when the header gives one.
    pub checksum: Option<i16>,
    /// Description (lead name).
    pub description: String,
}

/// A parsed WFDB header.
#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    /// Record name.
    pub name: String,
    /// Samples per second per signal.
    pub sample_rate_hz: f64,
    /// Samples per signal (0 when the header does not say).
    pub samples: u64,
    /// The signals.
    pub signals: Vec<SignalSpec>,
    /// Folder holding the header.
    pub dir: PathBuf,
}

/// `path` with `.hea`, `.dat` or `.atr` removed, if present: the record path.
pub fn record_base(path: &Path) -> PathBuf {
    match path.extension().and_then(|e| e.to_str()) {
        Some("hea") | Some("dat") | Some("atr") => path.with_extension(""),
        _ => path.to_path_buf(),
    }
}

/// `base` with `.ext` appended (record names may contain dots, so nothing is replaced).
pub fn record_file(base: &Path, ext: &str) -> PathBuf {
    let mut p = base.as_os_str().to_owned();
    p.push(".");
    p.push(ext);
    PathBuf::from(p)
}

impl Header {
    /// Read and validate `RECORD.hea` (the path may name the record or the header).
    pub fn open(path: &Path) -> Result<Self, IoError> {
        let hea = record_file(&record_base(path), "hea");
        let file = File::open(&hea).map_err(|e| IoError::io(&hea, e))?;
        let dir = hea.parent().map(Path::to_path_buf).unwrap_or_default();
        Self::from_reader(file, &hea, dir)
    }

    /// Read header text from `reader` (at most [`MAX_HEADER_BYTES`]); `path` names it in errors,
    /// `dir` locates the signal files.
    pub fn from_reader<R: Read>(reader: R, path: &Path, dir: PathBuf) -> Result<Self, IoError> {
        let mut bytes = Vec::new();
        reader
            .take(MAX_HEADER_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| IoError::io(path, e))?;
        if bytes.len() as u64 > MAX_HEADER_BYTES {
            return Err(IoError::format(
                path,
                format!("header longer than {MAX_HEADER_BYTES} bytes"),
            ));
        }
        let text = std::str::from_utf8(&bytes).map_err(|e| {
            IoError::format(
                path,
                format!("header is not text (byte {})", e.valid_up_to()),
            )
        })?;
        Self::parse(text, path, dir)
    }

    /// Parse header text; `path` is used in error messages, `dir` to locate signal files.
    pub fn parse(text: &str, path: &Path, dir: PathBuf) -> Result<Self, IoError> {
        let mut lines = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'));
        let record_line = lines
            .next()
            .ok_or_else(|| IoError::format(path, "empty header: no record line"))?;
        let mut f = record_line.split_whitespace();
        let name_field = f.next().unwrap_or_default();
        if name_field.contains('/') {
            return Err(IoError::unsupported(path, "multi-segment records"));
        }
        let nsig_field = f
            .next()
            .ok_or_else(|| IoError::format(path, "record line has no signal count"))?;
        let nsig: usize = nsig_field
            .parse()
            .map_err(|_| IoError::format(path, format!("bad signal count `{nsig_field}`")))?;
        if nsig == 0 || nsig > MAX_SIGNALS {
            return Err(IoError::format(
                path,
                format!("signal count {nsig} out of range 1..={MAX_SIGNALS}"),
            ));
        }
        let sample_rate_hz = match f.next() {
            None => 250.0,
            Some(s) => {
                // frequency[/counter frequency[(base counter value)]]
                let s = s.split(['/', '(']).next().unwrap_or(s);
                let v: f64 = s
                    .parse()
                    .map_err(|_| IoError::format(path, format!("bad sample rate `{s}`")))?;
                if !plausible_rate(v) {
                    return Err(IoError::format(path, format!("impossible sample rate {v}")));
                }
                v
            }
        };
        let samples: u64 = match f.next() {
            None => 0,
            Some(s) => s
                .parse()
                .map_err(|_| IoError::format(path, format!("bad sample count `{s}`")))?,
        };
        if samples > MAX_SAMPLES {
            return Err(IoError::format(
                path,
                format!("sample count {samples} exceeds the limit {MAX_SAMPLES}"),
            ));
        }
        let mut signals = Vec::with_capacity(nsig);
        for i in 0..nsig {
            let line = lines.next().ok_or_else(|| {
                IoError::format(path, format!("header declares {nsig} signals but has {i}"))
            })?;
            signals.push(parse_signal_line(line, path)?);
        }
        for (i, s) in signals.iter().enumerate() {
            let first = signals
                .iter()
                .find(|t| t.file_name == s.file_name)
                .unwrap_or(s);
            if first.format != s.format {
                return Err(IoError::unsupported(
                    path,
                    format!(
                        "signal {i} mixes formats {} and {} in file `{}`",
                        first.format.code(),
                        s.format.code(),
                        s.file_name
                    ),
                ));
            }
        }
        Ok(Header {
            name: name_field.to_string(),
            sample_rate_hz,
            samples,
            signals,
            dir,
        })
    }

    /// Convert an ADC value of signal `sig` to physical units: mV for signals in mV or µV (scaled),
    /// the signal's own units otherwise (see [`Header::is_voltage`]).
    ///
    /// The format's invalid-sample value gives NaN; an unknown `sig` gives NaN.
    pub fn adc_to_mv(&self, sig: usize, adc: i32) -> f32 {
        match self.signals.get(sig) {
            Some(s) if adc != s.format.invalid_adc() => {
                let v = (adc as f64 - s.baseline as f64) / s.gain;
                let v = if s.units.eq_ignore_ascii_case("uv") {
                    v * 0.001
                } else {
                    v
                };
                v as f32
            }
            _ => f32::NAN,
        }
    }

    /// True when signal `sig` is a voltage in mV or µV (what the engine can analyse).
    pub fn is_voltage(&self, sig: usize) -> bool {
        self.signals.get(sig).is_some_and(|s| {
            s.units.eq_ignore_ascii_case("mv") || s.units.eq_ignore_ascii_case("uv")
        })
    }

    /// An error naming `path` when signal `sig` exists but is not a voltage (a blood pressure,
    /// a respiration signal…): the engine analyses ECG leads only.
    pub fn require_voltage(&self, sig: usize, path: &Path) -> Result<(), IoError> {
        match self.signals.get(sig) {
            Some(spec) if !self.is_voltage(sig) => Err(IoError::unsupported(
                path,
                format!(
                    "signal {sig} is in `{}`, not mV or uV (pick an ECG lead with --lead)",
                    spec.units
                ),
            )),
            _ => Ok(()),
        }
    }

    /// The signals stored in the same file as `sig`, in header order (the file interleaves them
    /// frame by frame), and the position of `sig` among them.
    fn group_of(&self, sig: usize) -> Option<(Vec<usize>, usize)> {
        let spec = self.signals.get(sig)?;
        let group: Vec<usize> = (0..self.signals.len())
            .filter(|&j| self.signals[j].file_name == spec.file_name)
            .collect();
        let pos = group.iter().position(|&j| j == sig)?;
        Some((group, pos))
    }

    fn no_such_signal(&self, sig: usize, path: &Path) -> IoError {
        IoError::format(
            path,
            format!(
                "lead {sig} requested but the record has {} signal(s)",
                self.signals.len()
            ),
        )
    }

    /// The path of the signal file of `sig`.
    pub fn signal_path(&self, sig: usize) -> Option<PathBuf> {
        self.signals.get(sig).map(|s| self.dir.join(&s.file_name))
    }

    /// Decode every sample of signal `sig` from its file, in ADC units.
    ///
    /// `path` (the header) is named in errors about the header itself.
    pub fn read_adc(&self, sig: usize, path: &Path) -> Result<Vec<i32>, IoError> {
        let (group, _) = self
            .group_of(sig)
            .ok_or_else(|| self.no_such_signal(sig, path))?;
        let first = &self.signals[group[0]];
        let (file, dat, _) = self.open_signal_file(first)?;
        self.decode_adc(sig, BufReader::with_capacity(1 << 16, file), &dat)
    }

    /// Open the signal file of `spec` positioned at its byte offset. Returns the file, its path
    /// and the number of bytes from the offset to the end.
    pub fn open_signal_file(&self, spec: &SignalSpec) -> Result<(File, PathBuf, u64), IoError> {
        let dat = self.dir.join(&spec.file_name);
        let mut file = File::open(&dat).map_err(|e| IoError::io(&dat, e))?;
        let len = file.metadata().map_err(|e| IoError::io(&dat, e))?.len();
        if spec.byte_offset > len {
            return Err(IoError::format(
                &dat,
                format!(
                    "byte offset {} beyond the end of the file ({len} bytes)",
                    spec.byte_offset
                ),
            ));
        }
        file.seek(SeekFrom::Start(spec.byte_offset))
            .map_err(|e| IoError::io(&dat, e))?;
        Ok((file, dat, len - spec.byte_offset))
    }

    /// Decode signal `sig` from `data`, the signal file's bytes after its byte offset.
    ///
    /// Reads `samples` frames (all frames to the end when the header gives no count), keeps the
    /// samples of `sig`, and checks the header's checksum. `dat` names the file in errors.
    pub fn decode_adc<R: Read>(
        &self,
        sig: usize,
        data: R,
        dat: &Path,
    ) -> Result<Vec<i32>, IoError> {
        let (group, pos) = self
            .group_of(sig)
            .ok_or_else(|| self.no_such_signal(sig, dat))?;
        let spec = &self.signals[sig];
        let width = group.len() as u64;
        let wanted_frames = if self.samples == 0 {
            MAX_SAMPLES + 1
        } else {
            self.samples
        };
        let wanted = wanted_frames * width;
        let mut decoder = StreamDecoder::new(spec.format);
        let mut out: Vec<i32> = Vec::with_capacity(wanted_frames.min(1 << 16) as usize);
        let mut k: u64 = 0;
        let mut data = data;
        let mut buf = vec![0u8; 6 * 8192];
        loop {
            let n = fill(&mut data, &mut buf).map_err(|e| IoError::io(dat, e))?;
            if n == 0 {
                break;
            }
            let mut emit = |v: i32| -> bool {
                if k % width == pos as u64 {
                    out.push(v);
                }
                k += 1;
                k < wanted
            };
            if !decoder.feed(&buf[..n], &mut emit) {
                break;
            }
            if n < buf.len() {
                break;
            }
        }
        let frames = k / width;
        if self.samples == 0 {
            if frames > MAX_SAMPLES {
                return Err(IoError::format(
                    dat,
                    format!("signal file holds more than {MAX_SAMPLES} samples"),
                ));
            }
            out.truncate(frames as usize);
        } else if frames < self.samples {
            return Err(IoError::format(
                dat,
                format!(
                    "header claims {} samples but the file holds {frames} (truncated file?)",
                    self.samples
                ),
            ));
        }
        if let Some(expected) = spec.checksum {
            let sum = out.iter().fold(0i16, |acc, &v| acc.wrapping_add(v as i16));
            if sum != expected {
                return Err(IoError::format(
                    dat,
                    format!(
                        "checksum of signal {sig} is {sum} but the header says {expected} (corrupt file?)"
                    ),
                ));
            }
        }
        Ok(out)
    }
}

/// Read until `buf` is full or the reader is exhausted; the number of bytes read.
fn fill<R: Read>(r: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(m) => n += m,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Decodes the interleaved sample stream of one signal file, chunk by chunk.
///
/// Chunks are whole multiples of 6 bytes except the last, so a 212 pair never straddles two.
struct StreamDecoder {
    format: SignalFormat,
}

impl StreamDecoder {
    fn new(format: SignalFormat) -> Self {
        StreamDecoder { format }
    }

    /// Decode `bytes`, handing each sample to `emit` until it returns false; false when stopped.
    fn feed(&mut self, bytes: &[u8], emit: &mut impl FnMut(i32) -> bool) -> bool {
        match self.format {
            SignalFormat::F16 => {
                for b in bytes.chunks_exact(2) {
                    if !emit(i16::from_le_bytes([b[0], b[1]]) as i32) {
                        return false;
                    }
                }
            }
            SignalFormat::F80 => {
                for &b in bytes {
                    if !emit(b as i32 - 128) {
                        return false;
                    }
                }
            }
            SignalFormat::F212 => {
                for b in bytes.chunks(3) {
                    if b.len() < 2 {
                        break;
                    }
                    let (b0, b1) = (b[0] as i32, b[1] as i32);
                    if !emit(sign12(((b1 & 0x0f) << 8) | b0)) {
                        return false;
                    }
                    let Some(&b2) = b.get(2) else { break };
                    if !emit(sign12(((b1 & 0xf0) << 4) | b2 as i32)) {
                        return false;
                    }
                }
            }
        }
        true
    }
}

fn sign12(v: i32) -> i32 {
    if v & 0x800 != 0 {
        v - 0x1000
    } else {
        v
    }
}

fn parse_signal_line(line: &str, path: &Path) -> Result<SignalSpec, IoError> {
    let mut f = line.split_whitespace();
    let file_name = f
        .next()
        .ok_or_else(|| IoError::format(path, "empty signal line"))?
        .to_string();
    if file_name.contains("..") || file_name.starts_with('/') || file_name.contains('\\') {
        return Err(IoError::unsupported(
            path,
            format!("signal file `{file_name}` (only files beside the header are read)"),
        ));
    }
    if file_name == "-" {
        return Err(IoError::unsupported(
            path,
            "signals on standard input (`-`)",
        ));
    }
    let fmt_field = f
        .next()
        .ok_or_else(|| IoError::format(path, format!("signal line `{line}` has no format")))?;
    // format[xsamples per frame][:skew][+byte offset]
    let (fmt_part, offset) = match fmt_field.split_once('+') {
        Some((a, o)) => (
            a,
            o.parse::<u64>()
                .map_err(|_| IoError::format(path, format!("bad byte offset in `{fmt_field}`")))?,
        ),
        None => (fmt_field, 0),
    };
    let (fmt_part, skew) = match fmt_part.split_once(':') {
        Some((a, s)) => (
            a,
            s.parse::<u32>()
                .map_err(|_| IoError::format(path, format!("bad skew in `{fmt_field}`")))?,
        ),
        None => (fmt_part, 0),
    };
    let (code_str, per_frame) = match fmt_part.split_once('x') {
        Some((a, s)) => (
            a,
            s.parse::<u32>().map_err(|_| {
                IoError::format(path, format!("bad samples per frame in `{fmt_field}`"))
            })?,
        ),
        None => (fmt_part, 1),
    };
    if per_frame != 1 {
        return Err(IoError::unsupported(
            path,
            format!("multi-frequency records ({per_frame} samples per frame)"),
        ));
    }
    if skew != 0 {
        return Err(IoError::unsupported(path, format!("signal skew {skew}")));
    }
    let code: u32 = code_str
        .parse()
        .map_err(|_| IoError::format(path, format!("bad signal format `{fmt_field}`")))?;
    let format = SignalFormat::parse(code).ok_or_else(|| {
        IoError::unsupported(
            path,
            format!("signal format {code} (formats 212, 16 and 80 are read)"),
        )
    })?;
    // gain[(baseline)][/units]
    let (gain, baseline, units) = match f.next() {
        None => (200.0, None, "mV".to_string()),
        Some(g) => {
            let (g, units) = match g.split_once('/') {
                Some((a, u)) => (a, u.to_string()),
                None => (g, "mV".to_string()),
            };
            let (g, base) = match g.split_once('(') {
                Some((a, b)) => {
                    let b = b.strip_suffix(')').ok_or_else(|| {
                        IoError::format(path, format!("unclosed baseline in `{g}`"))
                    })?;
                    let bv: i32 = b
                        .parse()
                        .map_err(|_| IoError::format(path, format!("bad baseline `{b}`")))?;
                    (a, Some(bv))
                }
                None => (g, None),
            };
            let gv: f64 = g
                .parse()
                .map_err(|_| IoError::format(path, format!("bad gain `{g}`")))?;
            // Negative gains (inverted signals) are legal WFDB.
            if !gv.is_finite() {
                return Err(IoError::format(path, format!("impossible gain {gv}")));
            }
            // A gain of 0 means "uncalibrated": WFDB then assumes 200.
            (if gv == 0.0 { 200.0 } else { gv }, base, units)
        }
    };
    let adc_resolution: u32 = match f.next() {
        None => 12,
        Some(s) => s
            .parse()
            .ok()
            .filter(|&b| b <= 32)
            .ok_or_else(|| IoError::format(path, format!("bad ADC resolution `{s}`")))?,
    };
    let adc_zero: i32 = match f.next() {
        None => 0,
        Some(s) => s
            .parse()
            .map_err(|_| IoError::format(path, format!("bad ADC zero `{s}`")))?,
    };
    let _initial_value = f.next();
    let checksum: Option<i16> = match f.next() {
        None => None,
        Some(s) => Some(
            s.parse::<i32>()
                .ok()
                .filter(|v| (-32768..=65535).contains(v))
                .ok_or_else(|| IoError::format(path, format!("bad checksum `{s}`")))?
                as i16,
        ),
    };
    let _block_size = f.next();
    let description = f.collect::<Vec<_>>().join(" ");
    Ok(SignalSpec {
        file_name,
        format,
        byte_offset: offset,
        gain,
        baseline: baseline.unwrap_or(adc_zero),
        units,
        adc_resolution,
        adc_zero,
        checksum,
        description,
    })
}

/// Read one lead of a WFDB record in mV.
pub fn read_recording(path: &Path, lead: usize) -> Result<Recording, IoError> {
    let header = Header::open(path)?;
    let hea = record_file(&record_base(path), "hea");
    header.require_voltage(lead, &hea)?;
    let adc = header.read_adc(lead, &hea)?;
    let samples_mv = adc.iter().map(|&v| header.adc_to_mv(lead, v)).collect();
    Ok(Recording {
        name: header.name.clone(),
        sample_rate_hz: header.sample_rate_hz as f32,
        lead_name: header
            .signals
            .get(lead)
            .map(|s| s.description.clone())
            .unwrap_or_default(),
        samples_mv,
    })
}

/// Write a WFDB record: `DIR/NAME.hea` and `DIR/NAME.dat` holding `leads` (all of equal length,
/// mV) in `format` 16 or 212 with `gain` ADC units per mV and baseline 0.
///
/// NaN samples are written as the format's invalid-sample value; values beyond the format's range
/// are an error (choose a smaller gain). The header carries each signal's checksum.
pub fn write_record(
    dir: &Path,
    name: &str,
    sample_rate_hz: f64,
    leads: &[(&str, &[f32])],
    format: SignalFormat,
    gain: f64,
) -> Result<(), IoError> {
    let hea = dir.join(format!("{name}.hea"));
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(IoError::format(
            &hea,
            format!("record name `{name}` (letters, digits and _ only)"),
        ));
    }
    if leads.is_empty() || leads.len() > MAX_SIGNALS {
        return Err(IoError::format(&hea, format!("{} signals", leads.len())));
    }
    let n = leads[0].1.len();
    if leads.iter().any(|(_, s)| s.len() != n) {
        return Err(IoError::format(&hea, "signals of unequal length"));
    }
    if !(gain.is_finite() && gain > 0.0) {
        return Err(IoError::format(&hea, format!("impossible gain {gain}")));
    }
    let (lo, hi) = format.adc_range();
    let to_adc = |mv: f32, i: usize| -> Result<i32, IoError> {
        if mv.is_nan() {
            return Ok(format.invalid_adc());
        }
        let v = (mv as f64 * gain).round();
        // The lowest value is reserved for "invalid sample".
        if v <= lo as f64 || v > hi as f64 {
            return Err(IoError::format(
                &hea,
                format!(
                    "sample {i} ({mv} mV) does not fit format {} at gain {gain}",
                    format.code()
                ),
            ));
        }
        Ok(v as i32)
    };
    let mut adc: Vec<Vec<i32>> = Vec::with_capacity(leads.len());
    for (_, s) in leads {
        adc.push(
            s.iter()
                .enumerate()
                .map(|(i, &v)| to_adc(v, i))
                .collect::<Result<_, _>>()?,
        );
    }
    let mut stream = Vec::with_capacity(n * leads.len());
    for i in 0..n {
        for a in &adc {
            stream.push(a[i]);
        }
    }
    let mut bytes = Vec::new();
    match format {
        SignalFormat::F16 => {
            for v in &stream {
                bytes.extend_from_slice(&(*v as i16).to_le_bytes());
            }
        }
        SignalFormat::F80 => bytes.extend(stream.iter().map(|&v| (v + 128) as u8)),
        SignalFormat::F212 => {
            for p in stream.chunks(2) {
                let s0 = p[0] & 0xfff;
                let s1 = p.get(1).map_or(0, |v| v & 0xfff);
                bytes.push((s0 & 0xff) as u8);
                bytes.push((((s1 >> 4) & 0xf0) | (s0 >> 8)) as u8);
                if p.len() == 2 {
                    bytes.push((s1 & 0xff) as u8);
                }
            }
        }
    }
    let bits = match format {
        SignalFormat::F212 => 12,
        SignalFormat::F16 => 16,
        SignalFormat::F80 => 8,
    };
    let mut text = format!("{name} {} {sample_rate_hz} {n}\n", leads.len());
    for (j, (desc, _)) in leads.iter().enumerate() {
        let first = adc[j].first().copied().unwrap_or(0);
        let sum = adc[j].iter().fold(0i16, |a, &v| a.wrapping_add(v as i16));
        let desc = desc.replace(['\n', '\r'], " ");
        text.push_str(&format!(
            "{name}.dat {} {gain}(0)/mV {bits} 0 {first} {sum} 0 {desc}\n",
            format.code()
        ));
    }
    let dat = dir.join(format!("{name}.dat"));
    std::fs::write(&dat, &bytes).map_err(|e| IoError::io(&dat, e))?;
    std::fs::write(&hea, text).map_err(|e| IoError::io(&hea, e))
}

const NOTE: u8 = 22;
const SKIP: u16 = 59;
const NUM: u16 = 60;
const SUB: u16 = 61;
const CHN: u16 = 62;
const AUX: u16 = 63;
/// Largest label code an annotation may carry (WFDB `ACMAX`).
pub const MAX_CODE: u8 = 49;

/// Read a MIT-format annotation file (`RECORD.atr` or any path).
pub fn read_annotations(path: &Path) -> Result<Vec<Annotation>, IoError> {
    let file = File::open(path).map_err(|e| IoError::io(path, e))?;
    read_annotations_from(file, path)
}

/// Read MIT-format annotations from `reader` (at most [`MAX_ANNOTATION_BYTES`]); `path` names it
/// in errors.
pub fn read_annotations_from<R: Read>(reader: R, path: &Path) -> Result<Vec<Annotation>, IoError> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_ANNOTATION_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| IoError::io(path, e))?;
    if bytes.len() as u64 > MAX_ANNOTATION_BYTES {
        return Err(IoError::format(
            path,
            format!("annotation file longer than {MAX_ANNOTATION_BYTES} bytes"),
        ));
    }
    parse_annotations(&bytes, path)
}

/// Decode MIT-format annotation bytes; `path` is used in error messages.
///
/// As in the WFDB library: `SUB`, `CHN`, `NUM` and `AUX` modify the annotation they follow;
/// `CHN` and `NUM` carry over to later annotations; code-0 words only move time; the `NOTE`
/// annotations at sample 0 whose text starts with `## ` (time resolution, label definitions)
/// describe the file and are not returned. A file that ends without the end marker keeps what was
/// read; one that ends inside a `SKIP` or `AUX` field is an error.
pub fn parse_annotations(bytes: &[u8], path: &Path) -> Result<Vec<Annotation>, IoError> {
    let mut out: Vec<Annotation> = Vec::new();
    // Whether the last label word was a real annotation (modifiers after a code-0 word or before
    // any annotation go nowhere).
    let mut current = false;
    let mut time: i64 = 0;
    let (mut chan, mut num) = (0u8, 0i8);
    let mut i = 0usize;
    let word = |i: usize| -> Option<u16> {
        Some(u16::from_le_bytes([*bytes.get(i)?, *bytes.get(i + 1)?]))
    };
    let at = |i: usize| format!("at byte {i}");
    while let Some(w) = word(i) {
        let start = i;
        i += 2;
        let a = w >> 10;
        let v = w & 0x3ff;
        match a {
            0 if v == 0 => break,
            SKIP => {
                let hi = word(i).ok_or_else(|| {
                    IoError::format(path, format!("truncated SKIP {}", at(start)))
                })?;
                let lo = word(i + 2).ok_or_else(|| {
                    IoError::format(path, format!("truncated SKIP {}", at(start)))
                })?;
                i += 4;
                time = time.saturating_add((((hi as u32) << 16 | lo as u32) as i32) as i64);
                current = false;
            }
            NUM => {
                num = (v & 0xff) as u8 as i8;
                if current {
                    if let Some(last) = out.last_mut() {
                        last.num = num;
                    }
                }
            }
            SUB => {
                if current {
                    if let Some(last) = out.last_mut() {
                        last.subtype = (v & 0xff) as u8 as i8;
                    }
                }
            }
            CHN => {
                chan = (v & 0xff) as u8;
                if current {
                    if let Some(last) = out.last_mut() {
                        last.chan = chan;
                    }
                }
            }
            AUX => {
                let n = (v & 0xff) as usize;
                let s = bytes.get(i..i + n).ok_or_else(|| {
                    IoError::format(path, format!("truncated AUX string {}", at(start)))
                })?;
                i += n + (n & 1);
                if current {
                    if let Some(last) = out.last_mut() {
                        last.aux = Some(s.iter().map(|&b| b as char).collect());
                    }
                }
            }
            0 => {
                // Code 0 with an interval: a placeholder that moves time only.
                time = time.saturating_add(v as i64);
                current = false;
            }
            code => {
                time = time.saturating_add(v as i64);
                if time < 0 {
                    return Err(IoError::format(
                        path,
                        format!(
                            "annotation time {time} before the record start {}",
                            at(start)
                        ),
                    ));
                }
                out.push(Annotation {
                    sample: time as u64,
                    code: code as u8,
                    subtype: 0,
                    chan,
                    num,
                    aux: None,
                });
                current = true;
            }
        }
    }
    out.retain(|a| {
        !(a.code == NOTE && a.sample == 0 && a.aux.as_deref().is_some_and(|s| s.starts_with("## ")))
    });
    Ok(out)
}

/// Why annotations could not be encoded.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeError {
    /// A label code outside `1..=MAX_CODE`.
    Code {
        /// The annotation's sample.
        sample: u64,
        /// The code.
        code: u8,
    },
    /// An aux string longer than 255 bytes.
    AuxTooLong {
        /// The annotation's sample.
        sample: u64,
        /// The string's length, bytes.
        len: usize,
    },
    /// A sample index beyond what the format can hold.
    Sample(u64),
}

impl std::fmt::Display for EncodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EncodeError::Code { sample, code } => write!(
                f,
                "annotation at sample {sample} has code {code}, not a label code 1..={MAX_CODE}"
            ),
            EncodeError::AuxTooLong { sample, len } => write!(
                f,
                "annotation at sample {sample} has a {len}-byte aux string (at most 255)"
            ),
            EncodeError::Sample(s) => write!(f, "annotation sample {s} is too large"),
        }
    }
}

impl std::error::Error for EncodeError {}

/// Encode annotations in MIT format (any order; a backward step is written as a negative `SKIP`).
///
/// The aux string is written byte for byte (characters above U+00FF are not representable).
pub fn encode_annotations(anns: &[Annotation]) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(anns.len() * 2 + 2);
    let put = |w: u16, out: &mut Vec<u8>| out.extend_from_slice(&w.to_le_bytes());
    let mut time: i64 = 0;
    let (mut chan, mut num) = (0u8, 0i8);
    for a in anns {
        if a.code == 0 || a.code > MAX_CODE {
            return Err(EncodeError::Code {
                sample: a.sample,
                code: a.code,
            });
        }
        let aux: Option<Vec<u8>> = a
            .aux
            .as_ref()
            .map(|s| s.chars().map(|c| c as u32 as u8).collect());
        if let Some(b) = &aux {
            if b.len() > 255
                || a.aux
                    .as_ref()
                    .is_some_and(|s| s.chars().any(|c| c as u32 > 0xff))
            {
                return Err(EncodeError::AuxTooLong {
                    sample: a.sample,
                    len: a.aux.as_ref().map_or(0, String::len),
                });
            }
        }
        let sample = i64::try_from(a.sample)
            .ok()
            .filter(|s| *s <= MAX_SAMPLES as i64 * 16)
            .ok_or(EncodeError::Sample(a.sample))?;
        let mut delta = sample - time;
        if !(0..=1023).contains(&delta) {
            while delta != 0 {
                let d = delta.clamp(i32::MIN as i64, i32::MAX as i64) as i32 as u32;
                put(SKIP << 10, &mut out);
                put((d >> 16) as u16, &mut out);
                put((d & 0xffff) as u16, &mut out);
                delta -= d as i32 as i64;
            }
        }
        put(((a.code as u16) << 10) | delta as u16, &mut out);
        time = sample;
        if a.subtype != 0 {
            put((SUB << 10) | a.subtype as u8 as u16, &mut out);
        }
        if a.chan != chan {
            put((CHN << 10) | a.chan as u16, &mut out);
            chan = a.chan;
        }
        if a.num != num {
            put((NUM << 10) | a.num as u8 as u16, &mut out);
            num = a.num;
        }
        if let Some(b) = aux {
            put((AUX << 10) | b.len() as u16, &mut out);
            out.extend_from_slice(&b);
            if b.len() & 1 == 1 {
                out.push(0);
            }
        }
    }
    put(0, &mut out);
    Ok(out)
}

/// Write annotations to `path` in MIT format.
pub fn write_annotations(path: &Path, anns: &[Annotation]) -> Result<(), IoError> {
    let bytes = encode_annotations(anns).map_err(|e| IoError::format(path, e.to_string()))?;
    File::create(path)
        .and_then(|mut f| f.write_all(&bytes))
        .map_err(|e| IoError::io(path, e))
}

/// Reference annotations of a record: `RECORD.atr` when it exists.
pub fn read_reference(record: &Path) -> Result<Option<Vec<Annotation>>, IoError> {
    let atr = record_file(&record_base(record), "atr");
    if atr.exists() {
        read_annotations(&atr).map(Some)
    } else {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(text: &str) -> Header {
        Header::parse(text, Path::new("x.hea"), PathBuf::new()).unwrap()
    }

    #[test]
    fn header_fields() {
        let h = header(
            "100 2 360 650000\n100.dat 212 200 11 1024 995 -22131 0 MLII\n\
             100.dat 212 200(1024)/uV 11 0 1011 20052 0 V5 lead\n# comment\n",
        );
        assert_eq!(h.sample_rate_hz, 360.0);
        assert_eq!(h.samples, 650000);
        assert_eq!(h.signals[0].baseline, 1024);
        assert_eq!(h.signals[1].baseline, 1024);
        assert_eq!(h.signals[1].adc_zero, 0);
        assert_eq!(h.signals[1].units, "uV");
        assert_eq!(h.signals[0].checksum, Some(-22131));
        assert_eq!(h.signals[1].description, "V5 lead");
        assert_eq!(h.adc_to_mv(0, 1224), 1.0);
        assert!(h.adc_to_mv(0, -2048).is_nan());
        assert!(h.adc_to_mv(5, 0).is_nan());
        let inverted = header("r 2 250\nr.dat 16 -100\nr.dat 16 100/mmHg\n");
        assert_eq!(inverted.adc_to_mv(0, 50), -0.5);
        assert!(inverted.is_voltage(0) && !inverted.is_voltage(1));
    }

    #[test]
    fn format_212_unpacks_signed_pairs() {
        // s0 = -1 (0xfff), s1 = 0x123, then a lone s2 = 0x7ff from a two-byte tail.
        let raw = [0xff, 0x1f, 0x23, 0xff, 0x07];
        let mut out = Vec::new();
        StreamDecoder::new(SignalFormat::F212).feed(&raw, &mut |v| {
            out.push(v);
            true
        });
        assert_eq!(out, vec![-1, 0x123, 0x7ff]);
    }

    #[test]
    fn interleaved_signals_and_checksum() {
        // Two signals in format 16: frames (1, -2), (3, -4), (5, -6).
        let vals: [i16; 6] = [1, -2, 3, -4, 5, -6];
        let bytes: Vec<u8> = vals.iter().flat_map(|v| v.to_le_bytes()).collect();
        let h = header("r 2 100 3\nr.dat 16 100 16 0 1 9 0 a\nr.dat 16 100 16 0 -2 -12 0 b\n");
        assert_eq!(
            h.decode_adc(0, &bytes[..], Path::new("r.dat")).unwrap(),
            vec![1, 3, 5]
        );
        assert_eq!(
            h.decode_adc(1, &bytes[..], Path::new("r.dat")).unwrap(),
            vec![-2, -4, -6]
        );
        let bad = header("r 2 100 3\nr.dat 16 100 16 0 1 10 0 a\nr.dat 16 100 16 0 -2 -12 0 b\n");
        let e = bad
            .decode_adc(0, &bytes[..], Path::new("r.dat"))
            .unwrap_err();
        assert!(e.to_string().contains("checksum"), "{e}");
        let long = header("r 2 100 4\nr.dat 16\nr.dat 16\n");
        let e = long
            .decode_adc(0, &bytes[..], Path::new("r.dat"))
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("claims 4 samples but the file holds 3"),
            "{e}"
        );
        let open = header("r 2 100\nr.dat 16\nr.dat 16\n");
        assert_eq!(
            open.decode_adc(1, &bytes[..5], Path::new("r.dat")).unwrap(),
            vec![-2]
        );
    }

    #[test]
    fn record_writer_round_trips_212_and_16() {
        let dir = std::env::temp_dir().join(format!("ecg_rhythm_wfdb_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let a: Vec<f32> = (0..7).map(|i| i as f32 * 0.25 - 1.0).collect();
        let mut b: Vec<f32> = (0..7).map(|i| 2.0 - i as f32 * 0.5).collect();
        b[3] = f32::NAN;
        for fmt in [SignalFormat::F212, SignalFormat::F16, SignalFormat::F80] {
            let gain = if fmt == SignalFormat::F80 {
                20.0
            } else {
                200.0
            };
            write_record(&dir, "rt", 250.0, &[("I", &a), ("II", &b)], fmt, gain).unwrap();
            let r0 = read_recording(&dir.join("rt"), 0).unwrap();
            let r1 = read_recording(&dir.join("rt"), 1).unwrap();
            assert_eq!(r0.samples_mv, a, "{fmt:?}");
            assert_eq!(r0.lead_name, "I");
            assert_eq!(r0.sample_rate_hz, 250.0);
            for (x, y) in r1.samples_mv.iter().zip(&b) {
                assert!(x == y || (x.is_nan() && y.is_nan()), "{fmt:?} {x} {y}");
            }
        }
        let e = write_record(
            &dir,
            "rt",
            250.0,
            &[("I", &[20.0])],
            SignalFormat::F212,
            200.0,
        );
        assert!(e.is_err());
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn annotations_round_trip_with_skip_and_aux() {
        let mut a = vec![
            Annotation::new(5, 1),
            Annotation::new(3000, 28),
            Annotation::new(70_000, 5),
            Annotation::new(69_000, 1),
            Annotation::new(5_000_000_000, 1),
        ];
        a[1].aux = Some("(VT".into());
        a[2].subtype = 2;
        a[2].chan = 1;
        a[2].num = 3;
        a[3].chan = 1;
        a[3].num = 3;
        a[4].chan = 1;
        a[4].num = -1;
        let bytes = encode_annotations(&a).unwrap();
        let back = parse_annotations(&bytes, Path::new("t")).unwrap();
        assert_eq!(back, a);
        assert!(encode_annotations(&[Annotation::new(1, 60)]).is_err());
        let mut long = Annotation::new(1, 28);
        long.aux = Some("x".repeat(256));
        assert!(encode_annotations(&[long]).is_err());
    }

    #[test]
    fn definition_notes_are_dropped_and_a_missing_end_marker_keeps_what_was_read() {
        let mut note = Annotation::new(0, NOTE);
        note.aux = Some("## time resolution: 360".into());
        let mut kept = Annotation::new(0, NOTE);
        kept.aux = Some("artifact".into());
        let beat = Annotation::new(7, 1);
        let bytes = encode_annotations(&[note, kept.clone(), beat.clone()]).unwrap();
        let got = parse_annotations(&bytes, Path::new("t")).unwrap();
        assert_eq!(got, vec![kept.clone(), beat.clone()]);
        let unterminated = &bytes[..bytes.len() - 2];
        assert_eq!(
            parse_annotations(unterminated, Path::new("t")).unwrap(),
            vec![kept, beat]
        );
        let e = parse_annotations(&bytes[..5], Path::new("t.atr")).unwrap_err();
        assert!(e.to_string().starts_with("t.atr: truncated AUX"), "{e}");
    }

    #[test]
    fn modifiers_after_a_placeholder_attach_nowhere() {
        // N at 10, code-0 placeholder +5, SUB 3 (belongs to the placeholder), V at +1.
        let words: [u16; 5] = [(1 << 10) | 10, 5, (SUB << 10) | 3, (5 << 10) | 1, 0];
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        let got = parse_annotations(&bytes, Path::new("t")).unwrap();
        assert_eq!(got, vec![Annotation::new(10, 1), Annotation::new(16, 5)]);
    }

    #[test]
    fn bad_headers_are_errors() {
        for bad in [
            "",
            "rec",
            "rec x 360",
            "rec 2 -5",
            "rec 0 360",
            "rec 65 360",
            "rec 1 360 999999999999",
            "rec 1 360 10\n",
            "rec 1 360\nr.dat 999 200",
            "rec 1 360\nr.dat 212x2 200",
            "rec 1 360\nr.dat 212:3 200",
            "rec 1 360\nr.dat 212 abc",
            "rec 1 360\nr.dat 212 200(5",
            "rec 1 360\nr.dat 212 nan",
            "rec 1 360\n../r.dat 212 200",
            "rec 2 360\nr.dat 212 200\nr.dat 16 200",
        ] {
            assert!(
                Header::parse(bad, Path::new("h.hea"), PathBuf::new()).is_err(),
                "{bad:?}"
            );
        }
    }
}
