//! Streaming WFDB samples: a long record read in chunks, with memory that does not grow with it.
//!
//! A 24-hour Holter record holds about 31 million samples per lead; loading it whole (as
//! [`super::wfdb::read_recording`] does) costs 120 MB of `f32` plus the decoded ADC values. The
//! engine is causal and only needs one sample at a time, so [`WfdbStream`] decodes the signal
//! file a block at a time into a caller's buffer: the header is parsed and checked eagerly (as
//! everywhere in this crate), the samples lazily.
//!
//! The stream applies the policies of [`super::wfdb`] and gives bit-identical samples: a header
//! that claims more samples than the file holds is refused when the stream is opened; the
//! invalid-sample value becomes NaN; the header's checksum is checked when the last sample has
//! been decoded (a stream cannot know it earlier), and a mismatch is an error from that `read`.
//!
//! ```no_run
//! # fn main() -> Result<(), ecg_rhythm::io::IoError> {
//! use ecg_rhythm::io::stream::WfdbStream;
//! let mut stream = WfdbStream::open("../shared/data/mitdb/100".as_ref(), 0)?;
//! let mut chunk = vec![0.0f32; 4096];
//! loop {
//!     let n = stream.read(&mut chunk)?;
//!     if n == 0 {
//!         break;
//!     }
//!     // push chunk[..n] through an engine
//! }
//! # Ok(())
//! # }
//! ```

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use super::wfdb::{record_base, record_file, Header, SignalFormat};
use super::{IoError, MAX_SAMPLES};

/// Interleaved samples decoded per refill (even, so a refill never splits a format-212 pair).
const BLOCK_SAMPLES: u64 = 1 << 15;

/// One lead of a WFDB record, decoded on demand in millivolts.
#[derive(Debug)]
pub struct WfdbStream {
    header: Header,
    lead: usize,
    file: BufReader<File>,
    dat: PathBuf,
    packing: Packing,
    /// Signals interleaved in the lead's file, and the lead's position among them.
    width: u64,
    position: u64,
    /// Interleaved samples (all signals of the file) still to decode.
    remaining: u64,
    /// Position of the next decoded sample within its frame (0..width), kept without dividing.
    phase: u64,
    /// Samples of the lead the record holds.
    frames: u64,
    raw: Vec<u8>,
    /// A decoded sample of the lead that did not fit in the caller's buffer.
    carry: Option<f32>,
    /// Running 16-bit sum of the lead's ADC values, and the header's checksum.
    sum: i16,
    checksum: Option<i16>,
    gain: f64,
    baseline: f64,
    microvolts: bool,
    invalid_adc: i32,
    /// For the two-signal format-212 fast path ([`WfdbStream::decode_212_pairs`]): the mV value
    /// of each 12-bit code (`to_mv` of its signed value), computed once when the stream opens.
    mv_of_code: Option<Box<[f32; 4096]>>,
}

/// How samples are packed in the signal file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Packing {
    /// Format 212: two 12-bit samples in three bytes.
    Pairs12,
    /// Format 16: little-endian 16-bit.
    Le16,
    /// Format 80: 8-bit offset binary.
    Offset8,
}

impl Packing {
    /// Bytes holding `samples` interleaved samples (a trailing odd 212 sample takes two).
    fn bytes_for(self, samples: u64) -> u64 {
        match self {
            Packing::Pairs12 => (samples * 3).div_ceil(2),
            Packing::Le16 => samples * 2,
            Packing::Offset8 => samples,
        }
    }
}

