//! Engine configuration, in physical units.
//!
//! Every quantity is given in the unit its name states (`_hz`, `_ms`, `_s`, `_mv`) and converted
//! to samples once, in the stages' constructors. The sample rate is a runtime value (125–1000 Hz).
//! A configuration is read from JSON with serde; fields left out take their defaults, unknown
//! fields are refused. [`Config::validate`] rejects every impossible value with an error naming
//! the field and the value.

use core::fmt;
use serde::{Deserialize, Serialize};

/// Lowest supported sample rate, Hz.
pub const MIN_SAMPLE_RATE_HZ: f32 = 125.0;
/// Highest supported sample rate, Hz.
pub const MAX_SAMPLE_RATE_HZ: f32 = 1000.0;

/// The whole engine configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Sample rate of the input stream, Hz (125–1000).
    pub sample_rate_hz: f32,
    /// Mains frequency for the notch filter, Hz (50 or 60).
    pub mains_hz: f32,
    /// Pre-filter chain.
    pub filter: FilterConfig,
    /// QRS detector.
    pub qrs: QrsConfig,
    /// Shock advisor.
    pub rhythm: RhythmConfig,
    /// Sync marker gate.
    pub sync: SyncConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            sample_rate_hz: 360.0,
            mains_hz: 60.0,
            filter: FilterConfig::default(),
            qrs: QrsConfig::default(),
            rhythm: RhythmConfig::default(),
            sync: SyncConfig::default(),
        }
    }
}

impl Config {
    /// The default configuration at the given sample rate.
    pub fn with_sample_rate(sample_rate_hz: f32) -> Self {
        Config {
            sample_rate_hz,
            ..Config::default()
        }
    }

    /// Check every field; the first bad one is reported with its name and value.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let fs = self.sample_rate_hz;
        in_range("sample_rate_hz", fs, MIN_SAMPLE_RATE_HZ, MAX_SAMPLE_RATE_HZ)?;
        if self.mains_hz != 50.0 && self.mains_hz != 60.0 {
            return Err(ConfigError::new(
                "mains_hz",
                self.mains_hz,
                "must be 50 or 60",
            ));
        }
        let nyquist = fs / 2.0;
        let f = &self.filter;
        in_range("filter.highpass_hz", f.highpass_hz, 0.05, 2.0)?;
        in_range("filter.lowpass_hz", f.lowpass_hz, 15.0, nyquist * 0.9)?;
        in_range("filter.notch_q", f.notch_q, 1.0, 100.0)?;
        let q = &self.qrs;
        in_range("qrs.band_low_hz", q.band_low_hz, 1.0, 15.0)?;
        in_range(
            "qrs.band_high_hz",
            q.band_high_hz,
            q.band_low_hz + 2.0,
            nyquist * 0.8,
        )?;
        in_range("qrs.integration_ms", q.integration_ms, 40.0, 200.0)?;
        in_range("qrs.refractory_ms", q.refractory_ms, 150.0, 300.0)?;
        in_range(
            "qrs.t_wave_window_ms",
            q.t_wave_window_ms,
            q.refractory_ms,
            500.0,
        )?;
        in_range("qrs.threshold_fraction", q.threshold_fraction, 0.05, 0.9)?;
        in_range("qrs.searchback_rr_factor", q.searchback_rr_factor, 1.1, 3.0)?;
        let r = &self.rhythm;
        in_range("rhythm.window_s", r.window_s, 2.0, 16.0)?;
        in_range("rhythm.step_s", r.step_s, 0.25, r.window_s)?;
        in_range("rhythm.shock_threshold", r.shock_threshold, 0.0, 1.0)?;
        let s = &self.sync;
        in_range("sync.max_latency_ms", s.max_latency_ms, 10.0, 60.0)?;
        in_range("sync.reliable_beats", s.reliable_beats as f32, 1.0, 16.0)?;
        in_range(
            "sync.min_confirmed_candidates",
            s.min_confirmed_candidates as f32,
            0.0,
            8.0,
        )?;
        in_range(
            "sync.template_ms",
            s.template_ms,
            10.0,
            64_000.0 / self.sample_rate_hz,
        )?;
        in_range(
            "sync.template_correlation",
            s.template_correlation,
            -1.0,
            1.0,
        )?;
        in_range("sync.r_wave_timeout_s", s.r_wave_timeout_s, 1.0, 30.0)?;
        in_range(
            "sync.trigger_integration_ms",
            s.trigger_integration_ms,
            10.0,
            100.0,
        )?;
        in_range("sync.trigger_fraction", s.trigger_fraction, 0.05, 0.95)?;
        in_range("sync.slope_fraction", s.slope_fraction, 0.0, 1.0)?;
        in_range(
            "sync.t_wave_slope_fraction",
            s.t_wave_slope_fraction,
            0.0,
            1.5,
        )?;
        Ok(())
    }
}

fn in_range(field: &'static str, value: f32, lo: f32, hi: f32) -> Result<(), ConfigError> {
    // Written so that NaN fails too.
    if value >= lo && value <= hi {
        Ok(())
    } else {
        Err(ConfigError {
            field,
            value,
            expected: Expected::Range(lo, hi),
        })
    }
}

/// The pre-filter chain: baseline-wander high-pass, mains notch, muscle-noise low-pass.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FilterConfig {
    /// Baseline-wander high-pass corner, Hz.
    pub highpass_hz: f32,
    /// Muscle-noise low-pass corner, Hz.
    pub lowpass_hz: f32,
    /// Whether the mains notch is on.
    pub notch: bool,
    /// Quality factor of the mains notch (centre / bandwidth).
    pub notch_q: f32,
}

