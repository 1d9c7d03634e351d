//! End to end: `ecg-rhythm nst` on synthetic records (no data from ../shared needed).
//!
//! Clean: 2 signals at 100 Hz, 600 s, a 1-mV spike (200 ADC units) every second with an `N`
//! annotation. Noise: deterministic pseudo-random uniform noise. At `--snr 6` the measured SNR
//! in the noisy segments must come back as 6 dB (the noise is stationary, so its size over the
//! first 300 s equals its size anywhere), the learning period must be untouched, and every clean
//! segment must be the clean signal plus a constant.

use std::path::{Path, PathBuf};
use std::process::Command;

use ecg_rhythm::eval::nst::{
    measured_snr_db, read_all_signals, write_record, NstProtocol, OutputSignal,
};
use ecg_rhythm::io::annotation::{Annotation, NORMAL};
use ecg_rhythm::io::wfdb::{read_annotations, write_annotations};

const FS: f64 = 100.0;
const LEN: usize = 60_000;

fn signal(adc: Vec<i32>, name: &str) -> OutputSignal {
    OutputSignal {
        adc,
        gain: 200.0,
        baseline: 0,
        units: "mV".into(),
        adc_resolution: 12,
        adc_zero: 0,
        description: name.into(),
    }
}

fn temp_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("ecg-nst-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn build(dir: &Path) -> Vec<Annotation> {
    let spikes = |height: i32| -> Vec<i32> {
        (0..LEN)
            .map(|t| if t % 100 == 50 { height } else { 0 })
            .collect()
    };
    write_record(
        &dir.join("clean"),
        FS,
        &[signal(spikes(200), "I"), signal(spikes(100), "II")],
        212,
        &[],
    )
    .unwrap();
    let anns: Vec<Annotation> = (0..LEN as u64 / 100)
        .map(|k| Annotation::new(100 * k + 50, NORMAL))
        .collect();
    write_annotations(&dir.join("clean.atr"), &anns).unwrap();
    // xorshift noise, uniform in [-100, 100] ADC units, two independent signals.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % 201) as i32 - 100
    };
    let n0: Vec<i32> = (0..LEN).map(|_| next()).collect();
    let n1: Vec<i32> = (0..LEN).map(|_| next()).collect();
    write_record(
        &dir.join("noise"),
        FS,
        &[signal(n0, "n0"), signal(n1, "n1")],
        16,
        &[],
    )
    .unwrap();
    anns
}

#[test]
fn snr_is_met_and_protocol_respected() {
    let dir = temp_dir();
    let anns = build(&dir);
    let out = Command::new(env!("CARGO_BIN_EXE_ecg-rhythm"))
        .arg("nst")
        .arg(dir.join("clean"))
        .arg(dir.join("noise"))
        .args(["--snr", "6", "-o"])
        .arg(dir.join("out"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (_, clean) = read_all_signals(&dir.join("clean")).unwrap();
    let (h, noisy) = read_all_signals(&dir.join("out")).unwrap();
    assert_eq!(h.sample_rate_hz, FS);
    assert_eq!(read_annotations(&dir.join("out.atr")).unwrap(), anns);
    let protocol = NstProtocol { fs: FS };
    for s in 0..2 {
        let c: Vec<f64> = clean[s].iter().map(|&v| v as f64).collect();
        let x: Vec<f64> = noisy[s].iter().map(|&v| v as f64).collect();
        // Learning period untouched.
        assert_eq!(&noisy[s][..30_000], &clean[s][..30_000]);
        // The clean segment 420–540 s: the clean signal plus a constant.
        let d0 = noisy[s][42_000] - clean[s][42_000];
        assert!(
            (42_000..54_000).all(|t| noisy[s][t] - clean[s][t] == d0),
            "signal {s}"
        );
        // The noisy segments 300–420 s and 540–600 s really are noisy.
        let varies = |a: usize, b: usize| {
            (a + 1..b).any(|t| noisy[s][t] - clean[s][t] != noisy[s][a] - clean[s][a])
        };
        assert!(varies(30_000, 42_000) && varies(54_000, 60_000));
        let snr = measured_snr_db(&c, &x, &anns, protocol).unwrap();
        assert!((snr - 6.0).abs() < 0.3, "signal {s}: {snr} dB");
    }
    // A silent noise record cannot be calibrated: one-line error, non-zero exit.
    write_record(
        &dir.join("silent"),
        FS,
        &[signal(vec![0; LEN], "z")],
        212,
        &[],
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ecg-rhythm"))
        .arg("nst")
        .arg(dir.join("clean"))
        .arg(dir.join("silent"))
        .args(["--snr", "0", "-o"])
        .arg(dir.join("out2"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("silent: signal 0 has no noise"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}
