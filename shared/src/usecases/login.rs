//! The login use case: code → WeChat session → our user → our token.

use super::decider;
use crate::clock::Clock;
use crate::domain::rules::{Snapshot, login as rule};
use crate::domain::{AppId, UserId};
use crate::store::{Guard, Item, ItemStore, StoreError};
use crate::tokens::{IssuedToken, TokenError, TokenIssuer, TokenSubject};
use crate::wechat::{AppCredentials, WeChatApi, WeChatError};
use std::sync::Arc;

/// What the login answer reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginResult {
    pub token: IssuedToken,
    pub subject: TokenSubject,
    pub is_new_user: bool,
    pub has_union_id: bool,
    pub has_phone: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("appid {0} is not configured")]
    UnknownApp(AppId),
    #[error(transparent)]
    WeChat(#[from] WeChatError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Token(#[from] TokenError),
}

/// Everything login needs, built once per process.
pub struct LoginService {
    apps: Vec<AppCredentials>,
    wechat: Arc<dyn WeChatApi>,
    store: Arc<dyn ItemStore>,
    tokens: Arc<TokenIssuer>,
    clock: Arc<dyn Clock>,
}

impl LoginService {
    /// `apps` must not be empty: the first is the default app.
    pub fn new(
        apps: Vec<AppCredentials>,
        wechat: Arc<dyn WeChatApi>,
        store: Arc<dyn ItemStore>,
        tokens: Arc<TokenIssuer>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        assert!(!apps.is_empty(), "LoginService needs at least one app");
        Self {
            apps,
            wechat,
            store,
            tokens,
            clock,
        }
    }

    fn app(&self, appid: Option<&AppId>) -> Result<&AppCredentials, LoginError> {
        match appid {
            None => Ok(&self.apps[0]),
            Some(id) => self
                .apps
                .iter()
                .find(|app| &app.appid == id)
                .ok_or_else(|| LoginError::UnknownApp(id.clone())),
        }
    }

    /// Exchanges a `wx.login` code for our token. The session_key goes to the
    /// store and nowhere else.
    pub async fn login(
        &self,
        code: &str,
        appid: Option<&AppId>,
    ) -> Result<LoginResult, LoginError> {
        let app = self.app(appid)?;
        let session = self.wechat.code2session(app, code).await?;
        let input = rule::LoginInput {
            appid: app.appid.clone(),
            openid: session.openid,
            unionid: session.unionid,
            session_key: session.session_key,
            now: self.clock.now_unix(),
            new_user_id: UserId::generate(),
        };
        let outcome = record(&*self.store, &input).await?;
        let subject = TokenSubject {
            user_id: outcome.user_id,
            appid: input.appid,
            openid: input.openid,
        };
        let token = self.tokens.issue(&subject, input.now)?;
        tracing::info!(
            user_id = %subject.user_id,
            appid = %subject.appid,
            is_new_user = outcome.is_new_user,
            "login succeeded"
        );
        Ok(LoginResult {
            token,
            subject,
            is_new_user: outcome.is_new_user,
            has_union_id: outcome.union_id.is_some(),
            has_phone: outcome.has_phone,
        })
    }
}

/// Records a login: first the returning user's one request (the session on an
/// existing identity), then, only when needed, the login rule's loop.
pub async fn record(
    store: &dyn ItemStore,
    input: &rule::LoginInput,
) -> Result<rule::LoginOutcome, StoreError> {
    let key = input.identity_key();
    let touched = store
        .patch_identity(&key, &input.session_patch(), &Guard::Exists)
        .await?;
    let session_written = touched.is_some();
    let mut snapshot = Snapshot::default();
    snapshot.set(key, touched.map(Item::Identity));
    decider::run(store, snapshot, |s| rule::decide(s, input, session_written)).await
}
