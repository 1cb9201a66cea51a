//! Issuing RS256 tokens, through jsonwebtoken.

use super::{Claims, PublicJwk, SigningKey, TokenError, TokenSubject};
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
    ttl_secs: u64,
}

impl TokenIssuer {
    pub fn new(key: SigningKey, issuer: String, audience: String, ttl_secs: u64) -> Self {
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
            ttl_secs,
        }
    }

    pub fn public_key(&self) -> &PublicJwk {
        self.key.public()
    }

    pub fn issue(&self, subject: &TokenSubject, now: u64) -> Result<IssuedToken, TokenError> {
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: subject.user_id.as_str().to_owned(),
            iat: now,
            exp: now + self.ttl_secs,
            jti: uuid::Uuid::new_v4().simple().to_string(),
            appid: subject.appid.as_str().to_owned(),
            openid: subject.openid.as_str().to_owned(),
        };
        let token = jsonwebtoken::encode(&self.header, &claims, self.key.encoding_key())
            .map_err(|_| TokenError::Signing)?;
        Ok(IssuedToken {
            token,
            expires_in: self.ttl_secs,
        })
    }
}
