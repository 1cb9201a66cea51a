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
use crate::process::FunctionProcess;
use crate::stage::{
    HELLO, LoggedIn, Stage, Workload, fresh_number, http_body, login_event, refresh_event,
    sms_login_event, sms_send_event,
};
use crate::stats::{median, millis};
use serde_json::Value;
use std::time::Duration;

/// One binary, memory size and init mode, and what its invocations ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Case {
    pub function: &'static str,
    pub memory_mb: u32,
    pub init_throttled: bool,
    pub ask: Ask,
}

impl Case {
    /// The binary, with the request when it is not the usual one.
    pub fn label(&self) -> String {
        match self.ask.what() {
            None => self.function.to_owned(),
            Some(what) => format!("{} ({what})", self.function),
        }
    }
}

/// What each invocation of a case asks: the binary's usual request, or
/// another route of it, so that each operation the cost section prices has
/// its own cold and warm figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    /// The workload's request; for the login, a new user's login.
    Usual,
    /// A returning user's login, with a fresh code.
    ReturningLogin,
    /// A refresh with the session's latest refresh token.
    Refresh,
    /// A new user's first profile decrypt (it links the unionId): a repeat
    /// of an unchanged profile writes nothing.
    FirstProfile,
    /// A new user binding a number (a rebind of the same one writes nothing).
    FirstBind,
    /// A new number's SMS login, with a code sent just before (not timed).
    SmsLogin,
}

impl Ask {
    pub fn what(self) -> Option<&'static str> {
        match self {
            Self::Usual => None,
            Self::ReturningLogin => Some("returning user"),
            Self::Refresh => Some("refresh"),
            Self::FirstProfile => Some("new user's profile"),
            Self::FirstBind => Some("new user's number"),
            Self::SmsLogin => Some("SMS login"),
        }
    }
}

/// The other routes measured, at 128 MB with init throttled, for the cost
/// section ([`crate::report_cost`]).
pub const COST_ASKS: &[(&str, Ask)] = &[
    ("login", Ask::ReturningLogin),
    ("login", Ask::Refresh),
    ("decrypt-profile", Ask::FirstProfile),
    ("bind-phone", Ask::FirstBind),
    ("sms", Ask::SmsLogin),
];

/// The binaries whose usual request the cost section prices.
const COST_FUNCTIONS: &[&str] = &["login", "sms"];

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

/// Every function at each of [`SIZES`] with init throttled, the
/// [`COST_ASKS`] at 128 MB, and the login and the hello-world at each size
/// with init unthrottled too. `smoke`: the login, the SMS function and the
/// hello-world at 128 MB, both modes for the login and the hello-world, and
/// what the cost section prices.
pub fn cases(functions: &[&'static str], smoke: bool) -> Vec<Case> {
    let mut cases: Vec<Case> = Vec::new();
    let mut add = |case: Case| {
        if !cases.contains(&case) {
            cases.push(case);
        }
    };
    let at_128 = |function, ask| Case {
        function,
        memory_mb: 128,
        init_throttled: true,
        ask,
    };
    let usual: Vec<&'static str> = match smoke {
        true => functions
            .iter()
            .copied()
            .filter(|f| COST_FUNCTIONS.contains(f))
            .collect(),
        false => functions.to_vec(),
    };
    for &function in &usual {
        add(at_128(function, Ask::Usual));
    }
    for &(function, ask) in COST_ASKS {
        if functions.contains(&function) {
            add(at_128(function, ask));
        }
    }
    let sizes: &[u32] = if smoke { &[128] } else { SIZES };
    for &memory_mb in sizes {
        let case = |function, init_throttled| Case {
            function,
            memory_mb,
            init_throttled,
            ask: Ask::Usual,
        };
        for &function in &usual {
            add(case(function, true));
        }
        for init_throttled in [true, false] {
            for function in ["login", HELLO] {
                add(case(function, init_throttled));
            }
        }
    }
    cases
}

