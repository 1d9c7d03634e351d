//! The drawing itself, with `plotters` on its SVG backend.
//!
//! Positions are computed in millimetres of paper and turned into pixels by [`Paper`]. A page is
//! a header (title and legend) followed by one block per row:
//!
//! ```text
//! REF     N   N   V   N        reference annotations (beats below, rhythm changes above)
//! grid    ~~^~~~^~~~^~~~^~     trace, sync arrows, quality shading, dashed misses
//! QRS     |   |   |   |        detected beats
//! HR 72   1:00     1:01        time labels every second
//! ADVICE  [ no shock · NSR · 72 bpm ]   rhythm decisions where they were issued
//! SYNC    [ available ][ withheld: VF ] sync gate state
//! ```

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::layout::{
    grid_extent_mm, horizontal_lines, row_baseline_mv, split_rows, vertical_lines, Paper,
    GAIN_MM_PER_MV, MAJOR_MM, PAPER_SPEED_MM_PER_S,
};
use super::marks::{
    mark_beats, mark_markers, reference_shockable_spans, DetectionMark, MarkerMark, Reference,
    ReferenceMark,
};
use super::{PlotError, Strip, StripOptions};
use crate::event::{Decision, Event, RhythmEvent};
use crate::io::annotation::Annotation;
use crate::report::{
    self, advice_text, class_name, heart_rate, issue_name, quality_periods, rhythm_timeline,
    sync_periods, sync_reason_name, QualityPeriod, RhythmSegment, SyncPeriod,
};

// Colours. The `*_HEX` strings are how the SVG backend writes them (the tests count them).
const PAPER: RGBColor = RGBColor(255, 251, 250);
const GRID_MINOR: RGBColor = RGBColor(246, 200, 200);
const GRID_MAJOR: RGBColor = RGBColor(228, 128, 128);
const TRACE: RGBColor = RGBColor(20, 20, 20);
#[cfg(test)]
pub(crate) const TRACE_HEX: &str = "#141414";
const CALIBRATION: RGBColor = RGBColor(0, 0, 0);
const INK: RGBColor = RGBColor(40, 40, 40);
const MUTED: RGBColor = RGBColor(110, 110, 110);
const MARKER_ON_TIME: RGBColor = RGBColor(25, 60, 170);
#[cfg(test)]
pub(crate) const MARKER_ON_TIME_HEX: &str = "#193CAA";
const MARKER_OFF_TIME: RGBColor = RGBColor(235, 120, 0);
#[cfg(test)]
pub(crate) const MARKER_OFF_TIME_HEX: &str = "#EB7800";
const MARKER_IN_VF: RGBColor = RGBColor(200, 0, 0);
const MARKER_T_WAVE: RGBColor = RGBColor(150, 0, 150);
#[cfg(test)]
pub(crate) const MARKER_T_WAVE_HEX: &str = "#960096";
const DETECTION: RGBColor = RGBColor(30, 120, 60);
const FALSE_DETECTION: RGBColor = RGBColor(225, 0, 0);
#[cfg(test)]
pub(crate) const FALSE_DETECTION_HEX: &str = "#E10000";
const MISSED_TEXT: RGBColor = RGBColor(200, 0, 30);
#[cfg(test)]
pub(crate) const MISSED_TEXT_HEX: &str = "#C8001E";
const MISSED_LINE: RGBColor = RGBColor(215, 30, 30);
const NOT_BEAT: RGBColor = RGBColor(120, 40, 160);
const REFERENCE_SHOCKABLE: RGBColor = RGBColor(250, 212, 205);
const SHOCKABLE: RGBColor = RGBColor(210, 45, 40);
const NONSHOCKABLE: RGBColor = RGBColor(30, 145, 80);
const INDETERMINATE: RGBColor = RGBColor(240, 180, 40);
const NO_DECISION: RGBColor = RGBColor(226, 226, 226);
const SYNC_AVAILABLE: RGBColor = RGBColor(60, 110, 210);
const SYNC_WITHHELD: RGBColor = RGBColor(190, 190, 190);
const QUALITY: RGBColor = RGBColor(95, 70, 150);
const WHITE_INK: RGBColor = RGBColor(255, 255, 255);

// Page layout, mm.
const LEFT_MM: f64 = 24.0;
const RIGHT_MM: f64 = 6.0;
const MIN_ROW_WIDTH_MM: f64 = 230.0;
const HEADER_MM: f64 = 22.0;
const REF_LANE_MM: f64 = 8.0;
const DETECTION_LANE_MM: f64 = 4.0;
const TIME_LANE_MM: f64 = 4.5;
const BAND_MM: f64 = 6.0;
const SYNC_LANE_MM: f64 = 3.0;
const ROW_GAP_MM: f64 = 6.0;
const FONT_MM: f64 = 2.7;
/// A sync arrow is drawn above the highest sample this close to its R wave, s.
const MARKER_PEAK_SEARCH_S: f64 = 0.06;
const SMALL_FONT_MM: f64 = 2.3;

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

