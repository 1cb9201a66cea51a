//! Handing out a session's tokens: an access token naming the session and a
//! refresh token carrying its secret. What login, refresh and a fold answer.

use crate::config::Secret;
use crate::domain::{Identity, NewSession, RefreshSecret, Session, SessionPolicy, UserId};
use crate::tokens::{IssuedToken, RefreshToken, TokenError, TokenIssuer, TokenSubject};
use std::sync::Arc;

/// A session's tokens, as an answer gives them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionTokens {
    pub access: IssuedToken,
    /// The refresh token (it carries the secret: never logged).
    pub refresh: Secret,
    pub refresh_expires_in: u64,
}

/// Signs tokens for sessions under one policy.
pub struct SessionIssuer {
    pub issuer: Arc<TokenIssuer>,
    pub policy: SessionPolicy,
}

impl SessionIssuer {
    pub fn new(issuer: Arc<TokenIssuer>, policy: SessionPolicy) -> Self {
        Self { issuer, policy }
    }

    /// A session starting `now`, and its secret.
    pub fn draw(&self, now: u64) -> NewSession {
        NewSession::draw(now, &self.policy)
    }

    /// The tokens of `session` of `user_id` on `identity`, refreshed by `secret`.
    pub fn tokens(
        &self,
        user_id: &UserId,
        identity: &Identity,
        session: &Session,
        secret: &RefreshSecret,
        now: u64,
    ) -> Result<SessionTokens, TokenError> {
        let subject = TokenSubject {
            user_id: user_id.clone(),
            identity: identity.clone(),
            session_id: session.id.clone(),
        };
        let access = self
            .issuer
            .issue(&subject, now, self.policy.access_expiry(session, now))?;
        let refresh = RefreshToken {
            identity: identity.clone(),
            session_id: session.id.clone(),
            secret: secret.clone(),
        };
        Ok(SessionTokens {
            access,
            refresh: Secret::new(refresh.encode()),
            refresh_expires_in: session.expires_at.saturating_sub(now),
        })
    }
}
