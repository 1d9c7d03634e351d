//! QRS-onset templates: does a rising candidate look like the beats this patient has?
//!
//! Implantable and external defibrillators confirm a detection by its morphology: the candidate
//! waveform is correlated with templates of the patient's own confirmed beats (morphology
//! discrimination, e.g. Swerdlow et al., "Discrimination of ventricular tachycardia from
//! supraventricular tachycardia by a downloaded wavelet-transform morphology algorithm",
//! Circulation 2002;106:1164-1171, and the correlation-waveform analysis of Throne et al.,
//! IEEE TBME 1991;38(6):561-570). Here the waveform is the band-passed ECG over the short window
//! that ends at the fast trigger — exactly what is known when a sync marker must be decided —
//! and the bank keeps a few morphologies (for example sinus beats and a frequent ectopic), so
//! that a P wave, a T wave or an artefact that crosses the trigger threshold is not marked.
//!
//! Each template also keeps the verdicts on the candidates that matched it: the detector
//! confirms (or never confirms) every candidate a few hundred milliseconds later. A template
//! whose matches keep going unconfirmed — a tall P wave that happens to resemble the QRS onset,
//! for instance — loses its trust: candidates matching it then need stronger evidence (see
//! [`super::fast`]), and it is the first to be replaced by a new morphology.

/// Longest template, samples (60 ms at 1000 Hz).
pub const MAX_LEN: usize = 64;
/// Number of morphologies kept.
pub const BANK: usize = 4;
/// Alignment search, samples either side.
const SHIFT: usize = 2;
/// Shifted windows compared with each template.
const WINDOWS: usize = 2 * SHIFT + 1;

/// How a candidate compares with its most similar template.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Match {
    /// Pearson correlation with the template, −1…1.
    pub correlation: f32,
    /// Identity of the matched template (for [`TemplateBank::credit`]), 0 when none.
    pub template: u32,
    /// False when candidates that matched this template were recently not confirmed as beats.
    pub trusted: bool,
}

impl Match {
    /// No template learnt yet.
    pub const NONE: Match = Match {
        correlation: -1.0,
        template: 0,
        trusted: false,
    };
}

/// Outcomes remembered per template (most recent in bit 0; 1 = confirmed).
const OUTCOMES: u32 = 4;
/// A template is trusted while at most this many of its last [`OUTCOMES`] matched candidates
/// went unconfirmed.
const MAX_UNCONFIRMED: u32 = 1;

/// A waveform of at most [`MAX_LEN`] samples with its mean removed, and its energy about the
/// mean: the parts of a Pearson correlation that depend on one side only, computed once.
#[derive(Clone, Copy, Debug)]
struct Centred {
    values: [f32; MAX_LEN],
    len: usize,
    /// Sum of the squared deviations from the mean.
    energy: f32,
}

impl Centred {
    const EMPTY: Centred = Centred {
        values: [0.0; MAX_LEN],
        len: 0,
        energy: 0.0,
    };

    /// `a` (its first [`MAX_LEN`] samples) about its mean.
    fn of(a: &[f32]) -> Self {
        let mut c = Centred::EMPTY;
        c.set(a);
        c
    }

    /// Become `a` (its first [`MAX_LEN`] samples) about its mean.
    fn set(&mut self, a: &[f32]) {
        let a = a.get(..a.len().min(MAX_LEN)).unwrap_or(&[]);
        self.len = a.len();
        self.energy = 0.0;
        if a.is_empty() {
            return;
        }
        let mean = a.iter().sum::<f32>() / a.len() as f32;
        // Summed in a local: summed in the field, each addition waited for the store of the
        // one before.
        let mut energy = 0.0f32;
        for (d, &x) in self.values.iter_mut().zip(a) {
            *d = x - mean;
            energy += *d * *d;
        }
        self.energy = energy;
    }

    #[cfg(test)]
    fn values(&self) -> &[f32] {
        self.values.get(..self.len).unwrap_or(&[])
    }

    /// Pearson correlation with `other` (0 when either is flat or empty).
    #[cfg(test)]
    fn correlation(&self, other: &Centred) -> f32 {
        let mut sab = 0.0f32;
        for (&x, &y) in self.values().iter().zip(other.values()) {
            sab += x * y;
        }
        self.correlation_from(sab, other)
    }

    /// Pearson correlation with `other` given the sum of their products `sab`, summed in the
    /// order of the samples (0 when either is flat or empty).
    #[inline]
    fn correlation_from(&self, sab: f32, other: &Centred) -> f32 {
        correlation_from(self.len, self.energy, sab, other)
    }
}

