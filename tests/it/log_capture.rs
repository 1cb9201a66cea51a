//! Captures every log line the backend prints, at its most verbose setting
//! (`LOG_LEVEL=trace`), across successful and failing logins, and checks that no
//! secret is in it: no session_key, no app secret, no signing key, no token, no
//! phone code, and phone numbers only masked (logins, profile decrypts, phone binds).

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use wxauth_shared::logging;
use wxauth_tests::StoreKind;
use wxauth_tests::harness::{
    APP_A, APP_B, Harness, PUSH_AES_KEY, PUSH_TOKEN, SECRET_A, SECRET_B, signing_key_pem,
};
use wxauth_wechat_sim::openid_for;

#[derive(Clone, Default)]
pub(crate) struct Capture(Arc<Mutex<Vec<u8>>>);

impl Capture {
    /// Everything captured so far.
    pub(crate) fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The capture, installed once as the process-wide subscriber. A thread-local
/// subscriber misses events: tracing caches each call site's interest across
/// threads, and the other tests run without one. Lines of other tests running at
/// the same time land here too, which only widens the check. Other modules'
/// checks (`tencent_sms`) share it.
pub(crate) fn capture() -> &'static Capture {
    static CAPTURE: OnceLock<Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture = Capture::default();
        let writer = capture.clone();
        let subscriber = logging::json_subscriber(
            move || writer.clone(),
            logging::filter_from(None, Some("trace")),
        );
        tracing::subscriber::set_global_default(subscriber)
            .expect("no other global subscriber in this test binary");
        capture
    })
}

/// `user`'s current session_key in `appid`, and its signature (what
/// checksession and resetusersessionkey are signed with).
fn key_and_signature(h: &Harness, appid: &str, user: &str) -> [String; 2] {
    let key = h
        .simulator()
        .current_session_key(appid, &openid_for(appid, user))
        .unwrap();
    [wxauth_wechat_sim::session_signature(&key), key]
}

