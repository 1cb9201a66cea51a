//! `POST /auth/logout`: revokes the presented token until it expires.

use super::{ApiError, ApiRequest, ApiResponse, Authenticator};
use crate::store::{Revocation, UserStore};
use http::StatusCode;
use std::sync::Arc;

/// The route: who is asking, and where revocations go.
pub struct LogoutRoute {
    pub auth: Authenticator,
    pub store: Arc<dyn UserStore>,
}

pub(super) async fn handle(
    route: &LogoutRoute,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let caller = route.auth.authenticate(request)?;
    route
        .store
        .revoke(&Revocation {
            token_id: caller.token_id,
            user_id: caller.subject.user_id.clone(),
            expires_at: caller.expires_at,
        })
        .await?;
    tracing::info!(user_id = %caller.subject.user_id, "token revoked (logout)");
    Ok(ApiResponse::json(StatusCode::OK, r#"{"loggedOut":true}"#))
}
