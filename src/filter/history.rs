//! Fixed-capacity sample history (a ring buffer sized once, at construction).

use alloc::vec;
use alloc::vec::Vec;

/// The last `capacity` values pushed, addressed by their absolute push index.
///
/// Allocates once in [`History::new`]; `push` and `get` never allocate. Reading an index that has
/// been overwritten or not yet pushed returns `None`.
#[derive(Clone, Debug)]
pub struct History<T: Copy + Default> {
    buf: Vec<T>,
    /// Absolute index the next push will get.
    next: u64,
}

impl<T: Copy + Default> History<T> {
    /// A history holding the last `capacity` values (at least one).
    pub fn new(capacity: usize) -> Self {
        History {
            buf: vec![T::default(); capacity.max(1)],
            next: 0,
        }
    }

    /// Append a value; it gets absolute index `self.len_pushed() - 1`.
    #[inline]
    pub fn push(&mut self, value: T) {
        let cap = self.buf.len() as u64;
        if let Some(slot) = self.buf.get_mut((self.next % cap) as usize) {
            *slot = value;
        }
        self.next += 1;
    }

    /// The value pushed with absolute index `index`, if still held.
    #[inline]
    pub fn get(&self, index: u64) -> Option<T> {
        let cap = self.buf.len() as u64;
        if index >= self.next || index + cap < self.next {
            return None;
        }
        self.buf.get((index % cap) as usize).copied()
    }

    /// How many values have been pushed in all.
    #[inline]
    pub fn len_pushed(&self) -> u64 {
        self.next
    }

    /// The oldest absolute index still held.
    #[inline]
    pub fn oldest(&self) -> u64 {
        self.next.saturating_sub(self.buf.len() as u64)
    }

    /// Number of values the history holds.
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// Forget everything (indices restart at 0).
    pub fn reset(&mut self) {
        self.buf.iter_mut().for_each(|v| *v = T::default());
        self.next = 0;
    }

    /// Values with absolute indices in `[from, to)` that are still held, oldest first.
    pub fn range(&self, from: u64, to: u64) -> impl Iterator<Item = (u64, T)> + '_ {
        let from = from.max(self.oldest());
        let to = to.min(self.next);
        (from..to).filter_map(move |i| self.get(i).map(|v| (i, v)))
    }
}

/// Running median of the last `N` values (small `N`, sorted on demand from a fixed array).
#[derive(Clone, Copy, Debug)]
pub struct MedianOf<const N: usize> {
    values: [f32; N],
    len: usize,
    next: usize,
}

impl<const N: usize> Default for MedianOf<N> {
    fn default() -> Self {
        MedianOf {
            values: [0.0; N],
            len: 0,
            next: 0,
        }
    }
}

impl<const N: usize> MedianOf<N> {
    /// Add a value, dropping the oldest when full.
    pub fn push(&mut self, v: f32) {
        if let Some(slot) = self.values.get_mut(self.next) {
            *slot = v;
        }
        self.next = (self.next + 1) % N;
        self.len = (self.len + 1).min(N);
    }

    /// Fill every slot with `v`.
    pub fn fill(&mut self, v: f32) {
        self.values = [v; N];
        self.len = N;
        self.next = 0;
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
    pub fn median(&self) -> f32 {
        let mut tmp = [0.0f32; N];
        let held = self.values.get(..self.len).unwrap_or(&[]);
        let Some(dst) = tmp.get_mut(..self.len) else {
            return 0.0;
        };
        dst.copy_from_slice(held);
        dst.sort_unstable_by(|a, b| a.total_cmp(b));
        let n = dst.len();
        match n {
            0 => 0.0,
            _ if n % 2 == 1 => dst.get(n / 2).copied().unwrap_or(0.0),
            _ => {
                let a = dst.get(n / 2 - 1).copied().unwrap_or(0.0);
                let b = dst.get(n / 2).copied().unwrap_or(0.0);
                0.5 * (a + b)
            }
        }
    }

    /// The `k`-th smallest value held (0-based, clamped to the count); 0 when empty.
    pub fn kth_smallest(&self, k: usize) -> f32 {
        let mut tmp = [0.0f32; N];
        let held = self.values.get(..self.len).unwrap_or(&[]);
        let Some(dst) = tmp.get_mut(..self.len) else {
            return 0.0;
        };
        dst.copy_from_slice(held);
        dst.sort_unstable_by(|a, b| a.total_cmp(b));
        dst.get(k.min(self.len.saturating_sub(1)))
            .copied()
            .unwrap_or(0.0)
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
    }
}
