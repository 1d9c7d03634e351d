//! Streaming WFDB samples: a long record read in chunks, with memory that does not grow with it.
//!
//! A 24-hour Holter record holds about 31 million samples per lead; loading it whole (as
//! [`super::wfdb::read_recording`] does) costs 120 MB of `f32` plus the raw bytes. The engine is
//! causal and only needs one sample at a time, so [`WfdbStream`] decodes the signal file a block
//! of frames at a time into a caller's buffer: the header is parsed and checked eagerly (as
//! everywhere in this crate), the samples lazily.
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
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::wfdb::{record_base, Header, SignalFormat};
use super::IoError;

/// Bytes read from the signal file per refill (a multiple of 2 and 3, so that a refill never
/// splits a format-212 pair or a format-16 sample).
const BLOCK_BYTES: usize = 64 * 1024 - 64 * 1024 % 6;

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
    /// Samples (all signals of the file) still to decode.
    remaining: u64,
    /// Position of the next decoded sample within its frame (0..width), kept without dividing.
    phase: u64,
    /// Frames the record holds.
    frames: u64,
    raw: Vec<u8>,
    gain: f64,
    unit_scale: f64,
    baseline: i32,
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

impl WfdbStream {
    /// Open lead `lead` (0-based) of the record at `path` (with or without `.hea`).
    pub fn open(path: &Path, lead: usize) -> Result<Self, IoError> {
        let header = Header::open(path)?;
        let hea = record_base(path).with_extension("hea");
        let spec = header.signals.get(lead).cloned().ok_or_else(|| {
            IoError::format(
                &hea,
                format!(
                    "lead {lead} requested but the record has {} signals",
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
        let dat = header.dir.join(&spec.file_name);
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
        // Bytes per two frames, to stay in whole numbers for format 212.
        let bytes_per_2_frames = match packing {
            Packing::Pairs12 => 3 * width,
            Packing::Le16 => 4 * width,
            Packing::Offset8 => 2 * width,
        };
        let frames_in_file = (len - spec.byte_offset) * 2 / bytes_per_2_frames;
        let frames = if header.samples == 0 {
            frames_in_file
        } else if header.samples > frames_in_file {
            return Err(IoError::format(
                &dat,
                format!(
                    "header claims {} samples but the file holds {}",
                    header.samples, frames_in_file
                ),
            ));
        } else {
            header.samples
        };
        // The same arithmetic as `Header::adc_to_mv`, so both readers give identical floats.
        let unit_scale = if spec.units.eq_ignore_ascii_case("uv") {
            0.001
        } else {
            1.0
        };
        Ok(WfdbStream {
            lead,
            file: BufReader::with_capacity(BLOCK_BYTES, file),
            dat,
            packing,
            width,
            position,
            remaining: frames * width,
            phase: 0,
            frames,
            raw: Vec::with_capacity(BLOCK_BYTES),
            gain: spec.gain,
            unit_scale,
            baseline: spec.baseline,
            header,
        })
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
        while written < out.len() && self.remaining > 0 {
            // Read whole decoding units: 3 bytes (two samples) for 212, 2 for 16, 1 for 80.
            let (unit_bytes, unit_samples) = match self.packing {
                Packing::Pairs12 => (3u64, 2u64),
                Packing::Le16 => (2, 1),
                Packing::Offset8 => (1, 1),
            };
            // Enough units for the samples still wanted (all leads interleaved), within a block.
            let wanted = ((out.len() - written) as u64 * self.width).min(self.remaining);
            let units = wanted
                .div_ceil(unit_samples)
                .min(BLOCK_BYTES as u64 / unit_bytes)
                .max(1);
            self.raw.clear();
            (&mut self.file)
                .take(units * unit_bytes)
                .read_to_end(&mut self.raw)
                .map_err(|e| IoError::io(&self.dat, e))?;
            if (self.raw.len() as u64) < units * unit_bytes {
                return Err(IoError::format(
                    &self.dat,
                    "the signal file ended before the header's sample count",
                ));
            }
            let raw = std::mem::take(&mut self.raw);
            written += self.decode(&raw, out.get_mut(written..).unwrap_or_default());
            self.raw = raw;
        }
        Ok(written)
    }

    /// Decode `raw` (whole units) and keep the lead's samples; returns how many were written.
    fn decode(&mut self, raw: &[u8], out: &mut [f32]) -> usize {
        let mut written = 0;
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
                if let Some(slot) = out.get_mut(written) {
                    *slot = ((adc - this.baseline) as f64 / this.gain * this.unit_scale) as f32;
                    written += 1;
                }
            }
        };
        match self.packing {
            Packing::Pairs12 => {
                for b in raw.chunks_exact(3) {
                    let (b0, b1, b2) = (b[0] as i32, b[1] as i32, b[2] as i32);
                    emit(sign12(((b1 & 0x0f) << 8) | b0), self);
                    emit(sign12(((b1 & 0xf0) << 4) | b2), self);
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
}

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

    /// Write a small two-signal record in `format` and check the stream against the whole-file
    /// reader for several chunk sizes and both leads.
    fn check_format(format: u32, bytes_per_sample_x2: usize) {
        let dir =
            std::env::temp_dir().join(format!("ecg-rhythm-stream-{format}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let frames = 1001usize;
        let mut values = Vec::new();
        for i in 0..frames {
            let a = ((i * 37) % 4000) as i32 - 2000;
            let b = ((i * 11) % 200) as i32 - 100;
            values.push(if format == 80 { a / 20 } else { a });
            values.push(b);
        }
        let mut raw = Vec::new();
        match format {
            212 => {
                for p in values.chunks(2) {
                    let (s0, s1) = (p[0] & 0xfff, p.get(1).copied().unwrap_or(0) & 0xfff);
                    raw.push((s0 & 0xff) as u8);
                    raw.push((((s1 >> 8) << 4) | (s0 >> 8)) as u8);
                    raw.push((s1 & 0xff) as u8);
                }
            }
            16 => values
                .iter()
                .for_each(|v| raw.extend_from_slice(&(*v as i16).to_le_bytes())),
            _ => values.iter().for_each(|v| raw.push((v + 128) as u8)),
        }
        assert_eq!(raw.len(), (values.len() * bytes_per_sample_x2).div_ceil(2));
        std::fs::write(dir.join("r.dat"), &raw).unwrap();
        let hea = format!(
            "r 2 250 {frames}\nr.dat {format} 200(5) 12 0 0 0 0 I\nr.dat {format} 100/uV 12 0 0 0 0 II\n"
        );
        std::fs::write(dir.join("r.hea"), hea).unwrap();
        for lead in 0..2 {
            let whole = wfdb::read_recording(&dir.join("r"), lead)
                .unwrap()
                .samples_mv;
            assert_eq!(whole.len(), frames);
            for chunk in [1usize, 7, 1000, 5000] {
                let mut s = WfdbStream::open(&dir.join("r.hea"), lead).unwrap();
                assert_eq!(s.len(), frames as u64);
                let mut got = Vec::new();
                let mut buf = vec![0.0f32; chunk];
                loop {
                    let n = s.read(&mut buf).unwrap();
                    if n == 0 {
                        break;
                    }
                    got.extend_from_slice(&buf[..n]);
                }
                assert_eq!(got, whole, "format {format} lead {lead} chunk {chunk}");
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn stream_equals_whole_file_reader() {
        check_format(212, 3);
        check_format(16, 4);
        check_format(80, 2);
    }

    #[test]
    fn truncated_file_is_an_error() {
        let dir =
            std::env::temp_dir().join(format!("ecg-rhythm-stream-trunc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("t.dat"), [0u8; 10]).unwrap();
        std::fs::write(
            dir.join("t.hea"),
            "t 1 250 100\nt.dat 16 200 12 0 0 0 0 I\n",
        )
        .unwrap();
        let e = WfdbStream::open(&dir.join("t"), 0).unwrap_err();
        assert!(e.to_string().contains("claims 100 samples"), "{e}");
        assert!(WfdbStream::open(&dir.join("t"), 3).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
