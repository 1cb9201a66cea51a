//! The `token-keys` Lambda function: a CloudFormation custom resource, run at
//! deploy time only. It derives from the signing key what the functions that
//! verify tokens get instead of it (`shared/src/custom_resource.rs`). It has
//! no settings and no table access: the key arrives in the request.

use wxauth_shared::{lambda, logging};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    logging::init();
    lambda::run_custom_resource().await
}
