//! The report: markdown tables with each figure beside its target, printed and
//! written into `docs/benchmarks.md` between two markers, so the hand-written
//! parts of that page (the optimisation log) survive a new run.

use crate::argon2_share::{Argon2Share, VERIFY_TARGET_MS, Verifies};
use crate::artifacts::Artifact;
use crate::census::Census;
use crate::cold_tls::ColdTls;
use crate::cpu_quota::{LAMBDA_MB_PER_VCPU, PERIOD_US};
use crate::machine::Machine;
use crate::measure::{ColdStart, Memory, Requests};
use crate::python::PythonBaseline;
use crate::report_cost::cost_section;
use crate::report_tls::tls_section;
use crate::stage::HELLO;
use crate::throughput::{CONCURRENCY, Throughput};
use std::fmt::Write;
use wxauth_shared::passwords::{LANES, MEMORY_KIB, PASSES};

pub const BEGIN: &str = "<!-- bench:begin: written by scripts/bench.sh; edits here are lost -->";
pub const END: &str = "<!-- bench:end -->";

/// CPU figures from criterion, in µs.
#[derive(Debug, Clone)]
pub struct Cpu {
    pub login: f64,
    pub signature: f64,
    pub decrypt_profile: f64,
    pub bind_phone: f64,
    pub decrypt_verify_sign: f64,
    /// Pieces of the request paths: (what, µs).
    pub request_pieces: Vec<(&'static str, f64)>,
}

impl Cpu {
    /// A login's CPU apart from the RS256 signature itself.
    pub fn login_without_signature(&self) -> f64 {
        self.login - self.signature
    }
}

/// Every measurement of one run.
pub struct Results {
    pub machine: Machine,
    pub smoke: bool,
    pub runs: usize,
    pub warm: usize,
    pub cold: Vec<ColdStart>,
    /// What init builds, piece by piece, first time in a fresh process: (what, median ms).
    pub init_pieces: Vec<(String, f64)>,
    /// The same with the root certificates read from one bundle file only.
    pub init_pieces_bundle: Option<Vec<(String, f64)>>,
    pub memory: Vec<Memory>,
    pub requests: Vec<Requests>,
    /// The table's items after the DynamoDB requests were counted.
    pub census: Option<Census>,
    pub cpu: Cpu,
    pub throughput: Vec<Throughput>,
    pub throughput_seconds: u32,
    pub python: PythonBaseline,
    pub artifacts: Vec<Artifact>,
    pub argon2: Argon2Share,
    /// Cold starts over TLS at the CPU share, with their runs and warm invocations.
    pub cold_tls: Vec<ColdTls>,
    pub tls_pieces: crate::tls_pieces::TlsPieces,
    pub tls_runs: usize,
    pub tls_warm: usize,
}

pub const INIT_RATIO_TARGET: f64 = 1.3;
pub const OVERHEAD_TARGET_MS: f64 = 5.0;
pub const RSS_TARGET_MB: f64 = 24.0;

/// A function's memory target: the password function holds argon2's working
/// memory (allocated once and reused) on top of everyone's.
fn rss_target_mb(function: &str) -> f64 {
    match function {
        "password" => RSS_TARGET_MB + f64::from(MEMORY_KIB) / 1024.0,
        _ => RSS_TARGET_MB,
    }
}
pub const LOGIN_CPU_TARGET_US: f64 = 50.0;
pub const PROFILE_CPU_TARGET_US: f64 = 20.0;

fn verdict(ok: bool) -> &'static str {
    if ok { "✅ met" } else { "❌ missed" }
}

/// A smoke pass's figures (debug builds, a few runs) judge nothing.
const NOT_JUDGED: &str = "– (smoke pass)";

fn bytes(size: Option<u64>) -> String {
    size.map_or_else(|| "–".to_owned(), group_digits)
}

fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl Results {
    /// The target's verdict; none on a smoke pass.
    fn verdict(&self, ok: bool) -> &'static str {
        if self.smoke { NOT_JUDGED } else { verdict(ok) }
    }

    pub fn hello_init_ms(&self) -> f64 {
        self.cold
            .iter()
            .find(|c| c.function == HELLO)
            .map_or(f64::NAN, ColdStart::init_ms)
    }

    /// The generated section, markers included.
    pub fn markdown(&self) -> String {
        let mut md = String::new();
        let m = &self.machine;
        let _ = writeln!(md, "{BEGIN}\n");
        let _ = writeln!(md, "## Latest run\n");
        if self.smoke {
            let _ = writeln!(
                md,
                "**Smoke pass** (debug binaries, few runs): checks that every measurement works; the figures mean nothing.\n"
            );
        }
        let _ = writeln!(
            md,
            "- **Machine:** {}, {} cores, {:.0} GiB, Linux {}\n- **Toolchain:** {}\n- **Date:** {}\n- **Commit:** `{}`\n",
            m.cpu, m.cores, m.memory_gib, m.kernel, m.rustc, m.date, m.commit
        );
        let _ = writeln!(
            md,
            "![Cold start and CPU per request against the baselines](benchmarks.svg)\n"
        );
        self.cold_section(&mut md);
        self.memory_section(&mut md);
        self.requests_section(&mut md);
        self.cpu_section(&mut md);
        self.throughput_section(&mut md);
        self.python_section(&mut md);
        self.artifacts_section(&mut md);
        md.push_str(&argon2_section(&self.argon2, self.smoke, ""));
        md.push_str(&tls_section(
            &self.cold_tls,
            &self.tls_pieces,
            self.tls_runs,
            self.tls_warm,
            self.smoke,
            "",
        ));
        md.push_str(&cost_section(
            &self.cold_tls,
            &self.requests,
            self.census,
            self.smoke,
        ));
        let _ = writeln!(md, "{END}");
        md
    }

    fn cold_section(&self, md: &mut String) {
        let hello = self.hello_init_ms();
        let _ = writeln!(
            md,
            "### 1. Cold start\n\nMedian of {} cold starts per binary under the bench's own Runtime API, WeChat simulator and DynamoDB emulator on loopback. *Init* = exec → first `GET /runtime/invocation/next` (Lambda's Init Duration). *First-request overhead* = first invocation − median of {} warm ones, per run, median over runs. Targets: init ≤ {INIT_RATIO_TARGET}× the hello-world's, overhead ≤ {OVERHEAD_TARGET_MS} ms.\n",
            self.runs, self.warm
        );
        let _ = writeln!(
            md,
            "| binary | init (ms) | × hello-world | first invocation (ms) | warm (ms) | first-request overhead (ms) | targets |\n|---|---:|---:|---:|---:|---:|---|"
        );
        for c in &self.cold {
            let ratio = c.init_ms() / hello;
            let targets = if c.function == HELLO {
                "baseline".to_owned()
            } else {
                self.verdict(ratio <= INIT_RATIO_TARGET && c.overhead_ms() <= OVERHEAD_TARGET_MS)
                    .to_owned()
            };
            let _ = writeln!(
                md,
                "| {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {targets} |",
                c.function,
                c.init_ms(),
                ratio,
                c.first_ms(),
                c.warm_ms(),
                c.overhead_ms()
            );
        }
        let _ = writeln!(
            md,
            "\nWhat init builds beyond the hello-world, each piece timed once in a fresh process (`wxauth-init-probe`, median of {} processes), with this machine's root certificate store and with the roots read from one bundle file (`SSL_CERT_FILE`), as Lambda's Amazon Linux 2023 image keeps them:\n\n| piece | ms, this machine's store | ms, one bundle file |\n|---|---:|---:|",
            self.runs
        );
        for (what, ms) in &self.init_pieces {
            let bundle = self
                .init_pieces_bundle
                .as_ref()
                .and_then(|pieces| pieces.iter().find(|(name, _)| name == what))
                .map_or_else(|| "–".to_owned(), |(_, ms)| format!("{ms:.2}"));
            let _ = writeln!(md, "| {what} | {ms:.2} | {bundle} |");
        }
        md.push('\n');
    }

    fn memory_section(&self, md: &mut String) {
        let invocations = self.memory.first().map_or(0, |m| m.invocations);
        let _ = writeln!(
            md,
            "### 2. Memory\n\nPeak RSS (`VmHWM`) of one process after init and after {invocations} invocations of its workload. Target ≤ {RSS_TARGET_MB} MB, and for `password` that plus argon2's {} MiB, allocated once and reused (allocated per check, glibc kept five copies resident: 120 MB). `sms` and `password` run {} invocations: each adds items (codes, counts per number and address), and the emulator's transactions slow as its table grows.\n\n| binary | after init (MB) | after {invocations} invocations (MB) | target |\n|---|---:|---:|---|",
            MEMORY_KIB / 1024,
            crate::measure::GROWING_INVOCATIONS
        );
        for m in &self.memory {
            let mb = m.after_invocations_kib as f64 / 1024.0;
            let name = match m.invocations == invocations {
                true => m.function.to_owned(),
                false => format!("{} ({} invocations)", m.function, m.invocations),
            };
            let _ = writeln!(
                md,
                "| {} | {:.1} | {:.1} | {} |",
                name,
                m.after_init_kib as f64 / 1024.0,
                mb,
                if m.function == HELLO {
                    "baseline"
                } else {
                    self.verdict(mb <= rss_target_mb(m.function))
                }
            );
        }
        md.push('\n');
    }

    fn requests_section(&self, md: &mut String) {
        let _ = writeln!(
            md,
            "### 3. DynamoDB requests\n\nCounted by a proxy in front of the emulator while the release binaries served each operation.\n\n| operation | requests | what was sent | target |\n|---|---:|---|---|"
        );
        for r in &self.requests {
            let target = if r.target == 1 {
                "1".to_owned()
            } else {
                format!("≤ {}", r.target)
            };
            let _ = writeln!(
                md,
                "| {} | {} | {} | {target} {} |",
                r.operation,
                r.sent.len(),
                r.sent.join(", "),
                self.verdict(r.sent.len() <= r.target)
            );
        }
        md.push('\n');
    }

    fn cpu_section(&self, md: &mut String) {
        let c = &self.cpu;
        let _ = writeln!(
            md,
            "### 4. CPU per request\n\nCriterion medians of each handler's path without network (`bench/benches/cpu.rs`): the API Gateway event text parsed as lambda_http parses it, routed, checked, answered; the WeChat and store ports answer from memory.\n\n| path | µs | target |\n|---|---:|---|"
        );
        let rows = [
            ("login, all of it", c.login, String::new()),
            (
                "of which the RS256 signature itself",
                c.signature,
                "shown beside".to_owned(),
            ),
            (
                "login without the signature",
                c.login_without_signature(),
                format!(
                    "≤ {LOGIN_CPU_TARGET_US} µs {}",
                    self.verdict(c.login_without_signature() <= LOGIN_CPU_TARGET_US)
                ),
            ),
            (
                "decrypt-profile",
                c.decrypt_profile,
                format!(
                    "≤ {PROFILE_CPU_TARGET_US} µs {}",
                    self.verdict(c.decrypt_profile <= PROFILE_CPU_TARGET_US)
                ),
            ),
            ("bind-phone (by code)", c.bind_phone, String::new()),
        ];
        for (path, us, target) in rows {
            let _ = writeln!(md, "| {path} | {us:.1} | {target} |");
        }
        for (what, us) in &c.request_pieces {
            let _ = writeln!(md, "| piece: {what} | {us:.1} | |");
        }
        md.push('\n');
    }

    fn throughput_section(&self, md: &mut String) {
        let _ = writeln!(
            md,
            "### 5. Throughput of the local server\n\n`wxauth-dev` (embedded store, WeChat simulator in-process) under `wrk -t2 -c{CONCURRENCY} -d{}s` on the same machine: logins of returning users with fresh codes, and decrypts of one user's profile.\n\n| route | requests/s | p50 (ms) | p99 (ms) | requests | non-2xx |\n|---|---:|---:|---:|---:|---:|",
            self.throughput_seconds
        );
        for t in &self.throughput {
            let ms = |v: Option<f64>| v.map_or_else(|| "–".to_owned(), |v| format!("{v:.2}"));
            let _ = writeln!(
                md,
                "| `{}` | {:.0} | {} | {} | {} | {} |",
                t.route,
                t.requests_per_sec,
                ms(t.latency_p50_ms),
                ms(t.latency_p99_ms),
                t.requests,
                t.non_2xx
            );
        }
        md.push('\n');
    }

    fn python_section(&self, md: &mut String) {
        let rust = self.cpu.decrypt_verify_sign;
        let python = self.python.median_us;
        let _ = writeln!(
            md,
            "### 6. Side by side with Python\n\nThe same path on the same input in the same run: decode, AES-128-CBC decrypt, JSON, watermark, openId and `rawData` checks, then an RS256 token. Python: `bench/python/baseline.py` ({}).\n\n| decrypt + verify + token signing | µs |\n|---|---:|\n| wxauth (Rust, criterion median) | {rust:.1} |\n| wechatpy + PyJWT (median) | {python:.1} |\n| **ratio** | **{:.1}×** |\n",
            self.python.versions,
            python / rust
        );
    }

    fn artifacts_section(&self, md: &mut String) {
        let _ = writeln!(
            md,
            "### 7. Artifacts\n\n| function | binary here ({}) | arm64 `bootstrap` | arm64 `bootstrap.zip` |\n|---|---:|---:|---:|",
            std::env::consts::ARCH
        );
        for a in &self.artifacts {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} |",
                a.function,
                bytes(a.local_binary),
                bytes(a.arm64_binary),
                bytes(a.arm64_zip)
            );
        }
        md.push('\n');
    }
}

