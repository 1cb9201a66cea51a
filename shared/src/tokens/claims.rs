use crate::domain::{AppId, OpenId, UserId};
use serde::{Deserialize, Serialize};

/// Who a token is about: our user, and the mini-program session it came from
/// (the later handlers look up that session's key by appid and openid).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSubject {
    pub user_id: UserId,
    pub appid: AppId,
    pub openid: OpenId,
}

/// The claims we put in a token and read back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// Our userId.
    pub sub: String,
    pub iat: u64,
    pub exp: u64,
    pub jti: String,
    pub appid: String,
    pub openid: String,
}

impl Claims {
    /// The typed subject, checked once here.
    pub fn subject(&self) -> Option<TokenSubject> {
        Some(TokenSubject {
            user_id: UserId::parse(self.sub.clone()).ok()?,
            appid: AppId::parse(self.appid.clone()).ok()?,
            openid: OpenId::parse(self.openid.clone()).ok()?,
        })
    }
}
