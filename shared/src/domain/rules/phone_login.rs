//! Logging in by a number (an SMS code, a password): the number is an
//! identity of its own. A known number logs its user in, with a new session
//! on the number's item; an unknown one becomes a new user holding only it,
//! created once however many first logins race (put only if absent). A login
//! by password goes on only while what the password proved still holds.

use super::password::{PasswordProof, StillProven, still_proven};
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
    /// A login by password: what the password proved, which must still hold
    /// (never a new user then).
    pub password_proof: Option<PasswordProof>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneLoginOutcome {
    pub user_id: UserId,
    pub is_new_user: bool,
}

/// The number moved, or its user's password changed, after the password was
/// checked: nothing was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProofStale;

pub type PhoneLoginDecision = Result<PhoneLoginOutcome, ProofStale>;

pub fn decide(
    snapshot: &Snapshot,
    input: &PhoneLoginInput,
) -> Result<Step<PhoneLoginDecision>, StoreError> {
    if let Some(proof) = &input.password_proof {
        return Ok(match still_proven(snapshot, &input.phone, proof)? {
            StillProven::Unread(keys) => Step::Read(keys),
            StillProven::No => Step::Answer(Err(ProofStale)),
            StillProven::Yes(user) => Step::Commit {
                writes: vec![
                    session_on(&input.phone, &input.session, &proof.user_id),
                    // The password checked is still the user's.
                    Write::Check {
                        key: Key::user(&proof.user_id),
                        guard: Guard::Version(user.version),
                    },
                ],
                answer: Ok(PhoneLoginOutcome {
                    user_id: proof.user_id.clone(),
                    is_new_user: false,
                }),
            },
        });
    }
    Ok(decide_proven(snapshot, input)?.map(Ok))
}

/// The session written on the number's item, while it is `holder`'s.
fn session_on(phone: &PhoneNumber, session: &Session, holder: &UserId) -> Write {
    Write::Patch {
        key: Key::phone(phone),
        patch: IdentityPatch {
            session: Some(Some(session.clone())),
            ..IdentityPatch::default()
        },
        guard: Guard::OwnedBy(holder.clone()),
    }
}

/// The number proven in this very request (an SMS code, the phone button).
fn decide_proven(
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
        writes: vec![session_on(&input.phone, &input.session, &holder.user_id)],
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
                    avatars: Default::default(),
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
            password_proof: None,
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
        assert!(answer.unwrap().is_new_user);
        assert!(writes.iter().all(|w| w.guard() == &Guard::Absent));
        s.set(Key::phone(&phone(1)), Some(Item::Phone(owner(5))));
        let Step::Commit { writes, answer } = decide(&s, &input).unwrap() else {
            panic!("a session");
        };
        let answer = answer.unwrap();
        assert_eq!((answer.user_id, answer.is_new_user), (user_id(5), false));
        assert_eq!(writes[0].guard(), &Guard::OwnedBy(user_id(5)));
    }

    #[test]
    fn a_password_login_goes_on_only_while_the_number_and_the_password_are_as_checked() {
        let hash = PasswordHash::from_phc("checked".into());
        let input = PhoneLoginInput {
            password_proof: Some(PasswordProof {
                user_id: user_id(5),
                hash: hash.clone(),
            }),
            ..input()
        };
        let snapshot = |holder: Option<u8>, password: &str| {
            let mut s = Snapshot::default();
            s.set(Key::phone(&phone(1)), holder.map(|n| Item::Phone(owner(n))));
            let mut u = user(&[], 7);
            u.password = Some(PasswordHash::from_phc(password.into()));
            s.set(Key::user(&user_id(5)), Some(Item::User(u)));
            s
        };
        let Step::Commit { writes, answer } =
            decide(&snapshot(Some(5), "checked"), &input).unwrap()
        else {
            panic!("the login");
        };
        assert_eq!(answer.unwrap().user_id, user_id(5));
        assert_eq!(
            writes[1].guard(),
            &Guard::Version(7),
            "the password's user, unchanged"
        );
        // The number freed (never a new user), another's, or the password changed.
        for (holder, password) in [
            (None, "checked"),
            (Some(6), "checked"),
            (Some(5), "changed"),
        ] {
            assert_eq!(
                decide(&snapshot(holder, password), &input).unwrap(),
                Step::Answer(Err(ProofStale)),
                "{holder:?} {password}"
            );
        }
    }
}
