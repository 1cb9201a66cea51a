//! The real function binaries, speaking the real Lambda Runtime API under
//! `cargo lambda watch`, driven with `cargo lambda invoke --data-file` over the
//! committed `events/` fixtures (tokens, refresh tokens, codes and open data
//! filled in at run time), against the WeChat simulator, the Tencent SMS
//! stand-in and the DynamoDB emulator. Each function runs with exactly the
//! environment template.yaml gives it ([`LocalStack`]): every route of the
//! template's HttpApi is invoked through its function, and each function's
//! DynamoDB actions must be in its policy.

use serde_json::{Value, json};
use std::sync::Arc;
use wxauth_shared::clock::SystemClock;
use wxauth_shared::crypto::message::{self, PushKey};
use wxauth_tests::cargo_lambda::{self, status_and_body};
use wxauth_tests::events::{self, fill, fixture, placeholders};
use wxauth_tests::harness::{APP_A, PUSH_AES_KEY, PUSH_TOKEN, SECRET_A, signing_key_pem};
use wxauth_tests::local_stack::{LocalStack, Redirections};
use wxauth_tests::tencent_sms::{self, TencentSmsStandIn};
use wxauth_tests::{emf, emulator};
use wxauth_wechat_sim::{PhoneSpec, Simulator, openid_for, phone_payload, profile_payload};

/// Every fixture, with the function that serves its route.
const FIXTURES: &[(&str, &str)] = &[
    ("login", "login/success.json"),
    ("login", "login/phone-code.json"),
    ("login", "login/invalid-code.json"),
    ("login", "login/bad-request.json"),
    ("login", "login/jwks.json"),
    ("login", "login/logout.json"),
    ("login", "login/refresh.json"),
    ("login", "login/refresh-ended.json"),
    ("decrypt-profile", "decrypt-profile/success.json"),
    ("decrypt-profile", "decrypt-profile/bad-request.json"),
    ("decrypt-profile", "decrypt-profile/unauthorized.json"),
    ("decrypt-profile", "decrypt-profile/nickname.json"),
    ("bind-phone", "bind-phone/success-code.json"),
    ("bind-phone", "bind-phone/success-encrypted.json"),
    ("bind-phone", "bind-phone/bad-request.json"),
    ("bind-phone", "bind-phone/unauthorized.json"),
    ("account", "account/me.json"),
    ("account", "account/delete.json"),
    ("account", "account/delete-unconfirmed.json"),
    ("account", "account/unauthorized.json"),
    ("sms", "sms/send.json"),
    ("sms", "sms/send-invalid-phone.json"),
    ("sms", "sms/login.json"),
    ("sms", "sms/login-wrong-code.json"),
    ("password", "password/login-unverified.json"),
    ("password", "password/register-sms.json"),
    ("password", "password/login.json"),
    ("password", "password/login-wrong-password.json"),
    ("password", "password/set.json"),
    ("avatar", "avatar/upload.json"),
    ("avatar", "avatar/upload-not-an-image.json"),
    ("avatar", "avatar/image.json"),
    ("avatar", "avatar/push-verify.json"),
    ("avatar", "avatar/push-media-check.json"),
    ("authorizer", "authorizer/allowed.json"),
    ("authorizer", "authorizer/denied.json"),
    ("example-me", "example-me/success.json"),
    ("example-me", "example-me/unauthorized.json"),
];

fn error_code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_default()
}

/// A header of a function's answer (an API Gateway v2 response), by name in
/// any case.
fn header<'a>(answer: &'a Value, name: &str) -> Option<&'a str> {
    answer["headers"]
        .as_object()?
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .and_then(|(_, value)| value.as_str())
}

/// Whether `path` is on API Gateway's route `pattern` (`{name}` is one segment).
fn on_route(path: &str, pattern: &str) -> bool {
    let (path, pattern): (Vec<&str>, Vec<&str>) =
        (path.split('/').collect(), pattern.split('/').collect());
    path.len() == pattern.len()
        && path
            .iter()
            .zip(&pattern)
            .all(|(p, q)| p == q || (q.starts_with('{') && q.ends_with('}') && !p.is_empty()))
}

