//! Logging in by a number (an SMS code, a password): the number is an
//! identity of its own. A known number logs its user in, with a new session
//! on the number's item; an unknown one becomes a new user holding only it,
//! created once however many first logins race (put only if absent).

use super::{Read, Snapshot, Step};
use crate::domain::{PasswordHash, PhoneNumber, Profile, Session, UserId};
use crate::store::{Guard, IdentityPatch, Item, Key, OwnerItem, StoreError, UserItem, Write};

#[derive(Debug, Clone)]
pub struct PhoneLoginInput {
    pub phone: PhoneNumber,
    pub now: u64,
    /// The id a new user gets (drawn by the caller: rules stay pure).
    pub new_user_id: UserId,
    /// The session this login starts on the number (replacing its last).
    pub session: Session,
    /// The password a new user starts with (a password registration); a
    /// known number's user keeps theirs.
    pub new_user_password: Option<PasswordHash>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneLoginOutcome {
    pub user_id: UserId,
    pub is_new_user: bool,
}

pub fn decide(
    snapshot: &Snapshot,
    input: &PhoneLoginInput,
) -> Result<Step<PhoneLoginOutcome>, StoreError> {
    let key = Key::phone(&input.phone);
    let holder = match snapshot.owner(&key)? {
        Read::Unread => return Ok(Step::Read(vec![key])),
        Read::Present(holder) => holder,
        Read::Absent => return Ok(create(input)),
    };
    Ok(Step::Commit {
        writes: vec![Write::Patch {
            key,
            patch: IdentityPatch {
                session: Some(Some(input.session.clone())),
                ..IdentityPatch::default()
            },
            guard: Guard::OwnedBy(holder.user_id.clone()),
        }],
        answer: PhoneLoginOutcome {
            user_id: holder.user_id.clone(),
            is_new_user: false,
        },
    })
}

/// A new user holding only this number.
fn create(input: &PhoneLoginInput) -> Step<PhoneLoginOutcome> {
    let user_id = &input.new_user_id;
    Step::Commit {
        writes: vec![
            Write::Put {
                key: Key::phone(&input.phone),
                item: Item::Phone(OwnerItem {
                    user_id: user_id.clone(),
                    created_at: input.now,
                    session: Some(input.session.clone()),
                }),
                guard: Guard::Absent,
            },
            Write::Put {
                key: Key::user(user_id),
                item: Item::User(UserItem {
                    created_at: input.now,
                    identities: Vec::new(),
                    union_id: None,
                    phone: Some(input.phone.clone()),
                    profile: Profile::default(),
                    checks: Default::default(),
                    password: input.new_user_password.clone(),
                    version: 1,
                }),
                guard: Guard::Absent,
            },
        ],
        answer: PhoneLoginOutcome {
            user_id: user_id.clone(),
            is_new_user: true,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;

    fn input() -> PhoneLoginInput {
        PhoneLoginInput {
            phone: phone(1),
            now: 9,
            new_user_id: user_id(1),
            session: live_session_fixture(),
            new_user_password: None,
        }
    }

    #[test]
    fn a_known_number_starts_a_session_and_an_unknown_one_is_a_new_user() {
        let input = input();
        assert_eq!(
            decide(&Snapshot::default(), &input).unwrap(),
            Step::Read(vec![Key::phone(&phone(1))])
        );
        let mut s = Snapshot::default();
        s.set(Key::phone(&phone(1)), None);
        let Step::Commit { writes, answer } = decide(&s, &input).unwrap() else {
            panic!("a new user");
        };
        assert!(answer.is_new_user);
        assert!(writes.iter().all(|w| w.guard() == &Guard::Absent));
        s.set(Key::phone(&phone(1)), Some(Item::Phone(owner(5))));
        let Step::Commit { writes, answer } = decide(&s, &input).unwrap() else {
            panic!("a session");
        };
        assert_eq!((answer.user_id, answer.is_new_user), (user_id(5), false));
        assert_eq!(writes[0].guard(), &Guard::OwnedBy(user_id(5)));
    }
}