fn draw_err<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> PlotError {
    PlotError::Draw(e.to_string())
}

/// A drawing area measured in millimetres.
struct Canvas<'a, 'b> {
    area: &'a Area<'b>,
    paper: Paper,
}

impl Canvas<'_, '_> {
    fn pt(&self, x: f64, y: f64) -> (i32, i32) {
        (self.paper.px(x), self.paper.px(y))
    }

    fn line(&self, pts: &[(f64, f64)], color: RGBAColor, width_px: u32) -> Result<(), PlotError> {
        let pts: Vec<(i32, i32)> = pts.iter().map(|&(x, y)| self.pt(x, y)).collect();
        self.area
            .draw(&PathElement::new(pts, color.stroke_width(width_px)))
            .map_err(draw_err)
    }

    fn dashed_vertical(&self, x: f64, y0: f64, y1: f64, color: RGBAColor) -> Result<(), PlotError> {
        let (dash, gap) = (1.2, 0.8);
        let mut y = y0;
        while y < y1 {
            self.line(&[(x, y), (x, (y + dash).min(y1))], color, 1)?;
            y += dash + gap;
        }
        Ok(())
    }

    fn rect(&self, x0: f64, y0: f64, x1: f64, y1: f64, color: RGBAColor) -> Result<(), PlotError> {
        self.area
            .draw(&Rectangle::new(
                [self.pt(x0, y0), self.pt(x1, y1)],
                color.filled(),
            ))
            .map_err(draw_err)
    }

    fn polygon(&self, pts: &[(f64, f64)], color: RGBColor) -> Result<(), PlotError> {
        let pts: Vec<(i32, i32)> = pts.iter().map(|&(x, y)| self.pt(x, y)).collect();
        self.area
            .draw(&Polygon::new(pts, color.filled()))
            .map_err(draw_err)
    }

    #[allow(clippy::too_many_arguments)]
    fn text(
        &self,
        s: &str,
        x: f64,
        y: f64,
        size_mm: f64,
        color: RGBColor,
        h: HPos,
        bold: bool,
    ) -> Result<(), PlotError> {
        let size = size_mm * self.paper.px_per_mm * 1.24;
        let font = if bold {
            ("sans-serif", size, FontStyle::Bold).into_font()
        } else {
            ("sans-serif", size).into_font()
        };
        let style = font.color(&color).pos(Pos::new(h, VPos::Center));
        self.area
            .draw(&Text::new(s.to_string(), self.pt(x, y), style))
            .map_err(draw_err)
    }
}

/// Rough width of a text in mm, for deciding whether a label fits (sans-serif averages about
/// 0.58 em per character).
fn text_width_mm(s: &str, size_mm: f64) -> f64 {
    s.chars().count() as f64 * size_mm * 0.58
}

/// Everything the rows need, computed once for the whole range.
struct Page<'s> {
    strip: &'s Strip<'s>,
    fs: f64,
    row_len: u64,
    up_mm: f64,
    down_mm: f64,
    has_reference: bool,
    beats: Vec<(u64, DetectionMark)>,
    annotations: Vec<(&'s Annotation, ReferenceMark)>,
    markers: Vec<(u64, u64, MarkerMark)>,
    reference_shockable: Vec<(u64, u64)>,
    timeline: Vec<RhythmSegment>,
    sync: Vec<SyncPeriod>,
    quality: Vec<QualityPeriod>,
    has_decisions: bool,
}

impl Page<'_> {
    fn row_height_mm(&self) -> f64 {
        let ref_lane = if self.has_reference { REF_LANE_MM } else { 0.0 };
        ref_lane
            + self.up_mm
            + self.down_mm
            + DETECTION_LANE_MM
            + TIME_LANE_MM
            + BAND_MM
            + SYNC_LANE_MM
            + ROW_GAP_MM
    }

    fn row_width_mm(&self) -> f64 {
        self.row_len as f64 * PAPER_SPEED_MM_PER_S / self.fs
    }
}

