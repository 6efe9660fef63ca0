//! Price charts as server-drawn SVG (no script): the price history of an event's categories
//! as step lines over time, and a rule's curve (price against occupancy). Each line has its
//! own dash pattern and its name at its end, so nothing depends on colour; the pages put a
//! table of the same figures beside every chart.

pub use super::chart_axis::utc;
use super::chart_axis::{Scale, TIME_STEPS, f, nice_ticks, time_label};
use super::dashboard::money;
use crate::pricing::rule::Rule;
use crate::pricing::{PricesView, Pricing};

/// A chart's size and the margins its labels take (SVG user units).
#[derive(Clone, Copy)]
struct Frame {
    width: f64,
    height: f64,
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

impl Frame {
    fn x_span(&self) -> (f64, f64) {
        (self.left, self.width - self.right)
    }
    fn y_span(&self) -> (f64, f64) {
        (self.height - self.bottom, self.top)
    }
}

/// The price history: wide, with room for category names at the lines' ends.
const HISTORY: Frame = Frame {
    width: 720.0,
    height: 300.0,
    left: 84.0,
    right: 96.0,
    top: 16.0,
    bottom: 48.0,
};

/// A rule's curve beside its form: smaller, so its text reads larger.
const PREVIEW: Frame = Frame {
    width: 440.0,
    height: 240.0,
    left: 84.0,
    right: 56.0,
    top: 14.0,
    bottom: 46.0,
};

/// The least vertical room between two end labels.
const LABEL_GAP: f64 = 15.0;

/// A chart ready for `templates/admin/chart.html`.
#[derive(Debug, Clone)]
pub struct Chart {
    /// The id its title and legend hang off.
    pub id: String,
    /// `history` or `preview` (the stylesheet sizes them).
    pub kind: &'static str,
    pub width: String,
    pub height: String,
    /// The plot area's edges.
    pub left: String,
    pub right: String,
    pub top: String,
    pub bottom: String,
    pub x_mid: String,
    pub y_mid: String,
    pub x_ticks: Vec<Tick>,
    pub y_ticks: Vec<Tick>,
    pub x_title: String,
    pub y_title: String,
    /// What the chart shows, in one sentence (its accessible name).
    pub label: String,
    pub series: Vec<Line>,
}

/// A tick on an axis: where, and its label.
#[derive(Debug, Clone)]
pub struct Tick {
    pub at: String,
    pub label: String,
}

/// One drawn line.
#[derive(Debug, Clone)]
pub struct Line {
    /// `s0`…`s5`: the stylesheet's stroke and dash pattern.
    pub class: &'static str,
    pub label: String,
    /// The SVG path.
    pub path: String,
    pub end_x: String,
    pub end_y: String,
}

const CLASSES: [&str; 6] = ["s0", "s1", "s2", "s3", "s4", "s5"];

/// Lays lines out on axes; `points` are (x, y) in data units.
fn draw(
    frame: Frame,
    id: &str,
    label: String,
    x: (Scale, Vec<Tick>, String),
    y: (Scale, Vec<Tick>, String),
    lines: Vec<(String, Vec<(f64, f64)>)>,
) -> Chart {
    let (xs, x_ticks, x_title) = x;
    let (ys, y_ticks, y_title) = y;
    let mut series: Vec<Line> = lines
        .into_iter()
        .zip(CLASSES.iter().cycle())
        .map(|((name, points), class)| {
            let path = points
                .iter()
                .enumerate()
                .map(|(i, &(px, py))| {
                    format!(
                        "{}{},{}",
                        if i == 0 { "M" } else { "L" },
                        f(xs.at(px)),
                        f(ys.at(py))
                    )
                })
                .collect::<Vec<_>>()
                .join(" ");
            let end = points.last().copied().unwrap_or((xs.lo, ys.lo));
            Line {
                class,
                label: name,
                path,
                end_x: f(xs.at(end.0) + 6.0),
                end_y: f(ys.at(end.1)),
            }
        })
        .collect();
    // End labels must not sit on each other: push them apart, top to bottom.
    let mut order: Vec<usize> = (0..series.len()).collect();
    order.sort_by(|&a, &b| {
        let y = |i: usize| series[i].end_y.parse::<f64>().unwrap_or(0.0);
        y(a).total_cmp(&y(b))
    });
    let mut last = f64::NEG_INFINITY;
    for i in order {
        let y = series[i]
            .end_y
            .parse::<f64>()
            .unwrap_or(0.0)
            .max(last + LABEL_GAP);
        series[i].end_y = f(y);
        last = y;
    }
    let Frame {
        width,
        height,
        left,
        right,
        top,
        bottom,
    } = frame;
    Chart {
        id: id.to_string(),
        kind: if frame.width == HISTORY.width {
            "history"
        } else {
            "preview"
        },
        width: f(width),
        height: f(height),
        left: f(left),
        right: f(width - right),
        top: f(top),
        bottom: f(height - bottom),
        x_mid: f((left + width - right) / 2.0),
        y_mid: f((top + height - bottom) / 2.0),
        x_ticks,
        y_ticks,
        x_title,
        y_title,
        label,
        series,
    }
}

fn y_axis(frame: Frame, lo: f64, hi: f64, label: impl Fn(f64) -> String) -> (Scale, Vec<Tick>) {
    // A level line gets room around it, or its ticks would all read the same.
    let pad = if hi - lo > hi.abs() * 1e-6 {
        (hi - lo) * 0.08
    } else {
        if hi == 0.0 { 1.0 } else { hi.abs() * 0.1 }
    };
    let (lo, hi, ticks) = nice_ticks(lo - pad, hi + pad, 5.0);
    let (from, to) = frame.y_span();
    let scale = Scale { lo, hi, from, to };
    let ticks = ticks
        .into_iter()
        .map(|v| Tick {
            at: f(scale.at(v)),
            label: label(v),
        })
        .collect();
    (scale, ticks)
}

/// An amount without its currency, in the currency's own decimals: `1,299.50`, or `1,300`
/// when whole; `12,000` for the yen, which has no minor unit.
fn amount(minor: f64, currency: &str) -> String {
    let text = money(minor.round() as i64, currency);
    let text = text.strip_prefix(currency).unwrap_or(&text).trim_start();
    match text.split_once('.') {
        Some((whole, fraction)) if fraction.bytes().all(|b| b == b'0') => whole.to_string(),
        _ => text.to_string(),
    }
}

/// The price history of an event, each category a step line from its first change to the
/// last (held flat a little past it). `None` when no price has changed yet.
pub fn history(view: &PricesView) -> Option<Chart> {
    let mut rows = view.history.items.clone();
    rows.sort_by_key(|r| (r.at_ms, r.id));
    let (first, last) = (rows.first()?.at_ms, rows.last()?.at_ms);
    let span = (last - first).max(60_000);
    let (x_lo, x_hi) = (first - span / 20, last + span / 10);
    let mut lines = Vec::new();
    let (mut lo, mut hi) = (f64::MAX, f64::MIN);
    for category in &view.categories {
        let mut points = Vec::new();
        let mut price = None;
        for row in rows.iter().filter(|r| r.category == category.category) {
            let (at, old, new) = (row.at_ms as f64, row.old_minor as f64, row.new_minor as f64);
            if price.is_none() {
                points.push((x_lo as f64, old));
            }
            points.push((at, price.unwrap_or(old)));
            points.push((at, new));
            price = Some(new);
        }
        let Some(price) = price else { continue };
        points.push((x_hi as f64, price));
        for &(_, p) in &points {
            lo = lo.min(p);
            hi = hi.max(p);
        }
        lines.push((category.category.clone(), points));
    }
    let (ys, y_ticks) = y_axis(HISTORY, lo, hi, |v| amount(v, &view.currency));
    let (from, to) = HISTORY.x_span();
    let xs = Scale {
        lo: x_lo as f64,
        hi: x_hi as f64,
        from,
        to,
    };
    let (step, seconds) = TIME_STEPS
        .iter()
        .copied()
        .find(|(s, _)| (x_hi - x_lo) / s <= 6)
        .unwrap_or((365 * 86_400_000, false));
    let x_ticks = (x_lo.div_euclid(step) + 1..=x_hi.div_euclid(step))
        .map(|k| Tick {
            at: f(xs.at((k * step) as f64)),
            label: time_label(k * step, step, seconds),
        })
        .collect();
    let label = format!(
        "Price history of {} by price category, {} to {}",
        view.event_name,
        utc(first),
        utc(last)
    );
    let x_title = format!("Time (UTC), {} to {}", utc(first), utc(last));
    let y_title = format!("Price ({})", view.currency);
    Some(draw(
        HISTORY,
        "history",
        label,
        (xs, x_ticks, x_title),
        (ys, y_ticks, y_title),
        lines,
    ))
}

/// A rule's curve: price as a multiple of base against seats sold (0–100 %), before time
/// and demand factors.
pub fn rule_preview(rule: &Rule, id: &str) -> Chart {
    const BASE: i64 = 10_000;
    let points: Vec<(f64, f64)> = Pricing::preview(rule, BASE, 100, 101)
        .iter()
        .map(|p| (p.occupancy * 100.0, p.price_minor as f64 / BASE as f64))
        .collect();
    let lo = points.iter().map(|p| p.1).fold(f64::MAX, f64::min).min(1.0);
    let hi = points.iter().map(|p| p.1).fold(f64::MIN, f64::max);
    let (ys, y_ticks) = y_axis(PREVIEW, lo, hi, |v| format!("{v:.2}×"));
    let (from, to) = PREVIEW.x_span();
    let xs = Scale {
        lo: 0.0,
        hi: 100.0,
        from,
        to,
    };
    let x_ticks = (0..=4)
        .map(|i| Tick {
            at: f(xs.at(f64::from(i * 25))),
            label: format!("{}%", i * 25),
        })
        .collect();
    draw(
        PREVIEW,
        id,
        "The rule's price as a multiple of base, from no seats sold to all sold".into(),
        (xs, x_ticks, "Seats sold".into()),
        (ys, y_ticks, "Price (× base)".into()),
        vec![("price".into(), points)],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flat_rule_draws_one_level_line() {
        let chart = rule_preview(&Rule::default_for("movie"), "movie");
        assert_eq!(chart.series.len(), 1);
        let labels: Vec<&str> = chart.y_ticks.iter().map(|t| t.label.as_str()).collect();
        assert!(labels.contains(&"1.00×") && labels.len() >= 3, "{labels:?}");
        let ys: std::collections::BTreeSet<&str> = chart.series[0]
            .path
            .split(' ')
            .filter_map(|p| p.split(',').nth(1))
            .collect();
        assert_eq!(ys.len(), 1, "{}", chart.series[0].path);
    }

    #[test]
    fn price_axis_labels_have_the_currency_s_own_decimals() {
        assert_eq!(amount(129_950.0, "INR"), "1,299.50");
        assert_eq!(amount(130_000.0, "INR"), "1,300");
        // The yen has no minor unit: 12,000 minor units are ¥12,000, not 120.
        assert_eq!(amount(12_000.0, "JPY"), "12,000");
        assert_eq!(amount(1_250.0, "BHD"), "1.250");
        assert_eq!(amount(2_000.0, "BHD"), "2");
    }
}
