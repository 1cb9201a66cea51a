//! Sessions through the HTTP surface, on both stores: refresh rotates; a
//! rotated refresh token presented again ends the session for both holders;
//! refresh after expiry, logout, logout everywhere and a fold is refused with
//! `session_ended`, and so are the access tokens of the ended session, by our
//! routes and by the authorizer.

use serde_json::json;
use wxauth_shared::api::ErrorCode;
use wxauth_tests::StoreKind;
use wxauth_tests::harness::{APP_A, APP_B, Harness, error_code as code_of, text};
use wxauth_wechat_sim::profile_payload;

/// The grace window of the default settings.
const GRACE_SECS: u64 = 10;

/// `GET /auth/me` with `token`: the status and error code, if any.
async fn me(h: &Harness, token: &str) -> (u16, Option<String>) {
    let (status, answer) = h.call("GET", "/auth/me", None, Some(token)).await;
    (status, code_of(&answer).map(str::to_owned))
}

/// The session of `token` has ended, for our routes and for the authorizer.
async fn assert_ended(h: &Harness, token: &str, why: &str) {
    assert_eq!(
        me(h, token).await,
        (401, Some("session_ended".to_owned())),
        "{why}: /auth/me"
    );
    let decision = h.authorize(token).await;
    assert!(!decision.is_authorized, "{why}: the authorizer allowed it");
    assert_eq!(decision.reason, Some(ErrorCode::SessionEnded), "{why}");
}

/// The refresh token is refused with `session_ended`.
async fn assert_refused(h: &Harness, refresh_token: &str, why: &str) {
    let (status, answer) = h.refresh(refresh_token).await;
    assert_eq!(
        (status, code_of(&answer)),
        (401, Some("session_ended")),
        "{why}: {answer}"
    );
}

async fn refresh_rotates_and_a_rotated_token_ends_the_session(kind: StoreKind) {
    let h = Harness::start(kind).await;
    let first = h.logged_in("rita", "", APP_A).await;
    let (access, r1) = (text(&first, "token"), text(&first, "refreshToken"));

    let (status, renewed) = h.refresh(&r1).await;
    assert_eq!(status, 200, "{renewed}");
    let keys: Vec<&str> = renewed
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "expiresIn",
            "refreshExpiresIn",
            "refreshToken",
            "token",
            "tokenType"
        ]
    );
    assert_eq!(renewed["expiresIn"], 900);
    assert_eq!(renewed["refreshExpiresIn"], 30 * 86_400);
    let (access2, r2) = (text(&renewed, "token"), text(&renewed, "refreshToken"));
    assert_ne!(r2, r1, "the refresh token rotates");
    assert_ne!(access2, access);
    // Both access tokens belong to the one live session.
    assert_eq!(me(&h, &access2).await, (200, None));
    assert_eq!(me(&h, &access).await, (200, None));
    assert!(h.authorize(&access2).await.is_authorized);

    // The stolen copy of r1 comes back after the grace window: the session
    // ends for the thief and for the user alike.
    h.clock.advance(GRACE_SECS + 1);
    assert_refused(&h, &r1, "a rotated refresh token").await;
    assert_refused(&h, &r2, "the current refresh token after a reuse").await;
    assert_ended(&h, &access2, "after a reuse").await;
    assert_ended(&h, &access, "after a reuse").await;

    // Logging in again starts a new session.
    let again = h.logged_in("rita", "", APP_A).await;
    assert_eq!(again["userId"], first["userId"]);
    assert_eq!(me(&h, &text(&again, "token")).await, (200, None));
}

#[tokio::test]
async fn refresh_and_reuse_on_dynamodb() {
    refresh_rotates_and_a_rotated_token_ends_the_session(StoreKind::Dynamo).await;
}

#[tokio::test]
async fn refresh_and_reuse_on_the_embedded_store() {
    refresh_rotates_and_a_rotated_token_ends_the_session(StoreKind::Embedded).await;
}

/// A client whose answer was lost retries with the token it still holds:
/// within the window that rotates again; with the window off it is a reuse.
async fn a_retry_within_the_grace_window_rotates_again(kind: StoreKind) {
    let h = Harness::start(kind).await;
    let r1 = text(&h.logged_in("gina", "", APP_A).await, "refreshToken");
    let (status, lost) = h.refresh(&r1).await;
    assert_eq!(status, 200, "{lost}");
    let (status, retried) = h.refresh(&r1).await;
    assert_eq!(status, 200, "the retry: {retried}");
    let r3 = text(&retried, "refreshToken");
    assert_eq!(me(&h, &text(&retried, "token")).await, (200, None));
    // The answer that was lost never reaches the client: whoever shows it
    // later holds a copy, and the session ends.
    h.clock.advance(GRACE_SECS + 1);
    assert_refused(&h, &text(&lost, "refreshToken"), "the lost answer's token").await;
    assert_refused(&h, &r3, "after the reuse").await;

    let strict = Harness::start_with(kind, &[("REFRESH_REUSE_GRACE_SECS", "0")]).await;
    let first = strict.logged_in("gina", "", APP_A).await;
    let r1 = text(&first, "refreshToken");
    let (status, _) = strict.refresh(&r1).await;
    assert_eq!(status, 200);
    assert_refused(&strict, &r1, "no grace window").await;
    assert_ended(&strict, &text(&first, "token"), "no grace window").await;
}

