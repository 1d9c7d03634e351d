//! Properties of the event stream for arbitrary input streams (proptest).
//!
//! Streams are built from segments — synthetic ECG at random rates and amplitudes, NaN and
//! infinities, flat lines, DC steps, white noise, spikes — so that both the normal and the
//! pathological paths are exercised.

use ecg_rhythm::event::{Decision, Event};
use ecg_rhythm::synth::Synth;
use ecg_rhythm::{Config, Engine};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Segment {
    Ecg { bpm: f32, r_mv: f32, seconds: f32 },
    Missing { seconds: f32 },
    Flat { value: f32, seconds: f32 },
    Noise { seed: u32, mv: f32, seconds: f32 },
    Raw(Vec<f32>),
}

fn segment() -> impl Strategy<Value = Segment> {
    prop_oneof![
        4 => (30.0f32..220.0, 0.05f32..5.0, 2.0f32..20.0)
            .prop_map(|(bpm, r_mv, seconds)| Segment::Ecg { bpm, r_mv, seconds }),
        1 => (0.1f32..3.0).prop_map(|seconds| Segment::Missing { seconds }),
        1 => (-50.0f32..50.0, 0.5f32..12.0).prop_map(|(value, seconds)| Segment::Flat { value, seconds }),
        1 => (any::<u32>(), 0.01f32..20.0, 0.5f32..10.0)
            .prop_map(|(seed, mv, seconds)| Segment::Noise { seed: seed | 1, mv, seconds }),
        1 => prop::collection::vec(any::<f32>(), 1..200).prop_map(Segment::Raw),
    ]
}

fn render(fs: f32, segments: &[Segment]) -> Vec<f32> {
    let mut x = Vec::new();
    for s in segments {
        match s {
            Segment::Ecg { bpm, r_mv, seconds } => {
                let mut synth = Synth::new(fs);
                synth.bpm = *bpm;
                synth.r_mv = *r_mv;
                x.extend(synth.generate(*seconds).0);
            }
            Segment::Missing { seconds } => {
                x.extend(std::iter::repeat(f32::NAN).take((seconds * fs) as usize))
            }
            Segment::Flat { value, seconds } => {
                x.extend(std::iter::repeat(*value).take((seconds * fs) as usize))
            }
            Segment::Noise { seed, mv, seconds } => {
                let mut s = *seed;
                x.extend((0..(seconds * fs) as usize).map(|_| {
                    s ^= s << 13;
                    s ^= s >> 17;
                    s ^= s << 5;
                    (s as f32 / u32::MAX as f32 - 0.5) * mv
                }));
            }
            Segment::Raw(v) => x.extend_from_slice(v),
        }
    }
    x
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn event_stream_invariants(
        fs in prop::sample::select(vec![125.0f32, 250.0, 360.0, 500.0, 1000.0]),
        segments in prop::collection::vec(segment(), 1..6),
    ) {
        let x = render(fs, &segments);
        let config = Config::with_sample_rate(fs);
        let refractory = (config.qrs.refractory_ms * fs / 1000.0).round() as u64;
        let window = (config.rhythm.window_s * fs).round() as u64;
        let step = (config.rhythm.step_s * fs).round() as u64;
        let mut engine = Engine::new(config).unwrap();
        let events = engine.analyze(&x);

        let mut last_emitted = 0;
        let mut last_beat: Option<u64> = None;
        let mut last_window: Option<(u64, u64)> = None;
        // Sync is withheld while the last decision is indeterminate; markers come only while the
        // gate says it is available (after a VF call only when it overrules the call because the
        // beats are organised, see sync::SyncMarkerGate).
        let mut indeterminate = false;
        let mut gate_available = false;
        for e in &events {
            let emitted = e.emitted();
            prop_assert!(emitted >= last_emitted, "emitted went back: {e:?}");
            prop_assert!((emitted as usize) < x.len());
            last_emitted = emitted;
            match e {
                Event::Beat(b) => {
                    prop_assert!(b.sample <= b.emitted);
                    if let Some(prev) = last_beat {
                        prop_assert!(b.sample >= prev + refractory, "beats {prev} and {} closer than refractory", b.sample);
                    }
                    last_beat = Some(b.sample);
                }
                Event::Sync(s) => {
                    prop_assert!(s.sample <= s.emitted);
                    prop_assert!(!indeterminate, "sync marker while indeterminate: {s:?}");
                    prop_assert!(gate_available, "sync marker while the gate is unavailable: {s:?}");
                }
                Event::Rhythm(r) => {
                    prop_assert_eq!(r.end - r.start, window);
                    prop_assert_eq!(r.emitted + 1, r.end);
                    if let Some((s0, _)) = last_window {
                        prop_assert_eq!(r.start - s0, step, "windows do not tile by the step");
                    } else {
                        prop_assert_eq!(r.start, 0);
                    }
                    last_window = Some((r.start, r.end));
                    indeterminate = r.decision == Decision::Indeterminate;
                }
                Event::SyncState(st) => {
                    gate_available = st.available;
                    prop_assert!(!(st.available && indeterminate), "gate available while indeterminate");
                }
                Event::Quality(_) => {}
                _ => {}
            }
        }
    }
}
