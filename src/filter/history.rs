//! Fixed-capacity sample history (a ring buffer sized once, at construction).

use alloc::vec;
use alloc::vec::Vec;

/// The last `capacity` values pushed, addressed by their absolute push index.
///
/// Allocates once in [`History::new`]; `push` and `get` never allocate and never divide: the
/// storage is rounded up to a power of two, so an absolute index finds its slot with one mask
/// (which matters on cores without a fast divider, and saves the wrap test on every push).
/// Only the last `capacity` values count as held, whatever the storage size: reading an index
/// that is older than that, or not yet pushed, returns `None`.
#[derive(Clone, Debug)]
pub struct History<T: Copy + Default> {
    buf: Vec<T>,
    /// Values held (the logical capacity; `buf.len()` is the next power of two).
    cap: usize,
    /// `buf.len() - 1`: the slot of absolute index `i` is `i & mask`.
    mask: usize,
    /// Absolute index the next push will get.
    next: u64,
}

impl<T: Copy + Default> History<T> {
    /// A history holding the last `capacity` values (at least one).
    pub fn new(capacity: usize) -> Self {
        let cap = capacity.max(1);
        let len = cap.next_power_of_two();
        History {
            buf: vec![T::default(); len],
            cap,
            mask: len - 1,
            next: 0,
        }
    }

    /// Append a value; it gets absolute index `self.len_pushed() - 1`.
    #[inline]
    pub fn push(&mut self, value: T) {
        // `next` read once: the store into the buffer could otherwise make the compiler reload it.
        let next = self.next;
        if let Some(slot) = self.buf.get_mut(next as usize & self.mask) {
            *slot = value;
        }
        self.next = next + 1;
    }

    /// The value pushed `lag` pushes before the next one (`lag` = 1: the latest), for a caller
    /// that knows `1 <= lag <= capacity()` and `lag <= len_pushed()`: then it is
    /// [`History::get`]`(len_pushed() - lag)` without the range tests. Otherwise it returns
    /// whatever the slot holds (the default value, or an older or newer value) — never
    /// reads outside the buffer.
    #[inline]
    pub fn lagged(&self, lag: u64) -> Option<T> {
        let index = self.next.wrapping_sub(lag);
        self.buf.get(index as usize & self.mask).copied()
    }

    /// The value pushed with absolute index `index`, if still held.
    #[inline]
    pub fn get(&self, index: u64) -> Option<T> {
        if index >= self.next || index + (self.cap as u64) < self.next {
            return None;
        }
        self.buf.get(index as usize & self.mask).copied()
    }

    /// How many values have been pushed in all.
    #[inline]
    pub fn len_pushed(&self) -> u64 {
        self.next
    }

    /// The oldest absolute index still held.
    #[inline]
    pub fn oldest(&self) -> u64 {
        self.next.saturating_sub(self.cap as u64)
    }

    /// Number of values the history holds.
    pub fn capacity(&self) -> usize {
        self.cap
    }

    /// Forget everything (indices restart at 0).
    pub fn reset(&mut self) {
        self.buf.iter_mut().for_each(|v| *v = T::default());
        self.next = 0;
    }

    /// Values with absolute indices in `[from, to)` that are still held, oldest first.
    pub fn range(&self, from: u64, to: u64) -> impl Iterator<Item = (u64, T)> + '_ {
        let from = from.max(self.oldest());
        let to = to.min(self.next).max(from);
        let [first, second] = self.slices(from, to);
        // Enumerating the chained pieces (rather than zipping them with the index range) lets
        // `fold` and its relatives run one tight loop per piece.
        first
            .iter()
            .chain(second.iter())
            .copied()
            .enumerate()
            .map(move |(k, v)| (from + k as u64, v))
    }

    /// The values with absolute indices in `[from, to)` that are still held, oldest first, as
    /// the (at most two) contiguous pieces of the ring that hold them; the first piece starts
    /// at `max(from, oldest())`.
    #[inline]
    pub fn slices(&self, from: u64, to: u64) -> [&[T]; 2] {
        let from = from.max(self.oldest());
        let to = to.min(self.next).max(from);
        let start = from as usize & self.mask;
        let count = (to - from) as usize;
        let first_len = count.min(self.buf.len() - start.min(self.buf.len()));
        let first = self.buf.get(start..start + first_len).unwrap_or(&[]);
        let second = self.buf.get(..count - first_len).unwrap_or(&[]);
        [first, second]
    }
}

