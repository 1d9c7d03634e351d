//! Shock-advice scoring by AHA categories (Kerber et al., *Circulation* 95:1677, 1997), as
//! stated in EVALUATION.md.
//!
//! # The rules, exactly as implemented
//!
//! 1. **Reference segments.** With [`ReferenceStyle::RhythmStrings`] each rhythm annotation
//!    `(NAME` starts a segment that holds until the next rhythm annotation (the last one until
//!    the end of the record); the part before the first rhythm annotation has no reference and
//!    is never scored. With [`ReferenceStyle::VfBracketsOnly`] (cudb, whose annotators marked
//!    only VF episodes) the whole record is one "other non-shockable" segment.
//!    In both styles every `[` … `]` episode then **overrides**: it becomes one VF segment, and
//!    the segments it overlaps are cut at `[` and at `]` (rhythm annotations inside the episode
//!    are overridden; what lies outside it keeps its name). A `[` left open runs to the end of
//!    the record; a `]` without `[` and a second `[` inside an open episode are ignored.
//!    Segments are half-open `[start, end)`; adjacent segments are never merged.
//! 2. **Categories** ([`Category::of`]): VF = `VF`, `VFIB`, `VFL`; VT = `VT`; NSR = `N`, `NSR`;
//!    ASYS = `ASYS`; excluded = `NOISE`; OTHER = every other name.
//! 3. **Scored windows.** A `rhythm` event with window `[start, end)` (`end > start`) is
//!    eligible when some segment holds it wholly (`seg.start ≤ start` and `end ≤ seg.end`),
//!    that segment is not excluded, and no `~` annotation at sample `t` lies within 2 s of the
//!    window: `start − 2 s·fs ≤ t ≤ end + 2 s·fs` (edges included).
//! 4. **Thinning.** Eligible windows are sorted by `start` (stable: events with equal `start`
//!    keep their emitted order) and a window is kept when `start ≥ end` of the last kept one.
//!    Eligible windows lie inside single segments, so thinning a record at once is the same as
//!    thinning each segment.
//! 5. **Counting.** For VF and VT the measure is sensitivity, shockable / windows; for NSR, OTHER
//!    and ASYS it is specificity, (nonshockable + indeterminate) / windows. Indeterminate
//!    decisions count as "no shock" and their rate, indeterminate / windows, is reported apart.
//!    The 90 % one-sided lower confidence limit is the exact Clopper–Pearson one
//!    ([`super::confidence`]).
//! 6. **Onset delay.** For every VF or VT segment with `end − start ≥ 10 s·fs` (an open last
//!    segment ends at the record's end), the delay is `(e − start) / fs` seconds where `e` is the
//!    smallest `emitted` of a `shockable` event with `start ≤ e < end` — any rhythm event, scored
//!    or not. An episode without one is *missed*.

use crate::event::Decision;
use crate::io::annotation::{Annotation, NOISE, VF_OFF, VF_ON};

/// A `~` annotation closer than this to a window excludes it, seconds.
pub const NOISE_MARGIN_S: f64 = 2.0;
/// Shortest VF/VT segment whose onset delay is measured, seconds.
pub const MIN_ONSET_SEGMENT_S: f64 = 10.0;
/// Confidence of the reported lower limit.
pub const LOWER_LIMIT_CONFIDENCE: f64 = 0.90;

/// AHA rhythm categories, plus the excluded one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// Ventricular fibrillation or flutter: shockable.
    Vf,
    /// Ventricular tachycardia: shockable.
    Vt,
    /// Normal sinus rhythm: not shockable.
    Nsr,
    /// Every other named rhythm: not shockable.
    Other,
    /// Asystole: not shockable.
    Asys,
    /// Noise segments: not scored.
    Excluded,
}

impl Category {
    /// The scored categories in report order.
    pub const SCORED: [Category; 5] = [
        Category::Vf,
        Category::Vt,
        Category::Nsr,
        Category::Other,
        Category::Asys,
    ];

    /// The category of a rhythm name (the aux string without its `(`).
    pub fn of(name: &str) -> Category {
        match name {
            "VF" | "VFIB" | "VFL" => Category::Vf,
            "VT" => Category::Vt,
            "N" | "NSR" => Category::Nsr,
            "ASYS" => Category::Asys,
            "NOISE" => Category::Excluded,
            _ => Category::Other,
        }
    }

