//! Rhythm analysis and shock advice (VF/VT versus everything else).
//!
//! Ventricular fibrillation (VF) is a chaotic, pulseless electrical activity of the ventricles:
//! on the ECG an irregular undulation of 3–8 Hz without QRS complexes. Ventricular flutter and
//! fast ventricular tachycardia (VT) are its organised, sine-like or wide-QRS neighbours. All
//! three are treated with a defibrillation shock; everything else — sinus rhythm, atrial
//! fibrillation, SVT, blocks, bradycardia, idioventricular rhythm, asystole — must *not* be
//! shocked. An automated external defibrillator (AED) therefore classifies each few seconds of
//! ECG as *shockable* or *non-shockable*, and says *indeterminate* when noise, motion or a loose
//! electrode make the ECG unreadable (AHA: Kerber et al., Circulation 1997).
//!
//! [`ShockAdvisor`] issues a [`RhythmEvent`] every `rhythm.step_s` over the last
//! `rhythm.window_s` of signal (8 s by default; 4 s works with the same model). The first
//! decision is issued with the push of sample `window − 1`, i.e. `window_s` after the start.
//!
//! ```text
//! pre-filtered ECG ─► resample to 128 Hz ─┬► blocks (0.25 s) ──────────────────┐
//!                                         ├► segments (2 s, 1 s hop): FFT,     │
//!                                         │  TCSC, leakage, Lempel–Ziv ────────┼─► window features
//!                                         └► last 8 s at 32 Hz: autocorrelation┤         │
//! QRS detector beats ─► rate, RR, width, amplitude, correlation ───────────────┘         │
//! raw input ─► missing / stuck / rails counters ─► quality rules ────────────────────────┤
//!                                                                       classifier ◄─────┘
//!                                                                            ▼
//!                                                      shockable / nonshockable / indeterminate
//! ```
//!
//! The decision ([`decide`]) applies, in order: signal-quality rules (missing samples,
//! lead-off, saturation, broadband noise, large slow motion artefact → indeterminate with a
//! reason), the asystole
//! convention (largest 0.25-s peak-to-peak below 0.1 mV → non-shockable asystole), the
//! slow-organised-rhythm rule (regular — or regular but for ectopic beats, with no waveform
//! periodicity faster than 120/min — alike beats below 120 bpm, spectrum peaking below 4 Hz →
//! non-shockable: [`is_slow_organised`]), and the classifier's probability against
//! `rhythm.shock_threshold`; a window it would shock that shows electrode motion mimicking VF
//! ([`mimics_vf_by_motion`]) is indeterminate (noise) instead.
//!
//! ## Bounded work
//! Features are accumulated as the samples arrive ([`features`] states the worst case per
//! push). The heavy segment analyses run one per resampled tick in the four ticks after each
//! 1-s hop, so no push does more than one 256-point FFT. A decision push combines at most
//! 64 block summaries, 16 segment summaries and 96 beats (≈ 4 000 operations), autocorrelates
//! the last 8 s at 32 Hz over 11 lags (≈ 3 600 operations; the 32-Hz signal is averaged as
//! the 0.25-s blocks close) and runs the model (the shipped
//! logistic regression: 42 operations to standardise, 21 multiply-adds, one `exp`; a
//! perceptron of up to 32 units would add ≤ 700 multiply-adds and 32 `tanh`): a few µs on the
//! development machine, far under the 1-ms budget (`cargo bench --bench rhythm`).
//! Nothing allocates after [`ShockAdvisor::new`].

pub mod features;
pub mod model;
#[rustfmt::skip]
pub mod model_params;
pub mod resample;
pub mod spectrum;

use crate::config::{Config, ConfigError};
use crate::event::{Decision, QualityIssue, RhythmClass, RhythmEvent, SyncUnavailableReason};
use crate::qrs::Beat;

pub use features::{FeatureExtractor, FeatureParams, Features, WindowSummary, N_FEATURES};
pub use model::TrainedModel;
use spectrum::{DefaultSpectrum, PowerSpectrum};

