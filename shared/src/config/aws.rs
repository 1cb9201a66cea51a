//! Where and as whom the functions reach DynamoDB: what Lambda puts in every
//! function's environment (region, the execution role's credentials), plus the
//! standard endpoint override the tests point at the emulator. Only the
//! environment is read (no profile files, no instance metadata): on Lambda that
//! is where the credentials are, and reading nothing else keeps start-up fast.

use super::env::{Env, get, required};
use super::vars::*;
use super::{ConfigError, Secret};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsSettings {
    /// `AWS_REGION`, else `AWS_DEFAULT_REGION`.
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Option<Secret>,
    /// `AWS_ENDPOINT_URL_DYNAMODB`, else `AWS_ENDPOINT_URL`.
    pub endpoint_url: Option<String>,
}

impl AwsSettings {
    pub(super) fn from_env(env: &dyn Env) -> Result<Self, ConfigError> {
        let region = get(env, AWS_REGION)
            .or_else(|| get(env, AWS_DEFAULT_REGION))
            .ok_or_else(|| ConfigError::not_set(AWS_REGION))?;
        Ok(Self {
            region,
            access_key_id: required(env, AWS_ACCESS_KEY_ID)?,
            secret_access_key: Secret::new(required(env, AWS_SECRET_ACCESS_KEY)?),
            session_token: get(env, AWS_SESSION_TOKEN).map(Secret::new),
            endpoint_url: get(env, AWS_ENDPOINT_URL_DYNAMODB)
                .or_else(|| get(env, AWS_ENDPOINT_URL)),
        })
    }
}