/// Pearson correlation of a centred waveform of length `len` and energy `energy` with `other`,
/// given the sum of their products `sab` (0 when either is flat or empty, or the lengths
/// differ).
#[inline]
fn correlation_from(len: usize, energy: f32, sab: f32, other: &Centred) -> f32 {
    if len == 0 || len != other.len {
        return 0.0;
    }
    let den = libm::sqrtf(energy * other.energy);
    if den <= f32::EPSILON {
        0.0
    } else {
        sab / den
    }
}

/// The shifted windows of a segment compared with every template (see
/// [`TemplateBank::window_sums`]).
struct WindowSums {
    lens: [usize; WINDOWS],
    energies: [f32; WINDOWS],
    products: [[f32; BANK]; WINDOWS],
}

/// One morphology: a mean waveform, when a confirmed beat last taught it, and whether the
/// candidates that matched it turned out to be beats.
#[derive(Clone, Copy, Debug)]
struct Template {
    wave: [f32; MAX_LEN],
    /// `wave` (its first `len` samples) about its mean, kept in step with `wave`.
    centred: Centred,
    last_used: u64,
    count: u32,
    /// Unique identity, so that a late outcome never credits a template that replaced it.
    id: u32,
    /// Bit i set: the i-th most recent matched candidate was not confirmed.
    misses: u32,
}

impl Template {
    fn trusted(&self) -> bool {
        self.misses.count_ones() <= MAX_UNCONFIRMED
    }
}

/// A fixed bank of onset templates (no allocation).
#[derive(Clone, Debug)]
pub struct TemplateBank {
    len: usize,
    templates: [Option<Template>; BANK],
    /// The templates' centred waveforms as columns: `columns[j][t]` is sample `j` of template
    /// `t`'s (0 for an empty slot and past the length), kept in step with `templates`, so that
    /// one step multiplies a window's sample by every template at once.
    columns: [[f32; BANK]; MAX_LEN],
    next_id: u32,
}

impl TemplateBank {
    /// A bank of templates `len` samples long (clamped to [`MAX_LEN`]).
    pub fn new(len: usize) -> Self {
        TemplateBank {
            len: len.clamp(4, MAX_LEN),
            templates: [None; BANK],
            columns: [[0.0; BANK]; MAX_LEN],
            next_id: 1,
        }
    }

    /// Template length, samples.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when no template was learnt yet.
    pub fn is_empty(&self) -> bool {
        self.templates.iter().all(Option::is_none)
    }

    /// Forget every template.
    pub fn reset(&mut self) {
        self.templates = [None; BANK];
        self.columns = [[0.0; BANK]; MAX_LEN];
    }

    /// Copy template `slot`'s centred waveform into its column of `columns`.
    fn store_column(&mut self, slot: usize) {
        let values = match self.templates.get(slot) {
            Some(Some(t)) => t.centred.values,
            _ => [0.0; MAX_LEN],
        };
        for (row, &v) in self.columns.iter_mut().zip(values.iter()) {
            if let Some(c) = row.get_mut(slot) {
                *c = v;
            }
        }
    }

