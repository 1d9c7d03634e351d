//! Causal QRS detection.
//!
//! The ventricles' depolarisation (the QRS complex) is the steepest, most energetic part of the
//! ECG. The detector follows the energy-envelope family of Pan & Tompkins (IEEE TBME 1985;
//! 32(3):230-236) with the decision rules that Hamilton & Tompkins measured best (IEEE TBME 1986;
//! 33(12):1157-1165): band-pass, slope, squaring, moving-window integration, median-based
//! adaptive signal/noise levels, a refractory period, search-back for missed beats and a slope
//! test against T waves.
//!
//! ```text
//! pre-filtered ECG ─► band-pass (biquads) ─► slope ─► square ─► moving-window integral
//!                                                                 │
//!                             peaks of the integral ◄─────────────┘
//!                             │ adaptive threshold, refractory, T-wave test, search-back
//!                             ▼
//!                   R peak = largest deflection of the ECG under the QRS energy
//! ```
//!
//! Two outputs leave the detector, each with its own delay:
//! - a [`QrsCandidate`] *as soon as* the integral rises through the marker threshold — the fast
//!   path that the sync gate turns into cardioversion markers (tens of milliseconds after R);
//! - a [`Beat`] once the integral's peak is confirmed and no larger peak follows within the
//!   refractory period (a few hundred milliseconds after R), or when a search-back recovers one.

pub mod fast;
pub mod template;

use crate::config::{Config, ConfigError, QrsConfig};
use crate::filter::history::{History, MedianOf};
use crate::filter::{BiquadStage, Stage};
use fast::{FastParams, FastTrigger};

/// A confirmed QRS complex.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Beat {
    /// R-peak index in input samples (filter delays removed).
    pub sample: u64,
    /// Input index being pushed when the beat was confirmed.
    pub emitted: u64,
    /// Peak of the energy integral (detector units), a measure of QRS size.
    pub energy: f32,
    /// Peak-to-peak amplitude of the pre-filtered ECG under the QRS, mV.
    pub amplitude_mv: f32,
    /// Width of the QRS energy above half its peak, in samples.
    pub width_samples: u32,
    /// True when the beat was recovered by search-back.
    pub searchback: bool,
}

/// A QRS seen on its rising edge, early enough for a sync marker.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QrsCandidate {
    /// Best estimate of the R peak so far, input samples.
    pub sample: u64,
    /// Input index being pushed now.
    pub emitted: u64,
    /// Correlation of the QRS onset with the most similar template of confirmed beats.
    pub correlation: f32,
    /// Samples from the previous QRS-like complex to this one, counting complexes too small to
    /// trigger ([`fast::FastTrigger::event_gap`]); `None` when none is remembered.
    pub event_gap: Option<u64>,
    /// Energy in the QRS band over the last 3 s that was not a marked QRS, as a fraction of the
    /// time ([`fast::FastTrigger::foreign_activity`]): ≈ 0.05 in a clean ECG, high in noise.
    pub foreign_activity: f32,
}

/// What one push of the detector produced.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct QrsOutput {
    /// A beat confirmed during this push.
    pub beat: Option<Beat>,
    /// A fast candidate for a sync marker raised during this push.
    pub candidate: Option<QrsCandidate>,
}

/// One sample of the detector's signals. The detector and its fast trigger keep a single ring
/// of these (one index computation and one bounds check per sample instead of one per signal);
/// all fields of a row belong to the same push index.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Trace {
    /// Pre-filtered ECG, mV.
    pub ecg: f32,
    /// Band-passed ECG, mV.
    pub band: f32,
    /// Slope of the band-passed ECG (central difference), mV/s.
    pub slope: f32,
    /// The detector's moving-window integral of the absolute slope (detector units).
    pub energy: f32,
    /// The fast trigger's shorter moving-window integral of the absolute slope.
    pub onset_energy: f32,
}

/// Decision thresholds, in the units stated, derived once from [`QrsConfig`].
#[derive(Clone, Copy, Debug)]
struct Params {
    integration: usize,
    /// `integration` as a float (exact), so the per-sample mean does not convert it.
    integration_f64: f64,
    refractory: u64,
    /// A held candidate is replaced by a dominant peak this soon after it (a P wave taken
    /// for a QRS is then corrected by the QRS that follows).
    dominance_window: u64,
    /// How much larger (integral peak) a later peak must be to replace a held candidate.
    dominance_ratio: f32,
    /// Or how much steeper it must be.
    dominance_slope_ratio: f32,
    t_window: u64,
    threshold_fraction: f32,
    searchback_factor: f32,
    /// Peak confirmation: no higher value for this long.
    peak_hold: u64,
    /// Margin around the energy window when locating the R peak.
    fiducial_margin: u64,
    /// A held candidate is released this long after its R peak (see
    /// [`QrsDetector::release_held`]).
    settle: u64,
    /// Start-up learning time.
    learn: u64,
    /// With no beat for this long, signal levels are decayed.
    silence: u64,
    /// A T-wave candidate's slope must be below this fraction of the last QRS's slope.
    t_slope_ratio: f32,
    /// Longest wait of a fast candidate for its R peak ([`RISE_HOLD_MS`]).
    rise_hold: u64,
    /// How far back from its trigger a fast candidate's R peak is sought ([`R_SEARCH_MS`]).
    r_search: u64,
    /// Integral peaks closer than this are lobes of one QRS ([`QRS_LOBES_MS`]).
    lobes: u64,
    fs: f32,
}

