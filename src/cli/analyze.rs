//! `ecg-rhythm analyze`.
//!
//! WFDB records are streamed ([`crate::io::stream::WfdbStream`]): samples are decoded a chunk at
//! a time, so a 24-hour Holter record never sits in memory. With `--jsonl` the events are also
//! written as they are issued, so memory stays flat whatever the record's length; the summary
//! keeps the events (tens of bytes each) for its report. WAV and CSV strips, and `--plot`
//! (which draws the samples), read the record whole. Several records are analysed in parallel,
//! one engine per record.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::plot::{write_strip, RangeArgs};
use super::{load_config, read_recording, CliError, InputArgs};
use crate::engine::Engine;
use crate::event::{Decision, Event, EventSink, RhythmClass, SyncWithheldReason};
use crate::io::annotation::{Annotation, NORMAL};
use crate::io::stream::WfdbStream;
use crate::io::{jsonl, wfdb};
use crate::report::{
    advice_text, class_name, clock, decision_name, heart_rate, issue_name, quality_periods,
    rhythm_timeline, shock_advice, sync_periods, sync_reason_name, SyncPeriod,
    HEART_RATE_AVERAGE_BEATS,
};

/// Samples decoded and pushed per chunk.
const CHUNK: usize = 8192;

/// Arguments of `analyze`.
#[derive(clap::Args, Debug)]
pub struct AnalyzeArgs {
    /// Records: WFDB record paths (with or without .hea), .wav or .csv files. Several records
    /// are analysed in parallel.
    #[arg(required = true)]
    pub records: Vec<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
    /// Print the event stream as JSON Lines instead of a summary (one record, or --out-dir).
    #[arg(long)]
    pub jsonl: bool,
    /// With --jsonl: write each record's events to DIR/RECORD.jsonl instead of stdout.
    #[arg(long, value_name = "DIR", requires = "jsonl")]
    pub out_dir: Option<PathBuf>,
    /// Write the detected beats as a WFDB annotation file (one record only).
    #[arg(long)]
    pub annotations_out: Option<PathBuf>,
    /// Also draw the rhythm strip as SVG (range and size: --from, --to, --row-seconds; one
    /// record only).
    #[arg(long)]
    pub plot: Option<PathBuf>,
    #[command(flatten)]
    pub range: RangeArgs,
    /// Worker threads for several records (default: one per core).
    #[arg(long)]
    pub jobs: Option<usize>,
}

/// Run `analyze`.
pub fn run(args: &AnalyzeArgs) -> Result<(), CliError> {
    match args.records.as_slice() {
        [one] => run_one(one, args),
        many => run_many(many, args),
    }
}

/// The record's identity and length, and the events kept for the summary.
#[derive(Debug, Default)]
struct Analysis {
    name: String,
    lead_name: String,
    sample_rate_hz: f32,
    samples: u64,
    /// Every event (when kept).
    events: Vec<Event>,
    /// Beat annotations (when asked for and the events are not kept).
    beats: Vec<Annotation>,
}

impl Analysis {
    fn info(&self) -> RecordInfo<'_> {
        RecordInfo {
            name: &self.name,
            lead_name: &self.lead_name,
            sample_rate_hz: f64::from(self.sample_rate_hz),
            samples: self.samples,
        }
    }

    fn annotations(&self) -> Vec<Annotation> {
        if self.events.is_empty() {
            return self.beats.clone();
        }
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Beat(b) => Some(Annotation::new(b.sample, NORMAL)),
                _ => None,
            })
            .collect()
    }
}

/// Where samples come from: a streamed WFDB lead or a strip read whole.
enum Source {
    Wfdb(Box<WfdbStream>),
    Whole(std::vec::IntoIter<f32>),
}

impl Source {
    fn read(&mut self, out: &mut [f32]) -> Result<usize, CliError> {
        match self {
            Source::Wfdb(s) => Ok(s.read(out)?),
            Source::Whole(it) => {
                let mut n = 0;
                for (slot, v) in out.iter_mut().zip(it) {
                    *slot = v;
                    n += 1;
                }
                Ok(n)
            }
        }
    }
}

/// Whether [`crate::io::open_recording`] would read `path` as a WFDB record.
fn is_wfdb(path: &Path) -> bool {
    match path.extension().and_then(|e| e.to_str()) {
        None => true,
        Some(e) => {
            matches!(e.to_ascii_lowercase().as_str(), "hea" | "dat" | "atr")
                || wfdb::record_file(path, "hea").exists()
        }
    }
}

