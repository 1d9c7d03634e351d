//! `ecg-rhythm train`: build the shock advisor's classifier from the shared databases.
//!
//! 1. Every record of mitdb, vfdb and cudb is run through the real engine, causally, so the
//!    training features are exactly the inference features; the features behind each `rhythm`
//!    decision are collected.
//! 2. Each window is labelled from the reference annotations by the rules of EVALUATION.md
//!    (rhythm segments from `(NAME` aux strings, `[`..`]` = VF, cudb's rest = OTHER, no `~`
//!    within 2 s, NOISE excluded).
//! 3. Candidate models (logistic regression, one-hidden-layer perceptrons) are compared by
//!    patient-wise cross-validation: folds are groups of patients (mitdb 201 and 202 are one
//!    patient), no record is in a training and a validation fold at once. Windows that the
//!    signal-quality and asystole rules decide are not used for training (the model never sees
//!    them at inference either). Category weights balance the few VF/VT windows against the
//!    many NSR/OTHER ones.
//! 4. The chosen model is refitted on every window and written as Rust source.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use ndarray::{Array1, Array2, Axis};
use rayon::prelude::*;

use super::CliError;
use crate::config::Config;
use crate::engine::Engine;
use crate::eval::rhythm::{
    holding_segment, noise_near, reference_segments, score_record as eval_score_record, Advice,
    Category, ReferenceStyle, RhythmScore, Segment,
};
use crate::event::Event;
use crate::io::annotation::{Annotation, NOISE};
use crate::io::wfdb;
use crate::rhythm::features::{FEATURE_NAMES, N_FEATURES};
use crate::rhythm::{self, DecisionParams, WindowAnalysis};

/// Arguments of `train`.
#[derive(clap::Args, Debug)]
pub struct TrainArgs {
    /// Folder holding mitdb/, vfdb/ and cudb/.
    #[arg(long, default_value = "../shared/data")]
    pub data: PathBuf,
    /// Analysis window(s), s; with several (e.g. `8,4`) the model is trained on all of them
    /// and the cross-validation is reported per window length.
    #[arg(long, value_delimiter = ',', default_value = "8")]
    pub window_s: Vec<f32>,
    /// Where to write the generated parameters.
    #[arg(long, default_value = "src/rhythm/model_params.rs")]
    pub out: PathBuf,
    /// Model: `auto` (best by cross-validation), `logistic`, `mlp8` or `mlp16`.
    #[arg(long, default_value = "auto")]
    pub model: String,
    /// Number of patient-wise folds.
    #[arg(long, default_value_t = 10)]
    pub folds: usize,
    /// Databases (sub-folders of `--data`) to train and cross-validate on.
    #[arg(long, value_delimiter = ',', default_value = "mitdb,vfdb,cudb")]
    pub databases: Vec<String>,
    /// Cross-validate and report only; do not write the parameters.
    #[arg(long)]
    pub dry_run: bool,
    /// Noise augmentation: also train on a copy of every record with electrode-motion noise
    /// (recovered from nstdb, see `motion_noise`) added at each of these signal-to-noise
    /// ratios, dB (empty: none). Copies keep their record's label and patient (same fold);
    /// the cross-validation headline scores clean records only, the copies are reported apart.
    #[arg(long, value_delimiter = ',')]
    pub noise_snr_db: Vec<f32>,
    /// Also write every decision (record, window, label, out-of-fold score, features) as CSV.
    #[arg(long)]
    pub dump: Option<PathBuf>,
}

/// The patient a record belongs to (mitdb 201 and 202 are one patient).
pub fn patient_of(db: &str, record: &str) -> String {
    match (db, record) {
        ("mitdb", "202") => "mitdb/201".into(),
        _ => format!("{db}/{record}"),
    }
}

/// One decision of the engine on a training record.
#[derive(Clone, Debug)]
struct Row {
    analysis: WindowAnalysis,
    emitted: u64,
    window_idx: usize,
    label: Option<Category>,
}

struct RecordData {
    db: String,
    /// SNR of the added electrode-motion noise, for a noise-augmented copy.
    noise_snr_db: Option<f32>,
    name: String,
    patient: String,
    fs: f64,
    len: u64,
    anns: Vec<Annotation>,
    style: ReferenceStyle,
    rows: Vec<Row>,
}

/// Target of issue 4: minimum Se (VF, VT) or Sp (others), percent.
fn target_pct(c: Category) -> f64 {
    match c {
        Category::Vf => 95.0,
        Category::Vt => 85.0,
        Category::Nsr => 99.5,
        _ => 97.0,
    }
}

/// The category a window is labelled with for training (EVALUATION.md rules 1–3): the
/// segment holding it wholly, unless excluded or near a `~`.
fn window_label(
    segments: &[Segment],
    noise: &[u64],
    start: u64,
    end: u64,
    fs: f64,
) -> Option<Category> {
    if noise_near(noise, start, end, fs) {
        return None;
    }
    let i = holding_segment(segments, start, end)?;
    let c = segments.get(i)?.category;
    (c != Category::Excluded).then_some(c)
}

