//! Signal quality of the raw input: is there an ECG to analyse at all?
//!
//! A rhythm engine that quietly analyses garbage is dangerous: a flat line from a disconnected
//! electrode looks like asystole, clipping and motion artefacts look like VF. The monitor watches
//! the *raw* samples (before any filter can smooth the evidence away) in blocks of 0.25 s and
//! reports, in order of precedence:
//!
//! 1. [`QualityIssue::Missing`] — NaN or ±infinity in the last block;
//! 2. [`QualityIssue::LeadOff`] — a flat line: peak-to-peak below `flat_mv` over the last second
//!    (an electrode off the skin or an open input gives a line flatter than any real asystole,
//!    which still carries tens of microvolts of noise);
//! 3. [`QualityIssue::Saturation`] — the input pinned at an extreme: in at least two of the last
//!    four blocks, a moving signal with runs of identical samples longer than 40 ms at the
//!    extreme value of the last second;
//! 4. [`QualityIssue::Noise`] — amplitudes no surface ECG has: peak-to-peak above `max_mv` over
//!    the last second (motion, defibrillation recovery, DC steps).
//!
//! Each period is reported twice as a [`QualityEvent`]: when it begins (`end` absent) and when
//! it ends. Work per sample is constant (block minima/maxima, no search).

use crate::config::{Config, ConfigError};
use crate::event::{QualityEvent, QualityIssue};
use crate::filter::runs::{equal_pairs, trailing_equal_pairs};

/// Blocks held (one second at 0.25 s per block).
const BLOCKS: usize = 4;
/// Shortest run of samples [`SignalQualityMonitor::push_run`] gives to
/// [`SignalQualityMonitor::note_finite_run`] (shorter ones take the per-sample loop).
const MIN_PAIR_COUNT_LEN: usize = 8;

/// Quality thresholds in physical units.
#[derive(Clone, Copy, Debug)]
struct Params {
    block: u32,
    flat_mv: f32,
    max_mv: f32,
    clip_run: u32,
}

#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
struct Block {
    min: f32,
    /// The longest run of identical samples when it is at least the clipping run
    /// ([`Params::clip_run`]), else `clip_run - 1`: shorter runs never count (see
    /// [`SignalQualityMonitor::assess`]), and this floor lets most runs of samples pass without
    /// a run counter ([`SignalQualityMonitor::note_finite_run`]).
    longest_run: u32,
    max: f32,
    /// The value of the first run that reached `longest_run` (when one did).
    run_value: f32,
    missing: bool,
}

/// The raw-signal quality monitor.
#[derive(Clone, Debug)]
pub struct SignalQualityMonitor {
    p: Params,
    blocks: [Block; BLOCKS],
    filled: usize,
    current: Block,
    in_block: u32,
    run: u32,
    last: f32,
    state: Option<(QualityIssue, u64)>,
    /// The beginning of a period that replaced another, reported on the next push.
    pending_begin: Option<QualityEvent>,
}

impl SignalQualityMonitor {
    /// Build the monitor for `config`.
    pub fn new(config: &Config) -> Result<Self, ConfigError> {
        let fs = config.sample_rate_hz;
        let mut monitor = SignalQualityMonitor {
            p: Params {
                block: (0.25 * fs).max(1.0) as u32,
                flat_mv: 0.01,
                max_mv: 10.0,
                clip_run: (0.04 * fs).max(2.0) as u32,
            },
            blocks: [Block::default(); BLOCKS],
            filled: 0,
            current: Block::default(),
            in_block: 0,
            run: 0,
            last: f32::NAN,
            state: None,
            pending_begin: None,
        };
        monitor.current = monitor.open_block();
        Ok(monitor)
    }

    /// A block before its first sample.
    fn open_block(&self) -> Block {
        Block {
            min: f32::MAX,
            max: f32::MIN,
            longest_run: self.p.clip_run.saturating_sub(1),
            ..Block::default()
        }
    }

    /// Forget everything.
    pub fn reset(&mut self) {
        self.blocks = [Block::default(); BLOCKS];
        self.filled = 0;
        self.current = self.open_block();
        self.in_block = 0;
        self.run = 0;
        self.last = f32::NAN;
        self.state = None;
        self.pending_begin = None;
    }

    /// The issue in force, if any.
    pub fn issue(&self) -> Option<QualityIssue> {
        self.state.map(|(issue, _)| issue)
    }

