//! Storing a profile: fields merge over what the user has (placeholders never
//! erase), a unionId the user lacks is linked to it and its identities, a user
//! that holds nothing else is folded into the unionId's owner, and a unionId
//! that cannot be this user's is a conflict that changes nothing.

use super::session::{self, Account, SessionKeys};
use super::{Read, Snapshot, Step, carry_union, claim};
use crate::domain::{CheckState, ContentCheck, ContentChecks, Profile, Session, UnionId, UserId};
use crate::store::{Guard, IdentityPatch, IdentityRef, Item, Key, StoreError, UserItem, Write};

/// What the decrypted payload brought.
#[derive(Debug, Clone)]
pub struct ProfileInput {
    pub profile: Profile,
    pub union_id: Option<UnionId>,
    pub now: u64,
    /// The session a fold starts for the moved identity under its new user.
    pub new_session: Session,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileOutcome {
    /// Stored on the user; the unionId (if new) is linked to it.
    Stored {
        user_id: UserId,
        union_id: Option<UnionId>,
        profile: Profile,
    },
    /// The unionId belonged to another user and this one held nothing else: the
    /// identity moved to that user with a new session (the old one ended), this
    /// user was deleted, the profile went there.
    Folded {
        owner: UserId,
        union_id: UnionId,
        profile: Profile,
    },
    /// The unionId cannot be this user's: nothing was changed.
    Conflict,
    /// The token's session has ended.
    SessionEnded,
}

/// `input`'s profile laid over `user`'s, and the user's checks after it: a
/// nickname from WeChat's encrypted user info that changes the stored one is
/// WeChat's own (state `wechat`); placeholders change nothing, so a checked
/// nickname keeps its check.
fn merged(user: &UserItem, input: &ProfileInput) -> (Profile, ContentChecks) {
    let profile = input.profile.merged_over(&user.profile);
    let mut checks = user.checks;
    if profile.nick_name != user.profile.nick_name {
        checks.nick_name = Some(ContentCheck {
            state: CheckState::WeChat,
            label: None,
            at: input.now,
        });
    }
    (profile, checks)
}

/// A user with nothing but this one identity can be folded into another.
pub fn holds_nothing_else(user: &UserItem) -> bool {
    user.identities.len() <= 1 && user.phone.is_none()
}

pub fn decide(
    snapshot: &Snapshot,
    keys: &SessionKeys,
    input: &ProfileInput,
) -> Result<Step<ProfileOutcome>, StoreError> {
    let user = match session::account(snapshot, keys)? {
        Account::Unread(keys) => return Ok(Step::Read(keys)),
        Account::Ended => return Ok(Step::Answer(ProfileOutcome::SessionEnded)),
        Account::Live { user, .. } => user,
    };
    let me = &keys.user_id;
    let union_id = match (&user.union_id, &input.union_id) {
        (Some(mine), Some(theirs)) if mine != theirs => {
            return Ok(Step::Answer(ProfileOutcome::Conflict));
        }
        (None, Some(union_id)) => union_id,
        _ => return Ok(store(me, user, input)),
    };
    let union_key = Key::union(union_id);
    match snapshot.owner(&union_key)? {
        // Unread: assume nobody holds it; the union's put-if-absent checks that.
        Read::Unread | Read::Absent => Ok(link(me, user, input, union_id, false)),
        Read::Present(owner) if &owner.user_id == me => Ok(link(me, user, input, union_id, true)),
        Read::Present(_) if !holds_nothing_else(user) => Ok(Step::Answer(ProfileOutcome::Conflict)),
        Read::Present(owner) => {
            let owner_key = Key::user(&owner.user_id);
            match snapshot.user(&owner_key)? {
                Read::Unread => Ok(Step::Read(vec![owner_key])),
                // Deleted since the unionId was read: read both again.
                Read::Absent => snapshot.dangling(&union_key, &owner_key),
                Read::Present(owner_user) => Ok(fold(
                    keys,
                    user,
                    input,
                    union_id,
                    &owner.user_id,
                    owner_user,
                )),
            }
        }
    }
}

/// The user's unionId is settled: store the merged profile, if it changes.
fn store(me: &UserId, user: &UserItem, input: &ProfileInput) -> Step<ProfileOutcome> {
    let (profile, checks) = merged(user, input);
    let answer = ProfileOutcome::Stored {
        user_id: me.clone(),
        union_id: user.union_id.clone(),
        profile: profile.clone(),
    };
    if profile == user.profile {
        return Step::Answer(answer);
    }
    let mut stored = user.clone();
    stored.profile = profile;
    stored.checks = checks;
    stored.version += 1;
    Step::Commit {
        writes: vec![Write::Put {
            key: Key::user(me),
            item: Item::User(stored),
            guard: Guard::Version(user.version),
        }],
        answer,
    }
}

/// Links the unionId to the user and all its identities, with the profile.
fn link(
    me: &UserId,
    user: &UserItem,
    input: &ProfileInput,
    union_id: &UnionId,
    already_held: bool,
) -> Step<ProfileOutcome> {
    let mut linked = user.clone();
    (linked.profile, linked.checks) = merged(user, input);
    linked.union_id = Some(union_id.clone());
    linked.version += 1;
    let mut writes = vec![
        claim(Key::union(union_id), me, input.now, already_held),
        Write::Put {
            key: Key::user(me),
            item: Item::User(linked.clone()),
            guard: Guard::Version(user.version),
        },
    ];
    writes.extend(carry_union(&user.identities, None, union_id, me));
    Step::Commit {
        writes,
        answer: ProfileOutcome::Stored {
            user_id: me.clone(),
            union_id: Some(union_id.clone()),
            profile: linked.profile,
        },
    }
}

/// Moves the user's only identity to the owner and deletes the empty user, as
/// both are now.
fn fold(
    keys: &SessionKeys,
    user: &UserItem,
    input: &ProfileInput,
    union_id: &UnionId,
    owner: &UserId,
    owner_user: &UserItem,
) -> Step<ProfileOutcome> {
    let me = &keys.user_id;
    let mut into = owner_user.clone();
    (into.profile, into.checks) = merged(owner_user, input);
    let moving = identity_ref_of(&keys.identity, user);
    if let Some(moving) = &moving
        && !into.identities.contains(moving)
    {
        into.identities.push(moving.clone());
    }
    into.version += 1;
    Step::Commit {
        writes: vec![
            Write::Check {
                key: Key::union(union_id),
                guard: Guard::OwnedBy(owner.clone()),
            },
            Write::Patch {
                key: keys.identity.clone(),
                patch: IdentityPatch {
                    user_id: Some(owner.clone()),
                    union_id: Some(union_id.clone()),
                    has_phone: Some(owner_user.phone.is_some()),
                    session: Some(Some(input.new_session.clone())),
                    ..IdentityPatch::default()
                },
                guard: Guard::OwnedBy(me.clone()),
            },
            Write::Delete {
                key: Key::user(me),
                guard: Guard::Version(user.version),
            },
            Write::Put {
                key: Key::user(owner),
                item: Item::User(into.clone()),
                guard: Guard::Version(owner_user.version),
            },
        ],
        answer: ProfileOutcome::Folded {
            owner: owner.clone(),
            union_id: union_id.clone(),
            profile: into.profile,
        },
    }
}

/// The user's entry for the identity under `key`.
fn identity_ref_of(key: &Key, user: &UserItem) -> Option<IdentityRef> {
    user.identities.iter().find(|r| &r.key() == key).cloned()
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;

    fn input(nick: &str, union: Option<u8>) -> ProfileInput {
        ProfileInput {
            profile: Profile {
                nick_name: Some(nick.into()),
                ..Profile::default()
            },
            union_id: union.map(union_id),
            now: 9,
            new_session: live_session_fixture(),
        }
    }

    #[test]
    fn a_profile_is_merged_over_the_user_as_read_and_guarded_by_its_version() {
        let keys = session(1, 1);
        let mut stored = user(&[1], 3);
        stored.profile.city = Some("Hangzhou".into());
        let s = read_account(&keys, Some(identity(1)), Some(stored));
        let Step::Commit { writes, answer } = decide(&s, &keys, &input("Band", None)).unwrap()
        else {
            panic!("a write");
        };
        let Write::Put {
            item: Item::User(written),
            guard,
            ..
        } = &writes[0]
        else {
            panic!("the user");
        };
        assert_eq!(guard, &Guard::Version(3));
        assert_eq!(written.version, 4);
        assert_eq!(written.profile.city.as_deref(), Some("Hangzhou"));
        assert_eq!(written.profile.nick_name.as_deref(), Some("Band"));
        assert!(matches!(answer, ProfileOutcome::Stored { .. }));
        // WeChat's own nickname, marked so.
        assert_eq!(
            written.checks.nick_name,
            Some(ContentCheck {
                state: CheckState::WeChat,
                label: None,
                at: 9
            })
        );
        // The same again changes nothing: no write.
        let mut same = user(&[1], 4);
        same.profile = written.profile.clone();
        let s = read_account(&keys, Some(identity(1)), Some(same));
        assert!(matches!(
            decide(&s, &keys, &input("Band", None)).unwrap(),
            Step::Answer(ProfileOutcome::Stored { .. })
        ));
    }

    #[test]
    fn a_checked_nickname_keeps_its_check_unless_wechat_replaces_it() {
        let keys = session(1, 1);
        let mut typed = user(&[1], 3);
        typed.profile.nick_name = Some("小明".into());
        let passed = ContentCheck {
            state: CheckState::Passed,
            label: None,
            at: 2,
        };
        typed.checks.nick_name = Some(passed);
        // Placeholders (no nickname) and other fields: the check stays.
        let mut city = input("x", None);
        city.profile.nick_name = None;
        city.profile.city = Some("Hangzhou".into());
        let s = read_account(&keys, Some(identity(1)), Some(typed.clone()));
        let Step::Commit { writes, .. } = decide(&s, &keys, &city).unwrap() else {
            panic!("a write");
        };
        let Write::Put {
            item: Item::User(written),
            ..
        } = &writes[0]
        else {
            panic!("the user");
        };
        assert_eq!(written.profile.nick_name.as_deref(), Some("小明"));
        assert_eq!(written.checks.nick_name, Some(passed));
        // The same nickname from WeChat: still the check it had.
        assert!(matches!(
            decide(&s, &keys, &input("小明", None)).unwrap(),
            Step::Answer(ProfileOutcome::Stored { .. })
        ));
        // Another one from WeChat replaces it, marked as WeChat's.
        let Step::Commit { writes, .. } = decide(&s, &keys, &input("Band", None)).unwrap() else {
            panic!("a write");
        };
        let Write::Put {
            item: Item::User(written),
            ..
        } = &writes[0]
        else {
            panic!("the user");
        };
        assert_eq!(
            written.checks.nick_name.map(|c| c.state),
            Some(CheckState::WeChat)
        );
    }

    #[test]
    fn a_new_union_is_linked_to_every_identity() {
        let keys = session(1, 1);
        let s = read_account(&keys, Some(identity(1)), Some(user(&[1, 2], 1)));
        let Step::Commit { writes, .. } = decide(&s, &keys, &input("A", Some(7))).unwrap() else {
            panic!("a write");
        };
        assert_eq!(
            (writes[0].key(), writes[0].guard()),
            (&Key::union(&union_id(7)), &Guard::Absent)
        );
        let patched: Vec<_> = writes[2..].iter().map(|w| w.key().clone()).collect();
        assert_eq!(patched, vec![key_of_identity(1), key_of_identity(2)]);
    }

    #[test]
    fn an_owned_union_folds_an_empty_user_and_conflicts_with_a_full_one() {
        let keys = session(1, 1);
        let mut s = read_account(&keys, Some(identity(1)), Some(user(&[1], 2)));
        s.set(Key::union(&union_id(7)), Some(Item::Union(owner(5))));
        // The owner is read before folding into it.
        assert_eq!(
            decide(&s, &keys, &input("A", Some(7))).unwrap(),
            Step::Read(vec![Key::user(&user_id(5))])
        );
        let mut owner_user = user(&[9], 6);
        owner_user.phone = Some(phone(1));
        s.set(Key::user(&user_id(5)), Some(Item::User(owner_user)));
        let Step::Commit { writes, answer } = decide(&s, &keys, &input("A", Some(7))).unwrap()
        else {
            panic!("a fold");
        };
        assert!(matches!(answer, ProfileOutcome::Folded { .. }));
        let guards: Vec<_> = writes
            .iter()
            .map(|w| (w.key().clone(), w.guard().clone()))
            .collect();
        assert_eq!(
            guards,
            vec![
                (Key::union(&union_id(7)), Guard::OwnedBy(user_id(5))),
                (key_of_identity(1), Guard::OwnedBy(user_id(1))),
                (Key::user(&user_id(1)), Guard::Version(2)),
                (Key::user(&user_id(5)), Guard::Version(6)),
            ]
        );
        let Write::Patch { patch, .. } = &writes[1] else {
            panic!("the identity moves");
        };
        assert_eq!(patch.has_phone, Some(true), "it reports the owner's number");

        // A user holding a number is not folded: conflict, nothing written.
        let mut full = user(&[1], 2);
        full.phone = Some(phone(2));
        let mut s = read_account(&keys, Some(identity(1)), Some(full));
        s.set(Key::union(&union_id(7)), Some(Item::Union(owner(5))));
        assert_eq!(
            decide(&s, &keys, &input("A", Some(7))).unwrap(),
            Step::Answer(ProfileOutcome::Conflict)
        );
        // Nor is a different unionId than the user's own ever taken.
        let mut other = user(&[1], 2);
        other.union_id = Some(union_id(8));
        let s = read_account(&keys, Some(identity(1)), Some(other));
        assert_eq!(
            decide(&s, &keys, &input("A", Some(7))).unwrap(),
            Step::Answer(ProfileOutcome::Conflict)
        );
    }
}
