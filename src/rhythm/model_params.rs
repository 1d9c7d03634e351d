//! The shock classifier's parameters — GENERATED, do not edit.
//!
//! Regenerate (from the crate root, with ../shared/data present):
//!
//! ```text
//! cargo run --release -- train --data ../shared/data --window-s 8,4 --model logistic --folds 10 --out src/rhythm/model_params.rs
//! ```
//!
//! Model: logistic; permutation importance per feature:
//! - `tcsc`: 0.1082
//! - `vf_leakage`: 0.0297
//! - `lz_complexity`: 0.0563
//! - `dominant_freq_hz`: -0.0006
//! - `spectral_moment_hz`: 0.0059
//! - `band_low`: 0.0002
//! - `band_vf`: 0.0013
//! - `band_high`: 0.0717
//! - `spectral_a2`: 0.0059
//! - `noise_hf`: 0.0010
//! - `log_kurtosis`: 0.0342
//! - `log_ptp_mv`: 0.0046
//! - `ptp_cv`: 0.2876
//! - `flat_fraction`: 0.1724
//! - `mean_freq_hz`: 0.0079
//! - `beat_rate_bpm`: 0.0021
//! - `rr_cv`: -0.0001
//! - `qrs_width_ms`: 0.0281
//! - `amplitude_cv`: 0.0335
//! - `beat_correlation`: 0.0346

use super::model::{Model, TrainedModel};

/// The compiled-in shock classifier.
pub static MODEL: TrainedModel = TrainedModel {
    mean: [4.2166546e-1, 6.606118e-1, 3.8337162e-1, 3.1285646e0, 5.402198e0, 1.8387648e-1, 6.885644e-1, 1.037509e-1, 5.350463e-1, 6.341548e-3, 1.6236274e0, -2.891744e-1, 6.0164905e-1, 7.882608e-2, 5.25057e0, 9.867554e1, 2.3812544e-1, 1.8144615e2, 2.2388235e-1, 4.7924963e-1],
    scale: [2.3803021e-1, 1.9143233e-1, 1.0266725e-1, 1.71711e0, 2.6242068e0, 1.9275612e-1, 2.173482e-1, 1.3202561e-1, 2.3428258e-1, 1.0999339e-2, 7.8716695e-1, 3.7297532e-1, 3.353549e-1, 1.7321806e-1, 2.0381851e0, 4.4576134e1, 2.0245574e-1, 7.214415e1, 1.96414e-1, 4.3538216e-1],
    model: Model::Logistic {
        weights: [1.4417535e0, -1.333143e0, 1.456885e0, -8.197441e-2, 2.7832308e-1, 1.2806255e-1, -1.6872795e-1, 1.2152535e0, 5.6091124e-1, -5.9481025e-1, 1.0467101e0, 3.0101505e-1, -2.192361e0, -2.5057976e0, -6.5638584e-1, 2.3857246e-1, 1.5404855e-1, 1.0620154e0, 9.373953e-1, -9.393155e-1],
        bias: -1.2052976e0,
    },
    trained_window_s: 8.0,
};
