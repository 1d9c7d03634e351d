//! Cardioversion sync markers and the gate that withholds them.
//!
//! Synchronized cardioversion treats organised fast rhythms (VT with a pulse, atrial flutter,
//! SVT) with a shock timed on the R wave. A shock that falls on the T wave — the ventricles'
//! vulnerable period — can itself start ventricular fibrillation, so IEC 60601-2-4 requires the
//! discharge within 60 ms of the R peak. The engine therefore issues a *marker* the moment the
//! QRS detector's fast path recognises a rising QRS (see [`crate::qrs::QrsCandidate`]), and the
//! [`SyncMarkerGate`] decides whether markers may be issued at all:
//!
//! - **available** once a few consecutive beats have been confirmed (the detector has locked on);
//! - **unavailable** during VF/VFL (there is no R wave: defibrillate unsynchronized), asystole,
//!   noise, lead-off, or when no reliable R waves were found in the last seconds.
//!
//! Each change of state is reported as a [`SyncStateEvent`] with its reason, so a device can tell
//! the clinician why the sync arrows have disappeared. A firmware receives markers through a
//! [`SyncSink`].

use crate::config::{Config, ConfigError};
use crate::event::{
    SyncEvent, SyncStateEvent, SyncUnavailableReason, SyncWithheldEvent, SyncWithheldReason,
};
use crate::filter::history::MedianOf;
use crate::qrs::{Beat, QrsCandidate};

/// Receives sync markers: the callback a defibrillator's discharge logic implements.
pub trait SyncSink {
    /// A marker: discharge now (the R peak is estimated at `marker.sample`).
    fn marker(&mut self, marker: SyncEvent);
    /// The gate's state changed.
    fn state(&mut self, state: SyncStateEvent);
    /// A QRS candidate was withheld while markers were available (see
    /// [`crate::event::SyncWithheldReason`]): no discharge on it. Ignored unless implemented.
    fn withheld(&mut self, withheld: SyncWithheldEvent) {
        let _ = withheld;
    }
}

/// What the rest of the engine knows about the rhythm and the signal, for the gate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GateInputs {
    /// A reason from rhythm analysis or signal quality to withhold markers, if any.
    pub veto: Option<SyncUnavailableReason>,
}

/// The gate's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncState {
    /// Markers are issued.
    Available,
    /// Markers are withheld, for this reason.
    Unavailable(SyncUnavailableReason),
}

/// What the gate made of a QRS candidate ([`SyncMarkerGate::on_candidate`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Verdict {
    /// A marker: discharge now.
    Marker(SyncEvent),
    /// Markers are available, but not for this candidate.
    Withheld(SyncWithheldReason),
    /// Markers are unavailable (the gate's state says why).
    Unavailable,
}

impl Verdict {
    /// The marker, if the candidate became one.
    pub fn marker(self) -> Option<SyncEvent> {
        match self {
            Verdict::Marker(m) => Some(m),
            _ => None,
        }
    }
}

/// Gate parameters in samples, derived once from [`crate::config::SyncConfig`].
#[derive(Clone, Copy, Debug)]
struct GateParams {
    /// A candidate is confirmed by a beat whose R lies this close to its R estimate.
    confirm_tolerance: u64,
    /// A candidate not confirmed this long after its R estimate counts as a false trigger.
    confirm_timeout: u64,
    /// Of the last [`OUTCOMES`] candidates, at least this many must have been confirmed.
    min_confirmed: u32,
    reliable_beats: u32,
    /// A beat older than this no longer counts as recent.
    beat_timeout: u64,
    /// Shortest RR interval accepted as an organised rhythm.
    min_rr: u64,
    /// A candidate whose R estimate is already older than this is not marked, samples.
    max_latency: u64,
    /// Shortest RR interval of an organised rhythm that overrides a VF call, samples.
    organised_min_rr: f32,
    /// Shortest RR interval of a quiet rhythm that overrides a VF call, samples
    /// ([`QUIET_MIN_RR_S`]).
    quiet_min_rr: f32,
    /// Candidates closer than this to the previous QRS are never marked, samples.
    flutter_rr: f32,
    /// Sudden-shortening limit of [`SyncMarkerGate::too_fast`], samples.
    onset_rr: f32,
    /// See [`ATRIAL_LEAD_S`], samples.
    atrial_lead: (f32, f32),
    /// See [`FAST_BUSY_RR_S`], samples.
    fast_busy_rr: f32,
}

/// How far the gate trusts the fast candidates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Trust {
    /// Candidates agree with the detector's beats: every one is marked.
    Full,
    /// Some recent candidates were not confirmed: only those that closely match a template
    /// and arrive on the rhythm's beat are marked.
    Selective,
    /// Most recent candidates were not confirmed: none is marked.
    None,
}

