//! `media_check_async` (version 2) through real sockets: WeChat's answer and
//! errors, then the `wxa_media_check` event pushed in secure mode to a
//! receiver standing in for the backend, checked and decrypted with the
//! backend's own message crypto (`wxauth_shared::crypto::message`): the
//! simulator's implementation and the backend's must agree.

mod common;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{StatusCode, Uri};
use axum::routing::{get, post as post_route};
use common::{APP, Answer, OTHER_APP, UTF8_JSON, access_token, log_in, post, start};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;
use wxauth_shared::crypto::message::{self, PushKey};
use wxauth_shared::domain::{Suggest, Verdict};
use wxauth_shared::wechat::parse_media_check_event;
use wxauth_wechat_sim::{PushTarget, RunningSimulator, openid_for, original_id_for};

const TOKEN: &str = "push-token";
/// WeChat's XML sample key: its last character sets the spare bits.
const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

/// One push as the receiver saw it.
#[derive(Debug)]
struct Received {
    query: HashMap<String, String>,
    path_and_query: String,
    body: String,
}

/// The receiver's state: what arrived, and how many pushes to refuse first.
#[derive(Clone)]
struct Receiver {
    pushes: mpsc::UnboundedSender<Received>,
    refuse: Arc<AtomicUsize>,
}

/// A backend stand-in on a free port: images under `/img/` (`pass.png`,
/// `risky.png` and `review.png` carry the markers, `huge.png` is over 10 MB;
/// anything else is 404) and
/// the push URL `/push`, answering `success` (or 500 while `refuse` > 0).
struct Backend {
    base_url: String,
    pushes: mpsc::UnboundedReceiver<Received>,
    refuse: Arc<AtomicUsize>,
}

async fn image(axum::extract::Path(name): axum::extract::Path<String>) -> (StatusCode, Vec<u8>) {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    match name.as_str() {
        "pass.png" => {}
        "risky.png" => png.extend_from_slice(b"tEXtComment\0WXSIM-RISKY"),
        "review.png" => png.extend_from_slice(b"tEXtComment\0WXSIM-REVIEW"),
        // Past WeChat's 10 MB by one byte.
        "huge.png" => png.resize(10 * 1024 * 1024 + 1, 0),
        _ => return (StatusCode::NOT_FOUND, b"not found".to_vec()),
    }
    (StatusCode::OK, png)
}

async fn receive(
    State(receiver): State<Receiver>,
    Query(query): Query<HashMap<String, String>>,
    uri: Uri,
    body: Bytes,
) -> (StatusCode, &'static str) {
    let refused = receiver
        .refuse
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    let _ = receiver.pushes.send(Received {
        query,
        path_and_query: uri.path_and_query().unwrap().to_string(),
        body: String::from_utf8(body.to_vec()).unwrap(),
    });
    if refused {
        (StatusCode::INTERNAL_SERVER_ERROR, "busy")
    } else {
        (StatusCode::OK, "success")
    }
}

