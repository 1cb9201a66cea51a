//! The account as its owner sees it (`GET /auth/me`) and its deletion
//! (`DELETE /auth/account`), on both stores, with the table listed before and
//! after; and deletions racing logins on DynamoDB, held by a proxy.

use serde_json::{Value, json};
use wxauth_shared::api::ErrorCode;
use wxauth_tests::dynamo_proxy::{DynamoProxy, WRITES};
use wxauth_tests::harness::{APP_A, APP_B, Harness, call_router, error_code as code_of, token};
use wxauth_tests::{StoreKind, events};
use wxauth_wechat_sim::{PhoneSpec, openid_for, unionid_for};

const CONFIRM: &str = r#"{"confirm": "DELETE"}"#;

fn unique_number() -> String {
    format!("136{:08}", uuid::Uuid::new_v4().as_u128() % 100_000_000)
}

async fn bind(h: &Harness, token: &str, appid: &str, user: &str, number: &str) -> (u16, Value) {
    let code = h
        .simulator()
        .mint_phone_code(appid, user, &PhoneSpec::china(number));
    h.post(
        "/auth/phone",
        &json!({ "code": code }).to_string(),
        Some(token),
    )
    .await
}

/// The keys of the store that mention `needle` (a userId, an openid, …).
fn with(keys: &[String], needles: &[&str]) -> Vec<String> {
    keys.iter()
        .filter(|k| needles.iter().any(|n| k.contains(n)))
        .cloned()
        .collect()
}

async fn me_shows_the_account_masked(kind: StoreKind) {
    let h = Harness::start(kind).await;
    let first = h.logged_in("mia", "unionid=acme-mia", APP_A).await;
    h.logged_in("mia", "unionid=acme-mia", APP_B).await;
    let number = unique_number();
    assert_eq!(bind(&h, &token(&first), APP_A, "mia", &number).await.0, 200);

    let event = events::http_api_event("GET", "/auth/me", None, Some(&token(&first)));
    let response = wxauth_shared::lambda::handle(&h.router, events::request(&event)).await;
    assert_eq!(response.headers()["cache-control"], "no-store");
    let (status, account) = events::status_and_json(response);
    assert_eq!(status, 200, "{account}");
    let openid_a = openid_for(APP_A, "mia");
    let masked = |openid: &str| format!("{}****{}", &openid[..4], &openid[openid.len() - 4..]);
    assert_eq!(
        account,
        json!({
            "userId": first["userId"],
            "identities": [
                {"kind": "wechat", "appid": APP_A, "openid": masked(&openid_a)},
                {"kind": "wechat", "appid": APP_B, "openid": masked(&openid_for(APP_B, "mia"))},
                {"kind": "phone", "phone": format!("+86 {}****{}", &number[..3], &number[7..])},
            ],
            "hasUnionId": true,
            "hasPassword": false,
            "profile": {},
            "contentChecks": {},
            "sessions": 2,
            "createdAt": account["createdAt"],
        })
    );
    assert!(
        account["createdAt"]
            .as_u64()
            .is_some_and(|t| t > 1_700_000_000)
    );
    assert!(!account.to_string().contains(&openid_a));
    assert!(!account.to_string().contains(&number));
    let (status, answer) = h.call("GET", "/auth/me", None, None).await;
    assert_eq!((status, code_of(&answer)), (401, Some("unauthorized")));
}

#[tokio::test]
async fn me_on_dynamodb() {
    me_shows_the_account_masked(StoreKind::Dynamo).await;
}

#[tokio::test]
async fn me_on_the_embedded_store() {
    me_shows_the_account_masked(StoreKind::Embedded).await;
}

