//! The DynamoDB SDK's HTTP client: reqwest, on the process's one TLS
//! configuration ([`crate::tls`]). The SDK's own client would build a second
//! rustls configuration and read and parse the whole bundle of roots again,
//! about a millisecond of a 128 MB cold start's CPU (docs/benchmarks.md,
//! "Issue 16"). The SDK keeps signing, retries and timeouts; this only
//! carries the signed request and its answer.

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use std::time::Duration;

/// The SDK's HTTP client for DynamoDB: one connection pool, opening
/// connections within `connect_timeout` (the budget's), trusting the
/// process's roots.
pub fn http_client(connect_timeout: Duration) -> Result<SharedHttpClient, String> {
    let client = crate::outbound::builder(connect_timeout)?
        // The SDK's own answers to redirects and proxies: none. A developer's
        // HTTPS_PROXY must not carry the emulator's traffic on 127.0.0.1.
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .map_err(|e| format!("DynamoDB HTTP client: {}", crate::outbound::describe(e)))?;
    Ok(SharedHttpClient::new(Reqwest(client)))
}

#[derive(Debug, Clone)]
struct Reqwest(reqwest::Client);

impl HttpClient for Reqwest {
    // Timeouts other than connecting are the SDK's own (attempt and
    // operation), which drop the call's future; the connect timeout is the
    // budget's, given at construction.
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

impl HttpConnector for Reqwest {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let client = self.0.clone();
        HttpConnectorFuture::new(async move {
            let request = request
                .try_into_http1x()
                .map_err(|e| ConnectorError::user(e.into()))?;
            let (parts, body) = request.into_parts();
            // DynamoDB's request bodies are JSON the SDK holds in memory.
            let body = body
                .bytes()
                .ok_or_else(|| ConnectorError::user("a streaming request body".into()))?
                .to_vec();
            let url = parts.uri.to_string();
            let answer = client
                .request(parts.method, url)
                .headers(parts.headers)
                .body(body)
                .send()
                .await
                .map_err(transport)?;
            let mut response = http::Response::builder().status(answer.status());
            if let Some(headers) = response.headers_mut() {
                *headers = answer.headers().clone();
            }
            let body = answer.bytes().await.map_err(transport)?;
            let response = response
                .body(SdkBody::from(body))
                .map_err(|e| ConnectorError::other(e.into(), None))?;
            HttpResponse::try_from(response).map_err(|e| ConnectorError::other(e.into(), None))
        })
    }
}

/// A transport failure as the SDK's retry rules read it: timeouts and
/// broken or refused connections are transient, so retried within the
/// budget, as with the SDK's own client.
fn transport(error: reqwest::Error) -> ConnectorError {
    let kind: fn(_) -> ConnectorError = if error.is_timeout() {
        ConnectorError::timeout
    } else if error.is_builder() {
        ConnectorError::user
    } else if error.is_connect() || error.is_request() || error.is_body() {
        ConnectorError::io
    } else {
        |e| ConnectorError::other(e, None)
    };
    kind(crate::outbound::describe(error).into())
}
