//! CSV strips: a header line, then one row per sample.
//!
//! Two layouts are read:
//! - `time_s,ecg_mv`: the sample rate comes from the time column;
//! - `ecg_mv` alone: the sample rate must be given ([`ReadOptions::sample_rate_hz`], `--fs`).
//!
//! More signal columns may follow (`time_s,ii_mv,v1_mv`); [`ReadOptions::lead`] picks one, counting
//! signal columns from 0. A signal column's name ends in its unit, `_mv` or `_uv`. Lines starting
//! with `#` and blank lines are skipped; `NaN` marks a missing sample.
//!
//! The time column must be uniform: with `T` = (last − first)/(rows − 1), every time must lie
//! within `0.1·T` (plus half the last printed decimal) of `first + i·T`. A gap, a jitter or a
//! repeated time is refused with the line number; resample such data before analysis. When an
//! integer rate is consistent with the timestamps (within their printed precision) it is used,
//! so `0.002778`-style times give exactly 360 Hz. A rate given as well must agree within 0.1 %.
//!
//! Limits against hostile input: lines of at most [`MAX_LINE_BYTES`], at most [`MAX_COLUMNS`]
//! columns and [`MAX_SAMPLES`] rows; memory grows with the rows read.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;

use super::{plausible_rate, IoError, ReadOptions, Recording, MAX_SAMPLES};

/// Longest line read, bytes.
pub const MAX_LINE_BYTES: usize = 4096;
/// Most columns a CSV may have.
pub const MAX_COLUMNS: usize = 65;
/// Share of the sample period a timestamp may stray from the uniform grid.
const GRID_TOLERANCE_PERIODS: f64 = 0.1;
/// Largest relative disagreement between the time column and a given rate.
const RATE_AGREEMENT: f64 = 1e-3;

/// Read a CSV strip from a file.
pub fn read(path: &Path, opts: &ReadOptions) -> Result<Recording, IoError> {
    let file = File::open(path).map_err(|e| IoError::io(path, e))?;
    let name = super::record_name(path);
    from_reader(file, &name, path, opts)
}

