//! Entry points that feed arbitrary bytes to each reader, shared by the `cargo fuzz` targets in
//! `fuzz/` and the stable-Rust property and regression tests in `tests/io_fuzz.rs`.
//!
//! Each function must return (an error is fine) and never panic, hang or allocate beyond the
//! input's size; the annotation entry point also checks that what is parsed re-encodes to the
//! same annotations. Errors must name the path they were given.

use std::path::{Path, PathBuf};

use super::{csv, wav, wfdb, ReadOptions, Recording};

/// The header parser on arbitrary bytes.
pub fn wfdb_header(data: &[u8]) {
    if let Err(e) = wfdb::Header::from_reader(data, Path::new("fuzz.hea"), PathBuf::new()) {
        assert!(e.to_string().starts_with("fuzz.hea: "), "{e}");
    }
}

/// The signal decoder: the first bytes pick the format, the number of signals in the file, the
/// signal read, the sample count the header claims and its checksum; the rest is the file.
pub fn wfdb_signal(data: &[u8]) {
    let (Some(&sel), Some(&sig), Some(count), Some(sum)) =
        (data.first(), data.get(1), data.get(2..4), data.get(4..6))
    else {
        return;
    };
    let format = ["212", "16", "80"][(sel % 3) as usize];
    let width = 1 + (sel / 3 % 4) as usize;
    let samples = u16::from_le_bytes([count[0], count[1]]);
    let checksum = if sel & 0x80 != 0 {
        format!(" 0 {}", i16::from_le_bytes([sum[0], sum[1]]))
    } else {
        String::new()
    };
    let mut text = format!("f {width} 250 {samples}\n");
    for _ in 0..width {
        text.push_str(&format!("f.dat {format} 200 12 0{checksum}\n"));
    }
    let header = wfdb::Header::parse(&text, Path::new("f.hea"), PathBuf::new())
        .unwrap_or_else(|e| panic!("generated header rejected: {e}\n{text}"));
    let body = &data[6..];
    match header.decode_adc(sig as usize % (width + 1), body, Path::new("f.dat")) {
        Ok(adc) => {
            if samples > 0 {
                assert_eq!(adc.len(), samples as usize);
            }
            let (lo, hi) = header.signals[0].format.adc_range();
            assert!(adc.iter().all(|v| (lo..=hi).contains(v)));
        }
        Err(e) => assert!(e.to_string().starts_with("f.dat: "), "{e}"),
    }
}

/// The annotation parser; what it returns must re-encode to the same annotations.
pub fn wfdb_annotations(data: &[u8]) {
    let path = Path::new("fuzz.atr");
    match wfdb::parse_annotations(data, path) {
        Ok(anns) => {
            if let Ok(bytes) = wfdb::encode_annotations(&anns) {
                let back = wfdb::parse_annotations(&bytes, path).expect("re-encoded file parses");
                assert_eq!(back, anns);
            }
        }
        Err(e) => assert!(e.to_string().starts_with("fuzz.atr: "), "{e}"),
    }
}

fn options(sel: u8) -> ReadOptions {
    ReadOptions {
        lead: (sel % 3) as usize,
        sample_rate_hz: (sel & 4 != 0).then_some(250.0),
        uv_per_lsb: if sel & 8 != 0 { 5.0 } else { 1.0 },
    }
}

/// The WAV reader; the first byte picks the lead and scale, the rest is the file.
pub fn wav(data: &[u8]) {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    if let Err(e) = wav::from_reader(body, "fuzz", Path::new("fuzz.wav"), &options(sel)) {
        assert!(e.to_string().starts_with("fuzz.wav: "), "{e}");
    }
}

/// The CSV reader; the first byte picks the lead and whether a rate is given, the rest is the file.
pub fn csv(data: &[u8]) {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    match csv::from_reader(body, "fuzz", Path::new("fuzz.csv"), &options(sel)) {
        Ok(rec) => assert!(rec.sample_rate_hz > 0.0 && !rec.samples_mv.is_empty()),
        Err(e) => assert!(e.to_string().starts_with("fuzz.csv: "), "{e}"),
    }
}

fn same_samples(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x == y || (x.is_nan() && y.is_nan()))
}

/// The CSV and WAV writers: arbitrary `f32` samples (little-endian, after a selector byte that
/// picks the rate and layout) written and read back must come back unchanged (float WAV, CSV)
/// or within half an LSB (16-bit WAV), or be refused when they do not fit.
pub fn writers(data: &[u8]) {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let fs = [125.0f32, 250.0, 360.0, 500.0, 1000.0][(sel % 5) as usize];
    let samples: Vec<f32> = body
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    if samples.is_empty() {
        return;
    }
    let rec = Recording {
        name: "w".into(),
        sample_rate_hz: fs,
        lead_name: "II".into(),
        samples_mv: samples,
    };
    let path = Path::new("w");
    let with_time = rec.samples_mv.len() >= 2 && sel & 0x80 == 0;
    let mut text = Vec::new();
    csv::write(&mut text, &rec, with_time).expect("CSV to memory");
    let opts = ReadOptions {
        sample_rate_hz: (!with_time).then_some(fs),
        ..ReadOptions::default()
    };
    let back = csv::from_reader(&text[..], "w", path, &opts).expect("our CSV reads back");
    assert_eq!(back.sample_rate_hz, fs);
    assert!(same_samples(&back.samples_mv, &rec.samples_mv));

    let mut wav_bytes = std::io::Cursor::new(Vec::new());
    wav::write_to(&mut wav_bytes, &rec, wav::WavEncoding::Float32, path).expect("float WAV");
    let opts = ReadOptions::default();
    let back = wav::from_reader(&wav_bytes.get_ref()[..], "w", path, &opts).expect("reads back");
    assert!(same_samples(&back.samples_mv, &rec.samples_mv));

    let mut wav_bytes = std::io::Cursor::new(Vec::new());
    let int16 = wav::WavEncoding::Int16 { uv_per_lsb: 1.0 };
    // As the writer computes it: f64 µV, rounded, within i16.
    let fits = rec.samples_mv.iter().all(|&v| {
        let x = (v as f64 * 1000.0).round();
        (-32768.0..=32767.0).contains(&x)
    });
    match wav::write_to(&mut wav_bytes, &rec, int16, path) {
        Ok(()) => {
            assert!(fits);
            let back = wav::from_reader(&wav_bytes.get_ref()[..], "w", path, &opts).unwrap();
            for (a, b) in back.samples_mv.iter().zip(&rec.samples_mv) {
                assert!((a - b).abs() <= 0.0005 + 1e-6 * b.abs(), "{a} vs {b}");
            }
        }
        Err(e) => assert!(!fits, "{e}"),
    }
}
