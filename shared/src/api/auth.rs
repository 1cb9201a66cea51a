//! Bearer tokens on protected routes.

use super::{ApiError, ApiRequest};
use crate::clock::Clock;
use crate::domain::rules::session;
use crate::store::{ItemStore, StoreError};
use crate::tokens::{Caller, TokenVerifier, bearer_token};
use crate::usecases::decider;
use std::sync::Arc;

/// Checks `Authorization: Bearer <token>` and yields who the token is about.
#[derive(Clone)]
pub struct Authenticator {
    verifier: Arc<TokenVerifier>,
    store: Arc<dyn ItemStore>,
    clock: Arc<dyn Clock>,
}

impl Authenticator {
    /// `store` is where sessions are judged (logouts, folds).
    pub fn new(
        verifier: Arc<TokenVerifier>,
        store: Arc<dyn ItemStore>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            verifier,
            store,
            clock,
        }
    }

    /// The token itself: present, well-formed, signed by one of our keys, for
    /// our issuer and audience, not expired, with usable claims. No I/O. Whether
    /// its session is still live is a store read: see [`Self::session_live`].
    pub fn authenticate(&self, request: &ApiRequest) -> Result<Caller, ApiError> {
        let header = request
            .headers
            .get(http::header::AUTHORIZATION)
            .ok_or_else(|| {
                ApiError::unauthorized(
                    "missing Authorization header; send \"Bearer <token>\" from /auth/login",
                )
            })?;
        let token = header.to_str().ok().and_then(bearer_token).ok_or_else(|| {
            ApiError::unauthorized("Authorization header must be \"Bearer <token>\"")
        })?;
        let claims = self.verifier.verify(token, self.clock.now_unix())?;
        claims.caller().ok_or_else(|| {
            ApiError::unauthorized(
                "not an access token of this version (a refresh token, or a token from before sessions); log in again",
            )
        })
    }

    /// Whether the caller's session is still live (not logged out, its
    /// identity still its user's): one store read, the authorizer's rule.
    pub async fn session_live(&self, caller: &Caller) -> Result<bool, StoreError> {
        let keys = caller.session_keys(self.clock.now_unix());
        let snapshot = decider::read(&*self.store, &keys.token_keys()).await?;
        Ok(session::token_live(&snapshot, &keys)? == Some(true))
    }
}