pub(super) fn render(
    strip: &Strip<'_>,
    options: &StripOptions,
    from: u64,
    to: u64,
) -> Result<String, PlotError> {
    let fs = strip.sample_rate_hz;
    let row_len = ((options.row_s * fs).round() as u64).max(1);
    let rows = split_rows(from, to, row_len);
    let slice = |(s, e): (u64, u64)| &strip.samples_mv[s as usize..e as usize];
    let baselines: Vec<(f64, &[f32])> = rows
        .iter()
        .map(|&r| (row_baseline_mv(slice(r)), slice(r)))
        .collect();
    let (up_mm, down_mm) = grid_extent_mm(&baselines);

    let annotations: &[Annotation] = strip.reference.unwrap_or(&[]);
    let reference = strip.reference.map(Reference::new);
    let tolerance = (0.2 * fs) as u64;
    let near = |s: u64| s + tolerance >= from && s < to + tolerance;
    let det_samples: Vec<u64> = strip
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Beat(b) if near(b.sample) => Some(b.sample),
            _ => None,
        })
        .collect();
    let shown_anns: Vec<&Annotation> = annotations.iter().filter(|a| near(a.sample)).collect();
    let owned: Vec<Annotation> = shown_anns.iter().map(|a| (*a).clone()).collect();
    let (det_marks, ref_marks) = mark_beats(&det_samples, &owned, reference.as_ref(), fs);
    // Markers are judged over the whole record: "first on-time marker per beat" needs history.
    let all_markers: Vec<(u64, u64)> = strip
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Sync(m) => Some((m.sample, m.emitted)),
            _ => None,
        })
        .collect();
    let emitted: Vec<u64> = all_markers.iter().map(|m| m.1).collect();
    let marker_marks = mark_markers(&emitted, reference.as_ref(), fs);
    let total = strip.samples_mv.len() as u64;
    let page = Page {
        strip,
        fs,
        row_len,
        up_mm,
        down_mm,
        has_reference: strip.reference.is_some(),
        beats: det_samples.into_iter().zip(det_marks).collect(),
        annotations: shown_anns.into_iter().zip(ref_marks).collect(),
        markers: all_markers
            .into_iter()
            .zip(marker_marks)
            .filter(|((_, e), _)| *e >= from && *e < to)
            .map(|((s, e), m)| (s, e, m))
            .collect(),
        reference_shockable: reference_shockable_spans(annotations),
        timeline: rhythm_timeline(strip.events, total),
        sync: sync_periods(strip.events, total),
        quality: quality_periods(strip.events),
        has_decisions: strip.events.iter().any(|e| matches!(e, Event::Rhythm(_))),
    };

    let paper = Paper {
        px_per_mm: options.px_per_mm,
    };
    let width_mm = (LEFT_MM + page.row_width_mm().max(MIN_ROW_WIDTH_MM))
        .max(trace_legend_width_mm(page.has_reference))
        + RIGHT_MM;
    let height_mm = HEADER_MM + rows.len() as f64 * page.row_height_mm();
    let size = (
        paper.px(width_mm).max(1) as u32,
        paper.px(height_mm).max(1) as u32,
    );
    let mut svg = String::new();
    {
        let area = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        area.fill(&WHITE).map_err(draw_err)?;
        let c = Canvas { area: &area, paper };
        draw_header(&c, &page, from, to)?;
        for (i, &row) in rows.iter().enumerate() {
            let top = HEADER_MM + i as f64 * page.row_height_mm();
            draw_row(&c, &page, row, baselines[i].0, top)?;
        }
        area.present().map_err(draw_err)?;
    }
    Ok(svg)
}

