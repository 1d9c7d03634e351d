//! The fast path of the QRS detector: a QRS recognised on its rising edge, for sync markers.
//!
//! A synchronized shock must fall within 60 ms of the R peak (IEC 60601-2-4), so the marker
//! cannot wait for the beat detector's confirmation (which looks a few hundred milliseconds
//! ahead to choose the best peak). The trigger integrates the band-passed absolute slope over a
//! short window (40 ms by default, against the detector's 100 ms) and fires when it rises through a
//! fraction (half, by default) of the level learnt from recent *confirmed* beats, provided
//! - the steepest slope under the window is QRS-like (a fraction of recent QRS slopes; P and T
//!   waves are much less steep than the QRS — the T-wave rule of Hamilton & Tompkins 1986,
//!   applied to every candidate, and more strictly inside the T-wave window);
//! - the refractory period since the last marker and the last beat has passed;
//! - the onset waveform matches a template of the patient's confirmed beats
//!   ([`super::template`]); when that template's recent matches were not confirmed by the
//!   detector, only a close likeness with a QRS-steep slope is accepted;
//! - it is not more like a *foil* than like any template: the shapes of candidates that came
//!   more than a PR interval (120 ms) before a confirmed beat and were not confirmed themselves
//!   (tall P waves, T waves, recurring artefacts) are kept in a second bank, and a candidate
//!   that matches one of them clearly better than any beat template is not recognised on its
//!   shape alone.
//!
//! A candidate unlike every template (a new or multiform ectopic shape) or more like a foil
//! (a beat that resembles the patient's tall P waves) is not dropped at once: for 25 ms it may
//! still show QRS-sized evidence — its integral reaching 0.6 of the learnt QRS level (1.5
//! inside the T-wave window) with a slope of 0.6 of recent QRS slopes.
//! A candidate the sync gate did not mark starts no refractory period
//! ([`FastTrigger::withheld`]), so that a P wave or an artefact seen first does not hide the QRS
//! that follows.
//!
//! The trigger also keeps the times of QRS-like *events*: rises through 40 % of the learnt level
//! with half the QRS slope, including those too small to trigger. Their spacing
//! ([`FastTrigger::event_gap`]) is what the sync gate's flutter limit sees, because in
//! fibrillation the trigger fires on some waves only and its own candidates would understate
//! the rate. (Triggering at half the level rather than 40 % sees more of each QRS before the
//! template match — on mitdb 0.21 % of markers off time instead of 0.27 % — and the events keep
//! the fibrillation waves it no longer triggers on in view.)
//!
//! Without at least three confirmed beats the trigger is silent: it only marks what the detector
//! has learnt to recognise.

use super::template::{Match, TemplateBank};
use super::{running_max, Trace};
use crate::filter::history::{History, MedianOf};

/// Candidates remembered until the detector confirms (or never confirms) them.
const SNAPSHOTS: usize = 12;

/// Levels are taken as the second smallest of the last eight beats, so that the weakest regular
/// morphology (e.g. wide ectopic beats among sharp sinus beats) is still marked early.
const LEVEL_RANK: usize = 1;

/// Template correlation required of a candidate whose template is not trusted.
const UNTRUSTED_CORRELATION: f32 = 0.97;
/// Slope fraction required of a candidate whose template is not trusted.
const UNTRUSTED_SLOPE_FRACTION: f32 = 0.7;

/// A candidate that correlates at least this well with a foil (the shape of a candidate the
/// detector did not confirm), and better than with any beat template, is not marked.
const FOIL_CORRELATION: f32 = 0.9;
/// How much better a candidate must match a foil than any beat template to be rejected.
const FOIL_MARGIN: f32 = 0.1;

/// A rise of the integral through this fraction of the learnt QRS level, with a slope of at
/// least [`EVENT_SLOPE_FRACTION`] of recent QRS slopes, is a QRS-like *event* even when it is
/// too small to trigger (see [`FastTrigger::event_gap`]).
const EVENT_FRACTION: f32 = 0.4;
/// See [`EVENT_FRACTION`].
const EVENT_SLOPE_FRACTION: f32 = 0.5;

/// Template correlation required inside the T-wave window.
const T_WINDOW_CORRELATION: f32 = 0.9;

/// Foreign activity ([`FastTrigger::foreign_activity`]) counts the samples whose integral is
/// above this fraction of the learnt QRS level.
const ACTIVITY_FRACTION: f32 = 0.2;
/// Excursions of the integral above the activity threshold remembered (oldest dropped first);
/// more than fill a 3-s window of electrode-motion noise at 6 dB.
const ACTIVITY_SPANS: usize = 128;

