//! The decrypt-profile use case: open the mini-program's encrypted user info
//! with the session's key, check it, store the profile and link the unionId.

use super::decider;
use super::sessions::{SessionIssuer, SessionTokens};
use super::undecryptable::why_undecryptable;
use crate::clock::Clock;
use crate::domain::rules::profile::{self as rule, ProfileOutcome};
use crate::domain::{Profile, UnionId, UserId};
use crate::open_data::{self, EncryptedOpenData, Expectations, OpenDataError};
use crate::store::{ItemStore, StoreError};
use crate::tokens::{Caller, TokenError};
use crate::wechat::{AppCredentials, WeChatApi};
use serde_json::Value;
use std::sync::Arc;

/// What the client sent, parsed at the edge.
#[derive(Debug, Clone)]
pub struct ProfileInput {
    pub data: EncryptedOpenData,
    /// `rawData` and `signature`, when both were given.
    pub raw_data: Option<(String, String)>,
}

/// What the answer reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileResult {
    pub user_id: UserId,
    pub union_id: Option<UnionId>,
    pub profile: Profile,
    /// A new session's tokens when the user was folded into the unionId's
    /// owner (the old session ended with the fold).
    pub tokens: Option<SessionTokens>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The token's identity no longer has a session with this user.
    #[error("no session for this token")]
    SessionGone,
    #[error(transparent)]
    OpenData(#[from] OpenDataError),
    #[error("the unionId belongs to another account")]
    AccountConflict,
    #[error("decrypted payload is malformed: {0}")]
    BadPayload(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Token(#[from] TokenError),
}

pub struct ProfileService {
    /// The apps' credentials and WeChat, to tell a stale session_key from bad
    /// data when decryption fails (`checksession`).
    apps: Vec<AppCredentials>,
    wechat: Arc<dyn WeChatApi>,
    store: Arc<dyn ItemStore>,
    sessions: Arc<SessionIssuer>,
    clock: Arc<dyn Clock>,
    watermark_max_age_secs: u64,
}

impl ProfileService {
    pub fn new(
        apps: Vec<AppCredentials>,
        wechat: Arc<dyn WeChatApi>,
        store: Arc<dyn ItemStore>,
        sessions: Arc<SessionIssuer>,
        clock: Arc<dyn Clock>,
        watermark_max_age_secs: u64,
    ) -> Self {
        Self {
            apps,
            wechat,
            store,
            sessions,
            clock,
            watermark_max_age_secs,
        }
    }

    pub async fn decrypt(
        &self,
        caller: &Caller,
        input: &ProfileInput,
    ) -> Result<ProfileResult, ProfileError> {
        let subject = &caller.subject;
        let now = self.clock.now_unix();
        let keys = caller.session_keys(now);
        // Open data belongs to a mini-program identity.
        let (appid, openid) = subject.wechat().ok_or(ProfileError::SessionGone)?;
        let (snapshot, session_key) = decider::read_account(&*self.store, &keys)
            .await?
            .ok_or(ProfileError::SessionGone)?;
        let expect = Expectations {
            appid,
            openid,
            now,
            max_age_secs: self.watermark_max_age_secs,
        };
        let raw_data = input
            .raw_data
            .as_ref()
            .map(|(raw, signature)| (raw.as_str(), signature.as_str()));
        let payload = match open_data::open(&session_key, &input.data, raw_data, &expect) {
            Err(OpenDataError::SessionKeyStale) => {
                let app = self.apps.iter().find(|a| &a.appid == appid);
                return Err(why_undecryptable(&*self.wechat, app, openid, &session_key)
                    .await
                    .into());
            }
            other => other?,
        };
        let union_id = match payload.get("unionId") {
            None | Some(Value::Null) => None,
            Some(Value::String(u)) if u.is_empty() => None,
            Some(Value::String(u)) => {
                Some(UnionId::parse(u.as_str()).map_err(|_| ProfileError::BadPayload("unionId"))?)
            }
            Some(_) => return Err(ProfileError::BadPayload("unionId")),
        };
        let new = self.sessions.draw(now);
        let input = rule::ProfileInput {
            profile: Profile::from_payload(&payload),
            union_id,
            now,
            new_session: new.session.clone(),
        };
        let outcome =
            decider::run(&*self.store, snapshot, |s| rule::decide(s, &keys, &input)).await?;
        match outcome {
            ProfileOutcome::Stored {
                user_id,
                union_id,
                profile,
            } => {
                tracing::info!(user_id = %user_id, linked_union = union_id.is_some(), "profile stored");
                Ok(ProfileResult {
                    user_id,
                    union_id,
                    profile,
                    tokens: None,
                })
            }
            ProfileOutcome::Folded {
                owner,
                union_id,
                profile,
            } => {
                tracing::info!(from = %subject.user_id, into = %owner, "user folded into the unionId's owner");
                let tokens = self.sessions.tokens(
                    &owner,
                    &subject.identity,
                    &new.session,
                    &new.secret,
                    now,
                )?;
                Ok(ProfileResult {
                    user_id: owner,
                    union_id: Some(union_id),
                    profile,
                    tokens: Some(tokens),
                })
            }
            ProfileOutcome::SessionEnded => Err(ProfileError::SessionGone),
            ProfileOutcome::Conflict => {
                tracing::warn!(user_id = %subject.user_id, "unionId belongs to another account");
                Err(ProfileError::AccountConflict)
            }
        }
    }
}
