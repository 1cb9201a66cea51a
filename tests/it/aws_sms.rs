//! The AWS End User Messaging SMS sender against the stand-in, whose own
//! SigV4 verifier is first checked against AWS's published vectors: a code
//! sent, signed, in the configured message; each of AWS's documented errors
//! as the port's error; credentials, clock and settings the stand-in refuses;
//! no code, secret key or whole number in the logs. Then through the HTTP
//! surface with `SMS_PROVIDER=aws` and `tencent+aws`, on both stores: a code
//! sent logs in, a refused number is `400 invalid_phone`, a failing provider
//! `502 sms_unavailable`, and a code that was not sent is not kept.

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use wxauth_shared::clock::{Clock, FixedClock, SystemClock};
use wxauth_shared::config::{AwsCredentials, AwsSmsSettings, Config, Secret, SmsProviderSettings};
use wxauth_shared::domain::{PhoneNumber, SmsCode};
use wxauth_shared::sms::{SmsError, SmsSender, aws_sender};
use wxauth_tests::StoreKind;
use wxauth_tests::aws_sms::sigv4::{self, Authorization, Problem};
use wxauth_tests::aws_sms::{
    self as standin, ACCESS_KEY_ID, AwsSmsStandIn, Failure, ROLE_ACCESS_KEY_ID,
    ROLE_SECRET_ACCESS_KEY, ROLE_SESSION_TOKEN, SECRET_ACCESS_KEY,
};
use wxauth_tests::harness::{Harness, call_router, error_code};
use wxauth_tests::tencent_sms::{self, TencentSmsStandIn};

/// A Monday noon in Singapore, for the fixed clocks.
const NOON: u64 = 1_700_107_200;

fn vectors() -> Value {
    serde_json::from_str(include_str!("../fixtures/sms-vectors/aws-sigv4-suite.json")).unwrap()
}

fn text<'a>(v: &'a Value, name: &str) -> &'a str {
    v[name].as_str().unwrap_or_else(|| panic!("{name}"))
}

