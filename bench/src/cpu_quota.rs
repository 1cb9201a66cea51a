//! The CPU a Lambda function gets: a share of one vCPU in proportion to its
//! memory size (1 vCPU per 1,769 MB), here a cgroup v1 `cpu` child with a CFS
//! bandwidth quota. Needs root and the v1 `cpu` controller mounted; where
//! either is missing, [`CpuQuota::create`] says why instead of failing the run.
//! Where the v1 `cpuacct` controller is mounted too, the same child there
//! counts the CPU time of everything in it ([`CpuQuota::cpu_ns`]): threads
//! that have ended included, to the nanosecond, where `/proc/<pid>/stat`
//! counts in 10 ms ticks.

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

/// Where the v1 `cpuacct` controller is mounted on its own.
const CPUACCT: &str = "/sys/fs/cgroup/cpuacct";

/// The child's exit status when it could not join the cgroup.
pub const JOIN_FAILED: i32 = 125;

/// CPU time per [`PERIOD_US`] for a function of `memory_mb`: its share of one
/// vCPU, at most the whole of it (a single thread gains nothing above 1,769 MB).
pub fn quota_us(memory_mb: u32) -> u64 {
    (PERIOD_US * u64::from(memory_mb) / u64::from(LAMBDA_MB_PER_VCPU)).min(PERIOD_US)
}

