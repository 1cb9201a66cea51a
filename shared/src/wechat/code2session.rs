//! Parsing `jscode2session` answers, quirks included.

use super::WeChatError;
use crate::domain::{OpenId, SessionKey, UnionId};
use serde::Deserialize;

/// A successful `jscode2session` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code2Session {
    pub openid: OpenId,
    pub session_key: SessionKey,
    pub unionid: Option<UnionId>,
}

/// The body as WeChat sends it: on success `errcode` is absent (or 0), on error
/// only `errcode`/`errmsg` are there.
#[derive(Deserialize)]
struct RawAnswer {
    openid: Option<String>,
    session_key: Option<String>,
    unionid: Option<String>,
    errcode: Option<i64>,
    errmsg: Option<String>,
}

impl Code2Session {
    /// Parses the body whatever the content type says (WeChat serves JSON as
    /// `text/plain`). Success is decided by a non-empty openid, as WeChat documents.
    pub(crate) fn parse(body: &[u8]) -> Result<Self, WeChatError> {
        let raw: RawAnswer = serde_json::from_slice(body).map_err(|e| {
            WeChatError::Malformed(format!(
                "jscode2session body is not the expected JSON ({e})"
            ))
        })?;
        if let Some(errcode) = raw.errcode.filter(|c| *c != 0) {
            return Err(WeChatError::from_errcode(
                errcode,
                raw.errmsg.unwrap_or_default(),
            ));
        }
        let openid = raw
            .openid
            .filter(|s| !s.is_empty())
            .ok_or_else(|| WeChatError::Malformed("jscode2session answer has no openid".into()))?;
        let openid = OpenId::parse(openid)
            .map_err(|e| WeChatError::Malformed(format!("jscode2session: {e}")))?;
        let session_key = SessionKey::parse(raw.session_key.unwrap_or_default())
            .map_err(|e| WeChatError::Malformed(format!("jscode2session: {e}")))?;
        let unionid = match raw.unionid.filter(|s| !s.is_empty()) {
            Some(u) => Some(
                UnionId::parse(u)
                    .map_err(|e| WeChatError::Malformed(format!("jscode2session: {e}")))?,
            ),
            None => None,
        };
        Ok(Self {
            openid,
            session_key,
            unionid,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_without_errcode() {
        let s =
            Code2Session::parse(br#"{"session_key":"tiihtNczf5v6AKRyjwEUhQ==","openid":"oAbc"}"#)
                .unwrap();
        assert_eq!(s.openid.as_str(), "oAbc");
        assert_eq!(s.unionid, None);
    }

    #[test]
    fn success_with_errcode_zero_and_unionid() {
        let s = Code2Session::parse(
            br#"{"openid":"oAbc","session_key":"tiihtNczf5v6AKRyjwEUhQ==","unionid":"uX","errcode":0,"errmsg":"ok"}"#,
        )
        .unwrap();
        assert_eq!(s.unionid.unwrap().as_str(), "uX");
    }

    #[test]
    fn errors_map() {
        let e = |b: &str| Code2Session::parse(b.as_bytes()).unwrap_err();
        assert_eq!(
            e(r#"{"errcode":40029,"errmsg":"invalid code"}"#),
            WeChatError::InvalidCode
        );
        assert_eq!(
            e(r#"{"errcode":40163,"errmsg":"code been used"}"#),
            WeChatError::CodeUsed
        );
        assert_eq!(
            e(r#"{"errcode":45011,"errmsg":"x"}"#),
            WeChatError::RateLimited
        );
        assert_eq!(
            e(r#"{"errcode":40226,"errmsg":"x"}"#),
            WeChatError::UserBlocked
        );
        assert_eq!(
            e(r#"{"errcode":-1,"errmsg":"system error"}"#),
            WeChatError::Busy { attempts: 1 }
        );
        assert_eq!(
            e(r#"{"errcode":40125,"errmsg":"invalid appsecret"}"#),
            WeChatError::Api {
                errcode: 40125,
                errmsg: "invalid appsecret".into()
            }
        );
        assert!(matches!(e("<html>"), WeChatError::Malformed(_)));
        assert!(matches!(
            e(r#"{"openid":"oAbc","sess"#),
            WeChatError::Malformed(_)
        ));
        assert!(matches!(
            e(r#"{"openid":"","session_key":"x"}"#),
            WeChatError::Malformed(_)
        ));
        assert!(matches!(
            e(r#"{"openid":"oAbc","session_key":"short"}"#),
            WeChatError::Malformed(_)
        ));
    }
}
