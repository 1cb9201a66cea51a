//! Passwords: how many tries a number and a source address get, whose the
//! number is and what password it holds, setting or changing a password
//! (which ends the user's other sessions), and replacing a stale hash.
//!
//! A try is counted *before* the password is checked, under the count's
//! version: ten guesses racing at the limit cannot all be checked, because
//! only those whose count commits go on to the check.

use super::limits::{count_in, limit_item, limit_of};
use super::session::{Account, SessionKeys, account, end_sessions};
use super::{Read, Snapshot, Step};
use crate::domain::{PasswordHash, PhoneNumber, UserId};
use crate::store::{Guard, Item, Key, StoreError, UserItem, Write};

/// The limits, in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordLimits {
    /// Tries on one number per window (right ones reset it).
    pub per_number: u32,
    /// The number's window, from its first try.
    pub number_window_secs: u64,
    /// Tries from one source address per hour. Generous: mobile networks in
    /// China put many users behind one address (carrier-grade NAT).
    pub per_source_per_hour: u32,
}

impl PasswordLimits {
    pub const DEFAULT: Self = Self {
        per_number: 5,
        number_window_secs: 15 * 60,
        per_source_per_hour: 100,
    };
}

const HOUR_SECS: u64 = 3_600;

/// A password login about to be tried.
#[derive(Debug, Clone)]
pub struct AttemptInput {
    pub phone: PhoneNumber,
    pub source: Option<String>,
    pub now: u64,
    pub limits: PasswordLimits,
}

/// Whose the number is, as far as a password login goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holder {
    /// Nobody's: only a proof of the number may register it.
    Nobody,
    User {
        user_id: UserId,
        password: Option<PasswordHash>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// Too many tries: refused before any check.
    Locked { retry_after: u64 },
    /// Counted: go on and check it against the holder.
    Counted(Holder),
}

/// Counts a try on the number (and from the source), unless either is at its
/// limit; says whose the number is and the password it holds.
pub fn attempt(snapshot: &Snapshot, input: &AttemptInput) -> Result<Step<Attempt>, StoreError> {
    let phone_key = Key::phone(&input.phone);
    let number_key = Key::password_number(&input.phone);
    let source_key = input.source.as_deref().map(Key::password_source);
    let mut first = vec![phone_key.clone(), number_key.clone()];
    first.extend(source_key.clone());
    let unread = snapshot.unread(first);
    if !unread.is_empty() {
        return Ok(Step::Read(unread));
    }
    let holder = match snapshot.owner(&phone_key)? {
        Read::Unread => return Ok(Step::Read(vec![phone_key])),
        Read::Absent => Holder::Nobody,
        Read::Present(owner) => {
            let user_key = Key::user(&owner.user_id);
            match snapshot.user(&user_key)? {
                Read::Unread => return Ok(Step::Read(vec![user_key])),
                Read::Absent => return snapshot.dangling(&phone_key, &user_key),
                Read::Present(user) => Holder::User {
                    user_id: owner.user_id.clone(),
                    password: user.password.clone(),
                },
            }
        }
    };
    let (now, limits) = (input.now, input.limits);
    let tries = limit_of(snapshot, &number_key)?;
    // The window runs from the first try in it.
    let window = match tries {
        Some(t) if now < t.window + limits.number_window_secs => t.window,
        _ => now,
    };
    if count_in(tries, window) >= limits.per_number {
        return Ok(Step::Answer(Attempt::Locked {
            retry_after: window + limits.number_window_secs - now,
        }));
    }
    let mut writes = vec![limit_item(
        &number_key,
        tries,
        window,
        limits.number_window_secs,
        now,
    )];
    if let Some(source_key) = source_key {
        let counted = limit_of(snapshot, &source_key)?;
        let hour = now / HOUR_SECS * HOUR_SECS;
        if count_in(counted, hour) >= limits.per_source_per_hour {
            return Ok(Step::Answer(Attempt::Locked {
                retry_after: hour + HOUR_SECS - now,
            }));
        }
        writes.push(limit_item(&source_key, counted, hour, HOUR_SECS, now));
    }
    Ok(Step::Commit {
        writes,
        answer: Attempt::Counted(holder),
    })
}

/// What a right password proved: the number was `user_id`'s, and `hash` that
/// user's password. Checked again, under guards, by the login it allows: the
/// number may have moved, or the password changed, while it was hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordProof {
    pub user_id: UserId,
    pub hash: PasswordHash,
}

/// Whether a [`PasswordProof`] still holds, as read.
pub(super) enum StillProven<'a> {
    Unread(Vec<Key>),
    /// It does: the user as read (its version guards the login's commit).
    Yes(&'a UserItem),
    No,
}

