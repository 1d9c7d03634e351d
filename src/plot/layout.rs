//! Paper geometry: millimetres of ECG paper, rows of a rhythm strip, the amplitude window.
//!
//! Everything is measured in millimetres of paper first and turned into pixels once, with
//! [`Paper::px`]; 25 mm/s and 10 mm/mV make one 5 mm major square 0.2 s by 0.5 mV, whatever
//! the pixel density.

/// Paper speed of a standard ECG strip, millimetres per second.
pub const PAPER_SPEED_MM_PER_S: f64 = 25.0;
/// Standard gain, millimetres per millivolt.
pub const GAIN_MM_PER_MV: f64 = 10.0;
/// Side of a small grid square, mm (0.04 s by 0.1 mV).
pub const MINOR_MM: f64 = 1.0;
/// Side of a large grid square, mm (0.2 s by 0.5 mV).
pub const MAJOR_MM: f64 = 5.0;

/// Smallest extent of the grid above and below a row's baseline, mm.
pub(crate) const MIN_HALF_MM: f64 = 10.0;
/// Largest extent of the grid above a row's baseline, mm (taller waves are clipped).
pub(crate) const MAX_UP_MM: f64 = 30.0;
/// Largest extent of the grid below a row's baseline, mm.
pub(crate) const MAX_DOWN_MM: f64 = 25.0;
/// Headroom kept above the tallest wave (room for the sync arrows), mm.
pub(crate) const HEADROOM_MM: f64 = 6.0;

/// Pixel density of the drawing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Paper {
    pub px_per_mm: f64,
}

impl Paper {
    /// Millimetres to pixels, rounded.
    pub fn px(&self, mm: f64) -> i32 {
        (mm * self.px_per_mm).round() as i32
    }

    /// Millimetres of paper per sample at `sample_rate_hz`.
    pub fn mm_per_sample(sample_rate_hz: f64) -> f64 {
        PAPER_SPEED_MM_PER_S / sample_rate_hz
    }
}

/// Split `[from, to)` into consecutive rows of at most `row_len` samples; the last row may be
/// shorter. An empty range gives no rows.
pub(crate) fn split_rows(from: u64, to: u64, row_len: u64) -> Vec<(u64, u64)> {
    let row_len = row_len.max(1);
    let mut rows = Vec::new();
    let mut s = from;
    while s < to {
        let e = s.saturating_add(row_len).min(to);
        rows.push((s, e));
        s = e;
    }
    rows
}

/// The baseline of a row: the median of its finite samples, rounded to a major line (0.5 mV) so
/// the amplitude labels fall on round values. 0 when the row has no finite sample.
pub(crate) fn row_baseline_mv(samples: &[f32]) -> f64 {
    let mut v: Vec<f32> = samples.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return 0.0;
    }
    let mid = v.len() / 2;
    let (_, m, _) = v.select_nth_unstable_by(mid, |a, b| a.total_cmp(b));
    let major_mv = MAJOR_MM / GAIN_MM_PER_MV;
    (f64::from(*m) / major_mv).round() * major_mv
}

/// Grid extent above and below the baseline, mm: the largest excursion of any row from its
/// baseline plus headroom, rounded up to a major square and held within the limits above (waves
/// beyond them are clipped at the grid edge, as a monitor clips at its screen edge).
pub(crate) fn grid_extent_mm(rows: &[(f64, &[f32])]) -> (f64, f64) {
    let mut up = 0.0f64;
    let mut down = 0.0f64;
    for (baseline, samples) in rows {
        for &x in samples.iter().filter(|x| x.is_finite()) {
            let d = (f64::from(x) - baseline) * GAIN_MM_PER_MV;
            up = up.max(d);
            down = down.max(-d);
        }
    }
    let round_up = |mm: f64| (mm / MAJOR_MM).ceil() * MAJOR_MM;
    (
        round_up(up + HEADROOM_MM).clamp(MIN_HALF_MM, MAX_UP_MM),
        round_up(down + MAJOR_MM / 2.0).clamp(MIN_HALF_MM, MAX_DOWN_MM),
    )
}

