//! The MIT-BIH noise stress test (Moody, Muldrow & Mark, "A noise stress test for arrhythmia
//! detectors", *Computers in Cardiology* 11:381–384, 1984), as the WFDB `nst` program documents
//! it (WFDB Applications Guide, `nst(1)` and `sigamp(1)`). Written from that description.
//!
//! # Protocol
//! Noise from a noise record is added to a clean record in calibrated amounts:
//!
//! - **Timing**: a 5-minute noise-free learning period, then 2-minute segments alternately noisy
//!   and clean until the end of the record ([`NstProtocol::is_noisy`]). Clean sample `t` is paired
//!   with noise sample `t` (the noise record is rewound when it is shorter).
//! - **Mixing**: `out = clean + a · noise + b` per signal (noise signal `i mod n_noise` for clean
//!   signal `i`). `a` is the gain in the noisy segments and 0 in the clean ones. Whenever the gain
//!   changes at sample `t0`, the offset becomes `b ← b + (a_old − a_new) · noise[t0 − 1]`, so the
//!   output has no step: the last sample before the change gives the same value under either
//!   gain. (This matches the shipped nstdb records: their clean segments are the clean record
//!   plus a constant.)
//! - **Signal size** `S` ([`qrs_power`]): the peak-to-peak amplitude of each of the first 300
//!   normal QRS complexes within ±50 ms of the annotation; the largest 5 % and smallest 5 % are
//!   dropped and the rest averaged, giving `A`; `S = A² / 8` (the power of a sinusoid of that
//!   peak-to-peak amplitude). "Normal" is taken as WFDB's `map1` normal group: `N`, `L`, `R`, `B`.
//! - **Noise size** `N` ([`noise_power`]): the first 300 s of the noise record in one-second
//!   chunks; for each, the RMS difference from the chunk's mean; the largest and smallest 5 %
//!   dropped and the rest averaged, giving `n`; `N = n²`.
//! - **Gain**: `SNR = 10 log10(S / (N a²))`, so `a = sqrt(S / (N · 10^(SNR/10)))`
//!   ([`noise_gain`]), computed for each signal pair.
//!
//! Amounts are computed in the clean record's ADC units; the noise record is converted to them
//! through both records' gains.

use std::fmt;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use crate::io::annotation::Annotation;
use crate::io::wfdb::Header;
use crate::io::IoError;

/// Clean learning period, seconds.
pub const LEARNING_PERIOD_S: f64 = 300.0;
/// Length of each alternating noisy / clean segment, seconds.
pub const SEGMENT_S: f64 = 120.0;
/// Number of normal QRS complexes measured for the signal size.
pub const SIGNAL_BEATS: usize = 300;
/// Half-width of the QRS amplitude window, seconds.
pub const QRS_HALF_WINDOW_S: f64 = 0.050;
/// Length of noise measured for the noise size, seconds.
pub const NOISE_CALIBRATION_S: f64 = 300.0;
/// Fraction dropped at each end before averaging.
pub const TRIM_FRACTION: f64 = 0.05;

/// What can go wrong in the noise stress test besides file errors.
#[derive(Debug)]
#[non_exhaustive]
pub enum NstError {
    /// Reading or writing a file failed.
    Io(IoError),
    /// The clean record has no normal QRS annotation to measure the signal size on.
    NoNormalBeats {
        /// The clean record.
        record: String,
    },
    /// The noise record's calibration stretch is silent (noise size 0).
    SilentNoise {
        /// The noise record.
        record: String,
        /// The signal.
        signal: usize,
    },
    /// A value does not fit the output format.
    Invalid(String),
}

impl fmt::Display for NstError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NstError::Io(e) => write!(f, "{e}"),
            NstError::NoNormalBeats { record } => write!(
                f,
                "{record}: no normal QRS annotations (N, L, R, B) to measure the signal size"
            ),
            NstError::SilentNoise { record, signal } => write!(
                f,
                "{record}: signal {signal} has no noise in its first {NOISE_CALIBRATION_S} s \
                 (noise size 0); give the gain with --gain instead of --snr"
            ),
            NstError::Invalid(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for NstError {}

impl From<IoError> for NstError {
    fn from(e: IoError) -> Self {
        NstError::Io(e)
    }
}

/// The standard protocol's timing at a sample rate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NstProtocol {
    /// Sample rate, Hz.
    pub fs: f64,
}

