//! The measurements on the release binaries: cold start (init, first-request
//! overhead), peak memory after many invocations, and DynamoDB requests per
//! operation.

use crate::capacity::{self, Sizes, Units};
use crate::census::{self, Census};
use crate::stage::{
    BENCH_PASSWORD, LoggedIn, Stage, Workload, authorizer_event, fresh_number, http_body,
    logout_event, password_login_event, refresh_event, sms_login_event, sms_send_event,
};
use crate::stats::{median, median_f64, millis};
use std::time::Duration;
use wxauth_tests::events::http_api_event;

/// One function's cold starts.
#[derive(Debug, Clone)]
pub struct ColdStart {
    pub function: &'static str,
    /// Exec → first poll, per run.
    pub init: Vec<Duration>,
    /// First invocation latency, per run.
    pub first: Vec<Duration>,
    /// Median warm invocation latency, per run.
    pub warm: Vec<Duration>,
}

impl ColdStart {
    pub fn init_ms(&self) -> f64 {
        millis(median(&self.init))
    }
    pub fn first_ms(&self) -> f64 {
        millis(median(&self.first))
    }
    pub fn warm_ms(&self) -> f64 {
        millis(median(&self.warm))
    }
    /// Median over runs of (first − median warm), in ms.
    pub fn overhead_ms(&self) -> f64 {
        median_f64(
            self.first
                .iter()
                .zip(&self.warm)
                .map(|(first, warm)| millis(*first) - millis(*warm))
                .collect(),
        )
    }
}

/// Invokes once and checks the answer is the workload's success.
async fn invoke_checked(
    process: &crate::process::FunctionProcess,
    workload: &mut Workload,
) -> Result<Duration, String> {
    let (latency, answer) = process.invoke((workload.next_event)()).await?;
    if !(workload.check)(&answer) {
        return Err(format!("{}: unexpected answer {answer}", workload.function));
    }
    Ok(latency)
}

/// `runs` cold starts of every workload's function, interleaved so that any
/// drift of the machine is shared out evenly, each followed by one first and
/// `warm` warm invocations.
pub async fn cold_starts(
    stage: &Stage,
    workloads: &[Workload],
    runs: usize,
    warm: usize,
) -> Result<Vec<ColdStart>, String> {
    let mut results: Vec<ColdStart> = workloads
        .iter()
        .map(|w| ColdStart {
            function: w.function,
            init: Vec::new(),
            first: Vec::new(),
            warm: Vec::new(),
        })
        .collect();
    // Each run on a fresh table, its users logged in again: the emulator
    // copies a table for each transaction, and one table for every run grew
    // until a transaction outlasted the functions' DynamoDB budget.
    for _ in 0..runs {
        let home = stage.move_to_fresh_table().await;
        let outcome = cold_start_each(stage, &mut results, warm).await;
        stage.move_back_to(home).await?;
        outcome?;
    }
    Ok(results)
}

/// One cold start of each workload, on the stage's table.
async fn cold_start_each(
    stage: &Stage,
    results: &mut [ColdStart],
    warm: usize,
) -> Result<(), String> {
    let mut workloads = stage.workloads().await?;
    for (workload, result) in workloads.iter_mut().zip(results) {
        let process = stage.launch(workload.function).await?;
        result.init.push(process.init);
        result.first.push(invoke_checked(&process, workload).await?);
        let mut latencies = Vec::with_capacity(warm);
        for _ in 0..warm {
            latencies.push(invoke_checked(&process, workload).await?);
        }
        result.warm.push(median(&latencies));
    }
    Ok(())
}

/// The memory measurement's invocations of the workloads that add items.
pub const GROWING_INVOCATIONS: usize = 50;

/// One function's peak RSS.
#[derive(Debug, Clone)]
pub struct Memory {
    pub function: &'static str,
    pub after_init_kib: u64,
    pub after_invocations_kib: u64,
    pub invocations: usize,
}

