//! `ecg-rhythm eval beats|sync|rhythm|all`: the reports of EVALUATION.md over whole databases.
//!
//! Records are analysed in parallel (`rayon`), each by a fresh engine, or — with
//! `--events-dir DIR` — their events are read from `DIR/<record>.jsonl` instead, so any
//! detector's output is scored by the same rules. Records without what a report needs (no
//! reference annotations; for beats and sync, no QRS reference beats, as in vfdb) are skipped
//! and named in the report.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde_json::json;

use super::{load_config, CliError, InputArgs};
use crate::config::{MAX_SAMPLE_RATE_HZ, MIN_SAMPLE_RATE_HZ};
use crate::engine::Engine;
use crate::eval::beats::{self, BeatScore};
use crate::eval::events::{read_events, RecordEvents};
use crate::eval::percentile;
use crate::eval::rhythm::{self, Category, ReferenceStyle, RhythmScore};
use crate::eval::sync::{self, SyncScore};
use crate::io::{self, resample, wfdb};

/// `eval` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum EvalCommand {
    /// Beat-by-beat detection (AAMI EC57).
    Beats(EvalArgs),
    /// Cardioversion sync markers (IEC 60601-2-4 timing).
    Sync(EvalArgs),
    /// Shock advice by AHA rhythm category.
    Rhythm(EvalArgs),
    /// All three reports from one run.
    All(EvalArgs),
}

/// How the reference rhythm of a record is read (`eval rhythm`).
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum StyleArg {
    /// Brackets only when the database folder's name contains `cudb` or the record has no
    /// rhythm strings; rhythm strings otherwise.
    Auto,
    /// Rhythm strings `(NAME`, `[`…`]` overriding to VF.
    Rhythm,
    /// `[`…`]` VF episodes only, the rest "other non-shockable".
    Brackets,
}

/// Arguments of every `eval` subcommand.
#[derive(clap::Args, Debug)]
pub struct EvalArgs {
    /// Database folder(s) holding a RECORDS file.
    #[arg(required = true)]
    pub db_dirs: Vec<PathBuf>,
    /// Only these records (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub records: Option<Vec<String>>,
    #[command(flatten)]
    pub input: InputArgs,
    /// Print one JSON object per report instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Score the events in DIR/<record>.jsonl instead of running the engine.
    #[arg(long)]
    pub events_dir: Option<PathBuf>,
    /// How reference rhythm segments are read.
    #[arg(long, value_enum, default_value_t = StyleArg::Auto)]
    pub reference: StyleArg,
    /// Convert each record to this sample rate (band-limited, `io::resample`) before running
    /// the engine, and its reference annotations with it: the engine scored at rates the
    /// databases were not recorded at (125–1000 Hz).
    #[arg(long)]
    pub resample_hz: Option<f32>,
}

/// The records to score: `(record path, name)`. A name given to `--records` that no
/// `RECORDS` file lists is an error (a typo would otherwise score fewer records silently).
pub fn list_records(args: &EvalArgs) -> Result<Vec<(PathBuf, String)>, CliError> {
    let mut out = Vec::new();
    let mut lists = Vec::new();
    for dir in &args.db_dirs {
        let list = dir.join("RECORDS");
        let text = std::fs::read_to_string(&list)
            .map_err(|e| CliError(format!("{}: {e}", list.display())))?;
        for name in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let selected = match &args.records {
                None => true,
                Some(r) => r.iter().any(|x| x == name),
            };
            if selected {
                out.push((dir.join(name), name.to_string()));
            }
        }
        lists.push(list.display().to_string());
    }
    let unknown: Vec<&str> = args
        .records
        .iter()
        .flatten()
        .filter(|r| !out.iter().any(|(_, name)| name == *r))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        return Err(CliError(format!(
            "--records: {} not listed in {}",
            unknown.join(", "),
            lists.join(" or ")
        )));
    }
    if out.is_empty() {
        return Err(CliError("no records selected".into()));
    }
    Ok(out)
}

/// Which reports to compute.
#[derive(Clone, Copy, Debug)]
struct Wanted {
    beats: bool,
    sync: bool,
    rhythm: bool,
}

