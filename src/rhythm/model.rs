//! The shock classifier's inference: standardise, then a logistic regression or a one-hidden-layer
//! perceptron, giving the probability that the window is shockable.
//!
//! The parameters are trained offline by `ecg-rhythm train` and compiled in as constants
//! ([`super::model_params`]). Inference reads only those constants and a stack array: no
//! allocation. Operations per decision with `F` features and `H` hidden units: `2F` for
//! standardisation, `H·(F + 1)` multiply-adds and `H` `tanh` for the hidden layer (none for the
//! logistic model), `H + 1` multiply-adds and one `exp` for the output.

use super::features::{Features, N_FEATURES};

/// Largest hidden layer the inference supports.
pub const MAX_HIDDEN: usize = 32;

/// Standardised features are clipped to this many standard deviations, so that one absurd
/// value (an artefact) cannot dominate the score.
pub const CLIP_SD: f32 = 6.0;

/// The model's form and weights.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Model {
    /// `p = σ(w·z + b)` on the standardised features `z`.
    Logistic {
        /// One weight per feature.
        weights: [f32; N_FEATURES],
        /// Bias.
        bias: f32,
    },
    /// `p = σ(v·tanh(W z + c) + d)`.
    Mlp {
        /// Hidden-layer weights, one row of `N_FEATURES` per unit (at most [`MAX_HIDDEN`] rows).
        hidden_weights: &'static [[f32; N_FEATURES]],
        /// Hidden-layer biases.
        hidden_bias: &'static [f32],
        /// Output weights, one per hidden unit.
        output_weights: &'static [f32],
        /// Output bias.
        output_bias: f32,
    },
}

/// A trained classifier: feature standardisation plus the model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrainedModel {
    /// Mean of each feature over the training windows.
    pub mean: [f32; N_FEATURES],
    /// Standard deviation of each feature over the training windows (never 0).
    pub scale: [f32; N_FEATURES],
    /// The classifier.
    pub model: Model,
    /// Window length the model was trained on, s.
    pub trained_window_s: f32,
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + libm::expf(-x.clamp(-30.0, 30.0)))
}

impl TrainedModel {
    /// Standardised, clipped features.
    pub fn standardize(&self, features: &Features) -> [f32; N_FEATURES] {
        let mut z = [0.0; N_FEATURES];
        for (((z, &x), &m), &s) in z
            .iter_mut()
            .zip(features.values.iter())
            .zip(self.mean.iter())
            .zip(self.scale.iter())
        {
            let v = (x - m) / if s > 0.0 { s } else { 1.0 };
            *z = if v.is_finite() {
                v.clamp(-CLIP_SD, CLIP_SD)
            } else {
                0.0
            };
        }
        z
    }

    /// Probability that the window is shockable, 0..1.
    pub fn probability(&self, features: &Features) -> f32 {
        let z = self.standardize(features);
        match &self.model {
            Model::Logistic { weights, bias } => {
                let s: f32 = weights.iter().zip(z.iter()).map(|(w, x)| w * x).sum();
                sigmoid(s + bias)
            }
            Model::Mlp {
                hidden_weights,
                hidden_bias,
                output_weights,
                output_bias,
            } => {
                let mut s = *output_bias;
                for ((row, &c), &v) in hidden_weights
                    .iter()
                    .zip(hidden_bias.iter())
                    .zip(output_weights.iter())
                    .take(MAX_HIDDEN)
                {
                    let a: f32 = row.iter().zip(z.iter()).map(|(w, x)| w * x).sum();
                    s += v * libm::tanhf(a + c);
                }
                sigmoid(s)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logistic_and_equivalent_mlp_agree_in_ranking() {
        let mut w = [0.0; N_FEATURES];
        w[0] = 2.0;
        let lr = TrainedModel {
            mean: [0.0; N_FEATURES],
            scale: [1.0; N_FEATURES],
            model: Model::Logistic {
                weights: w,
                bias: -1.0,
            },
            trained_window_s: 8.0,
        };
        let mut f = Features::default();
        f.values[0] = 0.5;
        assert!((lr.probability(&f) - 0.5).abs() < 1e-6);
        f.values[0] = 100.0; // clipped to 6 SD
        assert!((lr.probability(&f) - sigmoid(11.0)).abs() < 1e-6);
        static ROWS: [[f32; N_FEATURES]; 1] = {
            let mut r = [0.0; N_FEATURES];
            r[0] = 1.0;
            [r]
        };
        let mlp = TrainedModel {
            model: Model::Mlp {
                hidden_weights: &ROWS,
                hidden_bias: &[0.0],
                output_weights: &[4.0],
                output_bias: 0.0,
            },
            ..lr
        };
        f.values[0] = 0.0;
        assert!((mlp.probability(&f) - 0.5).abs() < 1e-6);
        f.values[0] = 1.0;
        assert!((mlp.probability(&f) - sigmoid(4.0 * 1f32.tanh())).abs() < 1e-6);
    }
}
