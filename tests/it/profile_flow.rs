//! decrypt-profile through the HTTP surface: the official vectors, data minted by
//! the simulator for the user's current session, every rejection, and unionId
//! linking, folding and conflicts.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use wxauth_shared::domain::rules::login::LoginInput;
use wxauth_shared::domain::{AppId, OpenId, SessionKey, UserId};
use wxauth_shared::store::Key;
use wxauth_shared::tokens::{SigningKey, TokenIssuer, TokenSubject};
use wxauth_tests::StoreKind;
use wxauth_tests::harness::{APP_A, APP_B, Harness, signing_key_pem};
use wxauth_wechat_sim::{OpenData, profile_payload, unionid_for};

/// Logs `user` in (with simulator options) and returns its token.
async fn login(h: &Harness, user: &str, options: &str, appid: &str) -> (String, String) {
    let (status, body) = h.login(&Harness::code(user, options), Some(appid)).await;
    assert_eq!(status, 200, "{body}");
    (
        body["token"].as_str().unwrap().to_owned(),
        body["userId"].as_str().unwrap().to_owned(),
    )
}

fn body(data: &OpenData, with_signature: bool) -> String {
    let mut body = json!({ "encryptedData": data.encrypted_data, "iv": data.iv });
    if with_signature {
        body["rawData"] = json!(data.raw_data);
        body["signature"] = json!(data.signature);
    }
    body.to_string()
}

fn mint(h: &Harness, appid: &str, user: &str, nick: &str, union: Option<&str>) -> OpenData {
    let payload = profile_payload(
        appid,
        user,
        nick,
        "https://wx.qlogo.cn/mmopen/vi_32/real/132",
        union,
    );
    h.simulator()
        .mint_open_data(appid, user, payload)
        .expect("the user has a session")
}

fn error_code(answer: &Value) -> Option<&str> {
    answer["error"]["code"].as_str()
}

#[tokio::test]
async fn the_official_vector_through_http() {
    let h = Harness::start_with(StoreKind::Dynamo, &[("WATERMARK_MAX_AGE_SECS", "0")]).await;
    let vector: Value = serde_json::from_str(include_str!(
        "../fixtures/wechat-vectors/userinfo-official.json"
    ))
    .unwrap();
    let appid = AppId::parse(vector["appid"].as_str().unwrap()).unwrap();
    let openid = OpenId::parse("oGZUI0egBJY1zhBYw2KhdUfwVJJE").unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let policy = wxauth_shared::domain::SessionPolicy {
        access_ttl_secs: 600,
        refresh_ttl_secs: 3_600,
        max_lifetime_secs: 3_600,
        reuse_grace_secs: 0,
    };
    let session = wxauth_shared::domain::NewSession::draw(now, &policy).session;
    let record = LoginInput {
        appid: appid.clone(),
        openid: openid.clone(),
        unionid: None,
        session_key: SessionKey::parse(vector["session_key"].as_str().unwrap()).unwrap(),
        now: 1_477_314_000,
        new_user_id: UserId::generate(),
        session: session.clone(),
        phone: None,
        registration: Default::default(),
        new_user_password: None,
        number_proof: None,
    };
    let outcome = wxauth_shared::usecases::login::record(&*h.store, &record)
        .await
        .unwrap()
        .expect("logged in");
    let issuer = TokenIssuer::new(
        SigningKey::from_pem(signing_key_pem()).unwrap(),
        "https://auth.example.com".into(),
        "wxauth-tests".into(),
    );
    let token = issuer
        .issue(
            &TokenSubject {
                user_id: outcome.user_id.clone(),
                identity: wxauth_shared::domain::Identity::wechat(&appid, &openid),
                session_id: session.id.clone(),
            },
            now,
            now + 600,
        )
        .unwrap()
        .token;
    let request =
        json!({ "encryptedData": vector["encrypted_data"], "iv": vector["iv"] }).to_string();
    let (status, answer) = h.post("/auth/profile", &request, Some(&token)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["userId"], outcome.user_id.as_str());
    assert_eq!(answer["unionId"], "ocMvos6NjeKLIBqg5Mr9QjxrP1FA");
    assert_eq!(answer["profile"]["nickName"], "Band");
    assert_eq!(answer["profile"]["city"], "Guangzhou");
    assert_eq!(answer["profile"]["gender"], 1);
    assert!(answer.get("token").is_none(), "no fold, no new token");

    // The official rawData vector was signed with another session_key.
    let raw: Value = serde_json::from_str(include_str!(
        "../fixtures/wechat-vectors/rawdata-signature-official.json"
    ))
    .unwrap();
    let signed = json!({ "encryptedData": vector["encrypted_data"], "iv": vector["iv"], "rawData": raw["raw_data"], "signature": raw["signature"] });
    let (status, answer) = h
        .post("/auth/profile", &signed.to_string(), Some(&token))
        .await;
    assert_eq!(
        (status, error_code(&answer)),
        (400, Some("signature_mismatch"))
    );
}

