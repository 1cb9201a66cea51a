//! A pass-through proxy in front of the DynamoDB emulator. It writes down every
//! request's operation (`X-Amz-Target`) and body, so the benchmarks count what
//! the release binaries really send, and what each request asked for; it can hold one request until a test lets it
//! go, so a race test forces an interleaving (one request held between its
//! read and its write while another runs) instead of hoping it happens; and it
//! can answer as a DynamoDB-compatible server that does not return the old
//! item of a failed condition; and it can throttle requests, as DynamoDB does
//! under load, so that the SDK retries. It also writes down the IAM actions
//! each request needs ([`iam_actions`]), to hold against a function's policy.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

/// How long a test waits for a held request to arrive: a bug, not a slow machine.
const REACH_TIMEOUT: Duration = Duration::from_secs(20);

/// Every DynamoDB operation that writes.
pub const WRITES: &[&str] = &["PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems"];

struct PendingHold {
    operations: &'static [&'static str],
    /// Matching requests still to let through before the one to hold.
    skip: u32,
    reached: oneshot::Sender<()>,
    release: oneshot::Receiver<()>,
}

struct Shared {
    upstream: String,
    client: reqwest::Client,
    hold: Mutex<Option<PendingHold>>,
    strip_old_items: AtomicBool,
    /// Requests still to answer with a throttling error.
    throttle: AtomicU32,
    /// Each request's operation and body, in order.
    sent: Mutex<Vec<Sent>>,
    actions: Mutex<std::collections::BTreeSet<String>>,
    /// Time spent waiting for the emulator's answers, in nanoseconds.
    upstream_ns: std::sync::atomic::AtomicU64,
}

/// One request as the proxy forwarded it: its operation (`X-Amz-Target`'s
/// last part) and its JSON body, for what the request asked (items, keys,
/// `ConsistentRead`), not just how many were made.
#[derive(Debug, Clone)]
pub struct Sent {
    pub operation: String,
    pub body: serde_json::Value,
}

/// The running proxy; stops when dropped.
pub struct DynamoProxy {
    address: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

/// One held request: wait until it arrives, then let it go.
pub struct Hold {
    reached: Option<oneshot::Receiver<()>>,
    release: Option<oneshot::Sender<()>>,
}

impl Hold {
    /// Waits until the request is held (its sender has read and is about to write).
    pub async fn reached(&mut self) {
        let reached = self.reached.take().expect("reached() once");
        tokio::time::timeout(REACH_TIMEOUT, reached)
            .await
            .expect("the request to hold never came")
            .expect("proxy gone");
    }

    /// Lets the held request through.
    pub fn release(mut self) {
        if let Some(release) = self.release.take() {
            let _ = release.send(());
        }
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        if let Some(release) = self.release.take() {
            let _ = release.send(());
        }
    }
}

impl DynamoProxy {
    /// Forwards to `upstream` (`http://127.0.0.1:port`).
    pub async fn start(upstream: &str) -> Self {
        let shared = Arc::new(Shared {
            upstream: upstream.trim_end_matches('/').to_owned(),
            client: reqwest::Client::new(),
            hold: Mutex::new(None),
            strip_old_items: AtomicBool::new(false),
            throttle: AtomicU32::new(0),
            sent: Mutex::new(Vec::new()),
            actions: Mutex::new(Default::default()),
            upstream_ns: Default::default(),
        });
        let routes = axum::Router::new()
            .fallback(forward)
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind proxy");
        let address = listener.local_addr().expect("proxy address");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, routes).await;
        });
        Self {
            address,
            shared,
            task,
        }
    }

    /// For the client's endpoint URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Holds the `nth` (1-based) request sent from now on whose operation is one
    /// of `operations` (e.g. [`WRITES`]).
    pub fn hold(&self, operations: &'static [&'static str], nth: u32) -> Hold {
        let (reached_tx, reached_rx) = oneshot::channel();
        let (release_tx, release_rx) = oneshot::channel();
        *self.shared.hold.lock().expect("lock") = Some(PendingHold {
            operations,
            skip: nth.saturating_sub(1),
            reached: reached_tx,
            release: release_rx,
        });
        Hold {
            reached: Some(reached_rx),
            release: Some(release_tx),
        }
    }

    /// The operations forwarded since the last call, in order (`UpdateItem`, …).
    pub fn take(&self) -> Vec<String> {
        self.take_sent().into_iter().map(|s| s.operation).collect()
    }

    /// The requests forwarded since the last call, in order, with their bodies.
    pub fn take_sent(&self) -> Vec<Sent> {
        std::mem::take(&mut *self.shared.sent.lock().expect("lock"))
    }

    /// How long the emulator took to answer, summed over the requests since
    /// the last call: the stand-in's share of a measured latency.
    pub fn take_upstream_time(&self) -> Duration {
        Duration::from_nanos(self.shared.upstream_ns.swap(0, Ordering::SeqCst))
    }

    /// Every IAM action the requests so far needed (`dynamodb:GetItem`, …).
    pub fn iam_actions(&self) -> std::collections::BTreeSet<String> {
        self.shared.actions.lock().expect("lock").clone()
    }

    /// Answers the next `requests` requests with DynamoDB's throttling error
    /// (HTTP 400 `ThrottlingException`), which the SDK retries.
    pub fn throttle(&self, requests: u32) {
        self.shared.throttle.store(requests, Ordering::SeqCst);
    }

    /// Answers failed transactions without the old items
    /// (`ReturnValuesOnConditionCheckFailure` ignored), as some
    /// DynamoDB-compatible servers do.
    pub fn strip_old_items(&self) {
        self.shared.strip_old_items.store(true, Ordering::SeqCst);
    }
}

