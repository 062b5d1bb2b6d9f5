//! Inline SVG charts for the dashboard: drawn here, with no script and no external asset, so the
//! page works air-gapped and prints well.

use std::fmt::Write;

use crate::html::escape;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 48.0;
/// Room right of the last point for half of its (centred) x label.
const RIGHT: f64 = 28.0;
const BOTTOM: f64 = 28.0;
const TOP: f64 = 12.0;
/// The width of a character of the charts' 11px text, generously (wide letters, digits): what
/// labels are given room by.
const CHAR_WIDTH: f64 = 7.0;

/// How wide `text` may be drawn, at most (see `CHAR_WIDTH`).
fn text_width(text: &str) -> f64 {
    text.chars().count() as f64 * CHAR_WIDTH
}

/// A named series of a line chart.
pub struct Line<'a> {
    pub name: &'a str,
    pub colour: &'a str,
    pub values: Vec<f64>,
}

/// A round axis maximum at or above `max` (1, 2 or 5 times a power of ten).
fn axis_max(max: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let power = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|step| step * power)
        .find(|candidate| *candidate >= max)
        .unwrap_or(10.0 * power)
}

fn number(value: f64) -> String {
    if value >= 10.0 || value == value.round() {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

/// Horizontal grid lines with their values, and the x labels given (index, text).
fn frame(svg: &mut String, max: f64, labels: &[(usize, String)], points: usize) {
    let plot_height = HEIGHT - TOP - BOTTOM;
    for step in 0..=4 {
        let value = max * f64::from(step) / 4.0;
        let y = TOP + plot_height * (1.0 - f64::from(step) / 4.0);
        let _ = write!(
            svg,
            "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" class=\"grid\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" class=\"axis\" text-anchor=\"end\">{}</text>",
            WIDTH - RIGHT,
            LEFT - 6.0,
            y + 4.0,
            number(value)
        );
    }
    for (index, text) in labels {
        let x = x_of(*index, points);
        let _ = write!(
            svg,
            "<text x=\"{x:.1}\" y=\"{:.1}\" class=\"axis\" text-anchor=\"middle\">{}</text>",
            HEIGHT - 8.0,
            escape(text)
        );
    }
}

fn x_of(index: usize, points: usize) -> f64 {
    let span = WIDTH - LEFT - RIGHT;
    if points <= 1 {
        LEFT + span / 2.0
    } else {
        LEFT + span * index as f64 / (points - 1) as f64
    }
}

fn y_of(value: f64, max: f64) -> f64 {
    TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - value / max)
}

/// About six evenly spread labels of `labels`.
fn spread(labels: &[String]) -> Vec<(usize, String)> {
    let every = labels.len().div_ceil(6).max(1);
    labels
        .iter()
        .enumerate()
        .filter(|(index, _)| index % every == 0 || *index + 1 == labels.len())
        .map(|(index, text)| (index, text.clone()))
        .collect()
}

/// Lines over shared x labels, with a legend.
pub fn lines(title: &str, labels: &[String], lines: &[Line<'_>]) -> String {
    let max = axis_max(
        lines
            .iter()
            .flat_map(|line| line.values.iter().copied())
            .fold(0.0, f64::max),
    );
    let mut svg = format!(
        "<svg viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"{}\">",
        escape(title)
    );
    frame(&mut svg, max, &spread(labels), labels.len());
    for line in lines {
        let points: Vec<String> = line
            .values
            .iter()
            .enumerate()
            .map(|(index, value)| {
                format!("{:.1},{:.1}", x_of(index, labels.len()), y_of(*value, max))
            })
            .collect();
        let _ = write!(
            svg,
            "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"><title>{}</title></polyline>",
            escape(line.colour),
            points.join(" "),
            escape(line.name)
        );
    }
    svg.push_str("</svg><p class=\"legend\">");
    for line in lines {
        let _ = write!(
            svg,
            "<span><i style=\"background:{}\"></i>{}</span>",
            escape(line.colour),
            escape(line.name)
        );
    }
    svg.push_str("</p>");
    svg
}

/// Vertical bars, one per label.
pub fn columns(title: &str, colour: &str, bars: &[(String, f64)]) -> String {
    let max = axis_max(bars.iter().map(|(_, value)| *value).fold(0.0, f64::max));
    let mut svg = format!(
        "<svg viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"{}\">",
        escape(title)
    );
    let labels: Vec<String> = bars.iter().map(|(label, _)| label.clone()).collect();
    frame(&mut svg, max, &spread(&labels), bars.len());
    let span = WIDTH - LEFT - RIGHT;
    let width = (span / bars.len().max(1) as f64 * 0.6).min(40.0);
    for (index, (label, value)) in bars.iter().enumerate() {
        let x = x_of(index, bars.len()) - width / 2.0;
        let y = y_of(*value, max);
        let _ = write!(
            svg,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{width:.1}\" height=\"{:.1}\" fill=\"{}\" rx=\"2\"><title>{}: {}</title></rect>",
            HEIGHT - BOTTOM - y,
            escape(colour),
            escape(label),
            number(*value)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Horizontal bars with their label and value, largest scale first. The labels' column and the
/// room right of the longest bar fit the longest label and value; when they leave the bars too
/// little room, the chart is drawn wider (and so scaled down).
pub fn bars(title: &str, colour: &str, rows: &[(String, f64, String)]) -> String {
    const ROW: f64 = 26.0;
    const GAP: f64 = 8.0;
    const MIN_SPAN: f64 = 200.0;
    let widest = |text: fn(&(String, f64, String)) -> &str| {
        rows.iter()
            .map(|row| text_width(text(row)))
            .fold(0.0, f64::max)
    };
    let label = widest(|row| &row.0) + GAP;
    let value = widest(|row| &row.2) + GAP;
    let width = WIDTH.max(label + MIN_SPAN + value);
    let span = width - label - value;
    let height = ROW * rows.len().max(1) as f64 + 4.0;
    let max = rows.iter().map(|(_, value, _)| *value).fold(0.0, f64::max);
    let mut svg = format!(
        "<svg viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{}\">",
        escape(title)
    );
    for (index, (name, value, shown)) in rows.iter().enumerate() {
        let y = ROW * index as f64 + 4.0;
        let bar = (if max > 0.0 { span * value / max } else { 0.0 }).max(1.0);
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"label\" text-anchor=\"end\">{}</text>\
             <rect x=\"{label:.1}\" y=\"{y:.1}\" width=\"{bar:.1}\" height=\"{:.1}\" fill=\"{}\" rx=\"3\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" class=\"value\">{}</text>",
            label - GAP,
            y + 15.0,
            escape(name),
            ROW - 8.0,
            escape(colour),
            label + bar + GAP / 2.0,
            y + 15.0,
            escape(shown)
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_end_on_round_numbers() {
        assert_eq!(axis_max(0.0), 1.0);
        assert_eq!(axis_max(7.0), 10.0);
        assert_eq!(axis_max(130.0), 200.0);
        assert_eq!(axis_max(0.42), 0.5);
    }

    #[test]
    fn labels_are_escaped() {
        let svg = bars("t", "#000", &[("<R&D>".into(), 1.0, "1".into())]);
        assert!(svg.contains("&lt;R&amp;D&gt;"));
    }
}