/// The electrode-motion noise of the MIT-BIH Noise Stress Test Database, recovered as
/// `nstdb/118e_6 − mitdb/118` (lead 0) over the record's first three noise blocks only
/// (300–420, 540–660 and 780–900 s; Moody, Muldrow & Mark, Computers in Cardiology 1984):
/// windows of nstdb that start at 900 s or later contain noise the training never saw.
fn motion_noise(data: &Path) -> Result<NoiseSource, CliError> {
    let noisy = wfdb::read_recording(&data.join("nstdb").join("118e_6"), 0)?;
    let clean = wfdb::read_recording(&data.join("mitdb").join("118"), 0)?;
    let fs = noisy.sample_rate_hz;
    let mut samples = Vec::new();
    for block_start_s in [300.0f32, 540.0, 780.0] {
        let a = (block_start_s * fs) as usize;
        let b = ((block_start_s + 120.0) * fs) as usize;
        for i in a..b {
            if let (Some(&n), Some(&c)) = (noisy.samples_mv.get(i), clean.samples_mv.get(i)) {
                if n.is_finite() && c.is_finite() {
                    samples.push(n - c);
                }
            }
        }
    }
    if samples.len() < fs as usize {
        return Err(CliError(format!(
            "{}: too short to recover the motion noise",
            data.join("nstdb").join("118e_6").display()
        )));
    }
    let rms = ac_rms(&samples, fs);
    Ok(NoiseSource { samples, fs, rms })
}

/// Electrode-motion noise for augmentation: samples (mV), their rate and level.
struct NoiseSource {
    samples: Vec<f32>,
    fs: f32,
    /// [`ac_rms`] of the samples, mV.
    rms: f64,
}

/// Standard deviation of `x` around its 1-s running mean (so baseline wander does not count
/// as signal), over the finite samples: the level that the augmentation's SNR refers to.
fn ac_rms(x: &[f32], fs: f32) -> f64 {
    let finite: Vec<f32> = x.iter().copied().filter(|v| v.is_finite()).collect();
    let x = finite.as_slice();
    let w = (fs as usize).max(1);
    if x.len() <= w {
        return 0.0;
    }
    let mut sum: f64 = x.iter().take(w).map(|&v| f64::from(v)).sum();
    let mut acc = 0.0;
    let mut n = 0usize;
    for i in w..x.len() {
        let mean = sum / w as f64;
        let v = f64::from(x[i - w / 2]) - mean;
        acc += v * v;
        n += 1;
        sum += f64::from(x[i]) - f64::from(x[i - w]);
    }
    (acc / n.max(1) as f64).sqrt()
}

/// `x` plus the noise at `snr_db` below the record's level, the noise resampled to the
/// record's rate by linear interpolation and started at a record-dependent offset.
fn add_noise(x: &[f32], fs: f32, noise: &NoiseSource, snr_db: f32, seed: u64) -> Vec<f32> {
    let n = noise.samples.len();
    if n < 2 || x.is_empty() {
        return x.to_vec();
    }
    if noise.rms <= 0.0 {
        return x.to_vec();
    }
    let gain = (ac_rms(x, fs) / noise.rms / 10f64.powf(f64::from(snr_db) / 20.0)) as f32;
    let offset = (seed % n as u64) as f64;
    let step = f64::from(noise.fs) / f64::from(fs);
    x.iter()
        .enumerate()
        .map(|(i, &v)| {
            let t = (offset + i as f64 * step) % (n - 1) as f64;
            let k = t as usize;
            let frac = (t - k as f64) as f32;
            let a = noise.samples[k];
            let b = noise.samples[k + 1];
            if v.is_finite() {
                v + gain * (a + frac * (b - a))
            } else {
                v
            }
        })
        .collect()
}

fn run_record(
    db: &str,
    dir: &Path,
    name: &str,
    windows_s: &[f32],
    added: Option<(&NoiseSource, f32)>,
) -> Result<RecordData, CliError> {
    let path = dir.join(name);
    let mut rec = wfdb::read_recording(&path, 0)?;
    if let Some((source, snr_db)) = added {
        let seed = name.bytes().fold(1469598103934665603u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(1099511628211)
        });
        rec.samples_mv = add_noise(&rec.samples_mv, rec.sample_rate_hz, source, snr_db, seed);
    }
    let mut anns = wfdb::read_reference(&path)?
        .ok_or_else(|| CliError(format!("{}: no reference annotations", path.display())))?;
    anns.sort_by_key(|a| a.sample);
    let n = rec.samples_mv.len() as u64;
    // As `eval rhythm` reads them: cudb by its `[`..`]` brackets only (EVALUATION.md).
    let style = if db == "cudb" {
        ReferenceStyle::VfBracketsOnly
    } else {
        ReferenceStyle::detect(&anns)
    };
    let segments = reference_segments(&anns, style, n);
    let noise: Vec<u64> = anns
        .iter()
        .filter(|a| a.code == NOISE)
        .map(|a| a.sample)
        .collect();
    let fs = rec.sample_rate_hz;
    let mut rows = Vec::new();
    for (wi, &w) in windows_s.iter().enumerate() {
        let mut config = Config::with_sample_rate(fs);
        config.rhythm.window_s = w;
        let mut engine =
            Engine::new(config).map_err(|e| CliError(format!("{}: {e}", path.display())))?;
        let mut events: Vec<Event> = Vec::with_capacity(8);
        for &x in &rec.samples_mv {
            engine.push(x, &mut events);
            if events.iter().any(|e| matches!(e, Event::Rhythm(_))) {
                let (emitted, analysis) = match (
                    events.iter().find_map(|e| match e {
                        Event::Rhythm(r) => Some(r.emitted),
                        _ => None,
                    }),
                    engine.advisor().last_analysis(),
                ) {
                    (Some(e), Some(a)) => (e, *a),
                    _ => continue,
                };
                let label =
                    window_label(&segments, &noise, analysis.start, analysis.end, fs as f64);
                rows.push(Row {
                    analysis,
                    emitted,
                    window_idx: wi,
                    label,
                });
            }
            events.clear();
        }
    }
    Ok(RecordData {
        db: match added {
            Some((_, snr)) => format!("{db}+em{snr}dB"),
            None => db.to_string(),
        },
        noise_snr_db: added.map(|(_, snr)| snr),
        name: name.to_string(),
        patient: patient_of(db, name),
        fs: fs as f64,
        len: n,
        anns,
        style,
        rows,
    })
}

