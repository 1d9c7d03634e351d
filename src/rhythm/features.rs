//! Incremental feature extraction over the analysis window.
//!
//! The pre-filtered ECG is resampled to [`RATE_HZ`] (128 Hz) and summarised at three time
//! scales, so that a decision only combines small pre-computed summaries:
//!
//! - **per sample** (input rate): raw-signal quality counters (missing samples, stuck runs,
//!   raw extremes) — a few comparisons;
//! - **per block** of [`BLOCK_LEN`] = 32 resampled samples (0.25 s): sums of `|x|`, `x²`, `x⁴`,
//!   `|Δx|` and the extremes, updated with each resampled sample;
//! - **per segment** (2 s, every 1 s hop): spectrum, TCSC, VF-filter leakage and Lempel–Ziv
//!   complexity, each due on its own resampled tick (four consecutive ticks after the hop) and
//!   run in its own push (see [`FeatureExtractor::push_block_deferred`]; a summary first
//!   completes those already due), so that no push but a decision's does more than one of them;
//! - **per beat** (from the QRS detector): RR interval, QRS width and amplitude, and the
//!   correlation of the QRS with the previous one (25 resampled samples).
//!
//! A decision ([`FeatureExtractor::summarize`]) averages the segments and blocks inside the
//! window, computes the beat statistics and the waveform's autocorrelation at short lags
//! ([`fast_periodicity`]) from the resampled history.
//!
//! ## Worst-case work
//! With `W` = window length in seconds (≤ 16), per push:
//! - every input sample: ≈ 15 operations (resampler, quality counters);
//! - every resampled tick (128 per second): ≈ 20 operations (ring write, block sums);
//! - every closed block (4 per second): its 32 samples averaged in groups of four (the 32-Hz
//!   signal of [`fast_periodicity`]), and the eight averages added to the 33 running sums from
//!   the latest block starts (the sum a decision's window removes the mean with);
//! - one tick in 128: the 256-point FFT (≈ 5 000 flops with windowing and power) **or** TCSC
//!   (≈ 800) **or** the leakage and the binarisation for Lempel–Ziv (≈ 1 500) **or** the
//!   Lempel–Ziv parse — never two in the same tick. The parse is bit-parallel
//!   ([`lempel_ziv_packed`]): at most `n + c` ≤ 2·256 steps of 8 word operations whatever the
//!   data (≈ 8 000 instructions measured; the plain Kaspar–Schuster parse needs up to
//!   `n²/2` comparisons, ≈ 120 000 instructions measured on mitdb 100);
//! - per beat: ≈ 150 operations (snippet correlation);
//! - per decision: ≤ 4·W blocks × 12 + a sort of ≤ 64 values + ≤ W segments × 70 + ≤ 96 beats
//!   × 15 ≈ 4 000 operations, plus the fast periodicity over the last 8 s (11 lags × 256
//!   multiply-adds of the 32-Hz signal decimated as the blocks closed, ≈ 3 600; 1 024 more
//!   additions when the window's groups of four are not the blocks', see
//!   `FeatureExtractor::fast_periodicity`), then the model (see [`super::model`]).

use crate::filter::history::History;
use crate::filter::runs::{equal_pairs, trailing_equal_pairs};
use crate::qrs::Beat;

use super::spectrum::{PowerSpectrum, SEGMENT_LEN, SPECTRUM_BINS};

/// The fixed analysis rate, Hz.
pub const RATE_HZ: f32 = 128.0;
/// Resampled samples per block (0.25 s).
pub const BLOCK_LEN: usize = 32;
/// Analysis phases of one segment (spectrum, TCSC, leakage, Lempel–Ziv).
const PHASES: u8 = 4;
/// Most input samples one [`FeatureExtractor::push_block`] takes (one bit each in a `u64`).
pub const MAX_PUSH_BLOCK: usize = super::resample::MAX_BLOCK;
/// Resampled samples between segment analyses (1 s).
pub const HOP_LEN: usize = 128;
/// TCSC's segment length, resampled samples (3 s, Arafat et al. 2009).
pub const TCSC_LEN: usize = 384;
/// Resampled-signal history (8 s): enough for TCSC and late-confirmed beats.
const RING_LEN: usize = 1024;
/// Shortest run of raw samples whose stuck count starts with a count of equal neighbours (one
/// comparison loop); shorter ones (sample-by-sample pushes) take the per-sample run loop.
const MIN_PAIR_COUNT_LEN: usize = 8;
/// Half-length of the QRS snippet used for beat correlation, resampled samples (±94 ms).
const SNIPPET_HALF: usize = 12;
const SNIPPET_LEN: usize = 2 * SNIPPET_HALF + 1;
/// Spectral bins kept per segment: 0 to 32 Hz at 0.5 Hz.
const KEPT_BINS: usize = 65;
/// Hz per spectral bin.
const BIN_HZ: f32 = RATE_HZ / SEGMENT_LEN as f32;
/// Most beats a window can hold (16 s at the detector's 300 bpm ceiling, with margin).
const BEAT_CAPACITY: usize = 96;
/// 64-bit words holding a binarised segment.
const LZ_WORDS: usize = SEGMENT_LEN / 64;

/// Fewest RR intervals for [`WindowSummary::rr_regular`] to be measured.
pub const MIN_RR_FOR_REGULARITY: u32 = 4;

/// Tolerance of the sum of a pair of RR intervals against one or two median cycles in
/// [`rr_explained`], as a fraction of that sum.
const PAIR_TOLERANCE: f32 = 0.10;
/// Tolerance of a single RR interval against the median (the ±15 % of Tateno & Glass 2001).
const RR_TOLERANCE: f32 = 0.15;
/// Decimation of the resampled signal for [`fast_periodicity`] (128 Hz / 4 = 32 Hz).
const PERIODICITY_DECIMATION: usize = 4;
/// Shortest and longest lag of [`fast_periodicity`], samples at 32 Hz (0.156 s and 0.469 s:
/// rates of 384 and 128 per minute; the next lag, 0.5 s, is the slow rule's 120 bpm).
const PERIODICITY_LAGS: (usize, usize) = (5, 15);
/// Decimated samples [`fast_periodicity`] looks at (the resampled ring's 8 s).
const PERIODICITY_LEN: usize = RING_LEN / PERIODICITY_DECIMATION;
/// Decimated samples per block.
const DECIMATED_PER_BLOCK: usize = BLOCK_LEN / PERIODICITY_DECIMATION;
/// Running sums of the decimated samples kept, one from each of the latest block starts: as
/// many as a [`PERIODICITY_LEN`] window can start at, and one more.
const DECIMATED_SUMS: usize = PERIODICITY_LEN / DECIMATED_PER_BLOCK + 1;

/// Number of features.
pub const N_FEATURES: usize = 21;

/// Feature names, in the order of [`Features::values`].
pub const FEATURE_NAMES: [&str; N_FEATURES] = [
    "tcsc",
    "vf_leakage",
    "lz_complexity",
    "dominant_freq_hz",
    "spectral_moment_hz",
    "band_low",
    "band_vf",
    "band_high",
    "spectral_a2",
    "noise_hf",
    "log_kurtosis",
    "log_ptp_mv",
    "ptp_cv",
    "flat_fraction",
    "mean_freq_hz",
    "beat_rate_bpm",
    "rr_cv",
    "qrs_width_ms",
    "amplitude_cv",
    "beat_correlation",
    "fast_periodicity",
];

/// Indices into [`Features::values`], with the paper behind each feature.
pub mod index {
    /// Threshold crossing sample count: fraction of samples above 20 % of the 3-s segment's
    /// maximum (Arafat, Chowdhury & Hasan, Med Biol Eng Comput 2009; 47:1083-1094).
    pub const TCSC: usize = 0;
    /// VF-filter leakage: a notch at the signal's mean frequency leaves little of a sine-like
    /// VF and much of a spiky QRS train (Kuo & Dillman, Computers in Cardiology 1978).
    pub const VF_LEAKAGE: usize = 1;
    /// Normalised Lempel–Ziv complexity of the binarised segment (Zhang, Zhu, Thakor & Wang,
    /// IEEE TBME 1999; 46(5):548-555), Kaspar–Schuster algorithm (Phys Rev A 1987).
    pub const LZ_COMPLEXITY: usize = 2;
    /// Frequency of the Welch spectrum's peak in 0.5–15 Hz (Barro et al., J Biomed Eng 1989;
    /// reviewed by Amann, Tratnig & Unterkofler, Biomed Eng Online 2005).
    pub const DOMINANT_FREQ_HZ: usize = 3;
    /// First spectral moment over 0.5–32 Hz, Hz (Barro et al. 1989, parameter M).
    pub const SPECTRAL_MOMENT_HZ: usize = 4;
    /// Power fraction in 0.5–1.5 Hz (band-energy ratio; Amann et al. 2005).
    pub const BAND_LOW: usize = 5;
    /// Power fraction in 2–10 Hz, where VF concentrates (Barro et al. 1989).
    pub const BAND_VF: usize = 6;
    /// Power fraction in 12–32 Hz, the QRS's steep edges (Barro et al. 1989, parameter A3 idea).
    pub const BAND_HIGH: usize = 7;
    /// Power fraction within 0.7–1.4 × the dominant frequency (Barro et al. 1989, A2).
    pub const SPECTRAL_A2: usize = 8;
    /// Power fraction above 30 Hz: broadband (muscle, motion) noise (Clifford et al., Physiol
    /// Meas 2012, spectral signal-quality indices).
    pub const NOISE_HF: usize = 9;
    /// ln of the kurtosis: peaky QRS trains are far from Gaussian, VF is close (kSQI, Li,
    /// Mark & Clifford, Physiol Meas 2008; used for VF by Figuera et al., PLoS One 2016).
    pub const LOG_KURTOSIS: usize = 10;
    /// log10 of the median 0.25-s peak-to-peak amplitude, mV (amplitude statistics; Amann
    /// et al. 2005; asystole < 0.1 mV by convention).
    pub const LOG_PTP_MV: usize = 11;
    /// Coefficient of variation of the 0.25-s peak-to-peak amplitudes (envelope steadiness).
    pub const PTP_CV: usize = 12;
    /// Fraction of 0.25-s blocks below the asystole amplitude (pauses, fine VF, asystole).
    pub const FLAT_FRACTION: usize = 13;
    /// Mean frequency from the slope ratio, `fs·Σ|Δx| / (2π Σ|x|)`, Hz (the N of Kuo &
    /// Dillman 1978).
    pub const MEAN_FREQ_HZ: usize = 14;
    /// Detected-beat rate over the window, bpm (Pan & Tompkins detector; rate criterion of
    /// AHA's AED recommendations, Kerber et al., Circulation 1997).
    pub const BEAT_RATE_BPM: usize = 15;
    /// Coefficient of variation of the RR intervals (RR regularity; Tateno & Glass, Med Biol
    /// Eng Comput 2001).
    pub const RR_CV: usize = 16;
    /// Median QRS width from the detector's energy envelope, ms (wide QRS of ventricular
    /// rhythms; Jekova & Krasteva, Physiol Meas 2004).
    pub const QRS_WIDTH_MS: usize = 17;
    /// Coefficient of variation of the QRS amplitudes (morphology consistency).
    pub const AMPLITUDE_CV: usize = 18;
    /// Mean correlation of each QRS with the previous one (template consistency; Krasteva &
    /// Jekova, Physiol Meas 2005).
    pub const BEAT_CORRELATION: usize = 19;
    /// Largest autocorrelation of the ECG at 0.15–0.5 s lags: how strongly the waveform recurs
    /// faster than 120 per minute, whether or not the detector follows it (autocorrelation
    /// VF detection, Chen, Thakor & Mower, Med Biol Eng Comput 1987; see
    /// [`super::fast_periodicity`]).
    pub const FAST_PERIODICITY: usize = 20;
}

