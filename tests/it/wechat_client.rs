//! The WeChat client's access-token handling and phone-number call, against the
//! simulator: one `stable_token` fetch for many concurrent calls, and one
//! refetch-and-retry when WeChat refuses the token.

use std::sync::Arc;
use wxauth_shared::config::{Config, Secret};
use wxauth_shared::domain::{AppId, OpenId};
use wxauth_shared::wechat::{AppCredentials, HttpWeChat, WeChatApi, WeChatError};
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
            tokio::spawn(async move { client.phone_number(&app, &code, &openid(&user)).await })
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
        async move { client.phone_number(&app, &code, &openid).await }
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
        .phone_number(&app, &code, &openid("hk"))
        .await
        .unwrap();
    assert_eq!(info.phone.e164(), "+85261234567");
    let reused = client.phone_number(&app, &code, &openid("hk")).await;
    assert_eq!(
        reused.unwrap_err(),
        WeChatError::InvalidCode,
        "phone codes are single-use"
    );
    let code = sim.mint_phone_code(APP_A, "hk", &PhoneSpec::china("13800138000"));
    let stolen = client
        .phone_number(&app, &code, &openid("someone-else"))
        .await;
    assert_eq!(
        stolen.unwrap_err(),
        WeChatError::InvalidCode,
        "a code belongs to its user"
    );
}
