//! Content security (version 2): the request's scene, parsing the answers of
//! `msg_sec_check` (text, synchronous) and `media_check_async` (images: only a
//! `trace_id` now), and the `wxa_media_check` event that later brings an
//! image's verdict to the message-push URL.

use super::WeChatError;
use super::phone::check_status;
use crate::domain::{OpenId, Suggest, Verdict};
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
    // The text checked is not in the answer, but keep serde's text out anyway.
    let malformed = |what: &str| WeChatError::Malformed(format!("msg_sec_check: {what}"));
    let answer: Answer =
        serde_json::from_slice(body).map_err(|_| malformed("not the expected JSON"))?;
    let outcome = answer.result.ok_or_else(|| malformed("no result"))?;
    let verdict = outcome
        .verdict()
        .ok_or_else(|| malformed("unknown suggest"))?;
    Ok(MsgSecCheck {
        verdict,
        trace_id: answer.trace_id,
    })
}

/// `result` of a text check or an image event: `{"suggest","label"}`.
#[derive(Deserialize)]
struct Outcome {
    suggest: String,
    label: u32,
}

impl Outcome {
    /// `None` for a `suggest` WeChat does not document.
    fn verdict(&self) -> Option<Verdict> {
        let suggest = match self.suggest.as_str() {
            "pass" => Suggest::Pass,
            "review" => Suggest::Review,
            "risky" => Suggest::Risky,
            _ => return None,
        };
        Some(Verdict {
            suggest,
            label: self.label,
        })
    }
}

/// `POST /wxa/media_check_async` → `{"errcode":0,"errmsg":"ok","trace_id"}`:
/// the `trace_id` is all there is, and the only way to match the verdict
/// that arrives later, so an answer without one is malformed.
pub(crate) fn parse_media_check_async(body: &[u8]) -> Result<String, WeChatError> {
    check_status(body, "media_check_async")?;
    #[derive(Deserialize)]
    struct Answer {
        trace_id: Option<String>,
    }
    let malformed = |what: &str| WeChatError::Malformed(format!("media_check_async: {what}"));
    let answer: Answer =
        serde_json::from_slice(body).map_err(|_| malformed("not the expected JSON"))?;
    answer
        .trace_id
        .filter(|id| !id.is_empty())
        .ok_or_else(|| malformed("no trace_id"))
}

/// WeChat's verdict on an image checked with `media_check_async`, pushed as
/// the `wxa_media_check` event (JSON format).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaCheckEvent {
    /// The mini-program the check was made for: compare it with the push
    /// URL's own before trusting the rest.
    pub appid: String,
    /// The `trace_id` `media_check_async` answered.
    pub trace_id: String,
    /// `FromUserName`: the user the image was checked for.
    pub openid: OpenId,
    /// `CreateTime`, Unix seconds.
    pub create_time: u64,
    /// `None` when the check failed (see `errcode`): no verdict, not a pass.
    pub result: Option<Verdict>,
    /// WeChat's errcode for the check: 0 or absent when it ran, e.g. `-1008`
    /// when WeChat could not download the image.
    pub errcode: Option<i64>,
}

