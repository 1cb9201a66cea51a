//! Sessions that end under a request, on both stores: a user folded into the
//! unionId's owner (later: deleted) is gone, and every request of its old
//! tokens answers `401 session_ended`, never a 503, the authorizer included.

use serde_json::json;
use wxauth_shared::authorizer::AuthorizerRequest;
use wxauth_tests::StoreKind;
use wxauth_tests::harness::{APP_A, APP_B, Harness, call_router};
use wxauth_tests::held_store::HeldStore;
use wxauth_wechat_sim::{profile_payload, unionid_for};

fn profile_body(h: &Harness, appid: &str, user: &str, nick: &str, union: Option<&str>) -> String {
    let payload = profile_payload(appid, user, nick, "https://wx.qlogo.cn/a/132", union);
    let data = h.simulator().mint_open_data(appid, user, payload).unwrap();
    json!({ "encryptedData": data.encrypted_data, "iv": data.iv }).to_string()
}

/// Defect 4: a profile write held between its read and its write while its
/// user is folded away answers 401 session_ended.
async fn a_write_whose_user_was_folded_meanwhile_ends_the_session(kind: StoreKind) {
    let h = Harness::start(kind).await;
    let held_store = HeldStore::new(h.store.clone());
    let held_router = h.router_over(held_store.clone());
    let owner = h.logged_in("ola", "unionid=acme-ola", APP_A).await;
    let una = h.logged_in("una", "", APP_B).await;
    let token = una["token"].as_str().unwrap().to_owned();
    let plain = profile_body(&h, APP_B, "una", "Una", None);

    let held = held_store.hold();
    let request = {
        let token = token.clone();
        tokio::spawn(async move {
            call_router(
                &held_router,
                "POST",
                "/auth/profile",
                Some(&plain),
                Some(&token),
            )
            .await
        })
    };
    let release = held.reached().await;
    let fold = profile_body(&h, APP_B, "una", "Una", Some("acme-ola"));
    let (status, answer) = h.post("/auth/profile", &fold, Some(&token)).await;
    assert_eq!(
        (status, &answer["userId"]),
        (200, &owner["userId"]),
        "{answer}"
    );
    release.send(()).unwrap();
    let (status, answer) = request.await.unwrap();
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (401, Some("session_ended")),
        "{answer}"
    );
}

#[tokio::test]
async fn a_write_whose_user_was_folded_meanwhile_ends_the_session_on_dynamodb() {
    a_write_whose_user_was_folded_meanwhile_ends_the_session(StoreKind::Dynamo).await;
}

#[tokio::test]
async fn a_write_whose_user_was_folded_meanwhile_ends_the_session_on_the_embedded_store() {
    a_write_whose_user_was_folded_meanwhile_ends_the_session(StoreKind::Embedded).await;
}

/// Defect 5: after a fold, the old token is refused by our routes and by the
/// authorizer for a team's own routes; the new token is allowed.
async fn a_token_from_before_a_fold_is_refused_everywhere(kind: StoreKind) {
    let h = Harness::start(kind).await;
    let authorizer = h.authorizer();
    let allowed = |token: &str| {
        let request = AuthorizerRequest {
            identity_source: Some(vec![format!("Bearer {token}")]),
            headers: None,
        };
        let authorizer = &authorizer;
        async move { authorizer.decide(&request).await.unwrap().is_authorized }
    };
    let owner = h.logged_in("ola", "unionid=acme-ola", APP_A).await;
    let una = h.logged_in("una", "", APP_B).await;
    let old = una["token"].as_str().unwrap().to_owned();
    assert!(allowed(&old).await, "a fresh token passes");

    let fold = profile_body(&h, APP_B, "una", "Una", Some("acme-ola"));
    let (status, answer) = h.post("/auth/profile", &fold, Some(&old)).await;
    assert_eq!(
        (status, &answer["userId"]),
        (200, &owner["userId"]),
        "{answer}"
    );
    assert_eq!(answer["unionId"], unionid_for("acme-ola").as_str());
    let new = answer["token"]
        .as_str()
        .expect("a fold answers a new token");

    assert!(
        !allowed(&old).await,
        "the authorizer refuses the folded user's token"
    );
    assert!(allowed(new).await, "and allows the owner's new token");
    for (path, body) in [
        ("/auth/profile", profile_body(&h, APP_B, "una", "Una", None)),
        ("/auth/phone", json!({"code": "any"}).to_string()),
    ] {
        let (status, answer) = h.post(path, &body, Some(&old)).await;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (401, Some("session_ended")),
            "{path}: {answer}"
        );
    }
}

#[tokio::test]
async fn a_token_from_before_a_fold_is_refused_everywhere_on_dynamodb() {
    a_token_from_before_a_fold_is_refused_everywhere(StoreKind::Dynamo).await;
}

#[tokio::test]
async fn a_token_from_before_a_fold_is_refused_everywhere_on_the_embedded_store() {
    a_token_from_before_a_fold_is_refused_everywhere(StoreKind::Embedded).await;
}
