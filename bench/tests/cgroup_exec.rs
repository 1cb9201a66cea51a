//! Starting a function in its CPU quota counts only the function: the
//! launcher's join is timed by the launcher, and a large bench does not
//! lend the function the cost of dropping its page tables.

use std::path::Path;
use std::time::{Duration, Instant};
use wxauth_bench::cpu_quota::{CpuQuota, JoinSignal};

const LAUNCHER: &str = env!("CARGO_BIN_EXE_wxauth-cgroup-exec");

/// A quota of `memory_mb`'s share: each test its own size, so its own cgroup.
fn quota(memory_mb: u32) -> Option<CpuQuota> {
    match CpuQuota::create(memory_mb) {
        Ok(quota) => Some(quota),
        Err(why) => {
            // As the smoke pass does: said, not failed (README, Prerequisites).
            eprintln!("NOT RUN here: {why}");
            None
        }
    }
}

/// CPU the cgroup counted for one `/bin/true` started through the launcher,
/// and when it joined against when the spawn returned.
fn launched_true(quota: &CpuQuota, read_late_by: Duration) -> (Duration, Instant, Instant) {
    let joined = JoinSignal::new().unwrap();
    let before = quota.cpu_ns().expect("cpuacct");
    let mut child = quota
        .command_signalling(LAUNCHER.as_ref(), Path::new("/bin/true"), &joined)
        .spawn()
        .unwrap();
    let spawned = Instant::now();
    std::thread::sleep(read_late_by);
    let at = joined.wait().expect("the launcher joined");
    assert!(child.wait().unwrap().success());
    let cpu = Duration::from_nanos(quota.cpu_ns().unwrap() - before);
    (cpu, at, spawned)
}

#[test]
fn the_join_is_timed_by_the_launcher_not_when_the_bench_reads_it() {
    let Some(quota) = quota(1_769) else { return };
    let (_, at, spawned) = launched_true(&quota, Duration::from_millis(100));
    // Read 100 ms late, yet timed when the launcher wrote it: well before.
    assert!(
        at < spawned + Duration::from_millis(50),
        "{:?}",
        at - spawned
    );
}

#[test]
fn a_large_bench_adds_nothing_to_what_the_cgroup_counts() {
    let Some(quota) = quota(1_024) else { return };
    let (small, _, _) = launched_true(&quota, Duration::ZERO);
    // 1 GiB touched: a fork of this process would carry 262,144 page-table
    // entries, and dropping them at exec costs milliseconds of CPU.
    let ballast = vec![1u8; 1 << 30];
    let (large, _, _) = launched_true(&quota, Duration::ZERO);
    assert!(ballast.iter().step_by(4096).all(|&b| b == 1));
    // Through a fork that joins before exec (`CpuQuota::command`), the same
    // start counts the dropped page tables.
    let before = quota.cpu_ns().unwrap();
    assert!(
        quota
            .command("/bin/true".as_ref())
            .status()
            .unwrap()
            .success()
    );
    let forked = Duration::from_nanos(quota.cpu_ns().unwrap() - before);
    eprintln!(
        "/bin/true counted: launched {small:?}, launched from 1 GiB {large:?}, forked from 1 GiB {forked:?}"
    );
    assert!(
        large < small * 3 + Duration::from_millis(1),
        "{large:?} against {small:?}"
    );
    assert!(
        forked > large + Duration::from_millis(1),
        "{forked:?} against {large:?}: the test shows nothing"
    );
}
