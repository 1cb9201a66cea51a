//! AWS End User Messaging SMS's settings (`SMS_PROVIDER=aws` or
//! `tencent+aws`): where it is called, what the message says and who it comes
//! from, and whose credentials sign the calls.

use super::aws::function_region;
use super::env::{Env, get, host_of, number, scheme_and_host};
use super::vars::*;
use super::{AwsCredentials, ConfigError, Secret};
use std::time::Duration;

/// The placeholder `AWS_SMS_MESSAGE` holds once, where the code goes.
pub const CODE_PLACEHOLDER: &str = "{code}";
/// `SendTextMessage`'s longest `MessageBody`, in characters.
const MAX_MESSAGE_CHARS: usize = 1_600;
/// The longest origination identity or configuration set (a name or an ARN).
const MAX_IDENTIFIER_LEN: usize = 256;

/// AWS End User Messaging SMS (API `pinpoint-sms-voice-v2`, `SendTextMessage`),
/// ready for its client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsSmsSettings {
    /// The region called, and signed for: `us-east-1`, `ap-southeast-1`, ...
    pub region: String,
    /// `https://sms-voice.{region}.amazonaws.com`, or the tests' stand-in: a
    /// scheme and a host (with its port), no path, no trailing slash.
    pub endpoint: String,
    /// `OriginationIdentity`: a phone number, sender ID, pool id or ARN. None:
    /// AWS picks one of the account's for each destination.
    pub origination_identity: Option<String>,
    /// `ConfigurationSetName`: a name or an ARN.
    pub configuration_set: Option<String>,
    /// The message text, [`CODE_PLACEHOLDER`] in it exactly once.
    pub message: String,
    /// How long one call may wait for an answer.
    pub call_timeout: Duration,
    /// `AWS_SMS_ACCESS_KEY_ID` and `AWS_SMS_SECRET_ACCESS_KEY`, else the
    /// function's own (the Lambda role's, with its session token).
    pub credentials: AwsCredentials,
}

impl AwsSmsSettings {
    /// Each variable in turn; the first problem is reported.
    pub(super) fn from_env(env: &dyn Env) -> Result<Self, ConfigError> {
        let function_region = function_region(env);
        let region = region(env, function_region.as_deref())?;
        let default_endpoint = DEFAULT_AWS_SMS_ENDPOINT.replace("{region}", &region);
        Ok(Self {
            endpoint: scheme_and_host(env, AWS_SMS_ENDPOINT, &default_endpoint)?,
            origination_identity: identifier(env, AWS_SMS_ORIGINATION_IDENTITY, "_:/+-")?,
            configuration_set: identifier(env, AWS_SMS_CONFIGURATION_SET, "_:/-")?,
            message: message(env)?,
            call_timeout: Duration::from_millis(number(
                env,
                AWS_SMS_TIMEOUT_MS,
                DEFAULT_AWS_SMS_TIMEOUT_MS,
                AWS_SMS_TIMEOUT_MS_RANGE,
            )?),
            credentials: credentials(env, function_region.as_deref(), &region)?,
            region,
        })
    }

    /// The `Host` the requests are sent to and signed with.
    pub fn host(&self) -> &str {
        host_of(&self.endpoint)
    }

    /// The message for `code`.
    pub fn text(&self, code: &str) -> String {
        self.message.replacen(CODE_PLACEHOLDER, code, 1)
    }
}

/// The AWS China regions (`cn-north-1`, `cn-northwest-1`): their own
/// partition, without End User Messaging SMS, whose credentials do not reach
/// the global regions.
fn is_china(region: &str) -> bool {
    region.starts_with("cn-")
}

/// `AWS_SMS_REGION`, else the function's own. Never a China region.
fn region(env: &dyn Env, function_region: Option<&str>) -> Result<String, ConfigError> {
    let Some(region) = get(env, AWS_SMS_REGION) else {
        return match function_region {
            None => Err(ConfigError::new(
                AWS_SMS_REGION,
                "is not set, and neither is AWS_REGION",
            )),
            Some(own) if is_china(own) => Err(ConfigError::new(
                AWS_SMS_REGION,
                format!(
                    "is not set, and the function's region {own} is an AWS China region, \
                     without End User Messaging SMS: name a global one, such as ap-southeast-1"
                ),
            )),
            Some(own) => checked_region(AWS_REGION, own),
        };
    };
    if is_china(&region) {
        return Err(ConfigError::new(
            AWS_SMS_REGION,
            format!(
                "is {region}, an AWS China region, without End User Messaging SMS: \
                 name a global one, such as ap-southeast-1"
            ),
        ));
    }
    checked_region(AWS_SMS_REGION, &region)
}

