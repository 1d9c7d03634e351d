//! Bad files given to `ecg-rhythm analyze`: each ends in exit code 2 and one line on stderr,
//! `ecg-rhythm: <file>: <problem>`, never a panic. The table in `docs/io.md` lists these cases;
//! `cargo test --release --test io_bad_inputs -- --nocapture` prints the messages.

use std::path::{Path, PathBuf};
use std::process::Command;

struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Self {
        let dir =
            std::env::temp_dir().join(format!("ecg_rhythm_bad_inputs_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

/// Run `analyze` with `args`; the single stderr line, after checking exit code and shape.
fn analyze_error(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_ecg-rhythm"))
        .arg("analyze")
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?} printed to stdout");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    assert!(stderr.starts_with("ecg-rhythm: "), "{stderr}");
    stderr.trim_end().to_string()
}

fn wav_bytes(sample_rate: u32, samples: &[i16]) -> Vec<u8> {
    let data: Vec<u8> = samples.iter().flat_map(|v| v.to_le_bytes()).collect();
    let mut v = Vec::new();
    v.extend_from_slice(b"RIFF");
    v.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    v.extend_from_slice(b"WAVEfmt ");
    v.extend_from_slice(&16u32.to_le_bytes());
    v.extend_from_slice(&1u16.to_le_bytes()); // PCM
    v.extend_from_slice(&1u16.to_le_bytes()); // mono
    v.extend_from_slice(&sample_rate.to_le_bytes());
    v.extend_from_slice(&(sample_rate * 2).to_le_bytes());
    v.extend_from_slice(&2u16.to_le_bytes());
    v.extend_from_slice(&16u16.to_le_bytes());
    v.extend_from_slice(b"data");
    v.extend_from_slice(&(data.len() as u32).to_le_bytes());
    v.extend_from_slice(&data);
    v
}

#[test]
fn bad_files_give_one_clear_line() {
    let s = Scratch::new();
    let dat: Vec<u8> = (0..3000u32)
        .flat_map(|i| ((i % 50) as i16).to_le_bytes())
        .collect();
    s.write("ok.dat", &dat);
    let good_sum: i16 = (0..3000i32).fold(0i16, |a, i| a.wrapping_add((i % 50) as i16));
    let hea = |name: &str, text: &str| -> String {
        s.write(&format!("{name}.hea"), text.as_bytes())
            .with_extension("")
            .display()
            .to_string()
    };
    let csv = |name: &str, text: &str| s.write(name, text.as_bytes()).display().to_string();
    let missing = s.0.join("nothing").display().to_string();
    let mut cases: Vec<(&str, Vec<String>, &str)> = vec![
        (
            "missing record",
            vec![missing],
            "nothing.hea: No such file or directory",
        ),
        (
            "empty header",
            vec![hea("empty", "")],
            "empty.hea: empty header: no record line",
        ),
        (
            "garbage header",
            vec![hea("garbage", "\u{1}\u{2}\u{3}")],
            "record line has no signal count",
        ),
        (
            "binary header",
            vec![{
                s.write("binary.hea", b"\xff\xfe\x00\x01");
                s.0.join("binary").display().to_string()
            }],
            "header is not text",
        ),
        (
            "non-numeric sample rate",
            vec![hea("rate", "r 1 fast 10\nok.dat 16\n")],
            "bad sample rate `fast`",
        ),
        (
            "impossible sample rate",
            vec![hea("rate0", "r 1 0 10\nok.dat 16\n")],
            "impossible sample rate 0",
        ),
        (
            "non-numeric gain",
            vec![hea("gain", "r 1 250 10\nok.dat 16 lots\n")],
            "bad gain `lots`",
        ),
        (
            "infinite gain",
            vec![hea("gaininf", "r 1 250 10\nok.dat 16 inf\n")],
            "impossible gain inf",
        ),
        (
            "lead that is not a voltage",
            vec![hea("bp", "r 1 250 3000\nok.dat 16 100/mmHg\n")],
            "unsupported: signal 0 is in `mmHg`, not mV or uV",
        ),
        (
            "signal count 0",
            vec![hea("nsig0", "r 0 250 10\n")],
            "signal count 0 out of range 1..=64",
        ),
        (
            "signal count huge",
            vec![hea("nsigbig", "r 100000 250 10\n")],
            "signal count 100000 out of range",
        ),
        (
            "fewer signal lines than declared",
            vec![hea("short", "r 2 250 10\nok.dat 16\n")],
            "header declares 2 signals but has 1",
        ),
        (
            "unsupported format",
            vec![hea("fmt310", "r 1 250 10\nok.dat 310\n")],
            "unsupported: signal format 310 (formats 212, 16 and 80 are read)",
        ),
        (
            "multi-segment record",
            vec![hea("multi", "r/2 1 250 10\n")],
            "unsupported: multi-segment records",
        ),
        (
            "signal file outside the folder",
            vec![hea("escape", "r 1 250 10\n../x.dat 16\n")],
            "only files beside the header are read",
        ),
        (
            "missing signal file",
            vec![hea("nodat", "r 1 250 10\nabsent.dat 16\n")],
            "absent.dat: No such file or directory",
        ),
        (
            "header claims more samples than the file holds",
            vec![hea("long", "r 1 250 5000\nok.dat 16\n")],
            "ok.dat: header claims 5000 samples but the file holds 3000 (truncated file?)",
        ),
        (
            "hostile sample count",
            vec![hea("hostile", "r 1 250 399999999\nok.dat 16\n")],
            "header claims 399999999 samples but the file holds 3000",
        ),
        (
            "sample count above the limit",
            vec![hea("huge", "r 1 250 99999999999\nok.dat 16\n")],
            "sample count 99999999999 exceeds the limit 400000000",
        ),
        (
            "checksum mismatch",
            vec![hea(
                "sum",
                &format!(
                    "r 1 250 3000\nok.dat 16 200 16 0 0 {}\n",
                    good_sum.wrapping_add(1)
                ),
            )],
            "checksum of signal 0 is",
        ),
        (
            "lead out of range",
            vec![
                hea("lead", "r 1 250 3000\nok.dat 16\n"),
                "--lead".into(),
                "3".into(),
            ],
            "lead 3 requested but the record has 1 signal(s)",
        ),
        (
            "unsupported file type",
            vec![csv("strip.edf", "x")],
            "strip.edf: unsupported: file type `.edf` (WFDB records, .wav and .csv are read)",
        ),
        (
            "empty CSV",
            vec![csv("empty.csv", "")],
            "empty.csv: empty file: no header line",
        ),
        (
            "CSV without header",
            vec![csv("nohead.csv", "0,1\n0.004,2\n")],
            "line 1: no header",
        ),
        (
            "non-numeric CSV",
            vec![csv("word.csv", "time_s,ecg_mv\n0,1\n0.004,high\n")],
            "line 3, column `ecg_mv`: `high` is not a number",
        ),
        (
            "ragged CSV",
            vec![csv("ragged.csv", "time_s,ecg_mv\n0,1\n0.004,2,3\n")],
            "line 3: 3 field(s) but the header has 2",
        ),
        (
            "CSV with a gap in time",
            vec![csv(
                "gap.csv",
                "time_s,ecg_mv\n0,1\n0.004,1\n0.008,1\n0.016,1\n0.020,1\n0.024,1\n",
            )],
            "off the uniform grid",
        ),
        (
            "CSV time going backwards",
            vec![csv("back.csv", "time_s,ecg_mv\n0,1\n0.004,1\n0.002,1\n")],
            "line 4: time 0.002 s does not come after 0.004 s",
        ),
        (
            "single-column CSV without --fs",
            vec![csv("nofs.csv", "ecg_mv\n1\n2\n")],
            "no `time_s` column: give the sample rate (--fs)",
        ),
        (
            "CSV column without unit",
            vec![csv("unit.csv", "time_s,ecg\n0,1\n")],
            "column `ecg` has no unit",
        ),
        (
            "--fs disagreeing with the time column",
            vec![
                csv("disagree.csv", "time_s,ecg_mv\n0,1\n0.004,1\n0.008,1\n"),
                "--fs".into(),
                "360".into(),
            ],
            "the time column gives 250 Hz but the sample rate given is 360 Hz",
        ),
        (
            "record below the engine's rates",
            vec![csv("slow.csv", "time_s,ecg_mv\n0,0\n0.01,0.1\n0.02,0\n")],
            "slow.csv: config field `sample_rate_hz` = 100 is out of range (expected 125 to 1000)",
        ),
        (
            "text in a .wav",
            vec![csv("text.wav", "time_s,ecg_mv\n")],
            "text.wav: malformed WAV",
        ),
        (
            "empty .wav",
            vec![csv("empty.wav", "")],
            "empty.wav: malformed WAV",
        ),
        (
            "truncated WAV",
            vec![{
                let mut w = wav_bytes(250, &[1; 1000]);
                w.truncate(w.len() - 1001);
                s.write("cut.wav", &w).display().to_string()
            }],
            "cut.wav: data chunk claims 1000 samples but the file holds 499 (truncated file?)",
        ),
        (
            "WAV lead out of range",
            vec![
                s.write("mono.wav", &wav_bytes(250, &[1; 100]))
                    .display()
                    .to_string(),
                "--lead".into(),
                "1".into(),
            ],
            "lead 1 requested but the file has 1 channel(s)",
        ),
        (
            "WAV zero scale",
            vec![
                s.write("scale.wav", &wav_bytes(250, &[1; 100]))
                    .display()
                    .to_string(),
                "--uv-per-lsb".into(),
                "0".into(),
            ],
            "impossible scale 0 µV per LSB",
        ),
        (
            "WAV at an impossible rate",
            vec![s
                .write("fast.wav", &wav_bytes(1_000_000, &[1; 100]))
                .display()
                .to_string()],
            "impossible sample rate 1000000 Hz",
        ),
    ];
    let mut table = String::new();
    for (what, args, want) in cases.drain(..) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let line = analyze_error(&args);
        let shown = line.replace(&format!("{}/", s.0.display()), "");
        assert!(line.contains(want), "{what}: got `{line}`, want `{want}`");
        table.push_str(&format!("| {what} | `{shown}` |\n"));
    }
    println!("{table}");
    assert!(Path::new(&s.0).exists());
}

#[test]
fn a_reader_that_closes_the_pipe_early_ends_the_output_quietly() {
    // `analyze … --jsonl | head -1`: 20 minutes of synthetic ECG give far more events than a
    // pipe holds, so the writer meets the closed pipe.
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let (x, _) = ecg_rhythm::synth::Synth::new(250.0).generate(1200.0);
    let mut csv = String::from("ecg_mv\n");
    for v in &x {
        csv.push_str(&format!("{v}\n"));
    }
    // Its own file: `Scratch` is shared by the other tests of this file, which run in parallel.
    let path = std::env::temp_dir().join(format!("ecg_rhythm_pipe_{}.csv", std::process::id()));
    std::fs::write(&path, csv).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecg-rhythm"))
        .args(["analyze", path.to_str().unwrap(), "--fs", "250", "--jsonl"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("{\"kind\":"), "{first}");
    // The reader is dropped here: the pipe is closed.
    let out = child.wait_with_output().unwrap();
    std::fs::remove_file(&path).ok();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "exit {:?}: {stderr}", out.status);
    assert!(stderr.is_empty(), "{stderr}");
}