/// Fast-trigger thresholds, in samples or as fractions of learnt levels.
#[derive(Clone, Copy, Debug)]
pub struct FastParams {
    /// Integration window, samples.
    pub window: usize,
    /// Trigger at this fraction of the median integral peak of recent beats.
    pub fraction: f32,
    /// The steepest slope must reach this fraction of the median slope of recent beats.
    pub slope_fraction: f32,
    /// Inside the T-wave window, the stricter fraction.
    pub t_slope_fraction: f32,
    /// Refractory period, samples.
    pub refractory: u64,
    /// T-wave window after a beat, samples.
    pub t_window: u64,
    /// Search span around a confirmed beat for its integral peak, samples.
    pub learn_span: u64,
    /// Template length, samples.
    pub template_len: usize,
    /// Minimum correlation with a learnt template for a candidate to be marked.
    pub min_correlation: f32,
    /// A candidate not confirmed by a beat within this time counts against the template it
    /// matched, samples.
    pub confirm_timeout: u64,
    /// A candidate this long before a confirmed beat's R (longer than a PR interval) that the
    /// detector did not confirm is learnt as a foil, samples.
    pub foil_gap: u64,
    /// How long a candidate unlike every template may wait for QRS-sized evidence, samples.
    pub defer: u64,
    /// Window of the foreign activity, samples (at least 1).
    pub activity_window: u64,
    /// Span after a marked candidate whose integral is the QRS's own, not foreign, samples.
    pub activity_quiet: u64,
}

/// A candidate not accepted on its shape (unlike every template, or more like a foil) is still
/// a QRS when, within [`FastParams::defer`], its integral reaches this fraction of the learnt
/// QRS level…
const DEFER_LEVEL: f32 = 0.6;
/// …(this one inside the T-wave window)…
const DEFER_LEVEL_T: f32 = 1.5;
/// …and its steepest slope this fraction of recent QRS slopes.
const DEFER_SLOPE: f32 = 0.6;

/// The fast trigger's thresholds on its integral, derived from the learnt level.
#[derive(Clone, Copy, Debug, Default)]
struct Thresholds {
    /// A rise through this is a candidate ([`FastParams::fraction`] of the level).
    trigger: f32,
    /// Below this (half the trigger threshold) the trigger re-arms.
    rearm: f32,
    /// A rise through this is a QRS-like event ([`EVENT_FRACTION`] of the level).
    event: f32,
    /// Below this (half the event level) the event detection re-arms.
    event_rearm: f32,
    /// Above this ([`ACTIVITY_FRACTION`] of the level) a sample outside a QRS is foreign activity.
    activity: f32,
    /// Below this an integral is below `rearm`, `event_rearm` and `activity` (NaN when one of
    /// the first two is NaN, so that nothing is below it): see [`Thresholds::floor`].
    floor: f32,
}

impl Thresholds {
    /// The thresholds for `level` and trigger fraction `fraction`.
    fn new(level: f32, fraction: f32) -> Self {
        let trigger = fraction * level;
        let event = EVENT_FRACTION * level;
        let mut t = Thresholds {
            trigger,
            rearm: 0.5 * trigger,
            event,
            event_rearm: 0.5 * event,
            activity: ACTIVITY_FRACTION * level,
            floor: 0.0,
        };
        t.floor = t.floor();
        t
    }

    /// A value no larger than `rearm`, `event_rearm` and `activity`, and NaN when `rearm` or
    /// `event_rearm` is NaN: an integral below it re-arms both rules and is not above the
    /// activity threshold (a NaN `activity`, which nothing is above, is passed over).
    fn floor(&self) -> f32 {
        if self.rearm.is_nan() || self.event_rearm.is_nan() {
            return f32::NAN;
        }
        let floor = self.rearm.min(self.event_rearm);
        if self.activity < floor {
            self.activity
        } else {
            floor
        }
    }
}

/// A candidate waiting for QRS-sized evidence.
#[derive(Clone, Copy, Debug)]
struct Deferred {
    deadline: u64,
    in_t_window: bool,
    correlation: f32,
}

/// A candidate awaiting the detector's verdict: slope-time index and matched template.
#[derive(Clone, Copy, Debug)]
struct Snapshot {
    at: u64,
    template: u32,
}

/// The foreign activity: the excursions of the trigger's integral above the activity threshold,
/// less the spans of marked QRS complexes, as slope-time intervals `[from, to)`. A push costs one
/// comparison (a change of side is recorded out of line); the window is summed when a candidate
/// asks for it, from the newest interval back.
#[derive(Clone, Copy, Debug)]
struct Activity {
    spans: [(u64, u64); ACTIVITY_SPANS],
    /// Slot of the next interval.
    next: usize,
    /// Intervals recorded (up to `ACTIVITY_SPANS`).
    len: usize,
    /// The integral is above the threshold, since `from`.
    above: bool,
    from: u64,
    /// Samples up to this slope-time index are the last marked candidate's own QRS.
    quiet_until: u64,
    window: u64,
}

impl Activity {
    fn new(window: u64) -> Self {
        Activity {
            spans: [(0, 0); ACTIVITY_SPANS],
            next: 0,
            len: 0,
            above: false,
            from: 0,
            quiet_until: 0,
            window: window.max(1),
        }
    }

    /// Sample `n`: its integral is above the activity threshold or not.
    #[inline]
    fn push(&mut self, n: u64, above: bool) {
        if above != self.above {
            self.cross(n, above);
        }
    }

    /// The integral crossed the threshold at `n`.
    #[inline(never)]
    fn cross(&mut self, n: u64, above: bool) {
        if above {
            self.from = n;
        } else {
            self.record(n);
        }
        self.above = above;
    }

