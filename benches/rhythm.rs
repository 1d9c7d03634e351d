//! Shock advisor cost: the decision push (features of the window + model) and one second of
//! pushes (mean cost per sample, including the spread segment analyses).

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion};
use ecg_rhythm::rhythm::ShockAdvisor;
use ecg_rhythm::Config;

fn signal(fs: f32, seconds: f32) -> Vec<f32> {
    (0..(fs * seconds) as usize)
        .map(|i| {
            let t = i as f32 / fs;
            0.5 * (2.0 * std::f32::consts::PI * 4.3 * t).sin()
                + 0.3 * (2.0 * std::f32::consts::PI * 5.9 * t + 0.3 * (0.7 * t).sin()).sin()
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    for window_s in [8.0f32, 4.0] {
        let fs = 360.0;
        let mut config = Config::with_sample_rate(fs);
        config.rhythm.window_s = window_s;
        let x = signal(fs, 30.0);
        let mut advisor = ShockAdvisor::new(&config).unwrap();
        // Run to the sample just before a decision.
        let mut pushed = 0usize;
        let mut decisions = 0;
        for &v in &x {
            pushed += 1;
            if advisor.push(v, false, v, None).is_some() {
                decisions += 1;
                if decisions == 10 {
                    break;
                }
            }
        }
        let step = fs as usize;
        let before = advisor.clone();
        for &v in &x[pushed..pushed + step - 1] {
            assert!(advisor.push(v, false, v, None).is_none());
        }
        let next = x[pushed + step - 1];
        c.bench_function(&format!("rhythm/decision_push_{window_s}s"), |b| {
            b.iter_batched(
                || advisor.clone(),
                |mut a| black_box(a.push(black_box(next), false, next, None)),
                BatchSize::SmallInput,
            )
        });
        let second = &x[pushed..pushed + step];
        c.bench_function(&format!("rhythm/one_second_{window_s}s_360hz"), |b| {
            b.iter_batched(
                || before.clone(),
                |mut a| {
                    for &v in second {
                        black_box(a.push(v, false, v, None));
                    }
                },
                BatchSize::SmallInput,
            )
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
