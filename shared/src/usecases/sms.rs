//! SMS codes: sending one (within the limits, the code stored only as a keyed
//! hash, withdrawn when the provider does not send), checking one, and
//! logging in by one.

use super::decider;
use super::sessions::{SessionIssuer, SessionTokens};
use crate::clock::Clock;
use crate::domain::rules::Snapshot;
use crate::domain::rules::login::{self as login_rule, LoginRefusal};
use crate::domain::rules::phone_login::{self, PhoneLoginInput};
use crate::domain::rules::session::SessionKeys;
use crate::domain::rules::sms::{self as rule, CheckOutcome, Purpose, SendDecision, SmsLimits};
use crate::domain::rules::{Step, ticket as ticket_rule};
use crate::domain::{AppId, Identity, LoginTicket, PhoneNumber, SmsCode, UserId};
use crate::sms::{CodeHasher, SmsError, SmsSender};
use crate::store::{ItemStore, StoreError};
use crate::store::{Key, TicketItem};
use crate::tokens::TokenError;
use crate::usecases::phone::PhoneError;
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
    #[error(transparent)]
    Token(#[from] TokenError),
    /// A login ticket that is malformed, used, expired or of another app.
    #[error("the login ticket is not valid")]
    TicketInvalid,
    /// The ticket's openid cannot join the number's account.
    #[error("the login is refused: {0:?}")]
    Refused(LoginRefusal),
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

/// What an SMS login answers.
#[derive(Debug)]
pub struct PhoneLoginResult {
    pub tokens: SessionTokens,
    pub user_id: UserId,
    pub is_new_user: bool,
}

/// Logging in by SMS code.
pub struct SmsLoginService {
    pub codes: Arc<SmsCodes>,
    store: Arc<dyn ItemStore>,
    sessions: Arc<SessionIssuer>,
    clock: Arc<dyn Clock>,
}

impl SmsLoginService {
    pub fn new(
        codes: Arc<SmsCodes>,
        store: Arc<dyn ItemStore>,
        sessions: Arc<SessionIssuer>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            codes,
            store,
            sessions,
            clock,
        }
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
        let now = self.clock.now_unix();
        if let Some((ticket, appid)) = ticket {
            // Refused before the code is spent, when the ticket is no good.
            let key = Key::ticket(&ticket.hash());
            let peek = decider::read(&*self.store, std::slice::from_ref(&key)).await?;
            if !matches!(
                ticket_rule::redeem(&peek, &key, appid, now)?,
                Step::Commit { .. }
            ) {
                return Err(SmsFlowError::TicketInvalid);
            }
            self.codes.check.check(phone, Purpose::Login, code).await?;
            // Used up from what was read; its guard catches a redemption meanwhile.
            let redeemed = decider::run(&*self.store, peek, |s| {
                ticket_rule::redeem(s, &key, appid, now)
            })
            .await?
            .ok_or(SmsFlowError::TicketInvalid)?;
            return self.attach(phone, redeemed, now).await;
        }
        self.codes.check.check(phone, Purpose::Login, code).await?;
        let new = self.sessions.draw(now);
        let input = PhoneLoginInput {
            phone: phone.clone(),
            now,
            new_user_id: UserId::generate(),
            session: new.session.clone(),
        };
        let outcome = decider::run(&*self.store, Snapshot::default(), |s| {
            phone_login::decide(s, &input)
        })
        .await?;
        let identity = Identity::Phone(phone.clone());
        let tokens =
            self.sessions
                .tokens(&outcome.user_id, &identity, &new.session, &new.secret, now)?;
        tracing::info!(
            user_id = %outcome.user_id,
            session_id = %new.session.id,
            is_new_user = outcome.is_new_user,
            "SMS login succeeded"
        );
        Ok(PhoneLoginResult {
            tokens,
            user_id: outcome.user_id,
            is_new_user: outcome.is_new_user,
        })
    }

    /// The ticket's openid logs in with the number proven by SMS, as a login
    /// with the phone button would.
    async fn attach(
        &self,
        phone: &PhoneNumber,
        ticket: TicketItem,
        now: u64,
    ) -> Result<PhoneLoginResult, SmsFlowError> {
        let new = self.sessions.draw(now);
        let input = login_rule::LoginInput {
            appid: ticket.app_id,
            openid: ticket.open_id,
            unionid: ticket.union_id,
            session_key: ticket.session_key,
            now,
            new_user_id: UserId::generate(),
            session: new.session.clone(),
            phone: Some(phone.clone()),
            registration: login_rule::Registration::Open,
        };
        let outcome = super::login::record(&*self.store, &input)
            .await?
            .map_err(SmsFlowError::Refused)?;
        if !outcome.phone_bound && !outcome.has_phone {
            // Joined by unionId a user without a number: bind this one.
            let keys = SessionKeys::new(
                &outcome.user_id,
                &Identity::wechat(&input.appid, &input.openid),
                &new.session.id,
                now,
            );
            // The login stands whether or not the number could be bound (the
            // outcome is logged there); a store failure does not.
            if let Err(PhoneError::Store(error)) =
                super::login::bind_at_login(&*self.store, &keys, phone).await
            {
                return Err(error.into());
            }
        }
        let identity = Identity::wechat(&input.appid, &input.openid);
        let tokens =
            self.sessions
                .tokens(&outcome.user_id, &identity, &new.session, &new.secret, now)?;
        tracing::info!(
            user_id = %outcome.user_id,
            is_new_user = outcome.is_new_user,
            "SMS login with a login ticket succeeded"
        );
        Ok(PhoneLoginResult {
            tokens,
            user_id: outcome.user_id,
            is_new_user: outcome.is_new_user,
        })
    }
}