    /// Close the excursion in progress at `to` (exclusive), leaving out a marked QRS.
    fn record(&mut self, to: u64) {
        let from = self.from.max(self.quiet_until.saturating_add(1));
        if to > from {
            if let Some(slot) = self.spans.get_mut(self.next) {
                *slot = (from, to);
            }
            self.next = (self.next + 1) % ACTIVITY_SPANS;
            self.len = (self.len + 1).min(ACTIVITY_SPANS);
        }
    }

    /// From sample `n + 1` on, samples up to `quiet_until` are a marked QRS. An excursion in
    /// progress is split at `n + 1`, so that its samples so far keep the span they were pushed
    /// under.
    fn set_quiet(&mut self, n: u64, quiet_until: u64) {
        if self.above {
            self.record(n + 1);
            self.from = n + 1;
        }
        self.quiet_until = quiet_until;
    }

    /// Fraction of the `window` samples up to `n` that were foreign activity.
    fn fraction(&self, n: u64) -> f32 {
        let lo = (n + 1).saturating_sub(self.window);
        let overlap = |from: u64, to: u64| to.saturating_sub(from.max(lo));
        let mut busy = if self.above {
            overlap(self.from.max(self.quiet_until.saturating_add(1)), n + 1)
        } else {
            0
        };
        for k in 1..=self.len {
            let i = (self.next + ACTIVITY_SPANS - k) % ACTIVITY_SPANS;
            let Some(&(from, to)) = self.spans.get(i) else {
                break;
            };
            if to <= lo {
                break;
            }
            busy += overlap(from, to);
        }
        busy as f32 / self.window as f32
    }
}

/// The fast trigger's state. Allocates only in [`FastTrigger::new`].
#[derive(Clone, Debug)]
pub struct FastTrigger {
    p: FastParams,
    /// Running sum of the absolute slope over the integration window.
    sum: f32,
    /// The integration window as a float (converted once, not per sample).
    window_len: f32,
    level: MedianOf<8>,
    /// The thresholds derived from `level`, kept with it (not recomputed per sample).
    thresholds: Thresholds,
    slope_level: MedianOf<8>,
    open: bool,
    last_value: f32,
    /// Slope-time index of the last trigger that was marked.
    last_trigger: Option<u64>,
    /// `last_trigger` before the most recent trigger (restored when that one is withheld).
    previous_trigger: Option<u64>,
    bank: TemplateBank,
    /// Shapes of candidates the detector did not confirm (P waves, T waves, artefacts).
    foils: TemplateBank,
    snapshots: [Option<Snapshot>; SNAPSHOTS],
    next_snapshot: usize,
    deferred: Option<Deferred>,
    /// Slope-time index of the last confirmed beat's R (the last [`FastTrigger::learn_beat`]).
    last_beat: Option<u64>,
    /// The integral is above the event level since the last event (no new event until it
    /// falls below half of it).
    event_open: bool,
    /// Slope-time indices of the last two QRS-like events, most recent first.
    events: [Option<u64>; 2],
    /// See [`FastTrigger::foreign_activity`].
    activity: Activity,
}

impl FastTrigger {
    /// A trigger with parameters `p`. Its signals live in the detector's [`Trace`] ring, which
    /// must hold at least a second plus the learn span.
    pub fn new(p: FastParams) -> Self {
        FastTrigger {
            p,
            sum: 0.0,
            window_len: p.window as f32,
            level: MedianOf::default(),
            thresholds: Thresholds::default(),
            slope_level: MedianOf::default(),
            open: false,
            last_value: 0.0,
            last_trigger: None,
            previous_trigger: None,
            bank: TemplateBank::new(p.template_len),
            foils: TemplateBank::new(p.template_len),
            snapshots: [None; SNAPSHOTS],
            next_snapshot: 0,
            deferred: None,
            last_beat: None,
            event_open: false,
            events: [None; 2],
            activity: Activity::new(p.activity_window),
        }
    }

    /// Copy the band-passed window that ends at slope-time index `end` (with alignment
    /// context) into `out`; false when the history no longer holds it.
    fn window(
        &self,
        end: u64,
        trace: &History<Trace>,
        out: &mut [f32; super::template::MAX_LEN + 8],
    ) -> Option<usize> {
        let ctx = TemplateBank::shift() as u64;
        let len = self.bank.len() + 2 * TemplateBank::shift();
        let first = (end + 1 + ctx).checked_sub(len as u64)?;
        // Slot k holds index `min(first + k, end)`: context after `end` is not known yet at
        // trigger time, so the last value is held. The indices read form the range
        // `[min(first, end), min(first + n - 1, end)]`, all held when both ends are.
        let n = len.min(out.len());
        let Some(last_slot) = (n as u64).checked_sub(1) else {
            return Some(len);
        };
        let (lo, hi) = (first.min(end), (first + last_slot).min(end));
        trace.get(lo)?;
        let held = trace.get(hi)?.band;
        // Indices `first..=hi` (none when `first > end`) are copied from the ring's pieces; the
        // slots after them hold the value of `end` (= `hi` then).
        let direct = (hi + 1).saturating_sub(first) as usize;
        let (copied, rest) = out.split_at_mut(direct.min(n));
        let mut slots = copied.iter_mut();
        for piece in trace.slices(first, first + direct as u64) {
            // The piece first: `zip` takes from its first iterator before learning that the
            // second is exhausted, and a slot must not be skipped between the pieces.
            for (t, slot) in piece.iter().zip(slots.by_ref()) {
                *slot = t.band;
            }
        }
        for slot in rest.iter_mut().take(n - direct.min(n)) {
            *slot = held;
        }
        Some(len)
    }

