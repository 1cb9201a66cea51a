//! Each function's start-up asks the configuration for the settings it uses,
//! in the order it uses them, and for no other: a missing or malformed setting
//! a function does not use never stops it.

use std::collections::HashMap;
use wxauth_shared::config::{Config, ConfigError};
use wxauth_shared::setup;
use wxauth_tests::harness::{APP_A, SECRET_A, signing_key_pem, verify_keys_pem};

/// What every function uses: the signing key (the verifiers: its public key)
/// and DynamoDB (never reached here).
fn base() -> Vec<(&'static str, &'static str)> {
    vec![
        ("TOKEN_SIGNING_KEY", signing_key_pem()),
        ("TABLE_NAME", "wxauth-start-up"),
        ("AWS_REGION", "cn-northwest-1"),
        ("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "secret-access-key"),
        ("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:9"),
        ("TOKEN_VERIFY_KEYS", verify_keys_pem()),
    ]
}

fn config(pairs: &[(&str, &str)]) -> Config {
    let env: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::from_env(&env).expect("configuration")
}

fn with(extra: &[(&'static str, &'static str)]) -> Config {
    let mut pairs = base();
    pairs.extend_from_slice(extra);
    config(&pairs)
}

fn var<T>(result: Result<T, ConfigError>) -> &'static str {
    result.err().expect("start-up fails").var
}

#[tokio::test]
async fn the_authorizer_uses_tokens_and_dynamodb_only() {
    let unused = [
        ("WECHAT_APPID", "wx 1"),
        ("WECHAT_SECRET", "a,b"),
        ("WECHAT_API_BASE", "ftp://nowhere"),
        ("WECHAT_TIMEOUT_MS", "soon"),
        ("WATERMARK_MAX_AGE_SECS", "forever"),
    ];
    assert!(setup::authorizer_function(&with(&unused)).is_ok());
    assert!(setup::authorizer_function(&with(&[])).is_ok());
    let no_table = config(&[("TOKEN_VERIFY_KEYS", verify_keys_pem())]);
    assert_eq!(var(setup::authorizer_function(&no_table)), "TABLE_NAME");
    // The signing key alone does not do: it verifies with public keys only.
    let private_only = config(&base()[..base().len() - 1]);
    assert_eq!(
        var(setup::authorizer_function(&private_only)),
        "TOKEN_VERIFY_KEYS"
    );
}

/// decrypt-profile asks WeChat's `checksession` when data does not decrypt,
/// so it uses the secrets and WeChat's settings like bind-phone.
#[tokio::test]
async fn decrypt_profile_uses_the_secrets_wechat_and_the_watermark() {
    let apps = [("WECHAT_APPID", APP_A), ("WECHAT_SECRET", SECRET_A)];
    assert!(setup::decrypt_profile_function(&with(&apps)).await.is_ok());
    assert_eq!(
        var(setup::decrypt_profile_function(&with(&apps[..1])).await),
        "WECHAT_SECRET"
    );
    assert_eq!(
        var(setup::decrypt_profile_function(&with(&apps[1..])).await),
        "WECHAT_APPID"
    );
    let mut slow = apps.to_vec();
    slow.push(("WECHAT_TIMEOUT_MS", "soon"));
    assert_eq!(
        var(setup::decrypt_profile_function(&with(&slow)).await),
        "WECHAT_TIMEOUT_MS"
    );
    let mut bad_watermark = apps.to_vec();
    bad_watermark.push(("WATERMARK_MAX_AGE_SECS", "-1"));
    assert_eq!(
        var(setup::decrypt_profile_function(&with(&bad_watermark)).await),
        "WATERMARK_MAX_AGE_SECS"
    );
    // The nickname route's content policy: decrypt-profile's, no one else's.
    for (var_name, value) in [
        ("CONTENT_CHECK", "loose"),
        ("CONTENT_CHECK_REVIEW", "maybe"),
    ] {
        let mut policy = apps.to_vec();
        policy.push((var_name, value));
        assert_eq!(
            var(setup::decrypt_profile_function(&with(&policy)).await),
            var_name
        );
        assert!(setup::login_function(&with(&policy)).await.is_ok());
    }
}