/// `m.max(v)` for a running maximum `m` that is never NaN (it starts at a number): `v` when it
/// is larger, otherwise `m` (a NaN `v` is passed over, as `f32::max` does). One comparison and
/// one select per value, where `f32::max` also orders a NaN `m` (several more instructions in
/// the detector's window loops).
#[inline(always)]
pub(crate) fn running_max(m: f32, v: f32) -> f32 {
    if v > m {
        v
    } else {
        m
    }
}

/// Longest wait of a recognised QRS for its R peak before its sync candidate is issued, ms.
pub const RISE_HOLD_MS: f32 = 15.0;

/// How far back from the trigger (before the band-pass delay) a fast candidate's R peak is
/// sought, ms: most of a wide QRS. A trigger on the steep downstroke of a tall, wide complex
/// then finds the complex's R peak rather than the trough, and the gate sees the marker would
/// come too late (`sync.max_latency_ms`) instead of marking it as if it were on time.
pub const R_SEARCH_MS: f32 = 90.0;

/// Integral peaks of the energy closer than this are lobes of one QRS complex, ms: the longest
/// QRS lasts about this long, while the waves of fibrillation or flutter (4–6 Hz) come at
/// least 160 ms apart. Two peaks are one complex when their R estimates are closer than the
/// refractory period or their integral peaks closer than this.
pub const QRS_LOBES_MS: f32 = 140.0;

/// Window of the trigger's foreign activity ([`QrsCandidate::foreign_activity`]), ms.
pub const ACTIVITY_WINDOW_MS: f32 = 3000.0;

/// After a marked candidate's trigger, the integral is that QRS's own for this long (not
/// foreign activity), ms.
pub const ACTIVITY_QUIET_MS: f32 = 150.0;

/// How far `later` follows `earlier`: the shorter of the intervals between their R estimates
/// and between their integral peaks (the dominance window of a held candidate, in
/// `classify_peak`).
fn gap(later: &Peak, earlier: &Peak) -> u64 {
    later
        .fiducial
        .saturating_sub(earlier.fiducial)
        .min(later.at.saturating_sub(earlier.at))
}

/// A fast candidate waiting for its R peak (see [`QrsDetector::fast_candidate`]).
#[derive(Clone, Copy, Debug)]
struct Rising {
    /// Push index of the trigger.
    trigger: u64,
    /// Template correlation reported by the trigger.
    correlation: f32,
    /// Largest deflection so far: push index and absolute value (pre-filter time).
    peak: (u64, f32),
    /// See [`QrsCandidate::event_gap`].
    event_gap: Option<u64>,
}

/// A peak of the energy integral, with what is needed to make it a beat later.
#[derive(Clone, Copy, Debug, Default)]
struct Peak {
    value: f32,
    /// R-peak push index (pre-filter time).
    fiducial: u64,
    slope: f32,
    amplitude: f32,
    width: u32,
    /// Index of the integral peak (slope time).
    at: u64,
}

/// The QRS detector. Works at any sample rate; allocates only in [`QrsDetector::new`].
#[derive(Clone, Debug)]
pub struct QrsDetector {
    p: Params,
    highpass: BiquadStage,
    lowpass: BiquadStage,
    /// Delay from pre-filter output to the band-passed slope, samples.
    band_delay: u64,
    /// Delay of the pre-filter (input → pre-filtered), samples.
    pre_delay: u64,
    /// Band-passed values of the two previous samples (n − 1, n − 2).
    band_prev: [f32; 2],
    /// The signals of the last second (and a window), shared with the fast trigger.
    trace: History<Trace>,
    integral_sum: f64,
    // peak tracking on the integral
    rising_max: f32,
    rising_at: u64,
    last_value: f32,
    // levels
    signal_level: MedianOf<8>,
    noise_level: MedianOf<8>,
    rr: MedianOf<8>,
    learn_max: f32,
    learn_sum: f64,
    /// First push index of the current learning phase.
    learn_from: u64,
    learned: bool,
    // beats
    held: Option<Peak>,
    /// Push index from which the held candidate is released (`u64::MAX` when none is held);
    /// kept with `held` so that the per-sample test is one comparison.
    release_at: u64,
    last_beat: Option<Peak>,
    /// Push index after which the levels decay for want of beats (see
    /// [`QrsDetector::decay_on_silence`]); kept with `last_beat`.
    silence_after: u64,
    last_slope: f32,
    searchback_best: Option<Peak>,
    /// A fast candidate waiting for its R peak.
    rising: Option<Rising>,
    /// Pushes before this index may take the quiet path ([`QrsDetector::push_quiet`]) as far
    /// as the detector's state goes: 0 while learning, with a fast candidate waiting for its R
    /// peak or a search-back candidate, or while the fast trigger is not ready for its quiet
    /// path, otherwise the release of the held candidate or the end of the silence after the
    /// last beat, whichever is first. Refreshed whenever those
    /// change (after every push that does not take the quiet path, and on reset and relearn).
    quiet_before: u64,
    // fast path
    fast: FastTrigger,
    /// What the last [`QrsDetector::push_sample`] produced, until taken
    /// ([`QrsDetector::take_output`]).
    output: QrsOutput,
}

