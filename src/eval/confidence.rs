//! One-sided lower confidence limit of a proportion, as AED makers report sensitivity and
//! specificity (Kerber et al., "Automatic external defibrillators for public access
//! defibrillation: recommendations for specifying and reporting arrhythmia analysis algorithm
//! performance", *Circulation* 95:1677–1682, 1997, asks for the 90 % one-sided lower
//! confidence limit next to each observed performance).
//!
//! **Method: exact (Clopper–Pearson) one-sided limit.** For `k` successes in `n` trials the
//! lower limit at confidence `1 − α` is the proportion `p_L` with
//! `P(X ≥ k | n, p_L) = α`, i.e. the `α` quantile of `Beta(k, n − k + 1)`; `p_L = 0` when
//! `k = 0`. Closed forms check it: `k = n` gives `α^(1/n)`, `k = 1` gives `1 − (1 − α)^(1/n)`.
//!
//! The binomial tail is the regularized incomplete beta function, `P(X ≥ k) = I_p(k, n−k+1)`,
//! evaluated by its continued fraction (modified Lentz method; Abramowitz & Stegun 26.5.8), and
//! the limit is found by bisection on `p` (the tail is increasing in `p`).

/// Regularized incomplete beta function `I_x(a, b)` for `a, b > 0`, `0 ≤ x ≤ 1`.
pub fn regularized_incomplete_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    // The continued fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry
    // I_x(a, b) = 1 − I_{1−x}(b, a) on the other side.
    if x > (a + 1.0) / (a + b + 2.0) {
        return 1.0 - regularized_incomplete_beta(1.0 - x, b, a);
    }
    let ln_beta = libm::lgamma(a) + libm::lgamma(b) - libm::lgamma(a + b);
    let front = (a * x.ln() + b * (1.0 - x).ln() - ln_beta).exp() / a;
    const TINY: f64 = 1e-300;
    let (mut f, mut c, mut d) = (1.0f64, 1.0f64, 0.0f64);
    for i in 0..10_000u32 {
        let m = (i / 2) as f64;
        let numerator = if i == 0 {
            1.0
        } else if i % 2 == 0 {
            m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m))
        } else {
            -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0))
        };
        d = 1.0 + numerator * d;
        if d.abs() < TINY {
            d = TINY;
        }
        d = 1.0 / d;
        c = 1.0 + numerator / c;
        if c.abs() < TINY {
            c = TINY;
        }
        let cd = c * d;
        f *= cd;
        if (1.0 - cd).abs() < 1e-15 {
            break;
        }
    }
    front * (f - 1.0)
}

/// `P(X ≥ k)` for `X ~ Binomial(n, p)`.
pub fn binomial_upper_tail(k: u64, n: u64, p: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n {
        return 0.0;
    }
    regularized_incomplete_beta(p, k as f64, (n - k + 1) as f64)
}

/// Exact one-sided lower confidence limit of a proportion `k / n` at `confidence` (e.g. 0.90),
/// as a fraction 0..1. `None` when `n = 0`.
pub fn lower_confidence_limit(k: u64, n: u64, confidence: f64) -> Option<f64> {
    if n == 0 {
        return None;
    }
    let k = k.min(n);
    if k == 0 {
        return Some(0.0);
    }
    let alpha = 1.0 - confidence;
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if binomial_upper_tail(k, n, mid) < alpha {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-13 {
            break;
        }
    }
    Some(0.5 * (lo + hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn incomplete_beta_matches_reference_values() {
        // Reference values from scipy.special.betainc.
        assert!(close(
            regularized_incomplete_beta(0.4, 2.5, 3.5),
            0.4869041915261176,
            1e-12
        ));
        assert!(close(
            regularized_incomplete_beta(0.3, 30.0, 70.0),
            0.5116251045586087,
            1e-12
        ));
        // I_x(1, 1) = x; I_x(a, 1) = x^a.
        assert!(close(
            regularized_incomplete_beta(0.37, 1.0, 1.0),
            0.37,
            1e-14
        ));
        assert!(close(
            regularized_incomplete_beta(0.6, 3.0, 1.0),
            0.216,
            1e-14
        ));
    }

    #[test]
    fn closed_forms() {
        for n in [1u64, 5, 10, 100] {
            let all = lower_confidence_limit(n, n, 0.9).unwrap();
            assert!(close(all, 0.1f64.powf(1.0 / n as f64), 1e-10), "n={n}");
            let one = lower_confidence_limit(1, n, 0.9).unwrap();
            assert!(
                close(one, 1.0 - 0.9f64.powf(1.0 / n as f64), 1e-10),
                "n={n}"
            );
        }
        assert_eq!(lower_confidence_limit(0, 5, 0.9), Some(0.0));
        assert_eq!(lower_confidence_limit(0, 0, 0.9), None);
    }

    #[test]
    fn matches_beta_quantiles() {
        // scipy.stats.beta.ppf(0.1, k, n - k + 1)
        for (k, n, want) in [
            (95, 100, 0.9092285303859299),
            (50, 100, 0.4314168255937808),
            (990, 1000, 0.9846350243951093),
            (3, 7, 0.16963841739720056),
            (1234, 1300, 0.9405165348800846),
        ] {
            let got = lower_confidence_limit(k, n, 0.9).unwrap();
            assert!(close(got, want, 1e-9), "{k}/{n}: {got} vs {want}");
        }
    }

    #[test]
    fn tail_at_the_limit_is_alpha_by_direct_summation() {
        // Sum the binomial terms directly for a small n.
        let (k, n) = (7u64, 12u64);
        let p = lower_confidence_limit(k, n, 0.9).unwrap();
        let mut tail = 0.0;
        for j in k..=n {
            let ln_choose = libm::lgamma(n as f64 + 1.0)
                - libm::lgamma(j as f64 + 1.0)
                - libm::lgamma((n - j) as f64 + 1.0);
            tail += (ln_choose + j as f64 * p.ln() + (n - j) as f64 * (1.0 - p).ln()).exp();
        }
        assert!(close(tail, 0.1, 1e-9), "{tail}");
    }
}
