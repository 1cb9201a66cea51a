//! The simulator's image verdicts (`media_check_async`) and the
//! `wxa_media_check` event that carries one. The simulator fetches the
//! image as WeChat does and decides by a marker in its bytes, so a test or a
//! walk-through chooses the verdict by the file it uploads:
//!
//! | the image's bytes contain (ASCII) | `suggest` | `label`         |
//! |-----------------------------------|-----------|-----------------|
//! | `WXSIM-RISKY`                     | `risky`   | `20002` (porn)  |
//! | `WXSIM-REVIEW`                    | `review`  | `21000` (other) |
//! | neither                           | `pass`    | `100` (normal)  |
//! | (the download failed)             | no `result`; `errcode` `-1008` |
//!
//! The marker may sit anywhere (e.g. in a PNG `tEXt` chunk or a JPEG
//! comment, where the image still opens). `WXSIM-RISKY` wins over
//! `WXSIM-REVIEW`. A download fails on a connection error, a status other
//! than 200, or more than 10 MB (WeChat's limit).

use serde::Serialize;

/// An image's verdict, as `result` and the `detail` item carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ImageVerdict {
    pub(crate) suggest: &'static str,
    pub(crate) label: u32,
}

/// The markers, in the order they are tried.
const MARKERS: [(&[u8], ImageVerdict); 2] = [
    (
        b"WXSIM-RISKY",
        ImageVerdict {
            suggest: "risky",
            label: 20002,
        },
    ),
    (
        b"WXSIM-REVIEW",
        ImageVerdict {
            suggest: "review",
            label: 21000,
        },
    ),
];

/// WeChat's errcode for an image it could not download.
pub(crate) const DOWNLOAD_FAILED: i64 = -1008;
/// The largest image WeChat checks.
pub(crate) const MAX_IMAGE_BYTES: usize = 10 * 1024 * 1024;

/// The verdict on an image's bytes.
pub(crate) fn judge(image: &[u8]) -> ImageVerdict {
    MARKERS
        .iter()
        .find(|(marker, _)| image.windows(marker.len()).any(|w| w == *marker))
        .map_or(
            ImageVerdict {
                suggest: "pass",
                label: 100,
            },
            |&(_, verdict)| verdict,
        )
}

/// Who and what one event is about.
#[derive(Debug, Clone)]
pub(crate) struct EventFacts<'a> {
    pub(crate) original_id: &'a str,
    pub(crate) openid: &'a str,
    pub(crate) appid: &'a str,
    pub(crate) trace_id: &'a str,
    pub(crate) create_time: u64,
}

/// The `wxa_media_check` event, members in the order of WeChat's documented
/// example.
#[derive(Serialize)]
struct Event<'a> {
    #[serde(rename = "ToUserName")]
    to_user_name: &'a str,
    #[serde(rename = "FromUserName")]
    from_user_name: &'a str,
    #[serde(rename = "CreateTime")]
    create_time: u64,
    #[serde(rename = "MsgType")]
    msg_type: &'a str,
    #[serde(rename = "Event")]
    event: &'a str,
    appid: &'a str,
    trace_id: &'a str,
    version: u32,
    detail: [Detail<'a>; 1],
    errcode: i64,
    errmsg: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<Outcome<'a>>,
}

#[derive(Serialize)]
struct Detail<'a> {
    strategy: &'a str,
    errcode: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    suggest: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    prob: Option<u32>,
}

#[derive(Serialize)]
struct Outcome<'a> {
    suggest: &'a str,
    label: u32,
}

/// The event JSON for a check that ran (`Some(verdict)`) or whose download
/// failed (`None`: `errcode` -1008, no `result`; the `errmsg` is the
/// simulator's wording).
pub(crate) fn event_json(facts: &EventFacts<'_>, verdict: Option<ImageVerdict>) -> String {
    let (errcode, errmsg) = match verdict {
        Some(_) => (0, "ok"),
        None => (DOWNLOAD_FAILED, "download media failed"),
    };
    let event = Event {
        to_user_name: facts.original_id,
        from_user_name: facts.openid,
        create_time: facts.create_time,
        msg_type: "event",
        event: "wxa_media_check",
        appid: facts.appid,
        trace_id: facts.trace_id,
        version: 2,
        detail: [Detail {
            strategy: "content_model",
            errcode,
            suggest: verdict.map(|v| v.suggest),
            label: verdict.map(|v| v.label),
            prob: verdict.map(|_| 90),
        }],
        errcode,
        errmsg,
        result: verdict.map(|v| Outcome {
            suggest: v.suggest,
            label: v.label,
        }),
    };
    serde_json::to_string(&event).expect("events serialise")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_markers_decide() {
        let v = |bytes: &[u8]| {
            let v = judge(bytes);
            (v.suggest, v.label)
        };
        assert_eq!(v(b"\x89PNG\r\n\x1a\n..."), ("pass", 100));
        assert_eq!(v(b""), ("pass", 100));
        assert_eq!(v(b"\x89PNG tEXt WXSIM-RISKY \xff"), ("risky", 20002));
        assert_eq!(v(b"WXSIM-REVIEW"), ("review", 21000));
        assert_eq!(v(b"WXSIM-REVIEW WXSIM-RISKY"), ("risky", 20002));
        assert_eq!(v(b"WXSIM-RISK"), ("pass", 100));
        assert_eq!(v(b"wxsim-risky"), ("pass", 100), "ASCII, case-sensitive");
    }

    fn facts() -> EventFacts<'static> {
        EventFacts {
            original_id: "gh_0123456789ab",
            openid: "oUser",
            appid: "wxApp",
            trace_id: "t-1",
            create_time: 1_700_000_000,
        }
    }

    #[test]
    fn events_have_wechats_shape() {
        assert_eq!(
            event_json(
                &facts(),
                Some(ImageVerdict {
                    suggest: "risky",
                    label: 20002
                })
            ),
            r#"{"ToUserName":"gh_0123456789ab","FromUserName":"oUser","CreateTime":1700000000,"MsgType":"event","Event":"wxa_media_check","appid":"wxApp","trace_id":"t-1","version":2,"detail":[{"strategy":"content_model","errcode":0,"suggest":"risky","label":20002,"prob":90}],"errcode":0,"errmsg":"ok","result":{"suggest":"risky","label":20002}}"#
        );
        assert_eq!(
            event_json(&facts(), None),
            r#"{"ToUserName":"gh_0123456789ab","FromUserName":"oUser","CreateTime":1700000000,"MsgType":"event","Event":"wxa_media_check","appid":"wxApp","trace_id":"t-1","version":2,"detail":[{"strategy":"content_model","errcode":-1008}],"errcode":-1008,"errmsg":"download media failed"}"#
        );
    }
}