/// Peak RSS of each function after `invocations` invocations in one process,
/// each function on a fresh table (see [`cold_starts`]).
pub async fn memory(
    stage: &Stage,
    functions: &[&'static str],
    invocations: usize,
) -> Result<Vec<Memory>, String> {
    let mut results = Vec::new();
    for &function in functions {
        let home = stage.move_to_fresh_table().await;
        let outcome = memory_of(stage, function, invocations).await;
        stage.move_back_to(home).await?;
        results.push(outcome?);
    }
    Ok(results)
}

/// Peak RSS of `function`, on the stage's table.
async fn memory_of(
    stage: &Stage,
    function: &'static str,
    invocations: usize,
) -> Result<Memory, String> {
    let mut workloads = stage.workloads().await?;
    let workload = workloads
        .iter_mut()
        .find(|w| w.function == function)
        .ok_or_else(|| format!("no workload for {function}"))?;
    {
        // Each SMS send and password try writes new items (codes, counts per
        // number and address), and the emulator's transactions slow as its
        // table grows (moto copies it per transaction): fewer for those.
        let invocations = match workload.function {
            "sms" | "password" => invocations.min(GROWING_INVOCATIONS),
            _ => invocations,
        };
        let process = stage.launch(workload.function).await?;
        let after_init_kib = process.peak_rss_kib()?;
        for _ in 0..invocations {
            invoke_checked(&process, workload).await?;
        }
        Ok(Memory {
            function: workload.function,
            after_init_kib,
            after_invocations_kib: process.peak_rss_kib()?,
            invocations,
        })
    }
}

/// DynamoDB requests of one operation, as the proxy saw them, and their
/// request units computed from their bodies and the items' sizes.
#[derive(Debug, Clone)]
pub struct Requests {
    pub operation: &'static str,
    pub target: usize,
    pub sent: Vec<String>,
    pub units: Units,
}

/// Counts each operation's requests: the proxy's copies since the last
/// count, priced against the table's items before and after them.
struct Counter<'a> {
    stage: &'a Stage,
    before: Sizes,
}

impl<'a> Counter<'a> {
    /// Starts counting from now: what the proxy saw so far is dropped.
    async fn start(stage: &'a Stage) -> Result<Self, String> {
        stage.proxy.take();
        Ok(Self {
            stage,
            before: census::sizes(&stage.table()).await?,
        })
    }

    /// The requests since the last count, as `operation`.
    async fn count(&mut self, operation: &'static str, target: usize) -> Result<Requests, String> {
        let sent = self.stage.proxy.take_sent();
        let after = census::sizes(&self.stage.table()).await?;
        let mut units = Units::default();
        for request in &sent {
            units = units
                + capacity::units(&request.operation, &request.body, &self.before, &after)
                    .map_err(|e| format!("{operation}: {e}"))?;
        }
        self.before = after;
        Ok(Requests {
            operation,
            target,
            sent: sent.into_iter().map(|r| r.operation).collect(),
            units,
        })
    }

    /// The table's items now: what `count` holds against afterwards.
    async fn census(&mut self) -> Result<Census, String> {
        self.stage.proxy.take();
        self.before = census::sizes(&self.stage.table()).await?;
        Ok(Census::of(&self.before))
    }
}