/// Thresholds of the decision rules, in physical units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DecisionParams {
    /// Asystole: the largest 0.25-s peak-to-peak amplitude in the window is below this, mV.
    pub asystole_mv: f32,
    /// Missing: at least this fraction of the window's samples were not finite (NaN, e.g. the
    /// WFDB "invalid sample" value at a clipped rail); fewer are bridged by the last good value.
    pub missing_fraction: f32,
    /// Lead-off: raw peak-to-peak over the window below this, mV (a flat line, no noise).
    pub lead_off_mv: f32,
    /// Lead-off: at least this fraction of the window in stuck runs with a tiny amplitude.
    pub lead_off_stuck_fraction: f32,
    /// Saturation: at least this fraction of the window in stuck runs at a large amplitude.
    pub saturation_stuck_fraction: f32,
    /// Saturation needs a raw peak-to-peak of at least this, mV (stuck at the rails).
    pub saturation_min_ptp_mv: f32,
    /// Broadband noise: power fraction above 30 Hz at or above this…
    pub noise_hf_fraction: f32,
    /// …or a mean frequency (slope ratio, Kuo & Dillman) at or above this, Hz. In the
    /// training databases no VF window exceeds 17.3 Hz (median 4.7 Hz); white noise is ≥ 21 Hz.
    pub noise_mean_freq_hz: f32,
    /// Motion artefact: the window's median 0.25-s peak-to-peak is at least this (mV; an ECG's
    /// QRS complexes fill a minority of the blocks, so its median block is far smaller)…
    pub motion_min_median_ptp_mv: f32,
    /// …with at least this fraction of the power in 0.5–1.5 Hz…
    pub motion_min_band_low: f32,
    /// …and the dominant frequency below this, Hz: large, slow swings of an electrode moving
    /// on the skin (electrode-motion noise; Moody, Muldrow & Mark, Computers in Cardiology
    /// 1984), which VF (3–8 Hz) is not.
    pub motion_max_dominant_hz: f32,
    /// A window the classifier would shock is motion artefact, not VF, when the VF filter
    /// leaks at least this much (Kuo & Dillman 1978: VF is a near-sinusoid that a notch at its
    /// mean frequency nearly cancels; training VF and VT windows median 0.50, 95th
    /// percentile 0.74; the shock-scored sinus windows of nstdb's electrode-motion records
    /// 0.77–0.83)…
    pub motion_shock_min_leakage: f32,
    /// …at least this fraction of the power lies in 0.5–1.5 Hz (the electrode's slow
    /// swings; VF median 0.07)…
    pub motion_shock_min_band_low: f32,
    /// …the waveform does not recur at a fast rate ([`features::fast_periodicity`] below
    /// this; VF and VT median 0.6, where a fibrillating or tachycardic heart repeats itself
    /// every 0.15–0.5 s)…
    pub motion_shock_max_fast_periodicity: f32,
    /// …the median 0.25-s peak-to-peak amplitude is at least this, mV (an electrode moving
    /// on the skin adds millivolts)…
    pub motion_shock_min_median_ptp_mv: f32,
    /// …and less than this fraction of the power lies in 12–32 Hz: the swings are slow. (VF
    /// laced with spiky artefact — defibrillation, CPR, saturation, as in cudb cu12 — leaks as
    /// much and swings as slowly, but holds 0.13 of its power there; the shock-scored nstdb
    /// windows hold 0.03–0.08.)
    pub motion_shock_max_band_high: f32,
    /// Classifier probability at or above which a shock is advised.
    pub shock_threshold: f32,
    /// A shockable rhythm is called VT (sync stays available) when its beats are regular
    /// (RR coefficient of variation at most this)…
    pub vt_max_rr_cv: f32,
    /// …their QRS complexes alike (mean correlation at least this)…
    pub vt_min_correlation: f32,
    /// …and the dominant frequency below this (faster organised rhythms are flutter), Hz.
    pub vt_max_dominant_hz: f32,
    /// An organised rhythm — detected beats alike (mean QRS correlation at least
    /// `organised_min_correlation`) and regular (at least `organised_min_rr_regular` of the RR
    /// intervals within 15 % of their median) — slower than this is not shockable, bpm. AHA
    /// asks a shock for *rapid* VT only (Kerber et al. 1997); AEDs use VT rate thresholds of
    /// 150–180 bpm. 120 bpm keeps a margin below every VT and VF window of the training data.
    pub organised_max_bpm: f32,
    /// See `organised_max_bpm`.
    pub organised_min_correlation: f32,
    /// See `organised_max_bpm`.
    pub organised_min_rr_regular: f32,
    /// Ectopic beats: a window whose RR intervals are not regular enough qualifies as well
    /// when at least this fraction of them is explained by a regular rhythm with premature,
    /// interpolated or doubly detected beats ([`features::rr_explained`])…
    pub organised_min_rr_explained: f32,
    /// …and its ECG shows no periodicity faster than the rule's rate: the autocorrelation at
    /// 0.15–0.5 s lags ([`features::fast_periodicity`]) stays below this. Short RR pairs
    /// that add up to whole cycles can be VT or VF the detector follows only in part; their
    /// waveform still recurs at the fast rate (median 0.6 in the training VF and VT windows,
    /// 0.1 in sinus rhythm).
    pub organised_max_fast_periodicity: f32,
    /// …and the spectrum's dominant frequency below this, Hz: the detector's "beats" in a VF
    /// whose envelope waxes and wanes regularly can look organised, but its spectrum stays at
    /// 3–8 Hz, while an organised rhythm below 120 bpm peaks at its rate or first harmonic.
    pub organised_max_dominant_hz: f32,
    /// The spectral condition is waived when both the RR regularity (or, for the ectopic
    /// branch, the explained fraction) and the QRS correlation reach this: noise on a clearly
    /// visible sinus rhythm (muscle, CPR) and narrow QRS complexes lift the dominant frequency,
    /// while the beats stay regular and alike.
    pub strongly_organised: f32,
    /// Non-shockable rhythms below this rate are bradycardia, bpm.
    pub brady_bpm: f32,
    /// Non-shockable rhythms above this rate are tachycardia, bpm.
    pub tachy_bpm: f32,
    /// Non-shockable rhythms with an RR coefficient of variation above this are irregular.
    pub irregular_rr_cv: f32,
}

