//! The shock classifier's parameters — GENERATED, do not edit.
//!
//! Regenerate (from the crate root, with ../shared/data present):
//!
//! ```text
//! cargo run --release -- train --data ../shared/data --window-s 8,4 --model logistic --folds 10 --out src/rhythm/model_params.rs
//! ```
//!
//! Model: logistic; permutation importance per feature:
//! - `tcsc`: 0.1208
//! - `vf_leakage`: 0.0368
//! - `lz_complexity`: 0.0510
//! - `dominant_freq_hz`: 0.0016
//! - `spectral_moment_hz`: 0.0143
//! - `band_low`: 0.0006
//! - `band_vf`: 0.0008
//! - `band_high`: 0.0724
//! - `spectral_a2`: 0.0080
//! - `noise_hf`: 0.0070
//! - `log_kurtosis`: 0.0314
//! - `log_ptp_mv`: 0.0045
//! - `ptp_cv`: 0.3081
//! - `flat_fraction`: 0.2344
//! - `mean_freq_hz`: 0.0033
//! - `beat_rate_bpm`: 0.0017
//! - `rr_cv`: 0.0002
//! - `qrs_width_ms`: 0.0422
//! - `amplitude_cv`: 0.0380
//! - `beat_correlation`: 0.0201

use super::model::{Model, TrainedModel};

/// The compiled-in shock classifier.
pub static MODEL: TrainedModel = TrainedModel {
    mean: [4.2806768e-1, 6.605037e-1, 3.791011e-1, 2.8643873e0, 5.169686e0, 1.944067e-1, 6.902841e-1, 9.2840135e-2, 5.3586215e-1, 6.0137697e-3, 1.5968409e0, -2.8878146e-1, 6.055866e-1, 8.3238415e-2, 5.0820136e0, 9.7131805e1, 2.4508168e-1, 1.8216663e2, 2.2757067e-1, 4.6307865e-1],
    scale: [2.3290427e-1, 1.9214138e-1, 1.0324888e-1, 1.5825797e0, 2.366522e0, 1.9434842e-1, 2.1738575e-1, 1.1725634e-1, 2.3558244e-1, 1.0951422e-2, 7.6568586e-1, 3.7214968e-1, 3.412129e-1, 1.7441323e-1, 1.9146676e0, 4.5755917e1, 2.043556e-1, 7.168846e1, 1.9580169e-1, 4.3230563e-1],
    model: Model::Logistic {
        weights: [1.4713993e0, -1.2466346e0, 1.3595003e0, 1.4239025e-1, 4.551658e-1, 2.4169876e-1, -1.6934098e-1, 1.1579766e0, 5.276795e-1, -7.419421e-1, 9.3579644e-1, 2.6460958e-1, -2.0979154e0, -2.530095e0, -4.9468532e-1, 1.7073289e-1, 1.08328946e-1, 1.1830747e0, 9.1717404e-1, -8.5731363e-1],
        bias: -1.2056525e0,
    },
    trained_window_s: 8.0,
};
