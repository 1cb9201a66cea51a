//! `POST /auth/profile`.

use super::body::{Text, parse_json};
use super::response::BearerTokens;
use super::router::Protected;
use super::{ApiError, ApiRequest, ApiResponse, Authenticator};
use crate::domain::Profile;
use crate::open_data::EncryptedOpenData;
use crate::tokens::Caller;
use crate::usecases::profile::{ProfileInput, ProfileResult, ProfileService};
use http::StatusCode;
use serde::{Deserialize, Serialize};

/// The route: who is asking, and the service that answers.
pub struct ProfileRoute {
    pub auth: Authenticator,
    pub service: ProfileService,
}

/// The request, the fields exactly as the mini-program received them.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProfileBody {
    encrypted_data: Text,
    iv: Text,
    raw_data: Text,
    signature: Text,
}

/// The answer: `unionId` only when the user has one, the token fields only
/// after a fold.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProfileAnswer<'a> {
    user_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    union_id: Option<&'a str>,
    profile: &'a Profile,
    #[serde(flatten)]
    tokens: Option<BearerTokens<'a>>,
}

impl<'a> From<&'a ProfileResult> for ProfileAnswer<'a> {
    fn from(result: &'a ProfileResult) -> Self {
        Self {
            user_id: result.user_id.as_str(),
            union_id: result.union_id.as_ref().map(|u| u.as_str()),
            profile: &result.profile,
            tokens: result.tokens.as_ref().map(BearerTokens::from),
        }
    }
}

fn parse(body: &[u8]) -> Result<ProfileInput, ApiError> {
    let body: ProfileBody = parse_json(
        body,
        "body must be a JSON object like {\"encryptedData\": \"…\", \"iv\": \"…\"}",
    )?;
    let encrypted_data = body.encrypted_data.required("encryptedData")?;
    let iv = body.iv.required("iv")?;
    let data = EncryptedOpenData::parse(&encrypted_data, &iv)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let raw_data = match (
        body.raw_data.optional("rawData")?,
        body.signature.optional("signature")?,
    ) {
        (Some(raw), Some(signature)) => Some((raw, signature)),
        _ => None,
    };
    Ok(ProfileInput { data, raw_data })
}

impl Protected for ProfileRoute {
    type Input = ProfileInput;

    fn authenticator(&self) -> &Authenticator {
        &self.auth
    }

    fn parse(request: &ApiRequest) -> Result<ProfileInput, ApiError> {
        parse(&request.body)
    }

    async fn answer(&self, caller: Caller, input: ProfileInput) -> Result<ApiResponse, ApiError> {
        let result = self.service.decrypt(&caller, &input).await?;
        Ok(ApiResponse::serialized(
            StatusCode::OK,
            &ProfileAnswer::from(&result),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;
    use crate::domain::{UnionId, UserId};
    use crate::tokens::IssuedToken;
    use crate::usecases::sessions::SessionTokens;
    use serde_json::{Value, json};

    fn answer(result: &ProfileResult) -> Value {
        serde_json::from_str(&serde_json::to_string(&ProfileAnswer::from(result)).unwrap()).unwrap()
    }

    #[test]
    fn union_id_and_token_only_when_present() {
        let profile = Profile {
            nick_name: Some("Band".into()),
            gender: Some(1),
            ..Profile::default()
        };
        let mut result = ProfileResult {
            user_id: UserId::parse("u-1").unwrap(),
            union_id: None,
            profile: profile.clone(),
            tokens: None,
        };
        assert_eq!(
            answer(&result),
            json!({"userId": "u-1", "profile": {"nickName": "Band", "gender": 1}})
        );
        result.union_id = Some(UnionId::parse("union-1").unwrap());
        assert_eq!(
            answer(&result),
            json!({"userId": "u-1", "unionId": "union-1", "profile": {"nickName": "Band", "gender": 1}})
        );
        result.tokens = Some(SessionTokens {
            access: IssuedToken {
                token: "t.o.k".into(),
                expires_in: 600,
            },
            refresh: Secret::new("rt1.r.e.f"),
            refresh_expires_in: 9_000,
        });
        assert_eq!(
            answer(&result),
            json!({
                "userId": "u-1",
                "unionId": "union-1",
                "profile": {"nickName": "Band", "gender": 1},
                "token": "t.o.k",
                "tokenType": "Bearer",
                "expiresIn": 600,
                "refreshToken": "rt1.r.e.f",
                "refreshExpiresIn": 9_000,
            })
        );
        result.profile = Profile::default();
        assert_eq!(answer(&result)["profile"], json!({}));
    }

    #[test]
    fn malformed_bodies_are_told_what_is_wrong() {
        let message = |body: &str| parse(body.as_bytes()).unwrap_err().message;
        let usage = "body must be a JSON object like {\"encryptedData\": \"…\", \"iv\": \"…\"}";
        let iv = "AAAAAAAAAAAAAAAAAAAAAA==";
        for (body, expected) in [
            (String::new(), usage.to_owned()),
            ("[]".into(), usage.into()),
            ("{}".into(), "field \"encryptedData\" is required".into()),
            (
                json!({"encryptedData": iv}).to_string(),
                "field \"iv\" is required".into(),
            ),
            (
                json!({"encryptedData": iv, "iv": 5}).to_string(),
                "field \"iv\" must be a string".into(),
            ),
            (
                json!({"encryptedData": iv, "iv": iv, "rawData": {}}).to_string(),
                "field \"rawData\" must be a string".into(),
            ),
            (
                json!({"encryptedData": iv, "iv": iv, "signature": false}).to_string(),
                "field \"signature\" must be a string".into(),
            ),
        ] {
            assert_eq!(message(&body), expected, "{body}");
        }
        let input = parse(
            json!({"encryptedData": iv, "iv": iv, "rawData": "{}"})
                .to_string()
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(
            input.raw_data, None,
            "rawData without a signature is ignored"
        );
        let input = parse(
            json!({"encryptedData": iv, "iv": iv, "rawData": "{}", "signature": "s"})
                .to_string()
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(input.raw_data, Some(("{}".into(), "s".into())));
    }
}
