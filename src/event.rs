//! Events: what the engine tells the outside world.
//!
//! Every event carries absolute sample indices (0-based, at the record's own sample rate): the
//! sample it describes (`sample`, or `start`/`end` for a window) and the sample during whose push
//! it was issued (`emitted`). An event never says "N samples ago"; a consumer can always compute
//! the decision delay as `emitted - sample`.
//!
//! The JSON form (one object per line, `kind` as tag) is the contract of
//! `../shared/EVALUATION.md`: `beat` and `sync` carry `sample` and `emitted`, `rhythm` carries
//! `start`, `end`, `emitted` and `decision`. Extra fields and kinds are allowed by that contract.

use serde::Serialize;

/// One output of the engine.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Event {
    /// A detected QRS complex.
    Beat(BeatEvent),
    /// A cardioversion sync marker: a synchronized defibrillator would discharge at `emitted`.
    Sync(SyncEvent),
    /// Shock advice over a window of the signal.
    Rhythm(RhythmEvent),
    /// The sync marker gate changed state (available, or unavailable with a reason).
    SyncState(SyncStateEvent),
    /// While markers were available, the gate withheld a QRS candidate, for this reason.
    SyncWithheld(SyncWithheldEvent),
    /// A signal-quality period began or ended.
    Quality(QualityEvent),
}

impl Event {
    /// The sample index during whose push the event was issued.
    pub fn emitted(&self) -> u64 {
        match self {
            Event::Beat(e) => e.emitted,
            Event::Sync(e) => e.emitted,
            Event::Rhythm(e) => e.emitted,
            Event::SyncState(e) => e.emitted,
            Event::SyncWithheld(e) => e.emitted,
            Event::Quality(e) => e.emitted,
        }
    }
}

/// A detected QRS complex.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct BeatEvent {
    /// Estimated R-peak (fiducial point) index, corrected for every filter delay.
    pub sample: u64,
    /// Index of the sample being pushed when the beat was confirmed.
    pub emitted: u64,
    /// Interval from the previous detected beat, in milliseconds (absent for the first beat).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rr_ms: Option<f32>,
}

/// A cardioversion sync marker.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct SyncEvent {
    /// Best estimate, at the moment of marking, of the R-peak index the marker belongs to.
    pub sample: u64,
    /// Index of the sample being pushed when the marker was issued: the discharge moment.
    pub emitted: u64,
}

/// Shock advice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Decision {
    /// Shock advised: VF, ventricular flutter or fast VT.
    Shockable,
    /// No shock advised.
    Nonshockable,
    /// The signal cannot be analysed (noise, lead-off, saturation); no advice.
    Indeterminate,
}

/// The rhythm class behind a decision, where the advisor can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum RhythmClass {
    /// Ventricular fibrillation or flutter.
    #[serde(rename = "VF")]
    Vf,
    /// Ventricular tachycardia.
    #[serde(rename = "VT")]
    Vt,
    /// Normal sinus rhythm (organised, normal rate, regular).
    #[serde(rename = "NSR")]
    Sinus,
    /// Atrial fibrillation or another irregular organised rhythm.
    #[serde(rename = "AF")]
    Irregular,
    /// Bradycardia (organised, slow).
    #[serde(rename = "BRADY")]
    Brady,
    /// Organised fast rhythm that is not advised a shock (SVT, sinus tachycardia).
    #[serde(rename = "TACHY")]
    Tachy,
    /// Another organised non-shockable rhythm.
    #[serde(rename = "OTHER")]
    Other,
    /// Asystole: no electrical activity (< 0.1 mV peak to peak).
    #[serde(rename = "ASYS")]
    Asystole,
    /// Unknown (indeterminate decisions).
    #[serde(rename = "UNKNOWN")]
    Unknown,
}

