//! Which secret each function holds, read from `template.yaml` as
//! CloudFormation expands it: the private key only where tokens are signed,
//! public keys where they are only verified, and each other secret only where
//! it is used. A secret added to the wrong function fails here.

use std::collections::BTreeMap;
use wxauth_tests::template::{self, EVERY_OPTION, TemplateFacts};

/// The secrets each function may hold, and nothing more.
const EXPECTED: &[(&str, &[&str])] = &[
    ("LoginFunction", &["TOKEN_SIGNING_KEY", "WECHAT_SECRET"]),
    (
        "DecryptProfileFunction",
        &["TOKEN_SIGNING_KEY", "WECHAT_SECRET"],
    ),
    (
        "SmsFunction",
        &[
            "AWS_SMS_ACCESS_KEY_ID",
            "AWS_SMS_SECRET_ACCESS_KEY",
            "SMS_CODE_KEY",
            "TENCENT_SMS_SECRET_ID",
            "TENCENT_SMS_SECRET_KEY",
            "TOKEN_SIGNING_KEY",
        ],
    ),
    (
        "PasswordFunction",
        &["SMS_CODE_KEY", "TOKEN_SIGNING_KEY", "WECHAT_SECRET"],
    ),
    ("BindPhoneFunction", &["SMS_CODE_KEY", "WECHAT_SECRET"]),
    ("AccountFunction", &["WECHAT_SECRET"]),
    (
        "AvatarFunction",
        &["WECHAT_PUSH_AES_KEY", "WECHAT_PUSH_TOKEN", "WECHAT_SECRET"],
    ),
    ("AuthorizerFunction", &[]),
    ("ExampleMeFunction", &[]),
    ("TokenKeysFunction", &[]),
];

/// The functions that verify tokens and sign none.
const VERIFIERS: &[&str] = &[
    "AccountFunction",
    "AvatarFunction",
    "BindPhoneFunction",
    "AuthorizerFunction",
];

fn secrets(facts: &TemplateFacts) -> BTreeMap<&str, Vec<&str>> {
    facts
        .functions
        .iter()
        .map(|(name, f)| {
            (
                name.as_str(),
                f.secrets.iter().map(String::as_str).collect(),
            )
        })
        .collect()
}

#[test]
fn each_function_holds_only_the_secrets_it_uses() {
    template::require();
    let facts = template::facts(EVERY_OPTION, &[]);
    let expected: BTreeMap<&str, Vec<&str>> =
        EXPECTED.iter().map(|(f, s)| (*f, s.to_vec())).collect();
    assert_eq!(secrets(&facts), expected);

    for name in VERIFIERS {
        let env = &facts.functions[*name].environment;
        assert!(!env.contains_key("TOKEN_SIGNING_KEY"), "{name}");
        assert_eq!(
            env["TOKEN_VERIFY_KEYS"], "<TokenKeys.PublicKeys>",
            "{name} verifies with the public keys derived at deploy time"
        );
    }
    for (name, function) in &facts.functions {
        let values: Vec<&String> = function.environment.values().collect();
        assert!(
            !values.iter().any(|v| v.contains("signing-key"))
                || function.secrets.contains(&"TOKEN_SIGNING_KEY".to_owned()),
            "{name} holds the signing key under another name"
        );
    }

    println!("secrets per function (every option on):");
    for (name, held) in secrets(&facts) {
        println!("  {name:<24} {}: {}", held.len(), held.join(", "));
    }
}

#[test]
fn a_provider_left_out_leaves_its_keys_out() {
    template::require();
    // Tencent alone: the AWS SMS keys go nowhere; no push token: no avatar function.
    let tencent_only =
        template::options_but(&["AwsSms", "WeChatPush"], &[("SmsProvider", "tencent")]);
    let facts = template::facts(&tencent_only, &[]);
    assert!(!facts.functions.contains_key("AvatarFunction"));
    assert_eq!(
        facts.functions["SmsFunction"].secrets,
        [
            "SMS_CODE_KEY",
            "TENCENT_SMS_SECRET_ID",
            "TENCENT_SMS_SECRET_KEY",
            "TOKEN_SIGNING_KEY"
        ]
    );

    // Without SMS at all, no SMS function holds anything.
    let no_sms: Vec<(&str, &str)> = tencent_only
        .iter()
        .copied()
        .filter(|(name, _)| !name.starts_with("TencentSms"))
        .collect();
    let facts = template::facts(&no_sms, &[]);
    assert!(!facts.functions.contains_key("SmsFunction"));
}
