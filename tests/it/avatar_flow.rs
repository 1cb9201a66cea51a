//! Avatars through the HTTP surface, on both stores (DynamoDB with the
//! emulator's S3; the embedded store with a directory, as the local server):
//! real `wx.uploadFile` bodies through API Gateway's base64 encoding, the
//! simulator's `media_check_async` fetching the image from the backend and
//! pushing its verdict, signed and encrypted, to `/wechat/push`; the pushes
//! that must be refused; the deadline under each policy; the account's
//! deletion taking the images with it.

use serde_json::{Value, json};
use wxauth_shared::clock::Clock;
use wxauth_shared::crypto::message::{self, PushKey};
use wxauth_tests::StoreKind;
use wxauth_tests::harness::{APP_A, Harness, PUSH_AES_KEY, PUSH_TOKEN, error_code, token};
use wxauth_tests::http_front::HttpFront;
use wxauth_tests::upload::{WEBKIT_BOUNDARY, fixture_image, upload_file_body};

/// `wx.uploadFile` of `bytes` named `name` to the front, as `token`.
async fn upload(front: &HttpFront, token: &str, name: &str, bytes: &[u8]) -> (u16, Value) {
    let (content_type, body) =
        upload_file_body(WEBKIT_BOUNDARY, &[("source", "chooseAvatar")], name, bytes);
    let response = reqwest::Client::new()
        .post(format!("{}/auth/profile/avatar", front.base_url))
        .header("content-type", content_type)
        .header("authorization", format!("Bearer {token}"))
        .body(body)
        .send()
        .await
        .expect("the front answers");
    let status = response.status().as_u16();
    let text = response.text().await.expect("a body");
    let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    (status, json)
}

/// Status, content type and bytes of a GET.
async fn fetch(url: &str) -> (u16, String, Vec<u8>) {
    let response = reqwest::get(url).await.expect("the front answers");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (
        status,
        content_type,
        response.bytes().await.unwrap().to_vec(),
    )
}

async fn me(h: &Harness, token: &str) -> Value {
    let (status, account) = h.call("GET", "/auth/me", None, Some(token)).await;
    assert_eq!(status, 200, "{account}");
    account
}

fn url_of(answer: &Value) -> String {
    answer["avatar"]["url"]
        .as_str()
        .unwrap_or_else(|| panic!("no avatar url in {answer}"))
        .to_owned()
}

/// Each image type: 202 pending, served at its URL at once (WeChat fetches
/// it), not the profile's until the verdict; a pass makes it the profile's.
async fn each_image_type_waits_for_its_verdict(kind: StoreKind) {
    let h = Harness::start(kind).await;
    let front = h.serve_with(&[]).await;
    let t = token(&h.logged_in("ava", "", APP_A).await);
    h.simulator().hold_media_events(APP_A);
    let mut previous = Value::Null;
    for (name, content_type) in [
        ("pixel.jpg", "image/jpeg"),
        ("pixel.png", "image/png"),
        ("pixel.webp", "image/webp"),
    ] {
        let bytes = fixture_image(name);
        let (status, answer) = upload(&front, &t, &format!("tmp_81d2.{name}"), &bytes).await;
        assert_eq!(status, 202, "{name}: {answer}");
        assert_eq!(answer["avatar"]["state"], "pending", "{answer}");
        let url = url_of(&answer);
        assert!(
            url.starts_with(&format!("{}/avatars/", front.base_url)),
            "{url}"
        );
        assert_eq!(fetch(&url).await, (200, content_type.to_owned(), bytes));
        let account = me(&h, &t).await;
        assert_eq!(account["avatar"], json!({"state": "pending", "url": url}));
        // The profile shows the previous avatar (none at first) meanwhile.
        assert_eq!(account["profile"]["avatarUrl"], previous, "{account}");

        assert_eq!(h.simulator().release_media_events(APP_A).await, 1);
        h.simulator().hold_media_events(APP_A);
        let account = me(&h, &t).await;
        assert_eq!(account["avatar"]["state"], "active", "{name}: {account}");
        assert_eq!(account["profile"]["avatarUrl"], url.as_str());
        assert_eq!(account["contentChecks"]["avatar"]["state"], "passed");
        previous = json!(url);
    }
    // The backend answered every push `success`, the first time.
    assert!(
        h.simulator()
            .delivered_pushes()
            .iter()
            .all(|p| p.status == 200 && p.answer == "success"),
        "{:?}",
        h.simulator().delivered_pushes()
    );
}

