//! Sync-marker scoring (IEC 60601-2-4 timing, as stated in EVALUATION.md).
//!
//! A synchronized defibrillator discharges when it receives a marker, so a marker is judged by
//! its `emitted` index — the moment of discharge — not by the R-peak estimate it carries.
//!
//! # The rules, exactly as implemented
//!
//! All tests are on sample indices at the record's sample rate `fs`; the millisecond limits are
//! compared exactly as `1000 · Δsamples` against `limit_ms · fs`, so no rounding of the window to
//! whole samples happens.
//!
//! 1. **Reference beats**: annotations with a QRS code whose `sample ≥ 10 s · fs` and that lie
//!    outside the suspended spans ([`super::spans::suspended_spans`]). These are the only beats
//!    a marker can be on time for, and the denominator of sync Se.
//! 2. **Scored markers**: markers with `emitted ≥ 10 s · fs` whose `emitted` lies outside the
//!    suspended spans. Markers emitted before 10 s are ignored altogether.
//! 3. **VF markers**: every marker whose `emitted` lies inside a suspended span (at any time of
//!    the record). They are not scored markers and never mark a beat.
//! 4. **On time**: a scored marker `m` is on time for beat `r` when
//!    `r − 50 ms ≤ m.emitted ≤ r + 60 ms` (both edges included).
//! 5. **Assignment — each beat takes at most one marker, the first on-time one**: beats are taken
//!    in sample order; each takes, among the scored markers on time for it that no earlier beat
//!    has taken, the one with the smallest `emitted` (ties: the one listed first). Because every
//!    beat's window has the same length, this is the same assignment as sweeping markers in
//!    `emitted` order and giving each to the earliest beat that still lacks one; it is also a
//!    maximum matching, so no reordering could mark more beats.
//! 6. **Off-time markers**: scored markers that were not assigned to a beat — too late or too
//!    early for every beat, or a second marker inside the window of a beat that already has one.
//!    They are broken down as *duplicate* (on time for some beat, but every such beat already
//!    had its marker), *late* (outside every window and nearer to the previous beat than to the
//!    next, or after the last beat) and *early* (outside every window, nearer to the next beat
//!    or before the first one). The breakdown is informative; the contract counts only the sum.
//!
//!    Informative too: the off-time markers (late or early, not duplicates) that fall in the
//!    *T-wave window* of the beat before them, from the end of its QRS to the end of its T
//!    wave — a shock during ventricular repolarisation can start ventricular fibrillation.
//!    Without QRS-offset and T annotations the window is taken as [`T_WAVE_FROM_MS`] after R (a
//!    wide QRS ends by then: a marker 60–120 ms after R still falls on the complex) up to
//!    Bazett's QT for the upper limit of the normal QTc, [`T_WAVE_QTC_S`]` · √RR` (RR in
//!    seconds, from the beat before, or to the next beat for the first one; clamped to
//!    [`T_WAVE_RR_S`]).
//! 7. **Latency** of an assigned marker: `(emitted − r) · 1000 / fs` ms (negative when the
//!    marker precedes the annotated peak); median, p95, p99 and maximum are reported.
//! 8. **Why a beat went unmarked** (informative, not part of the contract; needs the gate's
//!    `sync_state` and `sync_withheld` events, which the engine always gives): the first of
//!    - *unavailable (reason)*: the gate was unavailable at the beat's R (its last `sync_state`
//!      at or before R; before the first one it is unavailable for want of reliable R waves);
//!    - *withheld (reason)*: a candidate was withheld (`sync_withheld`) within
//!      ±[`EXPLAIN_MS`] of R — the nearest one gives the reason;
//!    - *marker off time*: a scored marker within ±[`EXPLAIN_MS`] of R, which is off time or
//!      was assigned to a neighbouring beat;
//!    - *no candidate*: none of these — the fast trigger recognised nothing it would mark
//!      (too small, unlike the learnt QRS shapes, in its refractory period).
//!
//!    Without the gate's states (an event file without `sync_state` lines) the first cause is
//!    not tested.

use std::collections::BTreeMap;

