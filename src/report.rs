//! Reading an event stream the way a clinician reads a device log (feature `std`).
//!
//! The engine speaks in events, one at a time; a person wants periods: *from 1:05 to 1:40 the
//! rhythm was VF and a shock was advised; sync markers were withheld meanwhile; the lead was noisy
//! from 2:10 to 2:14*. This module turns a list of [`Event`]s into those periods. It is shared by
//! the `analyze` summary and the strip plots ([`crate::plot`]), so both tell the same story.
//!
//! All periods are in absolute sample indices, like the events. Advice and sync state are placed
//! on the time axis **where they were issued** (`emitted`): that is when a device would have shown
//! them, so the delay between the onset of a rhythm and its advice stays visible.

use crate::event::{
    Decision, Event, QualityEvent, QualityIssue, RhythmClass, RhythmEvent, SyncUnavailableReason,
};

/// Minimum, mean and maximum of a set of heart rates, beats per minute.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateStats {
    /// Lowest rate, bpm.
    pub min_bpm: f64,
    /// Mean rate, bpm.
    pub mean_bpm: f64,
    /// Highest rate, bpm.
    pub max_bpm: f64,
}

/// How many RR intervals the monitor-style heart rate averages (see [`heart_rate`]).
pub const HEART_RATE_AVERAGE_BEATS: usize = 4;

/// Heart rate from detected beat samples, the way a bedside monitor displays it.
///
/// At every beat the displayed rate is 60 / (mean of the last [`HEART_RATE_AVERAGE_BEATS`] RR
/// intervals); `min_bpm` and `max_bpm` are the extremes of that displayed rate, so one missed or
/// extra beat does not dominate them. `mean_bpm` is the number of RR intervals per minute over the
/// whole span from the first to the last beat. `None` with fewer than two beats.
pub fn heart_rate(beat_samples: &[u64], sample_rate_hz: f64) -> Option<RateStats> {
    if beat_samples.len() < 2 || sample_rate_hz <= 0.0 {
        return None;
    }
    let rr: Vec<f64> = beat_samples
        .windows(2)
        .map(|w| w[1].saturating_sub(w[0]) as f64 / sample_rate_hz)
        .collect();
    let mut min_bpm = f64::INFINITY;
    let mut max_bpm = 0.0f64;
    for end in 1..=rr.len() {
        let start = end.saturating_sub(HEART_RATE_AVERAGE_BEATS);
        let mean_rr = rr[start..end].iter().sum::<f64>() / (end - start) as f64;
        if mean_rr > 0.0 {
            let bpm = 60.0 / mean_rr;
            min_bpm = min_bpm.min(bpm);
            max_bpm = max_bpm.max(bpm);
        }
    }
    let span_s = rr.iter().sum::<f64>();
    if span_s <= 0.0 || !min_bpm.is_finite() {
        return None;
    }
    Some(RateStats {
        min_bpm,
        mean_bpm: 60.0 * rr.len() as f64 / span_s,
        max_bpm,
    })
}

/// A run of consecutive rhythm decisions with the same advice.
///
/// The advice is what a clinician acts on, so a segment lasts as long as the advice does; the
/// classes the advisor named along the way (it may hesitate between AF and sinus tachycardia,
/// or between VT and VF) are counted in [`RhythmSegment::classes`].
#[derive(Clone, Debug, PartialEq)]
pub struct RhythmSegment {
    /// The advice.
    pub decision: Decision,
    /// The class named most often in the segment (the earliest one on a tie).
    pub class: RhythmClass,
    /// Every class named in the segment with its number of decisions, most frequent first.
    pub classes: Vec<(RhythmClass, usize)>,
    /// Why the advice is indeterminate (the reason given most often), if it is.
    pub reason: Option<QualityIssue>,
    /// When the advice was first issued: `emitted` of the segment's first decision.
    pub from: u64,
    /// When the advice stopped being in force: `emitted` of the next segment's first decision,
    /// or the end of the recording for the last segment.
    pub until: u64,
    /// First sample of the first analysed window.
    pub window_start: u64,
    /// One past the last sample of the last analysed window.
    pub window_end: u64,
    /// Number of decisions merged into the segment.
    pub decisions: usize,
    /// Heart rate over the segment's windows, where the advisor reported one.
    pub rate: Option<RateStats>,
}

