//! The `sms` Lambda function: `POST /auth/sms/send` and `POST /auth/sms/login`.
//! Thin by design: logging, configuration and clients are set up once, then
//! every request goes to the shared router.

use wxauth_shared::config::{Config, ProcessEnv};
use wxauth_shared::{lambda, logging, setup};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    logging::init();
    let router = async { setup::sms_function(&Config::from_env(&ProcessEnv)?).await };
    lambda::run(router.await).await
}