use super::beats::Detection;
use super::events::{GateNote, GateReport};
use super::spans::{suspended_spans, Spans};
use crate::io::annotation::Annotation;

/// Markers and beats before this time are not scored, seconds.
pub const SYNC_START_S: f64 = 10.0;
/// A marker may precede the R peak by at most this, ms.
pub const EARLY_LIMIT_MS: f64 = 50.0;
/// The T-wave window of a beat (rule 6) opens this long after its R, ms.
pub const T_WAVE_FROM_MS: f64 = 120.0;
/// Corrected QT interval that ends a beat's T-wave window (rule 6): 0.45 s, the upper limit of
/// the normal QTc (Bazett, *Heart* 7, 353–370, 1920: `QT = QTc · √RR`).
pub const T_WAVE_QTC_S: f64 = 0.45;
/// RR interval range used in the T-wave window's QT, seconds (a longer gap between scored
/// beats is a pause or a suspended span, not a longer QT).
pub const T_WAVE_RR_S: (f64, f64) = (0.3, 1.5);
/// A marker may follow the R peak by at most this, ms.
pub const LATE_LIMIT_MS: f64 = 60.0;

/// Rule 8 looks this far around an unmarked beat's R for a withheld candidate or a marker, ms.
pub const EXPLAIN_MS: f64 = 150.0;

/// Why beats went unmarked (rule 8), counted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MissCauses {
    /// The gate was unavailable, by reason (`vf`, `noise`, `no_reliable_r`, …).
    pub unavailable: BTreeMap<String, u64>,
    /// A candidate was withheld, by reason (`late`, `too_fast`, `selective`).
    pub withheld: BTreeMap<String, u64>,
    /// A marker came near the beat, but off time (or it went to a neighbouring beat).
    pub marker_off_time: u64,
    /// No candidate near the beat.
    pub no_candidate: u64,
}

impl MissCauses {
    /// Add another record's counts.
    pub fn add(&mut self, o: &MissCauses) {
        for (k, v) in &o.unavailable {
            *self.unavailable.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &o.withheld {
            *self.withheld.entry(k.clone()).or_default() += v;
        }
        self.marker_off_time += o.marker_off_time;
        self.no_candidate += o.no_candidate;
    }

    /// Every cause with its count, in the order of rule 8 (`unavailable:vf`, `withheld:late`,
    /// `marker_off_time`, `no_candidate`).
    pub fn entries(&self) -> Vec<(String, u64)> {
        let mut out: Vec<(String, u64)> = Vec::new();
        for (k, v) in &self.unavailable {
            out.push((format!("unavailable:{k}"), *v));
        }
        for (k, v) in &self.withheld {
            out.push((format!("withheld:{k}"), *v));
        }
        out.push(("marker_off_time".into(), self.marker_off_time));
        out.push(("no_candidate".into(), self.no_candidate));
        out
    }
}

/// Sync counts of one record (or of many, added up).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SyncScore {
    /// Reference beats scored.
    pub beats: u64,
    /// Beats that received an on-time marker.
    pub marked: u64,
    /// Scored markers (emitted at or after 10 s, outside suspended spans).
    pub markers: u64,
    /// Scored markers that are not on time (`late + early + duplicate`).
    pub off_time: u64,
    /// Off-time markers more than 60 ms after the last beat before them.
    pub late: u64,
    /// Off-time markers that are neither late nor duplicates.
    pub early: u64,
    /// Off-time markers inside the window of a beat that already had its marker.
    pub duplicate: u64,
    /// Late or early off-time markers in the T-wave window of the beat before them (rule 6).
    pub t_wave: u64,
    /// Markers emitted inside suspended (VF/VFL) spans.
    pub vf_markers: u64,
    /// `emitted − reference` of on-time markers, ms.
    pub latencies_ms: Vec<f64>,
    /// Why the unmarked beats went unmarked (rule 8).
    pub misses: MissCauses,
}

