//! Races on the DynamoDB emulator, forced rather than hoped for: one request goes
//! through a proxy that holds it between its read and its write, another runs
//! to the end meanwhile, then the held one goes on. Each test names the defect
//! of issue 10 it pins down (they failed on the store adapters of before).

use serde_json::{Value, json};
use wxauth_tests::dynamo_proxy::{DynamoProxy, WRITES};
use wxauth_tests::harness::{APP_A, APP_B, Harness, call_router, error_code as code_of, token};
use wxauth_wechat_sim::{PhoneSpec, profile_payload, unionid_for};

fn unique_number() -> String {
    format!("139{:08}", uuid::Uuid::new_v4().as_u128() % 100_000_000)
}

/// A profile post body: `fields` laid over WeChat's payload for `user`.
fn profile_body(h: &Harness, appid: &str, user: &str, fields: Value) -> String {
    let mut payload = profile_payload(appid, user, "微信用户", "", None);
    for (k, v) in fields.as_object().unwrap() {
        payload[k] = v.clone();
    }
    let data = h
        .simulator()
        .mint_open_data(appid, user, payload)
        .expect("the user has a session");
    json!({ "encryptedData": data.encrypted_data, "iv": data.iv }).to_string()
}

fn phone_body(h: &Harness, appid: &str, user: &str, number: &str) -> String {
    let code = h
        .simulator()
        .mint_phone_code(appid, user, &PhoneSpec::china(number));
    json!({ "code": code }).to_string()
}

/// Sends `body` to `path` through the proxy (with `token`), holds its `nth`
/// write, runs `meanwhile` to the end, then lets the held request go on and
/// answers what it answered.
async fn held_during(
    h: &Harness,
    proxy: &DynamoProxy,
    (path, body, token): (&'static str, String, Option<String>),
    nth: u32,
    meanwhile: impl std::future::Future<Output = ()>,
) -> (u16, Value) {
    let router = h.router_via(proxy);
    let mut hold = proxy.hold(WRITES, nth);
    let held = tokio::spawn(async move {
        call_router(&router, "POST", path, Some(&body), token.as_deref()).await
    });
    hold.reached().await;
    meanwhile.await;
    hold.release();
    held.await.unwrap()
}

/// Posts on the direct router and expects 200.
async fn post_ok(h: &Harness, path: &str, body: &str, token: &str) {
    let (status, answer) = h.post(path, body, Some(token)).await;
    assert_eq!(status, 200, "{answer}");
}

/// The stored profile, read back through a post that carries nothing new.
async fn stored_profile(h: &Harness, appid: &str, user: &str, token: &str) -> Value {
    let body = profile_body(h, appid, user, json!({}));
    let (status, answer) = h.post("/auth/profile", &body, Some(token)).await;
    assert_eq!(status, 200, "{answer}");
    answer["profile"].clone()
}

/// Defect 1: two profile posts of one user at once; both posts' fields survive.
#[tokio::test]
async fn concurrent_profile_posts_lose_no_field() {
    let (h, proxy) = Harness::with_proxy().await;
    let alice = token(&h.logged_in("alice", "", APP_A).await);
    let first = profile_body(&h, APP_A, "alice", json!({ "nickName": "Alice" }));
    let second = profile_body(&h, APP_A, "alice", json!({ "city": "Hangzhou" }));
    let meanwhile = post_ok(&h, "/auth/profile", &second, &alice);
    let request = ("/auth/profile", first, Some(alice.clone()));
    let (status, answer) = held_during(&h, &proxy, request, 1, meanwhile).await;
    assert_eq!(status, 200, "{answer}");

    let profile = stored_profile(&h, APP_A, "alice", &alice).await;
    assert_eq!(profile["nickName"], "Alice", "{profile}");
    assert_eq!(profile["city"], "Hangzhou", "{profile}");
}

/// Defect 2: a fold planned on a user that then bound a number is re-decided
/// on the new state (409 account_conflict), not retried stale into a 503.
#[tokio::test]
async fn a_fold_whose_user_gained_a_number_meanwhile_is_a_conflict() {
    let (h, proxy) = Harness::with_proxy().await;
    h.logged_in("olga", "unionid=acme-olga", APP_A).await;
    let uma = token(&h.logged_in("uma", "", APP_B).await);
    let fold = profile_body(
        &h,
        APP_B,
        "uma",
        json!({ "nickName": "Uma", "unionId": unionid_for("acme-olga") }),
    );
    let bind = phone_body(&h, APP_B, "uma", &unique_number());
    let meanwhile = post_ok(&h, "/auth/phone", &bind, &uma);
    let request = ("/auth/profile", fold, Some(uma.clone()));
    let (status, answer) = held_during(&h, &proxy, request, 1, meanwhile).await;
    assert_eq!(
        (status, code_of(&answer)),
        (409, Some("account_conflict")),
        "{answer}"
    );
    // Nothing moved: uma keeps her openid and her number.
    let again = h.logged_in("uma", "", APP_B).await;
    assert_eq!(again["hasPhone"], true, "{again}");
    assert_eq!(again["isNewUser"], false);
}

/// Defects 2 and 3: two binds of one user at once, different numbers. The held
/// one re-reads, sees the other's number and replaces it: 200, never a 5xx;
/// the user ends with exactly one number and the other is free again.
#[tokio::test]
async fn a_second_bind_of_the_same_user_meanwhile_is_decided_again() {
    let (h, proxy) = Harness::with_proxy().await;
    let bea = token(&h.logged_in("bea", "", APP_A).await);
    let (first, second) = (unique_number(), unique_number());
    let second_body = phone_body(&h, APP_A, "bea", &second);
    let meanwhile = post_ok(&h, "/auth/phone", &second_body, &bea);
    let request = (
        "/auth/phone",
        phone_body(&h, APP_A, "bea", &first),
        Some(bea.clone()),
    );
    let (status, answer) = held_during(&h, &proxy, request, 1, meanwhile).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["phoneNumber"], format!("+86{first}"));

    // The replaced number is free: another user can take it.
    let cid = token(&h.logged_in("cid", "", APP_A).await);
    post_ok(
        &h,
        "/auth/phone",
        &phone_body(&h, APP_A, "cid", &second),
        &cid,
    )
    .await;
    // And bea's current number is still hers.
    let (status, answer) = h
        .post(
            "/auth/phone",
            &phone_body(&h, APP_A, "cid", &first),
            Some(&cid),
        )
        .await;
    assert_eq!(
        (status, code_of(&answer)),
        (409, Some("phone_taken")),
        "{answer}"
    );
}

