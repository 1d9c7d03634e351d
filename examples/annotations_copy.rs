//! Copy annotation files through our MIT-format reader and writer, for `tools/check_wrann.py`.
//!
//! `cargo run --release --example annotations_copy -- DATA_DIR OUT_DIR` reads `DB/REC.atr` for
//! every record in `DATA_DIR/*/RECORDS` and writes `OUT_DIR/DB_REC.atr` with
//! `ecg_rhythm::io::wfdb::write_annotations`. Exit status 1 when any file fails.

use std::path::Path;

use ecg_rhythm::io::wfdb;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: annotations_copy DATA_DIR OUT_DIR");
        std::process::exit(2);
    }
    let (data, out) = (Path::new(&args[1]), Path::new(&args[2]));
    let mut failed = false;
    for entry in std::fs::read_dir(data).expect("DATA_DIR").flatten() {
        let db_dir = entry.path();
        let Ok(list) = std::fs::read_to_string(db_dir.join("RECORDS")) else {
            continue;
        };
        let db = entry.file_name().to_string_lossy().into_owned();
        for rec in list.split_whitespace() {
            let result = wfdb::read_annotations(&db_dir.join(format!("{rec}.atr")))
                .and_then(|a| wfdb::write_annotations(&out.join(format!("{db}_{rec}.atr")), &a));
            if let Err(e) = result {
                eprintln!("{db}/{rec}: {e}");
                failed = true;
            }
        }
    }
    std::process::exit(i32::from(failed));
}