#[tokio::test]
async fn minted_profile_is_stored_and_its_unionid_linked() {
    let h = Harness::start(StoreKind::Dynamo).await;
    let (token, user_id) = login(&h, "alice", "", APP_A).await;
    let data = mint(&h, APP_A, "alice", "Alice", Some("acme-alice"));
    let (status, answer) = h
        .post("/auth/profile", &body(&data, true), Some(&token))
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["userId"], user_id.as_str());
    assert_eq!(answer["unionId"], unionid_for("acme-alice").as_str());
    assert_eq!(answer["profile"]["nickName"], "Alice");
    assert_eq!(
        answer["profile"]["avatarUrl"],
        "https://wx.qlogo.cn/mmopen/vi_32/real/132"
    );
    // The linked unionId now joins the same person's openid in another app.
    let (status, other) = h
        .login(&Harness::code("alice", "unionid=acme-alice"), Some(APP_B))
        .await;
    assert_eq!(
        (status, other["userId"].as_str()),
        (200, Some(user_id.as_str()))
    );
    assert_eq!(other["isNewUser"], false);

    // WeChat's anonymous placeholders never overwrite the real profile.
    let anonymous = profile_payload(
        APP_A,
        "alice",
        "微信用户",
        &format!(
            "https://thirdwx.qlogo.cn/mmopen/vi_32/{}/132",
            wxauth_shared::domain::PLACEHOLDER_AVATAR_PATH
        ),
        None,
    );
    let data = h
        .simulator()
        .mint_open_data(APP_A, "alice", anonymous)
        .unwrap();
    let (status, answer) = h
        .post("/auth/profile", &body(&data, true), Some(&token))
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["profile"]["nickName"], "Alice");
    assert_eq!(
        answer["profile"]["avatarUrl"],
        "https://wx.qlogo.cn/mmopen/vi_32/real/132"
    );
}

#[tokio::test]
async fn every_rejection_has_its_code() {
    let h = Harness::start(StoreKind::Embedded).await;
    let (token, _) = login(&h, "bob", "", APP_A).await;
    let good = mint(&h, APP_A, "bob", "Bob", None);
    let post = |request: String| {
        let (h, token) = (&h, token.clone());
        async move { h.post("/auth/profile", &request, Some(&token)).await }
    };
    let cases: Vec<(String, u16, &str)> = vec![
        (json!({"iv": good.iv}).to_string(), 400, "bad_request"),
        (json!({"encryptedData": good.encrypted_data, "iv": 5}).to_string(), 400, "bad_request"),
        (json!({"encryptedData": "%%%", "iv": good.iv}).to_string(), 400, "bad_request"),
        (json!({"encryptedData": good.encrypted_data, "iv": "AAAA"}).to_string(), 400, "bad_request"),
        (json!({"encryptedData": "AAAA", "iv": good.iv}).to_string(), 400, "bad_request"),
        (json!({"encryptedData": good.encrypted_data.replace('+', "-").replace('/', "_"), "iv": good.iv}).to_string(), 400, "bad_request"),
    ];
    for (request, status, code) in cases {
        let (got, answer) = post(request.clone()).await;
        assert_eq!(
            (got, error_code(&answer)),
            (status, Some(code)),
            "{request}"
        );
    }

    // The known URL-encoding accident: '+' arrived as ' '. Accepted.
    let spaced = json!({"encryptedData": good.encrypted_data.replace('+', " "), "iv": good.iv.replace('+', " ")});
    assert_eq!(post(spaced.to_string()).await.0, 200);

    // Bits flipped in the iv rewrite the openId at the start of the plaintext.
    let mut iv = STANDARD.decode(&good.iv).unwrap();
    iv[12] ^= 0x01;
    let forged = json!({"encryptedData": good.encrypted_data, "iv": STANDARD.encode(&iv)});
    let (status, answer) = post(forged.to_string()).await;
    assert_eq!(
        (status, error_code(&answer)),
        (400, Some("openid_mismatch"))
    );

    // rawData that does not match its signature.
    let tampered = json!({"encryptedData": good.encrypted_data, "iv": good.iv, "rawData": "{\"nickName\":\"Eve\"}", "signature": good.signature});
    let (status, answer) = post(tampered.to_string()).await;
    assert_eq!(
        (status, error_code(&answer)),
        (400, Some("signature_mismatch"))
    );

    // A watermark of another app, and one that is too old.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    for (watermark, code) in [
        (
            json!({"timestamp": now, "appid": APP_B}),
            "watermark_mismatch",
        ),
        (
            json!({"timestamp": now - 700, "appid": APP_A}),
            "watermark_expired",
        ),
    ] {
        let mut payload = profile_payload(APP_A, "bob", "Bob", "https://a/b.png", None);
        payload["watermark"] = watermark;
        let data = h.simulator().mint_open_data(APP_A, "bob", payload).unwrap();
        let (status, answer) = post(body(&data, false)).await;
        assert_eq!((status, error_code(&answer)), (400, Some(code)));
    }

    // wx.login ran again and the client logged in again, but sent data of
    // the earlier session: the stored key is current (WeChat's checksession
    // says so), so the data is bad, not the key stale. (Before checksession
    // this was answered session_key_stale.)
    let (token, _) = login(&h, "bob", "", APP_A).await;
    let (status, answer) = h
        .post("/auth/profile", &body(&good, true), Some(&token))
        .await;
    assert_eq!((status, error_code(&answer)), (400, Some("bad_data")));
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("fetch it again")
    );
    // wx.login ran again without reaching us: data made with WeChat's new key
    // does not decrypt with the stored old one, which WeChat no longer holds.
    h.wechat_login_only("bob", APP_A).await;
    let rotated = mint(&h, APP_A, "bob", "Bob", None);
    let (status, answer) = h
        .post("/auth/profile", &body(&rotated, true), Some(&token))
        .await;
    assert_eq!(
        (status, error_code(&answer)),
        (409, Some("session_key_stale"))
    );
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("wx.login")
    );
    let (token, _) = login(&h, "bob", "", APP_A).await;
    let fresh = mint(&h, APP_A, "bob", "Bob", None);
    assert_eq!(
        h.post("/auth/profile", &body(&fresh, true), Some(&token))
            .await
            .0,
        200
    );

    // No token, no profile.
    assert_eq!(
        h.post("/auth/profile", &body(&fresh, true), None).await.0,
        401
    );
}

