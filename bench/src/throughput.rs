//! Throughput of the local server (`wxauth-dev`: every route, the embedded
//! store, the WeChat simulator in-process) under `wrk` at concurrency 64.

use serde_json::{Value, json};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const CONCURRENCY: u32 = 64;

/// One wrk run.
#[derive(Debug, Clone)]
pub struct Throughput {
    pub route: &'static str,
    pub requests_per_sec: f64,
    pub requests: u64,
    /// Answers other than 2xx (wrk counts them; all must be 0).
    pub non_2xx: u64,
    pub latency_p50_ms: Option<f64>,
    pub latency_p99_ms: Option<f64>,
}

struct DevServer(Child);

impl Drop for DevServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

/// Starts `wxauth-dev` from `bin_dir`, logs a user in, and runs wrk for
/// `seconds` on logins (a returning user per connection, a fresh code per
/// request) and then on profile decrypts (one user's payload).
pub async fn measure(
    bin_dir: &Path,
    wrk: &Path,
    scripts: &Path,
    work_dir: &Path,
    seconds: u32,
) -> Result<Vec<Throughput>, String> {
    let port = free_port()?;
    let data_dir = work_dir.join("dev-server-data");
    let _ = std::fs::remove_dir_all(&data_dir);
    let log = std::fs::File::create(work_dir.join("wxauth-dev.log")).map_err(|e| e.to_string())?;
    let server = DevServer(
        Command::new(bin_dir.join("wxauth-dev"))
            .args(["--port", &port.to_string(), "--data-dir"])
            .arg(&data_dir)
            .env("LOG_LEVEL", "warn")
            .env_remove("WECHAT_SECRET")
            .env_remove("WECHAT_APPID")
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("start wxauth-dev: {e}"))?,
    );
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..200 {
        if client
            .get(format!("{base}/.well-known/jwks.json"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if !ready {
        return Err("wxauth-dev did not start (see its log in the work dir)".to_owned());
    }

    let post = |path: String, body: Value, token: Option<String>| {
        let client = client.clone();
        async move {
            let mut request = client
                .post(path)
                .header("content-type", "application/json")
                .body(body.to_string());
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let answer = request.send().await.map_err(|e| e.to_string())?;
            let text = answer.text().await.map_err(|e| e.to_string())?;
            serde_json::from_str::<Value>(&text).map_err(|e| format!("{e}: {text}"))
        }
    };
    let login = post(
        format!("{base}/auth/login"),
        json!({"code": "user=load-profile;n=setup"}),
        None,
    )
    .await?;
    let token = login["token"]
        .as_str()
        .ok_or_else(|| format!("login failed: {login}"))?
        .to_owned();
    let profile = post(
        format!("{base}/wechat-sim/sim/mint/profile"),
        json!({"user": "load-profile", "nickName": "压测用户", "unionid": "load"}),
        None,
    )
    .await?;

    let mut results = Vec::new();
    for (route, script, env) in [
        ("POST /auth/login", "login.lua", vec![]),
        (
            "POST /auth/profile",
            "profile.lua",
            vec![
                ("WXAUTH_TOKEN", token.clone()),
                ("WXAUTH_BODY", profile.to_string()),
            ],
        ),
    ] {
        let output = Command::new(wrk)
            .args([
                "-t2",
                &format!("-c{CONCURRENCY}"),
                &format!("-d{seconds}s"),
                "--latency",
                "-s",
            ])
            .arg(scripts.join(script))
            .arg(&base)
            .envs(env)
            .output()
            .map_err(|e| format!("run {}: {e}", wrk.display()))?;
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        if !output.status.success() {
            return Err(format!(
                "wrk failed: {text}{}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        results.push(parse_wrk(route, &text)?);
    }
    drop(server);
    Ok(results)
}

/// Reads wrk's summary.
fn parse_wrk(route: &'static str, text: &str) -> Result<Throughput, String> {
    let field = |prefix: &str| {
        text.lines()
            .find_map(|line| line.trim().strip_prefix(prefix).map(str::trim))
    };
    let requests_per_sec = field("Requests/sec:")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("no Requests/sec in wrk's output:\n{text}"))?;
    let requests = text
        .lines()
        .find_map(|line| line.trim().split_once(" requests in "))
        .and_then(|(n, _)| n.trim().parse().ok())
        .ok_or_else(|| format!("no request count in wrk's output:\n{text}"))?;
    let non_2xx = field("Non-2xx or 3xx responses:")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    Ok(Throughput {
        route,
        requests_per_sec,
        requests,
        non_2xx,
        latency_p50_ms: field("50%").and_then(wrk_duration_ms),
        latency_p99_ms: field("99%").and_then(wrk_duration_ms),
    })
}

/// wrk prints `812.00us`, `1.23ms` or `2.01s`.
fn wrk_duration_ms(text: &str) -> Option<f64> {
    let (number, factor) = if let Some(n) = text.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1_000.0)
    } else {
        return None;
    };
    number.trim().parse::<f64>().ok().map(|n| n * factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WRK_OUTPUT: &str = "Running 10s test @ http://127.0.0.1:3000
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     5.01ms    1.20ms  30.11ms   90.00%
    Req/Sec     6.40k   300.00     7.00k    70.00%
  Latency Distribution
     50%    4.80ms
     75%    5.50ms
     90%    6.20ms
     99%  812.00us
  127410 requests in 10.00s, 40.00MB read
  Non-2xx or 3xx responses: 3
Requests/sec:  12741.00
Transfer/sec:      4.00MB
";

    #[test]
    fn wrk_summaries_are_read_with_their_units() {
        let t = parse_wrk("POST /auth/login", WRK_OUTPUT).unwrap();
        assert_eq!(t.requests, 127_410);
        assert_eq!(t.non_2xx, 3);
        assert!((t.requests_per_sec - 12_741.0).abs() < 1e-9);
        assert_eq!(t.latency_p50_ms, Some(4.8));
        assert!((t.latency_p99_ms.unwrap() - 0.812).abs() < 1e-9);
        assert!(parse_wrk("x", "garbage").is_err());
    }
}