/// The scores of one record; `None` where the record lacks the reference a report needs.
struct RecordScores {
    name: String,
    beats: Option<BeatScore>,
    sync: Option<SyncScore>,
    /// Markers inside VF/VFL spans of a record without reference beats (no `sync` score).
    vf_markers_only: Option<u64>,
    rhythm: Option<RhythmScore>,
}

fn reference_style(arg: StyleArg, path: &Path, anns: &[io::Annotation]) -> ReferenceStyle {
    match arg {
        StyleArg::Rhythm => ReferenceStyle::RhythmStrings,
        StyleArg::Brackets => ReferenceStyle::VfBracketsOnly,
        StyleArg::Auto => {
            let in_cudb = path
                .parent()
                .and_then(Path::file_name)
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.contains("cudb"));
            if in_cudb {
                ReferenceStyle::VfBracketsOnly
            } else {
                ReferenceStyle::detect(anns)
            }
        }
    }
}

fn score_one(
    path: &Path,
    name: &str,
    args: &EvalArgs,
    wanted: Wanted,
) -> Result<RecordScores, CliError> {
    let mut out = RecordScores {
        name: name.to_string(),
        beats: None,
        sync: None,
        vf_markers_only: None,
        rhythm: None,
    };
    let Some(mut reference) = wfdb::read_reference(path)? else {
        return Ok(out);
    };
    let has_beats = reference.iter().any(|a| a.is_qrs());
    // Sync markers are scored for VF spans even without reference beats (vfdb).
    if !(wanted.sync || wanted.rhythm || (wanted.beats && has_beats)) {
        return Ok(out);
    }
    let (fs, len, events) = match &args.events_dir {
        Some(dir) => {
            let header = wfdb::Header::open(path)?;
            let len = if header.samples > 0 {
                header.samples
            } else {
                u64::MAX
            };
            let events = read_events(&dir.join(format!("{name}.jsonl")))
                .map_err(|e| CliError(e.to_string()))?;
            (header.sample_rate_hz, len, events)
        }
        None => {
            let mut rec = wfdb::read_recording(path, args.input.lead)?;
            if let Some(to) = args.resample_hz {
                let from = rec.sample_rate_hz as f64;
                rec.samples_mv = resample::resample(&rec.samples_mv, from, to as f64);
                rec.sample_rate_hz = to;
                for a in &mut reference {
                    a.sample = resample::rescale_index(a.sample, from, to as f64);
                }
            }
            let config = load_config(args.input.config.as_deref(), rec.sample_rate_hz, path)?;
            let mut engine =
                Engine::new(config).map_err(|e| CliError(format!("{}: {e}", path.display())))?;
            let events = RecordEvents::from_engine(&engine.analyze(&rec.samples_mv));
            (
                rec.sample_rate_hz as f64,
                rec.samples_mv.len() as u64,
                events,
            )
        }
    };
    if wanted.beats && has_beats {
        out.beats = Some(beats::score_record(&reference, &events.beats, fs));
    }
    if wanted.sync && !has_beats {
        out.vf_markers_only = Some(sync::vf_markers(&reference, &events.syncs));
    }
    if wanted.sync && has_beats {
        out.sync = Some(sync::score_record_explained(
            &reference,
            &events.syncs,
            &events.gate,
            events.gate_known,
            fs,
        ));
    }
    if wanted.rhythm {
        let style = reference_style(args.reference, path, &reference);
        let mut r = rhythm::score_record(&reference, style, len, &events.advice, fs);
        for e in &mut r.episodes {
            e.record = name.to_string();
        }
        out.rhythm = Some(r);
    }
    Ok(out)
}

fn progress_bar(n: usize) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(n as u64);
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} records {elapsed}") {
        pb.set_style(style);
    }
    pb
}