/// Count `items` and return each distinct one with its count, most frequent first (the earliest
/// first seen on a tie).
pub(crate) fn ranked<T: PartialEq + Copy>(items: impl IntoIterator<Item = T>) -> Vec<(T, usize)> {
    let mut counts: Vec<(T, usize)> = Vec::new();
    for it in items {
        match counts.iter_mut().find(|(c, _)| *c == it) {
            Some((_, n)) => *n += 1,
            None => counts.push((it, 1)),
        }
    }
    // A stable sort keeps first-seen order among equal counts.
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    counts
}

/// Merge consecutive `rhythm` events (in emitted order) with the same decision into segments.
/// Each segment is in force from its first decision until the next segment's first decision;
/// the last one until `total_samples` (the recording's length).
pub fn rhythm_timeline(events: &[Event], total_samples: u64) -> Vec<RhythmSegment> {
    let rhythm: Vec<&RhythmEvent> = events
        .iter()
        .filter_map(|e| match e {
            Event::Rhythm(r) => Some(r),
            _ => None,
        })
        .collect();
    let mut segments: Vec<RhythmSegment> = Vec::new();
    for run in rhythm.chunk_by(|a, b| a.decision == b.decision) {
        let (first, last) = (run[0], run[run.len() - 1]);
        if let Some(prev) = segments.last_mut() {
            prev.until = first.emitted.max(prev.from);
        }
        let classes = ranked(run.iter().map(|r| r.class));
        let reasons = ranked(run.iter().filter_map(|r| r.reason));
        let rates: Vec<f64> = run
            .iter()
            .filter_map(|r| r.hr_bpm)
            .filter(|h| h.is_finite())
            .map(f64::from)
            .collect();
        segments.push(RhythmSegment {
            decision: first.decision,
            class: classes[0].0,
            classes,
            reason: reasons.first().map(|r| r.0),
            from: first.emitted,
            until: total_samples.max(last.emitted),
            window_start: run.iter().map(|r| r.start).min().unwrap_or(first.start),
            window_end: run.iter().map(|r| r.end).max().unwrap_or(last.end),
            decisions: run.len(),
            rate: rate_stats(&rates),
        });
    }
    segments
}

fn rate_stats(values: &[f64]) -> Option<RateStats> {
    if values.is_empty() {
        return None;
    }
    Some(RateStats {
        min_bpm: values.iter().copied().fold(f64::INFINITY, f64::min),
        mean_bpm: values.iter().sum::<f64>() / values.len() as f64,
        max_bpm: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    })
}

/// The first shock advice of a recording.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ShockAdvice {
    /// When the first `shockable` decision was issued.
    pub first_emitted: u64,
    /// The window that decision covers, `[start, end)`.
    pub first_window: (u64, u64),
    /// The class behind it.
    pub class: RhythmClass,
    /// Number of `shockable` decisions in the whole recording.
    pub decisions: usize,
    /// Number of shockable episodes (see [`shockable_episodes`]).
    pub episodes: usize,
}

/// Whether (and when first) a shock was advised. `None` when no decision was `shockable`.
pub fn shock_advice(events: &[Event], timeline: &[RhythmSegment]) -> Option<ShockAdvice> {
    let mut shockable = events.iter().filter_map(|e| match e {
        Event::Rhythm(r) if r.decision == Decision::Shockable => Some(r),
        _ => None,
    });
    let first = shockable.next()?;
    Some(ShockAdvice {
        first_emitted: first.emitted,
        first_window: (first.start, first.end),
        class: first.class,
        decisions: 1 + shockable.count(),
        episodes: shockable_episodes(timeline),
    })
}

/// Number of shockable episodes: the shockable segments of the timeline (a change of class
/// from VT to VF within one does not start a new episode).
pub fn shockable_episodes(timeline: &[RhythmSegment]) -> usize {
    timeline
        .iter()
        .filter(|s| s.decision == Decision::Shockable)
        .count()
}

/// A period during which the sync marker gate was in one state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyncPeriod {
    /// First sample of the period (0, or the `emitted` of the state change).
    pub from: u64,
    /// One past the last sample (the next change, or the end of the recording).
    pub until: u64,
    /// Whether markers were issued.
    pub available: bool,
    /// Why they were withheld; `None` for available periods and for the start-up period
    /// before the gate's first report (the gate starts unavailable and reports only changes).
    pub reason: Option<SyncUnavailableReason>,
    /// Markers issued during the period (by `emitted`).
    pub markers: usize,
}

