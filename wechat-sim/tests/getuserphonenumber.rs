//! `getuserphonenumber` through a real socket, checking WeChat's exact
//! formats, phone codes and access-token trouble.

mod common;

use common::{
    APP, Answer, OTHER_APP, OTHER_SECRET, UTF8_JSON, access_token, get_phone, post, start, unix_now,
};
use serde_json::json;
use wxauth_wechat_sim::{PhoneSpec, openid_for};

const INVALID_TOKEN: &str = "invalid credential, access_token is invalid or not latest";

/// Asserts a success answer for `phone_number`/`pure`/`country_code` (as JSON
/// text) watermarked for `appid`, byte for byte.
fn expect_phone(answer: &Answer, phone_number: &str, pure: &str, country_code: &str, appid: &str) {
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.content_type, UTF8_JSON, "{answer:?}");
    let timestamp = answer.json()["phone_info"]["watermark"]["timestamp"]
        .as_u64()
        .expect("timestamp");
    assert!(timestamp.abs_diff(unix_now()) <= 5, "{timestamp}");
    assert_eq!(
        answer.body,
        format!(
            r#"{{"errcode":0,"errmsg":"ok","phone_info":{{"phoneNumber":"{phone_number}","purePhoneNumber":"{pure}","countryCode":{country_code},"watermark":{{"timestamp":{timestamp},"appid":"{appid}"}}}}}}"#
        )
    );
}

