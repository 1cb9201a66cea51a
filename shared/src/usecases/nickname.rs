//! Setting the nickname the user typed (`PUT /auth/profile/nickname`): WeChat's
//! content check (`msg_sec_check`, scene 资料, under the caller's openid),
//! the content policy's judgement (`domain::rules::nickname`), then the
//! nickname stored with its check state.

use super::decider;
use crate::clock::Clock;
use crate::domain::rules::nickname::{
    self as rule, Checked, ContentPolicy, Judgement, NicknameInput, NicknameOutcome,
};
use crate::domain::rules::session::{self, Account};
use crate::domain::{AppId, ContentChecks, NickName, Profile};
use crate::store::{ItemStore, StoreError};
use crate::tokens::Caller;
use crate::wechat::{AppCredentials, Scene, WeChatApi, WeChatError};
use std::sync::Arc;

/// What the answer reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NicknameResult {
    pub profile: Profile,
    pub checks: ContentChecks,
}

#[derive(Debug, thiserror::Error)]
pub enum NicknameError {
    /// The token's session has ended.
    #[error("no session for this token")]
    SessionGone,
    /// WeChat's verdict (`risky`, or `review` under `CONTENT_CHECK_REVIEW=reject`).
    #[error("WeChat's content check refused the nickname (label {label})")]
    Rejected { label: u32 },
    /// Strict checks, and the account has no WeChat identity in the
    /// configured apps to check under.
    #[error("no openid to check the nickname with")]
    NoOpenId,
    /// Strict checks, and WeChat gave no verdict.
    #[error(transparent)]
    WeChat(#[from] WeChatError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct NicknameService {
    apps: Vec<AppCredentials>,
    wechat: Arc<dyn WeChatApi>,
    store: Arc<dyn ItemStore>,
    clock: Arc<dyn Clock>,
    policy: ContentPolicy,
}

impl NicknameService {
    pub fn new(
        apps: Vec<AppCredentials>,
        wechat: Arc<dyn WeChatApi>,
        store: Arc<dyn ItemStore>,
        clock: Arc<dyn Clock>,
        policy: ContentPolicy,
    ) -> Self {
        Self {
            apps,
            wechat,
            store,
            clock,
            policy,
        }
    }

    pub async fn set(
        &self,
        caller: &Caller,
        nick_name: NickName,
    ) -> Result<NicknameResult, NicknameError> {
        let now = self.clock.now_unix();
        let keys = caller.session_keys(now);
        let snapshot = decider::read(&*self.store, &keys.account_keys()).await?;
        let user = match session::account(&snapshot, &keys)? {
            Account::Live { user, .. } => user,
            Account::Ended | Account::Unread(_) => return Err(NicknameError::SessionGone),
        };
        let (checked, failure) = if self.policy.asks_wechat() {
            let appids: Vec<AppId> = self.apps.iter().map(|a| a.appid.clone()).collect();
            match rule::checked_as(&caller.subject.identity, user, &appids) {
                None => (Checked::NoVerdict, None),
                Some((appid, openid)) => {
                    let app = self.apps.iter().find(|a| a.appid == appid);
                    let answer = match app {
                        Some(app) => {
                            self.wechat
                                .msg_sec_check(app, &openid, nick_name.as_str(), Scene::Profile)
                                .await
                        }
                        // A session of an app this deployment no longer serves.
                        None => Err(WeChatError::Api {
                            errcode: 40013,
                            errmsg: "appid not served".into(),
                        }),
                    };
                    match answer {
                        Ok(check) => {
                            tracing::info!(
                                suggest = ?check.verdict.suggest,
                                label = check.verdict.label,
                                trace_id = check.trace_id.as_deref().unwrap_or(""),
                                "nickname checked"
                            );
                            (Checked::Verdict(check.verdict), None)
                        }
                        Err(error) => {
                            tracing::warn!(
                                error = %error,
                                errcode = error.errcode(),
                                "WeChat gave no verdict on the nickname"
                            );
                            (Checked::NoVerdict, Some(error))
                        }
                    }
                }
            }
        } else {
            (Checked::NotAsked, None)
        };
        let check = match rule::judge(&self.policy, &checked, now) {
            Judgement::Store(check) => check,
            Judgement::Reject { label } => {
                tracing::info!(label, "nickname refused by WeChat's content check");
                return Err(NicknameError::Rejected { label });
            }
            Judgement::Unavailable => {
                return Err(failure.map_or(NicknameError::NoOpenId, NicknameError::WeChat));
            }
        };
        let input = NicknameInput { nick_name, check };
        let outcome =
            decider::run(&*self.store, snapshot, |s| rule::decide(s, &keys, &input)).await?;
        match outcome {
            NicknameOutcome::Stored { profile, checks } => {
                tracing::info!(
                    user_id = %caller.subject.user_id,
                    state = ?check.state,
                    "nickname stored"
                );
                Ok(NicknameResult { profile, checks })
            }
            NicknameOutcome::SessionEnded => Err(NicknameError::SessionGone),
        }
    }
}
