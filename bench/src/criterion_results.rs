//! Reads the figures criterion wrote (`target/criterion/<group>/<name>/new/estimates.json`).

use serde_json::Value;
use std::path::Path;

/// The median time of benchmark `id` (`group/name`), in microseconds.
pub fn median_us(criterion_dir: &Path, id: &str) -> Result<f64, String> {
    let path = criterion_dir.join(id).join("new").join("estimates.json");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "{}: {e} (run `cargo bench -p wxauth-bench --bench cpu` first)",
            path.display()
        )
    })?;
    let estimates: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    estimates["median"]["point_estimate"]
        .as_f64()
        .map(|ns| ns / 1_000.0)
        .ok_or_else(|| format!("{}: no median", path.display()))
}
