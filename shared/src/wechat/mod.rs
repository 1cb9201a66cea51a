//! The WeChat API port and its HTTP adapter.

mod access_token;
mod call;
mod code2session;
mod credentials;
mod errors;
mod http;

pub use access_token::{AccessToken, AccessTokenCache};
pub use call::CallPolicy;
pub use code2session::Code2Session;
pub use credentials::{AppCredentials, AppSecret};
pub use errors::WeChatError;
pub use http::HttpWeChat;

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
}
