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

/// Who presented a verified token: its subject, and the token's own id and
/// expiry (what a logout revokes, and until when).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub subject: TokenSubject,
    /// The `jti` claim.
    pub token_id: String,
    /// The `exp` claim, Unix seconds.
    pub expires_at: u64,
}

impl Caller {
    /// The keys its session is judged by (`domain::rules::session`).
    pub fn session_keys(&self) -> crate::domain::rules::session::SessionKeys {
        crate::domain::rules::session::SessionKeys::new(
            &self.subject.user_id,
            &self.subject.appid,
            &self.subject.openid,
            &self.token_id,
        )
    }
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

    /// The caller, if the claims are well formed (`jti` included: it becomes a
    /// storage key, so it must be short and free of `#`).
    pub fn caller(&self) -> Option<Caller> {
        let id_ok = !self.jti.is_empty()
            && self.jti.len() <= 64
            && self
                .jti
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        Some(Caller {
            subject: self.subject()?,
            token_id: id_ok.then(|| self.jti.clone())?,
            expires_at: self.exp,
        })
    }
}
