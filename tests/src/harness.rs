//! One backend under test: the shared router (every route) over a chosen store,
//! talking to a fresh WeChat simulator, driven through the Lambda adapter.

use crate::dynamo_proxy::DynamoProxy;
use crate::http_front::{self, HttpFront};
use crate::{emulator, events};
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use wxauth_shared::api::Router;
use wxauth_shared::clock::{Clock, SystemClock};
use wxauth_shared::config::Config;
use wxauth_shared::domain::{AppId, OpenId};
use wxauth_shared::objects::ObjectStore;
use wxauth_shared::objects::files::FileObjects;
use wxauth_shared::setup::{self, TokenKeys};
use wxauth_shared::store::dynamo::{DynamoStore, RequestCounter};
use wxauth_shared::store::embedded::EmbeddedStore;
use wxauth_shared::store::{IdentityItem, Item, ItemStore, Key};
use wxauth_shared::tokens::SigningKey;
use wxauth_shared::wechat::HttpWeChat;
use wxauth_wechat_sim::{PushTarget, RunningSimulator, Simulator};

/// Two mini-programs of one Open Platform account.
pub const APP_A: &str = "wxa1a1a1a1a1a1a1a1";
pub const APP_B: &str = "wxb2b2b2b2b2b2b2b2";
/// Distinctive secrets, so a log capture can look for them.
pub const SECRET_A: &str = "app-secret-A-5f3c9e2d7b1a";
pub const SECRET_B: &str = "app-secret-B-8e4d2c6a0f9b";
/// The message push settings, as both the backend and the simulator have them.
pub const PUSH_TOKEN: &str = "wxauthPushToken7";
pub const PUSH_AES_KEY: &str = "kWxPqL8s3nVbT0yZr5mJc2hF7dGa9eUoQiN4tR6wX1Y";

/// The machine's clock, moved forward by the test: every router of a harness
/// (and its authorizer) reads it, so sessions and tokens can expire.
#[derive(Debug, Default)]
pub struct TestClock {
    ahead_secs: AtomicU64,
}

impl TestClock {
    pub fn advance(&self, secs: u64) {
        self.ahead_secs.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now_unix(&self) -> u64 {
        SystemClock.now_unix() + self.ahead_secs.load(Ordering::SeqCst)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    Dynamo,
    Embedded,
}

/// One RSA key per test process: generating one per test would dominate the suite.
pub fn signing_key_pem() -> &'static str {
    static PEM: OnceLock<String> = OnceLock::new();
    PEM.get_or_init(|| SigningKey::generate().expect("generate key").1)
}

/// The public key of [`signing_key_pem`]: the `TOKEN_VERIFY_KEYS` of the
/// functions that only verify tokens, as the template's TokenKeys derives it.
pub fn verify_keys_pem() -> &'static str {
    static PEM: OnceLock<String> = OnceLock::new();
    PEM.get_or_init(|| {
        wxauth_shared::tokens::DerivedKeys::derive(signing_key_pem(), "")
            .expect("derive the public key")
            .public_keys_pem
    })
}

/// A data directory removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> Self {
        let path =
            std::env::temp_dir().join(format!("wxauth-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&path).expect("create temp dir");
        Self(path)
    }
}

impl Default for TempDir {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub struct Harness {
    pub sim: RunningSimulator,
    pub router: Router,
    pub store: Arc<dyn ItemStore>,
    /// DynamoDB requests sent so far (DynamoDB harnesses only).
    pub dynamo_requests: Option<RequestCounter>,
    pub env: HashMap<String, String>,
    /// The table of a DynamoDB harness.
    pub dynamo_table: Option<String>,
    /// The clock every router of this harness reads.
    pub clock: Arc<TestClock>,
    embedded: Option<EmbeddedStore>,
    /// Where avatar images go: the emulator's S3 with DynamoDB, a directory
    /// with the embedded store (as the local server).
    pub objects: Arc<dyn ObjectStore>,
    /// The S3 bucket of a DynamoDB harness.
    pub bucket: Option<String>,
    /// Where the SMS codes go (`sms-outbox.jsonl`): the tests read them there.
    outbox: TempDir,
    _data_dir: Option<TempDir>,
}

impl Harness {
    /// A backend over `kind` (DynamoDB: the emulator, which must be running,
    /// see [`emulator::client`]).
    pub async fn start(kind: StoreKind) -> Self {
        Self::start_with(kind, &[]).await
    }

