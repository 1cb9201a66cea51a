//! `POST /auth/logout`: the caller's session ends (its access tokens and its
//! refresh token), on both stores; the same user's session on another
//! identity keeps working.

use serde_json::json;
use wxauth_tests::StoreKind;
use wxauth_tests::harness::{APP_A, APP_B, Harness};

async fn logout_ends_only_the_callers_session(kind: StoreKind) {
    let h = Harness::start(kind).await;
    let token = |body: &serde_json::Value| body["token"].as_str().unwrap().to_owned();
    // One user, two mini-programs (joined through the unionId): two sessions.
    let (status, first) = h
        .login(
            &Harness::code("leaving", "unionid=acme-leaving"),
            Some(APP_A),
        )
        .await;
    assert_eq!(status, 200, "{first}");
    let (status, second) = h
        .login(
            &Harness::code("leaving", "unionid=acme-leaving"),
            Some(APP_B),
        )
        .await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(first["userId"], second["userId"]);
    let first_refresh = first["refreshToken"].as_str().unwrap().to_owned();
    let (first, second) = (token(&first), token(&second));

    let (status, answer) = h.post("/auth/logout", "", None).await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (401, Some("unauthorized"))
    );

    let (status, answer) = h.post("/auth/logout", "", Some(&first)).await;
    assert_eq!((status, answer), (200, json!({ "loggedOut": true })));
    // Again: still fine, nothing more to do.
    let (status, _) = h.post("/auth/logout", "", Some(&first)).await;
    assert_eq!(status, 200);

    // The session has ended: its token, and its refresh token...
    let code = json!({ "code": "whatever" }).to_string();
    for path in ["/auth/profile", "/auth/phone"] {
        let body = if path == "/auth/phone" {
            code.clone()
        } else {
            json!({ "encryptedData": "AAAAAAAAAAAAAAAAAAAAAA==", "iv": "AAAAAAAAAAAAAAAAAAAAAA==" })
                .to_string()
        };
        let (status, answer) = h.post(path, &body, Some(&first)).await;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (401, Some("session_ended")),
            "{path}: {answer}"
        );
    }
    let refresh = json!({ "refreshToken": first_refresh }).to_string();
    let (status, answer) = h.post("/auth/refresh", &refresh, None).await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (401, Some("session_ended")),
        "{answer}"
    );
    // ...while the same user's session in the other mini-program goes on.
    let data = h
        .simulator()
        .mint_open_data(
            APP_B,
            "leaving",
            wxauth_wechat_sim::profile_payload(
                APP_B,
                "leaving",
                "还在",
                "https://wx.qlogo.cn/l/132",
                None,
            ),
        )
        .unwrap();
    let body = json!({ "encryptedData": data.encrypted_data, "iv": data.iv }).to_string();
    let (status, answer) = h.post("/auth/profile", &body, Some(&second)).await;
    assert_eq!(status, 200, "{answer}");
}

#[tokio::test]
async fn logout_on_dynamodb() {
    logout_ends_only_the_callers_session(StoreKind::Dynamo).await;
}

#[tokio::test]
async fn logout_on_the_embedded_store() {
    logout_ends_only_the_callers_session(StoreKind::Embedded).await;
}

/// A logged-out token is refused before the body is looked at: 401, not 400,
/// however malformed the body.
async fn a_revoked_token_is_refused_whatever_the_body(kind: StoreKind) {
    let h = Harness::start(kind).await;
    let token = |body: &serde_json::Value| body["token"].as_str().unwrap().to_owned();
    let (status, revoked) = h.login(&Harness::code("gone", ""), Some(APP_A)).await;
    assert_eq!(status, 200, "{revoked}");
    let (status, live) = h.login(&Harness::code("gone", ""), Some(APP_A)).await;
    assert_eq!(status, 200, "{live}");
    let (revoked, live) = (token(&revoked), token(&live));
    assert_eq!(h.post("/auth/logout", "", Some(&revoked)).await.0, 200);

    let malformed = [
        "",
        "not json",
        "[]",
        "{}",
        r#"{"code":5}"#,
        r#"{"encryptedData":7,"iv":"AAAA"}"#,
        r#"{"code":"x","iv":"AAAA"}"#,
    ];
    for path in ["/auth/profile", "/auth/phone"] {
        for body in malformed {
            let (status, answer) = h.post(path, body, None).await;
            assert_eq!(
                (status, answer["error"]["code"].as_str()),
                (401, Some("unauthorized")),
                "{path} {body:?} without a token: {answer}"
            );
            let (status, answer) = h.post(path, body, Some(&revoked)).await;
            assert_eq!(
                (status, answer["error"]["code"].as_str()),
                (401, Some("session_ended")),
                "{path} {body:?} with a revoked token: {answer}"
            );
            // The body is malformed indeed: a live token gets the 400.
            let (status, answer) = h.post(path, body, Some(&live)).await;
            assert_eq!(
                (status, answer["error"]["code"].as_str()),
                (400, Some("bad_request")),
                "{path} {body:?} with a live token: {answer}"
            );
        }
    }
    // Logout: without a token 401; an ended session's token with no body is
    // fine (nothing to do), with a malformed body it has ended all the same.
    for body in ["not json", "[]", r#"{"all":"yes"}"#] {
        let (status, answer) = h.post("/auth/logout", body, None).await;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (401, Some("unauthorized")),
            "{body:?}: {answer}"
        );
        let (status, answer) = h.post("/auth/logout", body, Some(&live)).await;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (400, Some("bad_request")),
            "{body:?}: {answer}"
        );
        let (status, answer) = h.post("/auth/logout", body, Some(&revoked)).await;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (401, Some("session_ended")),
            "{body:?}: {answer}"
        );
    }
    assert_eq!(h.post("/auth/logout", "", Some(&revoked)).await.0, 200);
    assert_eq!(
        h.simulator().calls("getuserphonenumber"),
        0,
        "nothing reached WeChat"
    );
}

#[tokio::test]
async fn a_revoked_token_with_a_malformed_body_is_401_on_dynamodb() {
    a_revoked_token_is_refused_whatever_the_body(StoreKind::Dynamo).await;
}

#[tokio::test]
async fn a_revoked_token_with_a_malformed_body_is_401_on_the_embedded_store() {
    a_revoked_token_is_refused_whatever_the_body(StoreKind::Embedded).await;
}
