//! A pass-through proxy in front of the DynamoDB emulator that writes down
//! every request's operation (`X-Amz-Target`), so the report counts what the
//! release binaries really send, retries included.

use crate::loopback::LoopbackServer;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use std::sync::{Arc, Mutex};

struct Shared {
    upstream: String,
    client: reqwest::Client,
    operations: Mutex<Vec<String>>,
}

/// The running proxy.
pub struct DynamoProxy {
    server: LoopbackServer,
    shared: Arc<Shared>,
}

impl DynamoProxy {
    /// Forwards to `upstream` (`http://127.0.0.1:port`).
    pub async fn start(upstream: &str) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            upstream: upstream.trim_end_matches('/').to_owned(),
            client: reqwest::Client::new(),
            operations: Mutex::new(Vec::new()),
        });
        let routes = Router::new().fallback(forward).with_state(shared.clone());
        Ok(Self {
            server: LoopbackServer::start(routes).await?,
            shared,
        })
    }

    /// For `AWS_ENDPOINT_URL_DYNAMODB`.
    pub fn url(&self) -> String {
        format!("http://{}", self.server.address)
    }

    /// The operations forwarded since the last call, in order (`UpdateItem`, …).
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.shared.operations.lock().expect("lock"))
    }
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
        .unwrap_or_else(|| "(no target)".to_owned());
    shared.operations.lock().expect("lock").push(operation);

    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let mut request = shared
        .client
        .request(method, format!("{}{path}", shared.upstream))
        .body(body);
    for (name, value) in &headers {
        if !matches!(name.as_str(), "host" | "content-length" | "connection") {
            request = request.header(name, value);
        }
    }
    let answer = match request.send().await {
        Ok(answer) => answer,
        Err(e) => return (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    };
    let status = answer.status();
    let mut out = HeaderMap::new();
    for (name, value) in answer.headers() {
        if !matches!(
            name.as_str(),
            "content-length" | "connection" | "transfer-encoding"
        ) {
            out.append(name, value.clone());
        }
    }
    match answer.bytes().await {
        Ok(body) => (status, out, body).into_response(),
        Err(e) => (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    }
}