/// Windows the rules decide (quality issue, asystole, slow organised rhythm) are not the
/// model's business.
fn rule_decided(a: &WindowAnalysis, p: &DecisionParams) -> bool {
    rhythm::quality_issue(&a.summary, p).is_some()
        || rhythm::is_asystole(&a.summary, p)
        || rhythm::is_slow_organised(&a.summary, p)
}

// ---------------------------------------------------------------- models

/// A small deterministic generator (xorshift64*) for initialisation and shuffling.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn uniform(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Logistic,
    Mlp(usize),
    /// `k` perceptrons of `h` units from different seeds, logits averaged: itself one
    /// perceptron of `k·h` units.
    Bagged(usize, usize),
}

impl Kind {
    fn parse(s: &str) -> Option<Vec<Kind>> {
        Some(match s {
            "auto" => vec![Kind::Logistic, Kind::Mlp(8), Kind::Bagged(8, 3)],
            "logistic" => vec![Kind::Logistic],
            "mlp8" => vec![Kind::Mlp(8)],
            "mlp16" => vec![Kind::Mlp(16)],
            "mlp8x3" => vec![Kind::Bagged(8, 3)],
            _ => return None,
        })
    }
    fn name(self) -> String {
        match self {
            Kind::Logistic => "logistic".into(),
            Kind::Mlp(h) => format!("mlp{h}"),
            Kind::Bagged(h, k) => format!("mlp{h}x{k}"),
        }
    }
}

/// Fitted weights in training form.
#[derive(Clone, Debug)]
struct Fitted {
    mean: Array1<f32>,
    scale: Array1<f32>,
    /// Hidden layer (H × F) and biases; empty for the logistic model.
    w1: Array2<f32>,
    b1: Array1<f32>,
    /// Output weights (F for logistic, H for the MLP) and bias.
    w2: Array1<f32>,
    b2: f32,
}

impl Fitted {
    fn standardize(&self, x: &Array2<f32>) -> Array2<f32> {
        let mut z = (x - &self.mean) / &self.scale;
        z.mapv_inplace(|v| {
            if v.is_finite() {
                v.clamp(-rhythm::model::CLIP_SD, rhythm::model::CLIP_SD)
            } else {
                0.0
            }
        });
        z
    }

    fn predict(&self, x: &Array2<f32>) -> Array1<f32> {
        let z = self.standardize(x);
        let logits = if self.w1.nrows() == 0 {
            z.dot(&self.w2) + self.b2
        } else {
            let h = (z.dot(&self.w1.t()) + &self.b1).mapv(f32::tanh);
            h.dot(&self.w2) + self.b2
        };
        logits.mapv(|v| 1.0 / (1.0 + (-v.clamp(-30.0, 30.0)).exp()))
    }
}

/// Weighted mean and standard deviation of each column.
fn standardization(x: &Array2<f32>, w: &Array1<f32>) -> (Array1<f32>, Array1<f32>) {
    let sw = w.sum().max(1e-12);
    let mean = x.t().dot(w) / sw;
    let d = x - &mean;
    let var = (&d * &d).t().dot(w) / sw;
    let scale = var.mapv(|v| if v > 1e-12 { v.sqrt() } else { 1.0 });
    (mean, scale)
}

/// Adam state for one parameter array.
struct Adam {
    m: Vec<f32>,
    v: Vec<f32>,
    t: i32,
}

impl Adam {
    fn new(n: usize) -> Self {
        Adam {
            m: vec![0.0; n],
            v: vec![0.0; n],
            t: 0,
        }
    }
    fn step<'a>(&mut self, params: impl Iterator<Item = &'a mut f32>, grads: &[f32], lr: f32) {
        self.t += 1;
        let (b1, b2) = (0.9f32, 0.999f32);
        let c1 = 1.0 - b1.powi(self.t);
        let c2 = 1.0 - b2.powi(self.t);
        for (((p, &g), m), v) in params
            .zip(grads.iter())
            .zip(self.m.iter_mut())
            .zip(self.v.iter_mut())
        {
            *m = b1 * *m + (1.0 - b1) * g;
            *v = b2 * *v + (1.0 - b2) * g * g;
            *p -= lr * (*m / c1) / ((*v / c2).sqrt() + 1e-8);
        }
    }
}

