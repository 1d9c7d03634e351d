//! Power spectra of fixed-size segments, behind one small interface.
//!
//! The advisor computes the spectrum of each 2-s segment of the resampled ECG
//! ([`SEGMENT_LEN`] = 256 samples at [`super::features::RATE_HZ`] = 128 Hz, so 0.5 Hz per bin). Two
//! back ends implement [`PowerSpectrum`]:
//!
//! - [`RustFftSpectrum`] (feature `std`): RustFFT's planned complex FFT, run with a scratch
//!   buffer allocated once at construction;
//! - [`MicroFftSpectrum`]: the `microfft` crate's in-place real FFT of fixed size 256, `no_std`
//!   and allocation-free — the back end of firmware builds.
//!
//! [`DefaultSpectrum`] is RustFFT with `std` and microfft without. Both compute the same
//! transform; a test checks that they give the same features.
//!
//! Every back end removes the segment's mean and applies a Hann window before the transform
//! (Harris, Proc. IEEE 1978), so `power[k] = |Σ w[n]·(x[n] − x̄)·e^{−2πikn/N}|²` for
//! `k = 0 ..= N/2`.

/// Samples per spectral segment (a power of two: the FFT size).
pub const SEGMENT_LEN: usize = 256;
/// Bins of a one-sided power spectrum of a segment (DC to Nyquist).
pub const SPECTRUM_BINS: usize = SEGMENT_LEN / 2 + 1;

/// Computes the one-sided power spectrum of a [`SEGMENT_LEN`]-sample segment.
pub trait PowerSpectrum {
    /// Build the back end (allocates its buffers once).
    fn new() -> Self;
    /// Power spectrum of `segment` (mean removed, Hann-windowed) into `power`.
    ///
    /// `segment` is used as scratch and left in an unspecified state.
    fn power(&mut self, segment: &mut [f32; SEGMENT_LEN], power: &mut [f32; SPECTRUM_BINS]) {
        let mean = segment_mean(segment);
        self.power_about(segment, mean, power);
    }

    /// [`PowerSpectrum::power`] of a `segment` whose mean, as [`segment_mean`] computes it, the
    /// caller has at hand (`mean`): for a caller that sums the segment anyway, so that the
    /// back end does not sum it again.
    ///
    /// `segment` is used as scratch and left in an unspecified state.
    fn power_about(
        &mut self,
        segment: &mut [f32; SEGMENT_LEN],
        mean: f32,
        power: &mut [f32; SPECTRUM_BINS],
    );
}

/// The mean every back end removes from a segment: `Σ x / N`, the sum taken in index order
/// (a caller that takes the same sum in the same order has the same value).
pub fn segment_mean(segment: &[f32; SEGMENT_LEN]) -> f32 {
    segment.iter().sum::<f32>() / SEGMENT_LEN as f32
}

/// Hann window value at `n` of [`SEGMENT_LEN`] (periodic form).
fn hann(n: usize) -> f32 {
    let x = core::f32::consts::PI * n as f32 / SEGMENT_LEN as f32;
    let s = libm::sinf(x);
    s * s
}

/// Remove the mean (`mean`, see [`segment_mean`]) and apply the Hann window, in place.
fn prepare(segment: &mut [f32; SEGMENT_LEN], mean: f32, window: &[f32; SEGMENT_LEN]) {
    for (x, w) in segment.iter_mut().zip(window.iter()) {
        *x = (*x - mean) * w;
    }
}

fn hann_table() -> [f32; SEGMENT_LEN] {
    let mut w = [0.0; SEGMENT_LEN];
    for (n, v) in w.iter_mut().enumerate() {
        *v = hann(n);
    }
    w
}

/// `microfft`'s fixed-size real FFT: `no_std`, no allocation.
#[derive(Clone, Debug)]
pub struct MicroFftSpectrum {
    window: [f32; SEGMENT_LEN],
}

impl PowerSpectrum for MicroFftSpectrum {
    fn new() -> Self {
        MicroFftSpectrum {
            window: hann_table(),
        }
    }

    fn power_about(
        &mut self,
        segment: &mut [f32; SEGMENT_LEN],
        mean: f32,
        power: &mut [f32; SPECTRUM_BINS],
    ) {
        prepare(segment, mean, &self.window);
        let spectrum = microfft::real::rfft_256(segment);
        // microfft packs the real Nyquist coefficient into the imaginary part of the DC bin.
        let dc = spectrum[0].re;
        let nyquist = spectrum[0].im;
        power[0] = dc * dc;
        power[SPECTRUM_BINS - 1] = nyquist * nyquist;
        for (p, c) in power[1..SPECTRUM_BINS - 1]
            .iter_mut()
            .zip(spectrum.iter().skip(1))
        {
            *p = c.re * c.re + c.im * c.im;
        }
    }
}

