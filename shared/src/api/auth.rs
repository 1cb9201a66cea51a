//! Bearer tokens on protected routes.

use super::{ApiError, ApiRequest};
use crate::clock::Clock;
use crate::tokens::{Caller, TokenVerifier, bearer_token};
use std::sync::Arc;

/// Checks `Authorization: Bearer <token>` and yields who the token is about.
#[derive(Clone)]
pub struct Authenticator {
    verifier: Arc<TokenVerifier>,
    clock: Arc<dyn Clock>,
}

impl Authenticator {
    pub fn new(verifier: Arc<TokenVerifier>, clock: Arc<dyn Clock>) -> Self {
        Self { verifier, clock }
    }

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
}
