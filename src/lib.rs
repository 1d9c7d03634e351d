//! # ecg-rhythm
//!
//! Causal, streaming cardiac rhythm analysis for monitor and defibrillator ECG: a QRS detector,
//! a shock advisor and the sync marker gate of a cardioverter, fed one sample at a time.
//!
//! ## The clinical problem
//!
//! Each heartbeat starts with an electrical wave. On the ECG the ventricles' activation is the
//! **QRS complex**, whose tall spike is the **R wave**; their recovery is the **T wave**. Two
//! rhythms of the ventricles kill within minutes and are treated with electricity:
//!
//! - **Ventricular fibrillation (VF)**: the ventricles' activation breaks into chaotic wavelets.
//!   The heart quivers and pumps no blood; the ECG shows irregular undulations at about
//!   150–500 per minute with no recognisable QRS complex. Without a defibrillating shock the
//!   patient dies; every minute of delay lowers survival by roughly 7–10 %.
//! - **Ventricular tachycardia (VT)**: a fast, organised rhythm from the ventricles, with wide,
//!   regular QRS complexes at typically 120–250 per minute. Fast VT without a pulse is treated
//!   like VF; VT *with* a pulse is treated with a **synchronized** shock.
//!
//! An automated external defibrillator (AED) or a monitor-defibrillator therefore needs two
//! things from the ECG:
//!
//! 1. **Shock advice**: is the rhythm *shockable* (VF, ventricular flutter, fast VT) or not (normal
//!    sinus rhythm, atrial fibrillation, bradycardia, asystole, …)? When the signal is too noisy
//!    to tell, the honest answer is *indeterminate*. The American Heart Association set the
//!    performance goals (Kerber et al., *Circulation* 95:1677, 1997): sensitivity above 90 % for
//!    coarse VF and above 75 % for fast VT; specificity above 99 % for normal sinus rhythm and
//!    above 95 % for other non-shockable rhythms and asystole.
//! 2. **Sync markers** for *synchronized cardioversion*. A shock that falls in the T wave, the
//!    ventricles' vulnerable period when some cells have recovered and others have not, can
//!    itself start VF. A cardioverter therefore discharges on the R wave: it marks every R wave
//!    (the arrows a defibrillator screen draws above the QRS) and, once the operator presses the
//!    shock button, fires on the next marker. IEC 60601-2-4 requires the discharge within
//!    **60 ms of the R-wave peak**. In VF there is no R wave to synchronise to, so the markers
//!    must stop and the device must say why.
//!
//! ## Why causality and latency matter
//!
//! A device sees the ECG as it is sampled. Everything here is **causal**: a decision about sample
//! *n* uses only samples up to the one being pushed, never later ones. Offline tricks such as
//! zero-phase (forward-backward) filtering or looking at the whole beat before placing its peak
//! make fine-looking results that no device can reproduce, so they are not used.
//!
//! **Latency** is part of every answer. A sync marker must be issued less than 60 ms after the R
//! peak, and every millisecond of filter delay (group delay) or of waiting for the QRS to end is
//! taken from that budget; a shock advice that comes 20 s after VF began costs survival. Each
//! stage therefore reports the delay it adds, and every [`Event`] carries two absolute sample
//! indices: the sample it describes (`sample`, or the window `start`/`end`) and the sample during
//! whose push it was issued (`emitted`). Their difference is the decision delay, measured by the
//! scoring rules of `EVALUATION.md` (AAMI EC57 for beats, the IEC timing window for markers,
//! the AHA categories for advice).
//!
//! ## The pipeline
//!
//! ```text
//! sample (mV) ─► filter ─┬─► qrs ──┬─► beat events
//!                        │         └─► sync (marker gate) ─► sync / sync_state / sync_withheld
//!                        └─► rhythm (shock advisor, also fed the beats)
//!                                  └─► rhythm events, and a veto on sync
//! ```
//!
//! - [`filter`]: the causal pre-filter (baseline wander, mains, muscle noise);
//! - [`qrs`]: the QRS detector and its fast path for sync markers;
//! - [`rhythm`]: the shock advisor;
//! - [`sync`]: the sync marker gate;
//! - [`engine`]: the whole chain behind one `push(sample)`;
//! - [`config`]: every parameter in physical units; the sample rate (125–1000 Hz) is a runtime
//!   value;
//! - [`event`]: what comes out;
//! - [`synth`]: synthetic ECG with known R peaks, for tests, benches and examples;
//! - [`ffi`]: the C interface (header `include/ecg_rhythm.h`) for firmware written in C.
//!
//! These core modules use only `core` and `alloc`: after [`Engine::new`] nothing allocates,
//! nothing prints and nothing panics in the per-sample path, so the same code runs in firmware
//! (build with `default-features = false`). With the default feature `std` come the readers
//! (`io`: WFDB, WAV, CSV), the scorer (`eval`), the reports (`report`), the strip plots
//! (`plot`) and the `ecg-rhythm` command line.
//!
//! ## Using the engine
//!
//! Build an [`Engine`] from a [`Config`] (set the sample rate; everything else has clinical
//! defaults), then push samples in millivolts. Events go to an [`EventSink`]: a closure, a
//! `Vec<Event>`, or a firmware queue of your own.
//!
//! ```
//! use ecg_rhythm::{Config, Engine, Event};
//!
//! // 20 s of a synthetic ECG at 75 bpm (one beat every 0.8 s): a narrow 1.2 mV R wave at 0.2 s
//! // into each beat and a broad 0.3 mV T wave 250 ms later.
//! let fs = 360.0_f32;
//! let ecg: Vec<f32> = (0..(20.0 * fs) as usize)
//!     .map(|i| {
//!         let t = (i as f32 / fs) % 0.8;
//!         let wave = |centre: f32, width: f32, mv: f32| mv * (-((t - centre) / width).powi(2)).exp();
//!         wave(0.2, 0.012, 1.2) + wave(0.45, 0.05, 0.3)
//!     })
//!     .collect();
//!
//! let mut engine = Engine::new(Config::with_sample_rate(fs))?;
//! let (mut beats, mut markers) = (Vec::new(), Vec::new());
//! for &x in &ecg {
//!     // Called inside `push`, in order, for every event that sample produced.
//!     engine.push(x, &mut |event: Event| match event {
//!         Event::Beat(b) => beats.push(b),
//!         Event::Sync(m) => markers.push(m),
//!         _ => {}
//!     });
//! }
//!
//! // Every detected beat sits on a true R peak (0.2 s + k · 0.8 s), within 20 ms ...
//! let r_peak = |s: u64| (0.2 + ((s as f32 / fs - 0.2) / 0.8).round() * 0.8) * fs;
//! assert!(beats.iter().all(|b| (b.sample as f32 - r_peak(b.sample)).abs() < 0.02 * fs));
//! // ... and after the detector has learnt the signal, it finds them all.
//! assert!(beats.len() >= 20, "{} beats", beats.len());
//! // A sync marker is issued at most 60 ms after its R peak.
//! assert!(!markers.is_empty());
//! assert!(markers.iter().all(|m| (m.emitted as f32 - r_peak(m.sample)) <= 0.06 * fs));
//! # Ok::<(), ecg_rhythm::ConfigError>(())
//! ```
//!
//! For a whole strip at once, [`analyze`] returns the events in a `Vec`. The examples in
//! `examples/` show a WAV strip streamed through the engine (`stream_wav`), a simulated sampling
//! interrupt with a sync callback and a fixed-capacity queue (`firmware_loop`), and a database
//! scored from code (`batch_eval`).
#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

extern crate alloc;

/// Declares the modules that may run inside firmware: no `unwrap`, `expect`, `panic!` or
/// unchecked indexing outside their tests (clippy denies them).
macro_rules! core_modules {
    ($($name:ident),* $(,)?) => {
        $(
            #[cfg_attr(
                not(test),
                deny(
                    clippy::unwrap_used,
                    clippy::expect_used,
                    clippy::panic,
                    clippy::indexing_slicing
                )
            )]
            pub mod $name;
        )*
    };
}

core_modules!(config, engine, event, filter, qrs, quality, rhythm, sync, synth, ffi);

#[cfg(feature = "std")]
pub mod cli;
#[cfg(feature = "std")]
pub mod eval;
#[cfg(feature = "std")]
pub mod io;
#[cfg(feature = "std")]
pub mod plot;
#[cfg(feature = "std")]
pub mod report;

pub use config::{Config, ConfigError};
pub use engine::{analyze, Engine};
pub use event::{Event, EventSink};