/// Read a CSV strip from `reader`; `name` becomes the recording's name, `path` names it in errors.
pub fn from_reader<R: Read>(
    reader: R,
    name: &str,
    path: &Path,
    opts: &ReadOptions,
) -> Result<Recording, IoError> {
    let mut lines = Lines::new(BufReader::new(reader), path);
    let (header_no, header) = loop {
        match lines.next_line()? {
            None => return Err(IoError::format(path, "empty file: no header line")),
            Some((_, l)) if l.is_empty() || l.starts_with('#') => continue,
            Some(x) => break x,
        }
    };
    let columns: Vec<String> = header
        .split(',')
        .map(|c| c.trim().to_ascii_lowercase())
        .collect();
    if columns.len() > MAX_COLUMNS {
        return Err(IoError::format(
            path,
            format!(
                "line {header_no}: {} columns (at most {MAX_COLUMNS})",
                columns.len()
            ),
        ));
    }
    if columns.iter().all(|c| c.parse::<f64>().is_ok()) {
        return Err(IoError::format(
            path,
            format!("line {header_no}: no header (expected `time_s,ecg_mv` or `ecg_mv`)"),
        ));
    }
    let has_time = columns[0] == "time_s";
    let signal_cols = &columns[usize::from(has_time)..];
    if signal_cols.is_empty() {
        return Err(IoError::format(path, "no signal column after `time_s`"));
    }
    let mut scales = Vec::with_capacity(signal_cols.len());
    for c in signal_cols {
        scales.push(unit_scale(c).ok_or_else(|| {
            IoError::format(
                path,
                format!("line {header_no}: column `{c}` has no unit (name it `…_mv` or `…_uv`)"),
            )
        })?);
    }
    let lead = opts.lead;
    if lead >= signal_cols.len() {
        return Err(IoError::format(
            path,
            format!(
                "lead {lead} requested but the file has {} signal column(s)",
                signal_cols.len()
            ),
        ));
    }
    let col = lead + usize::from(has_time);
    let scale = scales[lead];
    let lead_name = signal_cols[lead].clone();

    let mut samples_mv: Vec<f32> = Vec::new();
    let mut times: Vec<(f64, usize)> = Vec::new();
    let mut time_decimals = 0usize;
    while let Some((no, line)) = lines.next_line()? {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if samples_mv.len() as u64 >= MAX_SAMPLES {
            return Err(IoError::format(
                path,
                format!("line {no}: more than {MAX_SAMPLES} rows"),
            ));
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if fields.len() != columns.len() {
            return Err(IoError::format(
                path,
                format!(
                    "line {no}: {} field(s) but the header has {}",
                    fields.len(),
                    columns.len()
                ),
            ));
        }
        if has_time {
            let t: f64 = fields[0]
                .parse()
                .ok()
                .filter(|t: &f64| t.is_finite())
                .ok_or_else(|| {
                    IoError::format(
                        path,
                        format!("line {no}: time `{}` is not a number", fields[0]),
                    )
                })?;
            if let Some(&(prev, _)) = times.last() {
                if t <= prev {
                    return Err(IoError::format(
                        path,
                        format!("line {no}: time {t} s does not come after {prev} s"),
                    ));
                }
            }
            time_decimals = time_decimals.max(decimals(fields[0]));
            times.push((t, no));
        }
        let v: f32 = fields[col].parse().map_err(|_| {
            IoError::format(
                path,
                format!(
                    "line {no}, column `{}`: `{}` is not a number",
                    columns[col], fields[col]
                ),
            )
        })?;
        samples_mv.push(if scale == 1.0 {
            v
        } else {
            (v as f64 * scale) as f32
        });
    }
    if samples_mv.is_empty() {
        return Err(IoError::format(path, "no samples after the header"));
    }
    let given = match opts.sample_rate_hz {
        None => None,
        Some(fs) if plausible_rate(fs as f64) => Some(fs as f64),
        Some(fs) => {
            return Err(IoError::format(
                path,
                format!("impossible sample rate {fs} Hz"),
            ))
        }
    };
    let sample_rate_hz = if has_time {
        let fs = rate_from_times(&times, time_decimals, path)?;
        if let Some(g) = given {
            if ((g - fs) / fs).abs() > RATE_AGREEMENT {
                return Err(IoError::format(
                    path,
                    format!("the time column gives {fs} Hz but the sample rate given is {g} Hz"),
                ));
            }
        }
        fs
    } else {
        given.ok_or_else(|| {
            IoError::format(path, "no `time_s` column: give the sample rate (--fs)")
        })?
    };
    Ok(Recording {
        name: name.to_string(),
        sample_rate_hz: sample_rate_hz as f32,
        lead_name,
        samples_mv,
    })
}

/// The factor to mV of a column named `…_mv` or `…_uv`.
fn unit_scale(column: &str) -> Option<f64> {
    if column.ends_with("_mv") {
        Some(1.0)
    } else if column.ends_with("_uv") {
        Some(0.001)
    } else {
        None
    }
}

/// Digits after the decimal point of a number as written.
fn decimals(s: &str) -> usize {
    let mantissa = s.split(['e', 'E']).next().unwrap_or(s);
    mantissa.split_once('.').map_or(0, |(_, f)| f.len())
}

/// The sample rate of a uniform time column, or the line of the first timestamp off the grid.
fn rate_from_times(times: &[(f64, usize)], decimals: usize, path: &Path) -> Result<f64, IoError> {
    let n = times.len();
    if n < 2 {
        return Err(IoError::format(
            path,
            "one row only: the time column cannot give a sample rate",
        ));
    }
    let (first, last) = (times[0].0, times[n - 1].0);
    let span = last - first;
    let period = span / (n - 1) as f64;
    let quantum = 0.5 * 10f64.powi(-(decimals.min(300) as i32));
    let tolerance = GRID_TOLERANCE_PERIODS * period + quantum;
    for (i, &(t, line)) in times.iter().enumerate() {
        let off = t - (first + i as f64 * period);
        if off.abs() > tolerance {
            return Err(IoError::format(
                path,
                format!(
                    "line {line}: time {t} s is {off:+.6} s off the uniform grid of {period:.6} s \
                     (gap or jitter; resample to a uniform rate)"
                ),
            ));
        }
    }
    let fs = 1.0 / period;
    if !plausible_rate(fs) {
        return Err(IoError::format(
            path,
            format!("impossible sample rate {fs} Hz"),
        ));
    }
    // The rate is known to about fs · (2·quantum / span); an integer inside that is the rate.
    let uncertainty = fs * (2.0 * quantum / span) + 1e-9 * fs;
    let whole = fs.round();
    Ok(if whole > 0.0 && (fs - whole).abs() <= uncertainty {
        whole
    } else {
        fs
    })
}

/// Line reader with a length limit; line numbers count from 1.
struct Lines<'p, R> {
    reader: R,
    path: &'p Path,
    number: usize,
    buf: Vec<u8>,
}

