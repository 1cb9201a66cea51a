//! CloudWatch metrics, as embedded-metric-format (EMF) log lines: no
//! CloudWatch call, no permission, no latency. Each request (and each
//! authorizer decision) gathers its figures in a task-local [`RequestMetrics`]
//! and prints ONE EMF document when it ends ([`per_request`]).
//!
//! Namespace [`NAMESPACE`]. Every document declares two dimension sets:
//! `[Deployment]` (the stack's table name: one table per stack, already in
//! every function's environment, so two stacks in one account and region never
//! mix; the template's alarms and dashboard reference it as `!Ref UsersTable`)
//! and `[Function]` (`AWS_LAMBDA_FUNCTION_NAME`, unique per stack too; `local`
//! in the local server).
//!
//! Cost: CloudWatch bills each distinct (namespace, metric name, dimension
//! values) combination as one custom metric, prorated by the hours it receives
//! data (about US$0.30 a month each for the first 10,000 in us-east-1). So each
//! name costs at most (1 + the functions that emit it); a name that is never
//! emitted (an error that never happens) costs nothing. Per-request dimensions
//! (user, route, status, app) would multiply that, hence none: error codes and
//! WeChat errcodes are metric NAMES (`Error_wechat_busy`,
//! `WeChatErrcode_45011`) so that only the ones that occur are billed, and the
//! alarms read them directly without a dimension value to match. The full
//! table and the estimate: docs/metrics.md.

mod dynamo;
mod emf;
mod request;
mod sink;

pub use dynamo::DynamoTiming;
pub use emf::{NAMESPACE, document};
pub use request::{RequestMetrics, per_request};
pub use sink::{print_to, print_to_stdout};

use std::time::Duration;

/// Requests the router answered (one per document of an HTTP route).
pub const REQUESTS: &str = "Requests";
/// Logins (WeChat, SMS, password) that created the user.
pub const LOGIN_NEW: &str = "LoginNew";
/// Logins (WeChat, SMS, password) of an existing user.
pub const LOGIN_RETURNING: &str = "LoginReturning";
/// Refresh tokens exchanged for new tokens.
pub const REFRESH: &str = "Refresh";
/// SMS codes handed to the SMS provider.
pub const SMS_SENT: &str = "SmsSent";
/// Authorizer decisions (allowed or denied; a denial also counts its `Error_<code>`).
pub const AUTHORIZATIONS: &str = "Authorizations";
/// Milliseconds of each WeChat HTTP attempt (retries of -1 included).
pub const WECHAT_LATENCY: &str = "WeChatLatency";
/// Milliseconds of each DynamoDB operation, its retries included.
pub const DYNAMODB_LATENCY: &str = "DynamoDBLatency";
/// DynamoDB attempts beyond the first (throttling, transient errors).
pub const DYNAMODB_RETRIES: &str = "DynamoDBRetries";
/// The prefix of an answered error code's metric: `Error_<code>`.
pub const ERROR_PREFIX: &str = "Error_";
/// The prefix of a WeChat errcode's metric: `WeChatErrcode_<errcode>`.
pub const WECHAT_ERRCODE_PREFIX: &str = "WeChatErrcode_";

/// A login succeeded: a new user, or a returning one.
pub fn login(new_user: bool) {
    request::count(if new_user { LOGIN_NEW } else { LOGIN_RETURNING }, 1.0);
}

/// A refresh succeeded.
pub fn refresh() {
    request::count(REFRESH, 1.0);
}

/// An SMS went to the provider.
pub fn sms_sent() {
    request::count(SMS_SENT, 1.0);
}

/// The router answered, with `error` when it answered one of the catalogue's codes.
pub fn answered(error: Option<&str>) {
    request::count(REQUESTS, 1.0);
    if let Some(code) = error {
        request::count(format!("{ERROR_PREFIX}{code}"), 1.0);
    }
}

/// The authorizer decided, with the code of a denial.
pub fn authorized(denied: Option<&str>) {
    request::count(AUTHORIZATIONS, 1.0);
    if let Some(code) = denied {
        request::count(format!("{ERROR_PREFIX}{code}"), 1.0);
    }
}

/// One WeChat attempt took `latency` and, if WeChat answered an error, said `errcode`.
pub fn wechat_attempt(errcode: Option<i64>, latency: Duration) {
    request::time(WECHAT_LATENCY, latency);
    if let Some(errcode) = errcode.filter(|e| *e != 0) {
        request::count(format!("{WECHAT_ERRCODE_PREFIX}{errcode}"), 1.0);
    }
}

/// One DynamoDB operation took `latency` over `attempts` attempts.
pub fn dynamo_operation(latency: Duration, attempts: u32) {
    request::time(DYNAMODB_LATENCY, latency);
    request::count(DYNAMODB_RETRIES, f64::from(attempts.saturating_sub(1)));
}