/// Why a pushed message that claims to be a `wxa_media_check` event was
/// refused. The message text stays out: it names a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("malformed push message: {0}")]
pub struct MalformedEvent(pub &'static str);

/// Parses a decrypted push message (JSON format). `Ok(None)` for a message
/// that is not a `wxa_media_check` event (e.g. `debug_demo`, or a user's
/// message): the push URL receives every kind.
pub fn parse_media_check_event(message: &str) -> Result<Option<MediaCheckEvent>, MalformedEvent> {
    #[derive(Deserialize)]
    struct Kind {
        #[serde(rename = "MsgType")]
        msg_type: Option<String>,
        #[serde(rename = "Event")]
        event: Option<String>,
    }
    #[derive(Deserialize)]
    struct Event {
        appid: String,
        trace_id: String,
        #[serde(rename = "FromUserName")]
        from_user_name: String,
        #[serde(rename = "CreateTime")]
        create_time: u64,
        result: Option<Outcome>,
        errcode: Option<i64>,
    }
    let kind: Kind = serde_json::from_str(message).map_err(|_| MalformedEvent("not JSON"))?;
    if kind.msg_type.as_deref() != Some("event") || kind.event.as_deref() != Some("wxa_media_check")
    {
        return Ok(None);
    }
    let event: Event = serde_json::from_str(message)
        .map_err(|_| MalformedEvent("wxa_media_check without its fields"))?;
    let result = match event.result {
        Some(outcome) => Some(
            outcome
                .verdict()
                .ok_or(MalformedEvent("wxa_media_check with an unknown suggest"))?,
        ),
        None => None,
    };
    Ok(Some(MediaCheckEvent {
        appid: event.appid,
        trace_id: event.trace_id,
        openid: OpenId::parse(event.from_user_name)
            .map_err(|_| MalformedEvent("wxa_media_check with a bad FromUserName"))?,
        create_time: event.create_time,
        result,
        errcode: event.errcode,
    }))
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

    #[test]
    fn media_check_async_answers_a_trace_id() {
        let body = br#"{"errcode":0,"errmsg":"ok","trace_id":"967e945cd8a3e458f3c74dcb886068e9"}"#;
        assert_eq!(
            parse_media_check_async(body).unwrap(),
            "967e945cd8a3e458f3c74dcb886068e9"
        );
        let e = |b: &str| parse_media_check_async(b.as_bytes()).unwrap_err();
        assert_eq!(
            e(r#"{"errcode":61010,"errmsg":"code is expired"}"#),
            WeChatError::NotVisitedRecently
        );
        assert_eq!(
            e(r#"{"errcode":-1,"errmsg":"system error"}"#),
            WeChatError::Busy { attempts: 1 }
        );
        assert_eq!(
            e(r#"{"errcode":42001,"errmsg":"access_token expired"}"#),
            WeChatError::AccessTokenRejected { errcode: 42001 }
        );
        assert_eq!(
            e(r#"{"errcode":40004,"errmsg":"invalid media type"}"#),
            WeChatError::Api {
                errcode: 40004,
                errmsg: "invalid media type".into()
            }
        );
        for body in [
            r#"{"errcode":0,"errmsg":"ok"}"#,
            r#"{"errcode":0,"errmsg":"ok","trace_id":""}"#,
            r#"{"errcode":0,"trace_id":7}"#,
            "<html>",
        ] {
            assert!(matches!(e(body), WeChatError::Malformed(_)), "{body}");
        }
    }

    /// The event as WeChat's documentation shows it.
    const EVENT: &str = r#"{"ToUserName":"gh_38cc49f9733b","FromUserName":"oG0NJ5Oi_3Dd1HlZJ14xfnA0sJ6s","CreateTime":1626959646,"MsgType":"event","Event":"wxa_media_check","appid":"wx8f16a5e6d9c6b2f4","trace_id":"60f96f1d-3845297a-1976a3ae","version":2,"detail":[{"strategy":"content_model","errcode":0,"suggest":"risky","label":20002,"prob":90}],"errcode":0,"errmsg":"ok","result":{"suggest":"risky","label":20002}}"#;

    #[test]
    fn the_media_check_event_with_a_verdict() {
        assert_eq!(
            parse_media_check_event(EVENT).unwrap(),
            Some(MediaCheckEvent {
                appid: "wx8f16a5e6d9c6b2f4".into(),
                trace_id: "60f96f1d-3845297a-1976a3ae".into(),
                openid: OpenId::parse("oG0NJ5Oi_3Dd1HlZJ14xfnA0sJ6s").unwrap(),
                create_time: 1626959646,
                result: Some(Verdict {
                    suggest: Suggest::Risky,
                    label: 20002
                }),
                errcode: Some(0),
            })
        );
    }

    #[test]
    fn a_failed_check_has_an_errcode_and_no_result() {
        let failed = r#"{"ToUserName":"gh_38cc49f9733b","FromUserName":"oG0NJ5Oi_3Dd1HlZJ14xfnA0sJ6s","CreateTime":1626959646,"MsgType":"event","Event":"wxa_media_check","appid":"wx8f16a5e6d9c6b2f4","trace_id":"t-1","version":2,"detail":[{"strategy":"content_model","errcode":-1008}],"errcode":-1008,"errmsg":"download error"}"#;
        let event = parse_media_check_event(failed).unwrap().unwrap();
        assert_eq!(event.result, None);
        assert_eq!(event.errcode, Some(-1008));
        assert_eq!(event.trace_id, "t-1");
    }

    #[test]
    fn other_messages_are_not_media_check_events() {
        let debug = r#"{"ToUserName":"gh_97417a04a28d","FromUserName":"o9AgO5Kd5ggOC-bXrbNODIiE3bGY","CreateTime":1714037059,"MsgType":"event","Event":"debug_demo","debug_str":"hello world"}"#;
        assert_eq!(parse_media_check_event(debug), Ok(None));
        let text = r#"{"ToUserName":"gh_1","FromUserName":"o1","CreateTime":1,"MsgType":"text","Content":"wxa_media_check"}"#;
        assert_eq!(parse_media_check_event(text), Ok(None));
    }

    #[test]
    fn broken_media_check_events_are_errors() {
        assert!(parse_media_check_event("<xml></xml>").is_err());
        let without_trace = EVENT.replace(r#""trace_id":"60f96f1d-3845297a-1976a3ae","#, "");
        assert!(parse_media_check_event(&without_trace).is_err());
        let unknown = EVENT.replace(
            r#""suggest":"risky","label":20002}}"#,
            r#""suggest":"odd","label":20002}}"#,
        );
        assert!(parse_media_check_event(&unknown).is_err());
        let no_user = EVENT.replace("oG0NJ5Oi_3Dd1HlZJ14xfnA0sJ6s", "");
        assert!(parse_media_check_event(&no_user).is_err());
    }
}
