//! bind-phone through the HTTP surface: phone codes and the legacy payload,
//! one number per user, number changes, the access token, and races.

use serde_json::{Value, json};
use std::sync::Arc;
use wxauth_tests::StoreKind;
use wxauth_tests::harness::{APP_A, Harness};
use wxauth_wechat_sim::{PhoneSpec, phone_payload};

async fn login(h: &Harness, user: &str) -> String {
    let (status, body) = h.login(&Harness::code(user, ""), Some(APP_A)).await;
    assert_eq!(status, 200, "{body}");
    body["token"].as_str().unwrap().to_owned()
}

async fn bind_code(h: &Harness, token: &str, user: &str, spec: &PhoneSpec) -> (u16, Value) {
    let code = h.simulator().mint_phone_code(APP_A, user, spec);
    h.post(
        "/auth/phone",
        &json!({ "code": code }).to_string(),
        Some(token),
    )
    .await
}

fn unique_number() -> String {
    format!("137{:08}", uuid::Uuid::new_v4().as_u128() % 100_000_000)
}

/// Legacy phone data minted for `user`'s current key: (encryptedData, iv).
fn legacy_data(h: &Harness, user: &str) -> (String, String) {
    let data = h
        .simulator()
        .mint_open_data(
            APP_A,
            user,
            phone_payload(&PhoneSpec::china(unique_number())),
        )
        .unwrap();
    (data.encrypted_data, data.iv)
}

fn code_of(answer: &Value) -> Option<&str> {
    answer["error"]["code"].as_str()
}

#[tokio::test]
async fn a_phone_code_binds_the_number_once_per_user() {
    let h = Harness::start(StoreKind::Dynamo).await;
    let number = unique_number();
    let alice = login(&h, "alice").await;
    let (status, answer) = bind_code(&h, &alice, "alice", &PhoneSpec::china(&number)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["phoneNumber"], format!("+86{number}"));
    assert_eq!(answer["purePhoneNumber"], number.as_str());
    assert_eq!(answer["countryCode"], "86");
    let (_, relogin) = h.login(&Harness::code("alice", ""), Some(APP_A)).await;
    assert_eq!(relogin["hasPhone"], true);
    // The new login replaced alice's session: its token is the live one.
    let alice = relogin["token"].as_str().unwrap().to_owned();

    // The same number again: fine, nothing rewritten. A used code: WeChat refuses it.
    let (status, _) = bind_code(&h, &alice, "alice", &PhoneSpec::china(&number)).await;
    assert_eq!(status, 200);
    let code = h
        .simulator()
        .mint_phone_code(APP_A, "alice", &PhoneSpec::china(&number));
    assert_eq!(
        h.post(
            "/auth/phone",
            &json!({ "code": code }).to_string(),
            Some(&alice)
        )
        .await
        .0,
        200
    );
    let (status, answer) = h
        .post(
            "/auth/phone",
            &json!({ "code": code }).to_string(),
            Some(&alice),
        )
        .await;
    assert_eq!(
        (status, code_of(&answer)),
        (400, Some("phone_code_invalid"))
    );

    // Another user: 409, nothing changed for them.
    let bob = login(&h, "bob").await;
    let (status, answer) = bind_code(&h, &bob, "bob", &PhoneSpec::china(&number)).await;
    assert_eq!((status, code_of(&answer)), (409, Some("phone_taken")));
    let (_, bob_login) = h.login(&Harness::code("bob", ""), Some(APP_A)).await;
    assert_eq!(bob_login["hasPhone"], false);

    // Alice changes her number: the old one is released to Bob.
    let bob = bob_login["token"].as_str().unwrap().to_owned();
    let (status, _) = bind_code(&h, &alice, "alice", &PhoneSpec::china(unique_number())).await;
    assert_eq!(status, 200);
    let (status, answer) = bind_code(&h, &bob, "bob", &PhoneSpec::china(&number)).await;
    assert_eq!(status, 200, "{answer}");
}