impl WfdbStream {
    /// Open lead `lead` (0-based) of the record at `path` (with or without `.hea`).
    pub fn open(path: &Path, lead: usize) -> Result<Self, IoError> {
        let header = Header::open(path)?;
        let hea = record_file(&record_base(path), "hea");
        header.require_voltage(lead, &hea)?;
        let spec = header.signals.get(lead).cloned().ok_or_else(|| {
            IoError::format(
                &hea,
                format!(
                    "lead {lead} requested but the record has {} signal(s)",
                    header.signals.len()
                ),
            )
        })?;
        let group: Vec<usize> = (0..header.signals.len())
            .filter(|&j| header.signals.get(j).map(|s| &s.file_name) == Some(&spec.file_name))
            .collect();
        if group
            .iter()
            .any(|&j| header.signals.get(j).map(|s| s.format) != Some(spec.format))
        {
            return Err(IoError::unsupported(
                &hea,
                "mixed formats in one signal file",
            ));
        }
        #[allow(unreachable_patterns)]
        let packing = match spec.format {
            SignalFormat::F212 => Packing::Pairs12,
            SignalFormat::F16 => Packing::Le16,
            SignalFormat::F80 => Packing::Offset8,
            other => {
                return Err(IoError::unsupported(
                    &hea,
                    format!("streaming signal format {other:?}"),
                ))
            }
        };
        let position = group.iter().position(|&j| j == lead).unwrap_or(0) as u64;
        let width = group.len() as u64;
        // The file's first signal gives the byte offset, as in the whole-file reader.
        let first = group
            .first()
            .and_then(|&j| header.signals.get(j))
            .unwrap_or(&spec);
        let (file, dat, avail) = header.open_signal_file(first)?;
        // Whole frames the file holds (a trailing 212 half-pair still holds its first sample).
        let samples_in_file = match packing {
            Packing::Pairs12 => avail / 3 * 2 + u64::from(avail % 3 == 2),
            Packing::Le16 => avail / 2,
            Packing::Offset8 => avail,
        };
        let frames_in_file = samples_in_file / width;
        let frames = if header.samples == 0 {
            if frames_in_file > MAX_SAMPLES {
                return Err(IoError::format(
                    &dat,
                    format!("signal file holds more than {MAX_SAMPLES} samples"),
                ));
            }
            frames_in_file
        } else if header.samples > frames_in_file {
            return Err(IoError::format(
                &dat,
                format!(
                    "header claims {} samples but the file holds {frames_in_file} (truncated file?)",
                    header.samples
                ),
            ));
        } else {
            header.samples
        };
        Ok(WfdbStream {
            lead,
            file: BufReader::with_capacity(1 << 16, file),
            dat,
            packing,
            width,
            position,
            remaining: frames * width,
            phase: 0,
            frames,
            raw: Vec::with_capacity(packing.bytes_for(BLOCK_SAMPLES) as usize),
            carry: None,
            sum: 0,
            checksum: spec.checksum,
            gain: spec.gain,
            baseline: spec.baseline as f64,
            microvolts: spec.units.eq_ignore_ascii_case("uv"),
            invalid_adc: spec.format.invalid_adc(),
            mv_of_code: None,
            header,
        }
        .with_code_table())
    }

    /// The stream with its table of 12-bit codes when the fast path can use it.
    fn with_code_table(mut self) -> Self {
        if self.packing == Packing::Pairs12 && self.width == 2 {
            let mut table = Box::new([0.0f32; 4096]);
            for (code, slot) in (0..).zip(table.iter_mut()) {
                *slot = self.to_mv(sign12(code));
            }
            self.mv_of_code = Some(table);
        }
        self
    }

    /// The record's header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The lead being read.
    pub fn lead(&self) -> usize {
        self.lead
    }

    /// Samples per second, Hz.
    pub fn sample_rate_hz(&self) -> f32 {
        self.header.sample_rate_hz as f32
    }

    /// Samples the lead holds in all.
    pub fn len(&self) -> u64 {
        self.frames
    }

    /// True for a record without samples.
    pub fn is_empty(&self) -> bool {
        self.frames == 0
    }

    /// Decode the next samples of the lead into `out`, in mV; returns how many were written
    /// (0 at the end of the record). Fills `out` completely unless the record ends first.
    pub fn read(&mut self, out: &mut [f32]) -> Result<usize, IoError> {
        let mut written = 0;
        if let (Some(v), Some(slot)) = (self.carry, out.first_mut()) {
            *slot = v;
            self.carry = None;
            written = 1;
        }
        while written < out.len() && self.remaining > 0 {
            // Interleaved samples for the space left, whole 212 pairs except at the very end.
            let mut want = ((out.len() - written) as u64 * self.width)
                .min(BLOCK_SAMPLES)
                .min(self.remaining);
            if self.packing == Packing::Pairs12 && want % 2 == 1 && want < self.remaining {
                want += 1;
            }
            let bytes = self.packing.bytes_for(want);
            self.raw.clear();
            (&mut self.file)
                .take(bytes)
                .read_to_end(&mut self.raw)
                .map_err(|e| IoError::io(&self.dat, e))?;
            if (self.raw.len() as u64) < bytes {
                return Err(IoError::format(
                    &self.dat,
                    "the signal file ended early (changed while being read?)",
                ));
            }
            let raw = std::mem::take(&mut self.raw);
            written += self.decode(&raw, out.get_mut(written..).unwrap_or_default());
            self.raw = raw;
            if self.remaining == 0 {
                self.verify_checksum()?;
            }
        }
        Ok(written)
    }