impl<'p, R: BufRead> Lines<'p, R> {
    fn new(reader: R, path: &'p Path) -> Self {
        Lines {
            reader,
            path,
            number: 0,
            buf: Vec::with_capacity(256),
        }
    }

    /// The next line, trimmed, with its number; `None` at the end.
    fn next_line(&mut self) -> Result<Option<(usize, String)>, IoError> {
        self.buf.clear();
        let limited = (&mut self.reader).take(MAX_LINE_BYTES as u64 + 1);
        let mut limited = limited;
        let n = limited
            .read_until(b'\n', &mut self.buf)
            .map_err(|e| IoError::io(self.path, e))?;
        if n == 0 {
            return Ok(None);
        }
        self.number += 1;
        if self.buf.len() > MAX_LINE_BYTES {
            return Err(IoError::format(
                self.path,
                format!("line {}: longer than {MAX_LINE_BYTES} bytes", self.number),
            ));
        }
        let mut text = std::str::from_utf8(&self.buf).map_err(|_| {
            IoError::format(self.path, format!("line {}: not UTF-8 text", self.number))
        })?;
        if self.number == 1 {
            text = text.trim_start_matches('\u{feff}');
        }
        Ok(Some((self.number, text.trim().to_string())))
    }
}

/// Write `rec` as CSV: `time_s,<lead>_mv` (or only the signal column when `with_time` is false).
///
/// Samples are written in the shortest form that reads back to the same `f32`; times with
/// 6 decimals. The column is named after the lead (lower case, `ecg` when unnamed).
pub fn write<W: Write>(mut out: W, rec: &Recording, with_time: bool) -> std::io::Result<()> {
    let column = column_name(&rec.lead_name);
    if with_time {
        writeln!(out, "time_s,{column}")?;
    } else {
        writeln!(out, "{column}")?;
    }
    let fs = rec.sample_rate_hz as f64;
    let mut line = String::with_capacity(32);
    for (i, v) in rec.samples_mv.iter().enumerate() {
        line.clear();
        if with_time {
            let _ = write!(line, "{:.6},", i as f64 / fs);
        }
        let _ = write!(line, "{v}");
        writeln!(out, "{line}")?;
    }
    out.flush()
}

/// Write `rec` as a CSV file (see [`write()`]).
pub fn write_file(path: &Path, rec: &Recording, with_time: bool) -> Result<(), IoError> {
    let file = File::create(path).map_err(|e| IoError::io(path, e))?;
    write(std::io::BufWriter::new(file), rec, with_time).map_err(|e| IoError::io(path, e))
}

