//! `wxauth-cgroup-exec FD PROCS... -- PROGRAM [ARGS...]`: joins each cgroup
//! (writing "0" to its `cgroup.procs` moves the writer), writes the moment it
//! joined to FD (CLOCK_MONOTONIC in ns, 8 bytes, native order), closes FD and
//! becomes PROGRAM with the environment it was given.
//!
//! The bench starts the functions in their CPU quota through it
//! ([`CpuQuota::command_signalling`]) instead of a fork of itself that joins
//! before exec: such a fork carries a copy of the bench's page tables, and
//! dropping them at exec is CPU the cgroup counts as the function's. That
//! added about 3 ms to every init once the bench had grown during a full
//! run. This process is small, and it joins only after its own exec.
//!
//! [`CpuQuota::command_signalling`]: wxauth_bench::cpu_quota::CpuQuota::command_signalling

use std::os::unix::process::CommandExt;
use wxauth_bench::cpu_quota::{JOIN_FAILED, monotonic_now_ns};

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let fail = |why: &str| -> ! {
        eprintln!("wxauth-cgroup-exec: {why}");
        std::process::exit(JOIN_FAILED)
    };
    let Some(split) = args.iter().position(|a| a == "--") else {
        fail("usage: wxauth-cgroup-exec FD PROCS... -- PROGRAM [ARGS...]")
    };
    let (Some(fd), Some(program)) = (
        args.first()
            .and_then(|a| a.to_str())
            .and_then(|a| a.parse::<i32>().ok()),
        args.get(split + 1),
    ) else {
        fail("usage: wxauth-cgroup-exec FD PROCS... -- PROGRAM [ARGS...]")
    };
    for procs in &args[1..split] {
        if let Err(e) = std::fs::write(procs, "0") {
            fail(&format!("cannot join {}: {e}", procs.to_string_lossy()));
        }
    }
    let stamp = monotonic_now_ns().to_ne_bytes();
    // SAFETY: FD is the pipe's write end the bench passed down; written
    // once and closed, so PROGRAM does not inherit it.
    unsafe {
        libc::write(fd, stamp.as_ptr().cast(), stamp.len());
        libc::close(fd);
    }
    let error = std::process::Command::new(program)
        .args(&args[split + 2..])
        .exec();
    fail(&format!(
        "cannot run {}: {error}",
        program.to_string_lossy()
    ));
}
