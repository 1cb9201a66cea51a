//! The local server's HTTP edge: axum in front of the shared router, exactly as
//! the Lambda adapter is in front of it on AWS; and, as API Gateway does in
//! front of a team's own routes, the authorizer's decision in front of the
//! example route `GET /example/me`.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use std::sync::Arc;
use wxauth_shared::api::{ApiRequest, MAX_UPLOAD_BYTES, Router};
use wxauth_shared::authorizer::{AuthorizerRequest, TokenAuthorizer};

/// The example of a team's own route behind the authorizer (template.yaml).
pub const EXAMPLE_ROUTE: &str = "/example/me";

/// Our routes as the fallback; `GET /example/me` behind `authorizer`; the
/// simulator (when running) under its prefix.
pub fn app(
    router: Router,
    authorizer: TokenAuthorizer,
    simulator: Option<(&str, axum::Router)>,
) -> axum::Router {
    let example = axum::Router::new()
        .route(
            EXAMPLE_ROUTE,
            // Another method matches no route of the API: API Gateway's 404.
            get(example_me)
                .fallback(|| async { gateway_answer(StatusCode::NOT_FOUND, "Not Found") }),
        )
        .with_state(Arc::new(authorizer));
    let mut app = axum::Router::new()
        .fallback(handle)
        .with_state(Arc::new(router))
        .merge(example);
    if let Some((prefix, routes)) = simulator {
        app = app.nest(prefix, routes);
    }
    app
}

/// `GET /example/me` as the deployed stack answers it: API Gateway's own
/// bare `401` without an `Authorization` header (the authorizer is not even
/// asked), its bare `403` when the authorizer denies, its bare `500` when
/// the authorizer fails (the store), else the example function's answer
/// with the authorizer's context. Unlike API Gateway, nothing is cached: a
/// logout is seen at once.
async fn example_me(
    State(authorizer): State<Arc<TokenAuthorizer>>,
    headers: HeaderMap,
) -> Response {
    let Some(authorization) = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
    else {
        return gateway_answer(StatusCode::UNAUTHORIZED, "Unauthorized");
    };
    let request = AuthorizerRequest {
        identity_source: Some(vec![authorization.to_owned()]),
        headers: None,
    };
    let request_id = uuid::Uuid::new_v4().to_string();
    match authorizer.invoke(&request_id, &request).await {
        Ok(decision) if decision.is_authorized => {
            let context = decision.context.into_iter().collect();
            let (status, body) = example_me::answer(Some(&context));
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            json_answer(status, body.to_string())
        }
        Ok(_) => gateway_answer(StatusCode::FORBIDDEN, "Forbidden"),
        Err(_) => gateway_answer(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"),
    }
}

/// One of API Gateway's own answers: `{"message": …}`, no wxauth code.
fn gateway_answer(status: StatusCode, message: &str) -> Response {
    json_answer(status, json!({ "message": message }).to_string())
}

fn json_answer(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
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