/// Fit a model; a bagged one is the perceptrons of `k` seeds side by side, output averaged.
fn fit(kind: Kind, x: &Array2<f32>, y: &Array1<f32>, w: &Array1<f32>, seed: u64) -> Fitted {
    let Kind::Bagged(h, k) = kind else {
        return fit_one(kind, x, y, w, seed);
    };
    let parts: Vec<Fitted> = (0..k as u64)
        .map(|i| {
            fit_one(
                Kind::Mlp(h),
                x,
                y,
                w,
                seed.wrapping_mul(31).wrapping_add(i * 1009),
            )
        })
        .collect();
    let views1: Vec<_> = parts.iter().map(|p| p.w1.view()).collect();
    let viewsb: Vec<_> = parts.iter().map(|p| p.b1.view()).collect();
    let views2: Vec<_> = parts.iter().map(|p| p.w2.view()).collect();
    let kf = k as f32;
    Fitted {
        mean: parts[0].mean.clone(),
        scale: parts[0].scale.clone(),
        w1: ndarray::concatenate(Axis(0), &views1).unwrap_or_else(|_| parts[0].w1.clone()),
        b1: ndarray::concatenate(Axis(0), &viewsb).unwrap_or_else(|_| parts[0].b1.clone()),
        w2: ndarray::concatenate(Axis(0), &views2).unwrap_or_else(|_| parts[0].w2.clone()) / kf,
        b2: parts.iter().map(|p| p.b2).sum::<f32>() / kf,
    }
}

/// Fit one model by weighted cross-entropy with L2, mini-batch Adam.
fn fit_one(kind: Kind, x: &Array2<f32>, y: &Array1<f32>, w: &Array1<f32>, seed: u64) -> Fitted {
    let (mean, scale) = standardization(x, w);
    let mut f = Fitted {
        mean,
        scale,
        w1: Array2::zeros((0, N_FEATURES)),
        b1: Array1::zeros(0),
        w2: Array1::zeros(N_FEATURES),
        b2: 0.0,
    };
    let z = f.standardize(x);
    let n = z.nrows();
    let mut rng = Rng(seed | 1);
    let hidden = match kind {
        Kind::Logistic => 0,
        Kind::Mlp(h) | Kind::Bagged(h, _) => h,
    };
    if hidden > 0 {
        let a = (6.0 / (N_FEATURES + hidden) as f32).sqrt();
        f.w1 = Array2::from_shape_fn((hidden, N_FEATURES), |_| (rng.uniform() * 2.0 - 1.0) * a);
        f.b1 = Array1::zeros(hidden);
        f.w2 = Array1::from_shape_fn(hidden, |_| (rng.uniform() * 2.0 - 1.0) * a);
    }
    let l2 = 1e-4f32;
    let epochs = if hidden > 0 { 40 } else { 30 };
    let batch = 512usize;
    let wsum = w.sum().max(1e-12);
    let wn = w * (n as f32 / wsum); // mean weight 1
    let mut order: Vec<usize> = (0..n).collect();
    let mut opt_w1 = Adam::new(f.w1.len());
    let mut opt_b1 = Adam::new(f.b1.len());
    let mut opt_w2 = Adam::new(f.w2.len());
    let mut opt_b2 = Adam::new(1);
    for epoch in 0..epochs {
        rng.shuffle(&mut order);
        let lr = 0.01 * (1.0 - epoch as f32 / epochs as f32).max(0.05);
        for chunk in order.chunks(batch) {
            let zb = z.select(Axis(0), chunk);
            let yb = y.select(Axis(0), chunk);
            let wb = wn.select(Axis(0), chunk);
            let m = chunk.len() as f32;
            if hidden == 0 {
                let logits = zb.dot(&f.w2) + f.b2;
                let p = logits.mapv(|v| 1.0 / (1.0 + (-v).exp()));
                let d = (&p - &yb) * &wb / m;
                let gw = zb.t().dot(&d) + &(&f.w2 * l2);
                let gb = d.sum();
                opt_w2.step(f.w2.iter_mut(), gw.as_slice().unwrap_or(&[]), lr);
                opt_b2.step(std::iter::once(&mut f.b2), &[gb], lr);
            } else {
                let a = zb.dot(&f.w1.t()) + &f.b1;
                let h = a.mapv(f32::tanh);
                let logits = h.dot(&f.w2) + f.b2;
                let p = logits.mapv(|v| 1.0 / (1.0 + (-v).exp()));
                let d = (&p - &yb) * &wb / m; // dL/dlogit
                let gw2 = h.t().dot(&d) + &(&f.w2 * l2);
                let gb2 = d.sum();
                // dL/da = d ⊗ w2 ⊙ (1 − h²)
                let dh = d
                    .view()
                    .insert_axis(Axis(1))
                    .dot(&f.w2.view().insert_axis(Axis(0)));
                let da = dh * h.mapv(|v| 1.0 - v * v);
                let gw1 = da.t().dot(&zb) + &(&f.w1 * l2);
                let gb1 = da.sum_axis(Axis(0));
                opt_w1.step(
                    f.w1.iter_mut(),
                    gw1.as_standard_layout().as_slice().unwrap_or(&[]),
                    lr,
                );
                opt_b1.step(f.b1.iter_mut(), gb1.as_slice().unwrap_or(&[]), lr);
                opt_w2.step(f.w2.iter_mut(), gw2.as_slice().unwrap_or(&[]), lr);
                opt_b2.step(std::iter::once(&mut f.b2), &[gb2], lr);
            }
        }
    }
    f
}

