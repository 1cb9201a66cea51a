//! `POST /auth/logout`: revokes the presented token until it expires.

use super::{ApiError, ApiRequest, ApiResponse, Authenticator};
use crate::store::ItemStore;
use crate::usecases::logout;
use http::StatusCode;
use std::sync::Arc;

/// The route: who is asking, and where revocations go.
pub struct LogoutRoute {
    pub auth: Authenticator,
    pub store: Arc<dyn ItemStore>,
}

pub(super) async fn handle(
    route: &LogoutRoute,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let caller = route.auth.authenticate(request)?;
    logout::revoke(&*route.store, &caller).await?;
    Ok(ApiResponse::json(StatusCode::OK, r#"{"loggedOut":true}"#))
}