/// The heading of [`argon2_section`], the generated section's last.
pub const ARGON2_HEADING: &str = "### 8. Argon2id verify at the Lambda CPU share";

/// The argon2id verify at each memory size's CPU share, and the size chosen
/// for the password function (none on a smoke pass: no verdicts there).
/// `preface`, when not empty, is a paragraph put first.
pub fn argon2_section(a: &Argon2Share, smoke: bool, preface: &str) -> String {
    let mut md = String::new();
    let n = a.unthrottled.wall_ms.len();
    let _ = writeln!(md, "{ARGON2_HEADING}\n");
    if !preface.is_empty() {
        let _ = writeln!(md, "{preface}\n");
    }
    let vcpu_mb = group_digits(u64::from(LAMBDA_MB_PER_VCPU));
    let _ = writeln!(
        md,
        "`wxauth-argon2-verify` hashes one password with the functions' `PasswordHasher` (argon2id, {} MiB, {PASSES} passes, {LANES} lane) and times {n} verifies of it, in a fresh process per memory size. Each size's process runs in a cgroup v1 CPU quota of that size's Lambda share of one vCPU (1 per {vcpu_mb} MB): a CFS period of {} ms, short so the quota bites on work this short, and a quota of period × MB / {vcpu_mb}. *Wall* is what a login waits; *CPU* (getrusage, user + system) is the verify's own work. This machine's core is not Lambda's: the CPU figures are this core's, and the quota reproduces only Lambda's share of a core. Target: p90 ≤ {VERIFY_TARGET_MS} ms (nine logins in ten; Lambda's arm64 cores take argon2 without the AVX2 path this x86 core uses, so the median alone leaves no margin). A verify is CPU-bound, so its cost (memory × time) is about the same at every size: the larger size costs no more per login.\n",
        MEMORY_KIB / 1024,
        PERIOD_US / 1_000
    );
    let target = |v: &Verifies| match smoke {
        true => String::new(),
        false => verdict(v.p90_ms() <= VERIFY_TARGET_MS).to_owned(),
    };
    let _ = writeln!(
        md,
        "| memory size | quota per period (ms) | wall, median (ms) | wall, p90 (ms) | CPU, median (ms) | periods throttled | target |\n|---|---:|---:|---:|---:|---:|---|"
    );
    let u = &a.unthrottled;
    let _ = writeln!(
        md,
        "| unthrottled (one whole core) | – | {:.1} | {:.1} | {:.1} | – | |",
        u.median_ms(),
        u.p90_ms(),
        u.cpu_median_ms()
    );
    match &a.throttled {
        Ok(sizes) => {
            for size in sizes {
                let v = &size.verifies;
                let _ = writeln!(
                    md,
                    "| {} MB | {:.2} | {:.1} | {:.1} | {:.1} | {} | {} |",
                    size.memory_mb,
                    size.quota_us as f64 / 1_000.0,
                    v.median_ms(),
                    v.p90_ms(),
                    v.cpu_median_ms(),
                    size.throttled_periods
                        .map_or_else(|| "–".to_owned(), |n| n.to_string()),
                    target(v)
                );
            }
            md.push('\n');
            let _ = match (smoke, a.chosen_mb()) {
                (true, _) => writeln!(md, "Smoke pass: no size chosen.\n"),
                (false, Some(mb)) => writeln!(
                    md,
                    "**Chosen memory size for the password function: {mb} MB**, the smallest whose p90 verify is within {VERIFY_TARGET_MS} ms; the other functions stay at 128 MB.\n"
                ),
                (false, None) => writeln!(
                    md,
                    "**No measured size keeps the p90 verify within {VERIFY_TARGET_MS} ms**: above {vcpu_mb} MB one thread gets no more CPU.\n"
                ),
            };
        }
        Err(why) => {
            let _ = writeln!(
                md,
                "\n**No CPU quota on this machine** ({why}): the unthrottled figure only, and no size chosen.\n"
            );
        }
    }
    md
}

