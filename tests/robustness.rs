//! Streams of anything a float can hold: the engine keeps running, says what is wrong, and
//! recovers. Every case runs on the synthetic ECG of `ecg_rhythm::synth` with a known R-peak
//! train, so recovery is measured exactly.

use ecg_rhythm::event::{Decision, Event, QualityIssue};
use ecg_rhythm::synth::Synth;
use ecg_rhythm::{Config, Engine};

const FS: f32 = 250.0;

/// Clean ECG for `seconds`, with `corrupt` applied to samples in [from_s, to_s).
fn corrupted(
    seconds: f32,
    from_s: f32,
    to_s: f32,
    corrupt: impl Fn(usize, f32) -> f32,
) -> (Vec<f32>, Vec<u64>) {
    let (mut x, peaks) = Synth::new(FS).generate(seconds);
    let (a, b) = ((from_s * FS) as usize, (to_s * FS) as usize);
    for (i, v) in x.iter_mut().enumerate().take(b).skip(a) {
        *v = corrupt(i, *v);
    }
    (x, peaks)
}

fn events(x: &[f32]) -> Vec<Event> {
    Engine::new(Config::with_sample_rate(FS))
        .unwrap()
        .analyze(x)
}

/// Seconds from `from_s` to the first beat within 50 ms of a true R peak after it (printed, for
/// the record: `cargo test --release --test robustness -- --nocapture`).
fn recovery_s(ev: &[Event], peaks: &[u64], from_s: f32) -> Option<f32> {
    let from = (from_s * FS) as u64;
    let r = first_true_beat(ev, peaks, from);
    println!("recovery from {from_s} s: {r:?} s");
    r
}

fn first_true_beat(ev: &[Event], peaks: &[u64], from: u64) -> Option<f32> {
    ev.iter()
        .filter_map(|e| match e {
            Event::Beat(b) if b.sample >= from => Some(b.sample),
            _ => None,
        })
        .find(|s| peaks.iter().any(|p| p.abs_diff(*s) as f32 <= 0.05 * FS))
        .map(|s| (s - from) as f32 / FS)
}

fn quality_issues(ev: &[Event]) -> Vec<QualityIssue> {
    ev.iter()
        .filter_map(|e| match e {
            Event::Quality(q) if q.end.is_none() => Some(q.issue),
            _ => None,
        })
        .collect()
}

fn markers_in(ev: &[Event], from_s: f32, to_s: f32) -> usize {
    ev.iter()
        .filter(|e| matches!(e, Event::Sync(s) if (s.emitted as f32) >= from_s * FS && (s.emitted as f32) < to_s * FS))
        .count()
}

#[test]
fn ten_second_flat_line_is_lead_off_and_detection_recovers() {
    let (x, peaks) = corrupted(60.0, 20.0, 30.0, |_, _| 0.0);
    let ev = events(&x);
    assert!(quality_issues(&ev).contains(&QualityIssue::LeadOff));
    assert_eq!(
        markers_in(&ev, 21.0, 30.0),
        0,
        "sync markers on a flat line"
    );
    let rec = recovery_s(&ev, &peaks, 30.0).expect("no beat after the flat line");
    assert!(rec <= 3.0, "recovery took {rec} s");
}

#[test]
fn nan_and_infinity_are_missing_and_detection_recovers() {
    let (x, peaks) = corrupted(60.0, 20.0, 25.0, |i, _| {
        [f32::NAN, f32::INFINITY, f32::NEG_INFINITY][i % 3]
    });
    let ev = events(&x);
    assert!(quality_issues(&ev).contains(&QualityIssue::Missing));
    assert_eq!(
        markers_in(&ev, 20.5, 25.0),
        0,
        "sync markers on missing samples"
    );
    let rec = recovery_s(&ev, &peaks, 25.0).expect("no beat after the NaNs");
    assert!(rec <= 3.0, "recovery took {rec} s");
}

#[test]
fn clipping_is_saturation() {
    let (x, _) = corrupted(40.0, 20.0, 30.0, |_, v| v.clamp(-0.1, 0.1));
    assert!(quality_issues(&events(&x)).contains(&QualityIssue::Saturation));
}

#[test]
fn dc_step_and_huge_amplitude_do_not_stop_detection() {
    // A 20 mV step (defibrillator recovery, electrode pop) and then a 100× amplitude stretch.
    let (x, peaks) = corrupted(80.0, 20.0, 80.0, |_, v| v + 20.0);
    let ev = events(&x);
    let rec = recovery_s(&ev, &peaks, 20.0).expect("no beat after the step");
    assert!(rec <= 4.0, "recovery after a DC step took {rec} s");
    let (y, peaks) = corrupted(80.0, 20.0, 40.0, |_, v| v * 100.0);
    let ev = events(&y);
    assert!(quality_issues(&ev).contains(&QualityIssue::Noise));
    let rec = recovery_s(&ev, &peaks, 40.0).expect("no beat after the huge stretch");
    assert!(rec <= 5.0, "recovery after huge amplitudes took {rec} s");
}

#[test]
fn microscopic_amplitude_keeps_beats() {
    // 1/100 of a normal ECG (12 µV R waves) on a noiseless input: still an ECG, just small.
    let (x, peaks) = corrupted(40.0, 0.0, 40.0, |_, v| v * 0.01);
    let ev = events(&x);
    assert!(recovery_s(&ev, &peaks, 5.0).is_some_and(|r| r < 2.0));
}

#[test]
fn broadband_noise_is_never_called_shockable() {
    // Deterministic white noise (xorshift), 1 mV rms, for 60 s.
    let mut s: u32 = 0x9e37_79b9;
    let x: Vec<f32> = (0..(60.0 * FS) as usize)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s as f32 / u32::MAX as f32 - 0.5) * 3.46
        })
        .collect();
    let ev = events(&x);
    let shockable = ev
        .iter()
        .filter(|e| matches!(e, Event::Rhythm(r) if r.decision == Decision::Shockable))
        .count();
    assert_eq!(shockable, 0, "white noise called shockable");
}

#[test]
fn pacing_spikes_do_not_crash_or_mark_between_beats() {
    // 2 ms, 5 mV spikes 200 ms before each R (a paced rhythm's artefact).
    let (mut x, peaks) = Synth::new(FS).generate(60.0);
    for &p in &peaks {
        let at = p.saturating_sub((0.2 * FS) as u64) as usize;
        if let Some(v) = x.get_mut(at) {
            *v += 5.0;
        }
    }
    let ev = events(&x);
    assert!(ev.iter().any(|e| matches!(e, Event::Beat(_))));
}
