//! The engine's filter sections run over a slice as a wavefront.
//!
//! Each input sample passes through four or five biquad sections in cascade: the pre-filter's
//! high-pass, mains notch (when on) and low-pass, then the QRS detector's band-pass (high-pass,
//! low-pass). Run one after the other, each section waits for the one before it. Over a slice
//! whose later samples are already known, the sections can instead be *skewed* by one sample
//! each — section `k` processes sample `t - k` while section 0 takes sample `t` — so that the
//! first four compute in the same step, in the four lanes of one vector operation (the
//! pipelining of a cascade: each section's input is the previous section's output of the
//! previous step; Parhi, *VLSI Digital Signal Processing Systems*, Wiley 1999, ch. 3). A fifth
//! section follows the fourth in scalar arithmetic. The slice is consumed three samples ahead
//! of the sample whose outputs are handed on, and the last three steps run with the lanes that
//! would take samples past the slice's end left unchanged, so that every section has processed
//! exactly the slice when the run ends.
//!
//! Every lane does what the `biquad` crate's direct form II transposed section does, with the
//! same operations in the same order, so the outputs are bit for bit those of
//! [`super::PreFilter::run`] and the detector's band-pass run sample by sample; the tests below
//! and the engine's check it.

use super::{BiquadStage, PreFilter};

/// Sections computed together; a fifth runs in scalar arithmetic after them.
const LANES: usize = 4;

/// Steps by which section 3's sample trails section 0's.
const DEPTH: usize = LANES - 1;

/// Up to [`LANES`] sections in cascade, lane `k` one sample behind lane `k - 1`.
#[derive(Clone, Copy, Debug, Default)]
struct Wavefront {
    b0: [f32; LANES],
    b1: [f32; LANES],
    b2: [f32; LANES],
    a1: [f32; LANES],
    a2: [f32; LANES],
    s1: [f32; LANES],
    s2: [f32; LANES],
    /// The outputs of the last step, lane by lane.
    out: [f32; LANES],
}

impl Wavefront {
    /// Put section `stage` (its coefficients and state) in lane `k`.
    fn load(&mut self, k: usize, stage: &BiquadStage) {
        let c = stage.coefficients();
        let (s1, s2) = stage.state();
        let arrays = [
            &mut self.b0,
            &mut self.b1,
            &mut self.b2,
            &mut self.a1,
            &mut self.a2,
            &mut self.s1,
            &mut self.s2,
        ];
        for (array, value) in arrays.into_iter().zip([c.b0, c.b1, c.b2, c.a1, c.a2, s1, s2]) {
            if let Some(slot) = array.get_mut(k) {
                *slot = value;
            }
        }
    }

    /// Give lane `k`'s state back to its section.
    fn store(&self, k: usize, stage: &mut BiquadStage) {
        if let (Some(&s1), Some(&s2)) = (self.s1.get(k), self.s2.get(k)) {
            stage.set_state(s1, s2);
        }
    }

    /// The inputs of the next step: `x` for lane 0, the last outputs shifted one lane up.
    #[inline(always)]
    fn inputs(&self, x: f32) -> [f32; LANES] {
        let [o0, o1, o2, _] = self.out;
        [x, o0, o1, o2]
    }

    /// One step in which every lane holds a sample; returns the outputs.
    #[inline(always)]
    // `k` runs over the lanes of `input`, `LANES` long like every array indexed: in bounds by
    // construction (and the compiler, seeing it, emits no check).
    #[allow(clippy::indexing_slicing)]
    fn step(&mut self, x: f32) -> [f32; LANES] {
        let input = self.inputs(x);
        for (k, v) in input.into_iter().enumerate() {
            // The crate's order: out = s1 + b0·x; s1 = s2 + b1·x − a1·out; s2 = b2·x − a2·out.
            let o = self.s1[k] + self.b0[k] * v;
            self.s1[k] = self.s2[k] + self.b1[k] * v - self.a1[k] * o;
            self.s2[k] = self.b2[k] * v - self.a2[k] * o;
            self.out[k] = o;
        }
        self.out
    }

    /// One step in which only lanes `from..=to` hold a sample (the first and last steps of a
    /// slice): the other lanes keep their state and output.
    #[inline(never)]
    fn step_lanes(&mut self, x: f32, from: usize, to: usize) -> [f32; LANES] {
        let mut next = *self;
        next.step(x);
        let lanes = self.s1.iter_mut().zip(self.s2.iter_mut()).zip(self.out.iter_mut());
        let stepped = next.s1.iter().zip(&next.s2).zip(&next.out);
        for (k, (((s1, s2), out), ((&n1, &n2), &o))) in lanes.zip(stepped).enumerate() {
            if (from..=to).contains(&k) {
                (*s1, *s2, *out) = (n1, n2, o);
            }
        }
        self.out
    }
}

