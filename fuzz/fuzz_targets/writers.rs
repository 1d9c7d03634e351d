//! Fuzz target: `ecg_rhythm::io::fuzz::writers` on arbitrary bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ecg_rhythm::io::fuzz::writers(data);
});
