//! Settings from environment variables, the same for the Lambda functions and the
//! local server. Every reader names the variable it failed on, and each binary
//! reads what it needs at start-up, so a bad setting never waits for a request.

use crate::domain::AppId;
use crate::wechat::{AppCredentials, AppSecret};
use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

/// Where settings come from: the process environment, or a map in tests.
pub trait Env {
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment.
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl Env for HashMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

/// A setting is missing or malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("configuration: {var} {problem}")]
pub struct ConfigError {
    pub var: &'static str,
    pub problem: String,
}

impl ConfigError {
    fn new(var: &'static str, problem: impl fmt::Display) -> Self {
        Self {
            var,
            problem: problem.to_string(),
        }
    }
}

/// A set, non-blank value; empty counts as missing (a common template mistake).
fn get(env: &dyn Env, var: &'static str) -> Option<String> {
    env.var(var)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn required(env: &dyn Env, var: &'static str) -> Result<String, ConfigError> {
    get(env, var).ok_or_else(|| ConfigError::new(var, "is not set"))
}

fn number(
    env: &dyn Env,
    var: &'static str,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
) -> Result<u64, ConfigError> {
    let Some(text) = get(env, var) else {
        return Ok(default);
    };
    let value: u64 = text
        .parse()
        .map_err(|_| ConfigError::new(var, format!("must be a whole number, got {text:?}")))?;
    if !range.contains(&value) {
        return Err(ConfigError::new(
            var,
            format!(
                "must be between {} and {}, got {value}",
                range.start(),
                range.end()
            ),
        ));
    }
    Ok(value)
}

fn comma_list(text: &str) -> Vec<String> {
    text.split(',').map(|s| s.trim().to_owned()).collect()
}

pub const WECHAT_APPID: &str = "WECHAT_APPID";
pub const WECHAT_SECRET: &str = "WECHAT_SECRET";

/// The mini-programs this deployment serves. `WECHAT_APPID` holds one appid or
/// several separated by commas; the first is the default for requests that name
/// none.
pub fn app_ids(env: &dyn Env) -> Result<Vec<AppId>, ConfigError> {
    let text = required(env, WECHAT_APPID)?;
    let mut ids = Vec::new();
    for item in comma_list(&text) {
        let id = AppId::parse(item).map_err(|e| ConfigError::new(WECHAT_APPID, e))?;
        if ids.contains(&id) {
            return Err(ConfigError::new(WECHAT_APPID, format!("lists {id} twice")));
        }
        ids.push(id);
    }
    Ok(ids)
}

/// Apps with their secrets: `WECHAT_SECRET` lists one secret per appid, in the
/// same order, separated by commas (secrets never contain commas).
pub fn app_credentials(env: &dyn Env) -> Result<Vec<AppCredentials>, ConfigError> {
    let ids = app_ids(env)?;
    let secrets = comma_list(&required(env, WECHAT_SECRET)?);
    if secrets.len() != ids.len() {
        return Err(ConfigError::new(
            WECHAT_SECRET,
            format!(
                "lists {} secrets for {} appids in WECHAT_APPID",
                secrets.len(),
                ids.len()
            ),
        ));
    }
    ids.into_iter()
        .zip(secrets)
        .map(|(appid, secret)| {
            let secret = AppSecret::new(secret)
                .ok_or_else(|| ConfigError::new(WECHAT_SECRET, "has an empty entry"))?;
            Ok(AppCredentials { appid, secret })
        })
        .collect()
}

/// Whether an app secret is configured at all (the local server starts the
/// WeChat simulator when it is not).
pub fn has_app_secret(env: &dyn Env) -> bool {
    get(env, WECHAT_SECRET).is_some()
}

/// How we reach WeChat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeChatSettings {
    /// `https://api.weixin.qq.com`, or the simulator. No trailing slash.
    pub api_base: String,
    /// How long one call may wait for an answer.
    pub call_timeout: Duration,
}

pub const WECHAT_API_BASE: &str = "WECHAT_API_BASE";
pub const DEFAULT_WECHAT_API_BASE: &str = "https://api.weixin.qq.com";

pub fn wechat_settings(env: &dyn Env) -> Result<WeChatSettings, ConfigError> {
    let api_base = get(env, WECHAT_API_BASE).unwrap_or_else(|| DEFAULT_WECHAT_API_BASE.to_owned());
    let api_base = api_base.trim_end_matches('/').to_owned();
    let rest = api_base
        .strip_prefix("https://")
        .or_else(|| api_base.strip_prefix("http://"))
        .ok_or_else(|| {
            ConfigError::new(
                WECHAT_API_BASE,
                format!("must start with https:// or http://, got {api_base:?}"),
            )
        })?;
    if rest.is_empty() || rest.contains(['?', '#', ' ']) {
        return Err(ConfigError::new(
            WECHAT_API_BASE,
            format!("is not a base URL: {api_base:?}"),
        ));
    }
    let call_timeout_ms = number(env, "WECHAT_TIMEOUT_MS", 5_000, 100..=10_000)?;
    Ok(WeChatSettings {
        api_base,
        call_timeout: Duration::from_millis(call_timeout_ms),
    })
}

/// How our own tokens are made and checked.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenSettings {
    pub issuer: String,
    pub audience: String,
    pub ttl_secs: u64,
    /// RSA private key, PEM (PKCS#8 or PKCS#1).
    pub signing_key_pem: String,
    /// `TOKEN_VERIFY_KEYS`: public keys (PEM) also accepted and published, for
    /// the overlap of a key rotation. Often empty.
    pub verify_keys_pem: String,
}