/// The feature vector of one window.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Features {
    /// Values in the order of [`FEATURE_NAMES`].
    pub values: [f32; N_FEATURES],
}

/// Signal-quality measures of one window (raw input).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct QualityMeasures {
    /// Input samples in the window's blocks.
    pub samples: u32,
    /// Non-finite input samples.
    pub missing: u32,
    /// Input samples inside runs of identical values longer than the stuck-run time.
    pub stuck: u32,
    /// Raw peak-to-peak over the window, mV.
    pub raw_ptp_mv: f32,
    /// Largest 0.25-s peak-to-peak of the pre-filtered signal, mV.
    pub max_block_ptp_mv: f32,
    /// Median 0.25-s peak-to-peak of the pre-filtered signal, mV.
    pub median_block_ptp_mv: f32,
}

/// What a decision is built from: features, quality, heart rate.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct WindowSummary {
    /// Classifier inputs.
    pub features: Features,
    /// Signal-quality measures.
    pub quality: QualityMeasures,
    /// Heart rate from the median RR of the window's beats, bpm.
    pub hr_bpm: Option<f32>,
    /// Fraction of the window's RR intervals within ±15 % of their median (0 with fewer than
    /// [`MIN_RR_FOR_REGULARITY`] intervals): a rhythm-regularity measure robust to the odd
    /// missed or extra beat, unlike the coefficient of variation (the "RR within 15 % of the
    /// median" criterion of Tateno & Glass, Med Biol Eng Comput 2001, used there for AF).
    pub rr_regular: f32,
    /// Fraction of the window's RR intervals (0 with fewer than [`MIN_RR_FOR_REGULARITY`])
    /// that a regular rhythm with ectopic beats explains ([`rr_explained`]): those within ±15 %
    /// of the median, plus consecutive pairs that add up to one or two median cycles (a
    /// premature beat and its compensatory pause, an interpolated beat or a complex detected
    /// twice). At least [`WindowSummary::rr_regular`].
    pub rr_explained: f32,
    /// Resampled blocks and spectral segments that went into the summary.
    pub blocks: u32,
    /// Spectral segments that went into the summary.
    pub segments: u32,
}

/// The extremes are not adjacent (`repr(C)` keeps this order): adjacent, the compiler packs
/// their two selects into one two-lane vector update of six times the instructions.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
struct Block {
    /// Resampled index of the block's first sample.
    first: u64,
    sum_abs: f32,
    sum_sq: f32,
    sum_4: f32,
    sum_abs_diff: f32,
    max: f32,
    inputs: u32,
    min: f32,
    stuck: u32,
    raw_max: f32,
    missing: u32,
    raw_min: f32,
    len: u32,
}

