//! Building the SDK client, creating the table, and counting requests.

use super::StoreError;
use crate::config::AwsSettings;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::config::{BehaviorVersion, ConfigBag, Intercept, Region, RuntimeComponents};
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How long one DynamoDB operation may take, retries included, and why.
///
/// The function's timeout is 15 s (`template.yaml`, Globals). A route spends at
/// most 10 s on WeChat (`CallPolicy::MAX_DEADLINE`), which leaves 5 s for its
/// DynamoDB calls and the rest. One operation is at most `OPERATION_TIMEOUT` =
/// 2.5 s: `MAX_ATTEMPTS` = 3 attempts of at most `ATTEMPT_TIMEOUT` = 0.8 s each
/// (a connection counts inside its attempt, at most `CONNECT_TIMEOUT` = 0.5 s),
/// with backoffs of at most 0.1 s then 0.2 s between them (3 × 0.8 + 0.3 =
/// 2.7 s, so the operation timeout cuts the third attempt short). A failing
/// operation ends its request with `503 storage_unavailable`, so a request
/// meets at most one such wait: 10 + 2.5 = 12.5 s, and the healthy calls
/// around it (milliseconds each) fit in the 2.5 s left before 15 s. A
/// healthy DynamoDB answers in milliseconds, so 0.8 s per attempt only cuts
/// off what is stuck.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DynamoBudget {
    pub connect_timeout: Duration,
    pub attempt_timeout: Duration,
    pub operation_timeout: Duration,
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// The first retry waits up to this (jittered), each next one twice as long.
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
}

impl DynamoBudget {
    /// What the functions run with.
    pub const PRODUCTION: Self = Self {
        connect_timeout: Duration::from_millis(500),
        attempt_timeout: Duration::from_millis(800),
        operation_timeout: Duration::from_millis(2_500),
        max_attempts: 3,
        initial_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_millis(200),
    };

    /// The longest one operation can take, retries included.
    pub fn worst_case(&self) -> Duration {
        let backoffs: Duration = (1..self.max_attempts)
            .map(|retry| {
                (self.initial_backoff * 2u32.saturating_pow(retry - 1)).min(self.max_backoff)
            })
            .sum();
        (self.attempt_timeout * self.max_attempts + backoffs).min(self.operation_timeout)
    }
}

/// The DynamoDB client configuration for `settings`, with the production
/// [`DynamoBudget`]. Built directly rather than through `aws-config`: its
/// credential chain (profiles, SSO, STS, instance metadata) costs start-up
/// time and binary size, and on Lambda the credentials are in the
/// environment anyway. Every operation reports its latency and retries to
/// the request's metrics.
pub fn client_config(settings: &AwsSettings) -> Result<aws_sdk_dynamodb::config::Builder, String> {
    client_config_within(settings, &DynamoBudget::PRODUCTION)
}

/// The same with another budget (the fault tests shorten it to run fast).
/// Fails only when the trusted roots cannot be read ([`crate::tls`]).
pub fn client_config_within(
    settings: &AwsSettings,
    budget: &DynamoBudget,
) -> Result<aws_sdk_dynamodb::config::Builder, String> {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(budget.connect_timeout)
        .operation_attempt_timeout(budget.attempt_timeout)
        .operation_timeout(budget.operation_timeout)
        .build();
    // Standard mode retries throttling, 5xx, timeouts and broken connections;
    // never a failed condition or a cancelled transaction (the use case reads
    // again and decides again instead).
    let retries = RetryConfig::standard()
        .with_max_attempts(budget.max_attempts)
        .with_initial_backoff(budget.initial_backoff)
        .with_max_backoff(budget.max_backoff);
    let mut builder = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(settings.region.clone()))
        .credentials_provider(settings.credentials())
        .timeout_config(timeouts)
        .retry_config(retries)
        .interceptor(crate::metrics::DynamoTiming)
        .http_client(super::http::http_client(budget.connect_timeout)?);
    if let Some(url) = &settings.endpoint_url {
        builder = builder.endpoint_url(url);
    }
    Ok(builder)
}

pub(crate) fn unavailable<E, R>(error: aws_sdk_dynamodb::error::SdkError<E, R>) -> StoreError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    StoreError::Unavailable(DisplayErrorContext(&error).to_string())
}

/// Creates the table as `template.yaml` declares it (key `pk`, on-demand), for
/// tests and local DynamoDB. An existing table is left alone.
pub async fn create_table(client: &Client, table: &str) -> Result<(), StoreError> {
    let result = client
        .create_table()
        .table_name(table)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(|e| StoreError::Unavailable(e.to_string()))?,
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("pk")
                .key_type(KeyType::Hash)
                .build()
                .map_err(|e| StoreError::Unavailable(e.to_string()))?,
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await;
    match result {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_in_use_exception()) =>
        {
            Ok(())
        }
        Err(e) => Err(unavailable(e)),
    }
}

/// An SDK interceptor that counts HTTP requests sent to DynamoDB (retries
/// included): what the request-budget tests and the benchmarks read.
#[derive(Debug, Clone, Default)]
pub struct RequestCounter {
    sent: Arc<AtomicU64>,
}

impl RequestCounter {
    pub fn get(&self) -> u64 {
        self.sent.load(Ordering::SeqCst)
    }

    /// Returns the count so far and starts again from zero.
    pub fn take(&self) -> u64 {
        self.sent.swap(0, Ordering::SeqCst)
    }
}

impl Intercept for RequestCounter {
    fn name(&self) -> &'static str {
        "RequestCounter"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        self.sent.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_operation_fits_the_request_budget() {
        let budget = DynamoBudget::PRODUCTION;
        // 3 attempts of 0.8 s and backoffs of 0.1 + 0.2 s, cut at 2.5 s.
        assert_eq!(budget.worst_case(), Duration::from_millis(2_500));
        assert!(budget.connect_timeout < budget.attempt_timeout);
        // WeChat's 10 s and one failing DynamoDB operation end before the
        // function's 15 s, with room for the healthy calls around them.
        let wechat = crate::wechat::CallPolicy::MAX_DEADLINE;
        assert!(wechat + budget.worst_case() <= Duration::from_millis(12_500));
    }

    #[test]
    fn the_client_carries_the_budget() {
        let settings = AwsSettings {
            region: "us-east-1".into(),
            access_key_id: "test".into(),
            secret_access_key: crate::config::Secret::new("test"),
            session_token: None,
            endpoint_url: None,
        };
        let config = client_config(&settings).unwrap().build();
        let timeouts = config.timeout_config().expect("timeouts");
        assert_eq!(
            timeouts.operation_attempt_timeout(),
            Some(Duration::from_millis(800))
        );
        assert_eq!(
            timeouts.operation_timeout(),
            Some(Duration::from_millis(2_500))
        );
        assert_eq!(timeouts.connect_timeout(), Some(Duration::from_millis(500)));
        let retries = config.retry_config().expect("retries");
        assert_eq!(retries.max_attempts(), 3);
        assert_eq!(retries.initial_backoff(), Duration::from_millis(100));
        assert_eq!(retries.max_backoff(), Duration::from_millis(200));
    }
}