#[tokio::test]
async fn login_uses_the_secrets_and_wechat_but_not_the_watermark() {
    let apps = [("WECHAT_APPID", APP_A), ("WECHAT_SECRET", SECRET_A)];
    let mut settings = apps.to_vec();
    settings.push(("WATERMARK_MAX_AGE_SECS", "forever"));
    assert!(setup::login_function(&with(&settings)).await.is_ok());
    let no_secret = with(&apps[..1]);
    assert_eq!(
        var(setup::login_function(&no_secret).await),
        "WECHAT_SECRET"
    );
    let mut slow = apps.to_vec();
    slow.push(("WECHAT_TIMEOUT_MS", "soon"));
    assert_eq!(
        var(setup::login_function(&with(&slow)).await),
        "WECHAT_TIMEOUT_MS"
    );
}

#[tokio::test]
async fn bind_phone_uses_the_secrets_wechat_and_the_watermark() {
    let apps = [("WECHAT_APPID", APP_A), ("WECHAT_SECRET", SECRET_A)];
    assert!(setup::bind_phone_function(&with(&apps)).await.is_ok());
    let mut settings = apps.to_vec();
    settings.push(("WATERMARK_MAX_AGE_SECS", "forever"));
    assert_eq!(
        var(setup::bind_phone_function(&with(&settings)).await),
        "WATERMARK_MAX_AGE_SECS"
    );
    assert_eq!(
        var(setup::bind_phone_function(&with(&apps[..1])).await),
        "WECHAT_SECRET"
    );
}

/// account asks WeChat's `resetusersessionkey` after a deletion, so it uses
/// the secrets and WeChat's settings like login, and not the watermark; it
/// deletes the user's avatar images (the bucket) and shows the avatar as the
/// content policy decides it; it holds no push key.
#[tokio::test]
async fn account_uses_the_secrets_and_wechat_but_not_the_watermark() {
    let apps = [
        ("WECHAT_APPID", APP_A),
        ("WECHAT_SECRET", SECRET_A),
        ("AVATAR_BUCKET", "wxauth-avatars"),
    ];
    let mut settings = apps.to_vec();
    settings.push(("WATERMARK_MAX_AGE_SECS", "forever"));
    settings.push(("WECHAT_PUSH_AES_KEY", "short"));
    assert!(setup::account_function(&with(&settings)).await.is_ok());
    assert_eq!(
        var(setup::account_function(&with(&[apps[0], apps[2]])).await),
        "WECHAT_SECRET"
    );
    assert_eq!(
        var(setup::account_function(&with(&apps[1..])).await),
        "WECHAT_APPID"
    );
    assert_eq!(
        var(setup::account_function(&with(&apps[..2])).await),
        "AVATAR_BUCKET"
    );
    let mut timeout = apps.to_vec();
    timeout.push(("AVATAR_CHECK_TIMEOUT_SECS", "never"));
    assert_eq!(
        var(setup::account_function(&with(&timeout)).await),
        "AVATAR_CHECK_TIMEOUT_SECS"
    );
    let mut slow = apps.to_vec();
    slow.push(("WECHAT_TIMEOUT_MS", "soon"));
    assert_eq!(
        var(setup::account_function(&with(&slow)).await),
        "WECHAT_TIMEOUT_MS"
    );
}