impl QrsDetector {
    /// Build a detector for `config` (the pre-filter's latency is taken from `pre_delay`).
    pub fn new(config: &Config, pre_delay: usize) -> Result<Self, ConfigError> {
        let fs = config.sample_rate_hz;
        let q: &QrsConfig = &config.qrs;
        let ms = |v: f32| -> u64 { libm::roundf(v * fs / 1000.0).max(1.0) as u64 };
        let highpass = BiquadStage::highpass(q.band_low_hz, fs, "qrs.band_low_hz")?;
        let lowpass = BiquadStage::lowpass(q.band_high_hz, fs, "qrs.band_high_hz")?;
        let band_delay = (highpass.latency() + lowpass.latency()) as u64 + 1;
        let integration = ms(q.integration_ms) as usize;
        let mut p = Params {
            integration,
            integration_f64: integration as f64,
            refractory: ms(q.refractory_ms),
            dominance_window: ms(q.refractory_ms + 100.0),
            dominance_ratio: 2.0,
            dominance_slope_ratio: 1.5,
            t_window: ms(q.t_wave_window_ms),
            threshold_fraction: q.threshold_fraction,
            searchback_factor: q.searchback_rr_factor,
            peak_hold: ms(95.0),
            fiducial_margin: ms(30.0),
            settle: 0,
            learn: ms(2000.0),
            silence: ms(3000.0),
            t_slope_ratio: 0.5,
            rise_hold: ms(RISE_HOLD_MS),
            r_search: ms(R_SEARCH_MS),
            lobes: ms(QRS_LOBES_MS),
            fs,
        };
        // Any peak whose R lies within the dominance window of the held one has been classified
        // by then: its integral peak comes at most band delay + integration + margin after its
        // R, and is confirmed within the peak hold time.
        p.settle = p.dominance_window
            + band_delay
            + p.integration as u64
            + p.fiducial_margin
            + p.peak_hold;
        let hist = ms(1000.0) as usize + integration;
        Ok(QrsDetector {
            p,
            highpass,
            lowpass,
            band_delay,
            pre_delay: pre_delay as u64,
            band_prev: [0.0; 2],
            trace: History::new(hist),
            integral_sum: 0.0,
            rising_max: 0.0,
            rising_at: 0,
            last_value: 0.0,
            signal_level: MedianOf::default(),
            noise_level: MedianOf::default(),
            rr: MedianOf::default(),
            learn_max: 0.0,
            learn_sum: 0.0,
            learn_from: 0,
            learned: false,
            held: None,
            release_at: u64::MAX,
            last_beat: None,
            silence_after: p.silence,
            last_slope: 0.0,
            searchback_best: None,
            rising: None,
            quiet_before: 0,
            fast: FastTrigger::new(
                FastParams {
                    window: ms(config.sync.trigger_integration_ms) as usize,
                    fraction: config.sync.trigger_fraction,
                    slope_fraction: config.sync.slope_fraction,
                    t_slope_fraction: config.sync.t_wave_slope_fraction,
                    refractory: ms(q.refractory_ms),
                    t_window: ms(q.t_wave_window_ms),
                    learn_span: ms(80.0),
                    template_len: ms(config.sync.template_ms) as usize,
                    min_correlation: config.sync.template_correlation,
                    confirm_timeout: ms(1200.0),
                    defer: ms(25.0),
                    foil_gap: ms(120.0),
                    activity_window: ms(ACTIVITY_WINDOW_MS),
                    activity_quiet: ms(ACTIVITY_QUIET_MS),
                },
            ),
            output: QrsOutput::default(),
        })
    }

    /// Pushes so far (the index the next push gets): the trace gets one row per push and
    /// restarts with the detector, so its count is the detector's.
    #[inline(always)]
    fn pushed(&self) -> u64 {
        self.trace.len_pushed()
    }

    /// Total delay from input to the band-passed slope signal, samples.
    pub fn slope_delay(&self) -> u64 {
        self.pre_delay + self.band_delay
    }

    /// Forget all history and levels.
    pub fn reset(&mut self) {
        self.highpass.reset();
        self.lowpass.reset();
        self.band_prev = [0.0; 2];
        self.trace.reset();
        self.integral_sum = 0.0;
        self.rising_max = 0.0;
        self.rising_at = 0;
        self.last_value = 0.0;
        self.signal_level = MedianOf::default();
        self.noise_level = MedianOf::default();
        self.rr = MedianOf::default();
        self.learn_max = 0.0;
        self.learn_sum = 0.0;
        self.learn_from = 0;
        self.learned = false;
        self.set_held(None);
        self.set_last_beat(None);
        self.last_slope = 0.0;
        self.searchback_best = None;
        self.rising = None;
        self.fast.reset();
        self.output = QrsOutput::default();
        self.update_quiet_before();
    }

