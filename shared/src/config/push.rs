//! WeChat's message push settings (`WECHAT_PUSH_TOKEN`, `WECHAT_PUSH_AES_KEY`),
//! and where avatars are checked and shown (`AVATAR_CHECK_TIMEOUT_SECS`,
//! `AVATAR_BASE_URL`).

use super::env::{Env, get, number};
use super::vars::*;
use super::{ConfigError, Secret, Setting};
use crate::crypto::message::PushKey;

/// The message push as the mini-program admin has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushConfig {
    pub token: Setting<Secret>,
    pub key: Setting<PushKeySetting>,
}

/// The EncodingAESKey, checked at start-up; compared by its text.
#[derive(Clone)]
pub struct PushKeySetting {
    text: Secret,
    pub key: PushKey,
}

impl std::fmt::Debug for PushKeySetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PushKeySetting(…)")
    }
}

impl PartialEq for PushKeySetting {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for PushKeySetting {}

impl PushKeySetting {
    /// An EncodingAESKey's text, checked.
    pub fn parse(text: &str) -> Result<PushKeySetting, ConfigError> {
        let key = PushKey::parse(text).map_err(|_| {
            ConfigError::new(
                WECHAT_PUSH_AES_KEY,
                "must be the 43-character EncodingAESKey of the mini-program admin's message push",
            )
        })?;
        Ok(PushKeySetting {
            text: Secret::new(text),
            key,
        })
    }

    /// The text, as the mini-program admin shows it.
    pub fn text(&self) -> &Secret {
        &self.text
    }
}

impl PushConfig {
    pub(super) fn from_env(env: &dyn Env) -> Self {
        Self {
            token: token(env).into(),
            key: key(env).into(),
        }
    }
}

fn token(env: &dyn Env) -> Result<Secret, ConfigError> {
    let token =
        get(env, WECHAT_PUSH_TOKEN).ok_or_else(|| ConfigError::not_set(WECHAT_PUSH_TOKEN))?;
    // The admin takes 3 to 32 letters and digits.
    if !(3..=32).contains(&token.len()) || !token.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ConfigError::new(
            WECHAT_PUSH_TOKEN,
            "must be 3 to 32 letters and digits, as the mini-program admin's Token",
        ));
    }
    Ok(Secret::new(token))
}

fn key(env: &dyn Env) -> Result<PushKeySetting, ConfigError> {
    let text =
        get(env, WECHAT_PUSH_AES_KEY).ok_or_else(|| ConfigError::not_set(WECHAT_PUSH_AES_KEY))?;
    PushKeySetting::parse(&text)
}

/// `AVATAR_CHECK_TIMEOUT_SECS`.
pub(super) fn avatar_check_timeout(env: &dyn Env) -> Result<u64, ConfigError> {
    number(
        env,
        AVATAR_CHECK_TIMEOUT_SECS,
        DEFAULT_AVATAR_CHECK_TIMEOUT_SECS,
        AVATAR_CHECK_TIMEOUT_SECS_RANGE,
    )
}

/// `AVATAR_BASE_URL`: an `https://` (or `http://`) URL, kept without a
/// trailing `/`; unset is `None`.
pub(super) fn avatar_base_url(env: &dyn Env) -> Result<Option<String>, ConfigError> {
    let Some(url) = get(env, AVATAR_BASE_URL) else {
        return Ok(None);
    };
    let url = url.trim_end_matches('/').to_owned();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or_default();
    if rest.is_empty() || rest.contains(['?', '#', ' ']) {
        return Err(ConfigError::new(
            AVATAR_BASE_URL,
            format!("must be an https:// URL without query, got {url:?}"),
        ));
    }
    Ok(Some(url))
}