/// The verifier recomputes each published signature from the request as it
/// would arrive, and refuses it when anything signed changes.
#[test]
fn the_stand_ins_verifier_reproduces_awss_published_sigv4_vectors() {
    let v = vectors();
    let secret = text(&v, "secret_access_key");
    let now = v["unix_time"].as_u64().unwrap();
    assert_eq!(sigv4::unix_time(text(&v, "amz_date")), Some(now));
    let known = |id: &str| (id == text(&v, "access_key_id")).then(|| secret.to_owned());
    for case in v["cases"].as_array().unwrap() {
        let name = text(case, "name");
        let mut headers = HeaderMap::new();
        for pair in case["headers"].as_array().unwrap() {
            headers.append(
                HeaderName::from_bytes(pair[0].as_str().unwrap().as_bytes()).unwrap(),
                HeaderValue::from_str(pair[1].as_str().unwrap()).unwrap(),
            );
        }
        let request = sigv4::Request {
            method: text(case, "method"),
            path: text(case, "path"),
            query: "",
            headers: &headers,
            body: text(case, "body").as_bytes(),
        };
        let authorization = Authorization::parse(text(case, "authorization")).unwrap();
        assert_eq!(
            authorization.scope(),
            "20150830/us-east-1/service/aws4_request"
        );
        let canonical = sigv4::canonical_request(&request, &authorization.signed_headers).unwrap();
        assert_eq!(canonical, text(case, "canonical_request"), "{name}");
        let to_sign =
            sigv4::string_to_sign(text(&v, "amz_date"), &authorization.scope(), &canonical);
        assert_eq!(to_sign, text(case, "string_to_sign"), "{name}");
        assert_eq!(
            sigv4::signature(secret, &authorization, &to_sign),
            text(case, "signature"),
            "{name}"
        );

        // As a server checks it: with the Authorization header sent.
        let mut sent = headers.clone();
        sent.insert(
            "authorization",
            HeaderValue::from_str(text(case, "authorization")).unwrap(),
        );
        let request = sigv4::Request {
            headers: &sent,
            ..request
        };
        let verify = |request: &sigv4::Request, region, now, secret: &str| {
            sigv4::verify(request, region, "service", now, |id| {
                (id == "AKIDEXAMPLE").then(|| secret.to_owned())
            })
        };
        assert_eq!(
            sigv4::verify(&request, "us-east-1", "service", now, known),
            Ok(authorization),
            "{name}"
        );
        assert_eq!(
            verify(&request, "us-east-1", now + 300, secret).map(|_| ()),
            Ok(())
        );
        for (refused, problem) in [
            (
                verify(&request, "us-east-1", now, "another secret"),
                Problem::Mismatch,
            ),
            (
                verify(&request, "us-east-1", now + 301, secret),
                Problem::Expired,
            ),
            (
                verify(&request, "us-east-1", now - 301, secret),
                Problem::Expired,
            ),
            (
                verify(&request, "eu-west-1", now, secret),
                Problem::WrongScope,
            ),
        ] {
            assert_eq!(refused, Err(problem), "{name}");
        }
        let changed = format!("{} ", text(case, "body"));
        let tampered = sigv4::Request {
            body: changed.as_bytes(),
            ..request
        };
        assert_eq!(
            verify(&tampered, "us-east-1", now, secret),
            Err(Problem::Mismatch),
            "{name}"
        );
        let mut moved = sent.clone();
        moved.insert(
            "host",
            HeaderValue::from_static("example.amazonaws.com.evil"),
        );
        let moved = sigv4::Request {
            headers: &moved,
            ..request
        };
        assert_eq!(
            verify(&moved, "us-east-1", now, secret),
            Err(Problem::Mismatch),
            "{name}"
        );
    }
}

fn hong_kong_number() -> String {
    format!("+8525{:07}", uuid::Uuid::new_v4().as_u128() % 10_000_000)
}

fn us_number() -> String {
    format!("+12065{:06}", uuid::Uuid::new_v4().as_u128() % 1_000_000)
}

fn phone(e164: &str) -> PhoneNumber {
    PhoneNumber::parse_e164(e164).unwrap()
}

fn sender(settings: &AwsSmsSettings, clock: Arc<dyn Clock>) -> Arc<dyn SmsSender> {
    aws_sender(settings, clock).unwrap()
}

/// The stand-in and a sender reaching it, on one clock.
async fn rig(clock: Arc<dyn Clock>) -> (AwsSmsStandIn, Arc<dyn SmsSender>) {
    let stand_in = AwsSmsStandIn::start(clock.clone()).await;
    let sender = sender(&stand_in.settings(), clock);
    (stand_in, sender)
}

fn unavailable(reason: &str) -> Result<(), SmsError> {
    Err(SmsError::Unavailable(reason.to_owned()))
}

