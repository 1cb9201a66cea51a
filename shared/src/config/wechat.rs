//! How we reach WeChat (login, bind-phone, the local server).

use super::env::{Env, get, number};
use super::vars::*;
use super::{ConfigError, Setting};
use std::time::Duration;

/// The two settings, each checked on its own: the local server replaces the
/// base URL with its simulator's and keeps the timeout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeChatConfig {
    /// `https://api.weixin.qq.com`, or the simulator. No trailing slash.
    pub api_base: Setting<String>,
    /// How long one call may wait for an answer.
    pub call_timeout: Setting<Duration>,
}

/// How we reach WeChat, ready for the HTTP client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeChatSettings {
    pub api_base: String,
    pub call_timeout: Duration,
}

impl WeChatConfig {
    pub(super) fn from_env(env: &dyn Env) -> Self {
        let call_timeout = number(
            env,
            WECHAT_TIMEOUT_MS,
            DEFAULT_WECHAT_TIMEOUT_MS,
            WECHAT_TIMEOUT_MS_RANGE,
        )
        .map(Duration::from_millis);
        Self {
            api_base: api_base(env).into(),
            call_timeout: call_timeout.into(),
        }
    }

    /// The settings, or the first problem: the base URL's, then the timeout's.
    pub fn settings(&self) -> Result<WeChatSettings, ConfigError> {
        Ok(WeChatSettings {
            api_base: self.api_base.get()?.clone(),
            call_timeout: *self.call_timeout.get()?,
        })
    }
}

fn api_base(env: &dyn Env) -> Result<String, ConfigError> {
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
    Ok(api_base)
}
