//! One argon2id verify at each Lambda memory size's CPU share: the
//! `wxauth-argon2-verify` probe run inside a [`CpuQuota`] per size, and once
//! without one. A verify is CPU-bound, so its wall time stretches as the share
//! shrinks; the smallest size that keeps it within target is the password
//! function's memory size.

use crate::cpu_quota::{CpuQuota, JOIN_FAILED};
use crate::stats::{median_f64, quantile_f64};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// The sizes measured: 128 MB (the other functions'), doublings, one vCPU.
pub const MEMORY_SIZES_MB: &[u32] = &[128, 256, 512, 1024, 1769];
/// Issue 12: a verify the user waits for at login, at most this long.
pub const VERIFY_TARGET_MS: f64 = 250.0;

/// Each verify of one probe run, in ms.
#[derive(Debug, Clone)]
pub struct Verifies {
    pub wall_ms: Vec<f64>,
    pub cpu_ms: Vec<f64>,
}

impl Verifies {
    pub fn median_ms(&self) -> f64 {
        median_f64(self.wall_ms.clone())
    }
    pub fn p90_ms(&self) -> f64 {
        quantile_f64(self.wall_ms.clone(), 0.9)
    }
    pub fn cpu_median_ms(&self) -> f64 {
        median_f64(self.cpu_ms.clone())
    }
}

/// One memory size's verifies under its quota.
#[derive(Debug, Clone)]
pub struct AtSize {
    pub memory_mb: u32,
    pub quota_us: u64,
    pub verifies: Verifies,
    /// Periods that ran out of quota during the run (`None`: unreadable).
    pub throttled_periods: Option<u64>,
}

/// The whole measurement.
#[derive(Debug, Clone)]
pub struct Argon2Share {
    pub unthrottled: Verifies,
    /// Per memory size; `Err` says why this machine could not set a quota.
    pub throttled: Result<Vec<AtSize>, String>,
}

impl Argon2Share {
    /// The smallest measured size whose p90 verify is within target: "a
    /// verify within 250 ms" for nine logins in ten, on this machine's noise,
    /// not just half of them. (Lambda's arm64 cores run argon2 without the
    /// AVX2 path this x86 core takes, so the margin is wanted.)
    pub fn chosen_mb(&self) -> Option<u32> {
        let sizes = self.throttled.as_ref().ok()?;
        sizes
            .iter()
            .find(|size| size.verifies.p90_ms() <= VERIFY_TARGET_MS)
            .map(|size| size.memory_mb)
    }
}

/// Why a probe run produced no figures.
enum Failure {
    /// The shell could not join the cgroup: no quota on this machine.
    NoQuota(String),
    Probe(String),
}

impl Failure {
    fn why(self) -> String {
        match self {
            Self::NoQuota(why) | Self::Probe(why) => why,
        }
    }
}

/// `verifies` verifies unthrottled, then at each of [`MEMORY_SIZES_MB`].
pub fn measure(bin_dir: &Path, verifies: usize) -> Result<Argon2Share, String> {
    let probe = bin_dir.join("wxauth-argon2-verify");
    let unthrottled = run(Command::new(&probe), verifies).map_err(Failure::why)?;
    let mut sizes = Vec::new();
    for &memory_mb in MEMORY_SIZES_MB {
        let no_quota = |why: String| Argon2Share {
            unthrottled: unthrottled.clone(),
            throttled: Err(why),
        };
        let quota = match CpuQuota::create(memory_mb) {
            Ok(quota) => quota,
            Err(why) => return Ok(no_quota(why)),
        };
        let verifies = match run(quota.command(&probe), verifies) {
            Ok(verifies) => verifies,
            Err(Failure::NoQuota(why)) => return Ok(no_quota(why)),
            Err(Failure::Probe(why)) => return Err(why),
        };
        sizes.push(AtSize {
            memory_mb,
            quota_us: quota.quota_us,
            verifies,
            throttled_periods: quota.throttled_periods(),
        });
    }
    Ok(Argon2Share {
        unthrottled,
        throttled: Ok(sizes),
    })
}

/// Runs the probe (`command`, its arguments still to come) and reads its JSON.
fn run(mut command: Command, verifies: usize) -> Result<Verifies, Failure> {
    let output = command
        .arg(verifies.to_string())
        .output()
        .map_err(|e| Failure::Probe(format!("wxauth-argon2-verify: {e}")))?;
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
    if output.status.code() == Some(JOIN_FAILED) {
        return Err(Failure::NoQuota(format!(
            "cannot join the cgroup: {stderr}"
        )));
    }
    if !output.status.success() {
        return Err(Failure::Probe(format!(
            "wxauth-argon2-verify failed ({}): {stderr}",
            output.status
        )));
    }
    let json: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| Failure::Probe(format!("wxauth-argon2-verify printed no JSON: {e}")))?;
    let list = |key: &str| -> Result<Vec<f64>, Failure> {
        json[key]
            .as_array()
            .map(|values| values.iter().filter_map(Value::as_f64).collect())
            .ok_or_else(|| Failure::Probe(format!("wxauth-argon2-verify printed no {key}")))
    };
    Ok(Verifies {
        wall_ms: list("wall_ms")?,
        cpu_ms: list("cpu_ms")?,
    })
}