/// Why a decision is indeterminate or sync is unavailable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum QualityIssue {
    /// Broadband or motion noise dominates the signal.
    Noise,
    /// The signal sits at the input's rails (clipping).
    Saturation,
    /// Flat line with no noise: electrode off or disconnected input.
    LeadOff,
    /// Missing samples (NaN or infinity in the input).
    Missing,
    /// Not enough signal yet to decide (start-up).
    Warmup,
}

/// Shock advice for the window `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct RhythmEvent {
    /// First sample of the analysed window.
    pub start: u64,
    /// One past the last sample of the analysed window.
    pub end: u64,
    /// Index of the sample being pushed when the decision was issued.
    pub emitted: u64,
    /// The advice.
    pub decision: Decision,
    /// Probability that the rhythm is shockable, 0..1, from the classifier.
    pub score: f32,
    /// Rhythm class where known.
    pub class: RhythmClass,
    /// Heart rate over the window, beats per minute, where beats were found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hr_bpm: Option<f32>,
    /// Why the decision is indeterminate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<QualityIssue>,
}

/// Why the sync marker gate withholds markers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SyncUnavailableReason {
    /// VF or ventricular flutter: use unsynchronized defibrillation.
    Vf,
    /// Asystole: nothing to synchronise to.
    Asystole,
    /// Noise on the lead.
    Noise,
    /// Lead off, flat line, saturation or missing samples.
    LeadOff,
    /// No reliable R waves in the last seconds.
    NoReliableR,
}

/// The sync gate changed state.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct SyncStateEvent {
    /// Index of the sample being pushed when the state changed.
    pub emitted: u64,
    /// Whether sync markers are issued from now on.
    pub available: bool,
    /// Why markers are withheld (absent when available).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<SyncUnavailableReason>,
}

/// Why the sync gate withheld a QRS candidate while markers were available.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SyncWithheldReason {
    /// The candidate's R estimate was already more than `sync.max_latency_ms` old: a shock now
    /// would fall after the R wave (a wide QRS recognised late).
    Late,
    /// The candidate came too soon after the previous QRS: a rate of flutter or fibrillation,
    /// or a sudden shortening of the RR interval (see the sync gate's rate limits).
    TooFast,
    /// Recent candidates disagreed with the confirmed beats, so the gate marks only candidates
    /// that closely match a learnt QRS and arrive on the rhythm's beat; this one did not.
    Selective,
    /// The QRS band was busy between complexes (artefacts resembling QRS complexes: electrode
    /// motion, muscle noise), where a candidate is as likely an artefact as a beat; or, in a
    /// fast rhythm (≥ 171/min), not quiet between them, as in flutter and fibrillation.
    Noisy,
}

/// The sync gate withheld a QRS candidate while markers were available (issued at once, in
/// place of the marker the candidate would have been).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct SyncWithheldEvent {
    /// The candidate's estimated R peak.
    pub sample: u64,
    /// Index of the sample being pushed when the candidate was withheld.
    pub emitted: u64,
    /// Why it was withheld.
    pub reason: SyncWithheldReason,
}

/// A signal-quality period: issued once when it begins (`end` absent) and once when it ends.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct QualityEvent {
    /// First sample of the period.
    pub start: u64,
    /// One past the last sample of the period, when it has ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<u64>,
    /// Index of the sample being pushed when the event was issued.
    pub emitted: u64,
    /// What is wrong with the signal.
    pub issue: QualityIssue,
}

/// Where the engine hands its events. Implemented for closures and for `Vec<Event>`.
///
/// The engine calls [`EventSink::event`] from inside `push`; a firmware sink should copy the
/// event into a queue and return quickly.
pub trait EventSink {
    /// Receive one event.
    fn event(&mut self, event: Event);
}

impl<F: FnMut(Event)> EventSink for F {
    fn event(&mut self, event: Event) {
        self(event)
    }
}

impl EventSink for alloc::vec::Vec<Event> {
    fn event(&mut self, event: Event) {
        self.push(event)
    }
}