/// `page` with its generated section's [`argon2_section`] replaced by
/// `section` (added at the section's end where it has none): for a run of
/// that measurement alone.
pub fn splice_argon2(page: &str, section: &str) -> String {
    splice_section(page, ARGON2_HEADING, section)
}

/// `page` with the generated section under `heading` replaced by `section`
/// (up to the next section), or `section` added at the generated part's end.
pub fn splice_section(page: &str, heading: &str, section: &str) -> String {
    let (Some(begin), Some(end)) = (page.find(BEGIN), page.find(END)) else {
        return splice(page, &format!("{BEGIN}\n\n{section}{END}\n"));
    };
    let from = page[begin..end].find(heading).map_or(end, |at| begin + at);
    // Up to the next section, or the end of the generated part.
    let to = page[from..end]
        .match_indices("\n### ")
        .map(|(at, _)| from + at + 1)
        .find(|&at| at > from)
        .unwrap_or(end);
    format!("{}{section}{}", &page[..from], &page[to..])
}

/// `page` with its generated section replaced by `section` (or, for a page
/// without one, `section` put after the first heading's paragraph).
pub fn splice(page: &str, section: &str) -> String {
    match (page.find(BEGIN), page.find(END)) {
        (Some(begin), Some(end)) if begin < end => {
            let after = &page[end + END.len()..];
            format!("{}{}{}", &page[..begin], section.trim_end(), after)
        }
        _ => format!("{}\n\n{}\n", page.trim_end(), section.trim_end()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_section_replaces_only_the_generated_one() {
        let page = format!(
            "# Benchmarks\n\nintro\n\n{BEGIN}\nold\n{END}\n\n## Optimisation log\n\nkept\n"
        );
        let new = format!("{BEGIN}\nnew\n{END}\n");
        let spliced = splice(&page, &new);
        assert!(spliced.contains("new") && !spliced.contains("old"));
        assert!(spliced.starts_with("# Benchmarks\n\nintro\n\n"));
        assert!(spliced.ends_with("## Optimisation log\n\nkept\n"));
        assert_eq!(splice(&spliced, &new), spliced);
        assert!(splice("# Benchmarks\n", &new).contains("new"));
    }

    #[test]
    fn the_argon2_section_alone_replaces_only_itself() {
        let page = format!(
            "# Benchmarks\n\n{BEGIN}\n### 7. Artifacts\n\nsizes\n\n{ARGON2_HEADING}\n\nold\n\n{END}\n\nkept\n"
        );
        let new = format!("{ARGON2_HEADING}\n\nnew\n\n");
        let spliced = splice_argon2(&page, &new);
        assert!(spliced.contains("new") && !spliced.contains("old"));
        assert!(spliced.contains("sizes") && spliced.ends_with(&format!("{END}\n\nkept\n")));
        assert_eq!(splice_argon2(&spliced, &new), spliced);
        let without = format!("{BEGIN}\nsizes\n\n{END}\n");
        assert!(splice_argon2(&without, &new).contains(&format!("sizes\n\n{new}{END}")));
        assert!(splice_argon2("# Benchmarks\n", &new).contains("new"));
    }

    #[test]
    fn a_section_alone_replaces_only_itself_up_to_the_next() {
        let page = format!(
            "{BEGIN}\n### 7. Artifacts\n\nsizes\n\n{ARGON2_HEADING}\n\nold\n\n### 9. Next\n\nkept\n\n{END}\n"
        );
        let spliced = splice_argon2(&page, &format!("{ARGON2_HEADING}\n\nnew\n\n"));
        assert!(spliced.contains("sizes") && spliced.contains("new") && !spliced.contains("old"));
        assert!(spliced.contains("### 9. Next\n\nkept"), "{spliced}");
    }

    #[test]
    fn byte_counts_are_grouped_by_thousands() {
        assert_eq!(group_digits(3_506_366), "3,506,366");
        assert_eq!(group_digits(999), "999");
        assert_eq!(bytes(None), "–");
    }
}
