//! Helpers shared by the integration tests: a running simulator and a plain
//! HTTP client talking to it over loopback.

#![allow(dead_code)] // each test file uses a different subset

use reqwest::header::CONTENT_TYPE;
use serde_json::Value;
use wxauth_wechat_sim::{RunningSimulator, Simulator};

pub const APP: &str = "wx00000000000000a1";
pub const SECRET: &str = "secret-a1";
pub const OTHER_APP: &str = "wx00000000000000b2";
pub const OTHER_SECRET: &str = "secret-b2";

/// A simulator knowing [`APP`] and [`OTHER_APP`], served on a free port.
pub async fn start() -> RunningSimulator {
    Simulator::new([(APP, SECRET), (OTHER_APP, OTHER_SECRET)])
        .start("127.0.0.1:0".parse().unwrap())
        .await
        .expect("simulator starts")
}

/// An HTTP answer, kept raw so tests can check exact bytes.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

impl Answer {
    /// The body as JSON; panics if it is not.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {:?}", self.body))
    }

    /// Asserts this is WeChat's answer for a successful login and returns
    /// `(session_key, openid, unionid)`.
    pub fn expect_session(&self) -> (String, String, Option<String>) {
        assert_eq!(self.status, 200, "{self:?}");
        assert_eq!(self.content_type, "text/plain", "{self:?}");
        let json = self.json();
        let fields = json.as_object().expect("an object");
        assert!(!fields.contains_key("errcode"), "{self:?}");
        assert!(!fields.contains_key("errmsg"), "{self:?}");
        let text = |name: &str| fields.get(name).map(|v| v.as_str().unwrap().to_owned());
        (
            text("session_key").expect("session_key"),
            text("openid").expect("openid"),
            text("unionid"),
        )
    }

    /// Asserts this is WeChat's error answer `errcode` with message `errmsg`
    /// (followed by WeChat's `, rid: ...` suffix).
    pub fn expect_error(&self, errcode: i64, errmsg: &str) {
        assert_eq!(self.status, 200, "{self:?}");
        assert_eq!(self.content_type, "text/plain", "{self:?}");
        let prefix = format!(r#"{{"errcode":{errcode},"errmsg":"{errmsg}, rid: "#);
        assert!(self.body.starts_with(&prefix), "want {prefix}...: {self:?}");
        let json = self.json();
        assert_eq!(json["errcode"], errcode, "{self:?}");
        assert_eq!(json.as_object().unwrap().len(), 2, "{self:?}");
    }
}

/// `GET /sns/jscode2session` with exactly the given query parameters.
pub async fn get(base_url: &str, params: &[(&str, &str)]) -> Answer {
    let response = reqwest::Client::new()
        .get(format!("{base_url}/sns/jscode2session"))
        .query(params)
        .send()
        .await
        .expect("request reaches the simulator");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = response.bytes().await.expect("body");
    let body = String::from_utf8(bytes.to_vec()).expect("UTF-8 body");
    Answer {
        status,
        content_type,
        body,
    }
}

/// Exchanges `code` for [`APP`] the way a correct client does.
pub async fn exchange(sim: &RunningSimulator, code: &str) -> Answer {
    exchange_for(sim, APP, SECRET, code).await
}

/// Exchanges `code` for `appid` with `secret`.
pub async fn exchange_for(sim: &RunningSimulator, appid: &str, secret: &str, code: &str) -> Answer {
    get(
        sim.base_url(),
        &[
            ("appid", appid),
            ("secret", secret),
            ("js_code", code),
            ("grant_type", "authorization_code"),
        ],
    )
    .await
}
