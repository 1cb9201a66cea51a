//! `POST /wxa/msg_sec_check?access_token=`: the text content security check,
//! version 2.
//!
//! Body: `{"content","version":2,"scene","openid","title"?,"nickname"?,"signature"?}`
//! (the optional members are accepted and ignored). The verdict comes from
//! the simulator's word list ([`crate::content`]). Success, status 200,
//! `application/json; encoding=utf-8`, members in WeChat's order:
//! `{"errcode":0,"errmsg":"ok","result":{"suggest":"risky","label":20001},
//! "detail":[{"strategy":"content_model","errcode":0,"suggest":"risky","label":20001,"prob":90},
//! {"strategy":"keyword","errcode":0,"suggest":"risky","label":20001,"level":20,"keyword":"违规"}],
//! "trace_id":"60ae120f-371d5872-7941a05b"}` (a pass has `label` 100 and a
//! keyword item without `level` and `keyword`).
//!
//! Errors, in the order they are checked: 41001 no access token, 40001
//! unknown or invalidated token, 42001 expired token, any error injected with
//! [`Simulator::fail_next_access_token_use`] (e.g. -1 busy, 61010, 45009);
//! 47001 body not JSON or `version` not 2 (the simulator speaks version 2
//! only); 40129 `scene` not 1 to 4; 40003 no `openid`, or one that never
//! logged in to any app; 43104 an `openid` of another app; 61010 a user whose
//! latest login is more than 2 hours old; 47001 `content` missing, empty or
//! longer than 2,500 characters. A delay queued with
//! [`Simulator::delay_next_msg_sec_check`] holds the answer back.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::content::{self, Verdict};
use crate::errors::{self, ErrorBody, new_rid};
use crate::reply::{utf8_json, wechat_json};
use crate::simulator::Simulator;

/// Route of the endpoint.
pub(crate) const PATH: &str = "/wxa/msg_sec_check";
/// Name under which calls are counted ([`Simulator::calls`]).
const ENDPOINT: &str = "msg_sec_check";
/// The longest content WeChat checks, in characters.
pub(crate) const MAX_CONTENT_CHARS: usize = 2_500;

/// The request body; unknown members are ignored.
#[derive(Debug, Deserialize)]
struct Request {
    content: Option<String>,
    version: Option<Value>,
    scene: Option<Value>,
    openid: Option<String>,
}

/// A successful answer, members in WeChat's order.
#[derive(Debug, Serialize)]
struct Success<'a> {
    errcode: i64,
    errmsg: &'a str,
    result: Outcome<'a>,
    detail: [Detail<'a>; 2],
    trace_id: String,
}

#[derive(Debug, Serialize)]
struct Outcome<'a> {
    suggest: &'a str,
    label: u32,
}

/// One strategy's finding.
#[derive(Debug, Serialize)]
struct Detail<'a> {
    strategy: &'a str,
    errcode: i64,
    suggest: &'a str,
    label: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    prob: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    level: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    keyword: Option<&'a str>,
}

/// Handles one check.
pub(crate) async fn handle(
    State(sim): State<Simulator>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    body: Bytes,
) -> Response {
    sim.count_call(ENDPOINT);
    let params = query.map(|Query(params)| params).unwrap_or_default();
    let (delay, answer) = check(&sim, &params, &body);
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    match answer {
        Ok(verdict) => utf8_json(success(&verdict)),
        Err(errcode) => utf8_json(wechat_json(&ErrorBody::new(errcode))),
    }
}

/// Decides the answer under the world's lock: the delay to wait before
/// answering, and the verdict or WeChat's errcode.
fn check(
    sim: &Simulator,
    params: &HashMap<String, String>,
    body: &[u8],
) -> (Option<Duration>, Result<Verdict, i64>) {
    let Some(token) = params.get("access_token").filter(|t| !t.is_empty()) else {
        return (None, Err(errors::ACCESS_TOKEN_MISSING));
    };
    let now = Instant::now();
    let mut world = sim.world();
    let Some((appid, app)) = world.token_owner(token) else {
        return (None, Err(errors::INVALID_CREDENTIAL));
    };
    let appid = appid.to_owned();
    if let Err(errcode) = app.tokens.use_token(token, now) {
        return (None, Err(errcode));
    }
    let delay = app.tokens.take_check_delay();
    let Ok(request) = serde_json::from_slice::<Request>(body) else {
        return (delay, Err(errors::DATA_FORMAT_ERROR));
    };
    if request.version.as_ref().and_then(Value::as_i64) != Some(2) {
        return (delay, Err(errors::DATA_FORMAT_ERROR));
    }
    let scene = request.scene.as_ref().and_then(Value::as_i64);
    if !matches!(scene, Some(1..=4)) {
        return (delay, Err(errors::INVALID_SCENE));
    }
    let Some(openid) = request.openid.filter(|o| !o.is_empty()) else {
        return (delay, Err(errors::INVALID_OPENID));
    };
    if let Err(errcode) = world.check_visitor(&appid, &openid, now) {
        return (delay, Err(errcode));
    }
    let content = request.content.unwrap_or_default();
    if content.is_empty() || content.chars().count() > MAX_CONTENT_CHARS {
        return (delay, Err(errors::DATA_FORMAT_ERROR));
    }
    (delay, Ok(content::judge(&content)))
}

/// The success body for `verdict`.
fn success(verdict: &Verdict) -> String {
    wechat_json(&Success {
        errcode: 0,
        errmsg: "ok",
        result: Outcome {
            suggest: verdict.suggest,
            label: verdict.label,
        },
        detail: [
            Detail {
                strategy: "content_model",
                errcode: 0,
                suggest: verdict.suggest,
                label: verdict.label,
                prob: Some(90),
                level: None,
                keyword: None,
            },
            Detail {
                strategy: "keyword",
                errcode: 0,
                suggest: verdict.suggest,
                label: verdict.label,
                prob: None,
                level: verdict.keyword.map(|_| 20),
                keyword: verdict.keyword,
            },
        ],
        trace_id: new_rid(),
    })
}