/// Running median of the last `N` values (small `N`, sorted on demand from a fixed array).
///
/// The values are sorted when one is pushed and the order is kept, so reading the median or
/// any order statistic — which detectors do every sample, while values arrive once per beat —
/// costs a load.
#[derive(Clone, Copy, Debug)]
pub struct MedianOf<const N: usize> {
    values: [f32; N],
    /// The held values, ascending (first `len` entries).
    sorted: [f32; N],
    len: usize,
    next: usize,
    median: f32,
}

impl<const N: usize> Default for MedianOf<N> {
    fn default() -> Self {
        MedianOf {
            values: [0.0; N],
            sorted: [0.0; N],
            len: 0,
            next: 0,
            median: 0.0,
        }
    }
}

impl<const N: usize> MedianOf<N> {
    /// Add a value, dropping the oldest when full.
    ///
    /// The sorted copy is updated in place — the new value takes the dropped one's place (a
    /// new place at the end when not full) and moves down past larger values or up past
    /// smaller ones — rather than sorted again: `total_cmp` orders values completely (equal
    /// means bitwise equal), so the result is exactly the sort of the values held.
    pub fn push(&mut self, v: f32) {
        let Some(slot) = self.values.get_mut(self.next) else {
            return;
        };
        let old = core::mem::replace(slot, v);
        self.next = (self.next + 1) % N;
        let len = self.len;
        let mut at = if len == N {
            let held = self.sorted.get(..len).unwrap_or(&[]);
            held.iter()
                .position(|x| x.total_cmp(&old).is_eq())
                .unwrap_or(len - 1)
        } else {
            self.len = len + 1;
            len
        };
        // `at` is a hole in the sorted values: larger values before it move up into it…
        let held = self.sorted.get_mut(..self.len).unwrap_or(&mut []);
        while let Some(&x) = at.checked_sub(1).and_then(|i| held.get(i)) {
            if x.total_cmp(&v).is_le() {
                break;
            }
            if let Some(dst) = held.get_mut(at) {
                *dst = x;
            }
            at -= 1;
        }
        // …or smaller values after it move down into it; then `v` fills it.
        while let Some(&x) = held.get(at + 1) {
            if x.total_cmp(&v).is_ge() {
                break;
            }
            if let Some(dst) = held.get_mut(at) {
                *dst = x;
            }
            at += 1;
        }
        if let Some(dst) = held.get_mut(at) {
            *dst = v;
        }
        self.update_median();
    }

    /// Fill every slot with `v`.
    pub fn fill(&mut self, v: f32) {
        self.values = [v; N];
        self.len = N;
        self.next = 0;
        self.sort();
    }

    /// Number of values held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing was pushed.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Median of the values held (mean of the two middle ones for an even count); 0 when empty.
    #[inline]
    pub fn median(&self) -> f32 {
        self.median
    }

    /// Refresh the sorted copy and the median after a change.
    fn sort(&mut self) {
        let held = self.values.get(..self.len).unwrap_or(&[]);
        let Some(dst) = self.sorted.get_mut(..self.len) else {
            return;
        };
        dst.copy_from_slice(held);
        dst.sort_unstable_by(|a, b| a.total_cmp(b));
        self.update_median();
    }

    /// The median from the sorted copy.
    fn update_median(&mut self) {
        let dst = self.sorted.get(..self.len).unwrap_or(&[]);
        let n = dst.len();
        self.median = match n {
            0 => 0.0,
            _ if n % 2 == 1 => dst.get(n / 2).copied().unwrap_or(0.0),
            _ => {
                let a = dst.get(n / 2 - 1).copied().unwrap_or(0.0);
                let b = dst.get(n / 2).copied().unwrap_or(0.0);
                0.5 * (a + b)
            }
        };
    }

    /// The `k`-th smallest value held (0-based, clamped to the count); 0 when empty.
    #[inline]
    pub fn kth_smallest(&self, k: usize) -> f32 {
        if self.len == 0 {
            return 0.0;
        }
        self.sorted.get(k.min(self.len - 1)).copied().unwrap_or(0.0)
    }

