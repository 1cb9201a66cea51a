//! `POST /wxa/media_check_async?access_token=`: the asynchronous image
//! check, version 2.
//!
//! Body: `{"media_url","media_type":2,"version":2,"scene","openid"}`.
//! Success, status 200, `application/json; encoding=utf-8`:
//! `{"errcode":0,"errmsg":"ok","trace_id":"60ae120f-371d5872-7941a05b"}`
//! with a fresh `trace_id`. Then, after the answer, WeChat's side fetches
//! `media_url`, judges the image by its marker ([`crate::media`]) and pushes
//! the `wxa_media_check` event naming that `trace_id` to the app's push
//! target ([`crate::delivery`]).
//!
//! Errors, in the order they are checked: 41001 no access token, 40001
//! unknown or invalidated token, 42001 expired token, any error injected with
//! [`Simulator::fail_next_access_token_use`] (e.g. -1 busy, 61010, 45009);
//! 47001 body not JSON or `version` not 2; 40004 `media_type` not 2 (audio,
//! 1, is not checked in version 2); 40129 `scene` not 1 to 4; 40003 no
//! `openid`, or one that never logged in to any app; 43104 an `openid` of
//! another app; 61010 a user whose latest login is more than 2 hours old;
//! 47001 `media_url` missing or not `http://`/`https://`. WeChat's 87020
//! (the same request repeated) is not simulated.

use std::collections::HashMap;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::errors::{self, ErrorBody, new_rid};
use crate::outbox::MediaJob;
use crate::reply::{utf8_json, wechat_json};
use crate::simulator::Simulator;

/// Route of the endpoint.
pub(crate) const PATH: &str = "/wxa/media_check_async";
/// Name under which calls are counted ([`Simulator::calls`]).
const ENDPOINT: &str = "media_check_async";

/// The request body; unknown members are ignored.
#[derive(Debug, Deserialize)]
struct Request {
    media_url: Option<String>,
    media_type: Option<Value>,
    version: Option<Value>,
    scene: Option<Value>,
    openid: Option<String>,
}

/// A successful answer, members in WeChat's order.
#[derive(Debug, Serialize)]
struct Success<'a> {
    errcode: i64,
    errmsg: &'a str,
    trace_id: &'a str,
}

/// Handles one check request.
pub(crate) async fn handle(
    State(sim): State<Simulator>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    body: Bytes,
) -> Response {
    sim.count_call(ENDPOINT);
    let params = query.map(|Query(params)| params).unwrap_or_default();
    match check(&sim, &params, &body) {
        Ok(job) => {
            let answer = wechat_json(&Success {
                errcode: 0,
                errmsg: "ok",
                trace_id: &job.trace_id,
            });
            sim.accept_media_job(job);
            utf8_json(answer)
        }
        Err(errcode) => utf8_json(wechat_json(&ErrorBody::new(errcode))),
    }
}

/// Decides the answer under the world's lock: the accepted check, or
/// WeChat's errcode.
fn check(sim: &Simulator, params: &HashMap<String, String>, body: &[u8]) -> Result<MediaJob, i64> {
    let token = params
        .get("access_token")
        .filter(|t| !t.is_empty())
        .ok_or(errors::ACCESS_TOKEN_MISSING)?;
    let now = Instant::now();
    let mut world = sim.world();
    let (appid, app) = world.token_owner(token).ok_or(errors::INVALID_CREDENTIAL)?;
    let appid = appid.to_owned();
    app.tokens.use_token(token, now)?;
    let request: Request = serde_json::from_slice(body).map_err(|_| errors::DATA_FORMAT_ERROR)?;
    if request.version.as_ref().and_then(Value::as_i64) != Some(2) {
        return Err(errors::DATA_FORMAT_ERROR);
    }
    if request.media_type.as_ref().and_then(Value::as_i64) != Some(2) {
        return Err(errors::INVALID_MEDIA_TYPE);
    }
    let scene = request.scene.as_ref().and_then(Value::as_i64);
    if !matches!(scene, Some(1..=4)) {
        return Err(errors::INVALID_SCENE);
    }
    let openid = request
        .openid
        .filter(|o| !o.is_empty())
        .ok_or(errors::INVALID_OPENID)?;
    world.check_visitor(&appid, &openid, now)?;
    let media_url = request
        .media_url
        .filter(|url| url.starts_with("http://") || url.starts_with("https://"))
        .ok_or(errors::DATA_FORMAT_ERROR)?;
    Ok(MediaJob {
        appid,
        openid,
        trace_id: new_rid(),
        media_url,
    })
}
