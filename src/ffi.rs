//! The C interface: how firmware written in C links the engine.
//!
//! A defibrillator or monitor firmware owns the sample loop; the engine is a passive object it
//! feeds. The interface therefore mirrors [`Engine`]: a plain configuration struct
//! ([`EcgConfig`], filled by [`ecg_config_default`] and then edited field by field), an opaque
//! handle ([`ecg_engine_new`] / [`ecg_engine_free`]), and a push of N samples
//! ([`ecg_engine_push`]) that writes the events they produced into an array the caller owns and,
//! when set, also calls the caller's callbacks ([`ecg_engine_set_callbacks`]): one for every
//! event, one for sync markers (the discharge trigger) and one for sync-state changes.
//!
//! Every function returns an [`EcgStatus`]; no panic crosses the boundary. The core modules are
//! written not to panic (clippy denies `unwrap`, `expect`, `panic!` and unchecked indexing
//! there), and the crate's profiles build with `panic = "abort"`, so a panic that happened all
//! the same would stop the process rather than unwind into C. Built with unwinding (tests, or a
//! downstream profile), each `std` entry point also runs under `catch_unwind`, and an engine
//! whose push was interrupted is marked poisoned ([`EcgStatus::Poisoned`]). After
//! [`ecg_engine_new`] nothing allocates.
//!
//! Each event is an [`EcgEvent`]: a `kind` tag and the union of all kinds' fields, so kinds
//! added later fit the same struct. Absent optional numbers are NaN, absent reasons are
//! [`EcgReason::None`]. The header `include/ecg_rhythm.h` is generated from this file by
//! cbindgen (`cbindgen.toml`); a test fails when it is stale.
//!
//! ```c
//! EcgConfig cfg;
//! ecg_config_default(360.0f, &cfg);
//! EcgEngine *engine = NULL;
//! if (ecg_engine_new(&cfg, &engine) != ECG_STATUS_OK) { /* bad config */ }
//! EcgEvent events[16];
//! EcgPushResult res;
//! ecg_engine_push(engine, block, block_len, events, 16, &res);
//! for (size_t i = 0; i < res.written; i++) { /* ... */ }
//! ecg_engine_free(engine);
//! ```

#[cfg(all(not(feature = "std"), not(feature = "external-runtime"), not(test)))]
mod runtime;

use alloc::boxed::Box;
use core::ffi::{c_char, c_void};

use crate::config::{Config, ConfigError};
use crate::engine::Engine;
use crate::event::{
    Decision, Event, EventSink, QualityIssue, RhythmClass, SyncUnavailableReason, SyncWithheldReason,
};

/// Result of every C entry point.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EcgStatus {
    /// Success.
    Ok = 0,
    /// A required pointer argument was NULL.
    NullPointer = 1,
    /// The configuration was rejected; see [`ecg_config_check`] for the field.
    InvalidConfig = 2,
    /// More events were produced than the caller's array holds; the extra ones were dropped
    /// from the array (callbacks still received them). All samples were consumed.
    EventOverflow = 3,
    /// An internal error (a panic) was caught; the engine is unusable and must be freed.
    Poisoned = 4,
}

/// Plain configuration for C callers. Fields mirror [`Config`] with the same units.
///
/// Fill it with [`ecg_config_default`], then change what you need.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EcgConfig {
    /// Sample rate of the input stream, Hz (125–1000).
    pub sample_rate_hz: f32,
    /// Mains frequency for the notch filter, Hz (50 or 60).
    pub mains_hz: f32,
    /// Baseline-wander high-pass corner, Hz.
    pub filter_highpass_hz: f32,
    /// Muscle-noise low-pass corner, Hz.
    pub filter_lowpass_hz: f32,
    /// Mains notch on (non-zero) or off (zero).
    pub filter_notch: u8,
    /// Quality factor of the mains notch.
    pub filter_notch_q: f32,
    /// Lower corner of the QRS band-pass, Hz.
    pub qrs_band_low_hz: f32,
    /// Upper corner of the QRS band-pass, Hz.
    pub qrs_band_high_hz: f32,
    /// Moving-window integration length, ms.
    pub qrs_integration_ms: f32,
    /// Refractory period after a QRS, ms.
    pub qrs_refractory_ms: f32,
    /// Window after a beat in which candidates are tested for being T waves, ms.
    pub qrs_t_wave_window_ms: f32,
    /// Detection threshold fraction between noise and signal level.
    pub qrs_threshold_fraction: f32,
    /// Search back after this many median RR intervals without a beat.
    pub qrs_searchback_rr_factor: f32,
    /// Rhythm analysis window, s.
    pub rhythm_window_s: f32,
    /// Time between rhythm decisions, s.
    pub rhythm_step_s: f32,
    /// Shockable probability at or above which a shock is advised.
    pub rhythm_shock_threshold: f32,
    /// Longest allowed time from R peak to sync marker, ms.
    pub sync_max_latency_ms: f32,
    /// Consecutive confirmed beats needed before sync markers are issued.
    pub sync_reliable_beats: u32,
    /// With no confirmed beat for this long, markers stop until beats are confirmed again, s.
    pub sync_r_wave_timeout_s: f32,
    /// Of the last 8 fast candidates, at least this many must have been confirmed as beats.
    pub sync_min_confirmed_candidates: u32,
    /// Integration window of the fast QRS trigger, ms.
    pub sync_trigger_integration_ms: f32,
    /// The trigger fires at this fraction of the integral peak of recent beats.
    pub sync_trigger_fraction: f32,
    /// A candidate's steepest slope must reach this fraction of recent QRS slopes.
    pub sync_slope_fraction: f32,
    /// The same fraction inside the T-wave window after a beat.
    pub sync_t_wave_slope_fraction: f32,
    /// Length of the QRS-onset template compared at trigger time, ms.
    pub sync_template_ms: f32,
    /// Minimum correlation of a candidate with a learnt template for it to be marked.
    pub sync_template_correlation: f32,
}

