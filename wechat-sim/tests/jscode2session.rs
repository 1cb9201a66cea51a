//! `jscode2session` through a real socket, checking WeChat's exact formats.

mod common;

use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::{APP, OTHER_APP, OTHER_SECRET, SECRET, exchange, exchange_for, get, start};
use wxauth_wechat_sim::{openid_for, unionid_for};

#[tokio::test]
async fn success_has_wechat_shape() {
    let sim = start().await;
    let answer = exchange(&sim, "alice;n=1").await;

    let (session_key, openid, unionid) = answer.expect_session();
    assert_eq!(openid, openid_for(APP, "alice"));
    assert_eq!(unionid, None);
    assert_eq!(STANDARD.decode(&session_key).unwrap().len(), 16);
    assert_eq!(session_key.len(), 24);

    // Byte-level shape: session_key first, then openid, nothing else, and
    // `/` escaped as WeChat does.
    let expected = format!(
        r#"{{"session_key":"{}","openid":"{openid}"}}"#,
        session_key.replace('/', "\\/")
    );
    assert_eq!(answer.body, expected);

    assert_eq!(
        sim.simulator().current_session_key(APP, &openid),
        Some(session_key)
    );
}

#[tokio::test]
async fn session_keys_escape_slashes() {
    let sim = start().await;
    // A random key contains `/` with probability ~1 - (63/64)^22 per login.
    for n in 0..200 {
        let answer = exchange(&sim, &format!("alice;n={n}")).await;
        let (session_key, _, _) = answer.expect_session();
        if session_key.contains('/') {
            assert!(answer.body.contains("\\/"), "{answer:?}");
            assert!(!answer.body.replace("\\/", "").contains('/'), "{answer:?}");
            return;
        }
    }
    panic!("no session key with a `/` in 200 logins");
}

#[tokio::test]
async fn same_label_is_same_user_per_app() {
    let sim = start().await;
    let (first_key, first, _) = exchange(&sim, "alice;n=1").await.expect_session();
    let (second_key, second, _) = exchange(&sim, "user=alice;n=2").await.expect_session();
    assert_eq!(first, second);
    assert_ne!(
        first_key, second_key,
        "every login gets a fresh session key"
    );
    assert_eq!(
        sim.simulator().current_session_key(APP, &first),
        Some(second_key),
        "the latest login's key is current"
    );

    let (_, bob, _) = exchange(&sim, "bob;n=1").await.expect_session();
    assert_ne!(bob, first);

    let (other_key, other, _) = exchange_for(&sim, OTHER_APP, OTHER_SECRET, "alice;n=1")
        .await
        .expect_session();
    assert_eq!(other, openid_for(OTHER_APP, "alice"));
    assert_ne!(other, first, "openids differ between apps");
    assert_eq!(
        sim.simulator().current_session_key(OTHER_APP, &other),
        Some(other_key)
    );
    assert_eq!(sim.simulator().current_session_key(OTHER_APP, &first), None);
}

#[tokio::test]
async fn a_plain_code_is_a_fresh_user() {
    let sim = start().await;
    let code = "0a3Xk2000pQbNQ1mVw300xHcWp0Xk20s";
    let (_, openid, _) = exchange(&sim, code).await.expect_session();
    assert_eq!(openid, openid_for(APP, code));
}

#[tokio::test]
async fn unionid_when_bound_to_an_open_platform() {
    let sim = start().await;
    let answer = exchange(&sim, "alice;unionid=acme;n=1").await;
    let (session_key, openid, unionid) = answer.expect_session();
    let unionid = unionid.expect("unionid");
    assert_eq!(unionid, unionid_for("acme"));
    assert_eq!(
        answer.body,
        format!(
            r#"{{"session_key":"{}","openid":"{openid}","unionid":"{unionid}"}}"#,
            session_key.replace('/', "\\/")
        )
    );

    let (_, other_openid, other_unionid) =
        exchange_for(&sim, OTHER_APP, OTHER_SECRET, "user=al;unionid=acme")
            .await
            .expect_session();
    assert_ne!(other_openid, openid);
    assert_eq!(other_unionid.as_deref(), Some(unionid.as_str()));
}

#[tokio::test]
async fn codes_are_single_use() {
    let sim = start().await;
    let (first_key, openid, _) = exchange(&sim, "alice;n=1").await.expect_session();
    exchange(&sim, "alice;n=1")
        .await
        .expect_error(40163, "code been used");
    assert_eq!(
        sim.simulator().current_session_key(APP, &openid),
        Some(first_key),
        "a refused code doesn't change the session"
    );
    // The same text is a separate code for another app.
    exchange_for(&sim, OTHER_APP, OTHER_SECRET, "alice;n=1")
        .await
        .expect_session();
}

#[tokio::test]
async fn injected_errors() {
    let sim = start().await;
    for _ in 0..3 {
        exchange(&sim, "alice;errcode=-1;n=1")
            .await
            .expect_error(-1, "system error");
    }
    exchange(&sim, "errcode=40029")
        .await
        .expect_error(40029, "invalid code");
    exchange(&sim, "errcode=40226")
        .await
        .expect_error(40226, "high risk user");
    exchange(&sim, "errcode=45011").await.expect_error(
        45011,
        "api minute-quota reach limit  mustslower  retry next minute",
    );
    exchange(&sim, "errcode=99999")
        .await
        .expect_error(99999, "simulated error");
    assert_eq!(
        sim.simulator()
            .current_session_key(APP, &openid_for(APP, "alice")),
        None,
        "failed logins create no session"
    );
}