#[tokio::test]
async fn each_image_type_waits_for_its_verdict_on_dynamo() {
    each_image_type_waits_for_its_verdict(StoreKind::Dynamo).await;
}

#[tokio::test]
async fn each_image_type_waits_for_its_verdict_on_the_embedded_store() {
    each_image_type_waits_for_its_verdict(StoreKind::Embedded).await;
}

/// Risky: refused with WeChat's label, its image deleted, the previous
/// avatar still the profile's. Review (accepted by default): shown, marked.
async fn a_risky_avatar_is_refused_and_deleted(kind: StoreKind) {
    let h = Harness::start(kind).await;
    let front = h.serve_with(&[]).await;
    let t = token(&h.logged_in("rita", "", APP_A).await);
    h.simulator().hold_media_events(APP_A);
    let (_, first) = upload(&front, &t, "a.png", &fixture_image("pixel.png")).await;
    h.simulator().release_media_events(APP_A).await;
    h.simulator().hold_media_events(APP_A);

    let (status, answer) = upload(&front, &t, "b.jpg", &fixture_image("risky.jpg")).await;
    assert_eq!(status, 202, "{answer}");
    let risky = url_of(&answer);
    assert_eq!(fetch(&risky).await.0, 200);
    h.simulator().release_media_events(APP_A).await;
    h.simulator().hold_media_events(APP_A);
    let account = me(&h, &t).await;
    assert_eq!(
        account["avatar"],
        json!({"state": "refused", "url": risky, "label": 20002})
    );
    assert_eq!(account["profile"]["avatarUrl"], url_of(&first).as_str());
    assert_eq!(fetch(&risky).await.0, 404, "the refused image is deleted");
    assert_eq!(fetch(&url_of(&first)).await.0, 200, "the shown one stays");

    let (_, answer) = upload(&front, &t, "c.webp", &fixture_image("review.webp")).await;
    h.simulator().release_media_events(APP_A).await;
    let account = me(&h, &t).await;
    assert_eq!(account["avatar"]["state"], "active", "{account}");
    assert_eq!(account["profile"]["avatarUrl"], url_of(&answer).as_str());
    assert_eq!(
        account["contentChecks"]["avatar"],
        json!({"state": "review", "label": 21000, "at": account["contentChecks"]["avatar"]["at"]})
    );
    assert_eq!(
        fetch(&url_of(&first)).await.0,
        404,
        "the replaced image is deleted"
    );
}

#[tokio::test]
async fn a_risky_avatar_is_refused_and_deleted_on_dynamo() {
    a_risky_avatar_is_refused_and_deleted(StoreKind::Dynamo).await;
}

#[tokio::test]
async fn a_risky_avatar_is_refused_and_deleted_on_the_embedded_store() {
    a_risky_avatar_is_refused_and_deleted(StoreKind::Embedded).await;
}