#[tokio::test]
async fn an_empty_user_is_folded_into_the_unionid_owner_and_gets_a_new_token() {
    let h = Harness::start(StoreKind::Dynamo).await;
    let (_, owner) = login(&h, "carol", "unionid=acme-carol", APP_A).await;
    // Carol in app B, before app B was bound to the Open Platform: a separate user.
    let (token, newcomer) = login(&h, "carol", "", APP_B).await;
    assert_ne!(owner, newcomer);
    let data = mint(&h, APP_B, "carol", "Carol", Some("acme-carol"));
    let (status, answer) = h
        .post("/auth/profile", &body(&data, true), Some(&token))
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["userId"], owner.as_str());
    let new_token = answer["token"].as_str().expect("a token for the owner");
    // The old token's user is gone, its session ended; the new one works.
    let again = mint(&h, APP_B, "carol", "Carol", None);
    let (status, answer) = h
        .post("/auth/profile", &body(&again, true), Some(&token))
        .await;
    assert_eq!(
        (status, error_code(&answer)),
        (401, Some("session_ended")),
        "{answer}"
    );
    let (status, answer) = h
        .post("/auth/profile", &body(&again, true), Some(new_token))
        .await;
    assert_eq!(
        (status, answer["userId"].as_str()),
        (200, Some(owner.as_str()))
    );
    // The identity now belongs to the owner; the newcomer's user is gone.
    let identity = h
        .identity(APP_B, &wxauth_wechat_sim::openid_for(APP_B, "carol"))
        .await
        .unwrap();
    assert_eq!(identity.user_id.as_str(), owner.as_str());
    let gone = Key::user(&UserId::parse(newcomer.as_str()).unwrap());
    assert!(h.store.get(&[gone]).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_unionid_of_another_account_is_a_conflict_and_changes_nothing() {
    let h = Harness::start(StoreKind::Dynamo).await;
    login(&h, "dave", "unionid=acme-dave", APP_A).await;
    // Another user, with its own unionId, claims dave's unionId in its data.
    let (token, user_id) = login(&h, "erin", "unionid=acme-erin", APP_B).await;
    let data = mint(&h, APP_B, "erin", "Erin", Some("acme-dave"));
    let (status, answer) = h
        .post("/auth/profile", &body(&data, true), Some(&token))
        .await;
    assert_eq!(
        (status, error_code(&answer)),
        (409, Some("account_conflict"))
    );
    let fine = mint(&h, APP_B, "erin", "Erin", Some("acme-erin"));
    let (status, answer) = h
        .post("/auth/profile", &body(&fine, true), Some(&token))
        .await;
    assert_eq!(
        (status, answer["userId"].as_str()),
        (200, Some(user_id.as_str()))
    );
    assert_eq!(
        answer["profile"]["nickName"], "Erin",
        "the conflict stored nothing, this one did"
    );
}

#[tokio::test]
async fn a_user_holding_a_phone_is_not_folded_but_in_conflict() {
    let h = Harness::start(StoreKind::Dynamo).await;
    let (_, owner) = login(&h, "frank", "unionid=acme-frank", APP_A).await;
    // Frank in app B, a separate user there, who has bound a phone number.
    let (token, other) = login(&h, "frank", "", APP_B).await;
    assert_ne!(owner, other);
    let number = format!("133{:08}", uuid::Uuid::new_v4().as_u128() % 100_000_000);
    let code = h.simulator().mint_phone_code(
        APP_B,
        "frank",
        &wxauth_wechat_sim::PhoneSpec::china(number.as_str()),
    );
    let (status, answer) = h
        .post(
            "/auth/phone",
            &json!({ "code": code }).to_string(),
            Some(&token),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    let data = mint(&h, APP_B, "frank", "Frank", Some("acme-frank"));
    let (status, answer) = h
        .post("/auth/profile", &body(&data, true), Some(&token))
        .await;
    assert_eq!(
        (status, error_code(&answer)),
        (409, Some("account_conflict"))
    );
    // Nothing changed: the token still works for the same user.
    let plain = mint(&h, APP_B, "frank", "Frank", None);
    let (status, answer) = h
        .post("/auth/profile", &body(&plain, true), Some(&token))
        .await;
    assert_eq!(
        (status, answer["userId"].as_str()),
        (200, Some(other.as_str()))
    );
    assert!(answer.get("unionId").is_none());
}

/// Data that does not decrypt: WeChat's `checksession` tells a rotated key
/// (`409 session_key_stale`) from bad data under the current key
/// (`400 bad_data`); when WeChat cannot be asked, the answer stays stale.
async fn undecryptable_data_is_told_precisely(kind: StoreKind) {
    let h = Harness::start(kind).await;
    let (token, _) = login(&h, "olga", "", APP_A).await;
    let good = mint(&h, APP_A, "olga", "Olga", None);

    // (b) Corrupt data of a valid length under the current key: bad data.
    let mut data = STANDARD.decode(&good.encrypted_data).unwrap();
    let last = data.len() - 1;
    data[last] ^= 0x5a;
    let corrupt = json!({"encryptedData": STANDARD.encode(&data), "iv": good.iv}).to_string();
    let checks = h.simulator().calls("checksession");
    let (status, answer) = h.post("/auth/profile", &corrupt, Some(&token)).await;
    assert_eq!(
        (status, error_code(&answer)),
        (400, Some("bad_data")),
        "{answer}"
    );
    assert_eq!(h.simulator().calls("checksession"), checks + 1);

    // (c) WeChat busy on every attempt of checksession: stale, never a 5xx.
    for _ in 0..3 {
        h.simulator().fail_next_access_token_use(APP_A, -1);
    }
    let (status, answer) = h.post("/auth/profile", &corrupt, Some(&token)).await;
    assert_eq!(
        (status, error_code(&answer)),
        (409, Some("session_key_stale")),
        "{answer}"
    );

    // (a) wx.login ran again without reaching us: WeChat rotated the key, the
    // data is made with the new one, the stored one is no longer WeChat's.
    h.wechat_login_only("olga", APP_A).await;
    let rotated = mint(&h, APP_A, "olga", "Olga", None);
    let (status, answer) = h
        .post("/auth/profile", &body(&rotated, true), Some(&token))
        .await;
    assert_eq!(
        (status, error_code(&answer)),
        (409, Some("session_key_stale")),
        "{answer}"
    );

    // Logging in again stores the current key: the same data now decrypts,
    // and data of the earlier session is bad data (from another session).
    let (token, _) = login(&h, "olga", "", APP_A).await;
    let (status, answer) = h
        .post("/auth/profile", &body(&good, true), Some(&token))
        .await;
    assert_eq!(
        (status, error_code(&answer)),
        (400, Some("bad_data")),
        "{answer}"
    );
    // A good decrypt asks WeChat nothing.
    let checks = h.simulator().calls("checksession");
    let fresh = mint(&h, APP_A, "olga", "Olga", None);
    let (status, _) = h
        .post("/auth/profile", &body(&fresh, true), Some(&token))
        .await;
    assert_eq!(status, 200);
    assert_eq!(h.simulator().calls("checksession"), checks);
}

#[tokio::test]
async fn undecryptable_data_is_told_precisely_embedded() {
    undecryptable_data_is_told_precisely(StoreKind::Embedded).await;
}

#[tokio::test]
async fn undecryptable_data_is_told_precisely_dynamodb() {
    undecryptable_data_is_told_precisely(StoreKind::Dynamo).await;
}
