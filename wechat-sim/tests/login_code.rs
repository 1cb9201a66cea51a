//! What the WeChat client library gets from WeChat, over the control routes:
//! login codes as `wx.login` gets them (`POST /sim/mint/login-code`) and
//! `wx.checkSession`'s answer (`POST /sim/check-session`).

mod common;

use common::{
    APP, Answer, OTHER_APP, OTHER_SECRET, access_token, exchange, exchange_for, log_in, post,
    signed_get, start,
};
use serde_json::{Value, json};
use wxauth_wechat_sim::{RunningSimulator, openid_for};

/// Asserts a control answer with `status` and returns its JSON.
fn control(answer: &Answer, status: u16) -> Value {
    assert_eq!(answer.status, status, "{answer:?}");
    assert_eq!(answer.content_type, "application/json", "{answer:?}");
    answer.json()
}

/// `POST /sim/mint/login-code` with `body`; the code.
async fn mint(sim: &RunningSimulator, body: Value) -> String {
    let answer = post(sim.base_url(), "/sim/mint/login-code", body.to_string()).await;
    let json = control(&answer, 200);
    assert_eq!(json.as_object().unwrap().len(), 1, "{json}");
    json["code"].as_str().expect("a code").to_owned()
}

/// `POST /sim/check-session` for `code`: `valid`.
async fn check(sim: &RunningSimulator, code: &str) -> bool {
    let body = json!({ "code": code }).to_string();
    let json = control(&post(sim.base_url(), "/sim/check-session", body).await, 200);
    assert_eq!(json.as_object().unwrap().len(), 1, "{json}");
    json["valid"].as_bool().expect("valid is a boolean")
}

#[tokio::test]
async fn minted_codes_are_distinct_and_log_the_named_user_in_once() {
    let sim = start().await;
    let first = mint(&sim, json!({"user": "alice"})).await;
    let second = mint(&sim, json!({"user": "alice"})).await;
    assert_ne!(first, second);

    // The user needs no earlier login.
    let (key, openid, unionid) = exchange(&sim, &first).await.expect_session();
    assert_eq!(openid, openid_for(APP, "alice"));
    assert_eq!(unionid, None);
    assert_eq!(
        sim.simulator().current_session_key(APP, &openid),
        Some(key.clone())
    );
    exchange(&sim, &first)
        .await
        .expect_error(40163, "code been used");

    let (other_key, other_openid, _) = exchange(&sim, &second).await.expect_session();
    assert_eq!(other_openid, openid);
    assert_ne!(other_key, key);

    let bob = sim.simulator().mint_login_code(APP, "bob");
    let (_, openid, _) = exchange(&sim, &bob).await.expect_session();
    assert_eq!(openid, openid_for(APP, "bob"));
}

#[tokio::test]
async fn a_minted_code_is_for_its_app_only() {
    let sim = start().await;
    let code = mint(&sim, json!({"appid": OTHER_APP, "user": "alice"})).await;
    exchange(&sim, &code)
        .await
        .expect_error(40029, "invalid code");
    let (_, openid, _) = exchange_for(&sim, OTHER_APP, OTHER_SECRET, &code)
        .await
        .expect_session();
    assert_eq!(openid, openid_for(OTHER_APP, "alice"));

    let code = mint(&sim, json!({"user": "alice"})).await;
    exchange_for(&sim, OTHER_APP, OTHER_SECRET, &code)
        .await
        .expect_error(40029, "invalid code");
    exchange(&sim, &code).await.expect_session();
}

#[tokio::test]
async fn minting_refusals() {
    let sim = start().await;
    let json = control(
        &post(
            sim.base_url(),
            "/sim/mint/login-code",
            json!({"appid": "wxunknown", "user": "alice"}).to_string(),
        )
        .await,
        404,
    );
    assert!(
        json["error"].as_str().unwrap().contains("wxunknown"),
        "{json}"
    );
    for bad in [
        "",
        "user=alice",
        "{}",
        r#"{"user":7}"#,
        r#"{"user":""}"#,
        r#"{"user":"alice;errcode=-1"}"#,
    ] {
        let json = control(
            &post(sim.base_url(), "/sim/mint/login-code", bad).await,
            400,
        );
        assert!(json["error"].is_string(), "{bad}: {json}");
    }
    for bad in ["", "{}", r#"{"code":7}"#] {
        control(&post(sim.base_url(), "/sim/check-session", bad).await, 400);
    }
    assert_eq!(sim.simulator().calls("sim"), 0);
}

#[tokio::test]
async fn check_session_is_valid_after_the_exchange_until_a_later_login() {
    let sim = start().await;
    let code = mint(&sim, json!({"user": "alice"})).await;
    assert!(!check(&sim, &code).await, "never exchanged");
    exchange(&sim, &code).await.expect_session();
    assert!(check(&sim, &code).await);
    assert!(check(&sim, &code).await, "checking changes nothing");
    assert!(sim.simulator().is_login_current(&code));

    // Another user's login, or alice's login to another app, changes nothing.
    log_in(&sim, "bob").await;
    exchange_for(&sim, OTHER_APP, OTHER_SECRET, "alice;n=elsewhere")
        .await
        .expect_session();
    assert!(check(&sim, &code).await);

    // A second wx.login's exchange starts a new login state.
    let second = mint(&sim, json!({"user": "alice"})).await;
    assert!(check(&sim, &code).await, "minting alone rotates nothing");
    exchange(&sim, &second).await.expect_session();
    assert!(!check(&sim, &code).await);
    assert!(!sim.simulator().is_login_current(&code));
    assert!(check(&sim, &second).await);

    // So does a login with a code the test wrote itself.
    log_in(&sim, "alice").await;
    assert!(!check(&sim, &second).await);
}

#[tokio::test]
async fn check_session_is_invalid_after_a_reset() {
    let sim = start().await;
    let code = mint(&sim, json!({"user": "alice"})).await;
    let (key, openid, _) = exchange(&sim, &code).await.expect_session();
    assert!(check(&sim, &code).await);

    let token = access_token(&sim).await;
    let reset = signed_get(&sim, "/wxa/resetusersessionkey", &token, &openid, &key).await;
    assert_eq!(reset.json()["errcode"], 0, "{reset:?}");
    assert!(!check(&sim, &code).await);
}

#[tokio::test]
async fn check_session_is_invalid_for_unknown_and_failed_codes() {
    let sim = start().await;
    assert!(!check(&sim, "never-minted").await);
    assert!(!check(&sim, "").await);
    // A code whose exchange failed started no login state.
    let failing = "alice;errcode=-1;n=1";
    exchange(&sim, failing)
        .await
        .expect_error(-1, "system error");
    assert!(!check(&sim, failing).await);
    // A self-describing code that was exchanged works like a minted one.
    let written = "alice;n=2";
    exchange(&sim, written).await.expect_session();
    assert!(check(&sim, written).await);
}