impl DecisionParams {
    /// The defaults, with the shock threshold from the configuration.
    pub fn from_config(config: &Config) -> Self {
        DecisionParams {
            asystole_mv: 0.1,
            missing_fraction: 0.25,
            lead_off_mv: 0.01,
            lead_off_stuck_fraction: 0.5,
            saturation_stuck_fraction: 0.25,
            saturation_min_ptp_mv: 1.0,
            noise_hf_fraction: 0.2,
            noise_mean_freq_hz: 18.0,
            motion_min_median_ptp_mv: 2.5,
            motion_min_band_low: 0.3,
            motion_max_dominant_hz: 1.5,
            motion_shock_min_leakage: 0.76,
            motion_shock_min_band_low: 0.2,
            motion_shock_max_fast_periodicity: 0.3,
            motion_shock_min_median_ptp_mv: 1.25,
            motion_shock_max_band_high: 0.1,
            shock_threshold: config.rhythm.shock_threshold,
            vt_max_rr_cv: 0.15,
            vt_min_correlation: 0.8,
            vt_max_dominant_hz: 4.0,
            organised_max_bpm: 120.0,
            organised_min_correlation: 0.6,
            organised_min_rr_regular: 0.5,
            organised_min_rr_explained: 0.5,
            organised_max_fast_periodicity: 0.5,
            organised_max_dominant_hz: 4.0,
            strongly_organised: 0.7,
            brady_bpm: 50.0,
            tachy_bpm: 100.0,
            irregular_rr_cv: 0.15,
        }
    }
}

/// A window analysed: its summary and the classifier's probability.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct WindowAnalysis {
    /// First input sample of the window.
    pub start: u64,
    /// One past the last input sample of the window.
    pub end: u64,
    /// Features, quality measures, heart rate.
    pub summary: WindowSummary,
    /// Probability that the window is shockable.
    pub score: f32,
}

/// The signal-quality verdict of a window: the reason it cannot be analysed, if any.
pub fn quality_issue(s: &WindowSummary, p: &DecisionParams) -> Option<QualityIssue> {
    let q = &s.quality;
    if q.missing as f32 >= p.missing_fraction * q.samples.max(1) as f32 {
        return Some(QualityIssue::Missing);
    }
    if s.blocks == 0 {
        return Some(QualityIssue::Warmup);
    }
    let stuck = q.stuck as f32 / q.samples.max(1) as f32;
    if q.raw_ptp_mv < p.lead_off_mv
        || (stuck >= p.lead_off_stuck_fraction && q.median_block_ptp_mv < p.lead_off_mv)
    {
        return Some(QualityIssue::LeadOff);
    }
    if stuck >= p.saturation_stuck_fraction && q.raw_ptp_mv >= p.saturation_min_ptp_mv {
        return Some(QualityIssue::Saturation);
    }
    let f = &s.features.values;
    if f[features::index::NOISE_HF] >= p.noise_hf_fraction
        || f[features::index::MEAN_FREQ_HZ] >= p.noise_mean_freq_hz
    {
        return Some(QualityIssue::Noise);
    }
    if q.median_block_ptp_mv >= p.motion_min_median_ptp_mv
        && f[features::index::BAND_LOW] >= p.motion_min_band_low
        && f[features::index::DOMINANT_FREQ_HZ] < p.motion_max_dominant_hz
    {
        return Some(QualityIssue::Noise);
    }
    None
}

