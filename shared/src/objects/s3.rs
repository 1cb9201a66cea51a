//! The S3 adapter (production): the avatar bucket, versioned, encrypted by
//! its default encryption (`template.yaml`), so no request names a key.
//!
//! Five REST calls signed with SigV4 (`aws-sigv4`, already built for the
//! DynamoDB SDK), over the one outbound HTTP client: `PutObject`,
//! `GetObject`, `DeleteObject`, and `ListObjectVersions` with a versioned
//! `DeleteObject` for a user's deletion. Not the S3 SDK: it would add about
//! half a megabyte to the two functions that store images (their zips would
//! pass the 4 MB the test command allows) and its checksum, XML and
//! event-stream crates to every build, for calls this small.
//!
//! Objects are put with `Cache-Control: public, max-age=31536000, immutable`:
//! a key names its bytes (a prefix of their SHA-256), so a copy anywhere is
//! never stale. A delete of one key leaves its older versions to the bucket's
//! lifecycle; deleting a user removes every version and delete marker under
//! the user's prefix, since an account's deletion must leave nothing.

use super::{ObjectError, ObjectStore, StoredObject};
use crate::config::AwsSettings;
use crate::domain::{AvatarKey, MAX_AVATAR_BYTES, UserId};
use crate::outbound::{self, BodyError};
use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningSettings,
    UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4;
use bytes::Bytes;
use std::collections::HashSet;
use std::time::{Duration, SystemTime};

mod listing;

use listing::Listing;

/// What every put says about caching: the bytes behind a key never change.
pub const CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

/// One request's bound, sending and answer included: well inside the
/// function's 15 s, so a stuck S3 is a 503 and not a Lambda timeout.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// The largest answer read: an avatar, or a page of a listing.
const MAX_ANSWER_BYTES: usize = 2 * MAX_AVATAR_BYTES;

/// How many listing rounds `delete_user` runs before giving up: a user has a
/// few avatars, so a listing that does not shrink is a fault, not work.
const MAX_ROUNDS: usize = 100;

/// The S3 adapter. Build it once at start-up; cheap to clone.
#[derive(Clone)]
pub struct S3Objects {
    client: reqwest::Client,
    /// `https://{bucket}.s3.{region}.amazonaws.com` (virtual-hosted), or
    /// `{endpoint}/{bucket}` under an endpoint override (the emulator, which
    /// serves every bucket on one host).
    bucket_url: String,
    bucket: String,
    region: String,
    credentials: aws_credential_types::Credentials,
}

impl std::fmt::Debug for S3Objects {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Objects")
            .field("bucket_url", &self.bucket_url)
            .finish_non_exhaustive()
    }
}

/// The region's S3 host: `amazonaws.com.cn` in the AWS China regions.
fn regional_host(region: &str) -> String {
    let suffix = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    format!("s3.{region}.{suffix}")
}

/// A transport failure (no connection, no answer in time): worth a retry.
fn unreachable(error: reqwest::Error) -> ObjectError {
    ObjectError::Unavailable(outbound::describe(error))
}

/// An answer S3 refused with: throttling and its own failures are worth a
/// retry (503 to our caller); the rest (access denied, no such bucket) is
/// a configuration fault.
fn refused(status: u16, body: &[u8]) -> ObjectError {
    let code = listing::error_code(body).unwrap_or_default();
    let message = format!("S3 answered {status} {code}");
    let transient = status >= 500
        || status == 429
        || matches!(
            code.as_str(),
            "SlowDown" | "Throttling" | "RequestTimeout" | "ServiceUnavailable" | "InternalError"
        );
    if transient {
        ObjectError::Unavailable(message)
    } else {
        ObjectError::Failed(message)
    }
}

