//! Provisional (replaced by `ecg-rhythm train`).
use super::features::N_FEATURES;
use super::model::{Model, TrainedModel};
/// The compiled-in model.
pub static MODEL: TrainedModel = TrainedModel {
    mean: [0.0; N_FEATURES],
    scale: [1.0; N_FEATURES],
    model: Model::Logistic { weights: [0.0; N_FEATURES], bias: 0.0 },
    trained_window_s: 8.0,
};