/// `runs` cold starts of each case, interleaved so that the machine's drift
/// is shared out, each with `warm` warm invocations after the first. The
/// login's invocations log a new user in (WeChat, a DynamoDB transaction, a
/// token), the others run their workload. Each run has a fresh table, its
/// users logged in again: one table for every run grew until the emulator's
/// transactions outlasted the functions' budget. The stage is left on the
/// table it came with.
pub async fn measure(
    stage: &Stage,
    cases: &[Case],
    runs: usize,
    warm: usize,
) -> Result<Vec<ColdTls>, String> {
    roots_come_from_ssl_cert_file(stage).await?;
    let mut results: Vec<ColdTls> = cases.iter().copied().map(ColdTls::new).collect();
    for _ in 0..runs {
        let home = stage.move_to_fresh_table().await;
        let outcome = run_each_case(stage, &mut results, warm).await;
        stage.move_back_to(home).await?;
        outcome?;
    }
    Ok(results)
}

/// One run of every case, on the stage's table.
async fn run_each_case(stage: &Stage, results: &mut [ColdTls], warm: usize) -> Result<(), String> {
    let mut workloads = stage.workloads().await?;
    let cases: Vec<Case> = results.iter().map(|r| r.case).collect();
    let mut asker = Asker::prepare(stage, &cases).await?;
    for result in results {
        let workload = workloads
            .iter_mut()
            .find(|w| w.function == result.case.function)
            .ok_or_else(|| format!("no workload for {}", result.case.function))?;
        run_once(stage, workload, &mut asker, result, warm).await?;
    }
    Ok(())
}

/// The returning user of [`Ask::ReturningLogin`].
const RETURNING: &str = "bench-returning";

/// What the asks other than the usual need between invocations: the session
/// whose refresh token the last refresh handed out, and processes outside
/// any quota that log the new users in and send the SMS logins' codes.
struct Asker {
    refreshing: Option<LoggedIn>,
    login: Option<FunctionProcess>,
    sms: Option<FunctionProcess>,
}

impl Asker {
    async fn prepare(stage: &Stage, cases: &[Case]) -> Result<Self, String> {
        let wants = |ask| cases.iter().any(|c| c.ask == ask);
        let mut asker = Self {
            refreshing: None,
            login: None,
            sms: None,
        };
        if [
            Ask::ReturningLogin,
            Ask::Refresh,
            Ask::FirstProfile,
            Ask::FirstBind,
        ]
        .into_iter()
        .any(wants)
        {
            let login = stage.launch("login").await?;
            stage.log_in(&login, RETURNING).await?;
            if wants(Ask::Refresh) {
                asker.refreshing = Some(stage.log_in(&login, "bench-refreshing").await?);
            }
            asker.login = Some(login);
        }
        if wants(Ask::SmsLogin) {
            asker.sms = Some(stage.launch("sms").await?);
        }
        Ok(asker)
    }

    /// The next invocation's event; for an SMS login, the code is sent first.
    async fn event(
        &mut self,
        stage: &Stage,
        workload: &mut Workload,
        ask: Ask,
    ) -> Result<String, String> {
        Ok(match ask {
            Ask::Usual if workload.function == "login" => new_user_login(),
            Ask::Usual => (workload.next_event)(),
            Ask::ReturningLogin => login_event(RETURNING),
            Ask::Refresh => refresh_event(self.refreshing.as_ref().ok_or("no session to refresh")?),
            Ask::FirstProfile => stage.profile_event(&self.new_user(stage).await?)?,
            Ask::FirstBind => stage.phone_event_for(&self.new_user(stage).await?, &fresh_number()),
            Ask::SmsLogin => {
                let sms = self.sms.as_ref().ok_or("no sms process to send codes")?;
                let number = fresh_number();
                let (_, answer) = sms.invoke(sms_send_event(&number)).await?;
                http_body(&answer).ok_or_else(|| format!("SMS send failed: {answer}"))?;
                let code = stage
                    .sms
                    .last_code_to(&format!("+86{number}"))
                    .ok_or("the stand-in received no code")?;
                sms_login_event(&number, &code)
            }
        })
    }