    /// The shifted windows of `segment` (shift `s`: samples `s..s + len`) about their means,
    /// compared with every template in one pass: each window's length (0 for a shift the
    /// segment is too short for), its energy about its mean — [`Centred::of`]'s — and the sum
    /// of its products with each template (`sums[w][t]`, 0 for an empty slot) —
    /// [`Centred::correlation`]'s. Every sum is a chain of dependent additions in the order of
    /// the samples, as there; the windows' and the templates' chains run side by side rather
    /// than one after another, and the centred windows are not stored.
    fn window_sums(&self, segment: &[f32]) -> WindowSums {
        let len = self.len;
        let mut padded = [0.0f32; MAX_LEN + 2 * SHIFT];
        for (p, &x) in padded.iter_mut().zip(segment) {
            *p = x;
        }
        // `Iterator::sum` of `f32` starts from −0.0 (so that a sum of −0.0 values is −0.0).
        let mut sums = [-0.0f32; WINDOWS];
        for j in 0..len {
            let row = padded.get(j..j + WINDOWS).unwrap_or(&[]);
            for (sum, &x) in sums.iter_mut().zip(row) {
                *sum += x;
            }
        }
        let mut out = WindowSums {
            lens: [0; WINDOWS],
            energies: [0.0; WINDOWS],
            products: [[0.0; BANK]; WINDOWS],
        };
        let mut means = [0.0f32; WINDOWS];
        for (shift, (n, mean)) in out.lens.iter_mut().zip(means.iter_mut()).enumerate() {
            if segment.len() >= shift + len {
                *n = len;
                *mean = sums.get(shift).copied().unwrap_or(0.0) / len as f32;
            }
        }
        let (mut energies, mut products) = (out.energies, out.products);
        for (j, column) in self.columns.iter().enumerate().take(len) {
            let row = padded.get(j..j + WINDOWS).unwrap_or(&[]);
            for (((energy, sum), &mean), &x) in
                energies.iter_mut().zip(products.iter_mut()).zip(&means).zip(row)
            {
                let d = x - mean;
                *energy += d * d;
                for (s, &y) in sum.iter_mut().zip(column) {
                    *s += d * y;
                }
            }
        }
        for (((n, energy), sum), (&e, &p)) in out
            .lens
            .iter()
            .zip(out.energies.iter_mut())
            .zip(out.products.iter_mut())
            .zip(energies.iter().zip(products.iter()))
        {
            if *n > 0 {
                *energy = e;
                *sum = p;
            }
        }
        out
    }

    /// The sum of the products of `c` with each template (`sums[t]`, 0 for an empty slot),
    /// each summed in the order of the samples from +0.0 as in [`Centred::correlation`], so
    /// the same values; one step per sample takes every template's product at once.
    fn product_sums(&self, c: &Centred) -> [f32; BANK] {
        let mut sums = [0.0f32; BANK];
        for (column, &x) in self.columns.iter().zip(c.values.iter()).take(self.len) {
            for (s, &y) in sums.iter_mut().zip(column) {
                *s += x * y;
            }
        }
        sums
    }

    /// Best match of `segment` (length `len + 2·SHIFT`, the candidate window with `SHIFT`
    /// samples of context either side) with any template, over the alignment search: the
    /// correlation and the template's trust.
    /// Returns [`Match::NONE`] when the bank is empty.
    pub fn best_match(&self, segment: &[f32]) -> Match {
        let mut best = Match::NONE;
        if self.is_empty() {
            return best;
        }
        // Each shifted window is centred once for all templates.
        let w = self.window_sums(segment);
        for (slot, t) in self.templates.iter().enumerate() {
            let Some(t) = t else { continue };
            for ((&len, &energy), sums) in w.lens.iter().zip(&w.energies).zip(&w.products) {
                if len == 0 {
                    continue;
                }
                let sab = sums.get(slot).copied().unwrap_or(0.0);
                let r = correlation_from(len, energy, sab, &t.centred);
                if r > best.correlation {
                    best = Match {
                        correlation: r,
                        template: t.id,
                        trusted: t.trusted(),
                    };
                }
            }
        }
        best
    }

    /// Report whether a candidate that matched template `id` (see [`Match::template`]) was
    /// confirmed as a beat by the detector; a template whose matches keep going unconfirmed (a
    /// P wave, a T wave or an artefact that happens to look like a learnt QRS onset) stops
    /// being trusted until its matches are confirmed again.
    pub fn credit(&mut self, id: u32, confirmed: bool, now: u64) {
        let mask = (1u32 << OUTCOMES) - 1;
        for t in self.templates.iter_mut().flatten() {
            if t.id == id {
                t.misses = ((t.misses << 1) | u32::from(!confirmed)) & mask;
                if confirmed {
                    t.last_used = now;
                }
            }
        }
    }