/// Electrode-motion artefact the classifier took for VF: large, slow, irregular swings
/// (see `motion_shock_min_leakage` and the fields after it). Checked only for a window the
/// classifier would shock, so that an analysable non-shockable rhythm under the same noise
/// keeps its class; the advice is then indeterminate (noise) rather than a shock. Such
/// artefact is the commonest cause of shocks advised on sinus rhythm in noise (on nstdb's
/// electrode-motion records, 45 of 1 290 sinus windows before this rule).
pub fn mimics_vf_by_motion(s: &WindowSummary, p: &DecisionParams) -> bool {
    let f = &s.features.values;
    f[features::index::VF_LEAKAGE] >= p.motion_shock_min_leakage
        && f[features::index::BAND_LOW] >= p.motion_shock_min_band_low
        && f[features::index::FAST_PERIODICITY] < p.motion_shock_max_fast_periodicity
        && s.quality.median_block_ptp_mv >= p.motion_shock_min_median_ptp_mv
        && f[features::index::BAND_HIGH] < p.motion_shock_max_band_high
}

/// Asystole by convention: no 0.25-s block of the window reaches the asystole amplitude.
pub fn is_asystole(s: &WindowSummary, p: &DecisionParams) -> bool {
    s.quality.max_block_ptp_mv < p.asystole_mv
}

/// A slow organised rhythm: regular, alike beats below the rapid-VT rate. Such a window is
/// not shockable whatever the waveform looks like (wide-QRS sinus rhythm or idioventricular
/// rhythm look VT-like to amplitude and spectral features).
///
/// "Regular" is either plain RR regularity, or — for a rhythm with frequent ectopic beats,
/// whose RR series alternates between short and long intervals — a regular rhythm explaining
/// the intervals ([`features::rr_explained`]) together with, as evidence independent of the
/// detector, no waveform periodicity faster than the rule's rate
/// ([`features::fast_periodicity`]). Either needs the spectrum to peak below
/// `organised_max_dominant_hz`, unless its regularity measure and the QRS correlation both
/// reach `strongly_organised`.
pub fn is_slow_organised(s: &WindowSummary, p: &DecisionParams) -> bool {
    let correlation = s.features.values[features::index::BEAT_CORRELATION];
    let slow_spectrum =
        s.features.values[features::index::DOMINANT_FREQ_HZ] < p.organised_max_dominant_hz;
    let strongly = |regularity: f32| {
        regularity >= p.strongly_organised && correlation >= p.strongly_organised
    };
    let regular = s.rr_regular >= p.organised_min_rr_regular
        && (slow_spectrum || strongly(s.rr_regular));
    let regular_with_ectopy = s.rr_explained >= p.organised_min_rr_explained
        && s.features.values[features::index::FAST_PERIODICITY] < p.organised_max_fast_periodicity
        && (slow_spectrum || strongly(s.rr_explained));
    s.hr_bpm.is_some_and(|hr| hr < p.organised_max_bpm)
        && correlation >= p.organised_min_correlation
        && (regular || regular_with_ectopy)
}

/// The class of a shockable window: VT when organised (regular, alike QRS, not flutter-fast),
/// VF otherwise.
pub fn shockable_class(s: &WindowSummary, p: &DecisionParams) -> RhythmClass {
    let f = &s.features.values;
    let organised = f[features::index::RR_CV] <= p.vt_max_rr_cv
        && f[features::index::BEAT_CORRELATION] >= p.vt_min_correlation
        && f[features::index::DOMINANT_FREQ_HZ] < p.vt_max_dominant_hz;
    if organised {
        RhythmClass::Vt
    } else {
        RhythmClass::Vf
    }
}

/// The class of a non-shockable, analysable window, from rate and regularity.
pub fn nonshockable_class(s: &WindowSummary, p: &DecisionParams) -> RhythmClass {
    let rr_cv = s.features.values[features::index::RR_CV];
    match s.hr_bpm {
        None => RhythmClass::Other,
        Some(hr) if hr < p.brady_bpm => RhythmClass::Brady,
        Some(_) if rr_cv > p.irregular_rr_cv => RhythmClass::Irregular,
        Some(hr) if hr > p.tachy_bpm => RhythmClass::Tachy,
        Some(_) => RhythmClass::Sinus,
    }
}

