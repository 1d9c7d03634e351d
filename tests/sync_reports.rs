//! The sync gate's reports on real excerpts (`test-data/`): a marker or a `sync_withheld` report
//! only while the gate is available (as its `sync_state` events tell), never both for one
//! candidate, and withheld candidates on a strip with wide ectopic beats.

use std::path::Path;

use ecg_rhythm::event::{Event, SyncWithheldReason};
use ecg_rhythm::io::{self, ReadOptions};
use ecg_rhythm::Config;

fn events(name: &str) -> Vec<Event> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test-data")
        .join(name);
    let rec = io::open_recording(&path, &ReadOptions::default()).unwrap();
    ecg_rhythm::analyze(
        Config::with_sample_rate(rec.sample_rate_hz),
        &rec.samples_mv,
    )
    .unwrap()
}

#[test]
fn markers_and_withheld_candidates_come_only_while_the_gate_is_available() {
    let mut withheld_late = 0;
    for name in [
        "mitdb_100",
        "mitdb_208",
        "nstdb_118e00",
        "vfdb_426",
        "cudb_cu26",
    ] {
        let mut available = false;
        let mut last_marker: Option<(u64, u64)> = None;
        for e in events(name) {
            match e {
                Event::SyncState(s) => available = s.available,
                Event::Sync(m) => {
                    assert!(
                        available,
                        "{name}: marker at {} while unavailable",
                        m.emitted
                    );
                    last_marker = Some((m.sample, m.emitted));
                }
                Event::SyncWithheld(w) => {
                    assert!(
                        available,
                        "{name}: withheld at {} while unavailable",
                        w.emitted
                    );
                    assert_ne!(
                        last_marker,
                        Some((w.sample, w.emitted)),
                        "{name}: one candidate both marked and withheld"
                    );
                    if w.reason == SyncWithheldReason::Late && name == "mitdb_208" {
                        withheld_late += 1;
                    }
                }
                _ => {}
            }
        }
    }
    // The wide PVCs of mitdb 208, recognised on their late steep part, are withheld as late.
    assert!(withheld_late > 0);
}