impl From<&Config> for EcgConfig {
    fn from(c: &Config) -> Self {
        EcgConfig {
            sample_rate_hz: c.sample_rate_hz,
            mains_hz: c.mains_hz,
            filter_highpass_hz: c.filter.highpass_hz,
            filter_lowpass_hz: c.filter.lowpass_hz,
            filter_notch: u8::from(c.filter.notch),
            filter_notch_q: c.filter.notch_q,
            qrs_band_low_hz: c.qrs.band_low_hz,
            qrs_band_high_hz: c.qrs.band_high_hz,
            qrs_integration_ms: c.qrs.integration_ms,
            qrs_refractory_ms: c.qrs.refractory_ms,
            qrs_t_wave_window_ms: c.qrs.t_wave_window_ms,
            qrs_threshold_fraction: c.qrs.threshold_fraction,
            qrs_searchback_rr_factor: c.qrs.searchback_rr_factor,
            rhythm_window_s: c.rhythm.window_s,
            rhythm_step_s: c.rhythm.step_s,
            rhythm_shock_threshold: c.rhythm.shock_threshold,
            sync_max_latency_ms: c.sync.max_latency_ms,
            sync_reliable_beats: c.sync.reliable_beats,
            sync_r_wave_timeout_s: c.sync.r_wave_timeout_s,
            sync_min_confirmed_candidates: c.sync.min_confirmed_candidates,
            sync_trigger_integration_ms: c.sync.trigger_integration_ms,
            sync_trigger_fraction: c.sync.trigger_fraction,
            sync_slope_fraction: c.sync.slope_fraction,
            sync_t_wave_slope_fraction: c.sync.t_wave_slope_fraction,
            sync_template_ms: c.sync.template_ms,
            sync_template_correlation: c.sync.template_correlation,
        }
    }
}

impl From<&EcgConfig> for Config {
    fn from(e: &EcgConfig) -> Self {
        let mut c = Config::with_sample_rate(e.sample_rate_hz);
        c.mains_hz = e.mains_hz;
        c.filter.highpass_hz = e.filter_highpass_hz;
        c.filter.lowpass_hz = e.filter_lowpass_hz;
        c.filter.notch = e.filter_notch != 0;
        c.filter.notch_q = e.filter_notch_q;
        c.qrs.band_low_hz = e.qrs_band_low_hz;
        c.qrs.band_high_hz = e.qrs_band_high_hz;
        c.qrs.integration_ms = e.qrs_integration_ms;
        c.qrs.refractory_ms = e.qrs_refractory_ms;
        c.qrs.t_wave_window_ms = e.qrs_t_wave_window_ms;
        c.qrs.threshold_fraction = e.qrs_threshold_fraction;
        c.qrs.searchback_rr_factor = e.qrs_searchback_rr_factor;
        c.rhythm.window_s = e.rhythm_window_s;
        c.rhythm.step_s = e.rhythm_step_s;
        c.rhythm.shock_threshold = e.rhythm_shock_threshold;
        c.sync.max_latency_ms = e.sync_max_latency_ms;
        c.sync.reliable_beats = e.sync_reliable_beats;
        c.sync.r_wave_timeout_s = e.sync_r_wave_timeout_s;
        c.sync.min_confirmed_candidates = e.sync_min_confirmed_candidates;
        c.sync.trigger_integration_ms = e.sync_trigger_integration_ms;
        c.sync.trigger_fraction = e.sync_trigger_fraction;
        c.sync.slope_fraction = e.sync_slope_fraction;
        c.sync.t_wave_slope_fraction = e.sync_t_wave_slope_fraction;
        c.sync.template_ms = e.sync_template_ms;
        c.sync.template_correlation = e.sync_template_correlation;
        c
    }
}

