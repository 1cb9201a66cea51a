//! The account as its owner sees it, and its deletion: the user and every item
//! that belongs to it (identities and their sessions, the unionId and number
//! claims) go in one atomic commit, each guarded as read, so a login or bind
//! racing the deletion either happened before it (and is deleted with it) or
//! finds nobody (and makes a fresh user).

use super::avatar::{self, AvatarPolicy};
use super::session::{self, Account, SessionKeys};
use super::{Read, Snapshot, Step};
use crate::domain::{ContentChecks, Identity, Profile, SessionKey, UploadedAvatar, UserId};
use crate::store::{Guard, Key, StoreError, Write};

/// What `GET /auth/me` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountView {
    pub user_id: UserId,
    pub identities: Vec<Identity>,
    pub has_union_id: bool,
    /// Whether the user can log in by number and password.
    pub has_password: bool,
    pub profile: Profile,
    /// How the profile's typed fields were checked.
    pub checks: ContentChecks,
    /// The latest uploaded avatar (pending, active or refused).
    pub avatar: Option<UploadedAvatar>,
    /// Live sessions, over all identities.
    pub sessions: usize,
    pub created_at: u64,
}

/// The keys of the items a user holds besides its user item.
fn held_keys(user: &crate::store::UserItem) -> Vec<Key> {
    let mut keys: Vec<Key> = user.all_identities().iter().map(Key::of_identity).collect();
    keys.extend(user.union_id.as_ref().map(Key::union));
    keys
}

/// The caller's account, once its identities are read.
pub fn view(
    snapshot: &Snapshot,
    keys: &SessionKeys,
    avatars: &AvatarPolicy,
) -> Result<Step<Option<AccountView>>, StoreError> {
    let user = match session::account(snapshot, keys)? {
        Account::Unread(keys) => return Ok(Step::Read(keys)),
        Account::Ended => return Ok(Step::Answer(None)),
        Account::Live { user, .. } => user,
    };
    // An avatar past its check's deadline shows as the policy decides it.
    let user = &avatar::settled(user, keys.now, avatars);
    let identities = user.all_identities();
    let homes: Vec<Key> = identities.iter().map(Key::of_identity).collect();
    let unread = snapshot.unread(homes.clone());
    if !unread.is_empty() {
        return Ok(Step::Read(unread));
    }
    let mut sessions = 0;
    for key in &homes {
        if let Read::Present(home) = snapshot.session_home(key)?
            && home.user_id == &keys.user_id
            && home.session.is_some_and(|s| s.live_at(keys.now))
        {
            sessions += 1;
        }
    }
    Ok(Step::Answer(Some(AccountView {
        user_id: keys.user_id.clone(),
        identities,
        has_union_id: user.union_id.is_some(),
        has_password: user.password.is_some(),
        profile: user.profile.clone(),
        checks: user.checks,
        avatar: avatar::latest(user).cloned(),
        sessions,
        created_at: user.created_at,
    })))
}

/// A deleted account's WeChat identities and their last session_keys, for
/// `resetusersessionkey`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deletion {
    Deleted { wechat: Vec<(Identity, SessionKey)> },
    SessionEnded,
}