impl NstProtocol {
    /// True when sample `t` lies in a noisy segment: `t ≥ 300 s` and the 2-minute segment it
    /// falls in, counted from 300 s, is an even one.
    pub fn is_noisy(&self, t: u64) -> bool {
        let s = t as f64 / self.fs;
        if s < LEARNING_PERIOD_S {
            return false;
        }
        (((s - LEARNING_PERIOD_S) / SEGMENT_S).floor() as u64) % 2 == 0
    }
}

/// Mean after dropping the largest and smallest `TRIM_FRACTION` (each `⌊n/20⌋` values).
pub fn trimmed_mean(values: &[f64]) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let k = (v.len() as f64 * TRIM_FRACTION).floor() as usize;
    let kept = v.get(k..v.len() - k)?;
    (!kept.is_empty()).then(|| kept.iter().sum::<f64>() / kept.len() as f64)
}

/// True for the codes WFDB's `map1` groups as normal: `N`, `L`, `R`, `B`.
pub fn is_normal_beat(code: u8) -> bool {
    matches!(code, 1..=3 | 25)
}

/// Peak-to-peak QRS amplitude estimate `A` (sigamp): trimmed mean over the first 300 normal
/// beats of the range of `x` within ±50 ms of each. `None` without measurable beats.
pub fn qrs_amplitude(x: &[f64], anns: &[Annotation], fs: f64) -> Option<f64> {
    let h = (QRS_HALF_WINDOW_S * fs).round() as u64;
    let amps: Vec<f64> = anns
        .iter()
        .filter(|a| is_normal_beat(a.code) && a.sample >= h)
        .filter_map(|a| x.get((a.sample - h) as usize..=(a.sample + h) as usize))
        .take(SIGNAL_BEATS)
        .map(|w| {
            let (lo, hi) = w
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, u), &v| {
                    (l.min(v), u.max(v))
                });
            hi - lo
        })
        .collect();
    trimmed_mean(&amps)
}

/// Signal "power" `S = A² / 8`.
pub fn qrs_power(x: &[f64], anns: &[Annotation], fs: f64) -> Option<f64> {
    qrs_amplitude(x, anns, fs).map(|a| a * a / 8.0)
}

/// RMS noise amplitude `n` over one-second chunks of `noise` (all of it), trimmed mean.
pub fn noise_rms(noise: &[f64], fs: f64) -> Option<f64> {
    let chunk = fs.round().max(1.0) as usize;
    let rms: Vec<f64> = noise
        .chunks_exact(chunk)
        .map(|c| {
            let m = c.iter().sum::<f64>() / c.len() as f64;
            (c.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / c.len() as f64).sqrt()
        })
        .collect();
    trimmed_mean(&rms)
}

/// Noise "power" `N = n²` over the first 300 s of the noise signal.
pub fn noise_power(noise: &[f64], fs: f64) -> Option<f64> {
    let len = ((NOISE_CALIBRATION_S * fs).round() as usize).min(noise.len());
    noise_rms(&noise[..len], fs).map(|n| n * n)
}

/// Noise gain for a target SNR in dB: `a = sqrt(S / (N · 10^(SNR/10)))`.
pub fn noise_gain(signal_power: f64, noise_power: f64, snr_db: f64) -> f64 {
    (signal_power / (noise_power * 10f64.powf(snr_db / 10.0))).sqrt()
}

/// SNR in dB from the two powers.
pub fn snr_db(signal_power: f64, noise_power: f64) -> f64 {
    10.0 * (signal_power / noise_power).log10()
}

/// Add `gain · noise` to `clean` in the noisy segments, with the step-cancelling offsets (see
/// the module docs). `noise` is in the clean signal's units and is rewound when shorter.
/// Returns the unrounded output.
pub fn add_noise(clean: &[f64], noise: &[f64], gain: f64, protocol: NstProtocol) -> Vec<f64> {
    let mut out = Vec::with_capacity(clean.len());
    if noise.is_empty() {
        out.extend_from_slice(clean);
        return out;
    }
    let mut a = 0.0f64;
    let mut b = 0.0f64;
    for (t, &c) in clean.iter().enumerate() {
        let want = if protocol.is_noisy(t as u64) {
            gain
        } else {
            0.0
        };
        if want != a {
            let prev = if t == 0 {
                0.0
            } else {
                noise[(t - 1) % noise.len()]
            };
            b += (a - want) * prev;
            a = want;
        }
        out.push(c + a * noise[t % noise.len()] + b);
    }
    out
}

