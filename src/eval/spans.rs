//! Which parts of a record are scored.
//!
//! EVALUATION.md: beats and sync markers are not scored inside *suspended spans* — between `[`
//! and `]` annotations, and inside rhythm segments `(VF`, `(VFL`, `(VFIB` (from that rhythm
//! annotation to the next rhythm annotation). Spans are half-open `[start, end)`; a span left
//! open at the end of the annotations runs to the end of the record.

use crate::io::annotation::{Annotation, VF_OFF, VF_ON};

/// Rhythm names whose segments suspend beat scoring.
pub const SUSPENDING_RHYTHMS: [&str; 3] = ["VF", "VFL", "VFIB"];

/// Half-open sample spans, sorted and merged.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Spans(pub Vec<(u64, u64)>);

impl Spans {
    /// True when `sample` lies in one of the spans.
    pub fn contains(&self, sample: u64) -> bool {
        let i = self.0.partition_point(|&(s, _)| s <= sample);
        i > 0 && sample < self.0[i - 1].1
    }

    fn from_unsorted(mut v: Vec<(u64, u64)>) -> Self {
        v.retain(|&(s, e)| e > s);
        v.sort_unstable();
        let mut merged: Vec<(u64, u64)> = Vec::with_capacity(v.len());
        for (s, e) in v {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        Spans(merged)
    }
}

/// The suspended spans of a record's reference annotations (sorted by sample).
pub fn suspended_spans(anns: &[Annotation]) -> Spans {
    let mut v = Vec::new();
    let mut vf_open: Option<u64> = None;
    let mut rhythm_open: Option<u64> = None;
    for a in anns {
        match a.code {
            VF_ON => {
                vf_open.get_or_insert(a.sample);
            }
            VF_OFF => {
                if let Some(s) = vf_open.take() {
                    v.push((s, a.sample));
                }
            }
            _ => {}
        }
        if let Some(name) = a.rhythm() {
            if let Some(s) = rhythm_open.take() {
                v.push((s, a.sample));
            }
            if SUSPENDING_RHYTHMS.contains(&name) {
                rhythm_open = Some(a.sample);
            }
        }
    }
    for s in [vf_open, rhythm_open].into_iter().flatten() {
        v.push((s, u64::MAX));
    }
    Spans::from_unsorted(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::annotation::{NORMAL, RHYTHM};

    fn rhythm(sample: u64, name: &str) -> Annotation {
        let mut a = Annotation::new(sample, RHYTHM);
        a.aux = Some(format!("({name}"));
        a
    }

    #[test]
    fn vf_rhythm_segment_runs_to_next_rhythm() {
        let anns = vec![
            rhythm(0, "N"),
            Annotation::new(50, NORMAL),
            rhythm(100, "VFL"),
            Annotation::new(150, NORMAL),
            rhythm(200, "N"),
            rhythm(300, "VF"),
        ];
        let s = suspended_spans(&anns);
        assert_eq!(s.0, vec![(100, 200), (300, u64::MAX)]);
        assert!(!s.contains(99));
        assert!(s.contains(100));
        assert!(s.contains(199));
        assert!(!s.contains(200));
        assert!(s.contains(10_000));
    }

    #[test]
    fn brackets_suspend_and_merge() {
        let anns = vec![
            Annotation::new(10, VF_ON),
            rhythm(15, "VF"),
            Annotation::new(20, VF_OFF),
            rhythm(30, "N"),
            Annotation::new(40, VF_ON),
            Annotation::new(45, VF_OFF),
        ];
        assert_eq!(suspended_spans(&anns).0, vec![(10, 30), (40, 45)]);
    }
}