/// avatar calls WeChat (`media_check_async`), stores images in the bucket and
/// takes WeChat's pushes: the secrets, WeChat's settings, the bucket, the
/// content policy and deadline, the base URL and both push keys.
#[tokio::test]
async fn avatar_uses_the_bucket_the_push_keys_and_the_content_policy() {
    let settings = [
        ("WECHAT_APPID", APP_A),
        ("WECHAT_SECRET", SECRET_A),
        ("AVATAR_BUCKET", "wxauth-avatars"),
        ("WECHAT_PUSH_TOKEN", "pushToken1"),
        (
            "WECHAT_PUSH_AES_KEY",
            "kWxPqL8s3nVbT0yZr5mJc2hF7dGa9eUoQiN4tR6wX1Y",
        ),
        ("WATERMARK_MAX_AGE_SECS", "forever"),
    ];
    assert!(setup::avatar_function(&with(&settings)).await.is_ok());
    for (i, name) in [
        (1, "WECHAT_SECRET"),
        (2, "AVATAR_BUCKET"),
        (3, "WECHAT_PUSH_TOKEN"),
        (4, "WECHAT_PUSH_AES_KEY"),
    ] {
        let mut without = settings.to_vec();
        without.remove(i);
        assert_eq!(var(setup::avatar_function(&with(&without)).await), name);
    }
    for (name, value) in [
        ("WECHAT_PUSH_TOKEN", "a b"),
        ("WECHAT_PUSH_AES_KEY", "too-short"),
        ("AVATAR_BUCKET", "Not_A_Bucket"),
        ("AVATAR_BASE_URL", "ftp://cdn"),
        ("AVATAR_CHECK_TIMEOUT_SECS", "5"),
        ("CONTENT_CHECK", "loose"),
    ] {
        let mut bad = settings.to_vec();
        bad.retain(|(k, _)| *k != name);
        bad.push((name, value));
        assert_eq!(var(setup::avatar_function(&with(&bad)).await), name);
        // No other function reads them, except the bucket, the deadline and
        // the policy that account uses.
        assert!(setup::login_function(&with(&bad)).await.is_ok(), "{name}");
    }
}

/// Tencent's settings as a function gets them from the template.
fn tencent() -> Vec<(&'static str, &'static str)> {
    vec![
        ("SMS_PROVIDER", "tencent"),
        ("TENCENT_SMS_SECRET_ID", "AKIDexample"),
        ("TENCENT_SMS_SECRET_KEY", "secret-key"),
        ("TENCENT_SMS_SDK_APP_ID", "1400006666"),
        ("TENCENT_SMS_SIGN_NAME", "微信登录"),
        ("TENCENT_SMS_TEMPLATE_ID", "1110"),
    ]
}

/// sms signs tokens, sends by a real provider and stores codes; it never
/// calls WeChat, so WeChat's settings, even broken, do not stop it.
#[tokio::test]
async fn sms_uses_the_signing_key_the_provider_and_the_table_but_not_wechat() {
    let mut settings = tencent();
    settings.extend([
        ("WECHAT_APPID", "wx 1"),
        ("WECHAT_SECRET", "a,b"),
        ("WECHAT_TIMEOUT_MS", "soon"),
        ("WATERMARK_MAX_AGE_SECS", "forever"),
    ]);
    assert!(setup::sms_function(&with(&settings)).await.is_ok());
    assert!(setup::sms_function(&with(&tencent())).await.is_ok());

    // The outbox is the local server's: named, whether set or the default.
    let mut outbox = tencent();
    outbox[0] = ("SMS_PROVIDER", "outbox");
    assert_eq!(
        var(setup::sms_function(&with(&outbox)).await),
        "SMS_PROVIDER"
    );
    assert_eq!(
        var(setup::sms_function(&with(&tencent()[1..])).await),
        "SMS_PROVIDER"
    );
    let no_key: Vec<_> = tencent()
        .into_iter()
        .filter(|(name, _)| *name != "TENCENT_SMS_SECRET_KEY")
        .collect();
    assert_eq!(
        var(setup::sms_function(&with(&no_key)).await),
        "TENCENT_SMS_SECRET_KEY"
    );

    let mut no_table = base()[..1].to_vec();
    no_table.extend(tencent());
    assert_eq!(
        var(setup::sms_function(&config(&no_table)).await),
        "TABLE_NAME"
    );
    let mut no_signing_key = base()[1..].to_vec();
    no_signing_key.extend(tencent());
    assert_eq!(
        var(setup::sms_function(&config(&no_signing_key)).await),
        "TOKEN_SIGNING_KEY"
    );
}