    /// Push raw sample `n` (mV, any float). Returns a quality event when a period begins or
    /// ends. When one issue replaces another, the end of the old period is reported in this push
    /// and the beginning of the new one in the next.
    #[inline]
    pub fn push(&mut self, n: u64, x: f32) -> Option<QualityEvent> {
        if self.pending_begin.is_none() {
            return self.accumulate(n, x);
        }
        let pending = self
            .pending_begin
            .take()
            .map(|e| QualityEvent { emitted: n, ..e });
        let assessed = self.accumulate(n, x);
        // Blocks are longer than one sample, so a pending beginning (reported in the push right
        // after a block closed) never meets the next block's close.
        pending.or(assessed)
    }

    /// How many samples [`SignalQualityMonitor::push_run`] can take now: those before the
    /// sample that closes the block, none while a beginning is pending (the next
    /// [`SignalQualityMonitor::push`] reports it).
    #[inline]
    pub fn run_room(&self) -> usize {
        if self.pending_begin.is_some() {
            return 0;
        }
        self.p.block.saturating_sub(self.in_block.saturating_add(1)) as usize
    }

    /// Push raw samples that close no block, the same as [`SignalQualityMonitor::push`] on
    /// each in turn (which returns no event for them; their indices do not matter). Takes at
    /// most [`SignalQualityMonitor::run_room`] of them and returns how many it took: the
    /// caller pushes the others one by one. The loop has no block test, so a caller that
    /// buffers samples (the engine) spends less per sample than with `push`.
    #[inline]
    pub fn push_run(&mut self, xs: &[f32]) -> usize {
        let take = self.run_room().min(xs.len());
        let Some(xs) = xs.get(..take) else {
            return 0;
        };
        if xs.len() < MIN_PAIR_COUNT_LEN || !self.note_finite_run(xs) {
            self.note_all(xs);
        }
        self.in_block += take as u32;
        take
    }

    /// [`SignalQualityMonitor::note_all`] for a run of finite samples in which no run of equal
    /// samples can outgrow the block's longest, which is at least the clipping run less one
    /// (the common case: a moving ECG), in loops that carry no run counter: the equal
    /// neighbours are counted first (one comparison per sample, no carried dependency); a run
    /// grows by at most one per equal pair, so when the runs cannot pass the longest, only the
    /// run at the end is needed, from the trailing equal pairs. Returns false, having noted
    /// nothing, when a sample is not finite or a run might pass the longest (then
    /// [`SignalQualityMonitor::note_all`] takes the samples).
    #[inline]
    fn note_finite_run(&mut self, xs: &[f32]) -> bool {
        let Some(&newest) = xs.last() else {
            return false;
        };
        let not_finite = xs.iter().map(|x| u32::from(!x.is_finite())).sum::<u32>();
        let pairs = equal_pairs(self.last, xs);
        // The longest run in `xs` is at most the carried run (at least 1) plus the pairs.
        if not_finite > 0 || self.run.max(1).saturating_add(pairs) > self.current.longest_run {
            return false;
        }
        // Plain selects, as in `note_all` (finite samples, extremes never NaN).
        let (mut lo, mut hi) = (self.current.min, self.current.max);
        for &x in xs {
            lo = if x < lo { x } else { lo };
            hi = if x > hi { x } else { hi };
        }
        // The run at the end: the equal pairs back from the newest sample, through the pair of
        // the first sample with the one before the run.
        let trailing = trailing_equal_pairs(self.last, xs);
        self.run = if trailing as usize == xs.len() {
            self.run.saturating_add(trailing)
        } else {
            trailing + 1
        };
        self.last = newest;
        self.current.min = lo;
        self.current.max = hi;
        true
    }

    #[inline]
    fn accumulate(&mut self, n: u64, x: f32) -> Option<QualityEvent> {
        self.note_all(core::slice::from_ref(&x));
        self.in_block += 1;
        if self.in_block < self.p.block {
            return None;
        }
        self.close_block(n)
    }

    /// Samples into the open block's extremes, runs and missing flag (the block count is the
    /// caller's). The state is worked on as locals, kept in registers through the loop.
    #[inline(always)]
    fn note_all(&mut self, xs: &[f32]) {
        let c = self.current;
        let (mut lo, mut hi, mut missing) = (c.min, c.max, c.missing);
        let (mut longest, mut run_value) = (c.longest_run, c.run_value);
        let (mut run, mut last) = (self.run, self.last);
        for &x in xs {
            if x.is_finite() {
                // Plain selects: `x` is finite here and the held extremes never NaN. (`min` and
                // `max` are not adjacent in `Block`: adjacent, the compiler packs the two selects
                // into one two-lane vector update of six times the instructions.)
                lo = if x < lo { x } else { lo };
                hi = if x > hi { x } else { hi };
                run = if x == last { run + 1 } else { 1 };
                last = x;
                if run > longest {
                    longest = run;
                    run_value = x;
                }
            } else {
                missing = true;
                run = 0;
                last = f32::NAN;
            }
        }
        self.current = Block {
            min: lo,
            longest_run: longest,
            max: hi,
            run_value,
            missing,
        };
        (self.run, self.last) = (run, last);
    }

