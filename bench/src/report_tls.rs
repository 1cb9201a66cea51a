//! The report's section on cold start over TLS at a Lambda's CPU share
//! ([`crate::cold_tls`]), with its two targets.

use crate::cold_tls::{Ask, ColdTls, SIZES};
use crate::cpu_quota::{LAMBDA_MB_PER_VCPU, PERIOD_US, quota_us};
use crate::stage::HELLO;
use crate::tls_pieces::TlsPieces;
use std::fmt::Write;

pub const TLS_HEADING: &str = "### 9. Cold start over TLS at a Lambda's CPU share";
/// Init CPU of each function against the hello-world's, same harness.
pub const INIT_CPU_RATIO_TARGET: f64 = 1.3;
/// A whole cold login's CPU (init + first request) against the hello-world's init CPU.
pub const COLD_LOGIN_CPU_RATIO_TARGET: f64 = 2.5;

/// The runs of `function`'s usual request at `memory_mb`, init throttled or not.
pub fn find<'a>(
    runs: &'a [ColdTls],
    function: &str,
    memory_mb: u32,
    init_throttled: bool,
) -> Option<&'a ColdTls> {
    find_ask(runs, function, Ask::Usual, memory_mb, init_throttled)
}

/// The runs of `function` asked `ask` at `memory_mb`, init throttled or not.
pub fn find_ask<'a>(
    runs: &'a [ColdTls],
    function: &str,
    ask: Ask,
    memory_mb: u32,
    init_throttled: bool,
) -> Option<&'a ColdTls> {
    runs.iter().find(|r| {
        r.case.function == function
            && r.case.ask == ask
            && r.case.memory_mb == memory_mb
            && r.case.init_throttled == init_throttled
    })
}

fn verdict(ok: bool, smoke: bool) -> &'static str {
    match (smoke, ok) {
        (true, _) => "",
        (false, true) => "✅ met",
        (false, false) => "❌ missed",
    }
}

