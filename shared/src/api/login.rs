//! `POST /auth/login`.

use super::body::{Text, parse_json};
use super::response::BearerTokens;
use super::{ApiError, ApiRequest, ApiResponse, ErrorCode};
use crate::domain::AppId;
use crate::usecases::login::{LoginReply, LoginResult, LoginService};
use http::StatusCode;
use serde::{Deserialize, Serialize};

/// WeChat codes are 32 characters; anything much longer is not a code.
const MAX_CODE_LEN: usize = 256;

/// The request: `{"code": "<wx.login code>", "appid": "wx…", "phoneCode": "…"}`,
/// appid and phoneCode optional.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LoginBody {
    code: Text,
    appid: Text,
    phone_code: Text,
}

struct LoginInput {
    code: String,
    appid: Option<AppId>,
    phone_code: Option<String>,
}

/// The answer.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LoginAnswer<'a> {
    #[serde(flatten)]
    tokens: BearerTokens<'a>,
    user_id: &'a str,
    is_new_user: bool,
    has_union_id: bool,
    has_phone: bool,
    /// Only when a phone code was redeemed: whether its number is now the
    /// user's, and if not, the error code saying why.
    #[serde(skip_serializing_if = "Option::is_none")]
    phone_bound: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone_error: Option<ErrorCode>,
}

/// The answer to a new openid where registration needs a number.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TicketAnswer<'a> {
    registered: bool,
    login_ticket: &'a str,
    ticket_expires_in: u64,
}

impl<'a> LoginAnswer<'a> {
    /// The answer to `result`, whose phone code (if redeemed) ended as `phone`.
    fn new(result: &'a LoginResult, phone: Option<Result<(), ErrorCode>>) -> Self {
        Self {
            tokens: (&result.tokens).into(),
            user_id: result.user_id.as_str(),
            is_new_user: result.is_new_user,
            has_union_id: result.has_union_id,
            has_phone: result.has_phone,
            phone_bound: phone.map(|p| p.is_ok()),
            phone_error: phone.and_then(Result::err),
        }
    }
}

fn parse(body: &[u8]) -> Result<LoginInput, ApiError> {
    let body: LoginBody = parse_json(
        body,
        "body must be a JSON object like {\"code\": \"<wx.login code>\"}",
    )?;
    let code = body.code.required("code")?;
    if code.is_empty() || code.len() > MAX_CODE_LEN || !code.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::bad_request(
            "field \"code\" must be the non-empty code from wx.login",
        ));
    }
    let phone_code = match body.phone_code.optional("phoneCode")? {
        Some(c)
            if c.is_empty()
                || c.len() > MAX_CODE_LEN
                || !c.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            return Err(ApiError::bad_request(
                "field \"phoneCode\" must be the code from the getPhoneNumber button",
            ));
        }
        other => other,
    };
    let appid = match body.appid.optional("appid")? {
        None => None,
        Some(appid) => Some(
            AppId::parse(appid)
                .map_err(|_| ApiError::bad_request("field \"appid\" is not an appid"))?,
        ),
    };
    Ok(LoginInput {
        code,
        appid,
        phone_code,
    })
}