impl Default for Block {
    fn default() -> Self {
        Block {
            first: 0,
            sum_abs: 0.0,
            sum_sq: 0.0,
            sum_4: 0.0,
            sum_abs_diff: 0.0,
            max: f32::MIN,
            min: f32::MAX,
            raw_max: f32::MIN,
            raw_min: f32::MAX,
            inputs: 0,
            stuck: 0,
            missing: 0,
            len: 0,
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Segment {
    /// Resampled index one past the segment's last sample.
    end: u64,
    spectrum: [f32; KEPT_BINS],
    /// Power above 30 Hz.
    hf: f32,
    tcsc: f32,
    leakage: f32,
    lz: f32,
}

impl Default for Segment {
    fn default() -> Self {
        Segment {
            end: 0,
            spectrum: [0.0; KEPT_BINS],
            hf: 0.0,
            tcsc: 0.0,
            leakage: 0.0,
            lz: 0.0,
        }
    }
}

#[derive(Clone, Copy, Debug, Default)]
struct BeatRecord {
    sample: u64,
    width_ms: f32,
    amplitude_mv: f32,
    /// Correlation with the previous QRS, when both snippets were available.
    correlation: Option<f32>,
}

/// Thresholds of the features, in physical units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FeatureParams {
    /// A run of identical raw values longer than this counts as stuck, ms.
    pub stuck_run_ms: f32,
    /// Blocks below this peak-to-peak amplitude count as flat, mV.
    pub flat_mv: f32,
}

impl Default for FeatureParams {
    fn default() -> Self {
        FeatureParams {
            stuck_run_ms: 50.0,
            flat_mv: 0.1,
        }
    }
}

/// Turns the ECG and the detector's beats into window features, incrementally.
#[derive(Clone, Debug)]
pub struct FeatureExtractor<S: PowerSpectrum> {
    fs: f32,
    params: FeatureParams,
    stuck_run: u32,
    resampler: super::resample::Resampler,
    /// The resampled samples of the block being pushed (kept here so that a push does not
    /// initialise them)…
    block_ticks: [f32; 2 * MAX_PUSH_BLOCK],
    /// …and the index in the block of the input sample that produced each.
    block_tick_inputs: [u8; 2 * MAX_PUSH_BLOCK],
    ring: History<f32>,
    blocks: History<Block>,
    current: Block,
    segments: History<Segment>,
    pending: Option<(Segment, u8)>,
    /// The pending segment's `Σ|x|` and `Σ|Δx|`, from its first phase, for its leakage.
    leakage_sums: (f32, f32),
    /// End (resampled index) of the segment whose analysis is under way.
    segment_end: u64,
    /// How many of that segment's four analysis phases are due (one per tick from its hop)…
    phases_due: u8,
    /// …and how many have run: a phase may run a few pushes after its tick (see
    /// [`FeatureExtractor::run_segment_phase`]); it reads the ring by absolute index, so when
    /// it runs does not change what it computes.
    phases_run: u8,
    spectrum: S,
    segment_buf: [f32; SEGMENT_LEN],
    power_buf: [f32; SPECTRUM_BINS],
    /// The segment being analysed, binarised for Lempel–Ziv (bit p = sample p above the mean).
    lz_bits: [u64; LZ_WORDS],
    beats: History<BeatRecord>,
    last_snippet: Option<[f32; SNIPPET_LEN]>,
    /// Resampled samples produced so far.
    ticks: u64,
    prev_dec: f32,
    /// The closed blocks' resampled samples at 32 Hz (means of groups of four, from index 0),
    /// for [`fast_periodicity`]: decimated once per block rather than once per decision.
    decimated: History<f32>,
    /// The sum of the decimated samples from each of the latest block starts to the newest
    /// (slot `(start / DECIMATED_PER_BLOCK) % DECIMATED_SUMS`), added as each block closes:
    /// the sum a decision's [`fast_periodicity`] removes the mean with, ready (see
    /// [`FeatureExtractor::decimated_sum`])…
    decimated_sums: [f32; DECIMATED_SUMS],
    /// …and the decimated index each starts at (`u64::MAX`: none).
    decimated_sum_starts: [u64; DECIMATED_SUMS],
    prev_raw: f32,
    run: u32,
    n: u64,
}

impl<S: PowerSpectrum> FeatureExtractor<S> {
    /// An extractor for windows up to `max_window_s` long at input rate `fs`.
    pub fn new(fs: f32, max_window_s: f32, params: FeatureParams) -> Self {
        let window_blocks = libm::ceilf(max_window_s * RATE_HZ / BLOCK_LEN as f32) as usize;
        let window_segments = libm::ceilf(max_window_s * RATE_HZ / HOP_LEN as f32) as usize;
        FeatureExtractor {
            fs,
            params,
            stuck_run: libm::roundf(params.stuck_run_ms * fs / 1000.0).max(2.0) as u32,
            resampler: super::resample::Resampler::new(fs, RATE_HZ),
            block_ticks: [0.0; 2 * MAX_PUSH_BLOCK],
            block_tick_inputs: [0; 2 * MAX_PUSH_BLOCK],
            ring: History::new(RING_LEN),
            blocks: History::new(window_blocks + 4),
            current: Block::default(),
            segments: History::new(window_segments + 4),
            pending: None,
            leakage_sums: (0.0, 0.0),
            segment_end: 0,
            phases_due: 0,
            phases_run: 0,
            spectrum: S::new(),
            segment_buf: [0.0; SEGMENT_LEN],
            power_buf: [0.0; SPECTRUM_BINS],
            lz_bits: [0; LZ_WORDS],
            beats: History::new(BEAT_CAPACITY),
            last_snippet: None,
            ticks: 0,
            prev_dec: 0.0,
            decimated: History::new(PERIODICITY_LEN),
            decimated_sums: [0.0; DECIMATED_SUMS],
            decimated_sum_starts: [u64::MAX; DECIMATED_SUMS],
            prev_raw: 0.0,
            run: 0,
            n: 0,
        }
    }

    /// Forget all history.
    pub fn reset(&mut self) {
        self.resampler.reset();
        self.ring.reset();
        self.blocks.reset();
        self.current = Block::default();
        self.segments.reset();
        self.pending = None;
        self.leakage_sums = (0.0, 0.0);
        self.segment_end = 0;
        self.phases_due = 0;
        self.phases_run = 0;
        self.beats.reset();
        self.last_snippet = None;
        self.ticks = 0;
        self.prev_dec = 0.0;
        self.decimated.reset();
        self.decimated_sums = [0.0; DECIMATED_SUMS];
        self.decimated_sum_starts = [u64::MAX; DECIMATED_SUMS];
        self.prev_raw = 0.0;
        self.run = 0;
        self.n = 0;
    }

    /// Push one input sample: the raw value (after missing-sample substitution), whether it was
    /// missing, the pre-filtered value, and the beat the detector confirmed during this push.
    #[inline]
    pub fn push(&mut self, raw_mv: f32, missing: bool, filtered_mv: f32, beat: Option<&Beat>) {
        self.push_block(&[raw_mv], u64::from(missing), &[filtered_mv], beat);
    }

    /// Push a block of consecutive input samples, the same as [`FeatureExtractor::push`] on
    /// each in turn: raw values `raw_mv` (after missing-sample substitution; bit `k` of
    /// `missing` set when sample `k` was missing), pre-filtered values `filtered_mv` (as many),
    /// and the beat the detector confirmed during the push of the block's last sample. At most
    /// [`MAX_PUSH_BLOCK`] samples are taken (the rest, and `beat` with them, are ignored).
    #[inline]
    pub fn push_block(
        &mut self,
        raw_mv: &[f32],
        missing: u64,
        filtered_mv: &[f32],
        beat: Option<&Beat>,
    ) {
        self.push_block_deferred(raw_mv, missing, filtered_mv, beat);
        self.finish_segment_work();
    }

    /// [`FeatureExtractor::push_block`] that leaves the segment analyses due in this block to
    /// later calls of [`FeatureExtractor::run_segment_phase`] (one per push, so that a block does
    /// not bunch them into one push) and [`FeatureExtractor::finish_segment_work`] (before a
    /// summary).
    #[inline]
    pub fn push_block_deferred(
        &mut self,
        raw_mv: &[f32],
        missing: u64,
        filtered_mv: &[f32],
        beat: Option<&Beat>,
    ) {
        let len = raw_mv.len().min(filtered_mv.len());
        let len = len.min(MAX_PUSH_BLOCK);
        let (Some(raw_mv), Some(filtered_mv)) = (raw_mv.get(..len), filtered_mv.get(..len)) else {
            return;
        };
        let produced =
            self.resampler
                .push_block(filtered_mv, &mut self.block_ticks, &mut self.block_tick_inputs);
        // Each input's raw counters go into the block that is open when it arrives, that is
        // before the resampled samples it produces; they are read only once the block is
        // closed, so they are counted in runs that end where a block closes.
        let mut counted = 0;
        if produced > 0 {
            self.tick_block(produced, raw_mv, missing, &mut counted);
        }
        self.count_raw(raw_mv.get(counted..).unwrap_or(&[]), missing.checked_shr(counted as u32).unwrap_or(0));
        if let Some(beat) = beat.filter(|_| len > 0) {
            self.on_beat(beat);
        }
    }

    /// The `produced` resampled samples of a pushed block (`raw_mv`, `missing` as in
    /// [`FeatureExtractor::push_block`]), with the raw counts of the inputs before each block
    /// that closes; `counted` tells how many inputs have been counted.
    #[inline]
    fn tick_block(&mut self, produced: usize, raw_mv: &[f32], missing: u64, counted: &mut usize) {
        // The open block is worked on as a local (its sums stay in registers through the
        // loop) and stored back around the raw counts, which go into it too.
        let mut open = self.current;
        for j in 0..produced {
            let (Some(&y), Some(&i)) = (self.block_ticks.get(j), self.block_tick_inputs.get(j))
            else {
                break;
            };
            let upto = i as usize + 1;
            if open.len as usize + 1 >= BLOCK_LEN && upto > *counted {
                self.current = open;
                self.count_raw(raw_mv.get(*counted..upto).unwrap_or(&[]), missing >> *counted);
                open = self.current;
                *counted = upto;
            }
            self.tick(&mut open, y);
        }
        self.current = open;
    }

    /// Raw quality counters of consecutive input samples (bit `k` of `missing`: sample `k` was
    /// missing), into the open block.
    #[inline]
    fn count_raw(&mut self, raw_mv: &[f32], missing: u64) {
        let len = raw_mv.len().min(MAX_PUSH_BLOCK);
        let Some(raw_mv) = raw_mv.get(..len).filter(|r| !r.is_empty()) else {
            return;
        };
        self.n += len as u64;
        let missing = missing & (u64::MAX >> (64 - len));
        let (mut run, mut prev) = (self.run, self.prev_raw);
        let mut stuck = 0;
        if missing == 0 && len >= MIN_PAIR_COUNT_LEN {
            // A run grows by one per pair of equal neighbours, so with fewer of them than the
            // stuck-run length still to go, no sample here is stuck; the run left at the end
            // is then the trailing equal pairs (plus the carried run if all pairs are). The
            // pairs are counted in one comparison loop without a carried dependency.
            let last = raw_mv.last().copied().unwrap_or(prev);
            let pairs = equal_pairs(prev, raw_mv);
            if run.saturating_add(pairs) < self.stuck_run {
                let trailing = trailing_equal_pairs(prev, raw_mv);
                run = if trailing == len as u32 {
                    run.saturating_add(trailing)
                } else {
                    trailing
                };
                prev = last;
            } else {
                for &v in raw_mv {
                    run = if v == prev { run.saturating_add(1) } else { 0 };
                    stuck += u32::from(run >= self.stuck_run);
                    prev = v;
                }
            }
        } else if missing == 0 {
            // Too few samples for the pair count to pay.
            for &v in raw_mv {
                run = if v == prev { run.saturating_add(1) } else { 0 };
                stuck += u32::from(run >= self.stuck_run);
                prev = v;
            }
        } else {
            for (k, &v) in raw_mv.iter().enumerate() {
                run = if (missing >> k) & 1 == 1 {
                    // Counted as missing, not as a stuck run of the substituted value.
                    0
                } else if v == prev {
                    run.saturating_add(1)
                } else {
                    0
                };
                stuck += u32::from(run >= self.stuck_run);
                prev = v;
            }
        }
        // Running extremes as plain selects (one `maxss`/`minss`): the same values as
        // `f32::max`/`min` here, since the held extreme is never NaN.
        let b = &mut self.current;
        let mut hi = b.raw_max;
        for &v in raw_mv {
            hi = if v > hi { v } else { hi };
        }
        let mut lo = b.raw_min;
        for &v in raw_mv {
            lo = if v < lo { v } else { lo };
        }
        b.inputs += len as u32;
        b.missing += missing.count_ones();
        b.stuck += stuck;
        b.raw_max = hi;
        b.raw_min = lo;
        self.run = run;
        self.prev_raw = prev;
    }

    /// One resampled sample, into the open block `b` (the caller's copy of `self.current`).
    #[inline]
    fn tick(&mut self, b: &mut Block, y: f32) {
        let k = self.ticks;
        self.ticks += 1;
        self.ring.push(y);
        if b.len == 0 {
            b.first = k;
        }
        let a = y.abs();
        let y2 = y * y;
        b.sum_abs += a;
        b.sum_sq += y2;
        b.sum_4 += y2 * y2;
        if k > 0 {
            b.sum_abs_diff += (y - self.prev_dec).abs();
        }
        b.max = if y > b.max { y } else { b.max };
        b.min = if y < b.min { y } else { b.min };
        b.len += 1;
        self.prev_dec = y;
        if b.len as usize >= BLOCK_LEN {
            self.blocks.push(*b);
            *b = Block::default();
            self.decimate_block();
        }
        // Segment analysis: a new segment on the hop, then one phase due per tick.
        if self.ticks >= SEGMENT_LEN as u64 && self.ticks % HOP_LEN as u64 == 0 {
            // The previous segment's phases (due a hop ago) run first, in order.
            self.finish_segment_work();
            self.segment_end = self.ticks;
            self.phases_due = 1;
            self.phases_run = 0;
        } else if (1..PHASES).contains(&self.phases_due) {
            self.phases_due += 1;
        }
    }

    /// True when a segment analysis phase is due and has not run yet.
    #[inline]
    pub fn segment_work_due(&self) -> bool {
        self.phases_run < self.phases_due
    }

    /// Run the next due segment analysis phase, if any.
    #[inline]
    pub fn run_segment_phase(&mut self) {
        if self.segment_work_due() {
            self.segment_phase();
            self.phases_run += 1;
        }
    }

    /// Run every due segment analysis phase (needed before [`FeatureExtractor::summarize`]).
    #[inline]
    pub fn finish_segment_work(&mut self) {
        while self.segment_work_due() {
            self.segment_phase();
            self.phases_run += 1;
        }
    }

    /// One phase of segment work: the spectrum of a new segment on the hop, then TCSC,
    /// leakage and Lempel–Ziv in the three ticks that follow (or as soon after as they run).
    #[inline(never)]
    fn segment_phase(&mut self) {
        if let Some((mut seg, phase)) = self.pending.take() {
            match phase {
                1 => seg.tcsc = self.tcsc(seg.end),
                2 => seg.leakage = self.leakage(seg.end),
                _ => {
                    seg.lz = self.lz_complexity();
                    self.segments.push(seg);
                    return;
                }
            }
            self.pending = Some((seg, phase + 1));
        } else {
            let mut seg = Segment {
                end: self.segment_end,
                ..Segment::default()
            };
            self.spectrum_of(&mut seg);
            self.pending = Some((seg, 1));
        }
    }

    /// Copy the resampled samples `[end - len, end)` into the front of `segment_buf`.
    fn copy_recent(&mut self, end: u64, len: usize) {
        let from = end.saturating_sub(len as u64);
        let Some(dst) = self.segment_buf.get_mut(..(end - from).min(SEGMENT_LEN as u64) as usize)
        else {
            return;
        };
        // Samples no longer (or not yet) held read as 0.
        if from < self.ring.oldest() || end > self.ring.len_pushed() {
            dst.fill(0.0);
        }
        // The held part of `[from, end)` lands at its offset from `from`.
        let held_from = from.max(self.ring.oldest());
        let mut at = (held_from - from) as usize;
        for piece in self.ring.slices(from, end) {
            let n = piece.len().min(dst.len().saturating_sub(at));
            if let (Some(d), Some(s)) = (dst.get_mut(at..at + n), piece.get(..n)) {
                d.copy_from_slice(s);
            }
            at += n;
        }
    }

    /// The first phase of a segment's analysis: its spectrum, and what later phases need from
    /// its samples as they are before the spectrum's preparation overwrites them — the sums of
    /// the leakage's first pass and the binarisation for Lempel–Ziv. The segment's sum, the
    /// sum of its magnitudes and that of its differences are taken in one pass (three
    /// independent running sums, each in index order as it was taken alone: the same
    /// values), and the sum gives the mean both the spectrum and the binarisation remove.
    fn spectrum_of(&mut self, seg: &mut Segment) {
        self.copy_recent(seg.end, SEGMENT_LEN);
        let (sum, sum_abs, sum_diff) = segment_sums(&self.segment_buf);
        self.leakage_sums = (sum_abs, sum_diff);
        let mean = sum / SEGMENT_LEN as f32;
        self.binarize_segment(mean);
        self.spectrum
            .power_about(&mut self.segment_buf, mean, &mut self.power_buf);
        for (dst, &p) in seg.spectrum.iter_mut().zip(self.power_buf.iter()) {
            *dst = p;
        }
        // Above 30 Hz: bins 61 and up.
        seg.hf = self.power_buf.iter().skip(61).sum();
    }

    /// TCSC over the 3 s ending at `end` (Arafat et al. 2009): samples above 20 % of the
    /// segment's largest magnitude, as a fraction.
    fn tcsc(&self, end: u64) -> f32 {
        let from = end.saturating_sub(TCSC_LEN as u64).max(self.ring.oldest());
        let pieces = self.ring.slices(from, end);
        let peak = pieces.iter().map(|p| max_abs(p)).fold(0.0, |m, a| if a > m { a } else { m });
        if peak <= 0.0 {
            return 0.0;
        }
        let th = 0.2 * peak;
        let mut above = 0u32;
        for piece in pieces {
            above += piece.iter().map(|v| u32::from(v.abs() > th)).sum::<u32>();
        }
        let n = pieces.iter().map(|p| p.len()).sum::<usize>() as u32;
        above as f32 / n.max(1) as f32
    }

    /// VF-filter leakage over the 2 s ending at `end` ([`leakage_of`]). `Σ|x|` and `Σ|Δx|`
    /// were taken by the segment's first phase ([`FeatureExtractor::spectrum_of`]) on the same
    /// samples: the ring is read by absolute index, so copying the segment again gives them
    /// again.
    fn leakage(&mut self, end: u64) -> f32 {
        self.copy_recent(end, SEGMENT_LEN);
        let (sum_abs, sum_diff) = self.leakage_sums;
        leakage_of(&self.segment_buf, sum_abs, sum_diff)
    }

    /// Binarise the segment in `segment_buf` at its mean `mean` into `lz_bits` (Zhang et al.
    /// 1999 binarise at the median; the mean avoids a sort and, on the high-passed signal, is
    /// close to it).
    fn binarize_segment(&mut self, mean: f32) {
        for (word, chunk) in self.lz_bits.iter_mut().zip(self.segment_buf.chunks_exact(64)) {
            // Eight bits at a time with constant shifts (the compiler turns each group into
            // one vector comparison and a mask extraction).
            let mut w = 0u64;
            for (k, group) in chunk.chunks_exact(8).enumerate() {
                let mut byte = 0u64;
                for (b, &v) in group.iter().enumerate() {
                    byte |= u64::from(v > mean) << b;
                }
                w |= byte << (8 * k);
            }
            *word = w;
        }
    }

    /// Normalised Lempel–Ziv complexity of the segment binarised by [`Self::binarize_segment`]
    /// (the 2 s ending at the segment's end): Kaspar–Schuster's phrase count, computed
    /// bit-parallel by [`lempel_ziv_packed`] in at most `n + c` steps of a few word operations.
    fn lz_complexity(&self) -> f32 {
        let c = lempel_ziv_packed(&self.lz_bits, SEGMENT_LEN);
        let n = SEGMENT_LEN as f32;
        c as f32 * libm::log2f(n) / n
    }

    #[inline(never)]
    fn on_beat(&mut self, beat: &Beat) {
        // R peak in resampled time.
        let centre = libm::roundf(beat.sample as f32 * RATE_HZ / self.fs) as u64;
        let snippet = self.snippet(centre);
        let correlation = match (snippet, self.last_snippet) {
            (Some(a), Some(b)) => Some(pearson(&a, &b)),
            _ => None,
        };
        if snippet.is_some() {
            self.last_snippet = snippet;
        }
        self.beats.push(BeatRecord {
            sample: beat.sample,
            width_ms: beat.width_samples as f32 * 1000.0 / self.fs,
            amplitude_mv: beat.amplitude_mv,
            correlation,
        });
    }

    fn snippet(&self, centre: u64) -> Option<[f32; SNIPPET_LEN]> {
        let from = centre.checked_sub(SNIPPET_HALF as u64)?;
        let mut s = [0.0; SNIPPET_LEN];
        for (slot, i) in s.iter_mut().zip(from..) {
            *slot = self.ring.get(i)?;
        }
        Some(s)
    }

    /// A block has closed (its samples are the ring's last [`BLOCK_LEN`]): its eight samples at
    /// 32 Hz (means of groups of four) into `decimated`.
    #[inline(never)]
    fn decimate_block(&mut self) {
        // One piece of the ring (blocks start at multiples of their length, which divides the
        // ring's), copied only if it were two.
        let end = self.ring.len_pushed();
        let [piece, rest] = self.ring.slices(end.saturating_sub(BLOCK_LEN as u64), end);
        let mut copy = [0.0f32; BLOCK_LEN];
        let block = if rest.is_empty() {
            piece
        } else {
            for (slot, &v) in copy.iter_mut().zip(piece.iter().chain(rest)) {
                *slot = v;
            }
            &copy[..]
        };
        // A running sum starts here (from −0.0, as `Iterator::sum`'s), and every running sum
        // takes the block's samples in order: each is the sum `fast_periodicity` would take
        // of the samples from its start, in the same order, so the same value. The sums are
        // independent chains, one step per sample for all of them, where the decision's pass
        // was one chain of up to 256 dependent additions.
        let start = self.decimated.len_pushed();
        let slot = (start / DECIMATED_PER_BLOCK as u64) as usize % DECIMATED_SUMS;
        if let (Some(sum), Some(from)) = (
            self.decimated_sums.get_mut(slot),
            self.decimated_sum_starts.get_mut(slot),
        ) {
            *sum = -0.0;
            *from = start;
        }
        for group in block.chunks_exact(PERIODICITY_DECIMATION) {
            let v = group.iter().sum::<f32>() / PERIODICITY_DECIMATION as f32;
            self.decimated.push(v);
            for sum in self.decimated_sums.iter_mut() {
                *sum += v;
            }
        }
    }

    /// The running sum of the decimated samples `[first, first + count)` (see
    /// `decimated_sums`), when one starts at `first` and `first + count` is the newest.
    fn decimated_sum(&self, first: u64, count: u64) -> Option<f32> {
        let slot = (first / DECIMATED_PER_BLOCK as u64) as usize % DECIMATED_SUMS;
        let held = first % DECIMATED_PER_BLOCK as u64 == 0
            && self.decimated_sum_starts.get(slot) == Some(&first)
            && first + count == self.decimated.len_pushed();
        held.then(|| self.decimated_sums.get(slot).copied())
            .flatten()
    }

    /// [`fast_periodicity`] of the resampled samples `[from, to)` still held (at most the
    /// ring's 8 s), decimated to 32 Hz by averaging groups of four from the first held sample.
    /// When that sample's index is a multiple of four and the groups lie in closed blocks —
    /// a decision's window at 360 Hz always, at 250 Hz when the window's first sample in
    /// resampled time rounds to a multiple of four — the groups are those `decimated` holds,
    /// averaged when their block closed; otherwise they are summed here
    /// ([`FeatureExtractor::fast_periodicity_by_groups`]). Either way the same sums of the same
    /// samples in the same order, so the same value.
    fn fast_periodicity(&self, from: u64, to: u64) -> f32 {
        let from = from
            .max(to.saturating_sub(RING_LEN as u64))
            .max(self.ring.oldest());
        let to = to.min(self.ring.len_pushed()).max(from);
        let q = PERIODICITY_DECIMATION as u64;
        let (first, count) = (from / q, ((to - from) / q).min(PERIODICITY_LEN as u64));
        if from % q != 0
            || first + count > self.decimated.len_pushed()
            || first < self.decimated.oldest()
        {
            return self.fast_periodicity_by_groups(from, to);
        }
        let mut x = [0.0f32; PERIODICITY_LEN];
        let mut n = 0;
        for piece in self.decimated.slices(first, first + count) {
            let len = piece.len().min(PERIODICITY_LEN - n);
            if let (Some(dst), Some(src)) = (x.get_mut(n..n + len), piece.get(..len)) {
                dst.copy_from_slice(src);
                n += len;
            }
        }
        let Some(x) = x.get(..n) else {
            return 0.0;
        };
        match self.decimated_sum(first, n as u64) {
            Some(sum) => fast_periodicity_of_sum(x, sum),
            None => fast_periodicity(x),
        }
    }

    /// [`fast_periodicity`] of the held resampled samples `[from, to)` (at most the ring's
    /// 8 s) decimated here by groups of four from the first held sample.
    #[inline(never)]
    fn fast_periodicity_by_groups(&self, from: u64, to: u64) -> f32 {
        let from = from.max(to.saturating_sub(RING_LEN as u64));
        let mut decimated = [0.0f32; PERIODICITY_LEN];
        let mut n = 0usize;
        let mut push = |sum: f32| {
            if let Some(slot) = decimated.get_mut(n) {
                *slot = sum / PERIODICITY_DECIMATION as f32;
                n += 1;
            }
        };
        // A group of four may straddle the ring's wrap: `partial` carries its first part.
        let (mut partial, mut held) = (0.0f32, 0usize);
        for piece in self.ring.slices(from, to) {
            let (head, rest) = piece.split_at(((PERIODICITY_DECIMATION - held) % PERIODICITY_DECIMATION).min(piece.len()));
            if held > 0 {
                partial = head.iter().fold(partial, |acc, &v| acc + v);
                held += head.len();
                if held == PERIODICITY_DECIMATION {
                    push(partial);
                    (partial, held) = (0.0, 0);
                }
            }
            let groups = rest.chunks_exact(PERIODICITY_DECIMATION);
            let tail = groups.remainder();
            for group in groups {
                push(group.iter().sum::<f32>());
            }
            partial = tail.iter().fold(partial, |acc, &v| acc + v);
            held += tail.len();
        }
        decimated.get(..n).map_or(0.0, fast_periodicity)
    }

    /// Summarise the input-sample window `[start, end)`.
    #[inline(never)]
    pub fn summarize(&self, start: u64, end: u64) -> WindowSummary {
        let ratio = RATE_HZ / self.fs;
        let dec_start = libm::ceilf(start as f32 * ratio) as u64;
        let dec_end = libm::floorf(end as f32 * ratio) as u64;
        let mut f = Features::default();
        let mut q = QualityMeasures::default();
        let window_s = (end.saturating_sub(start)) as f32 / self.fs;

        // Blocks wholly inside the window.
        let (mut n, mut sum_abs, mut sum_sq, mut sum_4, mut sum_diff) = (0u32, 0.0, 0.0, 0.0, 0.0);
        let (mut raw_max, mut raw_min) = (f32::MIN, f32::MAX);
        let mut ptps = [0.0f32; 64];
        let mut n_ptp = 0usize;
        let mut flat = 0u32;
        let first_block = self.blocks.oldest();
        for (_, b) in self.blocks.range(first_block, self.blocks.len_pushed()) {
            if b.first < dec_start || b.first + b.len as u64 > dec_end {
                continue;
            }
            n += b.len;
            sum_abs += b.sum_abs;
            sum_sq += b.sum_sq;
            sum_4 += b.sum_4;
            sum_diff += b.sum_abs_diff;
            raw_max = raw_max.max(b.raw_max);
            raw_min = raw_min.min(b.raw_min);
            q.samples += b.inputs;
            q.stuck += b.stuck;
            q.missing += b.missing;
            let ptp = (b.max - b.min).max(0.0);
            if ptp < self.params.flat_mv {
                flat += 1;
            }
            if let Some(slot) = ptps.get_mut(n_ptp) {
                *slot = ptp;
                n_ptp += 1;
            }
        }
        let blocks = n_ptp as u32;
        if let Some(held) = ptps.get_mut(..n_ptp) {
            sort_total_order(held);
            let median = held.get(n_ptp / 2).copied().unwrap_or(0.0);
            let max = held.last().copied().unwrap_or(0.0);
            let mean = held.iter().sum::<f32>() / n_ptp.max(1) as f32;
            let var =
                held.iter().map(|p| (p - mean) * (p - mean)).sum::<f32>() / n_ptp.max(1) as f32;
            q.median_block_ptp_mv = median;
            q.max_block_ptp_mv = max;
            f.values[index::LOG_PTP_MV] = libm::log10f(median.max(1e-3));
            f.values[index::PTP_CV] = if mean > 0.0 {
                libm::sqrtf(var) / mean
            } else {
                0.0
            };
        }
        q.raw_ptp_mv = if raw_max >= raw_min {
            raw_max - raw_min
        } else {
            0.0
        };
        f.values[index::FLAT_FRACTION] = flat as f32 / blocks.max(1) as f32;
        let nf = n.max(1) as f32;
        let m2 = sum_sq / nf;
        f.values[index::LOG_KURTOSIS] = if m2 > 1e-12 {
            libm::logf((sum_4 / nf) / (m2 * m2)).max(-3.0)
        } else {
            0.0
        };
        f.values[index::MEAN_FREQ_HZ] = if sum_abs > 0.0 {
            RATE_HZ * sum_diff / (2.0 * core::f32::consts::PI * sum_abs)
        } else {
            0.0
        };

        // Segments whose centre lies in the window.
        let half = (SEGMENT_LEN / 2) as u64;
        let mut spec = [0.0f32; KEPT_BINS];
        let (mut hf, mut tcsc, mut leak, mut lz) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
        let mut segments = 0u32;
        for (_, s) in self
            .segments
            .range(self.segments.oldest(), self.segments.len_pushed())
        {
            let centre = s.end.saturating_sub(half);
            if centre < dec_start || s.end > dec_end {
                continue;
            }
            segments += 1;
            for (acc, &p) in spec.iter_mut().zip(s.spectrum.iter()) {
                *acc += p;
            }
            hf += s.hf;
            tcsc += s.tcsc;
            leak += s.leakage;
            lz += s.lz;
        }
        if segments > 0 {
            let k = segments as f32;
            f.values[index::TCSC] = tcsc / k;
            f.values[index::VF_LEAKAGE] = leak / k;
            f.values[index::LZ_COMPLEXITY] = lz / k;
            spectral_features(&spec, hf, &mut f);
        }

        // Beats in the window.
        let mut beats = 0u32;
        let mut first = None;
        let mut last: Option<u64> = None;
        let (mut rr_sum, mut rr_sq, mut rr_n) = (0.0f32, 0.0f32, 0u32);
        let (mut amp_sum, mut amp_sq) = (0.0f32, 0.0f32);
        let (mut corr_sum, mut corr_n) = (0.0f32, 0u32);
        let mut widths = [0.0f32; BEAT_CAPACITY];
        let mut rrs = [0.0f32; BEAT_CAPACITY];
        for (_, b) in self
            .beats
            .range(self.beats.oldest(), self.beats.len_pushed())
        {
            if b.sample < start || b.sample >= end {
                continue;
            }
            if let Some(p) = last {
                let rr = (b.sample.saturating_sub(p)) as f32 / self.fs;
                if let Some(slot) = rrs.get_mut(rr_n as usize) {
                    *slot = rr;
                }
                rr_sum += rr;
                rr_sq += rr * rr;
                rr_n += 1;
            }
            if let Some(c) = b.correlation {
                corr_sum += c;
                corr_n += 1;
            }
            if let Some(slot) = widths.get_mut(beats as usize) {
                *slot = b.width_ms;
            }
            amp_sum += b.amplitude_mv;
            amp_sq += b.amplitude_mv * b.amplitude_mv;
            first.get_or_insert(b.sample);
            last = Some(b.sample);
            beats += 1;
        }
        f.values[index::BEAT_RATE_BPM] = 60.0 * beats as f32 / window_s.max(1e-3);
        f.values[index::RR_CV] = if rr_n >= 2 {
            let mean = rr_sum / rr_n as f32;
            let var = (rr_sq / rr_n as f32 - mean * mean).max(0.0);
            libm::sqrtf(var) / mean.max(1e-3)
        } else {
            1.0
        };
        let held_widths = widths.get_mut(..(beats as usize).min(BEAT_CAPACITY));
        f.values[index::QRS_WIDTH_MS] = held_widths.map_or(0.0, median_in_place);
        f.values[index::AMPLITUDE_CV] = if beats >= 2 {
            let mean = amp_sum / beats as f32;
            let var = (amp_sq / beats as f32 - mean * mean).max(0.0);
            libm::sqrtf(var) / mean.max(1e-3)
        } else {
            1.0
        };
        f.values[index::BEAT_CORRELATION] = if corr_n > 0 {
            corr_sum / corr_n as f32
        } else {
            0.0
        };
        let in_order = rrs;
        let held_rrs = rrs.get_mut(..(rr_n as usize).min(BEAT_CAPACITY));
        let (median_rr, rr_regular) = held_rrs.map_or((0.0, 0.0), |v| {
            let m = median_in_place(v);
            let close = v
                .iter()
                .filter(|&&rr| (rr - m).abs() <= RR_TOLERANCE * m)
                .count();
            let regular = if rr_n >= MIN_RR_FOR_REGULARITY {
                close as f32 / v.len().max(1) as f32
            } else {
                0.0
            };
            (m, regular)
        });
        let rr_explained = match in_order.get(..(rr_n as usize).min(BEAT_CAPACITY)) {
            Some(v) if rr_n >= MIN_RR_FOR_REGULARITY => rr_explained(v, median_rr),
            _ => 0.0,
        };
        let hr_bpm = (median_rr > 0.0).then(|| 60.0 / median_rr);
        f.values[index::FAST_PERIODICITY] = self.fast_periodicity(dec_start, dec_end);
        WindowSummary {
            features: f,
            quality: q,
            hr_bpm,
            rr_regular,
            rr_explained,
            blocks,
            segments,
        }
    }
}

/// A segment's `Σx`, `Σ|x|` and `Σ|Δx|` (the first difference taken from the first sample,
/// so its first term is 0) in one pass: three independent running sums, each in index order,
/// so each is the value a pass of its own gives, for the time of one (each sum is a chain of
/// dependent additions, which is what a pass over a segment waits on).
fn segment_sums(x: &[f32; SEGMENT_LEN]) -> (f32, f32, f32) {
    let (mut sum, mut sum_abs, mut sum_diff) = (0.0f32, 0.0f32, 0.0f32);
    let mut prev = x.first().copied().unwrap_or(0.0);
    for &v in x.iter() {
        sum += v;
        sum_abs += v.abs();
        sum_diff += (v - prev).abs();
        prev = v;
    }
    (sum, sum_abs, sum_diff)
}

/// VF-filter leakage of a segment `x` (Kuo & Dillman, "Computer detection of ventricular
/// fibrillation", Computers in Cardiology 1978) given its `Σ|x|` and `Σ|Δx|` (see
/// [`segment_sums`]): `N = round(π Σ|x| / Σ|Δx|)`, leakage
/// `Σ|x_i + x_{i−N}| / Σ(|x_i| + |x_{i−N}|)`; 1 when either sum is not positive.
fn leakage_of(x: &[f32; SEGMENT_LEN], sum_abs: f32, sum_diff: f32) -> f32 {
    if sum_diff <= 0.0 {
        return 1.0;
    }
    let half_period = libm::roundf(core::f32::consts::PI * sum_abs / sum_diff)
        .clamp(1.0, (SEGMENT_LEN / 2) as f32) as usize;
    let (mut num, mut den) = (0.0f32, 0.0f32);
    for (a, b) in x.iter().skip(half_period).zip(x.iter()) {
        num += (a + b).abs();
        den += a.abs() + b.abs();
    }
    if den <= 0.0 {
        1.0
    } else {
        num / den
    }
}

/// Spectral features from the summed segment spectra (`spec`, 0.5 Hz bins up to 32 Hz) and the
/// summed power above 30 Hz.
fn spectral_features(spec: &[f32; KEPT_BINS], hf: f32, f: &mut Features) {
    let band = |lo_hz: f32, hi_hz: f32| -> f32 {
        let lo = libm::roundf(lo_hz / BIN_HZ) as usize;
        let hi = libm::roundf(hi_hz / BIN_HZ) as usize;
        spec.iter().take(hi + 1).skip(lo).sum()
    };
    let total = band(0.5, 32.0);
    if total <= 1e-12 {
        return;
    }
    // Dominant frequency in 0.5–15 Hz, refined by a parabola through the peak bin.
    let (lo, hi) = (1usize, 30usize);
    let mut peak = lo;
    for k in lo..=hi {
        if spec.get(k) > spec.get(peak) {
            peak = k;
        }
    }
    let at = |k: usize| spec.get(k).copied().unwrap_or(0.0);
    let (a, b, c) = (at(peak - 1), at(peak), at(peak + 1));
    let denom = a - 2.0 * b + c;
    let offset = if denom.abs() > 1e-12 {
        (0.5 * (a - c) / denom).clamp(-0.5, 0.5)
    } else {
        0.0
    };
    let df = (peak as f32 + offset) * BIN_HZ;
    f.values[index::DOMINANT_FREQ_HZ] = df;
    let mut moment = 0.0;
    for (k, &p) in spec.iter().enumerate().skip(1) {
        moment += k as f32 * BIN_HZ * p;
    }
    f.values[index::SPECTRAL_MOMENT_HZ] = moment / total;
    f.values[index::BAND_LOW] = band(0.5, 1.5) / total;
    f.values[index::BAND_VF] = band(2.0, 10.0) / total;
    f.values[index::BAND_HIGH] = band(12.0, 32.0) / total;
    f.values[index::SPECTRAL_A2] = band(0.7 * df, 1.4 * df) / total;
    f.values[index::NOISE_HF] = hf / (hf + total);
}

/// Fraction of the RR intervals `rrs` (in their order) that a regular rhythm of cycle `cycle`
/// (the median RR) explains, with ectopic beats allowed; 0 when empty or `cycle` is not
/// positive.
///
/// An interval within ±15 % of the cycle is regular (Tateno & Glass, Med Biol Eng Comput 2001).
/// A short interval and the next one that add up to two cycles (±10 %) are a premature beat
/// and its full compensatory pause: a ventricular ectopic beat does not reset the sinus
/// node, so the next sinus beat comes on time (Wagner & Strauss, Marriott's Practical
/// Electrocardiography, 12th ed. 2014; the same short–long test edits ectopic beats out of
/// RR series for HRV: Kamath & Fallen, "Correction of the heart rate variability signal for
/// ectopics and missing beats", in Malik & Camm (eds.), Heart Rate Variability, 1995). Two
/// that add up to one cycle (±10 %) are an interpolated beat, or one wide complex detected at
/// both of its deflections. Such a rhythm keeps its underlying regularity; VF's intervals do not add up
/// to whole cycles except by chance.
pub fn rr_explained(rrs: &[f32], cycle: f32) -> f32 {
    if rrs.is_empty() || cycle <= 0.0 {
        return 0.0;
    }
    let regular = |rr: f32| (rr - cycle).abs() <= RR_TOLERANCE * cycle;
    // (interval, next interval): one cycle split in two, or premature beat + compensatory pause.
    let whole_cycles = |first: f32, second: f32| {
        let sum = first + second;
        (sum - cycle).abs() <= PAIR_TOLERANCE * cycle
            || (first < cycle && (sum - 2.0 * cycle).abs() <= PAIR_TOLERANCE * 2.0 * cycle)
    };
    let (mut explained, mut i) = (0usize, 0usize);
    while let Some(&rr) = rrs.get(i) {
        if regular(rr) {
            explained += 1;
            i += 1;
        } else if rrs.get(i + 1).is_some_and(|&next| whole_cycles(rr, next)) {
            explained += 2;
            i += 2;
        } else {
            i += 1;
        }
    }
    explained as f32 / rrs.len() as f32
}

/// Largest normalised autocorrelation of `x` (32 Hz, mean removed) at lags 5 to 15
/// (0.156–0.469 s), each lag's sum scaled to the full length; 0 for a constant `x`, or one
/// shorter than 31 or longer than 256 samples (8 s).
///
/// The autocorrelation function of the ECG as a VF measure (Chen, Thakor & Mower, "Ventricular
/// fibrillation detection by a regression test on the autocorrelation function", Med Biol
/// Eng Comput 1987; reviewed by Amann, Tratnig & Unterkofler, Biomed Eng Online 2005): an
/// organised rhythm correlates with itself one cycle later, so a strong peak at a lag shorter
/// than 0.5 s means something recurs faster than 120 per minute.
pub fn fast_periodicity(x: &[f32]) -> f32 {
    let (_, hi) = PERIODICITY_LAGS;
    if x.len() <= 2 * hi || x.len() > PERIODICITY_LEN {
        return 0.0;
    }
    fast_periodicity_of_sum(x, x.iter().sum::<f32>())
}

/// [`fast_periodicity`] of `x` given `x`'s sum `sum` (`x.iter().sum::<f32>()`).
fn fast_periodicity_of_sum(x: &[f32], sum: f32) -> f32 {
    let n = x.len();
    let (lo, hi) = PERIODICITY_LAGS;
    if n <= 2 * hi || n > PERIODICITY_LEN {
        return 0.0;
    }
    let mean = sum / n as f32;
    let mut centred = [0.0f32; PERIODICITY_LEN];
    for (c, &v) in centred.iter_mut().zip(x.iter()) {
        *c = v - mean;
    }
    let centred = centred.get(..n).unwrap_or(&[]);
    // Lag 0 (the energy, `dot(centred, centred)`) and the lags `lo..=hi`, four at a time:
    // their sums are independent chains the processor runs side by side, each still the sum
    // of `dot` in `dot`'s order. The energy comes with the first group.
    let count = hi - lo + 2;
    let lag_at = |k: usize| if k == 0 { 0 } else { lo + k - 1 };
    let mut energy = 0.0f32;
    let mut best = f32::MIN;
    let mut next = 0;
    while next < count {
        let lags = [lag_at(next), lag_at(next + 1), lag_at(next + 2), lag_at(next + 3)];
        let sums = lagged_dots(centred, lags);
        for (k, (lag, sum)) in (next..count).zip(lags.into_iter().zip(sums)) {
            if k == 0 {
                energy = sum;
                if energy <= 1e-12 {
                    return 0.0;
                }
                continue;
            }
            let r = sum / energy * n as f32 / (n - lag) as f32;
            best = best.max(r);
        }
        next += lags.len();
    }
    best
}

/// `dot(&x[lag..], &x[..x.len() - lag])` for each of four `lags` (each at most `x.len()`),
/// with the same operations in the same order for each lag, but the lags' partial sums
/// updated in one pass: four dependent chains of additions side by side instead of one after
/// another.
fn lagged_dots(x: &[f32], lags: [usize; 4]) -> [f32; 4] {
    let leads: [&[f32]; 4] = lags.map(|lag| x.get(lag..).unwrap_or(&[]));
    // `dot` sums whole chunks of four in four partial sums, then the remainder: chunk `i` of
    // lag `lag` pairs `x[lag + 4i ..][..4]` with `x[4i..][..4]`.
    let whole = leads.map(|a| a.len() / 4);
    let common = whole.iter().copied().min().unwrap_or(0);
    let mut acc = [[0.0f32; 4]; 4];
    let [a0, a1, a2, a3] = leads.map(|a| a.chunks_exact(4));
    let quads = x.chunks_exact(4).zip(a0).zip(a1).zip(a2).zip(a3);
    for ((((b, a0), a1), a2), a3) in quads.take(common) {
        for (acc, a) in acc.iter_mut().zip([a0, a1, a2, a3]) {
            for ((s, &p), &q) in acc.iter_mut().zip(a).zip(b) {
                *s += p * q;
            }
        }
    }
    let mut sums = [0.0f32; 4];
    for (((sum, acc), a), &whole) in sums.iter_mut().zip(&mut acc).zip(&leads).zip(&whole) {
        let pairs = a.chunks_exact(4).zip(x.chunks_exact(4));
        for (p4, q4) in pairs.take(whole).skip(common) {
            for ((s, &p), &q) in acc.iter_mut().zip(p4).zip(q4) {
                *s += p * q;
            }
        }
        let (ra, rb) = (
            a.get(4 * whole..).unwrap_or(&[]),
            x.get(4 * whole..a.len()).unwrap_or(&[]),
        );
        let tail: f32 = ra.iter().zip(rb.iter()).map(|(x, y)| x * y).sum();
        *sum = acc[0] + acc[1] + acc[2] + acc[3] + tail;
    }
    sums
}

/// Dot product over the common length, in four independent partial sums (so it vectorises):
/// the oracle of [`lagged_dots`].
#[cfg(test)]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for ((s, &p), &q) in acc.iter_mut().zip(x).zip(y) {
            *s += p * q;
        }
    }
    let tail: f32 = ra.iter().zip(rb.iter()).map(|(x, y)| x * y).sum();
    acc[0] + acc[1] + acc[2] + acc[3] + tail
}

