//! Dump what our WFDB reader decodes, for comparison with wfdb-python by `tools/check_wfdb.py`.
//!
//! `cargo run --release --example wfdb_dump -- DATA_DIR OUT_DIR` reads every record listed in
//! `DATA_DIR/*/RECORDS` and writes, per record `DB/REC`:
//! - `DB_REC_S.adc`: signal S in ADC units, little-endian i32;
//! - `DB_REC_S.mv`: signal S in mV as the engine sees it, little-endian f32 (NaN = invalid);
//! - `DB_REC.ann.tsv`: one annotation a line: sample, symbol, subtype, chan, num, aux (JSON).
//!
//! It also checks that the streaming reader (`io::stream::WfdbStream`, used by `analyze`) gives
//! the same mV samples bit for bit. A record that fails either way is reported on stderr and the
//! exit status is 1.

use std::io::Write;
use std::path::Path;

use ecg_rhythm::io::wfdb;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: wfdb_dump DATA_DIR OUT_DIR");
        std::process::exit(2);
    }
    let (data, out) = (Path::new(&args[1]), Path::new(&args[2]));
    let mut failed = false;
    let mut dbs: Vec<_> = std::fs::read_dir(data)
        .expect("DATA_DIR")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("RECORDS").exists())
        .collect();
    dbs.sort();
    for db_dir in dbs {
        let db = db_dir.file_name().unwrap().to_string_lossy().into_owned();
        let list = std::fs::read_to_string(db_dir.join("RECORDS")).expect("RECORDS");
        for rec in list.split_whitespace() {
            if let Err(e) = dump(&db_dir.join(rec), &out.join(format!("{db}_{rec}"))) {
                eprintln!("{db}/{rec}: {e}");
                failed = true;
            }
        }
    }
    std::process::exit(i32::from(failed));
}

fn dump(record: &Path, stem: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let header = wfdb::Header::open(record)?;
    let hea = record.with_extension("hea");
    for s in 0..header.signals.len() {
        let adc = header.read_adc(s, &hea)?;
        let bytes: Vec<u8> = adc.iter().flat_map(|v| v.to_le_bytes()).collect();
        std::fs::write(format!("{}_{s}.adc", stem.display()), bytes)?;
        let rec = wfdb::read_recording(record, s)?;
        // The streaming reader (used by `analyze`) must give the same floats, bit for bit.
        let mut stream = ecg_rhythm::io::stream::WfdbStream::open(record, s)?;
        let mut streamed = Vec::with_capacity(rec.samples_mv.len());
        let mut chunk = vec![0.0f32; 4093];
        loop {
            let n = stream.read(&mut chunk)?;
            if n == 0 {
                break;
            }
            streamed.extend_from_slice(&chunk[..n]);
        }
        let same = streamed.len() == rec.samples_mv.len()
            && streamed
                .iter()
                .zip(&rec.samples_mv)
                .all(|(a, b)| a.to_bits() == b.to_bits());
        if !same {
            return Err(format!("signal {s}: WfdbStream differs from read_recording").into());
        }
        let bytes: Vec<u8> = rec
            .samples_mv
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        std::fs::write(format!("{}_{s}.mv", stem.display()), bytes)?;
    }
    if let Some(anns) = wfdb::read_reference(record)? {
        let mut f = std::io::BufWriter::new(std::fs::File::create(format!(
            "{}.ann.tsv",
            stem.display()
        ))?);
        for a in anns {
            let aux = serde_json::to_string(a.aux.as_deref().unwrap_or(""))?;
            writeln!(
                f,
                "{}\t{}\t{}\t{}\t{}\t{}",
                a.sample,
                a.symbol(),
                a.subtype,
                a.chan,
                a.num,
                aux
            )?;
        }
    }
    Ok(())
}
