//! The caller's account: what it holds (`GET /auth/me`) and its deletion
//! (`DELETE /auth/account`), after which WeChat is asked to reset each of its
//! session_keys, best effort.

use super::decider;
use crate::clock::Clock;
use crate::domain::rules::Snapshot;
use crate::domain::rules::account::{self as rule, AccountView, Deletion};
use crate::domain::{Identity, SessionKey};
use crate::store::{ItemStore, StoreError};
use crate::tokens::Caller;
use crate::wechat::{AppCredentials, WeChatApi};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("no session for this token")]
    SessionEnded,
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct AccountService {
    apps: Vec<AppCredentials>,
    wechat: Arc<dyn WeChatApi>,
    store: Arc<dyn ItemStore>,
    clock: Arc<dyn Clock>,
}

impl AccountService {
    pub fn new(
        apps: Vec<AppCredentials>,
        wechat: Arc<dyn WeChatApi>,
        store: Arc<dyn ItemStore>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            apps,
            wechat,
            store,
            clock,
        }
    }

    /// The caller's account (two reads: the session and user, then the
    /// user's other identities).
    pub async fn view(&self, caller: &Caller) -> Result<AccountView, AccountError> {
        let keys = caller.session_keys(self.clock.now_unix());
        decider::run(&*self.store, Snapshot::default(), |s| rule::view(s, &keys))
            .await?
            .ok_or(AccountError::SessionEnded)
    }

    /// Deletes the caller's user and everything it holds, in one commit.
    pub async fn delete(&self, caller: &Caller) -> Result<(), AccountError> {
        let keys = caller.session_keys(self.clock.now_unix());
        let outcome = decider::run(&*self.store, Snapshot::default(), |s| {
            rule::delete(s, &keys)
        })
        .await?;
        let Deletion::Deleted { wechat } = outcome else {
            return Err(AccountError::SessionEnded);
        };
        tracing::info!(user_id = %caller.subject.user_id, identities = wechat.len(), "account deleted");
        for (identity, session_key) in &wechat {
            self.reset_session_key(identity, session_key).await;
        }
        Ok(())
    }

    /// Kills the identity's session_key at WeChat too. Best effort: the
    /// account is gone whatever WeChat answers; only the errcode is logged.
    async fn reset_session_key(&self, identity: &Identity, session_key: &SessionKey) {
        let Identity::WeChat { appid, openid } = identity else {
            return;
        };
        let Some(app) = self.apps.iter().find(|a| &a.appid == appid) else {
            tracing::warn!(appid = %appid, "no credentials for this app: session_key not reset");
            return;
        };
        match self
            .wechat
            .reset_session_key(app, openid, session_key)
            .await
        {
            Ok(_) => tracing::info!(appid = %appid, "session_key reset at WeChat"),
            Err(error) => tracing::warn!(
                appid = %appid,
                errcode = ?error.errcode(),
                "resetusersessionkey failed; the account is deleted anyway"
            ),
        }
    }
}