    /// Mean of the values held; 0 when empty.
    pub fn mean(&self) -> f32 {
        let held = self.values.get(..self.len).unwrap_or(&[]);
        if held.is_empty() {
            0.0
        } else {
            held.iter().sum::<f32>() / held.len() as f32
        }
    }

    /// Values held (unordered).
    pub fn values(&self) -> &[f32] {
        self.values.get(..self.len).unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lagged_is_get_within_the_held_range() {
        let mut h = History::new(10);
        for i in 0..40u64 {
            h.push(i as f32);
            for lag in 1..=(i + 1).min(10) {
                assert_eq!(h.lagged(lag), h.get(i + 1 - lag), "i {i} lag {lag}");
            }
        }
    }

    #[test]
    fn history_addresses_by_absolute_index() {
        let mut h = History::<f32>::new(4);
        for i in 0..10 {
            h.push(i as f32);
        }
        assert_eq!(h.get(9), Some(9.0));
        assert_eq!(h.get(6), Some(6.0));
        assert_eq!(h.get(5), None);
        assert_eq!(h.get(10), None);
        let r: Vec<_> = h.range(0, 100).map(|(_, v)| v).collect();
        assert_eq!(r, vec![6.0, 7.0, 8.0, 9.0]);
    }

    /// The ring arithmetic agrees with a plain log for every capacity, length and range.
    #[test]
    fn history_matches_a_plain_log() {
        for cap in 1..10usize {
            let mut h = History::<u64>::new(cap);
            let mut log: Vec<u64> = Vec::new();
            for i in 0..20u64 {
                for from in 0..24u64 {
                    for to in 0..24u64 {
                        let want: Vec<(u64, u64)> = (from..to)
                            .filter(|&j| j < log.len() as u64 && j + cap as u64 >= log.len() as u64)
                            .map(|j| (j, log[j as usize]))
                            .collect();
                        let got: Vec<(u64, u64)> = h.range(from, to).collect();
                        assert_eq!(got, want, "cap {cap} pushed {i} range {from}..{to}");
                    }
                    let want = (from < log.len() as u64 && from + cap as u64 >= log.len() as u64)
                        .then(|| log[from as usize]);
                    assert_eq!(h.get(from), want, "cap {cap} pushed {i} get {from}");
                }
                h.push(100 + i);
                log.push(100 + i);
            }
        }
    }

    /// The sorted copy kept up by insertion equals a fresh sort of the values held, for
    /// repeated values, signed zeros and NaNs too.
    #[test]
    fn median_of_keeps_exactly_the_sorted_values() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut m = MedianOf::<8>::default();
        let mut fresh = MedianOf::<8>::default();
        for i in 0..5000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let v = match state % 10 {
                0 => 0.0,
                1 => -0.0,
                2 => f32::NAN,
                3 => 1.5,
                _ => (state % 1000) as f32 / 7.0 - 50.0,
            };
            if i % 997 == 0 {
                m.fill(v);
            } else {
                m.push(v);
            }
            // The oracle: the same values, sorted from scratch.
            fresh.values = m.values;
            fresh.len = m.len;
            fresh.sort();
            let a: Vec<u32> = m.sorted[..m.len].iter().map(|x| x.to_bits()).collect();
            let b: Vec<u32> = fresh.sorted[..fresh.len].iter().map(|x| x.to_bits()).collect();
            assert_eq!(a, b, "push {i}");
            assert_eq!(m.median().to_bits(), fresh.median().to_bits(), "push {i}");
        }
    }

    #[test]
    fn median_of_even_and_odd() {
        let mut m = MedianOf::<4>::default();
        assert_eq!(m.median(), 0.0);
        m.push(3.0);
        m.push(1.0);
        m.push(2.0);
        assert_eq!(m.median(), 2.0);
        m.push(10.0);
        assert_eq!(m.median(), 2.5);
        m.push(0.0); // drops 3.0
        assert_eq!(m.median(), 1.5);
        assert_eq!(m.kth_smallest(0), 0.0);
        assert_eq!(m.kth_smallest(3), 10.0);
        assert_eq!(m.kth_smallest(99), 10.0);
        assert_eq!(MedianOf::<4>::default().kth_smallest(1), 0.0);
    }
}