fn draw_header(c: &Canvas<'_, '_>, page: &Page<'_>, from: u64, to: u64) -> Result<(), PlotError> {
    let s = page.strip;
    let title = format!(
        "{} · lead {} · {} – {} · 25 mm/s · 10 mm/mV",
        s.name,
        if s.lead_name.is_empty() {
            "?"
        } else {
            s.lead_name
        },
        report::clock(from, page.fs),
        report::clock(to, page.fs),
    );
    c.text(&title, 2.0, 4.5, 3.6, INK, HPos::Left, true)?;
    let grid_note = "small square 0.04 s × 0.1 mV, large square 0.2 s × 0.5 mV";
    c.text(
        grid_note,
        2.0 + text_width_mm(&title, 3.6) + 6.0,
        4.5,
        SMALL_FONT_MM,
        MUTED,
        HPos::Left,
        false,
    )?;

    // Legend, line 1: marks on the trace.
    let mut legend = Legend { x: 2.0, y: 11.0 };
    let y = legend.y;
    for (mark, label) in trace_marks(page.has_reference) {
        let draw = |c: &Canvas<'_, '_>, x: f64| match mark {
            TraceMark::Triangle(color) => c.polygon(
                &[(x, y - 1.4), (x + 2.4, y - 1.4), (x + 1.2, y + 1.4)],
                color,
            ),
            TraceMark::Tick(color) => {
                c.line(&[(x + 1.2, y - 1.5), (x + 1.2, y + 1.5)], color.into(), 2)
            }
            TraceMark::Letters(s, color, bold) => c.text(s, x, y, FONT_MM, color, HPos::Left, bold),
        };
        legend.wide_item(c, &draw, mark.width_mm(), label)?;
    }

    // Legend, line 2: the bands.
    let mut legend = Legend { x: 2.0, y: 16.5 };
    legend.heading(c, "advice:")?;
    legend.swatch(c, SHOCKABLE.into(), "shockable")?;
    legend.swatch(c, NONSHOCKABLE.into(), "non-shockable")?;
    legend.swatch(c, INDETERMINATE.into(), "indeterminate")?;
    legend.swatch(c, NO_DECISION.into(), "no decision yet")?;
    legend.heading(c, "sync:")?;
    legend.swatch(c, SYNC_AVAILABLE.into(), "available")?;
    legend.swatch(c, SYNC_WITHHELD.into(), "withheld")?;
    legend.x += 3.0;
    legend.swatch(c, QUALITY.mix(0.2), "poor signal")?;
    if page.has_reference {
        legend.swatch(c, REFERENCE_SHOCKABLE.into(), "reference VF/VT")?;
    }
    Ok(())
}

/// How a mark on the trace looks in the legend.
#[derive(Clone, Copy)]
enum TraceMark {
    /// A sync marker's triangle.
    Triangle(RGBColor),
    /// A detection's tick.
    Tick(RGBColor),
    /// A reference annotation's letters (text, colour, bold).
    Letters(&'static str, RGBColor, bool),
}

impl TraceMark {
    /// Width of the mark, mm.
    fn width_mm(self) -> f64 {
        match self {
            TraceMark::Triangle(_) | TraceMark::Tick(_) => 2.4,
            TraceMark::Letters(s, ..) => text_width_mm(s, FONT_MM),
        }
    }
}

/// The first legend line: the marks drawn on the trace, with their labels.
fn trace_marks(has_reference: bool) -> Vec<(TraceMark, &'static str)> {
    let mut marks = vec![(
        TraceMark::Triangle(MARKER_ON_TIME),
        "sync marker (at discharge)",
    )];
    if has_reference {
        marks.extend([
            (TraceMark::Triangle(MARKER_OFF_TIME), "off-time marker"),
            (TraceMark::Triangle(MARKER_T_WAVE), "T-wave marker (est.)"),
            (TraceMark::Triangle(MARKER_IN_VF), "marker in reference VF"),
        ]);
    }
    marks.push((TraceMark::Tick(DETECTION), "detected beat"));
    if has_reference {
        marks.extend([
            (TraceMark::Tick(FALSE_DETECTION), "false detection"),
            (TraceMark::Letters("N", MUTED, false), "reference beat"),
            (TraceMark::Letters("N", MISSED_TEXT, true), "missed beat"),
            (
                TraceMark::Letters("(VT", NOT_BEAT, true),
                "reference rhythm",
            ),
        ]);
    }
    marks
}

/// Width of the first legend line from the page's left edge, mm: the page is at least this
/// wide (plus its right margin), so that no item is cut off however short the rows.
fn trace_legend_width_mm(has_reference: bool) -> f64 {
    trace_marks(has_reference)
        .iter()
        .fold(Legend { x: 2.0, y: 0.0 }, |mut legend, &(mark, label)| {
            legend.advance(mark.width_mm(), label);
            legend
        })
        .x
        - LEGEND_GAP_MM
}

/// Space after each legend item, mm.
const LEGEND_GAP_MM: f64 = 5.0;

/// A line of the legend, filled from left to right.
struct Legend {
    x: f64,
    y: f64,
}

type Swatch<'f> = dyn Fn(&Canvas<'_, '_>, f64) -> Result<(), PlotError> + 'f;

impl Legend {
    fn wide_item(
        &mut self,
        c: &Canvas<'_, '_>,
        swatch: &Swatch<'_>,
        swatch_mm: f64,
        label: &str,
    ) -> Result<(), PlotError> {
        swatch(c, self.x)?;
        self.label(c, self.x + swatch_mm + 1.1, label)?;
        self.advance(swatch_mm, label);
        Ok(())
    }

    /// An item's label, from `x`.
    fn label(&self, c: &Canvas<'_, '_>, x: f64, label: &str) -> Result<(), PlotError> {
        c.text(label, x, self.y, SMALL_FONT_MM, INK, HPos::Left, false)
    }

