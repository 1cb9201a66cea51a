//! Every error the API answers, mapped from the domain errors in one place. The
//! codes, their statuses and retry hints are in the catalogue ([`ErrorCode`]).

use super::{ApiResponse, ErrorCode};
use crate::domain::rules::login::LoginRefusal;
use crate::objects::ObjectError;
use crate::open_data::OpenDataError;
use crate::sms::SmsError;
use crate::store::StoreError;
use crate::tokens::TokenError;
use crate::usecases::account::AccountError;
use crate::usecases::avatar::AvatarError;
use crate::usecases::login::LoginError;
use crate::usecases::nickname::NicknameError;
use crate::usecases::number_login::NumberLoginError;
use crate::usecases::password::PasswordError;
use crate::usecases::phone::PhoneError;
use crate::usecases::profile::ProfileError;
use crate::usecases::push::PushError;
use crate::usecases::refresh::RefreshError;
use crate::usecases::sms::SmsFlowError;
use crate::wechat::WeChatError;
use http::StatusCode;
use serde::Serialize;

/// An error answer: `{"error": {"code", "message"}}` with a stable code from
/// the catalogue, which also decides the status and any `Retry-After`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// A `Retry-After` of this answer's own (an SMS limit's), instead of the
    /// catalogue's.
    pub retry_after_secs: Option<u64>,
}

/// The body of every error answer.
#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorDetail<'a> {
    code: ErrorCode,
    message: &'a str,
    /// The id every log line of the request carries (`request_id`): what a
    /// team searches the function's logs for first.
    request_id: &'a str,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            retry_after_secs: None,
        }
    }

    /// The answer's status, as the catalogue gives it for the code.
    pub fn status(&self) -> StatusCode {
        self.code.status()
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthorized, message)
    }

    /// The token is fine but its session no longer exists (logged out,
    /// replaced, its user folded or deleted): only a new login helps.
    pub fn session_ended() -> Self {
        Self::new(
            ErrorCode::SessionEnded,
            "your session has ended; log in again",
        )
    }

    /// WeChat's content check refused what the user gave (`what`: a
    /// nickname, an avatar); `label` when WeChat gave one.
    pub fn content_rejected(what: &str, label: Option<u32>) -> Self {
        let why = match label {
            Some(label) => format!("label {label}, {}", label_name(label)),
            None => "no verdict under strict checks".to_owned(),
        };
        Self::new(
            ErrorCode::ContentRejected,
            format!(
                "WeChat's content check refused this {what} ({why}); it is not shown: choose another"
            ),
        )
    }

    pub fn internal() -> Self {
        Self::new(
            ErrorCode::InternalError,
            "internal error; the request id is in the logs",
        )
    }

    /// The answer to request `request_id`.
    pub fn into_response(self, request_id: &str) -> ApiResponse {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: &self.message,
                request_id,
            },
        };
        let mut response = ApiResponse::serialized(self.status(), &body);
        let retry_after = self
            .retry_after_secs
            .or(self.code.retry_after().map(u64::from));
        if let Some(secs) = retry_after {
            response.headers.push(("retry-after", secs.to_string()));
        }
        response
    }
}

/// WeChat's errors. `InvalidCode` and `CodeUsed` here are about a `wx.login`
/// code; the phone route maps its phone code's first (see `PhoneError`).
impl From<WeChatError> for ApiError {
    fn from(error: WeChatError) -> Self {
        use ErrorCode as C;
        match error {
            WeChatError::InvalidCode => Self::new(
                C::InvalidCode,
                "WeChat rejected the login code (expired, from another app, or made by a devtools session of another appid); call wx.login again",
            ),
            WeChatError::CodeUsed => Self::new(
                C::CodeUsed,
                "this login code was already used; codes are single-use, call wx.login again",
            ),
            WeChatError::RateLimited => Self::new(
                C::RateLimited,
                "WeChat's per-user rate limit was reached; retry in a minute",
            ),
            WeChatError::UserBlocked => {
                Self::new(C::UserBlocked, "WeChat's risk control blocked this user")
            }
            WeChatError::NotVisitedRecently => Self::new(
                C::WechatError,
                "WeChat refused: the user has not opened the mini-program in the last 2 hours (61010)",
            ),
            WeChatError::Busy { .. } => Self::new(C::WechatBusy, "WeChat is busy; retry shortly"),
            WeChatError::Timeout => {
                Self::new(C::WechatTimeout, "WeChat did not answer in time; retry")
            }
            WeChatError::Api { .. }
            | WeChatError::AccessTokenRejected { .. }
            | WeChatError::Malformed(_)
            | WeChatError::Unreachable(_) => Self::new(
                C::WechatError,
                "WeChat returned an error or an unexpected answer",
            ),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(_) | StoreError::Contention(_) => Self::new(
                ErrorCode::StorageUnavailable,
                "the user store is unavailable; retry shortly",
            ),
            StoreError::Corrupt(_) => Self::internal(),
        }
    }
}

