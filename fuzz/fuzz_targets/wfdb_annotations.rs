//! Fuzz target: `ecg_rhythm::io::fuzz::wfdb_annotations` on arbitrary bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ecg_rhythm::io::fuzz::wfdb_annotations(data);
});
