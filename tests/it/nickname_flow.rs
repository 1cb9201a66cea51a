//! `PUT /auth/profile/nickname` through the HTTP surface, on both stores: the
//! simulator's word list decides (`违规` risky 20001, `广告` review 10001),
//! its injected faults make WeChat busy, slow or refuse (61010, 45009), and
//! each `CONTENT_CHECK` policy answers as docs/api.md says; bad nicknames
//! never reach WeChat; a number's session is checked under the user's
//! WeChat identity; `GET /auth/me` shows the states; the decrypt path keeps a
//! checked nickname's check.

use serde_json::{Value, json};
use std::time::Duration;
use wxauth_shared::api::Router;
use wxauth_tests::StoreKind;
use wxauth_tests::harness::{APP_A, Harness, call_router, error_code, token};
use wxauth_wechat_sim::profile_payload;

async fn put(router: &Router, token: &str, nick: &str) -> (u16, Value) {
    let body = json!({ "nickName": nick }).to_string();
    call_router(
        router,
        "PUT",
        "/auth/profile/nickname",
        Some(&body),
        Some(token),
    )
    .await
}

async fn me(h: &Harness, token: &str) -> Value {
    let (status, account) = h.call("GET", "/auth/me", None, Some(token)).await;
    assert_eq!(status, 200, "{account}");
    account
}

/// The nickname `GET /auth/me` shows, and its check's state.
async fn shown(h: &Harness, token: &str) -> (Value, Value) {
    let account = me(h, token).await;
    (
        account["profile"]["nickName"].clone(),
        account["contentChecks"]["nickName"]["state"].clone(),
    )
}

fn checks(h: &Harness) -> u64 {
    h.simulator().calls("msg_sec_check")
}

/// WeChat busy on every attempt (the first and two retries).
fn busy(h: &Harness) {
    for _ in 0..3 {
        h.simulator().fail_next_access_token_use(APP_A, -1);
    }
}

/// Every answer of the policies, one user per store.
async fn the_policies_decide(kind: StoreKind) {
    // A short timeout, so that a late answer is a timeout quickly.
    let h = Harness::start_with(kind, &[("WECHAT_TIMEOUT_MS", "300")]).await;
    let strict = &h.router;
    let lenient = h.router_with(&[("CONTENT_CHECK", "lenient")]);
    let off = h.router_with(&[("CONTENT_CHECK", "off")]);
    let reject = h.router_with(&[("CONTENT_CHECK_REVIEW", "reject")]);
    let t = token(&h.logged_in("nina", "", APP_A).await);
    assert_eq!(me(&h, &t).await["contentChecks"], json!({}));

    // strict, pass: stored, passed; WeChat asked once.
    let before = checks(&h);
    let (status, answer) = put(strict, &t, "  小明 🎸 ").await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["profile"]["nickName"], "小明 🎸");
    assert_eq!(answer["contentChecks"]["nickName"]["state"], "passed");
    assert!(answer["contentChecks"]["nickName"]["at"].is_u64());
    assert_eq!(checks(&h), before + 1);
    assert_eq!(shown(&h, &t).await, (json!("小明 🎸"), json!("passed")));

    // risky: 422 naming the label, nothing stored (under every asking policy).
    for router in [strict, &lenient, &reject] {
        let (status, answer) = put(router, &t, "违规昵称").await;
        assert_eq!(
            (status, error_code(&answer)),
            (422, Some("content_rejected")),
            "{answer}"
        );
        assert!(
            answer["error"]["message"]
                .as_str()
                .unwrap()
                .contains("20001"),
            "{answer}"
        );
    }
    assert_eq!(shown(&h, &t).await, (json!("小明 🎸"), json!("passed")));

    // review, CONTENT_CHECK_REVIEW=reject: refused like risky.
    let (status, answer) = put(&reject, &t, "广告位招租").await;
    assert_eq!(
        (status, error_code(&answer)),
        (422, Some("content_rejected")),
        "{answer}"
    );
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("10001")
    );
    assert_eq!(shown(&h, &t).await.0, json!("小明 🎸"));
    // review, accept (the default): stored, flagged with the label.
    let (status, answer) = put(strict, &t, "广告位招租").await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["contentChecks"]["nickName"]["state"], "review",
        "{answer}"
    );
    assert_eq!(answer["contentChecks"]["nickName"]["label"], 10001);
    let account = me(&h, &t).await;
    assert_eq!(account["profile"]["nickName"], "广告位招租");
    assert_eq!(account["contentChecks"]["nickName"]["state"], "review");
    assert_eq!(account["contentChecks"]["nickName"]["label"], 10001);

    // strict, WeChat busy on every try: 503, nothing stored.
    busy(&h);
    let (status, answer) = put(strict, &t, "阿花").await;
    assert_eq!((status, error_code(&answer)), (503, Some("wechat_busy")));
    // strict, no answer in time: 504, nothing stored.
    h.simulator()
        .delay_next_msg_sec_check(APP_A, Duration::from_millis(1_500));
    let (status, answer) = put(strict, &t, "阿花").await;
    assert_eq!((status, error_code(&answer)), (504, Some("wechat_timeout")));
    // strict, 61010 (no visit in 2 hours): 409; 45009 (daily quota): 502.
    h.simulator().fail_next_access_token_use(APP_A, 61010);
    let (status, answer) = put(strict, &t, "阿花").await;
    assert_eq!(
        (status, error_code(&answer)),
        (409, Some("content_check_unavailable")),
        "{answer}"
    );
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("wx.login")
    );
    h.simulator().fail_next_access_token_use(APP_A, 45009);
    let (status, answer) = put(strict, &t, "阿花").await;
    assert_eq!((status, error_code(&answer)), (502, Some("wechat_error")));
    assert_eq!(shown(&h, &t).await.0, json!("广告位招租"));

    // lenient: the same troubles store it, unchecked.
    busy(&h);
    let (status, answer) = put(&lenient, &t, "阿花").await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["contentChecks"]["nickName"]["state"], "unchecked");
    assert_eq!(shown(&h, &t).await, (json!("阿花"), json!("unchecked")));
    h.simulator()
        .delay_next_msg_sec_check(APP_A, Duration::from_millis(1_500));
    let (status, answer) = put(&lenient, &t, "阿草").await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["contentChecks"]["nickName"]["state"], "unchecked");
    h.simulator().fail_next_access_token_use(APP_A, 61010);
    let (status, answer) = put(&lenient, &t, "阿树").await;
    assert_eq!(
        (status, &answer["contentChecks"]["nickName"]["state"]),
        (200, &json!("unchecked"))
    );
    // lenient with a verdict: as strict.
    let (status, answer) = put(&lenient, &t, "阿花").await;
    assert_eq!(
        (status, &answer["contentChecks"]["nickName"]["state"]),
        (200, &json!("passed"))
    );
    let (status, answer) = put(&lenient, &t, "广告").await;
    assert_eq!(
        (status, &answer["contentChecks"]["nickName"]["state"]),
        (200, &json!("review"))
    );

    // off: WeChat is not asked, whatever the text; flagged off.
    let before = checks(&h);
    let (status, answer) = put(&off, &t, "违规也行").await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["contentChecks"]["nickName"]["state"], "off");
    assert_eq!(checks(&h), before);
    assert_eq!(shown(&h, &t).await, (json!("违规也行"), json!("off")));
}