    /// Move past an item whose swatch is `swatch_mm` wide.
    fn advance(&mut self, swatch_mm: f64, label: &str) {
        self.x += swatch_mm + 1.1 + text_width_mm(label, SMALL_FONT_MM) + LEGEND_GAP_MM;
    }

    fn swatch(
        &mut self,
        c: &Canvas<'_, '_>,
        color: RGBAColor,
        label: &str,
    ) -> Result<(), PlotError> {
        c.rect(self.x, self.y - 1.3, self.x + 5.0, self.y + 1.3, color)?;
        self.label(c, self.x + 6.0, label)?;
        self.x += 6.0 + text_width_mm(label, SMALL_FONT_MM) + LEGEND_GAP_MM;
        Ok(())
    }

    fn heading(&mut self, c: &Canvas<'_, '_>, label: &str) -> Result<(), PlotError> {
        c.text(label, self.x, self.y, SMALL_FONT_MM, INK, HPos::Left, true)?;
        self.x += text_width_mm(label, SMALL_FONT_MM) + 2.5;
        Ok(())
    }
}

/// One row of the strip: its samples and where each lane lies on the page, mm.
struct Row<'p, 's> {
    page: &'p Page<'s>,
    start: u64,
    end: u64,
    baseline_mv: f64,
    ref_top: f64,
    grid_top: f64,
    /// The baseline's height on the page.
    zero: f64,
    grid_bottom: f64,
    detection_y: f64,
    time_y: f64,
    band_top: f64,
    sync_top: f64,
}

impl<'p, 's> Row<'p, 's> {
    fn new(page: &'p Page<'s>, (start, end): (u64, u64), baseline_mv: f64, top_mm: f64) -> Self {
        let grid_top = top_mm + if page.has_reference { REF_LANE_MM } else { 0.0 };
        let zero = grid_top + page.up_mm;
        let grid_bottom = zero + page.down_mm;
        let band_top = grid_bottom + DETECTION_LANE_MM + TIME_LANE_MM;
        Row {
            page,
            start,
            end,
            baseline_mv,
            ref_top: top_mm,
            grid_top,
            zero,
            grid_bottom,
            detection_y: grid_bottom + DETECTION_LANE_MM / 2.0,
            time_y: grid_bottom + DETECTION_LANE_MM + TIME_LANE_MM / 2.0,
            band_top,
            sync_top: band_top + BAND_MM + 0.6,
        }
    }

    fn x(&self, sample: u64) -> f64 {
        LEFT_MM + (sample as f64 - self.start as f64) * Paper::mm_per_sample(self.page.fs)
    }

    /// Height on the page of a value in mV, clipped to the grid.
    fn y(&self, mv: f64) -> f64 {
        let mm = (mv - self.baseline_mv) * GAIN_MM_PER_MV;
        self.zero - mm.clamp(-self.page.down_mm, self.page.up_mm)
    }

    fn width(&self) -> f64 {
        self.x(self.end) - LEFT_MM
    }

    fn contains(&self, sample: u64) -> bool {
        sample >= self.start && sample < self.end
    }

    /// The part of `[from, until)` inside the row, if any.
    fn clip(&self, from: u64, until: u64) -> Option<(u64, u64)> {
        let (s, e) = (from.max(self.start), until.min(self.end));
        (s < e).then_some((s, e))
    }

    fn samples(&self, from: u64, until: u64) -> &'s [f32] {
        &self.page.strip.samples_mv[from as usize..until as usize]
    }
}

/// A lane's name in the left margin.
fn lane_name(
    c: &Canvas<'_, '_>,
    name: &str,
    y: f64,
    color: RGBColor,
    bold: bool,
) -> Result<(), PlotError> {
    c.text(name, 1.0, y, SMALL_FONT_MM, color, HPos::Left, bold)
}

fn draw_row(
    c: &Canvas<'_, '_>,
    page: &Page<'_>,
    range: (u64, u64),
    baseline_mv: f64,
    top_mm: f64,
) -> Result<(), PlotError> {
    let row = Row::new(page, range, baseline_mv, top_mm);
    draw_grid(c, &row)?;
    draw_quality(c, &row)?;
    draw_errors(c, &row)?;
    draw_trace(c, &row)?;
    draw_markers(c, &row)?;
    if page.has_reference {
        draw_reference_lane(c, &row)?;
    }
    draw_detections_and_time(c, &row)?;
    draw_advice_band(c, &row)?;
    draw_sync_lane(c, &row)
}

