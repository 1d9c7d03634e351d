//! The shock classifier's parameters — GENERATED, do not edit.
//!
//! Regenerate (from the crate root, with ../shared/data present):
//!
//! ```text
//! cargo run --release -- train --data ../shared/data --window-s 8,4 --model logistic --folds 10 --out src/rhythm/model_params.rs
//! ```
//!
//! Model: logistic; permutation importance per feature:
//! - `tcsc`: 0.1055
//! - `vf_leakage`: 0.0064
//! - `lz_complexity`: 0.0352
//! - `dominant_freq_hz`: 0.0001
//! - `spectral_moment_hz`: 0.0072
//! - `band_low`: 0.0024
//! - `band_vf`: -0.0002
//! - `band_high`: 0.0135
//! - `spectral_a2`: 0.0045
//! - `noise_hf`: 0.0011
//! - `log_kurtosis`: 0.0222
//! - `log_ptp_mv`: 0.0041
//! - `ptp_cv`: 0.1754
//! - `flat_fraction`: 0.2354
//! - `mean_freq_hz`: 0.0062
//! - `beat_rate_bpm`: 0.0018
//! - `rr_cv`: 0.0025
//! - `qrs_width_ms`: 0.0188
//! - `amplitude_cv`: 0.0338
//! - `beat_correlation`: 0.0413

use super::model::{Model, TrainedModel};

/// The compiled-in shock classifier.
pub static MODEL: TrainedModel = TrainedModel {
    mean: [4.2675295e-1, 6.602482e-1, 3.814799e-1, 2.9784365e0, 5.3159676e0, 1.8488325e-1, 6.925737e-1, 9.923516e-2, 5.317589e-1, 5.980423e-3, 1.6008621e0, -2.9122385e-1, 5.852222e-1, 7.7651665e-2, 5.2081757e0, 9.9933136e1, 2.2138837e-1, 1.8049203e2, 2.185583e-1, 5.22101e-1],
    scale: [2.3271067e-1, 1.9087769e-1, 1.01294145e-1, 1.5942134e0, 2.474423e0, 1.8973945e-1, 2.137321e-1, 1.2372646e-1, 2.3628238e-1, 1.0511244e-2, 7.5679946e-1, 3.7134448e-1, 3.1780028e-1, 1.7130853e-1, 1.9445997e0, 4.295273e1, 1.8817376e-1, 7.209143e1, 1.9119765e-1, 4.324031e-1],
    model: Model::Logistic {
        weights: [1.4215685e0, -6.979312e-1, 1.4398171e0, 2.6273412e-1, 4.010673e-1, 2.3190418e-1, 2.9910307e-2, 5.272165e-1, 4.8458323e-1, -4.835439e-1, 8.434912e-1, 4.0998653e-1, -1.8966635e0, -2.7228096e0, -5.315602e-1, 3.6995816e-1, 3.3827797e-1, 9.7861254e-1, 9.5031285e-1, -1.0890634e0],
        bias: -1.250317e0,
    },
    trained_window_s: 8.0,
};
