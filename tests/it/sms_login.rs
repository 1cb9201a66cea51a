//! Login by SMS code through the HTTP surface, on both stores, with the local
//! outbox as the provider (the tests read the codes there): a new number is a
//! new user holding only it, a known one logs its user in; a code is single
//! use, expires, dies after five wrong tries; sending is limited per number
//! (a minute apart, ten a day) and per source address; the answer never says
//! whether a number has an account.

use serde_json::{Value, json};
use wxauth_tests::StoreKind;
use wxauth_tests::harness::{APP_A, Harness, call_router, error_code, text, token};
use wxauth_wechat_sim::PhoneSpec;

fn unique_number() -> String {
    format!("133{:08}", uuid::Uuid::new_v4().as_u128() % 100_000_000)
}

async fn send(h: &Harness, phone: &str) -> (u16, Value) {
    h.post(
        "/auth/sms/send",
        &json!({ "phone": phone, "purpose": "login" }).to_string(),
        None,
    )
    .await
}

async fn sms_login(h: &Harness, phone: &str, code: &str) -> (u16, Value) {
    h.post(
        "/auth/sms/login",
        &json!({ "phone": phone, "code": code }).to_string(),
        None,
    )
    .await
}

/// Sends a code to `number` and answers the code the outbox received.
async fn code_for(h: &Harness, number: &str) -> String {
    let (status, answer) = send(h, number).await;
    assert_eq!(
        (status, answer),
        (200, json!({"sent": true, "resendAfter": 60}))
    );
    h.sms_codes_sent(&format!("+86{number}"))
        .pop()
        .expect("a code in the outbox")
}

async fn a_number_logs_in_by_sms(kind: StoreKind) {
    let h = Harness::start(kind).await;
    let number = unique_number();
    let code = code_for(&h, &number).await;
    // Typed as people type it: spaces, or with +86.
    let typed = format!("{} {} {}", &number[..3], &number[3..7], &number[7..]);
    let (status, first) = sms_login(&h, &typed, &code).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["isNewUser"], true);
    for field in ["token", "refreshToken", "userId"] {
        assert!(first[field].is_string(), "{field}: {first}");
    }
    let (status, account) = h.call("GET", "/auth/me", None, Some(&token(&first))).await;
    assert_eq!(status, 200, "{account}");
    assert_eq!(
        (&account["identities"], &account["sessions"]),
        (
            &json!([{"kind": "phone", "phone": format!("+86 {}****{}", &number[..3], &number[7..])}]),
            &json!(1)
        )
    );
    // The session refreshes and the authorizer accepts it, like a WeChat one.
    let (status, renewed) = h.refresh(&text(&first, "refreshToken")).await;
    assert_eq!(status, 200, "{renewed}");
    let decision = h.authorize(&token(&renewed)).await;
    assert!(decision.is_authorized);
    assert_eq!(decision.context["identity"], "phone");
    assert!(!json!(decision.context).to_string().contains(&number));

    // The code is used up.
    let (status, answer) = sms_login(&h, &number, &code).await;
    assert_eq!(
        (status, error_code(&answer)),
        (400, Some("sms_code_invalid"))
    );

    // A known number logs its user in, with a new session (the old one ends).
    h.clock.advance(61);
    let code = code_for(&h, &number).await;
    let (status, again) = sms_login(&h, &format!("+86{number}"), &code).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(
        (&again["userId"], &again["isNewUser"]),
        (&first["userId"], &json!(false))
    );
    let (status, answer) = h
        .call("GET", "/auth/me", None, Some(&token(&renewed)))
        .await;
    assert_eq!((status, error_code(&answer)), (401, Some("session_ended")));

    // The mini-program's phone button with the same number: the WeChat user
    // joins the account made by SMS.
    let phone_code = h
        .simulator()
        .mint_phone_code(APP_A, "sam", &PhoneSpec::china(&number));
    let body = json!({ "code": Harness::code("sam", ""), "appid": APP_A, "phoneCode": phone_code });
    let (status, joined) = h.post("/auth/login", &body.to_string(), None).await;
    assert_eq!(status, 200, "{joined}");
    assert_eq!(
        (&joined["userId"], &joined["isNewUser"]),
        (&first["userId"], &json!(false))
    );
}

