//! How our own tokens are made and checked (every binary).

use super::env::{self, Env, get, number};
use super::vars::*;
use super::{ConfigError, Secret, Setting};
use crate::domain::SessionPolicy;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenConfig {
    pub issuer: String,
    pub audience: String,
    /// Token and session lifetimes, and the refresh grace window.
    pub sessions: SessionPolicy,
    /// RSA private key, PEM (PKCS#8 or PKCS#1). The local server puts its
    /// generated key here when `TOKEN_SIGNING_KEY` is unset.
    pub signing_key: Setting<Secret>,
    /// `TOKEN_VERIFY_KEYS`: public keys (PEM) also accepted and published, for
    /// the overlap of a key rotation. Often empty. The functions that only
    /// verify tokens read their keys from here alone, never the signing key.
    pub verify_keys_pem: String,
    /// `SMS_CODE_KEY`, when set (the deployed functions that check SMS codes).
    pub sms_code_key: Option<Secret>,
}

impl TokenConfig {
    pub(super) fn from_env(env: &dyn Env) -> Result<Self, ConfigError> {
        let issuer = get(env, TOKEN_ISSUER).unwrap_or_else(|| DEFAULT_TOKEN_ISSUER.to_owned());
        let audience =
            get(env, TOKEN_AUDIENCE).unwrap_or_else(|| DEFAULT_TOKEN_AUDIENCE.to_owned());
        // The old name counts only when the new one is unset.
        let access_var =
            if get(env, ACCESS_TOKEN_TTL_SECS).is_none() && get(env, TOKEN_TTL_SECS).is_some() {
                TOKEN_TTL_SECS
            } else {
                ACCESS_TOKEN_TTL_SECS
            };
        let sessions = SessionPolicy {
            access_ttl_secs: number(
                env,
                access_var,
                DEFAULT_ACCESS_TOKEN_TTL_SECS,
                ACCESS_TOKEN_TTL_SECS_RANGE,
            )?,
            refresh_ttl_secs: number(
                env,
                REFRESH_TOKEN_TTL_SECS,
                DEFAULT_REFRESH_TOKEN_TTL_SECS,
                REFRESH_TOKEN_TTL_SECS_RANGE,
            )?,
            max_lifetime_secs: number(
                env,
                SESSION_MAX_LIFETIME_SECS,
                DEFAULT_SESSION_MAX_LIFETIME_SECS,
                SESSION_MAX_LIFETIME_SECS_RANGE,
            )?,
            reuse_grace_secs: number(
                env,
                REFRESH_REUSE_GRACE_SECS,
                DEFAULT_REFRESH_REUSE_GRACE_SECS,
                REFRESH_REUSE_GRACE_SECS_RANGE,
            )?,
        };
        let signing_key = env::required(env, TOKEN_SIGNING_KEY)
            .map(|text| Secret::new(env::pem(&text)))
            .into();
        let verify_keys_pem = env::pem(&get(env, TOKEN_VERIFY_KEYS).unwrap_or_default());
        let sms_code_key = get(env, SMS_CODE_KEY).map(Secret::new);
        Ok(Self {
            issuer,
            audience,
            sessions,
            signing_key,
            verify_keys_pem,
            sms_code_key,
        })
    }
}

/// A PEM setting as the functions read it (trimmed, literal `\n` as
/// newlines): the `token-keys` custom resource derives from exactly this.
pub fn pem_setting(text: &str) -> String {
    env::pem(text.trim())
}
