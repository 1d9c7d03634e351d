//! `ecg-rhythm nst`: write a noise-stress-test record (see [`crate::eval::nst`]).
//!
//! ```text
//! ecg-rhythm nst CLEAN NOISE --snr DB -o OUT           # the standard protocol at an SNR
//! ecg-rhythm nst CLEAN NOISE --gain A -o OUT           # the same with a fixed noise gain
//! ecg-rhythm nst CLEAN NOISY --extract-noise -o OUT    # OUT = NOISY − CLEAN (a noise record)
//! ... --compare REF                                    # how close OUT is to a reference record
//! ```

use std::path::{Path, PathBuf};

use super::CliError;
use crate::eval::nst::{
    self, add_noise, choose_format, in_units_of, measured_snr_db, noise_gain, noise_power,
    qrs_power, read_all_signals, write_record, NstError, NstProtocol, OutputSignal,
};
use crate::io::wfdb::{self, record_base};

/// Arguments of `nst`.
#[derive(clap::Args, Debug)]
pub struct NstArgs {
    /// Clean record (WFDB) with reference annotations (.atr).
    pub clean: PathBuf,
    /// Noise record (WFDB); with --extract-noise, a noisy record made from CLEAN.
    pub noise: PathBuf,
    /// Signal-to-noise ratio in the noisy segments, dB (nst's definition).
    #[arg(long, allow_hyphen_values = true, conflicts_with_all = ["gain", "extract_noise"])]
    pub snr: Option<f64>,
    /// Fixed gain applied to the noise (in the clean record's units) instead of --snr.
    #[arg(long, allow_hyphen_values = true, conflicts_with = "extract_noise")]
    pub gain: Option<f64>,
    /// Write NOISE − CLEAN as a noise record instead of adding noise.
    #[arg(long)]
    pub extract_noise: bool,
    /// Output record path (writes OUT.hea, OUT.dat and, when adding noise, OUT.atr).
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
    /// Compare the output with this record: RMS difference and measured SNR.
    #[arg(long)]
    pub compare: Option<PathBuf>,
}

fn err(e: NstError) -> CliError {
    CliError(e.to_string())
}

