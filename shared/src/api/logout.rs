//! `POST /auth/logout`: revokes the presented token until it expires.

use super::router::Protected;
use super::{ApiError, ApiResponse, Authenticator};
use crate::store::{Revocation, UserStore};
use crate::tokens::Caller;
use http::StatusCode;
use std::sync::Arc;

/// The route: who is asking, and where revocations go.
pub struct LogoutRoute {
    pub auth: Authenticator,
    pub store: Arc<dyn UserStore>,
}

impl Protected for LogoutRoute {
    /// Logout reads no body.
    type Input = ();

    fn authenticator(&self) -> &Authenticator {
        &self.auth
    }

    fn parse(_body: &[u8]) -> Result<(), ApiError> {
        Ok(())
    }

    async fn answer(&self, caller: Caller, (): ()) -> Result<ApiResponse, ApiError> {
        self.store
            .revoke(&Revocation {
                token_id: caller.token_id,
                user_id: caller.subject.user_id.clone(),
                expires_at: caller.expires_at,
            })
            .await?;
        tracing::info!(user_id = %caller.subject.user_id, "token revoked (logout)");
        Ok(ApiResponse::json(StatusCode::OK, r#"{"loggedOut":true}"#))
    }
}
