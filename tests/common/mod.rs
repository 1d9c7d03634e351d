//! Shared helpers of the integration tests.
#![allow(dead_code, unused_imports)]

pub use ecg_rhythm::synth::Synth;

use ecg_rhythm::event::{Event, RhythmEvent};
use ecg_rhythm::{Config, Engine};

/// The `rhythm` events of the whole engine on `x`, in order.
pub fn rhythm_events(config: Config, x: &[f32]) -> Vec<RhythmEvent> {
    Engine::new(config)
        .unwrap()
        .analyze(x)
        .into_iter()
        .filter_map(|e| match e {
            Event::Rhythm(r) => Some(r),
            _ => None,
        })
        .collect()
}
