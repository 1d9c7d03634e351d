//! Cost of single pushes: which push is the most expensive, and what it costs.
//!
//! ```text
//! cargo run --release --example push_cost -- RECORD            # time-stamp counter, per push
//! valgrind --tool=callgrind --toggle-collect='*measured_push*' \
//!     target/release/examples/push_cost RECORD --at K           # instructions of push K alone
//! ```
//!
//! The first form runs the record three times, keeps each push's smallest cost over the runs
//! (which removes interrupts and cache misses caused by the rest of the machine) and prints the
//! mean and the most expensive pushes with the events they issued. Costs are in time-stamp
//! counter ticks on x86-64 (nanoseconds elsewhere). The second form counts, under callgrind, the
//! instructions of exactly one push: every other push runs with collection off.

use std::process::ExitCode;

use ecg_rhythm::event::Event;
use ecg_rhythm::{Config, Engine};

#[inline(always)]
fn ticks() -> u64 {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: `rdtsc` has no preconditions on x86-64.
        unsafe { core::arch::x86_64::_rdtsc() }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        use std::sync::OnceLock;
        static START: OnceLock<std::time::Instant> = OnceLock::new();
        START
            .get_or_init(std::time::Instant::now)
            .elapsed()
            .as_nanos() as u64
    }
}

/// The one push whose instructions callgrind collects (`--toggle-collect='*measured_push*'`).
#[inline(never)]
fn measured_push(engine: &mut Engine, x: f32, sink: &mut Vec<Event>) {
    engine.push(x, sink);
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let record = args.first().ok_or("usage: push_cost RECORD [--at K]")?;
    let at: Option<usize> = match args.get(1).map(String::as_str) {
        Some("--at") => Some(
            args.get(2)
                .and_then(|k| k.parse().ok())
                .ok_or("--at needs a sample index")?,
        ),
        Some(other) => return Err(format!("unknown argument `{other}`")),
        None => None,
    };
    let rec = ecg_rhythm::io::wfdb::read_recording(std::path::Path::new(record), 0)
        .map_err(|e| e.to_string())?;
    let config = Config::with_sample_rate(rec.sample_rate_hz);
    let mut engine = Engine::new(config).map_err(|e| e.to_string())?;
    let mut events: Vec<Event> = Vec::with_capacity(16);
    let x = &rec.samples_mv;

    if let Some(k) = at {
        if k >= x.len() {
            return Err(format!("--at {k}: the record has {} samples", x.len()));
        }
        for (i, &v) in x.iter().enumerate() {
            if i == k {
                measured_push(&mut engine, v, &mut events);
                println!("push {k}: events {:?}", events);
            } else {
                engine.push(v, &mut events);
            }
            events.clear();
        }
        return Ok(());
    }

    let mut best = vec![u64::MAX; x.len()];
    let mut issued = vec![0u8; x.len()];
    for _ in 0..3 {
        engine.reset();
        for (i, &v) in x.iter().enumerate() {
            let t0 = ticks();
            engine.push(v, &mut events);
            let dt = ticks().wrapping_sub(t0);
            if let Some(b) = best.get_mut(i) {
                *b = (*b).min(dt);
            }
            if let Some(n) = issued.get_mut(i) {
                *n = events.len() as u8;
            }
            events.clear();
        }
    }
    let mean = best.iter().sum::<u64>() as f64 / best.len() as f64;
    let mut order: Vec<usize> = (0..best.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(best[i]));
    let mut sorted = best.clone();
    sorted.sort_unstable();
    let pct = |p: f64| sorted[((sorted.len() - 1) as f64 * p) as usize];
    println!(
        "{}: {} pushes, ticks per push: mean {:.1}, median {}, p99 {}, p99.99 {}, max {}",
        rec.name,
        x.len(),
        mean,
        pct(0.5),
        pct(0.99),
        pct(0.9999),
        sorted.last().copied().unwrap_or(0)
    );
    println!("most expensive pushes (sample: ticks, events issued):");
    for &i in order.iter().take(5) {
        println!("  {i}: {} ticks, {} events", best[i], issued[i]);
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("push_cost: {e}");
            ExitCode::from(2)
        }
    }
}