#[tokio::test]
async fn a_code_is_sent_signed_in_the_configured_message() {
    let stand_in = AwsSmsStandIn::start(Arc::new(SystemClock)).await;
    // Through the configuration, as a binary builds it.
    let mut env: HashMap<String, String> = stand_in
        .env()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    for (k, v) in [
        ("SMS_PROVIDER", "aws"),
        (
            "AWS_SMS_ORIGINATION_IDENTITY",
            standin::ORIGINATION_IDENTITY,
        ),
        ("AWS_SMS_CONFIGURATION_SET", standin::CONFIGURATION_SET),
        (
            "AWS_SMS_MESSAGE",
            "[wxauth] {code} is your code. Do not share it.",
        ),
    ] {
        env.insert(k.to_owned(), v.to_owned());
    }
    let config = Config::from_env(&env).unwrap();
    let SmsProviderSettings::Aws(settings) = config.sms.provider.get().unwrap() else {
        panic!("SMS_PROVIDER=aws");
    };
    let sender = sender(settings, Arc::new(SystemClock));
    let code = SmsCode::generate();
    let to = hong_kong_number();
    assert_eq!(sender.send_code(&phone(&to), &code).await, Ok(()));
    let sent = stand_in.sent();
    assert_eq!(sent.len(), 1);
    let sms = &sent[0];
    assert_eq!(
        (sms.phone.as_str(), sms.text.as_str()),
        (
            to.as_str(),
            format!("[wxauth] {} is your code. Do not share it.", code.expose()).as_str()
        )
    );
    assert_eq!(sms.message_type.as_deref(), Some("TRANSACTIONAL"));
    assert_eq!(
        (
            sms.origination_identity.as_deref(),
            sms.configuration_set.as_deref()
        ),
        (
            Some(standin::ORIGINATION_IDENTITY),
            Some(standin::CONFIGURATION_SET)
        )
    );
    assert_eq!(sms.access_key_id, ACCESS_KEY_ID);
    assert_eq!(
        sms.signed_headers,
        ["content-type", "host", "x-amz-date", "x-amz-target"]
    );
    assert_eq!(stand_in.last_code_to(&to).as_deref(), Some(code.expose()));
    assert_eq!(
        stand_in.answered(),
        ["MessageId"],
        "signature and body accepted"
    );
}

