//! WAV strips, through `hound`.
//!
//! A WAV file carries no physical unit, so one is fixed by convention:
//! - integer samples (8, 16, 24 or 32 bit) are µV per least significant bit, 1 µV by default;
//!   [`ReadOptions::uv_per_lsb`] (`--uv-per-lsb`) sets another scale;
//! - 32-bit float samples are mV.
//!
//! A multi-channel file is read one channel at a time ([`ReadOptions::lead`]). The header is
//! validated before any sample is read; a data chunk that claims more samples than the file holds
//! is refused (as a truncated WFDB signal is), and at most [`MAX_SAMPLES`] frames are read.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use hound::{SampleFormat, WavReader, WavSpec, WavWriter};

use super::{plausible_rate, IoError, IoErrorKind, ReadOptions, Recording, MAX_SAMPLES};

/// Read a WAV strip from a file.
pub fn read(path: &Path, opts: &ReadOptions) -> Result<Recording, IoError> {
    let file = File::open(path).map_err(|e| IoError::io(path, e))?;
    let name = super::record_name(path);
    from_reader(BufReader::new(file), &name, path, opts)
}

/// hound reports a short read as `Other` ("Failed to read enough bytes.") or `UnexpectedEof`.
fn is_short_read(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::Other
    )
}

fn wav_error(path: &Path, e: hound::Error) -> IoError {
    match e {
        hound::Error::IoError(e) if is_short_read(&e) => {
            IoError::format(path, "malformed WAV: file ends inside the header")
        }
        hound::Error::IoError(e) => IoError::io(path, e),
        hound::Error::Unsupported => {
            IoError::unsupported(path, "WAV encoding (PCM and float are read)")
        }
        other => IoError::format(path, format!("malformed WAV: {other}")),
    }
}

/// Read a WAV strip from `reader`; `name` becomes the recording's name, `path` names it in errors.
pub fn from_reader<R: Read>(
    reader: R,
    name: &str,
    path: &Path,
    opts: &ReadOptions,
) -> Result<Recording, IoError> {
    let mut wav = WavReader::new(reader).map_err(|e| wav_error(path, e))?;
    let spec = wav.spec();
    let channels = spec.channels as usize;
    if channels == 0 {
        return Err(IoError::format(path, "malformed WAV: 0 channels"));
    }
    if !plausible_rate(spec.sample_rate as f64) {
        return Err(IoError::format(
            path,
            format!("impossible sample rate {} Hz", spec.sample_rate),
        ));
    }
    if opts.lead >= channels {
        return Err(IoError::format(
            path,
            format!(
                "lead {} requested but the file has {channels} channel(s)",
                opts.lead
            ),
        ));
    }
    let uv = opts.uv_per_lsb;
    if !(uv.is_finite() && uv > 0.0) {
        return Err(IoError::format(
            path,
            format!("impossible scale {uv} µV per LSB"),
        ));
    }
    let claimed = wav.len() as u64 / channels as u64;
    if claimed > MAX_SAMPLES {
        return Err(IoError::format(
            path,
            format!("{claimed} samples exceed the limit {MAX_SAMPLES}"),
        ));
    }
    let mut samples_mv = Vec::with_capacity(claimed.min(1 << 16) as usize);
    let lead = opts.lead;
    let truncated = |got: usize| {
        IoError::format(
            path,
            format!(
                "data chunk claims {claimed} samples but the file holds {got} (truncated file?)"
            ),
        )
    };
    let read_err = |e: hound::Error, got: usize| match e {
        hound::Error::IoError(ref io) if is_short_read(io) => truncated(got),
        other => wav_error(path, other),
    };
    match spec.sample_format {
        SampleFormat::Float => {
            if spec.bits_per_sample != 32 {
                return Err(IoError::unsupported(
                    path,
                    format!("{}-bit float WAV (32-bit is read)", spec.bits_per_sample),
                ));
            }
            for (i, s) in wav.samples::<f32>().enumerate() {
                let v = s.map_err(|e| read_err(e, samples_mv.len()))?;
                if i % channels == lead {
                    samples_mv.push(v);
                }
            }
        }
        SampleFormat::Int => {
            // Dividing by LSBs per mV keeps 5 µV/LSB data identical to WFDB's gain of 200.
            let lsb_per_mv = 1000.0 / uv as f64;
            for (i, s) in wav.samples::<i32>().enumerate() {
                let v = s.map_err(|e| read_err(e, samples_mv.len()))?;
                if i % channels == lead {
                    samples_mv.push((v as f64 / lsb_per_mv) as f32);
                }
            }
        }
    }
    if (samples_mv.len() as u64) < claimed {
        return Err(truncated(samples_mv.len()));
    }
    Ok(Recording {
        name: name.to_string(),
        sample_rate_hz: spec.sample_rate as f32,
        lead_name: format!("channel {lead}"),
        samples_mv,
    })
}

