//! `POST /auth/password/login` (a number and its password; registering an
//! unknown number needs a proof of it) and `POST /auth/password` (setting or
//! changing the caller's password).

use super::body::{Text, parse_json};
use super::router::Protected;
use super::sms::{LoginAnswer, code_field, phone_field, ticket_fields};
use super::{ApiError, ApiRequest, ApiResponse, Authenticator};
use crate::domain::{MAX_PASSWORD_CHARS, Password};
use crate::tokens::Caller;
use crate::usecases::password::{
    NumberProof, PasswordChange, PasswordLogin, PasswordService, PhoneCode,
};
use http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The password routes of one process.
pub struct PasswordRoutes {
    pub service: Arc<PasswordService>,
    pub set: SetPasswordRoute,
}

/// `POST /auth/password`.
pub struct SetPasswordRoute {
    pub auth: Authenticator,
    pub service: Arc<PasswordService>,
}

fn password_field(text: Text, name: &str) -> Result<Password, ApiError> {
    Password::parse(text.required(name)?).ok_or_else(|| {
        ApiError::bad_request(format!(
            "field \"{name}\" must be a password of 1 to {MAX_PASSWORD_CHARS} characters"
        ))
    })
}

fn optional_password(text: Text, name: &str) -> Result<Option<Password>, ApiError> {
    match text {
        Text::Missing => Ok(None),
        text => password_field(text, name).map(Some),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LoginBody {
    phone: Text,
    password: Text,
    login_ticket: Text,
    appid: Text,
    sms_code: Text,
    phone_code: Text,
}

fn parse_login(body: &[u8], source: Option<String>) -> Result<PasswordLogin, ApiError> {
    let body: LoginBody = parse_json(
        body,
        "body must be a JSON object like {\"phone\": \"+8613800138000\", \"password\": \"…\"}",
    )?;
    let phone = phone_field(body.phone, "phone")?;
    let password = password_field(body.password, "password")?;
    let (ticket, appid) = ticket_fields(body.login_ticket, body.appid)?;
    let proof = match (body.sms_code, body.phone_code.optional("phoneCode")?) {
        (Text::Missing, None) => None,
        (Text::Missing, Some(code)) if !code.is_empty() => {
            Some(NumberProof::PhoneButton(PhoneCode::new(code)))
        }
        (Text::Missing, Some(_)) => {
            return Err(ApiError::bad_request("field \"phoneCode\" is empty"));
        }
        (sms, None) => Some(NumberProof::Sms(code_field(sms, "smsCode")?)),
        (_, Some(_)) => {
            return Err(ApiError::bad_request(
                "give \"smsCode\" or \"phoneCode\", not both",
            ));
        }
    };
    Ok(PasswordLogin {
        phone,
        password,
        ticket,
        appid,
        proof,
        source,
    })
}

pub(super) async fn login(
    service: &PasswordService,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let source = request.source_ip.map(|ip| ip.to_string());
    let result = service.login(parse_login(&request.body, source)?).await?;
    crate::metrics::login(result.is_new_user);
    Ok(ApiResponse::serialized(
        StatusCode::OK,
        &LoginAnswer::from(&result),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SetBody {
    password: Text,
    current_password: Text,
    sms_code: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SetAnswer {
    password_set: bool,
}

impl Protected for SetPasswordRoute {
    type Input = PasswordChange;

    fn authenticator(&self) -> &Authenticator {
        &self.auth
    }

    fn parse(request: &ApiRequest) -> Result<PasswordChange, ApiError> {
        let body = &request.body[..];
        let body: SetBody = parse_json(
            body,
            "body must be a JSON object like {\"password\": \"…\", \"currentPassword\": \"…\"}",
        )?;
        Ok(PasswordChange {
            password: password_field(body.password, "password")?,
            current: optional_password(body.current_password, "currentPassword")?,
            sms_code: match body.sms_code {
                Text::Missing => None,
                text => Some(code_field(text, "smsCode")?),
            },
            // A wrong `currentPassword` counts like a login try: per number,
            // and per source address.
            source: request.source_ip.map(|ip| ip.to_string()),
        })
    }

    async fn answer(
        &self,
        caller: Caller,
        change: PasswordChange,
    ) -> Result<ApiResponse, ApiError> {
        self.service.set(&caller, change).await?;
        Ok(ApiResponse::serialized(
            StatusCode::OK,
            &SetAnswer { password_set: true },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ErrorCode;

    #[test]
    fn the_login_body_is_read_at_the_edge() {
        let login = parse_login(
            br#"{"phone":"13800138000","password":"p","smsCode":"123456"}"#,
            None,
        )
        .unwrap();
        assert_eq!(login.phone.e164(), "+8613800138000");
        assert!(matches!(login.proof, Some(NumberProof::Sms(_))));
        for (body, code) in [
            (r#"{"phone":"1","password":"p"}"#, ErrorCode::InvalidPhone),
            (r#"{"phone":"13800138000"}"#, ErrorCode::BadRequest),
            (
                r#"{"phone":"13800138000","password":""}"#,
                ErrorCode::BadRequest,
            ),
            (
                r#"{"phone":"13800138000","password":5}"#,
                ErrorCode::BadRequest,
            ),
            (
                r#"{"phone":"13800138000","password":"p","smsCode":"12"}"#,
                ErrorCode::SmsCodeInvalid,
            ),
            (
                r#"{"phone":"13800138000","password":"p","smsCode":"123456","phoneCode":"c"}"#,
                ErrorCode::BadRequest,
            ),
            (
                r#"{"phone":"13800138000","password":"p","loginTicket":"x"}"#,
                ErrorCode::TicketInvalid,
            ),
        ] {
            assert_eq!(
                parse_login(body.as_bytes(), None).unwrap_err().code,
                code,
                "{body}"
            );
        }
        let long = format!(
            r#"{{"phone":"13800138000","password":"{}"}}"#,
            "x".repeat(MAX_PASSWORD_CHARS + 1)
        );
        assert_eq!(
            parse_login(long.as_bytes(), None).unwrap_err().code,
            ErrorCode::BadRequest
        );
    }

    #[test]
    fn the_set_body_takes_a_current_password_or_a_code() {
        let change =
            SetPasswordRoute::parse_body(br#"{"password":"new one!","currentPassword":"old"}"#)
                .unwrap();
        assert!(change.current.is_some() && change.sms_code.is_none());
        let change =
            SetPasswordRoute::parse_body(br#"{"password":"new one!","smsCode":"123456"}"#).unwrap();
        assert!(change.current.is_none() && change.sms_code.is_some());
        assert!(SetPasswordRoute::parse_body(br#"{"currentPassword":"old"}"#).is_err());
    }
}