impl SyncScore {
    /// Sync sensitivity: marked beats / beats, percent (`None` without beats).
    pub fn sync_se(&self) -> Option<f64> {
        (self.beats > 0).then(|| 100.0 * self.marked as f64 / self.beats as f64)
    }
    /// Off-time markers / scored markers, percent (`None` without markers).
    pub fn off_time_pct(&self) -> Option<f64> {
        (self.markers > 0).then(|| 100.0 * self.off_time as f64 / self.markers as f64)
    }
    /// Add another record's counts.
    pub fn add(&mut self, o: &SyncScore) {
        self.beats += o.beats;
        self.marked += o.marked;
        self.markers += o.markers;
        self.off_time += o.off_time;
        self.late += o.late;
        self.early += o.early;
        self.duplicate += o.duplicate;
        self.t_wave += o.t_wave;
        self.vf_markers += o.vf_markers;
        self.latencies_ms.extend_from_slice(&o.latencies_ms);
        self.misses.add(&o.misses);
    }
}

/// True when a marker emitted at `emitted` is on time for the beat at `reference` (rule 4).
pub fn is_on_time(reference: u64, emitted: u64, fs: f64) -> bool {
    let d_ms_fs = 1000.0 * (emitted as f64 - reference as f64);
    d_ms_fs >= -EARLY_LIMIT_MS * fs && d_ms_fs <= LATE_LIMIT_MS * fs
}

/// Assign markers (sorted by `emitted`) to beats (sorted by sample), rule 5.
/// Returns for each beat the index of its marker, if any.
pub fn assign_markers(beats: &[u64], emitted: &[u64], fs: f64) -> Vec<Option<usize>> {
    let mut taken = vec![false; emitted.len()];
    let mut lo = 0usize;
    let mut out = Vec::with_capacity(beats.len());
    for &r in beats {
        // Skip markers that are too early for this beat (and so for every later beat).
        while lo < emitted.len()
            && !is_on_time(r, emitted[lo], fs)
            && (emitted[lo] as f64) < r as f64
        {
            lo += 1;
        }
        let mut got = None;
        let mut j = lo;
        while j < emitted.len() && is_on_time(r, emitted[j], fs) {
            if !taken[j] {
                taken[j] = true;
                got = Some(j);
                break;
            }
            j += 1;
        }
        out.push(got);
    }
    out
}

/// Why a scored marker is off time (rule 6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OffTime {
    /// On time for some beat, but every such beat already had its marker.
    Duplicate,
    /// Nearer to the previous beat than to the next one (or after the last beat).
    Late,
    /// Nearer to the next beat (or before the first beat).
    Early,
}

/// Classify an unassigned scored marker emitted at `e` against the sorted `beats`.
pub fn classify_off_time(beats: &[u64], e: u64, fs: f64) -> OffTime {
    // Beats whose window can hold `e` lie in [e − 60 ms, e + 50 ms].
    let lo = beats.partition_point(|&r| 1000.0 * ((e as f64) - r as f64) > LATE_LIMIT_MS * fs);
    if beats.get(lo).is_some_and(|&r| is_on_time(r, e, fs)) {
        return OffTime::Duplicate;
    }
    let k = beats.partition_point(|&r| r <= e);
    let prev = k.checked_sub(1).map(|i| beats[i]);
    match (prev, beats.get(k).copied()) {
        (Some(p), Some(n)) if e - p <= n - e => OffTime::Late,
        (Some(_), None) => OffTime::Late,
        _ => OffTime::Early,
    }
}

/// True when a marker emitted at `e` lies in the T-wave window of the last of the sorted
/// `beats` at or before it: more than [`T_WAVE_FROM_MS`] after that beat's R and at most its QT
/// after it (rule 6; [`T_WAVE_QTC_S`]).
pub fn in_t_wave_window(beats: &[u64], e: u64, fs: f64) -> bool {
    let k = beats.partition_point(|&r| r <= e);
    let Some(i) = k.checked_sub(1) else {
        return false;
    };
    let r = beats[i];
    let rr = match (i.checked_sub(1).map(|j| beats[j]), beats.get(i + 1)) {
        (Some(before), _) => r - before,
        (None, Some(&next)) => next - r,
        (None, None) => return false,
    };
    let rr_s = (rr as f64 / fs).clamp(T_WAVE_RR_S.0, T_WAVE_RR_S.1);
    let qt_s = T_WAVE_QTC_S * rr_s.sqrt();
    let after = (e - r) as f64;
    1000.0 * after > T_WAVE_FROM_MS * fs && after <= qt_s * fs
}

