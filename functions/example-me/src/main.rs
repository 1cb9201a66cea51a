//! An example of a team's own function on the same HTTP API, behind the wxauth
//! authorizer (template.yaml: `Auth: Authorizer: WxauthToken`). It holds no
//! auth code: API Gateway only invokes it for a valid, unrevoked token, and the
//! authorizer's context says who the caller is (`lib.rs` answers it).

use lambda_http::request::RequestContext;
use lambda_http::{Body, Error, Request, RequestExt, Response, run, service_fn};

/// `GET /example/me`: the caller as the authorizer described them.
async fn me(request: Request) -> Result<Response<Body>, Error> {
    let caller = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context
            .authorizer
            .as_ref()
            .map(|authorizer| authorizer.fields.clone()),
        _ => None,
    };
    let (status, body) = example_me::answer(caller.as_ref());
    Ok(Response::builder()
        .status(status)
        .header("content-type", "application/json; charset=utf-8")
        .body(Body::Text(body.to_string()))?)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    run(service_fn(me)).await
}
