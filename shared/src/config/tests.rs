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
    ]);
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
        ("SMS_PROVIDER", "tencent"),
        ("TENCENT_SMS_SECRET_ID", "AKIDsmsEXAMPLE"),
        ("TENCENT_SMS_SECRET_KEY", "tencent-sms-secret-key-5a9c"),
        ("TENCENT_SMS_SDK_APP_ID", "1400006666"),
        ("TENCENT_SMS_SIGN_NAME", "腾讯云"),
        ("TENCENT_SMS_TEMPLATE_ID", "1234567"),
        ("TENCENT_SMS_REGION", "ap-beijing"),
        ("TENCENT_SMS_ENDPOINT", "http://127.0.0.1:3"),
        ("TENCENT_SMS_TIMEOUT_MS", "2500"),
    ]);
    // Every secret was read, and is there to be exposed.
    let credentials = c.apps.credentials().unwrap();
    let aws = c.dynamo.aws.get().unwrap();
    let SmsProviderSettings::Tencent(tencent) = c.sms.provider.get().unwrap() else {
        panic!("SMS_PROVIDER=tencent");
    };
    let exposed = [
        credentials[0].secret.expose(),
        credentials[1].secret.expose(),
        c.tokens.signing_key.get().unwrap().expose(),
        aws.secret_access_key.expose(),
        aws.session_token.as_ref().unwrap().expose(),
        tencent.secret_key.expose(),
    ];
    for (secret, exposed) in secrets.iter().zip(exposed) {
        assert!(exposed.contains(secret), "{secret} was read");
    }
    let shown = [
        (format!("{c:?}"), 6),
        (format!("{c:#?}"), 6),
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
        "AKIAEXAMPLE",
        "3s",
        "AKIDsmsEXAMPLE",
        "1400006666",
        "ap-beijing",
        "2.5s",
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
        "configuration: SMS_PROVIDER must be outbox or tencent, got \"aliyun\""
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