/// Open a record: WFDB records as a stream, strips whole.
fn open(path: &Path, input: &InputArgs) -> Result<(Source, Analysis), CliError> {
    if !is_wfdb(path) {
        let rec = read_recording(path, input)?;
        let analysis = Analysis {
            name: rec.name,
            lead_name: rec.lead_name,
            sample_rate_hz: rec.sample_rate_hz,
            ..Analysis::default()
        };
        return Ok((Source::Whole(rec.samples_mv.into_iter()), analysis));
    }
    let stream = WfdbStream::open(path, input.lead)?;
    let header = stream.header();
    let analysis = Analysis {
        name: header.name.clone(),
        lead_name: header
            .signals
            .get(input.lead)
            .map(|s| s.description.clone())
            .unwrap_or_default(),
        sample_rate_hz: stream.sample_rate_hz(),
        ..Analysis::default()
    };
    Ok((Source::Wfdb(Box::new(stream)), analysis))
}

/// Receives a record's events: kept list, beat list, JSON Lines output.
struct RecordSink<'a, 'w> {
    events: Option<&'a mut Vec<Event>>,
    beats: Option<&'a mut Vec<Annotation>>,
    out: Option<&'a mut (dyn Write + 'w)>,
    /// The first write error; writing stops there.
    error: Option<std::io::Error>,
}

impl EventSink for RecordSink<'_, '_> {
    fn event(&mut self, e: Event) {
        if let (Event::Beat(b), Some(list)) = (&e, self.beats.as_deref_mut()) {
            list.push(Annotation::new(b.sample, NORMAL));
        }
        if let (Some(out), None) = (self.out.as_deref_mut(), &self.error) {
            if let Err(err) = jsonl::write_event(&mut &mut *out, &e) {
                self.error = Some(err);
            }
        }
        if let Some(list) = self.events.as_deref_mut() {
            list.push(e);
        }
    }
}

/// Analyse one record chunk by chunk: events go to `events_out` as they are issued (when
/// given) and are kept in the result when `keep_events`; beats are listed when `keep_beats`.
fn analyze_record(
    path: &Path,
    input: &InputArgs,
    events_out: Option<&mut dyn Write>,
    keep_events: bool,
    keep_beats: bool,
) -> Result<Analysis, CliError> {
    let (mut source, mut analysis) = open(path, input)?;
    let config = load_config(input.config.as_deref(), analysis.sample_rate_hz, path)?;
    let mut engine =
        Engine::new(config).map_err(|e| CliError(format!("{}: {e}", path.display())))?;
    let mut sink = RecordSink {
        events: keep_events.then_some(&mut analysis.events),
        beats: keep_beats.then_some(&mut analysis.beats),
        out: events_out,
        error: None,
    };
    let mut chunk = vec![0.0f32; CHUNK];
    let mut samples = 0u64;
    loop {
        let n = source.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        engine.push_slice(chunk.get(..n).unwrap_or_default(), &mut sink);
        samples += n as u64;
        if let Some(err) = sink.error.take() {
            if err.kind() == std::io::ErrorKind::BrokenPipe {
                // The reader has gone (`analyze … --jsonl | head`): stop quietly.
                break;
            }
            return Err(CliError(format!("output: {err}")));
        }
    }
    analysis.samples = samples;
    Ok(analysis)
}

fn run_one(path: &Path, args: &AnalyzeArgs) -> Result<(), CliError> {
    if let Some(svg) = &args.plot {
        // The strip drawing needs the samples: read the record whole.
        let rec = read_recording(path, &args.input)?;
        let config = load_config(args.input.config.as_deref(), rec.sample_rate_hz, path)?;
        let mut engine =
            Engine::new(config).map_err(|e| CliError(format!("{}: {e}", path.display())))?;
        let analysis = Analysis {
            events: engine.analyze(&rec.samples_mv),
            name: rec.name.clone(),
            lead_name: rec.lead_name.clone(),
            sample_rate_hz: rec.sample_rate_hz,
            samples: rec.samples_mv.len() as u64,
            beats: Vec::new(),
        };
        write_strip(path, &rec, &analysis.events, &args.range, svg)?;
        return finish_one(args, &analysis, true);
    }
    let stdout = std::io::stdout();
    let keep_beats = args.annotations_out.is_some();
    let analysis = if args.jsonl {
        let mut out: Box<dyn Write> = match &args.out_dir {
            Some(dir) => Box::new(create_in(dir, path)?),
            None => Box::new(BufWriter::new(stdout.lock())),
        };
        let a = analyze_record(path, &args.input, Some(&mut out), false, keep_beats)?;
        out.flush()
            .or_else(reader_gone)
            .map_err(|e| CliError(format!("output: {e}")))?;
        a
    } else {
        analyze_record(path, &args.input, None, true, false)?
    };
    finish_one(args, &analysis, false)
}