impl From<TokenError> for ApiError {
    fn from(error: TokenError) -> Self {
        match error {
            TokenError::Signing => Self::internal(),
            TokenError::Expired => Self::new(
                ErrorCode::TokenExpired,
                "the access token has expired; get a new one from /auth/refresh",
            ),
            other => Self::unauthorized(format!("{other}; log in again")),
        }
    }
}

impl From<LoginError> for ApiError {
    fn from(error: LoginError) -> Self {
        match error {
            LoginError::UnknownApp(appid) => Self::new(
                ErrorCode::UnknownAppid,
                format!("appid {appid} is not served by this backend"),
            ),
            LoginError::WeChat(e) => e.into(),
            LoginError::Store(e) => e.into(),
            LoginError::Token(e) => e.into(),
            LoginError::Phone(e) => e.into(),
            LoginError::PhoneTaken => Self::new(
                ErrorCode::PhoneTaken,
                "this number belongs to an account that already has another WeChat user in this mini-program; nothing was written",
            ),
            LoginError::AccountConflict => Self::new(
                ErrorCode::AccountConflict,
                "this number's account belongs to another WeChat Open Platform unionId; nothing was written",
            ),
        }
    }
}

impl From<OpenDataError> for ApiError {
    fn from(error: OpenDataError) -> Self {
        use ErrorCode as C;
        match error {
            OpenDataError::SessionKeyStale => Self::new(
                C::SessionKeyStale,
                "the data was encrypted with another session_key (wx.login ran again and rotated it): call wx.login, log in again, then fetch the data again and retry",
            ),
            OpenDataError::BadData => Self::new(
                C::BadData,
                "the encrypted data does not decrypt with this session's key (WeChat confirms the key is current): it is corrupt or from another session; fetch it again",
            ),
            OpenDataError::WatermarkMismatch => Self::new(
                C::WatermarkMismatch,
                "the data's watermark names another appid",
            ),
            OpenDataError::WatermarkExpired => {
                Self::new(C::WatermarkExpired, "the data is too old; fetch it again")
            }
            OpenDataError::OpenIdMismatch => Self::new(
                C::OpenidMismatch,
                "the data belongs to another user than the token's session",
            ),
            OpenDataError::SignatureMismatch => {
                Self::new(C::SignatureMismatch, "rawData does not match its signature")
            }
        }
    }
}