#[tokio::test]
async fn the_policies_decide_on_dynamodb() {
    the_policies_decide(StoreKind::Dynamo).await;
}

#[tokio::test]
async fn the_policies_decide_on_the_embedded_store() {
    the_policies_decide(StoreKind::Embedded).await;
}

/// Nicknames of bad lengths or characters, and bad bodies, never reach WeChat.
async fn bad_nicknames_are_refused(kind: StoreKind) {
    let h = Harness::start(kind).await;
    let t = token(&h.logged_in("otto", "", APP_A).await);
    let before = checks(&h);
    for nick in [
        String::new(),
        "   ".into(),
        "字".repeat(31),
        "a\u{200B}b".into(),
        "a\u{202E}b".into(),
        "a\u{FEFF}".into(),
        "a\nb".into(),
        "a\u{0}".into(),
    ] {
        let (status, answer) = put(&h.router, &t, &nick).await;
        assert_eq!(
            (status, error_code(&answer)),
            (400, Some("invalid_nickname")),
            "{nick:?}: {answer}"
        );
    }
    for body in ["{}", r#"{"nickName": 7}"#, "not json"] {
        let (status, answer) = call_router(
            &h.router,
            "PUT",
            "/auth/profile/nickname",
            Some(body),
            Some(&t),
        )
        .await;
        assert_eq!((status, error_code(&answer)), (400, Some("bad_request")));
    }
    assert_eq!(checks(&h), before, "WeChat was never asked");
    // Thirty characters, combining marks composed, are fine.
    let (status, answer) = put(&h.router, &t, &"e\u{301}".repeat(30)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["profile"]["nickName"], "\u{e9}".repeat(30));
    // No token, no nickname; another method is not this route.
    let body = json!({"nickName": "x"}).to_string();
    let (status, _) = call_router(
        &h.router,
        "PUT",
        "/auth/profile/nickname",
        Some(&body),
        None,
    )
    .await;
    assert_eq!(status, 401);
    let (status, answer) = call_router(
        &h.router,
        "POST",
        "/auth/profile/nickname",
        Some(&body),
        Some(&t),
    )
    .await;
    assert_eq!(
        (status, error_code(&answer)),
        (405, Some("method_not_allowed"))
    );
}

#[tokio::test]
async fn bad_nicknames_are_refused_on_dynamodb() {
    bad_nicknames_are_refused(StoreKind::Dynamo).await;
}

#[tokio::test]
async fn bad_nicknames_are_refused_on_the_embedded_store() {
    bad_nicknames_are_refused(StoreKind::Embedded).await;
}

fn unique_number() -> String {
    format!("133{:08}", uuid::Uuid::new_v4().as_u128() % 100_000_000)
}

