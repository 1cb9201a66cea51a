//! The WeChat API port and its HTTP adapter.

mod access_token;
mod call;
mod code2session;
mod credentials;
mod errors;
mod http;
mod phone;

pub use access_token::{AccessToken, AccessTokenCache};
pub use call::CallPolicy;
pub use code2session::Code2Session;
pub use credentials::AppCredentials;
pub use errors::WeChatError;
pub use http::HttpWeChat;
pub use phone::{PhoneInfo, parse_phone_payload};

/// What the domain needs from WeChat's servers.
#[async_trait::async_trait]
pub trait WeChatApi: Send + Sync {
    /// `auth.code2Session`: exchanges a `wx.login` code for the user's openid,
    /// session_key and (when the app is bound to an Open Platform) unionid.
    async fn code2session(
        &self,
        app: &AppCredentials,
        code: &str,
    ) -> Result<Code2Session, WeChatError>;

    /// `phonenumber.getPhoneNumber`: the number behind a phone `code` from
    /// `<button open-type="getPhoneNumber">`, checked by WeChat against `openid`.
    /// Needs an access token, which the adapter caches and refreshes.
    async fn phone_number(
        &self,
        app: &AppCredentials,
        code: &str,
        openid: &crate::domain::OpenId,
    ) -> Result<PhoneInfo, WeChatError>;
}
