//! WFDB records: header (`.hea`), signal files (formats 212, 16, 80) and MIT annotation files.
//!
//! The reader follows the WFDB specification (Moody, *WFDB Programmer's Guide*, "header(5)",
//! "signal(5)", "annot(5)"). The header is parsed and validated eagerly; samples are decoded on
//! request. Raw ADC units ([`Header::adc_to_mv`]) are kept apart from physical units.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::annotation::Annotation;
use super::{IoError, Recording, MAX_SAMPLES};

/// Most signals a header may declare.
pub const MAX_SIGNALS: usize = 64;

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

/// `path` with `.hea` removed, if present: the record path.
pub fn record_base(path: &Path) -> PathBuf {
    match path.extension().and_then(|e| e.to_str()) {
        Some("hea") | Some("dat") | Some("atr") => path.with_extension(""),
        _ => path.to_path_buf(),
    }
}

impl Header {
    /// Read and validate `RECORD.hea` (the path may name the record or the header).
    pub fn open(path: &Path) -> Result<Self, IoError> {
        let base = record_base(path);
        let hea = base.with_extension("hea");
        let mut text = String::new();
        File::open(&hea)
            .and_then(|f| f.take(1 << 20).read_to_string(&mut text))
            .map_err(|e| IoError::io(&hea, e))?;
        let dir = hea.parent().map(Path::to_path_buf).unwrap_or_default();
        Self::parse(&text, &hea, dir)
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
        let nsig: usize = f
            .next()
            .ok_or_else(|| IoError::format(path, "record line has no signal count"))?
            .parse()
            .map_err(|_| IoError::format(path, format!("bad signal count in `{record_line}`")))?;
        if nsig == 0 || nsig > MAX_SIGNALS {
            return Err(IoError::format(
                path,
                format!("signal count {nsig} out of range 1..={MAX_SIGNALS}"),
            ));
        }
        let sample_rate_hz = match f.next() {
            None => 250.0,
            Some(s) => {
                let s = s.split(['/', '(']).next().unwrap_or(s);
                let v: f64 = s
                    .parse()
                    .map_err(|_| IoError::format(path, format!("bad sample rate `{s}`")))?;
                if !(v.is_finite() && v > 0.0 && v <= 100_000.0) {
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
        Ok(Header {
            name: name_field.to_string(),
            sample_rate_hz,
            samples,
            signals,
            dir,
        })
    }

    /// Convert an ADC value of signal `sig` to physical units.
    pub fn adc_to_mv(&self, sig: usize, adc: i32) -> f32 {
        match self.signals.get(sig) {
            Some(s) => {
                let scale = if s.units.eq_ignore_ascii_case("uv") {
                    0.001
                } else {
                    1.0
                };
                ((adc - s.baseline) as f64 / s.gain * scale) as f32
            }
            None => 0.0,
        }
    }

    /// Decode every sample of signal `sig`, in ADC units.
    pub fn read_adc(&self, sig: usize, path: &Path) -> Result<Vec<i32>, IoError> {
        let spec = self.signals.get(sig).ok_or_else(|| {
            IoError::format(
                path,
                format!(
                    "lead {sig} requested but the record has {} signals",
                    self.signals.len()
                ),
            )
        })?;
        // Signals sharing the file are interleaved frame by frame, in header order.
        let group: Vec<usize> = (0..self.signals.len())
            .filter(|&j| self.signals[j].file_name == spec.file_name)
            .collect();
        let pos = group.iter().position(|&j| j == sig).unwrap_or(0);
        let width = group.len();
        if group.iter().any(|&j| self.signals[j].format != spec.format) {
            return Err(IoError::unsupported(
                path,
                "mixed formats in one signal file",
            ));
        }
        let dat = self.dir.join(&spec.file_name);
        let mut file = File::open(&dat).map_err(|e| IoError::io(&dat, e))?;
        let len = file.metadata().map_err(|e| IoError::io(&dat, e))?.len();
        if spec.byte_offset > len {
            return Err(IoError::format(
                &dat,
                "byte offset beyond the end of the file",
            ));
        }
        file.seek(SeekFrom::Start(spec.byte_offset))
            .map_err(|e| IoError::io(&dat, e))?;
        let avail = len - spec.byte_offset;
        let bytes_per_frame_x2 = match spec.format {
            SignalFormat::F212 => 3 * width as u64,
            SignalFormat::F16 => 4 * width as u64,
            SignalFormat::F80 => 2 * width as u64,
        };
        let frames_in_file = avail * 2 / bytes_per_frame_x2;
        let frames = if self.samples == 0 {
            frames_in_file
        } else if self.samples > frames_in_file {
            return Err(IoError::format(
                &dat,
                format!(
                    "header claims {} samples but the file holds {}",
                    self.samples, frames_in_file
                ),
            ));
        } else {
            self.samples
        };
        let need = (frames * bytes_per_frame_x2).div_ceil(2);
        let mut raw = Vec::with_capacity(need as usize);
        BufReader::new(file)
            .take(need)
            .read_to_end(&mut raw)
            .map_err(|e| IoError::io(&dat, e))?;
        let total = (frames as usize) * width;
        let mut all = Vec::with_capacity(total);
        decode(spec.format, &raw, total, &mut all);
        Ok(all.into_iter().skip(pos).step_by(width).collect())
    }
}

fn decode(format: SignalFormat, raw: &[u8], count: usize, out: &mut Vec<i32>) {
    match format {
        SignalFormat::F16 => {
            out.extend(
                raw.chunks_exact(2)
                    .take(count)
                    .map(|b| i16::from_le_bytes([b[0], b[1]]) as i32),
            );
        }
        SignalFormat::F80 => out.extend(raw.iter().take(count).map(|&b| b as i32 - 128)),
        SignalFormat::F212 => {
            for b in raw.chunks(3) {
                if out.len() >= count {
                    break;
                }
                let b0 = b.first().copied().unwrap_or(0) as i32;
                let b1 = b.get(1).copied().unwrap_or(0) as i32;
                let s0 = ((b1 & 0x0f) << 8) | b0;
                out.push(sign12(s0));
                if out.len() >= count {
                    break;
                }
                let b2 = b.get(2).copied().unwrap_or(0) as i32;
                let s1 = ((b1 & 0xf0) << 4) | b2;
                out.push(sign12(s1));
            }
        }
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
    if file_name.contains("..") || file_name.starts_with('/') || file_name == "-" {
        return Err(IoError::unsupported(
            path,
            format!("signal file `{file_name}` (only files beside the header are read)"),
        ));
    }
    let fmt_field = f
        .next()
        .ok_or_else(|| IoError::format(path, format!("signal line `{line}` has no format")))?;
    // format[xsamp][:skew][+offset]
    let (fmt_part, offset) = match fmt_field.split_once('+') {
        Some((a, o)) => (
            a,
            o.parse::<u64>()
                .map_err(|_| IoError::format(path, format!("bad byte offset in `{fmt_field}`")))?,
        ),
        None => (fmt_field, 0),
    };
    let code_str = fmt_part.split([':', 'x']).next().unwrap_or(fmt_part);
    if fmt_part.contains('x') {
        return Err(IoError::unsupported(
            path,
            "multi-frequency records (samples per frame)",
        ));
    }
    let code: u32 = code_str
        .parse()
        .map_err(|_| IoError::format(path, format!("bad signal format `{fmt_field}`")))?;
    let format = SignalFormat::parse(code).ok_or_else(|| {
        IoError::unsupported(
            path,
            format!("signal format {code} (212, 16 and 80 are read)"),
        )
    })?;
    // gain[(baseline)][/units]
    let (gain, mut baseline, units) = match f.next() {
        None => (200.0, None, "mV".to_string()),
        Some(g) => {
            let (g, units) = match g.split_once('/') {
                Some((a, u)) => (a, u.to_string()),
                None => (g, "mV".to_string()),
            };
            let (g, base) = match g.split_once('(') {
                Some((a, b)) => {
                    let b = b.trim_end_matches(')');
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
            if !gv.is_finite() || gv < 0.0 {
                return Err(IoError::format(path, format!("impossible gain {gv}")));
            }
            (if gv == 0.0 { 200.0 } else { gv }, base, units)
        }
    };
    let adc_resolution: u32 = match f.next() {
        None => 12,
        Some(s) => s
            .parse()
            .map_err(|_| IoError::format(path, format!("bad ADC resolution `{s}`")))?,
    };
    let adc_zero: i32 = match f.next() {
        None => 0,
        Some(s) => s
            .parse()
            .map_err(|_| IoError::format(path, format!("bad ADC zero `{s}`")))?,
    };
    if baseline.is_none() {
        baseline = Some(adc_zero);
    }
    // initial value, checksum, block size, then the description (may contain spaces).
    let rest: Vec<&str> = f.collect();
    let description = rest.get(3..).map(|r| r.join(" ")).unwrap_or_default();
    Ok(SignalSpec {
        file_name,
        format,
        byte_offset: offset,
        gain,
        baseline: baseline.unwrap_or(0),
        units,
        adc_resolution,
        adc_zero,
        description,
    })
}

/// Read one lead of a WFDB record in mV.
pub fn read_recording(path: &Path, lead: usize) -> Result<Recording, IoError> {
    let header = Header::open(path)?;
    let hea = record_base(path).with_extension("hea");
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

const SKIP: u16 = 59;
const NUM: u16 = 60;
const SUB: u16 = 61;
const CHN: u16 = 62;
const AUX: u16 = 63;

/// Read a MIT-format annotation file (`RECORD.atr` or any path).
pub fn read_annotations(path: &Path) -> Result<Vec<Annotation>, IoError> {
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|f| f.take(1 << 30).read_to_end(&mut bytes))
        .map_err(|e| IoError::io(path, e))?;
    parse_annotations(&bytes, path)
}

/// Decode MIT-format annotation bytes; `path` is used in error messages.
pub fn parse_annotations(bytes: &[u8], path: &Path) -> Result<Vec<Annotation>, IoError> {
    let mut out: Vec<Annotation> = Vec::new();
    let mut time: i64 = 0;
    let (mut chan, mut num) = (0u8, 0i8);
    let mut i = 0usize;
    let word = |i: usize| -> Option<u16> {
        Some(u16::from_le_bytes([*bytes.get(i)?, *bytes.get(i + 1)?]))
    };
    while let Some(w) = word(i) {
        i += 2;
        let a = w >> 10;
        let v = w & 0x3ff;
        match a {
            0 if v == 0 => return Ok(out),
            SKIP => {
                let hi = word(i).ok_or_else(|| IoError::format(path, "truncated SKIP"))?;
                let lo = word(i + 2).ok_or_else(|| IoError::format(path, "truncated SKIP"))?;
                i += 4;
                time += (((hi as u32) << 16 | lo as u32) as i32) as i64;
            }
            NUM => {
                num = v as i8;
                if let Some(last) = out.last_mut() {
                    last.num = num;
                }
            }
            SUB => {
                if let Some(last) = out.last_mut() {
                    last.subtype = v as i8;
                }
            }
            CHN => {
                chan = v as u8;
                if let Some(last) = out.last_mut() {
                    last.chan = chan;
                }
            }
            AUX => {
                let n = v as usize;
                let s = bytes
                    .get(i..i + n)
                    .ok_or_else(|| IoError::format(path, "truncated AUX string"))?;
                i += n + (n & 1);
                if let Some(last) = out.last_mut() {
                    last.aux = Some(String::from_utf8_lossy(s).into_owned());
                }
            }
            0 => {
                // Code 0 with an interval: a "NOTQRS" placeholder moves time only.
                time += v as i64;
            }
            code => {
                time += v as i64;
                if time < 0 {
                    return Err(IoError::format(
                        path,
                        "annotation time before the record start",
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
            }
        }
    }
    // A file without the end marker: keep what was read (wrann always writes it).
    Ok(out)
}

/// Encode annotations (sorted by sample) in MIT format.
pub fn encode_annotations(anns: &[Annotation]) -> Vec<u8> {
    let mut out = Vec::with_capacity(anns.len() * 2 + 2);
    let put = |w: u16, out: &mut Vec<u8>| out.extend_from_slice(&w.to_le_bytes());
    let mut time: u64 = 0;
    let (mut chan, mut num) = (0u8, 0i8);
    for a in anns {
        let mut delta = a.sample.saturating_sub(time);
        if delta > 1023 {
            put(SKIP << 10, &mut out);
            let d = delta.min(i32::MAX as u64) as u32;
            put((d >> 16) as u16, &mut out);
            put((d & 0xffff) as u16, &mut out);
            delta -= d as u64;
        }
        put(((a.code as u16 & 0x3f) << 10) | delta as u16, &mut out);
        time = a.sample;
        if a.subtype != 0 {
            put((SUB << 10) | (a.subtype as u8 as u16 & 0x3ff), &mut out);
        }
        if a.chan != chan {
            put((CHN << 10) | a.chan as u16, &mut out);
            chan = a.chan;
        }
        if a.num != num {
            put((NUM << 10) | (a.num as u8 as u16 & 0x3ff), &mut out);
            num = a.num;
        }
        if let Some(aux) = &a.aux {
            let b = aux.as_bytes();
            let n = b.len().min(255);
            put((AUX << 10) | n as u16, &mut out);
            out.extend_from_slice(&b[..n]);
            if n & 1 == 1 {
                out.push(0);
            }
        }
    }
    put(0, &mut out);
    out
}

/// Write annotations to `path` in MIT format.
pub fn write_annotations(path: &Path, anns: &[Annotation]) -> Result<(), IoError> {
    let bytes = encode_annotations(anns);
    File::create(path)
        .and_then(|mut f| f.write_all(&bytes))
        .map_err(|e| IoError::io(path, e))
}

/// Reference annotations of a record: `RECORD.atr` when it exists.
pub fn read_reference(record: &Path) -> Result<Option<Vec<Annotation>>, IoError> {
    let atr = record_base(record).with_extension("atr");
    if atr.exists() {
        read_annotations(&atr).map(Some)
    } else {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_fields() {
        let text = "100 2 360 650000\n100.dat 212 200 11 1024 995 -22131 0 MLII\n\
                    100.dat 212 200(1024)/uV 11 0 1011 20052 0 V5 lead\n# comment\n";
        let h = Header::parse(text, Path::new("x.hea"), PathBuf::new()).unwrap();
        assert_eq!(h.sample_rate_hz, 360.0);
        assert_eq!(h.samples, 650000);
        assert_eq!(h.signals[0].baseline, 1024);
        assert_eq!(h.signals[1].baseline, 1024);
        assert_eq!(h.signals[1].adc_zero, 0);
        assert_eq!(h.signals[1].units, "uV");
        assert_eq!(h.signals[1].description, "V5 lead");
        assert_eq!(h.adc_to_mv(0, 1224), 1.0);
    }

    #[test]
    fn format_212_unpacks_signed_pairs() {
        // s0 = -1 (0xfff), s1 = 0x123
        let raw = [0xff, 0x1f, 0x23];
        let mut out = Vec::new();
        decode(SignalFormat::F212, &raw, 2, &mut out);
        assert_eq!(out, vec![-1, 0x123]);
    }

    #[test]
    fn annotations_round_trip_with_skip_and_aux() {
        let mut a = vec![
            Annotation::new(5, 1),
            Annotation::new(3000, 28),
            Annotation::new(70_000, 5),
        ];
        a[1].aux = Some("(VT".into());
        a[2].subtype = 2;
        a[2].chan = 1;
        a[2].num = 3;
        let bytes = encode_annotations(&a);
        let back = parse_annotations(&bytes, Path::new("t")).unwrap();
        assert_eq!(back, a);
    }

    #[test]
    fn bad_headers_are_errors() {
        for bad in [
            "",
            "rec",
            "rec x 360",
            "rec 2 -5",
            "rec 1 360 10\n",
            "rec 1 360\nr.dat 999 200",
        ] {
            assert!(
                Header::parse(bad, Path::new("h.hea"), PathBuf::new()).is_err(),
                "{bad:?}"
            );
        }
    }
}
