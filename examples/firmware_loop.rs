//! The engine inside a device's firmware, simulated on the host.
//!
//! ```text
//! cargo run --release --example firmware_loop
//! ```
//!
//! A real monitor samples the ECG in a timer interrupt. The interrupt handler must be short and
//! must never allocate or block, so it does three things only:
//!
//! 1. read the ADC and scale the count to millivolts;
//! 2. push that one sample into the [`Engine`] (bounded work, no allocation);
//! 3. hand each event to the **sync callback** at once (a discharge cannot wait for the main
//!    loop) and copy it into a **fixed-capacity queue**.
//!
//! The main loop drains the queue at its own pace (here every 100 ms) and reports, as a UART log
//! or the screen would. The operator arms a synchronized shock 8 s in; the next sync marker
//! fires it, and the log shows how long after the R peak that was (IEC 60601-2-4: ≤ 60 ms).
//!
//! Only the crate's core is used (`Engine`, `Config`, `Event`, `SyncSink`), so this also builds
//! with `--no-default-features`: the same code a `no_std` target would run.

use ecg_rhythm::event::{Decision, Event, EventSink, SyncEvent, SyncStateEvent, SyncWithheldEvent};
use ecg_rhythm::sync::SyncSink;
use ecg_rhythm::{Config, Engine};

/// Sample rate of the simulated ADC, Hz.
const FS_HZ: u32 = 500;
/// ADC resolution: 2.5 µV per count (a typical ECG front end).
const UV_PER_COUNT: f32 = 2.5;
/// Capacity of the event queue between the interrupt and the main loop.
const QUEUE_CAPACITY: usize = 16;
/// The main loop runs every this many samples (100 ms at 500 Hz).
const MAIN_LOOP_EVERY: u32 = FS_HZ / 10;
/// The operator presses "shock" (synchronized mode) at this second.
const ARM_AT_S: f32 = 8.0;
/// Length of the simulation, s.
const DURATION_S: f32 = 15.0;

/// A fixed-capacity ring buffer of events: no allocation, drops the newest when full and
/// counts what it dropped (a firmware must never block in the interrupt).
struct EventQueue<const N: usize> {
    slots: [Option<Event>; N],
    head: usize,
    len: usize,
    dropped: u32,
}

impl<const N: usize> EventQueue<N> {
    const fn new() -> Self {
        EventQueue {
            slots: [None; N],
            head: 0,
            len: 0,
            dropped: 0,
        }
    }

    fn push(&mut self, e: Event) {
        if self.len == N {
            self.dropped += 1;
            return;
        }
        self.slots[(self.head + self.len) % N] = Some(e);
        self.len += 1;
    }

    fn pop(&mut self) -> Option<Event> {
        if self.len == 0 {
            return None;
        }
        let e = self.slots[self.head].take();
        self.head = (self.head + 1) % N;
        self.len -= 1;
        e
    }
}

/// The discharge logic: armed by the operator, fired by the next sync marker.
#[derive(Default)]
struct Discharge {
    armed: bool,
    sync_available: bool,
    /// `(R-peak estimate, discharge sample)` of the shock, once delivered.
    fired: Option<(u64, u64)>,
    /// QRS candidates withheld while sync was available.
    withheld: u32,
}

impl SyncSink for Discharge {
    fn marker(&mut self, marker: SyncEvent) {
        if self.armed && self.fired.is_none() {
            // Here a device closes the discharge relay.
            self.fired = Some((marker.sample, marker.emitted));
            self.armed = false;
        }
    }

    fn state(&mut self, state: SyncStateEvent) {
        self.sync_available = state.available;
    }

    fn withheld(&mut self, _: SyncWithheldEvent) {
        // A QRS the gate would not shock on (late, too fast, not credible): a device may show
        // it on the screen; an armed discharge waits for the next marker.
        self.withheld += 1;
    }
}

/// What the interrupt hands events to: the sync callback first, then the queue.
struct InterruptSink<'a> {
    discharge: &'a mut Discharge,
    queue: &'a mut EventQueue<QUEUE_CAPACITY>,
}

impl EventSink for InterruptSink<'_> {
    fn event(&mut self, event: Event) {
        match event {
            Event::Sync(m) => self.discharge.marker(m),
            Event::SyncState(s) => self.discharge.state(s),
            Event::SyncWithheld(w) => self.discharge.withheld(w),
            _ => {}
        }
        self.queue.push(event);
    }
}

/// The simulated ADC: a synthetic lead II at 72 bpm with baseline wander and mains hum, in
/// counts. Beat `k`'s R peak lies at `R_OFFSET_S + k * RR_S`.
struct Adc {
    n: u32,
}

const RR_S: f32 = 60.0 / 72.0;
const R_OFFSET_S: f32 = 0.25;

