//! The real function binaries under cargo-lambda's Lambda emulator.
//!
//! `cargo lambda watch` serves the Lambda Runtime API on 127.0.0.1 and runs each
//! function's `bootstrap` (here, the workspace binary of the same name) when it is
//! first invoked; `cargo lambda invoke --data-file` sends it an event. The test
//! command installs cargo-lambda into `.venv`; without it on the PATH these
//! tests fail, saying so.

use serde_json::Value;
use std::collections::HashMap;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// An invocation that has not answered by then is a failure (a function that
/// dies at start-up leaves `cargo lambda invoke` waiting forever).
const INVOKE_TIMEOUT: Duration = Duration::from_secs(120);

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// Fails the calling test, saying why and what to run, when `cargo lambda`
/// does not run here.
pub fn require() {
    let works = Command::new("cargo")
        .args(["lambda", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        works,
        "this test needs cargo-lambda and `cargo lambda` does not run: \
         run scripts/test.sh, or scripts/with-services.sh cargo test … (it puts .venv/bin on the PATH)"
    );
}

/// What `cargo lambda watch` needs of the environment to find the toolchain
/// and build the functions as the test command built them.
pub const TOOLCHAIN_VARIABLES: &[&str] = &[
    "PATH",
    "HOME",
    "TMPDIR",
    "CARGO_HOME",
    "CARGO_TARGET_DIR",
    "CARGO_INCREMENTAL",
    "RUSTFLAGS",
];

/// This process's [`TOOLCHAIN_VARIABLES`], `RUSTUP_*` and `CARGO_BUILD_*`.
fn toolchain_env() -> impl Iterator<Item = (String, String)> {
    std::env::vars().filter(|(name, _)| {
        TOOLCHAIN_VARIABLES.contains(&name.as_str())
            || name.starts_with("RUSTUP_")
            || name.starts_with("CARGO_BUILD_")
    })
}

/// Builds each of `binaries` as `cargo lambda watch` will run it (`cargo run
/// --bin`, alone, with [`Watch::start_exact`]'s environment), so that the
/// first invocation finds it built instead of compiling past the invocation
/// timeout on a fresh checkout.
pub fn build_exact(binaries: &[&str]) {
    for binary in binaries {
        let output = Command::new("cargo")
            .args(["build", "--locked", "--bin", binary])
            .current_dir(workspace_root())
            .env_clear()
            .envs(toolchain_env())
            .output()
            .expect("run cargo build");
        assert!(
            output.status.success(),
            "cargo build --bin {binary} failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A running `cargo lambda watch`, killed (with its functions) when dropped.
pub struct Watch {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Watch {
    /// Starts `cargo lambda watch -A 127.0.0.1 -P <port>` with `env` added to
    /// this process's environment, and waits for its Runtime API.
    pub fn start(env: &HashMap<String, String>) -> Watch {
        Self::spawn(env, true)
    }

    /// Starts it with `env` and nothing else of this process's environment
    /// but the toolchain's own variables ([`TOOLCHAIN_VARIABLES`]), which
    /// `cargo` needs to build and run the function: the functions see
    /// exactly `env` plus those and what the Lambda emulator sets itself
    /// (`AWS_LAMBDA_FUNCTION_NAME`, ...).
    pub fn start_exact(env: &HashMap<String, String>) -> Watch {
        Self::spawn(env, false)
    }

    fn spawn(env: &HashMap<String, String>, inherit: bool) -> Watch {
        let port = free_port();
        let log = std::env::temp_dir().join(format!("wxauth-cargo-lambda-watch-{port}.log"));
        let log_file = std::fs::File::create(&log).expect("create watch log");
        let mut command = Command::new("cargo");
        if !inherit {
            command.env_clear().envs(toolchain_env());
        }
        let child = command
            .args(["lambda", "watch", "--ignore-changes", "--locked"])
            .args(["-A", "127.0.0.1", "-P", &port.to_string()])
            .current_dir(workspace_root())
            .envs(env)
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("log handle"))
            .stderr(log_file)
            // Its own process group, so that dropping it also stops the functions.
            .process_group(0)
            .spawn()
            .expect("spawn cargo lambda watch");
        let watch = Watch { child, port, log };
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "cargo lambda watch did not listen on {port}:\n{}",
                watch.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        watch
    }

    /// What the emulator and the functions printed so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `cargo lambda invoke <function> --data-file <event>`: the function's
    /// answer (an API Gateway v2 response) as JSON.
    pub fn invoke(&self, function: &str, event: &Value) -> Value {
        let file = std::env::temp_dir().join(format!(
            "wxauth-event-{}.json",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::write(&file, event.to_string()).expect("write event file");
        let output = run_with_timeout(
            Command::new("cargo")
                .args(["lambda", "invoke", "-A", "127.0.0.1", "-P"])
                .arg(self.port.to_string())
                .arg(function)
                .arg("--data-file")
                .arg(&file),
        );
        let _ = std::fs::remove_file(&file);
        let Some(output) = output else {
            panic!(
                "cargo lambda invoke {function} did not answer in {INVOKE_TIMEOUT:?}:\n{}",
                self.log()
            );
        };
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "cargo lambda invoke {function} failed: {}\n{stdout}\n{}\n--- watch log ---\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr),
            self.log()
        );
        serde_json::from_str(stdout.trim())
            .unwrap_or_else(|e| panic!("invoke printed no JSON ({e}): {stdout}"))
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

fn run_with_timeout(command: &mut Command) -> Option<Output> {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn cargo lambda invoke");
    let deadline = Instant::now() + INVOKE_TIMEOUT;
    loop {
        if child.try_wait().expect("wait for invoke").is_some() {
            return Some(child.wait_with_output().expect("invoke output"));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Status and JSON body of an API Gateway v2 response printed by `invoke`.
pub fn status_and_body(response: &Value) -> (u16, Value) {
    let status = response["statusCode"]
        .as_u64()
        .unwrap_or_else(|| panic!("no statusCode in {response}")) as u16;
    let body = response["body"].as_str().unwrap_or_default();
    let json =
        serde_json::from_str(body).unwrap_or_else(|e| panic!("body is not JSON ({e}): {body:?}"));
    (status, json)
}
