//! Shared helpers of the integration tests.
#![allow(dead_code)]

pub use ecg_rhythm::synth::Synth;