    /// True for VF and VT, whose measure is sensitivity.
    pub fn is_shockable(self) -> bool {
        matches!(self, Category::Vf | Category::Vt)
    }

    /// Short name used in reports and JSON keys.
    pub fn label(self) -> &'static str {
        match self {
            Category::Vf => "VF",
            Category::Vt => "VT",
            Category::Nsr => "NSR",
            Category::Other => "OTHER",
            Category::Asys => "ASYS",
            Category::Excluded => "NOISE",
        }
    }

    fn index(self) -> Option<usize> {
        Category::SCORED.iter().position(|&c| c == self)
    }
}

/// How a record's reference rhythm is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReferenceStyle {
    /// Rhythm annotations `(NAME` define the segments; `[`…`]` overrides to VF.
    RhythmStrings,
    /// Only `[`…`]` VF episodes are marked; everything else is "other non-shockable" (cudb).
    VfBracketsOnly,
}

impl ReferenceStyle {
    /// The style a record's annotations call for: rhythm strings when it has any.
    pub fn detect(anns: &[Annotation]) -> Self {
        if anns.iter().any(|a| a.rhythm().is_some()) {
            ReferenceStyle::RhythmStrings
        } else {
            ReferenceStyle::VfBracketsOnly
        }
    }
}

/// One reference rhythm segment `[start, end)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    /// First sample.
    pub start: u64,
    /// One past the last sample.
    pub end: u64,
    /// Rhythm name (`VT`, `AFIB`, …); `[` for a bracketed VF episode, `OTHER` for the rest of a
    /// brackets-only record.
    pub name: String,
    /// Its category.
    pub category: Category,
}

/// `[`…`]` episodes of a record (sorted annotations), rule 1.
pub fn vf_episodes(anns: &[Annotation], record_len: u64) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let mut open: Option<u64> = None;
    for a in anns {
        match a.code {
            VF_ON => {
                open.get_or_insert(a.sample);
            }
            VF_OFF => {
                if let Some(s) = open.take() {
                    out.push((s, a.sample));
                }
            }
            _ => {}
        }
    }
    if let Some(s) = open {
        out.push((s, record_len));
    }
    out.retain(|&(s, e)| e > s);
    out
}

/// The reference segments of a record, sorted by start (rule 1). `anns` must be sorted by sample;
/// `record_len` is the number of samples (`u64::MAX` when unknown).
pub fn reference_segments(
    anns: &[Annotation],
    style: ReferenceStyle,
    record_len: u64,
) -> Vec<Segment> {
    let mut base: Vec<Segment> = Vec::new();
    match style {
        ReferenceStyle::RhythmStrings => {
            let marks: Vec<(u64, &str)> = anns
                .iter()
                .filter_map(|a| a.rhythm().map(|n| (a.sample, n)))
                .collect();
            for (i, &(s, name)) in marks.iter().enumerate() {
                let e = marks.get(i + 1).map_or(record_len, |m| m.0);
                base.push(Segment {
                    start: s,
                    end: e,
                    name: name.to_string(),
                    category: Category::of(name),
                });
            }
        }
        ReferenceStyle::VfBracketsOnly => base.push(Segment {
            start: 0,
            end: record_len,
            name: "OTHER".into(),
            category: Category::Other,
        }),
    }
    let episodes = vf_episodes(anns, record_len);
    let mut out: Vec<Segment> = Vec::new();
    for seg in base {
        // Cut `seg` by every episode it overlaps.
        let mut from = seg.start;
        for &(es, ee) in episodes
            .iter()
            .filter(|&&(es, ee)| es < seg.end && ee > seg.start)
        {
            if es > from {
                out.push(Segment {
                    start: from,
                    end: es,
                    ..seg.clone()
                });
            }
            from = from.max(ee);
        }
        if from < seg.end {
            out.push(Segment { start: from, ..seg });
        }
    }
    for (s, e) in episodes {
        out.push(Segment {
            start: s,
            end: e,
            name: "[".into(),
            category: Category::Vf,
        });
    }
    out.retain(|s| s.end > s.start);
    out.sort_by_key(|s| s.start);
    out
}

/// A rhythm decision to score.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Advice {
    /// First sample of the window.
    pub start: u64,
    /// One past the last sample of the window.
    pub end: u64,
    /// Index at which the decision was issued.
    pub emitted: u64,
    /// The decision.
    pub decision: Decision,
}

