//! Logging in once a number is proven (an SMS code, a password, the phone
//! button): the number's user, or a new user holding it; with a login
//! ticket, the ticket's openid joins that account under the rules of a login
//! with the phone button, and the session is the mini-program identity's.
//! The SMS and password logins differ only in the proof.

use super::decider;
use super::sessions::{SessionIssuer, SessionTokens};
use crate::clock::Clock;
use crate::domain::rules::login::{self as login_rule, LoginRefusal};
use crate::domain::rules::password::PasswordProof;
use crate::domain::rules::phone_login::{self, PhoneLoginInput, ProofStale};
use crate::domain::rules::session::SessionKeys;
use crate::domain::rules::{Read, Snapshot, Step, ticket as ticket_rule};
use crate::domain::{AppId, Identity, LoginTicket, OpenId, PasswordHash, PhoneNumber, UserId};
use crate::store::{Item, ItemStore, Key, StoreError, TicketItem, Write};
use crate::tokens::TokenError;
use crate::usecases::phone::PhoneError;
use std::sync::Arc;

/// How the number was proven.
#[derive(Debug, Clone)]
pub enum Proof {
    /// A code sent to it, in this request.
    Sms,
    /// The phone button's code, in this request.
    PhoneButton,
    /// Its account's password, checked before: it must still hold when the
    /// login commits (the number not moved, the password not changed).
    Password(PasswordProof),
}

impl Proof {
    /// For the logs.
    fn name(&self) -> &'static str {
        match self {
            Self::Sms => "sms",
            Self::PhoneButton => "phone_button",
            Self::Password(_) => "password",
        }
    }

    fn password(&self) -> Option<PasswordProof> {
        match self {
            Self::Password(proof) => Some(proof.clone()),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum NumberLoginError {
    /// A login ticket that is malformed, used, expired or of another app.
    #[error("the login ticket is not valid")]
    TicketInvalid,
    /// The ticket's openid cannot join the number's account.
    #[error("the login is refused: {0:?}")]
    Refused(LoginRefusal),
    /// The number moved, or its password changed, after the password was
    /// checked: nothing was written.
    #[error("the password no longer proves the number")]
    ProofStale,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Token(#[from] TokenError),
}

/// What a login by number answers.
#[derive(Debug)]
pub struct PhoneLoginResult {
    pub tokens: SessionTokens,
    pub user_id: UserId,
    pub is_new_user: bool,
}

/// A login ticket found good before the proof was spent on it, and what was
/// read to find it so: redeemed from that read once the number is proven
/// (its guard catches a redemption meanwhile).
pub struct CheckedTicket {
    key: Key,
    read: Snapshot,
    appid: Option<AppId>,
}

impl CheckedTicket {
    /// The mini-program identity the ticket is for.
    pub fn identity(&self) -> Option<(AppId, OpenId)> {
        match self.read.exists(&self.key) {
            Read::Present(Item::Ticket(ticket)) => {
                Some((ticket.app_id.clone(), ticket.open_id.clone()))
            }
            _ => None,
        }
    }
}

pub struct NumberLogin {
    store: Arc<dyn ItemStore>,
    sessions: Arc<SessionIssuer>,
    clock: Arc<dyn Clock>,
}

impl NumberLogin {
    pub fn new(
        store: Arc<dyn ItemStore>,
        sessions: Arc<SessionIssuer>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            store,
            sessions,
            clock,
        }
    }

    /// Checks a ticket before the proof: a ticket that is no good is refused
    /// without spending an SMS code or a password try on it.
    pub async fn check_ticket(
        &self,
        ticket: &LoginTicket,
        appid: Option<&AppId>,
    ) -> Result<CheckedTicket, NumberLoginError> {
        let key = Key::ticket(&ticket.hash());
        let read = decider::read(&*self.store, std::slice::from_ref(&key)).await?;
        let now = self.clock.now_unix();
        if !matches!(
            ticket_rule::redeem(&read, &key, appid, now)?,
            Step::Commit { .. }
        ) {
            return Err(NumberLoginError::TicketInvalid);
        }
        Ok(CheckedTicket {
            key,
            read,
            appid: appid.cloned(),
        })
    }

    /// The proven number logs in: its user, or a new one holding it (with
    /// `new_password`, for a password registration); with a checked ticket,
    /// the ticket's openid logs in with it. `also` are writes that go with
    /// the login (clearing the number's password tries): in the login's own
    /// commit when it has one, else right after it.
    pub async fn login(
        &self,
        phone: &PhoneNumber,
        proof: Proof,
        ticket: Option<CheckedTicket>,
        new_password: Option<PasswordHash>,
        also: &[Write],
    ) -> Result<PhoneLoginResult, NumberLoginError> {
        let now = self.clock.now_unix();
        if let Some(checked) = ticket {
            let CheckedTicket { key, read, appid } = checked;
            let redeemed = decider::run(&*self.store, read, |s| {
                ticket_rule::redeem(s, &key, appid.as_ref(), now)
            })
            .await?
            .ok_or(NumberLoginError::TicketInvalid)?;
            let result = self
                .attach(phone, redeemed, new_password, now, &proof)
                .await?;
            self.commit_also(also).await;
            return Ok(result);
        }
        let new = self.sessions.draw(now);
        let input = PhoneLoginInput {
            phone: phone.clone(),
            now,
            new_user_id: UserId::generate(),
            session: new.session.clone(),
            new_user_password: new_password,
            password_proof: proof.password(),
        };
        let outcome = decider::run(&*self.store, Snapshot::default(), |s| {
            Ok(match phone_login::decide(s, &input)? {
                Step::Commit { mut writes, answer } => {
                    writes.extend_from_slice(also);
                    Step::Commit { writes, answer }
                }
                other => other,
            })
        })
        .await?
        .map_err(|ProofStale| NumberLoginError::ProofStale)?;
        let proof = proof.name();
        let identity = Identity::Phone(phone.clone());
        let tokens =
            self.sessions
                .tokens(&outcome.user_id, &identity, &new.session, &new.secret, now)?;
        tracing::info!(
            user_id = %outcome.user_id,
            session_id = %new.session.id,
            is_new_user = outcome.is_new_user,
            proof,
            "login by number succeeded"
        );
        Ok(PhoneLoginResult {
            tokens,
            user_id: outcome.user_id,
            is_new_user: outcome.is_new_user,
        })
    }

    /// Writes that go with a login but not in its commit. They only ever
    /// clear counts, so a failure costs the user nothing but tries.
    async fn commit_also(&self, also: &[Write]) {
        if also.is_empty() {
            return;
        }
        if let Err(error) = self.store.commit(also).await {
            tracing::warn!(%error, "writes after a login not committed");
        }
    }

    /// The ticket's openid logs in with the proven number, as a login with
    /// the phone button would.
    async fn attach(
        &self,
        phone: &PhoneNumber,
        ticket: TicketItem,
        new_password: Option<PasswordHash>,
        now: u64,
        proof: &Proof,
    ) -> Result<PhoneLoginResult, NumberLoginError> {
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
            new_user_password: new_password,
            number_proof: proof.password(),
        };
        let outcome = match super::login::record(&*self.store, &input).await? {
            Ok(outcome) => outcome,
            Err(LoginRefusal::ProofStale) => return Err(NumberLoginError::ProofStale),
            Err(refusal) => return Err(NumberLoginError::Refused(refusal)),
        };
        let proof = proof.name();
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
            proof,
            "login by number with a login ticket succeeded"
        );
        Ok(PhoneLoginResult {
            tokens,
            user_id: outcome.user_id,
            is_new_user: outcome.is_new_user,
        })
    }
}