/// The sync gate's periods, from `sync_state` events, with the markers counted in each.
///
/// The gate starts unavailable and reports only changes, so the recording opens with an
/// unavailable period (reason `None`) until the first `sync_state` event. Empty periods (two
/// changes at the same sample) are dropped.
pub fn sync_periods(events: &[Event], total_samples: u64) -> Vec<SyncPeriod> {
    let mut periods = vec![SyncPeriod {
        from: 0,
        until: total_samples,
        available: false,
        reason: None,
        markers: 0,
    }];
    for e in events {
        match e {
            Event::SyncState(s) => {
                let last = periods.last_mut().expect("never empty");
                last.until = s.emitted.max(last.from);
                periods.push(SyncPeriod {
                    from: s.emitted,
                    until: total_samples.max(s.emitted),
                    available: s.available,
                    reason: s.reason,
                    markers: 0,
                });
            }
            Event::Sync(_) => periods.last_mut().expect("never empty").markers += 1,
            _ => {}
        }
    }
    periods.retain(|p| p.until > p.from || p.markers > 0);
    periods
}

/// A period of poor signal quality.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QualityPeriod {
    /// First sample of the period.
    pub start: u64,
    /// One past the last sample; `None` when the period was still open at the end.
    pub end: Option<u64>,
    /// What was wrong.
    pub issue: QualityIssue,
}

/// Signal-quality periods from `quality` events: each period is announced when it begins (`end`
/// absent) and again when it ends; the two are paired by start and issue. A period whose end was
/// never announced is reported open (`end: None`); an end without a start still counts.
pub fn quality_periods(events: &[Event]) -> Vec<QualityPeriod> {
    let mut periods: Vec<QualityPeriod> = Vec::new();
    for e in events {
        let Event::Quality(QualityEvent {
            start, end, issue, ..
        }) = *e
        else {
            continue;
        };
        let open = periods
            .iter_mut()
            .rev()
            .find(|p| p.start == start && p.issue == issue && p.end.is_none());
        match (open, end) {
            (Some(p), Some(end)) => p.end = Some(end),
            (Some(_), None) => {}
            (None, end) => periods.push(QualityPeriod { start, end, issue }),
        }
    }
    periods.sort_by_key(|p| (p.start, p.end));
    periods
}

/// Sample index to clock time `m:ss.s` (or `h:mm:ss` past an hour).
pub fn clock(sample: u64, sample_rate_hz: f64) -> String {
    let t = sample as f64 / sample_rate_hz;
    let tenths = (t * 10.0).round() as u64;
    let (s10, m) = (tenths % 600, tenths / 600);
    if m >= 60 {
        format!("{}:{:02}:{:02}", m / 60, m % 60, s10 / 10)
    } else {
        format!("{}:{:02}.{}", m, s10 / 10, s10 % 10)
    }
}

/// The short name of a decision as printed in reports.
pub fn decision_name(d: Decision) -> &'static str {
    match d {
        Decision::Shockable => "shockable",
        Decision::Nonshockable => "non-shockable",
        Decision::Indeterminate => "indeterminate",
    }
}

/// The advice a device would show for a decision.
pub fn advice_text(d: Decision) -> &'static str {
    match d {
        Decision::Shockable => "shock advised",
        Decision::Nonshockable => "no shock advised",
        Decision::Indeterminate => "cannot analyse",
    }
}

/// The abbreviation of a rhythm class (`VF`, `VT`, `NSR`, …), as in the JSON events.
pub fn class_name(c: RhythmClass) -> &'static str {
    match c {
        RhythmClass::Vf => "VF",
        RhythmClass::Vt => "VT",
        RhythmClass::Sinus => "NSR",
        RhythmClass::Irregular => "AF",
        RhythmClass::Brady => "BRADY",
        RhythmClass::Tachy => "TACHY",
        RhythmClass::Other => "OTHER",
        RhythmClass::Asystole => "ASYS",
        RhythmClass::Unknown => "UNKNOWN",
    }
}

/// The name of a signal-quality issue.
pub fn issue_name(i: QualityIssue) -> &'static str {
    match i {
        QualityIssue::Noise => "noise",
        QualityIssue::Saturation => "saturation",
        QualityIssue::LeadOff => "lead off",
        QualityIssue::Missing => "missing samples",
        QualityIssue::Warmup => "warm-up",
    }
}