/// A verdict WeChat pushes as soon as it can (no hold) may overtake the
/// upload's commit: either way the avatar ends active.
#[tokio::test]
async fn a_verdict_that_overtakes_the_upload_is_kept_for_it() {
    let h = Harness::start(StoreKind::Dynamo).await;
    let front = h.serve_with(&[]).await;
    let t = token(&h.logged_in("fast", "", APP_A).await);
    let (status, answer) = upload(&front, &t, "a.png", &fixture_image("pixel.png")).await;
    assert!(status == 202 || status == 200, "{answer}");
    let mut state = Value::Null;
    for _ in 0..100 {
        state = me(&h, &t).await["avatar"]["state"].clone();
        if state == "active" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(state, "active");
}

/// A fake image, one too big, a body that is not multipart, no token.
async fn bad_uploads_are_refused(kind: StoreKind) {
    let h = Harness::start(kind).await;
    let front = h.serve_with(&[]).await;
    let t = token(&h.logged_in("bob", "", APP_A).await);
    let checks = h.simulator().calls("media_check_async");

    let (status, answer) = upload(&front, &t, "fake.png", &fixture_image("fake.png")).await;
    assert_eq!(
        (status, error_code(&answer)),
        (400, Some("bad_image")),
        "{answer}"
    );
    let (status, answer) = upload(&front, &t, "empty.png", b"").await;
    assert_eq!(
        (status, error_code(&answer)),
        (400, Some("bad_image")),
        "{answer}"
    );
    // A real PNG signature, padded past 1 MB.
    let mut big = fixture_image("pixel.png");
    big.resize(1024 * 1024 + 1, 0);
    let (status, answer) = upload(&front, &t, "big.png", &big).await;
    assert_eq!(
        (status, error_code(&answer)),
        (413, Some("payload_too_large")),
        "{answer}"
    );
    big.resize(3 * 1024 * 1024, 0);
    let (status, answer) = upload(&front, &t, "huge.png", &big).await;
    assert_eq!(
        (status, error_code(&answer)),
        (413, Some("payload_too_large")),
        "{answer}"
    );

    let client = reqwest::Client::new();
    let url = format!("{}/auth/profile/avatar", front.base_url);
    let response = client
        .post(&url)
        .header("authorization", format!("Bearer {t}"))
        .header("content-type", "application/json")
        .body(r#"{"avatarUrl":"https://example.com/a.png"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let answer: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(error_code(&answer), Some("bad_image"), "{answer}");
    let (content_type, body) =
        upload_file_body(WEBKIT_BOUNDARY, &[], "a.png", &fixture_image("pixel.png"));
    let response = client
        .post(&url)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);

    // Nothing reached WeChat, nothing was stored.
    assert_eq!(h.simulator().calls("media_check_async"), checks);
    assert!(me(&h, &t).await.get("avatar").is_none());
}

#[tokio::test]
async fn bad_uploads_are_refused_on_dynamo() {
    bad_uploads_are_refused(StoreKind::Dynamo).await;
}

#[tokio::test]
async fn bad_uploads_are_refused_on_the_embedded_store() {
    bad_uploads_are_refused(StoreKind::Embedded).await;
}

/// A push as WeChat sends it, for our key: `(url, body)`.
fn signed_push(front: &HttpFront, timestamp: u64, event: &Value) -> (String, String) {
    let key = PushKey::parse(PUSH_AES_KEY).unwrap();
    let encrypt = message::encrypt(&key, [7; 16], &event.to_string(), APP_A);
    let timestamp = timestamp.to_string();
    let nonce = "1320562132";
    let signature = message::msg_signature(PUSH_TOKEN, &timestamp, nonce, &encrypt);
    let url = format!(
        "{}/wechat/push?signature=x&timestamp={timestamp}&nonce={nonce}&openid=o1&encrypt_type=aes&msg_signature={signature}",
        front.base_url
    );
    (
        url,
        json!({"ToUserName": "gh_0", "Encrypt": encrypt}).to_string(),
    )
}

async fn post(url: &str, body: &str) -> (u16, String) {
    let response = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// The server verification; pushes with a bad signature, replayed (within
/// the window: no change; after it: refused), for an unknown trace.
#[tokio::test]
async fn pushes_are_believed_only_when_signed_fresh_and_ours() {
    let h = Harness::start(StoreKind::Dynamo).await;
    let front = h.serve_with(&[]).await;
    let now = h.clock.now_unix();

    // GET: WeChat's server verification echoes `echostr`.
    let ts = now.to_string();
    let signature = message::signature(PUSH_TOKEN, &ts, "42");
    let verify = |signature: &str| {
        format!(
            "{}/wechat/push?signature={signature}&timestamp={ts}&nonce=42&echostr=8761234",
            front.base_url
        )
    };
    let (status, _, body) = fetch(&verify(&signature)).await;
    assert_eq!((status, body), (200, b"8761234".to_vec()));
    let (status, _, body) = fetch(&verify(&"0".repeat(40))).await;
    let answer: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (status, error_code(&answer)),
        (401, Some("push_signature_invalid"))
    );

    // An upload and its verdict, delivered by the simulator.
    let t = token(&h.logged_in("pam", "", APP_A).await);
    h.simulator().hold_media_events(APP_A);
    let (_, answer) = upload(&front, &t, "a.png", &fixture_image("pixel.png")).await;
    let url = url_of(&answer);
    h.simulator().release_media_events(APP_A).await;
    let delivered = h.simulator().delivered_pushes().pop().expect("a push");
    assert_eq!(
        (delivered.status, delivered.answer.as_str()),
        (200, "success")
    );
    let before = me(&h, &t).await;
    assert_eq!(before["avatar"]["state"], "active");

    // The same push again (WeChat's retry, or a replay in the window): taken, no change.
    assert_eq!(
        post(&delivered.url, &delivered.body).await,
        (200, "success".to_owned())
    );
    assert_eq!(me(&h, &t).await, before);

    // A bad msg_signature; a body changed under a good one.
    let tampered = delivered.url.replace("msg_signature=", "msg_signature=0");
    let (status, body) = post(&tampered, &delivered.body).await;
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("push_signature_invalid"), "{body}");
    let mut changed: Value = serde_json::from_str(&delivered.body).unwrap();
    let encrypt = changed["Encrypt"].as_str().unwrap().to_owned();
    // Another first character, whatever it was.
    let first = if encrypt.starts_with('A') { "B" } else { "A" };
    changed["Encrypt"] = json!(format!("{first}{}", &encrypt[1..]));
    let (status, _) = post(&delivered.url, &changed.to_string()).await;
    assert_eq!(status, 401);

    // The same push after the window: refused as a replay.
    h.clock.advance(600);
    let (status, body) = post(&delivered.url, &delivered.body).await;
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("push_expired"), "{body}");

    // A risky verdict for a trace nobody uploaded: taken (WeChat would
    // retry otherwise), kept for an upload that never comes, no account changed.
    let event = json!({
        "ToUserName": "gh_0", "FromUserName": "o1", "CreateTime": now,
        "MsgType": "event", "Event": "wxa_media_check", "appid": APP_A,
        "trace_id": "unknown-trace-1", "version": 2, "detail": [],
        "errcode": 0, "errmsg": "ok",
        "result": {"suggest": "risky", "label": 20002}
    });
    let (push_url, body) = signed_push(&front, h.clock.now_unix(), &event);
    assert_eq!(post(&push_url, &body).await, (200, "success".to_owned()));
    let after = me(&h, &t).await;
    assert_eq!(after["avatar"], before["avatar"]);
    assert_eq!(fetch(&url).await.0, 200);
    assert!(
        h.all_keys()
            .await
            .contains(&"MEDIA#unknown-trace-1".to_owned())
    );

    // Another app's push, under our key: refused.
    let key = PushKey::parse(PUSH_AES_KEY).unwrap();
    let encrypt = message::encrypt(&key, [1; 16], &event.to_string(), "wx0000000000000000");
    let ts = h.clock.now_unix().to_string();
    let sig = message::msg_signature(PUSH_TOKEN, &ts, "9", &encrypt);
    let foreign = format!(
        "{}/wechat/push?timestamp={ts}&nonce=9&encrypt_type=aes&msg_signature={sig}",
        front.base_url
    );
    let (status, body) = post(&foreign, &json!({"Encrypt": encrypt}).to_string()).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("unknown_appid"), "{body}");
}

