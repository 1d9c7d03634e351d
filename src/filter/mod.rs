//! Causal pre-filtering of the raw ECG.
//!
//! A monitor's ECG carries three kinds of interference that the analysis must not see:
//! baseline wander (respiration, electrode motion: below ~0.5 Hz), mains pick-up (50 or 60 Hz)
//! and muscle noise (broadband, mostly above ~40 Hz). Each is removed by one second-order
//! section (biquad, direct form II transposed, from the `biquad` crate), run causally one sample
//! at a time. Every stage states its transfer function and reports its delay in samples
//! ([`Stage::latency`]): the group delay at the frequencies that matter for the QRS complex
//! (≈ 10 Hz), rounded to a whole sample, which is what the QRS detector subtracts when it places
//! an R peak.
//!
//! The chain is `HighPass(0.5 Hz) → Notch(mains) → LowPass(40 Hz)`, all Butterworth-Q biquads:
//!
//! ```text
//! H(z) = (b0 + b1 z⁻¹ + b2 z⁻²) / (1 + a1 z⁻¹ + a2 z⁻²)   per section (bilinear transform)
//! ```

pub(crate) mod cascade;
pub mod history;
pub(crate) mod runs;

use crate::config::{Config, ConfigError};
use biquad::{Biquad, Coefficients, DirectForm2Transposed, ToHertz, Type, Q_BUTTERWORTH_F32};

/// The shape of every filter stage: designed once (fallible), run per sample (infallible).
pub trait Stage {
    /// Process one sample.
    fn run(&mut self, x: f32) -> f32;
    /// Forget all history, as if newly built.
    fn reset(&mut self);
    /// Delay the stage adds to a QRS complex, in whole samples.
    fn latency(&self) -> usize;
}

/// One biquad section with its design and its delay.
#[derive(Clone, Debug)]
pub struct BiquadStage {
    filter: DirectForm2Transposed<f32>,
    coefficients: Coefficients<f32>,
    latency: usize,
}

impl BiquadStage {
    /// Design a section of the given `biquad` type at corner/centre `f0_hz` and quality `q`.
    ///
    /// `field` names the config field the corner came from, for the error message.
    pub fn new(
        filter_type: Type<f32>,
        f0_hz: f32,
        q: f32,
        sample_rate_hz: f32,
        field: &'static str,
    ) -> Result<Self, ConfigError> {
        let coefficients =
            Coefficients::<f32>::from_params(filter_type, sample_rate_hz.hz(), f0_hz.hz(), q)
                .map_err(|_| ConfigError::new(field, f0_hz, "the filter cannot be designed"))?;
        let latency = libm::roundf(group_delay_samples(&coefficients, 10.0 / sample_rate_hz))
            .max(0.0) as usize;
        Ok(BiquadStage {
            filter: DirectForm2Transposed::<f32>::new(coefficients),
            coefficients,
            latency,
        })
    }

    /// Second-order Butterworth high-pass.
    pub fn highpass(f0_hz: f32, fs: f32, field: &'static str) -> Result<Self, ConfigError> {
        Self::new(Type::HighPass, f0_hz, Q_BUTTERWORTH_F32, fs, field)
    }

    /// Second-order Butterworth low-pass.
    pub fn lowpass(f0_hz: f32, fs: f32, field: &'static str) -> Result<Self, ConfigError> {
        Self::new(Type::LowPass, f0_hz, Q_BUTTERWORTH_F32, fs, field)
    }

    /// The section's coefficients.
    pub fn coefficients(&self) -> &Coefficients<f32> {
        &self.coefficients
    }

    /// The section's state `(s1, s2)`.
    pub(crate) fn state(&self) -> (f32, f32) {
        (self.filter.s1, self.filter.s2)
    }

    /// Set the section's state `(s1, s2)`.
    pub(crate) fn set_state(&mut self, s1: f32, s2: f32) {
        self.filter.s1 = s1;
        self.filter.s2 = s2;
    }

    /// Group delay in samples at `f` cycles/sample.
    pub fn group_delay_at(&self, f_cycles_per_sample: f32) -> f32 {
        group_delay_samples(&self.coefficients, f_cycles_per_sample)
    }
}

impl Stage for BiquadStage {
    #[inline]
    fn run(&mut self, x: f32) -> f32 {
        self.filter.run(x)
    }
    fn reset(&mut self) {
        self.filter.reset_state();
    }
    fn latency(&self) -> usize {
        self.latency
    }
}

/// Group delay of a biquad, in samples, at normalised frequency `f` (cycles per sample).
///
/// τ(ω) = τ_num(ω) − τ_den(ω), each computed as Re{Σ k·c_k e^{-jωk} / Σ c_k e^{-jωk}}.
pub fn group_delay_samples(c: &Coefficients<f32>, f_cycles_per_sample: f32) -> f32 {
    let w = 2.0 * core::f64::consts::PI * f_cycles_per_sample as f64;
    let num = [c.b0 as f64, c.b1 as f64, c.b2 as f64];
    let den = [1.0, c.a1 as f64, c.a2 as f64];
    (poly_delay(&num, w) - poly_delay(&den, w)) as f32
}

