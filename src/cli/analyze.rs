//! `ecg-rhythm analyze`.

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use super::plot::{write_strip, RangeArgs};
use super::{load_config, read_recording, CliError, InputArgs};
use crate::engine::Engine;
use crate::event::{Decision, Event, RhythmClass};
use crate::io::annotation::{Annotation, NORMAL};
use crate::io::{jsonl, wfdb};
use crate::report::{
    advice_text, class_name, clock, decision_name, heart_rate, issue_name, quality_periods,
    rhythm_timeline, shock_advice, sync_periods, sync_reason_name, SyncPeriod,
    HEART_RATE_AVERAGE_BEATS,
};

/// Arguments of `analyze`.
#[derive(clap::Args, Debug)]
pub struct AnalyzeArgs {
    /// Record: WFDB record path (with or without .hea), .wav or .csv.
    pub record: PathBuf,
    #[command(flatten)]
    pub input: InputArgs,
    /// Print the event stream as JSON Lines instead of a summary.
    #[arg(long)]
    pub jsonl: bool,
    /// Write the detected beats as a WFDB annotation file.
    #[arg(long)]
    pub annotations_out: Option<PathBuf>,
    /// Also draw the rhythm strip as SVG (range and size: --from, --to, --row-seconds).
    #[arg(long)]
    pub plot: Option<PathBuf>,
    #[command(flatten)]
    pub range: RangeArgs,
}

/// Run `analyze`.
pub fn run(args: &AnalyzeArgs) -> Result<(), CliError> {
    let rec = read_recording(&args.record, &args.input)?;
    let config = load_config(args.input.config.as_deref(), rec.sample_rate_hz)?;
    let mut engine =
        Engine::new(config).map_err(|e| CliError(format!("{}: {e}", args.record.display())))?;
    let events = engine.analyze(&rec.samples_mv);
    if let Some(out) = &args.annotations_out {
        let anns: Vec<Annotation> = events
            .iter()
            .filter_map(|e| match e {
                Event::Beat(b) => Some(Annotation::new(b.sample, NORMAL)),
                _ => None,
            })
            .collect();
        wfdb::write_annotations(out, &anns)?;
    }
    if let Some(svg) = &args.plot {
        write_strip(&args.record, &rec, &events, &args.range, svg)?;
    }
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let res = if args.jsonl {
        jsonl::write_events(&mut out, &events)
    } else {
        let info = RecordInfo {
            name: &rec.name,
            lead_name: &rec.lead_name,
            sample_rate_hz: f64::from(rec.sample_rate_hz),
            samples: rec.samples_mv.len() as u64,
        };
        write_summary(&mut out, &info, &events)
    };
    res.and_then(|_| out.flush())
        .map_err(|e| CliError(format!("stdout: {e}")))
}

/// What the summary says about the recording itself.
struct RecordInfo<'a> {
    name: &'a str,
    lead_name: &'a str,
    sample_rate_hz: f64,
    samples: u64,
}

/// Longest list of periods printed in one section; the rest are counted.
const MAX_LISTED: usize = 40;

