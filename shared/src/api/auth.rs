//! Bearer tokens on protected routes.

use super::{ApiError, ApiRequest};
use crate::clock::Clock;
use crate::store::{StoreError, UserStore};
use crate::tokens::{Caller, TokenVerifier, bearer_token};
use std::sync::Arc;

/// Checks `Authorization: Bearer <token>` and yields who the token is about.
#[derive(Clone)]
pub struct Authenticator {
    verifier: Arc<TokenVerifier>,
    revocations: Arc<dyn UserStore>,
    clock: Arc<dyn Clock>,
}

impl Authenticator {
    /// `revocations` is where logouts are recorded (the user store).
    pub fn new(
        verifier: Arc<TokenVerifier>,
        revocations: Arc<dyn UserStore>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            verifier,
            revocations,
            clock,
        }
    }

    /// The token itself: present, well-formed, signed by one of our keys, for
    /// our issuer and audience, not expired, with usable claims. No I/O. Whether
    /// a logout revoked it is a store read: see [`Self::revoked`].
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
        claims
            .caller()
            .ok_or_else(|| ApiError::unauthorized("token claims are malformed; log in again"))
    }

    /// Whether a logout revoked the caller's token: one store read.
    pub async fn revoked(&self, caller: &Caller) -> Result<bool, StoreError> {
        self.revocations.is_revoked(&caller.token_id).await
    }
}
