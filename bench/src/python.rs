//! The Python baseline (`bench/python/baseline.py`: wechatpy + PyJWT), fed the
//! same example as the Rust benchmark `piece/decrypt-verify-sign`.

use crate::fixtures::open_data_example;
use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// The baseline's figure and the versions it ran with.
#[derive(Debug, Clone)]
pub struct PythonBaseline {
    pub median_us: f64,
    pub versions: String,
}

/// Runs `script` with `python`: `runs` timings of `iterations` paths each.
pub fn measure(
    python: &Path,
    script: &Path,
    signing_key_pem: &str,
    runs: u32,
    iterations: u32,
) -> Result<PythonBaseline, String> {
    let example = open_data_example();
    let input = json!({
        "appid": example.appid,
        "openid": example.openid,
        "session_key": example.session_key,
        "encrypted_data": example.encrypted_data,
        "iv": example.iv,
        "raw_data": example.raw_data,
        "signature": example.signature,
        "now": example.timestamp + 60,
        "user_id": uuid::Uuid::new_v4().to_string(),
        "private_key_pem": signing_key_pem,
        "runs": runs,
        "iterations": iterations,
    });
    let mut child = Command::new(python)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("run {}: {e}", python.display()))?;
    child
        .stdin
        .take()
        .ok_or("no stdin")?
        .write_all(input.to_string().as_bytes())
        .map_err(|e| e.to_string())?;
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(format!(
            "the Python baseline failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let result: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("the Python baseline printed no JSON: {e}"))?;
    let versions = result["versions"]
        .as_object()
        .map(|v| {
            v.iter()
                .map(|(name, version)| format!("{name} {}", version.as_str().unwrap_or("?")))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    Ok(PythonBaseline {
        median_us: result["median_us"]
            .as_f64()
            .ok_or("no median_us from the Python baseline")?,
        versions,
    })
}
