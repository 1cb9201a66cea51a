//! The login use case: code (and maybe a phone code) → WeChat session → our
//! user → our session's tokens.

use super::decider;
use super::phone::PhoneError;
use super::sessions::{SessionIssuer, SessionTokens};
use crate::clock::Clock;
use crate::domain::rules::login::Registration;
use crate::domain::rules::phone::{self as bind_rule, BindOutcome};
use crate::domain::rules::session::SessionKeys;
use crate::domain::rules::{Snapshot, login as rule};
use crate::domain::{AppId, Identity, LoginTicket, PhoneNumber, UserId};
use crate::store::{
    Commit, Guard, IdentityItem, Item, ItemStore, Key, StoreError, TicketItem, Write,
};
use crate::tokens::TokenError;
use crate::wechat::{AppCredentials, WeChatApi, WeChatError};
use std::sync::Arc;

/// How long a login ticket lives.
pub const TICKET_TTL_SECS: u64 = 300;

/// What a login answers: a session, or, for a new openid where registration
/// needs a number, a ticket that an SMS or password login redeems.
#[derive(Debug)]
pub enum LoginReply {
    LoggedIn(LoginResult),
    Unregistered {
        ticket: LoginTicket,
        expires_in: u64,
    },
}

/// What the login answer reports.
#[derive(Debug)]
pub struct LoginResult {
    pub tokens: SessionTokens,
    pub user_id: UserId,
    pub is_new_user: bool,
    pub has_union_id: bool,
    pub has_phone: bool,
    /// What became of the phone code, when it was redeemed.
    pub phone: Option<Result<(), PhoneError>>,
}

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("appid {0} is not configured")]
    UnknownApp(AppId),
    #[error(transparent)]
    WeChat(#[from] WeChatError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Token(#[from] TokenError),
    /// A new openid's phone code could not be redeemed: nothing was written.
    #[error("phone code: {0}")]
    Phone(PhoneError),
    /// A new openid whose number's user has another openid in this app.
    #[error("the number belongs to another account of this mini-program")]
    PhoneTaken,
    /// A new openid whose number's user holds another unionId.
    #[error("the number's account holds another unionId")]
    AccountConflict,
}

/// Everything login needs, built once per process.
pub struct LoginService {
    apps: Vec<AppCredentials>,
    wechat: Arc<dyn WeChatApi>,
    store: Arc<dyn ItemStore>,
    sessions: Arc<SessionIssuer>,
    clock: Arc<dyn Clock>,
    registration: Registration,
}

impl LoginService {
    /// `apps` must not be empty: the first is the default app.
    pub fn new(
        apps: Vec<AppCredentials>,
        wechat: Arc<dyn WeChatApi>,
        store: Arc<dyn ItemStore>,
        sessions: Arc<SessionIssuer>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        assert!(!apps.is_empty(), "LoginService needs at least one app");
        Self {
            apps,
            wechat,
            store,
            sessions,
            clock,
            registration: Registration::Open,
        }
    }

    /// Who may become a new user by WeChat login alone.
    pub fn with_registration(mut self, registration: Registration) -> Self {
        self.registration = registration;
        self
    }

    fn app(&self, appid: Option<&AppId>) -> Result<&AppCredentials, LoginError> {
        match appid {
            None => Ok(&self.apps[0]),
            Some(id) => self
                .apps
                .iter()
                .find(|app| &app.appid == id)
                .ok_or_else(|| LoginError::UnknownApp(id.clone())),
        }
    }