impl Drop for DynamoProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The held request's release, if this request is the one to hold.
fn take_hold(shared: &Shared, operation: &str) -> Option<oneshot::Receiver<()>> {
    let mut pending = shared.hold.lock().expect("lock");
    let hold = pending
        .as_mut()
        .filter(|h| h.operations.contains(&operation))?;
    if hold.skip > 0 {
        hold.skip -= 1;
        return None;
    }
    let hold = pending.take()?;
    let _ = hold.reached.send(());
    Some(hold.release)
}

fn without_old_items(body: Bytes) -> Bytes {
    let Ok(mut json) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return body;
    };
    if let Some(reasons) = json
        .get_mut("CancellationReasons")
        .and_then(|r| r.as_array_mut())
    {
        for reason in reasons {
            if let Some(reason) = reason.as_object_mut() {
                reason.remove("Item");
            }
        }
    }
    Bytes::from(json.to_string())
}

async fn forward(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let operation = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .map(|target| target.rsplit('.').next().unwrap_or(target).to_owned())
        .unwrap_or_default();
    shared.sent.lock().expect("lock").push(Sent {
        operation: operation.clone(),
        body: serde_json::from_slice(&body).unwrap_or_default(),
    });
    shared
        .actions
        .lock()
        .expect("lock")
        .extend(iam_actions(&operation, &body));
    let throttled = shared
        .throttle
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if throttled {
        let body = r#"{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate of requests exceeds the allowed throughput."}"#;
        let mut response = (StatusCode::BAD_REQUEST, body).into_response();
        response.headers_mut().insert(
            "content-type",
            axum::http::HeaderValue::from_static("application/x-amz-json-1.0"),
        );
        return response;
    }
    if let Some(release) = take_hold(&shared, &operation) {
        let _ = release.await;
    }
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let headers_in = headers
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_bytes()));
    let started = std::time::Instant::now();
    let (status, headers_out, body) = crate::upstream::forward(
        &shared.client,
        &shared.upstream,
        method.as_str(),
        path,
        headers_in,
        body.to_vec(),
    )
    .await;
    shared
        .upstream_ns
        .fetch_add(started.elapsed().as_nanos() as u64, Ordering::SeqCst);
    let mut out = HeaderMap::new();
    for (name, value) in &headers_out {
        if let (Ok(name), Ok(value)) = (
            axum::http::HeaderName::from_bytes(name.as_bytes()),
            axum::http::HeaderValue::from_str(value),
        ) {
            out.append(name, value);
        }
    }
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    let body = Bytes::from(body);
    if shared.strip_old_items.load(Ordering::SeqCst) && !status.is_success() {
        (status, out, without_old_items(body)).into_response()
    } else {
        (status, out, body).into_response()
    }
}

/// The IAM actions a request of `operation` with `body` needs. A transaction
/// has no action of its own: each of its items needs the action of its kind
/// (Put → `PutItem`, Update → `UpdateItem`, Delete → `DeleteItem`,
/// ConditionCheck → `ConditionCheckItem`; TransactGetItems → `GetItem`).
pub fn iam_actions(operation: &str, body: &[u8]) -> Vec<String> {
    let items = || {
        serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|b| b["TransactItems"].as_array().cloned())
            .unwrap_or_default()
    };
    let mut actions: Vec<String> = match operation {
        "TransactWriteItems" => items()
            .iter()
            .filter_map(|item| item.as_object()?.keys().next().cloned())
            .map(|kind| match kind.as_str() {
                "ConditionCheck" => "ConditionCheckItem".to_owned(),
                other => format!("{other}Item"),
            })
            .collect(),
        "TransactGetItems" => vec!["GetItem".to_owned()],
        other => vec![other.to_owned()],
    };
    actions.sort();
    actions.dedup();
    actions
        .into_iter()
        .map(|a| format!("dynamodb:{a}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::iam_actions;

    #[test]
    fn a_transaction_needs_the_action_of_each_item() {
        let body = br#"{"TransactItems":[{"Put":{}},{"ConditionCheck":{}},{"Update":{}},{"Put":{}},{"Delete":{}}]}"#;
        assert_eq!(
            iam_actions("TransactWriteItems", body),
            [
                "dynamodb:ConditionCheckItem",
                "dynamodb:DeleteItem",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem"
            ]
        );
        assert_eq!(iam_actions("TransactGetItems", b"{}"), ["dynamodb:GetItem"]);
        assert_eq!(
            iam_actions("BatchGetItem", b"{}"),
            ["dynamodb:BatchGetItem"]
        );
    }
}
