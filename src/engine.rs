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
use crate::event::{BeatEvent, Event, EventSink, SyncEvent};
use crate::event::{QualityIssue, SyncUnavailableReason};
use crate::filter::{PreFilter, Stage};
use crate::qrs::QrsDetector;
use crate::quality::SignalQualityMonitor;
use crate::rhythm::{self, ShockAdvisor};
use crate::sync::{GateInputs, SyncMarkerGate};

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
        Ok(Engine {
            config,
            prefilter,
            qrs,
            sync,
            advisor,
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
        self.quality.reset();
        self.advisor_veto = None;
        self.n = 0;
        self.last_good = 0.0;
        self.last_beat_sample = None;
    }

    /// Push one sample (mV). Events produced by it go to `sink`, in order.
    pub fn push<S: EventSink + ?Sized>(&mut self, sample_mv: f32, sink: &mut S) {
        let n = self.n;
        self.n += 1;
        let missing = !sample_mv.is_finite();
        let x = if !missing {
            self.last_good = sample_mv;
            sample_mv
        } else {
            self.last_good
        };
        let y = self.prefilter.run(x);
        let out = self.qrs.push(y);
        let advice = self.advisor.push(x, missing, y, out.beat.as_ref());
        if let Some(q) = self.quality.push(n, sample_mv) {
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
        if let Some(change) = self.sync.update(n) {
            sink.event(Event::SyncState(change));
        }
        if let Some(c) = out.candidate {
            if let Some(marker) = self.sync.on_candidate(&c) {
                sink.event(Event::Sync(SyncEvent {
                    sample: marker.sample,
                    emitted: marker.emitted,
                }));
            } else {
                self.qrs.candidate_withheld();
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

    /// The shock advisor (its last analysed window holds the features behind the last
    /// `rhythm` event).
    pub fn advisor(&self) -> &ShockAdvisor {
        &self.advisor
    }

    /// Push many samples.
    pub fn push_slice<S: EventSink + ?Sized>(&mut self, samples_mv: &[f32], sink: &mut S) {
        for &x in samples_mv {
            self.push(x, sink);
        }
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