/// Deletion takes every item of the user and nothing else; old tokens are
/// refused everywhere; WeChat resets each session_key; the number and the
/// unionId are free; a new login is a new user.
async fn deletion_removes_every_item_of_the_user(kind: StoreKind) {
    let h = Harness::start(kind).await;
    let bystander = h.logged_in("bo", "unionid=acme-bo", APP_A).await;
    let first = h.logged_in("dee", "unionid=acme-dee", APP_A).await;
    let joined = h.logged_in("dee", "unionid=acme-dee", APP_B).await;
    let user_id = first["userId"].as_str().unwrap().to_owned();
    let number = unique_number();
    assert_eq!(
        bind(&h, &token(&joined), APP_B, "dee", &number).await.0,
        200
    );
    let (openid_a, openid_b) = (openid_for(APP_A, "dee"), openid_for(APP_B, "dee"));
    let union = unionid_for("acme-dee");
    let needles = [user_id.as_str(), &openid_a, &openid_b, &union, &number];

    let before = h.all_keys().await;
    let theirs = with(&before, &needles);
    assert_eq!(
        theirs,
        vec![
            format!("IDENT#{APP_A}#{openid_a}"),
            format!("IDENT#{APP_B}#{openid_b}"),
            format!("PHONE#+86{number}"),
            format!("UNION#{union}"),
            format!("USER#{user_id}"),
        ],
        "the user's items before"
    );
    let keys_before = (
        h.simulator().current_session_key(APP_A, &openid_a),
        h.simulator().current_session_key(APP_B, &openid_b),
    );

    // Only with the confirmation.
    for body in ["", "{}", r#"{"confirm": "yes"}"#, r#"{"confirm": true}"#] {
        let (status, answer) = h
            .call("DELETE", "/auth/account", Some(body), Some(&token(&first)))
            .await;
        assert_eq!(
            (status, code_of(&answer)),
            (400, Some("bad_request")),
            "{body:?}"
        );
    }
    assert_eq!(
        h.all_keys().await,
        before,
        "nothing deleted without confirmation"
    );

    let (status, answer) = h
        .call(
            "DELETE",
            "/auth/account",
            Some(CONFIRM),
            Some(&token(&first)),
        )
        .await;
    assert_eq!((status, answer), (200, json!({"deleted": true})));

    let after = h.all_keys().await;
    assert_eq!(
        with(&after, &needles),
        Vec::<String>::new(),
        "the user's items after"
    );
    let others: Vec<_> = before
        .iter()
        .filter(|k| !theirs.contains(k))
        .cloned()
        .collect();
    assert_eq!(after, others, "nothing else was touched");

    // WeChat reset both session_keys (best effort, here it worked).
    assert_eq!(h.simulator().calls("resetusersessionkey"), 2);
    assert_ne!(
        (
            h.simulator().current_session_key(APP_A, &openid_a),
            h.simulator().current_session_key(APP_B, &openid_b),
        ),
        keys_before
    );

    // Every old token is refused, by our routes and the authorizer.
    for session in [&first, &joined] {
        let (status, answer) = h.call("GET", "/auth/me", None, Some(&token(session))).await;
        assert_eq!((status, code_of(&answer)), (401, Some("session_ended")));
        let decision = h.authorize(&token(session)).await;
        assert_eq!(decision.reason, Some(ErrorCode::SessionEnded));
        let (status, _) = h.refresh(session["refreshToken"].as_str().unwrap()).await;
        assert_eq!(status, 401);
    }
    let (status, answer) = h
        .call(
            "DELETE",
            "/auth/account",
            Some(CONFIRM),
            Some(&token(&first)),
        )
        .await;
    assert_eq!((status, code_of(&answer)), (401, Some("session_ended")));

    // The number is free for anyone, and the same WeChat user is a stranger now.
    assert_eq!(
        bind(&h, &token(&bystander), APP_A, "bo", &number).await.0,
        200
    );
    let again = h.logged_in("dee", "unionid=acme-dee", APP_A).await;
    assert_eq!(again["isNewUser"], true);
    assert_ne!(again["userId"].as_str(), Some(user_id.as_str()));
    assert_eq!(again["hasPhone"], false);
}

#[tokio::test]
async fn deletion_on_dynamodb() {
    deletion_removes_every_item_of_the_user(StoreKind::Dynamo).await;
}

