//! `GET /sns/jscode2session`: exchanging a mini-program login code for the
//! user's openid (and unionid) and a session key.
//!
//! Like WeChat, every answer is JSON served as `text/plain` with status 200,
//! and a success carries no `errcode`/`errmsg`:
//! `{"session_key":"...","openid":"...","unionid":"..."}` (unionid only for
//! users bound to an open-platform account).

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Serialize;
use tracing::debug;

use crate::broken::BrokenBody;
use crate::code::{CodeSpec, Fault};
use crate::errors::{self, ErrorBody};
use crate::identity::{new_session_key, openid_for, unionid_for};
use crate::reply::{plain_text_json, wechat_json};
use crate::simulator::Simulator;
use crate::state::CodeLogin;

/// Route of the endpoint.
pub(crate) const PATH: &str = "/sns/jscode2session";
/// Name under which calls are counted ([`Simulator::calls`]).
const ENDPOINT: &str = "jscode2session";
/// The only `grant_type` WeChat accepts here.
const GRANT_TYPE: &str = "authorization_code";

/// A successful answer, fields in the order WeChat sends them.
#[derive(Debug, Serialize)]
struct Session<'a> {
    session_key: &'a str,
    openid: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    unionid: Option<&'a str>,
}

/// What the world decided for one presentation of a code.
enum Outcome {
    /// Logged in; the body of the success answer.
    LoggedIn(String),
    /// A WeChat error answer.
    Error(i64),
    /// A broken answer instead of this success body.
    Broken(BrokenBody, String),
}

/// Handles one exchange request.
pub(crate) async fn handle(
    State(sim): State<Simulator>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    sim.count_call(ENDPOINT);
    // A query that can't be decoded is answered like one lacking everything.
    let params = query.map(|Query(params)| params).unwrap_or_default();
    let param = |name: &str| {
        params
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };

    let Some(appid) = param("appid") else {
        return error(errors::APPID_MISSING);
    };
    let Some(secret) = param("secret") else {
        return error(errors::APPSECRET_MISSING);
    };
    if let Err(refused) = sim.world().authenticate(appid, secret) {
        return error(refused.errcode());
    }
    if param("grant_type") != Some(GRANT_TYPE) {
        return error(errors::INVALID_GRANT_TYPE);
    }
    let Some(code) = param("js_code") else {
        return error(errors::MISSING_CODE);
    };
    let spec = match CodeSpec::parse(code) {
        Ok(spec) => spec,
        Err(reason) => {
            debug!(code, %reason, "jscode2session: not a valid simulator code");
            return error(errors::INVALID_CODE);
        }
    };

    if let Some(delay) = spec.delay {
        tokio::time::sleep(delay).await;
    }

    match present(&sim, appid, secret, code, &spec) {
        Outcome::LoggedIn(body) => plain_text_json(body),
        Outcome::Error(errcode) => error(errcode),
        Outcome::Broken(kind, success_body) => kind.into_response(&success_body),
    }
}

/// Presents `code` to the world: decides the answer and, on success, uses up
/// the code and makes the new session key current, all under one lock.
fn present(sim: &Simulator, appid: &str, secret: &str, code: &str, spec: &CodeSpec) -> Outcome {
    let mut world = sim.world();
    // A code `wx.login` got for one app is no code for another.
    if world
        .login_code_app(code)
        .is_some_and(|minted_for| minted_for != appid)
    {
        return Outcome::Error(errors::INVALID_CODE);
    }
    // Checked again because the world may have changed during the delay.
    let app = match world.authenticate(appid, secret) {
        Ok(app) => app,
        Err(refused) => return Outcome::Error(refused.errcode()),
    };
    let code_use = app.codes.entry(code.to_owned()).or_default();
    if code_use.login.is_some() {
        return Outcome::Error(errors::CODE_BEEN_USED);
    }
    code_use.presentations += 1;
    let fault = spec
        .fault
        .filter(|_| spec.times.is_none_or(|k| code_use.presentations <= k));

    let openid = openid_for(appid, &spec.user);
    let unionid = spec.unionid.as_deref().map(unionid_for);
    let session_key = new_session_key();
    let body = wechat_json(&Session {
        session_key: &session_key,
        openid: &openid,
        unionid: unionid.as_deref(),
    });

    match fault {
        Some(Fault::Errcode(errcode)) => Outcome::Error(errcode),
        Some(Fault::Body(kind)) => Outcome::Broken(kind, body),
        None => {
            code_use.login = Some(CodeLogin {
                openid: openid.clone(),
                session_key: session_key.clone(),
            });
            app.log_in(&openid, session_key, unionid);
            Outcome::LoggedIn(body)
        }
    }
}

/// WeChat's error answer for `errcode`.
fn error(errcode: i64) -> Response {
    plain_text_json(wechat_json(&ErrorBody::new(errcode)))
}
