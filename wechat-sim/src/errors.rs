//! WeChat error codes and the `errmsg` texts WeChat sends with them.
//!
//! Client code logs and sometimes matches on these texts, so they are copied
//! from real WeChat answers (including oddities such as the double spaces of
//! 45011), each followed by a `, rid: <request id>` suffix as WeChat does.

use serde::Serialize;

use crate::{clock, random};

/// -1: WeChat is busy; the one error clients are expected to retry.
pub(crate) const SYSTEM_ERROR: i64 = -1;
/// 40001: the access token is unknown, or was replaced (`force_refresh`).
pub(crate) const INVALID_CREDENTIAL: i64 = 40001;
/// 40002: `grant_type` is not the one the endpoint wants.
pub(crate) const INVALID_GRANT_TYPE: i64 = 40002;
/// 40003: `openid` missing, or not a user WeChat knows (`msg_sec_check`,
/// `media_check_async`).
pub(crate) const INVALID_OPENID: i64 = 40003;
/// 40004: `media_type` is not one WeChat checks (`media_check_async`: 2,
/// images, in version 2).
pub(crate) const INVALID_MEDIA_TYPE: i64 = 40004;
/// 40013: unknown `appid`.
pub(crate) const INVALID_APPID: i64 = 40013;
/// 40029: the login or phone code is not valid (unknown, expired, used, or
/// here: not a valid simulator code).
pub(crate) const INVALID_CODE: i64 = 40029;
/// 40129: `scene` is not one of 1 to 4 (`msg_sec_check`, `media_check_async`).
pub(crate) const INVALID_SCENE: i64 = 40129;
/// 40125: `secret` does not belong to `appid`.
pub(crate) const INVALID_APPSECRET: i64 = 40125;
/// 40163: the login code was already exchanged once.
pub(crate) const CODE_BEEN_USED: i64 = 40163;
/// 40226: WeChat's risk control blocked this user.
pub(crate) const HIGH_RISK_USER: i64 = 40226;
/// 41001: no `access_token` parameter.
pub(crate) const ACCESS_TOKEN_MISSING: i64 = 41001;
/// 41002: no `appid` parameter.
pub(crate) const APPID_MISSING: i64 = 41002;
/// 41004: no `secret` parameter.
pub(crate) const APPSECRET_MISSING: i64 = 41004;
/// 41008: no `js_code` parameter.
pub(crate) const MISSING_CODE: i64 = 41008;
/// 42001: the access token's 7200 seconds are over.
pub(crate) const ACCESS_TOKEN_EXPIRED: i64 = 42001;
/// 43104: `openid` is a user of another app (`msg_sec_check`,
/// `media_check_async`).
pub(crate) const OPENID_OF_OTHER_APP: i64 = 43104;
/// 45009: the daily API quota is exhausted.
pub(crate) const DAILY_QUOTA_REACHED: i64 = 45009;
/// 45011: the per-minute API quota is exhausted.
pub(crate) const MINUTE_QUOTA_REACHED: i64 = 45011;
/// 47001: the request body is not the JSON the endpoint wants.
pub(crate) const DATA_FORMAT_ERROR: i64 = 47001;
/// 61010: the user has not visited the mini-program in the last 2 hours
/// (`msg_sec_check`, `media_check_async`).
pub(crate) const CODE_EXPIRED: i64 = 61010;
/// 87009: the login-state signature does not sign the user's current session
/// key (`checksession`, `resetusersessionkey`).
pub(crate) const INVALID_SIGNATURE: i64 = 87009;

/// The message WeChat sends with `errcode`, without the rid suffix.
///
/// Codes the simulator has no text for get `"simulated error"`, which makes it
/// obvious in logs that the error came from an injected `errcode=`.
pub(crate) fn errmsg_for(errcode: i64) -> &'static str {
    match errcode {
        SYSTEM_ERROR => "system error",
        INVALID_CREDENTIAL => "invalid credential, access_token is invalid or not latest",
        INVALID_GRANT_TYPE => "invalid grant_type",
        INVALID_OPENID => "invalid openid",
        INVALID_MEDIA_TYPE => "invalid media type",
        INVALID_APPID => "invalid appid",
        40014 => "invalid access_token",
        INVALID_CODE => "invalid code",
        INVALID_APPSECRET => "invalid appsecret",
        INVALID_SCENE => "invalid scene",
        CODE_BEEN_USED => "code been used",
        HIGH_RISK_USER => "high risk user",
        ACCESS_TOKEN_MISSING => "access_token missing",
        APPID_MISSING => "appid missing",
        APPSECRET_MISSING => "appsecret missing",
        MISSING_CODE => "missing code",
        ACCESS_TOKEN_EXPIRED => "access_token expired",
        OPENID_OF_OTHER_APP => "openid not match appid",
        DAILY_QUOTA_REACHED => "reach max api daily quota limit",
        MINUTE_QUOTA_REACHED => "api minute-quota reach limit  mustslower  retry next minute",
        DATA_FORMAT_ERROR => "data format error",
        CODE_EXPIRED => "code is expired",
        INVALID_SIGNATURE => "invalid signature",
        _ => "simulated error",
    }
}

/// A WeChat error answer body: `{"errcode":N,"errmsg":"text, rid: id"}`.
#[derive(Debug, Serialize)]
pub(crate) struct ErrorBody {
    errcode: i64,
    errmsg: String,
}

impl ErrorBody {
    /// The error answer for `errcode` with a fresh request id.
    pub(crate) fn new(errcode: i64) -> Self {
        Self {
            errcode,
            errmsg: format!("{}, rid: {}", errmsg_for(errcode), new_rid()),
        }
    }
}

/// A request id shaped like WeChat's, e.g. `6561a0b2-1c3d5e7f-2a4b6c8d`:
/// the Unix time in hex, then two random 32-bit values in hex.
pub(crate) fn new_rid() -> String {
    let now = clock::unix_now();
    // WeChat's first part is 8 hex digits; truncation only matters after 2106.
    let now = now as u32;
    format!("{now:08x}-{:08x}-{:08x}", random::u32(), random::u32())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_carry_wechat_text_and_a_rid() {
        let body = serde_json::to_string(&ErrorBody::new(INVALID_CODE)).unwrap();
        let prefix = r#"{"errcode":40029,"errmsg":"invalid code, rid: "#;
        assert!(body.starts_with(prefix), "{body}");
        let rid = body[prefix.len()..].strip_suffix(r#""}"#).unwrap();
        let parts: Vec<&str> = rid.split('-').collect();
        assert_eq!(parts.len(), 3, "{rid}");
        for part in parts {
            assert_eq!(part.len(), 8, "{rid}");
            assert!(part.bytes().all(|b| b.is_ascii_hexdigit()), "{rid}");
        }
    }

    #[test]
    fn unknown_codes_are_marked_as_simulated() {
        assert_eq!(errmsg_for(12345), "simulated error");
        assert_eq!(errmsg_for(SYSTEM_ERROR), "system error");
    }
}
