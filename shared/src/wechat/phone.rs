//! Parsing `stable_token` and `getuserphonenumber` answers.

use super::{AccessToken, WeChatError};
use crate::domain::PhoneNumber;
use serde::Deserialize;
use serde_json::Value;

fn malformed(what: &str, e: impl std::fmt::Display) -> WeChatError {
    WeChatError::Malformed(format!("{what}: {e}"))
}

/// The errcode/errmsg pair every WeChat answer may carry.
#[derive(Deserialize)]
struct Status {
    errcode: Option<i64>,
    errmsg: Option<String>,
}

pub(crate) fn check_status(body: &[u8], what: &str) -> Result<(), WeChatError> {
    let status: Status = serde_json::from_slice(body).map_err(|e| malformed(what, e))?;
    match status.errcode {
        None | Some(0) => Ok(()),
        // The access token was refused: the caller refetches once and retries once.
        Some(code @ (40001 | 42001)) => Err(WeChatError::AccessTokenRejected { errcode: code }),
        Some(code) => Err(WeChatError::from_errcode(
            code,
            status.errmsg.unwrap_or_default(),
        )),
    }
}

/// `POST /cgi-bin/stable_token` → `{"access_token","expires_in"}`.
pub(crate) fn parse_stable_token(body: &[u8]) -> Result<AccessToken, WeChatError> {
    check_status(body, "stable_token")?;
    #[derive(Deserialize)]
    struct Answer {
        access_token: String,
        expires_in: u64,
    }
    let answer: Answer = serde_json::from_slice(body).map_err(|e| malformed("stable_token", e))?;
    if answer.access_token.is_empty() {
        return Err(malformed("stable_token", "empty access_token"));
    }
    Ok(AccessToken::new(answer.access_token, answer.expires_in))
}

/// What `getuserphonenumber` tells about the number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneInfo {
    pub phone: PhoneNumber,
    /// The appid in the answer's watermark, when present.
    pub watermark_appid: Option<String>,
}

/// `countryCode` arrives as a string in some answers and a number in others.
fn country_code(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => n.as_u64().map(|n| n.to_string()),
        _ => None,
    }
}

/// Reads a phone payload (`phone_info` of `getuserphonenumber`, or the legacy
/// decrypted button data, which has the same members).
pub fn parse_phone_payload(payload: &Value) -> Result<PhoneInfo, WeChatError> {
    let pure = payload.get("purePhoneNumber").and_then(Value::as_str);
    let code = country_code(payload.get("countryCode"));
    let (Some(pure), Some(code)) = (pure, code) else {
        return Err(malformed(
            "phone payload",
            "purePhoneNumber or countryCode missing",
        ));
    };
    let phone = PhoneNumber::from_parts(&code, pure).map_err(|e| malformed("phone payload", e))?;
    let watermark_appid = payload
        .pointer("/watermark/appid")
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok(PhoneInfo {
        phone,
        watermark_appid,
    })
}

/// `POST /wxa/business/getuserphonenumber` → `{"errcode":0,"phone_info":{…}}`.
pub(crate) fn parse_phone_answer(body: &[u8]) -> Result<PhoneInfo, WeChatError> {
    check_status(body, "getuserphonenumber")?;
    let answer: Value =
        serde_json::from_slice(body).map_err(|e| malformed("getuserphonenumber", e))?;
    let info = answer
        .get("phone_info")
        .ok_or_else(|| malformed("getuserphonenumber", "no phone_info"))?;
    parse_phone_payload(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_token_answers() {
        let token = parse_stable_token(br#"{"access_token":"86_abc","expires_in":7200}"#).unwrap();
        assert_eq!(token.value, "86_abc");
        assert_eq!(
            parse_stable_token(br#"{"errcode":40125,"errmsg":"invalid appsecret"}"#).unwrap_err(),
            WeChatError::Api {
                errcode: 40125,
                errmsg: "invalid appsecret".into()
            }
        );
        assert!(matches!(
            parse_stable_token(b"<html>"),
            Err(WeChatError::Malformed(_))
        ));
        assert!(matches!(
            parse_stable_token(br#"{"access_token":"","expires_in":7200}"#),
            Err(WeChatError::Malformed(_))
        ));
    }

    #[test]
    fn phone_answers_with_string_or_number_country_codes() {
        for cc in [r#""86""#, "86"] {
            let body = format!(
                r#"{{"errcode":0,"errmsg":"ok","phone_info":{{"phoneNumber":"13800138000","purePhoneNumber":"13800138000","countryCode":{cc},"watermark":{{"timestamp":1700000000,"appid":"wx1"}}}}}}"#
            );
            let info = parse_phone_answer(body.as_bytes()).unwrap();
            assert_eq!(info.phone.e164(), "+8613800138000");
            assert_eq!(info.watermark_appid.as_deref(), Some("wx1"));
        }
    }

    #[test]
    fn phone_errors() {
        let e = |b: &str| parse_phone_answer(b.as_bytes()).unwrap_err();
        assert_eq!(
            e(r#"{"errcode":40001,"errmsg":"invalid credential"}"#),
            WeChatError::AccessTokenRejected { errcode: 40001 }
        );
        assert_eq!(
            e(r#"{"errcode":42001,"errmsg":"access_token expired"}"#),
            WeChatError::AccessTokenRejected { errcode: 42001 }
        );
        assert_eq!(
            e(r#"{"errcode":40029,"errmsg":"invalid code"}"#),
            WeChatError::InvalidCode
        );
        assert!(matches!(
            e(r#"{"errcode":0,"errmsg":"ok"}"#),
            WeChatError::Malformed(_)
        ));
        assert!(matches!(
            e(r#"{"errcode":0,"phone_info":{"purePhoneNumber":"x1","countryCode":"86"}}"#),
            WeChatError::Malformed(_)
        ));
        assert!(matches!(e("truncated {"), WeChatError::Malformed(_)));
    }
}
