//! The CPU a Lambda function gets: a share of one vCPU in proportion to its
//! memory size (1 vCPU per 1,769 MB), here a cgroup v1 `cpu` child with a CFS
//! bandwidth quota. Needs root and the v1 `cpu` controller mounted; where
//! either is missing, [`CpuQuota::create`] says why instead of failing the run.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Lambda's memory size per vCPU.
pub const LAMBDA_MB_PER_VCPU: u32 = 1_769;

/// The CFS period. Short, so the quota bites on work of tens of milliseconds:
/// under the kernel's default 100 ms a verify could finish on one period's
/// quota at the larger sizes. 128 MB's share of it, 1.45 ms, is above the
/// kernel's 1 ms minimum quota.
pub const PERIOD_US: u64 = 20_000;

/// Where distributions mount the v1 `cpu` controller.
const MOUNTS: &[&str] = &[
    "/sys/fs/cgroup/cpu",
    "/sys/fs/cgroup/cpu,cpuacct",
    "/sys/fs/cgroup/cpuacct,cpu",
];

/// The shell's exit status when it could not join the cgroup.
pub const JOIN_FAILED: i32 = 125;

/// CPU time per [`PERIOD_US`] for a function of `memory_mb`: its share of one
/// vCPU, at most the whole of it (a single thread gains nothing above 1,769 MB).
pub fn quota_us(memory_mb: u32) -> u64 {
    (PERIOD_US * u64::from(memory_mb) / u64::from(LAMBDA_MB_PER_VCPU)).min(PERIOD_US)
}

/// A child cgroup holding one memory size's quota; removed on drop.
pub struct CpuQuota {
    dir: PathBuf,
    pub quota_us: u64,
}

impl CpuQuota {
    /// A fresh cgroup with the CPU share of a `memory_mb` function.
    pub fn create(memory_mb: u32) -> Result<Self, String> {
        let mount = MOUNTS
            .iter()
            .map(Path::new)
            .find(|mount| mount.join("cpu.cfs_quota_us").exists())
            .ok_or("no cgroup v1 `cpu` controller is mounted under /sys/fs/cgroup")?;
        let dir = mount.join(format!("wxauth-bench-{}-{memory_mb}mb", std::process::id()));
        std::fs::create_dir(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        // From here on, drop removes it whatever fails next.
        let quota = Self {
            dir,
            quota_us: quota_us(memory_mb),
        };
        quota.write("cpu.cfs_period_us", PERIOD_US)?;
        quota.write("cpu.cfs_quota_us", quota.quota_us)?;
        Ok(quota)
    }

    fn write(&self, file: &str, value: u64) -> Result<(), String> {
        let path = self.dir.join(file);
        std::fs::write(&path, value.to_string())
            .map_err(|e| format!("cannot write {value} to {}: {e}", path.display()))
    }

    /// `program`, started inside the cgroup: a shell moves itself in, then
    /// execs it, so none of the program's work runs outside the quota. The
    /// shell exits with [`JOIN_FAILED`] when it cannot join.
    pub fn command(&self, program: &Path) -> Command {
        let mut command = Command::new("/bin/sh");
        command
            .arg("-c")
            .arg(format!(
                r#"echo $$ > "$0" || exit {JOIN_FAILED}; exec "$@""#
            ))
            .arg(self.dir.join("cgroup.procs"))
            .arg(program);
        command
    }

    /// How many periods ran out of quota so far (`nr_throttled`): whether the
    /// quota bit at all.
    pub fn throttled_periods(&self) -> Option<u64> {
        std::fs::read_to_string(self.dir.join("cpu.stat"))
            .ok()?
            .lines()
            .find_map(|line| line.strip_prefix("nr_throttled "))
            .and_then(|n| n.trim().parse().ok())
    }
}

impl Drop for CpuQuota {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quota_is_the_memory_share_of_one_vcpu_at_most() {
        assert_eq!(quota_us(128), 1_447);
        assert_eq!(quota_us(1_769), PERIOD_US);
        assert_eq!(quota_us(3_008), PERIOD_US);
        assert!(quota_us(128) >= 1_000, "the kernel's minimum quota");
    }
}
