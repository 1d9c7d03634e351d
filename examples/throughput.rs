//! Throughput of the stages and of the whole engine, robust to a busy machine.
//!
//! ```text
//! cargo run --release --example throughput [-- REPS [DB_DIR]]
//! ```
//!
//! Runs the pre-filter-fed QRS detector, the shock advisor and the engine over the 60-s excerpt
//! of the benches (`test-data/mitdb-208-lead0-60s.csv`, 360 Hz) `REPS` times each (default
//! 40), interleaved, and prints samples per second of the fastest run and of the median run.
//! On a machine shared with other jobs the fastest run is the repeatable figure (a run that
//! was not interrupted); criterion (`cargo bench --bench stages`) reports means, which such a
//! machine makes vary by tens of percent.
//!
//! With `DB_DIR` (a WFDB database directory with a `RECORDS` file, e.g. `../shared/data/mitdb`)
//! it then times the engine over every record of the database (lead 0, held in memory, a fresh
//! engine state per record) `REPS` times and prints the database's samples divided by the sum
//! of each record's fastest time: the rate at which an archive like it is analysed, over every
//! rhythm and noise level the database holds rather than one minute of record 208. (On mitdb
//! the two rates agree within a few percent.)

use std::hint::black_box;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use ecg_rhythm::event::Event;
use ecg_rhythm::filter::{PreFilter, Stage};
use ecg_rhythm::io::wfdb;
use ecg_rhythm::qrs::QrsDetector;
use ecg_rhythm::rhythm::ShockAdvisor;
use ecg_rhythm::{Config, Engine};

const FS: f32 = 360.0;

fn excerpt() -> Result<Vec<f32>, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-data/mitdb-208-lead0-60s.csv");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.lines()
        .skip(1)
        .map(|l| {
            let value = l.trim().rsplit(',').next().unwrap_or_default();
            value
                .parse::<f32>()
                .map_err(|e| format!("{}: `{value}`: {e}", path.display()))
        })
        .collect()
}

fn main() -> ExitCode {
    let reps: usize = match std::env::args().nth(1).map(|s| s.parse()) {
        None => 40,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("usage: throughput [REPS > 0 [DB_DIR]]");
            return ExitCode::FAILURE;
        }
    };
    let database = std::env::args().nth(2);
    let x = match excerpt() {
        Ok(x) => x,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let config = Config::with_sample_rate(FS);
    let (Ok(mut prefilter), Ok(mut advisor), Ok(mut engine)) = (
        PreFilter::new(&config),
        ShockAdvisor::new(&config),
        Engine::new(config.clone()),
    ) else {
        eprintln!("the default configuration is invalid");
        return ExitCode::FAILURE;
    };
    let filtered: Vec<f32> = x.iter().map(|&v| prefilter.run(v)).collect();
    let Ok(mut qrs) = QrsDetector::new(&config, prefilter.latency()) else {
        eprintln!("the default configuration is invalid");
        return ExitCode::FAILURE;
    };
    // The advisor sees the beats the detector confirmed, recorded once.
    let beats: Vec<_> = filtered.iter().map(|&v| qrs.push(v).beat).collect();

    let names = ["qrs", "advisor", "engine"];
    let mut seconds: [Vec<f64>; 3] = Default::default();
    for _ in 0..reps {
        for (stage, times) in seconds.iter_mut().enumerate() {
            let start = Instant::now();
            let mut count = 0u32;
            match stage {
                0 => {
                    qrs.reset();
                    for &v in &filtered {
                        count += u32::from(qrs.push(black_box(v)).beat.is_some());
                    }
                }
                1 => {
                    advisor.reset();
                    for ((&raw, &y), beat) in x.iter().zip(&filtered).zip(&beats) {
                        let advice = advisor.push(black_box(raw), false, y, beat.as_ref());
                        count += u32::from(advice.is_some());
                    }
                }
                _ => {
                    engine.reset();
                    let mut sink = |e: Event| {
                        black_box(&e);
                        count += 1;
                    };
                    engine.push_slice(black_box(&x), &mut sink);
                }
            }
            black_box(count);
            times.push(start.elapsed().as_secs_f64());
        }
    }
    println!("{} samples x {reps} runs", x.len());
    for (name, times) in names.iter().zip(seconds.iter_mut()) {
        times.sort_by(f64::total_cmp);
        let rate = |t: f64| x.len() as f64 / t / 1e6;
        println!(
            "{name:8} fastest {:6.2} M samples/s   median {:6.2} M samples/s",
            rate(times[0]),
            rate(times[times.len() / 2])
        );
    }
    if let Some(dir) = database {
        match database_rate(Path::new(&dir), reps) {
            Ok((records, samples, seconds)) => println!(
                "engine over {dir} ({records} records, {samples} samples, fastest of {reps} per \
                 record): {:6.2} M samples/s",
                samples as f64 / seconds / 1e6
            ),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}

/// The engine over every record of the database in `dir`: records, samples, and the sum over
/// the records of the fastest of `reps` runs, seconds.
fn database_rate(dir: &Path, reps: usize) -> Result<(usize, usize, f64), String> {
    let list = dir.join("RECORDS");
    let names = std::fs::read_to_string(&list).map_err(|e| format!("{}: {e}", list.display()))?;
    let mut recordings = Vec::new();
    for name in names.split_whitespace() {
        let path = dir.join(name);
        let recording =
            wfdb::read_recording(&path, 0).map_err(|e| format!("{}: {e}", path.display()))?;
        recordings.push(recording);
    }
    let mut engines = Vec::with_capacity(recordings.len());
    for r in &recordings {
        let engine = Engine::new(Config::with_sample_rate(r.sample_rate_hz))
            .map_err(|e| format!("{}: {e}", r.name))?;
        engines.push(engine);
    }
    let mut fastest = vec![f64::INFINITY; recordings.len()];
    for _ in 0..reps {
        for ((r, engine), best) in recordings.iter().zip(&mut engines).zip(&mut fastest) {
            engine.reset();
            let mut count = 0u32;
            let mut sink = |e: Event| {
                black_box(&e);
                count += 1;
            };
            let start = Instant::now();
            engine.push_slice(black_box(&r.samples_mv), &mut sink);
            *best = best.min(start.elapsed().as_secs_f64());
            black_box(count);
        }
    }
    let samples = recordings.iter().map(|r| r.samples_mv.len()).sum();
    Ok((recordings.len(), samples, fastest.iter().sum()))
}