#[tokio::test]
async fn times_limits_injected_errors() {
    let sim = start().await;
    let code = "alice;errcode=-1;times=2";
    exchange(&sim, code).await.expect_error(-1, "system error");
    exchange(&sim, code).await.expect_error(-1, "system error");
    let (_, openid, _) = exchange(&sim, code).await.expect_session();
    assert_eq!(openid, openid_for(APP, "alice"));
    exchange(&sim, code)
        .await
        .expect_error(40163, "code been used");
}

#[tokio::test]
async fn delay_holds_the_answer() {
    let sim = start().await;
    let started = Instant::now();
    exchange(&sim, "alice;delay_ms=300").await.expect_session();
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn garbage_body() {
    let sim = start().await;
    let answer = exchange(&sim, "alice;body=garbage").await;
    assert_eq!(answer.status, 200);
    assert!(!answer.body.is_empty());
    assert!(serde_json::from_str::<serde_json::Value>(&answer.body).is_err());
    assert_ne!(
        exchange(&sim, "alice;body=garbage").await.body,
        answer.body,
        "garbage is random"
    );
}

#[tokio::test]
async fn truncated_body() {
    let sim = start().await;
    let answer = exchange(&sim, "alice;body=truncated").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type, "text/plain");
    assert!(answer.body.starts_with(r#"{"session_key":""#), "{answer:?}");
    assert!(serde_json::from_str::<serde_json::Value>(&answer.body).is_err());
    assert_eq!(
        sim.simulator()
            .current_session_key(APP, &openid_for(APP, "alice")),
        None,
        "a broken answer creates no session"
    );
}

#[tokio::test]
async fn html_502_body() {
    let sim = start().await;
    let answer = exchange(&sim, "alice;body=html").await;
    assert_eq!(answer.status, 502);
    assert_eq!(answer.content_type, "text/html");
    assert!(answer.body.starts_with("<html>\r\n"), "{answer:?}");
    assert!(
        answer.body.contains("<h1>502 Bad Gateway</h1>"),
        "{answer:?}"
    );
    assert!(answer.body.contains("<center>nginx</center>"), "{answer:?}");
}

#[tokio::test]
async fn empty_body() {
    let sim = start().await;
    let answer = exchange(&sim, "alice;body=empty").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, "");
}

#[tokio::test]
async fn times_limits_broken_bodies() {
    let sim = start().await;
    let code = "alice;body=empty;times=1";
    assert_eq!(exchange(&sim, code).await.body, "");
    exchange(&sim, code).await.expect_session();
}

#[tokio::test]
async fn bad_credentials_and_parameters() {
    let sim = start().await;
    let url = sim.base_url();
    exchange_for(&sim, APP, "wrong", "alice")
        .await
        .expect_error(40125, "invalid appsecret");
    exchange_for(&sim, "wxunknown", SECRET, "alice")
        .await
        .expect_error(40013, "invalid appid");
    exchange_for(&sim, OTHER_APP, SECRET, "alice")
        .await
        .expect_error(40125, "invalid appsecret");
    get(
        url,
        &[
            ("appid", APP),
            ("secret", SECRET),
            ("js_code", "alice"),
            ("grant_type", "client_credential"),
        ],
    )
    .await
    .expect_error(40002, "invalid grant_type");
    get(
        url,
        &[("appid", APP), ("secret", SECRET), ("js_code", "alice")],
    )
    .await
    .expect_error(40002, "invalid grant_type");
    get(
        url,
        &[
            ("appid", APP),
            ("secret", SECRET),
            ("grant_type", "authorization_code"),
        ],
    )
    .await
    .expect_error(41008, "missing code");
    get(
        url,
        &[
            ("appid", APP),
            ("secret", SECRET),
            ("js_code", ""),
            ("grant_type", "authorization_code"),
        ],
    )
    .await
    .expect_error(41008, "missing code");
    get(url, &[("secret", SECRET), ("js_code", "alice")])
        .await
        .expect_error(41002, "appid missing");
    get(url, &[("appid", APP), ("js_code", "alice")])
        .await
        .expect_error(41004, "appsecret missing");

    // None of that used up the code.
    exchange(&sim, "alice").await.expect_session();
}

#[tokio::test]
async fn invalid_codes_get_40029() {
    let sim = start().await;
    for code in [
        "alice;colour=red",
        "alice;bob",
        "user=",
        "errcode=abc",
        "times=1",
        "alice;body=teapot",
    ] {
        exchange(&sim, code)
            .await
            .expect_error(40029, "invalid code");
    }
}

#[tokio::test]
async fn calls_are_counted() {
    let sim = start().await;
    assert_eq!(sim.simulator().calls("jscode2session"), 0);
    exchange(&sim, "alice").await.expect_session();
    exchange(&sim, "alice")
        .await
        .expect_error(40163, "code been used");
    exchange_for(&sim, APP, "wrong", "bob")
        .await
        .expect_error(40125, "invalid appsecret");
    assert_eq!(sim.simulator().calls("jscode2session"), 3);
    assert_eq!(sim.simulator().calls("stable_token"), 0);
}
