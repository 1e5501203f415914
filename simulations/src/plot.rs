//! Plain-SVG plots of simulator results: the replication-latency histogram, the backlog over
//! simulated time and the per-province convergence after a heal.
//!
//! The SVG 1.1 is written by hand as text (std only), so the simulator pulls in no plotting
//! stack, and so the output is a pure function of the input: every coordinate is printed with
//! fixed precision and nothing depends on the clock or on hashing order, which keeps the plots
//! of a seeded run byte-identical and diffable. Empty input (or input that is all NaN/inf)
//! gives a valid SVG saying "no data", never a panic or a division by zero.

//!
//! The functions return the SVG text; the caller writes the files (the simulator does no I/O).

use std::fmt::Write as _;

/// Histogram of replication latency to central (milliseconds). Log-scale x axis with buckets
/// from 1 ms to the max (e.g. powers of ~1.5 or 2), y = count of events; mark p50 and p99 with
/// vertical lines and labels.
pub fn latency_distribution(title: &str, latencies_ms: &[u64]) -> String {
    if latencies_ms.is_empty() {
        return no_data(title);
    }
    // Buckets are half-powers of two, [2^(k/2), 2^((k+1)/2)): fine enough to see a shape yet
    // computed in integers, so the bucketing is exact. 0 ms is counted in the first bucket.
    let bucket = |v: u64| -> usize {
        if v < 2 {
            return 0;
        }
        let f = 63 - v.leading_zeros() as usize; // floor(log2 v)
        2 * f + usize::from((v as u128) * (v as u128) >= 1u128 << (2 * f + 1))
    };
    let max = latencies_ms.iter().copied().max().unwrap_or(0);
    let mut counts = vec![0u64; bucket(max) + 1];
    for &v in latencies_ms {
        counts[bucket(v)] += 1;
    }
    let mut sorted = latencies_ms.to_vec();
    sorted.sort_unstable();
    // Nearest-rank percentile: the smallest value with at least p% of the events at or below it.
    let pct = |p: usize| sorted[((p * sorted.len()).div_ceil(100)).clamp(1, sorted.len()) - 1];

    let a = Area {
        l: 80.0,
        t: 50.0,
        r: W - 30.0,
        b: H - 60.0,
    };
    let log_hi = counts.len() as f64 / 2.0; // log2 of the upper edge of the last bucket
    let xpx = |log2v: f64| lin(log2v, 0.0, log_hi, a.l, a.r);
    // Counts are whole events: a floor of 5 keeps the tick step at 1 or more.
    let (_, y_hi, y_step) = nice_axis(
        0.0,
        (counts.iter().copied().max().unwrap_or(0) as f64).max(5.0),
    );
    let ypx = |c: f64| lin(c, 0.0, y_hi, a.b, a.t);

    // Log ticks: 1-2-5 per decade while the range is short, decades only once it is wide.
    let top = 2f64.powf(log_hi);
    let mults: &[u64] = if top <= 1000.0 { &[1, 2, 5] } else { &[1] };
    let mut xt = Vec::new();
    'decades: for d in 0..20u32 {
        for &m in mults {
            let t = m * 10u64.pow(d);
            if t as f64 > top {
                break 'decades;
            }
            xt.push((xpx((t as f64).log2()), fmt_ms(t)));
        }
    }
    let mut s = Svg::new(W, H, title);
    s.axes(
        a,
        &xt,
        &y_ticks(0.0, y_hi, y_step, &ypx),
        "replication latency to central (log scale)",
        "events",
    );
    for (k, &c) in counts.iter().enumerate().filter(|(_, &c)| c > 0) {
        let (x0, x1) = (xpx(k as f64 / 2.0), xpx((k + 1) as f64 / 2.0));
        s.rect(
            x0 + 0.5,
            ypx(c as f64),
            (x1 - x0 - 1.0).max(0.5),
            a.b - ypx(c as f64),
            "fill=\"#4c78a8\"",
        );
    }
    // p99 label one line lower than p50's, so the two stay readable when they nearly coincide.
    for (i, (name, v)) in [("p50", pct(50)), ("p99", pct(99))].into_iter().enumerate() {
        let x = xpx((v.max(1) as f64).log2());
        s.line(
            x,
            a.t,
            x,
            a.b,
            "stroke=\"#d62728\" stroke-dasharray=\"4 3\"",
        );
        let (anchor, tx) = if x > a.l + 0.75 * a.w() {
            ("end", x - 4.0)
        } else {
            ("start", x + 4.0)
        };
        s.text(
            tx,
            a.t + 12.0 + 14.0 * i as f64,
            anchor,
            "fill=\"#d62728\"",
            &format!("{name} = {v} ms"),
        );
    }
    s.finish()
}

