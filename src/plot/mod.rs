//! ECG rhythm strips as SVG (feature `std`).
//!
//! Clinicians read ECGs on paper, not as tables of sample indices, so the engine's findings are
//! drawn the way a monitor prints a rhythm strip:
//!
//! - the trace on the standard grid: 1 mm small squares and 5 mm large squares at **25 mm/s**
//!   and **10 mm/mV** (a small square is 0.04 s by 0.1 mV, a large one 0.2 s by 0.5 mV), with a
//!   1 mV calibration pulse, time labels every second and amplitude labels every millivolt;
//! - long ranges split into rows (10 s each by default), like a printed strip;
//! - **sync markers** as the arrows a defibrillator screen shows over each R wave, drawn at the
//!   moment they were issued (the discharge moment), so their latency is visible;
//! - **detected beats** under the trace, and the record's **reference annotations** above it
//!   when it has them, compared by the scoring rules of `EVALUATION.md`: a missed reference beat,
//!   a missed reference beat or a false detection is drawn in red with a dashed line through
//!   the grid, an off-time marker in orange — in purple when it falls in the estimated T wave
//!   of the beat before it (where a shock can start VF; `eval sync`'s `Twave`);
//! - a **band** with each rhythm decision (shockable / non-shockable / indeterminate, class and
//!   heart rate) placed where it was issued, the sync gate's availability, and shaded periods of
//!   poor signal quality.
//!
//! Drawing uses `plotters`' SVG backend, which writes text as SVG `<text>` and needs no system
//! fonts. [`render_svg`] returns the document, [`write_svg`] writes it to a file.
//!
//! ```
//! use ecg_rhythm::plot::{render_svg, Strip, StripOptions};
//! use ecg_rhythm::{analyze, Config};
//!
//! // Four seconds of a synthetic 60 bpm "ECG": one 1 mV spike a second.
//! let fs = 250.0;
//! let samples: Vec<f32> = (0..1000)
//!     .map(|i| if i % 250 < 5 { 1.0 } else { 0.0 })
//!     .collect();
//! let events = analyze(Config::with_sample_rate(fs), &samples).unwrap();
//! let strip = Strip {
//!     name: "synthetic",
//!     lead_name: "II",
//!     sample_rate_hz: f64::from(fs),
//!     samples_mv: &samples,
//!     events: &events,
//!     reference: None,
//! };
//! let svg = render_svg(&strip, &StripOptions::default()).unwrap();
//! assert!(svg.starts_with("<svg"));
//! ```

mod draw;
mod layout;
mod marks;

use std::fmt;
use std::path::{Path, PathBuf};

use crate::event::Event;
use crate::io::annotation::Annotation;

pub use layout::{GAIN_MM_PER_MV, MAJOR_MM, MINOR_MM, PAPER_SPEED_MM_PER_S};

/// What to draw: one lead of a record, the engine's events on it, and the reference.
#[derive(Clone, Copy, Debug)]
pub struct Strip<'a> {
    /// Record name, for the title.
    pub name: &'a str,
    /// Lead name, for the title.
    pub lead_name: &'a str,
    /// Sample rate, Hz.
    pub sample_rate_hz: f64,
    /// The whole lead in mV, from the record's first sample (event indices refer to it).
    pub samples_mv: &'a [f32],
    /// The engine's events for the whole lead, in the order they were emitted.
    pub events: &'a [Event],
    /// The record's reference annotations, when it has them (sorted by sample).
    pub reference: Option<&'a [Annotation]>,
}

/// Which part of the strip to draw, and how large.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StripOptions {
    /// Start of the range, seconds from the record's start.
    pub from_s: f64,
    /// End of the range, seconds; `None` for the end of the record. Clamped to the record.
    pub to_s: Option<f64>,
    /// Length of one row, seconds (1–60; 10 s gives the classic 250 mm strip).
    pub row_s: f64,
    /// Pixels per millimetre of paper (1–20).
    pub px_per_mm: f64,
}

impl Default for StripOptions {
    fn default() -> Self {
        StripOptions {
            from_s: 0.0,
            to_s: None,
            row_s: 10.0,
            px_per_mm: 5.0,
        }
    }
}