/// The largest `|v|` of `values` (NaN passed over), 0 when empty: the value of a running
/// `if |v| > m { |v| } else { m }` from `m = 0`, kept in eight independent lanes (each such
/// select is one `maxps` lane, so the loop vectorises, unlike the single running select) and
/// then combined by the same select. Only `+0` and numbers reach a lane (`|v|` has no sign,
/// NaN is never selected), so the maximum does not depend on the order.
#[inline(never)]
fn max_abs(values: &[f32]) -> f32 {
    let select = |m: f32, a: f32| if a > m { a } else { m };
    let mut lanes = [0.0f32; 8];
    let chunks = values.chunks_exact(lanes.len());
    let mut max = chunks
        .remainder()
        .iter()
        .fold(0.0, |m, v| select(m, v.abs()));
    for chunk in chunks {
        for (lane, v) in lanes.iter_mut().zip(chunk) {
            *lane = select(*lane, v.abs());
        }
    }
    for lane in lanes {
        max = select(max, lane);
    }
    max
}

/// Median of a small slice, sorting it in place; 0 when empty.
fn median_in_place(v: &mut [f32]) -> f32 {
    sort_total_order(v);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// Sort a small slice (at most [`BEAT_CAPACITY`] values; longer ones are sorted directly) in
/// the order of [`f32::total_cmp`], through the integer keys that order is defined by: the
/// sorted sequence is unique (equal keys are equal bit patterns), so the result is exactly
/// `v.sort_unstable_by(f32::total_cmp)`'s, but an integer sort needs no comparison closure
/// and sorts with branch-free networks.
fn sort_total_order(v: &mut [f32]) {
    let mut held = [0i32; BEAT_CAPACITY];
    let Some(keys) = held.get_mut(..v.len()) else {
        v.sort_unstable_by(f32::total_cmp);
        return;
    };
    for (k, &x) in keys.iter_mut().zip(v.iter()) {
        *k = total_order_key(x.to_bits() as i32);
    }
    keys.sort_unstable();
    for (x, &k) in v.iter_mut().zip(keys.iter()) {
        // The key map is its own inverse.
        *x = f32::from_bits(total_order_key(k) as u32);
    }
}

/// `f32::total_cmp`'s key: the bit pattern as `i32` with the magnitude bits of negative
/// values flipped, so that integer order is total order (its own inverse).
#[inline]
fn total_order_key(bits: i32) -> i32 {
    bits ^ (((bits >> 31) as u32) >> 1) as i32
}

/// Pearson correlation of two equal-length snippets; 0 when either is constant.
fn pearson(a: &[f32; SNIPPET_LEN], b: &[f32; SNIPPET_LEN]) -> f32 {
    let n = SNIPPET_LEN as f32;
    let ma = a.iter().sum::<f32>() / n;
    let mb = b.iter().sum::<f32>() / n;
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (&x, &y) in a.iter().zip(b.iter()) {
        let (dx, dy) = (x - ma, y - mb);
        sab += dx * dy;
        saa += dx * dx;
        sbb += dy * dy;
    }
    let d = libm::sqrtf(saa * sbb);
    if d > 1e-12 {
        sab / d
    } else {
        0.0
    }
}

/// Kaspar & Schuster's Lempel–Ziv phrase count c(n) of the first `n` bits of `s` (bit `p` of
/// the sequence is bit `p % 64` of word `p / 64`; `n` is clamped to the bits held), computed
/// bit-parallel; equal to [`kaspar_schuster`] on the same sequence (tested).
///
/// Each new phrase starting at `l` is one past the longest match of `s[l..]` that starts at
/// some earlier position `i < l` (overlap allowed). Rather than comparing the candidates `i`
/// one by one (`O(n²)` steps), a bit set holds the positions `i + m` of every candidate still
/// matching after `m` symbols; one step filters it by the next symbol and shifts it by one.
/// A phrase of length `k` takes `k` steps, so a whole parse takes at most `n + c` steps of
/// at most `2·LZ_WORDS` word operations each, whatever the data (≈ 5 000 instructions for
/// n = 256): a step works only on the words that can hold a live position (below `l + m`),
/// with a loop of fixed length for each word count. A long phrase whose candidates have
/// thinned out to a few (in a quasi-periodic ECG, the earlier cycles it repeats) is finished
/// by extending each candidate's match 64 symbols at a time rather than symbol by symbol.
pub fn lempel_ziv_packed(s: &[u64; LZ_WORDS], n: usize) -> u32 {
    let n = n.min(64 * LZ_WORDS);
    if n < 2 {
        return n as u32;
    }
    let (mut c, mut l) = (1u32, 1usize);
    loop {
        // Candidates: every start i < l, none matched yet.
        let mut live = [0u64; LZ_WORDS];
        for (w, word) in live.iter_mut().enumerate() {
            let lo = 64 * w;
            *word = if l >= lo + 64 {
                u64::MAX
            } else if l <= lo {
                0
            } else {
                (1u64 << (l - lo)) - 1
            };
        }
        let mut m = 0usize;
        let step = loop {
            let step = match (l + m) >> 6 {
                0 => lempel_ziv_steps::<1>(s, n, l, &mut m, &mut live),
                1 => lempel_ziv_steps::<2>(s, n, l, &mut m, &mut live),
                2 => lempel_ziv_steps::<3>(s, n, l, &mut m, &mut live),
                _ => lempel_ziv_steps::<LZ_WORDS>(s, n, l, &mut m, &mut live),
            };
            if step != LempelZivStep::MoreWords {
                break step;
            }
        };
        let step = if step == LempelZivStep::Sparse {
            lempel_ziv_extend(s, n, l, &mut m, &live)
        } else {
            step
        };
        if step == LempelZivStep::RestMatched {
            // Some earlier start matches the whole rest: the last phrase ends the parse.
            return c + 1;
        }
        c += 1;
        l += m + 1;
        if l >= n {
            return c;
        }
    }
}

/// Why [`lempel_ziv_steps`] stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LempelZivStep {
    /// The phrase reached the end of the sequence.
    RestMatched,
    /// No candidate matches the next symbol: the phrase ends.
    PhraseEnd,
    /// The live positions are about to grow past the words the steps work on.
    MoreWords,
    /// Few candidates are left: [`lempel_ziv_extend`] finishes the phrase.
    Sparse,
}

