//! Stable-Rust counterpart of the `cargo fuzz` targets in `fuzz/`: the same entry points
//! (`ecg_rhythm::io::fuzz`) on arbitrary and on mutated real bytes, and a replay of every input
//! kept under `tests/fuzz-regressions/TARGET/`.

use std::path::Path;

use ecg_rhythm::io::fuzz;
use proptest::prelude::*;

type Target = fn(&[u8]);

const TARGETS: [(&str, Target); 6] = [
    ("wfdb_header", fuzz::wfdb_header),
    ("wfdb_signal", fuzz::wfdb_signal),
    ("wfdb_annotations", fuzz::wfdb_annotations),
    ("wav", fuzz::wav),
    ("csv", fuzz::csv),
    ("writers", fuzz::writers),
];

fn test_data(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("test-data")
            .join(name),
    )
    .unwrap()
}

/// A real file for each target, with the selector bytes its entry point expects.
fn seed(target: &str) -> Vec<u8> {
    match target {
        "wfdb_header" => test_data("mitdb_208.hea"),
        "wfdb_annotations" => test_data("mitdb_208.atr"),
        "wfdb_signal" => {
            let mut v = vec![3, 0, 44, 1, 0, 0];
            v.extend_from_slice(&test_data("mitdb_100.dat")[..900]);
            v
        }
        "wav" => {
            let mut v = vec![0];
            v.extend_from_slice(&test_data("mitdb_100.wav")[..1024]);
            v
        }
        "writers" => {
            let mut v = vec![2];
            v.extend((0..200).flat_map(|i| ((i as f32) * 0.01 - 1.0).to_le_bytes()));
            v
        }
        _ => {
            let mut v = vec![0];
            v.extend_from_slice(&test_data("mitdb_100.csv")[..600]);
            v
        }
    }
}

#[test]
fn regression_inputs_are_handled() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut replayed = 0;
    for (name, target) in TARGETS {
        let Ok(dir) = std::fs::read_dir(root.join(name)) else {
            continue;
        };
        for entry in dir.flatten() {
            target(&std::fs::read(entry.path()).unwrap());
            replayed += 1;
        }
    }
    assert!(
        replayed > 0,
        "no regression inputs found under {}",
        root.display()
    );
}

#[test]
fn seeds_are_accepted() {
    // The unmutated seeds are valid inputs: each must parse without error.
    use ecg_rhythm::io::{csv, wav, wfdb, ReadOptions};
    let p = Path::new("seed");
    wfdb::Header::from_reader(&seed("wfdb_header")[..], p, Default::default()).unwrap();
    assert!(
        wfdb::parse_annotations(&seed("wfdb_annotations"), p)
            .unwrap()
            .len()
            > 100
    );
    let csv_seed = seed("csv");
    let text = &csv_seed[1..csv_seed.len() - 20];
    let cut = text.iter().rposition(|&b| b == b'\n').unwrap();
    csv::from_reader(&text[..=cut], "s", p, &ReadOptions::default()).unwrap();
    let full = test_data("mitdb_100.wav");
    wav::from_reader(&full[..], "s", p, &ReadOptions::default()).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..1024)) {
        for (_, target) in TARGETS {
            target(&data);
        }
    }

    #[test]
    fn mutated_real_files_never_panic(
        which in 0usize..6,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8),
    ) {
        let (name, target) = TARGETS[which];
        let mut data = seed(name);
        for (at, byte, op) in edits {
            let i = at.index(data.len().max(1));
            match op {
                0 if !data.is_empty() => data[i] = byte,
                1 => data.insert(i.min(data.len()), byte),
                _ if !data.is_empty() => data.truncate(i),
                _ => {}
            }
        }
        target(&data);
    }
}
