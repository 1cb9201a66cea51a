//! The lambda_http adapter: API Gateway HTTP API events in, the shared router,
//! API Gateway answers out; and the authorizer's events. The only module that
//! knows about Lambda.

use crate::api::{ApiRequest, Router};
use crate::authorizer::{AuthorizerRequest, TokenAuthorizer};
use crate::config::ConfigError;
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response, service_fn};
use lambda_http::{LambdaEvent, lambda_runtime};
use tracing::Instrument;

/// Turns a lambda_http request into the edge's request type.
fn to_api_request(request: Request) -> ApiRequest {
    let request_id = request
        .lambda_context_ref()
        .map(|context| context.request_id.clone())
        .filter(|id| !id.is_empty())
        .or_else(|| match request.request_context_ref() {
            Some(RequestContext::ApiGatewayV2(context)) => context.request_id.clone(),
            _ => None,
        })
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let source_ip = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context
            .http
            .source_ip
            .as_deref()
            .and_then(|ip| ip.parse().ok()),
        _ => None,
    };
    // rawPath as API Gateway sent it: routes are matched on it, never on a stage prefix.
    let raw_path = request.raw_http_path().to_owned();
    let (parts, body) = request.into_parts();
    let path = if raw_path.is_empty() {
        parts.uri.path().to_owned()
    } else {
        raw_path
    };
    let body = match body {
        Body::Empty => bytes::Bytes::new(),
        Body::Text(text) => bytes::Bytes::from(text),
        Body::Binary(bytes) => bytes::Bytes::from(bytes),
        // A future body kind we do not know: treat as empty, the route will say 400.
        _ => bytes::Bytes::new(),
    };
    ApiRequest {
        query: parts.uri.query().unwrap_or_default().to_owned(),
        method: parts.method,
        path,
        headers: parts.headers,
        body,
        request_id,
        source_ip,
    }
}

/// Handles one API Gateway request. Infallible: every outcome is an HTTP answer.
pub async fn handle(router: &Router, request: Request) -> Response<Body> {
    let response = router.handle(to_api_request(request)).await;
    let text = response.is_text();
    let (parts, body) = response.into_http().into_parts();
    // Images go back base64-encoded (lambda_http's Binary); text as it is.
    let body = match (text, String::from_utf8(body.into())) {
        (true, Ok(body)) => Body::Text(body),
        (_, Ok(body)) => Body::Binary(body.into_bytes()),
        (_, Err(bytes)) => Body::Binary(bytes.into_bytes()),
    };
    Response::from_parts(parts, body)
}

/// Serves the router on the Lambda Runtime API until the process is stopped.
pub async fn serve(router: Router) -> Result<(), lambda_http::Error> {
    // The router lives as long as the process; leaking it avoids an Arc per request.
    let router: &'static Router = Box::leak(Box::new(router));
    lambda_http::run(service_fn(move |request: Request| async move {
        Ok::<_, lambda_http::Error>(handle(router, request).await)
    }))
    .await
}

/// Serves the Lambda authorizer until the process is stopped, or logs why the
/// configuration is unusable and exits.
pub async fn run_authorizer(
    authorizer: Result<TokenAuthorizer, ConfigError>,
) -> Result<(), lambda_http::Error> {
    let authorizer: &'static TokenAuthorizer = match authorizer {
        Ok(authorizer) => Box::leak(Box::new(authorizer)),
        Err(error) => return Err(start_up_failed(error)),
    };
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: LambdaEvent<AuthorizerRequest>| async move {
            authorizer
                .invoke(&event.context.request_id, &event.payload)
                .await
                .map_err(|error| {
                    tracing::warn!(error = %error, "authorizer failed");
                    lambda_http::Error::from(error)
                })
        },
    ))
    .await
}

/// Serves the `token-keys` custom resource: each CloudFormation request is
/// answered at its `ResponseURL`, success or failure, so a deployment never
/// waits an hour for an answer that will not come. Only a failed `PUT` is an
/// error (Lambda then retries the event).
pub async fn run_custom_resource() -> Result<(), lambda_http::Error> {
    use crate::custom_resource::{ResourceRequest, answer, client, send};
    let client: &'static reqwest::Client = Box::leak(Box::new(client()?));
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: LambdaEvent<ResourceRequest>| async move {
            let request = event.payload;
            let span = tracing::info_span!("custom_resource",
                request_id = %event.context.request_id,
                kind = ?request.request_type,
                resource = %request.logical_resource_id);
            async {
                let answer = answer(&request);
                tracing::info!(status = ?answer.status, reason = answer.reason.as_deref(), "answering");
                send(client, &request.response_url, &answer)
                    .await
                    .map_err(|error| {
                        tracing::warn!(error = %error, "answer not delivered");
                        lambda_http::Error::from(error)
                    })
            }
            .instrument(span)
            .await
        },
    ))
    .await
}

/// A function's `main` after logging is set up: serve the router, or log why the
/// configuration is unusable and exit (Lambda reports it as an init error).
pub async fn run(router: Result<Router, ConfigError>) -> Result<(), lambda_http::Error> {
    match router {
        Ok(router) => serve(router).await,
        Err(error) => Err(start_up_failed(error)),
    }
}

/// Logs why the configuration is unusable; the error then ends the process
/// (Lambda reports it as an init error).
fn start_up_failed(error: ConfigError) -> lambda_http::Error {
    tracing::error!(error = %error, "start-up failed");
    error.into()
}