/// RustFFT's planned complex FFT with a scratch buffer allocated at construction.
#[cfg(feature = "std")]
#[derive(Clone)]
pub struct RustFftSpectrum {
    window: [f32; SEGMENT_LEN],
    fft: std::sync::Arc<dyn rustfft::Fft<f32>>,
    buffer: alloc::vec::Vec<rustfft::num_complex::Complex<f32>>,
    scratch: alloc::vec::Vec<rustfft::num_complex::Complex<f32>>,
}

#[cfg(feature = "std")]
impl core::fmt::Debug for RustFftSpectrum {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RustFftSpectrum")
            .field("len", &SEGMENT_LEN)
            .finish()
    }
}

#[cfg(feature = "std")]
impl PowerSpectrum for RustFftSpectrum {
    fn new() -> Self {
        use rustfft::num_complex::Complex;
        let fft = rustfft::FftPlanner::<f32>::new().plan_fft_forward(SEGMENT_LEN);
        let scratch = alloc::vec![Complex::new(0.0, 0.0); fft.get_inplace_scratch_len()];
        RustFftSpectrum {
            window: hann_table(),
            fft,
            buffer: alloc::vec![Complex::new(0.0, 0.0); SEGMENT_LEN],
            scratch,
        }
    }

    fn power_about(
        &mut self,
        segment: &mut [f32; SEGMENT_LEN],
        mean: f32,
        power: &mut [f32; SPECTRUM_BINS],
    ) {
        prepare(segment, mean, &self.window);
        for (b, &x) in self.buffer.iter_mut().zip(segment.iter()) {
            b.re = x;
            b.im = 0.0;
        }
        self.fft
            .process_with_scratch(&mut self.buffer, &mut self.scratch);
        for (p, c) in power.iter_mut().zip(self.buffer.iter()) {
            *p = c.norm_sqr();
        }
    }
}

/// The back end the engine uses: RustFFT with `std`, microfft without.
#[cfg(feature = "std")]
pub type DefaultSpectrum = RustFftSpectrum;
/// The back end the engine uses: RustFFT with `std`, microfft without.
#[cfg(not(feature = "std"))]
pub type DefaultSpectrum = MicroFftSpectrum;

/// Slow, obviously correct DFT power spectrum: the oracle the fast back ends are tested against.
pub fn dft_power(segment: &[f32; SEGMENT_LEN], power: &mut [f32; SPECTRUM_BINS]) {
    let mut x = *segment;
    let mean = segment_mean(&x);
    prepare(&mut x, mean, &hann_table());
    for (k, p) in power.iter_mut().enumerate() {
        let (mut re, mut im) = (0.0f64, 0.0f64);
        for (n, &v) in x.iter().enumerate() {
            let a = -2.0 * core::f64::consts::PI * (k * n) as f64 / SEGMENT_LEN as f64;
            re += v as f64 * libm::cos(a);
            im += v as f64 * libm::sin(a);
        }
        *p = (re * re + im * im) as f32;
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;

    fn test_signal() -> [f32; SEGMENT_LEN] {
        let mut x = [0.0; SEGMENT_LEN];
        for (n, v) in x.iter_mut().enumerate() {
            let t = n as f32 / 128.0;
            *v = 0.3
                + libm::sinf(2.0 * core::f32::consts::PI * 5.0 * t)
                + 0.2 * libm::sinf(2.0 * core::f32::consts::PI * 23.5 * t + 0.4);
        }
        x
    }

    fn check(mut backend: impl PowerSpectrum) {
        let x = test_signal();
        let mut want = [0.0; SPECTRUM_BINS];
        dft_power(&x, &mut want);
        let mut got = [0.0; SPECTRUM_BINS];
        let mut seg = x;
        backend.power(&mut seg, &mut got);
        let peak = want.iter().cloned().fold(0.0f32, f32::max);
        for k in 0..SPECTRUM_BINS {
            assert!(
                (got[k] - want[k]).abs() <= 1e-4 * peak,
                "bin {k}: {} vs {}",
                got[k],
                want[k]
            );
        }
        // 5 Hz at 0.5 Hz per bin is bin 10, the largest.
        let arg = (0..SPECTRUM_BINS)
            .max_by(|&a, &b| got[a].total_cmp(&got[b]))
            .unwrap();
        assert_eq!(arg, 10);
    }

    #[test]
    fn microfft_matches_the_dft_oracle() {
        check(MicroFftSpectrum::new());
    }

    #[test]
    fn rustfft_matches_the_dft_oracle() {
        check(RustFftSpectrum::new());
    }
}
