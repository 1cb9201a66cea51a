//! `checksession` and `resetusersessionkey` through a real socket: WeChat's
//! exact formats, the login-state signature, key rotation by logins and
//! resets, and access-token trouble.

mod common;

use common::{APP, UTF8_JSON, access_token, decrypt, log_in, signed_get, start};
use serde_json::Value;
use wxauth_wechat_sim::{openid_for, profile_payload, session_signature};

const CHECK: &str = "/wxa/checksession";
const RESET: &str = "/wxa/resetusersessionkey";
const INVALID_TOKEN: &str = "invalid credential, access_token is invalid or not latest";

/// The known answer in `tests/fixtures/wechat-vectors/`.
#[test]
fn the_signature_matches_the_known_answer() {
    let vector: Value = serde_json::from_str(include_str!(
        "../../tests/fixtures/wechat-vectors/checksession-signature.json"
    ))
    .unwrap();
    assert_eq!(vector["message"], "");
    assert_eq!(
        session_signature(vector["session_key"].as_str().unwrap()),
        vector["signature"].as_str().unwrap()
    );
}

#[tokio::test]
async fn the_current_key_is_ok_and_a_rotated_one_is_not() {
    let sim = start().await;
    let token = access_token(&sim).await;
    let openid = openid_for(APP, "alice");
    let first = log_in(&sim, "alice").await;
    let answer = signed_get(&sim, CHECK, &token, &openid, &first).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.content_type, UTF8_JSON, "{answer:?}");
    assert_eq!(answer.body, r#"{"errcode":0,"errmsg":"ok"}"#);

    // wx.login ran again: WeChat holds a new key, the stored one is stale.
    let second = log_in(&sim, "alice").await;
    assert_ne!(first, second);
    signed_get(&sim, CHECK, &token, &openid, &first)
        .await
        .expect_json_error(87009, "invalid signature");
    let answer = signed_get(&sim, CHECK, &token, &openid, &second).await;
    assert_eq!(answer.body, r#"{"errcode":0,"errmsg":"ok"}"#);

    // Someone else's key, a user who never logged in.
    let bob = log_in(&sim, "bob").await;
    signed_get(&sim, CHECK, &token, &openid, &bob)
        .await
        .expect_json_error(87009, "invalid signature");
    signed_get(&sim, CHECK, &token, &openid_for(APP, "nobody"), &bob)
        .await
        .expect_json_error(87009, "invalid signature");
    assert_eq!(sim.simulator().calls("checksession"), 5);
}

#[tokio::test]
async fn missing_parameters_and_other_methods_are_invalid_signatures() {
    let sim = start().await;
    let token = access_token(&sim).await;
    let key = log_in(&sim, "alice").await;
    let openid = openid_for(APP, "alice");
    let signature = session_signature(&key);
    let client = reqwest::Client::new();
    for params in [
        vec![
            ("openid", openid.as_str()),
            ("signature", signature.as_str()),
        ],
        vec![
            ("signature", signature.as_str()),
            ("sig_method", "hmac_sha256"),
        ],
        vec![("openid", openid.as_str()), ("sig_method", "hmac_sha256")],
        vec![
            ("openid", openid.as_str()),
            ("signature", signature.as_str()),
            ("sig_method", "md5"),
        ],
        vec![
            ("openid", openid.as_str()),
            ("signature", &signature.to_uppercase()),
            ("sig_method", "hmac_sha256"),
        ],
    ] {
        for path in [CHECK, RESET] {
            let response = client
                .get(format!("{}{path}", sim.base_url()))
                .query(&[("access_token", token.as_str())])
                .query(&params)
                .send()
                .await
                .unwrap();
            let body = response.text().await.unwrap();
            assert!(
                body.starts_with(r#"{"errcode":87009,"errmsg":"invalid signature, rid: "#),
                "{path} {params:?}: {body}"
            );
        }
    }
    // None of that rotated the key.
    let answer = signed_get(&sim, CHECK, &token, &openid, &key).await;
    assert_eq!(answer.body, r#"{"errcode":0,"errmsg":"ok"}"#);
}

#[tokio::test]
async fn a_reset_hands_out_a_new_key_and_the_old_one_dies() {
    let sim = start().await;
    let token = access_token(&sim).await;
    let openid = openid_for(APP, "alice");
    let old = log_in(&sim, "alice").await;
    let payload = profile_payload(APP, "alice", "Alice", "https://a/b.png", None);
    let minted = sim
        .simulator()
        .mint_open_data(APP, "alice", payload)
        .unwrap();
    assert!(decrypt(&old, &minted.iv, &minted.encrypted_data).is_some());

    let answer = signed_get(&sim, RESET, &token, &openid, &old).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.content_type, UTF8_JSON, "{answer:?}");
    let json = answer.json();
    let new = json["session_key"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert_eq!(new.len(), 24, "{new}");
    assert_eq!(
        answer.body,
        format!(
            r#"{{"errcode":0,"errmsg":"ok","openid":"{openid}","session_key":"{}"}}"#,
            new.replace('/', "\\/")
        )
    );
    assert_eq!(
        sim.simulator().current_session_key(APP, &openid).as_deref(),
        Some(new.as_str())
    );

    // The old key is no longer WeChat's: checks and resets with it fail, and
    // data minted under it no longer decrypts with the current key.
    signed_get(&sim, CHECK, &token, &openid, &old)
        .await
        .expect_json_error(87009, "invalid signature");
    signed_get(&sim, RESET, &token, &openid, &old)
        .await
        .expect_json_error(87009, "invalid signature");
    assert!(decrypt(&new, &minted.iv, &minted.encrypted_data).is_none_or(|t| !t.contains("Alice")));
    let answer = signed_get(&sim, CHECK, &token, &openid, &new).await;
    assert_eq!(answer.body, r#"{"errcode":0,"errmsg":"ok"}"#);
    assert_eq!(sim.simulator().calls("resetusersessionkey"), 2);
}

#[tokio::test]
async fn access_token_errors_and_injected_failures() {
    let sim = start().await;
    let simulator = sim.simulator();
    let key = log_in(&sim, "alice").await;
    let openid = openid_for(APP, "alice");
    for path in [CHECK, RESET] {
        let answer = common::post(sim.base_url(), path, "").await;
        assert_eq!(answer.status, 405, "{path}: GET only");
        let response = reqwest::get(format!("{}{path}", sim.base_url()))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            response.starts_with(r#"{"errcode":41001,"errmsg":"access_token missing, rid: "#),
            "{response}"
        );
        signed_get(&sim, path, "86_unknown", &openid, &key)
            .await
            .expect_json_error(40001, INVALID_TOKEN);
    }

    let token = access_token(&sim).await;
    for (errcode, errmsg) in [
        (-1, "system error"),
        (
            45011,
            "api minute-quota reach limit  mustslower  retry next minute",
        ),
    ] {
        for path in [CHECK, RESET] {
            simulator.fail_next_access_token_use(APP, errcode);
            signed_get(&sim, path, &token, &openid, &key)
                .await
                .expect_json_error(errcode, errmsg);
        }
    }
    // Neither busy nor too-frequent rotated the key or spent the token.
    let answer = signed_get(&sim, CHECK, &token, &openid, &key).await;
    assert_eq!(answer.body, r#"{"errcode":0,"errmsg":"ok"}"#);

    simulator.fail_next_access_token_use(APP, 40001);
    signed_get(&sim, CHECK, &token, &openid, &key)
        .await
        .expect_json_error(40001, INVALID_TOKEN);
    let token = access_token(&sim).await;
    simulator.expire_access_tokens(APP);
    signed_get(&sim, RESET, &token, &openid, &key)
        .await
        .expect_json_error(42001, "access_token expired");
    assert_eq!(
        simulator.current_session_key(APP, &openid).as_deref(),
        Some(key.as_str())
    );
}