/// The paper grid, its amplitude labels on every whole millivolt and the 1 mV calibration pulse.
fn draw_grid(c: &Canvas<'_, '_>, row: &Row<'_, '_>) -> Result<(), PlotError> {
    let (page, zero) = (row.page, row.zero);
    let right = LEFT_MM + row.width();
    c.rect(LEFT_MM, row.grid_top, right, row.grid_bottom, PAPER.into())?;
    let h_lines = horizontal_lines(page.up_mm, page.down_mm);
    let v_lines = vertical_lines(row.width());
    for major in [false, true] {
        let color: RGBAColor = if major { GRID_MAJOR } else { GRID_MINOR }.into();
        for &(mm, _) in h_lines.iter().filter(|l| l.1 == major) {
            c.line(&[(LEFT_MM, zero - mm), (right, zero - mm)], color, 1)?;
        }
        for &(mm, _) in v_lines.iter().filter(|l| l.1 == major) {
            let x = LEFT_MM + mm;
            c.line(&[(x, row.grid_top), (x, row.grid_bottom)], color, 1)?;
        }
    }
    for &(mm, _) in &h_lines {
        let mv = row.baseline_mv + mm / GAIN_MM_PER_MV;
        if (mv - mv.round()).abs() < 1e-6 && mm > -page.down_mm + 1.0 {
            let label = if mm + GAIN_MM_PER_MV > page.up_mm {
                format!("{mv:.0} mV")
            } else {
                format!("{mv:.0}")
            };
            let y = zero - mm;
            c.text(
                &label,
                LEFT_MM - 1.0,
                y,
                SMALL_FONT_MM,
                MUTED,
                HPos::Right,
                false,
            )?;
        }
    }
    let (x, top) = (LEFT_MM - 13.0, zero - GAIN_MM_PER_MV);
    let pulse = [
        (x - 2.0, zero),
        (x, zero),
        (x, top),
        (x + MAJOR_MM, top),
        (x + MAJOR_MM, zero),
        (x + MAJOR_MM + 2.0, zero),
    ];
    c.line(&pulse, CALIBRATION.into(), 2)
}

/// Shaded periods of poor signal quality, named when there is room.
fn draw_quality(c: &Canvas<'_, '_>, row: &Row<'_, '_>) -> Result<(), PlotError> {
    for q in &row.page.quality {
        let Some((s, e)) = row.clip(q.start, q.end.unwrap_or(u64::MAX)) else {
            continue;
        };
        let (x0, x1) = (row.x(s), row.x(e));
        c.rect(x0, row.grid_top, x1, row.grid_bottom, QUALITY.mix(0.2))?;
        let label = issue_name(q.issue);
        if x1 - x0 > text_width_mm(label, SMALL_FONT_MM) + 2.0 {
            let y = row.grid_top + 2.0;
            c.text(label, x0 + 1.0, y, SMALL_FONT_MM, INK, HPos::Left, true)?;
        }
    }
    Ok(())
}

/// Dashed lines through the grid at missed reference beats and false detections.
fn draw_errors(c: &Canvas<'_, '_>, row: &Row<'_, '_>) -> Result<(), PlotError> {
    let (top, bottom) = (row.grid_top, row.grid_bottom);
    for (a, m) in &row.page.annotations {
        if *m == ReferenceMark::Missed && row.contains(a.sample) {
            c.dashed_vertical(row.x(a.sample), top, bottom, MISSED_LINE.mix(0.7))?;
        }
    }
    for &(s, m) in &row.page.beats {
        if m == DetectionMark::False && row.contains(s) {
            c.dashed_vertical(row.x(s), top, bottom, FALSE_DETECTION.mix(0.7))?;
        }
    }
    Ok(())
}

/// The ECG trace, broken where samples are missing.
fn draw_trace(c: &Canvas<'_, '_>, row: &Row<'_, '_>) -> Result<(), PlotError> {
    let mut run: Vec<(f64, f64)> = Vec::new();
    for (i, &v) in row.samples(row.start, row.end).iter().enumerate() {
        if v.is_finite() {
            run.push((row.x(row.start + i as u64), row.y(f64::from(v))));
        } else if !run.is_empty() {
            c.line(&std::mem::take(&mut run), TRACE.into(), 2)?;
        }
    }
    if !run.is_empty() {
        c.line(&run, TRACE.into(), 2)?;
    }
    Ok(())
}

