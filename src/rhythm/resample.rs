//! Resampling the pre-filtered ECG to the advisor's fixed analysis rate.
//!
//! Every feature of the advisor is computed at [`super::features::RATE_HZ`] = 128 Hz whatever the input
//! rate (125–1000 Hz), so that buffer and FFT sizes are fixed at compile time and a model
//! trained on 250 Hz and 360 Hz records sees the same features at any other rate. The
//! resampler interpolates linearly between the two latest input samples: output `k` lies at
//! input time `k · fs / 128`. The input has already been low-passed at 40 Hz by the pre-filter,
//! which with linear interpolation's own sinc² response keeps aliasing of QRS energy small.
//! Delay: half an input sample on average; work per input sample: one comparison and, at most
//! twice, one multiply-add.

/// Most input samples one [`Resampler::push_block`] takes.
pub const MAX_BLOCK: usize = 64;

/// Linear-interpolating fixed-rate resampler.
#[derive(Clone, Debug)]
pub struct Resampler {
    /// Input samples per output sample.
    step: f64,
    /// Input time of the next output sample.
    next_t: f64,
    prev: f32,
    n: u64,
    /// `n` as a float (exact below 2⁵³ samples), counted rather than converted per sample.
    now: f64,
}

impl Resampler {
    /// A resampler from `input_hz` to `output_hz` (both positive).
    pub fn new(input_hz: f32, output_hz: f32) -> Self {
        Resampler {
            step: input_hz as f64 / output_hz as f64,
            next_t: 0.0,
            prev: 0.0,
            n: 0,
            now: 0.0,
        }
    }

    /// Forget all history.
    pub fn reset(&mut self) {
        self.next_t = 0.0;
        self.prev = 0.0;
        self.n = 0;
        self.now = 0.0;
    }

    /// Push one input sample; the output samples it completes are written to `out` and their
    /// number (0, 1 or 2 — two only when the input rate is below the output rate) is returned.
    #[inline]
    pub fn push(&mut self, x: f32, out: &mut [f32; 2]) -> usize {
        let now = self.now;
        let prev = if self.n == 0 { x } else { self.prev };
        let mut count = 0;
        for slot in out.iter_mut() {
            if self.next_t > now {
                break;
            }
            let frac = (self.next_t - (now - 1.0)).clamp(0.0, 1.0) as f32;
            *slot = prev + (x - prev) * frac;
            self.next_t += self.step;
            count += 1;
        }
        self.prev = x;
        self.n += 1;
        self.now += 1.0;
        count
    }

    /// Push a block of input samples: the same as [`Resampler::push`] on each in turn. Output
    /// samples go to `out` and the index (in `x`) of the input sample that produced each to
    /// `at`; returns how many were produced. At most [`MAX_BLOCK`] inputs are taken (each
    /// produces at most two outputs, since the input rate is at least half the output rate).
    #[inline]
    pub fn push_block(
        &mut self,
        x: &[f32],
        out: &mut [f32; 2 * MAX_BLOCK],
        at: &mut [u8; 2 * MAX_BLOCK],
    ) -> usize {
        let x = x.get(..x.len().min(MAX_BLOCK)).unwrap_or(&[]);
        let Some(&first) = x.first() else {
            return 0;
        };
        let (mut next_t, mut now) = (self.next_t, self.now);
        let mut prev = if self.n == 0 { first } else { self.prev };
        let mut count = 0;
        for (i, &x) in x.iter().enumerate() {
            for _ in 0..2 {
                if next_t > now {
                    break;
                }
                let frac = (next_t - (now - 1.0)).clamp(0.0, 1.0) as f32;
                if let (Some(o), Some(a)) = (out.get_mut(count), at.get_mut(count)) {
                    *o = prev + (x - prev) * frac;
                    *a = i as u8;
                }
                next_t += self.step;
                count += 1;
            }
            prev = x;
            now += 1.0;
        }
        self.next_t = next_t;
        self.now = now;
        self.prev = prev;
        self.n += x.len() as u64;
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_push_is_sample_push() {
        for fs in [125.0f32, 250.0, 360.0, 1000.0] {
            let x: Vec<f32> = (0..(fs * 2.0) as usize)
                .map(|i| (i as f32 * 0.37).sin())
                .collect();
            let mut one = Resampler::new(fs, 128.0);
            let mut by_sample = Vec::new();
            let mut out = [0.0; 2];
            for &v in &x {
                let c = one.push(v, &mut out);
                by_sample.extend(out[..c].iter().map(|v| v.to_bits()));
            }
            let mut many = Resampler::new(fs, 128.0);
            let mut by_block = Vec::new();
            let (mut ys, mut at) = ([0.0; 2 * MAX_BLOCK], [0u8; 2 * MAX_BLOCK]);
            let mut start = 0;
            for len in (1..=MAX_BLOCK + 3).cycle() {
                let end = (start + len).min(x.len());
                let c = many.push_block(&x[start..end], &mut ys, &mut at);
                by_block.extend(ys[..c].iter().map(|v| v.to_bits()));
                assert!(at[..c].iter().all(|&i| (i as usize) < end - start));
                start += (end - start).min(MAX_BLOCK);
                if start >= x.len() {
                    break;
                }
            }
            assert_eq!(by_block, by_sample, "fs {fs}");
        }
    }

    #[test]
    fn resampled_ramp_stays_on_the_ramp_at_every_rate() {
        for fs in [125.0f32, 250.0, 360.0, 1000.0] {
            let mut r = Resampler::new(fs, 128.0);
            let mut got = Vec::new();
            let mut out = [0.0; 2];
            let n = (fs * 3.0) as usize;
            for i in 0..n {
                let c = r.push(i as f32 / fs, &mut out);
                got.extend_from_slice(&out[..c]);
            }
            // Output k is the ramp's value at time k / 128 s.
            assert!((got.len() as f32 - 3.0 * 128.0).abs() <= 1.0, "fs {fs}");
            for (k, &v) in got.iter().enumerate() {
                assert!((v - k as f32 / 128.0).abs() < 1e-4, "fs {fs} k {k}: {v}");
            }
        }
    }
}
