//! The `password` Lambda function: `POST /auth/password/login` and
//! `POST /auth/password`. Thin by design: logging, configuration and clients
//! are set up once, then every request goes to the shared router. Its memory
//! size (template.yaml) is what keeps one argon2id verify under 250 ms.

use wxauth_shared::config::{Config, ProcessEnv};
use wxauth_shared::{lambda, logging, setup};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    logging::init();
    let router = async { setup::password_function(&Config::from_env(&ProcessEnv)?).await };
    lambda::run(router.await).await
}
