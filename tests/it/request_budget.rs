//! DynamoDB requests per login, counted by an SDK interceptor.

use wxauth_tests::StoreKind;
use wxauth_tests::harness::{APP_B, Harness};

#[tokio::test]
async fn returning_login_costs_one_request_and_a_new_user_two() {
    let h = Harness::start(StoreKind::Dynamo).await;
    let counter = h
        .dynamo_requests
        .clone()
        .expect("DynamoDB harness counts requests");
    counter.take();

    let (status, _) = h.login(&Harness::code("frank", ""), None).await;
    assert_eq!(status, 200);
    let new_user = counter.take();
    assert!(new_user <= 2, "a new user's login took {new_user} requests");

    let (status, _) = h.login(&Harness::code("frank", ""), None).await;
    assert_eq!(status, 200);
    assert_eq!(counter.take(), 1, "a returning user's login is one request");

    let (status, _) = h
        .login(&Harness::code("grace", "unionid=acme-grace"), None)
        .await;
    assert_eq!(status, 200);
    let with_union = counter.take();
    assert!(
        with_union <= 2,
        "a new user with a unionid took {with_union} requests"
    );

    let (status, _) = h
        .login(&Harness::code("grace", "unionid=acme-grace"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        counter.take(),
        1,
        "returning with a linked unionid is one request"
    );

    // A new openid joining an existing user through its unionid (another app).
    let (status, body) = h
        .login(&Harness::code("grace", "unionid=acme-grace"), Some(APP_B))
        .await;
    assert_eq!((status, body["isNewUser"].as_bool()), (200, Some(false)));
    let join = counter.take();
    assert!(join <= 4, "joining through a unionid took {join} requests");
    println!(
        "DynamoDB requests per login: new user {new_user}, new user with unionid {with_union}, returning 1, unionid join {join}"
    );
}

#[tokio::test]
async fn a_profile_decrypt_costs_two_requests() {
    let h = Harness::start(StoreKind::Dynamo).await;
    let counter = h
        .dynamo_requests
        .clone()
        .expect("DynamoDB harness counts requests");
    let (_, body) = h.login(&Harness::code("heidi", ""), None).await;
    let token = body["token"].as_str().unwrap().to_owned();
    for (nick, union) in [
        ("Heidi", None),
        ("Heidi", Some("acme-heidi")),
        ("Heidi 2", None),
    ] {
        let payload = wxauth_wechat_sim::profile_payload(
            wxauth_tests::harness::APP_A,
            "heidi",
            nick,
            "https://a/b.png",
            union,
        );
        let data = h
            .simulator()
            .mint_open_data(wxauth_tests::harness::APP_A, "heidi", payload)
            .unwrap();
        let request =
            serde_json::json!({"encryptedData": data.encrypted_data, "iv": data.iv}).to_string();
        counter.take();
        let (status, answer) = h.post("/auth/profile", &request, Some(&token)).await;
        assert_eq!(status, 200, "{answer}");
        let used = counter.take();
        assert!(
            used <= 2,
            "a profile decrypt ({nick}, {union:?}) took {used} requests"
        );
    }
}

#[tokio::test]
async fn a_phone_bind_costs_two_requests() {
    let h = Harness::start(StoreKind::Dynamo).await;
    let counter = h
        .dynamo_requests
        .clone()
        .expect("DynamoDB harness counts requests");
    let (_, body) = h.login(&Harness::code("ivy", ""), None).await;
    let token = body["token"].as_str().unwrap().to_owned();
    let first = format!("136{:08}", uuid::Uuid::new_v4().as_u128() % 100_000_000);
    let second = format!("135{:08}", uuid::Uuid::new_v4().as_u128() % 100_000_000);
    // A first number, a change of number, and the same number again.
    for number in [&first, &second, &second] {
        let spec = wxauth_wechat_sim::PhoneSpec::china(number.as_str());
        let code = h
            .simulator()
            .mint_phone_code(wxauth_tests::harness::APP_A, "ivy", &spec);
        counter.take();
        let request = serde_json::json!({ "code": code }).to_string();
        let (status, answer) = h.post("/auth/phone", &request, Some(&token)).await;
        assert_eq!(status, 200, "{answer}");
        let used = counter.take();
        assert!(used <= 2, "a phone bind took {used} requests");
    }
}

/// Refresh reads the session's identity and rotates it: two requests; logout
/// one; logout everywhere two; the authorizer one read per token.
#[tokio::test]
async fn refresh_logout_and_the_authorizer_stay_within_their_budgets() {
    let h = Harness::start(StoreKind::Dynamo).await;
    let counter = h
        .dynamo_requests
        .clone()
        .expect("DynamoDB harness counts requests");
    let (status, first) = h
        .login(&Harness::code("hana", "unionid=acme-hana"), None)
        .await;
    assert_eq!(status, 200);
    let (status, _) = h
        .login(&Harness::code("hana", "unionid=acme-hana"), Some(APP_B))
        .await;
    assert_eq!(status, 200);
    counter.take();

    let (status, renewed) = h.refresh(first["refreshToken"].as_str().unwrap()).await;
    assert_eq!(status, 200, "{renewed}");
    let refresh = counter.take();
    assert!(refresh <= 2, "a refresh took {refresh} requests");
    let token = renewed["token"].as_str().unwrap();

    assert!(h.authorize(token).await.is_authorized);
    assert_eq!(counter.take(), 1, "the authorizer reads once");

    let (status, _) = h.post("/auth/logout", "", Some(token)).await;
    assert_eq!(status, 200);
    let logout = counter.take();
    assert!(logout <= 2, "a logout took {logout} requests");

    let (status, again) = h
        .login(&Harness::code("hana", "unionid=acme-hana"), None)
        .await;
    assert_eq!(status, 200);
    counter.take();
    let (status, _) = h
        .post("/auth/logout", r#"{"all":true}"#, again["token"].as_str())
        .await;
    assert_eq!(status, 200);
    let everywhere = counter.take();
    assert!(
        everywhere <= 2,
        "logging out everywhere took {everywhere} requests"
    );
    println!(
        "DynamoDB requests: refresh {refresh}, logout {logout}, logout everywhere {everywhere}, authorizer 1"
    );
}