/// Run `eval`.
pub fn run(cmd: &EvalCommand) -> Result<(), CliError> {
    let only = |beats, sync, rhythm| Wanted {
        beats,
        sync,
        rhythm,
    };
    let (args, wanted) = match cmd {
        EvalCommand::Beats(a) => (a, only(true, false, false)),
        EvalCommand::Sync(a) => (a, only(false, true, false)),
        EvalCommand::Rhythm(a) => (a, only(false, false, true)),
        EvalCommand::All(a) => (a, only(true, true, true)),
    };
    if let Some(hz) = args.resample_hz {
        if args.events_dir.is_some() {
            return Err(CliError(
                "--resample-hz converts the records the engine runs on; it cannot be used with --events-dir".into(),
            ));
        }
        if !(MIN_SAMPLE_RATE_HZ..=MAX_SAMPLE_RATE_HZ).contains(&hz) {
            return Err(CliError(format!(
                "--resample-hz: {hz} Hz is outside the engine's {MIN_SAMPLE_RATE_HZ}-{MAX_SAMPLE_RATE_HZ} Hz"
            )));
        }
    }
    let records = list_records(args)?;
    if let (Some(hz), false) = (args.resample_hz, args.json) {
        outln!("records resampled to {hz} Hz (annotations rescaled)");
    }
    let pb = progress_bar(records.len());
    let scores: Result<Vec<RecordScores>, CliError> = records
        .par_iter()
        .map(|(p, n)| {
            let r = score_one(p, n, args, wanted);
            pb.inc(1);
            r
        })
        .collect();
    pb.finish_and_clear();
    let scores = scores?;
    let mut first = true;
    let mut gap = || {
        if !args.json && !std::mem::take(&mut first) {
            outln!();
        }
    };
    if wanted.beats {
        gap();
        let (s, skipped) = split(&scores, |r| r.beats.as_ref());
        print_beats(&s, &skipped, args.json);
    }
    if wanted.sync {
        gap();
        let (s, skipped) = split(&scores, |r| r.sync.as_ref());
        let (vf_only, _) = split(&scores, |r| r.vf_markers_only.as_ref());
        print_sync(&s, &skipped, &vf_only, args.json);
    }
    if wanted.rhythm {
        gap();
        let (s, skipped) = split(&scores, |r| r.rhythm.as_ref());
        print_rhythm(&s, &skipped, args.json);
    }
    Ok(())
}

