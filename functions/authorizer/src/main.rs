//! The `authorizer` Lambda function: API Gateway asks it whether a request to a
//! team's own route carries a valid wxauth token (`shared/src/authorizer.rs`).
//! Thin by design, like the others.

use wxauth_shared::config::{Config, ProcessEnv};
use wxauth_shared::{lambda, logging, setup};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    logging::init();
    let authorizer = Config::from_env(&ProcessEnv).and_then(|c| setup::authorizer_function(&c));
    lambda::run_authorizer(authorizer).await
}