/// Sends a code for `purpose` and reads it from the outbox.
async fn sms_code(h: &Harness, number: &str, purpose: &str) -> String {
    let body = json!({ "phone": number, "purpose": purpose }).to_string();
    let (status, answer) = h.post("/auth/sms/send", &body, None).await;
    assert_eq!(status, 200, "{answer}");
    h.sms_codes_sent(&format!("+86{number}"))
        .pop()
        .expect("a code in the outbox")
}

/// An SMS login of `number`: its answer.
async fn sms_login(h: &Harness, number: &str) -> Value {
    let code = sms_code(h, number, "login").await;
    let body = json!({ "phone": number, "code": code }).to_string();
    let (status, answer) = h.post("/auth/sms/login", &body, None).await;
    assert_eq!(status, 200, "{answer}");
    answer
}

/// A number's session has no openid: the user's WeChat identity is checked
/// instead; an account without one is unavailable under strict, stored
/// unchecked under lenient, and off under off.
async fn a_numbers_session(kind: StoreKind) {
    let h = Harness::start(kind).await;
    // A WeChat user who bound a number, now logged in by that number.
    let wechat = h.logged_in("pia", "", APP_A).await;
    let number = unique_number();
    let code = sms_code(&h, &number, "bind").await;
    let bind = json!({ "phone": number, "smsCode": code }).to_string();
    let (status, answer) = h.post("/auth/phone", &bind, Some(&token(&wechat))).await;
    assert_eq!(status, 200, "{answer}");
    h.clock.advance(61);
    let by_number = sms_login(&h, &number).await;
    assert_eq!(by_number["userId"], wechat["userId"]);
    let before = checks(&h);
    let (status, answer) = put(&h.router, &token(&by_number), "皮亚").await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["contentChecks"]["nickName"]["state"], "passed");
    assert_eq!(checks(&h), before + 1, "checked under pia's openid");
    let (status, answer) = put(&h.router, &token(&by_number), "违规").await;
    assert_eq!(
        (status, error_code(&answer)),
        (422, Some("content_rejected"))
    );

    // A number's account with no WeChat identity.
    let alone = token(&sms_login(&h, &unique_number()).await);
    let (status, answer) = put(&h.router, &alone, "号码用户").await;
    assert_eq!(
        (status, error_code(&answer)),
        (409, Some("content_check_unavailable")),
        "{answer}"
    );
    assert_eq!(checks(&h), before + 2, "no openid, no call");
    let lenient = h.router_with(&[("CONTENT_CHECK", "lenient")]);
    let (status, answer) = put(&lenient, &alone, "号码用户").await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["contentChecks"]["nickName"]["state"], "unchecked");
    let off = h.router_with(&[("CONTENT_CHECK", "off")]);
    let (status, answer) = put(&off, &alone, "号码用户二").await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["contentChecks"]["nickName"]["state"], "off");
    assert_eq!(shown(&h, &alone).await, (json!("号码用户二"), json!("off")));
}

#[tokio::test]
async fn a_numbers_session_on_dynamodb() {
    a_numbers_session(StoreKind::Dynamo).await;
}

#[tokio::test]
async fn a_numbers_session_on_the_embedded_store() {
    a_numbers_session(StoreKind::Embedded).await;
}

/// `POST /auth/profile` with WeChat's placeholder keeps a checked nickname
/// and its check; a real nickname of WeChat's replaces it, marked `wechat`.
async fn the_decrypt_path_keeps_the_check(kind: StoreKind) {
    let h = Harness::start(kind).await;
    let t = token(&h.logged_in("quin", "", APP_A).await);
    let (status, _) = put(&h.router, &t, "昆").await;
    assert_eq!(status, 200);
    let post = |nick: &str| {
        let payload = profile_payload(APP_A, "quin", nick, "https://wx.qlogo.cn/q/132", None);
        let data = h
            .simulator()
            .mint_open_data(APP_A, "quin", payload)
            .expect("a session");
        json!({ "encryptedData": data.encrypted_data, "iv": data.iv }).to_string()
    };
    let (status, answer) = h.post("/auth/profile", &post("微信用户"), Some(&t)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["profile"]["nickName"], "昆");
    let account = me(&h, &t).await;
    assert_eq!(account["profile"]["avatarUrl"], "https://wx.qlogo.cn/q/132");
    assert_eq!(
        (
            &account["profile"]["nickName"],
            &account["contentChecks"]["nickName"]["state"]
        ),
        (&json!("昆"), &json!("passed"))
    );
    let (status, answer) = h.post("/auth/profile", &post("Quin"), Some(&t)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(shown(&h, &t).await, (json!("Quin"), json!("wechat")));
}

#[tokio::test]
async fn the_decrypt_path_keeps_the_check_on_dynamodb() {
    the_decrypt_path_keeps_the_check(StoreKind::Dynamo).await;
}

#[tokio::test]
async fn the_decrypt_path_keeps_the_check_on_the_embedded_store() {
    the_decrypt_path_keeps_the_check(StoreKind::Embedded).await;
}
