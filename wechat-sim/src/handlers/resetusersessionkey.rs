//! `GET /wxa/resetusersessionkey?access_token=&openid=&signature=&sig_method=hmac_sha256`:
//! replaces user `openid`'s session key with a new one, proven by the
//! login-state signature of the current one (same checks and errors as
//! [`super::checksession`]).
//!
//! Success, status 200, `application/json; encoding=utf-8`:
//! `{"errcode":0,"errmsg":"ok","openid":"...","session_key":"..."}` (`/`
//! escaped as `\/` like every WeChat answer). The old key is then invalid
//! (`checksession` answers 87009 for it) and data sealed under it no longer
//! decrypts with the current key, as with WeChat. WeChat allows 60,000 calls a
//! minute per app; `45011` when too frequent is injected with
//! [`Simulator::fail_next_access_token_use`].

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Serialize;

use super::checksession::{error, with_signed_user};
use crate::errors;
use crate::reply::{utf8_json, wechat_json};
use crate::simulator::Simulator;

/// Route of the endpoint.
pub(crate) const PATH: &str = "/wxa/resetusersessionkey";
/// Name under which calls are counted ([`Simulator::calls`]).
const ENDPOINT: &str = "resetusersessionkey";

/// The success answer, fields in WeChat's order.
#[derive(Debug, Serialize)]
struct Reset<'a> {
    errcode: i64,
    errmsg: &'a str,
    openid: &'a str,
    session_key: &'a str,
}

/// Handles one reset.
pub(crate) async fn handle(
    State(sim): State<Simulator>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    sim.count_call(ENDPOINT);
    let params = query.map(|Query(params)| params).unwrap_or_default();
    let reset = with_signed_user(&sim, &params, |app, openid| {
        let key = app
            .reset_session_key(openid)
            .ok_or(errors::INVALID_SIGNATURE)?;
        Ok(wechat_json(&Reset {
            errcode: 0,
            errmsg: "ok",
            openid,
            session_key: &key,
        }))
    });
    match reset.and_then(|body| body) {
        Ok(body) => utf8_json(body),
        Err(errcode) => error(errcode),
    }
}