/// The `analyze` report: one labelled, aligned line per fact, then the rhythm timeline, the sync
/// gate's withheld periods and the signal-quality periods. Times are clock times from the start
/// of the record; advice and sync state are placed where they were issued (see
/// [`crate::report`]).
fn write_summary(
    out: &mut impl Write,
    rec: &RecordInfo<'_>,
    events: &[Event],
) -> std::io::Result<()> {
    let fs = rec.sample_rate_hz;
    let t = |s: u64| clock(s, fs);
    let lead = if rec.lead_name.is_empty() {
        "?"
    } else {
        rec.lead_name
    };
    writeln!(out, "record      {}  (lead {lead}, {fs} Hz)", rec.name)?;
    writeln!(
        out,
        "duration    {}  ({} samples)",
        t(rec.samples),
        rec.samples
    )?;

    let beats: Vec<u64> = events
        .iter()
        .filter_map(|e| match e {
            Event::Beat(b) => Some(b.sample),
            _ => None,
        })
        .collect();
    writeln!(out, "beats       {} detected", beats.len())?;
    match heart_rate(&beats, fs) {
        Some(hr) => writeln!(
            out,
            "heart rate  min {:.0} / mean {:.0} / max {:.0} bpm  (min/max of the {}-beat average)",
            hr.min_bpm, hr.mean_bpm, hr.max_bpm, HEART_RATE_AVERAGE_BEATS
        )?,
        None => writeln!(out, "heart rate  -  (fewer than two beats)")?,
    }

    let timeline = rhythm_timeline(events, rec.samples);
    let decisions: usize = timeline.iter().map(|s| s.decisions).sum();
    match shock_advice(events, &timeline) {
        Some(a) => writeln!(
            out,
            "shock       ADVISED  first at {} ({}, window {} - {}); {} episode{}, {} of {} decisions",
            t(a.first_emitted),
            class_name(a.class),
            t(a.first_window.0),
            t(a.first_window.1),
            a.episodes,
            if a.episodes == 1 { "" } else { "s" },
            a.decisions,
            decisions
        )?,
        None if decisions == 0 => {
            writeln!(out, "shock       no advice  (the engine issued no rhythm decision)")?
        }
        None => writeln!(out, "shock       not advised  (0 of {decisions} decisions shockable)")?,
    }

    let periods = sync_periods(events, rec.samples);
    let markers: usize = periods.iter().map(|p| p.markers).sum();
    let available: u64 = periods
        .iter()
        .filter(|p| p.available)
        .map(|p| p.until - p.from)
        .sum();
    let withheld: Vec<&SyncPeriod> = periods.iter().filter(|p| !p.available).collect();
    writeln!(
        out,
        "sync        {markers} markers; available {:.1}% of the time, withheld in {} period{}",
        100.0 * available as f64 / rec.samples.max(1) as f64,
        withheld.len(),
        if withheld.len() == 1 { "" } else { "s" }
    )?;

    let quality = quality_periods(events);
    if quality.is_empty() {
        writeln!(out, "quality     no poor-signal periods reported")?;
    } else {
        let bad: u64 = quality
            .iter()
            .map(|q| q.end.unwrap_or(rec.samples).saturating_sub(q.start))
            .sum();
        writeln!(
            out,
            "quality     {} poor-signal period{}, {} in total",
            quality.len(),
            if quality.len() == 1 { "" } else { "s" },
            t(bad)
        )?;
    }

    writeln!(out)?;
    if timeline.is_empty() {
        writeln!(out, "rhythm timeline: no decisions")?;
    } else {
        writeln!(
            out,
            "rhythm timeline (advice in force from the moment it was issued):"
        )?;
        let rows: Vec<[String; 6]> = timeline
            .iter()
            .map(|s| {
                let class = match (s.decision, s.reason) {
                    (Decision::Indeterminate, Some(r)) => {
                        format!("{} ({})", class_name(s.class), issue_name(r))
                    }
                    _ => class_shares(&s.classes, s.decisions),
                };
                let hr = s.rate.map_or("-".to_string(), |r| {
                    if r.max_bpm.round() == r.min_bpm.round() {
                        format!("{:.0}", r.mean_bpm)
                    } else {
                        format!("{:.0} ({:.0}-{:.0})", r.mean_bpm, r.min_bpm, r.max_bpm)
                    }
                });
                [
                    format!("{} - {}", t(s.from), t(s.until)),
                    decision_name(s.decision).to_string(),
                    advice_text(s.decision).to_string(),
                    class,
                    hr,
                    s.decisions.to_string(),
                ]
            })
            .collect();
        let header = ["when", "decision", "advice", "class", "HR bpm", "decisions"];
        write_table(out, &header, &rows)?;
    }

    if !withheld.is_empty() {
        writeln!(out)?;
        writeln!(out, "sync withheld:")?;
        let rows: Vec<[String; 2]> = withheld
            .iter()
            .map(|p| {
                [
                    format!("{} - {}", t(p.from), t(p.until)),
                    sync_reason_name(p.reason).to_string(),
                ]
            })
            .collect();
        write_table(out, &["when", "reason"], &rows)?;
    }

    if !quality.is_empty() {
        writeln!(out)?;
        writeln!(out, "signal quality:")?;
        let rows: Vec<[String; 2]> = quality
            .iter()
            .map(|q| {
                let end = q.end.map_or("(open)".to_string(), t);
                [
                    format!("{} - {end}", t(q.start)),
                    issue_name(q.issue).to_string(),
                ]
            })
            .collect();
        write_table(out, &["when", "issue"], &rows)?;
    }
    Ok(())
}

