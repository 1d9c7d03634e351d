//! The command line (feature `std`): `analyze`, `eval`, `nst`, `plot`, `train`.
//!
//! Errors end in one line on stderr naming the file and the problem, and a non-zero exit.
//! Reports go to stdout line by line (`outln!`); a reader that stops reading early
//! (`ecg-rhythm eval … | head`) ends the program quietly, as it does other command-line tools.

/// `println!` for the commands' reports: a line on stdout, where a closed pipe (the reader has
/// gone) ends the program quietly with exit status 0 and any other write error ends it with one
/// line on stderr and exit status 2, rather than a panic (see [`write_line`]).
macro_rules! outln {
    () => {
        $crate::cli::write_line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::cli::write_line(format_args!($($arg)*))
    };
}

mod analyze;
mod eval;
mod nst;
mod plot;
mod train;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::io::{self, IoError, ReadOptions};

/// Causal ECG rhythm analysis: QRS detection, shock advice, cardioversion sync markers.
#[derive(Parser, Debug)]
#[command(name = "ecg-rhythm", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Analyse one record (WFDB, .wav or .csv) and print a summary or the event stream.
    Analyze(analyze::AnalyzeArgs),
    /// Score the engine on a database by the rules of EVALUATION.md.
    #[command(subcommand)]
    Eval(eval::EvalCommand),
    /// Write a noise-stress-test record (MIT-BIH `nst` protocol).
    Nst(nst::NstArgs),
    /// Draw a record's rhythm strip (ECG grid, beats, sync markers, advice) as SVG.
    Plot(plot::PlotArgs),
    /// Train the shock advisor's classifier (patient-wise cross-validation) and write it as Rust.
    Train(train::TrainArgs),
}

/// Options shared by the commands that read records.
#[derive(clap::Args, Debug, Clone)]
pub struct InputArgs {
    /// Channel (lead) to analyse, 0-based.
    #[arg(long, default_value_t = 0)]
    pub lead: usize,
    /// Engine configuration (JSON); the sample rate is taken from the record.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Sample rate of a CSV file that has no time column, Hz.
    #[arg(long)]
    pub fs: Option<f32>,
    /// Scale of integer WAV samples, µV per LSB.
    #[arg(long, default_value_t = 1.0)]
    pub uv_per_lsb: f32,
}

impl InputArgs {
    fn read_options(&self) -> ReadOptions {
        ReadOptions {
            lead: self.lead,
            sample_rate_hz: self.fs,
            uv_per_lsb: self.uv_per_lsb,
        }
    }
}

/// A CLI failure: one line for stderr.
#[derive(Debug)]
pub struct CliError(pub String);

impl From<IoError> for CliError {
    fn from(e: IoError) -> Self {
        CliError(e.to_string())
    }
}

/// Load the config file (if any) and set the sample rate of the record. A sample rate the engine
/// does not take is an error naming `record`; any other invalid field names the config file.
pub fn load_config(
    path: Option<&Path>,
    sample_rate_hz: f32,
    record: &Path,
) -> Result<Config, CliError> {
    let mut config = match path {
        None => Config::default(),
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| CliError(format!("{}: {e}", p.display())))?;
            serde_json::from_str(&text)
                .map_err(|e| CliError(format!("{}: invalid config: {e}", p.display())))?
        }
    };
    config.sample_rate_hz = sample_rate_hz;
    config.validate().map_err(|e| {
        // The sample rate comes from the record; every other field from the config file.
        let origin = match path {
            Some(p) if e.field != "sample_rate_hz" => p,
            _ => record,
        };
        let origin = origin.display();
        CliError(format!("{origin}: {e}"))
    })?;
    Ok(config)
}

/// Read a recording with the CLI's options.
pub fn read_recording(path: &Path, input: &InputArgs) -> Result<io::Recording, CliError> {
    Ok(io::open_recording(path, &input.read_options())?)
}

/// Write one line of a report on stdout (the body of [`outln!`]). Reports are printed as they
/// are computed, deep inside the commands, so a failed write ends the process here: quietly
/// with status 0 when the reader has gone (a broken pipe: `eval … | head`), otherwise with
/// one line on stderr and status 2.
pub(crate) fn write_line(args: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    let written = out.write_fmt(args).and_then(|()| out.write_all(b"\n"));
    if let Err(e) = written {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("ecg-rhythm: stdout: {e}");
        std::process::exit(2);
    }
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Analyze(a) => analyze::run(&a),
        Command::Eval(e) => eval::run(&e),
        Command::Nst(n) => nst::run(&n),
        Command::Plot(p) => plot::run(&p),
        Command::Train(t) => train::run(&t),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError(msg)) => {
            eprintln!("ecg-rhythm: {msg}");
            ExitCode::from(2)
        }
    }
}