    /// Exchanges a `wx.login` code (and the phone button's code, if given)
    /// for a new session's tokens. The session_key goes to the store and
    /// nowhere else. A phone code is redeemed (WeChat bills each success) only
    /// when the answer depends on it: a new openid, or a user without a number.
    pub async fn login(
        &self,
        code: &str,
        appid: Option<&AppId>,
        phone_code: Option<&str>,
    ) -> Result<LoginReply, LoginError> {
        let app = self.app(appid)?;
        let wechat = self.wechat.code2session(app, code).await?;
        let now = self.clock.now_unix();
        let new = self.sessions.draw(now);
        let mut input = rule::LoginInput {
            appid: app.appid.clone(),
            openid: wechat.openid,
            unionid: wechat.unionid,
            session_key: wechat.session_key,
            now,
            new_user_id: UserId::generate(),
            session: new.session.clone(),
            phone: None,
            registration: self.registration,
            new_user_password: None,
            number_proof: None,
        };
        let touched = touch(&*self.store, &input).await?;
        let mut phone_refused = None;
        if let Some(phone_code) = phone_code
            && touched.as_ref().is_none_or(|identity| !identity.has_phone)
        {
            match self.redeem(app, phone_code, &input).await {
                Ok(phone) => input.phone = Some(phone),
                // A returning login goes on; the answer says why no number.
                Err(error) if touched.is_some() => phone_refused = Some(error),
                // A new openid: nothing was written, the login fails.
                Err(error) => return Err(LoginError::Phone(error)),
            }
        }
        let outcome = match decide(&*self.store, &input, touched).await? {
            Ok(outcome) => outcome,
            Err(rule::LoginRefusal::PhoneTaken) => return Err(LoginError::PhoneTaken),
            Err(rule::LoginRefusal::AccountConflict) => return Err(LoginError::AccountConflict),
            // Only a login that carries a password's proof can find it stale.
            Err(rule::LoginRefusal::ProofStale) => {
                return Err(LoginError::Store(StoreError::Corrupt(
                    "a WeChat login found a password proof stale".into(),
                )));
            }
            Err(rule::LoginRefusal::Unregistered) => {
                let ticket = issue_ticket(&*self.store, &input).await?;
                tracing::info!(appid = %input.appid, "new openid without a number: login ticket issued");
                return Ok(LoginReply::Unregistered {
                    ticket,
                    expires_in: TICKET_TTL_SECS,
                });
            }
        };
        let identity = Identity::wechat(&input.appid, &input.openid);
        let mut has_phone = outcome.has_phone;
        let phone = match (&input.phone, phone_refused) {
            (_, Some(error)) => Some(Err(error)),
            (Some(_), None) if outcome.phone_bound => Some(Ok(())),
            // Logged in as a user without a number: bind it as bind-phone would.
            (Some(phone), None) if !outcome.has_phone => {
                let keys = SessionKeys::new(&outcome.user_id, &identity, &new.session.id, now);
                let bound = bind_at_login(&*self.store, &keys, phone).await;
                has_phone = bound.is_ok();
                Some(bound)
            }
            _ => None,
        };
        let tokens =
            self.sessions
                .tokens(&outcome.user_id, &identity, &new.session, &new.secret, now)?;
        tracing::info!(
            user_id = %outcome.user_id,
            appid = %input.appid,
            session_id = %new.session.id,
            is_new_user = outcome.is_new_user,
            phone_bound = phone.as_ref().map(Result::is_ok),
            "login succeeded"
        );
        Ok(LoginReply::LoggedIn(LoginResult {
            tokens,
            user_id: outcome.user_id,
            is_new_user: outcome.is_new_user,
            has_union_id: outcome.union_id.is_some(),
            has_phone,
            phone,
        }))
    }

    /// The number of the phone button's code.
    async fn redeem(
        &self,
        app: &AppCredentials,
        phone_code: &str,
        input: &rule::LoginInput,
    ) -> Result<PhoneNumber, PhoneError> {
        Ok(self
            .wechat
            .phone_number(app, phone_code, Some(&input.openid))
            .await?
            .phone)
    }
}

/// Binds `phone` to the user of a login's new session under the bind rule:
/// after a login that found (or joined) a user without a number.
pub(crate) async fn bind_at_login(
    store: &dyn ItemStore,
    keys: &SessionKeys,
    phone: &PhoneNumber,
) -> Result<(), PhoneError> {
    let outcome = decider::run(store, Snapshot::default(), |s| {
        bind_rule::decide(s, keys, phone, keys.now)
    })
    .await?;
    match outcome {
        BindOutcome::Bound | BindOutcome::AlreadyYours => {
            tracing::info!(user_id = %keys.user_id, phone = %phone, "phone bound at login");
            Ok(())
        }
        BindOutcome::Taken => {
            tracing::info!(user_id = %keys.user_id, phone = %phone, "phone at login belongs to another user");
            Err(PhoneError::Taken)
        }
        // A newer login replaced this one's session meanwhile.
        BindOutcome::SessionEnded => Err(PhoneError::SessionGone),
    }
}

/// The returning user's one request: the new session (and WeChat's
/// session_key) on the identity, if it exists; the identity as it is after.
async fn touch(
    store: &dyn ItemStore,
    input: &rule::LoginInput,
) -> Result<Option<IdentityItem>, StoreError> {
    store
        .patch_identity(
            &input.identity_key(),
            &input.session_patch(),
            &Guard::Exists,
        )
        .await
}

/// The login rule's loop, from what the touch found.
async fn decide(
    store: &dyn ItemStore,
    input: &rule::LoginInput,
    touched: Option<IdentityItem>,
) -> Result<rule::LoginDecision, StoreError> {
    let session_written = touched.is_some();
    let mut snapshot = Snapshot::default();
    snapshot.set(input.identity_key(), touched.map(Item::Identity));
    decider::run(store, snapshot, |s| rule::decide(s, input, session_written)).await
}

/// Stores a login ticket for `input`'s openid (and WeChat's session_key, for
/// the identity it becomes).
async fn issue_ticket(
    store: &dyn ItemStore,
    input: &rule::LoginInput,
) -> Result<LoginTicket, StoreError> {
    let ticket = LoginTicket::generate();
    let item = TicketItem {
        app_id: input.appid.clone(),
        open_id: input.openid.clone(),
        union_id: input.unionid.clone(),
        session_key: input.session_key.clone(),
        expires_at: input.now + TICKET_TTL_SECS,
    };
    let write = Write::Put {
        key: Key::ticket(&ticket.hash()),
        item: Item::Ticket(item),
        guard: Guard::Absent,
    };
    match store.commit(&[write]).await? {
        Commit::Done => Ok(ticket),
        // 256 random bits do not collide; a store that says so is broken.
        Commit::GuardFailed { .. } => Err(StoreError::Corrupt("a ticket hash collided".into())),
    }
}

/// Records a login: the touch, then, only when needed, the rule's loop.
pub async fn record(
    store: &dyn ItemStore,
    input: &rule::LoginInput,
) -> Result<rule::LoginDecision, StoreError> {
    let touched = touch(store, input).await?;
    decide(store, input, touched).await
}