impl fmt::Debug for TokenSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSettings")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("ttl_secs", &self.ttl_secs)
            .field("signing_key_pem", &"<redacted>")
            .finish()
    }
}

/// Where and as whom the functions reach DynamoDB: what Lambda puts in every
/// function's environment (region, the execution role's credentials), plus the
/// standard endpoint override the tests point at the emulator.
#[derive(Clone)]
pub struct AwsSettings {
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
    /// `AWS_ENDPOINT_URL_DYNAMODB`, else `AWS_ENDPOINT_URL`.
    pub endpoint_url: Option<String>,
}

impl fmt::Debug for AwsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsSettings")
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("endpoint_url", &self.endpoint_url)
            .finish_non_exhaustive()
    }
}

/// Reads the AWS settings from the standard variables. Only the environment is
/// read (no profile files, no instance metadata): on Lambda that is where the
/// credentials are, and reading nothing else keeps start-up fast.
pub fn aws_settings(env: &dyn Env) -> Result<AwsSettings, ConfigError> {
    let region = get(env, "AWS_REGION")
        .or_else(|| get(env, "AWS_DEFAULT_REGION"))
        .ok_or_else(|| ConfigError::new("AWS_REGION", "is not set"))?;
    Ok(AwsSettings {
        region,
        access_key_id: required(env, "AWS_ACCESS_KEY_ID")?,
        secret_access_key: required(env, "AWS_SECRET_ACCESS_KEY")?,
        session_token: get(env, "AWS_SESSION_TOKEN"),
        endpoint_url: get(env, "AWS_ENDPOINT_URL_DYNAMODB")
            .or_else(|| get(env, "AWS_ENDPOINT_URL")),
    })
}

pub const TOKEN_SIGNING_KEY: &str = "TOKEN_SIGNING_KEY";
pub const TOKEN_VERIFY_KEYS: &str = "TOKEN_VERIFY_KEYS";
pub const DEFAULT_TOKEN_ISSUER: &str = "wxauth";
pub const DEFAULT_TOKEN_AUDIENCE: &str = "wxauth-miniprogram";
pub const DEFAULT_TOKEN_TTL_SECS: u64 = 7_200;

/// Token settings, with the signing key given explicitly (the local server may
/// have generated one) or read from `TOKEN_SIGNING_KEY`.
pub fn token_settings(
    env: &dyn Env,
    signing_key_pem: Option<String>,
) -> Result<TokenSettings, ConfigError> {
    let issuer = get(env, "TOKEN_ISSUER").unwrap_or_else(|| DEFAULT_TOKEN_ISSUER.to_owned());
    let audience = get(env, "TOKEN_AUDIENCE").unwrap_or_else(|| DEFAULT_TOKEN_AUDIENCE.to_owned());
    let ttl_secs = number(
        env,
        "TOKEN_TTL_SECS",
        DEFAULT_TOKEN_TTL_SECS,
        60..=30 * 86_400,
    )?;
    let signing_key_pem = match signing_key_pem {
        Some(pem) => pem,
        // Consoles and .env files often flatten a PEM onto one line with literal `\n`.
        None => required(env, TOKEN_SIGNING_KEY)?.replace("\\n", "\n"),
    };
    let verify_keys_pem = get(env, TOKEN_VERIFY_KEYS)
        .unwrap_or_default()
        .replace("\\n", "\n");
    Ok(TokenSettings {
        issuer,
        audience,
        ttl_secs,
        signing_key_pem,
        verify_keys_pem,
    })
}

/// How old a watermark may be, in seconds; 0 turns the check off.
pub fn watermark_max_age_secs(env: &dyn Env) -> Result<u64, ConfigError> {
    number(env, "WATERMARK_MAX_AGE_SECS", 600, 0..=86_400)
}

pub const TABLE_NAME: &str = "TABLE_NAME";

