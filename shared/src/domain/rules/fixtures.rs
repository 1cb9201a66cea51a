//! Items for the rules' unit tests.

use super::Snapshot;
use super::session::SessionKeys;
use crate::domain::{AppId, OpenId, PhoneNumber, SessionKey, UnionId, UserId};
use crate::store::{IdentityItem, IdentityRef, Item, Key, OwnerItem, UserItem};

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

pub fn identity(user: u8) -> IdentityItem {
    IdentityItem {
        user_id: user_id(user),
        session_key: key(),
        session_at: 1,
        created_at: 1,
        union_id: None,
        has_phone: false,
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
        version,
    }
}

pub fn owner(user: u8) -> OwnerItem {
    OwnerItem {
        user_id: user_id(user),
        created_at: 1,
    }
}

/// The session of user `user`'s token for identity `o<openid>`.
pub fn session(user: u8, openid_n: u8) -> SessionKeys {
    SessionKeys::new(&user_id(user), &appid(), &openid(openid_n), "jti")
}

/// A snapshot where the session's identity, user and revocation were read.
pub fn read_account(
    keys: &SessionKeys,
    identity: Option<IdentityItem>,
    user: Option<UserItem>,
) -> Snapshot {
    let mut s = Snapshot::default();
    s.set(keys.identity.clone(), identity.map(Item::Identity));
    s.set(keys.user.clone(), user.map(Item::User));
    s.set(keys.revoked.clone(), None);
    s
}

pub fn key_of_identity(n: u8) -> Key {
    Key::identity(&appid(), &openid(n))
}
