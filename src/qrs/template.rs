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

/// Longest template, samples (60 ms at 1000 Hz).
pub const MAX_LEN: usize = 64;
/// Number of morphologies kept.
pub const BANK: usize = 4;
/// Alignment search, samples either side.
const SHIFT: usize = 2;

/// One morphology: a mean waveform and when it last matched.
#[derive(Clone, Copy, Debug)]
struct Template {
    wave: [f32; MAX_LEN],
    last_used: u64,
    count: u32,
}

/// A fixed bank of onset templates (no allocation).
#[derive(Clone, Debug)]
pub struct TemplateBank {
    len: usize,
    templates: [Option<Template>; BANK],
}

impl TemplateBank {
    /// A bank of templates `len` samples long (clamped to [`MAX_LEN`]).
    pub fn new(len: usize) -> Self {
        TemplateBank {
            len: len.clamp(4, MAX_LEN),
            templates: [None; BANK],
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
    }

    /// Best correlation of `segment` (length `len + 2·SHIFT`, the candidate window with
    /// `SHIFT` samples of context either side) with any template, over the alignment search.
    /// Marks the best template as used at `now`. Returns −1 when the bank is empty.
    pub fn best_match(&mut self, segment: &[f32], now: u64) -> f32 {
        let mut best = (-1.0f32, None);
        for (i, t) in self.templates.iter().enumerate() {
            let Some(t) = t else { continue };
            for shift in 0..=2 * SHIFT {
                let Some(window) = segment.get(shift..shift + self.len) else {
                    continue;
                };
                let r = correlation(window, t.wave.get(..self.len).unwrap_or(&[]));
                if r > best.0 {
                    best = (r, Some(i));
                }
            }
        }
        if let Some(t) = best
            .1
            .and_then(|i| self.templates.get_mut(i))
            .and_then(|t| t.as_mut())
        {
            t.last_used = now;
        }
        best.0
    }

    /// Learn a confirmed beat's window (`segment` of length `len + 2·SHIFT` as above; its
    /// centre part is learnt): averaged into a similar template, or replacing the least
    /// recently used one.
    pub fn learn(&mut self, segment: &[f32], now: u64) {
        let Some(centre) = segment.get(SHIFT..SHIFT + self.len) else {
            return;
        };
        let mut similar = None;
        for (i, t) in self.templates.iter().enumerate() {
            if let Some(t) = t {
                let r = correlation(centre, t.wave.get(..self.len).unwrap_or(&[]));
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
                t.count += 1;
                t.last_used = now;
            }
            return;
        }
        let slot = self
            .templates
            .iter()
            .position(Option::is_none)
            .unwrap_or_else(|| {
                let mut oldest = (0, u64::MAX);
                for (i, t) in self.templates.iter().enumerate() {
                    if let Some(t) = t {
                        if t.last_used < oldest.1 {
                            oldest = (i, t.last_used);
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
                last_used: now,
                count: 1,
            });
        }
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
        assert_eq!(bank.best_match(&bump(len + 4, 12.0, 2.0, 1.0), 0), -1.0);
        bank.learn(&bump(len + 4, 12.0, 2.0, 1.0), 1); // narrow upward
        bank.learn(&bump(len + 4, 12.0, 6.0, -1.0), 2); // wide downward
                                                        // Shifted by one sample: still recognised thanks to the alignment search.
        assert!(bank.best_match(&bump(len + 4, 13.0, 2.0, 1.0), 3) > 0.95);
        assert!(bank.best_match(&bump(len + 4, 12.0, 6.0, -1.0), 3) > 0.95);
        // A slow ramp (baseline step) is unlike both.
        let ramp: Vec<f32> = (0..len + 4).map(|i| i as f32).collect();
        assert!(bank.best_match(&ramp, 4) < 0.5);
    }

    #[test]
    fn least_recently_used_template_is_replaced() {
        let len = 16;
        let mut bank = TemplateBank::new(len);
        for k in 0..(BANK as u64 + 1) {
            // Shapes at different centres are mutually dissimilar.
            bank.learn(&bump(len + 4, 3.0 + 3.0 * k as f32, 1.0, 1.0), k);
        }
        assert!(bank.best_match(&bump(len + 4, 3.0, 1.0, 1.0), 10) < 0.9);
        assert!(bank.best_match(&bump(len + 4, 15.0, 1.0, 1.0), 10) > 0.95);
    }
}