#[tokio::test]
async fn success_has_wechat_shape() {
    let sim = start().await;
    let token = access_token(&sim).await;
    let code = sim
        .simulator()
        .mint_phone_code(APP, "alice", &PhoneSpec::china("13800138000"));
    let answer = get_phone(&sim, &token, json!({ "code": code })).await;
    expect_phone(&answer, "13800138000", "13800138000", r#""86""#, APP);
}

#[tokio::test]
async fn foreign_numbers_and_numeric_country_codes() {
    let sim = start().await;
    let token = access_token(&sim).await;
    let mut phone = PhoneSpec::new("852", "61234567");
    phone.country_code_as_number = true;
    let code = sim.simulator().mint_phone_code(APP, "alice", &phone);
    let answer = get_phone(&sim, &token, json!({ "code": code })).await;
    expect_phone(&answer, "+85261234567", "61234567", "852", APP);

    let mut phone = PhoneSpec::china("13900000000");
    phone.country_code_as_number = true;
    let code = sim.simulator().mint_phone_code(APP, "bob", &phone);
    let answer = get_phone(&sim, &token, json!({ "code": code })).await;
    expect_phone(&answer, "13900000000", "13900000000", "86", APP);
}

#[tokio::test]
async fn codes_are_single_use_and_bound_to_app_and_user() {
    let sim = start().await;
    let simulator = sim.simulator();
    let token = access_token(&sim).await;
    let phone = PhoneSpec::china("13800138000");

    let code = simulator.mint_phone_code(APP, "alice", &phone);
    // Another user's openid: refused, and the code stays usable.
    get_phone(
        &sim,
        &token,
        json!({"code": code, "openid": openid_for(APP, "bob")}),
    )
    .await
    .expect_json_error(40029, "invalid code");
    let answer = get_phone(
        &sim,
        &token,
        json!({"code": code, "openid": openid_for(APP, "alice")}),
    )
    .await;
    expect_phone(&answer, "13800138000", "13800138000", r#""86""#, APP);
    get_phone(&sim, &token, json!({ "code": code }))
        .await
        .expect_json_error(40029, "invalid code");

    get_phone(&sim, &token, json!({"code": "0".repeat(64)}))
        .await
        .expect_json_error(40029, "invalid code");

    // A code of another app does not work with this app's token.
    let other = simulator.mint_phone_code(OTHER_APP, "alice", &phone);
    get_phone(&sim, &token, json!({ "code": other }))
        .await
        .expect_json_error(40029, "invalid code");
    let body =
        json!({"grant_type": "client_credential", "appid": OTHER_APP, "secret": OTHER_SECRET});
    let answer = post(sim.base_url(), "/cgi-bin/stable_token", body.to_string()).await;
    let other_token = answer.json()["access_token"].as_str().unwrap().to_owned();
    let answer = get_phone(&sim, &other_token, json!({ "code": other })).await;
    expect_phone(&answer, "13800138000", "13800138000", r#""86""#, OTHER_APP);
}

#[tokio::test]
async fn access_token_errors() {
    let sim = start().await;
    let code = sim
        .simulator()
        .mint_phone_code(APP, "alice", &PhoneSpec::china("13800138000"));
    let body = json!({ "code": code });

    let answer = post(
        sim.base_url(),
        "/wxa/business/getuserphonenumber",
        body.to_string(),
    )
    .await;
    answer.expect_json_error(41001, "access_token missing");
    get_phone(&sim, "", body.clone())
        .await
        .expect_json_error(41001, "access_token missing");
    get_phone(&sim, "86_unknown", body.clone())
        .await
        .expect_json_error(40001, INVALID_TOKEN);

    let token = access_token(&sim).await;
    sim.simulator().expire_access_tokens(APP);
    get_phone(&sim, &token, body.clone())
        .await
        .expect_json_error(42001, "access_token expired");

    // None of that used up the code.
    let token = access_token(&sim).await;
    let answer = get_phone(&sim, &token, body).await;
    expect_phone(&answer, "13800138000", "13800138000", r#""86""#, APP);
}

#[tokio::test]
async fn injected_40001_invalidates_the_token_once() {
    let sim = start().await;
    let simulator = sim.simulator();
    let token = access_token(&sim).await;
    let code = simulator.mint_phone_code(APP, "alice", &PhoneSpec::china("13800138000"));
    let body = json!({ "code": code });

    simulator.fail_next_access_token_use(APP, 40001);
    get_phone(&sim, &token, body.clone())
        .await
        .expect_json_error(40001, INVALID_TOKEN);
    get_phone(&sim, &token, body.clone())
        .await
        .expect_json_error(40001, INVALID_TOKEN);

    // Refetch once, retry once: a new token, and the code still works.
    let fresh = access_token(&sim).await;
    assert_ne!(fresh, token);
    let answer = get_phone(&sim, &fresh, body).await;
    expect_phone(&answer, "13800138000", "13800138000", r#""86""#, APP);
}

#[tokio::test]
async fn injected_42001_expires_the_token_once() {
    let sim = start().await;
    let simulator = sim.simulator();
    let token = access_token(&sim).await;
    let code = simulator.mint_phone_code(APP, "alice", &PhoneSpec::china("13800138000"));
    let body = json!({ "code": code });

    simulator.fail_next_access_token_use(APP, 42001);
    // An unknown token doesn't consume the injected failure.
    get_phone(&sim, "86_unknown", body.clone())
        .await
        .expect_json_error(40001, INVALID_TOKEN);
    get_phone(&sim, &token, body.clone())
        .await
        .expect_json_error(42001, "access_token expired");
    get_phone(&sim, &token, body.clone())
        .await
        .expect_json_error(42001, "access_token expired");

    let fresh = access_token(&sim).await;
    assert_ne!(fresh, token);
    let answer = get_phone(&sim, &fresh, body).await;
    expect_phone(&answer, "13800138000", "13800138000", r#""86""#, APP);
}

#[tokio::test]
async fn injected_failures_are_per_app() {
    let sim = start().await;
    let simulator = sim.simulator();
    let token = access_token(&sim).await;
    simulator.fail_next_access_token_use(OTHER_APP, 40001);
    let code = simulator.mint_phone_code(APP, "alice", &PhoneSpec::china("13800138000"));
    let answer = get_phone(&sim, &token, json!({ "code": code })).await;
    expect_phone(&answer, "13800138000", "13800138000", r#""86""#, APP);
}

#[tokio::test]
async fn bad_bodies() {
    let sim = start().await;
    let token = access_token(&sim).await;
    let path = format!("/wxa/business/getuserphonenumber?access_token={token}");
    for body in [
        "",
        "code=abc",
        "[]",
        r#"{"code":42}"#,
        "{}",
        r#"{"code":""}"#,
    ] {
        post(sim.base_url(), &path, body)
            .await
            .expect_json_error(47001, "data format error");
    }
}

#[tokio::test]
async fn calls_are_counted() {
    let sim = start().await;
    assert_eq!(sim.simulator().calls("getuserphonenumber"), 0);
    let token = access_token(&sim).await;
    get_phone(&sim, &token, json!({"code": "x"})).await;
    get_phone(&sim, "86_unknown", json!({"code": "x"})).await;
    assert_eq!(sim.simulator().calls("getuserphonenumber"), 2);
    assert_eq!(sim.simulator().calls("stable_token"), 1);
}
