//! The login flow through the HTTP surface: API Gateway v2 events into the
//! Lambda adapter, against the WeChat simulator and the DynamoDB emulator.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use wxauth_shared::tokens::{SigningKey, TokenIssuer, TokenSubject};
use wxauth_tests::StoreKind;
use wxauth_tests::harness::{APP_A, APP_B, Harness, signing_key_pem};
use wxauth_wechat_sim::{openid_for, unionid_for};

fn token_part(token: &str, index: usize) -> Value {
    let part = token.split('.').nth(index).expect("three parts");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("JSON")
}

#[tokio::test]
async fn new_user_then_returning_user() {
    let h = Harness::start(StoreKind::Dynamo).await;
    let (status, first) = h.login(&Harness::code("alice", ""), None).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["tokenType"], "Bearer");
    assert_eq!(first["expiresIn"], 900);
    assert_eq!(first["refreshExpiresIn"], 30 * 86_400);
    assert!(
        first["refreshToken"]
            .as_str()
            .is_some_and(|t| t.starts_with("rt1.") && t.len() > 60)
    );
    assert_eq!(first["isNewUser"], true);
    assert_eq!(first["hasUnionId"], false);
    assert_eq!(first["hasPhone"], false);
    let user_id = first["userId"].as_str().unwrap().to_owned();
    let openid = openid_for(APP_A, "alice");

    // The session_key stays server-side: not in the answer, not in the token.
    let session_key = h
        .simulator()
        .current_session_key(APP_A, &openid)
        .expect("simulator issued a key");
    assert!(!first.to_string().contains(&session_key));
    let token = first["token"].as_str().unwrap();
    let header = token_part(token, 0);
    let claims = token_part(token, 1);
    assert!(!claims.to_string().contains(&session_key));
    assert_eq!(header["alg"], "RS256");
    assert_eq!(claims["iss"], "https://auth.example.com");
    assert_eq!(claims["aud"], "wxauth-tests");
    assert_eq!(claims["sub"], user_id.as_str());
    assert_eq!(claims["openid"], openid.as_str());
    assert_eq!(claims["appid"], APP_A);
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        900
    );
    assert_eq!(claims["typ"], "access");
    assert!(claims["sid"].as_str().is_some_and(|s| s.len() >= 16));
    assert!(claims["jti"].as_str().is_some_and(|j| j.len() >= 16));

    // The token's kid is in the JWKS, whose key verifies it (the protected route accepts it).
    let (status, jwks) = h.call("GET", "/.well-known/jwks.json", None, None).await;
    assert_eq!(status, 200);
    assert_eq!(jwks["keys"][0]["kid"], header["kid"]);
    assert_eq!(jwks["keys"][0]["kty"], "RSA");
    assert_eq!(jwks["keys"][0]["alg"], "RS256");
    // Accepted by a protected route: past authentication, the empty body is refused.
    let (status, answer) = h.post("/auth/profile", "{}", Some(token)).await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (400, Some("bad_request"))
    );

    // A returning user keeps the userId; the stored session_key is the latest one.
    let (status, second) = h.login(&Harness::code("alice", ""), None).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["isNewUser"], false);
    assert_eq!(second["userId"], user_id.as_str());
    let latest = h.simulator().current_session_key(APP_A, &openid).unwrap();
    let stored = h.identity(APP_A, &openid).await.unwrap();
    assert_eq!(stored.session_key.expose_base64(), latest);
    assert_ne!(latest, session_key, "the simulator rotates keys per login");
}

#[tokio::test]
async fn unionid_joins_apps_of_one_open_platform() {
    let h = Harness::start(StoreKind::Dynamo).await;
    let (status, a) = h
        .login(&Harness::code("bob", "unionid=acme-bob"), Some(APP_A))
        .await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(
        (a["isNewUser"].as_bool(), a["hasUnionId"].as_bool()),
        (Some(true), Some(true))
    );
    let (status, b) = h
        .login(&Harness::code("bob", "unionid=acme-bob"), Some(APP_B))
        .await;
    assert_eq!(status, 200, "{b}");
    assert_eq!(
        b["isNewUser"], false,
        "the openid of app B joined the user of app A"
    );
    assert_eq!(b["userId"], a["userId"]);
    assert_eq!(
        token_part(b["token"].as_str().unwrap(), 1)["openid"],
        openid_for(APP_B, "bob").as_str()
    );
    assert_ne!(openid_for(APP_A, "bob"), openid_for(APP_B, "bob"));
    assert!(!unionid_for("acme-bob").is_empty());
}

