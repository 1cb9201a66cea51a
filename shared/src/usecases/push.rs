//! WeChat's message push (消息推送), in safe mode (安全模式): the server
//! verification (`GET /wechat/push`) and the events (`POST /wechat/push`),
//! of which wxauth acts on one, `wxa_media_check`: the verdict on an avatar.
//!
//! A push is believed only when its signature is ours (sha1 over the token,
//! timestamp, nonce and, for an event, the ciphertext), its timestamp is
//! within [`PUSH_MAX_AGE_SECS`] of now (a captured push replayed later is
//! refused), it decrypts with our EncodingAESKey and names one of our apps.
//! A push replayed within the window finds its verdict already applied.

use super::decider;
use crate::clock::Clock;
use crate::config::Secret;
use crate::crypto::message::{self, PushKey};
use crate::domain::rules::Snapshot;
use crate::domain::rules::avatar::{self as rule, AvatarPolicy, PushOutcome};
use crate::domain::{AppId, AvatarKey, TraceId};
use crate::objects::ObjectStore;
use crate::store::{ItemStore, PushedVerdict, StoreError};
use crate::wechat::parse_media_check_event;
use std::sync::Arc;

/// How far a push's timestamp may be from now, either way, in seconds.
pub const PUSH_MAX_AGE_SECS: u64 = 300;

/// The message-push settings of the mini-program admin (开发 → 开发管理 →
/// 消息推送): `WECHAT_PUSH_TOKEN` and `WECHAT_PUSH_AES_KEY`.
#[derive(Clone)]
pub struct PushSettings {
    pub token: Secret,
    pub key: PushKey,
    /// The apps whose pushes are taken.
    pub appids: Vec<AppId>,
}

#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// The signature is not ours, or the ciphertext does not decrypt with
    /// our key.
    #[error("the push's signature is not ours")]
    BadSignature,
    /// The timestamp is outside the window: a replay, or a clock far off.
    #[error("the push's timestamp is outside the {PUSH_MAX_AGE_SECS} s window")]
    Expired,
    /// It decrypted, for an app this deployment does not serve.
    #[error("a push for app {0}, which is not served here")]
    UnknownApp(String),
    /// Not in safe mode, or not the JSON format.
    #[error("{0}")]
    Malformed(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What became of an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// A `wxa_media_check` verdict, and what it came to.
    MediaCheck(PushOutcome),
    /// Another event: taken, nothing to do.
    Ignored,
}

pub struct PushService {
    settings: PushSettings,
    store: Arc<dyn ItemStore>,
    objects: Arc<dyn ObjectStore>,
    clock: Arc<dyn Clock>,
    policy: AvatarPolicy,
}

impl PushService {
    pub fn new(
        settings: PushSettings,
        store: Arc<dyn ItemStore>,
        objects: Arc<dyn ObjectStore>,
        clock: Arc<dyn Clock>,
        policy: AvatarPolicy,
    ) -> Self {
        Self {
            settings,
            store,
            objects,
            clock,
            policy,
        }
    }

    fn fresh(&self, timestamp: &str) -> Result<(), PushError> {
        let sent: u64 = timestamp.parse().map_err(|_| {
            PushError::Malformed(format!("timestamp {timestamp:?} is not a number"))
        })?;
        if self.clock.now_unix().abs_diff(sent) > PUSH_MAX_AGE_SECS {
            return Err(PushError::Expired);
        }
        Ok(())
    }

    /// WeChat's server verification: whether `signature` is ours (then the
    /// answer is WeChat's `echostr`).
    pub fn verify(&self, signature: &str, timestamp: &str, nonce: &str) -> Result<(), PushError> {
        let ours = message::signature(self.settings.token.expose(), timestamp, nonce);
        if !message::signature_matches(signature, &ours) {
            return Err(PushError::BadSignature);
        }
        self.fresh(timestamp)
    }

    /// One event in safe mode: `encrypt` is the body's `Encrypt`.
    pub async fn receive(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        encrypt: &str,
    ) -> Result<Received, PushError> {
        let ours = message::msg_signature(self.settings.token.expose(), timestamp, nonce, encrypt);
        if !message::signature_matches(msg_signature, &ours) {
            return Err(PushError::BadSignature);
        }
        self.fresh(timestamp)?;
        let plain =
            message::decrypt(&self.settings.key, encrypt).map_err(|_| PushError::BadSignature)?;
        if !self
            .settings
            .appids
            .iter()
            .any(|a| a.as_str() == plain.appid)
        {
            return Err(PushError::UnknownApp(plain.appid));
        }
        let event = match parse_media_check_event(&plain.message) {
            Ok(Some(event)) => event,
            Ok(None) => {
                tracing::info!(appid = %plain.appid, "push taken: not an event wxauth acts on");
                return Ok(Received::Ignored);
            }
            Err(error) => {
                return Err(PushError::Malformed(format!(
                    "the decrypted push is not a JSON event: {error}"
                )));
            }
        };
        let trace = TraceId::parse(&event.trace_id).ok_or_else(|| {
            PushError::Malformed(format!("trace_id {:?} is not one", event.trace_id))
        })?;
        let verdict = match event.result {
            Some(verdict) => PushedVerdict::Verdict(verdict),
            None => PushedVerdict::NoVerdict {
                errcode: event.errcode.unwrap_or(-1),
            },
        };
        let now = self.clock.now_unix();
        let outcome = decider::run(&*self.store, Snapshot::default(), |s| {
            rule::push(s, &trace, verdict, now, &self.policy)
        })
        .await?;
        tracing::info!(
            trace_id = %trace,
            verdict = ?verdict,
            outcome = ?outcome,
            "media check verdict taken"
        );
        let retired: &[AvatarKey] = match &outcome {
            PushOutcome::Applied { retired, .. } | PushOutcome::Stale { retired } => retired,
            PushOutcome::Early | PushOutcome::Duplicate => &[],
        };
        for key in retired {
            if let Err(error) = self.objects.delete(key).await {
                tracing::warn!(key = %key, error = %error, "refused avatar image not deleted");
            }
        }
        Ok(Received::MediaCheck(outcome))
    }
}
