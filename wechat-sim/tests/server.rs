//! Running, sharing and stopping the simulator.

mod common;

use std::time::Duration;

use axum::Router;
use common::{APP, SECRET, UTF8_JSON, exchange, get, post, start};
use wxauth_wechat_sim::{Simulator, openid_for};

#[tokio::test]
async fn base_url_is_loopback_without_trailing_slash() {
    let sim = start().await;
    let url = sim.base_url();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(!url.ends_with('/'), "{url}");
    assert_eq!(url, format!("http://{}", sim.addr()));
}

#[tokio::test]
async fn clones_share_state() {
    let simulator = Simulator::new([(APP, SECRET)]);
    let running = simulator
        .start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let (session_key, openid, _) = exchange(&running, "alice").await.expect_session();
    assert_eq!(openid, openid_for(APP, "alice"));
    assert_eq!(
        simulator.current_session_key(APP, &openid),
        Some(session_key)
    );
    assert_eq!(simulator.calls("jscode2session"), 1);
}

#[tokio::test]
async fn router_can_be_mounted_in_a_host_server() {
    let simulator = Simulator::new([(APP, SECRET)]);
    let host = Router::new()
        .route("/health", axum::routing::get(|| async { "ok" }))
        .merge(simulator.router());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, host).await });

    let answer = get(
        &url,
        &[
            ("appid", APP),
            ("secret", SECRET),
            ("js_code", "alice"),
            ("grant_type", "authorization_code"),
        ],
    )
    .await;
    answer.expect_session();
    assert_eq!(simulator.calls("jscode2session"), 1);

    let token_request =
        format!(r#"{{"grant_type":"client_credential","appid":"{APP}","secret":"{SECRET}"}}"#);
    let answer = post(&url, "/cgi-bin/stable_token", token_request).await;
    assert_eq!(answer.content_type, UTF8_JSON, "{answer:?}");
    let token = answer.json()["access_token"].as_str().unwrap().to_owned();
    let answer = post(&url, "/sim/mint/phone-code", r#"{"user":"alice"}"#).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    let code = answer.json()["code"].as_str().unwrap().to_owned();
    let path = format!("/wxa/business/getuserphonenumber?access_token={token}");
    let answer = post(&url, &path, format!(r#"{{"code":"{code}"}}"#)).await;
    assert_eq!(answer.json()["errcode"], 0, "{answer:?}");
    assert_eq!(simulator.calls("stable_token"), 1);
    assert_eq!(simulator.calls("getuserphonenumber"), 1);
    server.abort();
}

#[tokio::test]
async fn control_routes_need_an_app() {
    let no_apps: [(&str, &str); 0] = [];
    let sim = Simulator::new(no_apps)
        .start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let answer = post(sim.base_url(), "/sim/mint/profile", r#"{"user":"alice"}"#).await;
    assert_eq!(answer.status, 404, "{answer:?}");
    assert_eq!(answer.json()["error"], "the simulator knows no app");
}

#[tokio::test]
async fn dropping_stops_the_server() {
    let sim = start().await;
    exchange(&sim, "alice").await.expect_session();
    let url = format!("{}/sns/jscode2session", sim.base_url());
    drop(sim);

    // Shutdown happens in the server task; give it a moment.
    for _ in 0..100 {
        if reqwest::Client::new().get(&url).send().await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("server still answers after being dropped");
}