// ---------------------------------------------------------------- data sets

/// Relative total weight of each category in training.
fn category_weight(c: Category) -> f32 {
    match c {
        Category::Vf | Category::Vt | Category::Nsr | Category::Other => 1.0,
        Category::Asys => 0.3,
        Category::Excluded => 0.0,
    }
}

struct TrainSet {
    x: Array2<f32>,
    y: Array1<f32>,
    w: Array1<f32>,
}

/// The training windows of `records` (labelled, not decided by the rules), weighted so that
/// each category carries its [`category_weight`] in total.
fn train_set(records: &[&RecordData], p: &DecisionParams) -> TrainSet {
    let mut rows: Vec<(&Row, Category)> = Vec::new();
    for r in records {
        for row in &r.rows {
            if let Some(c) = row.label {
                if !rule_decided(&row.analysis, p) {
                    rows.push((row, c));
                }
            }
        }
    }
    let mut counts: BTreeMap<Category, usize> = BTreeMap::new();
    for (_, c) in &rows {
        *counts.entry(*c).or_default() += 1;
    }
    let n = rows.len();
    let mut x = Array2::zeros((n, N_FEATURES));
    let mut y = Array1::zeros(n);
    let mut w = Array1::zeros(n);
    for (i, (row, c)) in rows.iter().enumerate() {
        for (j, v) in row.analysis.summary.features.values.iter().enumerate() {
            x[[i, j]] = *v;
        }
        y[i] = if c.is_shockable() { 1.0 } else { 0.0 };
        w[i] = category_weight(*c) / counts.get(c).copied().unwrap_or(1).max(1) as f32;
    }
    TrainSet { x, y, w }
}

/// Features of every decision of a record (for out-of-fold scoring).
fn all_features(r: &RecordData) -> Array2<f32> {
    let mut x = Array2::zeros((r.rows.len(), N_FEATURES));
    for (i, row) in r.rows.iter().enumerate() {
        for (j, v) in row.analysis.summary.features.values.iter().enumerate() {
            x[[i, j]] = *v;
        }
    }
    x
}

// ---------------------------------------------------------------- scoring

/// Sum of shortfalls below the targets, percentage points (0 when all are met).
fn shortfall(t: &RhythmScore) -> f64 {
    Category::SCORED
        .iter()
        .filter_map(|&c| {
            t.get(c)
                .and_then(|k| k.correct_pct(c))
                .map(|v| (target_pct(c) - v).max(0.0))
        })
        .sum()
}

