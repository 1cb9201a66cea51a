//! Parsing `checksession` and `resetusersessionkey` answers. Neither body
//! carries anything secret except the new key of a reset, which is parsed
//! straight into a [`SessionKey`] (whose `Debug` redacts it).

use super::WeChatError;
use super::phone::check_status;
use crate::domain::SessionKey;
use serde::Deserialize;

/// 87009: the signature does not sign WeChat's current session key.
pub(crate) const INVALID_SIGNATURE: i64 = 87009;

/// `GET /wxa/checksession` → `{"errcode":0,"errmsg":"ok"}` (valid, `true`) or
/// 87009 (no longer WeChat's key, `false`); anything else is an error.
pub(crate) fn parse_check_session(body: &[u8]) -> Result<bool, WeChatError> {
    match check_status(body, "checksession") {
        Ok(()) => Ok(true),
        Err(WeChatError::Api {
            errcode: INVALID_SIGNATURE,
            ..
        }) => Ok(false),
        Err(other) => Err(other),
    }
}

/// `GET /wxa/resetusersessionkey` → `{"errcode":0,"errmsg":"ok","openid","session_key"}`.
pub(crate) fn parse_reset_session_key(body: &[u8]) -> Result<SessionKey, WeChatError> {
    check_status(body, "resetusersessionkey")?;
    #[derive(Deserialize)]
    struct Answer {
        session_key: Option<String>,
    }
    let malformed = |what: &str| WeChatError::Malformed(format!("resetusersessionkey: {what}"));
    // serde's error text could quote the body, and the body holds the key.
    let answer: Answer =
        serde_json::from_slice(body).map_err(|_| malformed("not the expected JSON"))?;
    let key = answer
        .session_key
        .ok_or_else(|| malformed("no session_key"))?;
    SessionKey::parse(key).map_err(|_| malformed("session_key is not base64 of 16 bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_answers() {
        assert_eq!(
            parse_check_session(br#"{"errcode":0,"errmsg":"ok"}"#),
            Ok(true)
        );
        assert_eq!(
            parse_check_session(br#"{"errcode":87009,"errmsg":"invalid signature, rid: x"}"#),
            Ok(false)
        );
        assert_eq!(
            parse_check_session(br#"{"errcode":-1,"errmsg":"system error"}"#),
            Err(WeChatError::Busy { attempts: 1 })
        );
        assert_eq!(
            parse_check_session(br#"{"errcode":40001,"errmsg":"invalid credential"}"#),
            Err(WeChatError::AccessTokenRejected { errcode: 40001 })
        );
        assert!(matches!(
            parse_check_session(b"<html>"),
            Err(WeChatError::Malformed(_))
        ));
    }

    #[test]
    fn reset_answers() {
        let key = parse_reset_session_key(
            br#"{"errcode":0,"errmsg":"ok","openid":"o1","session_key":"o0q0otL8aEzpcZL\/FT9WsQ=="}"#,
        )
        .unwrap();
        assert_eq!(key.expose_base64(), "o0q0otL8aEzpcZL/FT9WsQ==");
        assert_eq!(
            parse_reset_session_key(
                br#"{"errcode":45011,"errmsg":"api minute-quota reach limit"}"#
            ),
            Err(WeChatError::RateLimited)
        );
        assert_eq!(
            parse_reset_session_key(br#"{"errcode":87009,"errmsg":"invalid signature"}"#),
            Err(WeChatError::Api {
                errcode: 87009,
                errmsg: "invalid signature".into()
            })
        );
        for body in [
            r#"{"errcode":0,"errmsg":"ok"}"#,
            r#"{"errcode":0,"session_key":"c2hvcnQ="}"#,
        ] {
            let error = parse_reset_session_key(body.as_bytes()).unwrap_err();
            assert!(matches!(error, WeChatError::Malformed(_)), "{error:?}");
            assert!(!error.to_string().contains("c2hvcnQ"), "{error}");
        }
    }
}
