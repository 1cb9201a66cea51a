//! Cold start as a Lambda of a given memory size lives it: each release
//! binary in a cgroup holding that size's share of one CPU
//! ([`crate::cpu_quota`]), reaching DynamoDB and WeChat over TLS through the
//! bench's fronts, trusting the roots in `SSL_CERT_FILE` (the public bundle
//! plus the test CA). Per run: init (wall and CPU), the first invocation
//! (wall, CPU, and how long the DynamoDB emulator itself took), and warm
//! invocations. The CPU is the kernel's account of the process (user +
//! system, every thread, `cpuacct.usage`): what the targets count, since the
//! stand-ins' answer times are not the function's.
//!
//! Lambda may run init with more CPU than the share. Each size is measured
//! both ways: init throttled (the cgroup's quota from the exec) and init
//! unthrottled (the quota put in place at the first poll for work).

use crate::cpu_quota::CpuQuota;
use crate::stage::{HELLO, Stage, Workload, login_event};
use crate::stats::{median, millis};
use std::time::Duration;

/// One binary, memory size and init mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Case {
    pub function: &'static str,
    pub memory_mb: u32,
    pub init_throttled: bool,
}

/// What the runs of one [`Case`] measured.
#[derive(Debug, Clone)]
pub struct ColdTls {
    pub case: Case,
    pub init: Vec<Duration>,
    pub init_cpu: Vec<Duration>,
    pub first: Vec<Duration>,
    pub first_cpu: Vec<Duration>,
    /// The DynamoDB emulator's own answer time within the first invocation.
    pub first_emulator: Vec<Duration>,
    pub warm: Vec<Duration>,
    pub warm_cpu: Vec<Duration>,
}

impl ColdTls {
    fn new(case: Case) -> Self {
        Self {
            case,
            init: Vec::new(),
            init_cpu: Vec::new(),
            first: Vec::new(),
            first_cpu: Vec::new(),
            first_emulator: Vec::new(),
            warm: Vec::new(),
            warm_cpu: Vec::new(),
        }
    }

    pub fn ms(values: &[Duration]) -> f64 {
        millis(median(values))
    }

    /// Median over runs of init + first invocation, wall.
    pub fn cold_ms(&self) -> f64 {
        Self::ms(&sums(&self.init, &self.first))
    }

    /// Median over runs of init + first invocation, CPU.
    pub fn cold_cpu_ms(&self) -> f64 {
        Self::ms(&sums(&self.init_cpu, &self.first_cpu))
    }
}

fn sums(a: &[Duration], b: &[Duration]) -> Vec<Duration> {
    a.iter().zip(b).map(|(a, b)| *a + *b).collect()
}

/// The memory sizes measured.
pub const SIZES: &[u32] = &[128, 256, 512];

/// Every function at 128 MB with init throttled; the login and the
/// hello-world at each of [`SIZES`], init throttled and not. `smoke`: the
/// login and the hello-world at 128 MB, both modes.
pub fn cases(functions: &[&'static str], smoke: bool) -> Vec<Case> {
    let mut cases: Vec<Case> = Vec::new();
    let mut add = |case: Case| {
        if !cases.contains(&case) {
            cases.push(case);
        }
    };
    if !smoke {
        for &function in functions {
            add(Case {
                function,
                memory_mb: 128,
                init_throttled: true,
            });
        }
    }
    let sizes: &[u32] = if smoke { &[128] } else { SIZES };
    for &memory_mb in sizes {
        for init_throttled in [true, false] {
            for function in ["login", HELLO] {
                add(Case {
                    function,
                    memory_mb,
                    init_throttled,
                });
            }
        }
    }
    cases
}

/// `runs` cold starts of each case, interleaved so that the machine's drift
/// is shared out, each with `warm` warm invocations after the first. The
/// login's invocations log a new user in (WeChat, a DynamoDB transaction, a
/// token), the others run their workload.
pub async fn measure(
    stage: &Stage,
    workloads: &mut [Workload],
    cases: &[Case],
    runs: usize,
    warm: usize,
) -> Result<Vec<ColdTls>, String> {
    roots_come_from_ssl_cert_file(stage).await?;
    let mut results: Vec<ColdTls> = cases.iter().copied().map(ColdTls::new).collect();
    for _ in 0..runs {
        for result in &mut results {
            let workload = workloads
                .iter_mut()
                .find(|w| w.function == result.case.function)
                .ok_or_else(|| format!("no workload for {}", result.case.function))?;
            run_once(stage, workload, result, warm).await?;
        }
    }
    Ok(results)
}

/// A new user's login event, each time another user.
pub fn new_user_login() -> String {
    login_event(&format!("bench-new-{}", uuid::Uuid::new_v4().simple()))
}

async fn run_once(
    stage: &Stage,
    workload: &mut Workload,
    result: &mut ColdTls,
    warm: usize,
) -> Result<(), String> {
    let case = result.case;
    let quota = CpuQuota::create(case.memory_mb)?;
    if !case.init_throttled {
        quota.lift()?;
    }
    let cpu = || {
        quota
            .cpu_ns()
            .map(Duration::from_nanos)
            .ok_or("no cpuacct controller: the CPU time cannot be counted")
    };
    let process = stage
        .launch_tls(case.function, &quota, case.memory_mb, true)
        .await?;
    let init_cpu = cpu()?;
    let init = process.init;
    quota.throttle()?;
    stage.proxy.take_upstream_time();
    let first = invoke_checked(&process, workload).await?;
    let after_first = cpu()?;
    result.first_emulator.push(stage.proxy.take_upstream_time());
    let mut latencies = Vec::with_capacity(warm);
    for _ in 0..warm {
        latencies.push(invoke_checked(&process, workload).await?);
    }
    let after_warm = cpu()?;
    drop(process);
    result.init.push(init);
    result.init_cpu.push(init_cpu);
    result.first.push(first);
    result.first_cpu.push(after_first - init_cpu);
    if warm > 0 {
        result.warm.push(median(&latencies));
        result
            .warm_cpu
            .push((after_warm - after_first) / warm as u32);
    }
    Ok(())
}

/// One invocation of the case's request (a new user's login for the login),
/// checked to be the workload's success; its latency.
async fn invoke_checked(
    process: &crate::process::FunctionProcess,
    workload: &mut Workload,
) -> Result<Duration, String> {
    let event = if workload.function == "login" {
        new_user_login()
    } else {
        (workload.next_event)()
    };
    let (latency, answer) = process.invoke(event).await?;
    if !(workload.check)(&answer) {
        return Err(format!("{}: unexpected answer {answer}", workload.function));
    }
    Ok(latency)
}

/// The login over TLS without `SSL_CERT_FILE` must fail: the test CA is in
/// no other store, so a success would mean the roots came from elsewhere and
/// the figures measured another configuration.
async fn roots_come_from_ssl_cert_file(stage: &Stage) -> Result<(), String> {
    let quota = CpuQuota::create(1_769)?;
    let process = stage.launch_tls("login", &quota, 128, false).await?;
    let (_, answer) = process.invoke(new_user_login()).await?;
    let status = answer["statusCode"].as_u64().unwrap_or_default();
    if status < 500 {
        return Err(format!(
            "login reached WeChat and DynamoDB over TLS without the test CA in SSL_CERT_FILE: {answer}"
        ));
    }
    Ok(())
}
