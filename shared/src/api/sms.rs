//! `POST /auth/sms/send` and `POST /auth/sms/login`: a verification code to a
//! number, and a login by it.

use super::body::{Text, parse_json};
use super::response::BearerTokens;
use super::{ApiError, ApiRequest, ApiResponse, ErrorCode};
use crate::domain::rules::sms::Purpose;
use crate::domain::{AppId, LoginTicket, PhoneNumber, SmsCode};
use crate::metrics;
use crate::usecases::number_login::PhoneLoginResult;
use crate::usecases::sms::{SmsCodes, SmsLoginService};
use http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Reads a number as people type it, or answers `400 invalid_phone`.
pub(super) fn phone_field(text: Text, name: &str) -> Result<PhoneNumber, ApiError> {
    let text = text.required(name)?;
    PhoneNumber::parse_input(&text).map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidPhone,
            format!("field \"{name}\" is not a phone number ({e}): give E.164 like +8613800138000, or 11 mainland digits"),
        )
    })
}

/// Reads the optional `loginTicket` (`400 ticket_invalid` when it is not
/// one) and `appid` of a login by number.
pub(super) fn ticket_fields(
    ticket: Text,
    appid: Text,
) -> Result<(Option<LoginTicket>, Option<AppId>), ApiError> {
    let ticket = match ticket.optional("loginTicket")? {
        None => None,
        Some(text) => Some(LoginTicket::parse(&text).ok_or_else(|| {
            ApiError::new(
                ErrorCode::TicketInvalid,
                "field \"loginTicket\" is not a login ticket from /auth/login",
            )
        })?),
    };
    let appid = match appid.optional("appid")? {
        None => None,
        Some(text) => Some(
            AppId::parse(text)
                .map_err(|_| ApiError::bad_request("field \"appid\" is not an appid"))?,
        ),
    };
    Ok((ticket, appid))
}

/// Reads a six-digit code, or answers `400 sms_code_invalid`.
pub(super) fn code_field(text: Text, name: &str) -> Result<SmsCode, ApiError> {
    let text = text.required(name)?;
    SmsCode::parse(text.trim()).ok_or_else(|| {
        ApiError::new(
            ErrorCode::SmsCodeInvalid,
            format!("field \"{name}\" must be the six digits of the SMS"),
        )
    })
}

#[derive(Deserialize)]
struct SendBody {
    phone: Text,
    purpose: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SendAnswer {
    sent: bool,
    resend_after: u64,
}

fn parse_send(body: &[u8]) -> Result<(PhoneNumber, Purpose), ApiError> {
    let body: SendBody = parse_json(
        body,
        "body must be a JSON object like {\"phone\": \"+8613800138000\", \"purpose\": \"login\"}",
    )?;
    let phone = phone_field(body.phone, "phone")?;
    let purpose = match body.purpose.optional("purpose")? {
        None => Purpose::Login,
        Some(text) => Purpose::parse(&text).ok_or_else(|| {
            ApiError::bad_request("field \"purpose\" must be \"login\", \"bind\" or \"password\"")
        })?,
    };
    Ok((phone, purpose))
}

pub(super) async fn send(codes: &SmsCodes, request: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let (phone, purpose) = parse_send(&request.body)?;
    let source = request.source_ip.map(|ip| ip.to_string());
    let resend_after = codes.send(&phone, purpose, source.as_deref()).await?;
    metrics::sms_sent();
    Ok(ApiResponse::serialized(
        StatusCode::OK,
        &SendAnswer {
            sent: true,
            resend_after,
        },
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LoginBody {
    phone: Text,
    code: Text,
    login_ticket: Text,
    appid: Text,
}

/// What a login by number answers (SMS code, password): tokens, and who.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct LoginAnswer<'a> {
    #[serde(flatten)]
    tokens: BearerTokens<'a>,
    user_id: &'a str,
    is_new_user: bool,
}

impl<'a> From<&'a PhoneLoginResult> for LoginAnswer<'a> {
    fn from(result: &'a PhoneLoginResult) -> Self {
        Self {
            tokens: (&result.tokens).into(),
            user_id: result.user_id.as_str(),
            is_new_user: result.is_new_user,
        }
    }
}

pub(super) async fn login(
    service: &SmsLoginService,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let body: LoginBody = parse_json(
        &request.body,
        "body must be a JSON object like {\"phone\": \"+8613800138000\", \"code\": \"123456\"}",
    )?;
    let phone = phone_field(body.phone, "phone")?;
    let code = code_field(body.code, "code")?;
    let (ticket, appid) = ticket_fields(body.login_ticket, body.appid)?;
    let result = service
        .login(&phone, &code, ticket.as_ref().map(|t| (t, appid.as_ref())))
        .await?;
    metrics::login(result.is_new_user);
    Ok(ApiResponse::serialized(
        StatusCode::OK,
        &LoginAnswer::from(&result),
    ))
}

/// The SMS routes of one process.
pub struct SmsRoutes {
    pub codes: Arc<SmsCodes>,
    pub login: SmsLoginService,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_codes_and_purposes_are_read_at_the_edge() {
        let (phone, purpose) = parse_send(br#"{"phone":"138 0013 8000"}"#).unwrap();
        assert_eq!((phone.e164(), purpose), ("+8613800138000", Purpose::Login));
        let (_, purpose) = parse_send(br#"{"phone":"+8613800138000","purpose":"bind"}"#).unwrap();
        assert_eq!(purpose, Purpose::Bind);
        for (body, code) in [
            (r#"{"phone":"12345"}"#, ErrorCode::InvalidPhone),
            (r#"{"phone":"+999 1234567"}"#, ErrorCode::InvalidPhone),
            (r#"{"phone":5}"#, ErrorCode::BadRequest),
            (r#"{}"#, ErrorCode::BadRequest),
            (
                r#"{"phone":"13800138000","purpose":"spam"}"#,
                ErrorCode::BadRequest,
            ),
        ] {
            assert_eq!(
                parse_send(body.as_bytes()).unwrap_err().code,
                code,
                "{body}"
            );
        }
        assert!(code_field(Text::Given("123456".into()), "code").is_ok());
        for bad in ["12345", "abcdef", ""] {
            assert_eq!(
                code_field(Text::Given(bad.into()), "code")
                    .unwrap_err()
                    .code,
                ErrorCode::SmsCodeInvalid
            );
        }
    }
}