/// The engine's filter sections, copied out of the pre-filter and the detector for a run over
/// a slice ([`Chain::run`]) and given back afterwards ([`Chain::store`]).
#[derive(Clone, Debug)]
pub(crate) struct Chain {
    lanes: Wavefront,
    /// The notch is on: it fills a lane, and the band-pass low-pass runs after the lanes.
    notch: bool,
    /// The band-pass low-pass (its state is the lanes' when `notch` is off).
    fifth: BiquadStage,
}

impl Chain {
    /// The sections of `prefilter` followed by the band-pass `band` (high-pass, low-pass),
    /// with their present state.
    pub(crate) fn load(prefilter: &PreFilter, band: [&BiquadStage; 2]) -> Self {
        let mut lanes = Wavefront::default();
        let (highpass, notch, lowpass) = prefilter.sections();
        lanes.load(0, highpass);
        let mut k = 1;
        if let Some(notch) = notch {
            lanes.load(k, notch);
            k += 1;
        }
        lanes.load(k, lowpass);
        lanes.load(k + 1, band[0]);
        if notch.is_none() {
            lanes.load(k + 2, band[1]);
        }
        Chain {
            lanes,
            notch: notch.is_some(),
            fifth: band[1].clone(),
        }
    }

    /// Give the sections' state back (the same sections as [`Chain::load`]'s).
    pub(crate) fn store(&self, prefilter: &mut PreFilter, band: [&mut BiquadStage; 2]) {
        let [band_highpass, band_lowpass] = band;
        let (highpass, notch, lowpass) = prefilter.sections_mut();
        self.lanes.store(0, highpass);
        let mut k = 1;
        if let Some(notch) = notch {
            self.lanes.store(k, notch);
            k += 1;
        }
        self.lanes.store(k, lowpass);
        self.lanes.store(k + 1, band_highpass);
        if self.notch {
            *band_lowpass = self.fifth.clone();
        } else {
            self.lanes.store(k + 2, band_lowpass);
        }
    }

    /// Filter `samples` (mV; a sample that is not finite is replaced by the last finite one
    /// before it, `last_good` before the first) and call `per_sample(sample, pre-filtered,
    /// band-passed)` for each in order. Slices shorter than [`Chain::MIN_SLICE`] are better
    /// run sample by sample.
    #[inline(always)]
    pub(crate) fn run(
        &mut self,
        samples: &[f32],
        last_good: f32,
        per_sample: impl FnMut(f32, f32, f32),
    ) {
        if self.notch {
            self.run_with::<true>(samples, last_good, per_sample);
        } else {
            self.run_with::<false>(samples, last_good, per_sample);
        }
    }

    /// Below this many samples [`Chain::run`]'s first and last steps are most of the work.
    pub(crate) const MIN_SLICE: usize = 4 * LANES;

