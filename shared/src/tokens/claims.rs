use crate::domain::rules::session::SessionKeys;
use crate::domain::{AppId, Identity, OpenId, PhoneNumber, SessionId, UserId};
use serde::{Deserialize, Serialize};

/// The `typ` claim of an access token: the only tokens our routes and the
/// authorizer accept.
pub const ACCESS: &str = "access";

/// Who a token is about: our user, the identity that logged in, and the
/// session that login started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSubject {
    pub user_id: UserId,
    pub identity: Identity,
    pub session_id: SessionId,
}

impl TokenSubject {
    /// The mini-program identity, for the routes that need one (open data).
    pub fn wechat(&self) -> Option<(&AppId, &OpenId)> {
        match &self.identity {
            Identity::WeChat { appid, openid } => Some((appid, openid)),
            Identity::Phone(_) => None,
        }
    }
}

/// Who presented a verified access token: its subject, and the token's own id
/// and expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub subject: TokenSubject,
    /// The `jti` claim.
    pub token_id: String,
    /// The `exp` claim, Unix seconds.
    pub expires_at: u64,
}

impl Caller {
    /// The keys its session is judged by at `now` (`domain::rules::session`).
    pub fn session_keys(&self, now: u64) -> SessionKeys {
        SessionKeys::new(
            &self.subject.user_id,
            &self.subject.identity,
            &self.subject.session_id,
            now,
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
    /// `"access"`; tokens of earlier versions have none and are refused.
    #[serde(default)]
    pub typ: String,
    /// The session.
    #[serde(default)]
    pub sid: String,
    /// The WeChat identity of the session, when it is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
    /// The number of the session, when it is a number's (SMS, password):
    /// E.164, like OpenID Connect's `phone_number`. Only its holder sees it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

impl Claims {
    /// The typed subject of an access token, checked once here.
    pub fn subject(&self) -> Option<TokenSubject> {
        if self.typ != ACCESS {
            return None;
        }
        let identity = match (&self.appid, &self.openid, &self.phone) {
            (Some(appid), Some(openid), None) => Identity::wechat(
                &AppId::parse(appid.clone()).ok()?,
                &OpenId::parse(openid.clone()).ok()?,
            ),
            (None, None, Some(phone)) => Identity::Phone(PhoneNumber::parse_e164(phone).ok()?),
            _ => return None,
        };
        Some(TokenSubject {
            user_id: UserId::parse(self.sub.clone()).ok()?,
            identity,
            session_id: SessionId::parse(self.sid.clone()).ok()?,
        })
    }

    /// The caller, if these are well-formed access-token claims.
    pub fn caller(&self) -> Option<Caller> {
        Some(Caller {
            subject: self.subject()?,
            token_id: self.jti.clone(),
            expires_at: self.exp,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> Claims {
        Claims {
            iss: "iss".into(),
            aud: "aud".into(),
            sub: "u-1".into(),
            iat: 1,
            exp: 2,
            jti: "j".into(),
            typ: ACCESS.into(),
            sid: "s1".into(),
            appid: Some("wx1".into()),
            openid: Some("o1".into()),
            phone: None,
        }
    }

    #[test]
    fn only_access_tokens_with_a_session_are_callers() {
        assert!(claims().caller().is_some());
        let by_number = Claims {
            appid: None,
            openid: None,
            phone: Some("+8613800138000".into()),
            ..claims()
        };
        assert_eq!(
            by_number.caller().unwrap().subject.identity,
            Identity::Phone(PhoneNumber::from_parts("86", "13800138000").unwrap())
        );
        for broken in [
            Claims {
                typ: "login_ticket".into(),
                ..claims()
            },
            // A token of an earlier version: no typ, no sid.
            Claims {
                typ: String::new(),
                sid: String::new(),
                ..claims()
            },
            Claims {
                sid: "a#b".into(),
                ..claims()
            },
            Claims {
                openid: None,
                ..claims()
            },
            // Two identities at once.
            Claims {
                phone: Some("+8613800138000".into()),
                ..claims()
            },
        ] {
            assert_eq!(broken.caller(), None, "{broken:?}");
        }
    }
}
