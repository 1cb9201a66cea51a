//! `stable_token` through a real socket, checking WeChat's exact formats.

mod common;

use common::{APP, OTHER_APP, OTHER_SECRET, SECRET, UTF8_JSON, get_phone, post, start};
use serde_json::{Value, json};

const PATH: &str = "/cgi-bin/stable_token";

fn request(appid: &str, secret: &str, force_refresh: Option<bool>) -> String {
    let mut body = json!({"grant_type": "client_credential", "appid": appid, "secret": secret});
    if let Some(force) = force_refresh {
        body["force_refresh"] = json!(force);
    }
    body.to_string()
}

/// Asserts a success answer and returns `(access_token, expires_in)`.
fn expect_token(answer: &common::Answer) -> (String, u64) {
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.content_type, UTF8_JSON, "{answer:?}");
    let json = answer.json();
    let token = json["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned();
    let expires_in = json["expires_in"].as_u64().expect("expires_in");
    assert_eq!(
        answer.body,
        format!(r#"{{"access_token":"{token}","expires_in":{expires_in}}}"#),
        "exactly these two members, no errcode"
    );
    (token, expires_in)
}

#[tokio::test]
async fn success_has_wechat_shape() {
    let sim = start().await;
    let answer = post(sim.base_url(), PATH, request(APP, SECRET, None)).await;
    let (token, expires_in) = expect_token(&answer);
    assert_eq!(expires_in, 7200);
    assert!(token.len() >= 128, "{token}");
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'),
        "{token}"
    );
}

#[tokio::test]
async fn normal_mode_returns_the_same_token() {
    let sim = start().await;
    let (first, _) = expect_token(&post(sim.base_url(), PATH, request(APP, SECRET, None)).await);
    let (second, expires_in) =
        expect_token(&post(sim.base_url(), PATH, request(APP, SECRET, Some(false))).await);
    assert_eq!(second, first);
    assert!((7199..=7200).contains(&expires_in), "{expires_in}");

    let (other, _) =
        expect_token(&post(sim.base_url(), PATH, request(OTHER_APP, OTHER_SECRET, None)).await);
    assert_ne!(other, first, "each app has its own token");
}

#[tokio::test]
async fn force_refresh_replaces_and_invalidates_the_token() {
    let sim = start().await;
    let (old, _) = expect_token(&post(sim.base_url(), PATH, request(APP, SECRET, None)).await);
    let (new, expires_in) =
        expect_token(&post(sim.base_url(), PATH, request(APP, SECRET, Some(true))).await);
    assert_ne!(new, old);
    assert_eq!(expires_in, 7200);
    let (again, _) = expect_token(&post(sim.base_url(), PATH, request(APP, SECRET, None)).await);
    assert_eq!(again, new, "normal mode hands out the refreshed token");

    get_phone(&sim, &old, json!({"code": "x"}))
        .await
        .expect_json_error(
            40001,
            "invalid credential, access_token is invalid or not latest",
        );
    // The new token passes the token check (and fails on the unknown code).
    get_phone(&sim, &new, json!({"code": "x"}))
        .await
        .expect_json_error(40029, "invalid code");
}

#[tokio::test]
async fn expired_tokens_are_replaced() {
    let sim = start().await;
    let (old, _) = expect_token(&post(sim.base_url(), PATH, request(APP, SECRET, None)).await);
    sim.simulator().expire_access_tokens(APP);
    get_phone(&sim, &old, json!({"code": "x"}))
        .await
        .expect_json_error(42001, "access_token expired");
    let (new, expires_in) =
        expect_token(&post(sim.base_url(), PATH, request(APP, SECRET, None)).await);
    assert_ne!(new, old);
    assert_eq!(expires_in, 7200);
}

#[tokio::test]
async fn bad_credentials_and_bodies() {
    let sim = start().await;
    let url = sim.base_url();
    post(url, PATH, request("wxunknown", SECRET, None))
        .await
        .expect_json_error(40013, "invalid appid");
    post(url, PATH, request(APP, "wrong", None))
        .await
        .expect_json_error(40125, "invalid appsecret");
    post(url, PATH, request(OTHER_APP, SECRET, None))
        .await
        .expect_json_error(40125, "invalid appsecret");

    let mut body: Value = serde_json::from_str(&request(APP, SECRET, None)).unwrap();
    body["grant_type"] = json!("authorization_code");
    post(url, PATH, body.to_string())
        .await
        .expect_json_error(40002, "invalid grant_type");
    body.as_object_mut().unwrap().remove("grant_type");
    post(url, PATH, body.to_string())
        .await
        .expect_json_error(40002, "invalid grant_type");

    post(
        url,
        PATH,
        json!({"grant_type": "client_credential", "secret": SECRET}).to_string(),
    )
    .await
    .expect_json_error(41002, "appid missing");
    post(
        url,
        PATH,
        json!({"grant_type": "client_credential", "appid": APP}).to_string(),
    )
    .await
    .expect_json_error(41004, "appsecret missing");

    for not_json in [
        String::new(),
        "grant_type=client_credential&appid=x".to_owned(),
        "[]".to_owned(),
        request(APP, SECRET, None).replace('}', ","),
        json!({"grant_type": "client_credential", "appid": APP, "secret": SECRET, "force_refresh": "true"})
            .to_string(),
        json!({"grant_type": "client_credential", "appid": 42, "secret": SECRET}).to_string(),
    ] {
        post(url, PATH, not_json)
            .await
            .expect_json_error(47001, "data format error");
    }

    // Unknown members are ignored, as WeChat does.
    let mut body: Value = serde_json::from_str(&request(APP, SECRET, None)).unwrap();
    body["colour"] = json!("red");
    expect_token(&post(url, PATH, body.to_string()).await);
}

#[tokio::test]
async fn calls_are_counted() {
    let sim = start().await;
    assert_eq!(sim.simulator().calls("stable_token"), 0);
    post(sim.base_url(), PATH, request(APP, SECRET, None)).await;
    post(sim.base_url(), PATH, request(APP, "wrong", None)).await;
    post(sim.base_url(), PATH, "garbage").await;
    assert_eq!(sim.simulator().calls("stable_token"), 3);
    assert_eq!(sim.simulator().calls("jscode2session"), 0);
}
