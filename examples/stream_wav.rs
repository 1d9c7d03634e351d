//! A WAV strip streamed through the engine, sample by sample, as a monitor would see it.
//!
//! ```text
//! cargo run --release --example stream_wav                    # the bundled strip (or a demo)
//! cargo run --release --example stream_wav -- demo            # a generated sinus + VF strip
//! cargo run --release --example stream_wav -- strip.wav 2.5   # your file, 2.5 µV per LSB
//! ```
//!
//! WAV files carry no unit: integer samples are scaled by the µV-per-LSB argument (default 1, the
//! convention of `ecg_rhythm::io::wav`), float samples are taken as millivolts. Only the first
//! channel is analysed. Without a path the example streams the bundled excerpt
//! `test-data/mitdb_100.wav` (MIT-BIH record 100, first 60 s, 1 µV per LSB) when the checkout has
//! it; with `demo`, or without the bundled file, it writes `target/stream_wav_demo.wav` (16-bit,
//! 250 Hz, 1 µV per LSB): 12 s of sinus rhythm at 75 bpm followed by 8 s of a VF-like chaotic
//! undulation, and streams that.
//!
//! The reader is `hound`'s lazy sample iterator, so the file is never held in memory: each sample
//! is read, scaled and pushed, and the events it produced are printed at once with their delay.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ecg_rhythm::event::Event;
use ecg_rhythm::report::{advice_text, class_name, clock};
use ecg_rhythm::{Config, Engine};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("stream_wav: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-data/mitdb_100.wav");
    let path = match args.next() {
        Some(p) if p != "demo" => PathBuf::from(p),
        Some(_) => demo_strip()?,
        None if bundled.exists() => bundled,
        None => demo_strip()?,
    };
    let uv_per_lsb: f32 = match args.next() {
        Some(s) => s.parse().map_err(|e| format!("µV per LSB {s:?}: {e}"))?,
        None => 1.0,
    };

    let mut reader =
        hound::WavReader::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let spec = reader.spec();
    let fs = spec.sample_rate as f32;
    let channels = usize::from(spec.channels.max(1));
    println!(
        "{}: {} Hz, {} channel(s), {}-bit {:?}, {} samples per channel",
        path.display(),
        spec.sample_rate,
        spec.channels,
        spec.bits_per_sample,
        spec.sample_format,
        reader.duration()
    );
    let mut engine = Engine::new(Config::with_sample_rate(fs))
        .map_err(|e| format!("{}: {e}", path.display()))?;

    let to_mv = 1e-3 * uv_per_lsb;
    let samples: Box<dyn Iterator<Item = Result<f32, hound::Error>>> = match spec.sample_format {
        hound::SampleFormat::Int => Box::new(
            reader
                .samples::<i32>()
                .map(move |s| s.map(|v| v as f32 * to_mv)),
        ),
        hound::SampleFormat::Float => Box::new(reader.samples::<f32>()),
    };
    let fs64 = f64::from(fs);
    let mut counts = Counts::default();
    for (k, sample) in samples.step_by(channels).enumerate() {
        let mv = sample.map_err(|e| format!("{}: sample {k}: {e}", path.display()))?;
        engine.push(mv, &mut |e: Event| print_event(&e, fs64, &mut counts));
    }
    println!(
        "\n{} samples streamed: {} beats, {} sync markers, {} rhythm decisions",
        engine.samples_pushed(),
        counts.beats,
        counts.markers,
        counts.decisions
    );
    Ok(())
}

#[derive(Default)]
struct Counts {
    beats: usize,
    markers: usize,
    decisions: usize,
}

/// One line per event: when it describes, when it was issued, and the delay in between.
fn print_event(e: &Event, fs: f64, counts: &mut Counts) {
    let ms = |a: u64, b: u64| (b as f64 - a as f64) * 1000.0 / fs;
    match e {
        Event::Beat(b) => {
            counts.beats += 1;
            let rate = b
                .rr_ms
                .map_or(String::new(), |rr| format!("  {:.0} bpm", 60_000.0 / rr));
            println!(
                "{}  beat     R at {}  (+{:.0} ms){rate}",
                clock(b.emitted, fs),
                clock(b.sample, fs),
                ms(b.sample, b.emitted)
            );
        }
        Event::Sync(m) => {
            counts.markers += 1;
            println!(
                "{}  SYNC     marker for R at {}  (+{:.0} ms)",
                clock(m.emitted, fs),
                clock(m.sample, fs),
                ms(m.sample, m.emitted)
            );
        }
        Event::Rhythm(r) => {
            counts.decisions += 1;
            println!(
                "{}  rhythm   {} ({}) for {} - {}",
                clock(r.emitted, fs),
                advice_text(r.decision),
                class_name(r.class),
                clock(r.start, fs),
                clock(r.end, fs)
            );
        }
        Event::SyncState(s) => println!(
            "{}  sync     {}{}",
            clock(s.emitted, fs),
            if s.available { "available" } else { "withheld" },
            s.reason.map_or(String::new(), |r| format!(" ({r:?})"))
        ),
        Event::Quality(q) => println!(
            "{}  quality  {:?} from {}{}",
            clock(q.emitted, fs),
            q.issue,
            clock(q.start, fs),
            q.end
                .map_or(String::new(), |e| format!(" to {}", clock(e, fs)))
        ),
        other => println!("{}  {other:?}", clock(other.emitted(), fs)),
    }
}

/// Write the demo strip under `target/` and return its path.
fn demo_strip() -> Result<PathBuf, Box<dyn Error>> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/stream_wav_demo.wav");
    write_demo_strip(&p)?;
    println!("wrote the demo strip {}", p.display());
    Ok(p)
}

/// Write the demo strip: 12 s of sinus rhythm, then 8 s of a VF-like signal, 16-bit at 250 Hz.
fn write_demo_strip(path: &Path) -> Result<(), Box<dyn Error>> {
    let fs = 250.0f32;
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: fs as u32,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut w = hound::WavWriter::create(path, spec)?;
    for i in 0..(20.0 * fs) as usize {
        let t = i as f32 / fs;
        let mv = if t < 12.0 {
            // PQRST as a sum of bumps, one beat every 0.8 s.
            let tb = t % 0.8;
            let bump = |c: f32, w: f32, a: f32| a * (-((tb - c) / w).powi(2)).exp();
            bump(0.10, 0.025, 0.12)
                + bump(0.20, 0.011, 1.1)
                + bump(0.225, 0.012, -0.25)
                + bump(0.45, 0.05, 0.3)
        } else {
            // VF-like: several incommensurate 3-7 Hz waves with a slowly changing amplitude.
            let s = t - 12.0;
            let amp = 0.35 + 0.15 * (0.7 * s).sin();
            amp * ((2.0 * std::f32::consts::PI * 4.9 * s).sin()
                + 0.6 * (2.0 * std::f32::consts::PI * 6.3 * s + 1.0).sin()
                + 0.4 * (2.0 * std::f32::consts::PI * 3.1 * s + 2.0).sin())
        };
        // 1 µV per LSB.
        w.write_sample((mv * 1000.0).round() as i16)?;
    }
    w.finalize()?;
    Ok(())
}
