//! Binding a number: a number belongs to at most one user and a user holds at
//! most one number. Binding a new one releases the old; every identity of the
//! user reports that it holds one (`hasPhone`), judged on the user as it is.

use super::session::{self, Account, SessionKeys};
use super::{Read, Snapshot, Step, claim};
use crate::domain::PhoneNumber;
use crate::store::{Guard, IdentityPatch, Item, Key, StoreError, Write};

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
    let already_mine = match snapshot.owner(&phone_key)? {
        Read::Present(holder) if &holder.user_id != me => {
            return Ok(Step::Answer(BindOutcome::Taken));
        }
        // The number item is ours but the user lost it: write the user again.
        Read::Present(_) => true,
        // Unread: assume it is free; the put-if-absent checks that.
        Read::Unread | Read::Absent => false,
    };
    let mut bound = user.clone();
    bound.phone = Some(phone.clone());
    bound.version += 1;
    let mut writes = vec![
        claim(phone_key, me, now, already_mine),
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

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;

    fn writes(step: Step<BindOutcome>) -> (Vec<Write>, BindOutcome) {
        match step {
            Step::Commit { writes, answer } => (writes, answer),
            other => panic!("expected writes, got {other:?}"),
        }
    }

    #[test]
    fn a_new_number_is_claimed_the_old_released_every_identity_flagged() {
        let keys = session(1, 1);
        let mut holder = user(&[1, 2], 4);
        holder.phone = Some(phone(1));
        let s = read_account(&keys, Some(identity(1)), Some(holder));
        let (writes, answer) = writes(decide(&s, &keys, &phone(2), 9).unwrap());
        assert_eq!(answer, BindOutcome::Bound);
        let me = Guard::OwnedBy(user_id(1));
        assert_eq!(writes[0].key(), &Key::phone(&phone(2)));
        assert_eq!(writes[0].guard(), &Guard::Absent);
        assert_eq!(
            writes[1].guard(),
            &Guard::Version(4),
            "judged on the user as read"
        );
        assert_eq!(
            (writes[2].key(), writes[2].guard()),
            (&Key::phone(&phone(1)), &me)
        );
        let flagged: Vec<_> = writes[3..].iter().map(|w| w.key().clone()).collect();
        assert_eq!(flagged, vec![key_of_identity(1), key_of_identity(2)]);
    }

    #[test]
    fn yours_taken_and_ended_write_nothing() {
        let keys = session(1, 1);
        let mut holder = user(&[1], 1);
        holder.phone = Some(phone(1));
        let s = read_account(&keys, Some(identity(1)), Some(holder));
        assert_eq!(
            decide(&s, &keys, &phone(1), 9).unwrap(),
            Step::Answer(BindOutcome::AlreadyYours)
        );
        let mut s = read_account(&keys, Some(identity(1)), Some(user(&[1], 1)));
        s.set(Key::phone(&phone(3)), Some(Item::Phone(owner(2))));
        assert_eq!(
            decide(&s, &keys, &phone(3), 9).unwrap(),
            Step::Answer(BindOutcome::Taken)
        );
        let gone = read_account(&keys, Some(identity(2)), Some(user(&[1], 1)));
        assert_eq!(
            decide(&gone, &keys, &phone(3), 9).unwrap(),
            Step::Answer(BindOutcome::SessionEnded)
        );
    }
}
