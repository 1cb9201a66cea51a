//! The simulator's own HTTP control routes under `/sim/`: minting what a
//! mini-program would hold, so a walk-through can be done with curl alone,
//! and answering what the WeChat client library answers it.
//! These are not WeChat endpoints: plain JSON, `application/json`, status 200
//! on success, 400 for a malformed request, 404 `{"error":"..."}` for an
//! unknown app or a user who never logged in.
//!
//! - `POST /sim/mint/login-code` `{"appid"?, "user"}` → `{"code"}`: a fresh
//!   single-use login code, as `wx.login` gets one from WeChat (the user need
//!   not have logged in before; only `appid` can exchange it; a `user` that
//!   is empty or contains `;` is refused with 400);
//! - `POST /sim/mint/profile` `{"appid"?, "user", "nickName"?, "avatarUrl"?, "unionid"?}`
//!   → `{"encryptedData","iv","rawData","signature"}` (user info, see
//!   [`crate::profile_payload`]; `unionid` is an open-platform account label);
//! - `POST /sim/mint/phone-code` `{"appid"?, "user", "phoneNumber"?, "countryCode"?}`
//!   → `{"code"}` for `getuserphonenumber`;
//! - `POST /sim/mint/phone-data` (same body) → `{"encryptedData","iv"}`, the
//!   legacy phone button's data;
//! - `POST /sim/check-session` `{"code"}` → `{"valid"}`: what
//!   `wx.checkSession` tells a mini-program whose latest `wx.login` returned
//!   `code`: `true` while the session key that exchanging the code
//!   (`jscode2session`) produced is still the user's current one, `false`
//!   once a later login or `resetusersessionkey` replaced it, and for a code
//!   never exchanged (or unknown).
//!
//! `appid` defaults to the first app given to [`Simulator::new`], `user` is a
//! user label as in login codes, `nickName` to `微信用户`, `avatarUrl` to
//! WeChat's grey default avatar, `phoneNumber` (the number without country
//! code) to the user's own ([`crate::phone_for`]) and `countryCode` to `"86"`;
//! a `countryCode` given as a JSON number is answered as a number. README
//! "What the simulator makes up, and how" lists them all.

use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::identity::{openid_for, phone_for};
use crate::mint::{self, MintError, seal_for, session_key_of};
use crate::open_data::{OpenData, profile_payload};
use crate::phone::{PhoneSpec, phone_payload};
use crate::reply::respond;
use crate::simulator::Simulator;
use crate::state::World;

/// Nickname of users who did not type one (what new clients get from WeChat).
const DEFAULT_NICKNAME: &str = "微信用户";
/// WeChat's grey default avatar.
const DEFAULT_AVATAR: &str = "https://thirdwx.qlogo.cn/mmopen/vi_32/POgEwh4mIHO4nibH0KlMECNjjGxQUq24ZEaGT4poC6icRiccVGKSyXwibcPq4BWmiaIGuG1icwxaQX6grC9VemZoJ8rg/132";
/// Country code of users for whom none is given.
const DEFAULT_COUNTRY_CODE: &str = "86";

/// The control routes.
pub(crate) fn routes() -> Router<Simulator> {
    Router::new()
        .route("/sim/mint/login-code", post(mint_login_code))
        .route("/sim/check-session", post(check_session))
        .route("/sim/mint/profile", post(mint_profile))
        .route("/sim/mint/phone-code", post(mint_phone_code))
        .route("/sim/mint/phone-data", post(mint_phone_data))
}

/// Body of `/sim/mint/login-code`.
#[derive(Debug, Deserialize)]
struct LoginCodeRequest {
    appid: Option<String>,
    user: String,
}

/// Body of `/sim/check-session`.
#[derive(Debug, Deserialize)]
struct CheckSessionRequest {
    code: String,
}

/// Body of `/sim/mint/profile`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProfileRequest {
    appid: Option<String>,
    user: String,
    nick_name: Option<String>,
    avatar_url: Option<String>,
    unionid: Option<String>,
}

/// Body of the phone routes.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PhoneRequest {
    appid: Option<String>,
    user: String,
    phone_number: Option<String>,
    country_code: Option<CountryCode>,
}

/// A country code given as `"86"` or `86`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum CountryCode {
    Text(String),
    Number(u64),
}

/// Encrypted data in the shape the mini-program gets it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct OpenDataReply {
    encrypted_data: String,
    iv: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    raw_data: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signature: Option<String>,
}

impl From<OpenData> for OpenDataReply {
    fn from(data: OpenData) -> Self {
        Self {
            encrypted_data: data.encrypted_data,
            iv: data.iv,
            raw_data: data.raw_data,
            signature: data.signature,
        }
    }
}

