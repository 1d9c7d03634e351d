//! End to end: `ecg-rhythm eval all --events-dir --json` on a hand-made database whose answers
//! are worked out by hand below. Needs no data from ../shared.

use std::path::{Path, PathBuf};
use std::process::Command;

use ecg_rhythm::eval::nst::{write_record, OutputSignal};
use ecg_rhythm::io::annotation::{Annotation, NOISE, NORMAL, RHYTHM};
use ecg_rhythm::io::wfdb::write_annotations;
use serde_json::Value;

const FS: f64 = 100.0;
const LEN: u64 = 40_000; // 400 s

fn rhythm(sample: u64, name: &str) -> Annotation {
    let mut a = Annotation::new(sample, RHYTHM);
    a.aux = Some(format!("({name}"));
    a
}

fn flat_record(base: &Path) {
    let sig = OutputSignal {
        adc: vec![0; LEN as usize],
        gain: 200.0,
        baseline: 0,
        units: "mV".into(),
        adc_resolution: 12,
        adc_zero: 0,
        description: "test".into(),
    };
    write_record(base, FS, &[sig], 212, &[]).unwrap();
}

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ecg-eval-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Record r1: beats every second at 50 + 100 k (k = 0..399); rhythm N, VT 310–330 s, N;
/// a `~` at 200 s. Record r2: rhythm annotations only (like vfdb).
fn build(db: &Path, events: &Path) {
    std::fs::write(db.join("RECORDS"), "r1\nr2\n").unwrap();
    flat_record(&db.join("r1"));
    flat_record(&db.join("r2"));
    let mut anns = vec![
        rhythm(0, "N"),
        rhythm(31_000, "VT"),
        rhythm(33_000, "N"),
        Annotation::new(20_000, NOISE),
    ];
    anns.extend((0..400u64).map(|k| Annotation::new(50 + 100 * k, NORMAL)));
    anns.sort_by_key(|a| a.sample);
    write_annotations(&db.join("r1.atr"), &anns).unwrap();
    write_annotations(&db.join("r2.atr"), &[rhythm(0, "N")]).unwrap();

    let mut lines = Vec::new();
    for k in 0..400u64 {
        let r = 50 + 100 * k;
        // Beats: detected 3 samples late, issued 20 samples after; beats 310 and 311 missed.
        if k != 310 && k != 311 {
            lines.push(format!(
                r#"{{"kind":"beat","sample":{},"emitted":{}}}"#,
                r + 3,
                r + 23
            ));
        }
        // Sync: 40 ms after each R, except none for beat 100, a late one (70 ms) for beat
        // 200, and a second marker for beat 250.
        let lag = match k {
            100 => None,
            200 => Some(7),
            _ => Some(4),
        };
        if let Some(l) = lag {
            lines.push(format!(
                r#"{{"kind":"sync","sample":{r},"emitted":{}}}"#,
                r + l
            ));
        }
        if k == 250 {
            lines.push(format!(
                r#"{{"kind":"sync","sample":{r},"emitted":{}}}"#,
                r + 5
            ));
        }
    }
    lines.push(r#"{"kind":"beat","sample":35000,"emitted":35020}"#.into()); // a false positive
    lines.push(r#"{"kind":"quality","start":1,"emitted":2,"issue":"noise"}"#.into());
    // Rhythm: 8-s windows every second, issued at their end; shockable when issued in
    // 315–333 s, indeterminate when issued in 50–70 s.
    for j in 0..=(LEN - 800) / 100 {
        let (start, end) = (100 * j, 100 * j + 800);
        let decision = if (31_500..=33_300).contains(&end) {
            "shockable"
        } else if (5_000..=7_000).contains(&end) {
            "indeterminate"
        } else {
            "nonshockable"
        };
        lines.push(format!(
            r#"{{"kind":"rhythm","start":{start},"end":{end},"emitted":{end},"decision":"{decision}","score":0.5}}"#
        ));
    }
    std::fs::write(events.join("r1.jsonl"), lines.join("\n")).unwrap();
    std::fs::write(
        events.join("r2.jsonl"),
        r#"{"kind":"rhythm","start":1000,"end":1800,"emitted":1800,"decision":"nonshockable"}"#,
    )
    .unwrap();
}

/// The text report of a command that must succeed.
fn run_text(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_ecg-rhythm"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn run_json(args: &[&str]) -> Vec<Value> {
    run_text(args)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn all_three_reports_from_event_files() {
    let db = temp_dir("db");
    let ev = temp_dir("ev");
    build(&db, &ev);
    let reports = run_json(&[
        "eval",
        "all",
        db.to_str().unwrap(),
        "--json",
        "--events-dir",
        ev.to_str().unwrap(),
    ]);
    assert_eq!(reports.len(), 3);
    let (b, s, r) = (&reports[0], &reports[1], &reports[2]);

    // Beats: scored from 300 s: beats k = 300..399 (100). Two missed, one extra detection.
    assert_eq!(b["report"], "beats");
    assert_eq!(
        (b["tp"].as_u64(), b["fn"].as_u64(), b["fp"].as_u64()),
        (Some(98), Some(2), Some(1))
    );
    assert!((b["se"].as_f64().unwrap() - 98.0).abs() < 1e-9);
    assert!((b["ppv"].as_f64().unwrap() - 9800.0 / 99.0).abs() < 1e-9);
    assert_eq!(b["delay_ms_median"].as_f64(), Some(230.0));
    assert_eq!(b["missed_by_class"]["N"].as_u64(), Some(2));
    assert_eq!(b["skipped"], serde_json::json!(["r2"]));

    // Sync: beats from 10 s: k = 10..399 (390). Beat 100 has no marker, beat 200 only a late
    // one; beat 250's second marker is a duplicate. 388 + 2 = 390 scored markers.
    assert_eq!(s["report"], "sync");
    assert_eq!(s["beats"].as_u64(), Some(390));
    assert_eq!(s["marked"].as_u64(), Some(388));
    assert_eq!(s["markers"].as_u64(), Some(390));
    assert_eq!(s["off_time"].as_u64(), Some(2));
    assert_eq!(
        (s["late"].as_u64(), s["duplicate"].as_u64()),
        (Some(1), Some(1))
    );
    // The late marker, 70 ms after R, falls on the QRS, before its T-wave window (120 ms on).
    assert_eq!(s["t_wave"].as_u64(), Some(0));
    assert_eq!(s["vf_markers"].as_u64(), Some(0));
    assert_eq!(s["latency_ms_median"].as_f64(), Some(40.0));
    assert_eq!(s["latency_ms_max"].as_f64(), Some(40.0));
    assert!((s["sync_se"].as_f64().unwrap() - 38800.0 / 390.0).abs() < 1e-9);
    assert!((s["off_time_pct"].as_f64().unwrap() - 200.0 / 390.0).abs() < 1e-9);

    // Rhythm. N 0–310 s: kept windows start 0, 800, …, 18 400 (24); those starting in
    // 19 000 … 20 200 are within 2 s of the `~` at 20 000, so the next kept one starts at
    // 20 300, then every 800 up to 29 900 (13). VT 310–330 s: windows at 31 000 and 31 800,
    // both shockable (issued at 31 800 and 32 600). N 330–400 s: 33 000 … 38 600 (8).
    // r2 adds one N window. Indeterminate: windows issued at 5 600 and 6 400.
    assert_eq!(r["report"], "rhythm");
    assert_eq!(r["NSR"]["windows"].as_u64(), Some(24 + 13 + 8 + 1));
    assert_eq!(r["NSR"]["correct_pct"].as_f64(), Some(100.0));
    assert_eq!(r["NSR"]["indeterminate"].as_u64(), Some(2));
    assert_eq!(r["VT"]["windows"].as_u64(), Some(2));
    assert_eq!(r["VT"]["correct_pct"].as_f64(), Some(100.0));
    // 2/2 correct: lower limit 0.1^(1/2).
    assert!((r["VT"]["lcl90_pct"].as_f64().unwrap() - 100.0 * 0.1f64.sqrt()).abs() < 1e-6);
    assert_eq!(r["VF"]["windows"].as_u64(), Some(0));
    // Onset: the VT segment starts at 31 000; first shockable issued at 31 500: 5 s.
    assert_eq!(r["episodes"].as_u64(), Some(1));
    assert_eq!(r["missed_episodes"].as_u64(), Some(0));
    assert_eq!(r["onset_delay_s_median"].as_f64(), Some(5.0));

    // Tables print the same gross figures.
    let text = run_text(&[
        "eval",
        "beats",
        db.to_str().unwrap(),
        "--events-dir",
        ev.to_str().unwrap(),
    ]);
    assert!(
        text.contains("skipped (no QRS reference beats): r2"),
        "{text}"
    );
    let gross = text.lines().find(|l| l.starts_with("gross")).unwrap();
    assert_eq!(
        gross.split_whitespace().collect::<Vec<_>>(),
        ["gross", "98", "2", "1", "98.00", "98.99"]
    );
    std::fs::remove_dir_all(&db).ok();
    std::fs::remove_dir_all(&ev).ok();
}

#[test]
fn malformed_event_file_is_one_line_error() {
    let db = temp_dir("db2");
    let ev = temp_dir("ev2");
    build(&db, &ev);
    // r2 has no QRS reference, so its file is not read for sync; r1's is.
    std::fs::write(
        ev.join("r1.jsonl"),
        "{\"kind\":\"beat\",\"sample\":5,\"emitted\":9}\n{\"kind\":\"sync\",\"sample\":5}\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ecg-rhythm"))
        .args(["eval", "sync", db.to_str().unwrap(), "--events-dir"])
        .arg(&ev)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("r1.jsonl:2: missing field `emitted`"), "{err}");
    assert_eq!(err.trim().lines().count(), 1);
    std::fs::remove_dir_all(&db).ok();
    std::fs::remove_dir_all(&ev).ok();
}

/// A cudb-style record that also carries a `(VF` rhythm string before its `[` (as cu01 does):
/// in a folder named `cudb` it is read by brackets only, and `--reference rhythm` reads the
/// string instead.
#[test]
fn cudb_folder_reads_brackets_only() {
    let root = temp_dir("cudbstyle");
    let db = root.join("cudb");
    std::fs::create_dir_all(&db).unwrap();
    std::fs::write(db.join("RECORDS"), "c1\n").unwrap();
    flat_record(&db.join("c1"));
    let anns = vec![
        rhythm(1_000, "VF"),
        Annotation::new(1_005, ecg_rhythm::io::annotation::VF_ON),
        Annotation::new(5_000, ecg_rhythm::io::annotation::VF_OFF),
    ];
    write_annotations(&db.join("c1.atr"), &anns).unwrap();
    let ev = root.join("ev");
    std::fs::create_dir_all(&ev).unwrap();
    std::fs::write(
        ev.join("c1.jsonl"),
        [
            r#"{"kind":"rhythm","start":0,"end":800,"emitted":800,"decision":"nonshockable"}"#,
            r#"{"kind":"rhythm","start":1200,"end":2000,"emitted":2000,"decision":"shockable"}"#,
            r#"{"kind":"rhythm","start":5200,"end":6000,"emitted":6000,"decision":"nonshockable"}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    let args = |style: &str| {
        vec![
            "eval".to_string(),
            "rhythm".into(),
            db.to_str().unwrap().into(),
            "--json".into(),
            "--events-dir".into(),
            ev.to_str().unwrap().into(),
            "--reference".into(),
            style.into(),
        ]
    };
    let auto: Vec<String> = args("auto");
    let r = &run_json(&auto.iter().map(String::as_str).collect::<Vec<_>>())[0];
    // Brackets only: OTHER before `[` and after `]`; VF from 1 005 to 5 000 (40 s: one
    // episode, first shockable issued at 2 000 → 9.95 s).
    assert_eq!(r["OTHER"]["windows"].as_u64(), Some(2));
    assert_eq!(r["VF"]["windows"].as_u64(), Some(1));
    assert_eq!(r["episodes"].as_u64(), Some(1));
    assert!((r["onset_delay_s_median"].as_f64().unwrap() - 9.95).abs() < 1e-9);
    let strings: Vec<String> = args("rhythm");
    let r = &run_json(&strings.iter().map(String::as_str).collect::<Vec<_>>())[0];
    // Rhythm strings: nothing before 1 000 is scored; `(VF` holds to the end, so the window
    // after `]` is VF too (and missed: nonshockable).
    assert_eq!(r["OTHER"]["windows"].as_u64(), Some(0));
    assert_eq!(r["VF"]["windows"].as_u64(), Some(2));
    assert_eq!(r["VF"]["correct_pct"].as_f64(), Some(50.0));
    std::fs::remove_dir_all(&root).ok();
}

/// The two 60-s mitdb excerpts of test-data as a database.
fn excerpt_db(tag: &str) -> PathBuf {
    let db = temp_dir(tag);
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-data");
    for rec in ["mitdb_100", "mitdb_208"] {
        for ext in ["hea", "dat", "atr"] {
            let name = format!("{rec}.{ext}");
            std::fs::copy(data.join(&name), db.join(&name)).unwrap();
        }
    }
    std::fs::write(db.join("RECORDS"), "mitdb_100\nmitdb_208\n").unwrap();
    db
}

#[test]
fn records_resampled_to_other_rates_are_scored_with_their_annotations() {
    // The excerpts at 360 Hz (their own rate) and converted to 128, 250 and 1000 Hz: the same
    // reference beats (rescaled), and the sync markers still on them.
    let db = excerpt_db("resample");
    let dir = db.to_str().unwrap();
    for hz in [None, Some("128"), Some("250"), Some("1000")] {
        let mut args = vec!["eval", "sync", dir, "--json"];
        if let Some(hz) = hz {
            args.extend(["--resample-hz", hz]);
        }
        let report = &run_json(&args)[0];
        assert_eq!(report["beats"], 151, "{hz:?}");
        let se = report["sync_se"].as_f64().unwrap();
        assert!(se >= 90.0, "{hz:?}: sync Se {se}");
        assert_eq!(report["off_time"], 0, "{hz:?}");
        // Every unmarked beat has one cause.
        let causes = report["missed_by_cause"].as_object().unwrap();
        let explained: u64 = causes.values().map(|n| n.as_u64().unwrap()).sum();
        let unmarked = report["beats"].as_u64().unwrap() - report["marked"].as_u64().unwrap();
        assert_eq!(explained, unmarked, "{hz:?}: {causes:?}");
    }
    std::fs::remove_dir_all(&db).ok();
}

#[test]
fn resampling_needs_the_engine_and_a_sample_rate() {
    let db = excerpt_db("resample-bad");
    let run = |extra: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_ecg-rhythm"))
            .args(["eval", "sync", db.to_str().unwrap()])
            .args(extra)
            .output()
            .unwrap();
        assert!(!out.status.success());
        String::from_utf8(out.stderr).unwrap()
    };
    let err = run(&["--resample-hz", "250", "--events-dir", "/nonexistent"]);
    assert!(err.contains("cannot be used with --events-dir"), "{err}");
    for bad in ["60", "1200", "NaN"] {
        let err = run(&["--resample-hz", bad]);
        assert!(
            err.contains(&format!(
                "--resample-hz: {bad} Hz is outside the engine's 125-1000 Hz"
            )),
            "{err}"
        );
        assert_eq!(err.trim().lines().count(), 1);
    }
    std::fs::remove_dir_all(&db).ok();
}

#[test]
fn reports_to_a_reader_that_has_gone_end_quietly() {
    // `ecg-rhythm eval … | head -0`: stdout is a pipe whose reading end is already closed, so
    // the first line written meets a broken pipe. The process ends with status 0 and nothing on
    // stderr, as `analyze` does, rather than panicking in `println!`.
    let db = excerpt_db("closed-pipe");
    for report in ["beats", "sync", "rhythm"] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = Command::new(env!("CARGO_BIN_EXE_ecg-rhythm"))
            .args(["eval", report, db.to_str().unwrap()])
            .stdout(writer)
            .output()
            .unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            out.status.success(),
            "eval {report}: {:?}: {stderr}",
            out.status
        );
        assert!(stderr.is_empty(), "eval {report}: {stderr}");
    }
    std::fs::remove_dir_all(&db).ok();
}

