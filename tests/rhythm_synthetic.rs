//! The shock advisor on analytic signals with known answers: a VF-like undulation, a sinus
//! rhythm of known rate, a flat line, asystole, broadband noise and missing samples.

mod common;

use common::rhythm_events;
use ecg_rhythm::event::{
    Decision, Event, QualityIssue, RhythmClass, RhythmEvent, SyncUnavailableReason,
};
use ecg_rhythm::qrs::Beat;
use ecg_rhythm::rhythm::spectrum::{MicroFftSpectrum, RustFftSpectrum};
use ecg_rhythm::rhythm::{model_params, ShockAdvisor};
use ecg_rhythm::{Config, Engine};

use std::f32::consts::PI;

/// Deterministic pseudo-random numbers in [-1, 1).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }
}

/// Coarse VF: three sinusoids of 3.7, 4.9 and 6.1 Hz with drifting phases and amplitudes.
fn vf_like(fs: f32, seconds: f32) -> Vec<f32> {
    let mut rng = Lcg(7);
    let n = (fs * seconds) as usize;
    let mut phase = [0.0f32, 1.0, 2.0];
    let freqs = [3.7f32, 4.9, 6.1];
    let mut drift = [0.0f32; 3];
    (0..n)
        .map(|i| {
            let t = i as f32 / fs;
            let mut x = 0.0;
            for k in 0..3 {
                drift[k] = 0.999 * drift[k] + 0.02 * rng.next();
                phase[k] += 2.0 * PI * (freqs[k] + drift[k]) / fs;
                x += (0.35 + 0.1 * (0.3 * t + k as f32).sin()) * phase[k].sin();
            }
            x
        })
        .collect()
}

/// Sinus rhythm at `bpm`: a 1.2-mV QRS (Gaussian, σ = 12 ms), a P and a T wave per beat.
fn sinus(fs: f32, seconds: f32, bpm: f32) -> Vec<f32> {
    let n = (fs * seconds) as usize;
    let rr = 60.0 / bpm;
    let g = |t: f32, mu: f32, s: f32, a: f32| a * (-(t - mu) * (t - mu) / (2.0 * s * s)).exp();
    (0..n)
        .map(|i| {
            let t = i as f32 / fs;
            let ph = t % rr;
            g(ph, 0.2, 0.012, 1.2) + g(ph, 0.2 - 0.16, 0.02, 0.15) + g(ph, 0.2 + 0.28, 0.05, 0.3)
        })
        .collect()
}

fn fraction(events: &[RhythmEvent], skip: usize, f: impl Fn(&RhythmEvent) -> bool) -> f32 {
    let tail = &events[skip.min(events.len())..];
    tail.iter().filter(|e| f(e)).count() as f32 / tail.len().max(1) as f32
}

#[test]
fn first_decision_at_window_end_then_every_step() {
    for fs in [125.0, 250.0, 360.0, 1000.0] {
        for window_s in [8.0, 4.0] {
            let mut c = Config::with_sample_rate(fs);
            c.rhythm.window_s = window_s;
            let ev = rhythm_events(c, &sinus(fs, 20.0, 72.0));
            let w = (window_s * fs).round() as u64;
            assert_eq!(ev[0].emitted, w - 1, "fs {fs} window {window_s}");
            assert_eq!((ev[0].start, ev[0].end), (0, w));
            for pair in ev.windows(2) {
                assert_eq!(pair[1].emitted - pair[0].emitted, fs as u64, "fs {fs}");
                assert_eq!(pair[1].end - pair[1].start, w);
            }
        }
    }
}

#[test]
fn vf_like_undulation_is_shockable_at_every_rate() {
    for fs in [125.0, 250.0, 360.0, 500.0] {
        for window_s in [8.0, 4.0] {
            let mut c = Config::with_sample_rate(fs);
            c.rhythm.window_s = window_s;
            let ev = rhythm_events(c, &vf_like(fs, 40.0));
            let shock = fraction(&ev, 2, |e| e.decision == Decision::Shockable);
            assert!(shock >= 0.9, "fs {fs} window {window_s}: shockable {shock}");
        }
    }
}

#[test]
fn sinus_rhythm_is_not_shockable_and_its_rate_is_reported() {
    for fs in [125.0, 250.0, 360.0, 500.0] {
        for bpm in [60.0, 80.0, 110.0] {
            let ev = rhythm_events(Config::with_sample_rate(fs), &sinus(fs, 40.0, bpm));
            assert!(
                ev.iter().all(|e| e.decision == Decision::Nonshockable),
                "fs {fs} bpm {bpm}"
            );
            let last = ev.last().unwrap();
            let hr = last.hr_bpm.unwrap();
            assert!((hr - bpm).abs() < 3.0, "fs {fs}: hr {hr} vs {bpm}");
            let want = if bpm > 100.0 {
                RhythmClass::Tachy
            } else {
                RhythmClass::Sinus
            };
            assert_eq!(last.class, want, "fs {fs} bpm {bpm}");
        }
    }
}

