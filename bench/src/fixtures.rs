//! The handlers' paths without network, for the CPU benchmarks: the WeChat
//! port answers from memory and the store is the in-memory one (the real
//! adapters spend their time waiting on the network, which Lambda does not
//! bill as CPU); everything else is the production code the functions run,
//! from the API Gateway event text to the answer. The open data is WeChat's own documented example.

use async_trait::async_trait;
use aws_lc_rs::digest::{SHA1_FOR_LEGACY_USE_ONLY, digest};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use wxauth_shared::api::Router;
use wxauth_shared::clock::FixedClock;
use wxauth_shared::config::Config;
use wxauth_shared::domain::{
    AppId, Identity, OpenId, PhoneNumber, Profile, Session, SessionKey, UnionId, UserId,
};
use wxauth_shared::setup::{all_routes, token_keys};
use wxauth_shared::store::memory::MemoryStore;
use wxauth_shared::store::{
    Commit, Guard, IdentityItem, IdentityRef, Item, Key, OwnerItem, UserItem, Write,
};
use wxauth_shared::tokens::TokenSubject;
use wxauth_shared::wechat::{
    AppCredentials, Code2Session, MsgSecCheck, PhoneInfo, Scene, WeChatApi, WeChatError,
};

/// WeChat's documented user-info example (`tests/fixtures/wechat-vectors`).
const USERINFO_VECTOR: &str =
    include_str!("../../tests/fixtures/wechat-vectors/userinfo-official.json");

/// A user-info payload as a mini-program sends it, with everything needed to
/// check it.
#[derive(Debug, Clone)]
pub struct OpenDataExample {
    pub appid: String,
    pub openid: String,
    pub unionid: String,
    pub session_key: String,
    pub encrypted_data: String,
    pub iv: String,
    /// The fields of the payload (without `openId`, `unionId` and `watermark`),
    /// as `wx.getUserInfo` hands them over, and their signature.
    pub raw_data: String,
    pub signature: String,
    /// The watermark's timestamp: the benchmarks' clock stands just after it.
    pub timestamp: u64,
}

