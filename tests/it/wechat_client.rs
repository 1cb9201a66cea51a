//! The WeChat client's access-token handling and phone-number call, against the
//! simulator: one `stable_token` fetch for many concurrent calls, and one
//! refetch-and-retry when WeChat refuses the token; and the image check's
//! request as the simulator (WeChat's shape) accepts it.

use std::sync::Arc;
use wxauth_shared::config::{Config, Secret};
use wxauth_shared::domain::{AppId, OpenId};
use wxauth_shared::wechat::{AppCredentials, HttpWeChat, Scene, WeChatApi, WeChatError};
use wxauth_tests::harness::{APP_A, SECRET_A};
use wxauth_wechat_sim::{PhoneSpec, RunningSimulator, Simulator, openid_for};

async fn client() -> (RunningSimulator, Arc<HttpWeChat>, AppCredentials) {
    let sim = Simulator::new([(APP_A, SECRET_A)])
        .start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let env = std::collections::HashMap::from([(
        "WECHAT_API_BASE".to_owned(),
        sim.base_url().to_owned(),
    )]);
    let settings = Config::from_env(&env).unwrap().wechat.settings().unwrap();
    let client = HttpWeChat::new(&settings).unwrap();
    let app = AppCredentials {
        appid: AppId::parse(APP_A).unwrap(),
        secret: Secret::new(SECRET_A),
    };
    (sim, Arc::new(client), app)
}

fn openid(user: &str) -> OpenId {
    OpenId::parse(openid_for(APP_A, user)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_phone_calls_fetch_one_access_token() {
    let (sim, client, app) = client().await;
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let user = format!("buyer{i}");
            let code = sim.simulator().mint_phone_code(
                APP_A,
                &user,
                &PhoneSpec::china(format!("138001380{i:02}")),
            );
            let (client, app) = (client.clone(), app.clone());
            tokio::spawn(
                async move { client.phone_number(&app, &code, Some(&openid(&user))).await },
            )
        })
        .collect();
    for (i, task) in tasks.into_iter().enumerate() {
        let info = task.await.unwrap().unwrap();
        assert_eq!(info.phone.e164(), format!("+86138001380{i:02}"));
        assert_eq!(info.watermark_appid.as_deref(), Some(APP_A));
    }
    assert_eq!(sim.simulator().calls("stable_token"), 1);
    assert_eq!(sim.simulator().calls("getuserphonenumber"), 20);
}

#[tokio::test]
async fn a_refused_token_is_refetched_once_and_the_call_retried() {
    let (sim, client, app) = client().await;
    let sim = sim.simulator().clone();
    let call = |user: &str| {
        let code = sim.mint_phone_code(APP_A, user, &PhoneSpec::china("13800138000"));
        let (client, app, openid) = (client.clone(), app.clone(), openid(user));
        async move { client.phone_number(&app, &code, Some(&openid)).await }
    };
    assert!(call("u1").await.is_ok());
    assert_eq!(sim.calls("stable_token"), 1);
    for errcode in [40001, 42001] {
        sim.fail_next_access_token_use(APP_A, errcode);
        let before = (sim.calls("stable_token"), sim.calls("getuserphonenumber"));
        let info = call("u2")
            .await
            .unwrap_or_else(|e| panic!("{errcode}: {e}"));
        assert_eq!(info.phone.pure_number(), "13800138000");
        assert_eq!(
            sim.calls("stable_token") - before.0,
            1,
            "{errcode}: one refetch"
        );
        assert_eq!(
            sim.calls("getuserphonenumber") - before.1,
            2,
            "{errcode}: one retry"
        );
    }
}

#[tokio::test]
async fn phone_codes_are_checked_against_the_user_and_country_codes_read_both_ways() {
    let (sim, client, app) = client().await;
    let sim = sim.simulator().clone();
    let mut spec = PhoneSpec::new("852", "61234567");
    spec.country_code_as_number = true;
    let code = sim.mint_phone_code(APP_A, "hk", &spec);
    let info = client
        .phone_number(&app, &code, Some(&openid("hk")))
        .await
        .unwrap();
    assert_eq!(info.phone.e164(), "+85261234567");
    let reused = client.phone_number(&app, &code, Some(&openid("hk"))).await;
    assert_eq!(
        reused.unwrap_err(),
        WeChatError::InvalidCode,
        "phone codes are single-use"
    );
    let code = sim.mint_phone_code(APP_A, "hk", &PhoneSpec::china("13800138000"));
    let stolen = client
        .phone_number(&app, &code, Some(&openid("someone-else")))
        .await;
    assert_eq!(
        stolen.unwrap_err(),
        WeChatError::InvalidCode,
        "a code belongs to its user"
    );
}