/// The section; `runs` and `warm` as measured.
pub fn tls_section(
    results: &[ColdTls],
    pieces: &TlsPieces,
    runs: usize,
    warm: usize,
    smoke: bool,
    preface: &str,
) -> String {
    let mut md = String::new();
    let ms = ColdTls::ms;
    let _ = writeln!(md, "{TLS_HEADING}\n");
    if !preface.is_empty() {
        let _ = writeln!(md, "{preface}\n");
    }
    let _ = writeln!(
        md,
        "Each release binary as a Lambda of that memory size lives a cold start: a fresh process in a cgroup v1 CPU quota of the size's share of one vCPU (1 per {} MB; a CFS period of {} ms, short enough that the quota bites on a few ms of work: 128 MB gets {:.2} ms of each period, above the kernel's 1 ms minimum), reaching DynamoDB (the emulator, behind the counting proxy) and WeChat (the simulator) over TLS on loopback through fronts with a certificate from a test CA the bench makes (`bench/src/tls_front.rs`). `SSL_CERT_FILE` names a bundle of the machine's public roots plus that CA, so the functions load a full public bundle, as on Lambda; the run checks first that without it the login fails (the CA is in no other store). Medians of {runs} runs per row, interleaved, {warm} warm invocations each. *CPU* is the kernel's account of the process, user + system, all threads (`cpuacct.usage`): the targets count it, because the stand-ins' answer times are not the function's; *emulator* is how long the DynamoDB emulator itself took within the first invocation, included in its wall time. The login's invocations each log a new user in: `jscode2session` over TLS, DynamoDB over TLS (the new-user transaction), an RS256 token; the rows with a request in brackets ask the same binary another route, for the cost section (a returning user's login; a refresh with the latest refresh token; a new user's first profile decrypt and first number, each user logged in just before; a new number's SMS login with a code sent just before; what comes before an invocation is outside its timing). The hello-world is `bench/hello`, in the same quota.\n",
        LAMBDA_MB_PER_VCPU,
        PERIOD_US / 1_000,
        quota_us(128) as f64 / 1_000.0,
    );
    let _ = writeln!(
        md,
        "Lambda gives CPU in proportion to memory; its documentation promises nothing more during init, though some measurements report more. The tables lead with init **throttled** (the quota from the exec: what a user can count on); the second table has init unthrottled (the quota put in place at the first poll for work) beside it.\n"
    );
    let hello_cpu = |memory_mb| find(results, HELLO, memory_mb, true).map(|h| ms(&h.init_cpu));
    let _ = writeln!(
        md,
        "**At 128 MB, init throttled.** Targets: init CPU ≤ {INIT_CPU_RATIO_TARGET}× the hello-world's init CPU; the login's whole cold start (init + first request) ≤ {COLD_LOGIN_CPU_RATIO_TARGET}× the hello-world's init CPU.\n\n{TABLE_HEAD} target |\n{TABLE_RULE}---|"
    );
    for r in results
        .iter()
        .filter(|r| r.case.memory_mb == 128 && r.case.init_throttled)
    {
        let hello = hello_cpu(128);
        let target = if r.case.function == HELLO {
            "baseline".to_owned()
        } else {
            let mut ok = hello.is_some_and(|h| ms(&r.init_cpu) / h <= INIT_CPU_RATIO_TARGET);
            if r.case.function == "login" && r.case.ask == Ask::Usual {
                ok &= hello.is_some_and(|h| r.cold_cpu_ms() / h <= COLD_LOGIN_CPU_RATIO_TARGET);
            }
            verdict(ok, smoke).to_owned()
        };
        let _ = writeln!(md, "{} {target} |", row(r, hello));
    }
    if let (Some(login), Some(h)) = (find(results, "login", 128, true), hello_cpu(128)) {
        let _ = writeln!(
            md,
            "\nThe cold login's CPU is **{:.2} ms, {:.2}× the hello-world's init CPU** ({h:.2} ms); target ≤ {COLD_LOGIN_CPU_RATIO_TARGET}×.",
            login.cold_cpu_ms(),
            login.cold_cpu_ms() / h
        );
        let _ = writeln!(
            md,
            "\n{}",
            pieces.floor(h, login.cold_cpu_ms(), COLD_LOGIN_CPU_RATIO_TARGET)
        );
    }
    let larger: Vec<&ColdTls> = results
        .iter()
        .filter(|r| r.case.memory_mb != 128 && r.case.init_throttled && r.case.ask == Ask::Usual)
        .collect();
    if !larger.is_empty() {
        let _ = writeln!(
            md,
            "\n**At {} MB, init throttled**, each function's usual request; × hello is against the hello-world's init CPU at the same size:\n\n| memory {TABLE_HEAD}\n|---:{TABLE_RULE}",
            SIZES[1..]
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(" and ")
        );
        for r in larger {
            let _ = writeln!(
                md,
                "| {} MB {}",
                r.case.memory_mb,
                row(r, hello_cpu(r.case.memory_mb))
            );
        }
    }
    let _ = writeln!(
        md,
        "\n**Init throttled or not**, the login and the hello-world at each size (ms):\n\n| binary | memory | init, throttled | cold, throttled | cold CPU, throttled | init, unthrottled | cold, unthrottled | cold CPU, unthrottled |\n|---|---:|---:|---:|---:|---:|---:|---:|"
    );
    for &memory_mb in SIZES {
        for function in ["login", HELLO] {
            let cell = |throttled: bool| {
                find(results, function, memory_mb, throttled).map_or_else(
                    || "– | – | –".to_owned(),
                    |r| {
                        format!(
                            "{:.1} | {:.1} | {:.2}",
                            ms(&r.init),
                            r.cold_ms(),
                            r.cold_cpu_ms()
                        )
                    },
                )
            };
            if find(results, function, memory_mb, true).is_none()
                && find(results, function, memory_mb, false).is_none()
            {
                continue;
            }
            let _ = writeln!(
                md,
                "| {function} | {memory_mb} MB | {} | {} |",
                cell(true),
                cell(false)
            );
        }
    }
    md.push('\n');
    md.push_str(&pieces.render());
    md.push('\n');
    md
}

/// The columns of a row of [`row`], after the binary's.
const TABLE_HEAD: &str = "| binary | init (ms) | init CPU (ms) | × hello CPU | first (ms) | first CPU (ms) | emulator (ms) | warm (ms) | warm CPU (ms) | cold (ms) | cold CPU (ms) |";
const TABLE_RULE: &str = "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|";

/// One case's medians in [`TABLE_HEAD`]'s columns; `hello_cpu`, the
/// hello-world's init CPU in the same quota.
fn row(r: &ColdTls, hello_cpu: Option<f64>) -> String {
    let ms = ColdTls::ms;
    let init_cpu = ms(&r.init_cpu);
    format!(
        "| {} | {:.1} | {:.2} | {:.2} | {:.1} | {:.2} | {:.1} | {:.1} | {:.2} | {:.1} | {:.2} |",
        r.case.label(),
        ms(&r.init),
        init_cpu,
        hello_cpu.map_or(f64::NAN, |h| init_cpu / h),
        ms(&r.first),
        ms(&r.first_cpu),
        ms(&r.first_emulator),
        ms(&r.warm),
        ms(&r.warm_cpu),
        r.cold_ms(),
        r.cold_cpu_ms(),
    )
}
