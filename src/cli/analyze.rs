//! `ecg-rhythm analyze`.

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use super::{load_config, read_recording, CliError, InputArgs};
use crate::engine::Engine;
use crate::event::Event;
use crate::io::annotation::{Annotation, NORMAL};
use crate::io::{jsonl, wfdb};

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
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let res = if args.jsonl {
        jsonl::write_events(&mut out, &events)
    } else {
        write_summary(&mut out, &rec, &events)
    };
    res.and_then(|_| out.flush())
        .map_err(|e| CliError(format!("stdout: {e}")))
}

fn write_summary(
    out: &mut impl Write,
    rec: &crate::io::Recording,
    events: &[Event],
) -> std::io::Result<()> {
    let fs = rec.sample_rate_hz as f64;
    let duration = rec.samples_mv.len() as f64 / fs;
    let beats: Vec<u64> = events
        .iter()
        .filter_map(|e| match e {
            Event::Beat(b) => Some(b.sample),
            _ => None,
        })
        .collect();
    let syncs = events
        .iter()
        .filter(|e| matches!(e, Event::Sync(_)))
        .count();
    writeln!(out, "record      {}", rec.name)?;
    writeln!(out, "lead        {}", rec.lead_name)?;
    writeln!(
        out,
        "duration    {:.1} s ({} samples at {} Hz)",
        duration,
        rec.samples_mv.len(),
        fs
    )?;
    writeln!(out, "beats       {}", beats.len())?;
    let rates: Vec<f64> = beats
        .windows(2)
        .map(|w| 60.0 * fs / (w[1] - w[0]) as f64)
        .collect();
    if !rates.is_empty() {
        let min = rates.iter().cloned().fold(f64::INFINITY, f64::min);
        let max = rates.iter().cloned().fold(0.0, f64::max);
        let mean = 60.0 * (rates.len() as f64) / ((beats[beats.len() - 1] - beats[0]) as f64 / fs);
        writeln!(
            out,
            "heart rate  min {min:.0} / mean {mean:.0} / max {max:.0} bpm"
        )?;
    }
    writeln!(out, "sync marks  {syncs}")?;
    Ok(())
}