impl From<ProfileError> for ApiError {
    fn from(error: ProfileError) -> Self {
        match error {
            ProfileError::SessionGone => Self::session_ended(),
            ProfileError::OpenData(e) => e.into(),
            ProfileError::AccountConflict => Self::new(
                ErrorCode::AccountConflict,
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

/// WeChat's name for a content label (`msg_sec_check`).
fn label_name(label: u32) -> &'static str {
    match label {
        100 => "normal",
        10001 => "advertising",
        20001 => "politics",
        20002 => "pornography",
        20003 => "abuse",
        20006 => "illegal",
        20008 => "fraud",
        20012 => "vulgar",
        20013 => "copyright",
        _ => "other",
    }
}

impl From<NicknameError> for ApiError {
    fn from(error: NicknameError) -> Self {
        match error {
            NicknameError::SessionGone => Self::session_ended(),
            NicknameError::Rejected { label } => Self::content_rejected("nickname", Some(label)),
            NicknameError::NoOpenId => Self::new(
                ErrorCode::ContentCheckUnavailable,
                "WeChat checks a nickname under the user's openid, and this account has no WeChat identity in the mini-program: log in through the mini-program (wx.login, POST /auth/login) with the account's number bound, then retry",
            ),
            NicknameError::WeChat(WeChatError::NotVisitedRecently) => Self::new(
                ErrorCode::ContentCheckUnavailable,
                "WeChat checks text only for users who opened the mini-program in the last 2 hours (61010): call wx.login and POST /auth/login, then retry",
            ),
            NicknameError::WeChat(e) => e.into(),
            NicknameError::Store(e) => e.into(),
        }
    }
}

impl From<AvatarError> for ApiError {
    fn from(error: AvatarError) -> Self {
        match error {
            AvatarError::SessionGone => Self::session_ended(),
            AvatarError::NoOpenId => Self::new(
                ErrorCode::ContentCheckUnavailable,
                "WeChat checks an avatar under the user's openid, and this account has no WeChat identity in the mini-program: log in through the mini-program (wx.login, POST /auth/login) with the account's number bound, then retry",
            ),
            AvatarError::WeChat(WeChatError::NotVisitedRecently) => Self::new(
                ErrorCode::ContentCheckUnavailable,
                "WeChat checks images only for users who opened the mini-program in the last 2 hours (61010): call wx.login and POST /auth/login, then retry",
            ),
            AvatarError::WeChat(e) => e.into(),
            AvatarError::Store(e) => e.into(),
            AvatarError::Objects(e) => e.into(),
        }
    }
}

impl From<ObjectError> for ApiError {
    fn from(error: ObjectError) -> Self {
        tracing::warn!(error = %error, "object store failed");
        Self::new(
            ErrorCode::StorageUnavailable,
            "the image storage is unavailable; retry shortly",
        )
    }
}

impl From<PushError> for ApiError {
    fn from(error: PushError) -> Self {
        match error {
            PushError::BadSignature => Self::new(
                ErrorCode::PushSignatureInvalid,
                "the push's signature is not ours: check WECHAT_PUSH_TOKEN and WECHAT_PUSH_AES_KEY against the mini-program admin's message push settings",
            ),
            PushError::Expired => Self::new(
                ErrorCode::PushExpired,
                "the push's timestamp is more than 5 minutes from now",
            ),
            PushError::UnknownApp(appid) => Self::new(
                ErrorCode::UnknownAppid,
                format!("a push for app {appid}, which this deployment does not serve"),
            ),
            PushError::Malformed(message) => Self::bad_request(message),
            PushError::Store(e) => e.into(),
        }
    }
}

impl From<RefreshError> for ApiError {
    fn from(error: RefreshError) -> Self {
        match error {
            RefreshError::SessionEnded => Self::new(
                ErrorCode::SessionEnded,
                "this refresh token is not a live session's (expired, logged out, replaced by a newer login, or already used); log in again",
            ),
            RefreshError::Store(e) => e.into(),
            RefreshError::Token(e) => e.into(),
        }
    }
}

impl From<AccountError> for ApiError {
    fn from(error: AccountError) -> Self {
        match error {
            AccountError::SessionEnded => Self::session_ended(),
            AccountError::Store(e) => e.into(),
            AccountError::Objects(e) => e.into(),
        }
    }
}

impl From<SmsFlowError> for ApiError {
    fn from(error: SmsFlowError) -> Self {
        match error {
            SmsFlowError::CodeInvalid => Self::new(
                ErrorCode::SmsCodeInvalid,
                "the SMS code is wrong, expired, already used, or was tried too often; ask for a new one",
            ),
            SmsFlowError::RateLimited(secs) => Self {
                retry_after_secs: Some(secs),
                ..Self::new(
                    ErrorCode::RateLimited,
                    format!("too many SMS codes for now; retry in {secs} s"),
                )
            },
            SmsFlowError::Provider(SmsError::RateLimited { retry_after_secs }) => Self {
                retry_after_secs: Some(u64::from(retry_after_secs)),
                ..Self::new(
                    ErrorCode::RateLimited,
                    "the SMS provider's limit for this number was reached",
                )
            },
            SmsFlowError::Provider(SmsError::InvalidNumber) => Self::new(
                ErrorCode::InvalidPhone,
                "the SMS provider refuses this number",
            ),
            SmsFlowError::Provider(SmsError::Unavailable(_)) => Self::new(
                ErrorCode::SmsUnavailable,
                "the SMS could not be sent; retry later",
            ),
            SmsFlowError::Store(e) => e.into(),
            SmsFlowError::Login(e) => e.into(),
        }
    }
}

impl From<NumberLoginError> for ApiError {
    fn from(error: NumberLoginError) -> Self {
        match error {
            NumberLoginError::Store(e) => e.into(),
            NumberLoginError::Token(e) => e.into(),
            // Only a password login carries a proof that can go stale.
            NumberLoginError::ProofStale | NumberLoginError::Refused(LoginRefusal::ProofStale) => {
                Self::new(
                    ErrorCode::WrongPassword,
                    "the password is no longer this number's: it changed, or the number moved, meanwhile",
                )
            }
            NumberLoginError::TicketInvalid => Self::new(
                ErrorCode::TicketInvalid,
                "the login ticket is malformed, already used, expired (5 minutes) or of another mini-program; call wx.login and /auth/login again",
            ),
            NumberLoginError::Refused(LoginRefusal::PhoneTaken) => LoginError::PhoneTaken.into(),
            NumberLoginError::Refused(LoginRefusal::AccountConflict) => {
                LoginError::AccountConflict.into()
            }
            // A ticket's login has a number: registration never turns it away.
            NumberLoginError::Refused(LoginRefusal::Unregistered) => Self::internal(),
        }
    }
}

impl From<PasswordError> for ApiError {
    fn from(error: PasswordError) -> Self {
        match error {
            PasswordError::Wrong => Self::new(ErrorCode::WrongPassword, "the password is wrong"),
            PasswordError::NotSet => Self::new(
                ErrorCode::PasswordNotSet,
                "this account has no password; log in with an SMS code, then set one with POST /auth/password",
            ),
            PasswordError::Locked(secs) => Self {
                retry_after_secs: Some(secs),
                ..Self::new(
                    ErrorCode::TooManyAttempts,
                    format!(
                        "too many password tries; retry in {secs} s, or log in with an SMS code"
                    ),
                )
            },
            PasswordError::Unverified => Self::new(
                ErrorCode::PhoneUnverified,
                "no account has this number: to register it with a password, prove the number in the same request with \"smsCode\" (purpose login) or \"phoneCode\" (the phone button)",
            ),
            PasswordError::Weak(weakness) => Self::new(ErrorCode::WeakPassword, weakness.explain()),
            PasswordError::ProofMissing => Self::bad_request(
                "changing a password needs \"currentPassword\" or \"smsCode\" (a code sent with purpose \"password\")",
            ),
            PasswordError::NoNumber => Self::new(
                ErrorCode::PhoneRequired,
                "a password logs in with the account's phone number, and this account has none: bind one first (POST /auth/phone)",
            ),
            PasswordError::SessionEnded => Self::session_ended(),
            PasswordError::UnknownApp(appid) => Self::new(
                ErrorCode::UnknownAppid,
                format!("appid {appid} is not served by this backend"),
            ),
            PasswordError::WeChat(WeChatError::InvalidCode | WeChatError::CodeUsed) => {
                PhoneError::WeChat(WeChatError::InvalidCode).into()
            }
            PasswordError::WeChat(e) => e.into(),
            PasswordError::Sms(e) => e.into(),
            PasswordError::Login(e) => e.into(),
            PasswordError::Store(e) => e.into(),
        }
    }
}

impl From<PhoneError> for ApiError {
    fn from(error: PhoneError) -> Self {
        match error {
            PhoneError::SessionGone => Self::session_ended(),
            PhoneError::UnknownApp => Self::new(
                ErrorCode::UnknownAppid,
                "the token's appid is not served by this backend",
            ),
            PhoneError::OpenData(e) => e.into(),
            // A phone code, not a login code: a new one comes from the button.
            PhoneError::WeChat(WeChatError::InvalidCode | WeChatError::CodeUsed) => Self::new(
                ErrorCode::PhoneCodeInvalid,
                "WeChat rejected the phone-number code (invalid, expired or already used; a getPhoneNumber code is single-use and expires after 5 minutes); have the user tap the phone-number button again",
            ),
            PhoneError::WeChat(e) => e.into(),
            PhoneError::BadPayload => Self::bad_request("decrypted data is not a phone number"),
            PhoneError::Taken => Self::new(
                ErrorCode::PhoneTaken,
                "this phone number is bound to another account; nothing was changed",
            ),
            PhoneError::Store(e) => e.into(),
            PhoneError::NotWeChat => Self::bad_request(
                "this session is a phone number's: a phone code or WeChat's encrypted number needs a mini-program login; bind a number by SMS with {\"phone\", \"smsCode\"}",
            ),
            PhoneError::Sms(e) => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_body_and_headers() {
        let response =
            ApiError::new(ErrorCode::RateLimited, "slow \"down\"").into_response("req-1");
        assert_eq!(response.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            response.body,
            r#"{"error":{"code":"rate_limited","message":"slow \"down\"","requestId":"req-1"}}"#
        );
        assert_eq!(response.headers, vec![("retry-after", "60".to_owned())]);
        let response = ApiError::session_ended().into_response("req-2");
        assert_eq!(response.status, StatusCode::UNAUTHORIZED);
        assert!(response.headers.is_empty());
        assert_eq!(
            response.body,
            r#"{"error":{"code":"session_ended","message":"your session has ended; log in again","requestId":"req-2"}}"#
        );
    }

    #[test]
    fn stale_keys_and_bad_data_have_their_own_codes() {
        let stale = ApiError::from(ProfileError::OpenData(OpenDataError::SessionKeyStale));
        assert_eq!(stale.code, ErrorCode::SessionKeyStale);
        assert!(stale.message.contains("wx.login"), "{}", stale.message);
        let bad = ApiError::from(PhoneError::OpenData(OpenDataError::BadData));
        assert_eq!(bad.code, ErrorCode::BadData);
        assert_eq!(bad.code.status(), StatusCode::BAD_REQUEST);
        assert!(bad.message.contains("fetch it again"), "{}", bad.message);
    }

    #[test]
    fn nickname_refusals_have_their_codes() {
        let rejected = ApiError::from(NicknameError::Rejected { label: 20001 });
        assert_eq!(rejected.code, ErrorCode::ContentRejected);
        assert_eq!(rejected.status().as_u16(), 422);
        assert!(rejected.message.contains("20001"), "{}", rejected.message);
        assert!(
            rejected.message.contains("politics"),
            "{}",
            rejected.message
        );
        for error in [
            NicknameError::NoOpenId,
            NicknameError::WeChat(WeChatError::NotVisitedRecently),
        ] {
            let error = ApiError::from(error);
            assert_eq!(error.code, ErrorCode::ContentCheckUnavailable);
            assert_eq!(error.status().as_u16(), 409);
        }
        assert_eq!(
            ApiError::from(NicknameError::WeChat(WeChatError::Busy { attempts: 3 })).code,
            ErrorCode::WechatBusy
        );
        assert_eq!(
            ApiError::from(NicknameError::WeChat(WeChatError::Timeout)).code,
            ErrorCode::WechatTimeout
        );
    }

    #[test]
    fn phone_codes_and_login_codes_have_their_own_codes() {
        for e in [WeChatError::InvalidCode, WeChatError::CodeUsed] {
            let error = ApiError::from(PhoneError::WeChat(e.clone()));
            assert_eq!(error.code, ErrorCode::PhoneCodeInvalid);
            assert!(error.message.contains("button"), "{}", error.message);
            assert!(!error.message.contains("wx.login"), "{}", error.message);
        }
        assert_eq!(
            ApiError::from(LoginError::WeChat(WeChatError::InvalidCode)).code,
            ErrorCode::InvalidCode
        );
        assert_eq!(
            ApiError::from(LoginError::WeChat(WeChatError::CodeUsed)).code,
            ErrorCode::CodeUsed
        );
        assert_eq!(
            ApiError::from(PhoneError::WeChat(WeChatError::RateLimited)).code,
            ErrorCode::RateLimited
        );
        assert_eq!(
            ApiError::from(PhoneError::SessionGone).code,
            ErrorCode::SessionEnded
        );
        assert_eq!(
            ApiError::from(ProfileError::SessionGone).code,
            ErrorCode::SessionEnded
        );
    }
}
