//! Who sends the SMS verification codes (`SMS_PROVIDER`), and Tencent Cloud
//! SMS's settings when it is Tencent (AWS's are in `aws_sms`).

use super::env::{Env, get, host_of, number, required, scheme_and_host};
use super::vars::*;
use super::{AwsSmsSettings, ConfigError, Secret, Setting};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsConfig {
    /// The provider and its settings, checked as a whole: only the binaries
    /// that send codes ask for it, and a problem names its variable.
    pub provider: Setting<SmsProviderSettings>,
}

/// Who sends the codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmsProviderSettings {
    /// The local server's outbox: messages are written down, never sent.
    Outbox,
    Tencent(TencentSettings),
    Aws(AwsSmsSettings),
    /// `tencent+aws`: mainland China numbers (+86) by Tencent, whose approved
    /// signature and template they need; every other number by AWS.
    TencentAndAws {
        tencent: TencentSettings,
        aws: AwsSmsSettings,
    },
}

/// Tencent Cloud SMS (API 3.0 `SendSms`), ready for its client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TencentSettings {
    pub secret_id: String,
    pub secret_key: Secret,
    /// `SmsSdkAppId`: digits.
    pub sdk_app_id: String,
    /// `SignName`: the approved signature's text.
    pub sign_name: String,
    /// `TemplateId`: digits; the template takes the code as its one parameter.
    pub template_id: String,
    /// `X-TC-Region`.
    pub region: String,
    /// `https://sms.tencentcloudapi.com`, or the tests' stand-in: a scheme and
    /// a host (with its port), no path, no trailing slash. The request goes to
    /// `{endpoint}/`, and its `Host` is what follows the scheme.
    pub endpoint: String,
    /// How long one call may wait for an answer.
    pub call_timeout: Duration,
}

impl SmsConfig {
    pub(super) fn from_env(env: &dyn Env) -> Self {
        Self {
            provider: provider(env).into(),
        }
    }
}

fn provider(env: &dyn Env) -> Result<SmsProviderSettings, ConfigError> {
    let name = get(env, SMS_PROVIDER).unwrap_or_else(|| DEFAULT_SMS_PROVIDER.to_owned());
    match name.to_ascii_lowercase().as_str() {
        "outbox" => Ok(SmsProviderSettings::Outbox),
        "tencent" => Ok(SmsProviderSettings::Tencent(TencentSettings::from_env(
            env,
        )?)),
        "aws" => Ok(SmsProviderSettings::Aws(AwsSmsSettings::from_env(env)?)),
        "tencent+aws" => Ok(SmsProviderSettings::TencentAndAws {
            tencent: TencentSettings::from_env(env)?,
            aws: AwsSmsSettings::from_env(env)?,
        }),
        _ => Err(ConfigError::new(
            SMS_PROVIDER,
            format!("must be outbox, tencent, aws or tencent+aws, got {name:?}"),
        )),
    }
}

impl TencentSettings {
    /// Each variable in turn; the first problem is reported.
    fn from_env(env: &dyn Env) -> Result<Self, ConfigError> {
        let secret_id = required(env, TENCENT_SMS_SECRET_ID)?;
        if secret_id.contains(char::is_whitespace) {
            return Err(ConfigError::new(
                TENCENT_SMS_SECRET_ID,
                "must not contain spaces",
            ));
        }
        Ok(Self {
            secret_id,
            secret_key: Secret::new(required(env, TENCENT_SMS_SECRET_KEY)?),
            sdk_app_id: digits(env, TENCENT_SMS_SDK_APP_ID)?,
            sign_name: required(env, TENCENT_SMS_SIGN_NAME)?,
            template_id: digits(env, TENCENT_SMS_TEMPLATE_ID)?,
            region: region(env)?,
            // A scheme and a host only: TC3 signs the path `/` and the `Host`.
            endpoint: scheme_and_host(env, TENCENT_SMS_ENDPOINT, DEFAULT_TENCENT_SMS_ENDPOINT)?,
            call_timeout: Duration::from_millis(number(
                env,
                TENCENT_SMS_TIMEOUT_MS,
                DEFAULT_TENCENT_SMS_TIMEOUT_MS,
                TENCENT_SMS_TIMEOUT_MS_RANGE,
            )?),
        })
    }

    /// The `Host` the requests are sent to and signed with.
    pub fn host(&self) -> &str {
        host_of(&self.endpoint)
    }
}

/// Tencent's ids are numbers written as strings.
fn digits(env: &dyn Env, var: &'static str) -> Result<String, ConfigError> {
    let text = required(env, var)?;
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ConfigError::new(
            var,
            format!("must be digits, got {text:?}"),
        ));
    }
    Ok(text)
}

fn region(env: &dyn Env) -> Result<String, ConfigError> {
    let region =
        get(env, TENCENT_SMS_REGION).unwrap_or_else(|| DEFAULT_TENCENT_SMS_REGION.to_owned());
    if !region
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(ConfigError::new(
            TENCENT_SMS_REGION,
            format!("is not a region name such as ap-guangzhou: {region:?}"),
        ));
    }
    Ok(region)
}
