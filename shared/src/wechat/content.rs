//! `msg_sec_check` (version 2): the request's scene and parsing the answer.

use super::WeChatError;
use super::phone::check_status;
use crate::domain::{Suggest, Verdict};
use serde::Deserialize;

/// Where the checked text is shown (`scene`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scene {
    /// 资料: a profile field (nicknames).
    Profile = 1,
    /// 评论.
    Comment = 2,
    /// 论坛.
    Forum = 3,
    /// 社交日志.
    SocialLog = 4,
}

impl Scene {
    pub fn number(self) -> u8 {
        self as u8
    }
}

/// WeChat's answer: the verdict and the `trace_id` that names the check
/// (safe to log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MsgSecCheck {
    pub verdict: Verdict,
    pub trace_id: Option<String>,
}

/// `POST /wxa/msg_sec_check` → `{"errcode":0,"errmsg":"ok","result":{"suggest",
/// "label"},"detail":[…],"trace_id"}`. The verdict is `result`'s; `detail`
/// only explains it.
pub(crate) fn parse_msg_sec_check(body: &[u8]) -> Result<MsgSecCheck, WeChatError> {
    check_status(body, "msg_sec_check")?;
    #[derive(Deserialize)]
    struct Answer {
        result: Option<Outcome>,
        trace_id: Option<String>,
    }
    #[derive(Deserialize)]
    struct Outcome {
        suggest: String,
        label: u32,
    }
    // The text checked is not in the answer, but keep serde's text out anyway.
    let malformed = |what: &str| WeChatError::Malformed(format!("msg_sec_check: {what}"));
    let answer: Answer =
        serde_json::from_slice(body).map_err(|_| malformed("not the expected JSON"))?;
    let outcome = answer.result.ok_or_else(|| malformed("no result"))?;
    let suggest = match outcome.suggest.as_str() {
        "pass" => Suggest::Pass,
        "review" => Suggest::Review,
        "risky" => Suggest::Risky,
        _ => return Err(malformed("unknown suggest")),
    };
    Ok(MsgSecCheck {
        verdict: Verdict {
            suggest,
            label: outcome.label,
        },
        trace_id: answer.trace_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_official_sample_answer() {
        let body = r#"{"errcode":0,"errmsg":"ok","result":{"suggest":"risky","label":20001},"detail":[{"strategy":"content_model","errcode":0,"suggest":"risky","label":20006,"prob":90},{"strategy":"keyword","errcode":0,"suggest":"pass","label":20006,"level":20,"keyword":"命中的关键词1"}],"trace_id":"60ae120f-371d5872-7941a05b"}"#
            .as_bytes();
        assert_eq!(
            parse_msg_sec_check(body).unwrap(),
            MsgSecCheck {
                verdict: Verdict {
                    suggest: Suggest::Risky,
                    label: 20001
                },
                trace_id: Some("60ae120f-371d5872-7941a05b".into()),
            }
        );
        let pass = br#"{"errcode":0,"errmsg":"ok","result":{"suggest":"pass","label":100},"detail":[],"trace_id":"t"}"#;
        assert_eq!(
            parse_msg_sec_check(pass).unwrap().verdict,
            Verdict {
                suggest: Suggest::Pass,
                label: 100
            }
        );
        let review = br#"{"errcode":0,"result":{"suggest":"review","label":10001}}"#;
        assert_eq!(
            parse_msg_sec_check(review).unwrap().verdict.suggest,
            Suggest::Review
        );
    }

    #[test]
    fn errors_and_malformed_answers() {
        let e = |b: &str| parse_msg_sec_check(b.as_bytes()).unwrap_err();
        assert_eq!(
            e(r#"{"errcode":61010,"errmsg":"code is expired"}"#),
            WeChatError::NotVisitedRecently
        );
        assert_eq!(
            e(r#"{"errcode":-1,"errmsg":"system error"}"#),
            WeChatError::Busy { attempts: 1 }
        );
        assert_eq!(
            e(r#"{"errcode":40001,"errmsg":"invalid credential"}"#),
            WeChatError::AccessTokenRejected { errcode: 40001 }
        );
        assert_eq!(
            e(r#"{"errcode":45009,"errmsg":"reach max api daily quota limit"}"#),
            WeChatError::Api {
                errcode: 45009,
                errmsg: "reach max api daily quota limit".into()
            }
        );
        for body in [
            r#"{"errcode":0,"errmsg":"ok"}"#,
            r#"{"errcode":0,"result":{"suggest":"maybe","label":100}}"#,
            r#"{"errcode":0,"result":{"suggest":"pass","label":"100"}}"#,
            "<html>",
        ] {
            assert!(matches!(e(body), WeChatError::Malformed(_)), "{body}");
        }
    }
}
