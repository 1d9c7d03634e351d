//! What each mark on the strip means: detections and reference beats compared by the scoring
//! rules of `EVALUATION.md`, so a reader sees misses, false detections and late markers.

use crate::eval::beats::match_closest;
use crate::eval::spans::{suspended_spans, Spans};
use crate::eval::sync::in_t_wave_window;
use crate::io::annotation::{Annotation, VF_OFF, VF_ON};

/// Beat-matching tolerance of EC57, seconds.
pub(crate) const MATCH_TOLERANCE_S: f64 = 0.150;
/// A sync marker is on time when `ref - 50 ms <= emitted <= ref + 60 ms`.
pub(crate) const SYNC_EARLY_S: f64 = 0.050;
/// See [`SYNC_EARLY_S`].
pub(crate) const SYNC_LATE_S: f64 = 0.060;

/// How a detected beat compares with the reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DetectionMark {
    /// Matched to a reference beat within 150 ms.
    Matched,
    /// No reference beat within 150 ms: a false detection.
    False,
    /// Not compared: the record has no beat labels, or the beat lies in a suspended (VF) span.
    Unscored,
}

/// How a reference annotation compares with the detections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReferenceMark {
    /// A reference beat that was detected.
    Detected,
    /// A reference beat that no detection matched.
    Missed,
    /// A reference beat inside a suspended span (not scored).
    Unscored,
    /// Not a beat: rhythm change, noise, VF on/off, comment.
    NotBeat,
}

/// How a sync marker compares with the reference beats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MarkerMark {
    /// Within −50/+60 ms of a reference beat that had no marker yet.
    OnTime,
    /// Early, late, or a second marker for the same beat.
    OffTime,
    /// Off time and in the T-wave window of the beat before it (`eval::sync`, rule 6): where a
    /// shock can start VF.
    TWave,
    /// Issued inside a suspended (VF) span, where sync must be inhibited.
    InVf,
    /// Not compared (no beat labels).
    Unscored,
}

/// Reference QRS samples and the suspended spans of a record's annotations.
pub(crate) struct Reference {
    /// Sorted QRS samples; empty when the record has rhythm labels only.
    beats: Vec<u64>,
    /// The beats outside the suspended spans (the scored ones), sorted.
    scored: Vec<u64>,
    suspended: Spans,
}

impl Reference {
    /// The scoring view of a record's annotations.
    pub fn new(anns: &[Annotation]) -> Self {
        let mut beats: Vec<u64> = anns
            .iter()
            .filter(|a| a.is_qrs())
            .map(|a| a.sample)
            .collect();
        beats.sort_unstable();
        let suspended = suspended_spans(anns);
        let scored = beats
            .iter()
            .copied()
            .filter(|&b| !suspended.contains(b))
            .collect();
        Reference {
            beats,
            scored,
            suspended,
        }
    }

    /// True when the record labels its beats (detections and markers can be judged).
    pub fn has_beats(&self) -> bool {
        !self.beats.is_empty()
    }

    /// True when `sample` lies in a suspended span.
    pub fn suspended(&self, sample: u64) -> bool {
        self.suspended.contains(sample)
    }
}

/// Compare detections (sorted R-peak samples) with the reference annotations. Returns one mark
/// per detection and one per annotation, in input order.
pub(crate) fn mark_beats(
    detections: &[u64],
    anns: &[Annotation],
    reference: Option<&Reference>,
    sample_rate_hz: f64,
) -> (Vec<DetectionMark>, Vec<ReferenceMark>) {
    let Some(r) = reference.filter(|r| r.has_beats()) else {
        let refs = anns
            .iter()
            .map(|a| {
                if a.is_qrs() {
                    ReferenceMark::Unscored
                } else {
                    ReferenceMark::NotBeat
                }
            })
            .collect();
        return (vec![DetectionMark::Unscored; detections.len()], refs);
    };
    let scored_refs = &r.scored;
    let pairs = match_closest(scored_refs, detections, MATCH_TOLERANCE_S * sample_rate_hz);
    let mut det_marks: Vec<DetectionMark> = detections
        .iter()
        .map(|&d| {
            if r.suspended(d) {
                DetectionMark::Unscored
            } else {
                DetectionMark::False
            }
        })
        .collect();
    let mut ref_hit = vec![false; scored_refs.len()];
    for &(ri, di) in &pairs {
        det_marks[di] = DetectionMark::Matched;
        ref_hit[ri] = true;
    }
    let ref_marks = anns
        .iter()
        .map(|a| {
            if !a.is_qrs() {
                ReferenceMark::NotBeat
            } else if r.suspended(a.sample) {
                ReferenceMark::Unscored
            } else {
                match scored_refs.binary_search(&a.sample) {
                    Ok(i) if ref_hit[i] => ReferenceMark::Detected,
                    _ => ReferenceMark::Missed,
                }
            }
        })
        .collect();
    (det_marks, ref_marks)
}

