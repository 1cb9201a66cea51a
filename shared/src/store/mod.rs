//! The user store port, and its two adapters.
//!
//! The data model is the same in both: an *identity* per (appid, openid) holding
//! our userId and the latest session_key; a *user* per userId listing its
//! identities; a *union* per unionid naming the user it belongs to. The store
//! offers whole use-case steps rather than reads and writes, so each adapter can
//! make them atomic its own way (DynamoDB conditions and transactions; one redb
//! write transaction).

pub mod dynamo;
pub mod embedded;

use crate::domain::{AppId, OpenId, PhoneNumber, Profile, SessionKey, UnionId, UserId};

/// A successful `jscode2session`, to be recorded.
#[derive(Debug, Clone)]
pub struct LoginRecord {
    pub appid: AppId,
    pub openid: OpenId,
    pub unionid: Option<UnionId>,
    pub session_key: SessionKey,
    /// Unix seconds.
    pub now: u64,
}

/// What a login did to the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginOutcome {
    pub user_id: UserId,
    /// True only for the one login that created the user.
    pub is_new_user: bool,
    pub union_id: Option<UnionId>,
    pub has_phone: bool,
}

/// The session of one identity, as the later handlers need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user_id: UserId,
    pub session_key: SessionKey,
    pub union_id: Option<UnionId>,
    pub has_phone: bool,
    /// Unix seconds of the login that stored the session_key.
    pub updated_at: u64,
}

/// A user as stored: what decrypt-profile and bind-phone decide on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub user_id: UserId,
    /// `appid#openid` of every identity of the user.
    pub identities: Vec<String>,
    pub union_id: Option<UnionId>,
    pub phone: Option<PhoneNumber>,
    pub profile: Profile,
}

/// One identity's session together with its user, read in one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub session: Session,
    pub user: UserRecord,
}

/// What decrypt-profile writes: the merged profile, and a unionId the user may
/// not have yet.
#[derive(Debug, Clone)]
pub struct ProfileWrite {
    /// The user as `account` read it.
    pub user: UserRecord,
    pub appid: AppId,
    pub openid: OpenId,
    /// New profile fields; the store lays them over what the target user has.
    pub profile: Profile,
    /// The payload's unionId, if any.
    pub union_id: Option<UnionId>,
    pub now: u64,
}

/// How a profile write ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileWritten {
    /// Stored on the user; the unionId (if new) is linked to it.
    Stored {
        user_id: UserId,
        union_id: Option<UnionId>,
        profile: Profile,
    },
    /// The unionId belonged to another user and this user held nothing else (no
    /// phone, no other openid): the identity moved to that user, the empty user
    /// was deleted, and the profile went to the owner.
    Folded {
        owner: UserId,
        union_id: UnionId,
        profile: Profile,
    },
    /// The unionId belongs to another user and this user holds more: nothing
    /// was changed.
    Conflict,
}

/// A token withdrawn before it expires (logout). Kept until `expires_at`, when
/// the token would be refused anyway; DynamoDB's TTL then deletes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    pub token_id: String,
    pub user_id: UserId,
    /// Unix seconds: the token's `exp`.
    pub expires_at: u64,
}

/// What bind-phone writes.
#[derive(Debug, Clone)]
pub struct PhoneBind {
    /// The user as `account` read it (its current phone and identities).
    pub user: UserRecord,
    pub phone: PhoneNumber,
    pub now: u64,
}

/// How a phone bind ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneBound {
    /// The number is now this user's (a previous number was released).
    Bound,
    /// It already was: nothing was written.
    AlreadyYours,
    /// Another user holds it: nothing was changed.
    Taken,
}

impl UserRecord {
    /// A user with nothing but this one identity can be folded into another.
    pub fn holds_nothing_else(&self) -> bool {
        self.identities.len() <= 1 && self.phone.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached or refused the request.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// Concurrent writers kept conflicting after the bounded retries.
    #[error("store contention: gave up after {0} attempts")]
    Contention(u32),
    /// An item did not have the shape we write.
    #[error("store data is corrupt: {0}")]
    Corrupt(String),
}

/// The user store port.
#[async_trait::async_trait]
pub trait UserStore: Send + Sync {
    /// Records a successful login, atomically:
    /// - a known (appid, openid) keeps its user; its session_key is replaced
    ///   (latest login wins), and a unionid it did not have yet is linked when
    ///   no other user holds it;
    /// - an unknown openid whose unionid is already linked joins that user;
    /// - otherwise a new user is created, exactly once even when many logins for
    ///   the same new openid race.
    async fn record_login(&self, login: &LoginRecord) -> Result<LoginOutcome, StoreError>;

    /// The stored session of (appid, openid), if that identity exists.
    async fn session(&self, appid: &AppId, openid: &OpenId) -> Result<Option<Session>, StoreError>;

    /// The session of (appid, openid) and its user, provided the identity still
    /// belongs to `user_id` (a token names both; after a merge it may not) and
    /// the token `token_id` was not revoked. One read request.
    async fn account(
        &self,
        user_id: &UserId,
        appid: &AppId,
        openid: &OpenId,
        token_id: &str,
    ) -> Result<Option<Account>, StoreError>;

    /// Revokes a token until it expires (idempotent).
    async fn revoke(&self, revocation: &Revocation) -> Result<(), StoreError>;

    /// Whether the token `token_id` was revoked.
    async fn is_revoked(&self, token_id: &str) -> Result<bool, StoreError>;

    /// Stores a profile and links its unionId, folding an otherwise empty user
    /// into the unionId's owner, atomically (see [`ProfileWritten`]).
    async fn write_profile(&self, write: &ProfileWrite) -> Result<ProfileWritten, StoreError>;

    /// Binds a phone number to the user. A number belongs to at most one user:
    /// a uniqueness item guarded by a condition is written in the same
    /// transaction as the user, and a previous number is released in it too.
    async fn bind_phone(&self, bind: &PhoneBind) -> Result<PhoneBound, StoreError>;
}

/// Storage keys. `#` cannot occur in ids (see `domain::ids`), so keys never collide.
pub(crate) mod keys {
    use crate::domain::{AppId, OpenId, UnionId, UserId};

    pub fn identity(appid: &AppId, openid: &OpenId) -> String {
        format!("IDENT#{appid}#{openid}")
    }

    /// The identity key for an entry of a user's identity list.
    pub fn identity_from_ref(identity_ref: &str) -> String {
        format!("IDENT#{identity_ref}")
    }

    /// How a user item lists an identity.
    pub fn identity_ref(appid: &AppId, openid: &OpenId) -> String {
        format!("{appid}#{openid}")
    }

    pub fn user(user_id: &UserId) -> String {
        format!("USER#{user_id}")
    }

    /// A revoked token, by its `jti` (checked free of `#` by `Claims::caller`).
    pub fn revoked(token_id: &str) -> String {
        format!("REVOKED#{token_id}")
    }

    pub fn union(unionid: &UnionId) -> String {
        format!("UNION#{unionid}")
    }

    pub fn phone(phone: &crate::domain::PhoneNumber) -> String {
        format!("PHONE#{}", phone.e164())
    }
}
