//! `POST /auth/refresh`: a refresh token for a new access token and the next
//! refresh token (the presented one is spent).

use super::body::{Text, parse_json};
use super::response::BearerTokens;
use super::{ApiError, ApiRequest, ApiResponse};
use crate::metrics;
use crate::tokens::RefreshToken;
use crate::usecases::refresh::{RefreshError, RefreshService};
use http::StatusCode;
use serde::Deserialize;

/// The request: `{"refreshToken": "rt1.…"}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RefreshBody {
    refresh_token: Text,
}

/// A body that is not `{"refreshToken": <string>}` is the caller's mistake
/// (400); a string that is not one of our refresh tokens is a refresh token
/// that will never work (401 `session_ended`): log in again.
fn parse(body: &[u8]) -> Result<RefreshToken, ApiError> {
    let body: RefreshBody = parse_json(
        body,
        "body must be a JSON object like {\"refreshToken\": \"<from /auth/login>\"}",
    )?;
    let text = body.refresh_token.required("refreshToken")?;
    RefreshToken::parse(&text).ok_or_else(|| RefreshError::SessionEnded.into())
}

pub(super) async fn handle(
    service: &RefreshService,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let presented = parse(&request.body)?;
    let tokens = service.refresh(&presented).await?;
    metrics::refresh();
    Ok(ApiResponse::serialized(
        StatusCode::OK,
        &BearerTokens::from(&tokens),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ErrorCode;

    #[test]
    fn a_body_without_a_refresh_token_is_a_bad_request_and_junk_has_ended() {
        for body in [
            "",
            "[]",
            "{}",
            r#"{"refreshToken":5}"#,
            r#"{"refreshToken":null}"#,
        ] {
            assert_eq!(
                parse(body.as_bytes()).unwrap_err().code,
                ErrorCode::BadRequest,
                "{body}"
            );
        }
        for body in [r#"{"refreshToken":""}"#, r#"{"refreshToken":"rt1.x.y.z"}"#] {
            assert_eq!(
                parse(body.as_bytes()).unwrap_err().code,
                ErrorCode::SessionEnded,
                "{body}"
            );
        }
    }
}
