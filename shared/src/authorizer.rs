//! The Lambda authorizer for a team's own routes on the same HTTP API: it
//! verifies our tokens exactly as our routes do (RS256, iss, aud, exp, and not
//! revoked by a logout) and hands the caller to the route, so the team's
//! functions hold no auth code at all. API Gateway payload format 2.0 with
//! simple responses; API Gateway caches each answer per Authorization header.

use crate::clock::Clock;
use crate::domain::rules::session;
use crate::store::{ItemStore, StoreError};
use crate::tokens::{TokenVerifier, bearer_token};
use crate::usecases::decider;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// The parts of API Gateway's authorizer event (payload 2.0) we read.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizerRequest {
    /// The configured identity source: here, the Authorization header's value.
    #[serde(default)]
    pub identity_source: Option<Vec<String>>,
    #[serde(default)]
    pub headers: Option<HashMap<String, String>>,
}

/// A simple response: allowed or not, and what the route receives in
/// `requestContext.authorizer.lambda`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizerResponse {
    pub is_authorized: bool,
    pub context: Map<String, Value>,
}

impl AuthorizerResponse {
    fn deny() -> Self {
        Self {
            is_authorized: false,
            context: Map::new(),
        }
    }
}

pub struct TokenAuthorizer {
    verifier: Arc<TokenVerifier>,
    store: Arc<dyn ItemStore>,
    clock: Arc<dyn Clock>,
}

impl TokenAuthorizer {
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

    /// Allows a valid, unrevoked bearer token; denies anything else. A store
    /// failure is an error (API Gateway answers 500 and caches nothing), not a
    /// denial the client would take for "log in again".
    pub async fn decide(
        &self,
        request: &AuthorizerRequest,
    ) -> Result<AuthorizerResponse, StoreError> {
        let Some(token) = request_token(request) else {
            tracing::info!(reason = "no bearer token", "denied");
            return Ok(AuthorizerResponse::deny());
        };
        let caller = match self.verifier.verify(token, self.clock.now_unix()) {
            Ok(claims) => claims.caller(),
            Err(error) => {
                tracing::info!(reason = %error, "denied");
                return Ok(AuthorizerResponse::deny());
            }
        };
        let Some(caller) = caller else {
            tracing::info!(reason = "malformed claims", "denied");
            return Ok(AuthorizerResponse::deny());
        };
        // One read: the token's identity must still be its user's (not folded
        // away, later not deleted) and the token not revoked by a logout.
        let keys = caller.session_keys();
        let snapshot = decider::read(&*self.store, &keys.token_keys()).await?;
        if session::token_live(&snapshot, &keys)? != Some(true) {
            tracing::info!(user_id = %caller.subject.user_id, reason = "session ended", "denied");
            return Ok(AuthorizerResponse::deny());
        }
        tracing::info!(user_id = %caller.subject.user_id, "allowed");
        let context = json!({
            "userId": caller.subject.user_id.as_str(),
            "appid": caller.subject.appid.as_str(),
            "openid": caller.subject.openid.as_str(),
            "expiresAt": caller.expires_at,
        });
        Ok(AuthorizerResponse {
            is_authorized: true,
            context: context.as_object().cloned().unwrap_or_default(),
        })
    }
}

/// The token of `Authorization: Bearer <token>`, from the identity source or,
/// failing that, the headers.
fn request_token(request: &AuthorizerRequest) -> Option<&str> {
    let header = request
        .identity_source
        .as_ref()
        .and_then(|sources| sources.first())
        .or_else(|| {
            request.headers.as_ref().and_then(|headers| {
                headers
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case("authorization"))
                    .map(|(_, value)| value)
            })
        })?;
    bearer_token(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(identity: Option<&str>, header: Option<(&str, &str)>) -> AuthorizerRequest {
        AuthorizerRequest {
            identity_source: identity.map(|i| vec![i.to_owned()]),
            headers: header.map(|(k, v)| HashMap::from([(k.to_owned(), v.to_owned())])),
        }
    }

    #[test]
    fn the_bearer_token_comes_from_the_identity_source_or_the_header() {
        assert_eq!(
            request_token(&request(Some("Bearer abc"), None)),
            Some("abc")
        );
        assert_eq!(
            request_token(&request(None, Some(("Authorization", "bearer xyz")))),
            Some("xyz")
        );
        assert_eq!(request_token(&request(Some("Basic abc"), None)), None);
        assert_eq!(request_token(&request(Some("Bearer  "), None)), None);
        assert_eq!(request_token(&request(None, None)), None);
    }

    #[test]
    fn a_simple_response_has_api_gateways_field_names() {
        let allowed = AuthorizerResponse {
            is_authorized: true,
            context: json!({"userId": "u"}).as_object().cloned().unwrap(),
        };
        assert_eq!(
            serde_json::to_value(&allowed).unwrap(),
            json!({"isAuthorized": true, "context": {"userId": "u"}})
        );
    }
}