pub(super) async fn handle(
    service: &LoginService,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let input = parse(&request.body)?;
    let reply = service
        .login(
            &input.code,
            input.appid.as_ref(),
            input.phone_code.as_deref(),
        )
        .await?;
    let mut result = match reply {
        LoginReply::LoggedIn(result) => result,
        LoginReply::Unregistered { ticket, expires_in } => {
            return Ok(ApiResponse::serialized(
                StatusCode::OK,
                &TicketAnswer {
                    registered: false,
                    login_ticket: ticket.expose(),
                    ticket_expires_in: expires_in,
                },
            ));
        }
    };
    crate::metrics::login(result.is_new_user);
    let phone = result
        .phone
        .take()
        .map(|bound| bound.map_err(|error| ApiError::from(error).code));
    Ok(ApiResponse::serialized(
        StatusCode::OK,
        &LoginAnswer::new(&result, phone),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;
    use crate::domain::UserId;
    use crate::tokens::IssuedToken;
    use crate::usecases::sessions::SessionTokens;
    use serde_json::{Value, json};

    fn message(body: &str) -> String {
        match parse(body.as_bytes()) {
            Ok(_) => panic!("{body} parsed"),
            Err(error) => error.message,
        }
    }

    #[test]
    fn malformed_bodies_are_told_what_is_wrong() {
        let usage = "body must be a JSON object like {\"code\": \"<wx.login code>\"}";
        for (body, expected) in [
            ("", usage),
            ("not json", usage),
            ("null", usage),
            ("[]", usage),
            (r#"{"code":"ok""#, usage),
            ("{}", "field \"code\" is required"),
            (r#"{"code":null}"#, "field \"code\" is required"),
            (r#"{"code":5}"#, "field \"code\" must be a string"),
            (r#"{"code":["x"]}"#, "field \"code\" must be a string"),
            (
                r#"{"code":""}"#,
                "field \"code\" must be the non-empty code from wx.login",
            ),
            (
                r#"{"code":"a b"}"#,
                "field \"code\" must be the non-empty code from wx.login",
            ),
            (
                r#"{"code":"ok","appid":7}"#,
                "field \"appid\" must be a string",
            ),
            (
                r#"{"code":"ok","appid":"no#appid"}"#,
                "field \"appid\" is not an appid",
            ),
        ] {
            assert_eq!(message(body), expected, "{body}");
        }
        let input = parse(br#"{"code":"abc","appid":null,"extra":1}"#).unwrap();
        assert_eq!((input.code.as_str(), input.appid), ("abc", None));
        let input = parse(br#"{"code":"abc","appid":"wx0123456789abcdef"}"#).unwrap();
        assert_eq!(input.appid.unwrap().as_str(), "wx0123456789abcdef");
        let input = parse(br#"{"code":"abc","phoneCode":"p-1"}"#).unwrap();
        assert_eq!(input.phone_code.as_deref(), Some("p-1"));
        for bad in [
            r#"{"code":"abc","phoneCode":""}"#,
            r#"{"code":"abc","phoneCode":"a b"}"#,
        ] {
            assert_eq!(
                message(bad),
                "field \"phoneCode\" must be the code from the getPhoneNumber button"
            );
        }
        assert_eq!(
            message(r#"{"code":"abc","phoneCode":5}"#),
            "field \"phoneCode\" must be a string"
        );
    }

    #[test]
    fn the_answer_has_the_documented_fields() {
        let result = LoginResult {
            tokens: SessionTokens {
                access: IssuedToken {
                    token: "t.o.k".into(),
                    expires_in: 900,
                },
                refresh: Secret::new("rt1.r.e.f"),
                refresh_expires_in: 2_592_000,
            },
            user_id: UserId::parse("u-1").unwrap(),
            is_new_user: true,
            has_union_id: false,
            has_phone: true,
            phone: None,
        };
        let answer = |phone| -> Value {
            serde_json::from_str(&serde_json::to_string(&LoginAnswer::new(&result, phone)).unwrap())
                .unwrap()
        };
        let with_phone = answer(Some(Err(ErrorCode::PhoneTaken)));
        assert_eq!(
            (&with_phone["phoneBound"], &with_phone["phoneError"]),
            (&json!(false), &json!("phone_taken"))
        );
        assert_eq!(answer(Some(Ok(())))["phoneBound"], true);
        assert!(answer(Some(Ok(()))).get("phoneError").is_none());
        let answer = answer(None);
        assert_eq!(
            answer,
            json!({
                "token": "t.o.k",
                "tokenType": "Bearer",
                "expiresIn": 900,
                "refreshToken": "rt1.r.e.f",
                "refreshExpiresIn": 2_592_000,
                "userId": "u-1",
                "isNewUser": true,
                "hasUnionId": false,
                "hasPhone": true,
            })
        );
    }
}