#[tokio::test]
async fn a_used_or_refused_phone_code_is_phone_code_invalid() {
    let h = Harness::start(StoreKind::Embedded).await;
    let grace = login(&h, "grace").await;
    let code = h
        .simulator()
        .mint_phone_code(APP_A, "grace", &PhoneSpec::china(unique_number()));
    let body = json!({ "code": code }).to_string();
    assert_eq!(h.post("/auth/phone", &body, Some(&grace)).await.0, 200);

    // The same phone code again: WeChat answers 40029. It is the button's code,
    // so the client is told to tap the button again, not to call wx.login.
    let (status, answer) = h.post("/auth/phone", &body, Some(&grace)).await;
    assert_eq!(
        (status, code_of(&answer)),
        (400, Some("phone_code_invalid")),
        "{answer}"
    );
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(message.contains("button"), "{message}");
    assert!(!message.contains("wx.login"), "{message}");

    // WeChat's 40163 ("code been used") for a phone code: the same answer.
    h.simulator().fail_next_access_token_use(APP_A, 40163);
    let (status, answer) = bind_code(&h, &grace, "grace", &PhoneSpec::china(unique_number())).await;
    assert_eq!(
        (status, code_of(&answer)),
        (400, Some("phone_code_invalid")),
        "{answer}"
    );

    // A code nobody minted.
    let (status, answer) = h
        .post(
            "/auth/phone",
            r#"{"code":"0123456789abcdef"}"#,
            Some(&grace),
        )
        .await;
    assert_eq!(
        (status, code_of(&answer)),
        (400, Some("phone_code_invalid")),
        "{answer}"
    );

    // Login codes keep their own codes.
    let (status, answer) = h
        .login(&Harness::code("grace", "errcode=40029"), Some(APP_A))
        .await;
    assert_eq!((status, code_of(&answer)), (400, Some("invalid_code")));
}