    /// The thresholds for the current level.
    fn level_thresholds(&self) -> Thresholds {
        Thresholds::new(self.level.kth_smallest(LEVEL_RANK), self.p.fraction)
    }

    /// Forget the learnt levels (the history and the morphology templates stay).
    pub fn relearn(&mut self) {
        self.level = MedianOf::default();
        self.thresholds = self.level_thresholds();
        self.slope_level = MedianOf::default();
        self.open = false;
        self.last_trigger = None;
        self.previous_trigger = None;
        self.snapshots = [None; SNAPSHOTS];
        self.deferred = None;
        self.last_beat = None;
        self.event_open = false;
        self.events = [None; 2];
        self.activity = Activity::new(self.p.activity_window);
    }

    /// Forget everything learnt.
    pub fn reset(&mut self) {
        self.sum = 0.0;
        self.level = MedianOf::default();
        self.thresholds = self.level_thresholds();
        self.slope_level = MedianOf::default();
        self.open = false;
        self.last_value = 0.0;
        self.last_trigger = None;
        self.previous_trigger = None;
        self.bank.reset();
        self.foils.reset();
        self.snapshots = [None; SNAPSHOTS];
        self.next_snapshot = 0;
        self.deferred = None;
        self.last_beat = None;
        self.event_open = false;
        self.events = [None; 2];
        self.activity = Activity::new(self.p.activity_window);
    }

    /// Learn from a confirmed beat whose R lies at slope-time index `at` (R fiducial plus the
    /// band-pass delay), with the detector's signals in `trace`.
    pub fn learn_beat(&mut self, at: u64, trace: &History<Trace>) {
        self.last_beat = Some(at);
        let from = at.saturating_sub(self.p.learn_span);
        let to = at + self.p.learn_span + self.p.window as u64;
        let (peak, slope) = trace
            .range(from, to)
            .fold((0.0f32, 0.0f32), |(peak, slope), (_, t)| {
                (
                    running_max(peak, t.onset_energy),
                    running_max(slope, t.slope.abs()),
                )
            });
        if peak > 0.0 {
            self.level.push(peak);
            self.thresholds = self.level_thresholds();
            self.slope_level.push(slope);
        }
        // The candidate that announced this beat teaches the template bank.
        let hit = self
            .snapshots
            .iter()
            .position(|s| s.is_some_and(|s| s.at >= from && s.at < to));
        if let Some(s) = hit
            .and_then(|i| self.snapshots.get_mut(i))
            .and_then(Option::take)
        {
            self.bank.credit(s.template, true, s.at);
            let mut buf = [0.0; super::template::MAX_LEN + 8];
            if let Some(len) = self.window(s.at, trace, &mut buf) {
                self.bank.learn(buf.get(..len).unwrap_or(&[]), s.at);
            }
        }
        // Candidates well before this beat (more than a PR interval) were not beats: their
        // shapes are foils. Closer ones may be the pacing spike or the onset of this beat.
        let foil_before = at.saturating_sub(self.p.foil_gap);
        for i in 0..SNAPSHOTS {
            let stale = self
                .snapshots
                .get(i)
                .copied()
                .flatten()
                .filter(|s| s.at < foil_before);
            if let Some(s) = stale {
                let mut buf = [0.0; super::template::MAX_LEN + 8];
                if let Some(len) = self.window(s.at, trace, &mut buf) {
                    self.foils.learn(buf.get(..len).unwrap_or(&[]), s.at);
                }
                self.bank.credit(s.template, false, at);
                if let Some(slot) = self.snapshots.get_mut(i) {
                    *slot = None;
                }
            }
        }
    }

    /// Samples from the QRS-like event before the one that triggered at slope-time index `n` to
    /// `n`: the spacing of the QRS-like complexes, including those too small to trigger. In
    /// fibrillation the trigger fires on some waves only, so the spacing of its candidates
    /// understates the rate; the events do not. `None` when no earlier event is remembered.
    pub fn event_gap(&self, n: u64) -> Option<u64> {
        // The candidate's own rise through the event level came at most an integration window
        // before its trigger (two windows for a slow rise).
        let own = 2 * self.p.window as u64;
        let previous = match self.events {
            [Some(last), before] if n.saturating_sub(last) <= own => before,
            [last, _] => last,
        }?;
        Some(n.saturating_sub(previous))
    }

    /// The last candidate was not marked (the sync gate withheld it): it starts no refractory
    /// period, so that a P wave or an artefact seen first does not hide the QRS that follows.
    /// `n`: the slope-time index last pushed.
    pub fn withheld(&mut self, n: u64) {
        self.set_last_trigger(n, self.previous_trigger);
    }

