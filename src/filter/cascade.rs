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
//! section follows the fourth in scalar arithmetic. [`crate::Engine::push_slice`] consumes the
//! slice [`DEPTH`] samples ahead of the sample whose outputs it hands on, and runs the first
//! and last [`DEPTH`] steps with the lanes that hold no sample of the slice left unchanged
//! ([`Wavefront::step_lanes`]), so that every section has processed exactly the slice when it
//! returns.
//!
//! Every lane does what the `biquad` crate's direct form II transposed section does, with the
//! same operations in the same order, so the outputs are bit for bit those of the sections run
//! sample by sample (tested below, and event for event through the engine in
//! `tests/push_slice.rs`).

use super::BiquadStage;

/// Sections computed together; a fifth runs in scalar arithmetic after them.
pub(crate) const LANES: usize = 4;

/// Steps by which the last lane's sample trails the first lane's.
pub(crate) const DEPTH: usize = LANES - 1;

/// Up to [`LANES`] sections in cascade, lane `k` one sample behind lane `k - 1`. Lanes not
/// loaded with a section compute zeros.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Wavefront {
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
    pub(crate) fn load(&mut self, k: usize, stage: &BiquadStage) {
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
    pub(crate) fn store(&self, k: usize, stage: &mut BiquadStage) {
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
    pub(crate) fn step(&mut self, x: f32) -> [f32; LANES] {
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
    pub(crate) fn step_lanes(&mut self, x: f32, from: usize, to: usize) -> [f32; LANES] {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::Stage;
    use alloc::vec::Vec;
    use biquad::Type;

    /// Four sections as the engine chains them, with and without the notch.
    fn chains(fs: f32) -> [[BiquadStage; LANES]; 2] {
        let hp = |f| BiquadStage::highpass(f, fs, "test").unwrap();
        let lp = |f| BiquadStage::lowpass(f, fs, "test").unwrap();
        let notch = BiquadStage::new(Type::Notch, 50.0, 30.0, fs, "test").unwrap();
        [
            [hp(0.5), notch, lp(40.0), hp(5.0)],
            [hp(0.5), lp(40.0), hp(5.0), lp(15.0)],
        ]
    }

    /// A test signal with every kind of trouble: a QRS-like pulse train on a wandering
    /// baseline, mains hum, a step and saturation.
    fn signal(fs: f32, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| {
                let t = i as f32 / fs;
                let pulse = if (t * 1.2).fract() < 0.03 { 1.5 } else { 0.0 };
                let v = pulse
                    + 0.4 * libm::sinf(2.0 * core::f32::consts::PI * 0.3 * t)
                    + 0.05 * libm::sinf(2.0 * core::f32::consts::PI * 50.0 * t)
                    + if i > n / 2 { 2.0 } else { 0.0 };
                if i % 997 > 990 {
                    5.0
                } else {
                    v
                }
            })
            .collect()
    }

    /// Run `x` through `sections` as the engine does over one slice: loaded into a wavefront,
    /// `DEPTH` steps ahead, the first and last steps with only the lanes that hold a sample of
    /// the slice, the state given back. Returns every lane's output for every sample.
    fn skewed(sections: &mut [BiquadStage; LANES], x: &[f32]) -> Vec<[f32; LANES]> {
        let mut w = Wavefront::default();
        for (k, stage) in sections.iter().enumerate() {
            w.load(k, stage);
        }
        let mut outputs = alloc::vec![[0.0; LANES]; x.len()];
        for s in 0..x.len() + DEPTH {
            let (from, to) = ((s + 1).saturating_sub(x.len()), s.min(DEPTH));
            let input = x.get(s).copied().unwrap_or(0.0);
            let out = if (from, to) == (0, DEPTH) {
                w.step(input)
            } else {
                w.step_lanes(input, from, to)
            };
            for (k, &o) in out.iter().enumerate().take(to + 1).skip(from) {
                outputs[s - k][k] = o;
            }
        }
        for (k, stage) in sections.iter_mut().enumerate() {
            w.store(k, stage);
        }
        outputs
    }

    #[test]
    fn lanes_are_the_sections_sample_by_sample_bit_for_bit() {
        for fs in [125.0, 250.0, 360.0, 500.0, 1000.0] {
            let x = signal(fs, 3000);
            for (mut plain, mut skew) in chains(fs).into_iter().zip(chains(fs)) {
                // Slices of 1 to 40 samples (shorter than the pipeline, too) and a long one.
                let (mut at, mut k) = (0, 0);
                while at < x.len() {
                    let len = if k % 5 == 4 { 700 } else { 1 + k * 7 % 40 };
                    let part = &x[at..(at + len).min(x.len())];
                    for (t, got) in skewed(&mut skew, part).into_iter().enumerate() {
                        let mut v = part[t];
                        for (lane, section) in plain.iter_mut().enumerate() {
                            v = section.run(v);
                            assert_eq!(
                                got[lane].to_bits(),
                                v.to_bits(),
                                "{fs} Hz, sample {}, lane {lane}",
                                at + t
                            );
                        }
                    }
                    at += part.len();
                    k += 1;
                }
                // The state given back is the sections' own: the next outputs agree too.
                for (a, b) in plain.iter_mut().zip(skew.iter_mut()) {
                    assert_eq!(a.run(0.3).to_bits(), b.run(0.3).to_bits());
                }
            }
        }
    }

    #[test]
    fn a_partial_step_leaves_the_other_lanes_alone() {
        let [mut sections, _] = chains(360.0);
        let mut w = Wavefront::default();
        for (k, stage) in sections.iter_mut().enumerate() {
            stage.set_state(k as f32, -(k as f32));
            w.load(k, stage);
        }
        let before = w;
        let out = w.step_lanes(1.0, 1, 2);
        for k in [0, 3] {
            assert_eq!((w.s1[k], w.s2[k], out[k]), (before.s1[k], before.s2[k], 0.0));
        }
        for k in [1, 2] {
            assert_ne!(w.s1[k], before.s1[k]);
        }
    }
}
