//! The streaming engine: one sample in, events out.
//!
//! ```text
//! sample (mV) ─┬─► SignalQualityMonitor ─► quality events, gate veto
//!               │
//! sample (mV) ─► PreFilter ─► QrsDetector ─┬─► beat events
//!                     │                    ├─► SyncMarkerGate ─► sync / sync_state events
//!                     └──────────────► ShockAdvisor ─► rhythm events, gate veto ─┘
//! ```
//!
//! [`Engine::push`] is causal, allocation-free and does bounded work; everything it needs is
//! allocated in [`Engine::new`]. Offline users call [`Engine::analyze`] on a whole strip.

use alloc::vec::Vec;

use crate::config::{Config, ConfigError};
use crate::event::{BeatEvent, Event, EventSink, RhythmEvent, SyncEvent};
use crate::event::{QualityEvent, QualityIssue, SyncUnavailableReason, SyncWithheldEvent};
use crate::filter::cascade::{Wavefront, DEPTH, LANES};
use crate::filter::{BiquadStage, PreFilter, Stage};
use crate::qrs::{Beat, QrsDetector, QrsOutput};
use crate::quality::SignalQualityMonitor;
use crate::rhythm::features::MAX_PUSH_BLOCK;
use crate::rhythm::{self, ShockAdvisor};
use crate::sync::{GateInputs, SyncMarkerGate, Verdict};

/// Slices shorter than this are pushed sample by sample by [`Engine::push_slice`]: the
/// wavefront's first and last steps would be most of its work.
const MIN_WAVEFRONT_SLICE: usize = 4 * LANES;

/// Fixed delays of the engine's signal path (see docs/latency.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Latencies {
    /// Group delay of the pre-filter chain at 10 Hz, samples.
    pub prefilter_samples: u64,
    /// Group delay of the QRS band-pass and slope at 10 Hz, samples (after the pre-filter).
    pub qrs_band_samples: u64,
}

/// The rhythm analysis engine for one ECG lead.
#[derive(Clone, Debug)]
pub struct Engine {
    config: Config,
    prefilter: PreFilter,
    qrs: QrsDetector,
    sync: SyncMarkerGate,
    advisor: ShockAdvisor,
    /// Samples not yet given to the shock advisor and the quality monitor: both are fed in
    /// runs (see [`Engine::push`]). Raw values after missing-sample substitution (advisor)…
    advisor_raw: [f32; MAX_PUSH_BLOCK],
    /// …pre-filtered values (advisor)…
    advisor_filtered: [f32; MAX_PUSH_BLOCK],
    /// …missing flags (bit k: buffered sample k was missing)…
    advisor_missing: u64,
    /// …and raw values as pushed (quality monitor).
    quality_raw: [f32; MAX_PUSH_BLOCK],
    /// How many samples are buffered.
    buffered: usize,
    /// The buffer is given to both when it holds this many samples (see [`Engine::flush_at`]).
    flush_at: usize,
    quality: SignalQualityMonitor,
    /// The advisor's last veto on sync markers.
    advisor_veto: Option<SyncUnavailableReason>,
    n: u64,
    last_good: f32,
    last_beat_sample: Option<u64>,
}

impl Engine {
    /// Build an engine; every config value is checked first.
    pub fn new(config: Config) -> Result<Self, ConfigError> {
        config.validate()?;
        let prefilter = PreFilter::new(&config)?;
        let qrs = QrsDetector::new(&config, prefilter.latency())?;
        let sync = SyncMarkerGate::new(&config)?;
        let advisor = ShockAdvisor::new(&config)?;
        let quality = SignalQualityMonitor::new(&config)?;
        let flush_at = Engine::flush_at(&advisor, &quality);
        Ok(Engine {
            config,
            prefilter,
            qrs,
            sync,
            advisor,
            advisor_raw: [0.0; MAX_PUSH_BLOCK],
            advisor_filtered: [0.0; MAX_PUSH_BLOCK],
            advisor_missing: 0,
            quality_raw: [0.0; MAX_PUSH_BLOCK],
            buffered: 0,
            flush_at,
            quality,
            advisor_veto: None,
            n: 0,
            last_good: 0.0,
            last_beat_sample: None,
        })
    }

    /// The configuration the engine runs with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The fixed delays of the signal path, in samples.
    pub fn latencies(&self) -> Latencies {
        Latencies {
            prefilter_samples: self.prefilter.latency() as u64,
            qrs_band_samples: self.qrs.slope_delay() - self.prefilter.latency() as u64,
        }
    }

    /// Number of samples pushed so far.
    pub fn samples_pushed(&self) -> u64 {
        self.n
    }