/// Without keys of its own, the sender signs with the function's role, whose
/// session token must be sent and signed.
#[tokio::test]
async fn the_functions_role_signs_with_its_session_token() {
    let (stand_in, _) = rig(Arc::new(SystemClock)).await;
    let env: HashMap<String, String> = [
        ("SMS_PROVIDER", "aws"),
        ("AWS_REGION", standin::REGION),
        ("AWS_ACCESS_KEY_ID", ROLE_ACCESS_KEY_ID),
        ("AWS_SECRET_ACCESS_KEY", ROLE_SECRET_ACCESS_KEY),
        ("AWS_SESSION_TOKEN", ROLE_SESSION_TOKEN),
        ("AWS_SMS_ENDPOINT", &stand_in.endpoint()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let config = Config::from_env(&env).unwrap();
    let SmsProviderSettings::Aws(settings) = config.sms.provider.get().unwrap() else {
        panic!("SMS_PROVIDER=aws");
    };
    let code = SmsCode::generate();
    let to = us_number();
    let role = sender(settings, Arc::new(SystemClock));
    assert_eq!(role.send_code(&phone(&to), &code).await, Ok(()));
    let sent = stand_in.sent();
    assert_eq!(sent[0].access_key_id, ROLE_ACCESS_KEY_ID);
    assert_eq!(
        sent[0].signed_headers,
        [
            "content-type",
            "host",
            "x-amz-date",
            "x-amz-security-token",
            "x-amz-target"
        ]
    );
    // The role's key without its token is no key.
    let tokenless = AwsSmsSettings {
        credentials: AwsCredentials {
            session_token: None,
            ..settings.credentials.clone()
        },
        ..settings.clone()
    };
    assert_eq!(
        sender(&tokenless, Arc::new(SystemClock))
            .send_code(&phone(&to), &code)
            .await,
        unavailable("UnrecognizedClientException")
    );
    assert_eq!(stand_in.sent().len(), 1);
}

#[tokio::test]
async fn awss_documented_errors_are_the_ports_errors() {
    let (stand_in, sender) = rig(Arc::new(SystemClock)).await;
    let code = SmsCode::generate();
    // The user's number cannot get the message.
    for refusal in [
        standin::OPTED_OUT,
        standin::CANNOT_PARSE,
        standin::COUNTRY_CODE_MISMATCH,
        standin::COUNTRY_BLOCKED,
    ] {
        let to = hong_kong_number();
        stand_in.refuse_number(&to, refusal);
        assert_eq!(
            sender.send_code(&phone(&to), &code).await,
            Err(SmsError::InvalidNumber),
            "{refusal:?}"
        );
    }
    // Ours to fix, or AWS's: never the user's.
    for (refusal, reason) in [
        (
            standin::NOT_VERIFIED,
            "ConflictException: DESTINATION_PHONE_NUMBER_NOT_VERIFIED",
        ),
        (standin::ACCESS_DENIED, "AccessDeniedException"),
        (standin::NOT_FOUND, "ResourceNotFoundException"),
        (
            standin::SPEND_LIMIT,
            "ServiceQuotaExceededException: MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT",
        ),
        (standin::THROTTLED, "ThrottlingException"),
        (standin::INTERNAL, "InternalServerException"),
    ] {
        stand_in.fail_next(Failure::Error(refusal));
        assert_eq!(
            sender.send_code(&phone(&us_number()), &code).await,
            unavailable(reason),
            "{refusal:?}"
        );
    }
    for status in [500, 502, 503] {
        stand_in.fail_next(Failure::Http(status));
        assert_eq!(
            sender.send_code(&phone(&us_number()), &code).await,
            unavailable(&format!("HTTP {status}"))
        );
    }
    stand_in.fail_next(Failure::Garbage);
    let Err(SmsError::Unavailable(reason)) = sender.send_code(&phone(&us_number()), &code).await
    else {
        panic!("garbage is not an answer");
    };
    assert!(reason.starts_with("malformed answer"), "{reason}");
    assert!(stand_in.sent().is_empty());

    // The SMS sandbox: only verified numbers get messages.
    let verified = us_number();
    stand_in.sandbox(&[&verified]);
    assert_eq!(sender.send_code(&phone(&verified), &code).await, Ok(()));
    assert_eq!(
        sender.send_code(&phone(&us_number()), &code).await,
        unavailable("ConflictException: DESTINATION_PHONE_NUMBER_NOT_VERIFIED")
    );

    // An answer later than the call's timeout: unavailable, whatever AWS did
    // with the message.
    let settings = AwsSmsSettings {
        call_timeout: Duration::from_millis(200),
        ..stand_in.settings()
    };
    let impatient = self::sender(&settings, Arc::new(SystemClock));
    stand_in.fail_next(Failure::Late(Duration::from_secs(2)));
    assert_eq!(
        impatient.send_code(&phone(&verified), &code).await,
        unavailable("no answer within 200 ms")
    );
    assert_eq!(stand_in.sent().len(), 2, "which is why it is never retried");
}

#[tokio::test]
async fn the_stand_in_refuses_wrong_credentials_and_settings() {
    let (stand_in, _) = rig(Arc::new(SystemClock)).await;
    let code = SmsCode::generate();
    let to = phone(&hong_kong_number());
    let right = stand_in.settings();
    let keys = |id: &str, secret: &str| AwsCredentials {
        access_key_id: id.to_owned(),
        secret_access_key: Secret::new(secret),
        session_token: None,
    };
    for (settings, refusal, problem) in [
        (
            AwsSmsSettings {
                credentials: keys(ACCESS_KEY_ID, "not-the-secret-key"),
                ..right.clone()
            },
            "InvalidSignatureException",
            Some(Problem::Mismatch),
        ),
        (
            AwsSmsSettings {
                credentials: keys("AKIAUNKNOWN000000000", SECRET_ACCESS_KEY),
                ..right.clone()
            },
            "UnrecognizedClientException",
            Some(Problem::UnknownKey),
        ),
        (
            AwsSmsSettings {
                region: "us-east-1".into(),
                ..right.clone()
            },
            "InvalidSignatureException",
            Some(Problem::WrongScope),
        ),
        (
            AwsSmsSettings {
                origination_identity: Some("+12065559999".into()),
                ..right.clone()
            },
            "ResourceNotFoundException",
            None,
        ),
        (
            AwsSmsSettings {
                configuration_set: Some("another-set".into()),
                ..right.clone()
            },
            "ResourceNotFoundException",
            None,
        ),
    ] {
        let sender = sender(&settings, Arc::new(SystemClock));
        assert_eq!(
            sender.send_code(&to, &code).await,
            unavailable(refusal),
            "{refusal}"
        );
        assert_eq!(
            stand_in.answered().last().map(String::as_str),
            Some(refusal)
        );
        if let Some(problem) = problem {
            assert_eq!(stand_in.signature_problems().last(), Some(&problem));
        }
    }
    assert!(stand_in.sent().is_empty());
}

#[tokio::test]
async fn an_amz_date_more_than_five_minutes_off_is_refused() {
    let stand_in = AwsSmsStandIn::start(Arc::new(FixedClock(NOON))).await;
    let code = SmsCode::generate();
    for (sender_time, expected) in [
        (NOON - 301, unavailable("InvalidSignatureException")),
        (NOON + 301, unavailable("InvalidSignatureException")),
        (NOON - 300, Ok(())),
        (NOON + 300, Ok(())),
    ] {
        let sender = sender(&stand_in.settings(), Arc::new(FixedClock(sender_time)));
        assert_eq!(
            sender.send_code(&phone(&us_number()), &code).await,
            expected,
            "{sender_time}"
        );
    }
    assert_eq!(stand_in.sent().len(), 2);
    assert_eq!(
        stand_in.signature_problems(),
        [Problem::Expired, Problem::Expired]
    );
}

/// Every outcome logs AWS's error, reason, request id or message id and the
/// number masked; never the code, a secret key, or the whole number (which
/// AWS's error messages carry).
#[tokio::test]
async fn no_code_no_secret_key_and_no_whole_number_in_the_logs() {
    let capture = crate::log_capture::capture();
    let (stand_in, sender) = rig(Arc::new(SystemClock)).await;
    let codes: Vec<SmsCode> = (0..4).map(|_| SmsCode::generate()).collect();
    let to = "+85251234567";
    let opted_out = "+85298765432";
    assert_eq!(sender.send_code(&phone(to), &codes[0]).await, Ok(()));
    stand_in.opt_out(opted_out);
    assert!(
        sender
            .send_code(&phone(opted_out), &codes[1])
            .await
            .is_err()
    );
    stand_in.fail_next(Failure::Error(standin::NOT_VERIFIED));
    assert!(sender.send_code(&phone(to), &codes[2]).await.is_err());
    let wrong_key = AwsSmsSettings {
        credentials: AwsCredentials {
            secret_access_key: Secret::new("wrong-secret-access-key-2f9a"),
            ..stand_in.settings().credentials
        },
        ..stand_in.settings()
    };
    let wrong = self::sender(&wrong_key, Arc::new(SystemClock));
    assert!(wrong.send_code(&phone(to), &codes[3]).await.is_err());

    // The sender's lines, without their timestamps: a six-digit code could
    // turn up by chance in other tests' lines or in fractions of a second.
    let logs: String = capture
        .text()
        .lines()
        .filter_map(|line| {
            let mut line: Value = serde_json::from_str(line).ok()?;
            let target = line["target"].as_str()?;
            target
                .starts_with("wxauth_shared::sms::aws")
                .then_some(())?;
            line.as_object_mut()?.remove("timestamp");
            Some(format!("{line}\n"))
        })
        .collect();
    for expected in [
        "SMS code sent",
        "5*****67",
        "9*****32",
        "\"aws_message_id\"",
        "DESTINATION_PHONE_NUMBER_OPTED_OUT",
        "DESTINATION_PHONE_NUMBER_NOT_VERIFIED",
        "InvalidSignatureException",
        "\"aws_request_id\"",
    ] {
        assert!(logs.contains(expected), "{expected} logged:\n{logs}");
    }
    let secrets = [
        SECRET_ACCESS_KEY,
        "wrong-secret-access-key-2f9a",
        "51234567",
        "98765432",
    ];
    let codes = codes.iter().map(SmsCode::expose);
    for secret in secrets.into_iter().chain(codes) {
        assert!(!logs.contains(secret), "{secret} logged:\n{logs}");
    }
}

async fn send(router: &wxauth_shared::api::Router, phone: &str) -> (u16, Value) {
    let body = json!({ "phone": phone, "purpose": "login" }).to_string();
    call_router(router, "POST", "/auth/sms/send", Some(&body), None).await
}

async fn sms_login(h: &Harness, phone: &str, code: &str) -> (u16, Value) {
    h.post(
        "/auth/sms/login",
        &json!({ "phone": phone, "code": code }).to_string(),
        None,
    )
    .await
}

/// `e164` can log in with no code: none was kept for it.
async fn assert_no_code_kept(h: &Harness, e164: &str, sent_code: Option<&str>) {
    let keys = h.all_keys().await;
    assert!(
        !keys
            .iter()
            .any(|k| k.starts_with("SMSCODE#") && k.ends_with(e164)),
        "a code kept for a message not sent: {keys:?}"
    );
    for code in sent_code.into_iter().chain(["000000", "123456"]) {
        let (status, answer) = sms_login(h, e164, code).await;
        assert_eq!(
            (status, error_code(&answer)),
            (400, Some("sms_code_invalid")),
            "{answer}"
        );
    }
}

/// `SMS_PROVIDER=aws`, the stand-in reached with its account's key.
async fn aws_through_http(kind: StoreKind) {
    let stand_in = AwsSmsStandIn::start(Arc::new(SystemClock)).await;
    let env = stand_in.env();
    let mut settings: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    settings.push(("SMS_PROVIDER", "aws"));
    let h = Harness::start_with(kind, &settings).await;
    let number = hong_kong_number();
    let (status, answer) = send(&h.router, &number).await;
    assert_eq!(status, 200, "{answer}");
    let code = stand_in
        .last_code_to(&number)
        .expect("AWS received the code");
    let (status, login) = sms_login(&h, &number, &code).await;
    assert_eq!(
        (status, &login["isNewUser"]),
        (200, &json!(true)),
        "{login}"
    );

    let opted_out = us_number();
    stand_in.opt_out(&opted_out);
    let (status, answer) = send(&h.router, &opted_out).await;
    assert_eq!(
        (status, error_code(&answer)),
        (400, Some("invalid_phone")),
        "{answer}"
    );
    assert_no_code_kept(&h, &opted_out, None).await;

    for failure in [
        Failure::Error(standin::NOT_VERIFIED),
        Failure::Error(standin::THROTTLED),
        Failure::Error(standin::ACCESS_DENIED),
        Failure::Error(standin::INTERNAL),
        Failure::Http(500),
        Failure::Garbage,
    ] {
        let number = us_number();
        stand_in.fail_next(failure.clone());
        let (status, answer) = send(&h.router, &number).await;
        assert_eq!(
            (status, error_code(&answer)),
            (502, Some("sms_unavailable")),
            "{failure:?}: {answer}"
        );
        assert_no_code_kept(&h, &number, None).await;
    }

    // A late answer: AWS sent the message, but the code in it was withdrawn.
    let impatient = h.router_with(&[("AWS_SMS_TIMEOUT_MS", "300")]);
    let number = us_number();
    stand_in.fail_next(Failure::Late(Duration::from_secs(2)));
    let (status, answer) = send(&impatient, &number).await;
    assert_eq!(
        (status, error_code(&answer)),
        (502, Some("sms_unavailable")),
        "{answer}"
    );
    let late_code = stand_in.last_code_to(&number).expect("sent, late");
    assert_no_code_kept(&h, &number, Some(&late_code)).await;
}

#[tokio::test]
async fn aws_sms_on_dynamodb() {
    aws_through_http(StoreKind::Dynamo).await;
}

#[tokio::test]
async fn aws_sms_on_the_embedded_store() {
    aws_through_http(StoreKind::Embedded).await;
}

/// `SMS_PROVIDER=tencent+aws`: +86 by Tencent, +852 and +1 by AWS, each
/// logging in with the code its provider received; one provider failing does
/// not touch the other's numbers.
async fn tencent_and_aws_through_http(kind: StoreKind) {
    let tencent = TencentSmsStandIn::start(Arc::new(SystemClock)).await;
    let aws = AwsSmsStandIn::start(Arc::new(SystemClock)).await;
    let tencent_endpoint = tencent.endpoint();
    let aws_env = aws.env();
    let mut settings: Vec<(&str, &str)> = vec![
        ("SMS_PROVIDER", "tencent+aws"),
        ("TENCENT_SMS_SECRET_ID", tencent_sms::SECRET_ID),
        ("TENCENT_SMS_SECRET_KEY", tencent_sms::SECRET_KEY),
        ("TENCENT_SMS_SDK_APP_ID", tencent_sms::SDK_APP_ID),
        ("TENCENT_SMS_SIGN_NAME", tencent_sms::SIGN_NAME),
        ("TENCENT_SMS_TEMPLATE_ID", tencent_sms::TEMPLATE_ID),
        ("TENCENT_SMS_ENDPOINT", tencent_endpoint.as_str()),
    ];
    settings.extend(aws_env.iter().map(|(k, v)| (*k, v.as_str())));
    let h = Harness::start_with(kind, &settings).await;
    let mainland = format!("+86133{:08}", uuid::Uuid::new_v4().as_u128() % 100_000_000);
    for number in [mainland.clone(), hong_kong_number(), us_number()] {
        let (status, answer) = send(&h.router, &number).await;
        assert_eq!(status, 200, "{number}: {answer}");
        let code = if number.starts_with("+86") {
            assert_eq!(aws.last_code_to(&number), None, "{number}");
            tencent.last_code_to(&number)
        } else {
            assert_eq!(tencent.last_code_to(&number), None, "{number}");
            aws.last_code_to(&number)
        };
        let code = code.unwrap_or_else(|| panic!("{number}'s provider received the code"));
        let (status, login) = sms_login(&h, &number, &code).await;
        assert_eq!(status, 200, "{number}: {login}");
    }
    assert_eq!((tencent.sent().len(), aws.sent().len()), (1, 2));

    // AWS throttled: a +86 number still goes by Tencent, the next other
    // number meets AWS's refusal.
    aws.fail_next(Failure::Error(standin::THROTTLED));
    let mainland = format!("+86133{:08}", uuid::Uuid::new_v4().as_u128() % 100_000_000);
    assert_eq!(send(&h.router, &mainland).await.0, 200);
    let abroad = us_number();
    let (status, answer) = send(&h.router, &abroad).await;
    assert_eq!(
        (status, error_code(&answer)),
        (502, Some("sms_unavailable")),
        "{answer}"
    );
    assert_no_code_kept(&h, &abroad, None).await;
    // An opted-out number abroad is the user's to change.
    let opted_out = hong_kong_number();
    aws.opt_out(&opted_out);
    let (status, answer) = send(&h.router, &opted_out).await;
    assert_eq!(
        (status, error_code(&answer)),
        (400, Some("invalid_phone")),
        "{answer}"
    );
    assert_eq!(tencent.sent().len(), 2);
}

#[tokio::test]
async fn tencent_and_aws_on_dynamodb() {
    tencent_and_aws_through_http(StoreKind::Dynamo).await;
}

#[tokio::test]
async fn tencent_and_aws_on_the_embedded_store() {
    tencent_and_aws_through_http(StoreKind::Embedded).await;
}
