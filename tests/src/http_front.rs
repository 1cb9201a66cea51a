//! The harness's router served over HTTP, the way API Gateway serves a
//! function: each request becomes an HTTP API v2 event (the body
//! base64-encoded, as API Gateway hands a binary body such as
//! `wx.uploadFile`'s to Lambda) and goes through the Lambda adapter. The
//! simulator fetches avatars and pushes its verdicts here, as WeChat would.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use std::sync::Arc;
use wxauth_shared::api::Router;

/// A running front; dropping it stops it.
pub struct HttpFront {
    pub base_url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for HttpFront {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves `router` on a free loopback port.
pub async fn serve(router: Router) -> HttpFront {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let base_url = format!("http://{}", listener.local_addr().expect("address"));
    let app = axum::Router::new()
        .fallback(forward)
        .with_state(Arc::new(router));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    HttpFront { base_url, task }
}

/// The event API Gateway would send for `request`.
fn event(method: &str, path: &str, query: &str, headers: Value, body: &[u8]) -> Value {
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "127.0.0.1",
            "domainPrefix": "local",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "wxauth-tests"
            },
            "requestId": format!("req-{}", uuid::Uuid::new_v4().simple()),
            "routeKey": "$default",
            "stage": "$default",
            "time": "21/Nov/2026:08:00:00 +0000",
            "timeEpoch": 1_795_248_000_000u64
        },
        "body": STANDARD.encode(body),
        "isBase64Encoded": true
    })
}

async fn forward(State(router): State<Arc<Router>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 8 * 1024 * 1024)
        .await
        .unwrap_or_default();
    let mut headers = serde_json::Map::new();
    for (name, value) in &parts.headers {
        if let Ok(value) = value.to_str() {
            headers.insert(name.as_str().to_owned(), json!(value));
        }
    }
    let event = event(
        parts.method.as_str(),
        parts.uri.path(),
        parts.uri.query().unwrap_or_default(),
        Value::Object(headers),
        &body,
    );
    let response = wxauth_shared::lambda::handle(&router, crate::events::request(&event)).await;
    let (parts, body) = response.into_parts();
    let body = match body {
        lambda_http::Body::Text(text) => Body::from(text),
        lambda_http::Body::Binary(bytes) => Body::from(bytes),
        _ => Body::empty(),
    };
    Response::from_parts(parts, body)
}