#[tokio::test]
async fn grace_window_on_dynamodb() {
    a_retry_within_the_grace_window_rotates_again(StoreKind::Dynamo).await;
}

#[tokio::test]
async fn grace_window_on_the_embedded_store() {
    a_retry_within_the_grace_window_rotates_again(StoreKind::Embedded).await;
}

/// An access token past its `exp` is `token_expired` (refresh, not log in);
/// a session past its refresh lifetime is over.
async fn tokens_and_sessions_expire(kind: StoreKind) {
    let h = Harness::start(kind).await;
    let first = h.logged_in("ed", "", APP_A).await;
    let (access, r1) = (text(&first, "token"), text(&first, "refreshToken"));
    h.clock.advance(900 + 31);
    assert_eq!(me(&h, &access).await, (401, Some("token_expired".into())));
    let decision = h.authorize(&access).await;
    assert_eq!(
        (decision.is_authorized, decision.reason),
        (false, Some(ErrorCode::TokenExpired))
    );
    let (status, renewed) = h.refresh(&r1).await;
    assert_eq!(status, 200, "{renewed}");
    assert_eq!(me(&h, &text(&renewed, "token")).await, (200, None));

    // Sliding: thirty days after the last refresh the session is over.
    h.clock.advance(30 * 86_400);
    assert_refused(&h, &text(&renewed, "refreshToken"), "an expired session").await;

    // The access token never outlives its session: issued a minute before the
    // session ends, it expires with it.
    let short = Harness::start_with(kind, &[("SESSION_MAX_LIFETIME_SECS", "3600")]).await;
    let first = short.logged_in("ed", "", APP_A).await;
    assert_eq!(first["refreshExpiresIn"], 3600);
    short.clock.advance(3600 - 60);
    let (status, late) = short.refresh(&text(&first, "refreshToken")).await;
    assert_eq!(status, 200, "{late}");
    // 60 s, or 59 when the machine's clock ticked a second since the login.
    let left = late["refreshExpiresIn"].as_u64().unwrap();
    assert!((59..=60).contains(&left), "{late}");
    assert_eq!(late["expiresIn"].as_u64(), Some(left), "{late}");
    short.clock.advance(61);
    assert_refused(
        &short,
        &text(&late, "refreshToken"),
        "past the absolute lifetime",
    )
    .await;
}

#[tokio::test]
async fn expiry_on_dynamodb() {
    tokens_and_sessions_expire(StoreKind::Dynamo).await;
}

#[tokio::test]
async fn expiry_on_the_embedded_store() {
    tokens_and_sessions_expire(StoreKind::Embedded).await;
}

/// Logout ends the session; logout everywhere ends every session of the user;
/// a new login of the same identity replaces its session.
async fn logouts_and_newer_logins_end_sessions(kind: StoreKind) {
    let h = Harness::start(kind).await;
    let first = h.logged_in("lou", "", APP_A).await;
    let (status, _) = h
        .post("/auth/logout", "", Some(&text(&first, "token")))
        .await;
    assert_eq!(status, 200);
    assert_refused(&h, &text(&first, "refreshToken"), "after logout").await;
    assert_ended(&h, &text(&first, "token"), "after logout").await;

    // A newer login of the same identity replaces the session.
    let older = h.logged_in("lou", "", APP_A).await;
    let newer = h.logged_in("lou", "", APP_A).await;
    assert_refused(&h, &text(&older, "refreshToken"), "a replaced session").await;
    assert_ended(&h, &text(&older, "token"), "a replaced session").await;
    assert_eq!(me(&h, &text(&newer, "token")).await, (200, None));

    // One user in two mini-programs: two sessions; logging out everywhere
    // from one ends both.
    let in_a = h.logged_in("mo", "unionid=acme-mo", APP_A).await;
    let in_b = h.logged_in("mo", "unionid=acme-mo", APP_B).await;
    assert_eq!(in_a["userId"], in_b["userId"]);
    let (status, account) = h
        .call("GET", "/auth/me", None, Some(&text(&in_a, "token")))
        .await;
    assert_eq!(
        (status, &account["sessions"]),
        (200, &json!(2)),
        "{account}"
    );
    let (status, answer) = h
        .post(
            "/auth/logout",
            r#"{"all": true}"#,
            Some(&text(&in_a, "token")),
        )
        .await;
    assert_eq!((status, answer), (200, json!({"loggedOut": true})));
    for session in [&in_a, &in_b] {
        assert_refused(
            &h,
            &text(session, "refreshToken"),
            "after logout everywhere",
        )
        .await;
        assert_ended(&h, &text(session, "token"), "after logout everywhere").await;
    }
    // Logged out everywhere, the ended token cannot do it again.
    let (status, answer) = h
        .post(
            "/auth/logout",
            r#"{"all": true}"#,
            Some(&text(&in_a, "token")),
        )
        .await;
    assert_eq!((status, code_of(&answer)), (401, Some("session_ended")));
}