    /// Forget all history: the next sample is index 0 again.
    pub fn reset(&mut self) {
        self.prefilter.reset();
        self.qrs.reset();
        self.sync.reset();
        self.advisor.reset();
        self.advisor_missing = 0;
        self.buffered = 0;
        self.quality.reset();
        self.flush_at = Engine::flush_at(&self.advisor, &self.quality);
        self.advisor_veto = None;
        self.n = 0;
        self.last_good = 0.0;
        self.last_beat_sample = None;
    }

    /// Push one sample (mV). Events produced by it go to `sink`, in order.
    ///
    /// The shock advisor and the quality monitor are fed in blocks: their inputs are buffered
    /// and given to them when the advisor's next decision is due, when the detector confirms a
    /// beat (the advisor reads the ECG around it at once), when the monitor's block closes (the
    /// closing sample is pushed to it by itself, so that its event comes out in its own push)
    /// or when the buffer is full; the segment analyses that fall due within a block run one
    /// per push afterwards (all of them before a decision). Both see exactly what
    /// sample-by-sample feeding would give them, at the same points, for less work per sample.
    /// A decision's push (the costliest kind) carries one sample of the block.
    pub fn push<S: EventSink + ?Sized>(&mut self, sample_mv: f32, sink: &mut S) {
        let x = if sample_mv.is_finite() {
            sample_mv
        } else {
            self.last_good
        };
        let y = self.prefilter.run(x);
        self.push_with(sample_mv, y, None, sink);
    }

    /// The push of `sample_mv` whose pre-filtered value is `y` (`band`: the detector's
    /// band-passed value, when computed outside).
    #[inline(always)]
    fn push_with<S: EventSink + ?Sized>(
        &mut self,
        sample_mv: f32,
        y: f32,
        band: Option<f32>,
        sink: &mut S,
    ) {
        let n = self.n;
        self.n += 1;
        let k = self.buffered;
        let x = if sample_mv.is_finite() {
            self.last_good = sample_mv;
            sample_mv
        } else {
            // Flagged here, on the rare path, rather than as a bit computed on every push.
            self.advisor_missing |= 1 << (k % MAX_PUSH_BLOCK);
            self.last_good
        };
        // Buffered before the detector's push, so that the values need not outlive the call.
        if let (Some(raw), Some(filtered), Some(as_pushed)) = (
            self.advisor_raw.get_mut(k),
            self.advisor_filtered.get_mut(k),
            self.quality_raw.get_mut(k),
        ) {
            *raw = x;
            *filtered = y;
            *as_pushed = sample_mv;
        }
        self.buffered = k + 1;
        let detected = match band {
            Some(b) => self.qrs.push_band_passed(y, b),
            None => self.qrs.push_sample(y),
        };
        if detected {
            self.push_detected(n, sample_mv, sink);
            return;
        }
        self.feed_or_work(n, sample_mv, None, sink);
        self.update_gate(n, sink);
    }

    /// The rest of a push in which the detector produced a beat or a sync candidate (sample
    /// `n`, `sample_mv`): the same steps as a push without one, then the detector's report.
    #[inline(never)]
    fn push_detected<S: EventSink + ?Sized>(&mut self, n: u64, sample_mv: f32, sink: &mut S) {
        let out = self.qrs.take_output();
        if let Some(c) = out.candidate.as_ref() {
            // Before the gate's update: its state for this candidate may depend on it.
            self.sync.note_activity(c.foreign_activity);
        }
        self.feed_or_work(n, sample_mv, out.beat.as_ref(), sink);
        self.update_gate(n, sink);
        self.report_qrs(out, sink);
    }

    /// Feed the advisor and the quality monitor when a beat was confirmed in this push or the
    /// buffer is due (see [`Engine::push`]), otherwise run a due segment analysis.
    #[inline(always)]
    fn feed_or_work<S: EventSink + ?Sized>(
        &mut self,
        n: u64,
        sample_mv: f32,
        beat: Option<&Beat>,
        sink: &mut S,
    ) {
        if beat.is_some() || self.buffered >= self.flush_at {
            // Quality events and decisions come only from feeding.
            let (quality, advice) = self.feed(n, sample_mv, beat);
            if quality.is_some() || advice.is_some() {
                self.report_quality_and_advice(quality, advice, sink);
            }
        } else {
            self.advisor.run_segment_work();
        }
    }

    /// The sync gate's state at push `n`.
    #[inline(always)]
    fn update_gate<S: EventSink + ?Sized>(&mut self, n: u64, sink: &mut S) {
        if let Some(change) = self.sync.update(n) {
            sink.event(Event::SyncState(change));
        }
    }