impl S3Objects {
    /// The bucket `bucket`, reached as `settings` say (region, credentials,
    /// endpoint override).
    pub fn new(settings: &AwsSettings, bucket: impl Into<String>) -> Result<Self, String> {
        let bucket = bucket.into();
        let bucket_url = match &settings.endpoint_url {
            Some(endpoint) => format!("{}/{bucket}", endpoint.trim_end_matches('/')),
            None => format!("https://{bucket}.{}", regional_host(&settings.region)),
        };
        Ok(Self {
            client: outbound::client().map_err(|e| format!("HTTP client: {e}"))?,
            bucket_url,
            bucket,
            region: settings.region.clone(),
            credentials: settings.credentials(),
        })
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// A request to `url`, signed now.
    fn signed(
        &self,
        method: reqwest::Method,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<reqwest::RequestBuilder, ObjectError> {
        self.signed_at(method, url, headers, body, SystemTime::now())
    }

    /// A request to `url`, signed at `time` over `host`, the `headers` given
    /// and the payload's SHA-256 (which S3 wants in `x-amz-content-sha256`).
    fn signed_at(
        &self,
        method: reqwest::Method,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
        time: SystemTime,
    ) -> Result<reqwest::RequestBuilder, ObjectError> {
        let failed = |e: &dyn std::fmt::Display| ObjectError::Failed(format!("signing: {e}"));
        let host = reqwest::Url::parse(url)
            .ok()
            .and_then(|u| {
                u.host_str()
                    .map(|h| u.port().map_or(h.to_owned(), |p| format!("{h}:{p}")))
            })
            .ok_or_else(|| failed(&"no host in the URL"))?;
        let mut signed_headers = vec![("host", host.as_str())];
        signed_headers.extend_from_slice(headers);
        // S3's rules: the path as sent (no normalisation, no double
        // encoding) and the payload's hash as a header.
        let mut settings = SigningSettings::default();
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        let identity = self.credentials.clone().into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("s3")
            .time(time)
            .settings(settings)
            .build()
            .map_err(|e| failed(&e))?
            .into();
        let signable = SignableRequest::new(
            method.as_str(),
            url,
            signed_headers.iter().copied(),
            SignableBody::Bytes(body),
        )
        .map_err(|e| failed(&e))?;
        let (instructions, _signature) = sign(signable, &params)
            .map_err(|e| failed(&e))?
            .into_parts();
        let mut request = self
            .client
            .request(method, url)
            .timeout(REQUEST_TIMEOUT)
            .header(reqwest::header::HOST, host.as_str());
        for (name, value) in headers.iter().copied().chain(instructions.headers()) {
            request = request.header(name, value);
        }
        Ok(request)
    }

    /// Sends `request`: its status and body.
    async fn exchange(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<(u16, Vec<u8>), ObjectError> {
        let response = request.send().await.map_err(unreachable)?;
        let status = response.status().as_u16();
        let body = outbound::read_bounded(response, MAX_ANSWER_BYTES)
            .await
            .map_err(|e| match e {
                BodyError::TooLarge => ObjectError::Failed("an answer over 2 MB".into()),
                BodyError::Transport(e) => ObjectError::Unavailable(e),
            })?;
        Ok((status, body))
    }

    fn object_url(&self, key: &AvatarKey) -> String {
        // Keys are letters, digits, `-`, `/` and `.`: nothing to encode.
        format!("{}/{}", self.bucket_url, key.as_str())
    }

    /// One page of the versions and delete markers under `prefix`.
    async fn list_versions(&self, prefix: &str) -> Result<Listing, ObjectError> {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("max-keys", "1000")
            .append_pair("prefix", prefix)
            .finish();
        let url = format!("{}/?versions&{query}", self.bucket_url);
        let request = self.signed(reqwest::Method::GET, &url, &[], b"")?;
        match self.exchange(request).await? {
            (200, body) => Listing::parse(&body)
                .map_err(|e| ObjectError::Failed(format!("ListObjectVersions: {e}"))),
            (status, body) => Err(refused(status, &body)),
        }
    }

    /// Deletes one version (or delete marker) of `key`.
    async fn delete_version(&self, key: &str, version: &str) -> Result<(), ObjectError> {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("versionId", version)
            .finish();
        let url = format!("{}/{key}?{query}", self.bucket_url);
        let request = self.signed(reqwest::Method::DELETE, &url, &[], b"")?;
        match self.exchange(request).await? {
            (200 | 204 | 404, _) => Ok(()),
            (status, body) => Err(refused(status, &body)),
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
        let headers = [
            ("cache-control", CACHE_CONTROL),
            ("content-type", content_type),
        ];
        let request = self
            .signed(
                reqwest::Method::PUT,
                &self.object_url(key),
                &headers,
                &bytes,
            )?
            .body(bytes);
        match self.exchange(request).await? {
            (200, _) => Ok(()),
            (status, body) => Err(refused(status, &body)),
        }
    }

    async fn get(&self, key: &AvatarKey) -> Result<Option<StoredObject>, ObjectError> {
        let request = self.signed(reqwest::Method::GET, &self.object_url(key), &[], b"")?;
        match self.exchange(request).await? {
            (200, body) => Ok(Some(StoredObject {
                bytes: Bytes::from(body),
                // What the key's extension names: the sniffed kind it was put as.
                content_type: key.kind().content_type().to_owned(),
            })),
            (404, _) => Ok(None),
            (status, body) => Err(refused(status, &body)),
        }
    }

    async fn delete(&self, key: &AvatarKey) -> Result<(), ObjectError> {
        let request = self.signed(reqwest::Method::DELETE, &self.object_url(key), &[], b"")?;
        match self.exchange(request).await? {
            (200 | 204 | 404, _) => Ok(()),
            (status, body) => Err(refused(status, &body)),
        }
    }

    async fn delete_user(&self, user: &UserId) -> Result<usize, ObjectError> {
        let prefix = AvatarKey::user_prefix(user);
        let mut keys = HashSet::new();
        // List from the start each round: what was deleted is gone, so the
        // next page is what is left, and a put racing the deletion is caught
        // by the next round.
        for _ in 0..MAX_ROUNDS {
            let page = self.list_versions(&prefix).await?;
            if page.versions.is_empty() {
                return Ok(keys.len());
            }
            for (key, version) in &page.versions {
                // Only the user's own keys, whatever the listing says.
                if !key.starts_with(&prefix) || AvatarKey::parse(key).is_none() {
                    return Err(ObjectError::Failed(format!(
                        "the listing of {prefix} holds {key:?}"
                    )));
                }
                keys.insert(key.clone());
                self.delete_version(key, version).await?;
            }
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

    fn settings(region: &str, endpoint: Option<&str>) -> AwsSettings {
        AwsSettings {
            region: region.into(),
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: Secret::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            session_token: None,
            endpoint_url: endpoint.map(str::to_owned),
        }
    }

    #[test]
    fn buckets_are_virtual_hosts_in_aws_and_paths_on_an_emulator() {
        let aws = S3Objects::new(&settings("ap-east-1", None), "wxauth-avatars").unwrap();
        assert_eq!(
            aws.bucket_url,
            "https://wxauth-avatars.s3.ap-east-1.amazonaws.com"
        );
        let china = S3Objects::new(&settings("cn-northwest-1", None), "b1").unwrap();
        assert_eq!(
            china.bucket_url,
            "https://b1.s3.cn-northwest-1.amazonaws.com.cn"
        );
        let local =
            S3Objects::new(&settings("us-east-1", Some("http://127.0.0.1:9/")), "b2").unwrap();
        assert_eq!(local.bucket_url, "http://127.0.0.1:9/b2");
    }

    #[test]
    fn throttling_and_server_errors_are_unavailable_refusals_failures() {
        let xml = |code: &str| format!("<Error><Code>{code}</Code><Message>m</Message></Error>");
        assert!(matches!(
            refused(503, xml("SlowDown").as_bytes()),
            ObjectError::Unavailable(_)
        ));
        assert!(matches!(refused(500, b""), ObjectError::Unavailable(_)));
        assert!(matches!(
            refused(400, xml("RequestTimeout").as_bytes()),
            ObjectError::Unavailable(_)
        ));
        let denied = refused(403, xml("AccessDenied").as_bytes());
        assert_eq!(
            denied,
            ObjectError::Failed("S3 answered 403 AccessDenied".into())
        );
        assert!(matches!(
            refused(404, xml("NoSuchBucket").as_bytes()),
            ObjectError::Failed(_)
        ));
    }

    /// AWS's published SigV4 example for S3, "GET Object" (Signature
    /// Calculations for the Authorization Header, docs.aws.amazon.com/AmazonS3/
    /// latest/API/sig-v4-header-based-auth.html): the signature it prints.
    #[test]
    fn awss_get_object_example_signs_as_published() {
        let mut example = settings("us-east-1", None);
        example.access_key_id = "AKIAIOSFODNN7EXAMPLE".into();
        example.secret_access_key = Secret::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        let s3 = S3Objects::new(&example, "examplebucket").unwrap();
        // 20130524T000000Z
        let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_369_353_600);
        let request = s3
            .signed_at(
                reqwest::Method::GET,
                "https://examplebucket.s3.amazonaws.com/test.txt",
                &[("range", "bytes=0-9")],
                b"",
                time,
            )
            .unwrap()
            .build()
            .unwrap();
        let authorization = request.headers()["authorization"].to_str().unwrap();
        assert_eq!(
            authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        );
    }

    #[test]
    fn requests_carry_the_payload_hash_and_a_signature_over_host() {
        let s3 = S3Objects::new(&settings("us-east-1", None), "b").unwrap();
        let request = s3
            .signed(
                reqwest::Method::PUT,
                "https://b.s3.us-east-1.amazonaws.com/avatars/u/x.png",
                &[("content-type", "image/png")],
                b"png",
            )
            .unwrap()
            .build()
            .unwrap();
        let header = |name: &str| {
            request
                .headers()
                .get(name)
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned()
        };
        let sha256 = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, b"png");
        assert_eq!(
            header("x-amz-content-sha256"),
            crate::crypto::hex(sha256.as_ref())
        );
        let authorization = header("authorization");
        assert!(
            authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"),
            "{authorization}"
        );
        assert!(
            authorization.contains("/us-east-1/s3/aws4_request"),
            "{authorization}"
        );
        assert!(
            authorization
                .contains("SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date"),
            "{authorization}"
        );
        assert_eq!(header("host"), "b.s3.us-east-1.amazonaws.com");
    }
}
