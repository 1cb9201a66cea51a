//! A checker of CloudWatch embedded-metric-format documents, after the
//! specification
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html>):
//! what CloudWatch Logs needs to extract metrics from a log line. Also what
//! the metrics tests share: the metrics every run of the flows logs, and the
//! check that the documents of a run carry them.

use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// The units CloudWatch accepts.
pub const UNITS: &[&str] = &[
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
];

/// The metrics every run of the login flows logs, in-process or through the
/// function binaries: a request, a new and a returning login, a refresh, an
/// SMS sent, an authorization, a refused code, and the WeChat and DynamoDB
/// latencies.
pub const FLOW_METRICS: &[&str] = &[
    "Requests",
    "LoginNew",
    "LoginReturning",
    "Refresh",
    "SmsSent",
    "Authorizations",
    "Error_invalid_code",
    "WeChatLatency",
    "DynamoDBLatency",
];

/// One metric of a valid document: its namespace, name, unit and values.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    pub namespace: String,
    pub name: String,
    pub unit: Option<String>,
    pub values: Vec<f64>,
}

/// The metrics of `line` if it is an EMF document (a JSON object with `_aws`),
/// `Ok(None)` if it is some other line, and why not if it claims to be one
/// and is not valid.
pub fn parse(line: &str) -> Result<Option<Vec<Metric>>, String> {
    let Ok(Value::Object(root)) = serde_json::from_str::<Value>(line) else {
        return if line.contains("\"_aws\"") {
            Err("mentions _aws but is not one JSON object".into())
        } else {
            Ok(None)
        };
    };
    let Some(aws) = root.get("_aws") else {
        return Ok(None);
    };
    let aws = aws.as_object().ok_or("_aws is not an object")?;
    let timestamp = aws.get("Timestamp").ok_or("no _aws.Timestamp")?;
    // Integer milliseconds since the epoch, after 2020.
    if timestamp.as_u64().is_none_or(|t| t <= 1_577_836_800_000) {
        return Err(format!(
            "_aws.Timestamp {timestamp} is not epoch milliseconds"
        ));
    }
    let directives = aws
        .get("CloudWatchMetrics")
        .and_then(Value::as_array)
        .filter(|d| !d.is_empty())
        .ok_or("_aws.CloudWatchMetrics is not a non-empty array")?;
    let mut metrics = Vec::new();
    for directive in directives {
        metrics.extend(directive_metrics(&root, directive)?);
    }
    Ok(Some(metrics))
}

/// The metrics of `line` if it is an EMF document, `None` if it is some
/// other line; panics if it claims to be one and is not valid.
pub fn valid(line: &str) -> Option<Vec<Metric>> {
    parse(line).unwrap_or_else(|why| panic!("not valid EMF ({why}): {line}"))
}

/// Prints the names of the metrics in `documents` as the metrics `seen`;
/// panics unless every one of `expected` is among them.
pub fn assert_names<'a, 'b>(
    seen: &str,
    documents: impl IntoIterator<Item = &'a [Metric]>,
    expected: impl IntoIterator<Item = &'b str>,
) {
    let (mut count, mut names) = (0, BTreeSet::new());
    for metrics in documents {
        count += 1;
        names.extend(metrics.iter().map(|m| m.name.as_str()));
    }
    println!(
        "metrics {seen}: {count} documents, names: {}",
        names.iter().copied().collect::<Vec<_>>().join(", ")
    );
    for name in expected {
        assert!(names.contains(name), "no {name} among {names:?}");
    }
}

fn directive_metrics(root: &Map<String, Value>, directive: &Value) -> Result<Vec<Metric>, String> {
    let namespace = directive["Namespace"]
        .as_str()
        .filter(|n| (1..=255).contains(&n.len()))
        .ok_or("a directive without a Namespace of 1 to 255 characters")?;
    let sets = directive["Dimensions"]
        .as_array()
        .ok_or("a directive without a Dimensions array")?;
    for set in sets {
        let set = set.as_array().ok_or("a dimension set is not an array")?;
        if set.len() > 30 {
            return Err(format!(
                "a dimension set of {} names (30 at most)",
                set.len()
            ));
        }
        for name in set {
            let name = name.as_str().ok_or("a dimension name is not a string")?;
            if !root.get(name).is_some_and(Value::is_string) {
                return Err(format!("dimension {name} is not a top-level string member"));
            }
        }
    }
    let declared = directive["Metrics"]
        .as_array()
        .filter(|m| (1..=100).contains(&m.len()))
        .ok_or("a directive without 1 to 100 Metrics")?;
    let mut metrics = Vec::new();
    for definition in declared {
        let name = definition["Name"]
            .as_str()
            .filter(|n| (1..=255).contains(&n.len()))
            .ok_or("a metric without a Name of 1 to 255 characters")?;
        let unit = match definition.get("Unit") {
            None => None,
            Some(unit) => Some(
                unit.as_str()
                    .filter(|u| UNITS.contains(u))
                    .ok_or_else(|| format!("metric {name} has unit {unit}, not a CloudWatch unit"))?
                    .to_owned(),
            ),
        };
        let values = match root.get(name) {
            Some(Value::Number(n)) => vec![n.as_f64().unwrap_or(f64::NAN)],
            Some(Value::Array(values)) if (1..=100).contains(&values.len()) => values
                .iter()
                .map(|v| {
                    v.as_f64()
                        .ok_or(format!("metric {name} has a value that is not a number"))
                })
                .collect::<Result<_, _>>()?,
            other => {
                return Err(format!(
                    "metric {name}'s member is {other:?}, not a number or 1 to 100 numbers"
                ));
            }
        };
        if values.iter().any(|v| !v.is_finite()) {
            return Err(format!("metric {name} has a value that is not finite"));
        }
        metrics.push(Metric {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            unit,
            values,
        });
    }
    Ok(metrics)
}
