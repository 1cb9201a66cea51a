//! Rotating the signing key without logging anyone out: during the overlap the
//! old public key stays in `TOKEN_VERIFY_KEYS`, so tokens signed before the
//! rotation still work and the JWKS publishes both keys; after it, they are
//! refused.

use serde_json::{Value, json};
use wxauth_shared::config::Config;
use wxauth_shared::tokens::SigningKey;
use wxauth_tests::StoreKind;
use wxauth_tests::harness::{APP_A, Harness, call_router, signing_key_pem};
use wxauth_wechat_sim::profile_payload;

fn kids(jwks: &Value) -> Vec<&str> {
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect()
}

fn kid_of(token: &str) -> String {
    use base64::Engine;
    let header = token.split('.').next().unwrap();
    let header: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(header)
            .unwrap(),
    )
    .unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn tokens_of_the_old_key_work_during_the_overlap_only() {
    let h = Harness::start(StoreKind::Dynamo).await;
    let old = SigningKey::from_pem(signing_key_pem()).unwrap();
    let (new, new_pem) = SigningKey::generate().unwrap();

    let (status, login) = h.login(&Harness::code("rotating", ""), Some(APP_A)).await;
    assert_eq!(status, 200, "{login}");
    let old_token = login["token"].as_str().unwrap().to_owned();
    assert_eq!(kid_of(&old_token), old.public().kid);

    // The overlap: signing with the new key, the old one still accepted.
    let overlap = h.router_with(&[
        ("TOKEN_SIGNING_KEY", &new_pem),
        ("TOKEN_VERIFY_KEYS", &old.public_pem().replace('\n', "\\n")),
    ]);
    let (status, jwks) = call_router(&overlap, "GET", "/.well-known/jwks.json", None, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        kids(&jwks),
        vec![new.public().kid.as_str(), old.public().kid.as_str()]
    );

    let data = h
        .simulator()
        .mint_open_data(
            APP_A,
            "rotating",
            profile_payload(APP_A, "rotating", "轮换", "https://wx.qlogo.cn/r/132", None),
        )
        .unwrap();
    let body = json!({ "encryptedData": data.encrypted_data, "iv": data.iv }).to_string();
    let (status, answer) = call_router(
        &overlap,
        "POST",
        "/auth/profile",
        Some(&body),
        Some(&old_token),
    )
    .await;
    assert_eq!(
        status, 200,
        "an old token works during the overlap: {answer}"
    );

    let code = json!({ "code": Harness::code("rotating", ""), "appid": APP_A }).to_string();
    let (status, login) = call_router(&overlap, "POST", "/auth/login", Some(&code), None).await;
    assert_eq!(status, 200, "{login}");
    let new_token = login["token"].as_str().unwrap().to_owned();
    assert_eq!(kid_of(&new_token), new.public().kid);

    // After the overlap: the old key is gone.
    let after = h.router_with(&[("TOKEN_SIGNING_KEY", &new_pem), ("TOKEN_VERIFY_KEYS", "")]);
    let (_, jwks) = call_router(&after, "GET", "/.well-known/jwks.json", None, None).await;
    assert_eq!(kids(&jwks), vec![new.public().kid.as_str()]);
    let bad_body = json!({ "encryptedData": "", "iv": "" }).to_string();
    let (status, answer) = call_router(
        &after,
        "POST",
        "/auth/phone",
        Some(&bad_body),
        Some(&old_token),
    )
    .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (401, Some("unauthorized"))
    );
    let (status, answer) = call_router(
        &after,
        "POST",
        "/auth/phone",
        Some(&bad_body),
        Some(&new_token),
    )
    .await;
    assert_eq!(status, 400, "the new token is accepted: {answer}");
}

#[test]
fn a_broken_verify_key_stops_start_up_naming_the_variable() {
    let mut env = std::collections::HashMap::new();
    env.insert("TOKEN_SIGNING_KEY".to_owned(), signing_key_pem().to_owned());
    env.insert("TOKEN_VERIFY_KEYS".to_owned(), signing_key_pem().to_owned());
    let config = Config::from_env(&env).expect("the variables read");
    let error = wxauth_shared::setup::token_keys(&config).err().unwrap();
    assert_eq!(error.var, "TOKEN_VERIFY_KEYS");
    assert!(error.to_string().contains("PUBLIC KEY"), "{error}");
}

/// The README's rotation commands, as written: a key from `openssl genpkey` and
/// the old key's public half from `openssl pkey -pubout` are what the settings take.
#[test]
fn the_readme_openssl_commands_make_usable_keys() {
    let dir = wxauth_tests::harness::TempDir::new();
    let run = |args: &[&str]| {
        let status = std::process::Command::new("openssl")
            .args(args)
            .current_dir(&dir.0)
            .status()
            .expect("openssl runs");
        assert!(status.success(), "openssl {args:?}");
    };
    for key in ["old.pem", "key.pem"] {
        run(&[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            key,
        ]);
    }
    run(&["pkey", "-in", "old.pem", "-pubout", "-out", "old.pub.pem"]);
    let read = |name: &str| std::fs::read_to_string(dir.0.join(name)).unwrap();
    let old = SigningKey::from_pem(&read("old.pem")).unwrap();
    let mut env = std::collections::HashMap::new();
    env.insert("TOKEN_SIGNING_KEY".to_owned(), read("key.pem"));
    env.insert("TOKEN_VERIFY_KEYS".to_owned(), read("old.pub.pem"));
    let config = Config::from_env(&env).expect("the variables read");
    let keys = wxauth_shared::setup::token_keys(&config).expect("usable keys");
    let jwks: Value = serde_json::from_str(keys.jwks.body()).unwrap();
    assert_eq!(kids(&jwks).len(), 2);
    assert_eq!(kids(&jwks)[1], old.public().kid);
}
