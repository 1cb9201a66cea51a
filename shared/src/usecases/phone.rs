//! The bind-phone use case: a phone number from WeChat (a phone `code`, or the
//! legacy encrypted payload), bound to the user, one user per number.

use crate::clock::Clock;
use crate::domain::{PhoneNumber, UserId};
use crate::open_data::{self, EncryptedOpenData, Expectations, OpenDataError};
use crate::store::{PhoneBind, PhoneBound, StoreError, UserStore};
use crate::tokens::Caller;
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
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct PhoneService {
    apps: Vec<AppCredentials>,
    wechat: Arc<dyn WeChatApi>,
    store: Arc<dyn UserStore>,
    clock: Arc<dyn Clock>,
    watermark_max_age_secs: u64,
}

impl PhoneService {
    pub fn new(
        apps: Vec<AppCredentials>,
        wechat: Arc<dyn WeChatApi>,
        store: Arc<dyn UserStore>,
        clock: Arc<dyn Clock>,
        watermark_max_age_secs: u64,
    ) -> Self {
        Self {
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
        let account = self
            .store
            .account(
                &subject.user_id,
                &subject.appid,
                &subject.openid,
                &caller.token_id,
            )
            .await?
            .ok_or(PhoneError::SessionGone)?;
        let phone = match input {
            PhoneInput::Code(code) => {
                let app = self
                    .apps
                    .iter()
                    .find(|a| a.appid == subject.appid)
                    .ok_or(PhoneError::UnknownApp)?;
                self.wechat
                    .phone_number(app, code, &subject.openid)
                    .await?
                    .phone
            }
            PhoneInput::Encrypted(data) => {
                let expect = Expectations {
                    appid: &subject.appid,
                    openid: &subject.openid,
                    now,
                    max_age_secs: self.watermark_max_age_secs,
                };
                let payload = open_data::open(&account.session.session_key, data, None, &expect)?;
                parse_phone_payload(&Value::Object(payload))
                    .map_err(|_| PhoneError::BadPayload)?
                    .phone
            }
        };
        let user_id = account.user.user_id.clone();
        match self
            .store
            .bind_phone(&PhoneBind {
                user: account.user,
                phone: phone.clone(),
                now,
            })
            .await?
        {
            PhoneBound::Bound => tracing::info!(user_id = %user_id, phone = %phone, "phone bound"),
            PhoneBound::AlreadyYours => {
                tracing::info!(user_id = %user_id, phone = %phone, "phone already bound")
            }
            PhoneBound::Taken => {
                tracing::warn!(user_id = %user_id, phone = %phone, "phone belongs to another user");
                return Err(PhoneError::Taken);
            }
        }
        Ok(PhoneResult { user_id, phone })
    }
}
