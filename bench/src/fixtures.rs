//! The handlers' paths without network, for the CPU benchmarks: the WeChat and
//! store ports answer from memory (their real adapters spend their time
//! waiting on the network, which Lambda does not bill as CPU), everything else
//! is the production code the functions run, from the API Gateway event text
//! to the answer. The open data is WeChat's own documented example.

use async_trait::async_trait;
use aws_lc_rs::digest::{SHA1_FOR_LEGACY_USE_ONLY, digest};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use wxauth_shared::api::Router;
use wxauth_shared::clock::FixedClock;
use wxauth_shared::domain::{AppId, OpenId, PhoneNumber, Profile, SessionKey, UnionId, UserId};
use wxauth_shared::setup::{all_routes, token_keys};
use wxauth_shared::store::{
    Account, LoginOutcome, LoginRecord, PhoneBind, PhoneBound, ProfileWrite, ProfileWritten,
    Revocation, Session, StoreError, UserRecord, UserStore,
};
use wxauth_shared::tokens::TokenSubject;
use wxauth_shared::wechat::{AppCredentials, Code2Session, PhoneInfo, WeChatApi, WeChatError};

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

/// A WeChat that answers every code at once, for the example's user.
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
            openid: OpenId::parse(self.example.openid.clone()).expect("openid"),
            session_key: SessionKey::parse(self.example.session_key.clone()).expect("key"),
            unionid: Some(UnionId::parse(self.example.unionid.clone()).expect("unionid")),
        })
    }

    async fn phone_number(
        &self,
        _app: &AppCredentials,
        _code: &str,
        _openid: &OpenId,
    ) -> Result<PhoneInfo, WeChatError> {
        Ok(PhoneInfo {
            phone: PhoneNumber::from_parts("86", "13800138000").expect("phone"),
            watermark_appid: Some(self.example.appid.clone()),
        })
    }
}

/// A store holding the example's user, a returning one, and answering every
/// write as accepted.
pub struct InstantStore {
    user: UserRecord,
    session: Session,
}

impl InstantStore {
    fn new(example: &OpenDataExample, user_id: &UserId) -> Self {
        let union_id = Some(UnionId::parse(example.unionid.clone()).expect("unionid"));
        Self {
            user: UserRecord {
                user_id: user_id.clone(),
                identities: vec![format!("{}#{}", example.appid, example.openid)],
                union_id: union_id.clone(),
                phone: None,
                profile: Profile::default(),
            },
            session: Session {
                user_id: user_id.clone(),
                session_key: SessionKey::parse(example.session_key.clone()).expect("key"),
                union_id,
                has_phone: false,
                updated_at: example.timestamp,
            },
        }
    }
}

#[async_trait]
impl UserStore for InstantStore {
    async fn record_login(&self, _login: &LoginRecord) -> Result<LoginOutcome, StoreError> {
        Ok(LoginOutcome {
            user_id: self.user.user_id.clone(),
            is_new_user: false,
            union_id: self.user.union_id.clone(),
            has_phone: false,
        })
    }

    async fn session(
        &self,
        _appid: &AppId,
        _openid: &OpenId,
    ) -> Result<Option<Session>, StoreError> {
        Ok(Some(self.session.clone()))
    }

    async fn account(
        &self,
        _user_id: &UserId,
        _appid: &AppId,
        _openid: &OpenId,
        _token_id: &str,
    ) -> Result<Option<Account>, StoreError> {
        Ok(Some(Account {
            session: self.session.clone(),
            user: self.user.clone(),
        }))
    }

    async fn revoke(&self, _revocation: &Revocation) -> Result<(), StoreError> {
        Ok(())
    }

    async fn is_revoked(&self, _token_id: &str) -> Result<bool, StoreError> {
        Ok(false)
    }

    async fn write_profile(&self, write: &ProfileWrite) -> Result<ProfileWritten, StoreError> {
        Ok(ProfileWritten::Stored {
            user_id: write.user.user_id.clone(),
            union_id: write.union_id.clone(),
            profile: write.profile.clone(),
        })
    }

    async fn bind_phone(&self, _bind: &PhoneBind) -> Result<PhoneBound, StoreError> {
        Ok(PhoneBound::Bound)
    }
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
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let keys = token_keys(&env, None).expect("token settings");
    let user_id = UserId::generate();
    let clock = FixedClock(example.timestamp + 60);
    let token = keys
        .issuer
        .issue(
            &TokenSubject {
                user_id: user_id.clone(),
                appid: AppId::parse(example.appid.clone()).expect("appid"),
                openid: OpenId::parse(example.openid.clone()).expect("openid"),
            },
            clock.0,
        )
        .expect("token")
        .token;
    let store = Arc::new(InstantStore::new(&example, &user_id));
    let wechat = Arc::new(InstantWeChat {
        example: example.clone(),
    });
    let router = all_routes(&env, store, wechat, keys, Arc::new(clock)).expect("routes");

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