/// password signs tokens, checks SMS codes (hashed under a key derived from
/// the signing key), asks WeChat for the phone button's number and stores
/// users: the signing key, WeChat's settings, the table and the apps with
/// their secrets. It never sends a code, so it starts without any SMS provider
/// settings, and a broken one does not stop it.
#[tokio::test]
async fn password_uses_the_signing_key_the_apps_and_the_table_but_no_sms_provider() {
    let apps = [("WECHAT_APPID", APP_A), ("WECHAT_SECRET", SECRET_A)];
    assert!(setup::password_function(&with(&apps)).await.is_ok());
    let mut settings = apps.to_vec();
    settings.extend([
        // The outbox, and a Tencent key without its other settings: the
        // sms function would stop on either.
        ("SMS_PROVIDER", "outbox"),
        ("TENCENT_SMS_SECRET_ID", "AKID example"),
        ("TENCENT_SMS_SDK_APP_ID", "app"),
        ("WATERMARK_MAX_AGE_SECS", "forever"),
        ("REGISTRATION", "maybe"),
    ]);
    assert!(setup::password_function(&with(&settings)).await.is_ok());
    let mut tencent_half = apps.to_vec();
    tencent_half.push(("SMS_PROVIDER", "tencent"));
    assert!(setup::password_function(&with(&tencent_half)).await.is_ok());

    assert_eq!(
        var(setup::password_function(&with(&apps[..1])).await),
        "WECHAT_SECRET"
    );
    assert_eq!(
        var(setup::password_function(&with(&apps[1..])).await),
        "WECHAT_APPID"
    );
    let mut slow = apps.to_vec();
    slow.push(("WECHAT_TIMEOUT_MS", "soon"));
    assert_eq!(
        var(setup::password_function(&with(&slow)).await),
        "WECHAT_TIMEOUT_MS"
    );
    let mut no_table = base()[..1].to_vec();
    no_table.extend(apps);
    assert_eq!(
        var(setup::password_function(&config(&no_table)).await),
        "TABLE_NAME"
    );
    let mut no_signing_key = base()[1..].to_vec();
    no_signing_key.extend(apps);
    assert_eq!(
        var(setup::password_function(&config(&no_signing_key)).await),
        "TOKEN_SIGNING_KEY"
    );
}

/// AWS's SMS settings as a function gets them from the template, the
/// function in a global region (not `base`'s): its role's credentials sign.
fn aws() -> Vec<(&'static str, &'static str)> {
    vec![
        ("SMS_PROVIDER", "aws"),
        ("AWS_REGION", "ap-southeast-1"),
        ("AWS_SMS_REGION", "ap-southeast-1"),
    ]
}