/// Sync markers: a downward arrow just above the R wave, at the discharge moment.
fn draw_markers(c: &Canvas<'_, '_>, row: &Row<'_, '_>) -> Result<(), PlotError> {
    let page = row.page;
    let window = (MARKER_PEAK_SEARCH_S * page.fs) as u64;
    for &(sample, emitted, mark) in &page.markers {
        if !row.contains(emitted) {
            continue;
        }
        let lo = sample.min(emitted).saturating_sub(window).max(row.start);
        let hi = (emitted + window).min(row.end);
        let peak_mv = row
            .samples(lo, hi)
            .iter()
            .filter(|v| v.is_finite())
            .map(|&v| f64::from(v))
            .fold(f64::NEG_INFINITY, f64::max);
        let peak_mm = if peak_mv.is_finite() {
            (peak_mv - row.baseline_mv) * GAIN_MM_PER_MV
        } else {
            0.0
        };
        let tip = row.zero - (peak_mm + 1.2).min(page.up_mm - 3.4);
        let x = row.x(emitted);
        let color = match mark {
            MarkerMark::OnTime | MarkerMark::Unscored => MARKER_ON_TIME,
            MarkerMark::OffTime => MARKER_OFF_TIME,
            MarkerMark::TWave => MARKER_T_WAVE,
            MarkerMark::InVf => MARKER_IN_VF,
        };
        c.polygon(
            &[(x - 1.3, tip - 3.0), (x + 1.3, tip - 3.0), (x, tip)],
            color,
        )?;
    }
    Ok(())
}

/// The reference lane: VF/VT tint, rhythm changes above, beat labels below (missed ones red).
fn draw_reference_lane(c: &Canvas<'_, '_>, row: &Row<'_, '_>) -> Result<(), PlotError> {
    let top = row.ref_top;
    for &(s, e) in &row.page.reference_shockable {
        if let Some((s, e)) = row.clip(s, e) {
            let color = REFERENCE_SHOCKABLE.into();
            c.rect(row.x(s), top + 0.3, row.x(e), row.grid_top - 0.3, color)?;
        }
    }
    lane_name(c, "REF", top + REF_LANE_MM * 0.65, MUTED, false)?;
    let beat_y = top + REF_LANE_MM * 0.68;
    for (a, m) in &row.page.annotations {
        if !row.contains(a.sample) {
            continue;
        }
        let x = row.x(a.sample);
        match m {
            ReferenceMark::NotBeat => {
                let aux = a.aux.as_deref().map(|s| s.trim_end_matches('\0').trim());
                let label = aux.filter(|s| !s.is_empty()).unwrap_or(a.symbol());
                c.text(
                    label,
                    x,
                    top + 2.0,
                    SMALL_FONT_MM,
                    NOT_BEAT,
                    HPos::Center,
                    true,
                )?;
            }
            ReferenceMark::Missed => c.text(
                a.symbol(),
                x,
                beat_y,
                FONT_MM,
                MISSED_TEXT,
                HPos::Center,
                true,
            )?,
            ReferenceMark::Detected | ReferenceMark::Unscored => {
                c.text(a.symbol(), x, beat_y, FONT_MM, MUTED, HPos::Center, false)?
            }
        }
    }
    Ok(())
}

/// Detected beats under the grid, time labels every second, and the row's heart rate.
fn draw_detections_and_time(c: &Canvas<'_, '_>, row: &Row<'_, '_>) -> Result<(), PlotError> {
    let (fs, y) = (row.page.fs, row.detection_y);
    lane_name(c, "QRS", y, MUTED, false)?;
    let mut row_beats = Vec::new();
    for &(s, m) in &row.page.beats {
        if !row.contains(s) {
            continue;
        }
        row_beats.push(s);
        let color = if m == DetectionMark::False {
            FALSE_DETECTION
        } else {
            DETECTION
        };
        c.line(&[(row.x(s), y - 1.5), (row.x(s), y + 1.5)], color.into(), 2)?;
    }
    let mut t = (row.start as f64 / fs).ceil();
    while t * fs < row.end as f64 {
        let x = LEFT_MM + (t * fs - row.start as f64) * Paper::mm_per_sample(fs);
        let label = report::clock((t * fs).round() as u64, fs);
        let label = label.trim_end_matches(".0");
        c.text(
            label,
            x,
            row.time_y,
            SMALL_FONT_MM,
            INK,
            HPos::Center,
            false,
        )?;
        t += 1.0;
    }
    if let Some(hr) = heart_rate(&row_beats, fs) {
        lane_name(c, &format!("HR {:.0}", hr.mean_bpm), row.time_y, INK, true)?;
    }
    Ok(())
}