    /// Close the block that this sample completed and assess the last [`BLOCKS`] blocks.
    #[inline(never)]
    fn close_block(&mut self, n: u64) -> Option<QualityEvent> {
        self.blocks.rotate_right(1);
        self.blocks[0] = self.current;
        self.filled = (self.filled + 1).min(BLOCKS);
        self.current = self.open_block();
        self.in_block = 0;
        let issue = self.assess();
        self.transition(n, issue)
    }

    fn assess(&self) -> Option<QualityIssue> {
        if self.blocks[0].missing {
            return Some(QualityIssue::Missing);
        }
        if self.filled < BLOCKS {
            return None;
        }
        let (mut lo, mut hi) = (f32::MAX, f32::MIN);
        for b in &self.blocks {
            if b.missing {
                return Some(QualityIssue::Missing);
            }
            lo = lo.min(b.min);
            hi = hi.max(b.max);
        }
        let p2p = hi - lo;
        if p2p < self.p.flat_mv {
            return Some(QualityIssue::LeadOff);
        }
        // Clipping: a moving signal that keeps hitting the same extreme — long runs of one
        // value at the extreme of the last second, in at least two blocks that are not flat.
        let clipped_blocks = self
            .blocks
            .iter()
            .filter(|b| {
                b.longest_run >= self.p.clip_run
                    && b.max - b.min >= self.p.flat_mv
                    && (b.run_value >= hi || b.run_value <= lo)
            })
            .count();
        let clipped = clipped_blocks >= 2;
        if clipped {
            return Some(QualityIssue::Saturation);
        }
        if p2p > self.p.max_mv {
            return Some(QualityIssue::Noise);
        }
        None
    }