/// Which kind of event an [`EcgEvent`] is; the JSON `kind` of each is given.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EcgEventKind {
    /// `beat`: fields `sample`, `emitted`, `rr_ms` (NaN for the first beat).
    Beat = 1,
    /// `sync`: fields `sample`, `emitted`.
    Sync = 2,
    /// `rhythm`: fields `start`, `end`, `emitted`, `decision`, `score`, `rhythm_class`,
    /// `hr_bpm` (NaN when absent), `reason` ([`EcgReason::None`] when absent).
    Rhythm = 3,
    /// `sync_state`: fields `emitted`, `available`, `reason`.
    SyncState = 4,
    /// `quality`: fields `start`, `end` (valid when `has_end`), `emitted`, `issue`.
    Quality = 5,
    /// `sync_withheld`: fields `sample`, `emitted`, `reason` (`late`, `too_fast`, `selective`, `noisy`).
    SyncWithheld = 6,
}

/// Shock advice of a rhythm event.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EcgDecision {
    /// Not a rhythm event.
    None = 0,
    /// `shockable`.
    Shockable = 1,
    /// `nonshockable`.
    Nonshockable = 2,
    /// `indeterminate`.
    Indeterminate = 3,
}

/// Rhythm class of a rhythm event (JSON names in brackets).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EcgRhythmClass {
    /// Not a rhythm event.
    None = 0,
    /// Ventricular fibrillation or flutter (`VF`).
    Vf = 1,
    /// Ventricular tachycardia (`VT`).
    Vt = 2,
    /// Normal sinus rhythm (`NSR`).
    Sinus = 3,
    /// Irregular organised rhythm such as AF (`AF`).
    Irregular = 4,
    /// Bradycardia (`BRADY`).
    Brady = 5,
    /// Organised fast non-shockable rhythm (`TACHY`).
    Tachy = 6,
    /// Another organised non-shockable rhythm (`OTHER`).
    Other = 7,
    /// Asystole (`ASYS`).
    Asystole = 8,
    /// Unknown (`UNKNOWN`).
    Unknown = 9,
}

/// A reason: why a decision is indeterminate, why sync is unavailable or a candidate was withheld, or what a quality
/// period is about. One enum for all, since the JSON names are shared.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EcgReason {
    /// No reason (field absent).
    None = 0,
    /// `noise`.
    Noise = 1,
    /// `saturation`.
    Saturation = 2,
    /// `lead_off`.
    LeadOff = 3,
    /// `missing`.
    Missing = 4,
    /// `warmup`.
    Warmup = 5,
    /// `vf`.
    Vf = 6,
    /// `asystole`.
    Asystole = 7,
    /// `no_reliable_r`.
    NoReliableR = 8,
    /// `late` (sync withheld).
    Late = 9,
    /// `too_fast` (sync withheld).
    TooFast = 10,
    /// `selective` (sync withheld).
    Selective = 11,
    /// `noisy` (sync withheld).
    Noisy = 12,
}

/// One event, as a tag and the union of every kind's fields (see [`EcgEventKind`] for which
/// fields each kind uses; unused fields are 0, NaN or `None`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EcgEvent {
    /// Which kind of event this is.
    pub kind: EcgEventKind,
    /// Sample the event describes (beat, sync).
    pub sample: u64,
    /// Sample during whose push the event was issued (all kinds).
    pub emitted: u64,
    /// First sample of a window or period (rhythm, quality).
    pub start: u64,
    /// One past the last sample of a window or period (rhythm; quality when `has_end`).
    pub end: u64,
    /// Whether `end` is set (always for rhythm; for quality once the period ended).
    pub has_end: bool,
    /// RR interval to the previous beat, ms; NaN when absent.
    pub rr_ms: f32,
    /// Shock advice (rhythm).
    pub decision: EcgDecision,
    /// Probability of a shockable rhythm, 0..1 (rhythm); NaN otherwise.
    pub score: f32,
    /// Rhythm class (rhythm; JSON `class`).
    pub rhythm_class: EcgRhythmClass,
    /// Heart rate over the window, bpm (rhythm); NaN when absent.
    pub hr_bpm: f32,
    /// Why a decision is indeterminate (rhythm) or why sync is unavailable (sync_state).
    pub reason: EcgReason,
    /// Whether sync markers are issued from now on (sync_state).
    pub available: bool,
    /// What is wrong with the signal (quality).
    pub issue: EcgReason,
}

impl EcgEvent {
    fn blank(kind: EcgEventKind, emitted: u64) -> Self {
        EcgEvent {
            kind,
            sample: 0,
            emitted,
            start: 0,
            end: 0,
            has_end: false,
            rr_ms: f32::NAN,
            decision: EcgDecision::None,
            score: f32::NAN,
            rhythm_class: EcgRhythmClass::None,
            hr_bpm: f32::NAN,
            reason: EcgReason::None,
            available: false,
            issue: EcgReason::None,
        }
    }
}

