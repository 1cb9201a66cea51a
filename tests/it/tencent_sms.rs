//! The Tencent SMS sender against the stand-in: a code sent, signed, as the
//! template's one parameter; each of Tencent's documented refusals as the
//! port's error; credentials, clock and settings the stand-in refuses; and
//! no code or secret key in the logs.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use wxauth_shared::clock::{Clock, FixedClock, SystemClock};
use wxauth_shared::config::{Config, Secret, SmsProviderSettings, TencentSettings};
use wxauth_shared::domain::{PhoneNumber, SmsCode};
use wxauth_shared::sms::{SmsError, SmsSender, tencent_sender};
use wxauth_tests::harness::TestClock;
use wxauth_tests::tencent_sms::{
    Failure, SDK_APP_ID, SECRET_ID, SECRET_KEY, SIGN_NAME, SentSms, TEMPLATE_ID, TencentSmsStandIn,
};

/// A Monday noon in Beijing, for the fixed clocks.
const NOON: u64 = 1_700_107_200;

fn phone(national: &str) -> PhoneNumber {
    PhoneNumber::from_parts("86", national).unwrap()
}

fn sender(settings: &TencentSettings, clock: Arc<dyn Clock>) -> Arc<dyn SmsSender> {
    tencent_sender(settings, clock).unwrap()
}

/// The stand-in and a sender reaching it, on one clock.
async fn rig(clock: Arc<dyn Clock>) -> (TencentSmsStandIn, Arc<dyn SmsSender>) {
    let stand_in = TencentSmsStandIn::start(clock.clone()).await;
    let sender = sender(&stand_in.settings(), clock);
    (stand_in, sender)
}

fn unavailable(reason: &str) -> Result<(), SmsError> {
    Err(SmsError::Unavailable(reason.to_owned()))
}

