//! Issuing RS256 tokens, through jsonwebtoken.

use super::{ACCESS, Claims, PublicJwk, SigningKey, TokenError, TokenSubject};
use crate::domain::Identity;
use jsonwebtoken::{Algorithm, Header};

/// A signed token and its lifetime, as the login answer reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    pub token: String,
    pub expires_in: u64,
}

/// Signs tokens with the one current key.
#[derive(Debug)]
pub struct TokenIssuer {
    key: SigningKey,
    /// `{"typ":"JWT","alg":"RS256","kid":...}`, built once.
    header: Header,
    issuer: String,
    audience: String,
}

impl TokenIssuer {
    pub fn new(key: SigningKey, issuer: String, audience: String) -> Self {
        super::provider::install();
        let header = Header {
            kid: Some(key.public().kid.clone()),
            ..Header::new(Algorithm::RS256)
        };
        Self {
            key,
            header,
            issuer,
            audience,
        }
    }

    pub fn public_key(&self) -> &PublicJwk {
        self.key.public()
    }

    /// An access token for `subject`'s session, valid until `expires_at`.
    pub fn issue(
        &self,
        subject: &TokenSubject,
        now: u64,
        expires_at: u64,
    ) -> Result<IssuedToken, TokenError> {
        let (appid, openid, phone) = match &subject.identity {
            Identity::WeChat { appid, openid } => {
                (Some(appid.to_string()), Some(openid.to_string()), None)
            }
            Identity::Phone(phone) => (None, None, Some(phone.e164().to_owned())),
        };
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: subject.user_id.as_str().to_owned(),
            iat: now,
            exp: expires_at,
            jti: uuid::Uuid::new_v4().simple().to_string(),
            typ: ACCESS.to_owned(),
            sid: subject.session_id.as_str().to_owned(),
            appid,
            openid,
            phone,
        };
        let token = jsonwebtoken::encode(&self.header, &claims, self.key.encoding_key())
            .map_err(|_| TokenError::Signing)?;
        Ok(IssuedToken {
            token,
            expires_in: expires_at.saturating_sub(now),
        })
    }
}
