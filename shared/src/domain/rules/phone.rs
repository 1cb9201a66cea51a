//! Binding a number: a number belongs to at most one user and a user holds at
//! most one number. Binding a new one releases the old; every identity of the
//! user reports that it holds one (`hasPhone`), judged on the user as it is.

use super::session::{self, Account, SessionKeys};
use super::{Read, Snapshot, Step};
use crate::domain::PhoneNumber;
use crate::store::{Guard, IdentityPatch, Item, Key, OwnerItem, StoreError, Write};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindOutcome {
    /// The number is now this user's (a previous number was released).
    Bound,
    /// It already was: nothing was written.
    AlreadyYours,
    /// Another user holds it: nothing was changed.
    Taken,
    /// The token's session has ended.
    SessionEnded,
}

pub fn decide(
    snapshot: &Snapshot,
    keys: &SessionKeys,
    phone: &PhoneNumber,
    now: u64,
) -> Result<Step<BindOutcome>, StoreError> {
    let user = match session::account(snapshot, keys)? {
        Account::Unread(keys) => return Ok(Step::Read(keys)),
        Account::Ended => return Ok(Step::Answer(BindOutcome::SessionEnded)),
        Account::Live { user, .. } => user,
    };
    if user.phone.as_ref() == Some(phone) {
        return Ok(Step::Answer(BindOutcome::AlreadyYours));
    }
    let me = &keys.user_id;
    let phone_key = Key::phone(phone);
    let claim = match snapshot.owner(&phone_key)? {
        Read::Present(holder) if &holder.user_id != me => {
            return Ok(Step::Answer(BindOutcome::Taken));
        }
        // The number item is ours but the user lost it: write the user again.
        Read::Present(_) => Write::Check {
            key: phone_key,
            guard: Guard::OwnedBy(me.clone()),
        },
        // Unread: assume it is free; the put-if-absent checks that.
        Read::Unread | Read::Absent => Write::Put {
            key: phone_key,
            item: Item::Phone(OwnerItem {
                user_id: me.clone(),
                created_at: now,
            }),
            guard: Guard::Absent,
        },
    };
    let mut bound = user.clone();
    bound.phone = Some(phone.clone());
    bound.version += 1;
    let mut writes = vec![
        claim,
        Write::Put {
            key: keys.user.clone(),
            item: Item::User(bound),
            guard: Guard::Version(user.version),
        },
    ];
    if let Some(old) = &user.phone {
        writes.push(Write::Delete {
            key: Key::phone(old),
            guard: Guard::OwnedBy(me.clone()),
        });
    }
    for identity in &user.identities {
        writes.push(Write::Patch {
            key: identity.key(),
            patch: IdentityPatch {
                has_phone: Some(true),
                ..IdentityPatch::default()
            },
            guard: Guard::OwnedBy(me.clone()),
        });
    }
    Ok(Step::Commit {
        writes,
        answer: BindOutcome::Bound,
    })
}