#[test]
fn a_record_name_not_in_the_records_file_is_an_error_naming_it() {
    // `--records mitdb_100,mitdb_2O8` (a typo) must not score one record silently.
    let db = excerpt_db("unknown-record");
    let out = Command::new(env!("CARGO_BIN_EXE_ecg-rhythm"))
        .args(["eval", "beats", db.to_str().unwrap()])
        .args(["--records", "mitdb_100,mitdb_2O8", "--json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(
        stderr.contains("--records: mitdb_2O8 not listed in"),
        "{stderr}"
    );
    assert!(stderr.contains("RECORDS"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    // The names it lists are scored.
    let ok = Command::new(env!("CARGO_BIN_EXE_ecg-rhythm"))
        .args(["eval", "beats", db.to_str().unwrap()])
        .args(["--records", "mitdb_208", "--json"])
        .output()
        .unwrap();
    assert!(ok.status.success());
    let v: Value = serde_json::from_slice(&ok.stdout).unwrap();
    let records = v["per_record"].as_array().unwrap();
    assert_eq!(records.len(), 1, "{v}");
    assert_eq!(records[0]["record"], "mitdb_208");
    std::fs::remove_dir_all(&db).ok();
}

#[test]
fn markers_in_vf_spans_are_counted_for_records_without_reference_beats() {
    // vfdb has rhythm annotations only: no sync Se, but markers inside its VF spans still count
    // (EVALUATION.md: VF markers, target 0). The 60-s vfdb 426 excerpt (250 Hz) is in VF from
    // sample 7682 on; of three markers, the two after it are VF markers.
    let db = temp_dir("vf-only");
    let events = temp_dir("vf-only-events");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-data");
    for ext in ["hea", "dat", "atr"] {
        let name = format!("vfdb_426.{ext}");
        std::fs::copy(data.join(&name), db.join(&name)).unwrap();
    }
    std::fs::write(db.join("RECORDS"), "vfdb_426\n").unwrap();
    let mut lines = String::new();
    for at in [5000u64, 8000, 12000] {
        lines.push_str(&format!(
            "{{\"kind\":\"sync\",\"sample\":{},\"emitted\":{at}}}\n",
            at - 5
        ));
    }
    std::fs::write(events.join("vfdb_426.jsonl"), lines).unwrap();
    let v = &run_json(&[
        "eval",
        "sync",
        db.to_str().unwrap(),
        "--events-dir",
        events.to_str().unwrap(),
        "--json",
    ])[0];
    assert_eq!(v["records"], 0, "{v}");
    assert_eq!(v["skipped"][0], "vfdb_426");
    assert_eq!(v["vf_markers_without_beats"], 2, "{v}");
    assert_eq!(v["vf_markers_without_beats_per_record"][0]["vf_markers"], 2);
    // The text report says the same.
    let text = run_text(&[
        "eval",
        "sync",
        db.to_str().unwrap(),
        "--events-dir",
        events.to_str().unwrap(),
    ]);
    assert!(
        text.contains(
            "markers inside VF/VFL spans of the records without reference beats: 2 (vfdb_426 2)"
        ),
        "{text}"
    );
    std::fs::remove_dir_all(&db).ok();
    std::fs::remove_dir_all(&events).ok();
}