/// The advice for an analysed window: decision, class and reason.
pub fn decide(
    s: &WindowSummary,
    score: f32,
    p: &DecisionParams,
) -> (Decision, RhythmClass, Option<QualityIssue>) {
    if let Some(issue) = quality_issue(s, p) {
        return (Decision::Indeterminate, RhythmClass::Unknown, Some(issue));
    }
    if is_asystole(s, p) {
        return (Decision::Nonshockable, RhythmClass::Asystole, None);
    }
    if is_slow_organised(s, p) {
        return (Decision::Nonshockable, nonshockable_class(s, p), None);
    }
    if score >= p.shock_threshold {
        if mimics_vf_by_motion(s, p) {
            return (Decision::Indeterminate, RhythmClass::Unknown, Some(QualityIssue::Noise));
        }
        (Decision::Shockable, shockable_class(s, p), None)
    } else {
        (Decision::Nonshockable, nonshockable_class(s, p), None)
    }
}

/// What the sync gate must be told about a decision: VF (defibrillate unsynchronized),
/// asystole, noise, or lead-off; VT and non-shockable rhythms keep sync available.
pub fn gate_veto(event: &RhythmEvent) -> Option<SyncUnavailableReason> {
    match (event.decision, event.class, event.reason) {
        (Decision::Shockable, RhythmClass::Vf, _) => Some(SyncUnavailableReason::Vf),
        (_, RhythmClass::Asystole, _) => Some(SyncUnavailableReason::Asystole),
        (Decision::Indeterminate, _, Some(QualityIssue::Noise)) => {
            Some(SyncUnavailableReason::Noise)
        }
        (
            Decision::Indeterminate,
            _,
            Some(QualityIssue::LeadOff | QualityIssue::Saturation | QualityIssue::Missing),
        ) => Some(SyncUnavailableReason::LeadOff),
        // An advisor that cannot analyse the rhythm cannot vouch for the R waves either.
        (Decision::Indeterminate, _, _) => Some(SyncUnavailableReason::NoReliableR),
        _ => None,
    }
}

/// The shock advisor: features over a sliding window, a compiled-in classifier, rules.
#[derive(Clone, Debug)]
pub struct ShockAdvisor<S: PowerSpectrum = DefaultSpectrum> {
    extractor: FeatureExtractor<S>,
    params: DecisionParams,
    model: &'static TrainedModel,
    window: u64,
    step: u64,
    next_decision: u64,
    n: u64,
    last: Option<WindowAnalysis>,
}

impl ShockAdvisor<DefaultSpectrum> {
    /// The advisor for `config` with the compiled-in model.
    pub fn new(config: &Config) -> Result<Self, ConfigError> {
        Self::with_model(config, &model_params::MODEL)
    }
}

impl<S: PowerSpectrum> ShockAdvisor<S> {
    /// The advisor for `config` with the given model and spectrum back end.
    pub fn with_model(config: &Config, model: &'static TrainedModel) -> Result<Self, ConfigError> {
        let fs = config.sample_rate_hz;
        let r = &config.rhythm;
        let window = libm::roundf(r.window_s * fs) as u64;
        let step = (libm::roundf(r.step_s * fs) as u64).max(1);
        if window < 2 {
            return Err(ConfigError::new(
                "rhythm.window_s",
                r.window_s,
                "window too short",
            ));
        }
        Ok(ShockAdvisor {
            extractor: FeatureExtractor::new(fs, r.window_s, FeatureParams::default()),
            params: DecisionParams::from_config(config),
            model,
            window,
            step,
            next_decision: window,
            n: 0,
            last: None,
        })
    }

    /// The decision rules' thresholds.
    pub fn params(&self) -> &DecisionParams {
        &self.params
    }

    /// Window length, input samples.
    pub fn window_samples(&self) -> u64 {
        self.window
    }

    /// Forget all history; the next sample is index 0 again.
    pub fn reset(&mut self) {
        self.extractor.reset();
        self.next_decision = self.window;
        self.n = 0;
        self.last = None;
    }

    /// The last analysed window (features, quality, score), if any.
    pub fn last_analysis(&self) -> Option<&WindowAnalysis> {
        self.last.as_ref()
    }

