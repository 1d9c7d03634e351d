//! The real excerpts in `test-data/` decode to exactly the values wfdb-python gives
//! (`test-data/reference/`, made by `tools/make_test_data.py`), and the CSV and WAV versions of
//! the mitdb 100 strip give the same samples and the same beats as the WFDB record.

use std::path::{Path, PathBuf};

use ecg_rhythm::event::Event;
use ecg_rhythm::io::{self, wfdb, ReadOptions};
use ecg_rhythm::Config;

const EXCERPTS: [&str; 5] = [
    "mitdb_100",
    "mitdb_208",
    "nstdb_118e00",
    "vfdb_426",
    "cudb_cu26",
];

fn test_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("test-data")
}

/// Reference frames: ADC values and physical values per signal.
fn reference_samples(name: &str) -> (Vec<Vec<i32>>, Vec<Vec<f64>>) {
    let path = test_data()
        .join("reference")
        .join(format!("{name}.samples.tsv"));
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines = text.lines().filter(|l| !l.starts_with('#'));
    let columns = lines.next().unwrap().split('\t').count();
    let nsig = columns / 2;
    let (mut d, mut p) = (vec![Vec::new(); nsig], vec![Vec::new(); nsig]);
    for line in lines {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), columns, "{line}");
        for s in 0..nsig {
            d[s].push(f[s].parse().unwrap());
            p[s].push(f[nsig + s].parse().unwrap());
        }
    }
    (d, p)
}

#[test]
fn excerpt_samples_equal_wfdb_python() {
    for name in EXCERPTS {
        let record = test_data().join(name);
        let header = wfdb::Header::open(&record).unwrap();
        let (d, p) = reference_samples(name);
        assert_eq!(header.signals.len(), d.len(), "{name}");
        assert_eq!(header.samples as usize, d[0].len(), "{name}");
        for s in 0..d.len() {
            let adc = header.read_adc(s, &record).unwrap();
            assert_eq!(adc, d[s], "{name} signal {s} ADC");
            let rec = wfdb::read_recording(&record, s).unwrap();
            assert_eq!(rec.samples_mv.len(), p[s].len());
            for (i, (&got, &want)) in rec.samples_mv.iter().zip(&p[s]).enumerate() {
                let want = want as f32;
                assert!(
                    got == want || (got.is_nan() && want.is_nan()),
                    "{name} signal {s} sample {i}: {got} != {want}"
                );
            }
        }
    }
}

#[test]
fn excerpt_annotations_equal_wfdb_python() {
    for name in EXCERPTS {
        let path = test_data()
            .join("reference")
            .join(format!("{name}.atr.tsv"));
        let text = std::fs::read_to_string(&path).unwrap();
        let want: Vec<(u64, String, i8, u8, i8, String)> = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .skip(1)
            .map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                let aux: String = serde_json::from_str(f[5]).unwrap();
                (
                    f[0].parse().unwrap(),
                    f[1].to_string(),
                    f[2].parse().unwrap(),
                    f[3].parse().unwrap(),
                    f[4].parse().unwrap(),
                    aux,
                )
            })
            .collect();
        assert!(!want.is_empty(), "{name}");
        let got: Vec<_> = wfdb::read_annotations(&test_data().join(format!("{name}.atr")))
            .unwrap()
            .into_iter()
            .map(|a| {
                (
                    a.sample,
                    a.symbol().to_string(),
                    a.subtype,
                    a.chan,
                    a.num,
                    a.aux.clone().unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(got, want, "{name}");
    }
}

fn beats(rec: &io::Recording) -> Vec<u64> {
    let config = Config::with_sample_rate(rec.sample_rate_hz);
    ecg_rhythm::analyze(config, &rec.samples_mv)
        .unwrap()
        .into_iter()
        .filter_map(|e| match e {
            Event::Beat(b) => Some(b.sample),
            _ => None,
        })
        .collect()
}

#[test]
fn csv_and_wav_strips_match_the_wfdb_record() {
    let dir = test_data();
    for lead in [0, 1] {
        let opts = ReadOptions {
            lead,
            ..ReadOptions::default()
        };
        let wfdb_rec = io::open_recording(&dir.join("mitdb_100"), &opts).unwrap();
        let wav = io::open_recording(&dir.join("mitdb_100.wav"), &opts).unwrap();
        let mut others = vec![("wav", wav)];
        if lead == 0 {
            others.push((
                "csv",
                io::open_recording(&dir.join("mitdb_100.csv"), &opts).unwrap(),
            ));
        }
        let reference_beats = beats(&wfdb_rec);
        assert!(reference_beats.len() > 60, "{}", reference_beats.len());
        for (kind, rec) in others {
            assert_eq!(rec.sample_rate_hz, wfdb_rec.sample_rate_hz, "{kind}");
            assert_eq!(rec.samples_mv.len(), wfdb_rec.samples_mv.len(), "{kind}");
            // WAV holds whole µV and CSV decimal mV: equal within a part in 10^6 of a mV.
            for (i, (a, b)) in rec.samples_mv.iter().zip(&wfdb_rec.samples_mv).enumerate() {
                assert!(
                    (a - b).abs() <= 1e-6,
                    "{kind} lead {lead} sample {i}: {a} vs {b}"
                );
            }
            assert_eq!(beats(&rec), reference_beats, "{kind} lead {lead}");
        }
    }
}

#[test]
fn writers_reproduce_the_strip() {
    let dir = std::env::temp_dir().join(format!("ecg_rhythm_io_writers_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let opts = ReadOptions::default();
    let rec = io::open_recording(&test_data().join("mitdb_100"), &opts).unwrap();
    io::csv::write_file(&dir.join("s.csv"), &rec, true).unwrap();
    assert_eq!(
        io::open_recording(&dir.join("s.csv"), &opts)
            .unwrap()
            .samples_mv,
        rec.samples_mv
    );
    io::wav::write(
        &dir.join("s.wav"),
        &rec,
        io::wav::WavEncoding::Int16 { uv_per_lsb: 5.0 },
    )
    .unwrap();
    let wav_opts = ReadOptions {
        uv_per_lsb: 5.0,
        ..ReadOptions::default()
    };
    assert_eq!(
        io::open_recording(&dir.join("s.wav"), &wav_opts)
            .unwrap()
            .samples_mv,
        rec.samples_mv
    );
    wfdb::write_record(
        &dir,
        "s",
        rec.sample_rate_hz as f64,
        &[("MLII", &rec.samples_mv)],
        wfdb::SignalFormat::F212,
        200.0,
    )
    .unwrap();
    assert_eq!(
        io::open_recording(&dir.join("s"), &opts)
            .unwrap()
            .samples_mv,
        rec.samples_mv
    );
    std::fs::remove_dir_all(&dir).ok();
}