/// Lowercase words and digits joined by `-`: it goes into the host name and
/// the signature's scope.
fn checked_region(var: &'static str, region: &str) -> Result<String, ConfigError> {
    let valid = region
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !region.starts_with('-')
        && !region.ends_with('-')
        && region.contains('-');
    if !valid {
        return Err(ConfigError::new(
            var,
            format!("is not a region name such as us-east-1: {region:?}"),
        ));
    }
    Ok(region.to_owned())
}

/// An optional name or ARN, in the API's pattern: ASCII letters, digits and
/// `allowed`, at most 256 of them.
fn identifier(
    env: &dyn Env,
    var: &'static str,
    allowed: &str,
) -> Result<Option<String>, ConfigError> {
    let Some(text) = get(env, var) else {
        return Ok(None);
    };
    let valid = text.len() <= MAX_IDENTIFIER_LEN
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || allowed.contains(c));
    if !valid {
        return Err(ConfigError::new(
            var,
            format!(
                "must be at most {MAX_IDENTIFIER_LEN} ASCII letters, digits and {allowed}, got {text:?}"
            ),
        ));
    }
    Ok(Some(text))
}

/// `AWS_SMS_MESSAGE`, or the English default: the provider is for numbers
/// outside mainland China.
fn message(env: &dyn Env) -> Result<String, ConfigError> {
    let text = get(env, AWS_SMS_MESSAGE).unwrap_or_else(|| DEFAULT_AWS_SMS_MESSAGE.to_owned());
    if text.matches(CODE_PLACEHOLDER).count() != 1 {
        return Err(ConfigError::new(
            AWS_SMS_MESSAGE,
            format!("must hold {CODE_PLACEHOLDER} exactly once, where the code goes"),
        ));
    }
    let chars = text.chars().count();
    if chars > MAX_MESSAGE_CHARS {
        return Err(ConfigError::new(
            AWS_SMS_MESSAGE,
            format!("must be at most {MAX_MESSAGE_CHARS} characters, got {chars}"),
        ));
    }
    Ok(text)
}

/// `AWS_SMS_ACCESS_KEY_ID` and `AWS_SMS_SECRET_ACCESS_KEY`, both or neither;
/// neither: the function's own credentials, which a function in a China
/// region cannot use.
fn credentials(
    env: &dyn Env,
    function_region: Option<&str>,
    region: &str,
) -> Result<AwsCredentials, ConfigError> {
    let both_or_neither = |missing, given| {
        ConfigError::new(
            missing,
            format!("is not set, but {given} is: give both or neither"),
        )
    };
    match (
        get(env, AWS_SMS_ACCESS_KEY_ID),
        get(env, AWS_SMS_SECRET_ACCESS_KEY),
    ) {
        (Some(access_key_id), Some(secret)) => {
            if access_key_id.contains(char::is_whitespace) {
                return Err(ConfigError::new(
                    AWS_SMS_ACCESS_KEY_ID,
                    "must not contain spaces",
                ));
            }
            Ok(AwsCredentials {
                access_key_id,
                secret_access_key: Secret::new(secret),
                session_token: None,
            })
        }
        (Some(_), None) => Err(both_or_neither(
            AWS_SMS_SECRET_ACCESS_KEY,
            AWS_SMS_ACCESS_KEY_ID,
        )),
        (None, Some(_)) => Err(both_or_neither(
            AWS_SMS_ACCESS_KEY_ID,
            AWS_SMS_SECRET_ACCESS_KEY,
        )),
        (None, None) => match function_region {
            Some(own) if is_china(own) => Err(ConfigError::new(
                AWS_SMS_ACCESS_KEY_ID,
                format!(
                    "is not set: the function runs in {own}, an AWS China region, whose \
                     credentials cannot call End User Messaging SMS in {region}; give an \
                     access key of a global-region account (and AWS_SMS_SECRET_ACCESS_KEY)"
                ),
            )),
            _ => AwsCredentials::from_env(env),
        },
    }
}
