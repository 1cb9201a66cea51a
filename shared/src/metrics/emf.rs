//! One request's figures as a CloudWatch embedded-metric-format document
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html>):
//! `_aws` at the top level with the timestamp and the metric directive, and each
//! dimension and metric a top-level member.

use super::request::RequestMetrics;
use crate::config::{Env, ProcessEnv, TABLE_NAME};
use serde_json::{Map, Value, json};
use std::sync::OnceLock;

/// The metrics' namespace.
pub const NAMESPACE: &str = "wxauth";

/// EMF reads at most 100 metrics from one directive.
const MAX_METRICS: usize = 100;

/// The dimension values of this process: the deployment (the stack's table)
/// and the function. Read once: neither changes while the process lives.
fn dimensions() -> &'static (String, String) {
    static DIMENSIONS: OnceLock<(String, String)> = OnceLock::new();
    DIMENSIONS.get_or_init(|| {
        let var = |name: &str| {
            ProcessEnv
                .var(name)
                .filter(|v| !v.trim().is_empty())
                .unwrap_or_else(|| "local".to_owned())
        };
        (var(TABLE_NAME), var("AWS_LAMBDA_FUNCTION_NAME"))
    })
}

/// Milliseconds since the epoch, EMF's timestamp.
pub(super) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The EMF document of `metrics`, one JSON line without its newline.
/// `request_id` is a plain property (not a dimension: no cost) that ties the
/// document to the request's log lines.
pub fn document(metrics: &RequestMetrics, request_id: &str, timestamp_ms: u64) -> String {
    let (deployment, function) = dimensions();
    let mut root = Map::new();
    let mut declared = Vec::new();
    for (name, value) in metrics.counts.iter().take(MAX_METRICS) {
        declared.push(json!({"Name": name, "Unit": "Count"}));
        root.insert(name.to_string(), json!(value));
    }
    for (name, values) in metrics.timings.iter() {
        if declared.len() == MAX_METRICS {
            break;
        }
        declared.push(json!({"Name": name, "Unit": "Milliseconds"}));
        root.insert((*name).to_owned(), json!(values));
    }
    root.insert(
        "_aws".into(),
        json!({
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["Deployment"], ["Function"]],
                "Metrics": declared,
            }],
        }),
    );
    root.insert("Deployment".into(), json!(deployment));
    root.insert("Function".into(), json!(function));
    root.insert("request_id".into(), json!(request_id));
    Value::Object(root).to_string()
}

#[cfg(test)]
mod tests {
    use super::super::request::gathered;
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_document_declares_each_metric_and_carries_its_values() {
        let ((), metrics) = gathered(async {
            super::super::login(true);
            super::super::answered(Some("wechat_busy"));
            super::super::wechat_attempt(Some(-1), Duration::from_millis(12));
            super::super::wechat_attempt(Some(0), Duration::from_millis(8));
        })
        .await;
        let doc: Value =
            serde_json::from_str(&document(&metrics, "r-1", 1_700_000_000_000)).unwrap();
        assert_eq!(doc["_aws"]["Timestamp"], 1_700_000_000_000u64);
        let directive = &doc["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], NAMESPACE);
        assert_eq!(
            directive["Dimensions"],
            json!([["Deployment"], ["Function"]])
        );
        let names: Vec<&str> = directive["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["Name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "Error_wechat_busy",
                "LoginNew",
                "Requests",
                "WeChatErrcode_-1",
                "WeChatLatency"
            ]
        );
        assert_eq!(doc["LoginNew"], 1.0);
        assert_eq!(doc["WeChatErrcode_-1"], 1.0);
        assert_eq!(doc["WeChatLatency"], json!([12.0, 8.0]));
        assert!(doc["Deployment"].is_string() && doc["Function"].is_string());
        assert_eq!(doc["request_id"], "r-1");
    }
}
