//! End to end: `ecg-rhythm plot` and `analyze --plot` on the bundled excerpts of test-data/
//! (needs no data from ../shared).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ecg_rhythm::io::wfdb::read_annotations;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test-data")
        .join(name)
}

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ecg-plot-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecg-rhythm"))
        .args(args)
        .output()
        .unwrap()
}

/// The text content lines of an SVG (plotters writes each text on its own line).
fn texts(svg: &str) -> Vec<&str> {
    let lines: Vec<&str> = svg.lines().collect();
    lines
        .windows(2)
        .filter(|w| w[0].starts_with("<text"))
        .map(|w| w[1])
        .collect()
}

#[test]
fn plot_draws_rows_and_every_reference_label_of_the_range() {
    let dir = temp_dir("rows");
    let out = dir.join("s.svg");
    let record = data("mitdb_208");
    let o = run(&[
        "plot",
        record.to_str().unwrap(),
        "--from",
        "20",
        "--to",
        "50",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(o.stdout.is_empty());
    let svg = std::fs::read_to_string(&out).unwrap();
    assert!(svg.starts_with("<svg"));
    let texts = texts(&svg);
    // Three rows of 10 s: three lanes named QRS, and the time labels 0:20 to 0:49.
    assert_eq!(texts.iter().filter(|t| **t == "QRS").count(), 3);
    for s in 20..50 {
        let label = format!("0:{s:02}");
        assert!(texts.contains(&label.as_str()), "no time label {label}");
    }
    assert!(!texts.contains(&"0:50"));
    // Every reference beat of [20 s, 50 s) is labelled with its symbol.
    let fs = 360.0;
    let anns = read_annotations(&record.with_extension("atr")).unwrap();
    let in_range: Vec<_> = anns
        .iter()
        .filter(|a| a.is_qrs() && a.sample as f64 >= 20.0 * fs && (a.sample as f64) < 50.0 * fs)
        .collect();
    assert!(in_range.len() > 20);
    let beat_labels = texts
        .iter()
        .filter(|t| t.len() == 1 && "NLRBAaJSVrFejnE/fQ?".contains(**t))
        .count();
    // The legend shows one "N" of each kind (reference beat, missed beat).
    assert_eq!(beat_labels, in_range.len() + 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn analyze_plot_writes_the_strip_beside_the_summary() {
    let dir = temp_dir("analyze");
    let out = dir.join("vf.svg");
    let record = data("vfdb_426");
    let o = run(&[
        "analyze",
        record.to_str().unwrap(),
        "--plot",
        out.to_str().unwrap(),
        "--from",
        "25",
        "--to",
        "40",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let summary = String::from_utf8(o.stdout).unwrap();
    assert!(summary.starts_with("record      vfdb_426"), "{summary}");
    for label in ["duration", "beats", "shock", "sync", "quality"] {
        assert!(
            summary.lines().any(|l| l.starts_with(label)),
            "no {label} line in\n{summary}"
        );
    }
    let svg = std::fs::read_to_string(&out).unwrap();
    // The excerpt's VF starts at 30.7 s: its rhythm label and the reference VF tint are drawn.
    assert!(texts(&svg).contains(&"(VF"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_ranges_and_outputs_end_in_one_line_and_exit_2() {
    let dir = temp_dir("bad");
    let record = data("mitdb_100.wav");
    let good_out = dir.join("s.svg");
    let bad_out = dir.join("no-such-dir").join("s.svg");
    for (args, needle) in [
        (vec!["--from", "50", "--to", "40"], "mitdb_100.wav"),
        (vec!["--from", "100"], "outside the record"),
        (vec!["--row-seconds", "0.1"], "row_s"),
    ] {
        let mut a = vec![
            "plot",
            record.to_str().unwrap(),
            "-o",
            good_out.to_str().unwrap(),
        ];
        a.extend(args);
        let o = run(&a);
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8(o.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(needle), "{err}");
    }
    let o = run(&[
        "plot",
        record.to_str().unwrap(),
        "-o",
        bad_out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8(o.stderr).unwrap().contains("no-such-dir"));
    // A WAV strip plots without reference annotations.
    let o = run(&[
        "plot",
        record.to_str().unwrap(),
        "--to",
        "10",
        "-o",
        good_out.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    std::fs::remove_dir_all(&dir).unwrap();
}