    /// Report a quality event and a rhythm decision of this push, and give the gate the veto
    /// they imply: the veto changes only with them, so it is not recomputed on other pushes.
    #[cold]
    #[inline(never)]
    fn report_quality_and_advice<S: EventSink + ?Sized>(
        &mut self,
        quality: Option<QualityEvent>,
        advice: Option<RhythmEvent>,
        sink: &mut S,
    ) {
        if let Some(q) = quality {
            if q.end.is_some() && q.issue != QualityIssue::Missing {
                // What the detector learnt during the bad stretch says nothing about the
                // signal that follows.
                self.qrs.relearn();
            }
            sink.event(Event::Quality(q));
        }
        if let Some(a) = advice {
            // Reported before any marker of this push: the gate acts on it at once.
            self.advisor_veto = rhythm::gate_veto(&a);
            sink.event(Event::Rhythm(a));
        }
        // A raw-signal problem withholds markers at once; otherwise the advisor decides.
        let quality_veto = self.quality.issue().map(|issue| match issue {
            QualityIssue::Noise => SyncUnavailableReason::Noise,
            _ => SyncUnavailableReason::LeadOff,
        });
        self.sync.set_inputs(GateInputs {
            veto: quality_veto.or(self.advisor_veto),
        });
    }

    /// Report what the detector found in this push: a sync candidate (a marker when the gate
    /// lets it through) and a confirmed beat.
    #[inline(never)]
    fn report_qrs<S: EventSink + ?Sized>(&mut self, out: QrsOutput, sink: &mut S) {
        if let Some(c) = out.candidate {
            match self.sync.on_candidate(&c) {
                Verdict::Marker(marker) => sink.event(Event::Sync(SyncEvent {
                    sample: marker.sample,
                    emitted: marker.emitted,
                })),
                Verdict::Withheld(reason) => {
                    self.qrs.candidate_withheld();
                    sink.event(Event::SyncWithheld(SyncWithheldEvent {
                        sample: c.sample,
                        emitted: c.emitted,
                        reason,
                    }));
                }
                Verdict::Unavailable => self.qrs.candidate_withheld(),
            }
        }
        if let Some(beat) = out.beat {
            let fs = self.config.sample_rate_hz;
            let rr_ms = self
                .last_beat_sample
                .map(|p| beat.sample.saturating_sub(p) as f32 * 1000.0 / fs);
            self.last_beat_sample = Some(beat.sample);
            sink.event(Event::Beat(BeatEvent {
                sample: beat.sample,
                emitted: beat.emitted,
                rr_ms,
            }));
            self.sync.on_beat(&beat);
        }
    }

    /// Give the buffered samples to the advisor and the quality monitor (`sample_mv`, the last
    /// of them, is sample `n`; `beat`: confirmed in its push).
    #[inline(never)]
    fn feed(
        &mut self,
        n: u64,
        sample_mv: f32,
        beat: Option<&Beat>,
    ) -> (Option<QualityEvent>, Option<RhythmEvent>) {
        let len = self.buffered;
        // The monitor: the samples before this one in a run, this one by itself (it may close
        // the monitor's block). `flush_at` lets no run reach a block's end, so `push_run`
        // takes them all; the rest (none) would go one by one, each at its own index.
        let held = self.quality_raw.get(..len.saturating_sub(1)).unwrap_or(&[]);
        let taken = self.quality.push_run(held);
        let rest = held.get(taken..).unwrap_or(&[]);
        let mut quality = None;
        for (i, &v) in (n - rest.len() as u64..).zip(rest) {
            quality = quality.or(self.quality.push(i, v));
        }
        let quality = quality.or(self.quality.push(n, sample_mv));
        let advice = self.advisor.push_block(
            self.advisor_raw.get(..len).unwrap_or(&[]),
            self.advisor_missing,
            self.advisor_filtered.get(..len).unwrap_or(&[]),
            beat,
        );
        self.buffered = 0;
        self.advisor_missing = 0;
        self.flush_at = Engine::flush_at(&self.advisor, &self.quality);
        (quality, advice)
    }

    /// Block length for the advisor and the quality monitor: at most [`MAX_PUSH_BLOCK`];
    /// ending one sample before the advisor's next decision, so that the decision's push (the
    /// costliest kind) carries one sample's work besides the decision, as with
    /// sample-by-sample feeding; and ending with the sample that closes the monitor's block.
    fn flush_at(advisor: &ShockAdvisor, quality: &SignalQualityMonitor) -> usize {
        let to_decision = advisor.samples_to_decision();
        let len = if to_decision > 1 {
            to_decision - 1
        } else {
            1
        };
        let len = len.min(MAX_PUSH_BLOCK as u64) as usize;
        len.min(quality.run_room() + 1)
    }

    /// The shock advisor (its last analysed window holds the features behind the last
    /// `rhythm` event).
    pub fn advisor(&self) -> &ShockAdvisor {
        &self.advisor
    }