/// Noise SNR measured on a noisy record against its clean original, by the definitions above:
/// `S` from the clean signal, `N` over the one-second chunks that lie wholly inside noisy
/// segments of `noisy − clean`. `None` when either cannot be measured.
pub fn measured_snr_db(
    clean: &[f64],
    noisy: &[f64],
    anns: &[Annotation],
    protocol: NstProtocol,
) -> Option<f64> {
    let fs = protocol.fs;
    let s = qrs_power(clean, anns, fs)?;
    let chunk = fs.round() as usize;
    let mut diff_chunks: Vec<f64> = Vec::new();
    let mut rms = Vec::new();
    let n = clean.len().min(noisy.len());
    let mut t = 0usize;
    while t + chunk <= n {
        if protocol.is_noisy(t as u64) && protocol.is_noisy((t + chunk - 1) as u64) {
            diff_chunks.clear();
            diff_chunks.extend((t..t + chunk).map(|i| noisy[i] - clean[i]));
            if let Some(r) = noise_rms(&diff_chunks, fs) {
                rms.push(r);
            }
        }
        t += chunk;
    }
    let nrms = trimmed_mean(&rms)?;
    (nrms > 0.0).then(|| snr_db(s, nrms * nrms))
}

/// One signal of a record to write.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputSignal {
    /// Samples in ADC units.
    pub adc: Vec<i32>,
    /// ADC units per physical unit.
    pub gain: f64,
    /// ADC value of 0 physical units.
    pub baseline: i32,
    /// Physical units.
    pub units: String,
    /// ADC resolution, bits.
    pub adc_resolution: u32,
    /// ADC zero.
    pub adc_zero: i32,
    /// Description (lead name).
    pub description: String,
}

/// Storage format chosen for a record: 212 when every sample fits 12 bits, else 16.
pub fn choose_format(signals: &[OutputSignal]) -> u32 {
    let fits12 = signals
        .iter()
        .flat_map(|s| s.adc.iter())
        .all(|&v| (-2048..=2047).contains(&v));
    if fits12 {
        212
    } else {
        16
    }
}

