//! Settings from environment variables, the same for the Lambda functions and
//! the local server, read once at start-up into one [`Config`]. Every variable
//! is named in [`vars`], with its default; every problem names its variable;
//! secrets are [`Secret`]s, which never print.
//!
//! Each binary reads the whole configuration, then asks for what it uses:
//!
//! | section | login | decrypt-profile | bind-phone | account | sms | password | authorizer | local server |
//! |---|---|---|---|---|---|---|---|---|
//! | [`Config::tokens`] | ✓ | ✓ | ✓ (verify keys, SMS code key) | ✓ (verify keys) | ✓ | ✓ | ✓ (verify keys) | ✓ (generates the key when unset) |
//! | [`Config::wechat`] | ✓ | ✓ | ✓ | ✓ | | ✓ | | ✓ (or the simulator) |
//! | [`Config::apps`] (ids, secrets) | ✓ | ✓ | ✓ | ✓ | | ✓ | | ✓ (or the simulator) |
//! | [`Config::watermark_max_age_secs`] | | ✓ | ✓ | | | | | ✓ |
//! | [`Config::registration`] | ✓ | | | | | | | ✓ |
//! | [`Config::content_policy`] | | ✓ | | | | | | ✓ |
//! | [`Config::sms`] | | | | | ✓ | | | ✓ (the outbox by default) |
//! | [`Config::dynamo`] | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | |
//!
//! WeChat's settings are read where WeChat is called: login (`jscode2session`,
//! `getuserphonenumber`), decrypt-profile (`checksession`, `msg_sec_check`),
//! bind-phone and
//! password (`getuserphonenumber`), account (`resetusersessionkey`).
//!
//! [`Config::avatars`] (`AVATAR_BUCKET`, and S3's endpoint) is read by the
//! binaries that store avatars, and only by them.
//!
//! [`Config::sms`] is read by the binaries that send SMS codes, and only by
//! them: a bad `TENCENT_SMS_*` or `AWS_SMS_*` stops no other.
//!
//! The token settings are checked by [`Config::from_env`] itself; the others
//! are [`Setting`]s, whose problems stop only the binaries that use them (in
//! [`crate::setup`]), so a binary never fails on a variable it does not read.

mod apps;
mod avatars;
mod aws;
mod aws_sms;
mod dynamo;
mod env;
mod error;
mod push;
mod secret;
mod setting;
mod sms;
mod tokens;
pub mod vars;
mod wechat;

#[cfg(test)]
mod tests;

pub use apps::AppsConfig;
pub use avatars::AvatarConfig;
pub use aws::{AwsCredentials, AwsSettings};
pub use aws_sms::{AwsSmsSettings, CODE_PLACEHOLDER};
pub use dynamo::DynamoConfig;
pub use env::{Env, ProcessEnv};
pub use error::ConfigError;
pub use push::{PushConfig, PushKeySetting};
pub use secret::Secret;
pub use setting::Setting;
pub use sms::{SmsConfig, SmsProviderSettings, TencentSettings};
pub use tokens::{TokenConfig, pem_setting};
pub use vars::*;
pub use wechat::{WeChatConfig, WeChatSettings};

/// Every setting, read from the environment once, before the first request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub tokens: TokenConfig,
    pub wechat: WeChatConfig,
    pub apps: AppsConfig,
    /// How old decrypted data's watermark may be, in seconds; 0 turns the
    /// check off.
    pub watermark_max_age_secs: Setting<u64>,
    pub dynamo: DynamoConfig,
    /// The avatar bucket and how S3 is reached.
    pub avatars: AvatarConfig,
    /// Who sends SMS codes (`SMS_PROVIDER`) and its settings.
    pub sms: SmsConfig,
    /// `REGISTRATION`: whether WeChat login alone makes new users (login).
    pub registration: Setting<Registration>,
    /// `CONTENT_CHECK` and `CONTENT_CHECK_REVIEW`: what WeChat's content
    /// check decides for the nickname route (decrypt-profile).
    pub content_policy: Setting<ContentPolicy>,
    /// `AVATAR_CHECK_TIMEOUT_SECS`: see [`Config::avatar_policy`].
    pub avatar_check_timeout_secs: Setting<u64>,
    /// `AVATAR_BASE_URL`: where avatar URLs start; `None`: the API's domain.
    pub avatar_base_url: Setting<Option<String>>,
    /// `WECHAT_PUSH_TOKEN` and `WECHAT_PUSH_AES_KEY` (the avatar function).
    pub push: PushConfig,
}

impl Config {
    /// What decides an avatar's check: the content policy and the deadline.
    pub fn avatar_policy(&self) -> Result<AvatarPolicy, ConfigError> {
        Ok(AvatarPolicy {
            content: *self.content_policy.get()?,
            verdict_within: *self.avatar_check_timeout_secs.get()?,
        })
    }
}

pub use crate::domain::rules::avatar::AvatarPolicy;

pub use crate::domain::rules::login::Registration;
pub use crate::domain::rules::nickname::{CheckMode, ContentPolicy, ReviewPolicy};

fn content_policy(env: &dyn Env) -> Result<ContentPolicy, ConfigError> {
    let mode = match env::get(env, CONTENT_CHECK).as_deref() {
        None | Some("strict") => CheckMode::Strict,
        Some("lenient") => CheckMode::Lenient,
        Some("off") => CheckMode::Off,
        Some(other) => {
            return Err(ConfigError::new(
                CONTENT_CHECK,
                format!("must be \"strict\", \"lenient\" or \"off\", got {other:?}"),
            ));
        }
    };
    let review = match env::get(env, CONTENT_CHECK_REVIEW).as_deref() {
        None | Some("accept") => ReviewPolicy::Accept,
        Some("reject") => ReviewPolicy::Reject,
        Some(other) => {
            return Err(ConfigError::new(
                CONTENT_CHECK_REVIEW,
                format!("must be \"accept\" or \"reject\", got {other:?}"),
            ));
        }
    };
    Ok(ContentPolicy { mode, review })
}

fn registration(env: &dyn Env) -> Result<Registration, ConfigError> {
    match env::get(env, REGISTRATION).as_deref() {
        None | Some("open") => Ok(Registration::Open),
        Some("phone_required") => Ok(Registration::PhoneRequired),
        Some(other) => Err(ConfigError::new(
            REGISTRATION,
            format!("must be \"open\" or \"phone_required\", got {other:?}"),
        )),
    }
}

impl Config {
    /// Reads and checks every variable. Fails only on the token settings,
    /// which every binary uses; see [`Setting`] for the rest.
    pub fn from_env(env: &dyn Env) -> Result<Self, ConfigError> {
        Ok(Self {
            tokens: TokenConfig::from_env(env)?,
            wechat: WeChatConfig::from_env(env),
            apps: AppsConfig::from_env(env),
            watermark_max_age_secs: env::number(
                env,
                WATERMARK_MAX_AGE_SECS,
                DEFAULT_WATERMARK_MAX_AGE_SECS,
                WATERMARK_MAX_AGE_SECS_RANGE,
            )
            .into(),
            dynamo: DynamoConfig::from_env(env),
            avatars: AvatarConfig::from_env(env),
            sms: SmsConfig::from_env(env),
            registration: registration(env).into(),
            content_policy: content_policy(env).into(),
            avatar_check_timeout_secs: push::avatar_check_timeout(env).into(),
            avatar_base_url: push::avatar_base_url(env).into(),
            push: PushConfig::from_env(env),
        })
    }
}
