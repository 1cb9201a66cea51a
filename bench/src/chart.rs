//! The report's chart, as SVG: two bar panels, cold-start init against the
//! hello-world and CPU per request against the Python baseline.

use crate::report::{INIT_RATIO_TARGET, Results};
use crate::stage::HELLO;
use std::fmt::Write;

const WIDTH: f64 = 760.0;
const LABEL_WIDTH: f64 = 250.0;
const BAR_HEIGHT: f64 = 22.0;
const GAP: f64 = 8.0;

/// One bar: label, value, whether it is a baseline (drawn grey).
struct Bar {
    label: String,
    value: f64,
    baseline: bool,
}

/// A panel of horizontal bars with an optional dashed limit line.
fn panel(
    svg: &mut String,
    top: f64,
    title: &str,
    unit: &str,
    bars: &[Bar],
    limit: Option<(f64, String)>,
) -> f64 {
    let max = bars
        .iter()
        .map(|b| b.value)
        .chain(limit.as_ref().map(|(v, _)| *v))
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let scale = (WIDTH - LABEL_WIDTH - 90.0) / max;
    let _ = writeln!(
        svg,
        r#"<text x="10" y="{:.0}" font-size="15" font-weight="bold">{}</text>"#,
        top + 16.0,
        escape(title)
    );
    let mut y = top + 30.0;
    for bar in bars {
        let width = if bar.value.is_finite() {
            bar.value * scale
        } else {
            0.0
        };
        let colour = if bar.baseline { "#9e9e9e" } else { "#07c160" };
        let _ = writeln!(
            svg,
            r#"<text x="{:.0}" y="{:.0}" font-size="12" text-anchor="end">{}</text><rect x="{LABEL_WIDTH}" y="{y:.0}" width="{width:.1}" height="{BAR_HEIGHT}" fill="{colour}"/><text x="{:.1}" y="{:.0}" font-size="12">{:.2} {unit}</text>"#,
            LABEL_WIDTH - 8.0,
            y + 15.0,
            escape(&bar.label),
            LABEL_WIDTH + width + 6.0,
            y + 15.0,
            bar.value
        );
        y += BAR_HEIGHT + GAP;
    }
    if let Some((value, label)) = limit {
        let x = LABEL_WIDTH + value * scale;
        let _ = writeln!(
            svg,
            r##"<line x1="{x:.1}" y1="{:.0}" x2="{x:.1}" y2="{:.0}" stroke="#fa5151" stroke-dasharray="4 3"/><text x="{:.1}" y="{:.0}" font-size="11" fill="#fa5151">{}</text>"##,
            top + 26.0,
            y - GAP + 4.0,
            x + 4.0,
            top + 26.0,
            escape(&label)
        );
    }
    y + 10.0
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The chart for `results`.
pub fn svg(results: &Results) -> String {
    let hello = results.hello_init_ms();
    let init_bars: Vec<Bar> = results
        .cold
        .iter()
        .map(|c| Bar {
            label: if c.function == HELLO {
                "lambda_runtime hello-world".to_owned()
            } else {
                c.function.to_owned()
            },
            value: c.init_ms(),
            baseline: c.function == HELLO,
        })
        .collect();
    let cpu = &results.cpu;
    let cpu_bars = vec![
        Bar {
            label: "login without RS256 signature".into(),
            value: cpu.login_without_signature(),
            baseline: false,
        },
        Bar {
            label: "RS256 signature alone".into(),
            value: cpu.signature,
            baseline: false,
        },
        Bar {
            label: "decrypt-profile".into(),
            value: cpu.decrypt_profile,
            baseline: false,
        },
        Bar {
            label: "bind-phone".into(),
            value: cpu.bind_phone,
            baseline: false,
        },
        Bar {
            label: "decrypt+verify+sign, wxauth".into(),
            value: cpu.decrypt_verify_sign,
            baseline: false,
        },
        Bar {
            label: "same, wechatpy + PyJWT".into(),
            value: results.python.median_us,
            baseline: true,
        },
    ];
    let mut body = String::new();
    let next = panel(
        &mut body,
        10.0,
        &format!("Cold start: init, median of {} runs", results.runs),
        "ms",
        &init_bars,
        Some((
            hello * INIT_RATIO_TARGET,
            format!("{INIT_RATIO_TARGET}× hello-world"),
        )),
    );
    let end = panel(
        &mut body,
        next,
        "CPU per request (criterion median)",
        "µs",
        &cpu_bars,
        None,
    );
    let footer = format!(
        "{} · {} · commit {}",
        results.machine.date, results.machine.cpu, results.machine.commit
    );
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{:.0}" viewBox="0 0 {WIDTH} {:.0}" font-family="sans-serif">
<rect width="100%" height="100%" fill="#ffffff"/>
{body}<text x="10" y="{:.0}" font-size="10" fill="#666">{}</text>
</svg>
"##,
        end + 20.0,
        end + 20.0,
        end + 8.0,
        escape(&footer)
    )
}
