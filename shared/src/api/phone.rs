//! `POST /auth/phone`.

use super::body::{Text, parse_json};
use super::router::Protected;
use super::{ApiError, ApiRequest, ApiResponse, Authenticator};
use crate::open_data::EncryptedOpenData;
use crate::tokens::Caller;
use crate::usecases::phone::{PhoneInput, PhoneResult, PhoneService};
use http::StatusCode;
use serde::{Deserialize, Serialize};

/// Phone codes are 64 hex digits today; anything much longer is not one.
const MAX_CODE_LEN: usize = 256;

const USAGE: &str = "body must be {\"code\": \"<getPhoneNumber code>\"}, {\"encryptedData\": \"…\", \"iv\": \"…\"} or {\"phone\": \"…\", \"smsCode\": \"123456\"}";

pub struct PhoneRoute {
    pub auth: Authenticator,
    pub service: PhoneService,
}

/// The request: a `code`, or the legacy `encryptedData` + `iv`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PhoneBody {
    code: Text,
    encrypted_data: Text,
    iv: Text,
    phone: Text,
    sms_code: Text,
}

/// The answer.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhoneAnswer<'a> {
    user_id: &'a str,
    phone_number: &'a str,
    pure_phone_number: &'a str,
    country_code: &'a str,
}

impl<'a> From<&'a PhoneResult> for PhoneAnswer<'a> {
    fn from(result: &'a PhoneResult) -> Self {
        Self {
            user_id: result.user_id.as_str(),
            phone_number: result.phone.e164(),
            pure_phone_number: result.phone.pure_number(),
            country_code: result.phone.country_code(),
        }
    }
}

fn parse(body: &[u8]) -> Result<PhoneInput, ApiError> {
    let body: PhoneBody = parse_json(body, USAGE)?;
    if !matches!(body.sms_code, Text::Missing) {
        if body.code != Text::Missing || body.encrypted_data != Text::Missing {
            return Err(ApiError::bad_request(USAGE));
        }
        return Ok(PhoneInput::Sms {
            phone: super::sms::phone_field(body.phone, "phone")?,
            code: super::sms::code_field(body.sms_code, "smsCode")?,
        });
    }
    match (
        body.code.optional("code")?,
        body.encrypted_data.optional("encryptedData")?,
        body.iv.optional("iv")?,
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
        _ => Err(ApiError::bad_request(USAGE)),
    }
}

impl Protected for PhoneRoute {
    type Input = PhoneInput;

    fn authenticator(&self) -> &Authenticator {
        &self.auth
    }

    fn parse(request: &ApiRequest) -> Result<PhoneInput, ApiError> {
        parse(&request.body)
    }

    async fn answer(&self, caller: Caller, input: PhoneInput) -> Result<ApiResponse, ApiError> {
        let result = self.service.bind(&caller, &input).await?;
        Ok(ApiResponse::serialized(
            StatusCode::OK,
            &PhoneAnswer::from(&result),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{PhoneNumber, UserId};
    use serde_json::{Value, json};

    #[test]
    fn the_answer_has_the_documented_fields() {
        let result = PhoneResult {
            user_id: UserId::parse("u-1").unwrap(),
            phone: PhoneNumber::from_parts("86", "13800138000").unwrap(),
        };
        let answer: Value =
            serde_json::from_str(&serde_json::to_string(&PhoneAnswer::from(&result)).unwrap())
                .unwrap();
        assert_eq!(
            answer,
            json!({
                "userId": "u-1",
                "phoneNumber": "+8613800138000",
                "purePhoneNumber": "13800138000",
                "countryCode": "86",
            })
        );
    }

    #[test]
    fn malformed_bodies_are_told_what_is_wrong() {
        let message = |body: &str| match parse(body.as_bytes()) {
            Ok(_) => panic!("{body} parsed"),
            Err(error) => error.message,
        };
        for (body, expected) in [
            ("", USAGE),
            ("[]", USAGE),
            ("{}", USAGE),
            (r#"{"code":null}"#, USAGE),
            (r#"{"code":"x","iv":"AAAA"}"#, USAGE),
            (r#"{"encryptedData":"AAAA"}"#, USAGE),
            (r#"{"code":5}"#, "field \"code\" must be a string"),
            (
                r#"{"encryptedData":[],"iv":"AAAA"}"#,
                "field \"encryptedData\" must be a string",
            ),
            (
                r#"{"encryptedData":"AAAA","iv":{}}"#,
                "field \"iv\" must be a string",
            ),
            (
                r#"{"code":""}"#,
                "field \"code\" must be the code from getPhoneNumber",
            ),
        ] {
            assert_eq!(message(body), expected, "{body}");
        }
        assert!(matches!(
            parse(br#"{"code":"0123abcd","encryptedData":null}"#),
            Ok(PhoneInput::Code(code)) if code == "0123abcd"
        ));
    }
}