    /// [`Chain::run`] with the notch (five sections: the pre-filter's output is lane 2's, the
    /// band-pass output the scalar fifth section's) or without it (four: lane 1's, lane 3's).
    #[inline(always)]
    fn run_with<const NOTCH: bool>(
        &mut self,
        samples: &[f32],
        mut last_good: f32,
        mut per_sample: impl FnMut(f32, f32, f32),
    ) {
        let mut clean = |v: f32| {
            if v.is_finite() {
                last_good = v;
            }
            last_good
        };
        // The step that takes sample `s` in lane 0 gives the pre-filter's output of sample
        // `s - 2` (with the notch) or `s - 1`: `held[0]` is that of the next sample to hand
        // on, `held[1]` (without the notch) that of the one after it.
        let mut held = [0.0f32; 2];
        let take = |out: &[f32; LANES], held: &mut [f32; 2], fifth: &mut BiquadStage| {
            let y = held[0];
            let band = if NOTCH {
                held[0] = out[2];
                super::Stage::run(fifth, out[3])
            } else {
                *held = [held[1], out[1]];
                out[3]
            };
            (y, band)
        };
        let len = samples.len();
        for s in 0..DEPTH {
            // Step `s` takes sample `s` in lane 0 (when there is one) and sample `s - k` in
            // lane `k`: lanes holding no sample of the slice are left as they are.
            let x = samples.get(s).map_or(0.0, |&v| clean(v));
            let out = self.lanes.step_lanes(x, (s + 1).saturating_sub(len), s);
            match (NOTCH, s) {
                (true, 2) => held[0] = out[2],
                (false, 1) => held[0] = out[1],
                (false, 2) => held[1] = out[1],
                _ => {}
            }
        }
        let body = samples.len().saturating_sub(DEPTH);
        let ahead = samples.get(DEPTH..).unwrap_or(&[]);
        for (&sample, &next) in samples.iter().zip(ahead) {
            let out = self.lanes.step(clean(next));
            let (y, band) = take(&out, &mut held, &mut self.fifth);
            per_sample(sample, y, band);
        }
        for (t, &sample) in samples.iter().enumerate().skip(body) {
            // The step that hands on sample `t` would take sample `t + DEPTH` in lane 0; lanes
            // below `t + DEPTH + 1 - len` would take samples past the end: left as they are.
            let out = self.lanes.step_lanes(0.0, t + DEPTH + 1 - len, LANES - 1);
            let (y, band) = take(&out, &mut held, &mut self.fifth);
            per_sample(sample, y, band);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::filter::Stage;
    use alloc::vec::Vec;

    /// The sections of the engine for `config`: the pre-filter and the detector's band-pass.
    fn sections(config: &Config) -> (PreFilter, [BiquadStage; 2]) {
        let fs = config.sample_rate_hz;
        let q = &config.qrs;
        (
            PreFilter::new(config).unwrap(),
            [
                BiquadStage::highpass(q.band_low_hz, fs, "qrs.band_low_hz").unwrap(),
                BiquadStage::lowpass(q.band_high_hz, fs, "qrs.band_high_hz").unwrap(),
            ],
        )
    }

    /// A test signal with every kind of trouble: a QRS-like pulse train on a wandering
    /// baseline, mains hum, a step, saturation, NaN and infinite samples.
    fn signal(fs: f32, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| {
                let t = i as f32 / fs;
                let pulse = if (t * 1.2).fract() < 0.03 { 1.5 } else { 0.0 };
                let v = pulse
                    + 0.4 * libm::sinf(2.0 * core::f32::consts::PI * 0.3 * t)
                    + 0.05 * libm::sinf(2.0 * core::f32::consts::PI * 60.0 * t)
                    + if i > n / 2 { 2.0 } else { 0.0 };
                match i % 997 {
                    13 => f32::NAN,
                    14 => f32::INFINITY,
                    500..=520 => 5.0,
                    _ => v,
                }
            })
            .collect()
    }

    /// Every output and the final state of a chain run over `slices` of `x` against the
    /// sections run one after the other, sample by sample, bit for bit.
    fn check(config: &Config, x: &[f32], slice: impl Fn(usize) -> usize) {
        let (mut pre, [mut bhp, mut blp]) = sections(config);
        let (mut pre_w, [mut bhp_w, mut blp_w]) = sections(config);
        let mut last_good = 0.0;
        let mut expected = Vec::new();
        for &v in x {
            if v.is_finite() {
                last_good = v;
            }
            let y = pre.run(last_good);
            expected.push((v.to_bits(), y.to_bits(), blp.run(bhp.run(y)).to_bits()));
        }
        let mut got = Vec::new();
        let (mut at, mut k, mut good) = (0, 0, 0.0f32);
        while at < x.len() {
            let part = &x[at..(at + slice(k)).min(x.len())];
            let mut chain = Chain::load(&pre_w, [&bhp_w, &blp_w]);
            chain.run(part, good, |v, y, b| {
                got.push((v.to_bits(), y.to_bits(), b.to_bits()))
            });
            chain.store(&mut pre_w, [&mut bhp_w, &mut blp_w]);
            good = part.iter().rev().copied().find(|v| v.is_finite()).unwrap_or(good);
            at += part.len();
            k += 1;
        }
        assert_eq!(got.len(), expected.len());
        for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
            assert_eq!(g, e, "sample {i} at {} Hz", config.sample_rate_hz);
        }
        // The state given back is the sections' own: the next outputs agree too.
        for v in [0.3f32, -1.0, 0.7] {
            assert_eq!(pre.run(v).to_bits(), pre_w.run(v).to_bits());
            assert_eq!(bhp.run(v).to_bits(), bhp_w.run(v).to_bits());
            assert_eq!(blp.run(v).to_bits(), blp_w.run(v).to_bits());
        }
    }

    #[test]
    fn a_run_is_the_sections_sample_by_sample_bit_for_bit() {
        for fs in [125.0, 250.0, 360.0, 500.0, 1000.0] {
            for notch in [true, false] {
                let mut config = Config::with_sample_rate(fs);
                config.filter.notch = notch;
                let x = signal(fs, 5000);
                // One slice, slices of every length from 1 up, and the engine's block size.
                check(&config, &x, |_| usize::MAX);
                check(&config, &x, |k| 1 + k % 40);
                check(&config, &x, |_| 256);
            }
        }
    }
}