fn poly_delay(c: &[f64; 3], w: f64) -> f64 {
    // Σ c_k e^{-jωk} and Σ k c_k e^{-jωk}
    let (mut re, mut im, mut kre, mut kim) = (0.0, 0.0, 0.0, 0.0);
    for (k, &ck) in c.iter().enumerate() {
        let (s, co) = libm::sincos(w * k as f64);
        re += ck * co;
        im -= ck * s;
        kre += k as f64 * ck * co;
        kim -= k as f64 * ck * s;
    }
    let mag2 = re * re + im * im;
    if mag2 < 1e-30 {
        return 0.0;
    }
    // Re{(kre + j kim) / (re + j im)}
    (kre * re + kim * im) / mag2
}

/// The engine's pre-filter chain: baseline-wander high-pass, mains notch, muscle low-pass.
#[derive(Clone, Debug)]
pub struct PreFilter {
    highpass: BiquadStage,
    notch: Option<BiquadStage>,
    lowpass: BiquadStage,
}

impl PreFilter {
    /// Design the chain for `config` (validated by the caller).
    pub fn new(config: &Config) -> Result<Self, ConfigError> {
        let fs = config.sample_rate_hz;
        let f = &config.filter;
        let highpass = BiquadStage::highpass(f.highpass_hz, fs, "filter.highpass_hz")?;
        // A notch only makes sense below Nyquist; at 125 Hz a 60 Hz notch is still legal.
        let notch = if f.notch && config.mains_hz < fs / 2.0 {
            Some(BiquadStage::new(
                Type::Notch,
                config.mains_hz,
                f.notch_q,
                fs,
                "mains_hz",
            )?)
        } else {
            None
        };
        let lowpass = BiquadStage::lowpass(f.lowpass_hz, fs, "filter.lowpass_hz")?;
        Ok(PreFilter {
            highpass,
            notch,
            lowpass,
        })
    }

    /// Whether the chain has the mains notch.
    pub(crate) fn has_notch(&self) -> bool {
        self.notch.is_some()
    }

    /// The sections: high-pass, notch (when on), low-pass.
    pub(crate) fn sections_mut(
        &mut self,
    ) -> (&mut BiquadStage, Option<&mut BiquadStage>, &mut BiquadStage) {
        (&mut self.highpass, self.notch.as_mut(), &mut self.lowpass)
    }
}

impl Stage for PreFilter {
    #[inline]
    fn run(&mut self, x: f32) -> f32 {
        let mut y = self.highpass.run(x);
        if let Some(n) = self.notch.as_mut() {
            y = n.run(y);
        }
        self.lowpass.run(y)
    }
    fn reset(&mut self) {
        self.highpass.reset();
        if let Some(n) = self.notch.as_mut() {
            n.reset();
        }
        self.lowpass.reset();
    }
    fn latency(&self) -> usize {
        self.highpass.latency()
            + self.notch.as_ref().map_or(0, |n| n.latency())
            + self.lowpass.latency()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::f32::consts::PI;

    fn sine_gain(stage: &mut impl Stage, f_hz: f32, fs: f32) -> f32 {
        stage.reset();
        let n = (fs * 20.0) as usize;
        let mut peak: f32 = 0.0;
        for i in 0..n {
            let y = stage.run((2.0 * PI * f_hz * i as f32 / fs).sin());
            if i > n / 2 {
                peak = peak.max(y.abs());
            }
        }
        peak
    }

    #[test]
    fn prefilter_passes_qrs_band_and_removes_wander_and_mains() {
        for fs in [125.0, 250.0, 360.0, 500.0, 1000.0] {
            for mains in [50.0, 60.0] {
                let mut c = Config::with_sample_rate(fs);
                c.mains_hz = mains;
                let mut f = PreFilter::new(&c).unwrap();
                assert!(sine_gain(&mut f, 10.0, fs) > 0.9, "fs {fs}");
                assert!(sine_gain(&mut f, 0.05, fs) < 0.02, "fs {fs}");
                if mains < fs / 2.0 {
                    assert!(sine_gain(&mut f, mains, fs) < 0.05, "fs {fs} mains {mains}");
                }
            }
        }
    }

    #[test]
    fn reported_latency_matches_measured_delay_of_a_10hz_burst() {
        for fs in [250.0, 360.0, 500.0] {
            let c = Config::with_sample_rate(fs);
            let mut f = PreFilter::new(&c).unwrap();
            let n = (fs * 4.0) as usize;
            let centre = n as f32 / 2.0;
            let sigma = 0.3 * fs;
            let x: Vec<f32> = (0..n)
                .map(|i| {
                    let t = i as f32 - centre;
                    (-(t * t) / (2.0 * sigma * sigma)).exp() * (2.0 * PI * 10.0 * t / fs).cos()
                })
                .collect();
            let y: Vec<f32> = x.iter().map(|&v| f.run(v)).collect();
            // The energy centroid of a narrow-band burst moves by the group delay.
            let centroid = |v: &[f32]| {
                let e: f64 = v.iter().map(|&a| (a * a) as f64).sum();
                v.iter()
                    .enumerate()
                    .map(|(i, &a)| i as f64 * (a * a) as f64)
                    .sum::<f64>()
                    / e
            };
            let best = (centroid(&y) - centroid(&x)).round() as i64;
            let lat = f.latency() as i64;
            assert!(
                (best - lat).abs() <= 1,
                "fs {fs}: measured {best}, reported {lat}"
            );
        }
    }
}