/// Why sync markers were withheld, in words.
pub fn sync_reason_name(r: Option<SyncUnavailableReason>) -> &'static str {
    match r {
        None => "start-up",
        Some(SyncUnavailableReason::Vf) => "VF",
        Some(SyncUnavailableReason::Asystole) => "asystole",
        Some(SyncUnavailableReason::Noise) => "noise",
        Some(SyncUnavailableReason::LeadOff) => "lead off",
        Some(SyncUnavailableReason::NoReliableR) => "no reliable R",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{RhythmEvent, SyncEvent, SyncStateEvent};

    fn rhythm(
        start: u64,
        end: u64,
        emitted: u64,
        decision: Decision,
        class: RhythmClass,
        hr: Option<f32>,
    ) -> Event {
        Event::Rhythm(RhythmEvent {
            start,
            end,
            emitted,
            decision,
            score: 0.5,
            class,
            hr_bpm: hr,
            reason: None,
        })
    }

    #[test]
    fn heart_rate_of_a_regular_train_is_its_rate() {
        // 75 bpm at 250 Hz: one beat every 200 samples.
        let beats: Vec<u64> = (0..20).map(|k| 100 + 200 * k).collect();
        let hr = heart_rate(&beats, 250.0).unwrap();
        for v in [hr.min_bpm, hr.mean_bpm, hr.max_bpm] {
            assert!((v - 75.0).abs() < 1e-9, "{v}");
        }
        assert_eq!(heart_rate(&beats[..1], 250.0), None);
    }

    #[test]
    fn heart_rate_averages_four_intervals() {
        // RR 1 s, 1 s, 1 s, 1 s, then one 0.5 s interval (an extra beat).
        let beats = [0u64, 100, 200, 300, 400, 450];
        let hr = heart_rate(&beats, 100.0).unwrap();
        assert!((hr.min_bpm - 60.0).abs() < 1e-9);
        // The last displayed rate: mean of 1, 1, 1, 0.5 s = 0.875 s.
        assert!((hr.max_bpm - 60.0 / 0.875).abs() < 1e-9);
        assert!((hr.mean_bpm - 60.0 * 5.0 / 4.5).abs() < 1e-9);
    }

    #[test]
    fn timeline_merges_consecutive_equal_decisions() {
        use Decision::*;
        use RhythmClass::*;
        let ev = vec![
            rhythm(0, 2000, 2000, Nonshockable, Sinus, Some(70.0)),
            Event::Sync(SyncEvent {
                sample: 2100,
                emitted: 2110,
            }),
            rhythm(500, 2500, 2500, Nonshockable, Sinus, Some(80.0)),
            rhythm(1000, 3000, 3000, Shockable, Vf, None),
            rhythm(1500, 3500, 3500, Shockable, Vf, Some(250.0)),
            rhythm(2000, 4000, 4000, Nonshockable, Sinus, Some(90.0)),
        ];
        let t = rhythm_timeline(&ev, 5000);
        assert_eq!(t.len(), 3);
        assert_eq!((t[0].from, t[0].until, t[0].decisions), (2000, 3000, 2));
        assert_eq!((t[0].window_start, t[0].window_end), (0, 2500));
        let r = t[0].rate.unwrap();
        assert_eq!((r.min_bpm, r.mean_bpm, r.max_bpm), (70.0, 75.0, 80.0));
        assert_eq!((t[1].decision, t[1].class), (Shockable, Vf));
        assert_eq!((t[1].from, t[1].until), (3000, 4000));
        assert_eq!(t[1].rate.unwrap().mean_bpm, 250.0);
        assert_eq!((t[2].from, t[2].until), (4000, 5000));

        let a = shock_advice(&ev, &t).unwrap();
        assert_eq!(a.first_emitted, 3000);
        assert_eq!(a.first_window, (1000, 3000));
        assert_eq!((a.decisions, a.episodes), (2, 1));
        let none = [rhythm(0, 10, 10, Nonshockable, Sinus, None)];
        assert_eq!(shock_advice(&none, &rhythm_timeline(&none, 20)), None);
    }

    #[test]
    fn classes_within_one_advice_are_counted_not_split() {
        use Decision::*;
        let ev = vec![
            rhythm(0, 10, 10, Nonshockable, RhythmClass::Sinus, None),
            rhythm(5, 15, 15, Nonshockable, RhythmClass::Tachy, None),
            rhythm(6, 16, 16, Nonshockable, RhythmClass::Irregular, None),
            rhythm(7, 17, 17, Nonshockable, RhythmClass::Tachy, None),
            rhythm(10, 20, 20, Shockable, RhythmClass::Vt, None),
            rhythm(15, 25, 25, Shockable, RhythmClass::Vf, None),
            rhythm(20, 30, 30, Nonshockable, RhythmClass::Tachy, None),
            rhythm(25, 35, 35, Shockable, RhythmClass::Vt, None),
        ];
        let t = rhythm_timeline(&ev, 40);
        let decisions: Vec<_> = t.iter().map(|s| (s.decision, s.decisions)).collect();
        assert_eq!(
            decisions,
            [
                (Nonshockable, 4),
                (Shockable, 2),
                (Nonshockable, 1),
                (Shockable, 1)
            ]
        );
        assert_eq!(t[0].class, RhythmClass::Tachy);
        assert_eq!(
            t[0].classes,
            [
                (RhythmClass::Tachy, 2),
                (RhythmClass::Sinus, 1),
                (RhythmClass::Irregular, 1)
            ]
        );
        // VT turning into VF is one episode; the tie goes to the class named first.
        assert_eq!(t[1].class, RhythmClass::Vt);
        assert_eq!(shock_advice(&ev, &t).unwrap().episodes, 2);
        assert_eq!(rhythm_timeline(&[], 40), vec![]);
    }

    #[test]
    fn indeterminate_segments_keep_their_main_reason() {
        let ind = |emitted, reason| {
            Event::Rhythm(RhythmEvent {
                start: emitted - 5,
                end: emitted,
                emitted,
                decision: Decision::Indeterminate,
                score: 0.0,
                class: RhythmClass::Unknown,
                hr_bpm: None,
                reason,
            })
        };
        let ev = [
            ind(10, Some(QualityIssue::LeadOff)),
            ind(11, Some(QualityIssue::Noise)),
            ind(12, Some(QualityIssue::Noise)),
        ];
        let t = rhythm_timeline(&ev, 20);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].reason, Some(QualityIssue::Noise));
        assert_eq!(t[0].rate, None);
    }

    #[test]
    fn sync_periods_follow_state_changes_and_count_markers() {
        let st = |emitted, available, reason| {
            Event::SyncState(SyncStateEvent {
                emitted,
                available,
                reason,
            })
        };
        let mk = |s| {
            Event::Sync(SyncEvent {
                sample: s,
                emitted: s + 5,
            })
        };
        let ev = vec![
            st(300, true, None),
            mk(400),
            mk(600),
            st(800, false, Some(SyncUnavailableReason::Vf)),
            st(1500, true, None),
            mk(1600),
        ];
        let p = sync_periods(&ev, 2000);
        assert_eq!(p.len(), 4);
        assert_eq!((p[0].from, p[0].until, p[0].available), (0, 300, false));
        assert_eq!(p[0].reason, None);
        assert_eq!((p[1].from, p[1].until, p[1].markers), (300, 800, 2));
        assert_eq!(p[2].reason, Some(SyncUnavailableReason::Vf));
        assert_eq!((p[2].from, p[2].until, p[2].markers), (800, 1500, 0));
        assert_eq!((p[3].from, p[3].until, p[3].markers), (1500, 2000, 1));
        // A gate that becomes available at sample 0 leaves no empty start-up period.
        let p = sync_periods(&[st(0, true, None)], 10);
        assert_eq!(p.len(), 1);
        assert!(p[0].available);
    }

    #[test]
    fn quality_periods_pair_begin_and_end() {
        let q = |start, end, emitted, issue| {
            Event::Quality(QualityEvent {
                start,
                end,
                emitted,
                issue,
            })
        };
        let ev = vec![
            q(100, None, 150, QualityIssue::Noise),
            q(120, None, 160, QualityIssue::LeadOff),
            q(100, Some(400), 420, QualityIssue::Noise),
            q(900, Some(950), 960, QualityIssue::Saturation),
            q(1000, None, 1010, QualityIssue::Noise),
        ];
        let p = quality_periods(&ev);
        assert_eq!(
            p,
            vec![
                QualityPeriod {
                    start: 100,
                    end: Some(400),
                    issue: QualityIssue::Noise
                },
                QualityPeriod {
                    start: 120,
                    end: None,
                    issue: QualityIssue::LeadOff
                },
                QualityPeriod {
                    start: 900,
                    end: Some(950),
                    issue: QualityIssue::Saturation
                },
                QualityPeriod {
                    start: 1000,
                    end: None,
                    issue: QualityIssue::Noise
                },
            ]
        );
    }

    #[test]
    fn clock_formats_minutes_and_hours() {
        assert_eq!(clock(0, 360.0), "0:00.0");
        assert_eq!(clock(360 * 75 + 36, 360.0), "1:15.1");
        assert_eq!(clock(250 * 3725, 250.0), "1:02:05");
    }
}
