//! The shock classifier's parameters — GENERATED, do not edit.
//!
//! Regenerate (from the crate root, with ../shared/data present):
//!
//! ```text
//! cargo run --release -- train --data ../shared/data --window-s 8,4 --model logistic --folds 10 --out src/rhythm/model_params.rs
//! ```
//!
//! Model: logistic; permutation importance per feature:
//! - `tcsc`: 0.0791
//! - `vf_leakage`: 0.0599
//! - `lz_complexity`: 0.0365
//! - `dominant_freq_hz`: 0.0034
//! - `spectral_moment_hz`: 0.0009
//! - `band_low`: 0.0022
//! - `band_vf`: 0.0008
//! - `band_high`: 0.0469
//! - `spectral_a2`: 0.0006
//! - `noise_hf`: 0.0049
//! - `log_kurtosis`: 0.0238
//! - `log_ptp_mv`: 0.0011
//! - `ptp_cv`: 0.1476
//! - `flat_fraction`: 0.2026
//! - `mean_freq_hz`: 0.0026
//! - `beat_rate_bpm`: 0.0007
//! - `rr_cv`: 0.0018
//! - `qrs_width_ms`: 0.0411
//! - `amplitude_cv`: 0.0310
//! - `beat_correlation`: 0.0300
//! - `fast_periodicity`: 0.0501

use super::model::{Model, TrainedModel};

/// The compiled-in shock classifier.
pub static MODEL: TrainedModel = TrainedModel {
    mean: [4.2803448e-1, 6.613922e-1, 3.794423e-1, 2.8594322e0, 5.1876144e0, 1.9496194e-1, 6.887932e-1, 9.37191e-2, 5.348512e-1, 6.1165695e-3, 1.6003753e0, -2.8954312e-1, 6.0839653e-1, 8.3792105e-2, 5.091203e0, 9.395119e1, 2.4242185e-1, 1.819664e2, 2.2585312e-1, 4.544797e-1, 3.3795026e-1],
    scale: [2.3279572e-1, 1.9250429e-1, 1.0372448e-1, 1.5868701e0, 2.382645e0, 1.9506331e-1, 2.1850659e-1, 1.1834101e-1, 2.3655461e-1, 1.10439705e-2, 7.7027595e-1, 3.7367642e-1, 3.4416872e-1, 1.756387e-1, 1.9256253e0, 4.381795e1, 2.0849791e-1, 7.1252556e1, 1.9653022e-1, 4.376264e-1, 2.96421e-1],
    model: Model::Logistic {
        weights: [1.3933887e0, -1.7766033e0, 1.3240693e0, 2.87289e-1, -2.015837e-1, 2.8009766e-1, -1.6931856e-1, 1.1551068e0, -2.1992375e-1, -6.140206e-1, 9.4522786e-1, 2.3026887e-1, -1.74418e0, -2.5438712e0, -3.74846e-1, -2.8220055e-1, 1.7184496e-1, 1.2197877e0, 8.124398e-1, -1.0153875e0, 1.3691951e0],
        bias: -1.0227453e0,
    },
    trained_window_s: 8.0,
};
