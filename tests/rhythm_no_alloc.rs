//! The shock advisor (and the engine around it) allocates nothing after construction.

use ecg_rhythm::event::Event;
use ecg_rhythm::rhythm::ShockAdvisor;
use ecg_rhythm::{Config, Engine};

#[path = "common/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::allocations;

fn signal(fs: f32, seconds: f32) -> Vec<f32> {
    (0..(fs * seconds) as usize)
        .map(|i| {
            let t = i as f32 / fs;
            // 20 s sinus-like spikes, then 20 s of a 5-Hz undulation, then a flat line.
            if t < 20.0 {
                let ph = t % 0.8;
                1.2 * (-(ph - 0.2) * (ph - 0.2) / (2.0 * 0.012 * 0.012)).exp()
            } else if t < 40.0 {
                0.6 * (2.0 * std::f32::consts::PI * 5.0 * t).sin()
            } else {
                0.0
            }
        })
        .collect()
}

#[test]
fn no_allocation_after_construction() {
    for (fs, window_s) in [(360.0, 8.0), (250.0, 4.0)] {
        let x = signal(fs, 50.0);
        let mut c = Config::with_sample_rate(fs);
        c.rhythm.window_s = window_s;
        let mut engine = Engine::new(c.clone()).unwrap();
        let mut advisor = ShockAdvisor::new(&c).unwrap();
        let mut rhythm = 0usize;
        let mut sink = |e: Event| {
            if matches!(e, Event::Rhythm(_)) {
                rhythm += 1;
            }
        };
        let before = allocations();
        for &v in &x {
            engine.push(v, &mut sink);
            let _ = advisor.push(v, false, v, None);
        }
        let after = allocations();
        assert_eq!(after - before, 0, "fs {fs}");
        assert!(rhythm >= 40);
    }
}
