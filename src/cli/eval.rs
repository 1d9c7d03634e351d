//! `ecg-rhythm eval`.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{load_config, CliError, InputArgs};
use crate::engine::Engine;
use crate::eval::beats::{self, BeatScore, Detection};
use crate::event::Event;
use crate::io::{self, wfdb};

/// `eval` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum EvalCommand {
    /// Beat-by-beat detection (AAMI EC57).
    Beats(EvalArgs),
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
}

/// The records to score: `(record path, name)`.
pub fn list_records(args: &EvalArgs) -> Result<Vec<(PathBuf, String)>, CliError> {
    let mut out = Vec::new();
    for dir in &args.db_dirs {
        let list = dir.join("RECORDS");
        let text = std::fs::read_to_string(&list)
            .map_err(|e| CliError(format!("{}: {e}", list.display())))?;
        for name in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if args
                .records
                .as_ref()
                .is_none_or(|r| r.iter().any(|x| x == name))
            {
                out.push((dir.join(name), name.to_string()));
            }
        }
    }
    if out.is_empty() {
        return Err(CliError("no records selected".into()));
    }
    Ok(out)
}

struct RecordRun {
    name: String,
    fs: f64,
    reference: Vec<io::Annotation>,
    events: Vec<Event>,
}

fn run_record(path: &Path, name: &str, input: &InputArgs) -> Result<RecordRun, CliError> {
    let rec = wfdb::read_recording(path, input.lead)?;
    let reference = wfdb::read_reference(path)?.ok_or_else(|| {
        CliError(format!(
            "{}: no reference annotations (.atr)",
            path.display()
        ))
    })?;
    let config = load_config(input.config.as_deref(), rec.sample_rate_hz)?;
    let mut engine =
        Engine::new(config).map_err(|e| CliError(format!("{}: {e}", path.display())))?;
    let events = engine.analyze(&rec.samples_mv);
    Ok(RecordRun {
        name: name.to_string(),
        fs: rec.sample_rate_hz as f64,
        reference,
        events,
    })
}

/// Run `eval`.
pub fn run(cmd: &EvalCommand) -> Result<(), CliError> {
    match cmd {
        EvalCommand::Beats(args) => {
            let records = list_records(args)?;
            let runs: Result<Vec<RecordRun>, CliError> = records
                .par_iter()
                .map(|(p, n)| run_record(p, n, &args.input))
                .collect();
            let runs = runs?;
            let scores: Vec<(String, BeatScore)> = runs
                .iter()
                .map(|r| {
                    let dets: Vec<Detection> = r
                        .events
                        .iter()
                        .filter_map(|e| match e {
                            Event::Beat(b) => Some(Detection {
                                sample: b.sample,
                                emitted: b.emitted,
                            }),
                            _ => None,
                        })
                        .collect();
                    (
                        r.name.clone(),
                        beats::score_record(&r.reference, &dets, r.fs),
                    )
                })
                .collect();
            print_beats(&scores, args.json);
            Ok(())
        }
    }
}

fn pct(v: Option<f64>) -> String {
    v.map_or("-".into(), |x| format!("{x:.2}"))
}

fn print_beats(scores: &[(String, BeatScore)], json: bool) {
    let mut gross = BeatScore::default();
    for (_, s) in scores {
        gross.add(s);
    }
    let se: Vec<f64> = scores.iter().filter_map(|(_, s)| s.se()).collect();
    let ppv: Vec<f64> = scores.iter().filter_map(|(_, s)| s.ppv()).collect();
    let avg = |v: &[f64]| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
    let d50 = crate::eval::percentile(&gross.delays_ms, 50.0);
    let d95 = crate::eval::percentile(&gross.delays_ms, 95.0);
    let d99 = crate::eval::percentile(&gross.delays_ms, 99.0);
    if json {
        let v = serde_json::json!({
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
            "per_record": scores.iter().map(|(n, s)| serde_json::json!({
                "record": n, "tp": s.tp, "fn": s.fn_, "fp": s.fp, "se": s.se(), "ppv": s.ppv()
            })).collect::<Vec<_>>(),
        });
        println!("{v}");
        return;
    }
    println!(
        "{:<8} {:>7} {:>6} {:>6} {:>7} {:>7}",
        "record", "TP", "FN", "FP", "Se%", "+P%"
    );
    for (n, s) in scores {
        println!(
            "{:<8} {:>7} {:>6} {:>6} {:>7} {:>7}",
            n,
            s.tp,
            s.fn_,
            s.fp,
            pct(s.se()),
            pct(s.ppv())
        );
    }
    println!(
        "{:<8} {:>7} {:>6} {:>6} {:>7} {:>7}",
        "gross",
        gross.tp,
        gross.fn_,
        gross.fp,
        pct(gross.se()),
        pct(gross.ppv())
    );
    println!(
        "{:<8} {:>7} {:>6} {:>6} {:>7} {:>7}",
        "average",
        "",
        "",
        "",
        pct(avg(&se)),
        pct(avg(&ppv))
    );
    let m = &gross.missed_by_class;
    println!(
        "missed by AAMI class: N {} S {} V {} F {} Q {}",
        m[0], m[1], m[2], m[3], m[4]
    );
    println!(
        "detection delay ms: median {} p95 {} p99 {}",
        pct(d50),
        pct(d95),
        pct(d99)
    );
}
