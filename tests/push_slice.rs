//! `Engine::push_slice` gives exactly the events of `Engine::push` sample by sample, whatever
//! the slicing: its filter sections run as a wavefront over the slice
//! (`filter::cascade`), its per-sample work does not.

use ecg_rhythm::event::Event;
use ecg_rhythm::synth::Synth;
use ecg_rhythm::{Config, Engine};

/// The 60-s excerpt of mitdb 208 (360 Hz) in test-data.
fn excerpt() -> Vec<f32> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/test-data/mitdb-208-lead0-60s.csv"
    );
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().trim().parse().unwrap())
        .collect()
}

/// A synthetic ECG with a noise burst, a flat stretch, a step and samples that are not finite.
fn troubled(fs: f32) -> Vec<f32> {
    let (mut x, _) = Synth::new(fs).generate(40.0);
    let at = |s: f32| (s * fs) as usize;
    for (i, v) in x.iter_mut().enumerate() {
        if (at(10.0)..at(12.0)).contains(&i) {
            *v += 0.8 * ((i * 7919 % 1000) as f32 / 500.0 - 1.0);
        } else if (at(20.0)..at(22.0)).contains(&i) {
            *v = 0.25;
        } else if i > at(30.0) {
            *v += 3.0;
        }
        if i % at(3.3) == 17 {
            *v = f32::NAN;
        } else if i % at(7.1) == 5 {
            *v = f32::NEG_INFINITY;
        }
    }
    x
}

fn sample_by_sample(config: Config, x: &[f32]) -> Vec<Event> {
    let mut engine = Engine::new(config).unwrap();
    let mut events = Vec::new();
    for &v in x {
        engine.push(v, &mut events);
    }
    events
}

/// Push `x` in slices, slice `k` of `len(k)` samples.
fn sliced(config: Config, x: &[f32], len: impl Fn(usize) -> usize) -> Vec<Event> {
    let mut engine = Engine::new(config).unwrap();
    let mut events = Vec::new();
    let (mut at, mut k) = (0, 0);
    while at < x.len() {
        let end = (at + len(k)).min(x.len());
        engine.push_slice(&x[at..end], &mut events);
        at = end;
        k += 1;
    }
    events
}

fn configs(fs: f32) -> [Config; 2] {
    let with_notch = Config::with_sample_rate(fs);
    let mut without = with_notch.clone();
    without.filter.notch = false;
    [with_notch, without]
}

fn check(name: &str, config: &Config, x: &[f32]) {
    let expected = sample_by_sample(config.clone(), x);
    assert!(
        expected.iter().any(|e| matches!(e, Event::Sync(_))),
        "{name}: the comparison needs markers"
    );
    for (what, len) in [
        ("whole", &(|_| usize::MAX) as &dyn Fn(usize) -> usize),
        ("blocks of 4096", &|_| 4096),
        ("1 to 50 samples", &|k| 1 + k * 7 % 50),
    ] {
        let got = sliced(config.clone(), x, len);
        assert_eq!(got.len(), expected.len(), "{name}, {what}: event count");
        for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
            assert_eq!(g, e, "{name}, {what}: event {i}");
        }
    }
}

#[test]
fn slices_give_the_events_of_single_pushes_on_a_recorded_strip() {
    let x = excerpt();
    for config in configs(360.0) {
        check("mitdb 208 excerpt", &config, &x);
    }
}

#[test]
fn slices_give_the_events_of_single_pushes_through_trouble_at_every_rate() {
    for fs in [125.0, 250.0, 500.0, 1000.0] {
        let x = troubled(fs);
        for config in configs(fs) {
            check(&format!("synthetic at {fs} Hz"), &config, &x);
        }
    }
}