/// Markers emitted inside the suspended (VF/VFL) spans of `reference`: the VF markers of a
/// record without reference beats (vfdb), whose other sync figures are not defined.
pub fn vf_markers(reference: &[Annotation], markers: &[Detection]) -> u64 {
    count_inside(&suspended_spans(reference), markers)
}

fn count_inside(spans: &Spans, markers: &[Detection]) -> u64 {
    markers.iter().filter(|m| spans.contains(m.emitted)).count() as u64
}

/// Score one record's sync markers against its reference annotations (rules 1–7; rule 8 is
/// not tested: see [`score_record_explained`]).
pub fn score_record(reference: &[Annotation], markers: &[Detection], fs: f64) -> SyncScore {
    score_record_explained(reference, markers, &[], false, fs)
}

/// Why one beat went unmarked (rule 8).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Cause {
    Unavailable(String),
    Withheld(String),
    MarkerOffTime,
    NoCandidate,
}

/// Why the beat at `r` went unmarked (rule 8). `gate` is sorted by `emitted`; `scored` are the
/// scored markers' `emitted`, sorted.
fn miss_cause(r: u64, gate: &[GateNote], gate_known: bool, scored: &[u64], fs: f64) -> Cause {
    let reach = (EXPLAIN_MS * fs / 1000.0) as u64;
    if gate_known {
        let state = gate[..gate.partition_point(|g| g.emitted <= r)]
            .iter()
            .rev()
            .find_map(|g| match &g.what {
                GateReport::Available => Some(None),
                GateReport::Unavailable(reason) => Some(Some(reason.as_str())),
                GateReport::Withheld(_) => None,
            })
            .unwrap_or(Some("no_reliable_r"));
        if let Some(reason) = state {
            return Cause::Unavailable(reason.to_string());
        }
    }
    let (lo, hi) = (r.saturating_sub(reach), r + reach);
    let from = gate.partition_point(|g| g.emitted < lo);
    let withheld = gate[from..]
        .iter()
        .take_while(|g| g.emitted <= hi)
        .filter_map(|g| match &g.what {
            GateReport::Withheld(reason) => Some((g.emitted.abs_diff(r), reason)),
            _ => None,
        })
        .min_by_key(|(d, _)| *d);
    if let Some((_, reason)) = withheld {
        return Cause::Withheld(reason.clone());
    }
    let k = scored.partition_point(|&e| e < lo);
    if scored.get(k).is_some_and(|&e| e <= hi) {
        return Cause::MarkerOffTime;
    }
    Cause::NoCandidate
}

