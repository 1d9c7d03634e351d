//! Scoring by the rules of `../shared/EVALUATION.md` (feature `std`).
//!
//! Every rule of that file lives here as one named function with tests worked out by hand:
//! [`spans`] (scored and suspended spans), [`beats`] (AAMI EC57 beat-by-beat matching),
//! [`sync`] (sync-marker timing), [`rhythm`] (shock advice by AHA category) with
//! [`confidence`] (exact one-sided lower confidence limits). [`events`] reads the scored events
//! from the engine or from JSON Lines files. [`nst`] builds noise-stress-test records.

pub mod beats;
pub mod confidence;
pub mod events;
pub mod nst;
pub mod rhythm;
pub mod spans;
pub mod sync;

/// Percentile by linear interpolation between closest ranks (numpy's default), `q` in 0..=100.
/// Returns `None` for an empty set.
pub fn percentile(values: &[f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let pos = q.clamp(0.0, 100.0) / 100.0 * (v.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let frac = pos - lo as f64;
    Some(v[lo] + (v[hi] - v[lo]) * frac)
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn percentile_interpolates() {
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(percentile(&[3.0], 99.0), Some(3.0));
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 50.0), Some(2.5));
        assert_eq!(percentile(&[4.0, 1.0, 3.0, 2.0], 100.0), Some(4.0));
        let p = percentile(&[0.0, 10.0], 95.0).unwrap();
        assert!((p - 9.5).abs() < 1e-12);
    }
}