    /// A user logged in for the first time.
    async fn new_user(&self, stage: &Stage) -> Result<LoggedIn, String> {
        let login = self.login.as_ref().ok_or("no login process")?;
        let label = format!("bench-first-{}", uuid::Uuid::new_v4().simple());
        stage.log_in(login, &label).await
    }

    /// Whether `answer` is the ask's success; a refresh's next token is kept.
    fn check(&mut self, workload: &Workload, ask: Ask, answer: &Value) -> bool {
        match ask {
            Ask::Usual => (workload.check)(answer),
            Ask::ReturningLogin | Ask::SmsLogin | Ask::FirstProfile | Ask::FirstBind => {
                http_body(answer).is_some()
            }
            Ask::Refresh => {
                let next = http_body(answer)
                    .and_then(|body| body["refreshToken"].as_str().map(str::to_owned));
                match (next, self.refreshing.as_mut()) {
                    (Some(next), Some(session)) => {
                        session.refresh_token = next;
                        true
                    }
                    _ => false,
                }
            }
        }
    }
}

/// A new user's login event, each time another user.
pub fn new_user_login() -> String {
    login_event(&format!("bench-new-{}", uuid::Uuid::new_v4().simple()))
}

async fn run_once(
    stage: &Stage,
    workload: &mut Workload,
    asker: &mut Asker,
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
    // The event first: an SMS login's code is sent before the timing.
    let event = asker.event(stage, workload, case.ask).await?;
    stage.proxy.take_upstream_time();
    let first = invoke_checked(&process, workload, asker, case, event).await?;
    let after_first = cpu()?;
    result.first_emulator.push(stage.proxy.take_upstream_time());
    let mut latencies = Vec::with_capacity(warm);
    for _ in 0..warm {
        let event = asker.event(stage, workload, case.ask).await?;
        latencies.push(invoke_checked(&process, workload, asker, case, event).await?);
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

/// One invocation with the case's `event`, checked to be its success; its latency.
async fn invoke_checked(
    process: &FunctionProcess,
    workload: &Workload,
    asker: &mut Asker,
    case: Case,
    event: String,
) -> Result<Duration, String> {
    let (latency, answer) = process.invoke(event).await?;
    if !asker.check(workload, case.ask, &answer) {
        return Err(format!("{}: unexpected answer {answer}", case.label()));
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

#[cfg(test)]
mod tests {
    use super::*;

    const FUNCTIONS: &[&str] = &["login", "sms", "password", "authorizer", HELLO];

    fn has(cases: &[Case], function: &str, memory_mb: u32, init_throttled: bool) -> bool {
        cases.iter().any(|c| {
            c.function == function
                && c.memory_mb == memory_mb
                && c.init_throttled == init_throttled
                && c.ask == Ask::Usual
        })
    }

    #[test]
    fn a_full_run_has_every_function_at_every_size() {
        let cases = cases(FUNCTIONS, false);
        for &function in FUNCTIONS {
            for &memory_mb in SIZES {
                assert!(
                    has(&cases, function, memory_mb, true),
                    "{function} {memory_mb}"
                );
                let both_ways = ["login", HELLO].contains(&function);
                assert_eq!(has(&cases, function, memory_mb, false), both_ways);
            }
        }
        for &(function, ask) in COST_ASKS.iter().filter(|(f, _)| FUNCTIONS.contains(f)) {
            assert!(cases.iter().any(|c| c.function == function && c.ask == ask));
        }
        for (i, case) in cases.iter().enumerate() {
            assert!(!cases[i + 1..].contains(case), "{case:?} twice");
        }
    }

    #[test]
    fn a_smoke_pass_stays_at_128_mb_with_what_the_cost_section_prices() {
        let cases = cases(FUNCTIONS, true);
        assert!(cases.iter().all(|c| c.memory_mb == 128));
        assert!(has(&cases, "sms", 128, true));
        assert!(!has(&cases, "password", 128, true));
        assert!(has(&cases, "login", 128, false) && has(&cases, HELLO, 128, false));
    }
}