    /// The last marked trigger is now `t` (at slope-time index `n`, the last pushed): the
    /// foreign activity leaves its QRS out.
    fn set_last_trigger(&mut self, n: u64, t: Option<u64>) {
        self.last_trigger = t;
        let quiet_until = t.map_or(0, |t| t.saturating_add(self.p.activity_quiet));
        self.activity.set_quiet(n, quiet_until);
    }

    /// The fraction of the last [`FastParams::activity_window`] samples (3 s by default),
    /// up to slope-time index `n` (the last pushed), in which the
    /// trigger's integral was above 20 % of the learnt QRS level outside the
    /// span of marked candidates' own QRS complexes: energy in the QRS band that is not a
    /// recognised QRS. It is about 0.05 in a clean ECG (the upstroke of the candidate being
    /// recognised, beats too small to trigger) and rises with artefacts that resemble QRS
    /// complexes (electrode motion, muscle noise), among which a candidate is as likely an
    /// artefact as a beat. 0 until the levels are learnt.
    pub fn foreign_activity(&self, n: u64) -> f32 {
        self.activity.fraction(n)
    }

    /// The trigger's integral at the next slope-time index `n`, from the absolute band-passed
    /// slope of that index and the slopes before it in `trace` (which holds indices up to
    /// `n - 1`, and zero rows in the slots not written since it was built or reset).
    #[inline]
    pub fn integrate(&mut self, abs_slope: f32, trace: &History<Trace>) -> f32 {
        // `trace` holds index `n - 1` last, so `lagged` is `get(n - window)` when held. For
        // `n < window` it reads a slot not written since the ring was built or reset (zero):
        // nothing leaves the window yet.
        let leaving = if self.p.window <= trace.capacity() {
            trace.lagged(self.p.window as u64)
        } else {
            None
        }
        .map_or(0.0, |t| t.slope.abs());
        self.sum = (self.sum + abs_slope - leaving).max(0.0);
        self.sum / self.window_len
    }

    /// Push the trigger's integral `f` of slope-time index `n` (see [`FastTrigger::integrate`];
    /// `trace` holds index `n` now). Returns the template correlation when a QRS is recognised.
    ///
    /// Inlined: the level tests that end almost every push; the rest is out of line.
    #[inline]
    pub fn push(&mut self, n: u64, f: f32, trace: &History<Trace>) -> Option<f32> {
        let rising = f > self.last_value;
        self.last_value = f;
        if self.level.len() < 3 {
            return None;
        }
        self.activity.push(n, f > self.thresholds.activity);
        // QRS-like events (see [`FastTrigger::event_gap`]); the slope test runs only on a rise
        // through the event level.
        if f < self.thresholds.event_rearm {
            self.event_open = false;
        } else if !self.event_open && f >= self.thresholds.event && rising {
            self.note_event(n, trace);
        }
        if self.deferred.is_some() {
            return self.push_deferred(n, f, rising, trace);
        }
        self.test_levels(n, f, rising, trace)
    }

    /// Can [`FastTrigger::push_quiet`] be asked at all: three beats learnt (before that `push`
    /// only records the value) and no candidate deferred (then every push is `push`'s).
    pub(crate) fn quiet_ready(&self) -> bool {
        self.level.len() >= 3 && self.deferred.is_none()
    }

    /// [`FastTrigger::push`] of the trigger integral `f` when it is quiet, for a trigger that
    /// is [`FastTrigger::quiet_ready`]: the push raises no candidate and only re-arms — no
    /// crossing of the activity threshold, no rise through the event level or the trigger
    /// threshold to test. Then it makes exactly the changes `push` would make and returns
    /// true; otherwise it changes nothing and returns false (`push` must then be called). It
    /// needs no sample index and no trace.
    #[inline(always)]
    pub(crate) fn push_quiet(&mut self, f: f32) -> bool {
        let t = self.thresholds;
        // Most often the integral is below every threshold: both rules re-arm.
        if f < t.floor && !self.activity.above {
            self.event_open = false;
            self.open = false;
            self.last_value = f;
            return true;
        }
        let rising = f > self.last_value;
        if (f > t.activity) != self.activity.above {
            return false;
        }
        // The event and trigger rules of `push` and `test_levels`, with the same comparisons
        // (a NaN integral takes the same branches).
        let event_rearms = f < t.event_rearm;
        let event_rises = !event_rearms && !self.event_open && f >= t.event && rising;
        let rearms = f < t.rearm;
        let evaluates = !(rearms || self.open || f < t.trigger || !rising);
        if event_rises || evaluates {
            return false;
        }
        if event_rearms {
            self.event_open = false;
        }
        if rearms {
            self.open = false;
        }
        self.last_value = f;
        true
    }

    /// The steepest absolute slope under the integration window that ends at slope-time index
    /// `n`.
    #[inline]
    fn steepest(&self, n: u64, trace: &History<Trace>) -> f32 {
        trace
            .range(n.saturating_sub(self.p.window as u64), n + 1)
            .fold(0.0f32, |m, (_, t)| running_max(m, t.slope.abs()))
    }

    /// The integral rose through the event level: a QRS-like event when the slope is QRS-like.
    #[inline(never)]
    fn note_event(&mut self, n: u64, trace: &History<Trace>) {
        let steepest = self.steepest(n, trace);
        if steepest >= EVENT_SLOPE_FRACTION * self.slope_level.kth_smallest(LEVEL_RANK) {
            self.event_open = true;
            self.events = [Some(n), self.events[0]];
        }
    }

