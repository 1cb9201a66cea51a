//! The `decrypt-profile` Lambda function: `POST /auth/profile` and `PUT /auth/profile/nickname`.
//! Thin by design: logging, configuration and clients are set up once, then
//! every request goes to the shared router.

use wxauth_shared::config::{Config, ProcessEnv};
use wxauth_shared::{lambda, logging, setup};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    logging::init();
    let router = async { setup::decrypt_profile_function(&Config::from_env(&ProcessEnv)?).await };
    lambda::run(router.await).await
}
