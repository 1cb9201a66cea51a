use super::*;
use std::collections::HashMap;
use std::time::Duration;

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn config(pairs: &[(&str, &str)]) -> Config {
    Config::from_env(&env(pairs)).expect("configuration")
}

#[test]
fn single_app_pair() {
    let apps = config(&[("WECHAT_APPID", "wx1"), ("WECHAT_SECRET", "s1")])
        .apps
        .credentials()
        .unwrap();
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0].appid.as_str(), "wx1");
    assert_eq!(apps[0].secret.expose(), "s1");
}

#[test]
fn several_apps_in_order() {
    let apps = config(&[("WECHAT_APPID", "wx1, wx2"), ("WECHAT_SECRET", "s1,s2")])
        .apps
        .credentials()
        .unwrap();
    let ids: Vec<_> = apps.iter().map(|a| a.appid.as_str()).collect();
    assert_eq!(ids, ["wx1", "wx2"]);
    assert_eq!(apps[1].secret.expose(), "s2");
}

#[test]
fn errors_name_the_variable() {
    let e = config(&[("WECHAT_APPID", "wx1")])
        .apps
        .credentials()
        .unwrap_err();
    assert_eq!(e.var, "WECHAT_SECRET");
    let e = config(&[("WECHAT_APPID", "wx1,wx2"), ("WECHAT_SECRET", "s1")])
        .apps
        .credentials()
        .unwrap_err();
    assert_eq!(e.var, "WECHAT_SECRET");
    assert!(e.to_string().contains("WECHAT_SECRET"), "{e}");
    let e = config(&[("WECHAT_APPID", "wx1,wx2"), ("WECHAT_SECRET", "s1,")])
        .apps
        .credentials()
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "configuration: WECHAT_SECRET has an empty entry"
    );
    let e = config(&[("WECHAT_APPID", "wx 1")])
        .apps
        .ids
        .get()
        .unwrap_err();
    assert_eq!(e.var, "WECHAT_APPID");
    let e = config(&[("WECHAT_APPID", "wx1,wx1")])
        .apps
        .ids
        .get()
        .unwrap_err();
    assert_eq!(e.to_string(), "configuration: WECHAT_APPID lists wx1 twice");
    let e = config(&[]).apps.ids.get().unwrap_err();
    assert_eq!(e.to_string(), "configuration: WECHAT_APPID is not set");
    // The appids are checked before the secrets, as a function needs them.
    let e = config(&[("WECHAT_SECRET", "s1")])
        .apps
        .credentials()
        .unwrap_err();
    assert_eq!(e.var, "WECHAT_APPID");
    let e = config(&[("WECHAT_API_BASE", "api.weixin.qq.com")])
        .wechat
        .settings()
        .unwrap_err();
    assert_eq!(e.var, "WECHAT_API_BASE");
    let e = config(&[("WECHAT_TIMEOUT_MS", "soon")])
        .wechat
        .settings()
        .unwrap_err();
    assert_eq!(e.var, "WECHAT_TIMEOUT_MS");
    let e = Config::from_env(&env(&[("TOKEN_TTL_SECS", "5")])).unwrap_err();
    assert_eq!(e.var, "TOKEN_TTL_SECS");
    assert_eq!(
        e.to_string(),
        "configuration: TOKEN_TTL_SECS must be between 60 and 86400, got 5"
    );
    let e = Config::from_env(&env(&[("ACCESS_TOKEN_TTL_SECS", "5")])).unwrap_err();
    assert_eq!(e.var, "ACCESS_TOKEN_TTL_SECS");
    for var in [
        "REFRESH_TOKEN_TTL_SECS",
        "SESSION_MAX_LIFETIME_SECS",
        "REFRESH_REUSE_GRACE_SECS",
    ] {
        let e = Config::from_env(&env(&[(var, "99999999999")])).unwrap_err();
        assert_eq!(e.var, var);
    }
    let e = config(&[]).tokens.signing_key.get().unwrap_err();
    assert_eq!(e.var, "TOKEN_SIGNING_KEY");
    let e = config(&[("TABLE_NAME", "a b")])
        .dynamo
        .table_name
        .get()
        .unwrap_err();
    assert_eq!(e.var, "TABLE_NAME");
    let e = config(&[("WATERMARK_MAX_AGE_SECS", "-1")])
        .watermark_max_age_secs
        .get()
        .unwrap_err();
    assert_eq!(e.var, "WATERMARK_MAX_AGE_SECS");
}

