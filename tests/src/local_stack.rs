//! The stack as `template.yaml` deploys it, run on this machine: each
//! function's binary under its own `cargo lambda watch`, started with exactly
//! the environment the template gives it (read by `scripts/template_facts.py`
//! after the SAM transform), each behind its own counting DynamoDB proxy.
//!
//! The template's values are resolved as CloudFormation would: the
//! parameters given, `UsersTable` and `AvatarBucket` as the emulator's table
//! and bucket, and `TokenKeys`' attributes from the real `token-keys` binary,
//! run first under cargo-lambda as CloudFormation runs it (a Create request,
//! its answer PUT to a local `ResponseURL`).
//!
//! The test adds only what Lambda itself sets (`AWS_REGION` and the role's
//! credentials) and the redirections of a machine without AWS or WeChat
//! ([`Redirections`]): `AWS_ENDPOINT_URL_DYNAMODB` (the function's proxy),
//! `AWS_ENDPOINT_URL_S3`, `WECHAT_API_BASE` and `TENCENT_SMS_ENDPOINT`.

use crate::cargo_lambda::Watch;
use crate::dynamo_proxy::DynamoProxy;
use crate::template::{self, FunctionFacts};
use axum::body::Bytes;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

/// Where the functions' outbound calls go instead of AWS and WeChat.
pub struct Redirections {
    /// The DynamoDB emulator, behind one counting proxy per function.
    pub dynamodb: String,
    pub s3: String,
    pub wechat_api_base: String,
    pub tencent_sms_endpoint: String,
}

struct Running {
    logical_id: String,
    watch: Watch,
    proxy: DynamoProxy,
    routes: BTreeSet<String>,
    policy: BTreeSet<String>,
    invoked: Mutex<BTreeSet<String>>,
}

pub struct LocalStack {
    /// By binary name.
    functions: BTreeMap<String, Running>,
}

/// One function's run: its routes and DynamoDB actions against the template's.
#[derive(Debug)]
pub struct FunctionRun {
    pub logical_id: String,
    pub binary: String,
    pub routes: usize,
    pub routes_invoked: usize,
    pub actions_allowed: BTreeSet<String>,
    pub actions_seen: BTreeSet<String>,
}

impl LocalStack {
    /// Starts every function the template deploys under `parameters`, with
    /// the emulator's `table` and `bucket`. Blocking: call it from a
    /// blocking thread of a tokio runtime (the proxies run on the runtime).
    pub fn start(
        parameters: &[(&str, &str)],
        table: &str,
        bucket: &str,
        redirections: &Redirections,
    ) -> LocalStack {
        let runtime = tokio::runtime::Handle::current();
        let resources = [("UsersTable.Ref", table), ("AvatarBucket.Ref", bucket)];
        let before = template::facts(parameters, &resources);
        let binaries: Vec<&str> = before
            .functions
            .values()
            .map(|f| f.binary.as_str())
            .collect();
        crate::cargo_lambda::build_exact(&binaries);
        let signing_key = parameter(parameters, "TokenSigningKey");
        let verify_keys = parameter(parameters, "TokenVerifyKeys");
        let keys = run_token_keys(
            &runtime,
            &before.functions["TokenKeysFunction"],
            &signing_key,
            &verify_keys,
        );
        let mut attributes = resources.to_vec();
        attributes.push(("TokenKeys.PublicKeys", text(&keys["PublicKeys"])));
        attributes.push(("TokenKeys.SmsCodeKey", text(&keys["SmsCodeKey"])));
        let facts = template::facts(parameters, &attributes);

        let mut functions = BTreeMap::new();
        for (logical_id, function) in &facts.functions {
            if logical_id == "TokenKeysFunction" {
                continue; // deploy time only: run above
            }
            let proxy = runtime.block_on(DynamoProxy::start(&redirections.dynamodb));
            let mut env = environment(function);
            env.extend(
                [
                    ("AWS_ENDPOINT_URL_DYNAMODB", proxy.url()),
                    ("AWS_ENDPOINT_URL_S3", redirections.s3.clone()),
                    ("WECHAT_API_BASE", redirections.wechat_api_base.clone()),
                    (
                        "TENCENT_SMS_ENDPOINT",
                        redirections.tencent_sms_endpoint.clone(),
                    ),
                ]
                .map(|(k, v)| (k.to_owned(), v)),
            );
            let running = Running {
                logical_id: logical_id.clone(),
                watch: Watch::start_exact(&env),
                proxy,
                routes: function
                    .routes
                    .iter()
                    .map(|(method, path)| format!("{method} {path}"))
                    .collect(),
                policy: function.dynamodb_actions.iter().cloned().collect(),
                invoked: Mutex::new(BTreeSet::new()),
            };
            functions.insert(function.binary.clone(), running);
        }
        LocalStack { functions }
    }