/// The segment holding `[start, end)` wholly, if any (segments sorted and disjoint).
pub fn holding_segment(segments: &[Segment], start: u64, end: u64) -> Option<usize> {
    let i = segments
        .partition_point(|s| s.start <= start)
        .checked_sub(1)?;
    let s = &segments[i];
    (end <= s.end && start >= s.start).then_some(i)
}

/// True when a `~` annotation (sorted samples) lies within 2 s of `[start, end)` (rule 3).
pub fn noise_near(noise: &[u64], start: u64, end: u64, fs: f64) -> bool {
    let margin = NOISE_MARGIN_S * fs;
    let i = noise.partition_point(|&t| (t as f64) < start as f64 - margin);
    noise
        .get(i)
        .is_some_and(|&t| t as f64 <= end as f64 + margin)
}

/// Eligible windows (rule 3) thinned to non-overlapping ones (rule 4): `(segment index, advice)`.
pub fn scored_windows(
    segments: &[Segment],
    noise: &[u64],
    advice: &[Advice],
    fs: f64,
) -> Vec<(usize, Advice)> {
    let mut eligible: Vec<(usize, Advice)> = advice
        .iter()
        .filter(|a| a.end > a.start && !noise_near(noise, a.start, a.end, fs))
        .filter_map(|a| {
            let i = holding_segment(segments, a.start, a.end)?;
            (segments[i].category != Category::Excluded).then_some((i, *a))
        })
        .collect();
    eligible.sort_by_key(|(_, a)| a.start);
    let mut kept: Vec<(usize, Advice)> = Vec::new();
    for w in eligible {
        let free = match kept.last() {
            None => true,
            Some((_, k)) => w.1.start >= k.end,
        };
        if free {
            kept.push(w);
        }
    }
    kept
}

/// Window counts of one category.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CategoryCounts {
    /// Scored windows.
    pub windows: u64,
    /// Windows advised a shock.
    pub shockable: u64,
    /// Windows advised no shock.
    pub nonshockable: u64,
    /// Windows judged indeterminate (counted as no shock).
    pub indeterminate: u64,
}

impl CategoryCounts {
    /// Correct decisions for `category`: shockable ones for VF/VT, the others otherwise.
    pub fn correct(&self, category: Category) -> u64 {
        if category.is_shockable() {
            self.shockable
        } else {
            self.nonshockable + self.indeterminate
        }
    }
    /// Se (VF/VT) or Sp (others), percent.
    pub fn correct_pct(&self, category: Category) -> Option<f64> {
        (self.windows > 0).then(|| 100.0 * self.correct(category) as f64 / self.windows as f64)
    }
    /// Indeterminate / windows, percent.
    pub fn indeterminate_pct(&self) -> Option<f64> {
        (self.windows > 0).then(|| 100.0 * self.indeterminate as f64 / self.windows as f64)
    }
    /// 90 % one-sided lower confidence limit of the correct proportion, percent.
    pub fn lower_limit_pct(&self, category: Category) -> Option<f64> {
        super::confidence::lower_confidence_limit(
            self.correct(category),
            self.windows,
            LOWER_LIMIT_CONFIDENCE,
        )
        .map(|p| 100.0 * p)
    }
    fn add(&mut self, o: &CategoryCounts) {
        self.windows += o.windows;
        self.shockable += o.shockable;
        self.nonshockable += o.nonshockable;
        self.indeterminate += o.indeterminate;
    }
}

/// A VF or VT segment long enough for the onset delay (rule 6).
#[derive(Clone, Debug, PartialEq)]
pub struct Episode {
    /// Record name (filled in by the caller; empty from [`score_record`]).
    pub record: String,
    /// VF or VT.
    pub category: Category,
    /// First sample of the segment.
    pub start: u64,
    /// One past its last sample.
    pub end: u64,
    /// Sample rate, Hz.
    pub fs: f64,
    /// Seconds from the segment's start to the first shockable decision emitted inside it;
    /// `None` when missed.
    pub delay_s: Option<f64>,
}

/// Rhythm scores of one record (or of many, added up).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RhythmScore {
    /// Counts per category, in the order of [`Category::SCORED`].
    pub counts: [CategoryCounts; 5],
    /// VF/VT episodes of at least 10 s.
    pub episodes: Vec<Episode>,
}