/// [`lempel_ziv_steps`] hand a phrase over to [`lempel_ziv_extend`] after a multiple of this
/// many steps when the live words, OR-ed, hold at most [`LZ_SPARSE_BITS`] bits (so at most
/// that many candidates per word).
const LZ_SPARSE_STEPS: usize = 8;
/// See [`LZ_SPARSE_STEPS`].
const LZ_SPARSE_BITS: u32 = 2;

/// The 64 bits of `s` from bit `p` on (bit `p` lowest), bits past the words held reading 0.
fn lempel_ziv_window(s: &[u64; LZ_WORDS], p: usize) -> u64 {
    let (w, r) = (p >> 6, (p & 63) as u32);
    let lo = s.get(w).map_or(0, |&x| x >> r);
    let hi = match r {
        0 => 0,
        _ => s.get(w + 1).map_or(0, |&x| x << (64 - r)),
    };
    lo | hi
}

/// Finish [`lempel_ziv_packed`]'s phrase starting at `l` from `*m` symbols matched by the
/// candidates whose positions `i + *m` are the bits of `live`: each candidate's match is
/// extended 64 symbols at a time (the first differing bit of two 64-bit windows), and the
/// phrase's match is the longest of them — what the steps would reach one symbol at a time.
fn lempel_ziv_extend(
    s: &[u64; LZ_WORDS],
    n: usize,
    l: usize,
    m: &mut usize,
    live: &[u64; LZ_WORDS],
) -> LempelZivStep {
    let k = *m;
    let mut longest = 0usize;
    for (w, &word) in live.iter().enumerate() {
        let mut bits = word;
        while bits != 0 {
            let p = 64 * w + bits.trailing_zeros() as usize;
            bits &= bits - 1;
            // Symbols matched beyond `k` by the candidate now at `p`.
            let mut j = 0usize;
            loop {
                let q = l + k + j;
                let Some(left) = n.checked_sub(q).filter(|&r| r > 0) else {
                    return LempelZivStep::RestMatched;
                };
                let diff = lempel_ziv_window(s, p + j) ^ lempel_ziv_window(s, q);
                let same = diff.trailing_zeros() as usize;
                if same >= left {
                    return LempelZivStep::RestMatched;
                }
                j += same;
                if same < 64 {
                    break;
                }
            }
            longest = longest.max(j);
        }
    }
    *m = k + longest;
    LempelZivStep::PhraseEnd
}