    fn verify_checksum(&self) -> Result<(), IoError> {
        match self.checksum {
            Some(expected) if expected != self.sum => Err(IoError::format(
                &self.dat,
                format!(
                    "checksum of signal {} is {} but the header says {expected} (corrupt file?)",
                    self.lead, self.sum
                ),
            )),
            _ => Ok(()),
        }
    }

    /// The same arithmetic as [`Header::adc_to_mv`], so both readers give identical floats.
    #[inline]
    fn to_mv(&self, adc: i32) -> f32 {
        if adc == self.invalid_adc {
            return f32::NAN;
        }
        let v = (adc as f64 - self.baseline) / self.gain;
        (if self.microvolts { v * 0.001 } else { v }) as f32
    }

    /// Decode `raw` and keep the lead's samples; returns how many were written to `out` (a
    /// sample that does not fit is carried to the next read).
    fn decode(&mut self, raw: &[u8], out: &mut [f32]) -> usize {
        let (mut written, consumed) = self.decode_212_pairs(raw, out);
        let raw = raw.get(consumed..).unwrap_or_default();
        let mut emit = |adc: i32, this: &mut Self| {
            if this.remaining == 0 {
                return;
            }
            let mine = this.phase == this.position;
            this.phase += 1;
            if this.phase == this.width {
                this.phase = 0;
            }
            this.remaining -= 1;
            if mine {
                this.sum = this.sum.wrapping_add(adc as i16);
                let v = this.to_mv(adc);
                match out.get_mut(written) {
                    Some(slot) => {
                        *slot = v;
                        written += 1;
                    }
                    None => this.carry = Some(v),
                }
            }
        };
        match self.packing {
            Packing::Pairs12 => {
                for b in raw.chunks(3) {
                    let b0 = b.first().copied().unwrap_or(0) as i32;
                    let b1 = b.get(1).copied().unwrap_or(0) as i32;
                    emit(sign12(((b1 & 0x0f) << 8) | b0), self);
                    if let Some(&b2) = b.get(2) {
                        emit(sign12(((b1 & 0xf0) << 4) | b2 as i32), self);
                    }
                }
            }
            Packing::Le16 => {
                for b in raw.chunks_exact(2) {
                    emit(i16::from_le_bytes([b[0], b[1]]) as i32, self);
                }
            }
            Packing::Offset8 => {
                for &b in raw {
                    emit(b as i32 - 128, self);
                }
            }
        }
        written
    }

    /// Fast path of [`Self::decode`] for the common two-signal format-212 file (MIT-BIH):
    /// each 3-byte group is one whole frame. Decodes whole frames from the start of `raw` while
    /// the caller's buffer has room and returns (samples written, bytes consumed); the general
    /// loop does whatever is left, with the same arithmetic.
    fn decode_212_pairs(&mut self, raw: &[u8], out: &mut [f32]) -> (usize, usize) {
        let Some(table) = self.mv_of_code.as_deref() else {
            return (0, 0);
        };
        if self.packing != Packing::Pairs12 || self.width != 2 || self.phase != 0 {
            return (0, 0);
        }
        let frames = (raw.len() / 3)
            .min(out.len())
            .min((self.remaining / 2) as usize);
        let first = self.position == 0;
        let mut sum = self.sum;
        for (b, slot) in raw.chunks_exact(3).zip(out.iter_mut()).take(frames) {
            let (b0, b1, b2) = (b[0] as usize, b[1] as usize, b[2] as usize);
            let code = if first {
                ((b1 & 0x0f) << 8) | b0
            } else {
                ((b1 & 0xf0) << 4) | b2
            };
            sum = sum.wrapping_add(sign12(code as i32) as i16);
            // `code` < 4096: the mask only spares the bounds check.
            *slot = table[code & 0xfff];
        }
        self.sum = sum;
        self.remaining -= 2 * frames as u64;
        (frames, 3 * frames)
    }
}

