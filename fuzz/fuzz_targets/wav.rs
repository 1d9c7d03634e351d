//! Fuzz target: `ecg_rhythm::io::fuzz::wav` on arbitrary bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ecg_rhythm::io::fuzz::wav(data);
});