#[tokio::test]
async fn deletion_on_the_embedded_store() {
    deletion_removes_every_item_of_the_user(StoreKind::Embedded).await;
}

/// WeChat failing `resetusersessionkey` does not stop a deletion.
#[tokio::test]
async fn a_deletion_goes_through_when_wechat_fails_the_reset() {
    let h = Harness::start(StoreKind::Embedded).await;
    let first = h.logged_in("ned", "", APP_A).await;
    let openid = openid_for(APP_A, "ned");
    let key_before = h.simulator().current_session_key(APP_A, &openid);
    h.simulator().fail_next_access_token_use(APP_A, 40001);
    h.simulator().fail_next_access_token_use(APP_A, 40001);
    let (status, answer) = h
        .call(
            "DELETE",
            "/auth/account",
            Some(CONFIRM),
            Some(&token(&first)),
        )
        .await;
    assert_eq!((status, answer), (200, json!({"deleted": true})));
    assert!(h.identity(APP_A, &openid).await.is_none());
    assert_eq!(
        h.simulator().current_session_key(APP_A, &openid),
        key_before,
        "the reset did fail"
    );
}

/// Sends `DELETE /auth/account` through the proxy, holds its `nth` write,
/// runs `meanwhile`, then lets it go on.
async fn deletion_held_during(
    h: &Harness,
    proxy: &DynamoProxy,
    token: String,
    nth: u32,
    meanwhile: impl std::future::Future<Output = ()>,
) -> (u16, Value) {
    let router = h.router_via(proxy);
    let mut hold = proxy.hold(WRITES, nth);
    let held = tokio::spawn(async move {
        call_router(
            &router,
            "DELETE",
            "/auth/account",
            Some(CONFIRM),
            Some(&token),
        )
        .await
    });
    hold.reached().await;
    meanwhile.await;
    hold.release();
    held.await.unwrap()
}

/// The items of the user `user_id` and of the keys mentioning `needles` are
/// either none, or one whole user: its item, every identity it lists pointing
/// back, its unionId claim.
async fn assert_no_orphans(h: &Harness, needles: &[&str]) {
    let keys = with(&h.all_keys().await, needles);
    let users: Vec<_> = keys.iter().filter(|k| k.starts_with("USER#")).collect();
    let identities: Vec<_> = keys.iter().filter(|k| k.starts_with("IDENT#")).collect();
    match users.as_slice() {
        [] => assert!(keys.is_empty(), "items without a user: {keys:?}"),
        [user] => {
            let user_id = user.trim_start_matches("USER#");
            for key in &identities {
                let (appid, openid) = key.trim_start_matches("IDENT#").split_once('#').unwrap();
                let identity = h.identity(appid, openid).await.unwrap();
                assert_eq!(identity.user_id.as_str(), user_id, "{key} points elsewhere");
            }
            assert!(
                !identities.is_empty(),
                "a user without identities: {keys:?}"
            );
        }
        many => panic!("several users: {many:?}"),
    }
}

/// A returning login in another mini-program, or a join from it, lands while
/// a deletion is held before its commit: the deletion takes it along (the
/// join changed the user, so the deletion re-reads and decides again). No
/// orphan, no user left, the new session ended.
#[tokio::test]
async fn logins_during_a_deletion_are_deleted_with_it() {
    let (h, proxy) = Harness::with_proxy().await;
    for (user, joined_before) in [("ray", true), ("rex", false)] {
        let options = format!("unionid=acme-{user}");
        let first = h.logged_in(user, &options, APP_A).await;
        if joined_before {
            h.logged_in(user, &options, APP_B).await;
        }
        let mut during = None;
        let (status, answer) = deletion_held_during(&h, &proxy, token(&first), 1, async {
            during = Some(h.logged_in(user, &options, APP_B).await);
        })
        .await;
        assert_eq!((status, answer), (200, json!({"deleted": true})), "{user}");
        let during = during.unwrap();
        assert_eq!(
            during["userId"], first["userId"],
            "{user}: the login found the user"
        );
        let needles = [
            first["userId"].as_str().unwrap(),
            &openid_for(APP_A, user),
            &openid_for(APP_B, user),
            &unionid_for(&format!("acme-{user}")),
        ];
        assert_eq!(
            with(&h.all_keys().await, &needles),
            Vec::<String>::new(),
            "{user}"
        );
        assert_no_orphans(&h, &needles).await;
        let (status, answer) = h.call("GET", "/auth/me", None, Some(&token(&during))).await;
        assert_eq!(
            (status, code_of(&answer)),
            (401, Some("session_ended")),
            "{user}"
        );
    }
}