/// Reads the number's holder and the proven user together.
pub(super) fn still_proven<'a>(
    snapshot: &'a Snapshot,
    phone: &PhoneNumber,
    proof: &PasswordProof,
) -> Result<StillProven<'a>, StoreError> {
    let (phone_key, user_key) = (Key::phone(phone), Key::user(&proof.user_id));
    let unread = snapshot.unread([phone_key.clone(), user_key.clone()]);
    if !unread.is_empty() {
        return Ok(StillProven::Unread(unread));
    }
    let holds =
        matches!(snapshot.owner(&phone_key)?, Read::Present(o) if o.user_id == proof.user_id);
    Ok(match snapshot.user(&user_key)? {
        Read::Present(user) if holds && user.password.as_ref() == Some(&proof.hash) => {
            StillProven::Yes(user)
        }
        _ => StillProven::No,
    })
}

/// The write that clears a number's tries after a right password.
pub fn clear_tries(phone: &PhoneNumber) -> Write {
    Write::Delete {
        key: Key::password_number(phone),
        guard: Guard::Always,
    }
}

/// What setting a password found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetOutcome {
    Set,
    SessionEnded,
    /// The user holds no number: a password logs in with one.
    NoNumber,
    /// The password the caller proved (or its absence) is no longer the
    /// user's: another change came first.
    ChangedMeanwhile,
}

/// A password to set on the token's user.
#[derive(Debug, Clone)]
pub struct SetInput {
    pub new: PasswordHash,
    /// The password the caller proved it knows (or that there was none), as
    /// it was read before the proof.
    pub was: Option<PasswordHash>,
}

/// Sets the token's user's password. Changing one (not setting a first) ends
/// the user's other sessions: whoever knew the old one is out.
pub fn set(
    snapshot: &Snapshot,
    keys: &SessionKeys,
    input: &SetInput,
) -> Result<Step<SetOutcome>, StoreError> {
    let user = match account(snapshot, keys)? {
        Account::Unread(keys) => return Ok(Step::Read(keys)),
        Account::Ended => return Ok(Step::Answer(SetOutcome::SessionEnded)),
        Account::Live { user, .. } => user,
    };
    if user.phone.is_none() {
        return Ok(Step::Answer(SetOutcome::NoNumber));
    }
    if user.password != input.was {
        return Ok(Step::Answer(SetOutcome::ChangedMeanwhile));
    }
    let mut writes = vec![
        put_password(&keys.user, user, input.new.clone()),
        // The caller's session is still live when the password is set: one
        // ended meanwhile (a logout, a reused refresh token) sets nothing.
        Write::Check {
            key: keys.identity.clone(),
            guard: keys.still_live(),
        },
    ];
    if input.was.is_some() {
        writes.extend(end_sessions(
            snapshot,
            &keys.user_id,
            user,
            Some(&keys.identity),
        )?);
    }
    Ok(Step::Commit {
        writes,
        answer: SetOutcome::Set,
    })
}

fn put_password(key: &Key, user: &UserItem, hash: PasswordHash) -> Write {
    let mut next = user.clone();
    next.password = Some(hash);
    next.version += 1;
    Write::Put {
        key: key.clone(),
        item: Item::User(next),
        guard: Guard::Version(user.version),
    }
}