#[test]
fn every_fixture_is_listed_and_is_an_http_api_event() {
    let dir = cargo_lambda::workspace_root().join("events");
    let mut on_disk = Vec::new();
    for function in std::fs::read_dir(&dir).expect("events/") {
        let function = function.unwrap().path();
        for file in std::fs::read_dir(&function).unwrap() {
            let file = file.unwrap().path();
            let name = file
                .strip_prefix(&dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            on_disk.push(name);
        }
    }
    on_disk.sort();
    let mut listed: Vec<String> = FIXTURES.iter().map(|(_, f)| (*f).to_owned()).collect();
    listed.sort();
    assert_eq!(on_disk, listed, "events/ and FIXTURES differ");

    for (function, name) in FIXTURES {
        assert!(name.starts_with(&format!("{function}/")));
        let event = fixture(name);
        assert_eq!(event["version"], "2.0", "{name}");
        if *function == "authorizer" {
            // API Gateway's authorizer payload 2.0, not a route request.
            assert_eq!(event["type"], "REQUEST", "{name}");
            let request: wxauth_shared::authorizer::AuthorizerRequest =
                serde_json::from_value(event.clone()).expect(name);
            assert!(
                request.identity_source.is_some_and(|s| s.len() == 1),
                "{name}"
            );
            continue;
        }
        let values: Vec<(String, String)> = placeholders(&event)
            .into_iter()
            .map(|p| (p, "x".to_owned()))
            .collect();
        let values: Vec<(&str, &str)> = values
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        // lambda_http parses it as the function would, on its route.
        let request = events::request(&fill(&event, &values));
        let route_key = event["routeKey"].as_str().unwrap();
        let (method, pattern) = route_key.split_once(' ').unwrap();
        assert_eq!(request.method().as_str(), method, "{name}");
        assert!(
            on_route(request.uri().path(), pattern),
            "{name}: {} is not on {route_key}",
            request.uri().path()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_function_answers_its_events_under_cargo_lambda() {
    cargo_lambda::require();
    let (client, _) = emulator::client().await;
    let table = emulator::fresh_table(&client).await;
    let bucket = emulator::new_bucket().await;
    let emulator_url = emulator::url();
    let simulator = Simulator::new([(APP_A, SECRET_A)]);
    let running = simulator
        .start("127.0.0.1:0".parse().unwrap())
        .await
        .expect("start simulator");
    // The real sender signs for Tencent; the stand-in checks every signature
    // with the key, application, signature and template it knows.
    let sms = TencentSmsStandIn::start(Arc::new(SystemClock)).await;
    let redirections = Redirections {
        dynamodb: emulator_url.clone(),
        s3: emulator_url,
        wechat_api_base: running.base_url().to_owned(),
        tencent_sms_endpoint: sms.endpoint(),
    };
    let parameters = [
        ("AppId", APP_A),
        ("AppSecret", SECRET_A),
        ("TokenSigningKey", signing_key_pem()),
        ("WeChatPushToken", PUSH_TOKEN),
        ("WeChatPushAesKey", PUSH_AES_KEY),
        ("SmsProvider", "tencent"),
        ("TencentSmsSecretId", tencent_sms::SECRET_ID),
        ("TencentSmsSecretKey", tencent_sms::SECRET_KEY),
        ("TencentSmsSdkAppId", tencent_sms::SDK_APP_ID),
        ("TencentSmsSignName", tencent_sms::SIGN_NAME),
        ("TencentSmsTemplateId", tencent_sms::TEMPLATE_ID),
    ];

    // The blocking part: processes and their answers. The simulator and the
    // stand-in keep serving on the runtime's worker threads meanwhile.
    tokio::task::spawn_blocking(move || {
        let stack = LocalStack::start(&parameters, &table, &bucket, &redirections);
        drive_every_fixture(&stack, &simulator);
        drive_avatar_fixtures(&stack, &simulator, &client, &table);
        drive_sms_fixtures(&stack, &sms);
        drive_password_fixtures(&stack, &sms);
        check_metrics(&stack.log());
        check_routes_and_policies(&stack);
    })
    .await
    .expect("the invocations");
    drop(running);
}

/// Every route of the template's HttpApi was invoked, through the function
/// the template sends it to ([`LocalStack::invoke`] refuses any other), and
/// each function sent DynamoDB only actions its policy allows.
fn check_routes_and_policies(stack: &LocalStack) {
    assert_eq!(
        stack.routes_not_invoked(),
        Vec::<String>::new(),
        "routes of template.yaml no fixture invoked"
    );
    println!(
        "template.yaml run: function, routes invoked, DynamoDB actions sent (of those its policy allows)"
    );
    for run in stack.runs() {
        let strip = |actions: &std::collections::BTreeSet<String>| {
            actions
                .iter()
                .map(|a| a.trim_start_matches("dynamodb:"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        println!(
            "  {:<24} {}/{} routes; {} of {}: {}",
            run.logical_id,
            run.routes_invoked,
            run.routes,
            run.actions_seen.len(),
            run.actions_allowed.len(),
            strip(&run.actions_seen)
        );
        let denied: Vec<&String> = run.actions_seen.difference(&run.actions_allowed).collect();
        assert!(
            denied.is_empty(),
            "{} ({}) sent {denied:?}, which its policy in template.yaml does not allow ({})",
            run.logical_id,
            run.binary,
            strip(&run.actions_allowed)
        );
    }
}

/// The functions' own stdout (cargo lambda watch passes it through to its
/// log, as Lambda hands it to CloudWatch Logs): every metrics line is a valid
/// EMF document, and the invocations' figures are there.
fn check_metrics(log: &str) {
    let documents: Vec<_> = log.lines().filter_map(emf::valid).collect();
    emf::assert_names(
        "of the function binaries",
        documents.iter().map(Vec::as_slice),
        emf::FLOW_METRICS.iter().copied(),
    );
}

/// SMS login through the real `sms` binary and the real Tencent sender: a
/// code sent, then logged in with once, as a new user holding the number.
fn drive_sms_fixtures(stack: &LocalStack, sms: &TencentSmsStandIn) {
    let invoke = |name: &str, values: &[(&str, &str)]| {
        status_and_body(&stack.invoke("sms", &fill(&fixture(name), values)))
    };

    let (status, body) = invoke("sms/send-invalid-phone.json", &[]);
    assert_eq!(
        (status, error_code(&body)),
        (400, "invalid_phone"),
        "{body}"
    );
    assert!(sms.sent().is_empty(), "{:?}", sms.sent());

    // As people type it; the stand-in sees E.164.
    let (status, body) = invoke("sms/send.json", &[("phone", "138 0013 8000")]);
    assert_eq!(
        (status, body),
        (200, json!({"sent": true, "resendAfter": 60}))
    );
    let code = sms
        .last_code_to("+8613800138000")
        .expect("Tencent was asked to send a code to the number");
    assert_eq!(sms.answered(), ["Ok"]);

    let (status, login) = invoke(
        "sms/login.json",
        &[("phone", "+8613800138000"), ("code", &code)],
    );
    assert_eq!(status, 200, "{login}");
    assert_eq!(login["isNewUser"], true, "{login}");
    for field in ["token", "refreshToken", "userId"] {
        assert!(
            login[field].as_str().is_some_and(|v| !v.is_empty()),
            "{field}: {login}"
        );
    }
    // The session is live for the authorizer, on the number's user.
    let answer = stack.invoke(
        "authorizer",
        &fill(
            &fixture("authorizer/allowed.json"),
            &[("token", login["token"].as_str().unwrap())],
        ),
    );
    assert_eq!(answer["isAuthorized"], true, "{answer}");
    assert_eq!(answer["context"]["userId"], login["userId"], "{answer}");

    // The code was used up: the same one again, or any other, is refused.
    let (status, body) = invoke(
        "sms/login.json",
        &[("phone", "+8613800138000"), ("code", &code)],
    );
    assert_eq!(
        (status, error_code(&body)),
        (400, "sms_code_invalid"),
        "{body}"
    );
    let (status, body) = invoke("sms/login-wrong-code.json", &[]);
    assert_eq!(
        (status, error_code(&body)),
        (400, "sms_code_invalid"),
        "{body}"
    );
}

/// The avatar function's binary: a `wx.uploadFile` body base64-encoded as API
/// Gateway hands it over, the image served back base64-encoded, the push
/// endpoint's server verification.
fn drive_avatar_fixtures(
    stack: &LocalStack,
    simulator: &Simulator,
    client: &aws_sdk_dynamodb::Client,
    table: &str,
) {
    let invoke =
        |name: &str, values: &[(&str, &str)]| stack.invoke("avatar", &fill(&fixture(name), values));
    let code = format!("avatar-user;n={}", uuid::Uuid::new_v4().simple());
    let answer = stack.invoke(
        "login",
        &fill(&fixture("login/success.json"), &[("code", &code)]),
    );
    let (status, login) = status_and_body(&answer);
    assert_eq!(status, 200, "{login}");
    let token = login["token"].as_str().unwrap().to_owned();

    let (status, body) = status_and_body(&invoke("avatar/upload.json", &[("token", &token)]));
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["avatar"]["state"], "pending", "{body}");
    assert_eq!(simulator.calls("media_check_async"), 1);
    let url = body["avatar"]["url"].as_str().unwrap();
    // On the API's own domain, as the event reached it.
    let path = url
        .strip_prefix("https://abc123.execute-api.cn-north-1.amazonaws.com.cn/avatars/")
        .unwrap_or_else(|| panic!("{url}"));
    let (user_id, file) = path.split_once('/').unwrap();
    assert_eq!(user_id, login["userId"].as_str().unwrap());

    let answer = invoke("avatar/image.json", &[("user_id", user_id), ("file", file)]);
    assert_eq!(answer["statusCode"], 200, "{answer}");
    assert_eq!(header(&answer, "content-type"), Some("image/png"));
    assert_eq!(answer["isBase64Encoded"], true, "{answer}");
    let served = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        answer["body"].as_str().unwrap(),
    )
    .unwrap();
    assert_eq!(served, wxauth_tests::upload::fixture_image("pixel.png"));

    let (status, body) = status_and_body(&invoke(
        "avatar/upload-not-an-image.json",
        &[("token", &token)],
    ));
    assert_eq!((status, error_code(&body)), (400, "bad_image"), "{body}");

    let timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let signature = wxauth_shared::crypto::message::signature(PUSH_TOKEN, &timestamp, "517");
    let answer = invoke(
        "avatar/push-verify.json",
        &[
            ("signature", &signature),
            ("timestamp", &timestamp),
            ("nonce", "517"),
            ("echostr", "6612835531"),
        ],
    );
    assert_eq!(answer["statusCode"], 200, "{answer}");
    assert_eq!(answer["body"], "6612835531", "{answer}");
    assert!(header(&answer, "content-type").is_some_and(|t| t.starts_with("text/plain")));

    // WeChat's verdict on the upload, pushed signed and encrypted: the image
    // it checked (the trace WeChat gave, as the function stored it) passes.
    let trace = media_checks(client, table)
        .pop()
        .expect("the upload recorded its media check");
    let openid = openid_for(APP_A, "avatar-user");
    let verdict = json!({
        "ToUserName": "gh_0", "FromUserName": openid, "CreateTime": timestamp.parse::<u64>().unwrap(),
        "MsgType": "event", "Event": "wxa_media_check", "appid": APP_A,
        "trace_id": trace, "version": 2, "detail": [],
        "errcode": 0, "errmsg": "ok",
        "result": {"suggest": "pass", "label": 100}
    });
    let key = PushKey::parse(PUSH_AES_KEY).unwrap();
    let encrypt = message::encrypt(&key, [7; 16], &verdict.to_string(), APP_A);
    let msg_signature = message::msg_signature(PUSH_TOKEN, &timestamp, "1320562132", &encrypt);
    let signature = message::signature(PUSH_TOKEN, &timestamp, "1320562132");
    let answer = invoke(
        "avatar/push-media-check.json",
        &[
            ("signature", &signature),
            ("timestamp", &timestamp),
            ("nonce", "1320562132"),
            ("openid", &openid),
            ("msg_signature", &msg_signature),
            ("to_user_name", "gh_0"),
            ("encrypt", &encrypt),
        ],
    );
    assert_eq!(answer["statusCode"], 200, "{answer}");
    assert_eq!(answer["body"], "success", "{answer}");
    let (status, me) = status_and_body(&stack.invoke(
        "account",
        &fill(&fixture("account/me.json"), &[("token", &token)]),
    ));
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["avatar"]["state"], "active", "{me}");
}

/// The trace ids of the media checks in `table` (`MEDIA#<trace_id>` items).
fn media_checks(client: &aws_sdk_dynamodb::Client, table: &str) -> Vec<String> {
    let scan = tokio::runtime::Handle::current()
        .block_on(client.scan().table_name(table).send())
        .expect("scan the table");
    scan.items()
        .iter()
        .filter_map(|item| item.get("pk")?.as_s().ok())
        .filter_map(|pk| pk.strip_prefix("MEDIA#").map(str::to_owned))
        .collect()
}

/// The number of the password fixtures: refused without a proof, then
/// registered with an SMS code (events/password/login-unverified.json names
/// it as typed in full).
const PASSWORD_PHONE: &str = "+8613700137000";

/// Password login and setting through the real `password` binary (argon2id
/// as deployed), with an SMS code sent by the real `sms` binary as the
/// registration's proof of the number.
fn drive_password_fixtures(stack: &LocalStack, sms: &TencentSmsStandIn) {
    let invoke = |function: &str, name: &str, values: &[(&str, &str)]| {
        let answer = stack.invoke(function, &fill(&fixture(name), values));
        let (status, body) = status_and_body(&answer);
        if status >= 400 {
            assert!(!error_code(&body).is_empty(), "{name}: {body}");
        }
        (status, body)
    };
    let phone = [("phone", PASSWORD_PHONE)];

    // A password alone never creates an account on a number nobody proved.
    let (status, body) = invoke("password", "password/login-unverified.json", &[]);
    assert_eq!(
        (status, error_code(&body)),
        (400, "phone_unverified"),
        "{body}"
    );

    // The proof: a login code to the number, sent by the sms function.
    let (status, body) = invoke("sms", "sms/send.json", &phone);
    assert_eq!(
        (status, body),
        (200, json!({"sent": true, "resendAfter": 60}))
    );
    let code = sms
        .last_code_to(PASSWORD_PHONE)
        .expect("Tencent was asked to send a code to the number");
    let (status, registered) = invoke(
        "password",
        "password/register-sms.json",
        &[("phone", PASSWORD_PHONE), ("sms_code", &code)],
    );
    assert_eq!(status, 200, "{registered}");
    assert_eq!(registered["isNewUser"], true, "{registered}");
    for field in ["token", "refreshToken", "userId"] {
        assert!(
            registered[field].as_str().is_some_and(|v| !v.is_empty()),
            "{field}: {registered}"
        );
    }

    // The password it registered logs the same user in.
    let (status, login) = invoke("password", "password/login.json", &phone);
    assert_eq!(status, 200, "{login}");
    assert_eq!(login["isNewUser"], false, "{login}");
    assert_eq!(login["userId"], registered["userId"], "{login}");
    let token = login["token"].as_str().expect("a token").to_owned();
    let answer = stack.invoke(
        "authorizer",
        &fill(&fixture("authorizer/allowed.json"), &[("token", &token)]),
    );
    assert_eq!(answer["isAuthorized"], true, "{answer}");
    assert_eq!(answer["context"]["userId"], login["userId"], "{answer}");

    let (status, body) = invoke("password", "password/login-wrong-password.json", &phone);
    assert_eq!(
        (status, error_code(&body)),
        (401, "wrong_password"),
        "{body}"
    );

    // A change, proven by the current password, with the login's token.
    let (status, body) = invoke("password", "password/set.json", &[("token", &token)]);
    assert_eq!((status, body), (200, json!({"passwordSet": true})));
    // The old password no longer logs in; the caller's session lives on.
    let (status, body) = invoke("password", "password/login.json", &phone);
    assert_eq!(
        (status, error_code(&body)),
        (401, "wrong_password"),
        "{body}"
    );
    let answer = stack.invoke(
        "authorizer",
        &fill(&fixture("authorizer/allowed.json"), &[("token", &token)]),
    );
    assert_eq!(answer["isAuthorized"], true, "{answer}");
}

fn drive_every_fixture(stack: &LocalStack, simulator: &Simulator) {
    let invoke = |function: &str, name: &str, values: &[(&str, &str)]| {
        let answer = stack.invoke(function, &fill(&fixture(name), values));
        let (status, body) = status_and_body(&answer);
        // No function ever answers an error without a stable code.
        if status >= 400 {
            assert!(!error_code(&body).is_empty(), "{name}: {body}");
        }
        (status, body)
    };

    // login
    let (status, jwks) = invoke("login", "login/jwks.json", &[]);
    assert_eq!(status, 200, "{jwks}");
    assert_eq!(jwks["keys"][0]["alg"], "RS256");

    let (status, body) = invoke("login", "login/bad-request.json", &[]);
    assert_eq!((status, error_code(&body)), (400, "bad_request"), "{body}");

    let invalid = format!(
        "lambda-user;errcode=40029;n={}",
        uuid::Uuid::new_v4().simple()
    );
    let (status, body) = invoke(
        "login",
        "login/invalid-code.json",
        &[("invalid_code", &invalid)],
    );
    assert_eq!((status, error_code(&body)), (400, "invalid_code"), "{body}");

    let code = format!("lambda-user;n={}", uuid::Uuid::new_v4().simple());
    let (status, login) = invoke("login", "login/success.json", &[("code", &code)]);
    assert_eq!(status, 200, "{login}");
    assert_eq!(login["isNewUser"], true);
    assert_eq!(login["hasPhone"], false);
    let token = login["token"].as_str().expect("a token").to_owned();
    let user_id = login["userId"].as_str().expect("a userId").to_owned();
    assert!(
        jwks["keys"][0]["kid"]
            .as_str()
            .is_some_and(|kid| !kid.is_empty()),
        "{jwks}"
    );

    // The same code again: WeChat codes are single-use.
    let (status, body) = invoke("login", "login/success.json", &[("code", &code)]);
    assert_eq!((status, error_code(&body)), (400, "code_used"), "{body}");

    // decrypt-profile
    let (status, body) = invoke("decrypt-profile", "decrypt-profile/unauthorized.json", &[]);
    assert_eq!((status, error_code(&body)), (401, "unauthorized"), "{body}");

    let (status, body) = invoke(
        "decrypt-profile",
        "decrypt-profile/bad-request.json",
        &[("token", &token)],
    );
    assert_eq!((status, error_code(&body)), (400, "bad_request"), "{body}");

    let payload = profile_payload(
        APP_A,
        "lambda-user",
        "小程序用户",
        "https://wx.qlogo.cn/mmopen/vi_32/lambda/132",
        None,
    );
    let data = simulator
        .mint_open_data(APP_A, "lambda-user", payload)
        .expect("the user logged in");
    let (status, body) = invoke(
        "decrypt-profile",
        "decrypt-profile/success.json",
        &[
            ("token", &token),
            ("encrypted_data", &data.encrypted_data),
            ("iv", &data.iv),
            ("raw_data", data.raw_data.as_deref().unwrap()),
            ("signature", data.signature.as_deref().unwrap()),
        ],
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["userId"], user_id.as_str());
    assert_eq!(body["profile"]["nickName"], "小程序用户");

    // The nickname the user typed, checked by the simulator's msg_sec_check.
    let (status, body) = invoke(
        "decrypt-profile",
        "decrypt-profile/nickname.json",
        &[("token", &token)],
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["profile"]["nickName"], "小程序昵称");
    assert_eq!(body["contentChecks"]["nickName"]["state"], "passed");
    assert_eq!(simulator.calls("msg_sec_check"), 1);

    // bind-phone
    let (status, body) = invoke("bind-phone", "bind-phone/unauthorized.json", &[]);
    assert_eq!((status, error_code(&body)), (401, "unauthorized"), "{body}");

    let (status, body) = invoke(
        "bind-phone",
        "bind-phone/bad-request.json",
        &[("token", &token)],
    );
    assert_eq!((status, error_code(&body)), (400, "bad_request"), "{body}");

    let phone_code =
        simulator.mint_phone_code(APP_A, "lambda-user", &PhoneSpec::china("13912345678"));
    let (status, body) = invoke(
        "bind-phone",
        "bind-phone/success-code.json",
        &[("token", &token), ("phone_code", &phone_code)],
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["phoneNumber"], "+8613912345678", "{body}");

    let data = simulator
        .mint_open_data(
            APP_A,
            "lambda-user",
            phone_payload(&PhoneSpec::new("852", "61234567")),
        )
        .expect("the user logged in");
    let (status, body) = invoke(
        "bind-phone",
        "bind-phone/success-encrypted.json",
        &[
            ("token", &token),
            ("encrypted_data", &data.encrypted_data),
            ("iv", &data.iv),
        ],
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["phoneNumber"], "+85261234567", "{body}");

    // The authorizer, for a team's own routes, and the example route behind it.
    let answer = stack.invoke(
        "authorizer",
        &fill(&fixture("authorizer/allowed.json"), &[("token", &token)]),
    );
    assert_eq!(answer["isAuthorized"], true, "{answer}");
    assert_eq!(answer["context"]["userId"], user_id.as_str(), "{answer}");
    let context = answer["context"].clone();
    let answer = stack.invoke("authorizer", &fixture("authorizer/denied.json"));
    assert_eq!(
        answer,
        serde_json::json!({"isAuthorized": false, "context": {}})
    );

    let (status, body) = invoke(
        "example-me",
        "example-me/success.json",
        &[
            ("token", &token),
            ("user_id", context["userId"].as_str().unwrap()),
            ("appid", context["appid"].as_str().unwrap()),
            ("openid", context["openid"].as_str().unwrap()),
        ],
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["userId"], user_id.as_str());
    assert_eq!(body["appid"], APP_A);
    let (status, body) = invoke("example-me", "example-me/unauthorized.json", &[]);
    assert_eq!((status, error_code(&body)), (401, "unauthorized"), "{body}");

    // The returning user now has a phone, as the login function reads it. Its
    // new session replaces the first one (one session per identity).
    let code = format!("lambda-user;n={}", uuid::Uuid::new_v4().simple());
    let (status, login) = invoke("login", "login/success.json", &[("code", &code)]);
    assert_eq!(status, 200, "{login}");
    assert_eq!(
        (login["isNewUser"].as_bool(), login["hasPhone"].as_bool()),
        (Some(false), Some(true))
    );
    let answer = stack.invoke(
        "authorizer",
        &fill(&fixture("authorizer/allowed.json"), &[("token", &token)]),
    );
    assert_eq!(answer["isAuthorized"], false, "{answer}");
    let refresh_token = login["refreshToken"].as_str().expect("a refresh token");

    // Refresh: a new access token and the next refresh token; one that names
    // no live session is refused.
    let (status, refreshed) = invoke(
        "login",
        "login/refresh.json",
        &[("refresh_token", refresh_token)],
    );
    assert_eq!(status, 200, "{refreshed}");
    assert!(
        refreshed["refreshExpiresIn"].as_u64() > Some(0),
        "{refreshed}"
    );
    let token = refreshed["token"].as_str().expect("a token").to_owned();
    let refresh_token = refreshed["refreshToken"]
        .as_str()
        .expect("the next refresh token")
        .to_owned();
    assert_ne!(refresh_token, login["refreshToken"].as_str().unwrap());
    let (status, body) = invoke("login", "login/refresh-ended.json", &[]);
    assert_eq!(
        (status, error_code(&body)),
        (401, "session_ended"),
        "{body}"
    );

    // The account as its owner sees it, never cached.
    let answer = stack.invoke(
        "account",
        &fill(&fixture("account/me.json"), &[("token", &token)]),
    );
    let (status, me) = status_and_body(&answer);
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["userId"], user_id.as_str(), "{me}");
    let kinds: Vec<&str> = me["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .filter_map(|identity| identity["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["wechat", "phone"], "{me}");
    assert_eq!(me["identities"][0]["appid"], APP_A, "{me}");
    assert_eq!(me["sessions"], 1, "{me}");
    assert_eq!(
        header(&answer, "cache-control"),
        Some("no-store"),
        "{answer}"
    );

    let (status, body) = invoke("account", "account/unauthorized.json", &[]);
    assert_eq!((status, error_code(&body)), (401, "unauthorized"), "{body}");
    let (status, body) = invoke(
        "account",
        "account/delete-unconfirmed.json",
        &[("token", &token)],
    );
    assert_eq!((status, error_code(&body)), (400, "bad_request"), "{body}");

    // Logout: the session ends, for our routes, for the authorizer and for
    // its refresh token.
    let (status, body) = invoke("login", "login/logout.json", &[("token", &token)]);
    assert_eq!(
        (status, body),
        (200, serde_json::json!({"loggedOut": true}))
    );
    let answer = stack.invoke(
        "authorizer",
        &fill(&fixture("authorizer/allowed.json"), &[("token", &token)]),
    );
    assert_eq!(answer["isAuthorized"], false, "{answer}");
    let (status, body) = invoke(
        "bind-phone",
        "bind-phone/success-code.json",
        &[("token", &token), ("phone_code", "any")],
    );
    assert_eq!(
        (status, error_code(&body)),
        (401, "session_ended"),
        "{body}"
    );
    let (status, body) = invoke(
        "login",
        "login/refresh.json",
        &[("refresh_token", &refresh_token)],
    );
    assert_eq!(
        (status, error_code(&body)),
        (401, "session_ended"),
        "{body}"
    );

    // Deletion: from a new session; its token then finds no session, WeChat
    // was asked to reset the session_key, and the same WeChat user comes
    // back as a new user.
    let code = format!("lambda-user;n={}", uuid::Uuid::new_v4().simple());
    let (status, login) = invoke("login", "login/success.json", &[("code", &code)]);
    assert_eq!(status, 200, "{login}");
    let token = login["token"].as_str().expect("a token").to_owned();
    let resets = simulator.calls("resetusersessionkey");
    let (status, body) = invoke("account", "account/delete.json", &[("token", &token)]);
    assert_eq!((status, body), (200, serde_json::json!({"deleted": true})));
    assert_eq!(simulator.calls("resetusersessionkey"), resets + 1);
    let (status, body) = invoke("account", "account/me.json", &[("token", &token)]);
    assert_eq!(
        (status, error_code(&body)),
        (401, "session_ended"),
        "{body}"
    );
    let code = format!("lambda-user;n={}", uuid::Uuid::new_v4().simple());
    let (status, login) = invoke("login", "login/success.json", &[("code", &code)]);
    assert_eq!(status, 200, "{login}");
    assert_eq!(
        (login["isNewUser"].as_bool(), login["hasPhone"].as_bool()),
        (Some(true), Some(false))
    );
    assert_ne!(login["userId"], user_id.as_str());

    // A new WeChat user with the phone button's code: one user holding both.
    let code = format!("lambda-phone;n={}", uuid::Uuid::new_v4().simple());
    let phone_code =
        simulator.mint_phone_code(APP_A, "lambda-phone", &PhoneSpec::china("13812340000"));
    let (status, login) = invoke(
        "login",
        "login/phone-code.json",
        &[("code", &code), ("phone_code", &phone_code)],
    );
    assert_eq!(status, 200, "{login}");
    assert_eq!(
        (
            &login["isNewUser"],
            &login["hasPhone"],
            &login["phoneBound"]
        ),
        (&json!(true), &json!(true), &json!(true)),
        "{login}"
    );
}