/// Number of recent candidates whose confirmation is tracked.
pub const OUTCOMES: u32 = 8;

/// With fewer than this many of the last [`OUTCOMES`] candidates confirmed, the gate closes.
const MIN_CONFIRMED_SELECTIVE: u32 = 4;
/// While selective, a candidate must correlate at least this well with a learnt template…
const SELECTIVE_CORRELATION: f32 = 0.98;
/// …and come between these fractions of the median RR interval after the previous QRS.
const SELECTIVE_RR_FRACTION: (f32, f32) = (0.8, 1.3);
/// A VF call is overridden while the beats are organised: every one of the last [`OUTCOMES`]
/// candidates confirmed and no RR interval among the last eight shorter than this, seconds
/// (150 bpm; VF has no QRS complexes, and what a detector finds in it comes faster and
/// irregularly).
const ORGANISED_MIN_RR_S: f32 = 0.4;
/// A VF call is also overridden while the rhythm is *quiet*: the QRS band was busy with
/// foreign activity ([`QrsCandidate::foreign_activity`]) for at most this fraction of the
/// last 3 s, at the last candidate…
///
/// Fibrillation keeps the band busy between the complexes the trigger fires on (coarse VF,
/// flutter waves: 0.5–1 of the time), a rhythm of QRS complexes with an isoelectric line between
/// them does not (≈ 0.05 in a clean ECG). The advisor's call rests on an 8-s window and is wrong
/// on some organised rhythms with aberrant or multiform complexes (mitdb 203, 107, 205), whose
/// RR intervals are too irregular for the organised test. Measured with `eval sync`
/// (`docs/latency.md`, "The VF call overruled in a quiet band").
pub const QUIET_ACTIVITY: f32 = 0.3;
/// …with at least this many of the last [`OUTCOMES`] candidates confirmed by the detector…
const QUIET_MIN_CONFIRMED: u32 = 6;
/// …and no RR interval among the last eight shorter than this, s (200/min).
const QUIET_MIN_RR_S: f32 = 0.3;
/// Candidates closer than this to the previous QRS are never marked, s (240/min: flutter and
/// fibrillation, treated by unsynchronised defibrillation).
const FLUTTER_RR_S: f32 = 0.25;
/// See [`SyncMarkerGate::too_fast`], s.
const ONSET_RR_S: f32 = 0.35;
/// A candidate is not marked when the QRS band was busy with foreign activity
/// ([`QrsCandidate::foreign_activity`]) for at least this fraction of the last 3 s: among
/// artefacts that resemble QRS complexes a candidate is as likely an artefact as a beat.
/// Measured with `eval sync` (`docs/latency.md`, "Sync markers in noise"): off-time markers
/// 201 → 189 on mitdb for 42 beats, 182 → 157 on nstdb, 2 510 → 2 320 on mitdb records with
/// nstdb's electrode-motion noise at 12 and 6 dB; markers inside VF spans of vfdb 32 → 8.
pub const NOISY_ACTIVITY: f32 = 0.55;
/// See [`SyncMarkerGate::too_fast`].
const ONSET_RR_FRACTION: f32 = 0.7;
/// A fast rhythm — median RR of the confirmed beats at most this, s (≥ 171/min) — whose QRS
/// band is not quiet ([`QUIET_ACTIVITY`]) is not marked either: ventricular flutter and coarse
/// fibrillation keep the band busy for 0.3–0.5 of the time, under the noise limit
/// ([`NOISY_ACTIVITY`]), and the 8-s rhythm analysis calls them only seconds later.
/// Measured with `eval sync` (`docs/latency.md`, "Fast and busy"): markers inside VF spans of
/// mitdb 22 → 16, cudb 30 → 19, for 5 beats of mitdb.
pub const FAST_BUSY_RR_S: f32 = 0.35;
/// A QRS-like event that leads a candidate by at least the first value, s, and by the same
/// interval as the event before the previous candidate led that one (within the second value,
/// s), is an atrial wave at a steady PR interval — a tall P wave — not a fibrillation wave: it
/// does not count in the flutter limit of [`SyncMarkerGate::too_fast`]. (The normal PR interval
/// is 0.12–0.20 s; fibrillation waves keep no fixed interval to the next complex.)
const ATRIAL_LEAD_S: (f32, f32) = (0.1, 0.04);

/// Candidates waiting for the beat detector's confirmation (R estimate, input index).
const PENDING: usize = 8;