impl Adc {
    fn read(&mut self) -> i16 {
        let t = self.n as f32 / FS_HZ as f32;
        self.n += 1;
        let tb = (t + RR_S - R_OFFSET_S + 0.2) % RR_S; // the R peak sits at 0.2 s into a beat
        let bump = |c: f32, w: f32, a: f32| a * (-((tb - c) / w).powi(2)).exp();
        let ecg = bump(0.08, 0.025, 0.15)
            + bump(0.2, 0.012, 1.3)
            + bump(0.225, 0.012, -0.3)
            + bump(0.48, 0.05, 0.35);
        let wander = 0.3 * (2.0 * std::f32::consts::PI * 0.25 * t).sin();
        let hum = 0.05 * (2.0 * std::f32::consts::PI * 60.0 * t).sin();
        ((ecg + wander + hum) * 1000.0 / UV_PER_COUNT).round() as i16
    }
}

fn ms(samples: f32) -> f32 {
    samples * 1000.0 / FS_HZ as f32
}

fn main() {
    let mut config = Config::with_sample_rate(FS_HZ as f32);
    config.mains_hz = 60.0;
    // Construction is the only place that may fail or allocate.
    let mut engine = match Engine::new(config) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("firmware_loop: {e}");
            std::process::exit(2);
        }
    };
    let mut adc = Adc { n: 0 };
    let mut queue = EventQueue::<QUEUE_CAPACITY>::new();
    let mut discharge = Discharge::default();
    let (mut beats, mut markers) = (0u32, 0u32);
    let mut worst_marker_ms = 0.0f32;

    let total = (DURATION_S * FS_HZ as f32) as u32;
    for tick in 0..total {
        // ---- timer interrupt: one sample ----
        let mv = f32::from(adc.read()) * UV_PER_COUNT * 1e-3;
        if tick == (ARM_AT_S * FS_HZ as f32) as u32 {
            discharge.armed = true; // the operator's button, latched by the interrupt
        }
        engine.push(
            mv,
            &mut InterruptSink {
                discharge: &mut discharge,
                queue: &mut queue,
            },
        );

        // ---- main loop, every 100 ms ----
        if tick % MAIN_LOOP_EVERY != MAIN_LOOP_EVERY - 1 {
            continue;
        }
        while let Some(e) = queue.pop() {
            let t = |s: u64| s as f32 / FS_HZ as f32;
            match e {
                Event::Beat(_) => beats += 1,
                Event::Sync(m) => {
                    markers += 1;
                    // Latency from the true R peak of the simulated signal.
                    let k = ((t(m.sample) - R_OFFSET_S) / RR_S).round();
                    let true_r = (R_OFFSET_S + k * RR_S) * FS_HZ as f32;
                    let late = ms(m.emitted as f32 - true_r);
                    worst_marker_ms = worst_marker_ms.max(late);
                    println!(
                        "{:7.3} s  ▼ sync marker   R at {:.3} s, marker +{late:.0} ms",
                        t(m.emitted),
                        true_r / FS_HZ as f32
                    );
                }
                Event::SyncState(s) => println!(
                    "{:7.3} s  sync {}{}",
                    t(s.emitted),
                    if s.available { "available" } else { "withheld" },
                    s.reason.map_or(String::new(), |r| format!(" ({r:?})"))
                ),
                Event::Rhythm(r) => println!(
                    "{:7.3} s  rhythm: {} ({:?}{}) for {:.1}-{:.1} s",
                    t(r.emitted),
                    match r.decision {
                        Decision::Shockable => "SHOCK ADVISED",
                        Decision::Nonshockable => "no shock advised",
                        _ => "cannot analyse",
                    },
                    r.class,
                    r.hr_bpm.map_or(String::new(), |h| format!(", {h:.0} bpm")),
                    t(r.start),
                    t(r.end)
                ),
                Event::Quality(q) => println!(
                    "{:7.3} s  signal quality: {:?} since {:.1} s{}",
                    t(q.emitted),
                    q.issue,
                    t(q.start),
                    if q.end.is_some() { " (ended)" } else { "" }
                ),
                other => println!("{:7.3} s  {other:?}", t(other.emitted())),
            }
        }
        if let Some((r, at)) = discharge.fired.take() {
            println!(
                "{:7.3} s  ⚡ SYNCHRONIZED DISCHARGE  {:.0} ms after the R-peak estimate",
                at as f32 / FS_HZ as f32,
                ms(at as f32 - r as f32)
            );
        }
    }
    println!(
        "\n{:.0} s simulated at {FS_HZ} Hz: {beats} beats, {markers} sync markers \
         (latest {worst_marker_ms:.0} ms after its R peak), {} QRS candidates withheld, {} events \
         dropped by the queue",
        DURATION_S, discharge.withheld, queue.dropped
    );
    if !discharge.sync_available {
        println!("sync was not available at the end of the run");
    }
}