impl From<&Event> for EcgEvent {
    fn from(event: &Event) -> Self {
        match *event {
            Event::Beat(b) => EcgEvent {
                sample: b.sample,
                rr_ms: b.rr_ms.unwrap_or(f32::NAN),
                ..EcgEvent::blank(EcgEventKind::Beat, b.emitted)
            },
            Event::Sync(s) => EcgEvent {
                sample: s.sample,
                ..EcgEvent::blank(EcgEventKind::Sync, s.emitted)
            },
            Event::Rhythm(r) => EcgEvent {
                start: r.start,
                end: r.end,
                has_end: true,
                decision: decision(r.decision),
                score: r.score,
                rhythm_class: rhythm_class(r.class),
                hr_bpm: r.hr_bpm.unwrap_or(f32::NAN),
                reason: r.reason.map_or(EcgReason::None, quality_reason),
                ..EcgEvent::blank(EcgEventKind::Rhythm, r.emitted)
            },
            Event::SyncState(s) => EcgEvent {
                available: s.available,
                reason: s.reason.map_or(EcgReason::None, sync_reason),
                ..EcgEvent::blank(EcgEventKind::SyncState, s.emitted)
            },
            Event::SyncWithheld(w) => EcgEvent {
                sample: w.sample,
                reason: withheld_reason(w.reason),
                ..EcgEvent::blank(EcgEventKind::SyncWithheld, w.emitted)
            },
            Event::Quality(q) => EcgEvent {
                start: q.start,
                end: q.end.unwrap_or(0),
                has_end: q.end.is_some(),
                issue: quality_reason(q.issue),
                ..EcgEvent::blank(EcgEventKind::Quality, q.emitted)
            },
        }
    }
}

fn decision(d: Decision) -> EcgDecision {
    match d {
        Decision::Shockable => EcgDecision::Shockable,
        Decision::Nonshockable => EcgDecision::Nonshockable,
        Decision::Indeterminate => EcgDecision::Indeterminate,
    }
}

fn rhythm_class(c: RhythmClass) -> EcgRhythmClass {
    match c {
        RhythmClass::Vf => EcgRhythmClass::Vf,
        RhythmClass::Vt => EcgRhythmClass::Vt,
        RhythmClass::Sinus => EcgRhythmClass::Sinus,
        RhythmClass::Irregular => EcgRhythmClass::Irregular,
        RhythmClass::Brady => EcgRhythmClass::Brady,
        RhythmClass::Tachy => EcgRhythmClass::Tachy,
        RhythmClass::Other => EcgRhythmClass::Other,
        RhythmClass::Asystole => EcgRhythmClass::Asystole,
        RhythmClass::Unknown => EcgRhythmClass::Unknown,
    }
}

fn quality_reason(q: QualityIssue) -> EcgReason {
    match q {
        QualityIssue::Noise => EcgReason::Noise,
        QualityIssue::Saturation => EcgReason::Saturation,
        QualityIssue::LeadOff => EcgReason::LeadOff,
        QualityIssue::Missing => EcgReason::Missing,
        QualityIssue::Warmup => EcgReason::Warmup,
    }
}

fn withheld_reason(r: SyncWithheldReason) -> EcgReason {
    match r {
        SyncWithheldReason::Late => EcgReason::Late,
        SyncWithheldReason::TooFast => EcgReason::TooFast,
        SyncWithheldReason::Selective => EcgReason::Selective,
        SyncWithheldReason::Noisy => EcgReason::Noisy,
    }
}

fn sync_reason(r: SyncUnavailableReason) -> EcgReason {
    match r {
        SyncUnavailableReason::Vf => EcgReason::Vf,
        SyncUnavailableReason::Asystole => EcgReason::Asystole,
        SyncUnavailableReason::Noise => EcgReason::Noise,
        SyncUnavailableReason::LeadOff => EcgReason::LeadOff,
        SyncUnavailableReason::NoReliableR => EcgReason::NoReliableR,
    }
}

/// Called for every event, with the `user` pointer given to [`ecg_engine_set_callbacks`].
/// The event pointer is valid only during the call.
pub type EcgEventCallback = Option<unsafe extern "C" fn(user: *mut c_void, event: *const EcgEvent)>;

/// Called for every sync marker: discharge now. `sample` is the estimated R peak, `emitted` the
/// sample being pushed.
pub type EcgSyncCallback =
    Option<unsafe extern "C" fn(user: *mut c_void, sample: u64, emitted: u64)>;

/// Called when sync availability changes; `reason` is [`EcgReason::None`] when available.
pub type EcgSyncStateCallback = Option<
    unsafe extern "C" fn(user: *mut c_void, emitted: u64, available: bool, reason: EcgReason),
>;

/// The callbacks of an engine; any may be NULL.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct EcgCallbacks {
    /// Every event.
    pub on_event: EcgEventCallback,
    /// Sync markers.
    pub on_sync: EcgSyncCallback,
    /// Sync-state changes.
    pub on_sync_state: EcgSyncStateCallback,
    /// Passed back to every callback.
    pub user: *mut c_void,
}

impl EcgCallbacks {
    const NONE: EcgCallbacks = EcgCallbacks {
        on_event: None,
        on_sync: None,
        on_sync_state: None,
        user: core::ptr::null_mut(),
    };
}

