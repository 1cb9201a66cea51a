//! Passwords: logging in by number and password (registering an unknown
//! number only with a proof of it), and setting or changing the caller's
//! password.
//!
//! Every try is counted before the password is checked
//! (`rules::password::attempt`), so the limits hold under racing guesses.
//! The answers differ for a number without an account, one without a
//! password and a wrong password: the per-number and per-source limits bound
//! how many numbers anyone can probe that way.

use super::decider;
use super::number_login::{CheckedTicket, NumberLogin, NumberLoginError, PhoneLoginResult, Proof};
use super::sms::{SmsCodeCheck, SmsFlowError};
use crate::clock::Clock;
use crate::domain::rules::Snapshot;
use crate::domain::rules::password::{
    self as rule, Attempt, AttemptInput, Holder, PasswordLimits, PasswordProof, SetInput,
    SetOutcome,
};
use crate::domain::rules::session::{self as session_rule, Account};
use crate::domain::rules::sms::Purpose;
use crate::domain::{AppId, LoginTicket, Password, PasswordHash, PhoneNumber, SmsCode, Weakness};
use crate::passwords::{PasswordHasher, Verified};
use crate::store::{ItemStore, StoreError};
use crate::tokens::Caller;
use crate::wechat::{AppCredentials, WeChatApi, WeChatError};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("wrong password")]
    Wrong,
    #[error("the number's account has no password")]
    NotSet,
    /// Too many tries; again after this many seconds.
    #[error("too many tries; retry in {0} s")]
    Locked(u64),
    /// An unknown number without a proof of it, or a phone button's number
    /// that is not the one given.
    #[error("the number is not proven")]
    Unverified,
    #[error("weak password: {0:?}")]
    Weak(Weakness),
    /// Changing a password needs the current one or an SMS code.
    #[error("neither the current password nor an SMS code was given")]
    ProofMissing,
    /// The caller holds no number to log in with.
    #[error("the user has no phone number")]
    NoNumber,
    #[error("no session for this token")]
    SessionEnded,
    #[error("the appid is not served by this deployment")]
    UnknownApp(AppId),
    #[error(transparent)]
    WeChat(#[from] WeChatError),
    #[error(transparent)]
    Sms(#[from] SmsFlowError),
    #[error(transparent)]
    Login(#[from] NumberLoginError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How a request proves it holds a number nobody has registered.
#[derive(Debug, Clone)]
pub enum NumberProof {
    /// A code sent with purpose `login`.
    Sms(SmsCode),
    /// A code of `<button open-type="getPhoneNumber">`, exchanged with WeChat.
    PhoneButton(PhoneCode),
}

/// A phone button's code: single use, but a credential while it lives, so
/// printed redacted.
#[derive(Clone)]
pub struct PhoneCode(String);

impl PhoneCode {
    pub fn new(code: String) -> Self {
        Self(code)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PhoneCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PhoneCode(<redacted>)")
    }
}

/// A password login as asked.
#[derive(Debug, Clone)]
pub struct PasswordLogin {
    pub phone: PhoneNumber,
    pub password: Password,
    pub ticket: Option<LoginTicket>,
    /// The mini-program of the ticket or the phone button (default: the first).
    pub appid: Option<AppId>,
    pub proof: Option<NumberProof>,
    /// The caller's address, when known.
    pub source: Option<String>,
}

/// A password to set, as asked.
#[derive(Debug, Clone)]
pub struct PasswordChange {
    pub password: Password,
    pub current: Option<Password>,
    pub sms_code: Option<SmsCode>,
    pub source: Option<String>,
}

pub struct PasswordService {
    store: Arc<dyn ItemStore>,
    hasher: PasswordHasher,
    login: Arc<NumberLogin>,
    sms: Arc<SmsCodeCheck>,
    wechat: Arc<dyn WeChatApi>,
    apps: Vec<AppCredentials>,
    clock: Arc<dyn Clock>,
    limits: PasswordLimits,
}

impl PasswordService {
    pub fn new(
        store: Arc<dyn ItemStore>,
        login: Arc<NumberLogin>,
        sms: Arc<SmsCodeCheck>,
        wechat: Arc<dyn WeChatApi>,
        apps: Vec<AppCredentials>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            store,
            hasher: PasswordHasher::default(),
            login,
            sms,
            wechat,
            apps,
            clock,
            limits: PasswordLimits::DEFAULT,
        }
    }

    /// Hashes with other parameters (tests of the rehash).
    pub fn with_hasher(mut self, hasher: PasswordHasher) -> Self {
        self.hasher = hasher;
        self
    }

    /// Counts a try on `phone`; whose the number is and its password.
    async fn attempt(
        &self,
        phone: &PhoneNumber,
        source: Option<&str>,
    ) -> Result<Holder, PasswordError> {
        let input = AttemptInput {
            phone: phone.clone(),
            source: source.map(str::to_owned),
            now: self.clock.now_unix(),
            limits: self.limits,
        };
        match decider::run(&*self.store, Snapshot::default(), |s| {
            rule::attempt(s, &input)
        })
        .await?
        {
            Attempt::Locked { retry_after } => {
                tracing::info!(phone = %phone, retry_after, "password try refused by a limit");
                Err(PasswordError::Locked(retry_after))
            }
            Attempt::Counted(holder) => Ok(holder),
        }
    }

    /// Logs in by number and password. A number nobody holds is registered
    /// with the password, only with a proof of the number in the request.
    pub async fn login(&self, request: PasswordLogin) -> Result<PhoneLoginResult, PasswordError> {
        let phone = &request.phone;
        let ticket = match &request.ticket {
            Some(ticket) => Some(
                self.login
                    .check_ticket(ticket, request.appid.as_ref())
                    .await?,
            ),
            None => None,
        };
        match self.attempt(phone, request.source.as_deref()).await? {
            Holder::Nobody => self.register(&request, ticket).await,
            Holder::User { password: None, .. } => {
                tracing::info!(phone = %phone, "password login on an account without one");
                Err(PasswordError::NotSet)
            }
            Holder::User {
                user_id,
                password: Some(stored),
            } => {
                let stale = match self
                    .hasher
                    .verify_blocking(&request.password, &stored)
                    .await
                {
                    Verified::Wrong => {
                        tracing::info!(phone = %phone, "wrong password");
                        return Err(PasswordError::Wrong);
                    }
                    Verified::Right { stale } => stale,
                };
                // The tries start again, in the login's commit.
                let clear = [rule::clear_tries(phone)];
                let proof = Proof::Password(PasswordProof {
                    user_id: user_id.clone(),
                    hash: stored.clone(),
                });
                let result = match self.login.login(phone, proof, ticket, None, &clear).await {
                    Err(NumberLoginError::ProofStale) => {
                        tracing::info!(phone = %phone, "the password changed or the number moved during the check");
                        return Err(PasswordError::Wrong);
                    }
                    other => other?,
                };
                if stale {
                    self.rehash(&user_id, &request.password, &stored).await;
                }
                Ok(result)
            }
        }
    }

    /// An unknown number: registered with the password, given a proof.
    async fn register(
        &self,
        request: &PasswordLogin,
        ticket: Option<CheckedTicket>,
    ) -> Result<PhoneLoginResult, PasswordError> {
        let phone = &request.phone;
        let Some(proof) = &request.proof else {
            tracing::info!(phone = %phone, "password login on an unknown number without a proof");
            return Err(PasswordError::Unverified);
        };
        request
            .password
            .check_new(Some(phone))
            .map_err(PasswordError::Weak)?;
        match proof {
            NumberProof::Sms(code) => self.sms.check(phone, Purpose::Login, code).await?,
            NumberProof::PhoneButton(code) => {
                // The ticket's user, when there is one: WeChat then checks the
                // code is theirs.
                let (appid, openid) = match ticket.as_ref().and_then(CheckedTicket::identity) {
                    Some((appid, openid)) => (Some(appid), Some(openid)),
                    None => (request.appid.clone(), None),
                };
                let app = self.app(appid.as_ref())?;
                let proven = self
                    .wechat
                    .phone_number(app, code.expose(), openid.as_ref())
                    .await?
                    .phone;
                if &proven != phone {
                    tracing::info!(phone = %phone, proven = %proven, "the phone button's number is another");
                    return Err(PasswordError::Unverified);
                }
            }
        }
        let hash = self.hasher.hash_blocking(&request.password).await;
        let via = match proof {
            NumberProof::Sms(_) => Proof::Sms,
            NumberProof::PhoneButton(_) => Proof::PhoneButton,
        };
        let clear = [rule::clear_tries(phone)];
        Ok(self
            .login
            .login(phone, via, ticket, Some(hash), &clear)
            .await?)
    }

    /// After a right password (or a proof): the number's tries start again.
    /// A failure here costs the user nothing but tries, so the login stands.
    async fn clear_tries(&self, phone: &PhoneNumber) {
        if let Err(error) = self.store.commit(&[rule::clear_tries(phone)]).await {
            tracing::warn!(%error, "password tries not cleared");
        }
    }

    fn app(&self, appid: Option<&AppId>) -> Result<&AppCredentials, PasswordError> {
        match appid {
            // The configuration holds at least one app.
            None => Ok(&self.apps[0]),
            Some(id) => self
                .apps
                .iter()
                .find(|app| &app.appid == id)
                .ok_or_else(|| PasswordError::UnknownApp(id.clone())),
        }
    }

    /// Replaces a stale hash of the right password with one of today's
    /// parameters. Best effort: the login stands either way.
    async fn rehash(
        &self,
        user_id: &crate::domain::UserId,
        password: &Password,
        old: &PasswordHash,
    ) {
        let new = self.hasher.hash_blocking(password).await;
        match decider::run(&*self.store, Snapshot::default(), |s| {
            rule::rehash(s, user_id, old, &new)
        })
        .await
        {
            Ok(()) => {
                tracing::info!(user_id = %user_id, "password rehashed with today's parameters")
            }
            Err(error) => tracing::warn!(user_id = %user_id, %error, "password not rehashed"),
        }
    }

    /// Sets the caller's password, or changes it (proven by the current one
    /// or an SMS code of purpose `password`); a change ends the user's other
    /// sessions.
    pub async fn set(&self, caller: &Caller, change: PasswordChange) -> Result<(), PasswordError> {
        let keys = caller.session_keys(self.clock.now_unix());
        let read = decider::read(&*self.store, &keys.account_keys()).await?;
        let (phone, was) = match session_rule::account(&read, &keys)? {
            Account::Live { user, .. } => match &user.phone {
                Some(phone) => (phone.clone(), user.password.clone()),
                None => return Err(PasswordError::NoNumber),
            },
            Account::Ended | Account::Unread(_) => return Err(PasswordError::SessionEnded),
        };
        change
            .password
            .check_new(Some(&phone))
            .map_err(PasswordError::Weak)?;
        if let Some(stored) = &was {
            match (&change.current, &change.sms_code) {
                (Some(current), _) => {
                    // Counted like a login try: a stolen token must not
                    // become a way to guess the password.
                    self.attempt(&phone, change.source.as_deref()).await?;
                    if self.hasher.verify_blocking(current, stored).await == Verified::Wrong {
                        tracing::info!(user_id = %keys.user_id, "wrong current password");
                        return Err(PasswordError::Wrong);
                    }
                }
                (None, Some(code)) => self.sms.check(&phone, Purpose::Password, code).await?,
                (None, None) => return Err(PasswordError::ProofMissing),
            }
        }
        let input = SetInput {
            new: self.hasher.hash_blocking(&change.password).await,
            was: was.clone(),
        };
        match decider::run(&*self.store, read, |s| rule::set(s, &keys, &input)).await? {
            SetOutcome::Set => {
                tracing::info!(user_id = %keys.user_id, changed = was.is_some(), "password set");
                if change.current.is_some() {
                    self.clear_tries(&phone).await;
                }
                Ok(())
            }
            SetOutcome::SessionEnded => Err(PasswordError::SessionEnded),
            SetOutcome::NoNumber => Err(PasswordError::NoNumber),
            SetOutcome::ChangedMeanwhile => Err(PasswordError::Wrong),
        }
    }
}
