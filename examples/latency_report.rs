//! Prints the per-stage delays of the engine on a synthetic ECG with known R peaks, at several
//! sample rates: the table of docs/latency.md.
//!
//! Run: `cargo run --release --example latency_report`

use ecg_rhythm::event::Event;
use ecg_rhythm::synth::Synth;
use ecg_rhythm::{Config, Engine};

fn percentile(v: &mut [f64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() - 1) as f64 * q).round() as usize]
}

fn main() {
    println!("| rate Hz | pre-filter ms | QRS band+slope ms | beat decision ms (median / max) | sync marker after R ms (median / max) |");
    println!("|---|---|---|---|---|");
    for fs in [125.0f32, 250.0, 360.0, 500.0, 1000.0] {
        let (x, peaks) = Synth::new(fs).generate(120.0);
        let mut engine = Engine::new(Config::with_sample_rate(fs)).expect("valid config");
        let lat = engine.latencies();
        let events = engine.analyze(&x);
        let to_ms = |s: f64| s * 1000.0 / fs as f64;
        let nearest = |s: u64| *peaks.iter().min_by_key(|p| p.abs_diff(s)).unwrap_or(&0);
        let mut beat: Vec<f64> = Vec::new();
        let mut sync: Vec<f64> = Vec::new();
        for e in &events {
            match e {
                Event::Beat(b) => beat.push(to_ms(b.emitted as f64 - nearest(b.sample) as f64)),
                Event::Sync(s) => sync.push(to_ms(s.emitted as f64 - nearest(s.emitted) as f64)),
                _ => {}
            }
        }
        println!(
            "| {fs} | {:.1} | {:.1} | {:.0} / {:.0} | {:.1} / {:.1} |",
            to_ms(lat.prefilter_samples as f64),
            to_ms(lat.qrs_band_samples as f64),
            percentile(&mut beat, 0.5),
            percentile(&mut beat, 1.0),
            percentile(&mut sync, 0.5),
            percentile(&mut sync, 1.0),
        );
    }
}