/// Encode frame-interleaved samples in format 212 (two 12-bit samples in three bytes) or 16.
pub fn encode_samples(signals: &[OutputSignal], format: u32) -> Result<Vec<u8>, NstError> {
    let frames = signals.iter().map(|s| s.adc.len()).min().unwrap_or(0);
    let interleaved = (0..frames).flat_map(|t| signals.iter().map(move |s| s.adc[t]));
    let mut out = Vec::new();
    match format {
        212 => {
            let v: Vec<i32> = interleaved.collect();
            if let Some(bad) = v.iter().find(|x| !(-2048..=2047).contains(*x)) {
                return Err(NstError::Invalid(format!(
                    "sample {bad} does not fit format 212"
                )));
            }
            for pair in v.chunks(2) {
                let a = pair[0] & 0xfff;
                let b = pair.get(1).copied().unwrap_or(0) & 0xfff;
                out.push((a & 0xff) as u8);
                out.push((((a >> 8) & 0x0f) | ((b >> 8) << 4)) as u8);
                out.push((b & 0xff) as u8);
            }
            // An odd sample count leaves a half-filled last triple; trim its unused byte.
            if v.len() % 2 == 1 {
                out.pop();
            }
        }
        16 => {
            for x in interleaved {
                let v = i16::try_from(x)
                    .map_err(|_| NstError::Invalid(format!("sample {x} does not fit format 16")))?;
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        f => return Err(NstError::Invalid(format!("cannot write format {f}"))),
    }
    Ok(out)
}

/// WFDB checksum of a signal: the sum of its samples modulo 2¹⁶, as a signed 16-bit value.
pub fn checksum(adc: &[i32]) -> i16 {
    adc.iter().fold(0u16, |s, &v| s.wrapping_add(v as u16)) as i16
}

/// Write a WFDB record `base` (`base.hea` and `base.dat`) in the given format.
pub fn write_record(
    base: &Path,
    fs: f64,
    signals: &[OutputSignal],
    format: u32,
    comments: &[String],
) -> Result<(), NstError> {
    let name = base
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| NstError::Invalid(format!("{}: no record name", base.display())))?
        .to_string();
    let dat_name = format!("{name}.dat");
    let frames = signals.iter().map(|s| s.adc.len()).min().unwrap_or(0);
    let bytes = encode_samples(signals, format)?;
    let dat = base.with_file_name(&dat_name);
    std::fs::write(&dat, bytes).map_err(|e| IoError::io(&dat, e))?;
    let hea = base.with_file_name(format!("{name}.hea"));
    let file = File::create(&hea).map_err(|e| IoError::io(&hea, e))?;
    let mut w = BufWriter::new(file);
    let mut text = format!("{name} {} {} {frames}\n", signals.len(), fs);
    for s in signals {
        text.push_str(&format!(
            "{dat_name} {format} {}({})/{} {} {} {} {} 0 {}\n",
            s.gain,
            s.baseline,
            s.units,
            s.adc_resolution,
            s.adc_zero,
            s.adc.first().copied().unwrap_or(0),
            checksum(&s.adc[..frames]),
            s.description
        ));
    }
    for c in comments {
        text.push_str(&format!("# {c}\n"));
    }
    w.write_all(text.as_bytes())
        .and_then(|_| w.flush())
        .map_err(|e| IoError::io(&hea, e))?;
    Ok(())
}

/// All signals of a WFDB record in ADC units, with its header.
pub fn read_all_signals(path: &Path) -> Result<(Header, Vec<Vec<i32>>), NstError> {
    let header = Header::open(path)?;
    let hea = crate::io::wfdb::record_base(path).with_extension("hea");
    let mut sigs = Vec::with_capacity(header.signals.len());
    for i in 0..header.signals.len() {
        sigs.push(header.read_adc(i, &hea)?);
    }
    Ok((header, sigs))
}

/// Signal `i` of a record in the ADC units of a signal with `gain` and `baseline` (0 physical
/// units at `baseline`): `(adc − own baseline) / own gain · gain`.
pub fn in_units_of(header: &Header, i: usize, adc: &[i32], gain: f64) -> Vec<f64> {
    let spec = &header.signals[i];
    let scale = gain / spec.gain;
    adc.iter()
        .map(|&v| (v - spec.baseline) as f64 * scale)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::annotation::{NORMAL, VF_ON};

    #[test]
    fn protocol_timing() {
        let p = NstProtocol { fs: 10.0 };
        assert!(!p.is_noisy(2_999)); // 299.9 s
        assert!(p.is_noisy(3_000)); // 300 s: first noisy segment
        assert!(p.is_noisy(4_199)); // 419.9 s
        assert!(!p.is_noisy(4_200)); // 420 s: clean
        assert!(!p.is_noisy(5_399));
        assert!(p.is_noisy(5_400)); // 540 s: noisy again
    }

    #[test]
    fn trimmed_mean_drops_five_percent_each_side() {
        // 20 values: one dropped at each end.
        let mut v: Vec<f64> = (1..=18).map(|x| x as f64).collect();
        v.push(1000.0);
        v.push(-1000.0);
        assert_eq!(trimmed_mean(&v), Some(9.5));
        // Fewer than 20: nothing dropped.
        assert_eq!(trimmed_mean(&[1.0, 2.0, 6.0]), Some(3.0));
        assert_eq!(trimmed_mean(&[]), None);
    }

    #[test]
    fn qrs_amplitude_of_a_spike_train() {
        // fs 100 Hz: window ±5 samples. Spikes of height 2 on a flat line at 1, every 100
        // samples; the annotation sits 3 samples before the peak (still in the window).
        let fs = 100.0;
        let mut x = vec![1.0; 10_000];
        let mut anns = Vec::new();
        for k in 1..50u64 {
            x[(k * 100 + 3) as usize] = 3.0;
            anns.push(Annotation::new(k * 100, NORMAL));
        }
        anns.push(Annotation::new(5_000, VF_ON)); // not a beat: ignored
        assert_eq!(qrs_amplitude(&x, &anns, fs), Some(2.0));
        assert_eq!(qrs_power(&x, &anns, fs), Some(0.5));
        assert_eq!(qrs_amplitude(&x, &[Annotation::new(50, VF_ON)], fs), None);
    }

    #[test]
    fn noise_rms_ignores_each_chunks_mean() {
        // A square wave ±1 around a level that changes every second: RMS 1 in every chunk.
        let fs = 10.0;
        let x: Vec<f64> = (0..600)
            .map(|i| (i / 10) as f64 * 5.0 + if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        assert!((noise_rms(&x, fs).unwrap() - 1.0).abs() < 1e-12);
        assert!((noise_power(&x, fs).unwrap() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn gain_reaches_the_snr() {
        let (s, n) = (0.5, 0.02);
        for snr in [-6.0, 0.0, 12.0, 24.0] {
            let a = noise_gain(s, n, snr);
            assert!((snr_db(s, n * a * a) - snr).abs() < 1e-9);
        }
    }

    #[test]
    fn offsets_cancel_steps_at_gain_changes() {
        // fs 1 Hz: noisy from 300 to 419, clean from 420. Noise = t (a ramp), gain 2.
        let p = NstProtocol { fs: 1.0 };
        let clean = vec![0.0; 600];
        let noise: Vec<f64> = (0..600).map(|t| t as f64).collect();
        let out = add_noise(&clean, &noise, 2.0, p);
        assert_eq!(out[299], 0.0);
        // At 300: b = −2 · noise[299] = −598; out = 2·300 − 598 = 2.
        assert_eq!(out[300], 2.0);
        assert_eq!(out[419], 2.0 * 419.0 - 598.0);
        // From 420 the gain is 0 and b = −598 + 2 · noise[419] = 240: constant.
        assert_eq!(out[420], 240.0);
        assert_eq!(out[539], 240.0);
        // At 540: b = 240 − 2 · 539 → out[540] = 240 + 2.
        assert_eq!(out[540], 242.0);
    }

    #[test]
    fn noise_is_rewound() {
        let p = NstProtocol { fs: 1.0 };
        let clean = vec![0.0; 310];
        let noise = [0.0, 1.0, 0.0, -1.0];
        let out = add_noise(&clean, &noise, 1.0, p);
        // b = −noise[299 % 4 = 3] = 1; out[300] = noise[0] + 1.
        assert_eq!(&out[300..305], &[1.0, 2.0, 1.0, 0.0, 1.0]);
    }

    #[test]
    fn format_212_round_trip_through_the_reader() {
        let dir = std::env::temp_dir().join(format!("ecg-nst-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let sig = |adc: Vec<i32>| OutputSignal {
            adc,
            gain: 200.0,
            baseline: 1024,
            units: "mV".into(),
            adc_resolution: 11,
            adc_zero: 1024,
            description: "MLII".into(),
        };
        let s0 = vec![-2048, -1, 0, 2047, 123];
        let s1 = vec![5, 6, -7, 8, -2000];
        let sigs = [sig(s0.clone()), sig(s1.clone())];
        assert_eq!(choose_format(&sigs), 212);
        for format in [212u32, 16] {
            let base = dir.join(format!("t{format}"));
            write_record(&base, 360.0, &sigs, format, &["test".into()]).unwrap();
            let (h, got) = read_all_signals(&base).unwrap();
            assert_eq!(h.sample_rate_hz, 360.0);
            assert_eq!(h.samples, 5);
            assert_eq!(got, vec![s0.clone(), s1.clone()], "format {format}");
            assert_eq!(h.signals[0].baseline, 1024);
        }
        // One signal with an odd count in 212.
        let one = [sig(vec![1, -2, 3])];
        let base = dir.join("odd");
        write_record(&base, 250.0, &one, 212, &[]).unwrap();
        assert_eq!(read_all_signals(&base).unwrap().1, vec![vec![1, -2, 3]]);
        assert!(encode_samples(&[sig(vec![4000])], 212).is_err());
        assert_eq!(choose_format(&[sig(vec![4000])]), 16);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn checksum_wraps() {
        assert_eq!(checksum(&[1, 2, -4]), -1);
        assert_eq!(checksum(&[32767, 1]), -32768);
    }
}