/// Line/area chart: x = simulated hours, y = events not yet delivered (backlog). `windows` are
/// shaded intervals (start_h, end_h, label) e.g. the typhoon partition.
pub fn backlog_over_time(
    title: &str,
    series: &[(f64, u64)],
    windows: &[(f64, f64, String)],
) -> String {
    let mut pts: Vec<(f64, u64)> = series
        .iter()
        .copied()
        .filter(|(h, _)| h.is_finite())
        .collect();
    if pts.is_empty() {
        return no_data(title);
    }
    // A stable sort by time keeps the polyline from folding back on itself if samples arrive
    // out of order; equal times keep their given order, so the output stays deterministic.
    pts.sort_by(|p, q| p.0.total_cmp(&q.0));
    let wins: Vec<(f64, f64, &str)> = windows
        .iter()
        .filter(|(s, e, _)| s.is_finite() && e.is_finite())
        .map(|(s, e, l)| (s.min(*e), s.max(*e), l.as_str()))
        .collect();
    // The x range covers the windows too: a partition is worth seeing even past the last sample.
    let lo = wins.iter().map(|w| w.0).fold(pts[0].0, f64::min);
    let hi = wins
        .iter()
        .map(|w| w.1)
        .fold(pts[pts.len() - 1].0, f64::max);
    let (x_lo, x_hi, x_step) = nice_axis(lo, hi);
    let (_, y_hi, y_step) = nice_axis(
        0.0,
        (pts.iter().map(|p| p.1).max().unwrap_or(0) as f64).max(5.0),
    );

    let a = Area {
        l: 80.0,
        t: 50.0,
        r: W - 30.0,
        b: H - 60.0,
    };
    let xpx = |h: f64| lin(h, x_lo, x_hi, a.l, a.r);
    let ypx = |c: f64| lin(c, 0.0, y_hi, a.b, a.t);
    let n = ((x_hi - x_lo) / x_step).round() as i64;
    let xt: Vec<(f64, String)> = (0..=n)
        .map(|i| x_lo + i as f64 * x_step)
        .map(|v| (xpx(v), fmt_tick(v, x_step)))
        .collect();

    let mut s = Svg::new(W, H, title);
    s.axes(
        a,
        &xt,
        &y_ticks(0.0, y_hi, y_step, &ypx),
        "simulated time (h)",
        "events not yet delivered",
    );
    // Windows first so the data is drawn over them.
    for (i, &(ws, we, label)) in wins.iter().enumerate() {
        let (x0, x1) = (xpx(ws), xpx(we));
        s.rect(
            x0,
            a.t,
            (x1 - x0).max(1.0),
            a.h(),
            "fill=\"#ff7f0e\" fill-opacity=\"0.15\"",
        );
        s.text(
            x0 + 3.0,
            a.t + 12.0 + 14.0 * (i % 3) as f64,
            "start",
            "fill=\"#b35806\"",
            label,
        );
    }
    let mut line = String::new();
    for (i, &(h, c)) in pts.iter().enumerate() {
        let _ = write!(
            line,
            "{}{},{}",
            if i == 0 { "" } else { " " },
            f(xpx(h)),
            f(ypx(c as f64))
        );
    }
    let (first, last) = (f(xpx(pts[0].0)), f(xpx(pts[pts.len() - 1].0)));
    let base = f(a.b);
    let _ = writeln!(s.out, "<polygon points=\"{first},{base} {line} {last},{base}\" fill=\"#4c78a8\" fill-opacity=\"0.3\"/>");
    let _ = writeln!(
        s.out,
        "<polyline points=\"{line}\" fill=\"none\" stroke=\"#4c78a8\" stroke-width=\"1.5\"/>"
    );
    s.finish()
}

