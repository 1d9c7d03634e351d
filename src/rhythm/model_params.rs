//! The shock classifier's parameters — GENERATED, do not edit.
//!
//! Regenerate (from the crate root, with ../shared/data present):
//!
//! ```text
//! cargo run --release -- train --data ../shared/data --window-s 8,4 --model logistic --folds 10 --out src/rhythm/model_params.rs
//! ```
//!
//! Model: logistic; permutation importance per feature:
//! - `tcsc`: 0.1070
//! - `vf_leakage`: 0.0301
//! - `lz_complexity`: 0.0544
//! - `dominant_freq_hz`: -0.0004
//! - `spectral_moment_hz`: 0.0058
//! - `band_low`: 0.0001
//! - `band_vf`: 0.0012
//! - `band_high`: 0.0722
//! - `spectral_a2`: 0.0057
//! - `noise_hf`: 0.0012
//! - `log_kurtosis`: 0.0353
//! - `log_ptp_mv`: 0.0042
//! - `ptp_cv`: 0.2837
//! - `flat_fraction`: 0.1631
//! - `mean_freq_hz`: 0.0089
//! - `beat_rate_bpm`: 0.0020
//! - `rr_cv`: -0.0000
//! - `qrs_width_ms`: 0.0287
//! - `amplitude_cv`: 0.0337
//! - `beat_correlation`: 0.0361

use super::model::{Model, TrainedModel};

/// The compiled-in shock classifier.
pub static MODEL: TrainedModel = TrainedModel {
    mean: [4.2179155e-1, 6.603578e-1, 3.8338956e-1, 3.1318886e0, 5.40367e0, 1.8335426e-1, 6.890687e-1, 1.0373181e-1, 5.3530335e-1, 6.3394746e-3, 1.6232909e0, -2.901269e-1, 6.014441e-1, 7.8851044e-2, 5.251499e0, 9.870809e1, 2.3798925e-1, 1.8148558e2, 2.2371913e-1, 4.795146e-1],
    scale: [2.3813944e-1, 1.9155009e-1, 1.026407e-1, 1.7162254e0, 2.623366e0, 1.9242343e-1, 2.1724972e-1, 1.3203701e-1, 2.3439151e-1, 1.1002382e-2, 7.874836e-1, 3.7207046e-1, 3.3554855e-1, 1.732228e-1, 2.0374625e0, 4.460103e1, 2.0234282e-1, 7.2174706e1, 1.9634207e-1, 4.3534988e-1],
    model: Model::Logistic {
        weights: [1.4463186e0, -1.3412708e0, 1.4563118e0, -8.018192e-2, 2.7975404e-1, 1.22199096e-1, -1.6424294e-1, 1.223341e0, 5.617856e-1, -5.894024e-1, 1.054511e0, 2.8981155e-1, -2.1914937e0, -2.5117257e0, -6.6463757e-1, 2.3931149e-1, 1.5493073e-1, 1.0778457e0, 9.3083066e-1, -9.376233e-1],
        bias: -1.1997246e0,
    },
    trained_window_s: 8.0,
};
