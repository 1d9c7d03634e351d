//! Per-stage cost: pre-filter, QRS detector, shock advisor (rhythm features: resampler, blocks,
//! segment spectra, TCSC, leakage, Lempel–Ziv, beats; decisions with the model), whole engine
//! (sample by sample, and from one slice),
//! over a real 60 s excerpt.
//!
//! `cargo bench --bench stages`; throughput is reported in samples (elements) per second.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use ecg_rhythm::event::Event;
use ecg_rhythm::filter::{PreFilter, Stage};
use ecg_rhythm::qrs::QrsDetector;
use ecg_rhythm::rhythm::ShockAdvisor;
use ecg_rhythm::{Config, Engine};

mod common;

fn stages(c: &mut Criterion) {
    let x = common::excerpt();
    let config = Config::with_sample_rate(common::FS);
    let mut group = c.benchmark_group("stages");
    group.throughput(Throughput::Elements(x.len() as u64));

    let mut prefilter = PreFilter::new(&config).expect("config");
    group.bench_function("prefilter", |b| {
        b.iter(|| {
            prefilter.reset();
            let mut acc = 0.0f32;
            for &v in &x {
                acc += prefilter.run(black_box(v));
            }
            acc
        })
    });

    // The detector sees pre-filtered input, as in the engine.
    let mut f = PreFilter::new(&config).expect("config");
    let filtered: Vec<f32> = x.iter().map(|&v| f.run(v)).collect();
    let mut qrs = QrsDetector::new(&config, f.latency()).expect("config");
    group.bench_function("qrs", |b| {
        b.iter(|| {
            qrs.reset();
            let mut beats = 0u32;
            for &v in &filtered {
                let out = qrs.push(black_box(v));
                beats += u32::from(out.beat.is_some());
            }
            beats
        })
    });

    // The advisor sees what the engine gives it: raw and pre-filtered samples, and the beats
    // the detector confirmed (recorded once here).
    qrs.reset();
    let beats: Vec<_> = filtered.iter().map(|&v| qrs.push(v).beat).collect();
    let mut advisor = ShockAdvisor::new(&config).expect("config");
    group.bench_function("advisor", |b| {
        b.iter(|| {
            advisor.reset();
            let mut decisions = 0u32;
            for ((&raw, &y), beat) in x.iter().zip(&filtered).zip(&beats) {
                let advice = advisor.push(black_box(raw), false, y, beat.as_ref());
                decisions += u32::from(advice.is_some());
            }
            decisions
        })
    });

    let mut engine = Engine::new(config.clone()).expect("config");
    group.bench_function("engine", |b| {
        b.iter(|| {
            engine.reset();
            let mut events = 0u32;
            let mut sink = counting(&mut events);
            for &v in &x {
                engine.push(black_box(v), &mut sink);
            }
            drop(sink);
            events
        })
    });
    // The same events from slices (`Engine::push_slice`: the filter sections as a wavefront),
    // as the CLI, the C interface's push of N samples and `examples/throughput` feed it.
    group.bench_function("engine_slice", |b| {
        b.iter(|| {
            engine.reset();
            let mut events = 0u32;
            engine.push_slice(black_box(&x), &mut counting(&mut events));
            events
        })
    });
    group.finish();
}

/// An event sink that counts the events (and keeps the compiler from dropping them).
fn counting(events: &mut u32) -> impl FnMut(Event) + '_ {
    |e: Event| {
        black_box(&e);
        *events += 1;
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(4));
    targets = stages
}
criterion_main!(benches);