/// Decides whether a QRS candidate becomes a marker, and reports availability changes.
///
/// Besides the rhythm/quality veto and the count of confirmed beats, the gate checks itself:
/// every fast candidate — marked or not — is later compared with the beats the (slower, more
/// careful) detector confirms. When fewer than `min_confirmed` of the last [`OUTCOMES`]
/// candidates were confirmed, the fast path is not trusted blindly: the gate turns *selective*
/// and marks only candidates that correlate closely with a template of confirmed beats and arrive
/// 0.8–1.3 median RR intervals after the previous QRS (median RR at least 0.4 s), so that a beat-locked rhythm keeps its
/// markers through intermittent noise. With fewer than half confirmed the gate closes with
/// reason `Noise` until the candidates agree with the beats again.
#[derive(Clone, Debug)]
pub struct SyncMarkerGate {
    p: GateParams,
    pending: [Option<u64>; PENDING],
    /// Bit i set = candidate i (most recent first) was confirmed.
    outcomes: u32,
    outcome_count: u32,
    state: SyncState,
    consecutive: u32,
    last_beat: Option<u64>,
    veto: Option<SyncUnavailableReason>,
    /// RR intervals of recent confirmed beats, samples.
    rr: MedianOf<8>,
    /// The last candidate's foreign activity was at most [`QUIET_ACTIVITY`].
    quiet: bool,
    /// R estimate of the last candidate.
    last_candidate: Option<u64>,
    /// [`QrsCandidate::event_gap`] of the last candidate.
    last_event_gap: Option<u64>,
    /// Oldest R estimate among the pending candidates (`u64::MAX` when none): the expiry scan
    /// runs only once it has timed out, not on every sample.
    oldest_pending_r: u64,
    /// [`SyncMarkerGate::update`] re-evaluates the state from this input index on: 0 when
    /// something the state depends on changed since the last evaluation, otherwise the index
    /// after the earliest deadline (the last beat's timeout, the oldest pending candidate's
    /// confirmation timeout), so that the per-sample check is one comparison.
    next_eval: u64,
}

impl SyncMarkerGate {
    fn oldest_pending(&self) -> usize {
        let mut best = (0usize, u64::MAX);
        for (i, r) in self.pending.iter().enumerate() {
            if let Some(r) = r {
                if *r < best.1 {
                    best = (i, *r);
                }
            }
        }
        best.0
    }

    /// Build the gate for `config`.
    pub fn new(config: &Config) -> Result<Self, ConfigError> {
        let fs = config.sample_rate_hz;
        Ok(SyncMarkerGate {
            p: GateParams {
                confirm_tolerance: (0.1 * fs) as u64,
                confirm_timeout: (0.9 * fs) as u64,
                min_confirmed: config.sync.min_confirmed_candidates,
                reliable_beats: config.sync.reliable_beats,
                beat_timeout: (config.sync.r_wave_timeout_s * fs) as u64,
                min_rr: (0.2 * fs) as u64,
                max_latency: libm::floorf(config.sync.max_latency_ms * fs / 1000.0) as u64,
                organised_min_rr: ORGANISED_MIN_RR_S * fs,
                quiet_min_rr: QUIET_MIN_RR_S * fs,
                flutter_rr: FLUTTER_RR_S * fs,
                onset_rr: ONSET_RR_S * fs,
                atrial_lead: (ATRIAL_LEAD_S.0 * fs, ATRIAL_LEAD_S.1 * fs),
                fast_busy_rr: FAST_BUSY_RR_S * fs,
            },
            pending: [None; PENDING],
            outcomes: 0,
            outcome_count: 0,
            state: SyncState::Unavailable(SyncUnavailableReason::NoReliableR),
            consecutive: 0,
            last_beat: None,
            veto: None,
            rr: MedianOf::default(),
            quiet: false,
            last_candidate: None,
            last_event_gap: None,
            oldest_pending_r: u64::MAX,
            next_eval: 0,
        })
    }

    /// Current state.
    pub fn state(&self) -> SyncState {
        self.state
    }

    /// Forget everything: unavailable until beats are confirmed again.
    pub fn reset(&mut self) {
        self.state = SyncState::Unavailable(SyncUnavailableReason::NoReliableR);
        self.consecutive = 0;
        self.last_beat = None;
        self.veto = None;
        self.pending = [None; PENDING];
        self.outcomes = 0;
        self.outcome_count = 0;
        self.rr = MedianOf::default();
        self.quiet = false;
        self.last_candidate = None;
        self.last_event_gap = None;
        self.oldest_pending_r = u64::MAX;
        self.next_eval = 0;
    }

    fn refresh_oldest_pending(&mut self) {
        self.oldest_pending_r = self.pending.iter().flatten().copied().min().unwrap_or(u64::MAX);
    }

    fn record_outcome(&mut self, confirmed: bool) {
        self.outcomes = ((self.outcomes << 1) | confirmed as u32) & ((1 << OUTCOMES) - 1);
        self.outcome_count = (self.outcome_count + 1).min(OUTCOMES);
        self.next_eval = 0;
    }