    /// Same, with extra settings (e.g. `WECHAT_TIMEOUT_MS`).
    pub async fn start_with(kind: StoreKind, settings: &[(&str, &str)]) -> Self {
        let mut dynamo_table = None;
        let mut embedded = None;
        let mut bucket = None;
        let (store, objects, dynamo_requests, data_dir): (
            Arc<dyn ItemStore>,
            Arc<dyn ObjectStore>,
            _,
            _,
        ) = match kind {
            StoreKind::Dynamo => {
                let (client, counter) = emulator::client().await;
                let table = emulator::fresh_table(&client).await;
                dynamo_table = Some(table.clone());
                let s3 = emulator::s3_config();
                let name = emulator::fresh_bucket(&aws_sdk_s3::Client::from_conf(s3.clone())).await;
                bucket = Some(name.clone());
                counter.take();
                (
                    Arc::new(DynamoStore::new(client, table)),
                    Arc::new(emulator::s3_objects(&name)),
                    Some(counter),
                    None,
                )
            }
            StoreKind::Embedded => {
                let dir = TempDir::new();
                let store = EmbeddedStore::open(&dir.0).expect("open embedded store");
                embedded = Some(store.clone());
                let objects = Arc::new(FileObjects::new(dir.0.join("avatars")));
                (Arc::new(store), objects, None, Some(dir))
            }
        };
        let sim = Simulator::new([(APP_A, SECRET_A), (APP_B, SECRET_B)])
            .start("127.0.0.1:0".parse().unwrap())
            .await
            .expect("start simulator");
        let mut env: HashMap<String, String> = [
            ("WECHAT_APPID", format!("{APP_A},{APP_B}")),
            ("WECHAT_SECRET", format!("{SECRET_A},{SECRET_B}")),
            ("WECHAT_API_BASE", sim.base_url().to_owned()),
            ("TOKEN_ISSUER", "https://auth.example.com".to_owned()),
            ("TOKEN_AUDIENCE", "wxauth-tests".to_owned()),
            ("TOKEN_SIGNING_KEY", signing_key_pem().to_owned()),
            ("WECHAT_PUSH_TOKEN", PUSH_TOKEN.to_owned()),
            ("WECHAT_PUSH_AES_KEY", PUSH_AES_KEY.to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        for (k, v) in settings {
            env.insert((*k).to_owned(), (*v).to_owned());
        }
        let clock = Arc::new(TestClock::default());
        let outbox = TempDir::new();
        let router = build_router(
            &env,
            store.clone(),
            objects.clone(),
            clock.clone(),
            &outbox.0,
        );
        Self {
            sim,
            router,
            store,
            objects,
            bucket,
            dynamo_requests,
            env,
            dynamo_table,
            clock,
            embedded,
            outbox,
            _data_dir: data_dir,
        }
    }

    /// Another router over the same store and simulator, with some settings
    /// changed (a key rotation, say).
    pub fn router_with(&self, settings: &[(&str, &str)]) -> Router {
        let mut env = self.env.clone();
        for (k, v) in settings {
            env.insert((*k).to_owned(), (*v).to_owned());
        }
        build_router(
            &env,
            self.store.clone(),
            self.objects.clone(),
            self.clock.clone(),
            &self.outbox.0,
        )
    }

    /// Another router over the same DynamoDB table, whose requests go through
    /// `proxy` (which can hold one of them): the other party of a race test.
    pub fn router_via(&self, proxy: &DynamoProxy) -> Router {
        let table = self.dynamo_table.clone().expect("a DynamoDB harness");
        let store = Arc::new(DynamoStore::new(emulator::client_via(&proxy.url()), table));
        build_router(
            &self.env,
            store,
            self.objects.clone(),
            self.clock.clone(),
            &self.outbox.0,
        )
    }

    /// The stored identity of (appid, openid), read straight from the store.
    pub async fn identity(&self, appid: &str, openid: &str) -> Option<IdentityItem> {
        let key = Key::identity(
            &AppId::parse(appid).expect("appid"),
            &OpenId::parse(openid).expect("openid"),
        );
        match self
            .store
            .get(std::slice::from_ref(&key))
            .await
            .expect("read")
            .remove(&key)
        {
            Some(Item::Identity(identity)) => Some(identity),
            None => None,
            Some(other) => panic!("{key:?} holds {other:?}"),
        }
    }

    /// Another router over `store` (a wrapper of this harness's store).
    pub fn router_over(&self, store: Arc<dyn ItemStore>) -> Router {
        build_router(
            &self.env,
            store,
            self.objects.clone(),
            self.clock.clone(),
            &self.outbox.0,
        )
    }

    /// Every key in the store, sorted: to list a user's items before and after.
    pub async fn all_keys(&self) -> Vec<String> {
        let mut keys = match (&self.embedded, &self.dynamo_table) {
            (Some(store), _) => store.keys().await.expect("list the embedded store"),
            (None, Some(table)) => {
                let (client, _) = emulator::client().await;
                let mut keys = Vec::new();
                let mut start = None;
                loop {
                    let page = client
                        .scan()
                        .table_name(table)
                        .consistent_read(true)
                        .set_exclusive_start_key(start)
                        .send()
                        .await
                        .expect("scan");
                    for item in page.items() {
                        if let Some(aws_sdk_dynamodb::types::AttributeValue::S(pk)) = item.get("pk")
                        {
                            keys.push(pk.clone());
                        }
                    }
                    start = page.last_evaluated_key().cloned();
                    if start.is_none() {
                        break;
                    }
                }
                keys
            }
            (None, None) => unreachable!("a harness has a store"),
        };
        keys.sort();
        keys
    }

    /// `POST /auth/login` of the simulated `user` (with code `options`) in
    /// `appid`, which must succeed: its answer.
    pub async fn logged_in(&self, user: &str, options: &str, appid: &str) -> Value {
        let (status, body) = self.login(&Self::code(user, options), Some(appid)).await;
        assert_eq!(status, 200, "login of {user}: {body}");
        body
    }

    /// A DynamoDB harness and a proxy in front of the emulator (the race tests).
    pub async fn with_proxy() -> (Self, DynamoProxy) {
        let h = Self::start(StoreKind::Dynamo).await;
        let proxy = DynamoProxy::start(&emulator::url()).await;
        (h, proxy)
    }

    /// The codes sent so far to `e164`, oldest first, from the SMS outbox.
    pub fn sms_codes_sent(&self, e164: &str) -> Vec<String> {
        let text =
            std::fs::read_to_string(self.outbox.0.join("sms-outbox.jsonl")).unwrap_or_default();
        text.lines()
            .map(|line| serde_json::from_str::<Value>(line).expect("an outbox line"))
            .filter(|message| message["phone"] == e164)
            .map(|message| message["code"].as_str().expect("a code").to_owned())
            .collect()
    }

    /// `POST /auth/refresh` with `refresh_token`.
    pub async fn refresh(&self, refresh_token: &str) -> (u16, Value) {
        let body = serde_json::json!({ "refreshToken": refresh_token }).to_string();
        self.post("/auth/refresh", &body, None).await
    }

    /// Whether the authorizer allows `token`, and why not.
    pub async fn authorize(&self, token: &str) -> wxauth_shared::authorizer::AuthorizerResponse {
        let request = wxauth_shared::authorizer::AuthorizerRequest {
            identity_source: Some(vec![format!("Bearer {token}")]),
            headers: None,
        };
        self.authorizer()
            .decide(&request)
            .await
            .expect("the authorizer reads the store")
    }

    /// The Lambda authorizer over this harness's store and token settings.
    pub fn authorizer(&self) -> wxauth_shared::authorizer::TokenAuthorizer {
        let config = Config::from_env(&self.env).expect("configuration");
        let keys: TokenKeys = setup::token_keys(&config).expect("token settings");
        wxauth_shared::authorizer::TokenAuthorizer::new(
            keys.verifier,
            self.store.clone(),
            self.clock.clone(),
        )
    }

    pub fn simulator(&self) -> &Simulator {
        self.sim.simulator()
    }

    /// This backend (with `settings` changed) served over HTTP as API
    /// Gateway serves it, with the simulator's message push pointed at its
    /// `/wechat/push`: for the routes WeChat calls back (avatars).
    pub async fn serve_with(&self, settings: &[(&str, &str)]) -> HttpFront {
        let front = http_front::serve(self.router_with(settings)).await;
        for appid in [APP_A, APP_B] {
            self.simulator().set_push_target(
                appid,
                PushTarget {
                    url: format!("{}/wechat/push", front.base_url),
                    token: PUSH_TOKEN.to_owned(),
                    encoding_aes_key: PUSH_AES_KEY.to_owned(),
                },
            );
        }
        front
    }

    /// Sends one API Gateway v2 event through the Lambda adapter.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        token: Option<&str>,
    ) -> (u16, Value) {
        call_router(&self.router, method, path, body, token).await
    }

    pub async fn post(&self, path: &str, body: &str, token: Option<&str>) -> (u16, Value) {
        self.call("POST", path, Some(body), token).await
    }

    /// `POST /auth/login` with `code` (and `appid` when given).
    pub async fn login(&self, code: &str, appid: Option<&str>) -> (u16, Value) {
        let mut body = serde_json::json!({ "code": code });
        if let Some(appid) = appid {
            body["appid"] = appid.into();
        }
        self.post("/auth/login", &body.to_string(), None).await
    }

    /// `wx.login` that never reaches this backend: the code is exchanged
    /// straight with the simulator, which rotates `user`'s session key in
    /// `appid` while the backend keeps the old one (what happens when a
    /// mini-program calls `wx.login` again, e.g. in a button callback).
    pub async fn wechat_login_only(&self, user: &str, appid: &str) {
        let secret = if appid == APP_A { SECRET_A } else { SECRET_B };
        let text = reqwest::Client::new()
            .get(format!("{}/sns/jscode2session", self.sim.base_url()))
            .query(&[
                ("appid", appid),
                ("secret", secret),
                ("js_code", Self::code(user, "").as_str()),
                ("grant_type", "authorization_code"),
            ])
            .send()
            .await
            .expect("simulator answers")
            .text()
            .await
            .expect("a body");
        let answer: Value = serde_json::from_str(&text).expect("JSON");
        assert!(answer["session_key"].is_string(), "{answer}");
    }

    /// A unique code for the simulated user `user`, with extra options.
    pub fn code(user: &str, options: &str) -> String {
        let nonce = uuid::Uuid::new_v4().simple();
        if options.is_empty() {
            format!("{user};n={nonce}")
        } else {
            format!("{user};{options};n={nonce}")
        }
    }
}

/// The string `field` of an answer (`token`, `refreshToken`, `userId`, …).
pub fn text(body: &Value, field: &str) -> String {
    body[field]
        .as_str()
        .unwrap_or_else(|| panic!("no {field} in {body}"))
        .to_owned()
}

/// The access token of a login's (or refresh's) answer.
pub fn token(body: &Value) -> String {
    text(body, "token")
}

/// The `error.code` of an answer, if it is an error.
pub fn error_code(answer: &Value) -> Option<&str> {
    answer["error"]["code"].as_str()
}

/// Every route over `store`, configured by `env`, as the functions build them.
fn build_router(
    env: &HashMap<String, String>,
    store: Arc<dyn ItemStore>,
    objects: Arc<dyn ObjectStore>,
    clock: Arc<TestClock>,
    outbox_dir: &std::path::Path,
) -> Router {
    let config = Config::from_env(env).expect("configuration");
    let keys: TokenKeys = setup::token_keys(&config).expect("token settings");
    let wechat_settings = config.wechat.settings().expect("wechat settings");
    let mut policy = wxauth_shared::wechat::CallPolicy::new(wechat_settings.call_timeout);
    // Same policy as production but a short backoff, to keep the suite fast.
    policy.first_backoff = Duration::from_millis(20);
    let wechat = Arc::new(
        HttpWeChat::new(&wechat_settings)
            .expect("http client")
            .with_policy(policy),
    );
    // As the local server: the outbox unless SMS_PROVIDER names a provider
    // (the Tencent or AWS stand-in, or both, in the tests that set it).
    let provider = config.sms.provider.get().expect("SMS settings");
    let sms: Arc<dyn wxauth_shared::sms::SmsSender> =
        match wxauth_shared::sms::provider_sender(provider, clock.clone()).expect("sender") {
            Some(sender) => sender,
            None => Arc::new(wxauth_shared::sms::outbox::Outbox::new(
                outbox_dir,
                clock.clone(),
            )),
        };
    setup::all_routes(&config, store, objects, wechat, sms, keys, clock).expect("router")
}

/// Sends one API Gateway v2 event to `router` through the Lambda adapter.
pub async fn call_router(
    router: &Router,
    method: &str,
    path: &str,
    body: Option<&str>,
    token: Option<&str>,
) -> (u16, Value) {
    let event = events::http_api_event(method, path, body, token);
    let response = wxauth_shared::lambda::handle(router, events::request(&event)).await;
    events::status_and_json(response)
}
