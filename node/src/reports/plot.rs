//! Plots drawn on the server as SVG (no script, no library on the page): bars per week with
//! their numbers, Vietnamese titles and an accessible `<title>`, stacked for two series.

use std::fmt::Write as _;

use tiepdan_protocol::case::Date;

/// One bar: its week and its stacked values, bottom first.
pub struct Bar {
    pub week: Date,
    pub values: Vec<u32>,
}

/// A series' name and colour.
pub struct Series {
    pub name: &'static str,
    pub colour: &'static str,
}

const WIDTH: u32 = 720;
const HEIGHT: u32 = 260;
const LEFT: u32 = 44;
const BOTTOM: u32 = 40;
const TOP: u32 = 36;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A bar chart of `bars`, one stacked bar per week, `series` naming each layer.
pub fn bars(title: &str, series: &[Series], bars: &[Bar]) -> String {
    let max = bars
        .iter()
        .map(|b| b.values.iter().sum::<u32>())
        .max()
        .unwrap_or(0)
        .max(1);
    let plot_w = WIDTH - LEFT - 10;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let slot = plot_w as f64 / bars.len().max(1) as f64;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" aria-label="{t}" font-family="sans-serif" font-size="11"><title>{t}</title>"#,
        t = escape(title)
    );
    let _ = write!(
        svg,
        r##"<text x="{LEFT}" y="16" font-size="13" font-weight="bold">{}</text>"##,
        escape(title)
    );
    // The legend, after the title.
    let mut x = LEFT;
    for s in series {
        let _ = write!(
            svg,
            r#"<rect x="{x}" y="22" width="10" height="10" fill="{c}"/><text x="{tx}" y="31">{n}</text>"#,
            c = s.colour,
            tx = x + 14,
            n = escape(s.name)
        );
        x += 20 + 7 * s.name.chars().count() as u32;
    }
    // The axis and its top value.
    let base = TOP + plot_h;
    let _ = write!(
        svg,
        r##"<line x1="{LEFT}" y1="{base}" x2="{r}" y2="{base}" stroke="#555"/><text x="{lx}" y="{ty}" text-anchor="end">{max}</text><text x="{lx}" y="{base}" text-anchor="end">0</text>"##,
        r = WIDTH - 10,
        lx = LEFT - 4,
        ty = TOP + 4,
    );
    let label_every = (bars.len() / 12).max(1);
    for (i, b) in bars.iter().enumerate() {
        let x = LEFT as f64 + i as f64 * slot + slot * 0.15;
        let w = slot * 0.7;
        let mut y = base as f64;
        for (v, s) in b.values.iter().zip(series) {
            if *v == 0 {
                continue;
            }
            let h = f64::from(*v) / f64::from(max) * f64::from(plot_h);
            y -= h;
            let _ = write!(
                svg,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="{c}"><title>{n}: {v}</title></rect>"#,
                c = s.colour,
                n = escape(s.name)
            );
        }
        let total: u32 = b.values.iter().sum();
        if total > 0 {
            let _ = write!(
                svg,
                r#"<text x="{cx:.1}" y="{ty:.1}" text-anchor="middle">{total}</text>"#,
                cx = x + w / 2.0,
                ty = y - 3.0
            );
        }
        if i % label_every == 0 {
            let _ = write!(
                svg,
                r#"<text x="{cx:.1}" y="{ly}" text-anchor="middle">{d:02}/{m:02}</text>"#,
                cx = x + w / 2.0,
                ly = base + 14,
                d = b.week.day(),
                m = b.week.month()
            );
        }
    }
    let _ = write!(
        svg,
        r#"<text x="{LEFT}" y="{y}">Tuần (từ thứ Hai)</text></svg>"#,
        y = HEIGHT - 6
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use tiepdan_protocol::case::parse_date;

    #[test]
    fn a_plot_names_its_bars_and_escapes_its_title() {
        let week = parse_date("2026-09-14").unwrap();
        let svg = bars(
            "Thời hạn <đến hạn>",
            &[
                Series {
                    name: "Đã thực hiện",
                    colour: "#2e7d32",
                },
                Series {
                    name: "Quá hạn",
                    colour: "#c62828",
                },
            ],
            &[
                Bar {
                    week,
                    values: vec![3, 2],
                },
                Bar {
                    week: week.add_days(7),
                    values: vec![0, 0],
                },
            ],
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("Thời hạn &lt;đến hạn&gt;"));
        assert!(svg.contains("<title>Quá hạn: 2</title>"));
        assert!(svg.contains(">14/09<") && svg.contains(">5<"), "{svg}");
    }
}