/// Mean correct percentage over the categories present.
fn balanced(t: &RhythmScore) -> f64 {
    let v: Vec<f64> = Category::SCORED
        .iter()
        .filter_map(|&c| t.get(c).and_then(|k| k.correct_pct(c)))
        .collect();
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

/// Score one record's decisions (window length `wi`) with the given probabilities by the
/// scoring code of `eval rhythm` (EVALUATION.md).
fn score_record(r: &RecordData, probs: &[f32], wi: usize, p: &DecisionParams) -> RhythmScore {
    let advice: Vec<Advice> = r
        .rows
        .iter()
        .zip(probs.iter())
        .filter(|(row, _)| row.window_idx == wi)
        .map(|(row, &pr)| Advice {
            start: row.analysis.start,
            end: row.analysis.end,
            emitted: row.emitted,
            decision: rhythm::decide(&row.analysis.summary, pr, p).0,
        })
        .collect();
    eval_score_record(&r.anns, r.style, r.len, &advice, r.fs)
}

fn print_tally(title: &str, t: &RhythmScore) {
    outln!("{title}");
    outln!(
        "  {:<6} {:>8} {:>10} {:>8} {:>8}",
        "cat",
        "windows",
        "correct%",
        "target%",
        "indet%"
    );
    for c in Category::SCORED {
        let k = t.get(c).copied().unwrap_or_default();
        outln!(
            "  {:<6} {:>8} {:>10} {:>8} {:>8}",
            c.label(),
            k.windows,
            k.correct_pct(c).map_or("-".into(), |v| format!("{v:.2}")),
            format!("{:.1}", target_pct(c)),
            k.indeterminate_pct()
                .map_or("-".into(), |v| format!("{v:.2}"))
        );
    }
    let delays = t.onset_delays_s();
    let med = crate::eval::percentile(&delays, 50.0);
    let p95 = crate::eval::percentile(&delays, 95.0);
    outln!(
        "  onset -> first shockable: episodes {} missed {} median {} s p95 {} s",
        t.episodes.len(),
        t.missed().count(),
        med.map_or("-".into(), |v| format!("{v:.1}")),
        p95.map_or("-".into(), |v| format!("{v:.1}"))
    );
}

// ---------------------------------------------------------------- main

/// Assign patients to folds: sorted by shockable-window count (then name), dealt in snake
/// order so every fold gets VF/VT patients.
fn assign_folds(records: &[RecordData], k: usize) -> BTreeMap<String, usize> {
    let mut shock: BTreeMap<String, usize> = BTreeMap::new();
    for r in records {
        let n = r
            .rows
            .iter()
            .filter(|row| row.label.is_some_and(Category::is_shockable))
            .count();
        *shock.entry(r.patient.clone()).or_default() += n;
    }
    let mut patients: Vec<(String, usize)> = shock.into_iter().collect();
    patients.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut out = BTreeMap::new();
    for (i, (p, _)) in patients.into_iter().enumerate() {
        let round = i / k;
        let pos = i % k;
        let fold = if round % 2 == 0 { pos } else { k - 1 - pos };
        out.insert(p, fold);
    }
    out
}

/// Out-of-fold probabilities of every decision of every record.
fn cross_validate(
    kind: Kind,
    records: &[RecordData],
    folds: &BTreeMap<String, usize>,
    k: usize,
    p: &DecisionParams,
) -> Vec<Vec<f32>> {
    let per_fold: Vec<Vec<(usize, Vec<f32>)>> = (0..k)
        .into_par_iter()
        .map(|fold| {
            let train: Vec<&RecordData> = records
                .iter()
                .filter(|r| folds.get(&r.patient) != Some(&fold))
                .collect();
            let set = train_set(&train, p);
            let model = fit(kind, &set.x, &set.y, &set.w, 17 + fold as u64);
            records
                .iter()
                .enumerate()
                .filter(|(_, r)| folds.get(&r.patient) == Some(&fold))
                .map(|(i, r)| (i, model.predict(&all_features(r)).to_vec()))
                .collect()
        })
        .collect();
    let mut out = vec![Vec::new(); records.len()];
    for (i, probs) in per_fold.into_iter().flatten() {
        out[i] = probs;
    }
    out
}

fn tally_all(
    records: &[RecordData],
    probs: &[Vec<f32>],
    wi: usize,
    p: &DecisionParams,
) -> (RhythmScore, BTreeMap<String, RhythmScore>) {
    let mut total = RhythmScore::default();
    let mut by_db: BTreeMap<String, RhythmScore> = BTreeMap::new();
    for (r, pr) in records.iter().zip(probs.iter()) {
        let t = score_record(r, pr, wi, p);
        if r.noise_snr_db.is_none() {
            total.add(&t);
        }
        by_db.entry(r.db.clone()).or_default().add(&t);
    }
    (total, by_db)
}

/// Permutation importance: increase of the weighted log-loss when one feature's column is
/// rotated by a fixed offset (breaking its link to the label).
fn permutation_importance(f: &Fitted, set: &TrainSet) -> Vec<f64> {
    let loss = |x: &Array2<f32>| -> f64 {
        let p = f.predict(x);
        let mut s = 0.0f64;
        for ((&pi, &yi), &wi) in p.iter().zip(set.y.iter()).zip(set.w.iter()) {
            let pi = (pi as f64).clamp(1e-6, 1.0 - 1e-6);
            s -= wi as f64 * if yi > 0.5 { pi.ln() } else { (1.0 - pi).ln() };
        }
        s / set.w.sum() as f64
    };
    let base = loss(&set.x);
    let n = set.x.nrows();
    (0..N_FEATURES)
        .map(|j| {
            let mut x = set.x.clone();
            let col: Vec<f32> = set.x.column(j).to_vec();
            for i in 0..n {
                x[[i, j]] = col[(i + n / 2 + 7919) % n];
            }
            loss(&x) - base
        })
        .collect()
}

/// Run `train`.
pub fn run(args: &TrainArgs) -> Result<(), CliError> {
    let kinds = Kind::parse(&args.model)
        .ok_or_else(|| CliError(format!("--model: unknown model `{}`", args.model)))?;
    if args.folds < 2 {
        return Err(CliError(format!("--folds: {} (at least 2)", args.folds)));
    }
    for &w in &args.window_s {
        let mut c = Config::default();
        c.rhythm.window_s = w;
        c.validate()
            .map_err(|e| CliError(format!("--window-s: {e}")))?;
    }
    let mut jobs = Vec::new();
    for db in &args.databases {
        let db = db.as_str();
        let dir = args.data.join(db);
        let list = dir.join("RECORDS");
        let text = std::fs::read_to_string(&list)
            .map_err(|e| CliError(format!("{}: {e}", list.display())))?;
        for name in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            jobs.push((db, dir.clone(), name.to_string()));
        }
    }
    let noise = if args.noise_snr_db.is_empty() {
        None
    } else {
        Some(motion_noise(&args.data)?)
    };
    let mut runs: Vec<(&str, PathBuf, String, Option<f32>)> = Vec::new();
    for (db, dir, name) in &jobs {
        runs.push((db, dir.clone(), name.clone(), None));
        for &snr in &args.noise_snr_db {
            runs.push((db, dir.clone(), name.clone(), Some(snr)));
        }
    }
    eprintln!(
        "train: running the engine over {} records{}",
        jobs.len(),
        if runs.len() > jobs.len() {
            format!(" and {} noisy copies", runs.len() - jobs.len())
        } else {
            String::new()
        }
    );
    let records: Result<Vec<RecordData>, CliError> = runs
        .par_iter()
        .map(|(db, dir, name, snr)| {
            let with = match (&noise, snr) {
                (Some(n), Some(s)) => Some((n, *s)),
                _ => None,
            };
            run_record(db, dir, name, &args.window_s, with)
        })
        .collect();
    let records = records?;
    let p = DecisionParams::from_config(&Config::default());
    let folds = assign_folds(&records, args.folds);

    // Label counts.
    outln!(
        "windows per category (all decisions, step 1 s; labelled / decided by rules) per window length:"
    );
    for (wi, w) in args.window_s.iter().enumerate() {
        let mut counts: BTreeMap<Category, (usize, usize)> = BTreeMap::new();
        for r in &records {
            for row in r.rows.iter().filter(|row| row.window_idx == wi) {
                if let Some(c) = row.label {
                    let e = counts.entry(c).or_default();
                    e.0 += 1;
                    if rule_decided(&row.analysis, &p) {
                        e.1 += 1;
                    }
                }
            }
        }
        let line: Vec<String> = counts
            .iter()
            .map(|(c, (n, d))| format!("{} {n}/{d}", c.label()))
            .collect();
        outln!("  {w} s: {}", line.join(", "));
    }

    // Model comparison by patient-wise CV.
    let mut best: Option<(f64, f64, Kind, Vec<Vec<f32>>)> = None;
    for &kind in &kinds {
        let probs = cross_validate(kind, &records, &folds, args.folds, &p);
        outln!();
        let mut shortfall = 0.0;
        let mut balanced = 0.0;
        for (wi, w) in args.window_s.iter().enumerate() {
            let (t, _) = tally_all(&records, &probs, wi, &p);
            print_tally(
                &format!(
                    "CV {} ({}-fold, patient-wise), window {w} s, all databases:",
                    kind.name(),
                    args.folds
                ),
                &t,
            );
            shortfall += self::shortfall(&t);
            balanced += self::balanced(&t);
        }
        outln!(
            "  {}: shortfall below targets {shortfall:.2} points, balanced {:.2} %",
            kind.name(),
            balanced / args.window_s.len() as f64
        );
        let better = best.as_ref().map_or(true, |b| {
            shortfall < b.0 - 1e-9 || (shortfall - b.0).abs() < 1e-9 && balanced > b.1
        });
        if better {
            best = Some((shortfall, balanced, kind, probs));
        }
    }
    let Some((_, _, kind, probs)) = best else {
        return Err(CliError("no model trained".into()));
    };
    if let Some(path) = &args.dump {
        write_dump(path, &records, &probs, &args.window_s)?;
    }
    outln!();
    outln!("chosen model: {}", kind.name());
    for (wi, w) in args.window_s.iter().enumerate() {
        let (_, by_db) = tally_all(&records, &probs, wi, &p);
        for (db, t) in &by_db {
            print_tally(&format!("CV {} window {w} s, {db}:", kind.name()), t);
        }
        print_worst(&records, &probs, wi, &p);
    }

    // Final fit on everything.
    let all: Vec<&RecordData> = records.iter().collect();
    let set = train_set(&all, &p);
    let fitted = fit(kind, &set.x, &set.y, &set.w, 17);
    let importance = permutation_importance(&fitted, &set);
    outln!();
    outln!(
        "feature importance (permutation, weighted log-loss increase){}:",
        if kind == Kind::Logistic {
            " and logistic weights (standardised)"
        } else {
            ""
        }
    );
    let mut order: Vec<usize> = (0..N_FEATURES).collect();
    order.sort_by(|&a, &b| importance[b].total_cmp(&importance[a]));
    for j in order {
        let wt = if kind == Kind::Logistic {
            format!(" {:+.3}", fitted.w2[j])
        } else {
            String::new()
        };
        outln!("  {:<20} {:.4}{wt}", FEATURE_NAMES[j], importance[j]);
    }
    if !args.dry_run {
        let src = generate_source(&fitted, kind, args, &importance);
        std::fs::write(&args.out, src)
            .map_err(|e| CliError(format!("{}: {e}", args.out.display())))?;
        eprintln!("train: wrote {}", args.out.display());
    }
    Ok(())
}