/// A refused control request: the status and what went wrong.
#[derive(Debug)]
struct Refusal {
    status: StatusCode,
    message: String,
}

impl Refusal {
    fn bad_request(message: String) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message,
        }
    }

    fn not_found(message: String) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            message,
        }
    }
}

impl From<MintError> for Refusal {
    fn from(refused: MintError) -> Self {
        match refused {
            MintError::InvalidUser(_) => Self::bad_request(refused.to_string()),
            MintError::UnknownApp(_) | MintError::NoSession { .. } => {
                Self::not_found(refused.to_string())
            }
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let body = json!({ "error": self.message }).to_string();
        respond(self.status, "application/json", body)
    }
}

/// What a control route answers.
type Answer = Result<Response, Refusal>;

async fn mint_login_code(State(sim): State<Simulator>, body: Bytes) -> Answer {
    let request: LoginCodeRequest = parse(&body)?;
    let mut world = sim.world();
    let appid = appid_or_default(&world, request.appid)?;
    let code = mint::mint_login_code(&mut world, &appid, &request.user)?;
    Ok(ok(&json!({ "code": code })))
}

async fn check_session(State(sim): State<Simulator>, body: Bytes) -> Answer {
    let request: CheckSessionRequest = parse(&body)?;
    let valid = sim.world().is_login_current(&request.code);
    Ok(ok(&json!({ "valid": valid })))
}

async fn mint_profile(State(sim): State<Simulator>, body: Bytes) -> Answer {
    let request: ProfileRequest = parse(&body)?;
    let world = sim.world();
    let appid = appid_or_default(&world, request.appid)?;
    let payload = profile_payload(
        &appid,
        &request.user,
        request.nick_name.as_deref().unwrap_or(DEFAULT_NICKNAME),
        request.avatar_url.as_deref().unwrap_or(DEFAULT_AVATAR),
        request.unionid.as_deref(),
    );
    let data = seal_for(&world, &appid, &request.user, &payload)?;
    Ok(ok(&OpenDataReply::from(data)))
}

async fn mint_phone_code(State(sim): State<Simulator>, body: Bytes) -> Answer {
    let (request, phone) = parse_phone(&body)?;
    let mut world = sim.world();
    let appid = appid_or_default(&world, request.appid)?;
    // Over HTTP a user who never logged in is most likely a typo.
    session_key_of(&world, &appid, &request.user)?;
    let openid = openid_for(&appid, &request.user);
    let app = world
        .app_mut(&appid)
        .expect("known: the user has a session");
    let code = app.phone_codes.mint(&openid, phone, Instant::now());
    Ok(ok(&json!({ "code": code })))
}

async fn mint_phone_data(State(sim): State<Simulator>, body: Bytes) -> Answer {
    let (request, phone) = parse_phone(&body)?;
    let world = sim.world();
    let appid = appid_or_default(&world, request.appid)?;
    let data = seal_for(&world, &appid, &request.user, &phone_payload(&phone))?;
    Ok(ok(&OpenDataReply::from(data)))
}

/// Parses a phone route's body and the phone it describes.
fn parse_phone(body: &[u8]) -> Result<(PhoneRequest, PhoneSpec), Refusal> {
    let mut request: PhoneRequest = parse(body)?;
    let pure_number = request
        .phone_number
        .take()
        .unwrap_or_else(|| phone_for(&request.user));
    let phone = match request.country_code.take() {
        None => PhoneSpec::new(DEFAULT_COUNTRY_CODE, pure_number),
        Some(CountryCode::Text(code)) => PhoneSpec::new(code, pure_number),
        Some(CountryCode::Number(code)) => PhoneSpec {
            country_code_as_number: true,
            ..PhoneSpec::new(code.to_string(), pure_number)
        },
    };
    phone.check().map_err(Refusal::bad_request)?;
    Ok((request, phone))
}

/// Parses a JSON body; 400 if it is not the expected shape.
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, Refusal> {
    serde_json::from_slice(body)
        .map_err(|err| Refusal::bad_request(format!("body is not the expected JSON: {err}")))
}

/// The requested appid, or the first app's; 404 if there is none.
fn appid_or_default(world: &World, appid: Option<String>) -> Result<String, Refusal> {
    match appid {
        Some(appid) => Ok(appid),
        None => world
            .first_appid()
            .map(str::to_owned)
            .ok_or_else(|| Refusal::not_found("the simulator knows no app".to_owned())),
    }
}

/// A 200 answer carrying `value` as JSON.
fn ok<T: Serialize>(value: &T) -> Response {
    let body = serde_json::to_string(value).expect("control answers serialise");
    respond(StatusCode::OK, "application/json", body)
}
