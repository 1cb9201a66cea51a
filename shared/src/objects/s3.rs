//! The S3 adapter (production): the avatar bucket, versioned, encrypted by
//! its default encryption (`template.yaml`), so no request names a key.
//!
//! Objects are put with `Cache-Control: public, max-age=31536000, immutable`:
//! a key names its bytes (a prefix of their SHA-256), so a copy anywhere is
//! never stale. A delete of one key leaves its older versions to the bucket's
//! lifecycle; deleting a user removes every version and delete marker under
//! the user's prefix at once, since an account's deletion must leave nothing.

use super::{ObjectError, ObjectStore, StoredObject};
use crate::config::AwsSettings;
use crate::domain::{AvatarKey, UserId};
use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::config::timeout::TimeoutConfig;
use aws_sdk_s3::config::{
    BehaviorVersion, Region, RequestChecksumCalculation, ResponseChecksumValidation,
};
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use bytes::Bytes;
use std::collections::HashSet;
use std::time::Duration;

/// What every put says about caching: the bytes behind a key never change.
pub const CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

/// The S3 client configuration for `settings`, built as the DynamoDB one is
/// (`store::dynamo::client_config`: credentials from the environment, bounded
/// timeouts), with two differences: an endpoint override (the emulator)
/// addresses the bucket by path, as emulators serve one host; checksums only
/// where S3 requires one (DeleteObjects), which is all an object of a known
/// length and content-addressed name needs.
pub fn client_config(settings: &AwsSettings) -> aws_sdk_s3::config::Builder {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(2))
        .operation_attempt_timeout(Duration::from_secs(5))
        .operation_timeout(Duration::from_secs(10))
        .build();
    let mut builder = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(settings.region.clone()))
        .credentials_provider(settings.credentials())
        .timeout_config(timeouts)
        .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
        .response_checksum_validation(ResponseChecksumValidation::WhenRequired);
    if let Some(url) = &settings.endpoint_url {
        builder = builder.endpoint_url(url).force_path_style(true);
    }
    builder
}

/// Unavailable when trying again later may work: no answer (timeout,
/// network), an unreadable one, throttling (429, `SlowDown`) or a failure on
/// S3's side (5xx, `RequestTimeout`); failed otherwise.
fn classify<E>(error: SdkError<E, HttpResponse>) -> ObjectError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let transient = match &error {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            status >= 500
                || status == 429
                || matches!(
                    service.err().code(),
                    Some("SlowDown" | "Throttling" | "RequestTimeout" | "ServiceUnavailable")
                )
        }
        _ => false,
    };
    let message = DisplayErrorContext(&error).to_string();
    if transient {
        ObjectError::Unavailable(message)
    } else {
        ObjectError::Failed(message)
    }
}

/// The S3 adapter. Build it once at start-up; cheap to clone.
#[derive(Debug, Clone)]
pub struct S3Objects {
    client: Client,
    bucket: String,
}

/// The most versions one ListObjectVersions page and one DeleteObjects take.
const PAGE: i32 = 1000;

/// How many pages `delete_user` deletes before giving up: a user has a few
/// avatars, so a listing that does not shrink is a fault, not work.
const MAX_ROUNDS: usize = 100;

impl S3Objects {
    pub fn new(config: aws_sdk_s3::Config, bucket: impl Into<String>) -> Self {
        Self {
            client: Client::from_conf(config),
            bucket: bucket.into(),
        }
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// Deletes the versions and delete markers `objects` names in one
    /// request; an object S3 could not delete fails the whole call.
    async fn delete_versions(&self, objects: Vec<ObjectIdentifier>) -> Result<(), ObjectError> {
        let delete = Delete::builder()
            .set_objects(Some(objects))
            .quiet(true)
            .build()
            .map_err(|e| ObjectError::Failed(e.to_string()))?;
        let output = self
            .client
            .delete_objects()
            .bucket(&self.bucket)
            .delete(delete)
            .send()
            .await
            .map_err(classify)?;
        match output.errors().first() {
            None => Ok(()),
            Some(e) => {
                let message = format!(
                    "deleting {:?} failed: {} {}",
                    e.key().unwrap_or_default(),
                    e.code().unwrap_or_default(),
                    e.message().unwrap_or_default()
                );
                if matches!(
                    e.code(),
                    Some("SlowDown" | "InternalError" | "ServiceUnavailable")
                ) {
                    Err(ObjectError::Unavailable(message))
                } else {
                    Err(ObjectError::Failed(message))
                }
            }
        }
    }
}

#[async_trait::async_trait]
impl ObjectStore for S3Objects {
    async fn put(
        &self,
        key: &AvatarKey,
        bytes: Bytes,
        content_type: &str,
    ) -> Result<(), ObjectError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .content_type(content_type)
            .cache_control(CACHE_CONTROL)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn get(&self, key: &AvatarKey) -> Result<Option<StoredObject>, ObjectError> {
        let output = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .send()
            .await
        {
            Ok(output) => output,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => return Ok(None),
            Err(e) => return Err(classify(e)),
        };
        let content_type = output
            .content_type()
            .unwrap_or(key.kind().content_type())
            .to_owned();
        let bytes = output
            .body
            .collect()
            .await
            .map_err(|e| ObjectError::Unavailable(format!("reading {key}: {e}")))?
            .into_bytes();
        Ok(Some(StoredObject {
            bytes,
            content_type,
        }))
    }