#[inline]
fn sign12(v: i32) -> i32 {
    if v & 0x800 != 0 {
        v - 0x1000
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::wfdb;

    /// Values of signal `sig` at frame `i`, with the format's invalid value now and then.
    fn value(format: u32, sig: usize, i: usize) -> i32 {
        let invalid = match format {
            212 => -2048,
            16 => -32768,
            _ => -128,
        };
        if i % 97 == 13 {
            return invalid;
        }
        let v = if sig == 0 {
            ((i * 37) % 4000) as i32 - 2000
        } else {
            ((i * 11) % 200) as i32 - 100
        };
        if format == 80 {
            v / 20
        } else {
            v
        }
    }

    /// Write record `name` with `nsig` signals of `frames` frames in `format`; `bad_checksum`
    /// spoils the first signal's checksum.
    fn write(dir: &Path, name: &str, format: u32, nsig: usize, frames: usize, bad_checksum: bool) {
        let mut flat = Vec::new();
        for i in 0..frames {
            for sig in 0..nsig {
                flat.push(value(format, sig, i));
            }
        }
        let mut raw = Vec::new();
        match format {
            212 => {
                for p in flat.chunks(2) {
                    let s0 = p[0] & 0xfff;
                    raw.push((s0 & 0xff) as u8);
                    match p.get(1) {
                        Some(&s1) => {
                            let s1 = s1 & 0xfff;
                            raw.push((((s1 >> 8) << 4) | (s0 >> 8)) as u8);
                            raw.push((s1 & 0xff) as u8);
                        }
                        None => raw.push((s0 >> 8) as u8),
                    }
                }
            }
            16 => flat
                .iter()
                .for_each(|v| raw.extend_from_slice(&(*v as i16).to_le_bytes())),
            _ => flat.iter().for_each(|v| raw.push((v + 128) as u8)),
        }
        std::fs::write(dir.join(format!("{name}.dat")), &raw).unwrap();
        let mut hea = format!("{name} {nsig} 250 {frames}\n");
        for sig in 0..nsig {
            let sum = (0..frames).fold(0i16, |a, i| a.wrapping_add(value(format, sig, i) as i16));
            let sum = if bad_checksum && sig == 0 {
                sum.wrapping_add(1)
            } else {
                sum
            };
            let gain = if sig == 0 { "200(5)" } else { "100/uV" };
            hea += &format!("{name}.dat {format} {gain} 12 0 0 {sum} 0 lead{sig}\n");
        }
        std::fs::write(dir.join(format!("{name}.hea")), hea).unwrap();
    }

    fn read_all(stream: &mut WfdbStream, chunk: usize) -> Result<Vec<f32>, IoError> {
        let mut got = Vec::new();
        let mut buf = vec![0.0f32; chunk];
        loop {
            let n = stream.read(&mut buf)?;
            if n == 0 {
                return Ok(got);
            }
            got.extend_from_slice(&buf[..n]);
        }
    }

    fn scratch(tag: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("ecg-rhythm-stream-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// The stream gives the whole-file reader's samples, bit for bit (NaN for invalid ones),
    /// for every format, one or two signals, odd frame counts and any chunk size.
    #[test]
    fn stream_equals_whole_file_reader() {
        let dir = scratch("formats");
        for format in [212u32, 16, 80] {
            for nsig in [1usize, 2] {
                for frames in [1000usize, 1001] {
                    let name = format!("r{format}_{nsig}_{frames}");
                    write(&dir, &name, format, nsig, frames, false);
                    for lead in 0..nsig {
                        let whole = wfdb::read_recording(&dir.join(&name), lead)
                            .unwrap()
                            .samples_mv;
                        assert_eq!(whole.len(), frames);
                        assert!(whole.iter().any(|v| v.is_nan()));
                        for chunk in [1usize, 7, 1000, 5000] {
                            let mut s = WfdbStream::open(&dir.join(&name), lead).unwrap();
                            assert_eq!(s.len(), frames as u64);
                            let got = read_all(&mut s, chunk).unwrap();
                            let bits =
                                |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                            assert_eq!(
                                bits(&got),
                                bits(&whole),
                                "{name} lead {lead} chunk {chunk}"
                            );
                        }
                    }
                }
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bad_files_are_errors() {
        let dir = scratch("bad");
        std::fs::write(dir.join("t.dat"), [0u8; 10]).unwrap();
        std::fs::write(
            dir.join("t.hea"),
            "t 1 250 100\nt.dat 16 200 12 0 0 0 0 I\n",
        )
        .unwrap();
        let e = WfdbStream::open(&dir.join("t"), 0).unwrap_err();
        assert!(e.to_string().contains("claims 100 samples"), "{e}");
        assert!(WfdbStream::open(&dir.join("t"), 3).is_err());
        // A wrong checksum is found once the last sample is decoded.
        write(&dir, "c", 212, 2, 500, true);
        let mut s = WfdbStream::open(&dir.join("c"), 0).unwrap();
        let e = read_all(&mut s, 64).unwrap_err();
        assert!(e.to_string().contains("checksum"), "{e}");
        let mut s = WfdbStream::open(&dir.join("c"), 1).unwrap();
        assert_eq!(read_all(&mut s, 64).unwrap().len(), 500);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
