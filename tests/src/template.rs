//! What `template.yaml` gives each function, read as CloudFormation reads it:
//! `scripts/template_facts.py` expands the SAM transform with
//! aws-sam-translator (installed into `.venv` with cfn-lint) and resolves the
//! intrinsics against the parameters given here.

use crate::cargo_lambda::workspace_root;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::process::Command;

/// Every optional part on (SMS by both providers with an access key, avatars),
/// so that every conditional secret is in the template's answer.
pub const EVERY_OPTION: &[(&str, &str)] = &[
    ("AppId", "wx1"),
    ("AppSecret", "app-secret"),
    ("TokenSigningKey", "signing-key"),
    ("WeChatPushToken", "pushtoken1"),
    (
        "WeChatPushAesKey",
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ",
    ),
    ("SmsProvider", "tencent+aws"),
    ("TencentSmsSecretId", "tencent-id"),
    ("TencentSmsSecretKey", "tencent-key"),
    ("TencentSmsSdkAppId", "1400000000"),
    ("TencentSmsSignName", "sign"),
    ("TencentSmsTemplateId", "1"),
    ("AwsSmsAccessKeyId", "aws-id"),
    ("AwsSmsSecretAccessKey", "aws-secret"),
];

/// [`EVERY_OPTION`] without the parameters whose names start with one of
/// `left_out`, and with `changed` in place of their values.
pub fn options_but(
    left_out: &[&str],
    changed: &[(&'static str, &'static str)],
) -> Vec<(&'static str, &'static str)> {
    EVERY_OPTION
        .iter()
        .filter(|(name, _)| !left_out.iter().any(|prefix| name.starts_with(prefix)))
        .map(|&(name, value)| {
            changed
                .iter()
                .find(|(n, _)| *n == name)
                .copied()
                .unwrap_or((name, value))
        })
        .collect()
}

#[derive(Debug, Deserialize)]
pub struct TemplateFacts {
    /// By logical id; the functions the conditions leave out are absent.
    pub functions: BTreeMap<String, FunctionFacts>,
    pub throttling: Throttling,
    /// Each parameter's `Default` as text; `None` when it has none.
    pub parameter_defaults: BTreeMap<String, Option<String>>,
}

/// The HttpApi stage's limits, as API Gateway applies them to each route.
#[derive(Debug, Deserialize)]
pub struct Throttling {
    pub default: Limits,
    /// By route key (`POST /auth/login`): the routes with limits of their own.
    pub routes: BTreeMap<String, Limits>,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Requests per second, steady.
    pub rate: Option<f64>,
    pub burst: Option<u64>,
}

#[derive(Debug, Deserialize)]
pub struct FunctionFacts {
    /// The workspace binary it runs.
    pub binary: String,
    pub environment: BTreeMap<String, String>,
    /// The variables whose value comes from a NoEcho parameter or the masked
    /// answer of the TokenKeys custom resource.
    pub secrets: Vec<String>,
    /// `[method, path]` of each HttpApi route the template sends to it.
    pub routes: Vec<(String, String)>,
    pub dynamodb_actions: Vec<String>,
    /// Megabytes and seconds, as the template states them.
    pub memory: serde_json::Value,
    pub timeout: serde_json::Value,
    /// `None`: the account's shared pool.
    pub reserved_concurrency: Option<u64>,
}

/// Fails the calling test, saying why and what to run, when python3 cannot
/// import the SAM translator (it is in `.venv`).
pub fn require() {
    let works = Command::new("python3")
        .args(["-c", "import samtranslator"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        works,
        "this test needs aws-sam-translator and python3 cannot import it: \
         run scripts/test.sh, or scripts/with-services.sh cargo test … (it puts .venv/bin on the PATH)"
    );
}

/// The template's functions under `parameters` (name, value) and resource
/// attributes (`Resource.Attribute`, value; others read `<Resource.Attribute>`).
pub fn facts(parameters: &[(&str, &str)], attributes: &[(&str, &str)]) -> TemplateFacts {
    let root = workspace_root();
    let mut command = Command::new("python3");
    command
        .arg(root.join("scripts/template_facts.py"))
        .arg(root.join("template.yaml"));
    for (name, value) in parameters {
        command.arg("--parameter").arg(format!("{name}={value}"));
    }
    for (name, value) in attributes {
        command.arg("--attribute").arg(format!("{name}={value}"));
    }
    let output = command.output().expect("run scripts/template_facts.py");
    assert!(
        output.status.success(),
        "template_facts.py failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("template_facts.py prints JSON")
}