/// A 100-bpm rhythm with a premature beat of the same shape after every second beat (coupling
/// 0.4 s) and a full compensatory pause (0.8 s): RR 0.6, 0.4, 0.8 s, repeating.
fn trigeminy(fs: f32, seconds: f32) -> Vec<f32> {
    let n = (fs * seconds) as usize;
    let g = |t: f32, mu: f32, s: f32, a: f32| a * (-(t - mu) * (t - mu) / (2.0 * s * s)).exp();
    let mut beats = Vec::new();
    let mut t = 0.2f32;
    while t < seconds {
        beats.extend([t, t + 0.6, t + 1.0]);
        t += 1.8;
    }
    (0..n)
        .map(|i| {
            let t = i as f32 / fs;
            beats
                .iter()
                .filter(|&&b| (t - b).abs() < 0.6)
                .map(|&b| g(t, b, 0.012, 1.2) + g(t, b + 0.25, 0.05, 0.3))
                .sum()
        })
        .collect()
}

#[test]
fn premature_beats_with_compensatory_pauses_keep_a_slow_rhythm_organised() {
    for fs in [250.0, 360.0] {
        let mut engine = Engine::new(Config::with_sample_rate(fs)).unwrap();
        let mut sink: Vec<Event> = Vec::new();
        for &x in &trigeminy(fs, 30.0) {
            engine.push(x, &mut sink);
        }
        let s = engine.advisor().last_analysis().unwrap().summary;
        // One interval in three lies at the median (0.6 s); all are explained by it.
        assert!(s.rr_regular < 0.5, "fs {fs}: {}", s.rr_regular);
        assert!(s.rr_explained > 0.9, "fs {fs}: {}", s.rr_explained);
        let periodicity = s.features.values[ecg_rhythm::rhythm::features::index::FAST_PERIODICITY];
        assert!(periodicity < 0.5, "fs {fs}: {periodicity}");
        let p = engine.advisor().params();
        assert!(
            ecg_rhythm::rhythm::is_slow_organised(&s, p),
            "fs {fs}: {s:?}"
        );
        let ev: Vec<RhythmEvent> = sink
            .iter()
            .filter_map(|e| match e {
                Event::Rhythm(r) => Some(*r),
                _ => None,
            })
            .collect();
        assert!(
            ev.iter().all(|e| e.decision == Decision::Nonshockable),
            "fs {fs}"
        );
    }
}

#[test]
fn rr_regularity_is_one_for_a_steady_rhythm_and_low_for_a_jittered_one() {
    let fs = 360.0;
    // Regular: the engine's own detector on a 75-bpm sinus rhythm.
    let mut engine = Engine::new(Config::with_sample_rate(fs)).unwrap();
    let mut sink: Vec<Event> = Vec::new();
    for &x in &sinus(fs, 30.0, 75.0) {
        engine.push(x, &mut sink);
    }
    let a = engine.advisor().last_analysis().unwrap();
    assert_eq!(a.summary.rr_regular, 1.0);
    // Jittered: beats handed to the advisor directly, RR cycling through 0.5, 0.8 and 1.1 s,
    // so only the median third lies within 15 % of the median.
    let mut advisor = ShockAdvisor::new(&Config::with_sample_rate(fs)).unwrap();
    let mut next = 0u64;
    let mut k = 0;
    for i in 0..(30.0 * fs) as u64 {
        let beat = (i == next).then(|| {
            k += 1;
            next += [180, 288, 396][k % 3];
            Beat {
                sample: i,
                emitted: i,
                energy: 1.0,
                amplitude_mv: 1.0,
                width_samples: 30,
                searchback: false,
            }
        });
        advisor.push(0.0, false, 0.0, beat.as_ref());
    }
    let s = advisor.last_analysis().unwrap().summary;
    assert!(s.rr_regular < 0.5, "{}", s.rr_regular);
}

#[test]
fn flat_line_is_lead_off_and_vetoes_sync() {
    let fs = 250.0;
    let x = vec![0.4f32; (fs * 12.0) as usize];
    let events = Engine::new(Config::with_sample_rate(fs))
        .unwrap()
        .analyze(&x);
    let ev: Vec<&RhythmEvent> = events
        .iter()
        .filter_map(|e| {
            if let Event::Rhythm(r) = e {
                Some(r)
            } else {
                None
            }
        })
        .collect();
    assert!(!ev.is_empty());
    for e in &ev {
        assert_eq!(e.decision, Decision::Indeterminate);
        assert_eq!(e.reason, Some(QualityIssue::LeadOff));
    }
    assert!(events.iter().any(|e| matches!(e, Event::SyncState(s)
        if s.reason == Some(SyncUnavailableReason::LeadOff))));
}