/// The documented example, with a `rawData` signed under its session key.
pub fn open_data_example() -> OpenDataExample {
    let vector: Value = serde_json::from_str(USERINFO_VECTOR).expect("vector is JSON");
    let text = |key: &str| vector[key].as_str().expect(key).to_owned();
    let plain: Value = serde_json::from_str(&text("plaintext")).expect("plaintext is JSON");
    let mut raw = plain.as_object().expect("object").clone();
    for key in ["openId", "unionId", "watermark"] {
        raw.remove(key);
    }
    let raw_data = Value::Object(raw).to_string();
    let session_key = text("session_key");
    let signed = format!("{raw_data}{session_key}");
    let signature = digest(&SHA1_FOR_LEGACY_USE_ONLY, signed.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    OpenDataExample {
        appid: text("appid"),
        openid: plain["openId"].as_str().expect("openId").to_owned(),
        unionid: plain["unionId"].as_str().expect("unionId").to_owned(),
        session_key,
        encrypted_data: text("encrypted_data"),
        iv: text("iv"),
        raw_data,
        signature,
        timestamp: plain["watermark"]["timestamp"].as_u64().expect("timestamp"),
    }
}

/// A WeChat that answers every code at once, for the example's user in
/// another mini-program identity (same unionId): the logins measured then do
/// not replace the session that the profile and phone events' token names
/// (one session per identity).
pub struct InstantWeChat {
    example: OpenDataExample,
}

#[async_trait]
impl WeChatApi for InstantWeChat {
    async fn code2session(
        &self,
        _app: &AppCredentials,
        _code: &str,
    ) -> Result<Code2Session, WeChatError> {
        Ok(Code2Session {
            openid: OpenId::parse(format!("{}-login", self.example.openid)).expect("openid"),
            session_key: SessionKey::parse(self.example.session_key.clone()).expect("key"),
            unionid: Some(UnionId::parse(self.example.unionid.clone()).expect("unionid")),
        })
    }

    async fn phone_number(
        &self,
        _app: &AppCredentials,
        _code: &str,
        _openid: Option<&OpenId>,
    ) -> Result<PhoneInfo, WeChatError> {
        Ok(PhoneInfo {
            phone: PhoneNumber::from_parts("86", "13800138000").expect("phone"),
            watermark_appid: Some(self.example.appid.clone()),
        })
    }

    /// The example's key is always WeChat's current one.
    async fn check_session(
        &self,
        _app: &AppCredentials,
        _openid: &OpenId,
        session_key: &SessionKey,
    ) -> Result<bool, WeChatError> {
        Ok(session_key.expose_base64() == self.example.session_key)
    }

    /// Passes every text: the bench measures no content checks.
    async fn msg_sec_check(
        &self,
        _app: &AppCredentials,
        _openid: &OpenId,
        _text: &str,
        _scene: Scene,
    ) -> Result<MsgSecCheck, WeChatError> {
        Ok(MsgSecCheck {
            verdict: wxauth_shared::domain::Verdict {
                suggest: wxauth_shared::domain::Suggest::Pass,
                label: 100,
            },
            trace_id: None,
        })
    }

    /// Accepts every image with a fixed trace id: the bench measures no
    /// content checks, and the verdict would come by push, not here.
    async fn media_check_async(
        &self,
        _app: &AppCredentials,
        _openid: &OpenId,
        _media_url: &str,
        _scene: Scene,
    ) -> Result<String, WeChatError> {
        Ok("bench-media-check".to_owned())
    }

    /// Hands the example's key back: the bench never rotates it.
    async fn reset_session_key(
        &self,
        _app: &AppCredentials,
        _openid: &OpenId,
        _session_key: &SessionKey,
    ) -> Result<SessionKey, WeChatError> {
        Ok(SessionKey::parse(self.example.session_key.clone()).expect("key"))
    }
}

/// An in-memory store holding the example's user, a returning one, so the
/// routes run the account rules and the commit semantics without a database.
fn seeded_store(example: &OpenDataExample, user_id: &UserId, session: &Session) -> MemoryStore {
    let appid = AppId::parse(example.appid.clone()).expect("appid");
    let openid = OpenId::parse(example.openid.clone()).expect("openid");
    let union_id = UnionId::parse(example.unionid.clone()).expect("unionid");
    let at = example.timestamp;
    let store = MemoryStore::new();
    let put = |key, item| Write::Put {
        key,
        item,
        guard: Guard::Absent,
    };
    let seeded = store.commit_now(&[
        put(
            Key::identity(&appid, &openid),
            Item::Identity(IdentityItem {
                user_id: user_id.clone(),
                session_key: SessionKey::parse(example.session_key.clone()).expect("key"),
                session_at: at,
                created_at: at,
                union_id: Some(union_id.clone()),
                has_phone: false,
                session: Some(session.clone()),
            }),
        ),
        put(
            Key::user(user_id),
            Item::User(UserItem {
                created_at: at,
                identities: vec![IdentityRef::new(&appid, &openid)],
                union_id: Some(union_id.clone()),
                phone: None,
                profile: Profile::default(),
                checks: Default::default(),
                avatars: Default::default(),
                password: None,
                version: 1,
            }),
        ),
        put(
            Key::union(&union_id),
            Item::Union(OwnerItem {
                user_id: user_id.clone(),
                created_at: at,
                session: None,
            }),
        ),
    ]);
    assert_eq!(seeded.expect("seed"), Commit::Done);
    store
}

/// Every route over the instant ports, configured as a deployment would be,
/// with a token for the example's user and the three request events.
pub struct OfflineRoutes {
    pub router: Router,
    pub example: OpenDataExample,
    /// API Gateway HTTP API events, as JSON text: what the Lambda runtime hands
    /// to lambda_http.
    pub login_event: String,
    pub profile_event: String,
    pub phone_event: String,
}

/// Builds [`OfflineRoutes`] with `signing_key_pem`.
pub fn offline_routes(signing_key_pem: &str) -> OfflineRoutes {
    let example = open_data_example();
    let env: HashMap<String, String> = [
        ("WECHAT_APPID", example.appid.as_str()),
        ("WECHAT_SECRET", "bench-app-secret"),
        ("TOKEN_SIGNING_KEY", signing_key_pem),
        // Not pushed to in these benchmarks; the router needs them.
        ("WECHAT_PUSH_TOKEN", "benchPushToken"),
        (
            "WECHAT_PUSH_AES_KEY",
            "kWxPqL8s3nVbT0yZr5mJc2hF7dGa9eUoQiN4tR6wX1Y",
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let config = Config::from_env(&env).expect("configuration");
    let keys = token_keys(&config).expect("token settings");
    let user_id = UserId::generate();
    let clock = FixedClock(example.timestamp + 60);
    let session = keys.sessions.draw(clock.0).session;
    let token = keys
        .sessions
        .issuer
        .issue(
            &TokenSubject {
                user_id: user_id.clone(),
                identity: Identity::wechat(
                    &AppId::parse(example.appid.clone()).expect("appid"),
                    &OpenId::parse(example.openid.clone()).expect("openid"),
                ),
                session_id: session.id.clone(),
            },
            clock.0,
            clock.0 + 600,
        )
        .expect("token")
        .token;
    let store = Arc::new(seeded_store(&example, &user_id, &session));
    let wechat = Arc::new(InstantWeChat {
        example: example.clone(),
    });
    // No SMS is sent in these benchmarks: the outbox, in a scratch directory.
    let sms = Arc::new(wxauth_shared::sms::outbox::Outbox::new(
        &std::env::temp_dir(),
        Arc::new(clock),
    ));
    // No avatar is uploaded either: a scratch directory.
    let objects = Arc::new(wxauth_shared::objects::files::FileObjects::new(
        std::env::temp_dir().join("wxauth-bench-avatars"),
    ));
    let router =
        all_routes(&config, store, objects, wechat, sms, keys, Arc::new(clock)).expect("routes");

    let event = |path: &str, body: Value, token: Option<&str>| {
        wxauth_tests::events::http_api_event("POST", path, Some(&body.to_string()), token)
            .to_string()
    };
    OfflineRoutes {
        login_event: event(
            "/auth/login",
            json!({"code": "0a3Xk2000pQbNQ1mVw300xHcWp0Xk20s"}),
            None,
        ),
        profile_event: event(
            "/auth/profile",
            json!({
                "encryptedData": example.encrypted_data,
                "iv": example.iv,
                "rawData": example.raw_data,
                "signature": example.signature,
            }),
            Some(&token),
        ),
        phone_event: event(
            "/auth/phone",
            json!({"code": "e31968a7f94cc5ee25fafc2aef2773f0bb8c3937b22520eb8ee345274d00c144"}),
            Some(&token),
        ),
        router,
        example,
    }
}

/// One request through the function's own code: the event parsed as
/// lambda_http parses it, routed, answered. Returns the status.
pub async fn handle_event(router: &Router, event: &str) -> u16 {
    let request = lambda_http::request::from_str(event).expect("event parses");
    wxauth_shared::lambda::handle(router, request)
        .await
        .status()
        .as_u16()
}
