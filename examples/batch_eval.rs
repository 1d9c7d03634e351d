//! A database scored from code with `ecg_rhythm::eval`, the rules of `EVALUATION.md`.
//!
//! ```text
//! cargo run --release --example batch_eval -- ../shared/data/mitdb
//! cargo run --release --example batch_eval -- ../shared/data/mitdb 100,101,208
//! ```
//!
//! For every record listed in the folder's `RECORDS` file (or the comma-separated ones given):
//! read lead 0, stream it through a fresh engine, read the reference annotations, and score the
//! detected beats beat by beat (AAMI EC57: 150 ms match window, learning period and VF spans
//! excluded). Prints one line per record and the gross figures pooled over all records. The
//! `ecg-rhythm eval` command is the full-featured version of this loop.

use std::error::Error;
use std::path::PathBuf;
use std::process::ExitCode;

use ecg_rhythm::eval::beats::{score_record, BeatScore, Detection};
use ecg_rhythm::eval::percentile;
use ecg_rhythm::event::Event;
use ecg_rhythm::io::wfdb;
use ecg_rhythm::{Config, Engine};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(db) = args.next().map(PathBuf::from) else {
        println!("usage: batch_eval DB_DIR [RECORD,RECORD,...]");
        println!("  scores the engine's beat detection on a WFDB database folder (with a RECORDS");
        println!("  file), e.g. cargo run --release --example batch_eval -- ../shared/data/mitdb");
        return ExitCode::SUCCESS;
    };
    let only: Option<Vec<String>> = args
        .next()
        .map(|s| s.split(',').map(|r| r.trim().to_string()).collect());
    match run(&db, only.as_deref()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("batch_eval: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(db: &std::path::Path, only: Option<&[String]>) -> Result<(), Box<dyn Error>> {
    let list = db.join("RECORDS");
    let names = std::fs::read_to_string(&list).map_err(|e| format!("{}: {e}", list.display()))?;
    let names: Vec<&str> = names
        .lines()
        .map(str::trim)
        .filter(|n| !n.is_empty() && only.map_or(true, |o| o.iter().any(|x| x == n)))
        .collect();
    if names.is_empty() {
        return Err(format!("{}: no records selected", list.display()).into());
    }

    println!(
        "{:<8} {:>7} {:>6} {:>6} {:>8} {:>8}",
        "record", "TP", "FN", "FP", "Se %", "+P %"
    );
    let mut gross = BeatScore::default();
    for name in names {
        let path = db.join(name);
        let rec = wfdb::read_recording(&path, 0)?;
        let Some(reference) = wfdb::read_reference(&path)? else {
            println!("{name:<8} (no reference annotations, skipped)");
            continue;
        };
        let mut engine = Engine::new(Config::with_sample_rate(rec.sample_rate_hz))
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let mut detections = Vec::new();
        engine.push_slice(&rec.samples_mv, &mut |e: Event| {
            if let Event::Beat(b) = e {
                detections.push(Detection {
                    sample: b.sample,
                    emitted: b.emitted,
                });
            }
        });
        let score = score_record(&reference, &detections, f64::from(rec.sample_rate_hz));
        println!(
            "{name:<8} {:>7} {:>6} {:>6} {:>8} {:>8}",
            score.tp,
            score.fn_,
            score.fp,
            pct(score.se()),
            pct(score.ppv())
        );
        gross.add(&score);
    }
    println!(
        "{:<8} {:>7} {:>6} {:>6} {:>8} {:>8}",
        "gross",
        gross.tp,
        gross.fn_,
        gross.fp,
        pct(gross.se()),
        pct(gross.ppv())
    );
    let q = |p| percentile(&gross.delays_ms, p).map_or("-".to_string(), |v| format!("{v:.0}"));
    println!(
        "detection delay (emitted - reference): median {} ms, p95 {} ms, p99 {} ms",
        q(50.0),
        q(95.0),
        q(99.0)
    );
    Ok(())
}

fn pct(v: Option<f64>) -> String {
    v.map_or("-".to_string(), |x| format!("{x:.2}"))
}
