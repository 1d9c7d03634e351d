//! The fast path of the QRS detector: a QRS recognised on its rising edge, for sync markers.
//!
//! A synchronized shock must fall within 60 ms of the R peak (IEC 60601-2-4), so the marker
//! cannot wait for the beat detector's confirmation (which looks a few hundred milliseconds
//! ahead to choose the best peak). The trigger integrates the band-passed absolute slope over a
//! short window (40 ms by default, against the detector's 100 ms) and fires when it rises through a
//! fraction of the level learnt from recent *confirmed* beats, provided
//! - the steepest slope under the window is QRS-like (a fraction of recent QRS slopes; P and T
//!   waves are much less steep than the QRS — the T-wave rule of Hamilton & Tompkins 1986,
//!   applied to every candidate, and more strictly inside the T-wave window);
//! - the refractory period since the last marker and the last beat has passed.
//!
//! Without at least three confirmed beats the trigger is silent: it only marks what the detector
//! has learnt to recognise.

use crate::filter::history::{History, MedianOf};

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
}

/// The fast trigger's state. Allocates only in [`FastTrigger::new`].
#[derive(Clone, Debug)]
pub struct FastTrigger {
    p: FastParams,
    slope: History<f32>,
    integral: History<f32>,
    sum: f32,
    level: MedianOf<8>,
    slope_level: MedianOf<8>,
    open: bool,
    last_value: f32,
    /// Slope-time index of the last trigger.
    last_trigger: Option<u64>,
}

impl FastTrigger {
    /// A trigger with `history` samples of memory (at least a second plus the learn span).
    pub fn new(p: FastParams, history: usize) -> Self {
        FastTrigger {
            p,
            slope: History::new(history),
            integral: History::new(history),
            sum: 0.0,
            level: MedianOf::default(),
            slope_level: MedianOf::default(),
            open: false,
            last_value: 0.0,
            last_trigger: None,
        }
    }

    /// Forget everything learnt.
    pub fn reset(&mut self) {
        self.slope.reset();
        self.integral.reset();
        self.sum = 0.0;
        self.level = MedianOf::default();
        self.slope_level = MedianOf::default();
        self.open = false;
        self.last_value = 0.0;
        self.last_trigger = None;
    }

    /// Learn from a confirmed beat whose R lies at slope-time index `at` (R fiducial plus the
    /// band-pass delay).
    pub fn learn_beat(&mut self, at: u64) {
        let from = at.saturating_sub(self.p.learn_span);
        let to = at + self.p.learn_span + self.p.window as u64;
        let peak = self
            .integral
            .range(from, to)
            .fold(0.0f32, |m, (_, v)| m.max(v));
        let slope = self
            .slope
            .range(from, to)
            .fold(0.0f32, |m, (_, v)| m.max(v));
        if peak > 0.0 {
            self.level.push(peak);
            self.slope_level.push(slope);
        }
    }

    /// Push the absolute band-passed slope of slope-time index `n`. `last_beat` is the
    /// slope-time index of the last confirmed beat's R. Returns true when a QRS is recognised.
    pub fn push(&mut self, n: u64, abs_slope: f32, last_beat: Option<u64>) -> bool {
        let leaving = self
            .slope
            .get(n.wrapping_sub(self.p.window as u64))
            .unwrap_or(0.0);
        self.slope.push(abs_slope);
        self.sum = (self.sum + abs_slope - leaving).max(0.0);
        let f = self.sum / self.p.window as f32;
        self.integral.push(f);
        let rising = f > self.last_value;
        self.last_value = f;
        if self.level.len() < 3 {
            return false;
        }
        let threshold = self.p.fraction * self.level.median();
        if f < 0.5 * threshold {
            self.open = false;
            return false;
        }
        if self.open || f < threshold || !rising {
            return false;
        }
        let since = |t: Option<u64>| t.map_or(u64::MAX, |t| n.saturating_sub(t));
        if since(self.last_trigger) < self.p.refractory || since(last_beat) < self.p.refractory {
            return false;
        }
        let steepest = self
            .slope
            .range(n.saturating_sub(self.p.window as u64), n + 1)
            .fold(0.0f32, |m, (_, v)| m.max(v));
        let fraction = if since(last_beat) < self.p.t_window {
            self.p.t_slope_fraction
        } else {
            self.p.slope_fraction
        };
        if steepest < fraction * self.slope_level.median() {
            return false;
        }
        self.open = true;
        self.last_trigger = Some(n);
        true
    }
}