/// Runs logins that succeed and fail; returns the secrets they involved.
async fn scenario(h: &Harness) -> Vec<String> {
    let mut secrets = vec![SECRET_A.to_owned(), SECRET_B.to_owned()];
    for (user, options) in [("ivan", ""), ("judy", "unionid=acme-judy")] {
        for appid in [APP_A, APP_B] {
            for _ in 0..2 {
                let (status, body) = h.login(&Harness::code(user, options), Some(appid)).await;
                assert_eq!(status, 200, "{body}");
                secrets.push(body["token"].as_str().unwrap().to_owned());
                secrets.push(
                    h.simulator()
                        .current_session_key(appid, &openid_for(appid, user))
                        .unwrap(),
                );
            }
        }
    }
    for options in [
        "errcode=40029",
        "errcode=-1",
        "body=truncated",
        "body=garbage",
        "errcode=40125",
    ] {
        let (status, _) = h.login(&Harness::code("mallory", options), None).await;
        assert_ne!(status, 200);
    }
    for (appid, user) in [(APP_A, "judy"), (APP_B, "ivan")] {
        let (_, body) = h.login(&Harness::code(user, ""), Some(appid)).await;
        let token = body["token"].as_str().unwrap().to_owned();
        secrets.push(token.clone());
        secrets.push(
            h.simulator()
                .current_session_key(appid, &openid_for(appid, user))
                .unwrap(),
        );
        let payload = wxauth_wechat_sim::profile_payload(
            appid,
            user,
            "Judy",
            "https://a/b.png",
            Some("acme-judy"),
        );
        let data = h.simulator().mint_open_data(appid, user, payload).unwrap();
        let request = serde_json::json!({"encryptedData": data.encrypted_data, "iv": data.iv, "rawData": data.raw_data, "signature": data.signature});
        let (status, answer) = h
            .post("/auth/profile", &request.to_string(), Some(&token))
            .await;
        assert_eq!(status, 200, "{answer}");
        if let Some(token) = answer["token"].as_str() {
            secrets.push(token.to_owned());
        }
    }
    // Data that does not decrypt: WeChat's checksession is asked with the
    // session_key's signature, which must not be logged either.
    let (_, body) = h.login(&Harness::code("leo", ""), Some(APP_A)).await;
    let token = body["token"].as_str().unwrap().to_owned();
    secrets.push(token.clone());
    secrets.extend(key_and_signature(h, APP_A, "leo"));
    let payload = wxauth_wechat_sim::profile_payload(APP_A, "leo", "Leo", "https://a/b.png", None);
    let data = h.simulator().mint_open_data(APP_A, "leo", payload).unwrap();
    use base64::Engine as _;
    let mut bytes = base64::engine::general_purpose::STANDARD
        .decode(&data.encrypted_data)
        .unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x5a;
    let corrupt = base64::engine::general_purpose::STANDARD.encode(&bytes);
    let request = serde_json::json!({"encryptedData": corrupt, "iv": data.iv});
    let (status, answer) = h
        .post("/auth/profile", &request.to_string(), Some(&token))
        .await;
    assert_eq!(answer["error"]["code"], "bad_data", "{status} {answer}");
    h.simulator().fail_next_access_token_use(APP_A, 45011);
    let (status, answer) = h
        .post("/auth/profile", &request.to_string(), Some(&token))
        .await;
    assert_eq!(
        answer["error"]["code"], "session_key_stale",
        "{status} {answer}"
    );
    // Phone binds: the numbers may appear in logs only masked.
    let (_, body) = h.login(&Harness::code("kate", ""), Some(APP_A)).await;
    let token = body["token"].as_str().unwrap().to_owned();
    secrets.push(token.clone());
    for number in ["13912345678", "13987654321"] {
        let code = h.simulator().mint_phone_code(
            APP_A,
            "kate",
            &wxauth_wechat_sim::PhoneSpec::china(number),
        );
        let (status, answer) = h
            .post(
                "/auth/phone",
                &serde_json::json!({ "code": code }).to_string(),
                Some(&token),
            )
            .await;
        assert_eq!(status, 200, "{answer}");
        secrets.push(number.to_owned());
        secrets.push(code);
    }
    // Sessions: refresh tokens (and their secrets) in every way they are
    // used, refused or spent; an account deleted, which signs a
    // resetusersessionkey with the last session_key.
    let (_, body) = h
        .login(&Harness::code("rosa", "unionid=acme-rosa"), Some(APP_A))
        .await;
    let mut refresh = body["refreshToken"].as_str().unwrap().to_owned();
    secrets.push(body["token"].as_str().unwrap().to_owned());
    for _ in 0..2 {
        let (status, renewed) = h.refresh(&refresh).await;
        assert_eq!(status, 200, "{renewed}");
        secrets.push(refresh.clone());
        secrets.push(refresh.rsplit('.').next().unwrap().to_owned());
        refresh = renewed["refreshToken"].as_str().unwrap().to_owned();
        secrets.push(renewed["token"].as_str().unwrap().to_owned());
    }
    h.clock.advance(60);
    let (status, _) = h.refresh(&secrets[secrets.len() - 3]).await;
    assert_eq!(status, 401, "a reused refresh token");
    secrets.push(refresh.clone());
    secrets.push(refresh.rsplit('.').next().unwrap().to_owned());
    let (_, body) = h
        .login(&Harness::code("rosa", "unionid=acme-rosa"), Some(APP_B))
        .await;
    let token = body["token"].as_str().unwrap().to_owned();
    secrets.push(token.clone());
    secrets.push(body["refreshToken"].as_str().unwrap().to_owned());
    secrets.extend(key_and_signature(h, APP_B, "rosa"));
    let (status, _) = h.call("GET", "/auth/me", None, Some(&token)).await;
    assert_eq!(status, 200);
    let (status, _) = h
        .post("/auth/logout", r#"{"all":true}"#, Some(&token))
        .await;
    assert_eq!(status, 200);
    let (_, body) = h
        .login(&Harness::code("rosa", "unionid=acme-rosa"), Some(APP_B))
        .await;
    let token = body["token"].as_str().unwrap().to_owned();
    secrets.push(token.clone());
    secrets.extend(key_and_signature(h, APP_B, "rosa"));
    let (status, answer) = h
        .call(
            "DELETE",
            "/auth/account",
            Some(r#"{"confirm":"DELETE"}"#),
            Some(&token),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    // SMS: the codes (sent, wrong and right), the number only masked.
    let number = "13712345678";
    let body = serde_json::json!({ "phone": number }).to_string();
    let (status, _) = h.post("/auth/sms/send", &body, None).await;
    assert_eq!(status, 200);
    let code = h.sms_codes_sent("+8613712345678").pop().unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for attempt in [wrong, code.as_str()] {
        let body = serde_json::json!({ "phone": number, "code": attempt }).to_string();
        let (_, answer) = h.post("/auth/sms/login", &body, None).await;
        if let Some(refresh) = answer["refreshToken"].as_str() {
            secrets.push(refresh.to_owned());
        }
    }
    secrets.extend([code, number.to_owned(), "+8613712345678".to_owned()]);
    // Passwords: a registration proven by SMS, a wrong try, a right one, a change.
    let password_number = "13612345678";
    let code = {
        let body = serde_json::json!({ "phone": password_number }).to_string();
        assert_eq!(h.post("/auth/sms/send", &body, None).await.0, 200);
        h.sms_codes_sent("+8613612345678").pop().unwrap()
    };
    let (first, second) = ("first secret 秘密", "second secret 秘密");
    let login = |password: &str, code: Option<&str>| {
        let mut body = serde_json::json!({ "phone": password_number, "password": password });
        if let Some(code) = code {
            body["smsCode"] = code.into();
        }
        body.to_string()
    };
    let (status, registered) = h
        .post("/auth/password/login", &login(first, Some(&code)), None)
        .await;
    assert_eq!(status, 200, "{registered}");
    assert_eq!(
        h.post("/auth/password/login", &login(second, None), None)
            .await
            .0,
        401
    );
    let (status, again) = h
        .post("/auth/password/login", &login(first, None), None)
        .await;
    assert_eq!(status, 200, "{again}");
    let change = serde_json::json!({ "password": second, "currentPassword": first }).to_string();
    let (status, _) = h
        .post(
            "/auth/password",
            &change,
            Some(again["token"].as_str().unwrap()),
        )
        .await;
    assert_eq!(status, 200);
    for answer in [&registered, &again] {
        secrets.push(answer["refreshToken"].as_str().unwrap().to_owned());
    }
    // The passwords, and the hash's prefix: no PHC string in a log.
    secrets.extend([
        code,
        first.to_owned(),
        second.to_owned(),
        "$argon2id$".to_owned(),
    ]);
    // An avatar, checked by the simulator and its verdict pushed (signed,
    // encrypted): neither push key is ever logged.
    let front = h.serve_with(&[]).await;
    let (content_type, body) = wxauth_tests::upload::upload_file_body(
        wxauth_tests::upload::WEBKIT_BOUNDARY,
        &[],
        "a.png",
        &wxauth_tests::upload::fixture_image("pixel.png"),
    );
    h.simulator().hold_media_events(APP_A);
    let avatar_user = h.logged_in("logcap-avatar", "", APP_A).await;
    let answer = reqwest::Client::new()
        .post(format!("{}/auth/profile/avatar", front.base_url))
        .header("content-type", content_type)
        .header(
            "authorization",
            format!("Bearer {}", avatar_user["token"].as_str().unwrap()),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 202);
    assert_eq!(h.simulator().release_media_events(APP_A).await, 1);
    secrets.extend([PUSH_TOKEN.to_owned(), PUSH_AES_KEY.to_owned()]);
    let (status, refused) = h.post("/auth/profile", "{}", Some("not-a-token")).await;
    assert_eq!(status, 401);
    // What README "When something fails" says to search the logs for.
    let id = refused["error"]["requestId"]
        .as_str()
        .expect("an error names its request");
    assert!(
        capture()
            .text()
            .contains(&format!(r#""request_id":"{id}""#)),
        "the error's requestId {id} is the request's log lines' request_id"
    );
    secrets
}

async fn check(kind: StoreKind) {
    let capture = capture();
    let h = Harness::start(kind).await;
    let secrets = scenario(&h).await;
    let logs = capture.text();

    assert!(
        logs.lines().count() > 20,
        "the capture saw the requests:\n{logs}"
    );
    for line in logs.lines() {
        let value: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(
            value["level"].is_string() && value["timestamp"].is_string(),
            "{line}"
        );
    }
    assert!(
        logs.contains("\"request_id\""),
        "request lines carry a request id"
    );
    assert!(logs.contains("login succeeded"));
    assert!(logs.contains("session refreshed") && logs.contains("account deleted"));
    assert!(logs.contains("a rotated refresh token was presented again"));
    assert!(logs.contains("SMS code sent") && logs.contains("login by number succeeded"));
    assert!(logs.contains(r#""proof":"sms""#) && logs.contains(r#""proof":"password""#));
    assert!(logs.contains("wrong password") && logs.contains("password set"));
    assert!(logs.contains("avatar uploaded") && logs.contains("media check verdict taken"));
    assert!(logs.contains("137****5678"), "numbers of SMS logged masked");
    assert!(
        logs.contains("139****5678"),
        "phone numbers are logged, masked"
    );
    let pem_body: String = signing_key_pem()
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let pem_chunks = pem_body
        .as_bytes()
        .chunks(40)
        .map(|c| std::str::from_utf8(c).unwrap());
    for secret in secrets.iter().map(String::as_str).chain(pem_chunks) {
        assert!(!logged(&logs, secret), "a secret was logged: {secret}");
        // Some encoders escape `/` as `\/`: look for that form too.
        assert!(
            !logged(&logs, &secret.replace('/', "\\/")),
            "a secret was logged (escaped): {secret}"
        );
    }
}

/// Whether `secret` is in `logs`. A short code of digits (an SMS code)
/// counts only standing alone: inside a longer number (a timestamp, a
/// duration in nanoseconds, the microseconds of a timestamp such as
/// `52.558070Z`) or a run of letters and digits (a request id, a hex or
/// base64 string) it is those characters, not the code.
fn logged(logs: &str, secret: &str) -> bool {
    if !(secret.len() <= 8 && secret.bytes().all(|b| b.is_ascii_digit())) {
        return logs.contains(secret);
    }
    logs.match_indices(secret).any(|(at, _)| {
        let before = logs[..at].bytes().next_back();
        let after = logs[at + secret.len()..].bytes().next();
        !before.is_some_and(|b| b.is_ascii_alphanumeric())
            && !after.is_some_and(|b| b.is_ascii_alphanumeric())
    })
}

#[test]
fn a_code_counts_as_logged_only_standing_alone() {
    assert!(logged(r#"{"code":"258667"}"#, "258667"));
    assert!(logged("code 258667 sent", "258667"));
    assert!(!logged(r#"{"nanos":1258667012}"#, "258667"));
    assert!(!logged(r#"{"request_id":"9f3e558070ab"}"#, "558070"));
    // The microseconds of a log line's timestamp.
    assert!(!logged(
        r#"{"timestamp":"2026-12-03T02:06:52.558070Z"}"#,
        "558070"
    ));
    assert!(logged("-----key-body-----", "key-body"));
}

#[tokio::test]
async fn no_secret_in_logs_dynamodb() {
    check(StoreKind::Dynamo).await;
}

#[tokio::test]
async fn no_secret_in_logs_embedded() {
    check(StoreKind::Embedded).await;
}