fn name_of(p: &Path) -> String {
    record_base(p).file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Run `nst`.
pub fn run(args: &NstArgs) -> Result<(), CliError> {
    let (ch, clean) = read_all_signals(&args.clean).map_err(err)?;
    let (nh, noise_adc) = read_all_signals(&args.noise).map_err(err)?;
    let fs = ch.sample_rate_hz;
    if (nh.sample_rate_hz - fs).abs() > 1e-6 * fs {
        return Err(CliError(format!(
            "{}: sample rate {} Hz differs from the clean record's {} Hz (resample it first)",
            args.noise.display(),
            nh.sample_rate_hz,
            fs
        )));
    }
    let protocol = NstProtocol { fs };
    let out_base = record_base(&args.out);
    if args.extract_noise {
        return extract(args, &ch, &clean, &nh, &noise_adc, &out_base);
    }
    let anns = wfdb::read_reference(&args.clean)?.ok_or_else(|| {
        CliError(format!(
            "{}: no reference annotations (.atr)",
            args.clean.display()
        ))
    })?;
    let mut signals = Vec::new();
    let mut gains = Vec::new();
    let mut outputs_f = Vec::new();
    for (i, c_adc) in clean.iter().enumerate() {
        let spec = &ch.signals[i];
        let j = i % noise_adc.len();
        let noise = in_units_of(&nh, j, &noise_adc[j], spec.gain);
        let c: Vec<f64> = c_adc.iter().map(|&v| v as f64).collect();
        let gain = match (args.snr, args.gain) {
            (Some(snr), _) => {
                let s = qrs_power(&c, &anns, fs).ok_or_else(|| {
                    err(NstError::NoNormalBeats {
                        record: name_of(&args.clean),
                    })
                })?;
                let n = noise_power(&noise, fs)
                    .filter(|&n| n > 0.0)
                    .ok_or_else(|| {
                        err(NstError::SilentNoise {
                            record: name_of(&args.noise),
                            signal: j,
                        })
                    })?;
                noise_gain(s, n, snr)
            }
            (None, Some(g)) => g,
            (None, None) => {
                return Err(CliError(
                    "give --snr DB or --gain A (or --extract-noise)".into(),
                ))
            }
        };
        let out = add_noise(&c, &noise, gain, protocol);
        signals.push(OutputSignal {
            adc: out.iter().map(|v| v.round() as i32).collect(),
            gain: spec.gain,
            baseline: spec.baseline,
            units: spec.units.clone(),
            adc_resolution: spec.adc_resolution,
            adc_zero: spec.adc_zero,
            description: spec.description.clone(),
        });
        gains.push(gain);
        outputs_f.push((c, out));
    }
    let format = choose_format(&signals);
    let what = match args.snr {
        Some(snr) => format!("SNR = {snr} dB"),
        None => "fixed gain".to_string(),
    };
    let gain_text: Vec<String> = gains.iter().map(|g| format!("{g:.6}")).collect();
    let comment = format!(
        "Created by ecg-rhythm nst from records {} and {} ({what}; noise gains {})",
        name_of(&args.clean),
        name_of(&args.noise),
        gain_text.join(" ")
    );
    write_record(&out_base, fs, &signals, format, &[comment]).map_err(err)?;
    let atr_in = record_base(&args.clean).with_extension("atr");
    let atr_out = out_base.with_extension("atr");
    std::fs::copy(&atr_in, &atr_out)
        .map_err(|e| CliError(format!("{}: {e}", atr_out.display())))?;
    outln!(
        "wrote {} (format {format}, {} signals, noise gains {})",
        out_base.display(),
        signals.len(),
        gain_text.join(" ")
    );
    for (i, (c, out)) in outputs_f.iter().enumerate() {
        let snr = measured_snr_db(c, out, &anns, protocol);
        outln!(
            "signal {i} ({}): measured SNR in noisy segments {}",
            ch.signals[i].description,
            snr.map_or("-".into(), |s| format!("{s:.2} dB"))
        );
    }
    if let Some(reference) = &args.compare {
        compare(reference, &ch, &outputs_f, &signals, &anns, protocol)?;
    }
    Ok(())
}

fn extract(
    args: &NstArgs,
    ch: &wfdb::Header,
    clean: &[Vec<i32>],
    nh: &wfdb::Header,
    noisy: &[Vec<i32>],
    out_base: &Path,
) -> Result<(), CliError> {
    let protocol = NstProtocol {
        fs: ch.sample_rate_hz,
    };
    let learning = (nst::LEARNING_PERIOD_S * protocol.fs) as usize;
    let mut signals = Vec::new();
    for (i, c_adc) in clean.iter().enumerate() {
        let spec = &ch.signals[i];
        let j = i % noisy.len();
        let x = in_units_of(nh, j, &noisy[j], spec.gain);
        let c = in_units_of(ch, i, c_adc, spec.gain);
        let n = x.len().min(c.len());
        let diff: Vec<f64> = (0..n).map(|t| x[t] - c[t]).collect();
        // Remove the constant the learning period shows (nstdb's records carry one).
        let head = &diff[..learning.min(n)];
        let offset = if head.is_empty() {
            0.0
        } else {
            head.iter().sum::<f64>() / head.len() as f64
        };
        outln!(
            "signal {i}: constant offset in the learning period {:.3} {} removed",
            offset / spec.gain,
            spec.units
        );
        signals.push(OutputSignal {
            adc: diff.iter().map(|v| (v - offset).round() as i32).collect(),
            gain: spec.gain,
            baseline: 0,
            units: spec.units.clone(),
            adc_resolution: 16,
            adc_zero: 0,
            description: format!("noise of {}", spec.description),
        });
    }
    let comment = format!(
        "Noise extracted by ecg-rhythm nst --extract-noise: {} minus {}",
        name_of(&args.noise),
        name_of(&args.clean)
    );
    let format = choose_format(&signals);
    write_record(out_base, protocol.fs, &signals, format, &[comment]).map_err(err)?;
    outln!("wrote {} (format {format})", out_base.display());
    Ok(())
}

/// A difference larger than this (ADC units) is listed by `--compare`.
const OUTLIER_ADC: f64 = 5.0;

fn compare(
    reference: &Path,
    ch: &wfdb::Header,
    outputs: &[(Vec<f64>, Vec<f64>)],
    written: &[OutputSignal],
    anns: &[crate::io::Annotation],
    protocol: NstProtocol,
) -> Result<(), CliError> {
    let (rh, ref_adc) = read_all_signals(reference).map_err(err)?;
    let learning = (nst::LEARNING_PERIOD_S * protocol.fs) as usize;
    outln!("compared with {}:", reference.display());
    for (i, (c, _)) in outputs.iter().enumerate() {
        let Some(r_adc) = ref_adc.get(i) else { break };
        let spec = &ch.signals[i];
        // Both in the clean signal's raw ADC units.
        let r: Vec<f64> = in_units_of(&rh, i, r_adc, spec.gain)
            .iter()
            .map(|v| v + spec.baseline as f64)
            .collect();
        let o: Vec<f64> = written[i].adc.iter().map(|&v| v as f64).collect();
        let n = r.len().min(o.len());
        let head = learning.min(n);
        let offset = if head == 0 {
            0.0
        } else {
            (0..head).map(|t| r[t] - o[t]).sum::<f64>() / head as f64
        };
        let (mut sum_all, mut sum_noisy, mut n_noisy, mut max_abs) = (0.0, 0.0, 0usize, 0.0f64);
        let mut outliers: Vec<usize> = Vec::new();
        for t in 0..n {
            let d = r[t] - o[t] - offset;
            sum_all += d * d;
            if protocol.is_noisy(t as u64) {
                sum_noisy += d * d;
                n_noisy += 1;
            }
            max_abs = max_abs.max(d.abs());
            if d.abs() > OUTLIER_ADC {
                outliers.push(t);
            }
        }
        let rms_all = (sum_all / n.max(1) as f64).sqrt();
        // The same after removing each protocol segment's mean difference (offset drift).
        let seg_of = |t: usize| -> u64 {
            let s = t as f64 / protocol.fs;
            if s < nst::LEARNING_PERIOD_S {
                0
            } else {
                1 + ((s - nst::LEARNING_PERIOD_S) / nst::SEGMENT_S) as u64
            }
        };
        let mut seg_sums: std::collections::BTreeMap<u64, (f64, f64, usize)> = Default::default();
        for t in 0..n.saturating_sub(1) {
            let d = r[t] - o[t] - offset;
            let e = seg_sums.entry(seg_of(t)).or_default();
            e.0 += d;
            e.1 += d * d;
            e.2 += 1;
        }
        let (mut within, mut count, mut drift) = (0.0, 0usize, 0.0f64);
        for &(sum, sq, k) in seg_sums.values() {
            let mean = sum / k as f64;
            within += sq - k as f64 * mean * mean;
            count += k;
            drift = drift.max(mean.abs());
        }
        let rms_within = (within / count.max(1) as f64).sqrt();
        let rms_noisy = (sum_noisy / n_noisy.max(1) as f64).sqrt();
        let r_shifted: Vec<f64> = r.iter().map(|v| v - offset).collect();
        let ref_snr = measured_snr_db(c, &r_shifted, anns, protocol);
        let out_snr = measured_snr_db(c, &o, anns, protocol);
        let f = |v: Option<f64>| v.map_or("-".into(), |s| format!("{s:.2} dB"));
        outln!(
            "signal {i} ({}): reference offset {:.3} {}; per-sample RMS difference {:.3} ADC \
             units ({:.4} {}) overall, {:.3} in noisy segments, max {:.0}; measured SNR \
             reference {} / ours {}",
            spec.description,
            offset / spec.gain,
            spec.units,
            rms_all,
            rms_all / spec.gain,
            spec.units,
            rms_noisy,
            max_abs,
            f(ref_snr),
            f(out_snr)
        );
        let first: Vec<String> = outliers.iter().take(5).map(|t| t.to_string()).collect();
        outln!(
            "signal {i}: within-segment RMS difference {rms_within:.3} ADC units (each \
             2-min segment's mean difference removed; largest mean {drift:.2}; last sample \
             left out); {} samples differ by more than {OUTLIER_ADC} ADC units{}",
            outliers.len(),
            if first.is_empty() {
                String::new()
            } else {
                format!(" (at {})", first.join(", "))
            }
        );
    }
    Ok(())
}
