//! Every error mapping of the login, through the HTTP surface. Each failure also
//! checks that nothing was written for the user.

use std::time::{Duration, Instant};
use wxauth_tests::StoreKind;
use wxauth_tests::harness::{APP_A, Harness};
use wxauth_wechat_sim::openid_for;

/// Logs in as a fresh user with the given simulator options; returns status,
/// error code, and whether an identity exists for the user afterwards.
async fn attempt(h: &Harness, options: &str) -> (u16, String, bool) {
    let user = format!("u{}", uuid::Uuid::new_v4().simple());
    let (status, body) = h.login(&Harness::code(&user, options), None).await;
    let code = body["error"]["code"].as_str().unwrap_or("").to_owned();
    if status != 200 {
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{body}"
        );
    }
    let written = h.identity(APP_A, &openid_for(APP_A, &user)).await.is_some();
    (status, code, written)
}

#[tokio::test]
async fn wechat_errcodes_map_to_stable_codes() {
    let h = Harness::start(StoreKind::Dynamo).await;
    let cases = [
        ("errcode=40029", 400, "invalid_code"),
        ("errcode=40163", 400, "code_used"),
        ("errcode=45011", 429, "rate_limited"),
        ("errcode=40226", 403, "user_blocked"),
        ("errcode=-1", 503, "wechat_busy"),
        ("errcode=40013", 502, "wechat_error"),
        ("errcode=48001", 502, "wechat_error"),
        ("body=garbage", 502, "wechat_error"),
        ("body=truncated", 502, "wechat_error"),
        ("body=html", 502, "wechat_error"),
        ("body=empty", 502, "wechat_error"),
    ];
    for (options, status, code) in cases {
        let (got_status, got_code, written) = attempt(&h, options).await;
        assert_eq!((got_status, got_code.as_str()), (status, code), "{options}");
        assert!(!written, "{options} left an identity behind");
    }
}

#[tokio::test]
async fn a_reused_code_is_code_used() {
    let h = Harness::start(StoreKind::Embedded).await;
    let code = Harness::code("erin", "");
    assert_eq!(h.login(&code, None).await.0, 200);
    let (status, body) = h.login(&code, None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("code_used"))
    );
}

#[tokio::test]
async fn an_invalid_login_code_is_invalid_code() {
    let h = Harness::start(StoreKind::Embedded).await;
    let (status, code, written) = attempt(&h, "errcode=40029").await;
    assert_eq!(
        (status, code.as_str(), written),
        (400, "invalid_code", false)
    );
    let (status, body) = h.login(&Harness::code("erin", "errcode=40029"), None).await;
    let message = body["error"]["message"].as_str().unwrap();
    assert_eq!(status, 400);
    assert!(message.contains("wx.login"), "{message}");
}

#[tokio::test]
async fn busy_is_retried_with_backoff_then_succeeds_or_gives_up() {
    let h = Harness::start(StoreKind::Embedded).await;
    let before = h.simulator().calls("jscode2session");
    let (status, _, written) = attempt(&h, "errcode=-1;times=2").await;
    assert_eq!(
        status, 200,
        "two busy answers, then success on the third attempt"
    );
    assert!(written);
    assert_eq!(h.simulator().calls("jscode2session") - before, 3);

    let before = h.simulator().calls("jscode2session");
    let (status, code, written) = attempt(&h, "errcode=-1").await;
    assert_eq!(
        (status, code.as_str(), written),
        (503, "wechat_busy", false)
    );
    assert_eq!(
        h.simulator().calls("jscode2session") - before,
        3,
        "bounded: three attempts"
    );
}

#[tokio::test]
async fn no_answer_in_time_is_wechat_timeout() {
    let h = Harness::start_with(StoreKind::Embedded, &[("WECHAT_TIMEOUT_MS", "300")]).await;
    let started = Instant::now();
    let (status, code, written) = attempt(&h, "delay_ms=3000").await;
    assert_eq!(
        (status, code.as_str(), written),
        (504, "wechat_timeout", false)
    );
    assert!(
        started.elapsed() < Duration::from_millis(2_000),
        "answered after {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn wrong_secret_and_unreachable_wechat_are_wechat_error() {
    let h = Harness::start_with(StoreKind::Embedded, &[("WECHAT_SECRET", "wrong-a,wrong-b")]).await;
    assert_eq!(
        attempt(&h, "").await,
        (502, "wechat_error".to_owned(), false)
    );

    // A port nothing listens on: bind one, note it, close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let h = Harness::start_with(StoreKind::Embedded, &[("WECHAT_API_BASE", &base)]).await;
    assert_eq!(
        attempt(&h, "").await,
        (502, "wechat_error".to_owned(), false)
    );
}

#[tokio::test]
async fn malformed_requests_are_bad_request() {
    let h = Harness::start(StoreKind::Embedded).await;
    let long_code = format!("{{\"code\":\"{}\"}}", "x".repeat(300));
    let bodies = [
        "",
        "not json",
        "[]",
        "null",
        "{}",
        r#"{"code":5}"#,
        r#"{"code":null}"#,
        r#"{"code":""}"#,
        r#"{"code":"a b"}"#,
        "{\"code\":\"abc\u{7f}\"}",
        r#"{"code":"ok","appid":7}"#,
        r#"{"code":"ok""#,
        long_code.as_str(),
    ];
    for body in bodies {
        let (status, answer) = h.post("/auth/login", body, None).await;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (400, Some("bad_request")),
            "{body:?}"
        );
    }
    let (status, answer) = h.call("POST", "/auth/login", None, None).await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (400, Some("bad_request")),
        "no body"
    );
    assert_eq!(
        h.simulator().calls("jscode2session"),
        0,
        "refused before calling WeChat"
    );
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let len = (self.next() as usize) % max;
        (0..len).map(|_| self.next() as u8).collect()
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() as usize) % items.len()]
    }
}

#[tokio::test]
async fn arbitrary_input_never_answers_a_server_error() {
    let h = Harness::start(StoreKind::Embedded).await;
    let mut noise = Noise(0x5eed_cafe_f00d_beef);
    let fragments = [
        "{",
        "}",
        "\"code\"",
        ":",
        "\"",
        "null",
        "[",
        "]",
        ",",
        "\"appid\"",
        "1e999",
        "\\u0000",
        "\u{1F600}",
        "true",
    ];
    for round in 0..400 {
        let body = match round % 3 {
            0 => String::from_utf8_lossy(&noise.bytes(300)).into_owned(),
            1 => (0..(noise.next() % 12)).map(|_| noise.pick(&fragments)).collect(),
            _ => serde_json::json!({ "code": String::from_utf8_lossy(&noise.bytes(40)), "appid": noise.pick(&["", APP_A, "wx", "x".repeat(80).as_str()]) }).to_string(),
        };
        let path = noise.pick(&[
            "/auth/login",
            "/auth/profile",
            "/auth/phone",
            "/.well-known/jwks.json",
            "/",
            "/auth/login/",
        ]);
        let method = noise.pick(&["POST", "GET", "PUT", "DELETE"]);
        // Header values must be visible ASCII to reach a function at all.
        let token: String = noise
            .bytes(60)
            .iter()
            .map(|b| char::from(b % 94 + 33))
            .collect();
        let (status, answer) = h.call(method, path, Some(&body), Some(&token)).await;
        assert!(
            status < 500,
            "{method} {path} {body:?} answered {status} {answer}"
        );
        if status >= 400 {
            assert!(answer["error"]["code"].is_string(), "{answer}");
        }
    }
}