impl Default for FilterConfig {
    fn default() -> Self {
        FilterConfig {
            highpass_hz: 0.5,
            lowpass_hz: 40.0,
            notch: true,
            notch_q: 30.0,
        }
    }
}

/// QRS detector parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QrsConfig {
    /// Lower corner of the QRS band-pass, Hz.
    pub band_low_hz: f32,
    /// Upper corner of the QRS band-pass, Hz.
    pub band_high_hz: f32,
    /// Moving-window integration length, ms.
    pub integration_ms: f32,
    /// No second QRS within this time of a detected one, ms.
    pub refractory_ms: f32,
    /// Candidates closer than this to the previous beat are tested for being T waves, ms.
    pub t_wave_window_ms: f32,
    /// Detection threshold = noise level + fraction × (signal level − noise level).
    pub threshold_fraction: f32,
    /// Search back for a missed beat when no QRS was found for this many mean RR intervals.
    pub searchback_rr_factor: f32,
}

impl Default for QrsConfig {
    fn default() -> Self {
        QrsConfig {
            band_low_hz: 5.0,
            band_high_hz: 20.0,
            integration_ms: 100.0,
            refractory_ms: 200.0,
            t_wave_window_ms: 360.0,
            threshold_fraction: 0.4,
            searchback_rr_factor: 1.66,
        }
    }
}

/// Shock advisor parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RhythmConfig {
    /// Analysis window length, s (8 s default; 4 s is the short option).
    pub window_s: f32,
    /// Time between decisions, s.
    pub step_s: f32,
    /// Classifier probability at or above which a shock is advised.
    pub shock_threshold: f32,
}

impl Default for RhythmConfig {
    fn default() -> Self {
        RhythmConfig {
            window_s: 8.0,
            step_s: 1.0,
            shock_threshold: 0.5,
        }
    }
}

/// Sync marker gate parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyncConfig {
    /// Longest allowed time from the R peak to the marker, ms (IEC 60601-2-4: 60 ms).
    pub max_latency_ms: f32,
    /// Consecutive confirmed beats needed before markers are issued.
    pub reliable_beats: u32,
    /// With no confirmed beat for this long, markers stop until beats are confirmed again, s.
    pub r_wave_timeout_s: f32,
    /// Of the last 8 fast candidates, at least this many must have been confirmed as beats for
    /// every candidate to be marked (the gate's self-check against noise). With fewer (but at
    /// least half), only candidates that closely match a learnt template and arrive on the
    /// rhythm's beat are marked; with fewer than half, none.
    pub min_confirmed_candidates: u32,
    /// Length of the QRS-onset template compared at trigger time, ms (at most 64 samples).
    pub template_ms: f32,
    /// Minimum correlation of a candidate with a learnt template for it to be marked.
    pub template_correlation: f32,
    /// Integration window of the fast QRS trigger, ms.
    pub trigger_integration_ms: f32,
    /// The trigger fires at this fraction of the integral peak of recent beats (0.5).
    pub trigger_fraction: f32,
    /// A candidate's steepest slope must reach this fraction of recent QRS slopes.
    pub slope_fraction: f32,
    /// The same fraction inside the T-wave window after a beat.
    pub t_wave_slope_fraction: f32,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            max_latency_ms: 60.0,
            reliable_beats: 3,
            r_wave_timeout_s: 8.0,
            min_confirmed_candidates: 7,
            template_ms: 50.0,
            template_correlation: 0.7,
            trigger_integration_ms: 40.0,
            trigger_fraction: 0.5,
            slope_fraction: 0.35,
            t_wave_slope_fraction: 0.6,
        }
    }
}

/// What a field must be.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Expected {
    /// Between these bounds, inclusive.
    Range(f32, f32),
    /// A rule stated in words.
    Rule(&'static str),
}

/// A configuration value that cannot be used.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ConfigError {
    /// Dotted name of the field, as in the JSON file.
    pub field: &'static str,
    /// The value given.
    pub value: f32,
    /// What it must be.
    pub expected: Expected,
}

impl ConfigError {
    /// An error with a rule stated in words.
    pub fn new(field: &'static str, value: f32, rule: &'static str) -> Self {
        ConfigError {
            field,
            value,
            expected: Expected::Rule(rule),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.expected {
            Expected::Range(lo, hi) => write!(
                f,
                "config field `{}` = {} is out of range (expected {} to {})",
                self.field, self.value, lo, hi
            ),
            Expected::Rule(rule) => {
                write!(
                    f,
                    "config field `{}` = {}: {}",
                    self.field, self.value, rule
                )
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid() {
        Config::default().validate().unwrap();
        for fs in [125.0, 128.0, 250.0, 360.0, 500.0, 1000.0] {
            Config::with_sample_rate(fs).validate().unwrap();
        }
    }

    #[test]
    fn bad_values_name_the_field() {
        let mut c = Config::with_sample_rate(100.0);
        let e = c.validate().unwrap_err();
        assert_eq!(e.field, "sample_rate_hz");
        c.sample_rate_hz = f32::NAN;
        assert_eq!(c.validate().unwrap_err().field, "sample_rate_hz");
        c.sample_rate_hz = 360.0;
        c.mains_hz = 55.0;
        let e = c.validate().unwrap_err();
        assert_eq!(e.field, "mains_hz");
        assert!(e.to_string().contains("55"));
        c.mains_hz = 50.0;
        c.qrs.refractory_ms = 20.0;
        assert_eq!(c.validate().unwrap_err().field, "qrs.refractory_ms");
    }

    #[test]
    fn lowpass_must_stay_below_nyquist() {
        let mut c = Config::with_sample_rate(125.0);
        c.filter.lowpass_hz = 60.0;
        assert_eq!(c.validate().unwrap_err().field, "filter.lowpass_hz");
    }
}