#[tokio::test]
async fn sms_login_on_dynamodb() {
    a_number_logs_in_by_sms(StoreKind::Dynamo).await;
}

#[tokio::test]
async fn sms_login_on_the_embedded_store() {
    a_number_logs_in_by_sms(StoreKind::Embedded).await;
}

async fn codes_die_expire_and_sending_is_limited(kind: StoreKind) {
    let h = Harness::start(kind).await;
    // Five wrong tries kill the code, the right one included.
    let number = unique_number();
    let code = code_for(&h, &number).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        let (status, answer) = sms_login(&h, &number, wrong).await;
        assert_eq!(
            (status, error_code(&answer)),
            (400, Some("sms_code_invalid"))
        );
    }
    let (status, _) = sms_login(&h, &number, &code).await;
    assert_eq!(status, 400, "a dead code");

    // Five minutes, then it expires.
    h.clock.advance(61);
    let code = code_for(&h, &number).await;
    h.clock.advance(300);
    let (status, _) = sms_login(&h, &number, &code).await;
    assert_eq!(status, 400, "an expired code");

    // A minute between two codes to one number, with the wait in Retry-After.
    let number = unique_number();
    code_for(&h, &number).await;
    let event = wxauth_tests::events::http_api_event(
        "POST",
        "/auth/sms/send",
        Some(&json!({ "phone": number }).to_string()),
        None,
    );
    let response =
        wxauth_shared::lambda::handle(&h.router, wxauth_tests::events::request(&event)).await;
    // 60 s, or 59 when the clock (the machine's) ticked between the sends.
    let wait = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(wait == "60" || wait == "59", "{wait}");
    let (status, answer) = wxauth_tests::events::status_and_json(response);
    assert_eq!((status, error_code(&answer)), (429, Some("rate_limited")));

    // Ten a day per number.
    for _ in 1..10 {
        h.clock.advance(61);
        code_for(&h, &number).await;
    }
    h.clock.advance(61);
    let (status, answer) = send(&h, &number).await;
    assert_eq!(
        (status, error_code(&answer)),
        (429, Some("rate_limited")),
        "{answer}"
    );
    assert_eq!(h.sms_codes_sent(&format!("+86{number}")).len(), 10);

    // Invalid numbers.
    for bad in ["12345", "+999 1234567", "+86 23800138000", "not a number"] {
        let (status, answer) = send(&h, bad).await;
        assert_eq!(
            (status, error_code(&answer)),
            (400, Some("invalid_phone")),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn codes_and_limits_on_dynamodb() {
    codes_die_expire_and_sending_is_limited(StoreKind::Dynamo).await;
}

#[tokio::test]
async fn codes_and_limits_on_the_embedded_store() {
    codes_die_expire_and_sending_is_limited(StoreKind::Embedded).await;
}

/// One source address asking codes for many numbers is bounded per hour; the
/// answer is the same whether a number has an account or not.
#[tokio::test]
async fn one_source_is_bounded_and_answers_do_not_tell_accounts() {
    let h = Harness::start(StoreKind::Embedded).await;
    let known = unique_number();
    let code = code_for(&h, &known).await;
    assert_eq!(sms_login(&h, &known, &code).await.0, 200);
    let (_, for_known) = send(&h, &format!("+86{}", unique_number())).await;
    h.clock.advance(61);
    let (_, for_account) = send(&h, &known).await;
    assert_eq!(
        for_known, for_account,
        "same answer with and without an account"
    );
    for _ in 3..30 {
        assert_eq!(send(&h, &unique_number()).await.0, 200);
    }
    let (status, answer) = send(&h, &unique_number()).await;
    assert_eq!(
        (status, error_code(&answer)),
        (429, Some("rate_limited")),
        "{answer}"
    );
    // An hour later the source may ask again.
    h.clock.advance(3600);
    assert_eq!(send(&h, &unique_number()).await.0, 200);
}

/// Two SMS logins registering one new number at once make one user: the
/// first is held before its commit while the second registers the number.
#[tokio::test]
async fn two_sms_logins_registering_one_number_make_one_user() {
    let (h, proxy) = Harness::with_proxy().await;
    let number = unique_number();
    let code = code_for(&h, &number).await;
    let router = h.router_via(&proxy);
    // The held login's writes: the code used up, then the registration.
    let mut hold = proxy.hold(wxauth_tests::dynamo_proxy::WRITES, 2);
    let body = json!({ "phone": number, "code": code }).to_string();
    let held = tokio::spawn(async move {
        call_router(&router, "POST", "/auth/sms/login", Some(&body), None).await
    });
    hold.reached().await;
    h.clock.advance(61);
    let code = code_for(&h, &number).await;
    let (status, second) = sms_login(&h, &number, &code).await;
    assert_eq!(
        (status, &second["isNewUser"]),
        (200, &json!(true)),
        "{second}"
    );
    hold.release();
    let (status, first) = held.await.unwrap();
    assert_eq!(status, 200, "{first}");
    assert_eq!(
        (&first["userId"], &first["isNewUser"]),
        (&second["userId"], &json!(false)),
        "decided again: the number's user"
    );
    let users = h
        .all_keys()
        .await
        .into_iter()
        .filter(|k| k.starts_with("USER#"))
        .count();
    assert_eq!(users, 1);
}

async fn send_for(h: &Harness, phone: &str, purpose: &str) -> String {
    let body = json!({ "phone": phone, "purpose": purpose }).to_string();
    let (status, answer) = h.post("/auth/sms/send", &body, None).await;
    assert_eq!(status, 200, "{answer}");
    h.sms_codes_sent(&format!("+86{phone}"))
        .pop()
        .expect("a code in the outbox")
}

/// A mini-program user (of a mini-program that cannot show the phone button,
/// say) binds a typed number by SMS; a code sent for login does not bind.
async fn a_typed_number_is_bound_by_sms(kind: StoreKind) {
    let h = Harness::start(kind).await;
    let user = h.logged_in("ben", "", APP_A).await;
    let number = unique_number();
    let login_code = send_for(&h, &number, "login").await;
    let bind = |code: &str| json!({ "phone": number, "smsCode": code }).to_string();
    let (status, answer) = h
        .post("/auth/phone", &bind(&login_code), Some(&token(&user)))
        .await;
    assert_eq!(
        (status, error_code(&answer)),
        (400, Some("sms_code_invalid")),
        "{answer}"
    );
    h.clock.advance(61);
    let code = send_for(&h, &number, "bind").await;
    let (status, answer) = h
        .post("/auth/phone", &bind(&code), Some(&token(&user)))
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["phoneNumber"], format!("+86{number}"));
    let (_, account) = h.call("GET", "/auth/me", None, Some(&token(&user))).await;
    assert_eq!(account["identities"][1]["kind"], "phone");
    // The number now logs the same user in by SMS.
    h.clock.advance(61);
    let code = send_for(&h, &number, "login").await;
    let (status, by_sms) = sms_login(&h, &number, &code).await;
    assert_eq!(
        (status, &by_sms["userId"], &by_sms["isNewUser"]),
        (200, &user["userId"], &json!(false))
    );
    // Another user cannot take it.
    let other = h.logged_in("bea", "", APP_A).await;
    h.clock.advance(61);
    let code = send_for(&h, &number, "bind").await;
    let (status, answer) = h
        .post("/auth/phone", &bind(&code), Some(&token(&other)))
        .await;
    assert_eq!((status, error_code(&answer)), (409, Some("phone_taken")));
    // A session of a number cannot redeem WeChat's phone code.
    let (status, answer) = h
        .post("/auth/phone", r#"{"code":"x"}"#, Some(&token(&by_sms)))
        .await;
    assert_eq!(
        (status, error_code(&answer)),
        (400, Some("bad_request")),
        "{answer}"
    );
}

#[tokio::test]
async fn bind_by_sms_on_dynamodb() {
    a_typed_number_is_bound_by_sms(StoreKind::Dynamo).await;
}

#[tokio::test]
async fn bind_by_sms_on_the_embedded_store() {
    a_typed_number_is_bound_by_sms(StoreKind::Embedded).await;
}

/// Through Tencent Cloud SMS (its stand-in checks every signature): a code
/// sent logs in; a refused number is `400 invalid_phone`, a failing provider
/// `502 sms_unavailable`, its per-number limit `429`, and a code that was not
/// sent is not kept (a login with it fails).
async fn provider_answers_through_http(kind: StoreKind) {
    use std::sync::Arc;
    use wxauth_tests::tencent_sms::{self as standin, Failure, TencentSmsStandIn};
    let stand_in = TencentSmsStandIn::start(Arc::new(wxauth_shared::clock::SystemClock)).await;
    let endpoint = stand_in.endpoint();
    let settings = [
        ("SMS_PROVIDER", "tencent"),
        ("TENCENT_SMS_SECRET_ID", standin::SECRET_ID),
        ("TENCENT_SMS_SECRET_KEY", standin::SECRET_KEY),
        ("TENCENT_SMS_SDK_APP_ID", standin::SDK_APP_ID),
        ("TENCENT_SMS_SIGN_NAME", standin::SIGN_NAME),
        ("TENCENT_SMS_TEMPLATE_ID", standin::TEMPLATE_ID),
        ("TENCENT_SMS_ENDPOINT", endpoint.as_str()),
    ];
    let h = Harness::start_with(kind, &settings).await;
    let number = unique_number();
    let (status, answer) = send(&h, &number).await;
    assert_eq!(status, 200, "{answer}");
    let code = stand_in
        .last_code_to(&format!("+86{number}"))
        .expect("Tencent received the code");
    let (status, login) = sms_login(&h, &number, &code).await;
    assert_eq!(
        (status, &login["isNewUser"]),
        (200, &json!(true)),
        "{login}"
    );

    let refused = unique_number();
    stand_in.blacklist(&format!("+86{refused}"));
    let (status, answer) = send(&h, &refused).await;
    assert_eq!(
        (status, error_code(&answer)),
        (400, Some("invalid_phone")),
        "{answer}"
    );

    for failure in [
        Failure::Error("AuthFailure.SecretIdNotFound"),
        Failure::Error("FailedOperation.TemplateIncorrectOrUnapproved"),
        Failure::Garbage,
        Failure::Http(500),
    ] {
        let number = unique_number();
        stand_in.fail_next(failure);
        let (status, answer) = send(&h, &number).await;
        assert_eq!(
            (status, error_code(&answer)),
            (502, Some("sms_unavailable")),
            "{answer}"
        );
        // Nothing was kept: no code to log in with, whatever is typed.
        let keys = h.all_keys().await;
        assert!(
            !keys
                .iter()
                .any(|k| k.starts_with("SMSCODE#") && k.ends_with(&number)),
            "a code kept for a message not sent: {keys:?}"
        );
    }

    let limited = unique_number();
    stand_in.fail_next(Failure::Error(standin::THIRTY_SECOND_LIMIT));
    let (status, answer) = send(&h, &limited).await;
    assert_eq!(
        (status, error_code(&answer)),
        (429, Some("rate_limited")),
        "{answer}"
    );
}

#[tokio::test]
async fn tencent_sms_on_dynamodb() {
    provider_answers_through_http(StoreKind::Dynamo).await;
}

#[tokio::test]
async fn tencent_sms_on_the_embedded_store() {
    provider_answers_through_http(StoreKind::Embedded).await;
}