fn write_dump(
    path: &Path,
    records: &[RecordData],
    probs: &[Vec<f32>],
    windows_s: &[f32],
) -> Result<(), CliError> {
    let mut s = String::from(
        "db,record,window_s,start,end,label,score,rule,hr_bpm,rr_regular,rr_explained,fast_periodicity",
    );
    for n in FEATURE_NAMES {
        s.push(',');
        s.push_str(n);
    }
    s.push('\n');
    let p = DecisionParams::from_config(&Config::default());
    for (r, pr) in records.iter().zip(probs.iter()) {
        for (row, score) in r.rows.iter().zip(pr.iter()) {
            let _ = write!(
                s,
                "{},{},{},{},{},{},{score:.4},{}",
                r.db,
                r.name,
                windows_s.get(row.window_idx).copied().unwrap_or(0.0),
                row.analysis.start,
                row.analysis.end,
                row.label.map_or("-", Category::label),
                u8::from(rule_decided(&row.analysis, &p))
            );
            let sm = &row.analysis.summary;
            let _ = write!(
                s,
                ",{:.2},{:.4},{:.4},{:.4}",
                sm.hr_bpm.unwrap_or(0.0),
                sm.rr_regular,
                sm.rr_explained,
                sm.features.values[rhythm::features::index::FAST_PERIODICITY]
            );
            for v in row.analysis.summary.features.values {
                let _ = write!(s, ",{v:.4}");
            }
            s.push('\n');
        }
    }
    std::fs::write(path, s).map_err(|e| CliError(format!("{}: {e}", path.display())))
}