fn column_name(lead: &str) -> String {
    let base: String = lead
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let base = base.trim_matches('_');
    format!("{}_mv", if base.is_empty() { "ecg" } else { base })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, opts: &ReadOptions) -> Result<Recording, IoError> {
        from_reader(text.as_bytes(), "t", Path::new("t.csv"), opts)
    }

    #[test]
    fn time_column_gives_the_rate() {
        let mut text = String::from("time_s,ecg_mv\n");
        for i in 0..100 {
            text.push_str(&format!("{:.6},{}\n", i as f64 / 360.0, i as f32 * 0.01));
        }
        let r = parse(&text, &ReadOptions::default()).unwrap();
        assert_eq!(r.sample_rate_hz, 360.0);
        assert_eq!(r.samples_mv.len(), 100);
        assert_eq!(r.samples_mv[7], 0.07);
        assert_eq!(r.lead_name, "ecg_mv");
    }

    #[test]
    fn single_column_needs_fs_and_uv_is_scaled() {
        let e = parse("ecg_mv\n1\n2\n", &ReadOptions::default()).unwrap_err();
        assert!(e.to_string().contains("--fs"), "{e}");
        let opts = ReadOptions {
            sample_rate_hz: Some(250.0),
            lead: 1,
            ..ReadOptions::default()
        };
        let r = parse("# note\nii_mv, v1_uv\n1,1500\n\n2,-250\n", &opts).unwrap();
        assert_eq!(r.sample_rate_hz, 250.0);
        assert_eq!(r.samples_mv, vec![1.5, -0.25]);
    }

    #[test]
    fn non_uniform_time_is_refused_with_its_row() {
        let text = "time_s,ecg_mv\n0,0\n0.004,0\n0.008,0\n0.016,0\n0.020,0\n";
        let e = parse(text, &ReadOptions::default()).unwrap_err();
        assert!(e.to_string().contains("off the uniform grid"), "{e}");
        let e = parse("time_s,ecg_mv\n0,0\n0,1\n", &ReadOptions::default()).unwrap_err();
        assert!(e.to_string().contains("line 3"), "{e}");
    }

    #[test]
    fn bad_csv_names_line_and_problem() {
        let d = ReadOptions {
            sample_rate_hz: Some(250.0),
            ..ReadOptions::default()
        };
        for (text, want) in [
            ("", "empty file"),
            ("1,2\n3,4\n", "no header"),
            ("time_s,ecg\n0,1\n", "has no unit"),
            (
                "ecg_mv\n1\nabc\n",
                "line 3, column `ecg_mv`: `abc` is not a number",
            ),
            (
                "time_s,ecg_mv\n0,1\n0.004\n",
                "line 3: 1 field(s) but the header has 2",
            ),
            ("ecg_mv\n", "no samples"),
            ("time_s,ecg_mv\n0,1\n", "one row only"),
            ("time_s\n0\n", "no signal column"),
        ] {
            let e = parse(text, &d).unwrap_err().to_string();
            assert!(
                e.starts_with("t.csv: ") && e.contains(want),
                "{text:?}: {e}"
            );
        }
        let long = format!("ecg_mv\n{}\n", "1".repeat(MAX_LINE_BYTES + 10));
        assert!(parse(&long, &d)
            .unwrap_err()
            .to_string()
            .contains("longer than"));
        let bad_fs = ReadOptions {
            sample_rate_hz: Some(-1.0),
            ..ReadOptions::default()
        };
        assert!(parse("ecg_mv\n1\n", &bad_fs).is_err());
    }

    #[test]
    fn writer_round_trips_exactly() {
        let rec = Recording {
            name: "t".into(),
            sample_rate_hz: 360.0,
            lead_name: "MLII".into(),
            samples_mv: (0..1000).map(|i| (i as f32 * 0.37).sin() * 1.7).collect(),
        };
        for with_time in [true, false] {
            let mut buf = Vec::new();
            write(&mut buf, &rec, with_time).unwrap();
            let opts = ReadOptions {
                sample_rate_hz: (!with_time).then_some(360.0),
                ..ReadOptions::default()
            };
            let back = from_reader(&buf[..], "t", Path::new("t.csv"), &opts).unwrap();
            assert_eq!(back.samples_mv, rec.samples_mv);
            assert_eq!(back.sample_rate_hz, 360.0);
            assert_eq!(back.lead_name, "mlii_mv");
        }
    }
}