#[tokio::test]
async fn country_codes_as_numbers_and_the_legacy_payload() {
    let h = Harness::start(StoreKind::Embedded).await;
    let carol = login(&h, "carol").await;
    let mut hong_kong = PhoneSpec::new("852", "61234567");
    hong_kong.country_code_as_number = true;
    let (status, answer) = bind_code(&h, &carol, "carol", &hong_kong).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        (
            answer["phoneNumber"].as_str(),
            answer["countryCode"].as_str()
        ),
        (Some("+85261234567"), Some("852"))
    );

    let dave = login(&h, "dave").await;
    let number = unique_number();
    let data = h
        .simulator()
        .mint_open_data(APP_A, "dave", phone_payload(&PhoneSpec::china(&number)))
        .unwrap();
    let legacy = json!({ "encryptedData": data.encrypted_data, "iv": data.iv }).to_string();
    let (status, answer) = h.post("/auth/phone", &legacy, Some(&dave)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["phoneNumber"], format!("+86{number}"));
    // wx.login ran again without reaching us: data made with WeChat's new key
    // does not decrypt with the stored old one, which WeChat no longer holds.
    h.wechat_login_only("dave", APP_A).await;
    let rotated = legacy_data(&h, "dave");
    let rotated = json!({ "encryptedData": rotated.0, "iv": rotated.1 }).to_string();
    let (status, answer) = h.post("/auth/phone", &rotated, Some(&dave)).await;
    assert_eq!((status, code_of(&answer)), (409, Some("session_key_stale")));
    // After logging in again, the old payload is of another session: bad data
    // (WeChat's checksession confirms the stored key; this used to be
    // session_key_stale).
    let dave = login(&h, "dave").await;
    let (status, answer) = h.post("/auth/phone", &legacy, Some(&dave)).await;
    assert_eq!((status, code_of(&answer)), (400, Some("bad_data")));
    // Corrupt data of a valid length under dave's current key: bad data.
    let bad = legacy_data(&h, "dave");
    let mut data =
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &bad.0).unwrap();
    let last = data.len() - 1;
    data[last] ^= 0x5a;
    let corrupt = json!({
        "encryptedData": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &data),
        "iv": bad.1,
    })
    .to_string();
    let (status, answer) = h.post("/auth/phone", &corrupt, Some(&dave)).await;
    assert_eq!(
        (status, code_of(&answer)),
        (400, Some("bad_data")),
        "{answer}"
    );
    // WeChat busy on checksession: the old answer, never a 5xx.
    for _ in 0..3 {
        h.simulator().fail_next_access_token_use(APP_A, -1);
    }
    let (status, answer) = h.post("/auth/phone", &corrupt, Some(&dave)).await;
    assert_eq!(
        (status, code_of(&answer)),
        (409, Some("session_key_stale")),
        "{answer}"
    );

    for body in [
        "{}",
        r#"{"code":5}"#,
        r#"{"code":""}"#,
        r#"{"code":"x","iv":"AAAA"}"#,
        r#"{"encryptedData":"AAAA"}"#,
    ] {
        let (status, answer) = h.post("/auth/phone", body, Some(&dave)).await;
        assert_eq!(
            (status, code_of(&answer)),
            (400, Some("bad_request")),
            "{body}"
        );
    }
    assert_eq!(
        h.post("/auth/phone", r#"{"code":"abc"}"#, None).await.0,
        401
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_binds_fetch_one_access_token_and_40001_refetches_once() {
    let h = Harness::start(StoreKind::Embedded).await;
    let h = Arc::new(h);
    let mut requests = Vec::new();
    for i in 0..20 {
        let user = format!("buyer{i}");
        let token = login(&h, &user).await;
        let code = h
            .simulator()
            .mint_phone_code(APP_A, &user, &PhoneSpec::china(unique_number()));
        requests.push((token, code));
    }
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|(token, code)| {
            let h = h.clone();
            tokio::spawn(async move {
                h.post(
                    "/auth/phone",
                    &json!({ "code": code }).to_string(),
                    Some(&token),
                )
                .await
            })
        })
        .collect();
    for task in tasks {
        let (status, answer) = task.await.unwrap();
        assert_eq!(status, 200, "{answer}");
    }
    assert_eq!(
        h.simulator().calls("stable_token"),
        1,
        "one access token for 20 concurrent binds"
    );

    h.simulator().fail_next_access_token_use(APP_A, 40001);
    let token = login(&h, "late").await;
    let (status, answer) = bind_code(&h, &token, "late", &PhoneSpec::china(unique_number())).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        h.simulator().calls("stable_token"),
        2,
        "40001 led to exactly one refetch"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn fifty_users_binding_one_number_at_once() {
    let h = Harness::start(StoreKind::Dynamo).await;
    let h = Arc::new(h);
    let number = unique_number();
    let mut requests = Vec::new();
    for i in 0..50 {
        let user = format!("racer{i}-{}", uuid::Uuid::new_v4().simple());
        let token = login(&h, &user).await;
        let code = h
            .simulator()
            .mint_phone_code(APP_A, &user, &PhoneSpec::china(&number));
        requests.push((user, token, code));
    }
    let barrier = Arc::new(tokio::sync::Barrier::new(50));
    let tasks: Vec<_> = requests
        .iter()
        .cloned()
        .map(|(_, token, code)| {
            let (h, barrier) = (h.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                h.post(
                    "/auth/phone",
                    &json!({ "code": code }).to_string(),
                    Some(&token),
                )
                .await
            })
        })
        .collect();
    let mut winners = Vec::new();
    for (i, task) in tasks.into_iter().enumerate() {
        let (status, answer) = task.await.unwrap();
        match status {
            200 => winners.push(i),
            409 => assert_eq!(code_of(&answer), Some("phone_taken")),
            other => panic!("unexpected {other}: {answer}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one user got the number");
    // No orphan: once the winner moves to another number, a loser can take this one.
    let (winner, winner_token, _) = &requests[winners[0]];
    let (status, _) = bind_code(&h, winner_token, winner, &PhoneSpec::china(unique_number())).await;
    assert_eq!(status, 200);
    let (loser, loser_token, _) = &requests[(winners[0] + 1) % 50];
    let (status, answer) = bind_code(&h, loser_token, loser, &PhoneSpec::china(&number)).await;
    assert_eq!(status, 200, "{answer}");
}