    /// Learn the levels again from the next two seconds, keeping the filters' state: called when
    /// the signal returns after a quality problem (flat line, missing samples, huge artefacts)
    /// whose samples say nothing about the QRS complexes that follow.
    pub fn relearn(&mut self) {
        self.learned = false;
        self.learn_from = self.pushed();
        self.learn_max = 0.0;
        self.learn_sum = 0.0;
        self.signal_level = MedianOf::default();
        self.noise_level = MedianOf::default();
        self.rr = MedianOf::default();
        self.set_held(None);
        self.set_last_beat(None);
        self.last_slope = 0.0;
        self.searchback_best = None;
        self.rising_max = 0.0;
        self.rising = None;
        self.fast.relearn();
        self.update_quiet_before();
    }

    /// Current detection threshold on the energy integral.
    pub fn threshold(&self) -> f32 {
        let s = self.signal_level.median();
        let n = self.noise_level.median();
        n + self.p.threshold_fraction * (s - n)
    }

    /// Push one pre-filtered sample (mV). `n` counts pushes from 0.
    pub fn push(&mut self, ecg_mv: f32) -> QrsOutput {
        if self.push_sample(ecg_mv) {
            self.take_output()
        } else {
            QrsOutput::default()
        }
    }

    /// What the last [`QrsDetector::push_sample`] that returned true produced (nothing after
    /// it has been taken).
    pub(crate) fn take_output(&mut self) -> QrsOutput {
        core::mem::take(&mut self.output)
    }

    /// [`QrsDetector::push`] that keeps what the push produced for
    /// [`QrsDetector::take_output`] and returns whether it produced anything: the common push,
    /// with nothing to report, writes no output and its caller reads none. Inlined: the
    /// common push ([`QrsDetector::push_quiet`]) makes no calls, and the rest is out of line.
    #[inline(always)]
    pub(crate) fn push_sample(&mut self, ecg_mv: f32) -> bool {
        self.push_sample_via(ecg_mv, true)
    }

    /// [`QrsDetector::push_sample`] with the quiet path ([`QrsDetector::push_quiet`]) taken when
    /// it applies (`quiet_path`) or never: both give the same results, which a test checks.
    #[inline(always)]
    fn push_sample_via(&mut self, ecg_mv: f32, quiet_path: bool) -> bool {
        let b = self.lowpass.run(self.highpass.run(ecg_mv));
        self.push_band_via(ecg_mv, b, quiet_path)
    }

    /// The band-pass sections (high-pass, low-pass), for a run over a slice
    /// ([`crate::filter::cascade`]).
    pub(crate) fn band_mut(&mut self) -> [&mut BiquadStage; 2] {
        [&mut self.highpass, &mut self.lowpass]
    }

    /// [`QrsDetector::push_sample`] of `ecg_mv` whose band-passed value `band` was computed
    /// outside, by the band-pass sections of [`QrsDetector::band_mut`] (whose state is then
    /// already past it).
    #[inline(always)]
    pub(crate) fn push_band_passed(&mut self, ecg_mv: f32, band: f32) -> bool {
        self.push_band_via(ecg_mv, band, true)
    }

    /// The rest of [`QrsDetector::push_sample_via`], from the band-passed value `b` of
    /// `ecg_mv` on.
    #[inline(always)]
    fn push_band_via(&mut self, ecg_mv: f32, b: f32, quiet_path: bool) -> bool {
        let n = self.pushed();
        // The central difference needs the value two samples back (the current one at start).
        let b2 = if n >= 2 { self.band_prev[1] } else { b };
        self.band_prev = [b, self.band_prev[0]];
        let d = (b - b2) * 0.5 * self.p.fs;
        let e = d.abs();
        // Moving-window integral, kept as a running sum of the last `integration` values; the
        // value leaving the window is read back from the trace (which holds a second).
        // The trace holds index `n - 1` last and more than `integration` samples (see `new`),
        // so `lagged` is `get(n - integration)` here once `n >= integration`. Before that it
        // reads a slot not written since the ring was built or reset (the ring's length
        // exceeds `integration`), which holds a zero row: the value leaving is 0, as it should.
        let leaving = self
            .trace
            .lagged(self.p.integration as u64)
            .map_or(0.0, |t| t.slope.abs());
        self.integral_sum += e as f64 - leaving as f64;
        if self.integral_sum < 0.0 {
            self.integral_sum = 0.0;
        }
        let m = (self.integral_sum / self.p.integration_f64) as f32;
        let onset_energy = self.fast.integrate(e, &self.trace);
        self.trace.push(Trace {
            ecg: ecg_mv,
            band: b,
            slope: d,
            energy: m,
            onset_energy,
        });
        if quiet_path && self.push_quiet(n, m, onset_energy) {
            return false;
        }
        self.push_rest(n, m, onset_energy)
    }

