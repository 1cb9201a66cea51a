//! Items written by the adapters of before (the attribute shapes of
//! `27b1252`: `userId` and `kind` on every item, identities as a string set,
//! the profile as JSON text, no `version`) keep working on DynamoDB: the same
//! user logs in, stores a profile and binds a number, and keeps its userId.
//! Tokens of before sessions are refused once; the next login starts one.

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::json;
use wxauth_tests::StoreKind;
use wxauth_tests::emulator;
use wxauth_tests::harness::{APP_A, Harness};
use wxauth_wechat_sim::{PhoneSpec, openid_for, profile_payload};

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_owned())
}

#[tokio::test]
async fn a_user_written_before_versions_logs_in_and_changes() {
    let h = Harness::start(StoreKind::Dynamo).await;
    let (client, _) = emulator::client().await;
    let table = h.dynamo_table.clone().unwrap();
    let openid = openid_for(APP_A, "elder");
    let user_id = "0b9a3c52-5a6e-4d0f-9a59-3a8e3f3d2c10";
    let put = |item: Vec<(&str, AttributeValue)>| {
        let request = client.put_item().table_name(&table);
        item.into_iter()
            .fold(request, |r, (name, value)| r.item(name, value))
            .send()
    };
    put(vec![
        ("pk", s(&format!("IDENT#{APP_A}#{openid}"))),
        ("kind", s("identity")),
        ("userId", s(user_id)),
        ("appId", s(APP_A)),
        ("openId", s(&openid)),
        ("sessionKey", s("o0q0otL8aEzpcZL/FT9WsQ==")),
        ("sessionAt", AttributeValue::N("100".into())),
        ("createdAt", AttributeValue::N("100".into())),
        ("hasPhone", AttributeValue::Bool(false)),
    ])
    .await
    .unwrap();
    put(vec![
        ("pk", s(&format!("USER#{user_id}"))),
        ("kind", s("user")),
        ("userId", s(user_id)),
        ("createdAt", AttributeValue::N("100".into())),
        (
            "identities",
            AttributeValue::Ss(vec![format!("{APP_A}#{openid}")]),
        ),
        ("profile", s(r#"{"city":"Hangzhou"}"#)),
    ])
    .await
    .unwrap();

    let (status, login) = h.login(&Harness::code("elder", ""), Some(APP_A)).await;
    assert_eq!(status, 200, "{login}");
    assert_eq!(
        (login["userId"].as_str(), &login["isNewUser"]),
        (Some(user_id), &json!(false))
    );
    let token = login["token"].as_str().unwrap();

    let payload = profile_payload(APP_A, "elder", "Elder", "https://wx.qlogo.cn/e/132", None);
    let data = h
        .simulator()
        .mint_open_data(APP_A, "elder", payload)
        .unwrap();
    let body = json!({ "encryptedData": data.encrypted_data, "iv": data.iv }).to_string();
    let (status, answer) = h.post("/auth/profile", &body, Some(token)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["profile"]["nickName"], "Elder");
    assert_eq!(
        answer["profile"]["city"], "Hangzhou",
        "the old profile text is kept"
    );

    let code = h
        .simulator()
        .mint_phone_code(APP_A, "elder", &PhoneSpec::china("13912340000"));
    let body = json!({ "code": code }).to_string();
    let (status, answer) = h.post("/auth/phone", &body, Some(token)).await;
    assert_eq!(status, 200, "{answer}");

    let user = client
        .get_item()
        .table_name(&table)
        .key("pk", s(&format!("USER#{user_id}")))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(
        user["version"],
        AttributeValue::N("2".into()),
        "two writes since"
    );
    assert!(matches!(&user["identities"], AttributeValue::Ss(set) if set.len() == 1));
    let (_, again) = h.login(&Harness::code("elder", ""), Some(APP_A)).await;
    assert_eq!(
        (again["userId"].as_str(), &again["hasPhone"]),
        (Some(user_id), &json!(true))
    );
}

/// A token of the version before sessions (no `typ`, no `sid`), well signed
/// and unexpired, is refused as `unauthorized` everywhere: the client logs in
/// again (silently, in a mini-program) and gets a session; the user keeps its
/// userId.
#[tokio::test]
async fn a_token_from_before_sessions_is_refused_and_a_new_login_starts_one() {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let h = Harness::start(StoreKind::Embedded).await;
    let (status, first) = h.login(&Harness::code("olden", ""), Some(APP_A)).await;
    assert_eq!(status, 200, "{first}");
    let key = wxauth_shared::tokens::SigningKey::from_pem(wxauth_tests::harness::signing_key_pem())
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let header = json!({"typ": "JWT", "alg": "RS256", "kid": key.public().kid});
    let claims = json!({
        "iss": "https://auth.example.com", "aud": "wxauth-tests",
        "sub": first["userId"], "iat": now, "exp": now + 7200, "jti": "0123456789abcdef",
        "appid": APP_A, "openid": openid_for(APP_A, "olden"),
    });
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = key.sign(input.as_bytes()).unwrap();
    let old = format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature));
    let (status, answer) = h.call("GET", "/auth/me", None, Some(&old)).await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (401, Some("unauthorized"))
    );
    assert!(!h.authorize(&old).await.is_authorized);

    let (status, again) = h.login(&Harness::code("olden", ""), Some(APP_A)).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["userId"], first["userId"]);
    let (status, _) = h
        .call("GET", "/auth/me", None, again["token"].as_str())
        .await;
    assert_eq!(status, 200);
}
