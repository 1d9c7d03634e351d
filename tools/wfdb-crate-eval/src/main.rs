//! Dump every sample the `wfdb` crate (0.1.6) decodes, per record and signal, as little-endian
//! i32 (ADC, `DB_REC_S.adc`) and f64 (physical, `DB_REC_S.phys`), for `tools/check_wfdb.py --crate`.
//!
//! `cargo run --release -- DATA_DIR OUT_DIR`
use std::io::Write;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (data, out) = (&args[1], &args[2]);
    for db in ["mitdb", "nstdb", "vfdb", "cudb"] {
        let recs = std::fs::read_to_string(format!("{data}/{db}/RECORDS")).unwrap();
        for r in recs.split_whitespace() {
            let path = format!("{data}/{db}/{r}");
            let rec = match wfdb::Record::open(&path) {
                Ok(x) => x,
                Err(e) => { println!("{db}/{r}: open error: {e}"); continue; }
            };
            let n = rec.signal_count();
            let mut rd = match rec.multi_signal_reader() {
                Ok(x) => x,
                Err(e) => { println!("{db}/{r}: reader error: {e}"); continue; }
            };
            let mut frames = Vec::new();
            let mut err = None;
            loop {
                match rd.read_frames(65536) {
                    Ok(f) if f.is_empty() => break,
                    Ok(f) => frames.extend(f),
                    Err(e) => { err = Some(e); break; }
                }
            }
            if let Some(e) = err { println!("{db}/{r}: read error after {} frames: {e}", frames.len()); }
            let mut rdp = rec.multi_signal_reader().unwrap();
            let mut phys = Vec::new();
            while phys.len() < frames.len() {
                let p = rdp.read_frames_physical((frames.len() - phys.len()).min(65536)).unwrap();
                if p.is_empty() { break; }
                phys.extend(p);
            }
            for s in 0..n {
                let mut f = std::fs::File::create(format!("{out}/{db}_{r}_{s}.adc")).unwrap();
                let b: Vec<u8> = frames.iter().flat_map(|fr| fr[s].to_le_bytes()).collect();
                f.write_all(&b).unwrap();
                let mut f = std::fs::File::create(format!("{out}/{db}_{r}_{s}.phys")).unwrap();
                let b: Vec<u8> = phys.iter().flat_map(|fr| fr[s].to_le_bytes()).collect();
                f.write_all(&b).unwrap();
            }
            println!("{db}/{r}: {} frames, {n} signals", frames.len());
        }
    }
}
