//! Refresh tokens: opaque to clients, `rt1.<identity>.<session>.<secret>`,
//! the identity being a WeChat one (`wechat:appid:openid`) or a number's
//! (`phone:+8613800138000`).
//! The identity (base64url) and session say where the session lives; the
//! secret (256 random bits) is what proves the holder, and only its hash is
//! stored.

use crate::domain::{AppId, Identity, OpenId, PhoneNumber, RefreshSecret, SessionId};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

const PREFIX: &str = "rt1";
/// Anything longer is not one of ours.
const MAX_LEN: usize = 512;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshToken {
    pub identity: Identity,
    pub session_id: SessionId,
    pub secret: RefreshSecret,
}

impl RefreshToken {
    /// The token as the client keeps it. Contains the secret: never log it.
    pub fn encode(&self) -> String {
        let identity = match &self.identity {
            Identity::WeChat { appid, openid } => format!("wechat:{appid}:{openid}"),
            Identity::Phone(phone) => format!("phone:{}", phone.e164()),
        };
        format!(
            "{PREFIX}.{}.{}.{}",
            URL_SAFE_NO_PAD.encode(identity),
            self.session_id,
            self.secret.expose()
        )
    }

    /// A presented refresh token, if it has our shape.
    pub fn parse(text: &str) -> Option<Self> {
        if text.len() > MAX_LEN {
            return None;
        }
        let mut parts = text.split('.');
        let (Some(PREFIX), Some(identity), Some(sid), Some(secret), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        let identity = String::from_utf8(URL_SAFE_NO_PAD.decode(identity).ok()?).ok()?;
        let identity = match identity.split(':').collect::<Vec<_>>()[..] {
            ["wechat", appid, openid] => {
                Identity::wechat(&AppId::parse(appid).ok()?, &OpenId::parse(openid).ok()?)
            }
            ["phone", e164] => Identity::Phone(PhoneNumber::parse_e164(e164).ok()?),
            _ => return None,
        };
        Some(Self {
            identity,
            session_id: SessionId::parse(sid).ok()?,
            secret: RefreshSecret::parse(secret)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refresh_token_reads_back_and_junk_does_not() {
        let token = RefreshToken {
            identity: Identity::wechat(
                &AppId::parse("wx4f4bc4dec97d474b").unwrap(),
                &OpenId::parse("oGZUI0egBJY1zhBYw2KhdUfwVJJE").unwrap(),
            ),
            session_id: SessionId::generate(),
            secret: RefreshSecret::generate(),
        };
        let text = token.encode();
        assert_eq!(RefreshToken::parse(&text), Some(token.clone()));
        let by_number = RefreshToken {
            identity: Identity::Phone(PhoneNumber::from_parts("852", "51234567").unwrap()),
            ..token.clone()
        };
        assert_eq!(RefreshToken::parse(&by_number.encode()), Some(by_number));
        let secret = token.secret.expose();
        for junk in [
            "",
            "rt1",
            "rt1.a.b.c",
            &text.replacen("rt1", "rt2", 1),
            &format!("{text}.x"),
            &text.replace(secret, "short"),
            &"a".repeat(600),
        ] {
            assert_eq!(RefreshToken::parse(junk), None, "{junk:?}");
        }
    }
}