/// What one [`ecg_engine_push`] produced.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EcgPushResult {
    /// Events written to the caller's array.
    pub written: usize,
    /// Events that did not fit in the array (callbacks still received them).
    pub dropped: usize,
}

/// An engine behind an opaque pointer.
pub struct EcgEngine {
    engine: Engine,
    callbacks: EcgCallbacks,
    poisoned: bool,
}

/// The sink of one push: the caller's array plus the callbacks.
struct CSink<'a> {
    out: &'a mut [EcgEvent],
    result: EcgPushResult,
    callbacks: EcgCallbacks,
}

impl EventSink for CSink<'_> {
    fn event(&mut self, event: Event) {
        let e = EcgEvent::from(&event);
        match self.out.get_mut(self.result.written) {
            Some(slot) => {
                *slot = e;
                self.result.written += 1;
            }
            None => self.result.dropped += 1,
        }
        let cb = self.callbacks;
        // SAFETY: the caller of `ecg_engine_set_callbacks` promised valid function pointers
        // and a `user` pointer they accept for as long as the engine lives.
        unsafe {
            if let Some(f) = cb.on_event {
                f(cb.user, &e);
            }
            match event {
                Event::Sync(s) => {
                    if let Some(f) = cb.on_sync {
                        f(cb.user, s.sample, s.emitted);
                    }
                }
                Event::SyncState(s) => {
                    if let Some(f) = cb.on_sync_state {
                        f(cb.user, s.emitted, s.available, e.reason);
                    }
                }
                _ => {}
            }
        }
    }
}

/// Run `f`, turning a panic into [`EcgStatus::Poisoned`] (std) — in `no_std` builds panics
/// abort, so nothing unwinds across the boundary either way.
#[cfg(feature = "std")]
fn guard(f: impl FnOnce() -> EcgStatus) -> EcgStatus {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or(EcgStatus::Poisoned)
}

#[cfg(not(feature = "std"))]
fn guard(f: impl FnOnce() -> EcgStatus) -> EcgStatus {
    f()
}

/// Fill `out` with the default configuration at `sample_rate_hz`.
///
/// # Safety
/// `out` must be NULL or point to writable memory for one [`EcgConfig`].
#[no_mangle]
pub unsafe extern "C" fn ecg_config_default(sample_rate_hz: f32, out: *mut EcgConfig) -> EcgStatus {
    if out.is_null() {
        return EcgStatus::NullPointer;
    }
    let c = EcgConfig::from(&Config::with_sample_rate(sample_rate_hz));
    // SAFETY: non-null and writable by the caller's promise.
    unsafe { out.write(c) };
    EcgStatus::Ok
}

/// Check a configuration. On [`EcgStatus::InvalidConfig`], when `field` is not NULL and
/// `field_len` > 0, the dotted name of the first bad field (as in the JSON config, e.g.
/// `qrs.refractory_ms`) is copied there, NUL-terminated and truncated to fit.
///
/// # Safety
/// `config` must be NULL or point to a valid [`EcgConfig`]; `field` must be NULL or point to
/// `field_len` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn ecg_config_check(
    config: *const EcgConfig,
    field: *mut c_char,
    field_len: usize,
) -> EcgStatus {
    // SAFETY: forwarded from the caller.
    let Some(config) = (unsafe { config.as_ref() }) else {
        return EcgStatus::NullPointer;
    };
    match Config::from(config).validate() {
        Ok(()) => EcgStatus::Ok,
        Err(e) => {
            // SAFETY: forwarded from the caller.
            unsafe { copy_field_name(&e, field, field_len) };
            EcgStatus::InvalidConfig
        }
    }
}

unsafe fn copy_field_name(e: &ConfigError, dst: *mut c_char, len: usize) {
    if dst.is_null() || len == 0 {
        return;
    }
    let name = e.field.as_bytes();
    let n = name.len().min(len - 1);
    // SAFETY: `dst` holds `len` bytes and `n < len`.
    unsafe {
        core::ptr::copy_nonoverlapping(name.as_ptr().cast::<c_char>(), dst, n);
        dst.add(n).write(0);
    }
}

/// Create an engine from `config`. On success `*out` holds the handle (free it with
/// [`ecg_engine_free`]); on failure `*out` is set to NULL.
///
/// # Safety
/// `config` must be NULL or point to a valid [`EcgConfig`]; `out` must be NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ecg_engine_new(
    config: *const EcgConfig,
    out: *mut *mut EcgEngine,
) -> EcgStatus {
    if out.is_null() {
        return EcgStatus::NullPointer;
    }
    // SAFETY: non-null and writable by the caller's promise.
    unsafe { out.write(core::ptr::null_mut()) };
    // SAFETY: forwarded from the caller.
    let Some(config) = (unsafe { config.as_ref() }) else {
        return EcgStatus::NullPointer;
    };
    let config = Config::from(config);
    guard(|| match Engine::new(config) {
        Ok(engine) => {
            let handle = Box::new(EcgEngine {
                engine,
                callbacks: EcgCallbacks::NONE,
                poisoned: false,
            });
            // SAFETY: as above.
            unsafe { out.write(Box::into_raw(handle)) };
            EcgStatus::Ok
        }
        Err(_) => EcgStatus::InvalidConfig,
    })
}

