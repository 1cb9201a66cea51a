//! `msg_sec_check` (version 2) through a real socket: WeChat's exact answer,
//! the word list, who may be checked, and injected trouble.

mod common;

use common::{APP, Answer, OTHER_APP, UTF8_JSON, access_token, log_in, post, start};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use wxauth_wechat_sim::{RunningSimulator, openid_for};

/// `POST /wxa/msg_sec_check?access_token=token` with `body`.
async fn check(sim: &RunningSimulator, token: &str, body: Value) -> Answer {
    let path = format!("/wxa/msg_sec_check?access_token={token}");
    post(sim.base_url(), &path, body.to_string()).await
}

/// A well-formed request for [`APP`]'s user `user`.
fn request(user: &str, content: &str) -> Value {
    json!({"content": content, "version": 2, "scene": 1, "openid": openid_for(APP, user)})
}

/// Asserts WeChat's success answer with `suggest`/`label`, byte for byte.
fn expect_verdict(answer: &Answer, suggest: &str, label: u32, keyword: Option<&str>) {
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.content_type, UTF8_JSON, "{answer:?}");
    let trace_id = answer.json()["trace_id"]
        .as_str()
        .expect("trace_id")
        .to_owned();
    assert_eq!(trace_id.len(), 26, "{trace_id}");
    let keyword = match keyword {
        Some(word) => format!(r#","level":20,"keyword":"{word}""#),
        None => String::new(),
    };
    assert_eq!(
        answer.body,
        format!(
            r#"{{"errcode":0,"errmsg":"ok","result":{{"suggest":"{suggest}","label":{label}}},"detail":[{{"strategy":"content_model","errcode":0,"suggest":"{suggest}","label":{label},"prob":90}},{{"strategy":"keyword","errcode":0,"suggest":"{suggest}","label":{label}{keyword}}}],"trace_id":"{trace_id}"}}"#
        )
    );
}

#[tokio::test]
async fn the_word_list_decides_in_wechat_shape() {
    let sim = start().await;
    let token = access_token(&sim).await;
    log_in(&sim, "alice").await;
    let answer = check(&sim, &token, request("alice", "小明 🐱")).await;
    expect_verdict(&answer, "pass", 100, None);
    let answer = check(&sim, &token, request("alice", "违规的昵称")).await;
    expect_verdict(&answer, "risky", 20001, Some("违规"));
    let answer = check(&sim, &token, request("alice", "赌博")).await;
    expect_verdict(&answer, "risky", 20006, Some("赌博"));
    let answer = check(&sim, &token, request("alice", "诈骗")).await;
    expect_verdict(&answer, "risky", 20008, Some("诈骗"));
    let answer = check(&sim, &token, request("alice", "发广告")).await;
    expect_verdict(&answer, "review", 10001, Some("广告"));
    // The optional members are accepted; every scene 1 to 4 is.
    for scene in 1..=4 {
        let mut body = request("alice", "你好");
        body["scene"] = scene.into();
        body["title"] = "t".into();
        body["nickname"] = "n".into();
        expect_verdict(&check(&sim, &token, body).await, "pass", 100, None);
    }
    assert_eq!(sim.simulator().calls("msg_sec_check"), 9);
}

#[tokio::test]
async fn malformed_requests_get_wechat_errors() {
    let sim = start().await;
    let token = access_token(&sim).await;
    log_in(&sim, "alice").await;
    let mut v1 = request("alice", "x");
    v1["version"] = 1.into();
    let mut no_version = request("alice", "x");
    no_version.as_object_mut().unwrap().remove("version");
    let mut scene = request("alice", "x");
    scene["scene"] = 5.into();
    let mut no_openid = request("alice", "x");
    no_openid.as_object_mut().unwrap().remove("openid");
    let long = "字".repeat(2_501);
    for (body, errcode, errmsg) in [
        (v1, 47001, "data format error"),
        (no_version, 47001, "data format error"),
        (scene, 40129, "invalid scene"),
        (no_openid, 40003, "invalid openid"),
        (request("nobody", "x"), 40003, "invalid openid"),
        (request("alice", ""), 47001, "data format error"),
        (request("alice", &long), 47001, "data format error"),
    ] {
        check(&sim, &token, body.clone())
            .await
            .expect_json_error(errcode, errmsg);
    }
    // 2,500 characters are fine.
    let answer = check(&sim, &token, request("alice", &"字".repeat(2_500))).await;
    expect_verdict(&answer, "pass", 100, None);
    let path = format!("/wxa/msg_sec_check?access_token={token}");
    post(sim.base_url(), &path, "{")
        .await
        .expect_json_error(47001, "data format error");
}

#[tokio::test]
async fn the_openid_must_be_a_user_of_the_tokens_app() {
    let sim = start().await;
    let token = access_token(&sim).await;
    // A user of the other app only: not this app's openid.
    let other = common::exchange_for(&sim, OTHER_APP, common::OTHER_SECRET, "bob;n=1")
        .await
        .expect_session()
        .1;
    let body = json!({"content": "x", "version": 2, "scene": 1, "openid": other});
    check(&sim, &token, body)
        .await
        .expect_json_error(43104, "openid not match appid");
}

#[tokio::test]
async fn access_tokens_are_checked_and_faults_injected() {
    let sim = start().await;
    log_in(&sim, "alice").await;
    post(
        sim.base_url(),
        "/wxa/msg_sec_check",
        request("alice", "x").to_string(),
    )
    .await
    .expect_json_error(41001, "access_token missing");
    check(&sim, "86_nope", request("alice", "x"))
        .await
        .expect_json_error(
            40001,
            "invalid credential, access_token is invalid or not latest",
        );
    let token = access_token(&sim).await;
    for (errcode, errmsg) in [
        (-1, "system error"),
        (61010, "code is expired"),
        (45009, "reach max api daily quota limit"),
    ] {
        sim.simulator().fail_next_access_token_use(APP, errcode);
        check(&sim, &token, request("alice", "x"))
            .await
            .expect_json_error(errcode, errmsg);
    }
    // Each fault answered once; the token still works.
    expect_verdict(
        &check(&sim, &token, request("alice", "x")).await,
        "pass",
        100,
        None,
    );
}

#[tokio::test]
async fn a_queued_delay_holds_one_answer_back() {
    let sim = start().await;
    let token = access_token(&sim).await;
    log_in(&sim, "alice").await;
    sim.simulator()
        .delay_next_msg_sec_check(APP, Duration::from_millis(400));
    let started = Instant::now();
    let answer = check(&sim, &token, request("alice", "x")).await;
    assert!(started.elapsed() >= Duration::from_millis(400));
    expect_verdict(&answer, "pass", 100, None);
    let started = Instant::now();
    check(&sim, &token, request("alice", "x")).await;
    assert!(started.elapsed() < Duration::from_millis(400));
}