#[tokio::test]
async fn check_session_tells_the_current_key_and_reset_rotates_it() {
    let (sim, client, app) = client().await;
    let sim = sim.simulator().clone();
    // alice logs in, as login would.
    let session = client.code2session(&app, "alice;n=1").await.expect("login");
    let first = session.session_key;
    let alice = openid("alice");
    assert_eq!(client.check_session(&app, &alice, &first).await, Ok(true));

    // wx.login again: the stored key is no longer WeChat's.
    let second = client
        .code2session(&app, "alice;n=2")
        .await
        .expect("login")
        .session_key;
    assert_eq!(client.check_session(&app, &alice, &first).await, Ok(false));
    assert_eq!(client.check_session(&app, &alice, &second).await, Ok(true));

    // A reset hands out a new key; the old one dies.
    let third = client
        .reset_session_key(&app, &alice, &second)
        .await
        .expect("reset");
    assert_ne!(third, second);
    assert_eq!(
        sim.current_session_key(APP_A, alice.as_str()).as_deref(),
        Some(third.expose_base64())
    );
    assert_eq!(client.check_session(&app, &alice, &second).await, Ok(false));
    assert_eq!(client.check_session(&app, &alice, &third).await, Ok(true));
    let refused = client.reset_session_key(&app, &alice, &second).await;
    assert!(
        matches!(refused, Err(WeChatError::Api { errcode: 87009, .. })),
        "{refused:?}"
    );
    assert!(!format!("{refused:?}").contains(second.expose_base64()));
    assert_eq!(sim.calls("stable_token"), 1);

    // -1 is retried; 45011 is told; a refused token is refetched once.
    sim.fail_next_access_token_use(APP_A, -1);
    assert_eq!(client.check_session(&app, &alice, &third).await, Ok(true));
    sim.fail_next_access_token_use(APP_A, 45011);
    assert_eq!(
        client.reset_session_key(&app, &alice, &third).await,
        Err(WeChatError::RateLimited)
    );
    for errcode in [40001, 42001] {
        sim.fail_next_access_token_use(APP_A, errcode);
        let before = (sim.calls("stable_token"), sim.calls("checksession"));
        assert_eq!(client.check_session(&app, &alice, &third).await, Ok(true));
        assert_eq!(
            sim.calls("stable_token") - before.0,
            1,
            "{errcode}: one refetch"
        );
        assert_eq!(
            sim.calls("checksession") - before.1,
            2,
            "{errcode}: one retry"
        );
    }
}

#[tokio::test]
async fn media_check_async_is_accepted_with_a_trace_id_and_its_errors_mapped() {
    let (sim, client, app) = client().await;
    let sim = sim.simulator().clone();
    client.code2session(&app, "alice;n=1").await.expect("login");
    let alice = openid("alice");
    // Nobody listens there: the event would say -1008, but the answer comes first.
    let url = "http://127.0.0.1:1/avatar.png";
    let trace_id = client
        .media_check_async(&app, &alice, url, Scene::Profile)
        .await
        .expect("accepted");
    assert_eq!(trace_id.len(), 26, "{trace_id}");
    let again = client
        .media_check_async(&app, &alice, url, Scene::Forum)
        .await;
    assert!(matches!(&again, Ok(id) if *id != trace_id), "{again:?}");
    let nobody = client
        .media_check_async(&app, &openid("nobody"), url, Scene::Profile)
        .await;
    assert!(
        matches!(nobody, Err(WeChatError::Api { errcode: 40003, .. })),
        "{nobody:?}"
    );
    // 61010 is its own error; -1 is retried; a refused token is refetched once.
    sim.fail_next_access_token_use(APP_A, 61010);
    assert_eq!(
        client
            .media_check_async(&app, &alice, url, Scene::Profile)
            .await,
        Err(WeChatError::NotVisitedRecently)
    );
    for errcode in [-1, 40001] {
        sim.fail_next_access_token_use(APP_A, errcode);
        let before = sim.calls("media_check_async");
        let answer = client
            .media_check_async(&app, &alice, url, Scene::Comment)
            .await;
        assert!(answer.is_ok(), "{errcode}: {answer:?}");
        assert_eq!(sim.calls("media_check_async") - before, 2, "{errcode}");
    }
}