/// DynamoDB requests per login (new user, returning user), per profile
/// decrypt, phone bind, refresh, authorizer check, logout and logout
/// everywhere, and the logins by number, each done by the release binary,
/// with their request units; and the table's items at the end. Run on a
/// young table: each operation scans it twice, for the items' sizes before
/// and after.
pub async fn dynamodb_requests(stage: &Stage) -> Result<(Vec<Requests>, Census), String> {
    let login = stage.launch("login").await?;
    let profile = stage.launch("decrypt-profile").await?;
    let phone = stage.launch("bind-phone").await?;
    let authorizer = stage.launch("authorizer").await?;
    let label = format!("bench-count-{}", uuid::Uuid::new_v4().simple());
    let mut results = Vec::new();

    let mut counter = Counter::start(stage).await?;
    let user = stage.log_in(&login, &label).await?;
    results.push(counter.count("login, new user", 2).await?);
    let again = stage.log_in(&login, &label).await?;
    results.push(counter.count("login, returning user", 1).await?);
    if again.user_id != user.user_id {
        return Err(format!("{label} came back as another user"));
    }
    // The latest login's token: its session key encrypts the open data below.
    let user = again;
    let event = stage.profile_event(&user)?;
    let (_, answer) = profile.invoke(event).await?;
    http_body(&answer).ok_or_else(|| format!("decrypt-profile failed: {answer}"))?;
    results.push(counter.count("profile decrypt", 2).await?);
    let (_, answer) = phone
        .invoke(stage.phone_event_for(&user, "13700001111"))
        .await?;
    http_body(&answer).ok_or_else(|| format!("bind-phone failed: {answer}"))?;
    results.push(counter.count("phone bind", 2).await?);
    let (_, answer) = login.invoke(refresh_event(&user)).await?;
    let renewed = http_body(&answer).ok_or_else(|| format!("refresh failed: {answer}"))?;
    results.push(counter.count("refresh", 2).await?);
    let user = LoggedIn {
        token: renewed["token"].as_str().unwrap_or_default().to_owned(),
        ..user
    };
    let (_, answer) = authorizer.invoke(authorizer_event(&user)).await?;
    if answer["isAuthorized"] != true {
        return Err(format!("the authorizer denied a live token: {answer}"));
    }
    results.push(counter.count("authorizer check", 1).await?);
    let (_, answer) = login.invoke(logout_event(&user, false)).await?;
    http_body(&answer).ok_or_else(|| format!("logout failed: {answer}"))?;
    results.push(counter.count("logout", 2).await?);
    let again = stage.log_in(&login, &label).await?;
    counter.census().await?;
    let (_, answer) = login.invoke(logout_event(&again, true)).await?;
    http_body(&answer).ok_or_else(|| format!("logout everywhere failed: {answer}"))?;
    results.push(counter.count("logout everywhere", 2).await?);
    results.extend(number_requests(stage).await?);
    let census = Census::of(&census::sizes(&stage.table()).await?);
    Ok((results, census))
}

/// The requests of the logins by number: an SMS code sent (its limits and the
/// code in one commit), an SMS login making a new user (the code used up,
/// then the user), a first password set, a password login (the try counted
/// before the check, then the session and the cleared tries in one commit).
async fn number_requests(stage: &Stage) -> Result<Vec<Requests>, String> {
    let sms = stage.launch("sms").await?;
    let password = stage.launch("password").await?;
    let number = fresh_number();
    let mut results = Vec::new();
    let mut counter = Counter::start(stage).await?;
    let (_, answer) = sms.invoke(sms_send_event(&number)).await?;
    http_body(&answer).ok_or_else(|| format!("SMS send failed: {answer}"))?;
    results.push(counter.count("SMS code sent", 2).await?);
    let code = stage
        .sms
        .last_code_to(&format!("+86{number}"))
        .ok_or("the stand-in received no code")?;
    let (_, answer) = sms.invoke(sms_login_event(&number, &code)).await?;
    let by_sms = http_body(&answer).ok_or_else(|| format!("SMS login failed: {answer}"))?;
    results.push(counter.count("SMS login, new number", 4).await?);
    let body = serde_json::json!({ "password": BENCH_PASSWORD }).to_string();
    let token = by_sms["token"].as_str().unwrap_or_default();
    let event = http_api_event("POST", "/auth/password", Some(&body), Some(token)).to_string();
    let (_, answer) = password.invoke(event).await?;
    http_body(&answer).ok_or_else(|| format!("password set failed: {answer}"))?;
    results.push(counter.count("password set (the first)", 2).await?);
    let (_, answer) = password.invoke(password_login_event(&number)).await?;
    http_body(&answer).ok_or_else(|| format!("password login failed: {answer}"))?;
    results.push(counter.count("password login", 5).await?);
    Ok(results)
}