/// Score one record's sync markers against its reference annotations, and tell why each
/// unmarked beat went unmarked (rule 8) from the gate's reports `gate` (`sync_state` and
/// `sync_withheld` events; `gate_known`: whether the states are known at all).
pub fn score_record_explained(
    reference: &[Annotation],
    markers: &[Detection],
    gate: &[GateNote],
    gate_known: bool,
    fs: f64,
) -> SyncScore {
    let mut gate = gate.to_vec();
    gate.sort_by_key(|g| g.emitted);
    let suspended = suspended_spans(reference);
    let start = SYNC_START_S * fs;
    let mut beats: Vec<u64> = reference
        .iter()
        .filter(|a| a.is_qrs() && a.sample as f64 >= start && !suspended.contains(a.sample))
        .map(|a| a.sample)
        .collect();
    beats.sort_unstable();
    let vf_markers = count_inside(&suspended, markers);
    let mut scored: Vec<u64> = markers
        .iter()
        .map(|m| m.emitted)
        .filter(|&e| e as f64 >= start && !suspended.contains(e))
        .collect();
    scored.sort_unstable();
    let assignment = assign_markers(&beats, &scored, fs);
    let mut assigned = vec![false; scored.len()];
    let mut latencies_ms = Vec::new();
    let mut misses = MissCauses::default();
    for (&r, m) in beats.iter().zip(&assignment) {
        if let Some(j) = *m {
            assigned[j] = true;
            latencies_ms.push((scored[j] as f64 - r as f64) * 1000.0 / fs);
            continue;
        }
        match miss_cause(r, &gate, gate_known, &scored, fs) {
            Cause::Unavailable(reason) => *misses.unavailable.entry(reason).or_default() += 1,
            Cause::Withheld(reason) => *misses.withheld.entry(reason).or_default() += 1,
            Cause::MarkerOffTime => misses.marker_off_time += 1,
            Cause::NoCandidate => misses.no_candidate += 1,
        }
    }
    let (mut late, mut early, mut duplicate, mut t_wave) = (0, 0, 0, 0);
    for (j, &e) in scored.iter().enumerate() {
        if assigned[j] {
            continue;
        }
        match classify_off_time(&beats, e, fs) {
            OffTime::Duplicate => {
                duplicate += 1;
                continue;
            }
            OffTime::Late => late += 1,
            OffTime::Early => early += 1,
        }
        t_wave += u64::from(in_t_wave_window(&beats, e, fs));
    }
    let marked = latencies_ms.len() as u64;
    SyncScore {
        beats: beats.len() as u64,
        marked,
        markers: scored.len() as u64,
        off_time: scored.len() as u64 - marked,
        late,
        early,
        duplicate,
        t_wave,
        vf_markers,
        latencies_ms,
        misses,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::annotation::{NORMAL, RHYTHM, VF_OFF, VF_ON};

    const FS: f64 = 1000.0; // 1 sample = 1 ms; scoring starts at sample 10 000

    fn beats(samples: &[u64]) -> Vec<Annotation> {
        samples
            .iter()
            .map(|&s| Annotation::new(s, NORMAL))
            .collect()
    }

    fn markers(emitted: &[u64]) -> Vec<Detection> {
        emitted
            .iter()
            .map(|&e| Detection {
                sample: e,
                emitted: e,
            })
            .collect()
    }

    #[test]
    fn window_edges_are_inclusive_at_1000_hz() {
        assert!(is_on_time(20_000, 19_950, FS));
        assert!(!is_on_time(20_000, 19_949, FS));
        assert!(is_on_time(20_000, 20_060, FS));
        assert!(!is_on_time(20_000, 20_061, FS));
    }

    #[test]
    fn window_edges_at_360_hz_are_not_rounded() {
        // 50 ms = 18 samples exactly; 60 ms = 21.6 samples, so +21 is on time and +22 is not.
        assert!(is_on_time(36_000, 35_982, 360.0));
        assert!(!is_on_time(36_000, 35_981, 360.0));
        assert!(is_on_time(36_000, 36_021, 360.0));
        assert!(!is_on_time(36_000, 36_022, 360.0));
    }

    #[test]
    fn each_beat_takes_the_first_on_time_marker() {
        // Beat 20 000 with markers at −40 ms and −10 ms: the first one marks it (latency −40),
        // the second is a duplicate, i.e. off time.
        let s = score_record(&beats(&[20_000]), &markers(&[19_960, 19_990]), FS);
        assert_eq!((s.beats, s.marked, s.markers, s.off_time), (1, 1, 2, 1));
        assert_eq!((s.duplicate, s.late, s.early), (1, 0, 0));
        assert_eq!(s.latencies_ms, vec![-40.0]);
        assert_eq!(s.off_time_pct(), Some(50.0));
    }

    #[test]
    fn a_marker_on_time_for_two_beats_goes_to_the_earlier_one() {
        // Beats 80 ms apart: 20 050 is on time for both (+50 / −30) and goes to 20 000;
        // 20 100 is on time only for 20 080 (+20) and marks it.
        let anns = beats(&[20_000, 20_080]);
        let s = score_record(&anns, &markers(&[20_050, 20_100]), FS);
        assert_eq!((s.beats, s.marked, s.off_time), (2, 2, 0));
        assert_eq!(s.latencies_ms, vec![50.0, 20.0]);
        // With the shared marker alone the second beat stays unmarked: one marker, one beat.
        let s = score_record(&anns, &markers(&[20_050]), FS);
        assert_eq!((s.marked, s.off_time), (1, 0));
        assert_eq!(s.sync_se(), Some(50.0));
    }

    #[test]
    fn nothing_before_10_s_is_scored() {
        // Beat 9 999 and marker 9 990 are before 10 s: ignored. Beat 10 005 is scored; the
        // marker emitted at 9 995 is not a scored marker, so it cannot mark it.
        let anns = beats(&[9_999, 10_005, 11_000]);
        let s = score_record(&anns, &markers(&[9_990, 9_995, 11_010]), FS);
        assert_eq!((s.beats, s.marked, s.markers, s.off_time), (2, 1, 1, 0));
        assert_eq!(s.latencies_ms, vec![10.0]);
    }

    #[test]
    fn suspended_spans_hold_vf_markers_only() {
        // `[` 30 000 … `]` 40 000 and a (VFL segment 50 000 … 60 000.
        let mut anns = beats(&[20_000, 35_000, 40_020, 55_000, 61_000]);
        anns.push(Annotation::new(30_000, VF_ON));
        anns.push(Annotation::new(40_000, VF_OFF));
        let mut r = Annotation::new(50_000, RHYTHM);
        r.aux = Some("(VFL".into());
        anns.push(r);
        let mut r = Annotation::new(60_000, RHYTHM);
        r.aux = Some("(N".into());
        anns.push(r);
        anns.sort_by_key(|a| a.sample);
        // 35 010, 39 990 and 55 010 are emitted inside spans: VF markers. 39 990 would be on
        // time for 40 020 but marks nothing. 5 000 is before 10 s and outside spans: ignored.
        let m = markers(&[5_000, 20_010, 35_010, 39_990, 55_010, 61_030]);
        let s = score_record(&anns, &m, FS);
        assert_eq!(s.beats, 3); // 20 000, 40 020, 61 000
        assert_eq!(s.vf_markers, 3);
        assert_eq!((s.markers, s.marked, s.off_time), (2, 2, 0));
        assert_eq!(s.latencies_ms, vec![10.0, 30.0]);
    }

    #[test]
    fn off_time_markers_are_late_early_or_duplicate() {
        let b = [20_000u64, 21_000];
        assert_eq!(classify_off_time(&b, 20_300, FS), OffTime::Late); // T wave
        assert_eq!(classify_off_time(&b, 20_800, FS), OffTime::Early); // nearer the next beat
        assert_eq!(classify_off_time(&b, 20_500, FS), OffTime::Late); // tie goes to late
        assert_eq!(classify_off_time(&b, 15_000, FS), OffTime::Early); // before the first beat
        assert_eq!(classify_off_time(&b, 25_000, FS), OffTime::Late); // after the last beat
        assert_eq!(classify_off_time(&b, 20_960, FS), OffTime::Duplicate); // −40 ms of 21 000
        let s = score_record(
            &beats(&b),
            &markers(&[15_000, 20_010, 20_300, 20_800, 21_000, 21_020]),
            FS,
        );
        assert_eq!((s.marked, s.markers, s.off_time), (2, 6, 4));
        assert_eq!((s.late, s.early, s.duplicate), (1, 2, 1));
        // QT after an RR of 1 s: 450 ms, so 20 300 is in the T-wave window of 20 000.
        assert_eq!(s.t_wave, 1);
    }

    #[test]
    fn t_wave_window_runs_from_120_ms_to_bazetts_qt_after_the_beat_before() {
        // FS 1000: beats 1 s apart, then 0.49 s (QT 0.45·√0.49 = 315 ms after 21 490). The edges
        // are tested a sample inside and outside, clear of rounding in the square root.
        let b = [20_000u64, 21_000, 21_490];
        assert!(!in_t_wave_window(&b, 19_900, FS)); // before the first beat
        assert!(!in_t_wave_window(&b, 20_120, FS)); // late, but on a wide QRS
        assert!(in_t_wave_window(&b, 20_121, FS));
        assert!(in_t_wave_window(&b, 20_449, FS)); // √1 · 450 ms
        assert!(!in_t_wave_window(&b, 20_451, FS));
        assert!(in_t_wave_window(&b, 21_490 + 314, FS)); // RR of 0.49 s before 21 490
        assert!(!in_t_wave_window(&b, 21_490 + 316, FS));
        // The first beat takes the RR to the next one; a lone beat has none.
        assert!(in_t_wave_window(&[20_000, 20_640], 20_359, FS)); // 0.45·√0.64 = 360 ms
        assert!(!in_t_wave_window(&[20_000, 20_640], 20_361, FS));
        assert!(!in_t_wave_window(&[20_000], 20_100, FS));
        // RR clamped to 1.5 s: a 4-s pause keeps a QT of 0.45·√1.5 = 551 ms.
        assert!(in_t_wave_window(&[16_000, 20_000], 20_551, FS));
        assert!(!in_t_wave_window(&[16_000, 20_000], 20_552, FS));
        // Duplicates are not counted, late and early markers are.
        let s = score_record(&beats(&b), &markers(&[20_010, 20_040, 20_200, 20_900]), FS);
        assert_eq!((s.duplicate, s.late, s.early, s.t_wave), (1, 1, 1, 1));
    }

    #[test]
    fn unmarked_beats_are_explained_by_the_first_cause_that_holds() {
        use crate::eval::events::{GateNote, GateReport};
        let note = |emitted: u64, what: GateReport| GateNote { emitted, what };
        // Beats every second from 20 s; the gate is available from 19 s, unavailable (vf) at
        // 25.5–27.5 s.
        let b: Vec<u64> = (20..=29).map(|k| k * 1000).collect();
        let gate = vec![
            note(19_000, GateReport::Available),
            note(25_500, GateReport::Unavailable("vf".into())),
            note(27_500, GateReport::Available),
            // Withheld 20 ms after beat 21 000 (too fast) and 120 ms after 22 000 (late); a
            // withheld report 300 ms after 23 000 is too far to explain it.
            note(21_020, GateReport::Withheld("too_fast".into())),
            note(22_120, GateReport::Withheld("late".into())),
            note(23_300, GateReport::Withheld("late".into())),
        ];
        // 20 000 and 29 000 marked; a marker 100 ms late for 24 000; nothing near 23 000 or
        // 28 000. 26 000 and 27 000 fall in the VF call.
        let m = markers(&[20_010, 24_100, 29_020]);
        let s = score_record_explained(&beats(&b), &m, &gate, true, FS);
        assert_eq!((s.beats, s.marked), (10, 2));
        let causes: Vec<(String, u64)> = s.misses.entries();
        let expected = [
            ("unavailable:vf", 2),
            ("withheld:late", 1),
            ("withheld:too_fast", 1),
            ("marker_off_time", 1),
            ("no_candidate", 3),
        ];
        let expected: Vec<(String, u64)> =
            expected.iter().map(|(c, n)| (c.to_string(), *n)).collect();
        assert_eq!(causes, expected);
        // Before the gate's first report it is unavailable (no reliable R waves yet).
        let s = score_record_explained(&beats(&[15_000]), &[], &gate, true, FS);
        assert_eq!(s.misses.unavailable.get("no_reliable_r"), Some(&1));
        // Without the gate's states, no beat is put down to an unavailable gate.
        let s = score_record_explained(&beats(&b), &m, &gate, false, FS);
        assert!(s.misses.unavailable.is_empty());
        assert_eq!(s.misses.no_candidate, 5);
        // The plain scorer explains nothing beyond markers.
        assert_eq!(score_record(&beats(&b), &m, FS).misses.no_candidate, 7);
    }

    #[test]
    fn unsorted_input_is_sorted_first_and_scores_add_up() {
        let anns = beats(&[21_000, 20_000]);
        let s1 = score_record(&anns, &markers(&[21_010, 20_020]), FS);
        assert_eq!(s1.latencies_ms, vec![20.0, 10.0]);
        let mut total = SyncScore::default();
        total.add(&s1);
        total.add(&score_record(&anns, &markers(&[]), FS));
        assert_eq!((total.beats, total.marked, total.markers), (4, 2, 2));
        assert_eq!(total.sync_se(), Some(50.0));
        assert_eq!(SyncScore::default().sync_se(), None);
        assert_eq!(SyncScore::default().off_time_pct(), None);
    }
}