/// Horizontal bar chart: one bar per province (label, seconds to converge after the heal),
/// sorted as given. Handles 34 rows legibly (compute the height from the row count).
pub fn convergence_per_province(title: &str, rows: &[(String, f64)]) -> String {
    let rows: Vec<(&str, f64)> = rows
        .iter()
        .filter(|r| r.1.is_finite())
        .map(|r| (r.0.as_str(), r.1))
        .collect();
    if rows.is_empty() {
        return no_data(title);
    }
    const ROW: f64 = 18.0;
    // Left margin sized to the longest label (~7 px a character at 12 px), within bounds so a
    // pathological label cannot squeeze the bars to nothing.
    let longest = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0) as f64;
    let l = (16.0 + 7.0 * longest).clamp(60.0, 300.0);
    let height = 60.0 + ROW * rows.len() as f64 + 55.0;
    let a = Area {
        l,
        t: 60.0,
        r: W - 70.0,
        b: 60.0 + ROW * rows.len() as f64,
    };
    // Negative durations are nonsense; drawn as empty bars, but the label still says the value.
    let (_, x_hi, x_step) = nice_axis(0.0, rows.iter().map(|r| r.1).fold(0.0, f64::max));
    let xpx = |v: f64| lin(v.max(0.0), 0.0, x_hi, a.l, a.r);
    let n = (x_hi / x_step).round() as i64;
    let xt: Vec<(f64, String)> = (0..=n)
        .map(|i| i as f64 * x_step)
        .map(|v| (xpx(v), fmt_tick(v, x_step)))
        .collect();

    let mut s = Svg::new(W, height, title);
    s.axes(a, &xt, &[], "seconds to converge after the heal", "");
    for (i, &(label, v)) in rows.iter().enumerate() {
        let y = a.t + ROW * i as f64;
        s.text(a.l - 6.0, y + ROW * 0.7, "end", "", label);
        s.rect(a.l, y + 3.0, xpx(v) - a.l, ROW - 6.0, "fill=\"#4c78a8\"");
        s.text(
            xpx(v) + 4.0,
            y + ROW * 0.7,
            "start",
            "font-size=\"11\"",
            &format!("{v:.1} s"),
        );
    }
    s.finish()
}

const W: f64 = 800.0;
const H: f64 = 480.0;

/// The plot area inside the canvas, in px.
#[derive(Clone, Copy)]
struct Area {
    l: f64,
    t: f64,
    r: f64,
    b: f64,
}

impl Area {
    fn w(&self) -> f64 {
        self.r - self.l
    }
    fn h(&self) -> f64 {
        self.b - self.t
    }
}

/// An SVG document being written; every element goes through these helpers so that escaping
/// and number formatting cannot be forgotten in one place.
struct Svg {
    out: String,
}