fn print_worst(records: &[RecordData], probs: &[Vec<f32>], wi: usize, p: &DecisionParams) {
    let mut errs: Vec<(u64, String)> = records
        .iter()
        .zip(probs.iter())
        .map(|(r, pr)| {
            let t = score_record(r, pr, wi, p);
            let mut wrong = 0;
            let mut parts = Vec::new();
            for c in Category::SCORED {
                let k = t.get(c).copied().unwrap_or_default();
                let bad = k.windows - k.correct(c);
                if bad > 0 {
                    parts.push(format!("{} {bad}/{}", c.label(), k.windows));
                }
                wrong += bad;
            }
            (wrong, format!("{}/{}: {}", r.db, r.name, parts.join(", ")))
        })
        .filter(|(w, _)| *w > 0)
        .collect();
    errs.sort_by_key(|e| std::cmp::Reverse(e.0));
    outln!("  records with most wrong windows:");
    for (_, line) in errs.iter().take(10) {
        outln!("    {line}");
    }
}

fn fmt_array(v: impl Iterator<Item = f32>) -> String {
    let items: Vec<String> = v.map(|x| format!("{x:e}")).collect();
    format!("[{}]", items.join(", "))
}

/// The generated Rust source of the model.
fn generate_source(f: &Fitted, kind: Kind, args: &TrainArgs, importance: &[f64]) -> String {
    let windows: Vec<String> = args.window_s.iter().map(|w| format!("{w}")).collect();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "//! The shock classifier's parameters — GENERATED, do not edit."
    );
    let _ = writeln!(s, "//!");
    let _ = writeln!(
        s,
        "//! Regenerate (from the crate root, with ../shared/data present):"
    );
    let _ = writeln!(s, "//!");
    let _ = writeln!(s, "//! ```text");
    let noise = if args.noise_snr_db.is_empty() {
        String::new()
    } else {
        let v: Vec<String> = args.noise_snr_db.iter().map(|d| format!("{d}")).collect();
        format!(" --noise-snr-db {}", v.join(","))
    };
    let _ = writeln!(
        s,
        "//! cargo run --release -- train --data ../shared/data --window-s {} --model {} --folds {}{noise} --out src/rhythm/model_params.rs",
        windows.join(","),
        kind.name(),
        args.folds
    );
    let _ = writeln!(s, "//! ```");
    let _ = writeln!(s, "//!");
    let _ = writeln!(
        s,
        "//! Model: {}; permutation importance per feature:",
        kind.name()
    );
    for (name, imp) in FEATURE_NAMES.iter().zip(importance.iter()) {
        let _ = writeln!(s, "//! - `{name}`: {imp:.4}");
    }
    let _ = writeln!(s);
    if kind != Kind::Logistic {
        let _ = writeln!(s, "use super::features::N_FEATURES;");
    }
    let _ = writeln!(s, "use super::model::{{Model, TrainedModel}};");
    let _ = writeln!(s);
    let train_w = args.window_s.first().copied().unwrap_or(8.0);
    let model = match kind {
        Kind::Logistic => format!(
            "Model::Logistic {{\n        weights: {},\n        bias: {:e},\n    }}",
            fmt_array(f.w2.iter().copied()),
            f.b2
        ),
        Kind::Mlp(_) | Kind::Bagged(..) => {
            let h = f.w1.nrows();
            let _ = writeln!(s, "const HIDDEN: usize = {h};");
            let rows: Vec<String> =
                f.w1.outer_iter()
                    .map(|r| format!("    {}", fmt_array(r.iter().copied())))
                    .collect();
            let _ = writeln!(
                s,
                "static HIDDEN_WEIGHTS: [[f32; N_FEATURES]; HIDDEN] = [\n{},\n];",
                rows.join(",\n")
            );
            let _ = writeln!(
                s,
                "static HIDDEN_BIAS: [f32; HIDDEN] = {};",
                fmt_array(f.b1.iter().copied())
            );
            let _ = writeln!(
                s,
                "static OUTPUT_WEIGHTS: [f32; HIDDEN] = {};",
                fmt_array(f.w2.iter().copied())
            );
            let _ = writeln!(s);
            format!(
                "Model::Mlp {{\n        hidden_weights: &HIDDEN_WEIGHTS,\n        hidden_bias: &HIDDEN_BIAS,\n        output_weights: &OUTPUT_WEIGHTS,\n        output_bias: {:e},\n    }}",
                f.b2
            )
        }
    };
    let _ = writeln!(s, "/// The compiled-in shock classifier.");
    let _ = writeln!(s, "pub static MODEL: TrainedModel = TrainedModel {{");
    let _ = writeln!(s, "    mean: {},", fmt_array(f.mean.iter().copied()));
    let _ = writeln!(s, "    scale: {},", fmt_array(f.scale.iter().copied()));
    let _ = writeln!(s, "    model: {model},");
    let _ = writeln!(s, "    trained_window_s: {train_w:?},");
    let _ = writeln!(s, "}};");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mitdb_201_and_202_are_one_patient() {
        assert_eq!(patient_of("mitdb", "202"), patient_of("mitdb", "201"));
        assert_ne!(patient_of("vfdb", "418"), patient_of("cudb", "cu01"));
    }
}
