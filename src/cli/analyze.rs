//! `ecg-rhythm analyze`.
//!
//! WFDB records are streamed ([`crate::io::stream::WfdbStream`]): samples are decoded a chunk at
//! a time and events are written as they are issued, so a 24-hour Holter record is analysed in
//! flat memory. WAV and CSV strips are read whole. Several records are analysed in parallel,
//! one engine per record.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{load_config, read_recording, CliError, InputArgs};
use crate::engine::Engine;
use crate::event::{Event, EventSink};
use crate::io::annotation::{Annotation, NORMAL};
use crate::io::stream::WfdbStream;
use crate::io::{jsonl, wfdb};

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
    /// Worker threads for several records (default: one per core).
    #[arg(long)]
    pub jobs: Option<usize>,
}

/// What a record's analysis found, for the summary.
#[derive(Debug, Default)]
struct Summary {
    name: String,
    lead_name: String,
    sample_rate_hz: f32,
    samples: u64,
    beats: u64,
    first_beat: u64,
    last_beat: u64,
    min_rate: f64,
    max_rate: f64,
    syncs: u64,
}

impl Summary {
    fn beat(&mut self, sample: u64) {
        if self.beats > 0 {
            let rate = 60.0 * self.sample_rate_hz as f64 / (sample - self.last_beat) as f64;
            self.min_rate = self.min_rate.min(rate);
            self.max_rate = self.max_rate.max(rate);
        } else {
            self.first_beat = sample;
            self.min_rate = f64::INFINITY;
            self.max_rate = 0.0;
        }
        self.last_beat = sample;
        self.beats += 1;
    }

    fn write(&self, out: &mut impl Write) -> std::io::Result<()> {
        let fs = self.sample_rate_hz as f64;
        writeln!(out, "record      {}", self.name)?;
        writeln!(out, "lead        {}", self.lead_name)?;
        writeln!(
            out,
            "duration    {:.1} s ({} samples at {} Hz)",
            self.samples as f64 / fs,
            self.samples,
            fs
        )?;
        writeln!(out, "beats       {}", self.beats)?;
        if self.beats > 1 {
            let mean =
                60.0 * (self.beats - 1) as f64 / ((self.last_beat - self.first_beat) as f64 / fs);
            writeln!(
                out,
                "heart rate  min {:.0} / mean {mean:.0} / max {:.0} bpm",
                self.min_rate, self.max_rate
            )?;
        }
        writeln!(out, "sync marks  {}", self.syncs)
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

fn is_strip(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("wav") || e.eq_ignore_ascii_case("csv"))
}

/// Open a record for streaming; returns the source and an empty summary naming it.
fn open(path: &Path, input: &InputArgs) -> Result<(Source, Summary), CliError> {
    if is_strip(path) {
        let rec = read_recording(path, input)?;
        let summary = Summary {
            name: rec.name,
            lead_name: rec.lead_name,
            sample_rate_hz: rec.sample_rate_hz,
            ..Summary::default()
        };
        return Ok((Source::Whole(rec.samples_mv.into_iter()), summary));
    }
    let stream = WfdbStream::open(path, input.lead)?;
    let header = stream.header();
    let summary = Summary {
        name: header.name.clone(),
        lead_name: header
            .signals
            .get(input.lead)
            .map(|s| s.description.clone())
            .unwrap_or_default(),
        sample_rate_hz: stream.sample_rate_hz(),
        ..Summary::default()
    };
    Ok((Source::Wfdb(Box::new(stream)), summary))
}

/// Receives a record's events: summary, beat list, JSON Lines output.
struct RecordSink<'a, 'w> {
    summary: &'a mut Summary,
    beats: Option<&'a mut Vec<Annotation>>,
    out: Option<&'a mut (dyn Write + 'w)>,
    /// The first write error; writing stops there.
    error: Option<std::io::Error>,
}

