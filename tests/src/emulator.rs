//! The DynamoDB emulator the test command starts (moto's server on 127.0.0.1).
//!
//! Tests that need it get a client here. Under the README's test command
//! (`WXAUTH_REQUIRE_EMULATOR=1`) a missing emulator fails the test; a plain
//! `cargo test` without one skips those tests with a message instead.

use aws_sdk_dynamodb::Client;
use wxauth_shared::config::{AwsSettings, Config, ProcessEnv};
use wxauth_shared::store::dynamo::{RequestCounter, client_config, create_table};

/// A client for the emulator, counting its requests, or `None` (skip) when no
/// emulator is configured and none is required.
pub async fn client() -> Option<(Client, RequestCounter)> {
    if std::env::var("AWS_ENDPOINT_URL_DYNAMODB").is_err() {
        if std::env::var("WXAUTH_REQUIRE_EMULATOR").is_ok_and(|v| v == "1") {
            panic!(
                "WXAUTH_REQUIRE_EMULATOR=1 but AWS_ENDPOINT_URL_DYNAMODB is not set: run scripts/test.sh"
            );
        }
        eprintln!(
            "skipped: no DynamoDB emulator (AWS_ENDPOINT_URL_DYNAMODB unset); scripts/test.sh runs one"
        );
        return None;
    }
    let counter = RequestCounter::default();
    let config = client_config(&aws_settings())
        .interceptor(counter.clone())
        .build();
    Some((Client::from_conf(config), counter))
}

/// A client for the emulator through `endpoint` (a proxy in front of it).
pub fn client_via(endpoint: &str) -> Client {
    let mut settings = aws_settings();
    settings.endpoint_url = Some(endpoint.to_owned());
    Client::from_conf(client_config(&settings).build())
}

/// The AWS settings of this process's environment, as a function reads them.
fn aws_settings() -> AwsSettings {
    let config = Config::from_env(&ProcessEnv).expect("configuration");
    let aws = config.dynamo.aws.get();
    aws.expect("AWS settings for the emulator").clone()
}

/// The emulator's own URL, when one is configured.
pub fn url() -> Option<String> {
    std::env::var("AWS_ENDPOINT_URL_DYNAMODB").ok()
}

/// A new, empty table with the production key schema, unique to the caller.
pub async fn fresh_table(client: &Client) -> String {
    let name = format!("wxauth-test-{}", uuid::Uuid::new_v4().simple());
    create_table(client, &name)
        .await
        .expect("create test table");
    name
}
