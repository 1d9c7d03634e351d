//! The shock classifier's parameters — GENERATED, do not edit.
//!
//! Regenerate (from the crate root, with ../shared/data present):
//!
//! ```text
//! cargo run --release -- train --data ../shared/data --window-s 8,4 --model logistic --folds 10 --out src/rhythm/model_params.rs
//! ```
//!
//! Model: logistic; permutation importance per feature:
//! - `tcsc`: 0.1047
//! - `vf_leakage`: 0.0070
//! - `lz_complexity`: 0.0338
//! - `dominant_freq_hz`: 0.0002
//! - `spectral_moment_hz`: 0.0061
//! - `band_low`: 0.0026
//! - `band_vf`: -0.0002
//! - `band_high`: 0.0122
//! - `spectral_a2`: 0.0038
//! - `noise_hf`: 0.0009
//! - `log_kurtosis`: 0.0181
//! - `log_ptp_mv`: 0.0040
//! - `ptp_cv`: 0.1693
//! - `flat_fraction`: 0.2320
//! - `mean_freq_hz`: 0.0049
//! - `beat_rate_bpm`: 0.0020
//! - `rr_cv`: 0.0038
//! - `qrs_width_ms`: 0.0138
//! - `amplitude_cv`: 0.0354
//! - `beat_correlation`: 0.0403

use super::model::{Model, TrainedModel};

/// The compiled-in shock classifier.
pub static MODEL: TrainedModel = TrainedModel {
    mean: [4.2675295e-1, 6.602482e-1, 3.814799e-1, 2.9784365e0, 5.3159676e0, 1.8488325e-1, 6.925737e-1, 9.923516e-2, 5.317589e-1, 5.980423e-3, 1.6008621e0, -2.9122385e-1, 5.852222e-1, 7.7651665e-2, 5.2081757e0, 9.989344e1, 2.209211e-1, 1.8033992e2, 2.1800075e-1, 5.224593e-1],
    scale: [2.3271067e-1, 1.9087769e-1, 1.01294145e-1, 1.5942134e0, 2.474423e0, 1.8973945e-1, 2.137321e-1, 1.2372646e-1, 2.3628238e-1, 1.0511244e-2, 7.5679946e-1, 3.7134448e-1, 3.1780028e-1, 1.7130853e-1, 1.9445997e0, 4.292698e1, 1.8681706e-1, 7.208185e1, 1.8993214e-1, 4.3130523e-1],
    model: Model::Logistic {
        weights: [1.401205e0, -7.1686125e-1, 1.4063052e0, 2.6953638e-1, 3.65119e-1, 2.4384192e-1, 3.294518e-2, 4.9729982e-1, 4.469254e-1, -4.6439737e-1, 7.5959194e-1, 4.0613696e-1, -1.8511683e0, -2.691813e0, -4.735379e-1, 3.8405204e-1, 4.022996e-1, 8.373408e-1, 9.826398e-1, -1.068517e0],
        bias: -1.2674428e0,
    },
    trained_window_s: 8.0,
};
