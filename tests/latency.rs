//! Per-stage delays on synthetic signals with known R peaks, at several sample rates.
//!
//! The figures these tests bound are documented in docs/latency.md.

mod common;

use common::Synth;
use ecg_rhythm::event::Event;
use ecg_rhythm::filter::{PreFilter, Stage};
use ecg_rhythm::{Config, Engine};

const RATES: [f32; 6] = [125.0, 128.0, 250.0, 360.0, 500.0, 1000.0];

fn run(fs: f32, synth: &Synth, seconds: f32) -> (Vec<u64>, Vec<Event>) {
    let (x, peaks) = synth.generate(seconds);
    let mut engine = Engine::new(Config::with_sample_rate(fs)).unwrap();
    (peaks, engine.analyze(&x))
}

fn beat_samples(events: &[Event]) -> Vec<u64> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Beat(b) => Some(b.sample),
            _ => None,
        })
        .collect()
}

fn ms(samples: f64, fs: f32) -> f64 {
    samples * 1000.0 / fs as f64
}

#[test]
fn every_beat_found_with_r_peak_within_10_ms() {
    for fs in RATES {
        let synth = Synth::new(fs);
        let (peaks, events) = run(fs, &synth, 60.0);
        let beats = beat_samples(&events);
        // After the 2-s learning phase every R peak has exactly one beat.
        let scored: Vec<u64> = peaks
            .iter()
            .copied()
            .filter(|&p| p as f32 > 3.0 * fs)
            .collect();
        let found: Vec<u64> = beats
            .iter()
            .copied()
            .filter(|&b| b as f32 > 2.9 * fs)
            .collect();
        assert_eq!(found.len(), scored.len(), "fs {fs}");
        for (b, p) in found.iter().zip(&scored) {
            let err = ms(b.abs_diff(*p) as f64, fs);
            assert!(err <= 10.0, "fs {fs}: beat at {b}, R at {p} ({err:.1} ms)");
        }
    }
}

#[test]
fn beat_decision_delay_is_bounded() {
    for fs in RATES {
        let synth = Synth::new(fs);
        let (_, events) = run(fs, &synth, 30.0);
        for e in &events {
            if let Event::Beat(b) = e {
                let delay = ms((b.emitted - b.sample) as f64, fs);
                // docs/latency.md: refractory/dominance window (300 ms) + band delay +
                // integration (100 ms) + margin (30 ms) + peak hold (95 ms) + rounding.
                assert!(
                    delay > 300.0 && delay < 620.0,
                    "fs {fs}: delay {delay:.1} ms"
                );
            }
        }
    }
}

#[test]
fn sync_markers_land_within_the_60_ms_budget() {
    for fs in RATES {
        let synth = Synth::new(fs);
        let (peaks, events) = run(fs, &synth, 60.0);
        let markers: Vec<u64> = events
            .iter()
            .filter_map(|e| match e {
                Event::Sync(s) => Some(s.emitted),
                _ => None,
            })
            .collect();
        assert!(!markers.is_empty(), "fs {fs}: no markers");
        for m in &markers {
            let nearest = peaks.iter().min_by_key(|p| p.abs_diff(*m)).unwrap();
            let latency = ms(*m as f64 - *nearest as f64, fs);
            assert!(
                (-50.0..=60.0).contains(&latency),
                "fs {fs}: marker {latency:.1} ms from R"
            );
        }
        // Once the gate is open (a few beats after learning), every beat is marked.
        let late: Vec<&u64> = peaks.iter().filter(|&&p| p as f32 > 10.0 * fs).collect();
        for p in late {
            assert!(
                markers.iter().any(|m| m.abs_diff(*p) as f32 <= 0.06 * fs),
                "fs {fs}: R at {p} not marked"
            );
        }
    }
}

#[test]
fn prefilter_removes_wander_and_mains_without_moving_r_peaks() {
    for fs in [250.0, 360.0, 500.0] {
        let mut synth = Synth::new(fs);
        synth.wander_mv = 1.0;
        synth.mains_mv = 0.3;
        synth.mains_hz = 60.0;
        let (peaks, events) = run(fs, &synth, 40.0);
        let beats = beat_samples(&events);
        let scored = peaks.iter().filter(|&&p| p as f32 > 3.0 * fs);
        for p in scored {
            assert!(
                beats.iter().any(|b| ms(b.abs_diff(*p) as f64, fs) <= 10.0),
                "fs {fs}: R at {p} missed under wander and mains"
            );
        }
    }
}

#[test]
fn prefilter_latency_is_reported_per_rate() {
    for fs in RATES {
        let f = PreFilter::new(&Config::with_sample_rate(fs)).unwrap();
        let lat_ms = ms(f.latency() as f64, fs);
        assert!(lat_ms < 15.0, "fs {fs}: {lat_ms} ms");
    }
}

/// Wide complexes whose steepest part is a deep S wave 85 ms after a broad, rounded R (the
/// shape of some ventricular ectopics): 70 bpm, R peaks returned.
fn wide_complexes(fs: f32, seconds: f32) -> (Vec<f32>, Vec<u64>) {
    let n = (seconds * fs) as usize;
    let g = |t: f32, c: f32, w: f32, a: f32| a * (-0.5 * ((t - c) / w).powi(2)).exp();
    let mut x = vec![0.0f32; n];
    let mut peaks = Vec::new();
    let mut beat_t = 0.5f32;
    while beat_t < seconds - 0.6 {
        let r = (beat_t * fs).round() as u64;
        peaks.push(r);
        let r_t = r as f32 / fs;
        // Only the samples within 0.6 s of the R peak get this beat's waves.
        let from = ((r_t - 0.6) * fs).floor().max(0.0) as usize;
        let to = (((r_t + 0.6) * fs).ceil() as usize + 1).min(n);
        for (i, v) in x.iter_mut().enumerate().take(to).skip(from) {
            let t = i as f32 / fs;
            if (t - r_t).abs() < 0.6 {
                *v += g(t, r_t, 0.04, 1.8)
                    + g(t, r_t + 0.085, 0.008, -1.0)
                    + g(t, r_t + 0.3, 0.06, 0.3);
            }
        }
        beat_t += 60.0 / 70.0;
    }
    (x, peaks)
}

#[test]
fn markers_of_wide_complexes_are_on_time_or_withheld() {
    // A trigger on the steep S wave must place the R estimate on the R peak 85 ms earlier, so
    // the gate sees the marker would be late; an estimate at the S wave would let a marker go
    // out past R + 60 ms.
    for fs in RATES {
        let (x, peaks) = wide_complexes(fs, 60.0);
        let events = Engine::new(Config::with_sample_rate(fs))
            .unwrap()
            .analyze(&x);
        for e in &events {
            if let Event::Sync(s) = e {
                let nearest = peaks.iter().min_by_key(|p| p.abs_diff(s.emitted)).unwrap();
                let latency = ms(s.emitted as f64 - *nearest as f64, fs);
                assert!(
                    (-50.0..=60.0).contains(&latency),
                    "fs {fs}: marker {latency:.1} ms from R"
                );
            }
        }
    }
}