#[test]
fn fine_activity_below_a_tenth_of_a_millivolt_is_asystole() {
    let fs = 360.0;
    let mut rng = Lcg(3);
    // 0.02 mV of baseline noise plus a 0.3-Hz drift: below 0.1 mV peak to peak after filtering.
    let x: Vec<f32> = (0..(fs * 20.0) as usize)
        .map(|i| 0.01 * rng.next() + 0.2 * (2.0 * PI * 0.3 * i as f32 / fs).sin())
        .collect();
    let ev = rhythm_events(Config::with_sample_rate(fs), &x);
    assert!(
        fraction(&ev, 2, |e| e.class == RhythmClass::Asystole
            && e.decision == Decision::Nonshockable)
            >= 0.99
    );
    assert_eq!(
        ecg_rhythm::rhythm::gate_veto(ev.last().unwrap()),
        Some(SyncUnavailableReason::Asystole)
    );
}

#[test]
fn broadband_noise_is_never_called_shockable() {
    for fs in [250.0, 360.0, 500.0] {
        let mut rng = Lcg(11);
        let x: Vec<f32> = (0..(fs * 30.0) as usize)
            .map(|_| 0.8 * rng.next())
            .collect();
        let ev = rhythm_events(Config::with_sample_rate(fs), &x);
        assert!(
            ev.iter().all(|e| e.decision != Decision::Shockable),
            "fs {fs}"
        );
        assert!(
            fraction(&ev, 0, |e| e.reason == Some(QualityIssue::Noise)) >= 0.9,
            "fs {fs}"
        );
    }
}

#[test]
fn a_gap_of_missing_samples_makes_the_windows_holding_it_indeterminate() {
    let fs = 250.0;
    let mut x = sinus(fs, 30.0, 70.0);
    // A 3-s gap (37.5 % of an 8-s window) from 10 s; a single NaN at 22 s is bridged.
    let (gap_from, gap_to) = ((fs * 10.0) as u64, (fs * 13.0) as u64);
    for v in &mut x[gap_from as usize..gap_to as usize] {
        *v = f32::NAN;
    }
    x[(fs * 22.0) as usize] = f32::NAN;
    let ev = rhythm_events(Config::with_sample_rate(fs), &x);
    for e in &ev {
        let holds_gap = e.start <= gap_from && gap_to <= e.end;
        let touches_gap = e.start < gap_to && gap_from < e.end;
        if holds_gap {
            assert_eq!(e.reason, Some(QualityIssue::Missing), "{e:?}");
            assert_eq!(e.decision, Decision::Indeterminate);
        }
        if !touches_gap {
            assert_ne!(e.reason, Some(QualityIssue::Missing), "{e:?}");
        }
    }
    assert!(ev.iter().any(|e| e.start <= gap_from && gap_to <= e.end));
}

#[test]
fn vf_vetoes_sync_with_the_vf_reason() {
    let fs = 250.0;
    let mut x = sinus(fs, 20.0, 75.0);
    x.extend(vf_like(fs, 20.0));
    let events = Engine::new(Config::with_sample_rate(fs))
        .unwrap()
        .analyze(&x);
    let vf_state = events.iter().find_map(|e| match e {
        Event::SyncState(s) if s.reason == Some(SyncUnavailableReason::Vf) => Some(s.emitted),
        _ => None,
    });
    let at = vf_state.expect("sync gate told VF");
    assert!(at >= (fs * 20.0) as u64 && at <= (fs * 30.0) as u64, "{at}");
}

#[test]
fn microfft_and_rustfft_give_the_same_features() {
    for fs in [250.0, 360.0] {
        let c = Config::with_sample_rate(fs);
        let mut a = ShockAdvisor::<MicroFftSpectrum>::with_model(&c, &model_params::MODEL).unwrap();
        let mut b = ShockAdvisor::<RustFftSpectrum>::with_model(&c, &model_params::MODEL).unwrap();
        let mut x = sinus(fs, 15.0, 70.0);
        x.extend(vf_like(fs, 15.0));
        let mut compared = 0;
        for (i, &v) in x.iter().enumerate() {
            let y = (v * 0.9) + 0.01 * (i as f32 * 0.01).sin();
            let ea = a.push(v, false, y, None);
            let eb = b.push(v, false, y, None);
            assert_eq!(ea.map(|e| e.decision), eb.map(|e| e.decision));
            if ea.is_some() {
                let fa = a.last_analysis().unwrap().summary.features.values;
                let fb = b.last_analysis().unwrap().summary.features.values;
                for (k, (p, q)) in fa.iter().zip(fb.iter()).enumerate() {
                    assert!(
                        (p - q).abs() <= 1e-3 * (1.0 + p.abs()),
                        "feature {k}: {p} vs {q}"
                    );
                }
                compared += 1;
            }
        }
        assert!(compared >= 20);
    }
}