/// No verdict within AVATAR_CHECK_TIMEOUT_SECS: strict refuses, lenient
/// shows it unchecked; WeChat unreachable at upload: strict 503 and the
/// image gone, lenient shown unchecked; off: shown, WeChat never asked.
#[tokio::test]
async fn without_a_verdict_the_policy_decides() {
    let h = Harness::start_with(StoreKind::Embedded, &[("AVATAR_CHECK_TIMEOUT_SECS", "60")]).await;
    let strict = h.serve_with(&[]).await;
    let t = token(&h.logged_in("tim", "", APP_A).await);
    h.simulator().hold_media_events(APP_A);
    let (_, answer) = upload(&strict, &t, "a.png", &fixture_image("pixel.png")).await;
    assert_eq!(answer["avatar"]["state"], "pending");
    h.clock.advance(61);
    let account = me(&h, &t).await;
    assert_eq!(account["avatar"]["state"], "refused", "{account}");
    assert!(account["profile"].get("avatarUrl").is_none());
    let lenient = h.router_with(&[("CONTENT_CHECK", "lenient")]);
    let (_, account) =
        wxauth_tests::harness::call_router(&lenient, "GET", "/auth/me", None, Some(&t)).await;
    assert_eq!(account["avatar"]["state"], "active", "{account}");
    assert_eq!(account["contentChecks"]["avatar"]["state"], "unchecked");
    assert_eq!(account["profile"]["avatarUrl"], url_of(&answer).as_str());

    // WeChat busy on every attempt at upload time.
    let busy = |h: &Harness| {
        for _ in 0..3 {
            h.simulator().fail_next_access_token_use(APP_A, -1);
        }
    };
    busy(&h);
    let (status, answer) = upload(&strict, &t, "b.jpg", &fixture_image("pixel.jpg")).await;
    assert_eq!(
        (status, error_code(&answer)),
        (503, Some("wechat_busy")),
        "{answer}"
    );
    let lenient = h.serve_with(&[("CONTENT_CHECK", "lenient")]).await;
    busy(&h);
    let (status, answer) = upload(&lenient, &t, "b.jpg", &fixture_image("pixel.jpg")).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["avatar"]["state"], "active");
    let jpeg = url_of(&answer);
    assert_eq!(fetch(&jpeg).await.0, 200);
    let account = me(&h, &t).await;
    assert_eq!(account["contentChecks"]["avatar"]["state"], "unchecked");

    let off = h.serve_with(&[("CONTENT_CHECK", "off")]).await;
    let calls = h.simulator().calls("media_check_async");
    let (status, answer) = upload(&off, &t, "c.webp", &fixture_image("pixel.webp")).await;
    assert_eq!(
        (status, &answer["avatar"]["state"]),
        (200, &json!("active")),
        "{answer}"
    );
    assert_eq!(h.simulator().calls("media_check_async"), calls);
    assert_eq!(me(&h, &t).await["contentChecks"]["avatar"]["state"], "off");
}

