//! The bind-phone use case: a phone number from WeChat (a phone `code`, or the
//! legacy encrypted payload), bound to the user, one user per number.

use super::decider;
use super::undecryptable::why_undecryptable;
use crate::clock::Clock;
use crate::domain::rules::phone::{self as rule, BindOutcome};
use crate::domain::rules::sms::Purpose;
use crate::domain::{PhoneNumber, SmsCode, UserId};
use crate::open_data::{self, EncryptedOpenData, Expectations, OpenDataError};
use crate::store::{ItemStore, StoreError};
use crate::tokens::Caller;
use crate::usecases::sms::SmsCodeCheck;
use crate::wechat::{AppCredentials, WeChatApi, WeChatError, parse_phone_payload};
use serde_json::Value;
use std::sync::Arc;

/// Where the number comes from.
#[derive(Debug, Clone)]
pub enum PhoneInput {
    /// From `<button open-type="getPhoneNumber">`: exchanged with WeChat.
    Code(String),
    /// The same button's legacy `encryptedData` + `iv`.
    Encrypted(EncryptedOpenData),
    /// A number the user typed, proven by the SMS code sent to it (purpose
    /// `bind`): for mini-programs that cannot use the phone button (those of
    /// individuals), or users who want another number.
    Sms { phone: PhoneNumber, code: SmsCode },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneResult {
    pub user_id: UserId,
    pub phone: PhoneNumber,
}

#[derive(Debug, thiserror::Error)]
pub enum PhoneError {
    #[error("no session for this token")]
    SessionGone,
    #[error("the token's appid is not served by this deployment")]
    UnknownApp,
    #[error(transparent)]
    OpenData(#[from] OpenDataError),
    #[error(transparent)]
    WeChat(#[from] WeChatError),
    #[error("decrypted payload is not a phone number")]
    BadPayload,
    #[error("the number belongs to another user")]
    Taken,
    /// The caller's session is a number's, not a mini-program user's.
    #[error("this session is not a mini-program user's")]
    NotWeChat,
    #[error(transparent)]
    Sms(#[from] crate::usecases::sms::SmsFlowError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct PhoneService {
    /// Checks SMS codes, for binding a typed number.
    sms: Arc<SmsCodeCheck>,
    apps: Vec<AppCredentials>,
    wechat: Arc<dyn WeChatApi>,
    store: Arc<dyn ItemStore>,
    clock: Arc<dyn Clock>,
    watermark_max_age_secs: u64,
}

impl PhoneService {
    pub fn new(
        apps: Vec<AppCredentials>,
        wechat: Arc<dyn WeChatApi>,
        store: Arc<dyn ItemStore>,
        clock: Arc<dyn Clock>,
        watermark_max_age_secs: u64,
        sms: Arc<SmsCodeCheck>,
    ) -> Self {
        Self {
            sms,
            apps,
            wechat,
            store,
            clock,
            watermark_max_age_secs,
        }
    }

    pub async fn bind(
        &self,
        caller: &Caller,
        input: &PhoneInput,
    ) -> Result<PhoneResult, PhoneError> {
        let subject = &caller.subject;
        let now = self.clock.now_unix();
        // Read first: a phone code is single-use and paid, never spend it for a gone session.
        let keys = caller.session_keys(now);
        // A phone code and WeChat's encrypted number belong to a mini-program identity.
        let (appid, openid) = subject.wechat().ok_or(PhoneError::NotWeChat)?;
        let (snapshot, session_key) = decider::read_account(&*self.store, &keys)
            .await?
            .ok_or(PhoneError::SessionGone)?;
        let phone = match input {
            PhoneInput::Sms { phone, code } => {
                self.sms.check(phone, Purpose::Bind, code).await?;
                phone.clone()
            }
            PhoneInput::Code(code) => {
                let app = self
                    .apps
                    .iter()
                    .find(|a| &a.appid == appid)
                    .ok_or(PhoneError::UnknownApp)?;
                self.wechat
                    .phone_number(app, code, Some(openid))
                    .await?
                    .phone
            }
            PhoneInput::Encrypted(data) => {
                let expect = Expectations {
                    appid,
                    openid,
                    now,
                    max_age_secs: self.watermark_max_age_secs,
                };
                let payload = match open_data::open(&session_key, data, None, &expect) {
                    Err(OpenDataError::SessionKeyStale) => {
                        let app = self.apps.iter().find(|a| &a.appid == appid);
                        return Err(why_undecryptable(&*self.wechat, app, openid, &session_key)
                            .await
                            .into());
                    }
                    other => other?,
                };
                parse_phone_payload(&Value::Object(payload))
                    .map_err(|_| PhoneError::BadPayload)?
                    .phone
            }
        };
        let user_id = subject.user_id.clone();
        let outcome = decider::run(&*self.store, snapshot, |s| {
            rule::decide(s, &keys, &phone, now)
        })
        .await?;
        match outcome {
            BindOutcome::Bound => tracing::info!(user_id = %user_id, phone = %phone, "phone bound"),
            BindOutcome::AlreadyYours => {
                tracing::info!(user_id = %user_id, phone = %phone, "phone already bound")
            }
            BindOutcome::Taken => {
                tracing::warn!(user_id = %user_id, phone = %phone, "phone belongs to another user");
                return Err(PhoneError::Taken);
            }
            BindOutcome::SessionEnded => return Err(PhoneError::SessionGone),
        }
        Ok(PhoneResult { user_id, phone })
    }
}
