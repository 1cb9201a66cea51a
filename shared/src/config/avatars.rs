//! Where avatars are stored: the S3 bucket and how to reach it (the functions
//! that store avatars; the local server uses its data directory).

use super::env::{Env, required};
use super::vars::*;
use super::{AwsSettings, ConfigError, Setting};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvatarConfig {
    /// `AVATAR_BUCKET`.
    pub bucket: Setting<String>,
    /// The function's region and credentials, the endpoint
    /// `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`.
    pub aws: Setting<AwsSettings>,
}

impl AvatarConfig {
    pub(super) fn from_env(env: &dyn Env) -> Self {
        Self {
            bucket: bucket(env).into(),
            aws: AwsSettings::for_service(env, AWS_ENDPOINT_URL_S3).into(),
        }
    }
}

/// S3's rules for a bucket name (general purpose buckets): 3 to 63
/// characters, lowercase letters, digits, `.` and `-`, starting and ending
/// with a letter or digit, no `..`. A template's typo is caught at start-up
/// rather than at the first upload.
fn bucket(env: &dyn Env) -> Result<String, ConfigError> {
    let name = required(env, AVATAR_BUCKET)?;
    let edge = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    let valid = (3..=63).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && edge(name.bytes().next())
        && edge(name.bytes().last())
        && !name.contains("..");
    if !valid {
        return Err(ConfigError::new(
            AVATAR_BUCKET,
            format!("is not a valid S3 bucket name: {name:?}"),
        ));
    }
    Ok(name)
}