/// Judge sync markers (their `emitted` samples, in order) by the timing rule of `EVALUATION.md`:
/// each reference beat takes the first on-time marker; every other marker is off time. Markers
/// inside suspended (VF) spans are flagged even when the record labels no beats.
pub(crate) fn mark_markers(
    emitted: &[u64],
    reference: Option<&Reference>,
    sample_rate_hz: f64,
) -> Vec<MarkerMark> {
    let Some(r) = reference else {
        return vec![MarkerMark::Unscored; emitted.len()];
    };
    if !r.has_beats() {
        return emitted
            .iter()
            .map(|&m| {
                if r.suspended(m) {
                    MarkerMark::InVf
                } else {
                    MarkerMark::Unscored
                }
            })
            .collect();
    }
    let early = SYNC_EARLY_S * sample_rate_hz;
    let late = SYNC_LATE_S * sample_rate_hz;
    let mut taken = vec![false; r.beats.len()];
    // True when `m` is on time for some scored beat (a marker that is not, is not a second
    // marker for a beat: those fall on the QRS).
    let on_time_for_some = |m: f64| {
        let k = r.scored.partition_point(|&b| (b as f64) < m - late);
        r.scored.get(k).is_some_and(|&b| b as f64 <= m + early)
    };
    emitted
        .iter()
        .map(|&m| {
            if r.suspended(m) {
                return MarkerMark::InVf;
            }
            let m = m as f64;
            // Reference beats with ref - early <= m <= ref + late, i.e. m - late <= ref <= m + early.
            let lo = r.beats.partition_point(|&b| (b as f64) < m - late);
            let hit = (lo..r.beats.len())
                .take_while(|&i| r.beats[i] as f64 <= m + early)
                .find(|&i| !taken[i] && !r.suspended(r.beats[i]));
            match hit {
                Some(i) => {
                    taken[i] = true;
                    MarkerMark::OnTime
                }
                // In the T wave of the scored beat before it.
                None if !on_time_for_some(m)
                    && in_t_wave_window(&r.scored, m as u64, sample_rate_hz) =>
                {
                    MarkerMark::TWave
                }
                None => MarkerMark::OffTime,
            }
        })
        .collect()
}

/// Reference rhythm names that call for a shock (the VF and VT categories of `EVALUATION.md`).
pub(crate) const SHOCKABLE_RHYTHMS: [&str; 4] = ["VF", "VFIB", "VFL", "VT"];