/// Steps of [`lempel_ziv_packed`]'s phrase starting at `l`, from `*m` symbols matched, on the
/// first `W` words of `live` (the others are zero and stay so: the steps stop before a live
/// position could reach word `W`). `W` is a constant, so the word loops are unrolled.
#[inline(always)]
fn lempel_ziv_steps<const W: usize>(
    s: &[u64; LZ_WORDS],
    n: usize,
    l: usize,
    m: &mut usize,
    live: &mut [u64; LZ_WORDS],
) -> LempelZivStep {
    let (Some(s_words), Some(live)) = (s.first_chunk::<W>(), live.first_chunk_mut::<W>()) else {
        return LempelZivStep::RestMatched;
    };
    let bit = |p: usize| s.get(p >> 6).is_some_and(|w| (w >> (p & 63)) & 1 == 1);
    let mut k = *m;
    let step = loop {
        if l + k >= n {
            break LempelZivStep::RestMatched;
        }
        // The positions are below `l + k`; after this step's shift they reach `l + k`.
        if l + k >= 64 * W {
            break LempelZivStep::MoreWords;
        }
        // Keep candidates whose symbol at i + k equals s[l + k].
        let flip = if bit(l + k) { 0 } else { u64::MAX };
        let mut any = 0u64;
        for (word, &sw) in live.iter_mut().zip(s_words.iter()) {
            *word &= sw ^ flip;
            any |= *word;
        }
        if any == 0 {
            break LempelZivStep::PhraseEnd;
        }
        k += 1;
        let sparse = k % LZ_SPARSE_STEPS == 0 && any.count_ones() <= LZ_SPARSE_BITS;
        // Positions i + k: shift the set up by one bit (nothing leaves word W - 1).
        let mut carry = 0u64;
        for word in live.iter_mut() {
            let next_carry = *word >> 63;
            *word = (*word << 1) | carry;
            carry = next_carry;
        }
        if sparse {
            break LempelZivStep::Sparse;
        }
    };
    *m = k;
    step
}

