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
    /// The service's own override (`AWS_ENDPOINT_URL_DYNAMODB`,
    /// `AWS_ENDPOINT_URL_S3`), else `AWS_ENDPOINT_URL`.
    pub endpoint_url: Option<String>,
}

/// An access key, and the session token of a role's temporary one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsCredentials {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Option<Secret>,
}

/// The SDKs' static credentials for an access key (read once, from the
/// environment or the settings; never refreshed by a provider chain).
fn sdk_credentials(
    access_key_id: &str,
    secret_access_key: &Secret,
    session_token: Option<&Secret>,
) -> aws_credential_types::Credentials {
    aws_credential_types::Credentials::new(
        access_key_id,
        secret_access_key.expose(),
        session_token.map(|token| token.expose().to_owned()),
        None,
        "environment",
    )
}

impl AwsCredentials {
    /// As the SDKs and the SigV4 signer take them.
    pub fn sdk(&self) -> aws_credential_types::Credentials {
        sdk_credentials(
            &self.access_key_id,
            &self.secret_access_key,
            self.session_token.as_ref(),
        )
    }
}

impl AwsSettings {
    /// The function's credentials, as the SDK clients take them.
    pub fn credentials(&self) -> aws_credential_types::Credentials {
        sdk_credentials(
            &self.access_key_id,
            &self.secret_access_key,
            self.session_token.as_ref(),
        )
    }

    /// DynamoDB's: the endpoint `AWS_ENDPOINT_URL_DYNAMODB`.
    pub(super) fn from_env(env: &dyn Env) -> Result<Self, ConfigError> {
        Self::for_service(env, AWS_ENDPOINT_URL_DYNAMODB)
    }

    /// Region and credentials as every service's; the endpoint the service's
    /// own variable names, else `AWS_ENDPOINT_URL`.
    pub(super) fn for_service(
        env: &dyn Env,
        endpoint_var: &'static str,
    ) -> Result<Self, ConfigError> {
        let region = function_region(env).ok_or_else(|| ConfigError::not_set(AWS_REGION))?;
        let AwsCredentials {
            access_key_id,
            secret_access_key,
            session_token,
        } = AwsCredentials::from_env(env)?;
        Ok(Self {
            region,
            access_key_id,
            secret_access_key,
            session_token,
            endpoint_url: get(env, endpoint_var).or_else(|| get(env, AWS_ENDPOINT_URL)),
        })
    }
}

impl AwsCredentials {
    /// The execution role's: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
    /// `AWS_SESSION_TOKEN`, as Lambda sets them.
    pub(super) fn from_env(env: &dyn Env) -> Result<Self, ConfigError> {
        Ok(Self {
            access_key_id: required(env, AWS_ACCESS_KEY_ID)?,
            secret_access_key: Secret::new(required(env, AWS_SECRET_ACCESS_KEY)?),
            session_token: get(env, AWS_SESSION_TOKEN).map(Secret::new),
        })
    }
}

/// The function's own region: `AWS_REGION`, else `AWS_DEFAULT_REGION`.
pub(super) fn function_region(env: &dyn Env) -> Option<String> {
    get(env, AWS_REGION).or_else(|| get(env, AWS_DEFAULT_REGION))
}