/// Positions of the vertical grid lines of a row `width_mm` wide, mm from its left edge, each
/// with whether it is a major line. Lines sit on whole millimetres from the row start.
pub(crate) fn vertical_lines(width_mm: f64) -> Vec<(f64, bool)> {
    let n = (width_mm / MINOR_MM + 1e-9).floor() as i64;
    (0..=n)
        .map(|k| (k as f64 * MINOR_MM, k % (MAJOR_MM / MINOR_MM) as i64 == 0))
        .collect()
}

/// Positions of the horizontal grid lines, mm *above* the baseline (negative below), from
/// `-down_mm` to `up_mm`, each with whether it is a major line.
pub(crate) fn horizontal_lines(up_mm: f64, down_mm: f64) -> Vec<(f64, bool)> {
    let lo = -(down_mm / MINOR_MM).round() as i64;
    let hi = (up_mm / MINOR_MM).round() as i64;
    let per_major = (MAJOR_MM / MINOR_MM) as i64;
    (lo..=hi)
        .map(|k| (k as f64 * MINOR_MM, k.rem_euclid(per_major) == 0))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_cover_the_range_without_overlap() {
        let rows = split_rows(100, 100 + 3600 * 6 + 50, 3600);
        assert_eq!(rows.len(), 7);
        assert_eq!(rows[0], (100, 3700));
        assert_eq!(rows[6], (100 + 3600 * 6, 100 + 3600 * 6 + 50));
        for w in rows.windows(2) {
            assert_eq!(w[0].1, w[1].0);
        }
        assert!(split_rows(5, 5, 10).is_empty());
    }

    #[test]
    fn one_second_is_25_mm_and_one_millivolt_10_mm() {
        let fs = 360.0;
        assert!((Paper::mm_per_sample(fs) * fs - 25.0).abs() < 1e-12);
        let paper = Paper { px_per_mm: 5.0 };
        assert_eq!(paper.px(GAIN_MM_PER_MV), 50);
        // A major square is 0.2 s wide.
        assert!((MAJOR_MM / PAPER_SPEED_MM_PER_S - 0.2).abs() < 1e-12);
    }

    #[test]
    fn grid_lines_every_millimetre_major_every_five() {
        let v = vertical_lines(250.0);
        assert_eq!(v.len(), 251);
        assert_eq!(v.iter().filter(|(_, major)| *major).count(), 51);
        assert!(v[5].1 && !v[4].1 && v[0].1);
        let h = horizontal_lines(15.0, 10.0);
        assert_eq!(h.len(), 26);
        assert_eq!(h.first().unwrap().0, -10.0);
        assert!(h.iter().any(|&(mm, major)| mm == 0.0 && major));
        assert!(h.iter().any(|&(mm, major)| mm == -5.0 && major));
        assert!(h.iter().any(|&(mm, major)| mm == 3.0 && !major));
    }

    #[test]
    fn baseline_is_the_median_on_a_major_line() {
        let mut s = vec![1.1f32; 99];
        s.extend([9.0, f32::NAN, -9.0]);
        assert_eq!(row_baseline_mv(&s), 1.0);
        assert_eq!(row_baseline_mv(&[f32::NAN]), 0.0);
    }

    #[test]
    fn grid_grows_with_the_waves_and_is_capped() {
        let small: Vec<f32> = vec![0.0, 0.3, -0.3];
        let (up, down) = grid_extent_mm(&[(0.0, &small)]);
        assert_eq!((up, down), (MIN_HALF_MM, MIN_HALF_MM));
        let tall: Vec<f32> = vec![0.0, 1.6, -1.2];
        let (up, down) = grid_extent_mm(&[(0.0, &small), (0.0, &tall)]);
        // 16 mm + 6 mm headroom -> 25 mm; 12 mm + 2.5 mm -> 15 mm.
        assert_eq!((up, down), (25.0, 15.0));
        let huge: Vec<f32> = vec![0.0, 10.0, -10.0];
        assert_eq!(grid_extent_mm(&[(0.0, &huge)]), (MAX_UP_MM, MAX_DOWN_MM));
    }
}