/// Strict, and WeChat refuses the check itself: the image is not kept.
#[tokio::test]
async fn a_refused_check_keeps_no_image() {
    let h = Harness::start(StoreKind::Dynamo).await;
    let front = h.serve_with(&[]).await;
    let t = token(&h.logged_in("una", "", APP_A).await);
    for _ in 0..3 {
        h.simulator().fail_next_access_token_use(APP_A, -1);
    }
    let (status, _) = upload(&front, &t, "a.png", &fixture_image("pixel.png")).await;
    assert_eq!(status, 503);
    let bucket = h.bucket.clone().expect("a bucket");
    let s3 = aws_sdk_s3::Client::from_conf(wxauth_tests::emulator::s3_config());
    let listed = s3.list_objects_v2().bucket(&bucket).send().await.unwrap();
    assert_eq!(listed.key_count(), Some(0), "{:?}", listed.contents());
}

/// `DELETE /auth/account` removes every image of the user, every version.
async fn deleting_the_account_removes_its_images(kind: StoreKind) {
    let h = Harness::start(kind).await;
    let front = h.serve_with(&[]).await;
    let t = token(&h.logged_in("del", "", APP_A).await);
    let other = token(&h.logged_in("keep", "", APP_A).await);
    h.simulator().hold_media_events(APP_A);
    let (_, shown) = upload(&front, &t, "a.png", &fixture_image("pixel.png")).await;
    h.simulator().release_media_events(APP_A).await;
    h.simulator().hold_media_events(APP_A);
    let (_, pending) = upload(&front, &t, "b.jpg", &fixture_image("pixel.jpg")).await;
    let (_, kept) = upload(&front, &other, "c.webp", &fixture_image("pixel.webp")).await;
    for answer in [&shown, &pending, &kept] {
        assert_eq!(fetch(&url_of(answer)).await.0, 200);
    }
    let (status, answer) = h
        .call(
            "DELETE",
            "/auth/account",
            Some(r#"{"confirm":"DELETE"}"#),
            Some(&t),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(fetch(&url_of(&shown)).await.0, 404);
    assert_eq!(fetch(&url_of(&pending)).await.0, 404);
    assert_eq!(fetch(&url_of(&kept)).await.0, 200, "another user's stays");
    // The pending check's verdict arrives for a user who is gone: taken.
    h.simulator().release_media_events(APP_A).await;
    assert!(
        h.simulator()
            .delivered_pushes()
            .iter()
            .all(|p| p.answer == "success")
    );
    if let Some(bucket) = &h.bucket {
        let s3 = aws_sdk_s3::Client::from_conf(wxauth_tests::emulator::s3_config());
        let versions = s3
            .list_object_versions()
            .bucket(bucket)
            .send()
            .await
            .unwrap();
        let left: Vec<&str> = versions
            .versions()
            .iter()
            .filter_map(|v| v.key())
            .chain(versions.delete_markers().iter().filter_map(|m| m.key()))
            .collect();
        let prefix = user_prefix(&url_of(&shown));
        assert!(left.iter().all(|k| !k.starts_with(&prefix)), "{left:?}");
        assert!(
            left.iter()
                .any(|k| k.starts_with(&user_prefix(&url_of(&kept))))
        );
    }
}

/// The object key prefix of an avatar's URL (`…/avatars/{userId}/…`).
fn user_prefix(url: &str) -> String {
    let rest = url.split("/avatars/").nth(1).unwrap();
    format!("avatars/{}/", rest.split('/').next().unwrap())
}

#[tokio::test]
async fn deleting_the_account_removes_its_images_on_dynamo() {
    deleting_the_account_removes_its_images(StoreKind::Dynamo).await;
}

#[tokio::test]
async fn deleting_the_account_removes_its_images_on_the_embedded_store() {
    deleting_the_account_removes_its_images(StoreKind::Embedded).await;
}