/// Set (or, with NULL, clear) the callbacks called from inside [`ecg_engine_push`].
///
/// # Safety
/// `engine` must be NULL or a live handle; `callbacks` must be NULL or point to a valid
/// [`EcgCallbacks`] whose functions may be called with its `user` pointer until they are
/// replaced or the engine is freed. Callbacks must not call back into the same engine.
#[no_mangle]
pub unsafe extern "C" fn ecg_engine_set_callbacks(
    engine: *mut EcgEngine,
    callbacks: *const EcgCallbacks,
) -> EcgStatus {
    // SAFETY: forwarded from the caller.
    let Some(engine) = (unsafe { engine.as_mut() }) else {
        return EcgStatus::NullPointer;
    };
    // SAFETY: forwarded from the caller.
    engine.callbacks = unsafe { callbacks.as_ref() }
        .copied()
        .unwrap_or(EcgCallbacks::NONE);
    EcgStatus::Ok
}

/// Push `count` samples (mV; NaN or infinity marks a missing sample). Events go, in order, to
/// `events[0..capacity)` and to the callbacks. `*result` (if not NULL) receives how many were
/// written and how many did not fit. All samples are consumed even when the array overflows,
/// in which case [`EcgStatus::EventOverflow`] is returned. Never allocates.
///
/// # Safety
/// `engine` must be a live handle; `samples` must point to `count` floats (may be NULL when
/// `count` is 0); `events` must point to `capacity` writable events (may be NULL when
/// `capacity` is 0); `result` must be NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ecg_engine_push(
    engine: *mut EcgEngine,
    samples: *const f32,
    count: usize,
    events: *mut EcgEvent,
    capacity: usize,
    result: *mut EcgPushResult,
) -> EcgStatus {
    if !result.is_null() {
        // SAFETY: non-null and writable by the caller's promise.
        unsafe { result.write(EcgPushResult::default()) };
    }
    // SAFETY: forwarded from the caller.
    let Some(engine) = (unsafe { engine.as_mut() }) else {
        return EcgStatus::NullPointer;
    };
    if engine.poisoned {
        return EcgStatus::Poisoned;
    }
    if (samples.is_null() && count > 0) || (events.is_null() && capacity > 0) {
        return EcgStatus::NullPointer;
    }
    let samples: &[f32] = if count == 0 {
        &[]
    } else {
        // SAFETY: non-null, `count` floats by the caller's promise.
        unsafe { core::slice::from_raw_parts(samples, count) }
    };
    let out: &mut [EcgEvent] = if capacity == 0 {
        &mut []
    } else {
        // SAFETY: non-null, `capacity` writable events by the caller's promise.
        unsafe { core::slice::from_raw_parts_mut(events, capacity) }
    };
    let mut sink = CSink {
        out,
        result: EcgPushResult::default(),
        callbacks: engine.callbacks,
    };
    engine.poisoned = true;
    let status = guard(|| {
        engine.engine.push_slice(samples, &mut sink);
        EcgStatus::Ok
    });
    if status == EcgStatus::Ok {
        engine.poisoned = false;
    }
    if !result.is_null() {
        // SAFETY: as above.
        unsafe { result.write(sink.result) };
    }
    match status {
        EcgStatus::Ok if sink.result.dropped > 0 => EcgStatus::EventOverflow,
        s => s,
    }
}

/// Forget all history: the next sample pushed is index 0 again.
///
/// # Safety
/// `engine` must be NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn ecg_engine_reset(engine: *mut EcgEngine) -> EcgStatus {
    // SAFETY: forwarded from the caller.
    let Some(engine) = (unsafe { engine.as_mut() }) else {
        return EcgStatus::NullPointer;
    };
    engine.engine.reset();
    engine.poisoned = false;
    EcgStatus::Ok
}

/// Number of samples pushed since creation or the last reset (0 for NULL).
///
/// # Safety
/// `engine` must be NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn ecg_engine_samples_pushed(engine: *const EcgEngine) -> u64 {
    // SAFETY: forwarded from the caller.
    unsafe { engine.as_ref() }.map_or(0, |e| e.engine.samples_pushed())
}

/// Free an engine. NULL is ignored.
///
/// # Safety
/// `engine` must be NULL or a handle from [`ecg_engine_new`] not yet freed.
#[no_mangle]
pub unsafe extern "C" fn ecg_engine_free(engine: *mut EcgEngine) {
    if !engine.is_null() {
        // SAFETY: created by `Box::into_raw` in `ecg_engine_new` and not freed before.
        drop(unsafe { Box::from_raw(engine) });
    }
}