/// Defects 3 and 7: two binds of the same number by one user at once, on a
/// server that does not return the old item of a failed condition: the held
/// one re-reads and answers 200 (it is hers), never 409 or 5xx.
#[tokio::test]
async fn the_same_number_twice_at_once_is_yours_even_without_old_items() {
    let (h, proxy) = Harness::with_proxy().await;
    proxy.strip_old_items();
    let dan = token(&h.logged_in("dan", "", APP_A).await);
    let number = unique_number();
    let again = phone_body(&h, APP_A, "dan", &number);
    let meanwhile = post_ok(&h, "/auth/phone", &again, &dan);
    let request = (
        "/auth/phone",
        phone_body(&h, APP_A, "dan", &number),
        Some(dan.clone()),
    );
    let (status, answer) = held_during(&h, &proxy, request, 1, meanwhile).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["phoneNumber"], format!("+86{number}"));
}

/// Defect 4 (DynamoDB): a bind whose user was folded away meanwhile ends the
/// session (401 session_ended), writes nothing, and is no 503.
#[tokio::test]
async fn a_bind_whose_user_was_folded_meanwhile_ends_the_session() {
    let (h, proxy) = Harness::with_proxy().await;
    let owner = h.logged_in("ola", "unionid=acme-ola", APP_A).await;
    let una = token(&h.logged_in("una", "", APP_B).await);
    let number = unique_number();
    let fold = profile_body(
        &h,
        APP_B,
        "una",
        json!({ "nickName": "Una", "unionId": unionid_for("acme-ola") }),
    );
    let meanwhile = async {
        let (status, answer) = h.post("/auth/profile", &fold, Some(&una)).await;
        assert_eq!(
            (status, &answer["userId"]),
            (200, &owner["userId"]),
            "{answer}"
        );
    };
    let request = (
        "/auth/phone",
        phone_body(&h, APP_B, "una", &number),
        Some(una.clone()),
    );
    let (status, answer) = held_during(&h, &proxy, request, 1, meanwhile).await;
    assert_eq!(
        (status, code_of(&answer)),
        (401, Some("session_ended")),
        "{answer}"
    );
    // Nothing half-written: the number is nobody's, the owner holds none.
    let again = h.logged_in("una", "", APP_B).await;
    assert_eq!(again["userId"], owner["userId"]);
    assert_eq!(again["hasPhone"], false, "{again}");
    let eve = token(&h.logged_in("eve", "", APP_A).await);
    post_ok(
        &h,
        "/auth/phone",
        &phone_body(&h, APP_A, "eve", &number),
        &eve,
    )
    .await;
}

/// Defect 6, one order: a bind held while another app's openid joins the user
/// through the unionId. Every identity reports the number afterwards.
#[tokio::test]
async fn a_join_during_a_bind_leaves_every_identity_with_has_phone() {
    let (h, proxy) = Harness::with_proxy().await;
    let pia = token(&h.logged_in("pia", "unionid=acme-pia", APP_A).await);
    let meanwhile = async {
        let joined = h.logged_in("pia", "unionid=acme-pia", APP_B).await;
        assert_eq!(joined["isNewUser"], false);
    };
    let request = (
        "/auth/phone",
        phone_body(&h, APP_A, "pia", &unique_number()),
        Some(pia),
    );
    let (status, answer) = held_during(&h, &proxy, request, 1, meanwhile).await;
    assert_eq!(status, 200, "{answer}");

    for appid in [APP_A, APP_B] {
        let again = h.logged_in("pia", "unionid=acme-pia", appid).await;
        assert_eq!(again["hasPhone"], true, "{appid}: {again}");
    }
}

/// Defect 6, the other order: a join held between its read of the user and its
/// write while the user binds a number. The joined identity reports it.
#[tokio::test]
async fn a_bind_during_a_join_leaves_every_identity_with_has_phone() {
    let (h, proxy) = Harness::with_proxy().await;
    let quin = token(&h.logged_in("quin", "unionid=acme-quin", APP_A).await);
    let join_code = Harness::code("quin", "unionid=acme-quin");
    let join_body = json!({ "code": join_code, "appid": APP_B }).to_string();
    let bind = phone_body(&h, APP_A, "quin", &unique_number());
    let meanwhile = post_ok(&h, "/auth/phone", &bind, &quin);
    // Writes: the returning-user update finds no identity, the new-user
    // transaction fails on the unionId, the third is the join, sent after
    // reading the owner.
    let (status, joined) =
        held_during(&h, &proxy, ("/auth/login", join_body, None), 3, meanwhile).await;
    assert_eq!(status, 200, "{joined}");
    assert_eq!(joined["isNewUser"], false);
    assert_eq!(joined["hasPhone"], true, "{joined}");

    for appid in [APP_A, APP_B] {
        let again = h.logged_in("quin", "unionid=acme-quin", appid).await;
        assert_eq!(again["hasPhone"], true, "{appid}: {again}");
    }
}