/// The records that have a report, and the names of those skipped.
fn split<'a, T: Clone + 'a>(
    scores: &'a [RecordScores],
    get: impl Fn(&'a RecordScores) -> Option<&'a T>,
) -> (Vec<(String, T)>, Vec<String>) {
    let mut have = Vec::new();
    let mut skipped = Vec::new();
    for r in scores {
        match get(r) {
            Some(s) => have.push((r.name.clone(), s.clone())),
            None => skipped.push(r.name.clone()),
        }
    }
    (have, skipped)
}

fn pct(v: Option<f64>) -> String {
    v.map_or("-".into(), |x| format!("{x:.2}"))
}

fn avg(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

fn print_skipped(skipped: &[String], why: &str) {
    if !skipped.is_empty() {
        outln!("skipped ({why}): {}", skipped.join(" "));
    }
}

/// The SNR an nstdb record's name carries: `118e24` → 24 dB, `119e_6` → −6 dB.
pub fn nstdb_snr_db(name: &str) -> Option<i32> {
    let (clean, level) = name.split_once('e')?;
    if clean.is_empty() || !clean.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (sign, digits) = match level.strip_prefix('_') {
        Some(d) => (-1, d),
        None => (1, level),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<i32>().ok().map(|v| sign * v)
}

/// Beat scores pooled per SNR for the records whose names carry one (nstdb), highest first.
fn per_snr(scores: &[(String, BeatScore)]) -> Vec<(i32, BeatScore)> {
    let mut by: std::collections::BTreeMap<i32, BeatScore> = Default::default();
    for (n, s) in scores {
        if let Some(snr) = nstdb_snr_db(n) {
            by.entry(snr).or_default().add(s);
        }
    }
    by.into_iter().rev().collect()
}

fn print_beats(scores: &[(String, BeatScore)], skipped: &[String], json: bool) {
    let mut gross = BeatScore::default();
    for (_, s) in scores {
        gross.add(s);
    }
    let snr_table = per_snr(scores);
    let se: Vec<f64> = scores.iter().filter_map(|(_, s)| s.se()).collect();
    let ppv: Vec<f64> = scores.iter().filter_map(|(_, s)| s.ppv()).collect();
    let d50 = percentile(&gross.delays_ms, 50.0);
    let d95 = percentile(&gross.delays_ms, 95.0);
    let d99 = percentile(&gross.delays_ms, 99.0);
    if json {
        let v = json!({
            "report": "beats",
            "records": scores.len(),
            "tp": gross.tp, "fn": gross.fn_, "fp": gross.fp,
            "se": gross.se(), "ppv": gross.ppv(),
            "avg_se": avg(&se), "avg_ppv": avg(&ppv),
            "delay_ms_median": d50, "delay_ms_p95": d95, "delay_ms_p99": d99,
            "missed_by_class": {
                "N": gross.missed_by_class[0], "S": gross.missed_by_class[1],
                "V": gross.missed_by_class[2], "F": gross.missed_by_class[3],
                "Q": gross.missed_by_class[4],
            },
            "per_record": scores.iter().map(|(n, s)| json!({
                "record": n, "tp": s.tp, "fn": s.fn_, "fp": s.fp, "se": s.se(), "ppv": s.ppv()
            })).collect::<Vec<_>>(),
            "per_snr": snr_table.iter().map(|(snr, s)| json!({
                "snr_db": snr, "tp": s.tp, "fn": s.fn_, "fp": s.fp, "se": s.se(), "ppv": s.ppv()
            })).collect::<Vec<_>>(),
            "skipped": skipped,
        });
        outln!("{v}");
        return;
    }
    if scores.is_empty() {
        outln!("beats: no record with QRS reference beats to score");
        print_skipped(skipped, "no QRS reference beats");
        return;
    }
    outln!("beats (AAMI EC57: from 300 s, outside VF spans, match within 150 ms)");
    let row = |n: &str, tp: String, fn_: String, fp: String, se: String, ppv: String| {
        outln!("{n:<8} {tp:>7} {fn_:>6} {fp:>6} {se:>7} {ppv:>7}");
    };
    let s = String::new;
    row(
        "record",
        "TP".into(),
        "FN".into(),
        "FP".into(),
        "Se%".into(),
        "+P%".into(),
    );
    for (n, x) in scores {
        row(
            n,
            x.tp.to_string(),
            x.fn_.to_string(),
            x.fp.to_string(),
            pct(x.se()),
            pct(x.ppv()),
        );
    }
    row(
        "gross",
        gross.tp.to_string(),
        gross.fn_.to_string(),
        gross.fp.to_string(),
        pct(gross.se()),
        pct(gross.ppv()),
    );
    row("average", s(), s(), s(), pct(avg(&se)), pct(avg(&ppv)));
    let m = &gross.missed_by_class;
    outln!(
        "missed by AAMI class: N {} S {} V {} F {} Q {}",
        m[0],
        m[1],
        m[2],
        m[3],
        m[4]
    );
    outln!(
        "detection delay ms: median {} p95 {} p99 {}",
        pct(d50),
        pct(d95),
        pct(d99)
    );
    if !snr_table.is_empty() {
        outln!("noise stress test (records named by SNR, e.g. 118e06):");
        row(
            "SNR dB",
            "TP".into(),
            "FN".into(),
            "FP".into(),
            "Se%".into(),
            "+P%".into(),
        );
        for (snr, x) in &snr_table {
            row(
                &snr.to_string(),
                x.tp.to_string(),
                x.fn_.to_string(),
                x.fp.to_string(),
                pct(x.se()),
                pct(x.ppv()),
            );
        }
    }
    print_skipped(skipped, "no QRS reference beats");
}

fn print_sync(
    scores: &[(String, SyncScore)],
    skipped: &[String],
    vf_only: &[(String, u64)],
    json: bool,
) {
    let vf_only_total: u64 = vf_only.iter().map(|(_, n)| n).sum();
    let mut gross = SyncScore::default();
    for (_, s) in scores {
        gross.add(s);
    }
    let lat = &gross.latencies_ms;
    let l50 = percentile(lat, 50.0);
    let l95 = percentile(lat, 95.0);
    let l99 = percentile(lat, 99.0);
    let lmax = percentile(lat, 100.0);
    let se: Vec<f64> = scores.iter().filter_map(|(_, s)| s.sync_se()).collect();
    if json {
        let v = json!({
            "report": "sync",
            "records": scores.len(),
            "beats": gross.beats, "marked": gross.marked, "sync_se": gross.sync_se(),
            "avg_sync_se": avg(&se),
            "markers": gross.markers, "off_time": gross.off_time,
            "off_time_pct": gross.off_time_pct(),
            "late": gross.late, "early": gross.early, "duplicate": gross.duplicate,
            "t_wave": gross.t_wave,
            "vf_markers": gross.vf_markers,
            "latency_ms_median": l50, "latency_ms_p95": l95, "latency_ms_p99": l99,
            "latency_ms_max": lmax,
            "missed_by_cause": gross.misses.entries().into_iter().collect::<BTreeMap<_, _>>(),
            "per_record": scores.iter().map(|(n, s)| json!({
                "record": n, "beats": s.beats, "marked": s.marked, "sync_se": s.sync_se(),
                "markers": s.markers, "off_time": s.off_time, "t_wave": s.t_wave,
                "vf_markers": s.vf_markers,
                "missed_by_cause": s.misses.entries().into_iter().collect::<BTreeMap<_, _>>(),
            })).collect::<Vec<_>>(),
            "skipped": skipped,
            "vf_markers_without_beats": vf_only_total,
            "vf_markers_without_beats_per_record": vf_only.iter().map(|(n, v)| json!({
                "record": n, "vf_markers": v,
            })).collect::<Vec<_>>(),
        });
        outln!("{v}");
        return;
    }
    let print_vf_only = || {
        if !vf_only.is_empty() {
            let per: Vec<String> = vf_only.iter().map(|(n, v)| format!("{n} {v}")).collect();
            outln!(
                "markers inside VF/VFL spans of the records without reference beats: {vf_only_total} ({})",
                per.join(", ")
            );
        }
    };
    if scores.is_empty() {
        outln!("sync: no record with QRS reference beats to score");
        print_skipped(skipped, "no QRS reference beats");
        print_vf_only();
        return;
    }
    outln!("sync markers (from 10 s, outside VF spans; on time: R-50 ms <= emitted <= R+60 ms)");
    outln!(
        "{:<8} {:>7} {:>7} {:>7} {:>7} {:>6} {:>5} {:>5} {:>5} {:>5} {:>6} {:>5}",
        "record",
        "beats",
        "marked",
        "Se%",
        "markers",
        "off",
        "late",
        "early",
        "dup",
        "Twave",
        "off%",
        "VFmk"
    );
    let line = |n: &str, s: &SyncScore| {
        outln!(
            "{:<8} {:>7} {:>7} {:>7} {:>7} {:>6} {:>5} {:>5} {:>5} {:>5} {:>6} {:>5}",
            n,
            s.beats,
            s.marked,
            pct(s.sync_se()),
            s.markers,
            s.off_time,
            s.late,
            s.early,
            s.duplicate,
            s.t_wave,
            pct(s.off_time_pct()),
            s.vf_markers
        );
    };
    for (n, s) in scores {
        line(n, s);
    }
    line("gross", &gross);
    outln!("{:<8} {:>7} {:>7} {:>7}", "average", "", "", pct(avg(&se)));
    outln!(
        "Twave: late or early markers in the T-wave window of the beat before them (R+{} ms to \
         R+QT, Bazett's QT for QTc {} s)",
        sync::T_WAVE_FROM_MS,
        sync::T_WAVE_QTC_S
    );
    outln!(
        "latency ms (emitted - R): median {} p95 {} p99 {} max {}",
        pct(l50),
        pct(l95),
        pct(l99),
        pct(lmax)
    );
    let causes: Vec<String> = gross
        .misses
        .entries()
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(c, n)| format!("{c} {n}"))
        .collect();
    outln!(
        "unmarked beats {} by cause: {}",
        gross.beats - gross.marked,
        if causes.is_empty() {
            "-".to_string()
        } else {
            causes.join(", ")
        }
    );
    print_skipped(skipped, "no QRS reference beats");
    print_vf_only();
}

/// AHA performance goals (Kerber et al. 1997), percent: Se for VF (coarse) and rapid VT, Sp for
/// the rest.
fn aha_goal(c: Category) -> &'static str {
    match c {
        Category::Vf => ">90",
        Category::Vt => ">75",
        Category::Nsr => ">99",
        Category::Other => ">95",
        Category::Asys => ">95",
        Category::Excluded => "",
    }
}

fn print_rhythm(scores: &[(String, RhythmScore)], skipped: &[String], json: bool) {
    let mut gross = RhythmScore::default();
    for (_, s) in scores {
        gross.add(s);
    }
    let delays = gross.onset_delays_s();
    let d50 = percentile(&delays, 50.0);
    let d95 = percentile(&delays, 95.0);
    let missed: Vec<&rhythm::Episode> = gross.missed().collect();
    if json {
        let mut v = json!({
            "report": "rhythm",
            "records": scores.len(),
            "episodes": gross.episodes.len(),
            "missed_episodes": missed.len(),
            "onset_delay_s_median": d50,
            "onset_delay_s_p95": d95,
            "missed": missed.iter().map(|e| json!({
                "record": e.record, "category": e.category.label(),
                "start": e.start, "start_s": e.start as f64 / e.fs,
                "duration_s": (e.end - e.start) as f64 / e.fs,
            })).collect::<Vec<_>>(),
            "per_record": scores.iter().map(|(n, r)| {
                let mut o = json!({ "record": n });
                for c in Category::SCORED {
                    if let Some(k) = r.get(c).filter(|k| k.windows > 0) {
                        o[c.label()] = json!({
                            "windows": k.windows,
                            "correct": k.correct(c),
                            "indeterminate": k.indeterminate,
                        });
                    }
                }
                o
            }).collect::<Vec<_>>(),
            "skipped": skipped,
        });
        for c in Category::SCORED {
            if let Some(k) = gross.get(c) {
                v[c.label()] = json!({
                    "measure": if c.is_shockable() { "se" } else { "sp" },
                    "windows": k.windows,
                    "shockable": k.shockable,
                    "nonshockable": k.nonshockable,
                    "indeterminate": k.indeterminate,
                    "correct_pct": k.correct_pct(c),
                    "lcl90_pct": k.lower_limit_pct(c),
                    "indeterminate_pct": k.indeterminate_pct(),
                });
            }
        }
        outln!("{v}");
        return;
    }
    outln!("shock advice (AHA categories; non-overlapping windows wholly inside one segment, none within 2 s of `~`)");
    outln!(
        "{:<6} {:>7} {:>7} {:>8} {:>6} {:>4} {:>7} {:>7} {:>7} {:>5}",
        "class",
        "windows",
        "shock",
        "no-shock",
        "indet",
        "",
        "%",
        "90%LCL",
        "indet%",
        "goal"
    );
    for c in Category::SCORED {
        if let Some(k) = gross.get(c) {
            outln!(
                "{:<6} {:>7} {:>7} {:>8} {:>6} {:>4} {:>7} {:>7} {:>7} {:>5}",
                c.label(),
                k.windows,
                k.shockable,
                k.nonshockable,
                k.indeterminate,
                if c.is_shockable() { "Se" } else { "Sp" },
                pct(k.correct_pct(c)),
                pct(k.lower_limit_pct(c)),
                pct(k.indeterminate_pct()),
                aha_goal(c)
            );
        }
    }
    let sec = |v: Option<f64>| v.map_or("-".into(), |x| format!("{x:.1} s"));
    outln!(
        "onset delay (VF/VT segments >= 10 s): {} episodes, median {}, p95 {}, missed {}",
        gross.episodes.len(),
        sec(d50),
        sec(d95),
        missed.len()
    );
    if !missed.is_empty() {
        let list: Vec<String> = missed
            .iter()
            .map(|e| {
                format!(
                    "{} {} at {:.1} s ({:.1} s)",
                    e.record,
                    e.category.label(),
                    e.start as f64 / e.fs,
                    (e.end - e.start) as f64 / e.fs
                )
            })
            .collect();
        outln!("missed episodes: {}", list.join("; "));
    }
    print_skipped(skipped, "no reference annotations");
}

#[cfg(test)]
mod tests {
    use super::nstdb_snr_db;

    #[test]
    fn snr_from_nstdb_names() {
        assert_eq!(nstdb_snr_db("118e24"), Some(24));
        assert_eq!(nstdb_snr_db("119e00"), Some(0));
        assert_eq!(nstdb_snr_db("118e_6"), Some(-6));
        assert_eq!(nstdb_snr_db("118"), None);
        assert_eq!(nstdb_snr_db("cu01"), None);
        assert_eq!(nstdb_snr_db("e06"), None);
        assert_eq!(nstdb_snr_db("118e"), None);
    }
}
