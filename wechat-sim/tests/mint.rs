//! Minting what the mini-program would hold: from Rust and through the `/sim/`
//! control routes, checked by decrypting like a WeChat backend.

mod common;

use common::{
    APP, Answer, OTHER_APP, OTHER_SECRET, access_token, decrypt, exchange_for, get_phone, log_in,
    post, sha1_hex, start, unix_now,
};
use serde_json::{Value, json};
use wxauth_wechat_sim::{
    PhoneSpec, openid_for, phone_for, phone_payload, profile_payload, unionid_for,
};

/// Asserts `plaintext` ends with a fresh watermark for `appid` and returns
/// the JSON.
fn expect_watermarked(plaintext: &str, appid: &str) -> Value {
    let json: Value = serde_json::from_str(plaintext).unwrap();
    let timestamp = json["watermark"]["timestamp"].as_u64().expect("timestamp");
    assert!(timestamp.abs_diff(unix_now()) <= 5, "{plaintext}");
    let suffix = format!(r#","watermark":{{"timestamp":{timestamp},"appid":"{appid}"}}}}"#);
    assert!(plaintext.ends_with(&suffix), "{plaintext}");
    json
}

#[tokio::test]
async fn open_data_needs_a_login_and_uses_the_current_session_key() {
    let sim = start().await;
    let simulator = sim.simulator();
    let payload = profile_payload(APP, "alice", "Alice", "https://a/x.png", None);
    assert_eq!(
        simulator.mint_open_data(APP, "alice", payload.clone()),
        None
    );
    assert_eq!(
        simulator.mint_open_data("wxunknown", "alice", payload.clone()),
        None
    );

    let key = log_in(&sim, "alice").await;
    let data = simulator
        .mint_open_data(APP, "alice", payload.clone())
        .expect("minted");
    let plain = decrypt(&key, &data.iv, &data.encrypted_data).expect("decrypts");
    assert_eq!(plain, data.plaintext);
    let json = expect_watermarked(&plain, APP);
    assert_eq!(json["openId"], openid_for(APP, "alice"));
    assert_eq!(json["nickName"], "Alice");
    assert!(json.get("unionId").is_none());

    // A new login rotates the key: data minted before no longer decrypts to it.
    let new_key = log_in(&sim, "alice").await;
    assert_ne!(new_key, key);
    assert_ne!(
        decrypt(&new_key, &data.iv, &data.encrypted_data).as_deref(),
        Some(plain.as_str())
    );
    let fresh = simulator.mint_open_data(APP, "alice", payload).unwrap();
    assert!(decrypt(&new_key, &fresh.iv, &fresh.encrypted_data).is_some());
}

#[tokio::test]
async fn profile_data_is_signed() {
    let sim = start().await;
    let key = log_in(&sim, "alice").await;
    let payload = profile_payload(APP, "alice", "微信用户", "https://a/x.png", Some("acme"));
    let data = sim
        .simulator()
        .mint_open_data(APP, "alice", payload)
        .unwrap();
    let raw = data.raw_data.as_deref().expect("raw data");
    assert_eq!(
        raw,
        r#"{"nickName":"微信用户","gender":0,"language":"zh_CN","city":"","province":"","country":"","avatarUrl":"https://a/x.png"}"#
    );
    assert_eq!(data.signature, Some(sha1_hex(&format!("{raw}{key}"))));

    let plain = decrypt(&key, &data.iv, &data.encrypted_data).unwrap();
    let expected_start = format!(
        r#"{{"openId":"{}","nickName":"微信用户","gender":0,"language":"zh_CN","city":"","province":"","country":"","avatarUrl":"https://a/x.png","unionId":"{}","watermark":"#,
        openid_for(APP, "alice"),
        unionid_for("acme")
    );
    assert!(plain.starts_with(&expected_start), "{plain}");
    expect_watermarked(&plain, APP);
}

#[tokio::test]
async fn phone_data_has_wechat_shape_and_no_signature() {
    let sim = start().await;
    let key = log_in(&sim, "alice").await;
    let data = sim
        .simulator()
        .mint_open_data(
            APP,
            "alice",
            phone_payload(&PhoneSpec::new("1", "2025550143")),
        )
        .unwrap();
    assert_eq!((data.raw_data, data.signature), (None, None));
    let plain = decrypt(&key, &data.iv, &data.encrypted_data).unwrap();
    assert!(
        plain.starts_with(
            r#"{"phoneNumber":"+12025550143","purePhoneNumber":"2025550143","countryCode":"1","watermark":"#
        ),
        "{plain}"
    );
    expect_watermarked(&plain, APP);
}

#[tokio::test]
#[should_panic(expected = "unknown appid")]
async fn phone_codes_for_unknown_apps_panic() {
    let sim = start().await;
    sim.simulator()
        .mint_phone_code("wxunknown", "alice", &PhoneSpec::china("13800138000"));
}

#[tokio::test]
#[should_panic(expected = "country code")]
async fn implausible_phone_numbers_panic() {
    let sim = start().await;
    sim.simulator()
        .mint_phone_code(APP, "alice", &PhoneSpec::new("+86", "13800138000"));
}

/// Asserts a control answer with `status` and returns its JSON.
fn control(answer: &Answer, status: u16) -> Value {
    assert_eq!(answer.status, status, "{answer:?}");
    assert_eq!(answer.content_type, "application/json", "{answer:?}");
    answer.json()
}

#[tokio::test]
async fn control_mints_profiles() {
    let sim = start().await;
    let key = log_in(&sim, "alice").await;
    let answer = post(sim.base_url(), "/sim/mint/profile", r#"{"user":"alice"}"#).await;
    let json = control(&answer, 200);
    let members: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(members.len(), 4, "{json}");
    let text = |name: &str| {
        json[name]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: {json}"))
    };

    let plain = decrypt(&key, text("iv"), text("encryptedData")).expect("decrypts");
    let decrypted = expect_watermarked(&plain, APP);
    assert_eq!(decrypted["openId"], openid_for(APP, "alice"));
    assert_eq!(decrypted["nickName"], "微信用户");
    assert!(
        decrypted["avatarUrl"]
            .as_str()
            .unwrap()
            .starts_with("https://thirdwx.qlogo.cn/")
    );
    assert_eq!(
        text("signature"),
        sha1_hex(&format!("{}{key}", text("rawData")))
    );
    let raw: Value = serde_json::from_str(text("rawData")).unwrap();
    assert_eq!(raw["nickName"], "微信用户");
    assert!(raw.get("openId").is_none());

    let body = json!({"user": "alice", "nickName": "Alice", "avatarUrl": "https://a/b.png", "unionid": "acme"});
    let json = control(
        &post(sim.base_url(), "/sim/mint/profile", body.to_string()).await,
        200,
    );
    let plain = decrypt(
        &key,
        json["iv"].as_str().unwrap(),
        json["encryptedData"].as_str().unwrap(),
    )
    .unwrap();
    let decrypted: Value = serde_json::from_str(&plain).unwrap();
    assert_eq!(decrypted["nickName"], "Alice");
    assert_eq!(decrypted["avatarUrl"], "https://a/b.png");
    assert_eq!(decrypted["unionId"], unionid_for("acme"));
}

#[tokio::test]
async fn control_mints_phone_codes() {
    let sim = start().await;
    log_in(&sim, "alice").await;
    let token = access_token(&sim).await;

    let answer = post(
        sim.base_url(),
        "/sim/mint/phone-code",
        r#"{"user":"alice"}"#,
    )
    .await;
    let code = control(&answer, 200)["code"].as_str().unwrap().to_owned();
    let phone = get_phone(
        &sim,
        &token,
        json!({"code": code, "openid": openid_for(APP, "alice")}),
    )
    .await;
    let info = &phone.json()["phone_info"];
    // Without a number, the user's own: alice's, as README's table says.
    assert_eq!(phone_for("alice"), "13815823931");
    assert_eq!(info["phoneNumber"], "13815823931");
    assert_eq!(info["purePhoneNumber"], "13815823931");
    assert_eq!(info["countryCode"], "86");

    let body = json!({"user": "alice", "phoneNumber": "61234567", "countryCode": 852});
    let answer = post(sim.base_url(), "/sim/mint/phone-code", body.to_string()).await;
    let code = control(&answer, 200)["code"].as_str().unwrap().to_owned();
    let phone = get_phone(&sim, &token, json!({ "code": code })).await;
    let info = &phone.json()["phone_info"];
    assert_eq!(info["phoneNumber"], "+85261234567");
    assert_eq!(info["purePhoneNumber"], "61234567");
    assert_eq!(info["countryCode"], 852);
}

#[tokio::test]
async fn control_mints_phone_data() {
    let sim = start().await;
    let key = log_in(&sim, "alice").await;
    let body = json!({"user": "alice", "phoneNumber": "13912345678", "countryCode": "86"});
    let json = control(
        &post(sim.base_url(), "/sim/mint/phone-data", body.to_string()).await,
        200,
    );
    assert_eq!(json.as_object().unwrap().len(), 2, "{json}");
    let plain = decrypt(
        &key,
        json["iv"].as_str().unwrap(),
        json["encryptedData"].as_str().unwrap(),
    )
    .unwrap();
    assert!(
        plain.starts_with(r#"{"phoneNumber":"13912345678","purePhoneNumber":"13912345678","countryCode":"86","watermark":"#),
        "{plain}"
    );
    expect_watermarked(&plain, APP);
}

#[tokio::test]
async fn control_takes_an_appid() {
    let sim = start().await;
    let (key, _, _) = exchange_for(&sim, OTHER_APP, OTHER_SECRET, "alice")
        .await
        .expect_session();
    let body = json!({"appid": OTHER_APP, "user": "alice"});
    let json = control(
        &post(sim.base_url(), "/sim/mint/phone-data", body.to_string()).await,
        200,
    );
    let plain = decrypt(
        &key,
        json["iv"].as_str().unwrap(),
        json["encryptedData"].as_str().unwrap(),
    )
    .unwrap();
    expect_watermarked(&plain, OTHER_APP);

    // alice logged in to OTHER_APP only: the default app has no session.
    for path in [
        "/sim/mint/profile",
        "/sim/mint/phone-code",
        "/sim/mint/phone-data",
    ] {
        let json = control(
            &post(sim.base_url(), path, r#"{"user":"alice"}"#).await,
            404,
        );
        assert!(
            json["error"].as_str().unwrap().contains("never logged in"),
            "{json}"
        );
    }
}

#[tokio::test]
async fn control_refusals() {
    let sim = start().await;
    log_in(&sim, "alice").await;
    for path in [
        "/sim/mint/profile",
        "/sim/mint/phone-code",
        "/sim/mint/phone-data",
    ] {
        let json = control(
            &post(sim.base_url(), path, r#"{"user":"nobody"}"#).await,
            404,
        );
        assert!(json["error"].as_str().unwrap().contains("nobody"), "{json}");
        let body = json!({"appid": "wxunknown", "user": "alice"});
        let json = control(&post(sim.base_url(), path, body.to_string()).await, 404);
        assert!(
            json["error"].as_str().unwrap().contains("wxunknown"),
            "{json}"
        );
        for bad in ["", "user=alice", "{}", r#"{"user":7}"#] {
            control(&post(sim.base_url(), path, bad).await, 400);
        }
    }
    for path in ["/sim/mint/phone-code", "/sim/mint/phone-data"] {
        for body in [
            json!({"user": "alice", "phoneNumber": "138 0013 8000"}),
            json!({"user": "alice", "countryCode": "+86"}),
            json!({"user": "alice", "countryCode": 0}),
        ] {
            let json = control(&post(sim.base_url(), path, body.to_string()).await, 400);
            assert!(json["error"].is_string(), "{json}");
        }
    }
    assert_eq!(
        sim.simulator().calls("sim"),
        0,
        "control routes are not counted"
    );
}

/// Users minted a phone without a number each get their own: the
/// walk-through repeated as bob binds bob's number, not alice's (which would
/// be `409 phone_taken`).
#[tokio::test]
async fn users_minted_without_a_number_get_distinct_numbers() {
    let sim = start().await;
    let token = access_token(&sim).await;
    let mut numbers = std::collections::BTreeSet::new();
    for user in ["alice", "bob", "carol", "dave", "erin"] {
        log_in(&sim, user).await;
        let body = json!({ "user": user }).to_string();
        let answer = post(sim.base_url(), "/sim/mint/phone-code", body).await;
        let code = control(&answer, 200)["code"].as_str().unwrap().to_owned();
        let phone = get_phone(&sim, &token, json!({ "code": code })).await;
        let number = phone.json()["phone_info"]["purePhoneNumber"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(number, phone_for(user));
        assert!(
            number.len() == 11
                && number.starts_with("138")
                && number.bytes().all(|b| b.is_ascii_digit()),
            "{number} is a mainland mobile number"
        );
        numbers.insert(number);
    }
    assert_eq!(numbers.len(), 5, "{numbers:?}");
}

/// README's table of what the simulator derives shows what it derives.
#[test]
fn the_readme_s_derivation_examples_are_the_simulator_s() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for readme in ["README.md", "README.zh-CN.md"] {
        let text = std::fs::read_to_string(root.join(readme)).unwrap();
        for derived in [
            openid_for("wx5e1a0d0c0de0b0b0", "alice"),
            unionid_for("acme"),
            phone_for("alice"),
            phone_for("bob"),
        ] {
            assert!(
                text.contains(&format!("`{derived}`")),
                "{readme} shows {derived}"
            );
        }
    }
}
