//! The shock classifier's parameters — GENERATED, do not edit.
//!
//! Regenerate (from the crate root, with ../shared/data present):
//!
//! ```text
//! cargo run --release -- train --data ../shared/data --window-s 8,4 --model logistic --folds 10 --out src/rhythm/model_params.rs
//! ```
//!
//! Model: logistic; permutation importance per feature:
//! - `tcsc`: 0.0707
//! - `vf_leakage`: 0.0550
//! - `lz_complexity`: 0.0378
//! - `dominant_freq_hz`: 0.0021
//! - `spectral_moment_hz`: -0.0002
//! - `band_low`: 0.0032
//! - `band_vf`: 0.0008
//! - `band_high`: 0.0515
//! - `spectral_a2`: 0.0013
//! - `noise_hf`: 0.0048
//! - `log_kurtosis`: 0.0239
//! - `log_ptp_mv`: 0.0011
//! - `ptp_cv`: 0.1198
//! - `flat_fraction`: 0.1884
//! - `mean_freq_hz`: 0.0025
//! - `beat_rate_bpm`: 0.0006
//! - `rr_cv`: 0.0011
//! - `qrs_width_ms`: 0.0523
//! - `amplitude_cv`: 0.0329
//! - `beat_correlation`: 0.0348
//! - `fast_periodicity`: 0.0518

use super::model::{Model, TrainedModel};

/// The compiled-in shock classifier.
pub static MODEL: TrainedModel = TrainedModel {
    mean: [4.2808142e-1, 6.6114324e-1, 3.79592e-1, 2.8699934e0, 5.190892e0, 1.9451314e-1, 6.8909043e-1, 9.383351e-2, 5.3522724e-1, 6.1117834e-3, 1.6003289e0, -2.8958637e-1, 6.073989e-1, 8.3621934e-2, 5.095878e0, 9.6816864e1, 2.4365485e-1, 1.8244037e2, 2.2634277e-1, 4.5889825e-1, 3.3810732e-1],
    scale: [2.3313282e-1, 1.9252001e-1, 1.0372245e-1, 1.5900463e0, 2.3857818e0, 1.9490029e-1, 2.182381e-1, 1.1842514e-1, 2.363656e-1, 1.1043257e-2, 7.705628e-1, 3.7352756e-1, 3.4346637e-1, 1.7554441e-1, 1.9276886e0, 4.6016396e1, 2.0750654e-1, 7.1684135e1, 1.9673097e-1, 4.3410465e-1, 2.9630354e-1],
    model: Model::Logistic {
        weights: [1.2964306e0, -1.6502137e0, 1.3670301e0, 3.2836616e-1, -1.0727653e-1, 3.361042e-1, -1.2806785e-1, 1.0507023e0, -2.2987501e-1, -6.6904664e-1, 8.621575e-1, 2.6373324e-1, -1.6243743e0, -2.5699518e0, -3.6201227e-1, -2.2317436e-1, 1.4185295e-1, 1.3038899e0, 7.97025e-1, -9.9053395e-1, 1.3681711e0],
        bias: -1.0730014e0,
    },
    trained_window_s: 8.0,
};