    /// Push many samples: the same events as [`Engine::push`] of each in turn, bit for bit.
    ///
    /// Over a slice the filter sections run as a wavefront, each a sample behind the one
    /// before it, so that four of them compute in one vector operation (module
    /// `filter::cascade`): fewer instructions than section after section.
    pub fn push_slice<S: EventSink + ?Sized>(&mut self, samples_mv: &[f32], sink: &mut S) {
        if samples_mv.len() < MIN_WAVEFRONT_SLICE {
            for &x in samples_mv {
                self.push(x, sink);
            }
        } else if self.prefilter.has_notch() {
            self.push_slice_wavefront::<true, S>(samples_mv, sink);
        } else {
            self.push_slice_wavefront::<false, S>(samples_mv, sink);
        }
    }

    /// [`Engine::push_slice`] of at least [`DEPTH`] samples through the wavefront: with the
    /// notch (`NOTCH`) the lanes hold the pre-filter's three sections and the band-pass
    /// high-pass, and the band-pass low-pass runs after them; without it the lanes hold all
    /// four sections. The pre-filter's output of a sample comes out of lane 2 (lane 1 without
    /// the notch) one step (two steps) before its band-passed value.
    fn push_slice_wavefront<const NOTCH: bool, S: EventSink + ?Sized>(
        &mut self,
        samples_mv: &[f32],
        sink: &mut S,
    ) {
        let mut lanes = Wavefront::default();
        for (k, section) in self.lane_sections().into_iter().enumerate() {
            lanes.load(k, section);
        }
        // The samples as the filters see them, `DEPTH` ahead of the pushes (`push_with` does
        // the same for the buffers, with the same last finite value).
        let mut last_good = self.last_good;
        let mut clean = |v: f32| {
            if v.is_finite() {
                last_good = v;
            }
            last_good
        };
        // The pre-filter's output of the next sample to push (and, without the notch, of the
        // one after it).
        let mut held = [0.0f32; 2];
        for (s, &v) in samples_mv.iter().enumerate().take(DEPTH) {
            let out = lanes.step_lanes(clean(v), 0, s);
            match (NOTCH, s) {
                (true, 2) => held[0] = out[2],
                (false, 1) => held[0] = out[1],
                (false, 2) => held[1] = out[1],
                _ => {}
            }
        }
        let (body, tail) = samples_mv.split_at(samples_mv.len().saturating_sub(DEPTH));
        let ahead = samples_mv.get(DEPTH..).unwrap_or(&[]);
        for (&sample_mv, &next) in body.iter().zip(ahead) {
            let out = lanes.step(clean(next));
            let [_, band_lowpass] = self.qrs.band_mut();
            let (y, band) = Self::hand_on::<NOTCH>(&mut held, out, band_lowpass);
            self.push_with(sample_mv, y, Some(band), sink);
        }
        for (i, &sample_mv) in tail.iter().enumerate() {
            // Lane 0 would take a sample past the end, and lanes up to `i` too.
            let out = lanes.step_lanes(0.0, i + 1, LANES - 1);
            let [_, band_lowpass] = self.qrs.band_mut();
            let (y, band) = Self::hand_on::<NOTCH>(&mut held, out, band_lowpass);
            self.push_with(sample_mv, y, Some(band), sink);
        }
        for (k, section) in self.lane_sections().into_iter().enumerate() {
            lanes.store(k, section);
        }
    }

    /// The sections in the wavefront's lanes: the pre-filter's high-pass, notch (when on) and
    /// low-pass, then the band-pass high-pass and (without the notch) low-pass.
    fn lane_sections(&mut self) -> [&mut BiquadStage; LANES] {
        let (highpass, notch, lowpass) = self.prefilter.sections_mut();
        let [band_highpass, band_lowpass] = self.qrs.band_mut();
        match notch {
            Some(notch) => [highpass, notch, lowpass, band_highpass],
            None => [highpass, lowpass, band_highpass, band_lowpass],
        }
    }

    /// From a wavefront step's outputs `out`: the pre-filtered and the band-passed value of the
    /// next sample to push (`band_lowpass` run here with the notch), `held` moved on.
    #[inline(always)]
    fn hand_on<const NOTCH: bool>(
        held: &mut [f32; 2],
        out: [f32; LANES],
        band_lowpass: &mut BiquadStage,
    ) -> (f32, f32) {
        let y = held[0];
        let band = if NOTCH {
            held[0] = out[2];
            band_lowpass.run(out[3])
        } else {
            *held = [held[1], out[1]];
            out[3]
        };
        (y, band)
    }

    /// Analyse a whole strip offline (allocates the returned events).
    pub fn analyze(&mut self, samples_mv: &[f32]) -> Vec<Event> {
        let mut events = Vec::new();
        self.push_slice(samples_mv, &mut events);
        events
    }
}

/// Analyse a whole strip with a fresh engine built from `config`.
pub fn analyze(config: Config, samples_mv: &[f32]) -> Result<Vec<Event>, ConfigError> {
    Ok(Engine::new(config)?.analyze(samples_mv))
}