/// Deletes the caller's user and everything it holds, as read.
pub fn delete(snapshot: &Snapshot, keys: &SessionKeys) -> Result<Step<Deletion>, StoreError> {
    let user = match session::account(snapshot, keys)? {
        Account::Unread(keys) => return Ok(Step::Read(keys)),
        Account::Ended => return Ok(Step::Answer(Deletion::SessionEnded)),
        Account::Live { user, .. } => user,
    };
    let held = held_keys(user);
    let unread = snapshot.unread(held.clone());
    if !unread.is_empty() {
        return Ok(Step::Read(unread));
    }
    let me = &keys.user_id;
    let mut writes = vec![Write::Delete {
        key: keys.user.clone(),
        guard: Guard::Version(user.version),
    }];
    let mut wechat = Vec::new();
    for key in held {
        let owned_by_me = match snapshot.exists(&key) {
            Read::Present(crate::store::Item::Identity(item)) => {
                if &item.user_id == me
                    && let Some(identity) = user
                        .all_identities()
                        .into_iter()
                        .find(|i| Key::of_identity(i) == key)
                {
                    wechat.push((identity, item.session_key.clone()));
                }
                &item.user_id == me
            }
            Read::Present(crate::store::Item::Union(owner) | crate::store::Item::Phone(owner)) => {
                &owner.user_id == me
            }
            _ => false,
        };
        if owned_by_me {
            writes.push(Write::Delete {
                key,
                guard: Guard::OwnedBy(me.clone()),
            });
        }
    }
    Ok(Step::Commit {
        writes,
        answer: Deletion::Deleted { wechat },
    })
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use crate::store::Item;

    #[test]
    fn the_view_counts_live_sessions_over_every_identity() {
        let keys = session(1, 1);
        let mut holder = user(&[1, 2], 3);
        holder.phone = Some(phone(1));
        holder.union_id = Some(union_id(7));
        let mut s = read_account(&keys, Some(identity(1)), Some(holder));
        assert_eq!(
            view(&s, &keys, &AvatarPolicy::default()).unwrap(),
            Step::Read(vec![key_of_identity(2), Key::phone(&phone(1))])
        );
        let mut quiet = identity(1);
        quiet.session = None;
        s.set(key_of_identity(2), Some(Item::Identity(quiet)));
        s.set(Key::phone(&phone(1)), Some(Item::Phone(owner(1))));
        let Step::Answer(Some(view)) = view(&s, &keys, &AvatarPolicy::default()).unwrap() else {
            panic!("a view");
        };
        assert_eq!(view.sessions, 1);
        assert_eq!(view.identities.len(), 3);
        assert!(view.has_union_id);
        assert_eq!(view.identities[2], Identity::Phone(phone(1)));
    }

    #[test]
    fn deletion_takes_every_item_the_user_holds_guarded_as_read() {
        let keys = session(1, 1);
        let mut holder = user(&[1, 2], 3);
        holder.phone = Some(phone(1));
        holder.union_id = Some(union_id(7));
        let mut s = read_account(&keys, Some(identity(1)), Some(holder));
        let Step::Read(keys_read) = delete(&s, &keys).unwrap() else {
            panic!("reads first");
        };
        assert_eq!(
            keys_read,
            vec![
                key_of_identity(2),
                Key::phone(&phone(1)),
                Key::union(&union_id(7))
            ]
        );
        s.set(key_of_identity(2), Some(Item::Identity(identity(1))));
        s.set(Key::phone(&phone(1)), Some(Item::Phone(owner(1))));
        // The unionId is someone else's (cannot happen, but is left alone).
        s.set(Key::union(&union_id(7)), Some(Item::Union(owner(2))));
        let Step::Commit { writes, answer } = delete(&s, &keys).unwrap() else {
            panic!("a deletion");
        };
        let written: Vec<_> = writes
            .iter()
            .map(|w| (w.key().clone(), w.guard().clone()))
            .collect();
        assert_eq!(
            written,
            vec![
                (Key::user(&user_id(1)), Guard::Version(3)),
                (key_of_identity(1), Guard::OwnedBy(user_id(1))),
                (key_of_identity(2), Guard::OwnedBy(user_id(1))),
                (Key::phone(&phone(1)), Guard::OwnedBy(user_id(1))),
            ]
        );
        assert!(writes.iter().all(|w| matches!(w, Write::Delete { .. })));
        let Deletion::Deleted { wechat } = answer else {
            panic!("deleted");
        };
        assert_eq!(wechat.len(), 2);
    }
}

#[cfg(test)]
mod phone_session_tests {
    use super::super::fixtures::*;
    use super::*;
    use crate::store::{Item, OwnerItem};

    #[test]
    fn a_numbers_session_is_counted() {
        let keys = SessionKeys::new(
            &user_id(1),
            &Identity::Phone(phone(1)),
            &live_session_fixture().id,
            9,
        );
        let mut holder = user(&[], 1);
        holder.phone = Some(phone(1));
        let mut s = Snapshot::default();
        s.set(
            Key::phone(&phone(1)),
            Some(Item::Phone(OwnerItem {
                session: Some(live_session_fixture()),
                ..owner(1)
            })),
        );
        s.set(Key::user(&user_id(1)), Some(Item::User(holder)));
        let step = view(&s, &keys, &AvatarPolicy::default()).unwrap();
        let Step::Answer(Some(view)) = step else {
            panic!("{step:?}");
        };
        assert_eq!(view.sessions, 1);
    }
}