#[tokio::test]
async fn logouts_on_dynamodb() {
    logouts_and_newer_logins_end_sessions(StoreKind::Dynamo).await;
}

#[tokio::test]
async fn logouts_on_the_embedded_store() {
    logouts_and_newer_logins_end_sessions(StoreKind::Embedded).await;
}

/// A fold moves the identity to the unionId's owner with a new session: the
/// folded user's tokens end, the new ones work.
async fn a_fold_ends_the_folded_users_session(kind: StoreKind) {
    let h = Harness::start(kind).await;
    let owner = h.logged_in("flo", "unionid=acme-flo", APP_A).await;
    let folded = h.logged_in("flo", "", APP_B).await;
    assert_ne!(owner["userId"], folded["userId"]);
    let payload = profile_payload(
        APP_B,
        "flo",
        "Flo",
        "https://wx.qlogo.cn/f/132",
        Some("acme-flo"),
    );
    let data = h.simulator().mint_open_data(APP_B, "flo", payload).unwrap();
    let body = json!({ "encryptedData": data.encrypted_data, "iv": data.iv }).to_string();
    let (status, answer) = h
        .post("/auth/profile", &body, Some(&text(&folded, "token")))
        .await;
    assert_eq!(
        (status, &answer["userId"]),
        (200, &owner["userId"]),
        "{answer}"
    );
    assert_refused(&h, &text(&folded, "refreshToken"), "after a fold").await;
    assert_ended(&h, &text(&folded, "token"), "after a fold").await;
    // The fold's answer is a session of the owner's.
    assert_eq!(me(&h, &text(&answer, "token")).await, (200, None));
    let (status, renewed) = h.refresh(&text(&answer, "refreshToken")).await;
    assert_eq!(status, 200, "{renewed}");
    let (_, account) = h
        .call("GET", "/auth/me", None, Some(&text(&renewed, "token")))
        .await;
    assert_eq!(account["userId"], owner["userId"]);
    assert_eq!(account["sessions"], 2, "{account}");
}

#[tokio::test]
async fn fold_on_dynamodb() {
    a_fold_ends_the_folded_users_session(StoreKind::Dynamo).await;
}

#[tokio::test]
async fn fold_on_the_embedded_store() {
    a_fold_ends_the_folded_users_session(StoreKind::Embedded).await;
}

/// What is not a refresh token: 400 for a body without one, 401 for a string
/// that is not a live one; an access token is not a refresh token, nor the
/// other way round.
#[tokio::test]
async fn only_refresh_tokens_refresh_and_only_access_tokens_authorize() {
    let h = Harness::start(StoreKind::Embedded).await;
    let first = h.logged_in("ivy", "", APP_A).await;
    for body in ["", "{}", r#"{"refreshToken": 7}"#, "[]"] {
        let (status, answer) = h.post("/auth/refresh", body, None).await;
        assert_eq!(
            (status, code_of(&answer)),
            (400, Some("bad_request")),
            "{body:?}"
        );
    }
    assert_refused(&h, &text(&first, "token"), "an access token").await;
    assert_refused(&h, "rt1.nope", "junk").await;
    let refresh = text(&first, "refreshToken");
    assert_eq!(me(&h, &refresh).await, (401, Some("unauthorized".into())));
    assert!(!h.authorize(&refresh).await.is_authorized);
    // The refresh token's secret is not in anything logged or stored in clear:
    // the identity holds only its hash.
    let secret = refresh.rsplit('.').next().unwrap();
    let identity = h
        .identity(APP_A, &wxauth_wechat_sim::openid_for(APP_A, "ivy"))
        .await
        .unwrap();
    let stored = format!("{:?}", identity.session.unwrap());
    assert!(!stored.contains(secret));
}