    /// The common push, once the trace row of sample `n` (integral `m`, trigger integral
    /// `onset_energy`) is written, when it can be seen to produce nothing and to change only
    /// the peak tracking and the last values: no fast candidate waiting for its R peak, the
    /// levels learnt, no held candidate due for release, no search-back candidate, no silence
    /// to decay (all summed up in [`QrsDetector::quiet_before`]), the integral not confirming a
    /// peak and the fast trigger quiet
    /// ([`FastTrigger::push_quiet`]). Then it makes exactly the changes that
    /// [`QrsDetector::push_rest`] would make and returns true; otherwise it changes nothing
    /// and returns false. It makes no calls, so that the common push needs no call frame.
    #[inline(always)]
    fn push_quiet(&mut self, n: u64, m: f32, onset_energy: f32) -> bool {
        if n >= self.quiet_before {
            return false;
        }
        // `track_peak`'s two rules, in its order.
        let new_max = m > self.last_value && m > self.rising_max;
        if !new_max
            && self.rising_max > 0.0
            && (m < 0.5 * self.rising_max || n - self.rising_at > self.p.peak_hold)
        {
            return false;
        }
        if !self.fast.push_quiet(onset_energy) {
            return false;
        }
        if new_max {
            self.rising_max = m;
            self.rising_at = n;
        }
        self.last_value = m;
        true
    }

    /// The rest of a push after the trace row of sample `n` (integral `m`, trigger integral
    /// `onset_energy`) is written: the fast trigger, learning, peak tracking and the decision
    /// rules ([`QrsDetector::push_rules`]), then the quiet path's bound.
    #[inline(never)]
    fn push_rest(&mut self, n: u64, m: f32, onset_energy: f32) -> bool {
        let any = self.push_rules(n, m, onset_energy);
        self.update_quiet_before();
        any
    }

    /// Refresh [`QrsDetector::quiet_before`] from the state it summarises: the quiet path
    /// needs the levels learnt, no fast candidate waiting for its R peak, no search-back
    /// candidate, the fast trigger [`FastTrigger::quiet_ready`] (which only the pushes out of
    /// line, `relearn` and `reset` change), `n < release_at` (no held candidate due) and
    /// `n <= silence_after` (no silence to decay).
    fn update_quiet_before(&mut self) {
        self.quiet_before =
            if !self.learned
                || self.rising.is_some()
                || self.searchback_best.is_some()
                || !self.fast.quiet_ready()
            {
                0
            } else {
                self.release_at.min(self.silence_after.saturating_add(1))
            };
    }

    /// The fast trigger, learning, peak tracking and the decision rules of a push (see
    /// [`QrsDetector::push_rest`]).
    #[inline(always)]
    fn push_rules(&mut self, n: u64, m: f32, onset_energy: f32) -> bool {
        // The fast trigger sees every sample so that its levels follow the signal.
        let candidate = self.fast_candidate(n, onset_energy);
        if !self.learned {
            self.learn(n, m);
            self.last_value = m;
            return self.keep(QrsOutput {
                beat: None,
                candidate,
            });
        }

        let mut beat = None;
        if let Some(peak_at) = self.track_peak(n, m) {
            beat = self.classify_peak(n, peak_at);
        }
        if beat.is_some() {
        } else if let Some(released) = self.release_held(n) {
            beat = Some(released);
        } else if let Some(recovered) = self.searchback(n) {
            beat = Some(recovered);
        }
        self.decay_on_silence(n);
        self.last_value = m;
        self.keep(QrsOutput { beat, candidate })
    }

    /// Keep `out` for [`QrsDetector::take_output`] when it holds anything.
    #[inline(always)]
    fn keep(&mut self, out: QrsOutput) -> bool {
        let any = out.beat.is_some() || out.candidate.is_some();
        if any {
            self.output = out;
        }
        any
    }

    /// Start-up: levels from the first seconds (Pan & Tompkins' two-second learning phase).
    #[inline(never)]
    fn learn(&mut self, n: u64, m: f32) {
        self.learn_max = self.learn_max.max(m);
        self.learn_sum += m as f64;
        let count = n + 1 - self.learn_from.min(n);
        if count >= self.p.learn {
            let mean = (self.learn_sum / count as f64) as f32;
            self.signal_level.fill(0.5 * self.learn_max);
            self.noise_level.fill(0.5 * mean);
            self.learned = true;
        }
    }

    /// Hamilton's peak rule: a rising maximum becomes a peak when the integral falls to half
    /// of it or no higher value comes within the hold time. Returns the peak's index.
    fn track_peak(&mut self, n: u64, m: f32) -> Option<u64> {
        if m > self.last_value && m > self.rising_max {
            self.rising_max = m;
            self.rising_at = n;
            return None;
        }
        if self.rising_max > 0.0
            && (m < 0.5 * self.rising_max || n - self.rising_at > self.p.peak_hold)
        {
            let at = self.rising_at;
            self.rising_max = 0.0;
            return Some(at);
        }
        None
    }

