//! `POST /auth/logout`: ends the caller's session (every access token of it
//! and its refresh token); `{"all": true}` ends every session of the user.

use super::body::parse_json;
use super::router::Protected;
use super::{ApiError, ApiRequest, ApiResponse, Authenticator};
use crate::clock::Clock;
use crate::store::ItemStore;
use crate::tokens::Caller;
use crate::usecases::logout;
use http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The route: who is asking, and where sessions live.
pub struct LogoutRoute {
    pub auth: Authenticator,
    pub store: Arc<dyn ItemStore>,
    pub clock: Arc<dyn Clock>,
}

/// The optional body: `{"all": true}`.
#[derive(Deserialize)]
struct LogoutBody {
    #[serde(default)]
    all: Option<bool>,
}

/// The answer: `{"loggedOut": true}`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogoutAnswer {
    logged_out: bool,
}

impl Protected for LogoutRoute {
    /// Whether to end every session of the user.
    type Input = bool;

    fn authenticator(&self) -> &Authenticator {
        &self.auth
    }

    /// No body (or an empty one) logs this session out.
    fn parse(request: &ApiRequest) -> Result<bool, ApiError> {
        let body = &request.body[..];
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(false);
        }
        let usage = "body must be empty, or a JSON object like {\"all\": true}";
        // An object, not an array that serde would read field by field.
        let object: serde_json::Map<String, serde_json::Value> = parse_json(body, usage)?;
        let body: LogoutBody = serde_json::from_value(object.into())
            .map_err(|_| ApiError::bad_request("field \"all\" must be true or false"))?;
        Ok(body.all.unwrap_or(false))
    }

    async fn answer(&self, caller: Caller, all: bool) -> Result<ApiResponse, ApiError> {
        let now = self.clock.now_unix();
        if all {
            if !logout::end_all_sessions(&*self.store, &caller, now).await? {
                return Err(ApiError::session_ended());
            }
        } else {
            logout::end_session(&*self.store, &caller, now).await?;
        }
        Ok(ApiResponse::serialized(
            StatusCode::OK,
            &LogoutAnswer { logged_out: true },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ErrorCode;

    #[test]
    fn the_body_is_empty_or_says_all() {
        assert_eq!(LogoutRoute::parse_body(b""), Ok(false));
        assert_eq!(LogoutRoute::parse_body(b" \n"), Ok(false));
        assert_eq!(LogoutRoute::parse_body(b"{}"), Ok(false));
        assert_eq!(LogoutRoute::parse_body(br#"{"all":true}"#), Ok(true));
        assert_eq!(LogoutRoute::parse_body(br#"{"all":false}"#), Ok(false));
        for bad in [&b"nope"[..], br#"{"all":"yes"}"#, b"[]"] {
            assert_eq!(
                LogoutRoute::parse_body(bad).unwrap_err().code,
                ErrorCode::BadRequest
            );
        }
        assert_eq!(
            serde_json::to_string(&LogoutAnswer { logged_out: true }).unwrap(),
            r#"{"loggedOut":true}"#
        );
    }
}
