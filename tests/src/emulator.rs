//! The DynamoDB emulator the test command starts (moto's server on 127.0.0.1).
//!
//! Tests that need it get a client here. Without one configured
//! (`AWS_ENDPOINT_URL_DYNAMODB`), they fail, saying so: a test that cannot
//! run never counts as passed. `scripts/test.sh` starts it, and
//! `scripts/with-services.sh <command>` starts it for a command of your own.
//!
//! The same server serves S3 (moto serves every service on one port): the S3
//! client goes to `AWS_ENDPOINT_URL_S3` when set, else to the DynamoDB
//! emulator's URL.

use aws_sdk_dynamodb::Client;
use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};
use wxauth_shared::config::{AwsSettings, Config, ProcessEnv};
use wxauth_shared::objects::s3::S3Objects;
use wxauth_shared::store::dynamo::{
    DynamoBudget, RequestCounter, client_config_within, create_table,
};

/// The emulator serves one request at a time (`scripts/dynamodb_emulator.py`):
/// under a burst (fifty binds at once, the whole suite beside it) a request
/// queues there for seconds, as it never does on DynamoDB. The tests' own
/// clients wait for it; the functions' budget (`DynamoBudget::PRODUCTION`) is
/// what the fault suite and the function binaries run with.
const EMULATOR_BUDGET: DynamoBudget = DynamoBudget {
    connect_timeout: std::time::Duration::from_secs(2),
    attempt_timeout: std::time::Duration::from_secs(3),
    operation_timeout: std::time::Duration::from_secs(8),
    ..DynamoBudget::PRODUCTION
};

/// A client for the emulator, counting its requests.
pub async fn client() -> (Client, RequestCounter) {
    require();
    let counter = RequestCounter::default();
    let config = client_config_within(&aws_settings(), &EMULATOR_BUDGET)
        .expect("the trusted roots")
        .interceptor(counter.clone())
        .build();
    (Client::from_conf(config), counter)
}

/// Fails the calling test, saying why and what to run, when no emulator is
/// configured.
pub fn require() {
    assert!(
        std::env::var("AWS_ENDPOINT_URL_DYNAMODB").is_ok(),
        "this test needs the DynamoDB emulator and AWS_ENDPOINT_URL_DYNAMODB is not set: \
         run scripts/test.sh, or scripts/with-services.sh cargo test …"
    );
}

/// A client for the emulator through `endpoint` (a proxy in front of it).
pub fn client_via(endpoint: &str) -> Client {
    let mut settings = aws_settings();
    settings.endpoint_url = Some(endpoint.to_owned());
    let config = client_config_within(&settings, &EMULATOR_BUDGET).expect("the trusted roots");
    Client::from_conf(config.build())
}

/// A client for the emulator through `endpoint` with `budget` (timeouts and
/// retries), its retries drawn from their own quota (`partition`: the SDK's
/// retry token bucket is per partition name, process-wide) so that one fault
/// test does not spend another's.
pub fn client_within(endpoint: &str, budget: &DynamoBudget, partition: &str) -> Client {
    let mut settings = aws_settings();
    settings.endpoint_url = Some(endpoint.to_owned());
    let config = client_config_within(&settings, budget)
        .expect("the trusted roots")
        .retry_partition(aws_sdk_dynamodb::config::retry::RetryPartition::new(
            partition.to_owned(),
        ))
        .build();
    Client::from_conf(config)
}

/// The AWS settings of this process's environment, as a function reads them.
fn aws_settings() -> AwsSettings {
    let config = Config::from_env(&ProcessEnv).expect("configuration");
    let aws = config.dynamo.aws.get();
    aws.expect("AWS settings for the emulator").clone()
}

/// The emulator's own URL.
pub fn url() -> String {
    require();
    std::env::var("AWS_ENDPOINT_URL_DYNAMODB").expect("required above")
}

/// A new, empty table with the production key schema, unique to the caller.
pub async fn fresh_table(client: &Client) -> String {
    let name = format!("wxauth-test-{}", uuid::Uuid::new_v4().simple());
    create_table(client, &name)
        .await
        .expect("create test table");
    name
}

/// The emulator's S3 as the avatar store reaches it (`AWS_ENDPOINT_URL_S3`,
/// else the DynamoDB emulator's URL: moto serves both).
pub fn s3_settings() -> AwsSettings {
    let mut settings = aws_settings();
    settings.endpoint_url = Some(std::env::var("AWS_ENDPOINT_URL_S3").unwrap_or_else(|_| url()));
    settings
}

/// The avatar store on the emulator's bucket `bucket`.
pub fn s3_objects(bucket: &str) -> S3Objects {
    S3Objects::new(&s3_settings(), bucket).expect("an S3 client")
}

/// The AWS SDK's S3 client on the emulator: an independent client, for the
/// tests to make buckets and look at what the avatar store did.
pub fn s3_config() -> aws_sdk_s3::Config {
    let settings = s3_settings();
    let credentials = aws_sdk_s3::config::Credentials::new(
        &settings.access_key_id,
        settings.secret_access_key.expose(),
        None,
        None,
        "tests",
    );
    let mut builder = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new(settings.region.clone()))
        .credentials_provider(credentials)
        .force_path_style(true);
    if let Some(url) = &settings.endpoint_url {
        builder = builder.endpoint_url(url);
    }
    builder.build()
}

/// A new, empty, versioned bucket unique to the caller, as `template.yaml`
/// declares the avatar bucket (versioning on).
pub async fn fresh_bucket(client: &aws_sdk_s3::Client) -> String {
    let name = format!("wxauth-test-{}", uuid::Uuid::new_v4().simple());
    client
        .create_bucket()
        .bucket(&name)
        .send()
        .await
        .expect("create test bucket");
    client
        .put_bucket_versioning()
        .bucket(&name)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .expect("turn on versioning");
    name
}

/// A new versioned bucket on the emulator's S3 (for the functions run as
/// processes, which are told its name).
pub async fn new_bucket() -> String {
    fresh_bucket(&aws_sdk_s3::Client::from_conf(s3_config())).await
}