    /// Invokes `binary` with `event` and returns its answer. A route event
    /// (with a `routeKey`) must be on one of the routes the template sends
    /// to that function; an authorizer's request, on a route of the API.
    pub fn invoke(&self, binary: &str, event: &Value) -> Value {
        let running = self
            .functions
            .get(binary)
            .unwrap_or_else(|| panic!("the template deploys no function running {binary}"));
        let authorizing = event["type"] == "REQUEST";
        if let Some(route) = event["routeKey"].as_str().filter(|_| authorizing) {
            assert!(
                self.functions.values().any(|f| f.routes.contains(route)),
                "{binary} authorizes {route}, which is no route of template.yaml"
            );
        } else if let Some(route) = event["routeKey"].as_str() {
            assert!(
                running.routes.contains(route),
                "template.yaml routes {route} elsewhere than {} ({binary}): its routes are {:?}",
                running.logical_id,
                running.routes
            );
            running
                .invoked
                .lock()
                .expect("lock")
                .insert(route.to_owned());
        }
        running.watch.invoke(binary, event)
    }

    /// What every function printed so far.
    pub fn log(&self) -> String {
        self.functions.values().map(|f| f.watch.log()).collect()
    }

    /// Each function's routes invoked and DynamoDB actions seen, by binary.
    pub fn runs(&self) -> Vec<FunctionRun> {
        self.functions
            .iter()
            .map(|(binary, f)| FunctionRun {
                logical_id: f.logical_id.clone(),
                binary: binary.clone(),
                routes: f.routes.len(),
                routes_invoked: f.invoked.lock().expect("lock").len(),
                actions_allowed: f.policy.clone(),
                actions_seen: f.proxy.iam_actions(),
            })
            .collect()
    }

    /// The template's routes not invoked yet, as `"<function>: <route>"`.
    pub fn routes_not_invoked(&self) -> Vec<String> {
        self.functions
            .values()
            .flat_map(|f| {
                let invoked = f.invoked.lock().expect("lock").clone();
                f.routes
                    .iter()
                    .filter(move |r| !invoked.contains(*r))
                    .map(|r| format!("{}: {r}", f.logical_id))
                    .collect::<Vec<_>>()
            })
            .collect()
    }
}

/// The template's environment of `function` and what Lambda itself sets.
fn environment(function: &FunctionFacts) -> HashMap<String, String> {
    for (name, value) in &function.environment {
        assert!(
            !(value.starts_with('<') && value.ends_with('>')),
            "{name} is {value}: an attribute this run does not resolve"
        );
    }
    let mut env: HashMap<String, String> = function.environment.clone().into_iter().collect();
    for name in ["AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] {
        if let Ok(value) = std::env::var(name) {
            env.insert(name.to_owned(), value);
        }
    }
    env.entry("AWS_REGION".to_owned())
        .or_insert_with(|| "us-east-1".to_owned());
    env
}

fn parameter(parameters: &[(&str, &str)], name: &str) -> String {
    parameters
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| (*v).to_owned())
        .unwrap_or_default()
}

fn text(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"))
}

/// Runs `token-keys` as CloudFormation does at deploy time (a Create request;
/// the answer PUT to the presigned `ResponseURL`) and returns the answer's
/// `Data`.
fn run_token_keys(
    runtime: &tokio::runtime::Handle,
    function: &FunctionFacts,
    signing_key: &str,
    verify_keys: &str,
) -> Value {
    let answers: Arc<Mutex<Vec<Bytes>>> = Arc::default();
    let received = answers.clone();
    let app = axum::Router::new().fallback(axum::routing::put(move |body: Bytes| async move {
        received.lock().expect("lock").push(body);
        ""
    }));
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind the ResponseURL");
    let address = listener.local_addr().expect("its address");
    let server = runtime.spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    let watch = Watch::start_exact(&environment(function));
    let service_token = "arn:aws:lambda:us-east-1:123456789012:function:wxauth-TokenKeysFunction";
    let request = json!({
        "RequestType": "Create",
        "ServiceToken": service_token,
        "ResponseURL": format!("http://{address}/cloudformation-response?X-Amz-Signature=local"),
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/wxauth/local",
        "RequestId": uuid::Uuid::new_v4().to_string(),
        "ResourceType": "Custom::TokenKeys",
        "LogicalResourceId": "TokenKeys",
        "ResourceProperties": {
            "ServiceToken": service_token,
            "SigningKey": signing_key,
            "VerifyKeys": verify_keys,
        }
    });
    watch.invoke("token-keys", &request);
    server.abort();
    let answers = answers.lock().expect("lock");
    assert_eq!(answers.len(), 1, "one answer to CloudFormation");
    let answer: Value = serde_json::from_slice(&answers[0]).expect("a JSON answer");
    assert_eq!(answer["Status"], "SUCCESS", "{answer}");
    assert_eq!(answer["NoEcho"], true, "the keys are masked");
    assert!(
        !watch.log().contains("PRIVATE KEY"),
        "token-keys logged the signing key"
    );
    answer["Data"].clone()
}