/// While a deletion is held, the same person logs in again on the deleting
/// identity (replacing its session) and joins from the other mini-program
/// (changing the user): the deletion decides again on what is there now, finds
/// its session ended and is refused; the account stays whole.
#[tokio::test]
async fn a_deletion_whose_session_was_replaced_meanwhile_is_refused() {
    let (h, proxy) = Harness::with_proxy().await;
    let first = h.logged_in("rue", "unionid=acme-rue", APP_A).await;
    let mut newer = None;
    let (status, answer) = deletion_held_during(&h, &proxy, token(&first), 1, async {
        newer = Some(h.logged_in("rue", "unionid=acme-rue", APP_A).await);
        h.logged_in("rue", "unionid=acme-rue", APP_B).await;
    })
    .await;
    assert_eq!(
        (status, code_of(&answer)),
        (401, Some("session_ended")),
        "{answer}"
    );
    let needles = [
        first["userId"].as_str().unwrap(),
        &openid_for(APP_A, "rue"),
        &openid_for(APP_B, "rue"),
        &unionid_for("acme-rue"),
    ];
    assert_eq!(
        with(&h.all_keys().await, &needles).len(),
        4,
        "user, two identities, unionId"
    );
    assert_no_orphans(&h, &needles).await;
    let (status, account) = h
        .call("GET", "/auth/me", None, Some(&token(&newer.unwrap())))
        .await;
    assert_eq!(
        (status, &account["sessions"]),
        (200, &json!(2)),
        "{account}"
    );
}

/// A join from another mini-program held before its commit while the
/// deletion runs: it decides again and makes one whole new user.
#[tokio::test]
async fn a_join_held_across_a_deletion_makes_a_whole_new_user() {
    let (h, proxy) = Harness::with_proxy().await;
    let first = h.logged_in("kay", "unionid=acme-kay", APP_A).await;
    let router = h.router_via(&proxy);
    // The join's writes: the returning-login patch (fails: no identity yet),
    // then the join's transaction, held.
    let mut hold = proxy.hold(WRITES, 2);
    let body =
        json!({ "code": Harness::code("kay", "unionid=acme-kay"), "appid": APP_B }).to_string();
    let held = tokio::spawn(async move {
        call_router(&router, "POST", "/auth/login", Some(&body), None).await
    });
    hold.reached().await;
    let (status, answer) = h
        .call(
            "DELETE",
            "/auth/account",
            Some(CONFIRM),
            Some(&token(&first)),
        )
        .await;
    assert_eq!((status, answer), (200, json!({"deleted": true})));
    hold.release();
    let (status, joined) = held.await.unwrap();
    assert_eq!(status, 200, "{joined}");
    assert_eq!(joined["isNewUser"], true, "{joined}");
    assert_ne!(joined["userId"], first["userId"]);
    let needles = [
        first["userId"].as_str().unwrap(),
        joined["userId"].as_str().unwrap(),
        &openid_for(APP_A, "kay"),
        &openid_for(APP_B, "kay"),
        &unionid_for("acme-kay"),
    ];
    assert_no_orphans(&h, &needles).await;
    let keys = with(&h.all_keys().await, &needles);
    assert_eq!(keys.len(), 3, "identity, unionId and user: {keys:?}");
    let (status, account) = h.call("GET", "/auth/me", None, Some(&token(&joined))).await;
    assert_eq!(
        (status, &account["hasUnionId"]),
        (200, &json!(true)),
        "{account}"
    );
}
