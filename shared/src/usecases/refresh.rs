//! Refresh: a refresh token for a new access token and the next refresh token.
//! One read of the session's identity, one guarded write.

use super::decider;
use super::sessions::{SessionIssuer, SessionTokens};
use crate::clock::Clock;
use crate::domain::RefreshSecret;
use crate::domain::rules::Snapshot;
use crate::domain::rules::session::{self as rule, RefreshOutcome};
use crate::store::{ItemStore, Key, StoreError};
use crate::tokens::{RefreshToken, TokenError};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// Not a live session's current refresh token (or a reused one, whose
    /// session is now ended).
    #[error("no live session for this refresh token")]
    SessionEnded,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Token(#[from] TokenError),
}

pub struct RefreshService {
    store: Arc<dyn ItemStore>,
    sessions: Arc<SessionIssuer>,
    clock: Arc<dyn Clock>,
}

impl RefreshService {
    pub fn new(
        store: Arc<dyn ItemStore>,
        sessions: Arc<SessionIssuer>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            store,
            sessions,
            clock,
        }
    }

    pub async fn refresh(&self, presented: &RefreshToken) -> Result<SessionTokens, RefreshError> {
        let now = self.clock.now_unix();
        let next = RefreshSecret::generate();
        let input = rule::RefreshInput {
            identity: Key::of_identity(&presented.identity),
            session_id: presented.session_id.clone(),
            presented: presented.secret.hash(),
            next: next.hash(),
            now,
            policy: self.sessions.policy,
        };
        let outcome = decider::run(&*self.store, Snapshot::default(), |s| {
            rule::refresh(s, &input)
        })
        .await?;
        match outcome {
            RefreshOutcome::Rotated { user_id, session } => {
                tracing::info!(user_id = %user_id, session_id = %session.id, "session refreshed");
                Ok(self
                    .sessions
                    .tokens(&user_id, &presented.identity, &session, &next, now)?)
            }
            RefreshOutcome::Ended => {
                tracing::info!(session_id = %presented.session_id, "refresh refused: no live session");
                Err(RefreshError::SessionEnded)
            }
            RefreshOutcome::Reused => {
                tracing::warn!(
                    session_id = %presented.session_id,
                    "a rotated refresh token was presented again: session ended for every holder"
                );
                Err(RefreshError::SessionEnded)
            }
        }
    }
}