#[tokio::test]
async fn a_code_is_sent_signed_with_the_code_as_the_templates_one_parameter() {
    let stand_in = TencentSmsStandIn::start(Arc::new(SystemClock)).await;
    // Through the configuration, as a binary builds it.
    let env: HashMap<String, String> = [
        ("SMS_PROVIDER", "tencent"),
        ("TENCENT_SMS_SECRET_ID", SECRET_ID),
        ("TENCENT_SMS_SECRET_KEY", SECRET_KEY),
        ("TENCENT_SMS_SDK_APP_ID", SDK_APP_ID),
        ("TENCENT_SMS_SIGN_NAME", SIGN_NAME),
        ("TENCENT_SMS_TEMPLATE_ID", TEMPLATE_ID),
        ("TENCENT_SMS_ENDPOINT", &stand_in.endpoint()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let config = Config::from_env(&env).unwrap();
    let SmsProviderSettings::Tencent(settings) = config.sms.provider.get().unwrap() else {
        panic!("SMS_PROVIDER=tencent");
    };
    let sender = sender(settings, Arc::new(SystemClock));
    let code = SmsCode::generate();
    let to = phone("13800138000");
    assert_eq!(sender.send_code(&to, &code).await, Ok(()));
    let sent = stand_in.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (sent[0].phone.as_str(), sent[0].params.as_slice()),
        ("+8613800138000", [code.expose().to_owned()].as_slice())
    );
    assert_eq!(
        stand_in.last_code_to("+8613800138000").as_deref(),
        Some(code.expose())
    );
    assert_eq!(stand_in.answered(), ["Ok"], "signature and body accepted");
}

#[tokio::test]
async fn per_number_refusals_are_the_ports_errors() {
    let clock = Arc::new(TestClock::default());
    let (stand_in, sender) = rig(clock.clone()).await;
    let code = SmsCode::generate();
    let limited = |secs| {
        Err(SmsError::RateLimited {
            retry_after_secs: secs,
        })
    };
    stand_in.blacklist("+8613900000001");
    stand_in.refuse_number("+8613900000002", "LimitExceeded.PhoneNumberOneHourLimit");
    stand_in.refuse_number("+8613900000003", "LimitExceeded.PhoneNumberDailyLimit");
    stand_in.refuse_number(
        "+8613900000004",
        "LimitExceeded.PhoneNumberSameContentDailyLimit",
    );
    stand_in.refuse_number(
        "+8613900000005",
        "InvalidParameterValue.IncorrectPhoneNumber",
    );
    stand_in.refuse_number("+8613900000006", "LimitExceeded.DeliveryFrequencyLimit");
    stand_in.refuse_number(
        "+8613900000007",
        "FailedOperation.InsufficientBalanceInSmsPackage",
    );
    for (national, expected) in [
        ("13900000001", Err(SmsError::InvalidNumber)),
        ("13900000002", limited(3_600)),
        ("13900000003", limited(86_400)),
        ("13900000004", limited(86_400)),
        ("13900000005", Err(SmsError::InvalidNumber)),
        ("13900000006", limited(30)),
        (
            "13900000007",
            unavailable("FailedOperation.InsufficientBalanceInSmsPackage"),
        ),
    ] {
        assert_eq!(
            sender.send_code(&phone(national), &code).await,
            expected,
            "{national}"
        );
    }
    assert!(stand_in.sent().is_empty());
    // The stand-in's own 30 s limit: a second code too soon is refused, one
    // after 30 s goes.
    let to = phone("13800138001");
    assert_eq!(sender.send_code(&to, &code).await, Ok(()));
    let again = SmsCode::generate();
    assert_eq!(sender.send_code(&to, &again).await, limited(30));
    assert_eq!(
        stand_in.answered().last().map(String::as_str),
        Some("LimitExceeded.PhoneNumberThirtySecondLimit")
    );
    clock.advance(30);
    assert_eq!(sender.send_code(&to, &again).await, Ok(()));
    let sent: Vec<_> = stand_in
        .sent()
        .into_iter()
        .map(|SentSms { phone, params, .. }| (phone, params))
        .collect();
    assert_eq!(
        sent,
        [
            ("+8613800138001".to_owned(), vec![code.expose().to_owned()]),
            ("+8613800138001".to_owned(), vec![again.expose().to_owned()]),
        ]
    );
}

#[tokio::test]
async fn request_level_refusals_and_broken_answers_are_unavailable_or_limited() {
    let (stand_in, sender) = rig(Arc::new(SystemClock)).await;
    let code = SmsCode::generate();
    let to = phone("13800138002");
    for failure in [
        "AuthFailure.SecretIdNotFound",
        "FailedOperation.TemplateIncorrectOrUnapproved",
        "FailedOperation.SignatureIncorrectOrUnapproved",
        "UnauthorizedOperation.SmsSdkAppIdVerifyFail",
        "InternalError.Timeout",
        "RequestLimitExceeded",
    ] {
        stand_in.fail_next(Failure::Error(failure));
        assert_eq!(
            sender.send_code(&to, &code).await,
            unavailable(failure),
            "{failure}"
        );
    }
    stand_in.fail_next(Failure::Error("LimitExceeded.DeliveryFrequencyLimit"));
    assert_eq!(
        sender.send_code(&to, &code).await,
        Err(SmsError::RateLimited {
            retry_after_secs: 30
        })
    );
    stand_in.fail_next(Failure::Http(500));
    assert_eq!(sender.send_code(&to, &code).await, unavailable("HTTP 500"));
    stand_in.fail_next(Failure::Garbage);
    let Err(SmsError::Unavailable(reason)) = sender.send_code(&to, &code).await else {
        panic!("garbage is not an answer");
    };
    assert!(reason.starts_with("malformed answer"), "{reason}");
    assert!(stand_in.sent().is_empty());
    // An answer later than the call's timeout: unavailable, whatever Tencent
    // did with the message.
    let settings = TencentSettings {
        call_timeout: Duration::from_millis(200),
        ..stand_in.settings()
    };
    let impatient = self::sender(&settings, Arc::new(SystemClock));
    stand_in.fail_next(Failure::Late(Duration::from_secs(2)));
    assert_eq!(
        impatient.send_code(&to, &code).await,
        unavailable("no answer within 200 ms")
    );
    assert_eq!(stand_in.sent().len(), 1, "which is why it is never retried");
}

#[tokio::test]
async fn the_stand_in_refuses_wrong_credentials_and_settings() {
    let (stand_in, _) = rig(Arc::new(SystemClock)).await;
    let code = SmsCode::generate();
    let to = phone("13800138003");
    let right = stand_in.settings();
    for (settings, refusal) in [
        (
            TencentSettings {
                secret_key: Secret::new("not-the-secret-key"),
                ..right.clone()
            },
            "AuthFailure.SignatureFailure",
        ),
        (
            TencentSettings {
                secret_id: "AKIDunknown".into(),
                ..right.clone()
            },
            "AuthFailure.SecretIdNotFound",
        ),
        (
            TencentSettings {
                template_id: "9999".into(),
                ..right.clone()
            },
            "FailedOperation.TemplateIncorrectOrUnapproved",
        ),
        (
            TencentSettings {
                sign_name: "别的签名".into(),
                ..right.clone()
            },
            "FailedOperation.SignatureIncorrectOrUnapproved",
        ),
        (
            TencentSettings {
                sdk_app_id: "1400000000".into(),
                ..right.clone()
            },
            "UnauthorizedOperation.SmsSdkAppIdVerifyFail",
        ),
        (
            TencentSettings {
                region: "ap-shanghai".into(),
                ..right.clone()
            },
            "UnsupportedRegion",
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
    }
    assert!(stand_in.sent().is_empty());
}

#[tokio::test]
async fn a_timestamp_more_than_five_minutes_off_is_refused() {
    let stand_in = TencentSmsStandIn::start(Arc::new(FixedClock(NOON))).await;
    let code = SmsCode::generate();
    for (sender_time, expected) in [
        (NOON - 301, unavailable("AuthFailure.SignatureExpire")),
        (NOON + 301, unavailable("AuthFailure.SignatureExpire")),
        (NOON - 300, Ok(())),
        (NOON + 300, Ok(())),
    ] {
        let sender = sender(&stand_in.settings(), Arc::new(FixedClock(sender_time)));
        // A number each, clear of the 30 s limit.
        let to = phone(&format!("1380013{:04}", sender_time % 10_000));
        assert_eq!(
            sender.send_code(&to, &code).await,
            expected,
            "{sender_time}"
        );
    }
    assert_eq!(stand_in.sent().len(), 2);
}

/// Every outcome logs Tencent's code and RequestId and the number masked;
/// never the code, the secret key or the whole number.
#[tokio::test]
async fn no_code_and_no_secret_key_in_the_logs() {
    let capture = crate::log_capture::capture();
    let (stand_in, sender) = rig(Arc::new(SystemClock)).await;
    let codes: Vec<SmsCode> = (0..4).map(|_| SmsCode::generate()).collect();
    let to = phone("13712345678");
    assert_eq!(sender.send_code(&to, &codes[0]).await, Ok(()));
    stand_in.blacklist("+8613787654321");
    assert!(
        sender
            .send_code(&phone("13787654321"), &codes[1])
            .await
            .is_err()
    );
    stand_in.fail_next(Failure::Error("AuthFailure.SecretIdNotFound"));
    assert!(sender.send_code(&to, &codes[2]).await.is_err());
    let wrong_key = TencentSettings {
        secret_key: Secret::new("wrong-secret-key-6c1d"),
        ..stand_in.settings()
    };
    let wrong = self::sender(&wrong_key, Arc::new(SystemClock));
    assert!(wrong.send_code(&to, &codes[3]).await.is_err());

    // The sender's lines, without their timestamps: a six-digit code could
    // turn up by chance in other tests' lines or in fractions of a second.
    let logs: String = capture
        .text()
        .lines()
        .filter_map(|line| {
            let mut line: serde_json::Value = serde_json::from_str(line).ok()?;
            let target = line["target"].as_str()?;
            target.starts_with("wxauth_shared::sms").then_some(())?;
            line.as_object_mut()?.remove("timestamp");
            Some(format!("{line}\n"))
        })
        .collect();
    for expected in [
        "SMS code sent",
        "137****5678",
        "FailedOperation.PhoneNumberInBlacklist",
        "AuthFailure.SecretIdNotFound",
        "AuthFailure.SignatureFailure",
        "\"tencent_request_id\"",
    ] {
        assert!(logs.contains(expected), "{expected} logged:\n{logs}");
    }
    let secrets = [SECRET_KEY, "wrong-secret-key-6c1d", "13712345678"];
    let codes = codes.iter().map(SmsCode::expose);
    for secret in secrets.into_iter().chain(codes) {
        assert!(!logs.contains(secret), "{secret} logged:\n{logs}");
    }
}