/// sms with `SMS_PROVIDER=aws` or `tencent+aws` starts with AWS's settings
/// (and Tencent's), and names the first one missing or malformed.
#[tokio::test]
async fn sms_starts_with_aws_or_both_and_names_a_bad_aws_setting() {
    assert!(setup::sms_function(&with(&aws())).await.is_ok());
    // The function's own region, when AWS_SMS_REGION is unset.
    assert!(setup::sms_function(&with(&aws()[..2])).await.is_ok());
    let mut both = tencent();
    both.extend(aws());
    both.push(("SMS_PROVIDER", "tencent+aws"));
    assert!(setup::sms_function(&with(&both)).await.is_ok());

    for (name, value) in [
        ("AWS_SMS_REGION", "Singapore"),
        ("AWS_SMS_REGION", "cn-northwest-1"),
        ("AWS_SMS_ENDPOINT", "sms-voice.ap-southeast-1.amazonaws.com"),
        ("AWS_SMS_ORIGINATION_IDENTITY", "+1 206 555 0100"),
        ("AWS_SMS_CONFIGURATION_SET", "otp set"),
        ("AWS_SMS_MESSAGE", "Your code"),
        ("AWS_SMS_TIMEOUT_MS", "60000"),
    ] {
        for settings in [aws(), both.clone()] {
            let mut settings = settings;
            settings.push((name, value));
            assert_eq!(
                var(setup::sms_function(&with(&settings)).await),
                name,
                "{name}={value}"
            );
        }
    }
    // Its own keys come both or neither: the missing one is named.
    let mut half_a_key = aws();
    half_a_key.push(("AWS_SMS_ACCESS_KEY_ID", "AKIAEXAMPLE"));
    assert_eq!(
        var(setup::sms_function(&with(&half_a_key)).await),
        "AWS_SMS_SECRET_ACCESS_KEY"
    );
    // tencent+aws needs Tencent's settings too.
    let mut no_tencent_key = both.clone();
    no_tencent_key.push(("TENCENT_SMS_SECRET_KEY", ""));
    assert_eq!(
        var(setup::sms_function(&with(&no_tencent_key)).await),
        "TENCENT_SMS_SECRET_KEY"
    );
    // In an AWS China region the role cannot sign for a global region: keys
    // of a global account are needed.
    let mut china = aws();
    china.push(("AWS_REGION", "cn-northwest-1"));
    assert_eq!(
        var(setup::sms_function(&with(&china)).await),
        "AWS_SMS_ACCESS_KEY_ID"
    );
    china.extend([
        ("AWS_SMS_ACCESS_KEY_ID", "AKIAGLOBALEXAMPLE"),
        ("AWS_SMS_SECRET_ACCESS_KEY", "global-secret-access-key"),
    ]);
    assert!(setup::sms_function(&with(&china)).await.is_ok());
    // Without the function's region, AWS_SMS_REGION is named.
    let no_region = config(&[
        ("TOKEN_SIGNING_KEY", signing_key_pem()),
        ("SMS_PROVIDER", "aws"),
    ]);
    assert_eq!(var(setup::sms_function(&no_region).await), "AWS_SMS_REGION");
}

/// Several problems: each function names the first setting it uses, the
/// signing key, before the table or the apps.
#[tokio::test]
async fn the_first_setting_a_function_uses_is_named_first() {
    let broken = config(&[("TABLE_NAME", "a b"), ("WECHAT_TIMEOUT_MS", "soon")]);
    // The verifiers name their public keys instead.
    assert_eq!(
        var(setup::authorizer_function(&broken)),
        "TOKEN_VERIFY_KEYS"
    );
    assert_eq!(
        var(setup::login_function(&broken).await),
        "TOKEN_SIGNING_KEY"
    );
    assert_eq!(
        var(setup::decrypt_profile_function(&broken).await),
        "TOKEN_SIGNING_KEY"
    );
    assert_eq!(
        var(setup::bind_phone_function(&broken).await),
        "TOKEN_VERIFY_KEYS"
    );
    assert_eq!(
        var(setup::account_function(&broken).await),
        "TOKEN_VERIFY_KEYS"
    );
    assert_eq!(
        var(setup::avatar_function(&broken).await),
        "TOKEN_VERIFY_KEYS"
    );
    assert_eq!(var(setup::sms_function(&broken).await), "TOKEN_SIGNING_KEY");
    assert_eq!(
        var(setup::password_function(&broken).await),
        "TOKEN_SIGNING_KEY"
    );
    // Past the key, login, decrypt-profile, account and password reach
    // WeChat's settings before the table.
    let broken = config(&[
        ("TOKEN_SIGNING_KEY", signing_key_pem()),
        ("TOKEN_VERIFY_KEYS", verify_keys_pem()),
        ("TABLE_NAME", "a b"),
        ("WECHAT_TIMEOUT_MS", "soon"),
    ]);
    assert_eq!(
        var(setup::login_function(&broken).await),
        "WECHAT_TIMEOUT_MS"
    );
    assert_eq!(
        var(setup::decrypt_profile_function(&broken).await),
        "WECHAT_TIMEOUT_MS"
    );
    assert_eq!(
        var(setup::account_function(&broken).await),
        "WECHAT_TIMEOUT_MS"
    );
    assert_eq!(
        var(setup::password_function(&broken).await),
        "WECHAT_TIMEOUT_MS"
    );
    assert_eq!(var(setup::authorizer_function(&broken)), "TABLE_NAME");
    // sms reaches its provider before the table.
    assert_eq!(var(setup::sms_function(&broken).await), "SMS_PROVIDER");
}
