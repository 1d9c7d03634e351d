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
use crate::event::{Decision, Event};
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
    let width_mm = LEFT_MM + page.row_width_mm().max(MIN_ROW_WIDTH_MM) + RIGHT_MM;
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
    let triangle = |color: RGBColor| {
        move |c: &Canvas<'_, '_>, x: f64| {
            c.polygon(
                &[(x, y - 1.4), (x + 2.4, y - 1.4), (x + 1.2, y + 1.4)],
                color,
            )
        }
    };
    let tick = |color: RGBColor| {
        move |c: &Canvas<'_, '_>, x: f64| {
            c.line(&[(x + 1.2, y - 1.5), (x + 1.2, y + 1.5)], color.into(), 2)
        }
    };
    let letter = |s: &'static str, color: RGBColor, bold: bool| {
        move |c: &Canvas<'_, '_>, x: f64| c.text(s, x, y, FONT_MM, color, HPos::Left, bold)
    };
    legend.item(c, &triangle(MARKER_ON_TIME), "sync marker (at discharge)")?;
    if page.has_reference {
        legend.item(c, &triangle(MARKER_OFF_TIME), "off-time marker")?;
        legend.item(c, &triangle(MARKER_IN_VF), "marker in reference VF")?;
    }
    legend.item(c, &tick(DETECTION), "detected beat")?;
    if page.has_reference {
        legend.item(c, &tick(FALSE_DETECTION), "false detection")?;
        legend.item(c, &letter("N", MUTED, false), "reference beat")?;
        legend.item(c, &letter("N", MISSED_TEXT, true), "missed beat")?;
        legend.wide_item(
            c,
            &letter("(VT", NOT_BEAT, true),
            text_width_mm("(VT", FONT_MM),
            "reference rhythm",
        )?;
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

/// A line of the legend, filled from left to right.
struct Legend {
    x: f64,
    y: f64,
}

type Swatch<'f> = dyn Fn(&Canvas<'_, '_>, f64) -> Result<(), PlotError> + 'f;

impl Legend {
    fn item(
        &mut self,
        c: &Canvas<'_, '_>,
        swatch: &Swatch<'_>,
        label: &str,
    ) -> Result<(), PlotError> {
        self.wide_item(c, swatch, 2.4, label)
    }

    fn wide_item(
        &mut self,
        c: &Canvas<'_, '_>,
        swatch: &Swatch<'_>,
        swatch_mm: f64,
        label: &str,
    ) -> Result<(), PlotError> {
        swatch(c, self.x)?;
        let x = self.x + swatch_mm + 1.1;
        c.text(label, x, self.y, SMALL_FONT_MM, INK, HPos::Left, false)?;
        self.x = x + text_width_mm(label, SMALL_FONT_MM) + 5.0;
        Ok(())
    }

    fn swatch(
        &mut self,
        c: &Canvas<'_, '_>,
        color: RGBAColor,
        label: &str,
    ) -> Result<(), PlotError> {
        c.rect(self.x, self.y - 1.3, self.x + 5.0, self.y + 1.3, color)?;
        c.text(
            label,
            self.x + 6.0,
            self.y,
            SMALL_FONT_MM,
            INK,
            HPos::Left,
            false,
        )?;
        self.x += 6.0 + text_width_mm(label, SMALL_FONT_MM) + 5.0;
        Ok(())
    }

    fn heading(&mut self, c: &Canvas<'_, '_>, label: &str) -> Result<(), PlotError> {
        c.text(label, self.x, self.y, SMALL_FONT_MM, INK, HPos::Left, true)?;
        self.x += text_width_mm(label, SMALL_FONT_MM) + 2.5;
        Ok(())
    }
}

fn draw_row(
    c: &Canvas<'_, '_>,
    page: &Page<'_>,
    (start, end): (u64, u64),
    baseline_mv: f64,
    top_mm: f64,
) -> Result<(), PlotError> {
    let fs = page.fs;
    let mm_per_sample = Paper::mm_per_sample(fs);
    let x_of = |s: u64| LEFT_MM + (s as f64 - start as f64) * mm_per_sample;
    let width = (end - start) as f64 * mm_per_sample;
    let ref_top = top_mm;
    let grid_top = top_mm + if page.has_reference { REF_LANE_MM } else { 0.0 };
    let zero = grid_top + page.up_mm;
    let grid_bottom = zero + page.down_mm;
    let y_of = |mv: f64| {
        let mm = (mv - baseline_mv) * GAIN_MM_PER_MV;
        zero - mm.clamp(-page.down_mm, page.up_mm)
    };
    let det_y = grid_bottom + DETECTION_LANE_MM / 2.0;
    let time_y = grid_bottom + DETECTION_LANE_MM + TIME_LANE_MM / 2.0;
    let band_top = grid_bottom + DETECTION_LANE_MM + TIME_LANE_MM;
    let sync_top = band_top + BAND_MM + 0.6;
    let in_row = |s: u64| s >= start && s < end;

    // Grid.
    c.rect(
        LEFT_MM,
        grid_top,
        LEFT_MM + width,
        grid_bottom,
        PAPER.into(),
    )?;
    let h_lines = horizontal_lines(page.up_mm, page.down_mm);
    let v_lines = vertical_lines(width);
    for major in [false, true] {
        let color: RGBAColor = if major { GRID_MAJOR } else { GRID_MINOR }.into();
        for &(mm, m) in h_lines.iter().filter(|l| l.1 == major) {
            let _ = m;
            c.line(
                &[(LEFT_MM, zero - mm), (LEFT_MM + width, zero - mm)],
                color,
                1,
            )?;
        }
        for &(mm, _) in v_lines.iter().filter(|l| l.1 == major) {
            c.line(
                &[(LEFT_MM + mm, grid_top), (LEFT_MM + mm, grid_bottom)],
                color,
                1,
            )?;
        }
    }
    // Amplitude labels on every whole millivolt, and the 1 mV calibration pulse.
    for &(mm, _) in &h_lines {
        let mv = baseline_mv + mm / GAIN_MM_PER_MV;
        if (mv - mv.round()).abs() < 1e-6 && mm > -page.down_mm + 1.0 {
            let label = if mm + GAIN_MM_PER_MV > page.up_mm {
                format!("{:.0} mV", mv)
            } else {
                format!("{:.0}", mv)
            };
            c.text(
                &label,
                LEFT_MM - 1.0,
                zero - mm,
                SMALL_FONT_MM,
                MUTED,
                HPos::Right,
                false,
            )?;
        }
    }
    let cal_x = LEFT_MM - 13.0;
    let cal_top = zero - GAIN_MM_PER_MV;
    c.line(
        &[
            (cal_x - 2.0, zero),
            (cal_x, zero),
            (cal_x, cal_top),
            (cal_x + MAJOR_MM, cal_top),
            (cal_x + MAJOR_MM, zero),
            (cal_x + MAJOR_MM + 2.0, zero),
        ],
        CALIBRATION.into(),
        2,
    )?;

    // Poor-signal periods.
    for q in &page.quality {
        let qs = q.start.max(start);
        let qe = q.end.unwrap_or(u64::MAX).min(end);
        if qs < qe {
            c.rect(x_of(qs), grid_top, x_of(qe), grid_bottom, QUALITY.mix(0.2))?;
            let label = issue_name(q.issue);
            if x_of(qe) - x_of(qs) > text_width_mm(label, SMALL_FONT_MM) + 2.0 {
                c.text(
                    label,
                    x_of(qs) + 1.0,
                    grid_top + 2.0,
                    SMALL_FONT_MM,
                    INK,
                    HPos::Left,
                    true,
                )?;
            }
        }
    }

    // Dashed lines through the grid at misses and false detections.
    for (a, m) in &page.annotations {
        if *m == ReferenceMark::Missed && in_row(a.sample) {
            c.dashed_vertical(x_of(a.sample), grid_top, grid_bottom, MISSED_LINE.mix(0.7))?;
        }
    }
    for &(s, m) in &page.beats {
        if m == DetectionMark::False && in_row(s) {
            c.dashed_vertical(x_of(s), grid_top, grid_bottom, FALSE_DETECTION.mix(0.7))?;
        }
    }

    // The trace, broken where samples are missing.
    let samples = &page.strip.samples_mv[start as usize..end as usize];
    let mut run: Vec<(f64, f64)> = Vec::new();
    let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
    for (i, &v) in samples.iter().enumerate() {
        if v.is_finite() {
            run.push((x_of(start + i as u64), y_of(f64::from(v))));
        } else if !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
    }
    if !run.is_empty() {
        runs.push(run);
    }
    for r in runs {
        c.line(&r, TRACE.into(), 2)?;
    }

    // Sync markers: a downward arrow just above the R wave, at the discharge moment.
    let window = (0.06 * fs) as u64;
    for &(sample, emitted, mark) in &page.markers {
        if !in_row(emitted) {
            continue;
        }
        let lo = sample.min(emitted).saturating_sub(window).max(start);
        let hi = (emitted + window).min(end);
        let peak_mm = page.strip.samples_mv[lo as usize..hi as usize]
            .iter()
            .filter(|v| v.is_finite())
            .map(|&v| (f64::from(v) - baseline_mv) * GAIN_MM_PER_MV)
            .fold(f64::NEG_INFINITY, f64::max);
        let peak_mm = if peak_mm.is_finite() { peak_mm } else { 0.0 };
        let tip = zero - (peak_mm + 1.2).min(page.up_mm - 3.4);
        let x = x_of(emitted);
        let color = match mark {
            MarkerMark::OnTime | MarkerMark::Unscored => MARKER_ON_TIME,
            MarkerMark::OffTime => MARKER_OFF_TIME,
            MarkerMark::InVf => MARKER_IN_VF,
        };
        c.polygon(
            &[(x - 1.3, tip - 3.0), (x + 1.3, tip - 3.0), (x, tip)],
            color,
        )?;
    }

    // Reference lane.
    if page.has_reference {
        for &(s, e) in &page.reference_shockable {
            let (s, e) = (s.max(start), e.min(end));
            if s < e {
                c.rect(
                    x_of(s),
                    ref_top + 0.3,
                    x_of(e),
                    grid_top - 0.3,
                    REFERENCE_SHOCKABLE.into(),
                )?;
            }
        }
        c.text(
            "REF",
            1.0,
            ref_top + REF_LANE_MM * 0.65,
            SMALL_FONT_MM,
            MUTED,
            HPos::Left,
            false,
        )?;
        for (a, m) in &page.annotations {
            if !in_row(a.sample) {
                continue;
            }
            let x = x_of(a.sample);
            match m {
                ReferenceMark::NotBeat => {
                    let label = match &a.aux {
                        Some(aux) if !aux.trim_end_matches('\0').trim().is_empty() => {
                            aux.trim_end_matches('\0').trim().to_string()
                        }
                        _ => a.symbol().to_string(),
                    };
                    c.text(
                        &label,
                        x,
                        ref_top + 2.0,
                        SMALL_FONT_MM,
                        NOT_BEAT,
                        HPos::Center,
                        true,
                    )?;
                }
                ReferenceMark::Missed => c.text(
                    a.symbol(),
                    x,
                    ref_top + REF_LANE_MM * 0.68,
                    FONT_MM,
                    MISSED_TEXT,
                    HPos::Center,
                    true,
                )?,
                ReferenceMark::Detected | ReferenceMark::Unscored => c.text(
                    a.symbol(),
                    x,
                    ref_top + REF_LANE_MM * 0.68,
                    FONT_MM,
                    MUTED,
                    HPos::Center,
                    false,
                )?,
            }
        }
    }

    // Detected beats.
    c.text("QRS", 1.0, det_y, SMALL_FONT_MM, MUTED, HPos::Left, false)?;
    let mut row_beats = Vec::new();
    for &(s, m) in &page.beats {
        if !in_row(s) {
            continue;
        }
        row_beats.push(s);
        let color = if m == DetectionMark::False {
            FALSE_DETECTION
        } else {
            DETECTION
        };
        c.line(
            &[(x_of(s), det_y - 1.5), (x_of(s), det_y + 1.5)],
            color.into(),
            2,
        )?;
    }

    // Time labels every second, and the row's heart rate from the detected beats.
    let first_s = (start as f64 / fs).ceil() as u64;
    let mut t = first_s;
    while (t as f64) * fs < end as f64 {
        let x = LEFT_MM + (t as f64 * fs - start as f64) * mm_per_sample;
        let label = report::clock((t as f64 * fs).round() as u64, fs);
        let label = label.trim_end_matches(".0");
        c.text(label, x, time_y, SMALL_FONT_MM, INK, HPos::Center, false)?;
        t += 1;
    }
    if let Some(hr) = heart_rate(&row_beats, fs) {
        c.text(
            &format!("HR {:.0}", hr.mean_bpm),
            1.0,
            time_y,
            SMALL_FONT_MM,
            INK,
            HPos::Left,
            true,
        )?;
    }

    // Rhythm decisions, placed where they were issued.
    c.text(
        "ADVICE",
        1.0,
        band_top + BAND_MM / 2.0,
        SMALL_FONT_MM,
        MUTED,
        HPos::Left,
        false,
    )?;
    let band_bottom = band_top + BAND_MM;
    let first_decision = page.timeline.first().map_or(end, |s| s.from);
    let undecided_end = first_decision.clamp(start, end);
    if undecided_end > start {
        c.rect(
            x_of(start),
            band_top,
            x_of(undecided_end),
            band_bottom,
            NO_DECISION.into(),
        )?;
        let label = if page.has_decisions {
            "no decision yet"
        } else {
            "no rhythm decisions from the engine"
        };
        band_label(c, &[label], x_of(start), x_of(undecided_end), band_top, INK)?;
    }
    for seg in &page.timeline {
        let (s, e) = (seg.from.max(start), seg.until.min(end));
        if s >= e {
            continue;
        }
        let (color, ink) = match seg.decision {
            Decision::Shockable => (SHOCKABLE, WHITE_INK),
            Decision::Nonshockable => (NONSHOCKABLE, WHITE_INK),
            _ => (INDETERMINATE, INK),
        };
        let (x0, x1) = (x_of(s), x_of(e));
        c.rect(x0, band_top, x1, band_bottom, color.into())?;
        c.line(&[(x0, band_top), (x0, band_bottom)], WHITE_INK.into(), 1)?;
        // The heart rate of the decisions issued within this piece of the row, so a long
        // segment shows how the rate evolves row by row.
        let piece_rates: Vec<f64> = page
            .strip
            .events
            .iter()
            .filter_map(|event| match event {
                Event::Rhythm(r) if r.emitted >= s && r.emitted < e => r.hr_bpm,
                _ => None,
            })
            .filter(|h| h.is_finite())
            .map(f64::from)
            .collect();
        let rate = if piece_rates.is_empty() {
            seg.rate.map(|r| r.mean_bpm)
        } else {
            Some(piece_rates.iter().sum::<f64>() / piece_rates.len() as f64)
        };
        let class = class_name(seg.class);
        let detail = match (seg.decision, seg.reason, rate) {
            (Decision::Indeterminate, Some(r), _) => issue_name(r).to_string(),
            (_, _, Some(bpm)) => format!("{class} · {bpm:.0} bpm"),
            _ => class.to_string(),
        };
        let long = format!("{} · {detail}", advice_text(seg.decision));
        band_label(c, &[&long, &detail, class], x0, x1, band_top, ink)?;
    }

    // A small tick at the bottom of the band for every decision issued in the row.
    for e in page.strip.events {
        if let Event::Rhythm(r) = e {
            if in_row(r.emitted) {
                let x = x_of(r.emitted);
                c.line(
                    &[(x, band_bottom - 1.0), (x, band_bottom)],
                    WHITE_INK.into(),
                    1,
                )?;
            }
        }
    }

    // Sync gate.
    c.text(
        "SYNC",
        1.0,
        sync_top + SYNC_LANE_MM / 2.0,
        SMALL_FONT_MM,
        MUTED,
        HPos::Left,
        false,
    )?;
    for p in &page.sync {
        let (s, e) = (p.from.max(start), p.until.min(end));
        if s >= e {
            continue;
        }
        let color = if p.available {
            SYNC_AVAILABLE
        } else {
            SYNC_WITHHELD
        };
        let (x0, x1) = (x_of(s), x_of(e));
        c.rect(x0, sync_top, x1, sync_top + SYNC_LANE_MM, color.into())?;
        if !p.available {
            let label = format!("withheld: {}", sync_reason_name(p.reason));
            if x1 - x0 > text_width_mm(&label, SMALL_FONT_MM) + 2.0 {
                c.text(
                    &label,
                    x0 + 1.0,
                    sync_top + SYNC_LANE_MM / 2.0,
                    SMALL_FONT_MM,
                    INK,
                    HPos::Left,
                    false,
                )?;
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