/// A child cgroup holding one memory size's quota; removed on drop.
pub struct CpuQuota {
    dir: PathBuf,
    /// The `cpuacct` child, when that controller is mounted apart from `cpu`
    /// (with `cpu,cpuacct` mounted together, `dir` has its files).
    accounting: Option<PathBuf>,
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
        let accounting = match dir.join("cpuacct.usage").exists() {
            true => None,
            false => {
                let apart = Path::new(CPUACCT).join(dir.file_name().expect("a name"));
                std::fs::create_dir(&apart).ok().map(|()| apart)
            }
        };
        // From here on, drop removes it whatever fails next.
        let quota = Self {
            dir,
            accounting,
            quota_us: quota_us(memory_mb),
        };
        quota.write("cpu.cfs_period_us", PERIOD_US)?;
        quota.write("cpu.cfs_quota_us", quota.quota_us)?;
        Ok(quota)
    }

    fn write(&self, file: &str, value: impl ToString) -> Result<(), String> {
        let path = self.dir.join(file);
        let value = value.to_string();
        std::fs::write(&path, &value)
            .map_err(|e| format!("cannot write {value} to {}: {e}", path.display()))
    }

    /// Lifts the quota (the whole machine's CPU) until [`throttle`](Self::throttle).
    pub fn lift(&self) -> Result<(), String> {
        self.write("cpu.cfs_quota_us", -1)
    }

    /// Puts the memory size's quota (back) in place.
    pub fn throttle(&self) -> Result<(), String> {
        self.write("cpu.cfs_quota_us", self.quota_us)
    }

    /// CPU time (user + system) of everything that has run in the cgroup, in
    /// nanoseconds; `None` without the `cpuacct` controller.
    pub fn cpu_ns(&self) -> Option<u64> {
        let dir = self.accounting.as_ref().unwrap_or(&self.dir);
        std::fs::read_to_string(dir.join("cpuacct.usage"))
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    /// `program`, started inside the cgroup: the child moves itself in
    /// (both controllers) between fork and exec, so none of the program's
    /// work runs outside the quota and no shell's start is counted. A child
    /// that cannot join exits at once with [`JOIN_FAILED`]. What it counts
    /// includes dropping the copy of this process's page tables at exec: fine
    /// for a program that times itself (argon2's verifies), not for init.
    pub fn command(&self, program: &Path) -> Command {
        use std::os::unix::ffi::OsStrExt;
        use std::os::unix::process::CommandExt;
        // The accounting child first: the CPU counted starts before the
        // quota can delay anything.
        let files: Vec<std::ffi::CString> = self
            .procs_files()
            .iter()
            .map(|file| {
                std::ffi::CString::new(file.as_os_str().as_bytes())
                    .expect("no NUL in a cgroup path")
            })
            .collect();
        let mut command = Command::new(program);
        // SAFETY: between fork and exec the closure only calls open, write,
        // close and _exit (async-signal-safe) on paths made before the fork;
        // it allocates nothing. Writing "0" to cgroup.procs moves the writer.
        unsafe {
            command.pre_exec(move || {
                for file in &files {
                    let fd = libc::open(file.as_ptr(), libc::O_WRONLY);
                    if fd < 0 {
                        libc::_exit(JOIN_FAILED);
                    }
                    let written = libc::write(fd, b"0".as_ptr().cast(), 1);
                    libc::close(fd);
                    if written != 1 {
                        libc::_exit(JOIN_FAILED);
                    }
                }
                Ok(())
            });
        }
        command
    }

    /// `program` started inside the cgroup by `launcher`
    /// (`wxauth-cgroup-exec`, beside the bench's binaries), which writes to
    /// `joined`'s pipe the moment it is in, just before it becomes `program`:
    /// the start as Lambda sees it. Moving a process between cgroups waits
    /// for the kernel (tens of ms, none of it the function's), so a start
    /// timed from the spawn would count that wait as init; and the launcher
    /// is small, so the cgroup counts no copy of this process's page tables.
    /// The launcher reads the clock itself: the parent may read the pipe
    /// milliseconds later when the machine is busy.
    pub fn command_signalling(
        &self,
        launcher: &Path,
        program: &Path,
        joined: &JoinSignal,
    ) -> Command {
        let mut command = Command::new(launcher);
        command
            .arg(joined.write.to_string())
            .args(self.procs_files())
            .arg("--")
            .arg(program);
        command
    }

    /// The `cgroup.procs` files to join, the accounting child's first: the
    /// CPU counted starts before the quota can delay anything.
    fn procs_files(&self) -> Vec<PathBuf> {
        self.accounting
            .iter()
            .chain(std::iter::once(&self.dir))
            .map(|dir| dir.join("cgroup.procs"))
            .collect()
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

/// A pipe the launcher writes its clock to once it has joined the cgroup
/// ([`CpuQuota::command_signalling`]). The write end is inherited by the
/// launcher, which closes it; this process closes its own copy in
/// [`wait`](Self::wait), after the spawn.
pub struct JoinSignal {
    read: std::fs::File,
    write: i32,
}

impl JoinSignal {
    pub fn new() -> Result<Self, String> {
        let mut fds = [0i32; 2];
        // SAFETY: pipe2 fills the two descriptors it is given room for.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return Err(format!("pipe2: {}", std::io::Error::last_os_error()));
        }
        // SAFETY: fds[1] is ours; the launcher must inherit it.
        if unsafe { libc::fcntl(fds[1], libc::F_SETFD, 0) } != 0 {
            return Err(format!("fcntl: {}", std::io::Error::last_os_error()));
        }
        use std::os::fd::FromRawFd;
        // SAFETY: fds[0] is a fresh descriptor that nothing else owns.
        let read = unsafe { std::fs::File::from_raw_fd(fds[0]) };
        Ok(Self {
            read,
            write: fds[1],
        })
    }

    /// Waits (after the spawn) until the child has joined; the moment it
    /// did, or None when it ended before writing (it could not join, or the
    /// spawn failed).
    pub fn wait(mut self) -> Option<std::time::Instant> {
        // This end's copy of the write end: closed, so a child that dies
        // before writing ends the read with nothing.
        // SAFETY: `write` is ours and closed once.
        unsafe { libc::close(self.write) };
        self.write = -1;
        let mut stamp = [0u8; 8];
        std::io::Read::read_exact(&mut self.read, &mut stamp).ok()?;
        let joined_ns = u64::from_ne_bytes(stamp);
        // `Instant` is CLOCK_MONOTONIC on Linux: the same clock, read now.
        let (now, now_ns) = (std::time::Instant::now(), monotonic_now_ns());
        now.checked_sub(std::time::Duration::from_nanos(
            now_ns.saturating_sub(joined_ns),
        ))
    }
}

/// CLOCK_MONOTONIC now, in ns: `Instant`'s clock on Linux.
pub fn monotonic_now_ns() -> u64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime fills the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
    now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64
}

impl Drop for JoinSignal {
    fn drop(&mut self) {
        if self.write >= 0 {
            // SAFETY: not closed yet (wait sets it to -1).
            unsafe { libc::close(self.write) };
        }
    }
}

impl Drop for CpuQuota {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.dir);
        if let Some(dir) = &self.accounting {
            let _ = std::fs::remove_dir(dir);
        }
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
