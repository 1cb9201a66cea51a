//! One user's whole life through every route, step by step: a login (new,
//! then returning), a refresh, `me`, a profile decrypt, a typed nickname, a
//! phone bind, a password, an SMS code and its login, a password login, a
//! logout, the account's deletion, and `me` once it is gone. Each step builds
//! a fresh request each time it is sent (a new `wx.login` code, a new phone
//! code), as a client retrying does, so a step can be sent again after a
//! `503`. The answers are compared by their shape (status, error code,
//! fields), never by their tokens.

use crate::events;
use crate::harness::{APP_A, Harness};
use serde_json::{Value, json};
use wxauth_shared::api::Router;
use wxauth_wechat_sim::{PhoneSpec, profile_payload};

const PASSWORD: &str = "correct horse battery";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    LoginNew,
    LoginAgain,
    Refresh,
    Me,
    Profile,
    Nickname,
    BindPhone,
    SetPassword,
    SmsSend,
    SmsLogin,
    PasswordLogin,
    Logout,
    DeleteAccount,
    MeAfterDelete,
}

impl Step {
    pub const SCRIPT: [Step; 14] = [
        Step::LoginNew,
        Step::LoginAgain,
        Step::Refresh,
        Step::Me,
        Step::Profile,
        Step::Nickname,
        Step::BindPhone,
        Step::SetPassword,
        Step::SmsSend,
        Step::SmsLogin,
        Step::PasswordLogin,
        Step::Logout,
        Step::DeleteAccount,
        Step::MeAfterDelete,
    ];
}

/// An answer as the suite compares it.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub retry_after: Option<String>,
}

impl Answer {
    /// Status, error code and field names: what must not change under faults.
    pub fn shape(&self) -> (u16, Option<String>, Vec<String>) {
        let code = self.body["error"]["code"].as_str().map(str::to_owned);
        let mut fields: Vec<String> = self
            .body
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        fields.sort();
        (self.status, code, fields)
    }

    /// `503 storage_unavailable` with a `Retry-After`.
    pub fn is_storage_unavailable(&self) -> bool {
        self.status == 503
            && self.body["error"]["code"] == "storage_unavailable"
            && self.retry_after.is_some()
    }
}

/// One user's session: what its steps need from the answers before them.
pub struct Session<'a> {
    h: &'a Harness,
    user: String,
    number: String,
    source_ip: String,
    token: Option<String>,
    refresh: Option<String>,
    number_token: Option<String>,
}

impl<'a> Session<'a> {
    /// A new user with a new number, from an address of its own (the limits
    /// per address stay out of the way).
    pub fn new(h: &'a Harness) -> Self {
        let n = uuid::Uuid::new_v4().as_u128();
        Self {
            h,
            user: format!("faulty{}", uuid::Uuid::new_v4().simple()),
            number: format!("137{:08}", n % 100_000_000),
            source_ip: format!(
                "10.{}.{}.{}",
                (n >> 40) as u8,
                (n >> 48) as u8,
                (n >> 56) as u8
            ),
            token: None,
            refresh: None,
            number_token: None,
        }
    }

    /// Sends `step` to `router` once, and keeps what later steps need.
    pub async fn send(&mut self, router: &Router, step: Step) -> Answer {
        let (method, path, body, token) = self.request(step);
        let mut event = events::http_api_event(method, path, body.as_deref(), token.as_deref());
        event["requestContext"]["http"]["sourceIp"] = json!(self.source_ip);
        let response = wxauth_shared::lambda::handle(router, events::request(&event)).await;
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let (status, body) = events::status_and_json(response);
        let answer = Answer {
            status,
            body,
            retry_after,
        };
        if answer.status == 200 {
            self.absorb(step, &answer.body);
        }
        answer
    }

    fn request(&self, step: Step) -> (&'static str, &'static str, Option<String>, Option<String>) {
        let login = || json!({ "code": Harness::code(&self.user, ""), "appid": APP_A }).to_string();
        let token = self.token.clone();
        match step {
            Step::LoginNew | Step::LoginAgain => ("POST", "/auth/login", Some(login()), None),
            Step::Refresh => {
                let body = json!({ "refreshToken": self.refresh }).to_string();
                ("POST", "/auth/refresh", Some(body), None)
            }
            Step::Me | Step::MeAfterDelete => ("GET", "/auth/me", None, token),
            Step::Profile => {
                let payload = profile_payload(APP_A, &self.user, "微信用户", "", None);
                let data = self
                    .h
                    .simulator()
                    .mint_open_data(APP_A, &self.user, payload)
                    .expect("the user has a session");
                let body = json!({ "encryptedData": data.encrypted_data, "iv": data.iv });
                ("POST", "/auth/profile", Some(body.to_string()), token)
            }
            Step::Nickname => {
                let body = json!({ "nickName": "小明 faulty" }).to_string();
                ("PUT", "/auth/profile/nickname", Some(body), token)
            }
            Step::BindPhone => {
                let code = self.h.simulator().mint_phone_code(
                    APP_A,
                    &self.user,
                    &PhoneSpec::china(&self.number),
                );
                let body = json!({ "code": code }).to_string();
                ("POST", "/auth/phone", Some(body), token)
            }
            Step::SetPassword => {
                let body = json!({ "password": PASSWORD }).to_string();
                ("POST", "/auth/password", Some(body), token)
            }
            Step::SmsSend => {
                let body = json!({ "phone": self.number, "purpose": "login" }).to_string();
                ("POST", "/auth/sms/send", Some(body), None)
            }
            Step::SmsLogin => {
                let code = self
                    .h
                    .sms_codes_sent(&format!("+86{}", self.number))
                    .pop()
                    .unwrap_or_default();
                let body = json!({ "phone": self.number, "code": code }).to_string();
                ("POST", "/auth/sms/login", Some(body), None)
            }
            Step::PasswordLogin => {
                let body = json!({ "phone": self.number, "password": PASSWORD }).to_string();
                ("POST", "/auth/password/login", Some(body), None)
            }
            Step::Logout => ("POST", "/auth/logout", None, self.number_token.clone()),
            Step::DeleteAccount => {
                let body = json!({ "confirm": "DELETE" }).to_string();
                ("DELETE", "/auth/account", Some(body), token)
            }
        }
    }

    fn absorb(&mut self, step: Step, body: &Value) {
        let text = |field: &str| body[field].as_str().map(str::to_owned);
        match step {
            Step::LoginNew | Step::LoginAgain | Step::Refresh => {
                self.token = text("token");
                self.refresh = text("refreshToken");
            }
            Step::SmsLogin | Step::PasswordLogin => self.number_token = text("token"),
            _ => {}
        }
    }
}