    /// [`FastTrigger::push`] while a candidate waits for QRS-sized evidence.
    #[cold]
    #[inline(never)]
    fn push_deferred(
        &mut self,
        n: u64,
        f: f32,
        rising: bool,
        trace: &History<Trace>,
    ) -> Option<f32> {
        if let Some(d) = self.deferred {
            let level = if d.in_t_window {
                DEFER_LEVEL_T
            } else {
                DEFER_LEVEL
            } * self.level.kth_smallest(LEVEL_RANK);
            if f >= level {
                let steepest = self.steepest(n, trace);
                if steepest >= DEFER_SLOPE * self.slope_level.kth_smallest(LEVEL_RANK) {
                    self.deferred = None;
                    self.previous_trigger = self.last_trigger;
                    self.set_last_trigger(n, Some(n));
                    return Some(d.correlation);
                }
            }
            if n >= d.deadline {
                self.deferred = None;
            }
        }
        self.test_levels(n, f, rising, trace)
    }

    /// The trigger's level tests: below half the threshold the trigger re-arms; a rising
    /// integral through the threshold is a candidate to evaluate.
    #[inline(always)]
    fn test_levels(
        &mut self,
        n: u64,
        f: f32,
        rising: bool,
        trace: &History<Trace>,
    ) -> Option<f32> {
        let Thresholds { trigger, rearm, .. } = self.thresholds;
        if f < rearm {
            self.open = false;
            return None;
        }
        if self.open || f < trigger || !rising {
            return None;
        }
        self.evaluate(n, trace)
    }

    /// A rising integral crossed the threshold: refractory, slope and template tests.
    #[inline(never)]
    fn evaluate(&mut self, n: u64, trace: &History<Trace>) -> Option<f32> {
        let last_beat = self.last_beat;
        let since = |t: Option<u64>| t.map_or(u64::MAX, |t| n.saturating_sub(t));
        if since(self.last_trigger) < self.p.refractory || since(last_beat) < self.p.refractory {
            return None;
        }
        let steepest = self.steepest(n, trace);
        // Inside the T-wave window of the last beat or the last marked candidate (which the
        // detector has not confirmed yet), a candidate must be steeper and more alike.
        let in_t_window = since(last_beat).min(since(self.last_trigger)) < self.p.t_window;
        let fraction = if in_t_window {
            self.p.t_slope_fraction
        } else {
            self.p.slope_fraction
        };
        if steepest < fraction * self.slope_level.kth_smallest(LEVEL_RANK) {
            return None;
        }
        self.open = true;
        // Candidates the detector never confirmed count against the templates they matched.
        for slot in self.snapshots.iter_mut() {
            if let Some(s) = slot.filter(|s| n.saturating_sub(s.at) > self.p.confirm_timeout) {
                self.bank.credit(s.template, false, n);
                *slot = None;
            }
        }
        let mut buf = [0.0; super::template::MAX_LEN + 8];
        let window = self.window(n, trace, &mut buf).and_then(|len| buf.get(..len));
        let m = window.map_or(Match::NONE, |w| self.bank.best_match(w));
        // A candidate more like a known false trigger than like any beat is not a QRS.
        let foil = window.map_or(Match::NONE, |w| self.foils.best_match(w));
        let foiled =
            foil.correlation >= FOIL_CORRELATION && foil.correlation > m.correlation + FOIL_MARGIN;
        let needed = if in_t_window {
            T_WINDOW_CORRELATION.max(self.p.min_correlation)
        } else {
            self.p.min_correlation
        };
        // Only a candidate that resembles a template (id 0: none) can be held against it.
        let template = if m.correlation >= needed { m.template } else { 0 };
        if let Some(slot) = self.snapshots.get_mut(self.next_snapshot) {
            if let Some(old) = slot.replace(Snapshot { at: n, template }) {
                self.bank.credit(old.template, false, n);
            }
        }
        self.next_snapshot = (self.next_snapshot + 1) % SNAPSHOTS;
        // A template whose matches recently went unconfirmed asks for stronger evidence: a
        // closer likeness and a QRS-steep slope.
        let accepted = if foiled {
            false
        } else if m.trusted {
            m.correlation >= needed
        } else {
            m.correlation >= UNTRUSTED_CORRELATION
                && steepest >= UNTRUSTED_SLOPE_FRACTION * self.slope_level.kth_smallest(LEVEL_RANK)
        };
        if !accepted && m.trusted {
            // Unlike every template (a new or multiform shape), or more like a foil than like
            // any beat (a beat that resembles a tall P wave or an artefact): wait a little for
            // QRS-sized evidence rather than drop it.
            self.deferred = Some(Deferred {
                deadline: n + self.p.defer,
                in_t_window,
                correlation: m.correlation,
            });
        }
        if accepted {
            self.previous_trigger = self.last_trigger;
            self.set_last_trigger(n, Some(n));
            Some(m.correlation)
        } else {
            None
        }
    }
}


#[cfg(test)]
mod tests {
    use super::*;

