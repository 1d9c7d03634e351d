//! The shock classifier's parameters — GENERATED, do not edit.
//!
//! Regenerate (from the crate root, with ../shared/data present):
//!
//! ```text
//! cargo run --release -- train --data ../shared/data --window-s 8,4 --model logistic --folds 10 --out src/rhythm/model_params.rs
//! ```
//!
//! Model: logistic; permutation importance per feature:
//! - `tcsc`: 0.0711
//! - `vf_leakage`: 0.0537
//! - `lz_complexity`: 0.0403
//! - `dominant_freq_hz`: 0.0029
//! - `spectral_moment_hz`: -0.0001
//! - `band_low`: 0.0035
//! - `band_vf`: 0.0008
//! - `band_high`: 0.0427
//! - `spectral_a2`: 0.0011
//! - `noise_hf`: 0.0071
//! - `log_kurtosis`: 0.0224
//! - `log_ptp_mv`: 0.0008
//! - `ptp_cv`: 0.1256
//! - `flat_fraction`: 0.1990
//! - `mean_freq_hz`: 0.0026
//! - `beat_rate_bpm`: 0.0004
//! - `rr_cv`: 0.0016
//! - `qrs_width_ms`: 0.0492
//! - `amplitude_cv`: 0.0334
//! - `beat_correlation`: 0.0290
//! - `fast_periodicity`: 0.0525

use super::model::{Model, TrainedModel};

/// The compiled-in shock classifier.
pub static MODEL: TrainedModel = TrainedModel {
    mean: [4.2857942e-1, 6.6104907e-1, 3.7933064e-1, 2.858369e0, 5.1815534e0, 1.950577e-1, 6.889467e-1, 9.346743e-2, 5.352364e-1, 6.1062137e-3, 1.5985826e0, -2.8925428e-1, 6.0765046e-1, 8.36957e-2, 5.0878673e0, 9.6729996e1, 2.436229e-1, 1.8252821e2, 2.2646333e-1, 4.576778e-1, 3.381227e-1],
    scale: [2.3275186e-1, 1.9252436e-1, 1.038096e-1, 1.5859536e0, 2.3809702e0, 1.9499996e-1, 2.1837582e-1, 1.18180744e-1, 2.3647206e-1, 1.1030551e-2, 7.697494e-1, 3.7365845e-1, 3.4396872e-1, 1.7560497e-1, 1.9259826e0, 4.6085384e1, 2.0818602e-1, 7.162841e1, 1.9691983e-1, 4.3410537e-1, 2.9638e-1],
    model: Model::Logistic {
        weights: [1.302322e0, -1.6368003e0, 1.3633728e0, 3.3716354e-1, -9.804214e-2, 3.443216e-1, -1.4105536e-1, 1.0422449e0, -2.2856347e-1, -6.692811e-1, 8.5168004e-1, 2.5690567e-1, -1.626308e0, -2.5721927e0, -3.6760622e-1, -2.2465104e-1, 1.4324051e-1, 1.3064548e0, 8.002443e-1, -9.815661e-1, 1.3597506e0],
        bias: -1.0704584e0,
    },
    trained_window_s: 8.0,
};
