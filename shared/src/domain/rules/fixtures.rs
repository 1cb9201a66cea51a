//! Items for the rules' unit tests.

use super::session::SessionKeys;
use super::{Snapshot, Step};
use crate::domain::{
    AppId, Identity, OpenId, PhoneNumber, RefreshSecret, Session, SessionId, SessionKey,
    SessionPolicy, UnionId, UserId,
};
use crate::store::{IdentityItem, IdentityRef, Item, Key, OwnerItem, UserItem, Write};
use std::sync::OnceLock;

pub fn appid() -> AppId {
    AppId::parse("wxA").unwrap()
}

pub fn openid(n: u8) -> OpenId {
    OpenId::parse(format!("o{n}")).unwrap()
}

pub fn user_id(n: u8) -> UserId {
    UserId::parse(format!("user{n}")).unwrap()
}

pub fn union_id(n: u8) -> UnionId {
    UnionId::parse(format!("u{n}")).unwrap()
}

pub fn phone(n: u8) -> PhoneNumber {
    PhoneNumber::from_parts("86", &format!("1380000000{n}")).unwrap()
}

pub fn key() -> SessionKey {
    SessionKey::parse("AAAAAAAAAAAAAAAAAAAAAA==").unwrap()
}

pub fn policy() -> SessionPolicy {
    SessionPolicy {
        access_ttl_secs: 900,
        refresh_ttl_secs: 1_000,
        max_lifetime_secs: 5_000,
        reuse_grace_secs: 5,
    }
}

/// The refresh secret of [`live_session_fixture`].
pub fn fixture_secret() -> RefreshSecret {
    static SECRET: OnceLock<RefreshSecret> = OnceLock::new();
    SECRET.get_or_init(RefreshSecret::generate).clone()
}

/// The session every fixture identity holds: `sid1`, started at 1.
pub fn live_session_fixture() -> Session {
    Session::start(
        SessionId::parse("sid1").unwrap(),
        &fixture_secret(),
        1,
        &policy(),
    )
}

pub fn identity(user: u8) -> IdentityItem {
    IdentityItem {
        user_id: user_id(user),
        session_key: key(),
        session_at: 1,
        created_at: 1,
        union_id: None,
        has_phone: false,
        session: Some(live_session_fixture()),
    }
}

/// A user holding the identities `o<n>` of app wxA.
pub fn user(openids: &[u8], version: u64) -> UserItem {
    UserItem {
        created_at: 1,
        identities: openids
            .iter()
            .map(|n| IdentityRef::new(&appid(), &openid(*n)))
            .collect(),
        union_id: None,
        phone: None,
        profile: Default::default(),
        checks: Default::default(),
        avatars: Default::default(),
        password: None,
        version,
    }
}

pub fn owner(user: u8) -> OwnerItem {
    OwnerItem {
        user_id: user_id(user),
        created_at: 1,
        session: None,
    }
}

/// The session of user `user`'s token for identity `o<openid>`.
pub fn session(user: u8, openid_n: u8) -> SessionKeys {
    SessionKeys::new(
        &user_id(user),
        &Identity::wechat(&appid(), &openid(openid_n)),
        &live_session_fixture().id,
        9,
    )
}

/// A snapshot where the session's identity and user were read.
pub fn read_account(
    keys: &SessionKeys,
    identity: Option<IdentityItem>,
    user: Option<UserItem>,
) -> Snapshot {
    let mut s = Snapshot::default();
    s.set(keys.identity.clone(), identity.map(Item::Identity));
    s.set(keys.user.clone(), user.map(Item::User));
    s
}

pub fn key_of_identity(n: u8) -> Key {
    Key::identity(&appid(), &openid(n))
}

/// Applies a step's writes to a snapshot, as a store would commit them.
pub fn apply(s: &mut Snapshot, writes: &[Write]) {
    for w in writes {
        match w {
            Write::Put { key, item, .. } => s.set(key.clone(), Some(item.clone())),
            Write::Delete { key, .. } => s.set(key.clone(), None),
            _ => {}
        }
    }
}

/// Runs a rule to its answer over `s`: keys it asks for and `s` lacks are
/// read absent, its writes are applied.
pub fn settle<A>(
    s: &mut Snapshot,
    decide: impl Fn(&Snapshot) -> Result<Step<A>, crate::store::StoreError>,
) -> A {
    loop {
        match decide(s).unwrap() {
            Step::Read(keys) => {
                for key in keys {
                    s.set(key, None);
                }
            }
            Step::Commit { writes, answer } => {
                apply(s, &writes);
                return answer;
            }
            Step::Answer(answer) => return answer,
        }
    }
}
