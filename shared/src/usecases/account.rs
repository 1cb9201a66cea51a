//! The caller's account: what it holds (`GET /auth/me`) and its deletion
//! (`DELETE /auth/account`), after which WeChat is asked to reset each of its
//! session_keys, best effort.

use super::decider;
use crate::clock::Clock;
use crate::domain::rules::Snapshot;
use crate::domain::rules::account::{self as rule, AccountView, Deletion};
use crate::domain::rules::avatar::AvatarPolicy;
use crate::domain::rules::session::{self, Account};
use crate::domain::{Identity, SessionKey};
use crate::objects::{ObjectError, ObjectStore};
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
    #[error(transparent)]
    Objects(#[from] ObjectError),
}

pub struct AccountService {
    apps: Vec<AppCredentials>,
    wechat: Arc<dyn WeChatApi>,
    store: Arc<dyn ItemStore>,
    objects: Arc<dyn ObjectStore>,
    clock: Arc<dyn Clock>,
    avatars: AvatarPolicy,
}

impl AccountService {
    pub fn new(
        apps: Vec<AppCredentials>,
        wechat: Arc<dyn WeChatApi>,
        store: Arc<dyn ItemStore>,
        objects: Arc<dyn ObjectStore>,
        clock: Arc<dyn Clock>,
        avatars: AvatarPolicy,
    ) -> Self {
        Self {
            apps,
            wechat,
            store,
            objects,
            clock,
            avatars,
        }
    }

    /// The caller's account (two reads: the session and user, then the
    /// user's other identities).
    pub async fn view(&self, caller: &Caller) -> Result<AccountView, AccountError> {
        let keys = caller.session_keys(self.clock.now_unix());
        decider::run(&*self.store, Snapshot::default(), |s| {
            rule::view(s, &keys, &self.avatars)
        })
        .await?
        .ok_or(AccountError::SessionEnded)
    }

    /// Deletes the caller's avatar images, then its user and everything it
    /// holds, in one commit. Images first: if their deletion fails, the
    /// account is still there to delete again; the other way round, they
    /// would outlive it with nobody to delete them.
    pub async fn delete(&self, caller: &Caller) -> Result<(), AccountError> {
        let keys = caller.session_keys(self.clock.now_unix());
        let snapshot = decider::read(&*self.store, &keys.account_keys()).await?;
        if !matches!(session::account(&snapshot, &keys)?, Account::Live { .. }) {
            return Err(AccountError::SessionEnded);
        }
        let images = self.objects.delete_user(&keys.user_id).await?;
        let outcome = decider::run(&*self.store, snapshot, |s| rule::delete(s, &keys)).await?;
        let Deletion::Deleted { wechat } = outcome else {
            return Err(AccountError::SessionEnded);
        };
        tracing::info!(
            user_id = %caller.subject.user_id,
            identities = wechat.len(),
            images,
            "account deleted"
        );
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
