//! Avatars (`POST /auth/profile/avatar`, `GET /avatars/…`): the image is
//! stored under its content hash, sent to WeChat's asynchronous check
//! (`media_check_async`, scene 资料, under the caller's openid), and the
//! upload stored pending (`domain::rules::avatar`); images no item names any
//! more are deleted.

use super::decider;
use crate::clock::Clock;
use crate::domain::rules::avatar::{self as rule, AvatarPolicy, UploadCheck, UploadInput};
use crate::domain::rules::nickname::{self as content, Checked, Judgement};
use crate::domain::rules::session::{self, Account};
use crate::domain::{AppId, AvatarImage, AvatarKey, TraceId, UploadedAvatar};
use crate::objects::{ObjectError, ObjectStore, StoredObject};
use crate::store::{ItemStore, StoreError, UserItem};
use crate::tokens::Caller;
use crate::wechat::{AppCredentials, Scene, WeChatApi, WeChatError};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum AvatarError {
    /// The token's session has ended.
    #[error("no session for this token")]
    SessionGone,
    /// Strict checks, and the account has no WeChat identity in the
    /// configured apps to check under.
    #[error("no openid to check the avatar with")]
    NoOpenId,
    /// Strict checks, and WeChat would not take the image.
    #[error(transparent)]
    WeChat(#[from] WeChatError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Objects(#[from] ObjectError),
}

pub struct AvatarService {
    apps: Vec<AppCredentials>,
    wechat: Arc<dyn WeChatApi>,
    store: Arc<dyn ItemStore>,
    objects: Arc<dyn ObjectStore>,
    clock: Arc<dyn Clock>,
    policy: AvatarPolicy,
}

impl AvatarService {
    pub fn new(
        apps: Vec<AppCredentials>,
        wechat: Arc<dyn WeChatApi>,
        store: Arc<dyn ItemStore>,
        objects: Arc<dyn ObjectStore>,
        clock: Arc<dyn Clock>,
        policy: AvatarPolicy,
    ) -> Self {
        Self {
            apps,
            wechat,
            store,
            objects,
            clock,
            policy,
        }
    }

    /// Stores `image` as the caller's new avatar, whose URL starts with
    /// `base_url` (no trailing `/`): the upload as it stands (pending while
    /// WeChat checks it).
    pub async fn upload(
        &self,
        caller: &Caller,
        image: AvatarImage,
        base_url: &str,
    ) -> Result<UploadedAvatar, AvatarError> {
        let now = self.clock.now_unix();
        let keys = caller.session_keys(now);
        let snapshot = decider::read(&*self.store, &keys.account_keys()).await?;
        let user = match session::account(&snapshot, &keys)? {
            Account::Live { user, .. } => user.clone(),
            Account::Ended | Account::Unread(_) => return Err(AvatarError::SessionGone),
        };
        let key = AvatarKey::for_image(&caller.subject.user_id, &image);
        let url = format!("{base_url}/{key}");
        let content_type = image.content_type();
        self.objects
            .put(&key, image.into_bytes(), content_type)
            .await?;
        let check = match self.check(caller, &user, &url).await {
            Ok(check) => check,
            Err(error) => {
                self.discard(&key, &user).await;
                return Err(error);
            }
        };
        let input = UploadInput { key, url, check };
        let outcome = decider::run(&*self.store, snapshot, |s| {
            rule::upload(s, &keys, &input, &self.policy)
        })
        .await;
        match outcome {
            Ok(rule::UploadOutcome::Stored { avatar, retired }) => {
                tracing::info!(
                    user_id = %caller.subject.user_id,
                    state = ?avatar.state,
                    trace_id = avatar.trace_id.as_ref().map(|t| t.as_str()).unwrap_or(""),
                    "avatar uploaded"
                );
                self.retire(&retired).await;
                Ok(avatar)
            }
            Ok(rule::UploadOutcome::SessionEnded) => {
                self.discard(&input.key, &user).await;
                Err(AvatarError::SessionGone)
            }
            Err(error) => {
                self.discard(&input.key, &user).await;
                Err(error.into())
            }
        }
    }

    /// WeChat's check of the image at `url`: asked (pending), or settled by
    /// the policy when WeChat is not asked or cannot be.
    async fn check(
        &self,
        caller: &Caller,
        user: &UserItem,
        url: &str,
    ) -> Result<UploadCheck, AvatarError> {
        let now = self.clock.now_unix();
        let settled = |checked: Checked| match content::judge(&self.policy.content, &checked, now) {
            Judgement::Store(check) => Some(UploadCheck::Settled(check)),
            Judgement::Reject { .. } | Judgement::Unavailable => None,
        };
        if !self.policy.content.asks_wechat() {
            return settled(Checked::NotAsked).ok_or(AvatarError::NoOpenId);
        }
        let appids: Vec<AppId> = self.apps.iter().map(|a| a.appid.clone()).collect();
        let Some((appid, openid)) = content::checked_as(&caller.subject.identity, user, &appids)
        else {
            return settled(Checked::NoVerdict).ok_or(AvatarError::NoOpenId);
        };
        let answer = match self.apps.iter().find(|a| a.appid == appid) {
            Some(app) => {
                self.wechat
                    .media_check_async(app, &openid, url, Scene::Profile)
                    .await
            }
            None => Err(WeChatError::Api {
                errcode: 40013,
                errmsg: "appid not served".into(),
            }),
        };
        let failure = match answer {
            Ok(trace) => match TraceId::parse(&trace) {
                Some(trace) => return Ok(UploadCheck::Asked(trace)),
                None => WeChatError::Malformed(format!("trace_id {trace:?}")),
            },
            Err(error) => error,
        };
        tracing::warn!(
            error = %failure,
            errcode = failure.errcode(),
            "WeChat did not take the avatar for checking"
        );
        settled(Checked::NoVerdict).ok_or(AvatarError::WeChat(failure))
    }

    /// Deletes an image stored for an upload that did not happen, unless the
    /// user's avatars name it (the same image uploaded again).
    async fn discard(&self, key: &AvatarKey, user: &UserItem) {
        if !user.avatars.keys().contains(&key) {
            self.retire(std::slice::from_ref(key)).await;
        }
    }

    /// Deletes images no item names. Best effort: one left behind costs
    /// storage, not correctness, and goes with the account.
    async fn retire(&self, keys: &[AvatarKey]) {
        for key in keys {
            if let Err(error) = self.objects.delete(key).await {
                tracing::warn!(key = %key, error = %error, "avatar image not deleted");
            }
        }
    }

    /// The image under `key`, to serve.
    pub async fn image(&self, key: &AvatarKey) -> Result<Option<StoredObject>, AvatarError> {
        Ok(self.objects.get(key).await?)
    }
}