    /// Learn a confirmed beat's window (`segment` of length `len + 2·SHIFT` as above; its
    /// centre part is learnt): averaged into a similar template, or replacing an untrusted or
    /// else the least recently confirmed one.
    pub fn learn(&mut self, segment: &[f32], now: u64) {
        let Some(centre) = segment.get(SHIFT..SHIFT + self.len) else {
            return;
        };
        // The centre is centred once: [`correlation`] of it with a template's waveform is
        // its correlation with the template's centred waveform (the same means, deviations
        // and sums, in the same order).
        let centred = Centred::of(centre);
        let sums = self.product_sums(&centred);
        let mut similar = None;
        for (i, t) in self.templates.iter().enumerate() {
            if let Some(t) = t {
                let r = centred.correlation_from(sums.get(i).copied().unwrap_or(0.0), &t.centred);
                if r >= 0.9 && similar.map_or(true, |(_, best)| r > best) {
                    similar = Some((i, r));
                }
            }
        }
        if let Some((i, _)) = similar {
            if let Some(Some(t)) = self.templates.get_mut(i) {
                let w = 1.0 / (t.count.min(7) + 1) as f32;
                for (a, &b) in t.wave.iter_mut().zip(centre) {
                    *a += w * (b - *a);
                }
                // Centred in place (the same values as `Centred::of`: the length is the
                // same, the samples past it stay 0).
                let Template { wave, centred, .. } = t;
                centred.set(wave.get(..self.len).unwrap_or(&[]));
                t.count += 1;
                t.last_used = now;
            }
            self.store_column(i);
            return;
        }
        let slot = self
            .templates
            .iter()
            .position(Option::is_none)
            .unwrap_or_else(|| {
                // An untrusted template goes first, then the one confirmed least recently.
                let mut oldest = (0, (true, u64::MAX));
                for (i, t) in self.templates.iter().enumerate() {
                    if let Some(t) = t {
                        let key = (t.trusted(), t.last_used);
                        if key < oldest.1 {
                            oldest = (i, key);
                        }
                    }
                }
                oldest.0
            });
        let mut wave = [0.0; MAX_LEN];
        if let Some(dst) = wave.get_mut(..self.len) {
            dst.copy_from_slice(centre);
        }
        if let Some(t) = self.templates.get_mut(slot) {
            *t = Some(Template {
                wave,
                centred,
                last_used: now,
                count: 1,
                id: self.next_id,
                misses: 0,
            });
            self.next_id = self.next_id.wrapping_add(1).max(1);
        }
        self.store_column(slot);
    }

    /// Samples of context needed either side of a window.
    pub const fn shift() -> usize {
        SHIFT
    }
}

