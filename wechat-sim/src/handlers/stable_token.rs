//! `POST /cgi-bin/stable_token`: the app's access token, the stable way.
//!
//! Body: `{"grant_type":"client_credential","appid":"...","secret":"...","force_refresh":false}`.
//! Success: `{"access_token":"86_...","expires_in":7200}`, no `errcode`.
//! Errors: the usual `{"errcode","errmsg"}` (41002 no appid, 41004 no secret,
//! 40013 unknown appid, 40125 wrong secret, 40002 `grant_type` is not
//! `client_credential`, 47001 body is not JSON or a field has the wrong type).
//! All answers are status 200, `application/json; encoding=utf-8`. The token
//! rules are in [`crate::access_token`].

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::errors::{self, ErrorBody};
use crate::reply::{utf8_json, wechat_json};
use crate::simulator::Simulator;

/// Route of the endpoint.
pub(crate) const PATH: &str = "/cgi-bin/stable_token";
/// Name under which calls are counted ([`Simulator::calls`]).
const ENDPOINT: &str = "stable_token";
/// The only `grant_type` WeChat accepts here.
const GRANT_TYPE: &str = "client_credential";

/// The request body; unknown members are ignored.
#[derive(Debug, Deserialize)]
struct Request {
    grant_type: Option<String>,
    appid: Option<String>,
    secret: Option<String>,
    force_refresh: Option<bool>,
}

/// A successful answer, fields in WeChat's order.
#[derive(Debug, Serialize)]
struct Success<'a> {
    access_token: &'a str,
    expires_in: u64,
}

/// Handles one token request.
pub(crate) async fn handle(State(sim): State<Simulator>, body: Bytes) -> Response {
    sim.count_call(ENDPOINT);
    let Ok(request) = serde_json::from_slice::<Request>(&body) else {
        return error(errors::DATA_FORMAT_ERROR);
    };
    let given = |field: &Option<String>| field.clone().filter(|value| !value.is_empty());

    let Some(appid) = given(&request.appid) else {
        return error(errors::APPID_MISSING);
    };
    let Some(secret) = given(&request.secret) else {
        return error(errors::APPSECRET_MISSING);
    };
    let grant = {
        let mut world = sim.world();
        let app = match world.authenticate(&appid, &secret) {
            Ok(app) => app,
            Err(refused) => return error(refused.errcode()),
        };
        if request.grant_type.as_deref() != Some(GRANT_TYPE) {
            return error(errors::INVALID_GRANT_TYPE);
        }
        let force_refresh = request.force_refresh.unwrap_or(false);
        app.tokens.stable(Instant::now(), force_refresh)
    };
    utf8_json(wechat_json(&Success {
        access_token: &grant.token,
        expires_in: grant.expires_in,
    }))
}

/// WeChat's error answer for `errcode`.
fn error(errcode: i64) -> Response {
    utf8_json(wechat_json(&ErrorBody::new(errcode)))
}