impl Svg {
    fn new(w: f64, h: f64, title: &str) -> Self {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let (w, h) = (f(w), f(h));
        let _ = writeln!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" font-size=\"12\">"
        );
        let _ = writeln!(
            out,
            "<title>{}</title>\n<rect width=\"{w}\" height=\"{h}\" fill=\"white\"/>",
            esc(title)
        );
        let mut s = Svg { out };
        s.text(
            W / 2.0,
            24.0,
            "middle",
            "font-size=\"16\" font-weight=\"bold\"",
            title,
        );
        s
    }

    fn text(&mut self, x: f64, y: f64, anchor: &str, attrs: &str, content: &str) {
        let _ = writeln!(
            self.out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\" {attrs}>{}</text>",
            f(x),
            f(y),
            esc(content)
        );
    }

    fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, attrs: &str) {
        let _ = writeln!(
            self.out,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" {attrs}/>",
            f(x1),
            f(y1),
            f(x2),
            f(y2)
        );
    }

    fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, attrs: &str) {
        let _ = writeln!(
            self.out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" {attrs}/>",
            f(x),
            f(y),
            f(w.max(0.0)),
            f(h.max(0.0))
        );
    }

    /// Grid lines, tick labels, the two axis lines and the axis titles. Ticks are (px, label).
    fn axes(
        &mut self,
        a: Area,
        xt: &[(f64, String)],
        yt: &[(f64, String)],
        x_title: &str,
        y_title: &str,
    ) {
        for (x, label) in xt {
            self.line(*x, a.t, *x, a.b, "stroke=\"#e0e0e0\"");
            self.text(*x, a.b + 16.0, "middle", "font-size=\"11\"", label);
        }
        for (y, label) in yt {
            self.line(a.l, *y, a.r, *y, "stroke=\"#e0e0e0\"");
            self.text(a.l - 6.0, y + 4.0, "end", "font-size=\"11\"", label);
        }
        self.line(a.l, a.b, a.r, a.b, "stroke=\"black\"");
        self.line(a.l, a.t, a.l, a.b, "stroke=\"black\"");
        self.text((a.l + a.r) / 2.0, a.b + 38.0, "middle", "", x_title);
        if !y_title.is_empty() {
            let (x, y) = (f(18.0), f((a.t + a.b) / 2.0));
            self.text(
                18.0,
                (a.t + a.b) / 2.0,
                "middle",
                &format!("transform=\"rotate(-90 {x} {y})\""),
                y_title,
            );
        }
    }

    fn finish(mut self) -> String {
        self.out.push_str("</svg>\n");
        self.out
    }
}

fn no_data(title: &str) -> String {
    let mut s = Svg::new(W, H, title);
    s.text(
        W / 2.0,
        H / 2.0,
        "middle",
        "font-size=\"14\" fill=\"#777777\"",
        "no data",
    );
    s.finish()
}

/// Escapes the five XML special characters and drops the control characters XML 1.0 forbids.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// Fixed one-decimal coordinates: sub-pixel precision is invisible, and fixed precision is what
/// makes the bytes reproducible.
fn f(v: f64) -> String {
    format!("{v:.1}")
}

/// Maps `v` from [d0, d1] to [p0, p1]; a degenerate domain maps everything to p0.
fn lin(v: f64, d0: f64, d1: f64, p0: f64, p1: f64) -> f64 {
    if d1 == d0 {
        p0
    } else {
        p0 + (v - d0) / (d1 - d0) * (p1 - p0)
    }
}

/// Widens [lo, hi] outward to multiples of a 1-2-5 step giving about five intervals; returns
/// (lo, hi, step). An empty range is widened by one so the caller never divides by zero.
fn nice_axis(lo: f64, hi: f64) -> (f64, f64, f64) {
    let hi = if hi > lo { hi } else { lo + 1.0 };
    let raw = (hi - lo) / 5.0;
    if !(raw > 0.0 && raw.is_finite()) {
        return (lo, hi, 1.0); // lo + 1 rounded back to lo (|lo| > 2^53): one tick, no NaN
    }
    let mag = 10f64.powi(raw.log10().floor() as i32);
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    // The small tolerance keeps a bound that is already a multiple from growing by a step.
    (
        (lo / step + 1e-9).floor() * step,
        (hi / step - 1e-9).ceil() * step,
        step,
    )
}

fn y_ticks(lo: f64, hi: f64, step: f64, ypx: &dyn Fn(f64) -> f64) -> Vec<(f64, String)> {
    let n = ((hi - lo) / step).round() as i64;
    (0..=n)
        .map(|i| lo + i as f64 * step)
        .map(|v| (ypx(v), fmt_tick(v, step)))
        .collect()
}

/// A tick value with just the decimals its step needs (step 0.5 → one, step 20 → none).
fn fmt_tick(v: f64, step: f64) -> String {
    let dec = (-step.log10() - 1e-9).ceil().clamp(0.0, 6.0) as usize;
    let s = format!("{v:.dec$}");
    // "-0" and "-0.0" come from rounding tiny negatives; print them as zero.
    if s.trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        s.trim_start_matches('-').to_string()
    } else {
        s
    }
}