/// Annotations and, unless the events were printed, the summary of one record.
fn finish_one(args: &AnalyzeArgs, analysis: &Analysis, print_events: bool) -> Result<(), CliError> {
    if let Some(out) = &args.annotations_out {
        wfdb::write_annotations(out, &analysis.annotations())?;
    }
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let res = if args.jsonl && print_events {
        jsonl::write_events(&mut out, &analysis.events)
    } else if args.jsonl {
        Ok(())
    } else {
        write_summary(&mut out, &analysis.info(), &analysis.events)
    };
    res.and_then(|_| out.flush())
        .or_else(reader_gone)
        .map_err(|e| CliError(format!("stdout: {e}")))
}

/// A write error on stdout, except a closed pipe: the reader having gone (`analyze … | head`)
/// ends the output quietly, as it does for other command-line tools.
fn reader_gone(e: std::io::Error) -> std::io::Result<()> {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(e)
    }
}

fn run_many(paths: &[PathBuf], args: &AnalyzeArgs) -> Result<(), CliError> {
    if args.annotations_out.is_some() || args.plot.is_some() {
        return Err(CliError(
            "--annotations-out and --plot take one record; analyse records one at a time".into(),
        ));
    }
    if args.jsonl && args.out_dir.is_none() {
        return Err(CliError(
            "several records with --jsonl need --out-dir DIR (one RECORD.jsonl per record)".into(),
        ));
    }
    let work = || -> Vec<Result<Analysis, CliError>> {
        paths
            .par_iter()
            .map(|path| match &args.out_dir {
                Some(dir) if args.jsonl => {
                    let mut out = create_in(dir, path)?;
                    let a = analyze_record(path, &args.input, Some(&mut out), false, false)?;
                    out.flush()
                        .map_err(|e| CliError(format!("{}: {e}", dir.display())))?;
                    Ok(a)
                }
                _ => analyze_record(path, &args.input, None, true, false),
            })
            .collect()
    };
    let results = match args.jobs {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build()
            .map_err(|e| CliError(format!("--jobs {n}: {e}")))?
            .install(work),
        None => work(),
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut first_error = None;
    for r in results {
        match r {
            Ok(a) if !args.jsonl => {
                write_summary(&mut out, &a.info(), &a.events)
                    .and_then(|_| writeln!(out))
                    .map_err(|e| CliError(format!("stdout: {e}")))?;
            }
            Ok(_) => {}
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    out.flush().map_err(|e| CliError(format!("stdout: {e}")))?;
    first_error.map_or(Ok(()), Err)
}

/// `DIR/RECORD.jsonl` for the record at `path`, created (with `DIR`) for writing.
fn create_in(dir: &Path, path: &Path) -> Result<BufWriter<File>, CliError> {
    std::fs::create_dir_all(dir).map_err(|e| CliError(format!("{}: {e}", dir.display())))?;
    let stem = match crate::io::record_name(&wfdb::record_base(path)) {
        name if name.is_empty() => "record".to_string(),
        name => name,
    };
    let file = dir.join(format!("{stem}.jsonl"));
    File::create(&file)
        .map(BufWriter::new)
        .map_err(|e| CliError(format!("{}: {e}", file.display())))
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
    let mut held = [0usize; 4];
    for e in events {
        if let Event::SyncWithheld(w) = e {
            held[match w.reason {
                SyncWithheldReason::Late => 0,
                SyncWithheldReason::TooFast => 1,
                SyncWithheldReason::Selective => 2,
                SyncWithheldReason::Noisy => 3,
            }] += 1;
        }
    }
    if held.iter().sum::<usize>() > 0 {
        writeln!(
            out,
            "            {} QRS candidates withheld while available: {} late, {} too fast, {} not \
             credible (selective), {} in noise",
            held.iter().sum::<usize>(),
            held[0],
            held[1],
            held[2],
            held[3]
        )?;
    }

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