/// The rhythm decisions, placed where they were issued, with a tick per decision.
fn draw_advice_band(c: &Canvas<'_, '_>, row: &Row<'_, '_>) -> Result<(), PlotError> {
    let page = row.page;
    let (top, bottom) = (row.band_top, row.band_top + BAND_MM);
    lane_name(c, "ADVICE", top + BAND_MM / 2.0, MUTED, false)?;
    let first_decision = page.timeline.first().map_or(u64::MAX, |s| s.from);
    if let Some((s, e)) = row.clip(0, first_decision) {
        let (x0, x1) = (row.x(s), row.x(e));
        c.rect(x0, top, x1, bottom, NO_DECISION.into())?;
        let label = if page.has_decisions {
            "no decision yet"
        } else {
            "no rhythm decisions from the engine"
        };
        band_label(c, &[label], x0, x1, top, INK)?;
    }
    for seg in &page.timeline {
        let Some((s, e)) = row.clip(seg.from, seg.until) else {
            continue;
        };
        let (color, ink) = match seg.decision {
            Decision::Shockable => (SHOCKABLE, WHITE_INK),
            Decision::Nonshockable => (NONSHOCKABLE, WHITE_INK),
            _ => (INDETERMINATE, INK),
        };
        let (x0, x1) = (row.x(s), row.x(e));
        c.rect(x0, top, x1, bottom, color.into())?;
        c.line(&[(x0, top), (x0, bottom)], WHITE_INK.into(), 1)?;
        // The class and heart rate of the decisions issued within this piece of the row, so a
        // long segment shows how the rhythm evolves row by row.
        let piece: Vec<&RhythmEvent> = page
            .strip
            .events
            .iter()
            .filter_map(|event| match event {
                Event::Rhythm(r) if r.emitted >= s && r.emitted < e => Some(r),
                _ => None,
            })
            .collect();
        let rates: Vec<f64> = piece
            .iter()
            .filter_map(|r| r.hr_bpm)
            .filter(|h| h.is_finite())
            .map(f64::from)
            .collect();
        let rate = if rates.is_empty() {
            seg.rate.map(|r| r.mean_bpm)
        } else {
            Some(rates.iter().sum::<f64>() / rates.len() as f64)
        };
        let dominant = report::ranked(piece.iter().map(|r| r.class))
            .first()
            .map(|c| c.0);
        let class = class_name(dominant.unwrap_or(seg.class));
        let detail = match (seg.decision, seg.reason, rate) {
            (Decision::Indeterminate, Some(r), _) => issue_name(r).to_string(),
            (_, _, Some(bpm)) => format!("{class} · {bpm:.0} bpm"),
            _ => class.to_string(),
        };
        let long = format!("{} · {detail}", advice_text(seg.decision));
        band_label(c, &[&long, &detail, class], x0, x1, top, ink)?;
    }
    for e in page.strip.events {
        if let Event::Rhythm(r) = e {
            if row.contains(r.emitted) {
                let x = row.x(r.emitted);
                c.line(&[(x, bottom - 1.0), (x, bottom)], WHITE_INK.into(), 1)?;
            }
        }
    }
    Ok(())
}

/// The sync gate's state: available (blue) or withheld (grey, with the reason).
fn draw_sync_lane(c: &Canvas<'_, '_>, row: &Row<'_, '_>) -> Result<(), PlotError> {
    let (top, mid) = (row.sync_top, row.sync_top + SYNC_LANE_MM / 2.0);
    lane_name(c, "SYNC", mid, MUTED, false)?;
    for p in &row.page.sync {
        let Some((s, e)) = row.clip(p.from, p.until) else {
            continue;
        };
        let color = if p.available {
            SYNC_AVAILABLE
        } else {
            SYNC_WITHHELD
        };
        let (x0, x1) = (row.x(s), row.x(e));
        c.rect(x0, top, x1, top + SYNC_LANE_MM, color.into())?;
        if !p.available {
            let label = format!("withheld: {}", sync_reason_name(p.reason));
            if x1 - x0 > text_width_mm(&label, SMALL_FONT_MM) + 2.0 {
                c.text(&label, x0 + 1.0, mid, SMALL_FONT_MM, INK, HPos::Left, false)?;
            }
        }
    }
    Ok(())
}

/// The first of `labels` that fits between `x0` and `x1`, centred in the band.
fn band_label(
    c: &Canvas<'_, '_>,
    labels: &[&str],
    x0: f64,
    x1: f64,
    band_top: f64,
    ink: RGBColor,
) -> Result<(), PlotError> {
    if let Some(l) = labels
        .iter()
        .find(|l| text_width_mm(l, FONT_MM) + 2.0 < x1 - x0)
    {
        c.text(
            l,
            (x0 + x1) / 2.0,
            band_top + BAND_MM / 2.0,
            FONT_MM,
            ink,
            HPos::Center,
            true,
        )?;
    }
    Ok(())
}
