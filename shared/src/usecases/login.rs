//! The login use case: code → WeChat session → our user → our token.

use super::decider;
use super::sessions::{SessionIssuer, SessionTokens};
use crate::clock::Clock;
use crate::domain::rules::{Snapshot, login as rule};
use crate::domain::{AppId, Identity, UserId};
use crate::store::{Guard, Item, ItemStore, StoreError};
use crate::tokens::TokenError;
use crate::wechat::{AppCredentials, WeChatApi, WeChatError};
use std::sync::Arc;

/// What the login answer reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginResult {
    pub tokens: SessionTokens,
    pub user_id: UserId,
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
    sessions: Arc<SessionIssuer>,
    clock: Arc<dyn Clock>,
}

impl LoginService {
    /// `apps` must not be empty: the first is the default app.
    pub fn new(
        apps: Vec<AppCredentials>,
        wechat: Arc<dyn WeChatApi>,
        store: Arc<dyn ItemStore>,
        sessions: Arc<SessionIssuer>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        assert!(!apps.is_empty(), "LoginService needs at least one app");
        Self {
            apps,
            wechat,
            store,
            sessions,
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

    /// Exchanges a `wx.login` code for a new session's tokens. The
    /// session_key goes to the store and nowhere else.
    pub async fn login(
        &self,
        code: &str,
        appid: Option<&AppId>,
    ) -> Result<LoginResult, LoginError> {
        let app = self.app(appid)?;
        let wechat = self.wechat.code2session(app, code).await?;
        let now = self.clock.now_unix();
        let new = self.sessions.draw(now);
        let input = rule::LoginInput {
            appid: app.appid.clone(),
            openid: wechat.openid,
            unionid: wechat.unionid,
            session_key: wechat.session_key,
            now,
            new_user_id: UserId::generate(),
            session: new.session.clone(),
        };
        let outcome = record(&*self.store, &input).await?;
        let identity = Identity::wechat(&input.appid, &input.openid);
        let tokens =
            self.sessions
                .tokens(&outcome.user_id, &identity, &new.session, &new.secret, now)?;
        tracing::info!(
            user_id = %outcome.user_id,
            appid = %input.appid,
            session_id = %new.session.id,
            is_new_user = outcome.is_new_user,
            "login succeeded"
        );
        Ok(LoginResult {
            tokens,
            user_id: outcome.user_id,
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
