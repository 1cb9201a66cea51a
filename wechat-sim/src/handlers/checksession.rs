//! `GET /wxa/checksession?access_token=&openid=&signature=&sig_method=hmac_sha256`:
//! whether the caller's stored session key of user `openid` is still the one
//! WeChat holds, proven by its login-state signature
//! ([`session_signature`](crate::session_signature)) rather than sent.
//!
//! Answers, status 200, `application/json; encoding=utf-8`:
//! `{"errcode":0,"errmsg":"ok"}` when `signature` signs the user's current
//! session key, `{"errcode":87009,"errmsg":"invalid signature, rid: ..."}`
//! otherwise: a key rotated out by a later login or by
//! `resetusersessionkey`, a user who never logged in, a missing `openid` or
//! `signature`, or a `sig_method` other than `hmac_sha256`. Errors before
//! that: 41001 no access token, 40001 unknown or invalidated token, 42001
//! expired token, and any error injected with
//! [`Simulator::fail_next_access_token_use`] (e.g. -1, 45011).

use std::collections::HashMap;
use std::time::Instant;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Serialize;

use crate::errors::{self, ErrorBody};
use crate::reply::{utf8_json, wechat_json};
use crate::simulator::Simulator;
use crate::state::App;

/// Route of the endpoint.
pub(crate) const PATH: &str = "/wxa/checksession";
/// Name under which calls are counted ([`Simulator::calls`]).
const ENDPOINT: &str = "checksession";
/// The only signature method WeChat supports.
const SIG_METHOD: &str = "hmac_sha256";

/// The success answer, fields in WeChat's order.
#[derive(Debug, Serialize)]
struct Ok<'a> {
    errcode: i64,
    errmsg: &'a str,
}

/// Handles one check.
pub(crate) async fn handle(
    State(sim): State<Simulator>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    sim.count_call(ENDPOINT);
    let params = query.map(|Query(params)| params).unwrap_or_default();
    match with_signed_user(&sim, &params, |_, _| ()) {
        Ok(()) => utf8_json(wechat_json(&Ok {
            errcode: 0,
            errmsg: "ok",
        })),
        Err(errcode) => error(errcode),
    }
}

/// What `checksession` and `resetusersessionkey` share: checks the access
/// token (and consumes an injected fault), then that `signature` signs the
/// current session key of `openid` with `sig_method=hmac_sha256`, and runs
/// `then` on the token's app and the openid, all under one lock.
/// `Err(errcode)` for WeChat's error answer.
pub(super) fn with_signed_user<T>(
    sim: &Simulator,
    params: &HashMap<String, String>,
    then: impl FnOnce(&mut App, &str) -> T,
) -> Result<T, i64> {
    let param = |name: &str| {
        params
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    let token = param("access_token").ok_or(errors::ACCESS_TOKEN_MISSING)?;
    let mut world = sim.world();
    let (_, app) = world.token_owner(token).ok_or(errors::INVALID_CREDENTIAL)?;
    app.tokens.use_token(token, Instant::now())?;
    let (Some(openid), Some(signature), Some(SIG_METHOD)) =
        (param("openid"), param("signature"), param("sig_method"))
    else {
        return Err(errors::INVALID_SIGNATURE);
    };
    if !app.signs_current_key(openid, signature) {
        return Err(errors::INVALID_SIGNATURE);
    }
    Ok(then(app, openid))
}

/// WeChat's error answer for `errcode`.
pub(super) fn error(errcode: i64) -> Response {
    utf8_json(wechat_json(&ErrorBody::new(errcode)))
}
