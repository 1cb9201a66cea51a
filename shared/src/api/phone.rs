//! `POST /auth/phone`.

use super::router::Protected;
use super::{ApiError, ApiResponse, Authenticator};
use crate::open_data::EncryptedOpenData;
use crate::tokens::Caller;
use crate::usecases::phone::{PhoneInput, PhoneService};
use http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

/// Phone codes are 64 hex digits today; anything much longer is not one.
const MAX_CODE_LEN: usize = 256;

pub struct PhoneRoute {
    pub auth: Authenticator,
    pub service: PhoneService,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PhoneBody {
    code: Option<Value>,
    encrypted_data: Option<Value>,
    iv: Option<Value>,
}

fn text(value: Option<Value>, name: &str) -> Result<Option<String>, ApiError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::bad_request(format!(
            "field \"{name}\" must be a string"
        ))),
    }
}

fn parse(body: &[u8]) -> Result<PhoneInput, ApiError> {
    let usage = "body must be {\"code\": \"<getPhoneNumber code>\"} or {\"encryptedData\": \"…\", \"iv\": \"…\"}";
    let body: PhoneBody = serde_json::from_slice(body).map_err(|_| ApiError::bad_request(usage))?;
    match (
        text(body.code, "code")?,
        text(body.encrypted_data, "encryptedData")?,
        text(body.iv, "iv")?,
    ) {
        (Some(code), None, None) => {
            if code.is_empty()
                || code.len() > MAX_CODE_LEN
                || !code.bytes().all(|b| b.is_ascii_graphic())
            {
                return Err(ApiError::bad_request(
                    "field \"code\" must be the code from getPhoneNumber",
                ));
            }
            Ok(PhoneInput::Code(code))
        }
        (None, Some(data), Some(iv)) => EncryptedOpenData::parse(&data, &iv)
            .map(PhoneInput::Encrypted)
            .map_err(|e| ApiError::bad_request(e.to_string())),
        _ => Err(ApiError::bad_request(usage)),
    }
}

impl Protected for PhoneRoute {
    type Input = PhoneInput;

    fn authenticator(&self) -> &Authenticator {
        &self.auth
    }

    fn parse(body: &[u8]) -> Result<PhoneInput, ApiError> {
        parse(body)
    }

    async fn answer(&self, caller: Caller, input: PhoneInput) -> Result<ApiResponse, ApiError> {
        let result = self.service.bind(&caller, &input).await?;
        let body = json!({
            "userId": result.user_id.as_str(),
            "phoneNumber": result.phone.e164(),
            "purePhoneNumber": result.phone.pure_number(),
            "countryCode": result.phone.country_code(),
        });
        Ok(ApiResponse::json(StatusCode::OK, body.to_string()))
    }
}