/// Lempel–Ziv complexity counter c(n) of a binary sequence (Kaspar & Schuster, Phys Rev A 1987):
/// the plain `O(n²)` parse, kept as the oracle of [`lempel_ziv_packed`].
pub fn kaspar_schuster(s: &[bool]) -> u32 {
    let n = s.len();
    if n < 2 {
        return n as u32;
    }
    let (mut i, mut k, mut l, mut k_max, mut c) = (0usize, 1usize, 1usize, 1usize, 1u32);
    loop {
        if s.get(i + k - 1) == s.get(l + k - 1) {
            k += 1;
            if l + k > n {
                c += 1;
                break;
            }
        } else {
            k_max = k_max.max(k);
            i += 1;
            if i == l {
                c += 1;
                l += k_max;
                if l + 1 > n {
                    break;
                }
                i = 0;
                k = 1;
                k_max = 1;
            } else {
                k = 1;
            }
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rhythm::spectrum::segment_mean;

    /// Floats that trip up comparisons and sorts: signed zeros, NaNs of both signs, infinities,
    /// the smallest normals and subnormals, the extremes.
    const SPECIAL_F32: [f32; 12] = [
        0.0,
        -0.0,
        f32::NAN,
        -f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::MIN_POSITIVE,
        -f32::MIN_POSITIVE,
        1.0e-40,
        -1.0e-40,
        f32::MAX,
        f32::MIN,
    ];

    /// One step of Marsaglia's xorshift32 on `state` (the tests' pseudo-random sequences).
    fn xorshift(state: &mut u32) {
        *state ^= *state << 13;
        *state ^= *state >> 17;
        *state ^= *state << 5;
    }

    #[test]
    fn four_lags_in_one_pass_are_each_lags_dot_bit_for_bit() {
        let mut state = 0x9e37_79b9u32;
        for n in [0, 3, 4, 5, 31, 64, 129, 250, 256] {
            let x: Vec<f32> = (0..n)
                .map(|i| {
                    xorshift(&mut state);
                    if i % 37 == 36 {
                        SPECIAL_F32[i % SPECIAL_F32.len()]
                    } else {
                        (state as f32 / u32::MAX as f32 - 0.5) * 3.0
                    }
                })
                .collect();
            for first in 0..=n + 1 {
                // Lags past the end give 0, as `dot` of empty slices does; with `first` past
                // the end, lag 0 (the energy) with the lags `fast_periodicity` takes next.
                let lags = if first <= n {
                    [first, first + 1, first + 2, first + 3]
                } else {
                    let (lo, _) = PERIODICITY_LAGS;
                    [0, lo, lo + 1, lo + 2]
                };
                let sums = lagged_dots(&x, lags);
                for (lag, sum) in lags.into_iter().zip(sums) {
                    let expected = if lag <= n {
                        dot(&x[lag..], &x[..n - lag])
                    } else {
                        0.0
                    };
                    // A NaN's sign and payload depend on which operand the processor took
                    // it from, which the compiler may swap in a sum; `fast_periodicity`'s
                    // maximum passes over every NaN alike.
                    let same = sum.to_bits() == expected.to_bits()
                        || (sum.is_nan() && expected.is_nan());
                    assert!(same, "n {n}, lag {lag}: {sum} against {expected}");
                }
            }
        }
    }

    #[test]
    fn energy_with_the_first_lags_is_the_former_fast_periodicity() {
        // The former form: the energy by `dot` before the lags, the lags four at a time.
        fn former(x: &[f32]) -> f32 {
            let n = x.len();
            let (lo, hi) = PERIODICITY_LAGS;
            if n <= 2 * hi || n > PERIODICITY_LEN {
                return 0.0;
            }
            let mean = x.iter().sum::<f32>() / n as f32;
            let centred: Vec<f32> = x.iter().map(|&v| v - mean).collect();
            let energy = dot(&centred, &centred);
            if energy <= 1e-12 {
                return 0.0;
            }
            let mut best = f32::MIN;
            let mut first = lo;
            while first <= hi {
                let lags = [first, first + 1, first + 2, first + 3];
                let sums = lagged_dots(&centred, lags);
                for (lag, sum) in lags.into_iter().zip(sums).take_while(|&(l, _)| l <= hi) {
                    best = best.max(sum / energy * n as f32 / (n - lag) as f32);
                }
                first += lags.len();
            }
            best
        }
        let mut state = 0x51ed_270bu32;
        for round in 0..600usize {
            let n = [0, 30, 31, 32, 33, 64, 100, 127, 200, 255, 256, 257][round % 12];
            let scale = [1.0, 1e-3, 1e-7, 1e-20, 3e18][round / 12 % 5];
            let x: Vec<f32> = (0..n)
                .map(|i| {
                    xorshift(&mut state);
                    if round % 7 == 3 && i % 41 == 40 {
                        SPECIAL_F32[(round + i) % SPECIAL_F32.len()]
                    } else if round % 11 == 5 {
                        0.25
                    } else {
                        (state as f32 / u32::MAX as f32 - 0.5) * scale
                    }
                })
                .collect();
            let (a, b) = (fast_periodicity(&x), former(&x));
            let same = a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
            assert!(same, "round {round}, n {n}: {a} against {b}");
        }
    }

    #[test]
    fn one_pass_segment_sums_are_the_separate_passes() {
        // The former leakage: its own pass for the two sums, then the ratio.
        fn two_pass_leakage(x: &[f32; SEGMENT_LEN]) -> f32 {
            let mut sum_abs = 0.0f32;
            let mut sum_diff = 0.0f32;
            let mut prev = x[0];
            for &v in x.iter() {
                sum_abs += v.abs();
                sum_diff += (v - prev).abs();
                prev = v;
            }
            leakage_of(x, sum_abs, sum_diff)
        }
        let mut state = 0x2545_f491u32;
        for case in 0..400 {
            let mut x = [0.0f32; SEGMENT_LEN];
            for (i, v) in x.iter_mut().enumerate() {
                xorshift(&mut state);
                let noise = (state as f32 / u32::MAX as f32 - 0.5) * (case % 7) as f32;
                let t = i as f32 / 128.0;
                *v = match case % 5 {
                    0 => noise,
                    1 => libm::sinf(2.0 * core::f32::consts::PI * (1.0 + case as f32 * 0.05) * t),
                    2 => 0.7,
                    3 => noise * 1e-30,
                    _ => libm::sinf(9.0 * t) + 0.1 * noise,
                };
            }
            if case % 11 == 0 {
                x[case % SEGMENT_LEN] = SPECIAL_F32[case % SPECIAL_F32.len()];
            }
            let (sum, sum_abs, sum_diff) = segment_sums(&x);
            let mean = sum / SEGMENT_LEN as f32;
            assert_eq!(mean.to_bits(), segment_mean(&x).to_bits(), "case {case}");
            assert_eq!(
                leakage_of(&x, sum_abs, sum_diff).to_bits(),
                two_pass_leakage(&x).to_bits(),
                "case {case}"
            );
        }
    }

    #[test]
    fn lempel_ziv_of_known_sequences() {
        // Kaspar & Schuster's example 0001101001000101 parses as 0·001·10·100·1000·101: c = 6.
        let s: Vec<bool> = "0001101001000101".chars().map(|c| c == '1').collect();
        assert_eq!(kaspar_schuster(&s), 6);
        let zeros = [false; 64];
        assert_eq!(kaspar_schuster(&zeros), 2);
        let alt: Vec<bool> = (0..64).map(|i| i % 2 == 0).collect();
        assert_eq!(kaspar_schuster(&alt), 3);
    }

    fn packed(s: &[bool]) -> [u64; LZ_WORDS] {
        let mut w = [0u64; LZ_WORDS];
        for (p, &b) in s.iter().enumerate() {
            w[p / 64] |= u64::from(b) << (p % 64);
        }
        w
    }

    #[test]
    fn packed_lempel_ziv_equals_the_plain_parse() {
        let s: Vec<bool> = "0001101001000101".chars().map(|c| c == '1').collect();
        assert_eq!(lempel_ziv_packed(&packed(&s), s.len()), 6);
        // Pseudo-random sequences of every length and density, plus runs and periodic ones.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for n in 0..=SEGMENT_LEN {
            for density in [1u64, 8, 32, 56, 63] {
                let s: Vec<bool> = (0..n)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        state % 64 < density
                    })
                    .collect();
                assert_eq!(
                    lempel_ziv_packed(&packed(&s), n),
                    kaspar_schuster(&s),
                    "n {n} density {density}"
                );
            }
            for period in [1usize, 2, 3, 7, 50] {
                let s: Vec<bool> = (0..n).map(|i| (i / period) % 2 == 1).collect();
                assert_eq!(lempel_ziv_packed(&packed(&s), n), kaspar_schuster(&s));
            }
            // Quasi-periodic, like a binarised ECG: cycles of 20 to 110 symbols with a few
            // flipped symbols (long phrases that repeat earlier cycles, a few candidates each).
            for (period, flips) in [(20usize, 0u64), (37, 1), (64, 2), (90, 3), (110, 8)] {
                let s: Vec<bool> = (0..n)
                    .map(|i| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        let phase = i % period;
                        (phase < period / 3 || phase % 11 == 5) ^ (state % 256 < flips)
                    })
                    .collect();
                assert_eq!(
                    lempel_ziv_packed(&packed(&s), n),
                    kaspar_schuster(&s),
                    "n {n} period {period} flips {flips}"
                );
            }
        }
    }

    #[test]
    fn ectopic_beats_keep_the_underlying_rhythm_explained() {
        let steady = [0.8f32; 8];
        assert_eq!(rr_explained(&steady, 0.8), 1.0);
        // Premature beats (0.5 s) each followed by a full compensatory pause (1.1 s): only half
        // of the intervals lie within 15 % of the 0.8-s cycle, all of them are explained.
        let bigeminy = [0.8f32, 0.5, 1.1, 0.8, 0.5, 1.1, 0.8, 0.8];
        assert_eq!(rr_explained(&bigeminy, 0.8), 1.0);
        // One cycle split in two (an interpolated beat, or a complex detected twice).
        let split = [0.8f32, 0.3, 0.5, 0.8, 0.8, 0.2, 0.6, 0.8];
        assert_eq!(rr_explained(&split, 0.8), 1.0);
        // A pause followed by an early beat adds up to two cycles too, but is no premature
        // beat with its compensatory pause: 2 of the 4 intervals are explained.
        let pause_first = [0.8f32, 1.1, 0.5, 0.8];
        assert_eq!(rr_explained(&pause_first, 0.8), 0.5);
        // Irregular intervals that add up to no whole cycle.
        let irregular = [0.3f32, 0.9, 1.2, 0.4, 0.35, 1.0, 0.75, 0.5];
        assert_eq!(rr_explained(&irregular, 0.75), 0.375);
        assert_eq!(rr_explained(&[], 0.8), 0.0);
        assert_eq!(rr_explained(&steady, 0.0), 0.0);
    }

    #[test]
    fn fast_periodicity_of_a_vf_like_sine_and_of_a_slow_pulse_train() {
        let fs = RATE_HZ / PERIODICITY_DECIMATION as f32;
        // 5 Hz (300/min): the waveform recurs at a 0.2-s lag.
        let vf: Vec<f32> = (0..256)
            .map(|i| libm::sinf(2.0 * core::f32::consts::PI * 5.0 * i as f32 / fs))
            .collect();
        assert!(fast_periodicity(&vf) > 0.9, "{}", fast_periodicity(&vf));
        // Narrow complexes at 60/min: nothing recurs within 0.5 s.
        let sinus: Vec<f32> = (0..256)
            .map(|i| if i % 32 < 2 { 1.0 } else { 0.0 })
            .collect();
        assert!(fast_periodicity(&sinus) < 0.1, "{}", fast_periodicity(&sinus));
        assert_eq!(fast_periodicity(&[0.5; 256]), 0.0);
        assert_eq!(fast_periodicity(&[1.0, -1.0, 1.0]), 0.0);
    }

    #[test]
    fn pearson_of_a_snippet_with_itself_and_its_negative() {
        let mut a = [0.0; SNIPPET_LEN];
        for (i, v) in a.iter_mut().enumerate() {
            *v = (i as f32 * 0.7).sin();
        }
        let mut b = a;
        b.iter_mut().for_each(|v| *v = -*v);
        assert!((pearson(&a, &a) - 1.0).abs() < 1e-5);
        assert!((pearson(&a, &b) + 1.0).abs() < 1e-5);
    }

    #[test]
    fn fast_periodicity_of_blocks_decimated_as_they_close_is_the_plain_one() {
        // A VF-like 5.3-Hz wave and a slow pulse train with noise and a DC offset, at three
        // input rates; windows of 4, 8 and 16 s, aligned with the blocks and the groups of
        // four or not: the blocks' groups where they serve, the same value bit for bit.
        let mut state = 0x2545_f491_u32;
        for fs in [250.0f32, 360.0, 1000.0] {
            let mut x = FeatureExtractor::<super::super::spectrum::MicroFftSpectrum>::new(
                fs,
                16.0,
                FeatureParams::default(),
            );
            let total = (fs * 40.0) as usize;
            let (mut checked, mut compared, mut summed) = (0, 0, 0);
            for i in 0..total {
                let t = i as f32 / fs;
                xorshift(&mut state);
                let noise = (state % 1000) as f32 / 1000.0 - 0.5;
                let wave = if t < 20.0 {
                    libm::sinf(2.0 * core::f32::consts::PI * 5.3 * t)
                } else {
                    libm::expf(-((t % 0.9) - 0.3).powi(2) / 0.001)
                };
                let y = 0.8 * wave + 0.05 * noise + 0.3;
                x.push(y, false, y, None);
                if i % 211 != 0 || x.ticks < 300 {
                    continue;
                }
                let cases = [
                    (512, 0, 0),
                    (1024, 0, 0),
                    (2048, 0, 0),
                    (1024, 1, 0),
                    (512, 3, 2),
                    (1024, 4, 0),
                    (512, 8, 1),
                ];
                for ((len, from_shift, to_shift), aligned) in
                    cases.into_iter().flat_map(|c| [(c, false), (c, true)])
                {
                    let to = if aligned {
                        x.ticks / BLOCK_LEN as u64 * BLOCK_LEN as u64
                    } else {
                        x.ticks - to_shift
                    };
                    let from = to.saturating_sub(len) + from_shift;
                    // The groups summed from the ring, sample by sample.
                    let fast = x.fast_periodicity(from, to);
                    let plain = x.fast_periodicity_by_groups(from, to);
                    assert_eq!(fast.to_bits(), plain.to_bits(), "{fs} Hz {from}..{to}");
                    // Did the groups come from the closed blocks?
                    let held_from = from.max(to.saturating_sub(RING_LEN as u64)).max(x.ring.oldest());
                    let whole = held_from + (to - held_from) / 4 * 4;
                    if held_from % 4 == 0 && whole <= x.decimated.len_pushed() * 4 {
                        compared += 1;
                    }
                    // Was the running sum there, and is it the sum of the window's samples?
                    let (first, count) = (held_from / 4, (to - held_from) / 4);
                    if let Some(sum) = x.decimated_sum(first, count) {
                        let plain: f32 = (first..first + count)
                            .map(|i| x.decimated.get(i).unwrap())
                            .sum();
                        assert_eq!(sum.to_bits(), plain.to_bits(), "{fs} Hz {from}..{to}");
                        summed += 1;
                    }
                    checked += 1;
                }
            }
            assert!(checked > 100 && compared > 10 && summed > 10, "{checked} {compared} {summed}");
        }
    }

    #[test]
    fn max_abs_is_the_running_select() {
        let mut state = 0x1234_5678_u32;
        for len in 0..80 {
            let values: Vec<f32> = (0..len)
                .map(|_| {
                    xorshift(&mut state);
                    if state % 5 == 0 {
                        SPECIAL_F32[(state / 5) as usize % SPECIAL_F32.len()]
                    } else {
                        (state % 2001) as f32 / 100.0 - 10.0
                    }
                })
                .collect();
            let mut running = 0.0f32;
            for v in &values {
                let a = v.abs();
                running = if a > running { a } else { running };
            }
            assert_eq!(max_abs(&values).to_bits(), running.to_bits(), "{values:?}");
        }
    }

    #[test]
    fn stuck_runs_counted_in_pieces_are_the_plain_count() {
        // Runs of identical raw values of every length around the stuck-run length (18
        // samples at 360 Hz), carried across pieces of 1 to 64 samples, with missing samples.
        let fs = 360.0;
        let mut x = FeatureExtractor::<super::super::spectrum::MicroFftSpectrum>::new(
            fs,
            8.0,
            FeatureParams::default(),
        );
        let mut raw = Vec::new();
        let mut missing = Vec::new();
        let mut state = 0x9e37_79b9_u32;
        for len in (1..40).chain((1..40).rev()).cycle().take(300) {
            xorshift(&mut state);
            let value = (state % 5) as f32 * 0.01;
            for k in 0..len {
                raw.push(value);
                missing.push(state % 7 == 0 && k == len / 2);
            }
        }
        // The plain per-sample count.
        let (mut run, mut prev, mut stuck) = (0u32, 0.0f32, 0u32);
        for (&v, &m) in raw.iter().zip(&missing) {
            run = if m {
                0
            } else if v == prev {
                run.saturating_add(1)
            } else {
                0
            };
            stuck += u32::from(run >= x.stuck_run);
            prev = v;
        }
        let mut at = 0;
        for len in (1..=MAX_PUSH_BLOCK).cycle() {
            let end = (at + len).min(raw.len());
            let bits = missing[at..end]
                .iter()
                .enumerate()
                .fold(0u64, |b, (k, &m)| b | (u64::from(m) << k));
            x.count_raw(&raw[at..end], bits);
            at = end;
            if at == raw.len() {
                break;
            }
        }
        assert!(stuck > 100, "{stuck}");
        assert_eq!(x.current.stuck, stuck);
        assert_eq!(x.run, run);
        assert_eq!(x.n, raw.len() as u64);
    }

    #[test]
    fn integer_key_sort_is_the_total_order_sort() {
        let mut state = 0x2545_f491_u32;
        for len in 0..=BEAT_CAPACITY + 3 {
            for _ in 0..20 {
                let v: Vec<f32> = (0..len)
                    .map(|_| {
                        xorshift(&mut state);
                        match state % 4 {
                            0 => SPECIAL_F32[(state >> 8) as usize % SPECIAL_F32.len()],
                            // Repeats, so that ties occur.
                            1 => ((state >> 8) % 7) as f32 * 0.25 - 0.5,
                            _ => f32::from_bits(state.rotate_left(7)),
                        }
                    })
                    .collect();
                let mut expected = v.clone();
                expected.sort_unstable_by(f32::total_cmp);
                let mut got = v;
                sort_total_order(&mut got);
                let bits = |s: &[f32]| s.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&got), bits(&expected), "length {len}");
            }
        }
    }
}
