//! How our own tokens are made and checked (every binary).

use super::env::{self, Env, get, number};
use super::vars::*;
use super::{ConfigError, Secret, Setting};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenConfig {
    pub issuer: String,
    pub audience: String,
    pub ttl_secs: u64,
    /// RSA private key, PEM (PKCS#8 or PKCS#1). The local server puts its
    /// generated key here when `TOKEN_SIGNING_KEY` is unset.
    pub signing_key: Setting<Secret>,
    /// `TOKEN_VERIFY_KEYS`: public keys (PEM) also accepted and published, for
    /// the overlap of a key rotation. Often empty.
    pub verify_keys_pem: String,
}

impl TokenConfig {
    pub(super) fn from_env(env: &dyn Env) -> Result<Self, ConfigError> {
        let issuer = get(env, TOKEN_ISSUER).unwrap_or_else(|| DEFAULT_TOKEN_ISSUER.to_owned());
        let audience =
            get(env, TOKEN_AUDIENCE).unwrap_or_else(|| DEFAULT_TOKEN_AUDIENCE.to_owned());
        let ttl_secs = number(
            env,
            TOKEN_TTL_SECS,
            DEFAULT_TOKEN_TTL_SECS,
            TOKEN_TTL_SECS_RANGE,
        )?;
        let signing_key = env::required(env, TOKEN_SIGNING_KEY)
            .map(|text| Secret::new(env::pem(&text)))
            .into();
        let verify_keys_pem = env::pem(&get(env, TOKEN_VERIFY_KEYS).unwrap_or_default());
        Ok(Self {
            issuer,
            audience,
            ttl_secs,
            signing_key,
            verify_keys_pem,
        })
    }
}
