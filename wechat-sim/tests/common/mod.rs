//! Helpers shared by the integration tests: a running simulator and a plain
//! HTTP client talking to it over loopback.

#![allow(dead_code)] // each test file uses a different subset

use aws_lc_rs::cipher::{AES_128, DecryptionContext, PaddedBlockDecryptingKey, UnboundCipherKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};
use wxauth_wechat_sim::{RunningSimulator, Simulator};

/// Content type of `stable_token` and `getuserphonenumber` answers.
pub const UTF8_JSON: &str = "application/json; encoding=utf-8";

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
    /// (followed by WeChat's `, rid: ...` suffix), as `jscode2session` sends
    /// it (`text/plain`).
    pub fn expect_error(&self, errcode: i64, errmsg: &str) {
        self.expect_error_as("text/plain", errcode, errmsg);
    }

    /// Like [`Self::expect_error`], as the newer endpoints send it
    /// ([`UTF8_JSON`]).
    pub fn expect_json_error(&self, errcode: i64, errmsg: &str) {
        self.expect_error_as(UTF8_JSON, errcode, errmsg);
    }

    fn expect_error_as(&self, content_type: &str, errcode: i64, errmsg: &str) {
        assert_eq!(self.status, 200, "{self:?}");
        assert_eq!(self.content_type, content_type, "{self:?}");
        let prefix = format!(r#"{{"errcode":{errcode},"errmsg":"{errmsg}, rid: "#);
        assert!(self.body.starts_with(&prefix), "want {prefix}...: {self:?}");
        let json = self.json();
        assert_eq!(json["errcode"], errcode, "{self:?}");
        assert_eq!(json.as_object().unwrap().len(), 2, "{self:?}");
    }
}

/// `GET /sns/jscode2session` with exactly the given query parameters.
pub async fn get(base_url: &str, params: &[(&str, &str)]) -> Answer {
    let request = reqwest::Client::new()
        .get(format!("{base_url}/sns/jscode2session"))
        .query(params);
    answer(request).await
}

/// `POST {base_url}{path}` with `body` as it is (no content type, as some
/// clients send it; WeChat does not look at it).
pub async fn post(base_url: &str, path: &str, body: impl Into<String>) -> Answer {
    let request = reqwest::Client::new()
        .post(format!("{base_url}{path}"))
        .body(body.into());
    answer(request).await
}

/// Sends `request` and keeps the raw answer.
async fn answer(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("request reaches the simulator");
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

/// `POST /cgi-bin/stable_token` for [`APP`]; returns the access token.
pub async fn access_token(sim: &RunningSimulator) -> String {
    let body = json!({"grant_type": "client_credential", "appid": APP, "secret": SECRET});
    let answer = post(sim.base_url(), "/cgi-bin/stable_token", body.to_string()).await;
    assert_eq!(answer.content_type, UTF8_JSON, "{answer:?}");
    answer.json()["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token: {answer:?}"))
        .to_owned()
}

/// `POST /wxa/business/getuserphonenumber?access_token=token` with `body`.
pub async fn get_phone(sim: &RunningSimulator, token: &str, body: Value) -> Answer {
    let path = format!("/wxa/business/getuserphonenumber?access_token={token}");
    post(sim.base_url(), &path, body.to_string()).await
}

/// Logs `user` in to [`APP`]; returns the session key.
pub async fn log_in(sim: &RunningSimulator, user: &str) -> String {
    let (session_key, _, _) = exchange(sim, &format!("user={user};n={}", rand_nonce()))
        .await
        .expect_session();
    session_key
}

/// A nonce making login codes unique.
fn rand_nonce() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Decrypts open data as a WeChat backend does; `None` if it does not decrypt
/// (bad padding, bad base64, not UTF-8).
pub fn decrypt(session_key: &str, iv: &str, encrypted_data: &str) -> Option<String> {
    let key = STANDARD.decode(session_key).ok()?;
    let iv: [u8; 16] = STANDARD.decode(iv).ok()?.try_into().ok()?;
    let mut data = STANDARD.decode(encrypted_data).ok()?;
    let key = UnboundCipherKey::new(&AES_128, &key).ok()?;
    let key = PaddedBlockDecryptingKey::cbc_pkcs7(key).ok()?;
    let plain = key
        .decrypt(&mut data, DecryptionContext::Iv128(iv.into()))
        .ok()?;
    String::from_utf8(plain.to_vec()).ok()
}

/// Lowercase hex sha1 of `text`.
pub fn sha1_hex(text: &str) -> String {
    let hash = aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY,
        text.as_bytes(),
    );
    hash.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// `GET {path}?access_token=&openid=&signature=&sig_method=hmac_sha256` for
/// `checksession` or `resetusersessionkey`, signing `session_key`.
pub async fn signed_get(
    sim: &RunningSimulator,
    path: &str,
    token: &str,
    openid: &str,
    session_key: &str,
) -> Answer {
    let signature = wxauth_wechat_sim::session_signature(session_key);
    let request = reqwest::Client::new()
        .get(format!("{}{path}", sim.base_url()))
        .query(&[
            ("access_token", token),
            ("openid", openid),
            ("signature", signature.as_str()),
            ("sig_method", "hmac_sha256"),
        ]);
    answer(request).await
}