#[tokio::test]
async fn the_embedded_store_serves_the_same_flow() {
    let h = Harness::start(StoreKind::Embedded).await;
    let (status, first) = h
        .login(&Harness::code("carol", "unionid=acme-carol"), None)
        .await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["isNewUser"], true);
    let (_, again) = h
        .login(&Harness::code("carol", "unionid=acme-carol"), Some(APP_B))
        .await;
    assert_eq!(
        (again["isNewUser"].as_bool(), again["userId"].clone()),
        (Some(false), first["userId"].clone())
    );
}

#[tokio::test]
async fn appid_must_be_a_configured_app() {
    let h = Harness::start(StoreKind::Embedded).await;
    let (status, body) = h
        .login(&Harness::code("dave", ""), Some("wx0000000000000000"))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("unknown_appid"))
    );
    let (status, body) = h
        .login(&Harness::code("dave", ""), Some("not an appid"))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("bad_request"))
    );
    assert_eq!(
        h.simulator().calls("jscode2session"),
        0,
        "refused before calling WeChat"
    );
}

#[tokio::test]
async fn protected_routes_need_a_valid_token() {
    let h = Harness::start(StoreKind::Embedded).await;
    let subject = TokenSubject {
        user_id: wxauth_shared::domain::UserId::parse("u-1").unwrap(),
        identity: wxauth_shared::domain::Identity::wechat(
            &wxauth_shared::domain::AppId::parse(APP_A).unwrap(),
            &wxauth_shared::domain::OpenId::parse("o-1").unwrap(),
        ),
        session_id: wxauth_shared::domain::SessionId::parse("s-1").unwrap(),
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let ours = || SigningKey::from_pem(signing_key_pem()).unwrap();
    let token = |key: SigningKey, audience: &str, ttl: u64, issued_at: u64| {
        TokenIssuer::new(key, "https://auth.example.com".into(), audience.into())
            .issue(&subject, issued_at, issued_at + ttl)
            .unwrap()
            .token
    };
    let expired = token(ours(), "wxauth-tests", 60, now - 3_600);
    let wrong_audience = token(ours(), "someone-else", 600, now);
    let stranger = token(SigningKey::generate().unwrap().0, "wxauth-tests", 600, now);
    let valid = token(ours(), "wxauth-tests", 600, now);
    // The token is checked before the body: a bad token is 401 whatever the body.
    let bodies = [
        "{}",
        "",
        "not json",
        "[]",
        r#"{"code":5}"#,
        r#"{"iv":null}"#,
    ];
    for path in ["/auth/profile", "/auth/phone", "/auth/logout"] {
        for (token, code) in [
            (None, "unauthorized"),
            (Some("garbage"), "unauthorized"),
            (Some(expired.as_str()), "token_expired"),
            (Some(wrong_audience.as_str()), "unauthorized"),
            (Some(stranger.as_str()), "unauthorized"),
        ] {
            for request in bodies {
                let (status, body) = h.post(path, request, token).await;
                assert_eq!(
                    (status, body["error"]["code"].as_str()),
                    (401, Some(code)),
                    "{path} {token:?} {request:?}"
                );
            }
        }
        if path == "/auth/logout" {
            continue;
        }
        // Past authentication, the malformed body is refused; a well-signed
        // token whose session does not exist (never logged in) ended.
        let (_, session) = h.post(path, "not json", Some(&valid)).await;
        assert_eq!(session["error"]["code"], "session_ended", "{path}");
        let (_, login) = h.login(&Harness::code("malformed", ""), None).await;
        let live = login["token"].as_str().unwrap();
        for request in bodies {
            let expected = (400, Some("bad_request"));
            let (status, body) = h.post(path, request, Some(live)).await;
            assert_eq!(
                (status, body["error"]["code"].as_str()),
                expected,
                "{path} {request:?}"
            );
        }
    }
}

#[tokio::test]
async fn unknown_routes_methods_and_oversized_bodies() {
    let h = Harness::start(StoreKind::Embedded).await;
    let (status, body) = h.call("GET", "/auth/login", None, None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (405, Some("method_not_allowed"))
    );
    let (status, body) = h.call("GET", "/nowhere", None, None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    let huge = format!("{{\"code\":\"{}\"}}", "x".repeat(70 * 1024));
    let (status, body) = h.post("/auth/login", &huge, None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (413, Some("payload_too_large"))
    );
}