    /// Describe the QRS under an integral peak at push index `at`.
    fn describe(&self, at: u64) -> Peak {
        let value = self.trace.get(at).map_or(0.0, |t| t.energy);
        let w = self.p.integration as u64;
        let lag = self.band_delay;
        let from = (at + 1).saturating_sub(w + self.p.fiducial_margin);
        let to = at + 1 + self.p.fiducial_margin;
        // Energy window in slope time maps back to ECG time by the band delay.
        let (efrom, eto) = (from.saturating_sub(lag), to.saturating_sub(lag));
        // The windows are walked as the ring's contiguous pieces, oldest first.
        let mut slope: f32 = 0.0;
        for piece in self.trace.slices(from, to) {
            for t in piece {
                slope = running_max(slope, t.slope.abs());
            }
        }
        let (mut hi, mut lo) = (f32::MIN, f32::MAX);
        let (mut hi_at, mut lo_at) = (efrom, efrom);
        let mut i = efrom.max(self.trace.oldest());
        for piece in self.trace.slices(efrom, eto) {
            for &Trace { ecg: v, .. } in piece {
                if v > hi {
                    hi = v;
                    hi_at = i;
                }
                if v < lo {
                    lo = v;
                    lo_at = i;
                }
                i += 1;
            }
        }
        let amplitude = if hi >= lo { hi - lo } else { 0.0 };
        // The R peak is the larger deflection from the local baseline (the window's ends).
        let base = 0.5
            * (self.trace.get(efrom).map_or(0.0, |t| t.ecg)
                + self.trace.get(eto.saturating_sub(1)).map_or(0.0, |t| t.ecg));
        let fiducial = if (hi - base).abs() >= (base - lo).abs() {
            hi_at
        } else {
            lo_at
        };
        let half = 0.5 * value;
        let mut width = 0u32;
        for piece in self.trace.slices(at.saturating_sub(2 * w), at + 2 * w) {
            for t in piece {
                width += u32::from(t.energy >= half);
            }
        }
        Peak {
            value,
            fiducial,
            slope,
            amplitude,
            width,
            at,
        }
    }

    /// Hamilton & Tompkins' T-wave rule: a peak soon after a QRS whose slope is much smaller.
    fn is_t_wave(&self, peak: &Peak) -> bool {
        let prev = self.held.or(self.last_beat);
        match prev {
            Some(last) => {
                peak.fiducial.saturating_sub(last.fiducial) < self.p.t_window
                    && peak.slope < self.p.t_slope_ratio * last.slope
            }
            None => false,
        }
    }

    /// A later peak replaces a held candidate when its energy or its slope is much larger.
    fn dominates(&self, later: &Peak, held: &Peak) -> bool {
        later.value > self.p.dominance_ratio * held.value
            || (later.slope > self.p.dominance_slope_ratio * held.slope
                && later.value > 0.5 * held.value)
    }

    /// Is `peak` part of the last beat: within its refractory period, or a second energy lobe
    /// of its QRS? The R estimate of a QRS's second lobe can land on the rising T wave at the
    /// end of its search window, more than the refractory period after the beat's R, while the
    /// lobe's integral peak follows the beat's by less than [`QRS_LOBES_MS`].
    fn in_refractory(&self, peak: &Peak) -> bool {
        self.last_beat
            .is_some_and(|b| self.same_complex(peak, &b) || peak.fiducial <= b.fiducial)
    }

    /// Are `later` and `earlier` one QRS complex: R estimates closer than the refractory
    /// period, or integral peaks closer than [`QRS_LOBES_MS`]?
    fn same_complex(&self, later: &Peak, earlier: &Peak) -> bool {
        later.fiducial.saturating_sub(earlier.fiducial) < self.p.refractory
            || later.at.saturating_sub(earlier.at) < self.p.lobes
    }

    /// Decide what an integral peak is: QRS candidate (held), or noise. Returns a beat when a
    /// held candidate has to be released to make room for the new one.
    #[inline(never)]
    fn classify_peak(&mut self, n: u64, at: u64) -> Option<Beat> {
        let peak = self.describe(at);
        if self.in_refractory(&peak) {
            return None;
        }
        // A held QRS candidate is replaced by a larger peak within the refractory period, or
        // by a dominant one shortly after it (a P wave taken for a QRS).
        if let Some(h) = self.held {
            let gap = gap(&peak, &h);
            if self.same_complex(&peak, &h) {
                if peak.value > h.value {
                    self.set_held(Some(peak));
                }
                return None;
            }
            if gap < self.p.dominance_window && self.dominates(&peak, &h) {
                self.noise_level.push(h.value);
                self.set_held(Some(peak));
                return None;
            }
        }
        if peak.value > self.threshold() && !self.is_t_wave(&peak) {
            let released = self.held.take().map(|h| self.accept(n, h, false));
            self.set_held(Some(peak));
            released
        } else {
            self.noise_level.push(peak.value);
            let eligible = !self.is_t_wave(&peak) && peak.value > 0.5 * self.threshold();
            if eligible && self.searchback_best.map_or(true, |b| peak.value > b.value) {
                self.searchback_best = Some(peak);
            }
            None
        }
    }

    /// Release the held candidate once no larger peak can replace it.
    fn release_held(&mut self, n: u64) -> Option<Beat> {
        // `release_at` is `h.fiducial + settle` for the held candidate `h`, `u64::MAX` for none.
        if n < self.release_at {
            return None;
        }
        let h = self.held?;
        self.set_held(None);
        Some(self.accept(n, h, false))
    }