/// A static, NUL-terminated description of a status code.
#[no_mangle]
pub extern "C" fn ecg_status_message(status: EcgStatus) -> *const c_char {
    let s: &'static [u8] = match status {
        EcgStatus::Ok => b"ok\0",
        EcgStatus::NullPointer => b"a required pointer was NULL\0",
        EcgStatus::InvalidConfig => b"invalid configuration\0",
        EcgStatus::EventOverflow => b"more events than the event array holds\0",
        EcgStatus::Poisoned => b"internal error: engine unusable\0",
    };
    s.as_ptr().cast()
}

/// The library version, a static NUL-terminated string.
#[no_mangle]
pub extern "C" fn ecg_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    use core::f32::consts::PI;

    /// A synthetic ECG-like signal: narrow Gaussian R waves at 75 bpm plus a slow wander.
    fn signal(fs: f32, seconds: f32) -> Vec<f32> {
        let n = (fs * seconds) as usize;
        let rr = 0.8 * fs;
        (0..n)
            .map(|i| {
                let t = i as f32;
                let phase = t % rr - 0.5 * rr;
                let sigma = 0.012 * fs;
                1.2 * (-(phase * phase) / (2.0 * sigma * sigma)).exp()
                    + 0.1 * (2.0 * PI * 0.3 * t / fs).sin()
            })
            .collect()
    }

    fn new_engine(cfg: &EcgConfig) -> *mut EcgEngine {
        let mut e = core::ptr::null_mut();
        assert_eq!(unsafe { ecg_engine_new(cfg, &mut e) }, EcgStatus::Ok);
        e
    }

    /// Change every leaf of a JSON value: numbers grow, booleans flip.
    #[cfg(feature = "std")]
    fn perturb(v: &mut serde_json::Value) {
        use serde_json::Value;
        match v {
            Value::Object(m) => m.values_mut().for_each(perturb),
            Value::Bool(b) => *b = !*b,
            Value::Number(n) => {
                *v = match n.as_u64() {
                    Some(u) => Value::from(u + 1),
                    None => Value::from(n.as_f64().unwrap_or(0.0) * 1.5 + 0.25),
                }
            }
            _ => {}
        }
    }

    /// Every field of [`Config`] must have its C twin: a config whose every field differs from
    /// the default survives the trip through [`EcgConfig`].
    #[cfg(feature = "std")]
    #[test]
    fn config_round_trips_every_field() {
        let mut json = serde_json::to_value(Config::default()).unwrap();
        perturb(&mut json);
        let c: Config = serde_json::from_value(json).unwrap();
        assert_ne!(c.sample_rate_hz, Config::default().sample_rate_hz);
        assert_eq!(Config::from(&EcgConfig::from(&c)), c);
    }

    #[test]
    fn c_push_equals_rust_engine_events() {
        let fs = 360.0;
        let x = signal(fs, 30.0);
        let want: Vec<EcgEvent> = crate::analyze(Config::with_sample_rate(fs), &x)
            .unwrap()
            .iter()
            .map(EcgEvent::from)
            .collect();
        assert!(want.iter().filter(|e| e.kind == EcgEventKind::Beat).count() > 20);
        let mut cfg = EcgConfig::from(&Config::default());
        assert_eq!(unsafe { ecg_config_default(fs, &mut cfg) }, EcgStatus::Ok);
        let e = new_engine(&cfg);
        let mut got = Vec::new();
        let mut buf = [EcgEvent::blank(EcgEventKind::Beat, 0); 8];
        for block in x.chunks(37) {
            let mut r = EcgPushResult::default();
            let s = unsafe {
                ecg_engine_push(e, block.as_ptr(), block.len(), buf.as_mut_ptr(), 8, &mut r)
            };
            assert_eq!(s, EcgStatus::Ok);
            got.extend_from_slice(&buf[..r.written]);
        }
        assert_eq!(unsafe { ecg_engine_samples_pushed(e) }, x.len() as u64);
        unsafe { ecg_engine_free(e) };
        // NaN fields compare unequal; compare their bit patterns through Debug.
        assert_eq!(format!("{got:?}"), format!("{want:?}"));
    }

    struct Counts {
        events: usize,
        syncs: Vec<(u64, u64)>,
        states: Vec<(u64, bool, EcgReason)>,
    }

    unsafe extern "C" fn on_event(user: *mut c_void, _e: *const EcgEvent) {
        unsafe { (*(user as *mut Counts)).events += 1 };
    }
    unsafe extern "C" fn on_sync(user: *mut c_void, sample: u64, emitted: u64) {
        unsafe { (*(user as *mut Counts)).syncs.push((sample, emitted)) };
    }
    unsafe extern "C" fn on_state(user: *mut c_void, emitted: u64, available: bool, r: EcgReason) {
        unsafe {
            (*(user as *mut Counts))
                .states
                .push((emitted, available, r))
        };
    }

    #[test]
    fn callbacks_see_every_event_and_overflow_is_reported() {
        let fs = 250.0;
        let x = signal(fs, 20.0);
        let want = crate::analyze(Config::with_sample_rate(fs), &x).unwrap();
        let mut cfg = EcgConfig::from(&Config::default());
        unsafe { ecg_config_default(fs, &mut cfg) };
        let e = new_engine(&cfg);
        let mut counts = Counts {
            events: 0,
            syncs: Vec::new(),
            states: Vec::new(),
        };
        let cb = EcgCallbacks {
            on_event: Some(on_event),
            on_sync: Some(on_sync),
            on_sync_state: Some(on_state),
            user: (&mut counts as *mut Counts).cast(),
        };
        assert_eq!(unsafe { ecg_engine_set_callbacks(e, &cb) }, EcgStatus::Ok);
        let mut one = [EcgEvent::blank(EcgEventKind::Beat, 0); 1];
        let mut r = EcgPushResult::default();
        let s = unsafe { ecg_engine_push(e, x.as_ptr(), x.len(), one.as_mut_ptr(), 1, &mut r) };
        assert_eq!(s, EcgStatus::EventOverflow);
        assert_eq!(r.written, 1);
        assert_eq!(r.written + r.dropped, want.len());
        assert_eq!(
            format!("{:?}", one[0]),
            format!("{:?}", EcgEvent::from(&want[0]))
        );
        assert_eq!(counts.events, want.len());
        let syncs: Vec<(u64, u64)> = want
            .iter()
            .filter_map(|e| match e {
                Event::Sync(s) => Some((s.sample, s.emitted)),
                _ => None,
            })
            .collect();
        assert!(!syncs.is_empty());
        assert_eq!(counts.syncs, syncs);
        let states = want
            .iter()
            .filter(|e| matches!(e, Event::SyncState(_)))
            .count();
        assert_eq!(counts.states.len(), states);
        assert!(counts.states.iter().any(|s| s.1 && s.2 == EcgReason::None));
        unsafe { ecg_engine_free(e) };
    }

    #[test]
    fn failures_are_status_codes() {
        let mut cfg = EcgConfig::from(&Config::default());
        unsafe { ecg_config_default(360.0, &mut cfg) };
        cfg.qrs_refractory_ms = 5.0;
        let mut name = [0 as c_char; 64];
        let s = unsafe { ecg_config_check(&cfg, name.as_mut_ptr(), name.len()) };
        assert_eq!(s, EcgStatus::InvalidConfig);
        let name = unsafe { core::ffi::CStr::from_ptr(name.as_ptr()) };
        assert_eq!(name.to_str().unwrap(), "qrs.refractory_ms");
        let mut short = [0x55 as c_char; 4];
        unsafe { ecg_config_check(&cfg, short.as_mut_ptr(), 4) };
        assert_eq!(short, [b'q' as c_char, b'r' as c_char, b's' as c_char, 0]);
        let mut e = 1usize as *mut EcgEngine;
        assert_eq!(
            unsafe { ecg_engine_new(&cfg, &mut e) },
            EcgStatus::InvalidConfig
        );
        assert!(e.is_null());
        assert_eq!(
            unsafe { ecg_engine_new(core::ptr::null(), &mut e) },
            EcgStatus::NullPointer
        );
        assert_eq!(
            unsafe { ecg_engine_new(&cfg, core::ptr::null_mut()) },
            EcgStatus::NullPointer
        );
        let mut r = EcgPushResult {
            written: 9,
            dropped: 9,
        };
        let s = unsafe {
            ecg_engine_push(
                core::ptr::null_mut(),
                core::ptr::null(),
                0,
                core::ptr::null_mut(),
                0,
                &mut r,
            )
        };
        assert_eq!(s, EcgStatus::NullPointer);
        assert_eq!(r, EcgPushResult::default());
        unsafe { ecg_config_default(360.0, &mut cfg) };
        let e = new_engine(&cfg);
        let s =
            unsafe { ecg_engine_push(e, core::ptr::null(), 5, core::ptr::null_mut(), 0, &mut r) };
        assert_eq!(s, EcgStatus::NullPointer);
        let s =
            unsafe { ecg_engine_push(e, core::ptr::null(), 0, core::ptr::null_mut(), 0, &mut r) };
        assert_eq!(s, EcgStatus::Ok);
        assert_eq!(unsafe { ecg_engine_reset(e) }, EcgStatus::Ok);
        unsafe { ecg_engine_free(e) };
        unsafe { ecg_engine_free(core::ptr::null_mut()) };
        for s in [
            EcgStatus::Ok,
            EcgStatus::NullPointer,
            EcgStatus::InvalidConfig,
            EcgStatus::EventOverflow,
            EcgStatus::Poisoned,
        ] {
            let m = unsafe { core::ffi::CStr::from_ptr(ecg_status_message(s)) };
            assert!(!m.to_bytes().is_empty());
        }
        let v = unsafe { core::ffi::CStr::from_ptr(ecg_version()) };
        assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    }
}
