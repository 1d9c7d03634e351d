//! `ecg-rhythm plot`: draw a record's rhythm strip with the engine's findings as SVG.

use std::path::{Path, PathBuf};

use super::{load_config, read_recording, CliError, InputArgs};
use crate::engine::Engine;
use crate::event::Event;
use crate::io::{wfdb, Recording};
use crate::plot::{self, Strip, StripOptions};

/// Arguments of `plot`.
#[derive(clap::Args, Debug)]
pub struct PlotArgs {
    /// Record: WFDB record path (with or without .hea), .wav or .csv.
    pub record: PathBuf,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub range: RangeArgs,
    /// Output SVG file.
    #[arg(short = 'o', long = "output")]
    pub output: PathBuf,
}

/// The part of a record to draw and the size of the rows.
#[derive(clap::Args, Debug, Clone)]
pub struct RangeArgs {
    /// Start of the strip, seconds from the start of the record.
    #[arg(long, default_value_t = 0.0)]
    pub from: f64,
    /// End of the strip, seconds (default: the end of the record).
    #[arg(long)]
    pub to: Option<f64>,
    /// Length of one row of the strip, seconds.
    #[arg(long, default_value_t = 10.0)]
    pub row_seconds: f64,
    /// Pixels per millimetre of ECG paper.
    #[arg(long, default_value_t = 5.0)]
    pub px_per_mm: f64,
}

impl RangeArgs {
    fn options(&self) -> StripOptions {
        StripOptions {
            from_s: self.from,
            to_s: self.to,
            row_s: self.row_seconds,
            px_per_mm: self.px_per_mm,
        }
    }
}

/// Run `plot`: analyse the whole record causally (the strip shows what the engine knew at each
/// moment, with the history before `--from`), then draw the range.
pub fn run(args: &PlotArgs) -> Result<(), CliError> {
    let rec = read_recording(&args.record, &args.input)?;
    let config = load_config(
        args.input.config.as_deref(),
        rec.sample_rate_hz,
        &args.record,
    )?;
    let mut engine =
        Engine::new(config).map_err(|e| CliError(format!("{}: {e}", args.record.display())))?;
    let events = engine.analyze(&rec.samples_mv);
    write_strip(&args.record, &rec, &events, &args.range, &args.output)
}

/// Draw `events` on `rec` over the range of `range` into `output`, with the record's reference
/// annotations when it has them (WFDB records with an `.atr` file).
pub fn write_strip(
    record: &Path,
    rec: &Recording,
    events: &[Event],
    range: &RangeArgs,
    output: &Path,
) -> Result<(), CliError> {
    let reference = if is_wfdb(record) {
        wfdb::read_reference(record)?
    } else {
        None
    };
    let strip = Strip {
        name: &rec.name,
        lead_name: &rec.lead_name,
        sample_rate_hz: f64::from(rec.sample_rate_hz),
        samples_mv: &rec.samples_mv,
        events,
        reference: reference.as_deref(),
    };
    plot::write_svg(output, &strip, &range.options()).map_err(|e| match e {
        plot::PlotError::Io { .. } => CliError(e.to_string()),
        _ => CliError(format!("{}: {e}", record.display())),
    })
}

fn is_wfdb(path: &Path) -> bool {
    !matches!(
        path.extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref(),
        Some("wav") | Some("csv")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(from: f64, to: Option<f64>) -> RangeArgs {
        RangeArgs {
            from,
            to,
            row_seconds: 10.0,
            px_per_mm: 5.0,
        }
    }

    #[test]
    fn writes_the_strip_and_names_the_file_on_errors() {
        let fs = 250.0f32;
        let samples_mv: Vec<f32> = (0..(12.0 * fs) as usize)
            .map(|i| if i % 200 < 4 { 1.0 } else { 0.0 })
            .collect();
        let rec = Recording {
            name: "synthetic".into(),
            sample_rate_hz: fs,
            lead_name: "II".into(),
            samples_mv,
        };
        let events = crate::analyze(crate::Config::with_sample_rate(fs), &rec.samples_mv).unwrap();
        let dir = std::env::temp_dir().join(format!("ecg-rhythm-plot-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let out = dir.join("strip.svg");
        // A CSV path: no WFDB reference is looked for.
        let record = dir.join("synthetic.csv");
        write_strip(&record, &rec, &events, &range(1.0, Some(11.0)), &out).unwrap();
        let svg = std::fs::read_to_string(&out).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("synthetic"));

        let err = write_strip(&record, &rec, &events, &range(20.0, None), &out).unwrap_err();
        assert!(err.0.contains("synthetic.csv") && err.0.contains("outside the record"));
        let bad_out = dir.join("missing-dir").join("s.svg");
        let err = write_strip(&record, &rec, &events, &range(0.0, None), &bad_out).unwrap_err();
        assert!(err.0.contains("missing-dir"), "{}", err.0);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