/// The DynamoDB table (Lambda functions only; the local server uses its data directory).
pub fn table_name(env: &dyn Env) -> Result<String, ConfigError> {
    let name = required(env, TABLE_NAME)?;
    let valid = (3..=255).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b));
    if !valid {
        return Err(ConfigError::new(
            TABLE_NAME,
            format!("is not a valid DynamoDB table name: {name:?}"),
        ));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn single_app_pair() {
        let apps =
            app_credentials(&env(&[("WECHAT_APPID", "wx1"), ("WECHAT_SECRET", "s1")])).unwrap();
        assert_eq!(apps.len(), 1);
        assert_eq!(apps[0].appid.as_str(), "wx1");
        assert_eq!(apps[0].secret.expose(), "s1");
    }

    #[test]
    fn several_apps_in_order() {
        let apps = app_credentials(&env(&[
            ("WECHAT_APPID", "wx1, wx2"),
            ("WECHAT_SECRET", "s1,s2"),
        ]))
        .unwrap();
        let ids: Vec<_> = apps.iter().map(|a| a.appid.as_str()).collect();
        assert_eq!(ids, ["wx1", "wx2"]);
        assert_eq!(apps[1].secret.expose(), "s2");
    }

    #[test]
    fn errors_name_the_variable() {
        let e = app_credentials(&env(&[("WECHAT_APPID", "wx1")])).unwrap_err();
        assert_eq!(e.var, "WECHAT_SECRET");
        let e = app_credentials(&env(&[
            ("WECHAT_APPID", "wx1,wx2"),
            ("WECHAT_SECRET", "s1"),
        ]))
        .unwrap_err();
        assert_eq!(e.var, "WECHAT_SECRET");
        assert!(e.to_string().contains("WECHAT_SECRET"), "{e}");
        let e = app_ids(&env(&[("WECHAT_APPID", "wx 1")])).unwrap_err();
        assert_eq!(e.var, "WECHAT_APPID");
        let e = app_ids(&env(&[])).unwrap_err();
        assert_eq!(e.to_string(), "configuration: WECHAT_APPID is not set");
        let e = wechat_settings(&env(&[("WECHAT_API_BASE", "api.weixin.qq.com")])).unwrap_err();
        assert_eq!(e.var, "WECHAT_API_BASE");
        let e = wechat_settings(&env(&[("WECHAT_TIMEOUT_MS", "soon")])).unwrap_err();
        assert_eq!(e.var, "WECHAT_TIMEOUT_MS");
        let e = token_settings(&env(&[("TOKEN_TTL_SECS", "5")]), Some(String::new())).unwrap_err();
        assert_eq!(e.var, "TOKEN_TTL_SECS");
        let e = token_settings(&env(&[]), None).unwrap_err();
        assert_eq!(e.var, "TOKEN_SIGNING_KEY");
        let e = table_name(&env(&[("TABLE_NAME", "a b")])).unwrap_err();
        assert_eq!(e.var, "TABLE_NAME");
    }

    #[test]
    fn defaults() {
        let w = wechat_settings(&env(&[])).unwrap();
        assert_eq!(w.api_base, "https://api.weixin.qq.com");
        assert_eq!(w.call_timeout, Duration::from_secs(5));
        let w = wechat_settings(&env(&[("WECHAT_API_BASE", "http://127.0.0.1:9/")])).unwrap();
        assert_eq!(w.api_base, "http://127.0.0.1:9");
        let t = token_settings(&env(&[]), Some("k".into())).unwrap();
        assert_eq!(
            (t.issuer.as_str(), t.audience.as_str(), t.ttl_secs),
            ("wxauth", "wxauth-miniprogram", 7200)
        );
        let t = token_settings(&env(&[("TOKEN_SIGNING_KEY", "a\\nb")]), None).unwrap();
        assert_eq!(t.signing_key_pem, "a\nb");
        assert!(!format!("{t:?}").contains("a\nb"));
    }

    #[test]
    fn aws_settings_come_from_the_standard_variables_only() {
        let e = aws_settings(&env(&[])).unwrap_err();
        assert_eq!(e.var, "AWS_REGION");
        let e = aws_settings(&env(&[("AWS_DEFAULT_REGION", "cn-north-1")])).unwrap_err();
        assert_eq!(e.var, "AWS_ACCESS_KEY_ID");
        let full = [
            ("AWS_REGION", "cn-northwest-1"),
            ("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "secret-access-key-value"),
            ("AWS_SESSION_TOKEN", "session-token-value"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:1"),
            ("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:2"),
        ];
        let a = aws_settings(&env(&full)).unwrap();
        assert_eq!(a.region, "cn-northwest-1");
        assert_eq!(a.session_token.as_deref(), Some("session-token-value"));
        assert_eq!(a.endpoint_url.as_deref(), Some("http://127.0.0.1:2"));
        let shown = format!("{a:?}");
        assert!(
            !shown.contains("secret-access-key-value") && !shown.contains("session-token-value")
        );
    }
}