#[test]
fn defaults() {
    let w = config(&[]).wechat.settings().unwrap();
    assert_eq!(w.api_base, "https://api.weixin.qq.com");
    assert_eq!(w.call_timeout, Duration::from_secs(5));
    let w = config(&[("WECHAT_API_BASE", "http://127.0.0.1:9/")])
        .wechat
        .settings()
        .unwrap();
    assert_eq!(w.api_base, "http://127.0.0.1:9");
    let t = config(&[]).tokens;
    assert_eq!(
        (t.issuer.as_str(), t.audience.as_str()),
        ("wxauth", "wxauth-miniprogram")
    );
    assert_eq!(
        t.sessions,
        crate::domain::SessionPolicy {
            access_ttl_secs: 900,
            refresh_ttl_secs: 30 * 86_400,
            max_lifetime_secs: 180 * 86_400,
            reuse_grace_secs: 10,
        }
    );
    // The old name still sets the access token's lifetime; the new one wins.
    let old = config(&[("TOKEN_TTL_SECS", "600")]).tokens.sessions;
    assert_eq!(old.access_ttl_secs, 600);
    let both = config(&[("TOKEN_TTL_SECS", "600"), ("ACCESS_TOKEN_TTL_SECS", "300")]);
    assert_eq!(both.tokens.sessions.access_ttl_secs, 300);
    assert_eq!(
        config(&[("REFRESH_REUSE_GRACE_SECS", "0")])
            .tokens
            .sessions
            .reuse_grace_secs,
        0
    );
    assert_eq!(t.verify_keys_pem, "");
    assert_eq!(config(&[]).watermark_max_age_secs.get(), Ok(&600));
    let t = config(&[("TOKEN_SIGNING_KEY", "a\\nb")]).tokens;
    assert_eq!(t.signing_key.get().unwrap().expose(), "a\nb");
    assert!(!format!("{t:?}").contains("a\nb"));
    // Blank counts as unset.
    assert!(!config(&[("WECHAT_SECRET", "  ")]).apps.has_secret());
}

