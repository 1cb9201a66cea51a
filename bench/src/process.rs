//! One function binary running as Lambda runs it: a fresh process with
//! Lambda's environment, speaking to its own [`RuntimeApi`].

use crate::cpu_quota::{CpuQuota, JoinSignal};
use crate::runtime_api::RuntimeApi;
use serde_json::Value;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long an init or an invocation may take before the run is abandoned.
const PATIENCE: Duration = Duration::from_secs(30);

/// A started function process; killed on drop.
pub struct FunctionProcess {
    name: String,
    child: Child,
    api: RuntimeApi,
    log: std::path::PathBuf,
    /// Exec → first poll of `invocation/next`: Lambda's Init Duration.
    pub init: Duration,
}

impl FunctionProcess {
    /// Starts `binary` with exactly `env` (plus the variables Lambda sets) and
    /// waits for its first poll. Output goes to `log`.
    pub async fn start(
        name: &str,
        binary: &Path,
        env: &[(String, String)],
        log: &Path,
    ) -> Result<Self, String> {
        Self::start_command(name, Command::new(binary), None, 128, env, log).await
    }

    /// As [`start`](Self::start), inside `quota`'s cgroup (a function of
    /// `memory_mb`), joined through `launcher` (`wxauth-cgroup-exec`): the
    /// process's CPU is that memory size's share.
    pub async fn start_in(
        quota: &CpuQuota,
        launcher: &Path,
        memory_mb: u32,
        name: &str,
        binary: &Path,
        env: &[(String, String)],
        log: &Path,
    ) -> Result<Self, String> {
        let joined = JoinSignal::new()?;
        let command = quota.command_signalling(launcher, binary, &joined);
        Self::start_command(name, command, Some(joined), memory_mb, env, log).await
    }

    async fn start_command(
        name: &str,
        mut command: Command,
        joined: Option<JoinSignal>,
        memory_mb: u32,
        env: &[(String, String)],
        log: &Path,
    ) -> Result<Self, String> {
        let api = RuntimeApi::start().await.map_err(|e| e.to_string())?;
        let output = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .map_err(|e| format!("{}: {e}", log.display()))?;
        let errors = output.try_clone().map_err(|e| e.to_string())?;
        command
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("AWS_LAMBDA_RUNTIME_API", api.address())
            .env("AWS_LAMBDA_FUNCTION_NAME", name)
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", memory_mb.to_string())
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "2026/11/21/[$LATEST]bench")
            .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
            .env("TZ", ":UTC")
            .stdin(Stdio::null())
            .stdout(output)
            .stderr(errors);
        let mut started = Instant::now();
        let child = command.spawn().map_err(|e| format!("start {name}: {e}"))?;
        if let Some(joined) = joined {
            // The start Lambda sees: the process in its cgroup, about to exec.
            started = tokio::task::spawn_blocking(move || joined.wait())
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("{name}: the process could not join its cgroup"))?;
        }
        let mut process = Self {
            name: name.to_owned(),
            child,
            api,
            log: log.to_owned(),
            init: Duration::ZERO,
        };
        let deadline = started + PATIENCE;
        loop {
            if let Some(at) = process.api.first_poll(Duration::from_millis(50)).await {
                process.init = at.duration_since(started);
                return Ok(process);
            }
            if let Ok(Some(status)) = process.child.try_wait() {
                return Err(process.failure(&format!("exited during init ({status})")));
            }
            if Instant::now() > deadline {
                return Err(process.failure("never polled for work"));
            }
        }
    }

    /// Invokes with `event`; answers the latency and the function's JSON answer.
    pub async fn invoke(&self, event: String) -> Result<(Duration, Value), String> {
        let (latency, answer) = self
            .api
            .invoke(event, PATIENCE)
            .await
            .map_err(|e| self.failure(&e))?;
        let body = String::from_utf8_lossy(&answer.body);
        if answer.failed {
            return Err(self.failure(&format!("invocation error: {body}")));
        }
        let json = serde_json::from_str(&body)
            .map_err(|e| self.failure(&format!("answer is not JSON ({e}): {body}")))?;
        Ok((latency, json))
    }

    /// Peak resident set size so far (`VmHWM`), in KiB.
    pub fn peak_rss_kib(&self) -> Result<u64, String> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .map_err(|e| format!("{}: /proc status: {e}", self.name))?;
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .ok_or_else(|| format!("{}: no VmHWM in /proc status", self.name))
    }

    fn failure(&self, what: &str) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(15).collect();
        let init_error = self.api.init_error().unwrap_or_default();
        format!(
            "{}: {what}\ninit error: {init_error}\nlast log lines ({}):\n{}",
            self.name,
            self.log.display(),
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        )
    }
}

impl Drop for FunctionProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
