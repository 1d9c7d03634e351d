//! The shock classifier's parameters — GENERATED, do not edit.
//!
//! Regenerate (from the crate root, with ../shared/data present):
//!
//! ```text
//! cargo run --release -- train --data ../shared/data --window-s 8,4 --model logistic --folds 10 --out src/rhythm/model_params.rs
//! ```
//!
//! Model: logistic; permutation importance per feature:
//! - `tcsc`: 0.0795
//! - `vf_leakage`: 0.0608
//! - `lz_complexity`: 0.0371
//! - `dominant_freq_hz`: 0.0031
//! - `spectral_moment_hz`: 0.0001
//! - `band_low`: 0.0027
//! - `band_vf`: 0.0010
//! - `band_high`: 0.0392
//! - `spectral_a2`: 0.0007
//! - `noise_hf`: 0.0056
//! - `log_kurtosis`: 0.0215
//! - `log_ptp_mv`: 0.0009
//! - `ptp_cv`: 0.1255
//! - `flat_fraction`: 0.1984
//! - `mean_freq_hz`: 0.0025
//! - `beat_rate_bpm`: 0.0004
//! - `rr_cv`: 0.0020
//! - `qrs_width_ms`: 0.0439
//! - `amplitude_cv`: 0.0316
//! - `beat_correlation`: 0.0311
//! - `fast_periodicity`: 0.0511

use super::model::{Model, TrainedModel};

/// The compiled-in shock classifier.
pub static MODEL: TrainedModel = TrainedModel {
    mean: [4.2824677e-1, 6.612464e-1, 3.794079e-1, 2.8586688e0, 5.184419e0, 1.9505398e-1, 6.887993e-1, 9.35945e-2, 5.350265e-1, 6.1119613e-3, 1.5995774e0, -2.896239e-1, 6.080275e-1, 8.37839e-2, 5.089788e0, 9.615153e1, 2.4420872e-1, 1.8240953e2, 2.2600392e-1, 4.580551e-1, 3.3801287e-1],
    scale: [2.3274116e-1, 1.9252966e-1, 1.0375455e-1, 1.586465e0, 2.3816617e0, 1.950939e-1, 2.1847498e-1, 1.18249774e-1, 2.3651546e-1, 1.1034772e-2, 7.699248e-1, 3.73614e-1, 3.44043e-1, 1.7562324e-1, 1.9256837e0, 4.5796795e1, 2.0895956e-1, 7.164765e1, 1.9599304e-1, 4.3403527e-1, 2.963838e-1],
    model: Model::Logistic {
        weights: [1.3792576e0, -1.754797e0, 1.333939e0, 3.0547237e-1, -1.1237153e-1, 3.0251262e-1, -1.8139608e-1, 1.0460304e0, -2.3674726e-1, -6.413583e-1, 8.812809e-1, 2.3818165e-1, -1.639579e0, -2.5386903e0, -3.4850255e-1, -2.524414e-1, 1.6853449e-1, 1.231978e0, 7.941631e-1, -1.0033866e0, 1.3898011e0],
        bias: -1.0379006e0,
    },
    trained_window_s: 8.0,
};
