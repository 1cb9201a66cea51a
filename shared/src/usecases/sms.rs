//! SMS codes: sending one (within the limits, the code stored only as a keyed
//! hash, withdrawn when the provider does not send), checking one, and
//! logging in by one.

use super::decider;
use super::number_login::{NumberLogin, NumberLoginError, PhoneLoginResult, Proof};
use crate::clock::Clock;
use crate::domain::rules::Snapshot;
use crate::domain::rules::sms::{self as rule, CheckOutcome, Purpose, SendDecision, SmsLimits};
use crate::domain::{AppId, LoginTicket, PhoneNumber, SmsCode};
use crate::sms::{CodeHasher, SmsError, SmsSender};
use crate::store::{ItemStore, StoreError};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum SmsFlowError {
    /// Wrong, expired, used, or dead after too many tries.
    #[error("the SMS code is not valid")]
    CodeInvalid,
    /// A limit was reached; ask again after this many seconds.
    #[error("too many codes; retry in {0} s")]
    RateLimited(u64),
    #[error(transparent)]
    Provider(#[from] SmsError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The number was proven; the login after it failed.
    #[error(transparent)]
    Login(#[from] NumberLoginError),
}

/// Checking codes: what every route that takes one needs (no sender).
pub struct SmsCodeCheck {
    store: Arc<dyn ItemStore>,
    hasher: CodeHasher,
    clock: Arc<dyn Clock>,
    limits: SmsLimits,
}

/// Codes: sending them, and checking them.
pub struct SmsCodes {
    pub check: Arc<SmsCodeCheck>,
    sender: Arc<dyn SmsSender>,
}

impl SmsCodeCheck {
    pub fn new(store: Arc<dyn ItemStore>, hasher: CodeHasher, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            hasher,
            clock,
            limits: SmsLimits::DEFAULT,
        }
    }

    /// Checks `code` for `phone` and `purpose`, using it up when it is right.
    pub async fn check(
        &self,
        phone: &PhoneNumber,
        purpose: Purpose,
        code: &SmsCode,
    ) -> Result<(), SmsFlowError> {
        let input = rule::CheckInput {
            phone: phone.clone(),
            purpose,
            code_hash: self.hasher.hash(purpose, phone, code),
            now: self.clock.now_unix(),
            limits: self.limits,
        };
        match decider::run(&*self.store, Snapshot::default(), |s| {
            rule::check(s, &input)
        })
        .await?
        {
            CheckOutcome::Valid => Ok(()),
            CheckOutcome::Invalid => {
                tracing::info!(phone = %phone, purpose = purpose.as_str(), "SMS code refused");
                Err(SmsFlowError::CodeInvalid)
            }
        }
    }
}

impl SmsCodes {
    pub fn new(check: Arc<SmsCodeCheck>, sender: Arc<dyn SmsSender>) -> Self {
        Self { check, sender }
    }

    /// Sends a fresh code to `phone` for `purpose`; the seconds until another
    /// may be asked. The same whether or not the number has an account.
    pub async fn send(
        &self,
        phone: &PhoneNumber,
        purpose: Purpose,
        source: Option<&str>,
    ) -> Result<u64, SmsFlowError> {
        let check = &self.check;
        let code = SmsCode::generate();
        let input = rule::SendInput {
            phone: phone.clone(),
            purpose,
            source: source.map(str::to_owned),
            code_hash: check.hasher.hash(purpose, phone, &code),
            now: check.clock.now_unix(),
            limits: check.limits,
        };
        let decision = decider::run(&*check.store, Snapshot::default(), |s| {
            rule::send(s, &input)
        })
        .await?;
        let code_version = match decision {
            SendDecision::Send { code_version } => code_version,
            SendDecision::TooSoon { retry_after }
            | SendDecision::DailyLimit { retry_after }
            | SendDecision::SourceLimit { retry_after } => {
                tracing::info!(phone = %phone, ?decision, "SMS code refused by a limit");
                return Err(SmsFlowError::RateLimited(retry_after));
            }
        };
        if let Err(error) = self.sender.send_code(phone, &code).await {
            tracing::warn!(phone = %phone, %error, "SMS not sent; the code is withdrawn");
            let withdraw = rule::withdraw(purpose, phone, code_version);
            // A newer code may have replaced it meanwhile: then nothing to do.
            check.store.commit(&[withdraw]).await?;
            return Err(error.into());
        }
        tracing::info!(phone = %phone, purpose = purpose.as_str(), "SMS code sent");
        Ok(check.limits.resend_after_secs)
    }
}

/// Logging in by SMS code.
pub struct SmsLoginService {
    pub codes: Arc<SmsCodes>,
    login: Arc<NumberLogin>,
}

impl SmsLoginService {
    pub fn new(codes: Arc<SmsCodes>, login: Arc<NumberLogin>) -> Self {
        Self { codes, login }
    }

    /// A right code logs the number in: its user, or a new one holding it.
    /// With a login ticket, the ticket's openid joins that account (or the
    /// new one), under the rules of a login with the phone button, and the
    /// session is the mini-program identity's.
    pub async fn login(
        &self,
        phone: &PhoneNumber,
        code: &SmsCode,
        ticket: Option<(&LoginTicket, Option<&AppId>)>,
    ) -> Result<PhoneLoginResult, SmsFlowError> {
        // Refused before the code is spent, when the ticket is no good.
        let checked = match ticket {
            Some((ticket, appid)) => Some(self.login.check_ticket(ticket, appid).await?),
            None => None,
        };
        self.codes.check.check(phone, Purpose::Login, code).await?;
        Ok(self
            .login
            .login(phone, Proof::Sms, checked, None, &[])
            .await?)
    }
}