/// Pearson correlation of two equally long slices (0 when either is flat).
pub fn correlation(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    if n == 0 {
        return 0.0;
    }
    let (a, b) = (a.get(..n).unwrap_or(&[]), b.get(..n).unwrap_or(&[]));
    let ma = a.iter().sum::<f32>() / n as f32;
    let mb = b.iter().sum::<f32>() / n as f32;
    let (mut sab, mut saa, mut sbb) = (0.0f32, 0.0f32, 0.0f32);
    for (&x, &y) in a.iter().zip(b) {
        let (dx, dy) = (x - ma, y - mb);
        sab += dx * dy;
        saa += dx * dx;
        sbb += dy * dy;
    }
    let den = libm::sqrtf(saa * sbb);
    if den <= f32::EPSILON {
        0.0
    } else {
        sab / den
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixed pseudo-random sequence (linear congruential) of values in [−0.5, 0.5).
    fn uniform(seed: u32) -> impl FnMut() -> f32 {
        let mut state = seed;
        move || {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5
        }
    }

    fn bump(len: usize, centre: f32, width: f32, sign: f32) -> Vec<f32> {
        (0..len)
            .map(|i| {
                let t = (i as f32 - centre) / width;
                sign * (-t * t).exp()
            })
            .collect()
    }

    #[test]
    fn correlation_of_identical_and_inverted() {
        let a = bump(20, 10.0, 3.0, 1.0);
        let b = bump(20, 10.0, 3.0, -1.0);
        assert!((correlation(&a, &a) - 1.0).abs() < 1e-5);
        assert!((correlation(&a, &b) + 1.0).abs() < 1e-5);
        assert_eq!(correlation(&a, &[0.0; 20]), 0.0);
    }

    #[test]
    fn bank_recognises_learnt_shapes_and_rejects_others() {
        let len = 20;
        let mut bank = TemplateBank::new(len);
        assert!(bank.is_empty());
        assert_eq!(bank.best_match(&bump(len + 4, 12.0, 2.0, 1.0)), Match::NONE);
        bank.learn(&bump(len + 4, 12.0, 2.0, 1.0), 1); // narrow upward
        bank.learn(&bump(len + 4, 12.0, 6.0, -1.0), 2); // wide downward
                                                        // Shifted by one sample: still recognised thanks to the alignment search.
        assert!(bank.best_match(&bump(len + 4, 13.0, 2.0, 1.0)).correlation > 0.95);
        assert!(bank.best_match(&bump(len + 4, 12.0, 6.0, -1.0)).correlation > 0.95);
        // A slow ramp (baseline step) is unlike both.
        let ramp: Vec<f32> = (0..len + 4).map(|i| i as f32).collect();
        assert!(bank.best_match(&ramp).correlation < 0.5);
    }

    #[test]
    fn unconfirmed_matches_withdraw_trust_until_confirmed_again() {
        let len = 16;
        let mut bank = TemplateBank::new(len);
        let shape = bump(len + 4, 10.0, 2.0, 1.0);
        bank.learn(&shape, 0);
        let m = bank.best_match(&shape);
        assert!(m.trusted && m.template != 0);
        bank.credit(m.template, false, 1);
        assert!(bank.best_match(&shape).trusted, "one miss is tolerated");
        bank.credit(m.template, false, 2);
        assert!(!bank.best_match(&shape).trusted);
        // A stale verdict for a template that no longer exists changes nothing.
        bank.credit(m.template + 100, true, 3);
        assert!(!bank.best_match(&shape).trusted);
        for t in 4..7 {
            bank.credit(m.template, true, t);
        }
        assert!(bank.best_match(&shape).trusted);
    }

    /// `best_match` as it was written before its one-pass sums: each shifted window
    /// correlated with each template in turn.
    fn best_match_window_by_window(bank: &TemplateBank, segment: &[f32]) -> Match {
        let mut best = Match::NONE;
        for t in bank.templates.iter().flatten() {
            for shift in 0..=2 * SHIFT {
                let window = Centred::of(segment.get(shift..shift + bank.len).unwrap_or(&[]));
                if window.len == 0 {
                    continue;
                }
                let r = window.correlation(&t.centred);
                if r > best.correlation {
                    best = Match {
                        correlation: r,
                        template: t.id,
                        trusted: t.trusted(),
                    };
                }
            }
        }
        best
    }

    #[test]
    fn one_pass_match_is_the_window_by_window_match() {
        // Pseudo-random shapes (a fixed linear congruential sequence), learnt and matched
        // bit for bit against the plain loops, including segments too short for some shifts.
        let mut next = uniform(12345);
        for len in [4, 11, 16, 23, MAX_LEN] {
            let mut bank = TemplateBank::new(len);
            for round in 0..40u64 {
                let segment: Vec<f32> = (0..len + 2 * SHIFT).map(|_| next()).collect();
                for cut in 0..=2 * SHIFT {
                    let part = &segment[..segment.len() - cut];
                    let (a, b) = (bank.best_match(part), best_match_window_by_window(&bank, part));
                    assert_eq!(a.correlation.to_bits(), b.correlation.to_bits());
                    assert_eq!((a.template, a.trusted), (b.template, b.trusted));
                }
                bank.learn(&segment, round);
            }
        }
    }

    /// `learn` as it was written before the centre was centred once: [`correlation`] of the
    /// centre with each template's waveform.
    fn learn_by_correlation(bank: &mut TemplateBank, segment: &[f32], now: u64) {
        let Some(centre) = segment.get(SHIFT..SHIFT + bank.len) else {
            return;
        };
        let mut similar = None;
        for (i, t) in bank.templates.iter().enumerate() {
            if let Some(t) = t {
                let r = correlation(centre, &t.wave[..bank.len]);
                if r >= 0.9 && similar.map_or(true, |(_, best)| r > best) {
                    similar = Some((i, r));
                }
            }
        }
        if let Some((i, _)) = similar {
            let t = bank.templates[i].as_mut().unwrap();
            let w = 1.0 / (t.count.min(7) + 1) as f32;
            for (a, &b) in t.wave.iter_mut().zip(centre) {
                *a += w * (b - *a);
            }
            t.centred = Centred::of(&t.wave[..bank.len]);
            t.count += 1;
            t.last_used = now;
            bank.store_column(i);
            return;
        }
        let before = bank.clone();
        bank.learn(segment, now);
        // A new template: the slot's choice did not change.
        assert_eq!(bank.next_id, before.next_id.wrapping_add(1).max(1));
    }

    #[test]
    fn learning_by_centred_sums_is_learning_by_correlation() {
        // Two families of similar shapes (so that beats are averaged into templates) and
        // noise (so that templates are replaced), with exact zeros, −0.0 and flat stretches.
        let mut next = uniform(777);
        let mut averaged = 0;
        for len in [4, 9, 18, 23, MAX_LEN] {
            let (mut fast, mut plain) = (TemplateBank::new(len), TemplateBank::new(len));
            for round in 0..300u64 {
                let kind = (next() + 0.5) * 6.0;
                let segment: Vec<f32> = match kind as u32 {
                    0 => bump(len + 4, len as f32 / 2.0, 2.0, 1.0)
                        .iter()
                        .map(|v| v + 0.05 * next())
                        .collect(),
                    1 => bump(len + 4, len as f32 / 3.0, 4.0, -1.0)
                        .iter()
                        .map(|v| v + 0.05 * next())
                        .collect(),
                    2 => vec![-0.0; len + 4],
                    3 => vec![0.25; len + 4],
                    _ => (0..len + 4).map(|_| next()).collect(),
                };
                fast.learn(&segment, round);
                learn_by_correlation(&mut plain, &segment, round);
                for (a, b) in fast.templates.iter().zip(plain.templates.iter()) {
                    match (a, b) {
                        (Some(a), Some(b)) => {
                            let bits = |w: &[f32]| w.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                            assert_eq!(bits(&a.wave), bits(&b.wave), "len {len} round {round}");
                            assert_eq!(bits(&a.centred.values), bits(&b.centred.values));
                            assert_eq!(a.centred.energy.to_bits(), b.centred.energy.to_bits());
                            assert_eq!((a.id, a.count, a.last_used), (b.id, b.count, b.last_used));
                        }
                        (None, None) => {}
                        _ => panic!("len {len} round {round}: slots differ"),
                    }
                }
                averaged += fast.templates.iter().flatten().filter(|t| t.count > 1).count();
                // The columns are the centred templates.
                for (slot, t) in fast.templates.iter().enumerate() {
                    for (j, row) in fast.columns.iter().enumerate() {
                        let want = t.map_or(0.0, |t| t.centred.values[j]);
                        assert_eq!(row[slot].to_bits(), want.to_bits());
                    }
                }
            }
        }
        assert!(averaged > 0, "no beat was averaged into a template");
    }

    #[test]
    fn window_sums_are_each_window_centred_and_correlated() {
        let mut next = uniform(4242);
        let specials = [f32::NAN, f32::INFINITY, -0.0, 1e-40, -3e38, 3e38];
        for len in [4, 9, 18, 23, MAX_LEN] {
            let mut bank = TemplateBank::new(len);
            for round in 0..200 {
                let mut segment: Vec<f32> = (0..len + 2 * SHIFT).map(|_| next()).collect();
                if round % 3 == 0 {
                    let i = ((next() + 0.5) * segment.len() as f32) as usize % segment.len();
                    segment[i] = specials[round / 3 % specials.len()];
                }
                if round % 7 == 1 {
                    segment.iter_mut().for_each(|v| *v = -0.0);
                }
                for cut in 0..=2 * SHIFT + 1 {
                    let part = &segment[..segment.len() - cut];
                    let w = bank.window_sums(part);
                    for shift in 0..WINDOWS {
                        let want = Centred::of(part.get(shift..shift + len).unwrap_or(&[]));
                        let at = format!("len {len} round {round} cut {cut} shift {shift}");
                        assert_eq!(w.lens[shift], want.len, "{at}");
                        assert_eq!(w.energies[shift].to_bits(), want.energy.to_bits(), "{at}");
                        for (slot, t) in bank.templates.iter().enumerate() {
                            // `Centred::correlation`'s sum of products (an empty slot's is not
                            // used).
                            let Some(t) = t else { continue };
                            let mut sab = 0.0f32;
                            for (&x, &y) in want.values().iter().zip(t.centred.values()) {
                                sab += x * y;
                            }
                            let got = w.products[shift][slot];
                            let same = got.to_bits() == sab.to_bits()
                                || (got.is_nan() && sab.is_nan());
                            assert!(same, "{at} slot {slot}: {got} against {sab}");
                        }
                    }
                }
                // Templates of random shapes, and a flat one, in the slots.
                if round % 50 < BANK {
                    bank.learn(&segment, round as u64);
                }
            }
        }
    }

    #[test]
    fn least_recently_used_template_is_replaced() {
        let len = 16;
        let mut bank = TemplateBank::new(len);
        for k in 0..(BANK as u64 + 1) {
            // Shapes at different centres are mutually dissimilar.
            bank.learn(&bump(len + 4, 3.0 + 3.0 * k as f32, 1.0, 1.0), k);
        }
        assert!(bank.best_match(&bump(len + 4, 3.0, 1.0, 1.0)).correlation < 0.9);
        assert!(bank.best_match(&bump(len + 4, 15.0, 1.0, 1.0)).correlation > 0.95);
    }
}