    /// How far recent candidates agreed with the confirmed beats.
    fn trust(&self) -> Trust {
        let confirmed = self.outcomes.count_ones();
        if self.outcome_count < OUTCOMES || confirmed >= self.p.min_confirmed {
            Trust::Full
        } else if confirmed >= MIN_CONFIRMED_SELECTIVE.min(self.p.min_confirmed) {
            Trust::Selective
        } else {
            Trust::None
        }
    }

    /// True when the beats are organised enough to overrule a VF call: every recent candidate
    /// was confirmed and the last eight RR intervals are all at least the organised minimum;
    /// or the band is quiet between the complexes ([`QUIET_ACTIVITY`]), most recent candidates
    /// were confirmed and the last eight RR intervals are all at least the quiet minimum.
    fn organised(&self) -> bool {
        if self.outcome_count < OUTCOMES || self.rr.len() < 8 {
            return false;
        }
        let confirmed = self.outcomes.count_ones();
        let shortest = self.rr.kth_smallest(0);
        (confirmed >= OUTCOMES && shortest >= self.p.organised_min_rr)
            || (self.quiet && confirmed >= QUIET_MIN_CONFIRMED && shortest >= self.p.quiet_min_rr)
    }

    /// While selective: does the candidate closely match a template and arrive on the beat?
    fn credible(&self, candidate: &QrsCandidate) -> bool {
        if self.rr.len() < 2 || candidate.correlation < SELECTIVE_CORRELATION {
            return false;
        }
        let previous = self.previous_qrs().unwrap_or(0);
        let since = candidate.sample.saturating_sub(previous) as f32;
        let rr = self.rr.median();
        // Fast "rhythms" in a noisy lead are as likely fibrillation: no selective marking there.
        rr >= self.p.organised_min_rr
            && since >= SELECTIVE_RR_FRACTION.0 * rr
            && since <= SELECTIVE_RR_FRACTION.1 * rr
    }

    /// The later of the last candidate and the last confirmed beat, if any.
    fn previous_qrs(&self) -> Option<u64> {
        match (self.last_candidate, self.last_beat) {
            (Some(c), Some(b)) => Some(c.max(b)),
            (c, b) => c.or(b),
        }
    }

    /// Does the candidate come too soon after the previous QRS to be a beat worth a synchronised
    /// shock? Closer than `FLUTTER_RR_S` — to the previous candidate or beat, or to the previous
    /// QRS-like complex that was too small to trigger ([`QrsCandidate::event_gap`]) — is
    /// flutter/fibrillation territory at any time (an event at a steady lead, a P wave, does not
    /// count: [`ATRIAL_LEAD_S`]);
    /// closer than `ONSET_RR_S` *and* a sudden shortening (below `ONSET_RR_FRACTION` of the
    /// median RR of the confirmed beats) is the onset of a tachyarrhythmia — or a premature
    /// complex — that the rhythm analysis has not seen yet.
    fn too_fast(&self, candidate: &QrsCandidate) -> bool {
        let Some(previous) = self.previous_qrs() else {
            return false;
        };
        let since = candidate.sample.saturating_sub(previous) as f32;
        // The trigger's QRS-like events count too: in fibrillation it fires on some waves only.
        let event_gap = match (candidate.event_gap, self.last_event_gap) {
            (Some(g), Some(previous))
                if g as f32 >= self.p.atrial_lead.0
                    && g.abs_diff(previous) as f32 <= self.p.atrial_lead.1 =>
            {
                f32::INFINITY
            }
            (g, _) => g.map_or(f32::INFINITY, |g| g as f32),
        };
        if since.min(event_gap) < self.p.flutter_rr {
            return true;
        }
        self.rr.len() >= 4
            && since < self.p.onset_rr
            && since < ONSET_RR_FRACTION * self.rr.median()
    }

    /// A confirmed beat from the detector.
    pub fn on_beat(&mut self, beat: &Beat) {
        self.next_eval = 0;
        let tol = self.p.confirm_tolerance;
        let mut confirmed = false;
        for slot in self.pending.iter_mut() {
            if slot.is_some_and(|r| r.abs_diff(beat.sample) <= tol) && !confirmed {
                *slot = None;
                confirmed = true;
            }
        }
        if confirmed {
            self.record_outcome(true);
            self.refresh_oldest_pending();
        }
        match self.last_beat {
            Some(prev) if beat.sample.saturating_sub(prev) >= self.p.min_rr => {
                self.consecutive = self.consecutive.saturating_add(1);
                self.rr.push(beat.sample.saturating_sub(prev) as f32);
            }
            Some(prev) => {
                self.consecutive = 0;
                self.rr.push(beat.sample.saturating_sub(prev) as f32);
            }
            None => self.consecutive = 1,
        }
        self.last_beat = Some(beat.sample);
    }

