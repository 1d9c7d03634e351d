//! The committed C header `include/ecg_rhythm.h` must be what cbindgen makes from `src/ffi.rs`
//! today. Regenerate it with `UPDATE_HEADER=1 cargo test --release --test header`.

use std::path::Path;

#[test]
fn c_header_is_fresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml");
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        // Only the C interface's own file: the rest of the crate is not part of the header.
        .with_src(root.join("src/ffi.rs"))
        .with_config(config)
        .generate()
        .expect("cbindgen could not generate the header")
        .write(&mut generated);
    let generated = String::from_utf8(generated).expect("header is UTF-8");
    let path = root.join("include/ecg_rhythm.h");
    if std::env::var_os("UPDATE_HEADER").is_some() {
        std::fs::write(&path, &generated).expect("write include/ecg_rhythm.h");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "include/ecg_rhythm.h is stale: run `UPDATE_HEADER=1 cargo test --release --test header`"
    );
}
