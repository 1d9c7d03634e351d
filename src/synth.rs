//! Synthetic ECG with known R peaks: the analytic signals of the test pyramid.
//!
//! Each beat is a sum of Gaussians — P, Q, R, S and T waves — at a fixed rate (in the spirit of
//! McSharry et al., "A dynamical model for generating synthetic electrocardiogram signals",
//! IEEE TBME 2003;50(3):289-294, without the dynamics), optionally with baseline wander and mains
//! hum. Tests, benches and examples use it where they need the exact R-peak positions.

use alloc::vec;
use alloc::vec::Vec;

/// Parameters of a synthetic ECG.
#[derive(Clone, Debug, PartialEq)]
pub struct Synth {
    /// Sample rate, Hz.
    pub sample_rate_hz: f32,
    /// Heart rate, beats per minute.
    pub bpm: f32,
    /// R-wave amplitude, mV.
    pub r_mv: f32,
    /// Baseline wander amplitude (0.25 Hz sine), mV.
    pub wander_mv: f32,
    /// Mains hum amplitude, mV.
    pub mains_mv: f32,
    /// Mains frequency, Hz.
    pub mains_hz: f32,
}

impl Synth {
    /// A clean 75-bpm ECG with 1.2 mV R waves at `sample_rate_hz`.
    pub fn new(sample_rate_hz: f32) -> Self {
        Synth {
            sample_rate_hz,
            bpm: 75.0,
            r_mv: 1.2,
            wander_mv: 0.0,
            mains_mv: 0.0,
            mains_hz: 60.0,
        }
    }

    /// `seconds` of signal (mV) and the R-peak sample indices.
    pub fn generate(&self, seconds: f32) -> (Vec<f32>, Vec<u64>) {
        let fs = self.sample_rate_hz;
        let n = (seconds * fs) as usize;
        let rr = 60.0 / self.bpm.max(1.0);
        let mut x = vec![0.0f32; n];
        let mut peaks = Vec::new();
        let g = |t: f32, c: f32, w: f32, a: f32| {
            let z = (t - c) / w;
            a * libm::expf(-0.5 * z * z)
        };
        let mut beat_t = 0.5f32;
        while beat_t < seconds - 0.5 {
            let r = libm::roundf(beat_t * fs) as u64;
            peaks.push(r);
            let r_t = r as f32 / fs;
            let from = ((r_t - 0.35) * fs).max(0.0) as usize;
            let to = (((r_t + 0.5) * fs) as usize).min(n);
            for (i, v) in x.iter_mut().enumerate().take(to).skip(from) {
                let t = i as f32 / fs;
                *v += g(t, r_t - 0.18, 0.025, 0.15)
                    + g(t, r_t - 0.025, 0.008, -0.12 * self.r_mv)
                    + g(t, r_t, 0.010, self.r_mv)
                    + g(t, r_t + 0.028, 0.009, -0.25 * self.r_mv)
                    + g(t, r_t + 0.28, 0.05, 0.3);
            }
            beat_t += rr;
        }
        let two_pi = 2.0 * core::f32::consts::PI;
        for (i, v) in x.iter_mut().enumerate() {
            let t = i as f32 / fs;
            *v += self.wander_mv * libm::sinf(two_pi * 0.25 * t)
                + self.mains_mv * libm::sinf(two_pi * self.mains_hz * t);
        }
        (x, peaks)
    }
}