    /// The foreign activity of a candidate ([`QrsCandidate::foreign_activity`]), given before
    /// the gate's [`SyncMarkerGate::update`] of the push that raised it, so that a VF call
    /// overruled in a quiet band ([`QUIET_ACTIVITY`]) is overruled for that candidate already.
    pub fn note_activity(&mut self, foreign_activity: f32) {
        let quiet = foreign_activity <= QUIET_ACTIVITY;
        if quiet != self.quiet {
            self.quiet = quiet;
            self.next_eval = 0;
        }
    }

    /// Set the veto from rhythm analysis and signal quality.
    pub fn set_inputs(&mut self, inputs: GateInputs) {
        if inputs.veto != self.veto {
            self.veto = inputs.veto;
            self.next_eval = 0;
        }
    }

    /// Re-evaluate the state at input index `now`; returns the change, if any.
    #[inline]
    pub fn update(&mut self, now: u64) -> Option<SyncStateEvent> {
        // Nothing changed and no timer ran out: the state stands (the common case, so the
        // per-sample cost is one comparison).
        if now < self.next_eval {
            return None;
        }
        self.reevaluate(now)
    }

    /// The index after the earliest deadline still to come at `now`: the last beat's timeout
    /// or the oldest pending candidate's confirmation timeout (`u64::MAX` when neither). A beat
    /// timeout already passed has had its effect (no consecutive beats) until the next beat,
    /// which re-evaluates anyway.
    fn next_deadline(&self, now: u64) -> u64 {
        let beat_deadline = self
            .last_beat
            .map(|b| b.saturating_add(self.p.beat_timeout))
            .filter(|&d| d >= now)
            .unwrap_or(u64::MAX);
        let pending_deadline = self.oldest_pending_r.saturating_add(self.p.confirm_timeout);
        beat_deadline.min(pending_deadline).saturating_add(1)
    }

    /// The full re-evaluation behind [`SyncMarkerGate::update`].
    #[inline(never)]
    fn reevaluate(&mut self, now: u64) -> Option<SyncStateEvent> {
        let timeout = self.p.confirm_timeout;
        // Not 0 (re-evaluate at once) unless an outcome is recorded below.
        self.next_eval = u64::MAX;
        if now.saturating_sub(self.oldest_pending_r) > timeout {
            let mut expired = 0;
            for slot in self.pending.iter_mut() {
                if slot.is_some_and(|r| now.saturating_sub(r) > timeout) {
                    *slot = None;
                    expired += 1;
                }
            }
            for _ in 0..expired {
                self.record_outcome(false);
            }
            self.refresh_oldest_pending();
        }
        if self.next_eval != 0 {
            self.next_eval = self.next_deadline(now);
        }
        if self
            .last_beat
            .is_some_and(|b| now.saturating_sub(b) > self.p.beat_timeout)
        {
            self.consecutive = 0;
        }
        // The advisor's VF call rests on a whole window; the gate overrules it while the beats
        // it sees are organised (misclassified AF, flutter or VT keeps its markers).
        let veto = self
            .veto
            .filter(|&r| r != SyncUnavailableReason::Vf || !self.organised());
        let new = if let Some(reason) = veto {
            SyncState::Unavailable(reason)
        } else if self.consecutive < self.p.reliable_beats {
            SyncState::Unavailable(SyncUnavailableReason::NoReliableR)
        } else if self.trust() == Trust::None {
            SyncState::Unavailable(SyncUnavailableReason::Noise)
        } else {
            SyncState::Available
        };
        if new == self.state {
            return None;
        }
        self.state = new;
        Some(SyncStateEvent {
            emitted: now,
            available: new == SyncState::Available,
            reason: match new {
                SyncState::Available => None,
                SyncState::Unavailable(r) => Some(r),
            },
        })
    }