    async fn delete(&self, key: &AvatarKey) -> Result<(), ObjectError> {
        // S3 answers 204 for a missing key too.
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .send()
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn delete_user(&self, user: &UserId) -> Result<usize, ObjectError> {
        let prefix = AvatarKey::user_prefix(user);
        let mut keys = HashSet::new();
        // List from the start each round: what was deleted is gone, so the
        // next page is what is left, and a put racing the deletion is caught
        // by the next round.
        for _ in 0..MAX_ROUNDS {
            let page = self
                .client
                .list_object_versions()
                .bucket(&self.bucket)
                .prefix(&prefix)
                .max_keys(PAGE)
                .send()
                .await
                .map_err(classify)?;
            let versions = page
                .versions()
                .iter()
                .map(|v| (v.key(), v.version_id()))
                .chain(
                    page.delete_markers()
                        .iter()
                        .map(|m| (m.key(), m.version_id())),
                );
            let mut objects = Vec::new();
            for (key, version) in versions {
                let Some(key) = key else { continue };
                keys.insert(key.to_owned());
                let object = ObjectIdentifier::builder()
                    .key(key)
                    .set_version_id(version.map(str::to_owned))
                    .build()
                    .map_err(|e| ObjectError::Failed(e.to_string()))?;
                objects.push(object);
            }
            if objects.is_empty() {
                return Ok(keys.len());
            }
            self.delete_versions(objects).await?;
        }
        Err(ObjectError::Failed(format!(
            "{prefix} still lists versions after {MAX_ROUNDS} rounds of deletes"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;
    use aws_sdk_s3::error::ErrorMetadata;
    use aws_sdk_s3::operation::get_object::GetObjectError;
    use aws_sdk_s3::primitives::SdkBody;

    fn service_error(status: u16, code: &str) -> SdkError<GetObjectError, HttpResponse> {
        let status = http::StatusCode::from_u16(status).unwrap();
        let raw = HttpResponse::new(status.into(), SdkBody::empty());
        let error = GetObjectError::generic(ErrorMetadata::builder().code(code).build());
        SdkError::service_error(error, raw)
    }

    #[test]
    fn throttling_server_errors_and_no_answer_are_unavailable() {
        for (status, code) in [
            (503, "SlowDown"),
            (500, "InternalError"),
            (503, "ServiceUnavailable"),
            (400, "RequestTimeout"),
            (429, "TooManyRequests"),
        ] {
            let e = classify(service_error(status, code));
            assert!(
                matches!(e, ObjectError::Unavailable(_)),
                "{status} {code}: {e:?}"
            );
        }
        let e = classify::<GetObjectError>(SdkError::timeout_error("no answer in 5 s"));
        assert!(matches!(e, ObjectError::Unavailable(_)), "{e:?}");
    }

    #[test]
    fn refusals_are_failures() {
        for (status, code) in [
            (403, "AccessDenied"),
            (404, "NoSuchBucket"),
            (400, "InvalidArgument"),
            (301, "PermanentRedirect"),
        ] {
            let e = classify(service_error(status, code));
            assert!(
                matches!(e, ObjectError::Failed(_)),
                "{status} {code}: {e:?}"
            );
            assert!(e.to_string().contains(code), "{e}");
        }
        let e = classify::<GetObjectError>(SdkError::construction_failure("no bucket"));
        assert!(matches!(e, ObjectError::Failed(_)), "{e:?}");
    }

    fn settings() -> AwsSettings {
        AwsSettings {
            region: "cn-north-1".into(),
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: Secret::new("secret"),
            session_token: None,
            endpoint_url: None,
        }
    }

    #[test]
    fn checksums_only_where_required_in_the_functions_region() {
        let config = client_config(&settings()).build();
        assert_eq!(
            config.request_checksum_calculation(),
            Some(&RequestChecksumCalculation::WhenRequired)
        );
        assert_eq!(config.region().map(|r| r.as_ref()), Some("cn-north-1"));
        // Path-style addressing under an endpoint override is checked by the
        // conformance suite against the emulator, which fails without it.
    }
}
