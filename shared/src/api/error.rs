//! Every error the API answers, mapped from the domain errors in one place.

use super::ApiResponse;
use crate::usecases::login::LoginError;
use crate::open_data::OpenDataError;
use crate::usecases::phone::PhoneError;
use crate::usecases::profile::ProfileError;
use crate::store::StoreError;
use crate::tokens::TokenError;
use crate::wechat::WeChatError;
use http::StatusCode;
use serde_json::json;

/// An error answer: `{"error": {"code", "message"}}` with a stable snake_case code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub retry_after_secs: Option<u32>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after_secs: None,
        }
    }

    fn retry_after(mut self, secs: u32) -> Self {
        self.retry_after_secs = Some(secs);
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// The token's session no longer exists (logged out, or the user was
    /// folded into another): log in again.
    pub fn session_ended() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "session_ended",
            "this session has ended; call wx.login and log in again",
        )
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "internal error; the request id is in the logs",
        )
    }

    pub fn into_response(self) -> ApiResponse {
        let body = json!({"error": {"code": self.code, "message": self.message}}).to_string();
        let mut response = ApiResponse::json(self.status, body);
        if let Some(secs) = self.retry_after_secs {
            response.headers.push(("retry-after", secs.to_string()));
        }
        response
    }
}

impl From<WeChatError> for ApiError {
    fn from(error: WeChatError) -> Self {
        use StatusCode as S;
        match error {
            WeChatError::InvalidCode => Self::new(
                S::BAD_REQUEST,
                "invalid_code",
                "WeChat rejected the login code (expired, from another app, or made by a devtools session of another appid); call wx.login again",
            ),
            WeChatError::CodeUsed => Self::new(
                S::BAD_REQUEST,
                "code_used",
                "this login code was already used; codes are single-use, call wx.login again",
            ),
            WeChatError::RateLimited => Self::new(
                S::TOO_MANY_REQUESTS,
                "rate_limited",
                "WeChat's per-user rate limit was reached; retry in a minute",
            )
            .retry_after(60),
            WeChatError::UserBlocked => Self::new(
                S::FORBIDDEN,
                "user_blocked",
                "WeChat's risk control blocked this user",
            ),
            WeChatError::Busy { .. } => Self::new(
                S::SERVICE_UNAVAILABLE,
                "wechat_busy",
                "WeChat is busy; retry shortly",
            )
            .retry_after(1),
            WeChatError::Timeout => Self::new(
                S::GATEWAY_TIMEOUT,
                "wechat_timeout",
                "WeChat did not answer in time; retry",
            ),
            WeChatError::Api { .. }
            | WeChatError::AccessTokenRejected { .. }
            | WeChatError::Malformed(_)
            | WeChatError::Unreachable(_) => Self::new(
                S::BAD_GATEWAY,
                "wechat_error",
                "WeChat returned an error or an unexpected answer",
            ),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(_) | StoreError::Contention(_) => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "storage_unavailable",
                "the user store is unavailable; retry shortly",
            )
            .retry_after(1),
            StoreError::Corrupt(_) => Self::internal(),
        }
    }
}

impl From<TokenError> for ApiError {
    fn from(error: TokenError) -> Self {
        match error {
            TokenError::Signing => Self::internal(),
            other => Self::unauthorized(format!("{other}; log in again")),
        }
    }
}

impl From<LoginError> for ApiError {
    fn from(error: LoginError) -> Self {
        match error {
            LoginError::UnknownApp(appid) => Self::new(
                StatusCode::BAD_REQUEST,
                "unknown_appid",
                format!("appid {appid} is not served by this backend"),
            ),
            LoginError::WeChat(e) => e.into(),
            LoginError::Store(e) => e.into(),
            LoginError::Token(e) => e.into(),
        }
    }
}

impl From<OpenDataError> for ApiError {
    fn from(error: OpenDataError) -> Self {
        use StatusCode as S;
        match error {
            OpenDataError::SessionKeyStale => Self::new(
                S::CONFLICT,
                "session_key_stale",
                "the data was encrypted with another session_key (wx.login ran again and rotated it): call wx.login, log in again, then fetch the data again and retry",
            ),
            OpenDataError::WatermarkMismatch => Self::new(
                S::BAD_REQUEST,
                "watermark_mismatch",
                "the data's watermark names another appid",
            ),
            OpenDataError::WatermarkExpired => Self::new(
                S::BAD_REQUEST,
                "watermark_expired",
                "the data is too old; fetch it again",
            ),
            OpenDataError::OpenIdMismatch => Self::new(
                S::BAD_REQUEST,
                "openid_mismatch",
                "the data belongs to another user than the token's session",
            ),
            OpenDataError::SignatureMismatch => Self::new(
                S::BAD_REQUEST,
                "signature_mismatch",
                "rawData does not match its signature",
            ),
        }
    }
}

impl From<ProfileError> for ApiError {
    fn from(error: ProfileError) -> Self {
        match error {
            ProfileError::SessionGone => {
                Self::session_ended()
            }
            ProfileError::OpenData(e) => e.into(),
            ProfileError::AccountConflict => Self::new(
                StatusCode::CONFLICT,
                "account_conflict",
                "this WeChat account's unionId belongs to another user that holds other data; nothing was changed",
            ),
            ProfileError::BadPayload(field) => {
                Self::bad_request(format!("decrypted data has a malformed {field}"))
            }
            ProfileError::Store(e) => e.into(),
            ProfileError::Token(e) => e.into(),
        }
    }
}

impl From<PhoneError> for ApiError {
    fn from(error: PhoneError) -> Self {
        match error {
            PhoneError::SessionGone => {
                Self::session_ended()
            }
            PhoneError::UnknownApp => Self::new(
                StatusCode::BAD_REQUEST,
                "unknown_appid",
                "the token's appid is not served by this backend",
            ),
            PhoneError::OpenData(e) => e.into(),
            PhoneError::WeChat(e) => e.into(),
            PhoneError::BadPayload => Self::bad_request("decrypted data is not a phone number"),
            PhoneError::Taken => Self::new(
                StatusCode::CONFLICT,
                "phone_taken",
                "this phone number is bound to another account; nothing was changed",
            ),
            PhoneError::Store(e) => e.into(),
        }
    }
}