#[test]
fn aws_settings_come_from_the_standard_variables_only() {
    let e = config(&[]).dynamo.aws.get().unwrap_err();
    assert_eq!(e.var, "AWS_REGION");
    let e = config(&[("AWS_DEFAULT_REGION", "cn-north-1")])
        .dynamo
        .aws
        .get()
        .unwrap_err();
    assert_eq!(e.var, "AWS_ACCESS_KEY_ID");
    let full = [
        ("AWS_REGION", "cn-northwest-1"),
        ("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "secret-access-key-value"),
        ("AWS_SESSION_TOKEN", "session-token-value"),
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:1"),
        ("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:2"),
    ];
    let a = config(&full).dynamo.aws.get().unwrap().clone();
    assert_eq!(a.region, "cn-northwest-1");
    assert_eq!(
        a.session_token.as_ref().map(Secret::expose),
        Some("session-token-value")
    );
    assert_eq!(a.endpoint_url.as_deref(), Some("http://127.0.0.1:2"));
    let shown = format!("{a:?}");
    assert!(!shown.contains("secret-access-key-value") && !shown.contains("session-token-value"));
}

/// A problem with a setting a binary does not use never stops `from_env`: only
/// the token settings, which every binary uses, do.
#[test]
fn only_the_token_settings_stop_reading() {
    let c = config(&[
        ("WECHAT_APPID", "wx 1"),
        ("WECHAT_API_BASE", "ftp://x"),
        ("WECHAT_TIMEOUT_MS", "soon"),
        ("WATERMARK_MAX_AGE_SECS", "forever"),
        ("TABLE_NAME", "a b"),
        ("SMS_PROVIDER", "tencent"),
        ("TENCENT_SMS_ENDPOINT", "sms.tencentcloudapi.com"),
        ("AVATAR_BUCKET", "Not_A_Bucket"),
    ]);
    assert!(!c.avatars.bucket.is_ok());
    assert!(!c.apps.ids.is_ok() && !c.wechat.api_base.is_ok());
    assert!(!c.sms.provider.is_ok());
    assert!(!c.wechat.call_timeout.is_ok() && !c.watermark_max_age_secs.is_ok());
    assert!(!c.dynamo.table_name.is_ok() && !c.dynamo.aws.is_ok());
}

/// Every variable set, each secret distinctive: a full configuration's `Debug`
/// (and the credentials built from it) shows the settings but none of the
/// secrets.
#[test]
fn a_full_configs_debug_shows_no_secret() {
    let signing_key =
        "-----BEGIN PRIVATE KEY-----\\nc2lnbmluZy1rZXktYm9keS1zZWNyZXQ\\n-----END PRIVATE KEY-----";
    let secrets = [
        "app-secret-one-7f3a",
        "app-secret-two-9c1e",
        "c2lnbmluZy1rZXktYm9keS1zZWNyZXQ",
        "aws-secret-access-key-4d2b",
        "aws-session-token-8e6f",
        "tencent-sms-secret-key-5a9c",
        "aws-sms-secret-access-key-7b3e",
    ];
    let c = config(&[
        ("WECHAT_APPID", "wxaaaa,wxbbbb"),
        ("WECHAT_SECRET", "app-secret-one-7f3a,app-secret-two-9c1e"),
        ("WECHAT_API_BASE", "http://127.0.0.1:9"),
        ("WECHAT_TIMEOUT_MS", "3000"),
        ("WATERMARK_MAX_AGE_SECS", "0"),
        ("TOKEN_ISSUER", "https://auth.example.com"),
        ("TOKEN_AUDIENCE", "aud-example"),
        ("TOKEN_TTL_SECS", "600"),
        ("TOKEN_SIGNING_KEY", signing_key),
        ("TOKEN_VERIFY_KEYS", ""),
        ("TABLE_NAME", "wxauth-users"),
        ("AWS_REGION", "cn-northwest-1"),
        ("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "aws-secret-access-key-4d2b"),
        ("AWS_SESSION_TOKEN", "aws-session-token-8e6f"),
        ("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:2"),
        ("AVATAR_BUCKET", "wxauth-avatars"),
        ("SMS_PROVIDER", "tencent+aws"),
        ("TENCENT_SMS_SECRET_ID", "AKIDsmsEXAMPLE"),
        ("TENCENT_SMS_SECRET_KEY", "tencent-sms-secret-key-5a9c"),
        ("TENCENT_SMS_SDK_APP_ID", "1400006666"),
        ("TENCENT_SMS_SIGN_NAME", "腾讯云"),
        ("TENCENT_SMS_TEMPLATE_ID", "1234567"),
        ("TENCENT_SMS_REGION", "ap-beijing"),
        ("TENCENT_SMS_ENDPOINT", "http://127.0.0.1:3"),
        ("TENCENT_SMS_TIMEOUT_MS", "2500"),
        ("AWS_SMS_REGION", "ap-southeast-1"),
        ("AWS_SMS_ACCESS_KEY_ID", "AKIAsmsEXAMPLE"),
        (
            "AWS_SMS_SECRET_ACCESS_KEY",
            "aws-sms-secret-access-key-7b3e",
        ),
        ("AWS_SMS_ORIGINATION_IDENTITY", "pool-0123456789abcdef"),
    ]);
    // Every secret was read, and is there to be exposed.
    let credentials = c.apps.credentials().unwrap();
    let aws = c.dynamo.aws.get().unwrap();
    let SmsProviderSettings::TencentAndAws {
        tencent,
        aws: aws_sms,
    } = c.sms.provider.get().unwrap()
    else {
        panic!("SMS_PROVIDER=tencent+aws");
    };
    let exposed = [
        credentials[0].secret.expose(),
        credentials[1].secret.expose(),
        c.tokens.signing_key.get().unwrap().expose(),
        aws.secret_access_key.expose(),
        aws.session_token.as_ref().unwrap().expose(),
        tencent.secret_key.expose(),
        aws_sms.credentials.secret_access_key.expose(),
    ];
    for (secret, exposed) in secrets.iter().zip(exposed) {
        assert!(exposed.contains(secret), "{secret} was read");
    }
    // The function's AWS key and token show redacted twice: in DynamoDB's
    // settings and in the avatar store's.
    let shown = [
        (format!("{c:?}"), 9),
        (format!("{c:#?}"), 9),
        (format!("{credentials:?}"), 2),
    ];
    for (shown, redacted) in shown {
        for secret in secrets {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert_eq!(shown.matches("<redacted>").count(), redacted, "{shown}");
        assert!(shown.contains("wxbbbb"), "{shown}");
    }
    let shown = format!("{c:?}");
    for setting in [
        "auth.example.com",
        "wxauth-users",
        "wxauth-avatars",
        "AKIAEXAMPLE",
        "3s",
        "AKIDsmsEXAMPLE",
        "1400006666",
        "ap-beijing",
        "2.5s",
        "AKIAsmsEXAMPLE",
        "pool-0123456789abcdef",
    ] {
        assert!(shown.contains(setting), "{setting} in {shown}");
    }
}

/// The Tencent settings a sending binary needs, all set and well formed.
const TENCENT: [(&str, &str); 6] = [
    ("SMS_PROVIDER", "tencent"),
    ("TENCENT_SMS_SECRET_ID", "AKIDsmsEXAMPLE"),
    ("TENCENT_SMS_SECRET_KEY", "sms-key"),
    ("TENCENT_SMS_SDK_APP_ID", "1400006666"),
    ("TENCENT_SMS_SIGN_NAME", "腾讯云"),
    ("TENCENT_SMS_TEMPLATE_ID", "1234567"),
];

fn tencent(extra: &[(&str, &str)]) -> Result<SmsProviderSettings, ConfigError> {
    let pairs: Vec<_> = TENCENT.iter().chain(extra).copied().collect();
    config(&pairs).sms.provider.get().cloned()
}

#[test]
fn sms_provider_defaults_to_the_outbox_and_reads_tencent_only_when_chosen() {
    assert_eq!(
        config(&[]).sms.provider.get(),
        Ok(&SmsProviderSettings::Outbox)
    );
    // Tencent's variables are not read for the outbox, even malformed.
    let outbox = config(&[
        ("SMS_PROVIDER", "outbox"),
        ("TENCENT_SMS_SDK_APP_ID", "not digits"),
    ]);
    assert_eq!(outbox.sms.provider.get(), Ok(&SmsProviderSettings::Outbox));
    let Ok(SmsProviderSettings::Tencent(t)) = tencent(&[]) else {
        panic!("tencent settings");
    };
    assert_eq!(t.secret_id, "AKIDsmsEXAMPLE");
    assert_eq!(t.secret_key.expose(), "sms-key");
    assert_eq!(
        (
            t.sdk_app_id.as_str(),
            t.sign_name.as_str(),
            t.template_id.as_str()
        ),
        ("1400006666", "腾讯云", "1234567")
    );
    assert_eq!(t.region, "ap-guangzhou");
    assert_eq!(t.endpoint, "https://sms.tencentcloudapi.com");
    assert_eq!(t.host(), "sms.tencentcloudapi.com");
    assert_eq!(t.call_timeout, Duration::from_secs(5));
    let Ok(SmsProviderSettings::Tencent(t)) = tencent(&[
        ("SMS_PROVIDER", "Tencent"),
        ("TENCENT_SMS_ENDPOINT", "http://127.0.0.1:9/"),
        ("TENCENT_SMS_REGION", "ap-nanjing"),
    ]) else {
        panic!("tencent settings");
    };
    assert_eq!(
        (t.endpoint.as_str(), t.host()),
        ("http://127.0.0.1:9", "127.0.0.1:9")
    );
    assert_eq!(t.region, "ap-nanjing");
}

#[test]
fn sms_problems_name_their_variable_in_the_order_they_are_read() {
    let e = config(&[("SMS_PROVIDER", "aliyun")])
        .sms
        .provider
        .get()
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "configuration: SMS_PROVIDER must be outbox, tencent, aws or tencent+aws, got \"aliyun\""
    );
    // Each required variable unset (or blank), with the ones before it set.
    for (i, (var, _)) in TENCENT.iter().enumerate().skip(1) {
        let e = tencent(&[(var, " ")]).unwrap_err();
        assert_eq!(e, ConfigError::not_set(var));
        let e = config(&TENCENT[..i]).sms.provider.get().unwrap_err();
        assert_eq!(e.var, *var);
    }
    for (var, value) in [
        ("TENCENT_SMS_SECRET_ID", "AKID sms"),
        ("TENCENT_SMS_SDK_APP_ID", "1400-006666"),
        ("TENCENT_SMS_TEMPLATE_ID", "SMS_123"),
        ("TENCENT_SMS_REGION", "Guangzhou"),
        ("TENCENT_SMS_ENDPOINT", "sms.tencentcloudapi.com"),
        ("TENCENT_SMS_ENDPOINT", "https://sms.tencentcloudapi.com/v3"),
        ("TENCENT_SMS_ENDPOINT", "https://"),
        ("TENCENT_SMS_TIMEOUT_MS", "50"),
        ("TENCENT_SMS_TIMEOUT_MS", "soon"),
    ] {
        let e = tencent(&[(var, value)]).unwrap_err();
        assert_eq!(e.var, var, "{value}: {e}");
    }
}

/// What a function in a global region gets from Lambda, and AWS's SMS chosen.
const AWS: [(&str, &str); 4] = [
    ("SMS_PROVIDER", "aws"),
    ("AWS_REGION", "ap-southeast-1"),
    ("AWS_ACCESS_KEY_ID", "ASIAROLEEXAMPLE"),
    ("AWS_SECRET_ACCESS_KEY", "role-secret-access-key"),
];

fn aws(extra: &[(&str, &str)]) -> Result<AwsSmsSettings, ConfigError> {
    let pairs: Vec<_> = AWS.iter().chain(extra).copied().collect();
    match config(&pairs).sms.provider.get()? {
        SmsProviderSettings::Aws(settings) => Ok(settings.clone()),
        other => panic!("SMS_PROVIDER=aws read as {other:?}"),
    }
}

#[test]
fn aws_sms_defaults_to_the_functions_region_credentials_and_an_english_message() {
    let a = aws(&[("AWS_SESSION_TOKEN", "role-session-token")]).unwrap();
    assert_eq!(a.region, "ap-southeast-1");
    assert_eq!(a.endpoint, "https://sms-voice.ap-southeast-1.amazonaws.com");
    assert_eq!(a.host(), "sms-voice.ap-southeast-1.amazonaws.com");
    assert_eq!(
        (&a.origination_identity, &a.configuration_set),
        (&None, &None)
    );
    assert_eq!(
        a.text("123456"),
        "Your verification code is 123456. It expires in 5 minutes. Do not share it."
    );
    assert_eq!(a.call_timeout, Duration::from_secs(5));
    assert_eq!(a.credentials.access_key_id, "ASIAROLEEXAMPLE");
    assert_eq!(
        a.credentials.secret_access_key.expose(),
        "role-secret-access-key"
    );
    assert_eq!(
        a.credentials.session_token.as_ref().map(Secret::expose),
        Some("role-session-token")
    );
    // Its own region names the default endpoint; its own keys replace the
    // role's, without the role's session token.
    let a = aws(&[
        ("AWS_SMS_REGION", "us-west-2"),
        ("AWS_SESSION_TOKEN", "role-session-token"),
        ("AWS_SMS_ACCESS_KEY_ID", "AKIASMSEXAMPLE"),
        ("AWS_SMS_SECRET_ACCESS_KEY", "sms-secret-access-key"),
        ("AWS_SMS_ORIGINATION_IDENTITY", "+12065550100"),
        (
            "AWS_SMS_CONFIGURATION_SET",
            "arn:aws:sms-voice:us-west-2:111122223333:configuration-set/otp",
        ),
        ("AWS_SMS_MESSAGE", "[Example] {code} is your code"),
        ("AWS_SMS_TIMEOUT_MS", "2500"),
    ])
    .unwrap();
    assert_eq!(a.endpoint, "https://sms-voice.us-west-2.amazonaws.com");
    assert_eq!(a.credentials.access_key_id, "AKIASMSEXAMPLE");
    assert_eq!(
        a.credentials.secret_access_key.expose(),
        "sms-secret-access-key"
    );
    assert_eq!(a.credentials.session_token, None);
    assert_eq!(a.origination_identity.as_deref(), Some("+12065550100"));
    assert!(
        a.configuration_set
            .as_deref()
            .is_some_and(|set| set.ends_with("configuration-set/otp"))
    );
    assert_eq!(a.text("042042"), "[Example] 042042 is your code");
    assert_eq!(a.call_timeout, Duration::from_millis(2500));
    // The stand-in's endpoint: a scheme and a host.
    let a = aws(&[("AWS_SMS_ENDPOINT", "http://127.0.0.1:9/")]).unwrap();
    assert_eq!(
        (a.endpoint.as_str(), a.host()),
        ("http://127.0.0.1:9", "127.0.0.1:9")
    );
    // AWS_DEFAULT_REGION stands in for AWS_REGION, as for DynamoDB.
    let pairs = [
        ("SMS_PROVIDER", "AWS"),
        ("AWS_DEFAULT_REGION", "eu-west-1"),
        ("AWS_SMS_ACCESS_KEY_ID", "AKIASMSEXAMPLE"),
        ("AWS_SMS_SECRET_ACCESS_KEY", "sms-secret-access-key"),
    ];
    let Ok(SmsProviderSettings::Aws(a)) = config(&pairs).sms.provider.get().cloned() else {
        panic!("aws settings");
    };
    assert_eq!(a.region, "eu-west-1");
}

#[test]
fn aws_sms_problems_name_their_variable() {
    for (var, value) in [
        ("AWS_SMS_REGION", "US East"),
        ("AWS_SMS_REGION", "useast1"),
        ("AWS_SMS_ENDPOINT", "sms-voice.us-east-1.amazonaws.com"),
        (
            "AWS_SMS_ENDPOINT",
            "https://sms-voice.us-east-1.amazonaws.com/v2",
        ),
        ("AWS_SMS_ORIGINATION_IDENTITY", "+1 206 555 0100"),
        ("AWS_SMS_ORIGINATION_IDENTITY", &"p".repeat(257)),
        ("AWS_SMS_CONFIGURATION_SET", "+otp"),
        ("AWS_SMS_MESSAGE", "Your code is 123456"),
        ("AWS_SMS_MESSAGE", "{code} or {code}"),
        ("AWS_SMS_MESSAGE", &format!("{{code}}{}", "x".repeat(1_600))),
        ("AWS_SMS_TIMEOUT_MS", "50"),
        ("AWS_SMS_TIMEOUT_MS", "20000"),
        ("AWS_SMS_TIMEOUT_MS", "soon"),
        ("AWS_SMS_ACCESS_KEY_ID", "AKIA SMS"),
    ] {
        let mut extra = vec![(var, value)];
        if var == "AWS_SMS_ACCESS_KEY_ID" {
            extra.push(("AWS_SMS_SECRET_ACCESS_KEY", "sms-secret"));
        }
        let e = aws(&extra).unwrap_err();
        assert_eq!(e.var, var, "{value}: {e}");
    }
    let e = aws(&[("AWS_SMS_MESSAGE", "no code")]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "configuration: AWS_SMS_MESSAGE must hold {code} exactly once, where the code goes"
    );
    // The function's region, malformed, is named as its own variable.
    let e = aws(&[("AWS_REGION", "Singapore")]).unwrap_err();
    assert_eq!(e.var, "AWS_REGION");
    // No region at all.
    let e = config(&[("SMS_PROVIDER", "aws")])
        .sms
        .provider
        .get()
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "configuration: AWS_SMS_REGION is not set, and neither is AWS_REGION"
    );
    // No credentials of its own and none of the function's.
    let e = config(&AWS[..2]).sms.provider.get().unwrap_err();
    assert_eq!(e, ConfigError::not_set("AWS_ACCESS_KEY_ID"));
    let e = config(&AWS[..3]).sms.provider.get().unwrap_err();
    assert_eq!(e, ConfigError::not_set("AWS_SECRET_ACCESS_KEY"));
}

#[test]
fn aws_sms_keys_come_both_or_neither() {
    let e = aws(&[("AWS_SMS_ACCESS_KEY_ID", "AKIASMSEXAMPLE")]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "configuration: AWS_SMS_SECRET_ACCESS_KEY is not set, but AWS_SMS_ACCESS_KEY_ID is: give both or neither"
    );
    let e = aws(&[("AWS_SMS_SECRET_ACCESS_KEY", "sms-secret")]).unwrap_err();
    assert_eq!(e.var, "AWS_SMS_ACCESS_KEY_ID");
    // Blank counts as unset: neither, so the function's own.
    let a = aws(&[
        ("AWS_SMS_ACCESS_KEY_ID", " "),
        ("AWS_SMS_SECRET_ACCESS_KEY", ""),
    ])
    .unwrap();
    assert_eq!(a.credentials.access_key_id, "ASIAROLEEXAMPLE");
}

/// End User Messaging SMS does not run in the AWS China regions, and their
/// credentials do not reach the global ones.
#[test]
fn a_function_in_an_aws_china_region_needs_a_global_region_and_keys() {
    let china = [("AWS_REGION", "cn-northwest-1")];
    let e = aws(&china).unwrap_err();
    assert_eq!(e.var, "AWS_SMS_REGION");
    assert!(e.problem.contains("cn-northwest-1"), "{e}");
    let e = aws(&[("AWS_SMS_REGION", "cn-north-1")]).unwrap_err();
    assert_eq!(e.var, "AWS_SMS_REGION");
    let e = aws(&[
        ("AWS_REGION", "cn-north-1"),
        ("AWS_SMS_REGION", "ap-southeast-1"),
    ])
    .unwrap_err();
    assert_eq!(e.var, "AWS_SMS_ACCESS_KEY_ID");
    assert!(e.problem.contains("cn-north-1"), "{e}");
    let a = aws(&[
        ("AWS_REGION", "cn-north-1"),
        ("AWS_SMS_REGION", "ap-southeast-1"),
        ("AWS_SMS_ACCESS_KEY_ID", "AKIAGLOBALEXAMPLE"),
        ("AWS_SMS_SECRET_ACCESS_KEY", "global-secret-access-key"),
    ])
    .unwrap();
    assert_eq!(
        (a.region.as_str(), a.credentials.access_key_id.as_str()),
        ("ap-southeast-1", "AKIAGLOBALEXAMPLE")
    );
}

#[test]
fn tencent_and_aws_reads_both_and_names_a_problem_in_either() {
    let mut pairs: Vec<_> = TENCENT.iter().chain(&AWS).copied().collect();
    pairs.push(("SMS_PROVIDER", "tencent+aws"));
    let Ok(SmsProviderSettings::TencentAndAws { tencent, aws }) =
        config(&pairs).sms.provider.get().cloned()
    else {
        panic!("tencent+aws settings");
    };
    assert_eq!(
        (tencent.sdk_app_id.as_str(), aws.region.as_str()),
        ("1400006666", "ap-southeast-1")
    );
    let mut no_tencent_key = pairs.clone();
    no_tencent_key.push(("TENCENT_SMS_SECRET_KEY", ""));
    let e = config(&no_tencent_key).sms.provider.get().unwrap_err();
    assert_eq!(e.var, "TENCENT_SMS_SECRET_KEY");
    let mut bad_message = pairs.clone();
    bad_message.push(("AWS_SMS_MESSAGE", "no code"));
    let e = config(&bad_message).sms.provider.get().unwrap_err();
    assert_eq!(e.var, "AWS_SMS_MESSAGE");
    // AWS's variables are not read for Tencent alone, even malformed.
    let mut tencent_only = TENCENT.to_vec();
    tencent_only.push(("AWS_SMS_MESSAGE", "no code"));
    assert!(config(&tencent_only).sms.provider.is_ok());
}

#[test]
fn content_policy_defaults_values_and_problems() {
    assert_eq!(
        *config(&[]).content_policy.get().unwrap(),
        ContentPolicy {
            mode: CheckMode::Strict,
            review: ReviewPolicy::Accept
        }
    );
    assert_eq!(DEFAULT_CONTENT_CHECK, "strict");
    assert_eq!(DEFAULT_CONTENT_CHECK_REVIEW, "accept");
    for (mode, expected) in [
        ("strict", CheckMode::Strict),
        (" lenient ", CheckMode::Lenient),
        ("off", CheckMode::Off),
    ] {
        let policy = *config(&[(CONTENT_CHECK, mode), (CONTENT_CHECK_REVIEW, "reject")])
            .content_policy
            .get()
            .unwrap();
        assert_eq!(
            policy,
            ContentPolicy {
                mode: expected,
                review: ReviewPolicy::Reject
            }
        );
    }
    let e = config(&[(CONTENT_CHECK, "loose")])
        .content_policy
        .get()
        .unwrap_err();
    assert_eq!(e.var, CONTENT_CHECK);
    assert!(e.to_string().contains("\"loose\""), "{e}");
    let e = config(&[(CONTENT_CHECK_REVIEW, "maybe")])
        .content_policy
        .get()
        .unwrap_err();
    assert_eq!(e.var, CONTENT_CHECK_REVIEW);
    // Only the binaries that use it stop on it.
    assert!(
        Config::from_env(&env(&[(CONTENT_CHECK, "loose")])).is_ok(),
        "a bad CONTENT_CHECK stops no other binary"
    );
}

#[test]
fn avatar_bucket_is_required_and_named_as_s3_names_buckets() {
    let e = config(&[]).avatars.bucket.get().unwrap_err();
    assert_eq!(e.to_string(), "configuration: AVATAR_BUCKET is not set");
    for good in [
        "wxauth-avatars-123456789012",
        "abc",
        "a.b-c",
        &"a".repeat(63),
    ] {
        let bucket = config(&[("AVATAR_BUCKET", good)]).avatars.bucket;
        assert_eq!(bucket.get().map(String::as_str), Ok(good));
    }
    for bad in [
        "ab",
        "Avatars",
        "avatars_1",
        "-avatars",
        "avatars-",
        "a..b",
        "a b",
        &"a".repeat(64),
    ] {
        let e = config(&[("AVATAR_BUCKET", bad)])
            .avatars
            .bucket
            .get()
            .unwrap_err();
        assert_eq!(e.var, "AVATAR_BUCKET", "{bad:?}");
        assert!(e.to_string().contains("not a valid S3 bucket name"), "{e}");
    }
}

#[test]
fn avatars_reach_s3_at_its_own_endpoint_with_the_functions_credentials() {
    let base = [
        ("AWS_REGION", "cn-north-1"),
        ("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "secret-access-key-value"),
        ("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:2"),
    ];
    // DynamoDB's override is DynamoDB's alone.
    let a = config(&base).avatars.aws.get().unwrap().clone();
    assert_eq!(a.endpoint_url, None);
    assert_eq!(
        (a.region.as_str(), a.access_key_id.as_str()),
        ("cn-north-1", "AKIAEXAMPLE")
    );
    let with_any = [&base[..], &[("AWS_ENDPOINT_URL", "http://127.0.0.1:1")]].concat();
    let a = config(&with_any).avatars.aws.get().unwrap().clone();
    assert_eq!(a.endpoint_url.as_deref(), Some("http://127.0.0.1:1"));
    let with_s3 = [
        &with_any[..],
        &[("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:3")],
    ]
    .concat();
    let c = config(&with_s3);
    assert_eq!(
        c.avatars.aws.get().unwrap().endpoint_url.as_deref(),
        Some("http://127.0.0.1:3")
    );
    assert_eq!(
        c.dynamo.aws.get().unwrap().endpoint_url.as_deref(),
        Some("http://127.0.0.1:2")
    );
    let e = config(&[("AWS_REGION", "cn-north-1")])
        .avatars
        .aws
        .get()
        .unwrap_err();
    assert_eq!(e.var, "AWS_ACCESS_KEY_ID");
}
