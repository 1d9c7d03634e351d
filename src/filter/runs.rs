//! Runs of equal samples counted over a block, without a counter carried from sample to sample.
//!
//! A stuck or clipped signal shows as a run of equal samples. Counting the run sample by sample
//! carries a dependency through every sample; over a block it is cheaper to count the pairs of
//! equal neighbours first (one comparison each, no carried dependency). A run grows by at most
//! one per equal pair, so when the pairs cannot take a run past a limit, nothing in the block
//! reached it and only the run at the end is needed: [`trailing_equal_pairs`]. The raw counters
//! of the shock advisor and the signal-quality monitor both count this way.

/// Pairs of equal neighbours in `xs`, with `prev` (the sample before the block) paired with the
/// first sample. Samples compare as `f32` (a NaN equals nothing).
#[inline]
pub(crate) fn equal_pairs(prev: f32, xs: &[f32]) -> u32 {
    let inner = xs
        .iter()
        .skip(1)
        .zip(xs.iter())
        .map(|(a, b)| u32::from(a == b))
        .sum::<u32>();
    inner + u32::from(xs.first() == Some(&prev))
}

/// The equal pairs at the end of `xs`, counted back from the last sample and through the pair
/// of the first sample with `prev`: `xs.len()` when every sample equals `prev`.
#[inline]
pub(crate) fn trailing_equal_pairs(prev: f32, xs: &[f32]) -> u32 {
    let Some(&last) = xs.last() else {
        return 0;
    };
    let mut trailing = 0u32;
    let mut later = last;
    for &v in xs.iter().rev().skip(1).chain(core::iter::once(&prev)) {
        if v != later {
            break;
        }
        trailing += 1;
        later = v;
    }
    trailing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_and_trailing_pairs_of_small_blocks() {
        assert_eq!(equal_pairs(1.0, &[]), 0);
        assert_eq!(trailing_equal_pairs(1.0, &[]), 0);
        // 1 | 1 2 2 2: pairs (1,1), (2,2), (2,2); the last three samples' two pairs at the end.
        assert_eq!(equal_pairs(1.0, &[1.0, 2.0, 2.0, 2.0]), 3);
        assert_eq!(trailing_equal_pairs(1.0, &[1.0, 2.0, 2.0, 2.0]), 2);
        // Every sample equal to the one before the block: as many pairs as samples.
        assert_eq!(equal_pairs(3.0, &[3.0; 5]), 5);
        assert_eq!(trailing_equal_pairs(3.0, &[3.0; 5]), 5);
        assert_eq!(trailing_equal_pairs(4.0, &[3.0; 5]), 4);
        // NaN equals nothing.
        assert_eq!(equal_pairs(f32::NAN, &[f32::NAN, f32::NAN]), 0);
        assert_eq!(trailing_equal_pairs(f32::NAN, &[f32::NAN, f32::NAN]), 0);
    }
}
