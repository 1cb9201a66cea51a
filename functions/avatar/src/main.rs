//! The `avatar` Lambda function: `POST /auth/profile/avatar`, the images at
//! `GET /avatars/{userId}/{file}`, and WeChat's message push
//! (`GET`/`POST /wechat/push`) that brings the verdicts on them.
//! Thin by design: logging, configuration and clients are set up once, then
//! every request goes to the shared router.

use wxauth_shared::config::{Config, ProcessEnv};
use wxauth_shared::{lambda, logging, setup};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    logging::init();
    let router = async { setup::avatar_function(&Config::from_env(&ProcessEnv)?).await };
    lambda::run(router.await).await
}