    /// A fast QRS candidate: a marker when the gate is available, the candidate's R estimate
    /// lies at most `sync.max_latency_ms` in the past, it does not come too fast after the
    /// previous QRS, the QRS band was not busy with foreign activity ([`NOISY_ACTIVITY`]; in a
    /// fast rhythm, not quiet: [`FAST_BUSY_RR_S`]), and
    /// (while the gate is selective) it is credible; otherwise the reason it was withheld, the
    /// first of these that failed.
    pub fn on_candidate(&mut self, candidate: &QrsCandidate) -> Verdict {
        let credible = self.trust() == Trust::Full || self.credible(candidate);
        let too_fast = self.too_fast(candidate);
        self.last_candidate = Some(candidate.sample);
        self.last_event_gap = candidate.event_gap;
        // Track every candidate, marked or not, for the self-check.
        let slot = self
            .pending
            .iter()
            .position(Option::is_none)
            .unwrap_or_else(|| self.oldest_pending());
        if self.pending.get(slot).is_some_and(Option::is_some) {
            // The oldest unresolved candidate is pushed out: it counts as unconfirmed.
            self.record_outcome(false);
        }
        if let Some(old) = self.pending.get_mut(slot) {
            *old = Some(candidate.sample);
        }
        self.refresh_oldest_pending();
        self.next_eval = 0;
        // A discharge must follow the R peak by at most `max_latency_ms`: a candidate known to
        // be later than that (a wide QRS whose steep part comes late) would shock too late.
        let late = candidate.emitted.saturating_sub(candidate.sample) > self.p.max_latency;
        let fast_and_busy = candidate.foreign_activity > QUIET_ACTIVITY
            && self.rr.len() >= 4
            && self.rr.median() <= self.p.fast_busy_rr;
        let noisy = candidate.foreign_activity >= NOISY_ACTIVITY || fast_and_busy;
        match self.state {
            SyncState::Unavailable(_) => Verdict::Unavailable,
            SyncState::Available if late => Verdict::Withheld(SyncWithheldReason::Late),
            SyncState::Available if too_fast => Verdict::Withheld(SyncWithheldReason::TooFast),
            SyncState::Available if noisy => Verdict::Withheld(SyncWithheldReason::Noisy),
            SyncState::Available if !credible => Verdict::Withheld(SyncWithheldReason::Selective),
            SyncState::Available => Verdict::Marker(SyncEvent {
                sample: candidate.sample,
                emitted: candidate.emitted,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn beat(sample: u64) -> Beat {
        Beat {
            sample,
            emitted: sample + 200,
            energy: 1.0,
            amplitude_mv: 1.0,
            width_samples: 30,
            searchback: false,
        }
    }

    fn available_gate() -> SyncMarkerGate {
        let config = Config::default();
        let mut gate = SyncMarkerGate::new(&config).unwrap();
        for k in 1..=4 {
            gate.on_beat(&beat(300 * k));
        }
        assert!(gate.update(1300).is_some_and(|e| e.available));
        gate
    }

    fn candidate(sample: u64) -> QrsCandidate {
        QrsCandidate {
            sample,
            emitted: sample + 5,
            correlation: 1.0,
            event_gap: None,
            foreign_activity: 0.05,
        }
    }

    #[test]
    fn sudden_shortening_to_a_fast_rate_is_not_marked_but_a_steady_fast_rhythm_is() {
        // 360 Hz, confirmed beats every 300 samples (0.83 s).
        let mut gate = available_gate();
        gate.on_beat(&beat(1500));
        assert!(gate.update(1510).is_none());
        // 0.31 s after the last QRS, under 0.7 of the median RR: the onset of something fast.
        assert!(gate.on_candidate(&candidate(1612)).marker().is_none());
        // 0.5 s: a premature beat at an ordinary coupling interval is still marked.
        let mut gate = available_gate();
        gate.on_beat(&beat(1500));
        assert!(gate.on_candidate(&candidate(1680)).marker().is_some());
        // A steady rhythm at 0.3 s (200/min, fast VT) is marked once its RR is the median.
        let mut gate = SyncMarkerGate::new(&Config::default()).unwrap();
        for k in 1..=9 {
            gate.on_beat(&beat(108 * k));
        }
        assert!(gate.update(980).is_some_and(|e| e.available));
        assert!(gate.on_candidate(&candidate(1080)).marker().is_some());
    }

    #[test]
    fn candidates_closer_than_a_quarter_second_are_never_marked() {
        let mut gate = SyncMarkerGate::new(&Config::default()).unwrap();
        for k in 1..=9 {
            gate.on_beat(&beat(85 * k));
        }
        gate.update(770);
        // 85 samples = 0.236 s (254/min): flutter territory, even when steady.
        assert_eq!(
            gate.on_candidate(&candidate(850)),
            Verdict::Withheld(SyncWithheldReason::TooFast)
        );
        // A gate that has seen no beats is unavailable: no reason of its own for the candidate.
        let mut gate = SyncMarkerGate::new(&Config::default()).unwrap();
        assert_eq!(gate.on_candidate(&candidate(850)), Verdict::Unavailable);
    }

    #[test]
    fn candidate_a_quarter_second_after_a_smaller_complex_is_not_marked() {
        // Fibrillation waves too small to trigger still count: a candidate 0.8 s after the last
        // marked QRS but 0.2 s after a QRS-like event is not marked; 0.5 s after one, it is.
        let mut gate = available_gate();
        gate.on_beat(&beat(1500));
        let after = |gap: u64| QrsCandidate {
            event_gap: Some(gap),
            ..candidate(1800)
        };
        assert!(gate.on_candidate(&after(72)).marker().is_none());
        let mut gate = available_gate();
        gate.on_beat(&beat(1500));
        assert!(gate.on_candidate(&after(180)).marker().is_some());
    }

    #[test]
    fn event_at_a_steady_lead_is_a_p_wave_and_does_not_count_in_the_flutter_limit() {
        // 360 Hz. Candidates 0.83 s apart, each led by a QRS-like event 0.18 s (65 samples)
        // before it: the second one follows an event at the same lead and is marked.
        let led = |sample: u64, gap: u64| QrsCandidate {
            event_gap: Some(gap),
            ..candidate(sample)
        };
        let mut gate = available_gate();
        gate.on_beat(&beat(1500));
        assert!(gate.on_candidate(&led(1800, 65)).marker().is_none());
        gate.on_beat(&beat(1800));
        assert!(gate.on_candidate(&led(2100, 70)).marker().is_some());
        // A lead that changes by more than 40 ms (14 samples) is no steady PR interval.
        let mut gate = available_gate();
        gate.on_beat(&beat(1500));
        assert!(gate.on_candidate(&led(1800, 65)).marker().is_none());
        gate.on_beat(&beat(1800));
        assert!(gate.on_candidate(&led(2100, 80)).marker().is_none());
        // Neither is a steady lead shorter than 0.1 s (36 samples).
        let mut gate = available_gate();
        gate.on_beat(&beat(1500));
        assert!(gate.on_candidate(&led(1800, 30)).marker().is_none());
        gate.on_beat(&beat(1800));
        assert!(gate.on_candidate(&led(2100, 30)).marker().is_none());
    }

    #[test]
    fn candidate_later_than_the_latency_limit_is_not_marked() {
        // 360 Hz: 60 ms = 21.6 samples.
        let mut gate = available_gate();
        let on_time = QrsCandidate {
            sample: 1500,
            emitted: 1521,
            correlation: 1.0,
            event_gap: None,
            foreign_activity: 0.05,
        };
        assert!(gate.on_candidate(&on_time).marker().is_some());
        let late = QrsCandidate {
            sample: 1800,
            emitted: 1822,
            correlation: 1.0,
            event_gap: None,
            foreign_activity: 0.05,
        };
        assert_eq!(
            gate.on_candidate(&late),
            Verdict::Withheld(SyncWithheldReason::Late)
        );
    }

    #[test]
    fn candidate_amid_foreign_activity_is_withheld_as_noisy() {
        // The same well-timed, well-matched candidate: marked in a quiet QRS band, withheld
        // when the band was busy with foreign activity for more than half of the last 3 s.
        let at = |sample: u64, activity: f32| QrsCandidate {
            foreign_activity: activity,
            ..candidate(sample)
        };
        let mut gate = available_gate();
        gate.on_beat(&beat(1500));
        assert_eq!(
            gate.on_candidate(&at(1800, 0.7)),
            Verdict::Withheld(SyncWithheldReason::Noisy)
        );
        let mut gate = available_gate();
        gate.on_beat(&beat(1500));
        assert_eq!(
            gate.on_candidate(&at(1800, NOISY_ACTIVITY)),
            Verdict::Withheld(SyncWithheldReason::Noisy)
        );
        let mut gate = available_gate();
        gate.on_beat(&beat(1500));
        assert!(gate.on_candidate(&at(1800, 0.3)).marker().is_some());
    }

    #[test]
    fn fast_rhythm_is_marked_only_in_a_quiet_band() {
        // 360 Hz, confirmed beats every 120 samples (0.33 s, 180/min) or 150 (0.42 s, 144/min).
        for (rr, activity, marked) in [
            (120u64, 0.1f32, true),
            (120, QUIET_ACTIVITY, true),
            (120, 0.35, false),
            (150, 0.35, true),
        ] {
            let mut gate = SyncMarkerGate::new(&Config::default()).unwrap();
            for k in 1..=8 {
                gate.on_beat(&beat(rr * k));
            }
            assert!(gate.update(rr * 8 + 10).is_some_and(|e| e.available));
            let verdict = gate.on_candidate(&QrsCandidate {
                foreign_activity: activity,
                ..candidate(rr * 9)
            });
            let expected = if marked {
                verdict.marker().is_some()
            } else {
                verdict == Verdict::Withheld(SyncWithheldReason::Noisy)
            };
            assert!(expected, "RR {rr}, activity {activity}: {verdict:?}");
        }
    }

    #[test]
    fn with_some_unconfirmed_candidates_only_close_on_beat_matches_are_marked() {
        let mut gate = available_gate();
        let candidate = |sample: u64, correlation: f32| QrsCandidate {
            sample,
            emitted: sample + 10,
            correlation,
            event_gap: None,
            foreign_activity: 0.05,
        };
        // Eight candidates on a 300-sample rhythm, three of them never confirmed.
        for k in 5..=12u64 {
            let s = 300 * k;
            gate.update(s);
            assert!(gate.on_candidate(&candidate(s, 1.0)).marker().is_some(), "candidate {k}");
            if ![6, 8, 10].contains(&k) {
                gate.on_beat(&beat(s));
            }
        }
        gate.update(3900);
        assert_eq!(gate.trust(), Trust::Selective);
        assert_eq!(gate.state(), SyncState::Available);
        // On the beat and alike: marked. Alike but early: not. On the beat but unlike: not.
        assert!(gate.on_candidate(&candidate(3900, 0.99)).marker().is_some());
        let selective = Verdict::Withheld(SyncWithheldReason::Selective);
        assert_eq!(gate.on_candidate(&candidate(4050, 0.99)), selective);
        assert_eq!(gate.on_candidate(&candidate(4350, 0.9)), selective);
    }

    /// A gate under a VF call after twelve candidates `rr` samples apart (360 Hz), every
    /// `unconfirmed_every`-th one not confirmed by a beat (0: all confirmed), each with foreign
    /// activity `activity` — given to [`SyncMarkerGate::note_activity`] before the push's
    /// update, as the engine does, unless `None` (then 0.05 and not given). Returns the gate's
    /// state after the last and the verdict on the last candidate.
    fn after_vf_call(rr: u64, unconfirmed_every: u64, activity: Option<f32>) -> (SyncState, Verdict) {
        let mut gate = SyncMarkerGate::new(&Config::default()).unwrap();
        gate.set_inputs(GateInputs {
            veto: Some(SyncUnavailableReason::Vf),
        });
        let mut last = Verdict::Unavailable;
        for k in 1..=12u64 {
            let s = rr * k;
            if let Some(a) = activity {
                gate.note_activity(a);
            }
            gate.update(s + 10);
            last = gate.on_candidate(&QrsCandidate {
                sample: s,
                emitted: s + 10,
                correlation: 1.0,
                event_gap: None,
                foreign_activity: activity.unwrap_or(0.05),
            });
            if unconfirmed_every == 0 || k % unconfirmed_every != 0 {
                gate.on_beat(&beat(s));
            }
        }
        gate.update(rr * 12 + 20);
        (gate.state(), last)
    }

    const VF: SyncState = SyncState::Unavailable(SyncUnavailableReason::Vf);

    #[test]
    fn vf_call_is_overruled_only_while_beats_are_organised() {
        // 360 Hz: 300 samples = 0.83 s (72 bpm); 120 samples = 0.33 s (180 bpm).
        assert_eq!(after_vf_call(300, 0, None).0, SyncState::Available);
        assert_eq!(after_vf_call(120, 0, None).0, VF);
    }

    #[test]
    fn vf_call_is_overruled_in_a_quiet_band_with_most_candidates_confirmed() {
        // 360 Hz. RR 0.33 s (180/min) is too fast for the organised test, 0.28 s for either;
        // every fourth candidate unconfirmed leaves 6 of 8, too few for the organised test.
        let cases = [
            // (RR samples, unconfirmed every, foreign activity, overruled)
            (120u64, 0u64, 0.1f32, true),
            (120, 4, 0.1, true),
            (120, 4, 0.3, true),
            (120, 4, 0.35, false),
            (120, 3, 0.1, false),
            (100, 0, 0.1, false),
            (300, 4, 0.1, true),
            (300, 4, 0.5, false),
        ];
        for (rr, unconfirmed_every, activity, overruled) in cases {
            let (state, last) = after_vf_call(rr, unconfirmed_every, Some(activity));
            let expected = if overruled { SyncState::Available } else { VF };
            let case = (rr, unconfirmed_every, activity);
            assert_eq!(state, expected, "{case:?}");
            // The last candidate was judged in the state its own activity gave.
            assert_eq!(last != Verdict::Unavailable, overruled, "{case:?}");
        }
    }

    #[test]
    fn timers_run_out_without_any_other_input() {
        // Only `update` is called after the beats stop: the gate must still notice.
        let mut gate = available_gate();
        let timeout = (Config::default().sync.r_wave_timeout_s * 360.0) as u64;
        let mut closed_at = None;
        for now in 1300..1200 + timeout + 400 {
            if let Some(change) = gate.update(now) {
                closed_at = Some((now, change.available, change.reason));
                break;
            }
        }
        assert_eq!(
            closed_at,
            Some((1200 + timeout + 1, false, Some(SyncUnavailableReason::NoReliableR)))
        );
    }
}
