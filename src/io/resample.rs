//! Offline sample-rate conversion of whole recordings, for evaluating the engine at rates other
//! than a database's own (`ecg-rhythm eval … --resample-hz`).
//!
//! Band-limited interpolation with a Blackman-windowed sinc kernel (Smith, "Digital Audio
//! Resampling Home Page", CCRMA, 2002; the windowed-sinc design of Oppenheim & Schafer,
//! "Discrete-Time Signal Processing", 3rd ed., §7.5): each output sample is the kernel-weighted
//! sum of the input samples within [`ZERO_CROSSINGS`] lobes of its time. When the rate goes down
//! the kernel is widened by the ratio, so its cut-off ([`CUTOFF`] of the lower Nyquist
//! frequency) removes what the new rate could not represent. The weights are normalised to sum
//! to one (unit gain at 0 Hz); missing (NaN) input samples are left out of the sum, and an output
//! whose nearest input sample is missing is missing too. This is test-harness code: it allocates
//! and is not part of the engine's streaming path.

/// Lobes of the sinc on each side of the kernel's centre (in units of the output's, or when
/// upsampling the input's, sample period).
pub const ZERO_CROSSINGS: f64 = 16.0;

/// Cut-off of the anti-aliasing/interpolation low-pass as a fraction of the lower of the two
/// Nyquist frequencies.
pub const CUTOFF: f64 = 0.9;

/// Convert `x`, sampled at `from_hz`, to `to_hz`. Output sample `m` lies at time `m / to_hz`,
/// so the output has `ceil(len × to_hz / from_hz)` samples; equal rates return a copy.
pub fn resample(x: &[f32], from_hz: f64, to_hz: f64) -> Vec<f32> {
    if from_hz == to_hz || x.is_empty() {
        return x.to_vec();
    }
    let step = from_hz / to_hz; // input samples per output sample
    let scale = (to_hz / from_hz).min(1.0); // kernel compression when downsampling
    let fc = 0.5 * CUTOFF * scale; // cut-off, cycles per input sample
    let half = ZERO_CROSSINGS / scale; // kernel half-width, input samples
    let len = (x.len() as f64 / step).ceil() as usize;
    let last = x.len() as i64 - 1;
    let mut out = Vec::with_capacity(len);
    for m in 0..len {
        let t = m as f64 * step;
        let nearest = (t.round() as i64).clamp(0, last);
        if x[nearest as usize].is_nan() {
            out.push(f32::NAN);
            continue;
        }
        let lo = ((t - half).ceil() as i64).max(0);
        let hi = ((t + half).floor() as i64).min(last);
        let (mut sum, mut weight) = (0.0f64, 0.0f64);
        for k in lo..=hi {
            let v = x[k as usize];
            if v.is_nan() {
                continue;
            }
            let d = t - k as f64;
            let w = kernel(d, fc, half);
            sum += w * v as f64;
            weight += w;
        }
        out.push(if weight.abs() > 1e-12 {
            (sum / weight) as f32
        } else {
            x[nearest as usize]
        });
    }
    out
}

/// The windowed sinc at distance `d` (input samples) from the centre: cut-off `fc` (cycles per
/// input sample), Blackman window of half-width `half`.
fn kernel(d: f64, fc: f64, half: f64) -> f64 {
    use std::f64::consts::PI;
    let u = d / half;
    if u.abs() >= 1.0 {
        return 0.0;
    }
    let window = 0.42 + 0.5 * (PI * u).cos() + 0.08 * (2.0 * PI * u).cos();
    let arg = 2.0 * fc * d;
    let sinc = if arg.abs() < 1e-9 {
        1.0
    } else {
        (PI * arg).sin() / (PI * arg)
    };
    2.0 * fc * sinc * window
}

/// The sample index at `to_hz` of sample `sample` at `from_hz` (rounded to the nearest).
pub fn rescale_index(sample: u64, from_hz: f64, to_hz: f64) -> u64 {
    (sample as f64 * to_hz / from_hz).round() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(hz: f64, fs: f64, seconds: f64) -> Vec<f32> {
        (0..(seconds * fs) as usize)
            .map(|i| (2.0 * std::f64::consts::PI * hz * i as f64 / fs).sin() as f32)
            .collect()
    }

    /// RMS of `x` away from the ends (where the kernel is cut short).
    fn rms_inside(x: &[f32]) -> f64 {
        let inner = &x[x.len() / 10..x.len() * 9 / 10];
        (inner.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / inner.len() as f64).sqrt()
    }

    #[test]
    fn a_tone_in_band_keeps_its_amplitude_and_phase_at_every_rate_pair() {
        for (from, to) in [
            (360.0, 128.0),
            (360.0, 250.0),
            (250.0, 500.0),
            (360.0, 1000.0),
        ] {
            let x = tone(10.0, from, 4.0);
            let y = resample(&x, from, to);
            assert_eq!(y.len(), (x.len() as f64 * to / from).ceil() as usize);
            let expected = tone(10.0, to, 4.0);
            let inner = y.len() / 10..y.len() * 9 / 10;
            let err = inner
                .clone()
                .map(|i| (y[i] - expected[i]).abs())
                .fold(0.0f32, f32::max);
            assert!(err < 0.01, "{from} -> {to}: max error {err}");
        }
    }

    #[test]
    fn a_tone_above_the_new_nyquist_frequency_is_removed() {
        // 360 -> 125 Hz: an 80 Hz tone would alias to 45 Hz; it must not survive.
        let y = resample(&tone(80.0, 360.0, 4.0), 360.0, 125.0);
        assert!(rms_inside(&y) < 0.01, "rms {}", rms_inside(&y));
        // A 40 Hz tone (inside 0.9 of 62.5 Hz) does.
        let y = resample(&tone(40.0, 360.0, 4.0), 360.0, 125.0);
        assert!((rms_inside(&y) - 0.5f64.sqrt()).abs() < 0.02);
    }

    #[test]
    fn missing_samples_stay_missing_and_do_not_spread() {
        let mut x = tone(5.0, 360.0, 2.0);
        for v in &mut x[300..320] {
            *v = f32::NAN;
        }
        let y = resample(&x, 360.0, 250.0);
        let missing: Vec<usize> = (0..y.len()).filter(|&i| y[i].is_nan()).collect();
        // The outputs whose nearest input is in 300..320, and only those.
        let expected: Vec<usize> = (0..y.len())
            .filter(|&m| (300..320).contains(&((m as f64 * 360.0 / 250.0).round() as usize)))
            .collect();
        assert_eq!(missing, expected);
        // Next to the gap the signal is still the tone.
        let m = *expected.last().unwrap() + 3;
        let t = m as f64 / 250.0;
        let want = (2.0 * std::f64::consts::PI * 5.0 * t).sin() as f32;
        assert!((y[m] - want).abs() < 0.02, "{} vs {want}", y[m]);
    }

    #[test]
    fn equal_rates_copy_and_indices_rescale_to_the_nearest() {
        let x = tone(3.0, 250.0, 1.0);
        assert_eq!(resample(&x, 250.0, 250.0), x);
        assert_eq!(rescale_index(360, 360.0, 128.0), 128);
        assert_eq!(rescale_index(100, 360.0, 250.0), 69); // 69.44
    }
}
