//! The Lambda authorizer for a team's own routes on the same HTTP API: it
//! verifies our access tokens exactly as our routes do (RS256, iss, aud, exp,
//! `typ`, and a live session: not logged out, replaced, folded or deleted) and
//! hands the caller to the route, so the team's functions hold no auth code at
//! all. API Gateway payload format 2.0 with simple responses; API Gateway
//! caches each answer per Authorization header.
//!
//! A denial carries the same code our routes answer (`token_expired`,
//! `session_ended`, `unauthorized`) in the log line and in [`AuthorizerResponse::reason`];
//! an HTTP API cannot put it in its answer, which is its own `403 Forbidden`
//! (or `401` when the header is missing).

use crate::api::ErrorCode;
use crate::clock::Clock;
use crate::domain::Identity;
use crate::domain::rules::session;
use crate::metrics;
use crate::store::{ItemStore, StoreError};
use crate::tokens::{TokenError, TokenVerifier, bearer_token};
use crate::usecases::decider;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use tracing::Instrument;

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
    /// Why it was denied, as our routes would answer.
    #[serde(skip)]
    pub reason: Option<ErrorCode>,
}

impl AuthorizerResponse {
    fn deny(reason: ErrorCode, why: &str) -> Self {
        tracing::info!(code = reason.as_str(), reason = why, "denied");
        Self {
            is_authorized: false,
            context: Map::new(),
            reason: Some(reason),
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

    /// One invocation: [`decide`](Self::decide) inside the request's log span,
    /// and its metrics (one EMF document, [`crate::metrics`]).
    pub async fn invoke(
        &self,
        request_id: &str,
        request: &AuthorizerRequest,
    ) -> Result<AuthorizerResponse, StoreError> {
        let span = tracing::info_span!("authorize", request_id = %request_id);
        let decided = async {
            let decision = self.decide(request).await;
            if let Ok(response) = &decision {
                metrics::authorized(response.reason.map(|code| code.as_str()));
            }
            decision
        };
        metrics::per_request(request_id, Box::pin(decided.instrument(span))).await
    }

    /// Allows a valid, unrevoked bearer token; denies anything else. A store
    /// failure is an error (API Gateway answers 500 and caches nothing), not a
    /// denial the client would take for "log in again".
    pub async fn decide(
        &self,
        request: &AuthorizerRequest,
    ) -> Result<AuthorizerResponse, StoreError> {
        let Some(token) = request_token(request) else {
            return Ok(AuthorizerResponse::deny(
                ErrorCode::Unauthorized,
                "no bearer token",
            ));
        };
        let now = self.clock.now_unix();
        let caller = match self.verifier.verify(token, now) {
            Ok(claims) => claims.caller(),
            Err(TokenError::Expired) => {
                return Ok(AuthorizerResponse::deny(
                    ErrorCode::TokenExpired,
                    "token expired",
                ));
            }
            Err(error) => {
                return Ok(AuthorizerResponse::deny(
                    ErrorCode::Unauthorized,
                    &error.to_string(),
                ));
            }
        };
        let Some(caller) = caller else {
            return Ok(AuthorizerResponse::deny(
                ErrorCode::Unauthorized,
                "not an access token",
            ));
        };
        // One read: the token's identity must still hold its session for its
        // user (not logged out, replaced, folded away or deleted).
        let keys = caller.session_keys(now);
        let snapshot = decider::read(&*self.store, &keys.token_keys()).await?;
        if session::token_live(&snapshot, &keys)? != Some(true) {
            tracing::info!(user_id = %caller.subject.user_id, "session ended");
            return Ok(AuthorizerResponse::deny(
                ErrorCode::SessionEnded,
                "session ended",
            ));
        }
        tracing::info!(user_id = %caller.subject.user_id, "allowed");
        let mut context = json!({
            "userId": caller.subject.user_id.as_str(),
            "sessionId": caller.subject.session_id.as_str(),
            "expiresAt": caller.expires_at,
        });
        match &caller.subject.identity {
            Identity::WeChat { appid, openid } => {
                context["appid"] = appid.as_str().into();
                context["openid"] = openid.as_str().into();
            }
            // The route asks wxauth (or its own records) for the number; the
            // context, which API Gateway may log, carries only its kind.
            Identity::Phone(_) => context["identity"] = "phone".into(),
        }
        Ok(AuthorizerResponse {
            is_authorized: true,
            context: context.as_object().cloned().unwrap_or_default(),
            reason: None,
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
            reason: None,
        };
        assert_eq!(
            serde_json::to_value(&allowed).unwrap(),
            json!({"isAuthorized": true, "context": {"userId": "u"}})
        );
    }
}