    #[inline(never)]
    fn accept(&mut self, n: u64, peak: Peak, searchback: bool) -> Beat {
        if searchback {
            // Pan & Tompkins: a search-back beat moves the signal level a quarter of the way.
            let s = self.signal_level.median();
            self.signal_level.push(s + 0.25 * (peak.value - s));
        } else {
            self.signal_level.push(peak.value);
        }
        if let Some(last) = self.last_beat {
            self.rr.push((peak.fiducial - last.fiducial) as f32);
        }
        self.set_last_beat(Some(peak));
        self.last_slope = peak.slope;
        self.fast
            .learn_beat(peak.fiducial + self.band_delay, &self.trace);
        self.searchback_best = None;
        Beat {
            sample: peak.fiducial.saturating_sub(self.pre_delay),
            emitted: n,
            energy: peak.value,
            amplitude_mv: peak.amplitude,
            width_samples: peak.width,
            searchback,
        }
    }

    /// With no beat for `searchback_factor` × the median RR, take the largest eligible peak.
    fn searchback(&mut self, n: u64) -> Option<Beat> {
        // Without a candidate there is nothing to recover (checked first: it is the cheap test).
        self.searchback_best?;
        let last = self.last_beat?;
        if self.held.is_some() || self.rr.len() < 2 {
            return None;
        }
        let limit = (self.p.searchback_factor * self.rr.median()) as u64;
        let fid_now = n.saturating_sub(self.band_delay + self.p.peak_hold);
        if fid_now.saturating_sub(last.fiducial) < limit {
            return None;
        }
        let best = self.searchback_best.take()?;
        if best.fiducial <= last.fiducial + self.p.refractory {
            return None;
        }
        Some(self.accept(n, best, true))
    }

    /// After long silence (e.g. once a large artefact inflated the levels), let them sink:
    /// more than `silence` after the last beat's R (after the start without one), four times a
    /// second.
    #[inline]
    fn decay_on_silence(&mut self, n: u64) {
        // `silence_after` is the last beat's R plus `silence` (`silence` without a beat), so
        // this is `n - R > silence` (with the difference saturating at 0).
        if n > self.silence_after && n % (self.p.fs as u64 / 4).max(1) == 0 {
            let s = self.signal_level.median();
            self.signal_level.push(0.7 * s);
        }
    }

    /// Hold `peak` as the QRS candidate (or none), with its release time.
    fn set_held(&mut self, peak: Option<Peak>) {
        self.held = peak;
        self.release_at = peak.map_or(u64::MAX, |h| h.fiducial + self.p.settle);
    }

    /// Make `peak` the last beat (or none), with the start of the silence after it.
    fn set_last_beat(&mut self, peak: Option<Peak>) {
        self.last_beat = peak;
        self.silence_after = peak
            .map_or(0, |b| b.fiducial)
            .saturating_add(self.p.silence);
    }

    /// The sync gate did not mark the last candidate: it starts no refractory period.
    pub fn candidate_withheld(&mut self) {
        // The last push was index `n - 1` (a candidate comes out of a push).
        self.fast.withheld(self.pushed().saturating_sub(1));
    }

