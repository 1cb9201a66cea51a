//! Sending verification codes by SMS: the port, and its adapters, chosen by
//! `SMS_PROVIDER`:
//!
//! - `outbox`: the local server's; appends each message to a JSON-lines file
//!   and prints it. A Lambda function refuses to start with it.
//! - `tencent`: Tencent Cloud SMS (API 3.0 `SendSms`, TC3-HMAC-SHA256), for
//!   mainland China.

pub mod tc3;

use crate::domain::{PhoneNumber, SmsCode};

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
