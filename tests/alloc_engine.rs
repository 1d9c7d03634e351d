//! No allocation after `Engine::new`: a counting global allocator watches whole records go
//! through the engine.
//!
//! Runs on a real excerpt (`test-data/`), on a long synthetic signal with rate changes, noise,
//! missing samples and a flat line, and — when `../shared/data` (or `$ECG_RHYTHM_DATA`) is
//! present — on every full MIT-BIH Arrhythmia record.

use std::path::{Path, PathBuf};

use ecg_rhythm::{Config, Engine, Event};

#[path = "common/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::allocations;

/// Event counts of one run, gathered without allocating.
#[derive(Debug, Default)]
struct Tally {
    beats: u64,
    syncs: u64,
    other: u64,
}

/// Build an engine (allocating), then push every sample and return the allocations made by
/// the pushes alone, with what the engine reported.
fn allocations_while_pushing(fs: f32, samples: &[f32]) -> (u64, u64, Tally) {
    let before_new = allocations();
    let mut engine = Engine::new(Config::with_sample_rate(fs)).expect("valid config");
    let by_new = allocations() - before_new;
    let mut tally = Tally::default();
    let mut sink = |e: Event| match e {
        Event::Beat(_) => tally.beats += 1,
        Event::Sync(_) => tally.syncs += 1,
        _ => tally.other += 1,
    };
    let before = allocations();
    for &x in samples {
        engine.push(x, &mut sink);
    }
    let during = allocations() - before;
    (by_new, during, tally)
}

fn read_csv_column(path: &Path) -> Vec<f32> {
    let text = std::fs::read_to_string(path).expect("test-data excerpt");
    text.lines()
        .skip(1)
        .map(|l| {
            let value = l.trim().rsplit(',').next().unwrap_or_default();
            value.parse::<f32>().expect("`time_s,ecg_mv` rows")
        })
        .collect()
}

/// Beats at a rate that drifts between 45 and 170 bpm, with baseline wander, mains hum, a
/// noise burst, missing samples and a flat line.
fn synthetic(fs: f32, seconds: f32) -> Vec<f32> {
    let n = (fs * seconds) as usize;
    let mut out = Vec::with_capacity(n);
    let mut next_beat = 0.5 * fs;
    let mut seed = 0x2545_f491_u32;
    for i in 0..n {
        let t = i as f32 / fs;
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let noise = (seed as f32 / u32::MAX as f32 - 0.5) * 0.04;
        let bpm = 107.5 + 62.5 * (2.0 * std::f32::consts::PI * t / 300.0).sin();
        if i as f32 >= next_beat {
            next_beat += 60.0 / bpm * fs;
        }
        let since = (i as f32 - (next_beat - 60.0 / bpm * fs)) / fs;
        let qrs = 1.3 * (-(since * since) / (2.0 * 0.01 * 0.01)).exp();
        let t_wave = 0.3 * (-((since - 0.25) * (since - 0.25)) / (2.0 * 0.04 * 0.04)).exp();
        let wander = 0.3 * (2.0 * std::f32::consts::PI * 0.2 * t).sin();
        let hum = 0.05 * (2.0 * std::f32::consts::PI * 60.0 * t).sin();
        let mut x = qrs + t_wave + wander + hum + noise;
        let minute = (t / 60.0) as u32;
        if minute == 7 && t % 60.0 < 10.0 {
            x += noise * 50.0; // noise burst
        }
        if minute == 9 && t % 60.0 < 1.0 {
            x = f32::NAN; // missing samples
        }
        if minute == 11 && t % 60.0 < 8.0 {
            x = 0.0; // lead off
        }
        out.push(x);
    }
    out
}

#[test]
fn engine_new_allocates_and_the_counter_sees_it() {
    let (by_new, _, _) = allocations_while_pushing(360.0, &[0.0; 10]);
    assert!(
        by_new > 0,
        "the counting allocator saw no allocation in Engine::new"
    );
}

#[test]
fn real_excerpt_pushes_allocate_nothing() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-data/mitdb-208-lead0-60s.csv");
    let x = read_csv_column(&path);
    let (_, during, tally) = allocations_while_pushing(360.0, &x);
    assert!(tally.beats > 50, "{tally:?}");
    assert_eq!(during, 0, "allocations while pushing {} samples", x.len());
}

#[test]
fn long_synthetic_signal_pushes_allocate_nothing() {
    for fs in [125.0, 250.0, 360.0, 1000.0] {
        let x = synthetic(fs, 15.0 * 60.0);
        let (_, during, tally) = allocations_while_pushing(fs, &x);
        assert!(tally.beats > 500 && tally.syncs > 100, "fs {fs}: {tally:?}");
        assert_eq!(
            during,
            0,
            "fs {fs}: allocations while pushing {} samples",
            x.len()
        );
    }
}

fn shared_data() -> Option<PathBuf> {
    let dir = std::env::var_os("ECG_RHYTHM_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    dir.join("mitdb").is_dir().then_some(dir)
}

#[test]
fn full_mitdb_records_push_without_allocating() {
    let Some(data) = shared_data() else {
        eprintln!("skipped: ../shared/data (or $ECG_RHYTHM_DATA) not present");
        return;
    };
    let mut records: Vec<PathBuf> = std::fs::read_dir(data.join("mitdb"))
        .expect("mitdb folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "hea"))
        .collect();
    records.sort();
    assert!(!records.is_empty());
    for hea in &records {
        let rec = ecg_rhythm::io::wfdb::read_recording(hea, 0).expect("readable record");
        let (_, during, tally) = allocations_while_pushing(rec.sample_rate_hz, &rec.samples_mv);
        assert!(tally.beats > 0, "{}: {tally:?}", rec.name);
        assert_eq!(during, 0, "{}: allocations while pushing", rec.name);
    }
}
