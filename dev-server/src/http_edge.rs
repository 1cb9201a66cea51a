//! The local server's HTTP edge: axum in front of the shared router, exactly as
//! the Lambda adapter is in front of it on AWS.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use wxauth_shared::api::{ApiRequest, MAX_UPLOAD_BYTES, Router};

/// Our routes as the fallback; the simulator (when running) under its prefix.
pub fn app(router: Router, simulator: Option<(&str, axum::Router)>) -> axum::Router {
    let mut app = axum::Router::new()
        .fallback(handle)
        .with_state(Arc::new(router));
    if let Some((prefix, routes)) = simulator {
        app = app.nest(prefix, routes);
    }
    app
}

async fn handle(State(router): State<Arc<Router>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    // Read one byte past the largest route's limit so the router can answer 413 itself.
    let body = match axum::body::to_bytes(body, MAX_UPLOAD_BYTES + 1).await {
        Ok(body) => body,
        Err(_) => bytes::Bytes::from(vec![0; MAX_UPLOAD_BYTES + 1]),
    };
    let request = ApiRequest {
        method: parts.method,
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        headers: parts.headers,
        body,
        request_id: uuid::Uuid::new_v4().to_string(),
        // Local runs: no per-source limit.
        source_ip: None,
    };
    let (parts, body) = router.handle(request).await.into_http().into_parts();
    Response::from_parts(parts, Body::from(body)).into_response()
}