impl RhythmScore {
    /// Counts of one scored category (`None` for the excluded one).
    pub fn get(&self, c: Category) -> Option<&CategoryCounts> {
        c.index().map(|i| &self.counts[i])
    }
    /// Onset delays of the episodes that were not missed, seconds.
    pub fn onset_delays_s(&self) -> Vec<f64> {
        self.episodes.iter().filter_map(|e| e.delay_s).collect()
    }
    /// Episodes without any shockable decision.
    pub fn missed(&self) -> impl Iterator<Item = &Episode> {
        self.episodes.iter().filter(|e| e.delay_s.is_none())
    }
    /// Add another record's scores.
    pub fn add(&mut self, o: &RhythmScore) {
        for (a, b) in self.counts.iter_mut().zip(&o.counts) {
            a.add(b);
        }
        self.episodes.extend(o.episodes.iter().cloned());
    }
}

/// Score one record's rhythm decisions. `anns` are its reference annotations, `record_len` its
/// number of samples (`u64::MAX` if unknown).
pub fn score_record(
    anns: &[Annotation],
    style: ReferenceStyle,
    record_len: u64,
    advice: &[Advice],
    fs: f64,
) -> RhythmScore {
    let mut sorted = anns.to_vec();
    sorted.sort_by_key(|a| a.sample);
    let segments = reference_segments(&sorted, style, record_len);
    let noise: Vec<u64> = sorted
        .iter()
        .filter(|a| a.code == NOISE)
        .map(|a| a.sample)
        .collect();
    let mut score = RhythmScore::default();
    for (i, a) in scored_windows(&segments, &noise, advice, fs) {
        if let Some(k) = segments[i].category.index() {
            let c = &mut score.counts[k];
            c.windows += 1;
            match a.decision {
                Decision::Shockable => c.shockable += 1,
                Decision::Indeterminate => c.indeterminate += 1,
                // `Nonshockable`, and any advice a later engine adds that is not a shock.
                _ => c.nonshockable += 1,
            }
        }
    }
    let min_len = MIN_ONSET_SEGMENT_S * fs;
    for seg in segments.iter().filter(|s| s.category.is_shockable()) {
        let end = seg.end.min(record_len);
        if (end.saturating_sub(seg.start) as f64) < min_len {
            continue;
        }
        let first = advice
            .iter()
            .filter(|a| {
                a.decision == Decision::Shockable && a.emitted >= seg.start && a.emitted < end
            })
            .map(|a| a.emitted)
            .min();
        score.episodes.push(Episode {
            record: String::new(),
            category: seg.category,
            start: seg.start,
            end,
            fs,
            delay_s: first.map(|e| (e - seg.start) as f64 / fs),
        });
    }
    score
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::annotation::RHYTHM;

    const FS: f64 = 100.0; // 2 s = 200 samples, 10 s = 1 000 samples

    fn rhythm(sample: u64, name: &str) -> Annotation {
        let mut a = Annotation::new(sample, RHYTHM);
        a.aux = Some(format!("({name}\0"));
        a
    }

    fn adv(start: u64, end: u64, emitted: u64, decision: Decision) -> Advice {
        Advice {
            start,
            end,
            emitted,
            decision,
        }
    }

    fn seg(start: u64, end: u64, name: &str, category: Category) -> Segment {
        Segment {
            start,
            end,
            name: name.into(),
            category,
        }
    }

    #[test]
    fn category_names() {
        for (n, c) in [
            ("VF", Category::Vf),
            ("VFIB", Category::Vf),
            ("VFL", Category::Vf),
            ("VT", Category::Vt),
            ("N", Category::Nsr),
            ("NSR", Category::Nsr),
            ("ASYS", Category::Asys),
            ("NOISE", Category::Excluded),
            ("AFIB", Category::Other),
            ("SVTA", Category::Other),
            ("B", Category::Other),
        ] {
            assert_eq!(Category::of(n), c, "{n}");
        }
    }

    #[test]
    fn brackets_override_rhythm_strings() {
        let anns = vec![
            rhythm(0, "N"),
            rhythm(1_000, "VT"),
            rhythm(3_000, "N"),
            Annotation::new(5_000, VF_ON),
            rhythm(5_100, "VFL"), // inside the episode: overridden
            Annotation::new(7_000, VF_OFF),
            rhythm(8_000, "AFIB"),
        ];
        assert_eq!(ReferenceStyle::detect(&anns), ReferenceStyle::RhythmStrings);
        let s = reference_segments(&anns, ReferenceStyle::RhythmStrings, 10_000);
        assert_eq!(
            s,
            vec![
                seg(0, 1_000, "N", Category::Nsr),
                seg(1_000, 3_000, "VT", Category::Vt),
                seg(3_000, 5_000, "N", Category::Nsr),
                seg(5_000, 7_000, "[", Category::Vf),
                seg(7_000, 8_000, "VFL", Category::Vf),
                seg(8_000, 10_000, "AFIB", Category::Other),
            ]
        );
    }

    #[test]
    fn cudb_style_episodes_and_the_rest_other() {
        let anns = vec![
            Annotation::new(500, VF_OFF), // `]` without `[`: ignored
            Annotation::new(2_000, VF_ON),
            Annotation::new(3_000, VF_ON), // second `[` inside the episode: ignored
            Annotation::new(4_000, VF_OFF),
            Annotation::new(9_000, VF_ON), // open: VF to the end
        ];
        assert_eq!(
            ReferenceStyle::detect(&anns),
            ReferenceStyle::VfBracketsOnly
        );
        let s = reference_segments(&anns, ReferenceStyle::VfBracketsOnly, 10_000);
        assert_eq!(
            s,
            vec![
                seg(0, 2_000, "OTHER", Category::Other),
                seg(2_000, 4_000, "[", Category::Vf),
                seg(4_000, 9_000, "OTHER", Category::Other),
                seg(9_000, 10_000, "[", Category::Vf),
            ]
        );
    }

    #[test]
    fn nothing_before_the_first_rhythm_annotation() {
        let anns = vec![rhythm(1_000, "N")];
        let s = reference_segments(&anns, ReferenceStyle::RhythmStrings, 5_000);
        assert_eq!(s, vec![seg(1_000, 5_000, "N", Category::Nsr)]);
        assert_eq!(holding_segment(&s, 0, 800), None);
    }

    #[test]
    fn window_must_lie_wholly_in_one_segment() {
        let s = vec![
            seg(0, 1_000, "N", Category::Nsr),
            seg(1_000, 3_000, "VT", Category::Vt),
        ];
        assert_eq!(holding_segment(&s, 1_000, 1_800), Some(1));
        assert_eq!(holding_segment(&s, 1_200, 3_000), Some(1)); // end == segment end
        assert_eq!(holding_segment(&s, 2_500, 3_001), None);
        assert_eq!(holding_segment(&s, 999, 1_500), None);
        assert_eq!(holding_segment(&s, 200, 1_000), Some(0));
    }

    #[test]
    fn noise_annotations_within_2_s_exclude() {
        let noise = [5_000u64];
        assert!(noise_near(&noise, 5_200, 6_000, FS)); // 2 s before start: excluded
        assert!(!noise_near(&noise, 5_201, 6_000, FS));
        assert!(noise_near(&noise, 4_000, 4_800, FS)); // 2 s after end: excluded
        assert!(!noise_near(&noise, 4_000, 4_799, FS));
        assert!(noise_near(&noise, 4_500, 5_500, FS)); // inside
        assert!(!noise_near(&[], 0, 10, FS));
    }

    #[test]
    fn thinning_keeps_non_overlapping_windows_after_filtering() {
        let s = vec![
            seg(0, 1_000, "N", Category::Nsr),
            seg(1_000, 3_000, "N", Category::Nsr),
        ];
        let n = Decision::Nonshockable;
        let w = [
            adv(0, 800, 800, n),         // kept
            adv(100, 900, 900, n),       // overlaps the kept one
            adv(500, 1_300, 1_300, n),   // across the boundary: not eligible, blocks nothing
            adv(1_000, 1_800, 1_800, n), // kept
            adv(1_050, 1_850, 1_850, n),
            adv(1_800, 2_600, 2_600, n), // starts at the last kept end: kept
            adv(2_500, 3_300, 3_300, n), // beyond the segment
        ];
        let kept: Vec<u64> = scored_windows(&s, &[], &w, FS)
            .iter()
            .map(|(_, a)| a.start)
            .collect();
        assert_eq!(kept, vec![0, 1_000, 1_800]);
        // Order of the input does not matter.
        let mut rev = w.to_vec();
        rev.reverse();
        let kept2: Vec<u64> = scored_windows(&s, &[], &rev, FS)
            .iter()
            .map(|(_, a)| a.start)
            .collect();
        assert_eq!(kept2, kept);
    }

    #[test]
    fn counts_se_sp_and_indeterminate() {
        use Decision::*;
        let anns = vec![
            rhythm(0, "VF"),
            rhythm(4_000, "N"),
            rhythm(7_000, "NOISE"),
            rhythm(8_000, "ASYS"),
        ];
        let w = [
            adv(0, 800, 800, Shockable),
            adv(800, 1_600, 1_600, Shockable),
            adv(1_600, 2_400, 2_400, Indeterminate),
            adv(2_400, 3_200, 3_200, Nonshockable),
            adv(4_000, 4_800, 4_800, Nonshockable),
            adv(4_800, 5_600, 5_600, Indeterminate),
            adv(5_600, 6_400, 6_400, Shockable),
            adv(7_000, 7_800, 7_800, Shockable), // NOISE segment: excluded
            adv(8_000, 8_800, 8_800, Indeterminate),
        ];
        let r = score_record(&anns, ReferenceStyle::RhythmStrings, 9_000, &w, FS);
        let vf = r.get(Category::Vf).unwrap();
        assert_eq!(
            (vf.windows, vf.shockable, vf.indeterminate, vf.nonshockable),
            (4, 2, 1, 1)
        );
        assert_eq!(vf.correct_pct(Category::Vf), Some(50.0));
        assert_eq!(vf.indeterminate_pct(), Some(25.0));
        let nsr = r.get(Category::Nsr).unwrap();
        assert_eq!(nsr.windows, 3);
        assert!((nsr.correct_pct(Category::Nsr).unwrap() - 200.0 / 3.0).abs() < 1e-9);
        let asys = r.get(Category::Asys).unwrap();
        assert_eq!(asys.correct_pct(Category::Asys), Some(100.0)); // indeterminate = no shock
        assert_eq!(r.get(Category::Vt).unwrap().windows, 0);
        assert_eq!(r.get(Category::Vt).unwrap().correct_pct(Category::Vt), None);
        assert_eq!(r.get(Category::Excluded), None);
        // 90 % lower limit of 2/4: p with P(X ≥ 2 | 4, p) = 1 − (1−p)^4 − 4p(1−p)^3 = 0.1;
        // at p = 0.14256: 1 − 0.54051 − 0.35946 = 0.1000.
        let lcl = vf.lower_limit_pct(Category::Vf).unwrap();
        assert!((lcl - 14.256).abs() < 0.001, "{lcl}");
    }

    #[test]
    fn onset_delay_and_missed_episodes() {
        use Decision::*;
        let anns = vec![
            rhythm(0, "N"),
            rhythm(1_000, "VT"), // 20 s: an episode
            rhythm(3_000, "N"),
            rhythm(5_000, "VF"), // 9 s: too short
            rhythm(5_900, "N"),
            rhythm(6_000, "VFL"), // 20 s: missed
            rhythm(8_000, "N"),
            Annotation::new(9_000, VF_ON), // open episode to the end (10 s at 10 000)
        ];
        let w = [
            adv(100, 900, 900, Shockable), // before the episode: ignored
            adv(300, 1_100, 1_100, Nonshockable),
            adv(650, 1_450, 1_450, Shockable), // first shockable inside: 4.5 s
            adv(700, 1_500, 1_500, Shockable),
            adv(5_000, 5_800, 5_850, Shockable),
            adv(7_200, 8_000, 8_000, Shockable), // emitted at the end: outside
            adv(9_200, 10_000, 9_990, Shockable), // 9.9 s into the open episode
        ];
        let r = score_record(&anns, ReferenceStyle::RhythmStrings, 10_000, &w, FS);
        let got: Vec<(Category, u64, Option<f64>)> = r
            .episodes
            .iter()
            .map(|e| (e.category, e.start, e.delay_s))
            .collect();
        assert_eq!(
            got,
            vec![
                (Category::Vt, 1_000, Some(4.5)),
                (Category::Vf, 6_000, None),
                (Category::Vf, 9_000, Some(9.9)),
            ]
        );
        assert_eq!(r.missed().count(), 1);
        assert_eq!(r.onset_delays_s(), vec![4.5, 9.9]);
        let mut total = RhythmScore::default();
        total.add(&r);
        total.add(&r);
        assert_eq!(total.episodes.len(), 6);
    }
}