/// Log-axis tick labels: milliseconds below a second, whole seconds above (ticks are 1-2-5×10^d,
/// so from 1000 ms on they are whole seconds).
fn fmt_ms(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{} s", ms / 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(s: &str) {
        assert!(s.starts_with("<?xml") || s.starts_with("<svg"), "{s}");
        assert!(s.contains("xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(s.trim_end().ends_with("</svg>"));
        assert_eq!(s.matches("<text").count(), s.matches("</text>").count());
        assert!(!s.contains("NaN") && !s.contains("inf"), "{s}");
    }

    /// Draws twice and checks the two texts are identical and well-formed.
    fn twice(plot: impl Fn() -> String) -> String {
        let (a, b) = (plot(), plot());
        check(&a);
        assert_eq!(a, b);
        a
    }

    #[test]
    fn latency_histogram() {
        let lat: Vec<u64> = (0..1000u64)
            .map(|i| (i * 7919) % 5000)
            .chain([0, 1, 2, 3])
            .collect();
        let s = twice(|| latency_distribution("A & B <lat>", &lat));
        assert!(
            s.contains("A &amp; B &lt;lat&gt;") && s.contains("p50 = ") && s.contains("p99 = ")
        );
        let e = latency_distribution("empty", &[]);
        check(&e);
        assert!(e.contains("no data"));
        check(&latency_distribution("zeros", &[0, 0]));
    }

    #[test]
    fn backlog() {
        let series: Vec<(f64, u64)> = (0..=96)
            .map(|i| (i as f64 * 0.5, (i * i % 700) as u64))
            .chain([(f64::NAN, 5)])
            .collect();
        let wins = vec![
            (12.0, 30.0, "bão \"Yagi\" A & B".to_string()),
            (f64::INFINITY, 1.0, "skip".into()),
        ];
        let s = twice(|| backlog_over_time("backlog", &series, &wins));
        assert!(s.contains("bão &quot;Yagi&quot; A &amp; B") && !s.contains(">skip<"));
        let e = backlog_over_time("empty", &[(f64::NAN, 1)], &wins);
        check(&e);
        assert!(e.contains("no data"));
        check(&backlog_over_time("one", &[(3.0, 0)], &[]));
    }

    #[test]
    fn convergence() {
        let mut rows: Vec<(String, f64)> = (0..33)
            .map(|i| (format!("Tỉnh {i}"), i as f64 * 1.7))
            .collect();
        rows.push(("Thành phố Hồ Chí Minh & A'B".into(), 12.25));
        rows.push(("NaN row".into(), f64::NAN));
        let s = twice(|| convergence_per_province("hội tụ", &rows));
        assert!(s.contains("Thành phố Hồ Chí Minh &amp; A&apos;B") && !s.contains("NaN row"));
        assert!(
            s.contains("height=\"727.0\""),
            "height grows with the 34 rows"
        );
        let e = convergence_per_province("empty", &[]);
        check(&e);
        assert!(e.contains("no data"));
    }

    #[test]
    fn helpers() {
        assert_eq!(nice_axis(0.0, 0.0), (0.0, 1.0, 0.2));
        assert_eq!(nice_axis(0.0, 100.0), (0.0, 100.0, 20.0));
        assert_eq!(nice_axis(0.0, 47.0), (0.0, 50.0, 10.0));
        assert_eq!(nice_axis(1e17, 1e17), (1e17, 1e17, 1.0));
        assert_eq!(fmt_tick(0.30000000000000004, 0.1), "0.3");
        assert_eq!(fmt_tick(-0.0, 1.0), "0");
        assert_eq!(esc("a\u{1}<'>"), "a&lt;&apos;&gt;");
        assert_eq!(
            (fmt_ms(500), fmt_ms(20_000)),
            ("500 ms".to_string(), "20 s".to_string())
        );
    }
}