async fn backend() -> Backend {
    let (sender, pushes) = mpsc::unbounded_channel();
    let refuse = Arc::new(AtomicUsize::new(0));
    let app = Router::new()
        .route("/img/{name}", get(image))
        .route("/push", post_route(receive))
        .with_state(Receiver {
            pushes: sender,
            refuse: refuse.clone(),
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Backend {
        base_url,
        pushes,
        refuse,
    }
}

impl Backend {
    fn target(&self) -> PushTarget {
        PushTarget {
            url: format!("{}/push", self.base_url),
            token: TOKEN.into(),
            encoding_aes_key: AES_KEY.into(),
        }
    }

    fn image_url(&self, name: &str) -> String {
        format!("{}/img/{name}", self.base_url)
    }

    async fn next_push(&mut self) -> Received {
        tokio::time::timeout(Duration::from_secs(10), self.pushes.recv())
            .await
            .expect("a push within 10 s")
            .expect("receiver open")
    }
}

/// The simulator's record once it holds `n` pushes: the receiver sees a
/// push before the simulator has its answer.
async fn deliveries(sim: &RunningSimulator, n: usize) -> Vec<wxauth_wechat_sim::DeliveredPush> {
    for _ in 0..200 {
        let delivered = sim.simulator().delivered_pushes();
        if delivered.len() >= n {
            assert_eq!(delivered.len(), n, "{delivered:?}");
            return delivered;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("fewer than {n} pushes recorded");
}

/// `POST /wxa/media_check_async?access_token=token` with `body`.
async fn check(sim: &RunningSimulator, token: &str, body: Value) -> Answer {
    let path = format!("/wxa/media_check_async?access_token={token}");
    post(sim.base_url(), &path, body.to_string()).await
}

/// A well-formed request for [`APP`]'s user `user`.
fn request(user: &str, media_url: &str) -> Value {
    json!({"media_url": media_url, "media_type": 2, "version": 2, "scene": 1, "openid": openid_for(APP, user)})
}

/// Asserts WeChat's success answer byte for byte; returns the trace id.
fn expect_trace_id(answer: &Answer) -> String {
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.content_type, UTF8_JSON, "{answer:?}");
    let trace_id = answer.json()["trace_id"]
        .as_str()
        .expect("trace_id")
        .to_owned();
    assert_eq!(trace_id.len(), 26, "{trace_id}");
    assert_eq!(
        answer.body,
        format!(r#"{{"errcode":0,"errmsg":"ok","trace_id":"{trace_id}"}}"#)
    );
    trace_id
}

/// Checks a push as a backend must (both signatures, the appid) and returns
/// the decrypted event JSON.
fn open(push: &Received) -> Value {
    let q = |name: &str| push.query[name].as_str();
    assert_eq!(q("encrypt_type"), "aes");
    assert_eq!(q("openid"), openid_for(APP, "alice"));
    let body: Value = serde_json::from_str(&push.body).unwrap();
    assert_eq!(body.as_object().unwrap().len(), 2, "{body}");
    assert_eq!(body["ToUserName"], original_id_for(APP));
    let encrypt = body["Encrypt"].as_str().unwrap();
    assert!(message::signature_matches(
        q("signature"),
        &message::signature(TOKEN, q("timestamp"), q("nonce"))
    ));
    assert!(message::signature_matches(
        q("msg_signature"),
        &message::msg_signature(TOKEN, q("timestamp"), q("nonce"), encrypt)
    ));
    let opened = message::decrypt(&PushKey::parse(AES_KEY).unwrap(), encrypt).unwrap();
    assert_eq!(opened.appid, APP);
    serde_json::from_str(&opened.message).unwrap()
}

/// The documented event for `trace_id`, with `CreateTime` from `event` (the
/// one member the test can't know) after checking it is recent.
fn expected_event(event: &Value, trace_id: &str, verdict: Option<(&str, u32)>) -> Value {
    let created = event["CreateTime"].as_u64().expect("CreateTime");
    assert!(common::unix_now().abs_diff(created) < 60, "{event}");
    let mut expected = json!({
        "ToUserName": original_id_for(APP),
        "FromUserName": openid_for(APP, "alice"),
        "CreateTime": created,
        "MsgType": "event",
        "Event": "wxa_media_check",
        "appid": APP,
        "trace_id": trace_id,
        "version": 2,
    });
    match verdict {
        Some((suggest, label)) => {
            expected["detail"] = json!([{"strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label, "prob": 90}]);
            expected["errcode"] = 0.into();
            expected["errmsg"] = "ok".into();
            expected["result"] = json!({"suggest": suggest, "label": label});
        }
        None => {
            expected["detail"] = json!([{"strategy": "content_model", "errcode": -1008}]);
            expected["errcode"] = (-1008).into();
            expected["errmsg"] = "download media failed".into();
        }
    }
    expected
}

#[tokio::test]
async fn answers_a_fresh_trace_id_in_wechat_shape() {
    let sim = start().await;
    let token = access_token(&sim).await;
    log_in(&sim, "alice").await;
    let first =
        expect_trace_id(&check(&sim, &token, request("alice", "http://127.0.0.1:1/a.png")).await);
    for scene in 1..=4 {
        let mut body = request("alice", "https://example.invalid/a.jpg");
        body["scene"] = scene.into();
        assert_ne!(expect_trace_id(&check(&sim, &token, body).await), first);
    }
    assert_eq!(sim.simulator().calls("media_check_async"), 5);
    // No push target: nothing is pushed.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(sim.simulator().delivered_pushes().is_empty());
}

#[tokio::test]
async fn malformed_requests_get_wechat_errors() {
    let sim = start().await;
    let token = access_token(&sim).await;
    log_in(&sim, "alice").await;
    let url = "http://127.0.0.1:1/a.png";
    let with = |name: &str, value: Value| {
        let mut body = request("alice", url);
        body[name] = value;
        body
    };
    let without = |name: &str| {
        let mut body = request("alice", url);
        body.as_object_mut().unwrap().remove(name);
        body
    };
    let other = common::exchange_for(&sim, OTHER_APP, common::OTHER_SECRET, "bob;n=1")
        .await
        .expect_session()
        .1;
    for (body, errcode, errmsg) in [
        (with("version", 1.into()), 47001, "data format error"),
        (without("version"), 47001, "data format error"),
        (with("media_type", 1.into()), 40004, "invalid media type"),
        (with("media_type", "2".into()), 40004, "invalid media type"),
        (without("media_type"), 40004, "invalid media type"),
        (with("scene", 5.into()), 40129, "invalid scene"),
        (with("scene", 0.into()), 40129, "invalid scene"),
        (without("openid"), 40003, "invalid openid"),
        (request("nobody", url), 40003, "invalid openid"),
        (
            with("openid", other.into()),
            43104,
            "openid not match appid",
        ),
        (without("media_url"), 47001, "data format error"),
        (
            with("media_url", "ftp://h/a.png".into()),
            47001,
            "data format error",
        ),
    ] {
        check(&sim, &token, body.clone())
            .await
            .expect_json_error(errcode, errmsg);
    }
    let path = format!("/wxa/media_check_async?access_token={token}");
    post(sim.base_url(), &path, "{")
        .await
        .expect_json_error(47001, "data format error");
}

#[tokio::test]
async fn access_tokens_are_checked_and_faults_injected() {
    let sim = start().await;
    log_in(&sim, "alice").await;
    let body = request("alice", "http://127.0.0.1:1/a.png");
    post(sim.base_url(), "/wxa/media_check_async", body.to_string())
        .await
        .expect_json_error(41001, "access_token missing");
    check(&sim, "86_nope", body.clone())
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
        check(&sim, &token, body.clone())
            .await
            .expect_json_error(errcode, errmsg);
    }
    expect_trace_id(&check(&sim, &token, body).await);
}

#[tokio::test]
async fn each_marker_arrives_as_a_signed_encrypted_event() {
    let sim = start().await;
    let mut backend = backend().await;
    sim.simulator().set_push_target(APP, backend.target());
    let token = access_token(&sim).await;
    log_in(&sim, "alice").await;
    for (name, suggest, label, verdict) in [
        ("pass.png", "pass", 100, Suggest::Pass),
        ("review.png", "review", 21000, Suggest::Review),
        ("risky.png", "risky", 20002, Suggest::Risky),
    ] {
        let answer = check(&sim, &token, request("alice", &backend.image_url(name))).await;
        let trace_id = expect_trace_id(&answer);
        let push = backend.next_push().await;
        assert!(
            push.path_and_query.starts_with("/push?signature="),
            "{push:?}"
        );
        let event = open(&push);
        assert_eq!(
            event,
            expected_event(&event, &trace_id, Some((suggest, label)))
        );
        // The backend's parser reads it as documented.
        let parsed = parse_media_check_event(&event.to_string())
            .unwrap()
            .unwrap();
        assert_eq!(parsed.trace_id, trace_id);
        assert_eq!(
            parsed.result,
            Some(Verdict {
                suggest: verdict,
                label
            })
        );
    }
    let delivered = deliveries(&sim, 3).await;
    assert!(
        delivered
            .iter()
            .all(|p| p.status == 200 && p.answer == "success")
    );
}

#[tokio::test]
async fn an_image_that_cannot_be_fetched_gets_errcode_1008() {
    let sim = start().await;
    let mut backend = backend().await;
    sim.simulator().set_push_target(APP, backend.target());
    let token = access_token(&sim).await;
    log_in(&sim, "alice").await;
    // A 404, a port nobody listens on, an image over 10 MB.
    for url in [
        backend.image_url("gone.png"),
        "http://127.0.0.1:1/a.png".into(),
        backend.image_url("huge.png"),
    ] {
        let trace_id = expect_trace_id(&check(&sim, &token, request("alice", &url)).await);
        let event = open(&backend.next_push().await);
        assert_eq!(event, expected_event(&event, &trace_id, None));
        let parsed = parse_media_check_event(&event.to_string())
            .unwrap()
            .unwrap();
        assert_eq!((parsed.result, parsed.errcode), (None, Some(-1008)));
    }
}

#[tokio::test]
async fn held_events_wait_for_release_and_arrive_in_order() {
    let sim = start().await;
    let mut backend = backend().await;
    sim.simulator().set_push_target(APP, backend.target());
    sim.simulator().hold_media_events(APP);
    let token = access_token(&sim).await;
    log_in(&sim, "alice").await;
    let mut trace_ids = Vec::new();
    for name in ["risky.png", "pass.png", "review.png"] {
        let answer = check(&sim, &token, request("alice", &backend.image_url(name))).await;
        trace_ids.push(expect_trace_id(&answer));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(backend.pushes.try_recv().is_err(), "held");
    assert!(sim.simulator().delivered_pushes().is_empty());
    // Released: all three pushed, in order, before release returns.
    assert_eq!(sim.simulator().release_media_events(APP).await, 3);
    for trace_id in &trace_ids {
        let push = backend
            .pushes
            .try_recv()
            .expect("pushed before release returned");
        assert_eq!(open(&push)["trace_id"], trace_id.as_str());
    }
    assert_eq!(sim.simulator().delivered_pushes().len(), 3);
    // The hold is over: the next event goes at once.
    let trace_id = expect_trace_id(
        &check(
            &sim,
            &token,
            request("alice", &backend.image_url("pass.png")),
        )
        .await,
    );
    assert_eq!(
        open(&backend.next_push().await)["trace_id"],
        trace_id.as_str()
    );
    assert_eq!(sim.simulator().release_media_events(APP).await, 0);
}

#[tokio::test]
async fn refused_pushes_are_retried_recorded_and_replayable() {
    let sim = start().await;
    let mut backend = backend().await;
    sim.simulator().set_push_target(APP, backend.target());
    sim.simulator().hold_media_events(APP);
    let token = access_token(&sim).await;
    log_in(&sim, "alice").await;
    expect_trace_id(
        &check(
            &sim,
            &token,
            request("alice", &backend.image_url("risky.png")),
        )
        .await,
    );
    backend.refuse.store(2, Ordering::SeqCst);
    assert_eq!(sim.simulator().release_media_events(APP).await, 1);
    let delivered = sim.simulator().delivered_pushes();
    let answers: Vec<(u16, &str)> = delivered
        .iter()
        .map(|p| (p.status, p.answer.as_str()))
        .collect();
    assert_eq!(answers, [(500, "busy"), (500, "busy"), (200, "success")]);
    // Retries repeat the same push, so a backend can tell them apart from
    // new events only by its own replay guard.
    assert!(
        delivered
            .iter()
            .all(|p| p.url == delivered[0].url && p.body == delivered[0].body)
    );
    let pushes: Vec<Received> = (0..3).map(|_| backend.pushes.try_recv().unwrap()).collect();
    assert!(delivered[0].url.ends_with(&pushes[0].path_and_query));
    // A test can replay a recorded push as it was.
    let replay = reqwest::Client::new()
        .post(&delivered[0].url)
        .body(delivered[0].body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 200);
    let replayed = backend.next_push().await;
    assert_eq!(open(&replayed), open(&pushes[2]));

    // A receiver that never accepts: 1 attempt and 3 retries, then given up.
    backend.refuse.store(10, Ordering::SeqCst);
    sim.simulator().hold_media_events(APP);
    expect_trace_id(
        &check(
            &sim,
            &token,
            request("alice", &backend.image_url("pass.png")),
        )
        .await,
    );
    assert_eq!(sim.simulator().release_media_events(APP).await, 1);
    assert_eq!(sim.simulator().delivered_pushes().len(), 3 + 4);
}

#[test]
#[should_panic(expected = "encoding_aes_key")]
fn a_push_target_needs_a_valid_key() {
    let sim = wxauth_wechat_sim::Simulator::new([(APP, "s")]);
    sim.set_push_target(
        APP,
        PushTarget {
            url: "http://127.0.0.1:1/push".into(),
            token: TOKEN.into(),
            encoding_aes_key: "too-short".into(),
        },
    );
}
