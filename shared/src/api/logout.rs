//! `POST /auth/logout`: revokes the presented token until it expires.

use super::router::Protected;
use super::{ApiError, ApiResponse, Authenticator};
use crate::store::ItemStore;
use crate::tokens::Caller;
use crate::usecases::logout;
use http::StatusCode;
use serde::Serialize;
use std::sync::Arc;

/// The route: who is asking, and where revocations go.
pub struct LogoutRoute {
    pub auth: Authenticator,
    pub store: Arc<dyn ItemStore>,
}

/// The answer: `{"loggedOut": true}`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogoutAnswer {
    logged_out: bool,
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
        logout::revoke(&*self.store, &caller).await?;
        Ok(ApiResponse::serialized(
            StatusCode::OK,
            &LogoutAnswer { logged_out: true },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_is_logged_out_true() {
        assert_eq!(
            serde_json::to_string(&LogoutAnswer { logged_out: true }).unwrap(),
            r#"{"loggedOut":true}"#
        );
    }
}
