//! The `authorizer` Lambda function: API Gateway asks it whether a request to a
//! team's own route carries a valid wxauth token (`shared/src/authorizer.rs`).
//! Thin by design, like the others.

use wxauth_shared::config::ProcessEnv;
use wxauth_shared::{lambda, logging, setup};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    logging::init();
    lambda::run_authorizer(setup::authorizer_function(&ProcessEnv)).await
}