    fn params(template_len: usize) -> FastParams {
        FastParams {
            window: 14,
            fraction: 0.5,
            slope_fraction: 0.3,
            t_slope_fraction: 0.5,
            refractory: 72,
            t_window: 130,
            learn_span: 29,
            template_len,
            min_correlation: 0.8,
            confirm_timeout: 432,
            foil_gap: 43,
            defer: 9,
            activity_window: 384,
            activity_quiet: 54,
        }
    }

    #[test]
    fn an_integral_below_the_floor_is_below_the_rearm_levels_and_not_active() {
        let levels = [0.0f32, 1e-30, 0.3, 1.0, 7.5, 1e30, f32::INFINITY, f32::NAN, -1.0];
        let values = [-1.0f32, 0.0, 1e-31, 0.05, 0.1, 0.2, 0.5, 2.0, 1e31, f32::INFINITY];
        for level in levels {
            for fraction in [0.05f32, 0.3, 0.5, 0.95, f32::NAN] {
                let t = Thresholds::new(level, fraction);
                for f in values {
                    if f < t.floor {
                        // The activity test of `push` is `f > activity`.
                        let above = f > t.activity;
                        assert!(f < t.rearm && f < t.event_rearm && !above);
                    }
                }
                let nan_rearm = t.rearm.is_nan() || t.event_rearm.is_nan();
                assert_eq!(t.floor.is_nan(), nan_rearm, "level {level} fraction {fraction}");
            }
        }
    }

    /// The definition `window` implements: slot k holds index `min(first + k, end)`.
    fn window_by_index(
        trigger: &FastTrigger,
        end: u64,
        trace: &History<Trace>,
    ) -> Option<Vec<f32>> {
        let shift = TemplateBank::shift();
        let len = trigger.bank.len() + 2 * shift;
        let first = (end + 1 + shift as u64).checked_sub(len as u64)?;
        (0..len as u64)
            .map(|k| trace.get((first + k).min(end)).map(|t| t.band))
            .collect()
    }

    #[test]
    fn window_copies_the_ring_pieces_as_indexed_reads() {
        // A small ring (capacity 50, 64 slots) so that windows straddle its wrap; every end
        // index from before the first full window to past the newest sample.
        for template_len in [4, 9, 23, 64] {
            let trigger = FastTrigger::new(params(template_len));
            let mut trace = History::new(50);
            for i in 0..300u64 {
                trace.push(Trace {
                    band: (i as f32 * 0.37).sin() + i as f32,
                    ..Trace::default()
                });
                for end in i.saturating_sub(60)..i + 3 {
                    let mut out = [f32::NAN; super::super::template::MAX_LEN + 8];
                    let got = trigger
                        .window(end, &trace, &mut out)
                        .map(|len| out[..len].to_vec());
                    let want = window_by_index(&trigger, end, &trace);
                    assert_eq!(
                        got.as_ref().map(|v| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>()),
                        want.as_ref().map(|v| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>()),
                        "template {template_len}, pushed {i}, end {end}"
                    );
                }
            }
        }
    }

    /// Push one pulse of the trigger's integral: a 10-sample rise to `peak` and a 10-sample fall,
    /// with absolute slope `slope` while it moves, then 10 quiet samples. Returns the index where
    /// the integral first reached `level` (if it did) and where it peaked.
    fn pulse(
        trigger: &mut FastTrigger,
        trace: &mut History<Trace>,
        n: &mut u64,
        peak: f32,
        slope: f32,
        level: f32,
    ) -> (Option<u64>, u64) {
        let mut reached = None;
        let mut top = *n;
        for k in 0..30u32 {
            let (f, s) = match k {
                0..=9 => (peak * (k + 1) as f32 / 10.0, slope),
                10..=19 => (peak * (19 - k) as f32 / 10.0, slope),
                _ => (0.0, 0.0),
            };
            trace.push(Trace {
                slope: s,
                onset_energy: f,
                ..Trace::default()
            });
            trigger.push(*n, f, trace);
            if f >= level && reached.is_none() {
                reached = Some(*n);
            }
            if k == 9 {
                top = *n;
            }
            *n += 1;
        }
        (reached, top)
    }

    /// Push `count` quiet samples (the trace's index is the push count, like the detector's).
    fn quiet(trigger: &mut FastTrigger, trace: &mut History<Trace>, n: &mut u64, count: u64) {
        for _ in 0..count {
            trace.push(Trace::default());
            trigger.push(*n, 0.0, trace);
            *n += 1;
        }
    }

    /// Push a full complex (peak 1, slope 1): the index of its rise through the event level and
    /// the trigger's event gap at its trigger index (one sample later, at half the level).
    fn full_complex(
        trigger: &mut FastTrigger,
        trace: &mut History<Trace>,
        n: &mut u64,
    ) -> (u64, Option<u64>) {
        let (event, _) = pulse(trigger, trace, n, 1.0, 1.0, EVENT_FRACTION);
        let event = event.unwrap();
        (event, trigger.event_gap(event + 1))
    }

