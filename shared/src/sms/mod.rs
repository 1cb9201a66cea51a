//! Sending verification codes by SMS: the port, and its adapters, chosen by
//! `SMS_PROVIDER`:
//!
//! - `outbox`: the local server's; appends each message to a JSON-lines file
//!   and prints it. A Lambda function refuses to start with it.
//! - `tencent`: Tencent Cloud SMS (API 3.0 `SendSms`, TC3-HMAC-SHA256), for
//!   mainland China.
//! - `aws`: AWS End User Messaging SMS (`SendTextMessage`, SigV4), for numbers
//!   outside mainland China.
//! - `tencent+aws`: both, chosen by the number ([`RoutedSms`]).

mod aws;
mod code_hash;
pub mod outbox;
mod routed;
pub mod tc3;
mod tencent;

pub use aws::AwsSms;
pub use code_hash::CodeHasher;
pub use routed::RoutedSms;
pub use tencent::TencentSms;

use crate::clock::Clock;
use crate::config::{
    AWS_SMS_ENDPOINT, AwsSmsSettings, ConfigError, SmsProviderSettings, TENCENT_SMS_ENDPOINT,
    TencentSettings,
};
use crate::domain::{PhoneNumber, SmsCode};
use std::sync::Arc;

/// Why a message was not sent. Nothing is stored for a message not sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmsError {
    /// The provider's own limits for this number (per 30 s, hour, day).
    #[error("the provider's limit for this number was reached")]
    RateLimited { retry_after_secs: u32 },
    /// The provider refuses the number.
    #[error("the provider refuses this number")]
    InvalidNumber,
    /// Credentials, signature (签名), template, balance, the provider down or
    /// unreachable: nothing the user can fix. The text is for logs (no secret).
    #[error("SMS provider unavailable: {0}")]
    Unavailable(String),
}

/// The port.
#[async_trait::async_trait]
pub trait SmsSender: Send + Sync {
    /// Sends `code` to `phone`, in the message the provider's approved
    /// template makes of it. The code is a secret: adapters never log it.
    async fn send_code(&self, phone: &PhoneNumber, code: &SmsCode) -> Result<(), SmsError>;
}

/// The Tencent Cloud SMS sender, for start-up (`SMS_PROVIDER=tencent`). The
/// clock gives the requests' timestamps.
pub fn tencent_sender(
    settings: &TencentSettings,
    clock: Arc<dyn Clock>,
) -> Result<Arc<dyn SmsSender>, ConfigError> {
    let sender = TencentSms::new(settings.clone(), clock)
        .map_err(|e| ConfigError::new(TENCENT_SMS_ENDPOINT, format!("HTTP client: {e}")))?;
    Ok(Arc::new(sender))
}

/// The AWS End User Messaging SMS sender, for start-up (`SMS_PROVIDER=aws`).
/// The clock gives the requests' `X-Amz-Date`.
pub fn aws_sender(
    settings: &AwsSmsSettings,
    clock: Arc<dyn Clock>,
) -> Result<Arc<dyn SmsSender>, ConfigError> {
    let sender = AwsSms::new(settings.clone(), clock)
        .map_err(|e| ConfigError::new(AWS_SMS_ENDPOINT, format!("HTTP client: {e}")))?;
    Ok(Arc::new(sender))
}

/// The sender of a real provider: Tencent, AWS, or both routed by number.
/// `None` for the outbox, which only the local server builds (over its data
/// directory).
pub fn provider_sender(
    settings: &SmsProviderSettings,
    clock: Arc<dyn Clock>,
) -> Result<Option<Arc<dyn SmsSender>>, ConfigError> {
    let sender: Arc<dyn SmsSender> = match settings {
        SmsProviderSettings::Outbox => return Ok(None),
        SmsProviderSettings::Tencent(tencent) => tencent_sender(tencent, clock)?,
        SmsProviderSettings::Aws(aws) => aws_sender(aws, clock)?,
        SmsProviderSettings::TencentAndAws { tencent, aws } => Arc::new(RoutedSms {
            mainland: tencent_sender(tencent, clock.clone())?,
            elsewhere: aws_sender(aws, clock)?,
        }),
    };
    Ok(Some(sender))
}
