//! # ecg-rhythm
//!
//! Causal, streaming cardiac rhythm analysis for monitor and defibrillator ECG.
#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

extern crate alloc;

pub mod config;
pub mod engine;
pub mod event;
pub mod filter;
pub mod qrs;
pub mod rhythm;
pub mod sync;

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
