//! The one-time costs behind a cold start over TLS, each side of a choice
//! measured in the same fresh process (`wxauth-tls-probe`), and what was
//! kept: the root store, the first RS256 signature, session resumption.

use crate::stats::median_f64;
use std::fmt::Write as _;
use std::path::Path;

/// The probe's pieces, in the order the table shows them, with what became
/// of each choice.
const PIECES: &[(&str, &str)] = &[
    (
        "roots: the old loader, per client (rustls-native-certs)",
        "before: each of the two clients paid it",
    ),
    (
        "roots: one read for every client (wxauth_shared::tls)",
        "**kept**: once per process",
    ),
    (
        "roots: compiled in (webpki-roots, not kept)",
        "not kept (below)",
    ),
    (
        "RS256: the first signature with the key",
        "paid by the first request",
    ),
    ("RS256: the next signature", "every later request"),
    ("TLS handshake: full", "each new connection"),
    (
        "TLS handshake: resumed (rustls' session cache)",
        "**kept** (rustls' default): a reconnect within a process",
    ),
];

/// Medians of the probe's pieces over fresh processes.
pub struct TlsPieces {
    pub runs: usize,
    /// µs of CPU by piece, in [`PIECES`] order.
    pub medians: Vec<(&'static str, f64)>,
    /// The bytes of roots compiled in would add to each binary.
    pub compiled_in_bytes: u64,
}

/// Runs `wxauth-tls-probe` from `bin_dir` `runs` times on `bundle`.
pub fn measure(bin_dir: &Path, bundle: &Path, runs: usize) -> Result<TlsPieces, String> {
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); PIECES.len()];
    let mut compiled_in_bytes = 0;
    for _ in 0..runs {
        let output = std::process::Command::new(bin_dir.join("wxauth-tls-probe"))
            .arg(bundle)
            .env_clear()
            .output()
            .map_err(|e| format!("wxauth-tls-probe: {e}"))?;
        let text = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            return Err(format!(
                "wxauth-tls-probe failed: {}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        let mut lines = text.lines();
        let timings: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(lines.next().unwrap_or_default())
                .map_err(|e| format!("wxauth-tls-probe printed {text:?}: {e}"))?;
        for (i, (name, _)) in PIECES.iter().enumerate() {
            let micros = timings
                .get(*name)
                .and_then(|v| v.as_f64())
                .ok_or_else(|| format!("wxauth-tls-probe gave no {name:?}: {text}"))?;
            samples[i].push(micros);
        }
        let sizes: serde_json::Value = serde_json::from_str(lines.next().unwrap_or_default())
            .map_err(|e| format!("wxauth-tls-probe printed {text:?}: {e}"))?;
        compiled_in_bytes = sizes["compiled_in_bytes"].as_u64().unwrap_or(0);
    }
    Ok(TlsPieces {
        runs,
        medians: PIECES
            .iter()
            .zip(samples)
            .map(|((name, _), s)| (*name, median_f64(s)))
            .collect(),
        compiled_in_bytes,
    })
}

impl TlsPieces {
    fn us(&self, index: usize) -> f64 {
        self.medians[index].1
    }

    /// What a cold login pays at least, from these pieces, against its
    /// measured CPU (`cold_ms`) and the target (`target` × the hello-world's
    /// init CPU, `hello_ms`), as a markdown paragraph.
    pub fn floor(&self, hello_ms: f64, cold_ms: f64, target: f64) -> String {
        let (roots, compiled) = (self.us(1) / 1e3, self.us(2) / 1e3);
        let (first, handshakes) = (self.us(3) / 1e3, 2.0 * self.us(5) / 1e3);
        let floor = hello_ms + roots + handshakes + first;
        let with_compiled = floor - roots + compiled;
        let side = |ms: f64| match ms <= target * hello_ms {
            true => "within",
            false => "above",
        };
        format!(
            "**What a cold login cannot go below**, from this run's pieces (next table): the hello-world's init ({hello_ms:.2} ms), one root store ({roots:.2} ms), two full TLS handshakes, DynamoDB's and WeChat's ({handshakes:.2} ms), and the first RS256 signature ({first:.2} ms): **{floor:.2} ms of CPU, {:.2}× the hello-world's init CPU**, {} the target's {:.2} ms. With roots compiled in it would be {with_compiled:.2} ms ({:.2}×), {} it. The login's other {:.2} ms are what a larger binary, the DynamoDB SDK's request path (SigV4, its orchestrator, the retry and timeout layers), two HTTP requests and their JSON cost beyond those pieces.",
            floor / hello_ms,
            side(floor),
            target * hello_ms,
            with_compiled / hello_ms,
            side(with_compiled),
            cold_ms - floor,
        )
    }

    /// The table and the decision each row stands for, as markdown.
    pub fn render(&self) -> String {
        let mut md = String::new();
        let _ = writeln!(
            md,
            "**One-time costs, measured side by side** (`wxauth-tls-probe`: each piece timed once in a fresh process, as a cold start meets it, CPU time of the probe's thread, unthrottled; the median over {} such processes; the public bundle of roots the bench's `SSL_CERT_FILE` holds):\n\n| piece | µs of CPU | what it stands for |\n|---|---:|---|",
            self.runs
        );
        for ((name, micros), (_, role)) in self.medians.iter().zip(PIECES) {
            let _ = writeln!(md, "| {name} | {micros:.0} | {role} |");
        }
        let (old, ours, compiled) = (self.us(0), self.us(1), self.us(2));
        let (first, next) = (self.us(3), self.us(4));
        let (full, resumed) = (self.us(5), self.us(6));
        let _ = writeln!(
            md,
            "\n- **Roots read once, kept.** The functions used to build their root store twice (the DynamoDB SDK's client and reqwest's), {:.0} µs each; now once, {ours:.0} µs, shared by every client.\n- **Roots compiled in, not kept.** {compiled:.0} µs instead of {ours:.0} µs, but {} KB of roots in every binary (before compression), and the trusted roots frozen at the crate's release: the functions follow the roots Lambda's image carries, which AWS updates without a redeploy. `SSL_CERT_FILE` still names others.\n- **The first RS256 signature** costs {first:.0} µs against {next:.0} µs for the next (aws-lc's per-key precomputation on first use). Signing once at init would move it, not remove it, at the same CPU share: not kept.\n- **Session resumption, kept as rustls' default.** A resumed handshake costs the client {resumed:.0} µs against {full:.0} µs in full, but the cache lives in the process: it pays when a warm function reconnects (the clients close idle connections after 50 s), never on a cold start.\n",
            old,
            self.compiled_in_bytes / 1_000,
        );
        md
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(us: [f64; 7]) -> TlsPieces {
        TlsPieces {
            runs: 1,
            medians: PIECES.iter().zip(us).map(|((n, _), u)| (*n, u)).collect(),
            compiled_in_bytes: 54_000,
        }
    }

    #[test]
    fn the_floor_adds_the_hello_world_one_root_store_two_handshakes_and_the_first_signature() {
        // roots 700 µs, compiled 10, first signature 900, full handshake 800.
        let p = pieces([1_500.0, 700.0, 10.0, 900.0, 450.0, 800.0, 300.0]);
        let text = p.floor(2.0, 9.0, 2.5);
        // 2.0 + 0.7 + 1.6 + 0.9 = 5.2 ms: 2.6×, above 5.0; compiled in 4.51.
        assert!(text.contains("**5.20 ms of CPU, 2.60×"), "{text}");
        assert!(text.contains("above the target's 5.00 ms"), "{text}");
        assert!(text.contains("4.51 ms (2.26×), within it"), "{text}");
        assert!(text.contains("other 3.80 ms"), "{text}");
    }
}