/// Why a strip could not be drawn.
#[derive(Debug)]
#[non_exhaustive]
pub enum PlotError {
    /// The time range is empty, negative or starts past the end of the record.
    Range {
        /// Requested start, s.
        from_s: f64,
        /// Requested end, s (the record's end when none was given).
        to_s: f64,
        /// Length of the record, s.
        duration_s: f64,
    },
    /// An option is out of its range.
    Option {
        /// The option's name.
        name: &'static str,
        /// Its value.
        value: f64,
        /// The allowed range, in words.
        allowed: &'static str,
    },
    /// The drawing backend failed.
    Draw(String),
    /// The SVG file could not be written.
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

impl fmt::Display for PlotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlotError::Range {
                from_s,
                to_s,
                duration_s,
            } => write!(
                f,
                "time range {from_s} s to {to_s} s is empty or outside the record (0 to {duration_s:.3} s)"
            ),
            PlotError::Option {
                name,
                value,
                allowed,
            } => write!(f, "{name} = {value} is out of range ({allowed})"),
            PlotError::Draw(m) => write!(f, "drawing failed: {m}"),
            PlotError::Io { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for PlotError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PlotError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl StripOptions {
    /// Check the options against a record of `total_samples` at `sample_rate_hz` and return the
    /// sample range `[from, to)` to draw.
    pub fn sample_range(
        &self,
        total_samples: u64,
        sample_rate_hz: f64,
    ) -> Result<(u64, u64), PlotError> {
        if !(1.0..=60.0).contains(&self.row_s) {
            return Err(PlotError::Option {
                name: "row_s",
                value: self.row_s,
                allowed: "1 to 60 s",
            });
        }
        if !(1.0..=20.0).contains(&self.px_per_mm) {
            return Err(PlotError::Option {
                name: "px_per_mm",
                value: self.px_per_mm,
                allowed: "1 to 20",
            });
        }
        let duration_s = total_samples as f64 / sample_rate_hz;
        let to_s = self.to_s.unwrap_or(duration_s);
        let bad = PlotError::Range {
            from_s: self.from_s,
            to_s,
            duration_s,
        };
        if !(self.from_s.is_finite() && to_s.is_finite())
            || self.from_s < 0.0
            || to_s <= self.from_s
        {
            return Err(bad);
        }
        let from = (self.from_s * sample_rate_hz).round() as u64;
        let to = ((to_s * sample_rate_hz).round() as u64).min(total_samples);
        if from >= to {
            return Err(bad);
        }
        Ok((from, to))
    }
}

/// Draw the strip as an SVG document.
pub fn render_svg(strip: &Strip<'_>, options: &StripOptions) -> Result<String, PlotError> {
    if !(strip.sample_rate_hz.is_finite() && strip.sample_rate_hz > 0.0) {
        return Err(PlotError::Option {
            name: "sample_rate_hz",
            value: strip.sample_rate_hz,
            allowed: "a positive rate",
        });
    }
    let (from, to) = options.sample_range(strip.samples_mv.len() as u64, strip.sample_rate_hz)?;
    draw::render(strip, options, from, to)
}

/// Draw the strip and write it to `path` as SVG.
pub fn write_svg(path: &Path, strip: &Strip<'_>, options: &StripOptions) -> Result<(), PlotError> {
    let svg = render_svg(strip, options)?;
    std::fs::write(path, svg).map_err(|source| PlotError::Io {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{BeatEvent, Decision, RhythmClass, RhythmEvent, SyncEvent};
    use crate::io::annotation::{Annotation, NORMAL};

    fn spikes(fs: f64, seconds: f64, period_s: f64) -> Vec<f32> {
        let n = (fs * seconds) as usize;
        let period = (fs * period_s) as usize;
        (0..n)
            .map(|i| if i % period < 3 { 1.2 } else { 0.05 })
            .collect()
    }

    #[test]
    fn ranges_are_checked() {
        let o = StripOptions::default();
        assert_eq!(o.sample_range(2500, 250.0).unwrap(), (0, 2500));
        let o = StripOptions {
            from_s: 2.0,
            to_s: Some(100.0),
            ..o
        };
        assert_eq!(o.sample_range(2500, 250.0).unwrap(), (500, 2500));
        for (from_s, to_s) in [
            (5.0, Some(4.0)),
            (-1.0, None),
            (20.0, None),
            (3.0, Some(3.0)),
        ] {
            let o = StripOptions {
                from_s,
                to_s,
                ..StripOptions::default()
            };
            let e = o.sample_range(2500, 250.0).unwrap_err();
            assert!(matches!(e, PlotError::Range { .. }), "{from_s} {to_s:?}");
            assert!(e.to_string().contains("outside the record"));
        }
        let o = StripOptions {
            row_s: 0.5,
            ..StripOptions::default()
        };
        assert!(o
            .sample_range(2500, 250.0)
            .unwrap_err()
            .to_string()
            .contains("row_s"));
    }

    /// Count the filled polygons of one colour: every sync marker is one triangle.
    fn count_fill(svg: &str, color: &str) -> usize {
        svg.lines()
            .filter(|l| l.starts_with("<polygon") && l.contains(&format!("fill=\"{color}\"")))
            .count()
    }

    #[test]
    fn every_marker_in_range_is_drawn_and_judged() {
        let fs = 250.0;
        let samples = spikes(fs, 30.0, 1.0);
        let mut events = Vec::new();
        let mut refs = Vec::new();
        for k in 0..30u64 {
            let r = k * 250 + 1;
            refs.push(Annotation::new(r, NORMAL));
            // Every beat detected, except the 7th; a marker 20 ms after each R, except that the
            // marker of the 11th beat comes 100 ms after R (late, on the QRS) and that of the
            // 15th 300 ms after R (in its T wave: 120–450 ms at an RR of 1 s).
            if k != 7 {
                events.push(Event::Beat(BeatEvent {
                    sample: r,
                    emitted: r + 60,
                    rr_ms: None,
                }));
            }
            let delay = match k {
                11 => 25,
                15 => 75,
                _ => 5,
            };
            events.push(Event::Sync(SyncEvent {
                sample: r,
                emitted: r + delay,
            }));
        }
        // A false detection between two beats.
        events.push(Event::Beat(BeatEvent {
            sample: 20 * 250 + 125,
            emitted: 20 * 250 + 185,
            rr_ms: None,
        }));
        events.push(Event::Rhythm(RhythmEvent {
            start: 0,
            end: 2500,
            emitted: 2500,
            decision: Decision::Nonshockable,
            score: 0.1,
            class: RhythmClass::Sinus,
            hr_bpm: Some(60.0),
            reason: None,
        }));
        let strip = Strip {
            name: "t",
            lead_name: "II",
            sample_rate_hz: fs,
            samples_mv: &samples,
            events: &events,
            reference: Some(&refs),
        };
        let opts = StripOptions {
            from_s: 5.0,
            to_s: Some(25.0),
            ..StripOptions::default()
        };
        let svg = render_svg(&strip, &opts).unwrap();
        // The legend draws one triangle of each colour: count them without markers.
        let no_markers: Vec<Event> = events
            .iter()
            .filter(|e| !matches!(e, Event::Sync(_)))
            .copied()
            .collect();
        let legend = render_svg(
            &Strip {
                events: &no_markers,
                ..strip
            },
            &opts,
        )
        .unwrap();
        let markers = |svg: &str, hex: &str| count_fill(svg, hex) - count_fill(&legend, hex);
        // Markers whose discharge moment lies in [5 s, 25 s): beats 5..=24, two of them late.
        let in_range = 20;
        let on_time = markers(&svg, draw::MARKER_ON_TIME_HEX);
        let off_time = markers(&svg, draw::MARKER_OFF_TIME_HEX);
        let t_wave = markers(&svg, draw::MARKER_T_WAVE_HEX);
        assert_eq!((on_time, off_time, t_wave), (in_range - 2, 1, 1));
        // Two rows of 10 s: the trace is two paths.
        assert_eq!(svg.matches(draw::TRACE_HEX).count(), 2);
        // One missed beat and one false detection are flagged, each with a dashed line.
        let missed = svg
            .lines()
            .filter(|l| l.starts_with("<text") && l.contains(draw::MISSED_TEXT_HEX))
            .count();
        // One in the legend, one on the strip.
        assert_eq!(missed, 2);
        assert!(svg.contains(draw::FALSE_DETECTION_HEX));
        // The 25 s range without reference still draws, with every mark unscored.
        let bare = Strip {
            reference: None,
            ..strip
        };
        let svg = render_svg(&bare, &opts).unwrap();
        assert_eq!(count_fill(&svg, draw::MARKER_OFF_TIME_HEX), 0);
        // No reference: the legend shows only the on-time triangle.
        assert_eq!(count_fill(&svg, draw::MARKER_ON_TIME_HEX), in_range + 1);
    }

    /// Every text of the SVG that holds `label`: its left edge and an estimate of its right
    /// edge (0.58 em per character, as the layout assumes), px.
    fn text_extent(svg: &str, label: &str) -> Vec<(f64, f64)> {
        let lines: Vec<&str> = svg.lines().collect();
        let attr = |line: &str, name: &str| -> f64 {
            let from = line.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
            let len = line[from..].find('"').unwrap();
            line[from..from + len].parse().unwrap()
        };
        lines
            .windows(2)
            .filter(|w| w[0].starts_with("<text") && w[1].trim() == label)
            .map(|w| {
                let x = attr(w[0], "x");
                (
                    x,
                    x + label.chars().count() as f64 * attr(w[0], "font-size") * 0.58,
                )
            })
            .collect()
    }

    #[test]
    fn the_legend_fits_the_page_however_short_the_rows() {
        let fs = 250.0;
        let samples = spikes(fs, 30.0, 1.0);
        let refs: Vec<Annotation> = (0..30u64)
            .map(|k| Annotation::new(k * 250 + 1, NORMAL))
            .collect();
        let strip = Strip {
            name: "t",
            lead_name: "II",
            sample_rate_hz: fs,
            samples_mv: &samples,
            events: &[],
            reference: Some(&refs),
        };
        for row_s in [1.0, 3.0, 10.0, 30.0] {
            let opts = StripOptions {
                row_s,
                ..StripOptions::default()
            };
            let svg = render_svg(&strip, &opts).unwrap();
            let head = svg.lines().find(|l| l.starts_with("<svg")).unwrap();
            let from = head.find("width=\"").unwrap() + 7;
            let width: f64 = head[from..from + head[from..].find('"').unwrap()]
                .parse()
                .unwrap();
            // The last item of the first legend line, the widest line.
            let extent = text_extent(&svg, "reference rhythm");
            assert_eq!(extent.len(), 1, "rows of {row_s} s");
            assert!(
                extent[0].1 <= width,
                "rows of {row_s} s: {extent:?} past {width}"
            );
        }
    }

    #[test]
    fn each_row_of_the_band_shows_its_own_heart_rate() {
        let fs = 250.0;
        let samples = spikes(fs, 30.0, 1.0);
        // One non-shockable NSR segment from 2 s on; the rate doubles in the second row.
        let events: Vec<Event> = (2..30u64)
            .map(|t| {
                Event::Rhythm(RhythmEvent {
                    start: (t - 2) * 250,
                    end: t * 250,
                    emitted: t * 250,
                    decision: Decision::Nonshockable,
                    score: 0.1,
                    class: RhythmClass::Sinus,
                    hr_bpm: Some(if t < 10 { 60.0 } else { 120.0 }),
                    reason: None,
                })
            })
            .collect();
        let strip = Strip {
            name: "hr",
            lead_name: "II",
            sample_rate_hz: fs,
            samples_mv: &samples,
            events: &events,
            reference: None,
        };
        let svg = render_svg(&strip, &StripOptions::default()).unwrap();
        let labels: Vec<&str> = svg
            .lines()
            .filter(|l| l.starts_with("no shock advised"))
            .collect();
        assert_eq!(labels.len(), 3, "{labels:?}");
        assert!(labels[0].contains("NSR · 60 bpm"));
        assert!(labels[1].contains("NSR · 120 bpm"));
        assert!(labels[2].contains("NSR · 120 bpm"));
        // The first row starts without advice.
        assert!(svg.contains("no decision yet"));
    }

    #[test]
    fn long_ranges_become_rows() {
        let fs = 360.0;
        let samples = spikes(fs, 65.0, 0.8);
        let strip = Strip {
            name: "rows",
            lead_name: "MLII",
            sample_rate_hz: fs,
            samples_mv: &samples,
            events: &[],
            reference: None,
        };
        let svg = render_svg(&strip, &StripOptions::default()).unwrap();
        assert_eq!(svg.matches(draw::TRACE_HEX).count(), 7);
        let opts = StripOptions {
            row_s: 30.0,
            ..StripOptions::default()
        };
        let svg = render_svg(&strip, &opts).unwrap();
        assert_eq!(svg.matches(draw::TRACE_HEX).count(), 3);
    }
}