    /// Push one input sample: the raw value (missing samples already replaced by the last good
    /// one, and flagged by `missing`), the pre-filtered value, and the beat the detector
    /// confirmed in this push. Returns the decision when one is due.
    #[inline]
    pub fn push(
        &mut self,
        raw_mv: f32,
        missing: bool,
        filtered_mv: f32,
        beat: Option<&Beat>,
    ) -> Option<RhythmEvent> {
        self.push_block(&[raw_mv], u64::from(missing), &[filtered_mv], beat)
    }

    /// Input samples still to be pushed until the next decision is due (at least 1): a block
    /// of this many samples ends with the decision.
    pub fn samples_to_decision(&self) -> u64 {
        self.next_decision.saturating_sub(self.n).max(1)
    }

    /// Push a block of consecutive input samples (at most [`features::MAX_PUSH_BLOCK`]; the
    /// rest is ignored), the same as [`ShockAdvisor::push`] on each in turn when the block
    /// ends at or before the next decision ([`ShockAdvisor::samples_to_decision`]): raw values,
    /// missing flags (bit `k` for sample `k`), pre-filtered values, and the beat the detector
    /// confirmed in the push of the block's last sample. A decision is made at the end of the
    /// block that reaches its time; a block that runs past it delays the decision to its end.
    ///
    /// Besides a decision, a push does at most one phase of the segment analyses (the
    /// spectrum, TCSC, leakage and Lempel–Ziv of the last 2 s, every second): phases that
    /// fell due within a block run in later pushes or in
    /// [`ShockAdvisor::run_segment_work`], and all due ones before a decision, so that a block
    /// does not bunch them into one push.
    #[inline]
    pub fn push_block(
        &mut self,
        raw_mv: &[f32],
        missing: u64,
        filtered_mv: &[f32],
        beat: Option<&Beat>,
    ) -> Option<RhythmEvent> {
        let len = raw_mv.len().min(filtered_mv.len()).min(features::MAX_PUSH_BLOCK);
        if len == 0 {
            return None;
        }
        self.extractor
            .push_block_deferred(raw_mv, missing, filtered_mv, beat);
        self.n += len as u64;
        if self.n < self.next_decision {
            self.extractor.run_segment_phase();
            return None;
        }
        self.decide_now()
    }

    /// Do one due phase of the segment analyses, if any (see [`ShockAdvisor::push_block`]):
    /// for a caller that feeds blocks, once in each push that feeds none.
    #[inline]
    pub fn run_segment_work(&mut self) {
        self.extractor.run_segment_phase();
    }