/// Spans `[start, end)` where the reference rhythm is VF or VT: rhythm segments named in
/// [`SHOCKABLE_RHYTHMS`] (each holds until the next rhythm annotation) and `[`..`]` episodes.
/// A span still open at the last annotation ends at `u64::MAX`.
pub(crate) fn reference_shockable_spans(anns: &[Annotation]) -> Vec<(u64, u64)> {
    let mut spans = Vec::new();
    let mut rhythm_open: Option<u64> = None;
    let mut vf_open: Option<u64> = None;
    for a in anns {
        if let Some(name) = a.rhythm() {
            if let Some(s) = rhythm_open.take() {
                spans.push((s, a.sample));
            }
            if SHOCKABLE_RHYTHMS.contains(&name) {
                rhythm_open = Some(a.sample);
            }
        }
        match a.code {
            VF_ON => {
                vf_open.get_or_insert(a.sample);
            }
            VF_OFF => {
                if let Some(s) = vf_open.take() {
                    spans.push((s, a.sample));
                }
            }
            _ => {}
        }
    }
    spans.extend(rhythm_open.map(|s| (s, u64::MAX)));
    spans.extend(vf_open.map(|s| (s, u64::MAX)));
    spans.sort_unstable();
    spans
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::annotation::{Annotation, NORMAL, RHYTHM, VF_OFF, VF_ON};

    fn anns() -> Vec<Annotation> {
        let mut v = vec![
            Annotation::new(1000, NORMAL),
            Annotation::new(2000, NORMAL),
            Annotation::new(3000, NORMAL),
            Annotation::new(3500, VF_ON),
            Annotation::new(3600, 5),
            Annotation::new(4000, VF_OFF),
            Annotation::new(5000, NORMAL),
            Annotation::new(5500, RHYTHM),
        ];
        v[7].aux = Some("(N".into());
        v
    }

    #[test]
    fn misses_false_and_suspended_beats_are_told_apart() {
        let a = anns();
        let r = Some(Reference::new(&a));
        // fs 1000 Hz: tolerance 150 samples.
        let dets = [1010, 2200, 3050, 3700, 5140];
        let (d, rm) = mark_beats(&dets, &a, r.as_ref(), 1000.0);
        use DetectionMark as D;
        use ReferenceMark as R;
        assert_eq!(
            d,
            [D::Matched, D::False, D::Matched, D::Unscored, D::Matched]
        );
        assert_eq!(
            rm,
            [
                R::Detected,
                R::Missed,
                R::Detected,
                R::NotBeat,
                R::Unscored,
                R::NotBeat,
                R::Detected,
                R::NotBeat
            ]
        );
    }

    #[test]
    fn without_beat_labels_nothing_is_judged() {
        let mut rhythm_only = vec![Annotation::new(100, RHYTHM), Annotation::new(200, RHYTHM)];
        rhythm_only[0].aux = Some("(VF".into());
        rhythm_only[1].aux = Some("(N".into());
        let r = Reference::new(&rhythm_only);
        assert!(!r.has_beats());
        let (d, rm) = mark_beats(&[10, 20], &rhythm_only, Some(&r), 250.0);
        assert_eq!(d, [DetectionMark::Unscored; 2]);
        assert_eq!(rm, [ReferenceMark::NotBeat; 2]);
        assert_eq!(mark_markers(&[5], None, 250.0), [MarkerMark::Unscored]);
        // Markers inside the labelled VF are flagged all the same.
        assert_eq!(
            mark_markers(&[50, 150, 250], Some(&r), 250.0),
            [MarkerMark::Unscored, MarkerMark::InVf, MarkerMark::Unscored]
        );
    }

    #[test]
    fn shockable_reference_spans() {
        let mut a = anns();
        let mut vt = Annotation::new(6000, RHYTHM);
        vt.aux = Some("(VT".into());
        a.push(vt);
        // [ at 3500 .. ] at 4000; (N at 5500 closes nothing; (VT at 6000 stays open.
        assert_eq!(
            reference_shockable_spans(&a),
            [(3500, 4000), (6000, u64::MAX)]
        );
    }

    #[test]
    fn markers_follow_the_sync_timing_rule() {
        let a = anns();
        let r = Some(Reference::new(&a));
        // 1000 Hz: on time when ref - 50 <= m <= ref + 60. The T-wave window of beat 2000
        // (RR 1 s) runs from 2120 to 2450; a second marker for a beat stays off time.
        let m = [1060, 1070, 1950, 2061, 2300, 2451, 3650, 4990];
        use MarkerMark as M;
        assert_eq!(
            mark_markers(&m, r.as_ref(), 1000.0),
            [
                M::OnTime,
                M::OffTime,
                M::OnTime,
                M::OffTime,
                M::TWave,
                M::OffTime,
                M::InVf,
                M::OnTime
            ]
        );
    }
}
