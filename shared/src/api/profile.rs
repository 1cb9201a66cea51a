//! `POST /auth/profile`.

use super::router::Protected;
use super::{ApiError, ApiResponse, Authenticator};
use crate::open_data::EncryptedOpenData;
use crate::tokens::Caller;
use crate::usecases::profile::{ProfileInput, ProfileService};
use http::StatusCode;
use serde::Deserialize;
use serde_json::json;

/// The route: who is asking, and the service that answers.
pub struct ProfileRoute {
    pub auth: Authenticator,
    pub service: ProfileService,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProfileBody {
    encrypted_data: Option<serde_json::Value>,
    iv: Option<serde_json::Value>,
    raw_data: Option<serde_json::Value>,
    signature: Option<serde_json::Value>,
}

fn string_field(value: Option<serde_json::Value>, name: &str) -> Result<Option<String>, ApiError> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::bad_request(format!(
            "field \"{name}\" must be a string"
        ))),
    }
}

fn parse(body: &[u8]) -> Result<ProfileInput, ApiError> {
    let body: ProfileBody = serde_json::from_slice(body).map_err(|_| {
        ApiError::bad_request(
            "body must be a JSON object like {\"encryptedData\": \"…\", \"iv\": \"…\"}",
        )
    })?;
    let required = |value, name| {
        string_field(value, name)?
            .ok_or_else(|| ApiError::bad_request(format!("field \"{name}\" is required")))
    };
    let encrypted_data = required(body.encrypted_data, "encryptedData")?;
    let iv = required(body.iv, "iv")?;
    let data = EncryptedOpenData::parse(&encrypted_data, &iv)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let raw_data = match (
        string_field(body.raw_data, "rawData")?,
        string_field(body.signature, "signature")?,
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

    fn parse(body: &[u8]) -> Result<ProfileInput, ApiError> {
        parse(body)
    }

    async fn answer(&self, caller: Caller, input: ProfileInput) -> Result<ApiResponse, ApiError> {
        let result = self.service.decrypt(&caller, &input).await?;
        let mut body = json!({ "userId": result.user_id.as_str(), "profile": result.profile });
        if let Some(union_id) = &result.union_id {
            body["unionId"] = json!(union_id.as_str());
        }
        if let Some(token) = &result.token {
            body["token"] = json!(token.token);
            body["tokenType"] = json!("Bearer");
            body["expiresIn"] = json!(token.expires_in);
        }
        Ok(ApiResponse::json(StatusCode::OK, body.to_string()))
    }
}