/// How [`write()`] stores samples.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum WavEncoding {
    /// 16-bit integers at this many µV per LSB (read back with the same `uv_per_lsb`).
    Int16 {
        /// Scale, µV per LSB.
        uv_per_lsb: f32,
    },
    /// 32-bit float mV (exact).
    Float32,
}

/// Write one recording as a mono WAV file (see [`write_to()`]); nothing is written on error.
pub fn write(path: &Path, rec: &Recording, encoding: WavEncoding) -> Result<(), IoError> {
    let mut buf = std::io::Cursor::new(Vec::new());
    write_to(&mut buf, rec, encoding, path)?;
    std::fs::write(path, buf.into_inner()).map_err(|e| IoError::io(path, e))
}

/// Write one recording as mono WAV to `out`; `path` names it in errors.
///
/// WAV stores a whole number of Hz, so a rate that is not whole is an error. Integer encoding
/// refuses NaN and values that do not fit in 16 bits.
pub fn write_to<W: std::io::Write + std::io::Seek>(
    out: W,
    rec: &Recording,
    encoding: WavEncoding,
    path: &Path,
) -> Result<(), IoError> {
    let fs = rec.sample_rate_hz;
    if !(fs.is_finite() && fs >= 1.0 && fs.fract() == 0.0 && fs <= u32::MAX as f32) {
        return Err(IoError::format(
            path,
            format!("sample rate {fs} Hz cannot be stored in a WAV header (whole Hz only)"),
        ));
    }
    let (bits, format) = match encoding {
        WavEncoding::Int16 { .. } => (16, SampleFormat::Int),
        WavEncoding::Float32 => (32, SampleFormat::Float),
    };
    let spec = WavSpec {
        channels: 1,
        sample_rate: fs as u32,
        bits_per_sample: bits,
        sample_format: format,
    };
    let err = |e: hound::Error| match e {
        hound::Error::IoError(e) => IoError::io(path, e),
        other => IoError {
            path: path.to_path_buf(),
            kind: IoErrorKind::Format(other.to_string()),
        },
    };
    let ints: Vec<i16> = match encoding {
        WavEncoding::Int16 { uv_per_lsb } => {
            if !(uv_per_lsb.is_finite() && uv_per_lsb > 0.0) {
                return Err(IoError::format(
                    path,
                    format!("impossible scale {uv_per_lsb} µV per LSB"),
                ));
            }
            let lsb_per_mv = 1000.0 / uv_per_lsb as f64;
            rec.samples_mv
                .iter()
                .enumerate()
                .map(|(i, &v)| {
                    let x = (v as f64 * lsb_per_mv).round();
                    if x.is_nan() || x < i16::MIN as f64 || x > i16::MAX as f64 {
                        Err(IoError::format(
                            path,
                            format!(
                                "sample {i} ({v} mV) does not fit 16 bits at {uv_per_lsb} µV/LSB"
                            ),
                        ))
                    } else {
                        Ok(x as i16)
                    }
                })
                .collect::<Result<_, _>>()?
        }
        WavEncoding::Float32 => Vec::new(),
    };
    let mut w = WavWriter::new(out, spec).map_err(err)?;
    match encoding {
        WavEncoding::Int16 { .. } => {
            for v in ints {
                w.write_sample(v).map_err(err)?;
            }
        }
        WavEncoding::Float32 => {
            for &v in &rec.samples_mv {
                w.write_sample(v).map_err(err)?;
            }
        }
    }
    w.finalize().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn wav_bytes(spec: WavSpec, samples: &[i32]) -> Vec<u8> {
        let mut buf = Cursor::new(Vec::new());
        let mut w = WavWriter::new(&mut buf, spec).unwrap();
        for &s in samples {
            w.write_sample(s).unwrap();
        }
        w.finalize().unwrap();
        buf.into_inner()
    }

    fn int_spec(channels: u16, bits: u16) -> WavSpec {
        WavSpec {
            channels,
            sample_rate: 500,
            bits_per_sample: bits,
            sample_format: SampleFormat::Int,
        }
    }

    fn read_bytes(bytes: &[u8], opts: &ReadOptions) -> Result<Recording, IoError> {
        from_reader(bytes, "w", Path::new("w.wav"), opts)
    }

    #[test]
    fn integer_samples_are_microvolts_per_lsb_and_lead_picks_the_channel() {
        let bytes = wav_bytes(int_spec(2, 16), &[1000, -5, 2000, -10, -3000, -15]);
        let r = read_bytes(&bytes, &ReadOptions::default()).unwrap();
        assert_eq!(r.sample_rate_hz, 500.0);
        assert_eq!(r.samples_mv, vec![1.0, 2.0, -3.0]);
        let opts = ReadOptions {
            lead: 1,
            uv_per_lsb: 200.0,
            ..ReadOptions::default()
        };
        let r = read_bytes(&bytes, &opts).unwrap();
        assert_eq!(r.samples_mv, vec![-1.0, -2.0, -3.0]);
        let e = read_bytes(
            &bytes,
            &ReadOptions {
                lead: 2,
                ..ReadOptions::default()
            },
        );
        assert!(e.unwrap_err().to_string().contains("2 channel(s)"));
    }

    #[test]
    fn float_samples_are_millivolts() {
        let spec = WavSpec {
            channels: 1,
            sample_rate: 250,
            bits_per_sample: 32,
            sample_format: SampleFormat::Float,
        };
        let mut buf = Cursor::new(Vec::new());
        let mut w = WavWriter::new(&mut buf, spec).unwrap();
        for v in [0.5f32, -1.25, f32::NAN] {
            w.write_sample(v).unwrap();
        }
        w.finalize().unwrap();
        let r = read_bytes(buf.get_ref(), &ReadOptions::default()).unwrap();
        assert_eq!(&r.samples_mv[..2], &[0.5, -1.25]);
        assert!(r.samples_mv[2].is_nan());
    }

    #[test]
    fn malformed_and_truncated_files_are_errors() {
        let bytes = wav_bytes(int_spec(1, 16), &[1, 2, 3, 4, 5, 6]);
        let cut = &bytes[..bytes.len() - 3];
        let e = read_bytes(cut, &ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("claims 6 samples but the file holds 4"), "{e}");
        for (bad, want) in [
            (&b""[..], "malformed WAV"),
            (&b"RIFF\x10\0\0\0WAVEfmt "[..], "malformed WAV"),
            (&b"time_s,ecg_mv\n0,1\n"[..], "malformed WAV"),
        ] {
            let e = read_bytes(bad, &ReadOptions::default())
                .unwrap_err()
                .to_string();
            assert!(e.starts_with("w.wav: ") && e.contains(want), "{e}");
        }
        let scale = ReadOptions {
            uv_per_lsb: 0.0,
            ..ReadOptions::default()
        };
        assert!(read_bytes(&bytes, &scale).is_err());
    }

    #[test]
    fn writer_round_trips() {
        let dir = std::env::temp_dir().join(format!("ecg_rhythm_wav_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let rec = Recording {
            name: "w".into(),
            sample_rate_hz: 360.0,
            lead_name: String::new(),
            samples_mv: vec![0.0, 0.005, -1.0, 2.5],
        };
        let p = dir.join("w.wav");
        write(&p, &rec, WavEncoding::Int16 { uv_per_lsb: 5.0 }).unwrap();
        let opts = ReadOptions {
            uv_per_lsb: 5.0,
            ..ReadOptions::default()
        };
        assert_eq!(read(&p, &opts).unwrap().samples_mv, rec.samples_mv);
        write(&p, &rec, WavEncoding::Float32).unwrap();
        assert_eq!(
            read(&p, &ReadOptions::default()).unwrap().samples_mv,
            rec.samples_mv
        );
        let mut bad = rec.clone();
        bad.samples_mv[1] = 400.0;
        assert!(write(&p, &bad, WavEncoding::Int16 { uv_per_lsb: 1.0 }).is_err());
        std::fs::remove_dir_all(&dir).ok();
    }
}