/// Replaces `old`, a stale hash of the right password, with `new`: only if
/// the user still holds `old` (a change meanwhile wins).
pub fn rehash(
    snapshot: &Snapshot,
    user_id: &UserId,
    old: &PasswordHash,
    new: &PasswordHash,
) -> Result<Step<()>, StoreError> {
    let key = Key::user(user_id);
    Ok(match snapshot.user(&key)? {
        Read::Unread => Step::Read(vec![key]),
        Read::Present(user) if user.password.as_ref() == Some(old) => Step::Commit {
            writes: vec![put_password(&key, user, new.clone())],
            answer: (),
        },
        Read::Present(_) | Read::Absent => Step::Answer(()),
    })
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use crate::store::{LimitItem, OwnerItem};

    const NOW: u64 = 1_800_000_000;

    fn input(source: Option<&str>, now: u64) -> AttemptInput {
        AttemptInput {
            phone: phone(1),
            source: source.map(str::to_owned),
            now,
            limits: PasswordLimits::DEFAULT,
        }
    }

    fn tried(s: &mut Snapshot, input: &AttemptInput) -> Attempt {
        settle(s, |s| attempt(s, input))
    }

    #[test]
    fn five_tries_per_number_in_fifteen_minutes_then_locked_until_the_window_ends() {
        let mut s = Snapshot::default();
        for i in 0..5 {
            assert_eq!(
                tried(&mut s, &input(None, NOW + i * 60)),
                Attempt::Counted(Holder::Nobody),
                "try {i}"
            );
        }
        assert_eq!(
            tried(&mut s, &input(None, NOW + 300)),
            Attempt::Locked { retry_after: 600 }
        );
        // The window ends 15 minutes after its first try.
        assert_eq!(
            tried(&mut s, &input(None, NOW + 900)),
            Attempt::Counted(Holder::Nobody)
        );
        // A right password clears the tries.
        apply(&mut s, &[clear_tries(&phone(1))]);
        let Read::Absent = s.exists(&Key::password_number(&phone(1))) else {
            panic!("cleared");
        };
    }

    #[test]
    fn a_source_gets_its_hourly_tries_across_numbers() {
        let mut s = Snapshot::default();
        s.set(
            Key::password_source("198.51.100.1"),
            Some(Item::Limit(LimitItem {
                window: NOW / HOUR_SECS * HOUR_SECS,
                count: PasswordLimits::DEFAULT.per_source_per_hour,
                last_at: NOW,
                expires_at: NOW + HOUR_SECS,
                version: 7,
            })),
        );
        assert!(matches!(
            tried(&mut s, &input(Some("198.51.100.1"), NOW)),
            Attempt::Locked { .. }
        ));
        assert!(matches!(
            tried(&mut s, &input(Some("198.51.100.2"), NOW)),
            Attempt::Counted(_)
        ));
    }

    #[test]
    fn a_held_number_answers_its_users_password() {
        let mut s = Snapshot::default();
        s.set(
            Key::phone(&phone(1)),
            Some(Item::Phone(OwnerItem {
                user_id: user_id(3),
                created_at: 1,
                session: None,
            })),
        );
        let mut holder = user(&[], 2);
        holder.password = Some(PasswordHash::from_phc("$argon2id$x".into()));
        s.set(Key::user(&user_id(3)), Some(Item::User(holder)));
        assert_eq!(
            tried(&mut s, &input(None, NOW)),
            Attempt::Counted(Holder::User {
                user_id: user_id(3),
                password: Some(PasswordHash::from_phc("$argon2id$x".into())),
            })
        );
    }

    #[test]
    fn a_rehash_replaces_only_the_hash_it_checked() {
        let (old, new) = (
            PasswordHash::from_phc("old".into()),
            PasswordHash::from_phc("new".into()),
        );
        let mut s = Snapshot::default();
        let mut u = user(&[1], 4);
        u.password = Some(old.clone());
        s.set(Key::user(&user_id(1)), Some(Item::User(u.clone())));
        let Step::Commit { writes, .. } = rehash(&s, &user_id(1), &old, &new).unwrap() else {
            panic!("rehashed");
        };
        assert_eq!(writes[0].guard(), &Guard::Version(4));
        u.password = Some(PasswordHash::from_phc("changed".into()));
        s.set(Key::user(&user_id(1)), Some(Item::User(u)));
        assert_eq!(
            rehash(&s, &user_id(1), &old, &new).unwrap(),
            Step::Answer(())
        );
    }

    #[test]
    fn a_change_ends_the_other_sessions_and_a_first_password_ends_none() {
        let keys = session(1, 1);
        let mut holder = user(&[1, 2], 3);
        holder.phone = Some(phone(1));
        let mut s = read_account(&keys, Some(identity(1)), Some(holder.clone()));
        // The other identities: o2's item and the number's, both with sessions.
        s.set(key_of_identity(2), Some(Item::Identity(identity(1))));
        s.set(
            Key::phone(&phone(1)),
            Some(Item::Phone(OwnerItem {
                session: Some(live_session_fixture()),
                ..owner(1)
            })),
        );
        let new = PasswordHash::from_phc("new".into());
        let first = SetInput {
            new: new.clone(),
            was: None,
        };
        let Step::Commit { writes, answer } = set(&s, &keys, &first).unwrap() else {
            panic!("set");
        };
        assert_eq!((answer, writes.len()), (SetOutcome::Set, 2));
        assert_eq!(
            (writes[1].key(), writes[1].guard()),
            (&keys.identity, &keys.still_live()),
            "only while the caller's session lives"
        );

        let old = PasswordHash::from_phc("old".into());
        holder.password = Some(old.clone());
        s.set(keys.user.clone(), Some(Item::User(holder.clone())));
        s.set(keys.identity.clone(), Some(Item::Identity(identity(1))));
        let change = SetInput {
            new,
            was: Some(old),
        };
        let Step::Commit { writes, .. } = set(&s, &keys, &change).unwrap() else {
            panic!("changed");
        };
        let ended: Vec<&Key> = writes[2..].iter().map(Write::key).collect();
        assert_eq!(ended, vec![&key_of_identity(2), &Key::phone(&phone(1))]);
        assert!(
            !ended.contains(&&keys.identity),
            "the caller's session stays"
        );

        // Proved against a password that is no longer the user's.
        assert_eq!(
            set(&s, &keys, &first).unwrap(),
            Step::Answer(SetOutcome::ChangedMeanwhile)
        );
        holder.phone = None;
        s.set(keys.user.clone(), Some(Item::User(holder)));
        s.set(keys.identity.clone(), Some(Item::Identity(identity(1))));
        assert_eq!(
            set(&s, &keys, &change).unwrap(),
            Step::Answer(SetOutcome::NoNumber)
        );
    }
}
