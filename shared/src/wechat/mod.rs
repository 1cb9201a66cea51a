//! The WeChat API port and its HTTP adapter.

mod access_token;
mod call;
mod code2session;
mod content;
mod credentials;
mod errors;
mod http;
mod phone;
mod session;

pub use access_token::{AccessToken, AccessTokenCache};
pub use call::CallPolicy;
pub use code2session::Code2Session;
pub use content::{MalformedEvent, MediaCheckEvent, MsgSecCheck, Scene, parse_media_check_event};
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
    /// `<button open-type="getPhoneNumber">`, checked by WeChat against
    /// `openid` when one is known (a password registration may have none).
    /// Needs an access token, which the adapter caches and refreshes.
    async fn phone_number(
        &self,
        app: &AppCredentials,
        code: &str,
        openid: Option<&crate::domain::OpenId>,
    ) -> Result<PhoneInfo, WeChatError>;

    /// `auth.checkSessionKey`: whether `session_key` is still the key WeChat
    /// holds for `openid` (`false`: WeChat answered 87009, a later `wx.login`
    /// or a reset replaced it). The key is sent only as its login-state
    /// signature. Needs an access token, like [`phone_number`](Self::phone_number).
    async fn check_session(
        &self,
        app: &AppCredentials,
        openid: &crate::domain::OpenId,
        session_key: &crate::domain::SessionKey,
    ) -> Result<bool, WeChatError>;

    /// `auth.resetUserSessionKey`: replaces the user's session key (proven by
    /// the signature of `session_key`, the current one) with a new one, which
    /// it answers; the old one is then invalid. Needs an access token.
    async fn reset_session_key(
        &self,
        app: &AppCredentials,
        openid: &crate::domain::OpenId,
        session_key: &crate::domain::SessionKey,
    ) -> Result<crate::domain::SessionKey, WeChatError>;

    /// `security.msgSecCheck` (version 2): WeChat's verdict on `text` that
    /// user `openid` typed, to be shown in `scene`. WeChat checks only users
    /// who visited the mini-program in the last 2 hours
    /// ([`WeChatError::NotVisitedRecently`] otherwise). Needs an access token.
    async fn msg_sec_check(
        &self,
        app: &AppCredentials,
        openid: &crate::domain::OpenId,
        text: &str,
        scene: Scene,
    ) -> Result<MsgSecCheck, WeChatError>;

    /// `security.mediaCheckAsync` (version 2, images only): asks WeChat to
    /// fetch `media_url` and check the image for user `openid`, to be shown
    /// in `scene`. Answers only the `trace_id`; the verdict arrives later on
    /// the message-push URL as a `wxa_media_check` event naming it (see
    /// [`parse_media_check_event`]). Same 2-hour visit rule as
    /// [`msg_sec_check`](Self::msg_sec_check). Needs an access token.
    async fn media_check_async(
        &self,
        app: &AppCredentials,
        openid: &crate::domain::OpenId,
        media_url: &str,
        scene: Scene,
    ) -> Result<String, WeChatError>;
}
