//! Every account rule, once: plain functions over what a use case has read
//! ([`Snapshot`]), answering what to read next, or the answer and the guarded
//! writes that make it true ([`Step`]). The stores only read and commit; when a
//! guard fails the use case reads again and asks these functions again
//! (`usecases::decider`).
//!
//! - [`session`]: whether a token's session is still live (its identity still
//!   holds it for the token's user, unexpired), refreshing it with rotation
//!   and reuse detection, logging out of one or all.
//! - [`account`]: the account as its owner sees it, and its deletion.
//! - [`sms`]: when a verification code may be sent, and whether one is right.
//! - [`phone_login`]: logging in by a number (SMS code, password).
//! - [`password`]: tries per number and per source address, setting and
//!   changing a password (ending the other sessions), replacing a stale hash.
//! - [`login`]: new user, returning user, joining a user through its unionId,
//!   linking a unionId that arrives later.
//! - [`nickname`]: what the content policy makes of WeChat's verdict on a
//!   nickname the user typed, and storing it with its check state.
//! - [`profile`]: merging a profile, linking a unionId, folding an empty user
//!   into the unionId's owner, conflicts.
//! - [`phone`]: one number per user, one user per number, releasing the old number.

pub mod account;
pub mod avatar;
mod limits;
pub mod login;
pub mod nickname;
pub mod password;
pub mod phone;
pub mod phone_login;
pub mod profile;
pub mod session;
pub mod sms;
mod snapshot;
pub mod ticket;

pub use snapshot::{Read, SessionHome, Snapshot, Step};

use crate::domain::UserId;
use crate::store::{Guard, Item, Key, OwnerItem, Write};

/// The write that makes a unionId or a number `me`'s: its item put only if
/// nobody holds it, or, when it was read as already `me`'s, a check that it
/// still is.
fn claim(key: Key, me: &UserId, now: u64, already_mine: bool) -> Write {
    if already_mine {
        return Write::Check {
            key,
            guard: Guard::OwnedBy(me.clone()),
        };
    }
    let owner = OwnerItem {
        user_id: me.clone(),
        created_at: now,
        session: None,
    };
    let item = match key.kind() {
        crate::store::KeyKind::Phone => Item::Phone(owner),
        _ => Item::Union(owner),
    };
    Write::Put {
        key,
        item,
        guard: Guard::Absent,
    }
}

/// The writes that give each of `identities` (but `except`) the unionId its
/// user now holds, each only while it is still `me`'s: every identity carries
/// its user's unionId, so a returning login answers from its identity alone.
fn carry_union(
    identities: &[crate::store::IdentityRef],
    except: Option<&Key>,
    union_id: &crate::domain::UnionId,
    me: &UserId,
) -> Vec<Write> {
    identities
        .iter()
        .filter(|r| Some(&r.key()) != except)
        .map(|r| Write::Patch {
            key: r.key(),
            patch: crate::store::IdentityPatch {
                union_id: Some(union_id.clone()),
                ..Default::default()
            },
            guard: Guard::OwnedBy(me.clone()),
        })
        .collect()
}

#[cfg(test)]
mod fixtures;