/// The classes of a segment with their shares of its decisions, most frequent first: `NSR`,
/// or `AF 70%, TACHY 30%` (at most three named, the rest as `other`).
fn class_shares(classes: &[(RhythmClass, usize)], decisions: usize) -> String {
    if classes.len() == 1 {
        return class_name(classes[0].0).to_string();
    }
    let pct = |n: usize| {
        let p = 100.0 * n as f64 / decisions.max(1) as f64;
        if p < 0.5 {
            "<1%".to_string()
        } else {
            format!("{p:.0}%")
        }
    };
    let mut parts: Vec<String> = classes
        .iter()
        .take(3)
        .map(|&(c, n)| format!("{} {}", class_name(c), pct(n)))
        .collect();
    let rest: usize = classes.iter().skip(3).map(|&(_, n)| n).sum();
    if rest > 0 {
        parts.push(format!("other {}", pct(rest)));
    }
    parts.join(", ")
}

/// Print rows under a header, columns left-aligned to their widest cell, at most
/// [`MAX_LISTED`] rows (the rest counted on one line).
fn write_table<const N: usize>(
    out: &mut impl Write,
    header: &[&str; N],
    rows: &[[String; N]],
) -> std::io::Result<()> {
    let mut width = header.map(|h| h.chars().count());
    for r in rows.iter().take(MAX_LISTED) {
        for (w, cell) in width.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::from(" ");
        for (cell, w) in cells.iter().zip(width) {
            s.push_str(&format!(" {cell:<w$} "));
        }
        s.trim_end().to_string()
    };
    writeln!(out, "{}", line(header.to_vec()))?;
    for r in rows.iter().take(MAX_LISTED) {
        writeln!(out, "{}", line(r.iter().map(String::as_str).collect()))?;
    }
    if rows.len() > MAX_LISTED {
        writeln!(
            out,
            "  ... and {} more (all events: --jsonl)",
            rows.len() - MAX_LISTED
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{
        BeatEvent, QualityEvent, QualityIssue, RhythmClass, RhythmEvent, SyncEvent, SyncStateEvent,
        SyncUnavailableReason,
    };

    const FS: f64 = 250.0;

    fn info(samples: u64) -> RecordInfo<'static> {
        RecordInfo {
            name: "t01",
            lead_name: "II",
            sample_rate_hz: FS,
            samples,
        }
    }

    fn summary(events: &[Event], samples: u64) -> String {
        let mut out = Vec::new();
        write_summary(&mut out, &info(samples), events).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn line<'a>(text: &'a str, label: &str) -> &'a str {
        text.lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("no line {label:?} in\n{text}"))
    }

    fn rhythm(emitted: u64, decision: Decision, class: RhythmClass, hr: Option<f32>) -> Event {
        Event::Rhythm(RhythmEvent {
            start: emitted - 2000,
            end: emitted,
            emitted,
            decision,
            score: 0.5,
            class,
            hr_bpm: hr,
            reason: None,
        })
    }

    /// 60 s: sinus at 75 bpm for 30 s, then VF with sync withheld, noisy for 4 s.
    fn episode() -> Vec<Event> {
        let mut ev = Vec::new();
        ev.push(Event::SyncState(SyncStateEvent {
            emitted: 800,
            available: true,
            reason: None,
        }));
        for k in 0..37u64 {
            let r = 100 + 200 * k;
            ev.push(Event::Beat(BeatEvent {
                sample: r,
                emitted: r + 50,
                rr_ms: None,
            }));
            if r > 800 {
                ev.push(Event::Sync(SyncEvent {
                    sample: r,
                    emitted: r + 10,
                }));
            }
        }
        for k in 0..6u64 {
            let e = 2500 + 1000 * k;
            ev.push(rhythm(
                e,
                Decision::Nonshockable,
                RhythmClass::Sinus,
                Some(75.0),
            ));
        }
        ev.push(Event::SyncState(SyncStateEvent {
            emitted: 7600,
            available: false,
            reason: Some(SyncUnavailableReason::Vf),
        }));
        for k in 0..7u64 {
            let e = 8500 + 1000 * k;
            ev.push(rhythm(e, Decision::Shockable, RhythmClass::Vf, None));
        }
        ev.push(Event::Quality(QualityEvent {
            start: 10_000,
            end: None,
            emitted: 10_250,
            issue: QualityIssue::Noise,
        }));
        ev.push(Event::Quality(QualityEvent {
            start: 10_000,
            end: Some(11_000),
            emitted: 11_100,
            issue: QualityIssue::Noise,
        }));
        ev
    }

    #[test]
    fn summary_tells_the_episode() {
        let text = summary(&episode(), 15_000);
        assert!(line(&text, "record").contains("t01"));
        assert!(line(&text, "duration").contains("1:00.0"));
        assert!(line(&text, "beats").contains("37 detected"));
        let hr = line(&text, "heart rate");
        assert!(hr.contains("min 75 / mean 75 / max 75"), "{hr}");
        let shock = line(&text, "shock");
        // First shockable decision emitted at sample 8500 = 34.0 s, window 26.0 - 34.0 s.
        assert!(
            shock.contains("ADVISED  first at 0:34.0 (VF, window 0:26.0 - 0:34.0)"),
            "{shock}"
        );
        assert!(shock.contains("1 episode, 7 of 13 decisions"), "{shock}");
        let sync = line(&text, "sync  ");
        // Markers for beats after sample 800: beats 4..=36.
        assert!(sync.contains("33 markers"), "{sync}");
        // Available from 800 to 7600 of 15000 samples.
        assert!(sync.contains("available 45.3%"), "{sync}");
        assert!(sync.contains("withheld in 2 periods"), "{sync}");
        assert!(line(&text, "quality").contains("1 poor-signal period, 0:04.0 in total"));
        // The timeline: two segments with their times and advice, aligned in columns.
        let nsr = line(&text, "  0:10.0 - 0:34.0");
        assert!(nsr.contains("non-shockable") && nsr.contains("NSR") && nsr.contains(" 75 "));
        let vf = line(&text, "  0:34.0 - 1:00.0");
        assert!(vf.contains("shock advised") && vf.contains("VF"));
        let header = line(&text, "  when");
        let col = header.find("decision").unwrap();
        assert_eq!(nsr.find("non-shockable"), Some(col));
        assert_eq!(vf.find("shockable"), Some(col));
        assert!(line(&text, "  0:30.4 - 1:00.0").contains("VF"));
        assert!(line(&text, "  0:40.0 - 0:44.0").contains("noise"));
    }

    #[test]
    fn summary_without_rhythm_or_beats_says_so() {
        let text = summary(&[], 1000);
        assert!(line(&text, "beats").contains("0 detected"));
        assert!(line(&text, "heart rate").contains("fewer than two beats"));
        assert!(line(&text, "shock").contains("no advice"));
        assert!(line(&text, "sync").contains("0 markers; available 0.0%"));
        assert!(text.contains("rhythm timeline: no decisions"));
        let only_nonshockable = [rhythm(
            2500,
            Decision::Nonshockable,
            RhythmClass::Sinus,
            None,
        )];
        let text = summary(&only_nonshockable, 5000);
        assert!(line(&text, "shock").contains("not advised  (0 of 1 decisions shockable)"));
    }

    #[test]
    fn long_lists_are_cut() {
        let ev: Vec<Event> = (0..(MAX_LISTED as u64 + 5))
            .map(|k| {
                let (decision, class) = if k % 2 == 0 {
                    (Decision::Nonshockable, RhythmClass::Sinus)
                } else {
                    (Decision::Shockable, RhythmClass::Vt)
                };
                rhythm(2500 + 100 * k, decision, class, None)
            })
            .collect();
        let text = summary(&ev, 20_000);
        assert!(text.contains("... and 5 more (all events: --jsonl)"));
    }

    #[test]
    fn class_shares_name_the_mix() {
        use RhythmClass::*;
        assert_eq!(class_shares(&[(Sinus, 4)], 4), "NSR");
        assert_eq!(
            class_shares(&[(Irregular, 7), (Tachy, 3)], 10),
            "AF 70%, TACHY 30%"
        );
        assert_eq!(
            class_shares(&[(Vf, 5), (Vt, 2), (Tachy, 1), (Sinus, 1), (Other, 1)], 10),
            "VF 50%, VT 20%, TACHY 10%, other 20%"
        );
        assert_eq!(class_shares(&[(Vf, 440), (Vt, 1)], 441), "VF 100%, VT <1%");
    }
}