    #[test]
    fn steep_rises_too_small_to_trigger_count_as_events_and_shallow_ones_do_not() {
        let mut trigger = FastTrigger::new(params(9));
        let mut trace = History::new(1000);
        let mut n = 0;
        // Three beats learnt with integral peak 1 and slope 1: trigger at 0.5, events at 0.4
        // with a slope of at least 0.5.
        for _ in 0..3 {
            let (_, top) = pulse(&mut trigger, &mut trace, &mut n, 1.0, 1.0, 1.0);
            trigger.learn_beat(top, &trace);
            quiet(&mut trigger, &mut trace, &mut n, 200);
        }
        let event = EVENT_FRACTION;
        // A steep rise to 0.45: too small to trigger, but an event.
        let (a, _) = pulse(&mut trigger, &mut trace, &mut n, 0.45, 1.0, event);
        quiet(&mut trigger, &mut trace, &mut n, 40);
        // A full complex: its trigger index's gap reaches back to the small one, not to itself.
        let (b_event, gap) = full_complex(&mut trigger, &mut trace, &mut n);
        assert_eq!(gap, Some(b_event + 1 - a.unwrap()));
        quiet(&mut trigger, &mut trace, &mut n, 40);
        // A shallow rise to 0.45 (slope 0.3, under half the QRS slope) is no event…
        pulse(&mut trigger, &mut trace, &mut n, 0.45, 0.3, event);
        quiet(&mut trigger, &mut trace, &mut n, 40);
        // …so the next complex's gap reaches back to the full one.
        let (d_event, gap) = full_complex(&mut trigger, &mut trace, &mut n);
        assert_eq!(gap, Some(d_event + 1 - b_event));
    }

    /// Push `count` samples whose integral is `f` (no slope: no candidates, no events).
    fn steady(trigger: &mut FastTrigger, trace: &mut History<Trace>, n: &mut u64, count: u64, f: f32) {
        for _ in 0..count {
            trace.push(Trace {
                onset_energy: f,
                ..Trace::default()
            });
            trigger.push(*n, f, trace);
            *n += 1;
        }
    }

    #[test]
    fn foreign_activity_is_the_busy_fraction_of_the_window_outside_marked_qrs_complexes() {
        let mut trigger = FastTrigger::new(params(9));
        let mut trace = History::new(1000);
        let mut n = 0;
        let window = 384u64;
        // Nothing is counted before the levels are learnt.
        steady(&mut trigger, &mut trace, &mut n, 400, 0.3);
        assert_eq!(trigger.foreign_activity(n - 1), 0.0);
        // Learnt level 1: samples above 0.2 are busy.
        for _ in 0..3 {
            let (_, top) = pulse(&mut trigger, &mut trace, &mut n, 1.0, 1.0, 1.0);
            trigger.learn_beat(top, &trace);
            quiet(&mut trigger, &mut trace, &mut n, 400);
        }
        assert_eq!(trigger.foreign_activity(n - 1), 0.0);
        // A busy stretch longer than the window, still going on: all of it.
        steady(&mut trigger, &mut trace, &mut n, window + 10, 0.3);
        assert_eq!(trigger.foreign_activity(n - 1), 1.0);
        // Under 0.2 for a window: none of it.
        steady(&mut trigger, &mut trace, &mut n, window, 0.15);
        assert_eq!(trigger.foreign_activity(n - 1), 0.0);
        // Three busy stretches of 32 among quiet samples: 96 of the window; the oldest one
        // leaves the window sample by sample.
        for _ in 0..3 {
            steady(&mut trigger, &mut trace, &mut n, 32, 0.3);
            steady(&mut trigger, &mut trace, &mut n, 68, 0.0);
        }
        assert_eq!(trigger.foreign_activity(n - 1), 96.0 / window as f32);
        steady(&mut trigger, &mut trace, &mut n, window - 300 + 10, 0.0);
        assert_eq!(trigger.foreign_activity(n - 1), 86.0 / window as f32);
        // The 54 samples after a marked trigger are its QRS, not foreign; an excursion that
        // began before the trigger keeps its samples up to the trigger.
        quiet(&mut trigger, &mut trace, &mut n, window);
        steady(&mut trigger, &mut trace, &mut n, 6, 0.3);
        trigger.set_last_trigger(n - 1, Some(n - 1));
        steady(&mut trigger, &mut trace, &mut n, 54, 0.3);
        steady(&mut trigger, &mut trace, &mut n, 10, 0.0);
        assert_eq!(trigger.foreign_activity(n - 1), 6.0 / window as f32);
        // …but not when the gate withheld it: the span reverts to the previous marked one from
        // the withholding on.
        quiet(&mut trigger, &mut trace, &mut n, window);
        trigger.previous_trigger = None;
        steady(&mut trigger, &mut trace, &mut n, 4, 0.3);
        trigger.set_last_trigger(n - 1, Some(n - 1));
        steady(&mut trigger, &mut trace, &mut n, 5, 0.3);
        trigger.withheld(n - 1);
        steady(&mut trigger, &mut trace, &mut n, 40, 0.3);
        steady(&mut trigger, &mut trace, &mut n, 10, 0.0);
        assert_eq!(trigger.foreign_activity(n - 1), 44.0 / window as f32);
        // Relearning forgets it.
        trigger.relearn();
        assert_eq!(trigger.foreign_activity(n - 1), 0.0);
    }
}