impl EventSink for RecordSink<'_, '_> {
    fn event(&mut self, e: Event) {
        match e {
            Event::Beat(b) => {
                self.summary.beat(b.sample);
                if let Some(list) = self.beats.as_deref_mut() {
                    list.push(Annotation::new(b.sample, NORMAL));
                }
            }
            Event::Sync(_) => self.summary.syncs += 1,
            _ => {}
        }
        if let (Some(out), None) = (self.out.as_deref_mut(), &self.error) {
            if let Err(err) = jsonl::write_event(&mut &mut *out, &e) {
                self.error = Some(err);
            }
        }
    }
}

/// Analyse one record: events go to `events_out` as they are issued (when given), beats to
/// `beats` (when given); returns the summary.
fn analyze_record(
    path: &Path,
    input: &InputArgs,
    events_out: Option<&mut dyn Write>,
    beats: Option<&mut Vec<Annotation>>,
) -> Result<Summary, CliError> {
    let (mut source, mut summary) = open(path, input)?;
    let config = load_config(input.config.as_deref(), summary.sample_rate_hz)?;
    let mut engine =
        Engine::new(config).map_err(|e| CliError(format!("{}: {e}", path.display())))?;
    let mut sink = RecordSink {
        summary: &mut summary,
        beats,
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
            return Err(CliError(format!("output: {err}")));
        }
    }
    summary.samples = samples;
    Ok(summary)
}

/// Run `analyze`.
pub fn run(args: &AnalyzeArgs) -> Result<(), CliError> {
    match args.records.as_slice() {
        [one] => run_one(one, args),
        many => run_many(many, args),
    }
}

fn run_one(path: &Path, args: &AnalyzeArgs) -> Result<(), CliError> {
    let mut beats = args.annotations_out.as_ref().map(|_| Vec::new());
    let stdout = std::io::stdout();
    let summary = if args.jsonl {
        let mut out: Box<dyn Write> = match &args.out_dir {
            Some(dir) => Box::new(create_in(dir, path)?),
            None => Box::new(BufWriter::new(stdout.lock())),
        };
        let s = analyze_record(path, &args.input, Some(&mut out), beats.as_mut())?;
        out.flush().map_err(|e| CliError(format!("output: {e}")))?;
        s
    } else {
        analyze_record(path, &args.input, None, beats.as_mut())?
    };
    if let (Some(out), Some(beats)) = (&args.annotations_out, &beats) {
        wfdb::write_annotations(out, beats)?;
    }
    if !args.jsonl {
        let mut out = BufWriter::new(stdout.lock());
        summary
            .write(&mut out)
            .and_then(|_| out.flush())
            .map_err(|e| CliError(format!("stdout: {e}")))?;
    }
    Ok(())
}

fn run_many(paths: &[PathBuf], args: &AnalyzeArgs) -> Result<(), CliError> {
    if args.annotations_out.is_some() {
        return Err(CliError(
            "--annotations-out takes one record; analyse records one at a time".into(),
        ));
    }
    if args.jsonl && args.out_dir.is_none() {
        return Err(CliError(
            "several records with --jsonl need --out-dir DIR (one RECORD.jsonl per record)".into(),
        ));
    }
    let work = || -> Vec<Result<Summary, CliError>> {
        paths
            .par_iter()
            .map(|path| match &args.out_dir {
                Some(dir) if args.jsonl => {
                    let mut out = create_in(dir, path)?;
                    let s = analyze_record(path, &args.input, Some(&mut out), None)?;
                    out.flush()
                        .map_err(|e| CliError(format!("{}: {e}", dir.display())))?;
                    Ok(s)
                }
                _ => analyze_record(path, &args.input, None, None),
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
            Ok(s) if !args.jsonl => {
                s.write(&mut out)
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
    let stem = wfdb::record_base(path)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "record".into());
    let file = dir.join(format!("{stem}.jsonl"));
    File::create(&file)
        .map(BufWriter::new)
        .map_err(|e| CliError(format!("{}: {e}", file.display())))
}