    fn transition(&mut self, n: u64, issue: Option<QualityIssue>) -> Option<QualityEvent> {
        match (self.state, issue) {
            (Some((old, start)), new) if new != Some(old) => {
                self.state = new.map(|i| (i, n + 1));
                self.pending_begin = new.map(|issue| QualityEvent {
                    start: n + 1,
                    end: None,
                    emitted: n + 1,
                    issue,
                });
                Some(QualityEvent {
                    start,
                    end: Some(n + 1),
                    emitted: n,
                    issue: old,
                })
            }
            (None, Some(new)) => {
                // The period is dated from the first block that showed it.
                let start = (n + 1).saturating_sub(self.p.block as u64);
                self.state = Some((new, start));
                Some(QualityEvent {
                    start,
                    end: None,
                    emitted: n,
                    issue: new,
                })
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn run(fs: f32, x: &[f32]) -> Vec<QualityEvent> {
        let mut m = SignalQualityMonitor::new(&Config::with_sample_rate(fs)).unwrap();
        x.iter()
            .enumerate()
            .filter_map(|(i, &v)| m.push(i as u64, v))
            .collect()
    }

    fn ecg_like(n: usize, fs: f32) -> Vec<f32> {
        (0..n)
            .map(|i| {
                let t = i as f32 / fs;
                0.8 * libm::sinf(2.0 * core::f32::consts::PI * 1.2 * t)
                    + 0.05 * libm::sinf(2.0 * core::f32::consts::PI * 17.0 * t)
            })
            .collect()
    }

    #[test]
    fn clean_signal_has_no_issue() {
        assert!(run(250.0, &ecg_like(2500, 250.0)).is_empty());
    }

    #[test]
    fn flat_line_is_lead_off_with_start_and_end() {
        let fs = 250.0;
        let mut x = ecg_like(2500, fs);
        x.extend(core::iter::repeat(0.3).take(2500));
        x.extend(ecg_like(2500, fs));
        let ev = run(fs, &x);
        assert_eq!(ev.len(), 2, "{ev:?}");
        assert_eq!(ev[0].issue, QualityIssue::LeadOff);
        assert!(ev[0].end.is_none());
        // Begins within a second and a block of the flat line's start.
        assert!(ev[0].start >= 2500 && ev[0].start <= 2500 + 313, "{ev:?}");
        assert_eq!(ev[1].issue, QualityIssue::LeadOff);
        let end = ev[1].end.unwrap();
        assert!((5000..=5000 + 313).contains(&end), "{ev:?}");
    }

    #[test]
    fn nan_is_missing_and_clipping_is_saturation() {
        let fs = 360.0;
        let mut x = ecg_like(3600, fs);
        x[1000] = f32::NAN;
        x[1001] = f32::INFINITY;
        let ev = run(fs, &x);
        assert_eq!(ev[0].issue, QualityIssue::Missing);
        assert!(ev[0].start <= 1000);
        let mut y = ecg_like(7200, fs);
        for v in y.iter_mut().skip(3600) {
            *v = v.clamp(-0.5, 0.5);
        }
        let ev = run(fs, &y);
        assert_eq!(
            ev.first().map(|e| e.issue),
            Some(QualityIssue::Saturation),
            "{ev:?}"
        );
    }

    #[test]
    fn runs_pushed_between_block_ends_are_sample_pushes() {
        // Clean stretches, a flat line, clipping, NaN and huge values: every kind of event,
        // including one issue replacing another (a beginning pending for the next push).
        for fs in [125.0f32, 250.0, 360.0, 1000.0] {
            let n = (fs * 4.0) as usize;
            let mut x = ecg_like(n, fs);
            x.extend(core::iter::repeat(0.3).take(n));
            x.extend(ecg_like(n, fs).iter().map(|v| v.clamp(-0.5, 0.5)));
            x.extend(ecg_like(n, fs).iter().map(|v| v * 40.0));
            x.extend(core::iter::repeat(0.3).take(n));
            x[n / 2] = f32::NAN;
            x[n / 2 + 1] = f32::NEG_INFINITY;
            x.extend(ecg_like(n, fs));
            let expected = run(fs, &x);
            let mut m = SignalQualityMonitor::new(&Config::with_sample_rate(fs)).unwrap();
            let (mut got, mut buffered) = (Vec::new(), Vec::new());
            let mut room = m.run_room().min(37);
            for (i, &v) in x.iter().enumerate() {
                if buffered.len() < room {
                    buffered.push(v);
                    continue;
                }
                assert_eq!(m.push_run(&buffered), buffered.len(), "fs {fs} i {i}");
                buffered.clear();
                got.extend(m.push(i as u64, v));
                room = m.run_room().min(37);
            }
            assert_eq!(got, expected, "fs {fs}");
            assert!(expected.len() >= 6, "fs {fs}: {expected:?}");
        }
    }

    /// The monitor's state as bits, for exact comparison.
    fn state_bits(m: &SignalQualityMonitor) -> Vec<u32> {
        let mut bits = vec![m.run, m.last.to_bits(), m.in_block, m.filled as u32];
        for b in m.blocks.iter().chain(core::iter::once(&m.current)) {
            bits.extend([
                b.min.to_bits(),
                b.longest_run,
                b.max.to_bits(),
                b.run_value.to_bits(),
                u32::from(b.missing),
            ]);
        }
        bits
    }

    #[test]
    fn runs_noted_without_a_run_counter_leave_the_per_sample_state() {
        // Coarsely quantised noise (equal neighbours and runs of every length), stretches of a
        // constant, and NaN: run pushes of every length, compared after each with samples
        // pushed one by one.
        let fs = 250.0;
        let mut state = 7u32;
        let mut x = Vec::new();
        for i in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let v = match (i / 1000) % 4 {
                0 => (state % 5) as f32 * 0.1,
                1 => (state % 50) as f32 * 0.01,
                2 if state % 97 == 0 => f32::NAN,
                2 => (state % 3) as f32 - 1.0,
                _ if state % 7 == 0 => (state % 2) as f32,
                _ => 0.25,
            };
            x.push(v);
        }
        let mut by_run = SignalQualityMonitor::new(&Config::with_sample_rate(fs)).unwrap();
        let mut by_sample = by_run.clone();
        let mut i = 0;
        let mut len = 1;
        while i < x.len() {
            let want = by_run.run_room().min(len).min(x.len() - i);
            let taken = by_run.push_run(&x[i..i + want]);
            for (k, &v) in x[i..i + taken].iter().enumerate() {
                assert_eq!(by_sample.push((i + k) as u64, v), None);
            }
            i += taken;
            assert_eq!(state_bits(&by_run), state_bits(&by_sample), "at {i}");
            if let Some(&v) = x.get(i) {
                assert_eq!(by_run.push(i as u64, v), by_sample.push(i as u64, v));
                i += 1;
            }
            len = len % 40 + 3;
        }
    }

    #[test]
    fn huge_amplitude_is_noise() {
        let fs = 500.0;
        let x: Vec<f32> = ecg_like(5000, fs).iter().map(|v| v * 40.0).collect();
        let ev = run(fs, &x);
        assert_eq!(ev.first().map(|e| e.issue), Some(QualityIssue::Noise));
    }
}
