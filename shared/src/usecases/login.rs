//! The login use case: code → WeChat session → our user → our token.

use crate::clock::Clock;
use crate::domain::AppId;
use crate::store::{LoginRecord, StoreError, UserStore};
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
    store: Arc<dyn UserStore>,
    tokens: Arc<TokenIssuer>,
    clock: Arc<dyn Clock>,
}

impl LoginService {
    /// `apps` must not be empty: the first is the default app.
    pub fn new(
        apps: Vec<AppCredentials>,
        wechat: Arc<dyn WeChatApi>,
        store: Arc<dyn UserStore>,
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
        let record = LoginRecord {
            appid: app.appid.clone(),
            openid: session.openid,
            unionid: session.unionid,
            session_key: session.session_key,
            now: self.clock.now_unix(),
        };
        let outcome = self.store.record_login(&record).await?;
        let subject = TokenSubject {
            user_id: outcome.user_id,
            appid: record.appid,
            openid: record.openid,
        };
        let token = self.tokens.issue(&subject, record.now)?;
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
