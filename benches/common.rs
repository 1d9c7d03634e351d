//! Input shared by the benches: the real 60 s excerpt in `test-data/` (MIT-BIH 208, 360 Hz).

use std::path::Path;

/// Sample rate of the excerpt, Hz.
pub const FS: f32 = 360.0;

/// The excerpt's samples, mV.
pub fn excerpt() -> Vec<f32> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-data/mitdb-208-lead0-60s.csv");
    let text = std::fs::read_to_string(&path).expect("test-data excerpt");
    text.lines()
        .skip(1)
        .map(|l| {
            let value = l.trim().rsplit(',').next().unwrap_or_default();
            value.parse::<f32>().expect("`time_s,ecg_mv` rows")
        })
        .collect()
}
