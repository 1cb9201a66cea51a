//! `wxauth-argon2-verify N`: hashes one password with the functions' own
//! [`PasswordHasher::default`], then verifies it (the right password) N times
//! and prints each verify's wall time and the CPU time this thread spent on it
//! (ms, as JSON). Run inside a CPU quota, the wall time is what a login waits
//! and the CPU time what it is billed for; the two part only under the quota.

use std::time::{Duration, Instant};
use wxauth_shared::domain::Password;
use wxauth_shared::passwords::{LANES, MEMORY_KIB, PASSES, PasswordHasher, Verified};

/// User + system CPU time of the calling thread, from `getrusage`.
fn thread_cpu() -> Duration {
    // SAFETY: getrusage only writes the struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_THREAD, &mut usage);
        usage
    };
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1_000);
    time(usage.ru_utime) + time(usage.ru_stime)
}

fn main() {
    let verifies: usize = match std::env::args().nth(1).map(|n| n.parse()) {
        Some(Ok(n)) if n > 0 => n,
        _ => {
            eprintln!("usage: wxauth-argon2-verify VERIFIES");
            std::process::exit(2);
        }
    };
    let hasher = PasswordHasher::default();
    let password = Password::parse("correct horse battery staple".to_owned()).expect("a password");
    let stored = hasher.hash(&password);
    let (mut wall_ms, mut cpu_ms) = (Vec::new(), Vec::new());
    for _ in 0..verifies {
        let (started, cpu) = (Instant::now(), thread_cpu());
        let verified = hasher.verify(&password, &stored);
        wall_ms.push(started.elapsed().as_secs_f64() * 1e3);
        cpu_ms.push(thread_cpu().saturating_sub(cpu).as_secs_f64() * 1e3);
        if verified != (Verified::Right { stale: false }) {
            eprintln!("the right password did not verify: {verified:?}");
            std::process::exit(1);
        }
    }
    let report = serde_json::json!({
        "memory_kib": MEMORY_KIB,
        "passes": PASSES,
        "lanes": LANES,
        "wall_ms": wall_ms,
        "cpu_ms": cpu_ms,
    });
    println!("{report}");
}