    /// The fast path (see [`fast`]): a sync candidate as the QRS rises. A candidate recognised
    /// on the upstroke of a wide or paced QRS, whose R peak is still to come, is issued when the
    /// ECG's deflection stops growing (the R peak has passed) or [`RISE_HOLD_MS`] after the
    /// trigger, whichever is first, so that the marker lands on the R wave rather than before it
    /// (a trigger at the QRS onset can precede the R peak by more than the 50 ms the sync
    /// timing rule allows).
    #[inline]
    fn fast_candidate(&mut self, n: u64, onset_energy: f32) -> Option<QrsCandidate> {
        if let Some(correlation) = self.fast.push(n, onset_energy, &self.trace) {
            // R estimate: the largest deflection of the ECG over the last `R_SEARCH_MS` so far.
            let lag = self.band_delay;
            let from = n.saturating_sub(self.p.r_search + lag);
            let mut peak = (n.saturating_sub(lag), 0.0f32);
            for (i, Trace { ecg: v, .. }) in self.trace.range(from, n + 1) {
                if v.abs() > peak.1 {
                    peak = (i, v.abs());
                }
            }
            self.rising = Some(Rising {
                trigger: n,
                correlation,
                peak,
                event_gap: self.fast.event_gap(n),
            });
        } else if let Some(r) = self.rising.as_mut() {
            let v = self.trace.get(n).map_or(0.0, |t| t.ecg.abs());
            if v > r.peak.1 {
                r.peak = (n, v);
            }
        }
        let r = self.rising?;
        // While the newest sample is the largest deflection, the QRS is still rising towards
        // its R peak: the marker waits for it, at most `rise_hold` after the trigger.
        if r.peak.0 >= n && n.saturating_sub(r.trigger) < self.p.rise_hold {
            return None;
        }
        self.rising = None;
        Some(QrsCandidate {
            sample: r.peak.0.saturating_sub(self.pre_delay),
            emitted: n,
            correlation: r.correlation,
            event_gap: r.event_gap,
            foreign_activity: self.fast.foreign_activity(n),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peak(at: u64, fiducial: u64) -> Peak {
        Peak {
            value: 1.0,
            fiducial,
            slope: 1.0,
            amplitude: 1.0,
            width: 10,
            at,
        }
    }

    /// Push `x` through the pre-filter and two detectors, one taking the quiet path where it
    /// applies and one never taking it, and check that every push gives the same output. Every
    /// `withhold`-th candidate is withheld (as the sync gate may), in both.
    fn quiet_path_agrees(fs: f32, x: &[f32], withhold: usize) -> (usize, usize) {
        use crate::filter::PreFilter;
        let config = Config::with_sample_rate(fs);
        let mut prefilter = PreFilter::new(&config).unwrap();
        let mut quiet = QrsDetector::new(&config, prefilter.latency()).unwrap();
        let mut full = quiet.clone();
        let (mut beats, mut candidates) = (0, 0);
        for (i, &v) in x.iter().enumerate() {
            let y = prefilter.run(v);
            let a = quiet.push_sample_via(y, true);
            let b = full.push_sample_via(y, false);
            assert_eq!(a, b, "sample {i}");
            let (a, b) = (quiet.take_output(), full.take_output());
            assert_eq!(a, b, "sample {i}");
            beats += usize::from(a.beat.is_some());
            if a.candidate.is_some() {
                candidates += 1;
                if candidates % withhold == 0 {
                    quiet.candidate_withheld();
                    full.candidate_withheld();
                }
            }
        }
        (beats, candidates)
    }

    #[test]
    fn the_quiet_path_gives_what_the_full_push_gives() {
        // Synthetic beats at several rates, with wander, hum and a deterministic noise; a flat
        // stretch (levels decay in the silence) and a burst of large noise.
        for (fs, bpm) in [(360.0, 75.0), (250.0, 180.0), (125.0, 45.0), (1000.0, 120.0)] {
            let mut synth = crate::synth::Synth::new(fs);
            synth.bpm = bpm;
            synth.wander_mv = 0.3;
            synth.mains_mv = 0.05;
            let (mut x, _) = synth.generate(40.0);
            let mut state = 0x2545_f491_u32;
            let len = x.len();
            for (i, v) in x.iter_mut().enumerate() {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                let noise = (state as f32 / u32::MAX as f32 - 0.5) * 0.1;
                *v += if (len / 2..len / 2 + len / 10).contains(&i) {
                    20.0 * noise
                } else if (len / 4..len / 4 + len / 8).contains(&i) {
                    -*v
                } else {
                    noise
                };
            }
            let (beats, candidates) = quiet_path_agrees(fs, &x, 5);
            assert!(beats > 30 && candidates > 20, "{fs} Hz: {beats} beats, {candidates} candidates");
        }
        // A NaN reaching the detector (its filters then give NaN for ever) takes the same
        // branches in both.
        let (mut x, _) = crate::synth::Synth::new(360.0).generate(20.0);
        if let Some(v) = x.get_mut(5000) {
            *v = f32::NAN;
        }
        quiet_path_agrees(360.0, &x, 3);
    }

    #[cfg(feature = "std")]
    #[test]
    fn the_quiet_path_gives_what_the_full_push_gives_on_the_real_excerpts() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("test-data");
        for name in ["mitdb_100", "mitdb_208", "nstdb_118e00", "vfdb_426", "cudb_cu26"] {
            let rec = crate::io::wfdb::read_recording(&dir.join(name), 0).unwrap();
            // Invalid samples as the engine passes them on: the last valid value held.
            let mut last = 0.0;
            let x: Vec<f32> = rec
                .samples_mv
                .iter()
                .map(|&v| {
                    if v.is_finite() {
                        last = v;
                    }
                    last
                })
                .collect();
            let (beats, _) = quiet_path_agrees(rec.sample_rate_hz, &x, 4);
            assert!(beats > 20, "{name}: {beats} beats");
        }
    }

    #[test]
    fn a_second_energy_lobe_is_refractory_by_its_integral_peak_even_when_its_r_estimate_strays() {
        // 250 Hz: the 200-ms refractory period is 50 samples. A beat with its integral peak at
        // 1000 and its R at 990.
        let mut detector = QrsDetector::new(&Config::with_sample_rate(250.0), 0).unwrap();
        detector.set_last_beat(Some(peak(1000, 990)));
        // A second lobe of the same QRS: integral peak 120 ms later, R estimate on the rising T
        // wave 240 ms after the beat's R (mitdb 217 at 250 Hz).
        assert!(detector.in_refractory(&peak(1030, 1050)));
        assert_eq!(gap(&peak(1030, 1050), &peak(1000, 990)), 30);
        // Integral peaks 160 ms apart (a fibrillation wave's spacing) are two complexes when
        // the R estimates are more than the refractory period apart.
        assert!(!detector.in_refractory(&peak(1040, 1050)));
        // The next complex: integral peak and R both 240 ms later.
        assert!(!detector.in_refractory(&peak(1060, 1050)));
        // R estimates closer than the refractory period still count as one, as before.
        assert!(detector.in_refractory(&peak(1080, 1020)));
    }
}
