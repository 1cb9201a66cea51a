//! `POST /wxa/business/getuserphonenumber?access_token=`: redeeming a phone
//! code from `<button open-type="getPhoneNumber">` for the user's number.
//!
//! Body: `{"code":"...","openid":"..."}` (`openid` optional: WeChat then
//! checks the code belongs to that user). Success, status 200,
//! `application/json; encoding=utf-8`:
//! `{"errcode":0,"errmsg":"ok","phone_info":{"phoneNumber":"13800138000",
//! "purePhoneNumber":"13800138000","countryCode":"86",
//! "watermark":{"timestamp":1700000000,"appid":"wx..."}}}`
//! (formats in [`crate::phone`]). Errors: 41001 no access token, 40001 unknown
//! or invalidated token, 42001 expired token, 47001 body not JSON or without
//! `code`, 40029 code unknown, used, expired, of another app or of another
//! user than `openid`.

use std::collections::HashMap;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::clock::unix_now;
use crate::errors::{self, ErrorBody};
use crate::open_data::Watermark;
use crate::phone::PhoneSpec;
use crate::reply::{utf8_json, wechat_json};
use crate::simulator::Simulator;

/// Route of the endpoint.
pub(crate) const PATH: &str = "/wxa/business/getuserphonenumber";
/// Name under which calls are counted ([`Simulator::calls`]).
const ENDPOINT: &str = "getuserphonenumber";

/// The request body; unknown members are ignored.
#[derive(Debug, Deserialize)]
struct Request {
    code: Option<String>,
    openid: Option<String>,
}

/// A successful answer, fields in WeChat's order.
#[derive(Debug, Serialize)]
struct Success<'a> {
    errcode: i64,
    errmsg: &'a str,
    phone_info: PhoneInfo<'a>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PhoneInfo<'a> {
    phone_number: String,
    pure_phone_number: &'a str,
    country_code: Value,
    watermark: Watermark<'a>,
}

/// Handles one redemption.
pub(crate) async fn handle(
    State(sim): State<Simulator>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    body: Bytes,
) -> Response {
    sim.count_call(ENDPOINT);
    let params = query.map(|Query(params)| params).unwrap_or_default();
    let Some(token) = params.get("access_token").filter(|t| !t.is_empty()) else {
        return error(errors::ACCESS_TOKEN_MISSING);
    };

    let now = Instant::now();
    let mut world = sim.world();
    let Some((appid, app)) = world.token_owner(token) else {
        return error(errors::INVALID_CREDENTIAL);
    };
    if let Err(errcode) = app.tokens.use_token(token, now) {
        return error(errcode);
    }
    let Ok(request) = serde_json::from_slice::<Request>(&body) else {
        return error(errors::DATA_FORMAT_ERROR);
    };
    let Some(code) = request.code.filter(|code| !code.is_empty()) else {
        return error(errors::DATA_FORMAT_ERROR);
    };
    let openid = request.openid.as_deref().filter(|id| !id.is_empty());
    let Some(phone) = app.phone_codes.redeem(&code, openid, now) else {
        return error(errors::INVALID_CODE);
    };
    utf8_json(success(&phone, appid))
}

/// The success body for `phone`, watermarked for `appid`.
fn success(phone: &PhoneSpec, appid: &str) -> String {
    wechat_json(&Success {
        errcode: 0,
        errmsg: "ok",
        phone_info: PhoneInfo {
            phone_number: phone.phone_number(),
            pure_phone_number: &phone.pure_number,
            country_code: phone.country_code_json(),
            watermark: Watermark {
                timestamp: unix_now(),
                appid,
            },
        },
    })
}

/// WeChat's error answer for `errcode`.
fn error(errcode: i64) -> Response {
    utf8_json(wechat_json(&ErrorBody::new(errcode)))
}