    /// The decision on the window that ends with the last sample pushed.
    #[inline(never)]
    fn decide_now(&mut self) -> Option<RhythmEvent> {
        let now = self.n.saturating_sub(1);
        while self.next_decision <= self.n {
            self.next_decision = self.next_decision.saturating_add(self.step);
        }
        let end = self.n;
        let start = end.saturating_sub(self.window);
        self.extractor.finish_segment_work();
        let summary = self.extractor.summarize(start, end);
        let score = self.model.probability(&summary.features);
        self.last = Some(WindowAnalysis {
            start,
            end,
            summary,
            score,
        });
        let (decision, class, reason) = decide(&summary, score, &self.params);
        Some(RhythmEvent {
            start,
            end,
            emitted: now,
            decision,
            score,
            class,
            hr_bpm: summary.hr_bpm,
            reason,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A window that passes the quality rules, with regular, alike beats at `hr` bpm.
    fn organised_at(hr: f32) -> WindowSummary {
        let mut s = WindowSummary {
            hr_bpm: Some(hr),
            rr_regular: 0.9,
            rr_explained: 0.9,
            blocks: 32,
            segments: 7,
            ..WindowSummary::default()
        };
        s.quality.samples = 2880;
        s.quality.raw_ptp_mv = 2.0;
        s.quality.max_block_ptp_mv = 2.0;
        s.quality.median_block_ptp_mv = 1.5;
        s.features.values[features::index::MEAN_FREQ_HZ] = 3.0;
        s.features.values[features::index::BEAT_CORRELATION] = 0.9;
        s.features.values[features::index::DOMINANT_FREQ_HZ] = 1.8;
        s
    }

    /// Every event and the last analysis, as text (bit-exact floats, NaN equal to NaN).
    fn feed(
        advisor: &mut ShockAdvisor,
        x: &[f32],
        beats: &[(usize, Beat)],
        blocks: bool,
    ) -> alloc::string::String {
        let mut out = alloc::string::String::new();
        let missing = |i: usize| (i / 97) % 13 == 5;
        let mut beat_at = beats.iter().peekable();
        let mut start = 0;
        let mut k = 0;
        while start < x.len() {
            // Block lengths 1…64 in a scrambled order, cut at decisions and beats.
            let mut len = if blocks { (k * 37) % 64 + 1 } else { 1 };
            k += 1;
            len = len
                .min(advisor.samples_to_decision() as usize)
                .min(x.len() - start);
            if let Some(&&(at, _)) = beat_at.peek() {
                len = len.min(at + 1 - start);
            }
            let end = start + len;
            let beat = beat_at.next_if(|(at, _)| *at + 1 == end).map(|(_, b)| b);
            let raw = &x[start..end];
            let filtered: alloc::vec::Vec<f32> = raw.iter().map(|v| 0.5 * v).collect();
            let bits = (0..len).fold(0u64, |m, j| m | (u64::from(missing(start + j)) << j));
            let event = if blocks {
                advisor.push_block(raw, bits, &filtered, beat)
            } else {
                advisor.push(raw[0], bits == 1, filtered[0], beat)
            };
            if let Some(e) = event {
                out += &alloc::format!("{e:?}\n");
            }
            start = end;
        }
        out + &alloc::format!("{:?}", advisor.last_analysis())
    }

    #[test]
    fn block_feeding_is_sample_by_sample_feeding() {
        for fs in [125.0f32, 250.0, 360.0, 1000.0] {
            let synth = crate::synth::Synth {
                wander_mv: 0.3,
                ..crate::synth::Synth::new(fs)
            };
            let (mut x, r) = synth.generate(21.0);
            // A stuck stretch, so that the raw counters have something to count.
            let stuck = (3.0 * fs) as usize;
            let held = x[stuck];
            x[stuck..stuck + (0.2 * fs) as usize].fill(held);
            let beats: alloc::vec::Vec<(usize, Beat)> = r
                .iter()
                .map(|&s| {
                    let beat = Beat {
                        sample: s,
                        emitted: s + (0.3 * fs) as u64,
                        energy: 1.0,
                        amplitude_mv: 1.2,
                        width_samples: 20,
                        searchback: false,
                    };
                    (beat.emitted as usize, beat)
                })
                .filter(|(at, _)| *at < x.len())
                .collect();
            let config = Config::with_sample_rate(fs);
            let mut one = ShockAdvisor::new(&config).unwrap();
            let mut many = ShockAdvisor::new(&config).unwrap();
            let by_sample = feed(&mut one, &x, &beats, false);
            assert!(by_sample.matches("RhythmEvent").count() >= 10, "{by_sample}");
            assert_eq!(feed(&mut many, &x, &beats, true), by_sample, "fs {fs}");
        }
    }

    #[test]
    fn large_slow_swings_are_motion_noise_not_a_rhythm() {
        let p = DecisionParams::from_config(&Config::default());
        let mut s = organised_at(150.0);
        s.quality.median_block_ptp_mv = 3.0;
        s.features.values[features::index::BAND_LOW] = 0.45;
        s.features.values[features::index::DOMINANT_FREQ_HZ] = 1.0;
        assert_eq!(
            decide(&s, 0.99, &p),
            (Decision::Indeterminate, RhythmClass::Unknown, Some(QualityIssue::Noise))
        );
        // The same amplitude at a VF frequency is analysed.
        s.features.values[features::index::DOMINANT_FREQ_HZ] = 4.5;
        assert_eq!(decide(&s, 0.99, &p).0, Decision::Shockable);
    }

    #[test]
    fn motion_artefact_the_classifier_would_shock_is_indeterminate() {
        let p = DecisionParams::from_config(&Config::default());
        // A fast, irregular "rhythm" (not slow organised) under large, slow, leaky swings.
        let mut s = organised_at(150.0);
        s.rr_regular = 0.3;
        s.rr_explained = 0.4;
        s.quality.median_block_ptp_mv = 2.0;
        s.features.values[features::index::DOMINANT_FREQ_HZ] = 1.9;
        s.features.values[features::index::VF_LEAKAGE] = 0.8;
        s.features.values[features::index::BAND_LOW] = 0.35;
        s.features.values[features::index::FAST_PERIODICITY] = 0.15;
        assert!(quality_issue(&s, &p).is_none() && !is_slow_organised(&s, &p));
        let noise = (Decision::Indeterminate, RhythmClass::Unknown, Some(QualityIssue::Noise));
        assert_eq!(decide(&s, 0.99, &p), noise);
        // A score below the threshold keeps its analysis: the rule only withholds shocks.
        assert_eq!(decide(&s, 0.1, &p).0, Decision::Nonshockable);
        // Each condition alone lets the shock through: a VF-like leakage, little slow power,
        // a waveform recurring at a fast rate, spiky (fast) content, a small amplitude.
        let vf_like: [(usize, f32); 4] = [
            (features::index::VF_LEAKAGE, 0.5),
            (features::index::BAND_LOW, 0.07),
            (features::index::FAST_PERIODICITY, 0.6),
            (features::index::BAND_HIGH, 0.13),
        ];
        for (i, v) in vf_like {
            let mut t = s;
            t.features.values[i] = v;
            assert_eq!(decide(&t, 0.99, &p).0, Decision::Shockable, "feature {i} = {v}");
        }
        let mut small = s;
        small.quality.median_block_ptp_mv = 0.8;
        assert_eq!(decide(&small, 0.99, &p).0, Decision::Shockable);
        assert_eq!(decide(&s, 0.99, &p), noise);
    }

    #[test]
    fn slow_organised_rhythm_is_not_shocked_whatever_the_score() {
        let p = DecisionParams::from_config(&Config::default());
        let (d, _, reason) = decide(&organised_at(110.0), 0.99, &p);
        assert_eq!((d, reason), (Decision::Nonshockable, None));
        // Regular, alike beats under noise that lifts the dominant frequency.
        let mut noisy = organised_at(90.0);
        noisy.features.values[features::index::DOMINANT_FREQ_HZ] = 4.7;
        assert_eq!(decide(&noisy, 0.99, &p).0, Decision::Nonshockable);
    }

    #[test]
    fn ectopic_beats_do_not_hide_a_slow_organised_rhythm() {
        let p = DecisionParams::from_config(&Config::default());
        // Frequent premature beats with compensatory pauses: few RR intervals near the median,
        // most explained, and the waveform does not recur faster than 120/min.
        let mut ectopy = organised_at(105.0);
        ectopy.rr_regular = 0.35;
        ectopy.rr_explained = 0.8;
        ectopy.features.values[features::index::FAST_PERIODICITY] = 0.1;
        assert!(is_slow_organised(&ectopy, &p));
        assert_eq!(decide(&ectopy, 0.99, &p).0, Decision::Nonshockable);
        // Narrow, alike complexes put the spectrum's peak above 4 Hz: waived as organised.
        let mut narrow = ectopy;
        narrow.features.values[features::index::DOMINANT_FREQ_HZ] = 5.0;
        assert!(is_slow_organised(&narrow, &p));
        // The same RR pattern over a waveform that recurs every 0.2-0.5 s is a fast rhythm
        // the detector follows only in part.
        let mut fast_waveform = ectopy;
        fast_waveform.features.values[features::index::FAST_PERIODICITY] = 0.7;
        // Or over a spectrum at VF frequencies with beats not alike enough to waive it.
        let mut vf_spectrum = ectopy;
        vf_spectrum.features.values[features::index::DOMINANT_FREQ_HZ] = 4.5;
        vf_spectrum.features.values[features::index::BEAT_CORRELATION] = 0.65;
        let mut unlike = ectopy;
        unlike.features.values[features::index::BEAT_CORRELATION] = 0.4;
        let mut unexplained = ectopy;
        unexplained.rr_explained = 0.4;
        for s in [fast_waveform, vf_spectrum, unlike, unexplained] {
            assert!(!is_slow_organised(&s, &p));
            assert_eq!(decide(&s, 0.99, &p).0, Decision::Shockable);
        }
    }

    #[test]
    fn the_slow_organised_rule_needs_slow_regular_alike_beats() {
        let p = DecisionParams::from_config(&Config::default());
        let fast = organised_at(170.0);
        let mut irregular = organised_at(110.0);
        irregular.rr_regular = 0.3;
        irregular.rr_explained = 0.3;
        let mut unlike = organised_at(110.0);
        unlike.features.values[features::index::BEAT_CORRELATION] = 0.2;
        let mut no_beats = organised_at(110.0);
        no_beats.hr_bpm = None;
        let mut vf_spectrum = organised_at(110.0);
        vf_spectrum.features.values[features::index::DOMINANT_FREQ_HZ] = 4.5;
        vf_spectrum.rr_regular = 0.6;
        vf_spectrum.features.values[features::index::BEAT_CORRELATION] = 0.65;
        for s in [fast, irregular, unlike, no_beats, vf_spectrum] {
            assert!(!is_slow_organised(&s, &p));
            assert_eq!(decide(&s, 0.99, &p).0, Decision::Shockable);
        }
    }
}
