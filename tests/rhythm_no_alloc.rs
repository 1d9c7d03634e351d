//! The shock advisor (and the engine around it) allocates nothing after construction.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use ecg_rhythm::event::Event;
use ecg_rhythm::rhythm::ShockAdvisor;
use ecg_rhythm::{Config, Engine};

/// Counts the allocations (and reallocations) of the current thread only, so that the test
/// harness's own threads cannot disturb the count.
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn bump() {
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

// SAFETY: forwards to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        bump();
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        bump();
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        bump();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn signal(fs: f32, seconds: f32) -> Vec<f32> {
    (0..(fs * seconds) as usize)
        .map(|i| {
            let t = i as f32 / fs;
            // 20 s sinus-like spikes, then 20 s of a 5-Hz undulation, then a flat line.
            if t < 20.0 {
                let ph = t % 0.8;
                1.2 * (-(ph - 0.2) * (ph - 0.2) / (2.0 * 0.012 * 0.012)).exp()
            } else if t < 40.0 {
                0.6 * (2.0 * std::f32::consts::PI * 5.0 * t).sin()
            } else {
                0.0
            }
        })
        .collect()
}

#[test]
fn no_allocation_after_construction() {
    for (fs, window_s) in [(360.0, 8.0), (250.0, 4.0)] {
        let x = signal(fs, 50.0);
        let mut c = Config::with_sample_rate(fs);
        c.rhythm.window_s = window_s;
        let mut engine = Engine::new(c.clone()).unwrap();
        let mut advisor = ShockAdvisor::new(&c).unwrap();
        let mut rhythm = 0usize;
        let mut sink = |e: Event| {
            if matches!(e, Event::Rhythm(_)) {
                rhythm += 1;
            }
        };
        let before = allocations();
        for &v in &x {
            engine.push(v, &mut sink);
            let _ = advisor.push(v, false, v, None);
        }
        let after = allocations();
        assert_eq!(after - before, 0, "fs {fs}");
        assert!(rhythm >= 40);
    }
}
