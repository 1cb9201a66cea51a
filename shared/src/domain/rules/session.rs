//! Sessions: whether a token's session is still live, refreshing it (with
//! rotation and reuse detection), and ending it or all of a user's.
//!
//! A session lives on the identity that logged in, a WeChat identity's item or
//! a number's (one per identity: a new login of the identity replaces it, as
//! WeChat replaces the session_key). It has ended when the identity now
//! belongs to someone else (a fold), is gone (deletion, a number replaced),
//! holds another session (logout, a newer login, reuse) or the session
//! expired.

use super::{Read, SessionHome, Snapshot, Step};
use crate::domain::{Identity, RefreshHash, Session, SessionId, SessionPolicy, UserId};
use crate::store::{Guard, IdentityItem, IdentityPatch, Key, StoreError, UserItem, Write};

/// The keys a token's session is judged by, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionKeys {
    pub user_id: UserId,
    pub session_id: SessionId,
    /// The identity the session lives on.
    pub identity: Key,
    pub user: Key,
    /// Unix seconds the request is judged at.
    pub now: u64,
}

impl SessionKeys {
    pub fn new(user_id: &UserId, identity: &Identity, session_id: &SessionId, now: u64) -> Self {
        Self {
            user_id: user_id.clone(),
            session_id: session_id.clone(),
            identity: Key::of_identity(identity),
            user: Key::user(user_id),
            now,
        }
    }

    /// What the authorizer reads (one item).
    pub fn token_keys(&self) -> Vec<Key> {
        vec![self.identity.clone()]
    }

    /// What a route reads before it acts for the user (one request).
    pub fn account_keys(&self) -> Vec<Key> {
        vec![self.identity.clone(), self.user.clone()]
    }

    /// The guard that the session is still this one.
    pub(super) fn still_live(&self) -> Guard {
        Guard::Session {
            owner: self.user_id.clone(),
            session: self.session_id.clone(),
            refresh: None,
        }
    }
}

/// A live session's user, and its WeChat identity when it lives on one.
#[derive(Debug, PartialEq, Eq)]
pub enum Account<'a> {
    /// Read these first.
    Unread(Vec<Key>),
    Ended,
    Live {
        /// `None` for a session of a number (SMS, password).
        identity: Option<&'a IdentityItem>,
        user: &'a UserItem,
    },
}

/// The session as stored, if `home` still holds it for `user_id`, live.
fn live_session<'a>(
    home: SessionHome<'a>,
    user_id: &UserId,
    session_id: &SessionId,
    now: u64,
) -> Option<&'a Session> {
    home.session
        .filter(|s| home.user_id == user_id && &s.id == session_id && s.live_at(now))
}

/// Whether the token's session is live: what the authorizer checks. `None`
/// until its identity is read.
pub fn token_live(snapshot: &Snapshot, keys: &SessionKeys) -> Result<Option<bool>, StoreError> {
    Ok(match snapshot.session_home(&keys.identity)? {
        Read::Unread => None,
        Read::Absent => Some(false),
        Read::Present(home) => {
            Some(live_session(home, &keys.user_id, &keys.session_id, keys.now).is_some())
        }
    })
}

/// The session's account, if the session is live.
pub fn account<'a>(snapshot: &'a Snapshot, keys: &SessionKeys) -> Result<Account<'a>, StoreError> {
    let unread = snapshot.unread(keys.account_keys());
    if !unread.is_empty() {
        return Ok(Account::Unread(unread));
    }
    if token_live(snapshot, keys)? != Some(true) {
        return Ok(Account::Ended);
    }
    let identity = match snapshot.exists(&keys.identity) {
        Read::Present(crate::store::Item::Identity(identity)) => Some(identity),
        _ => None,
    };
    match snapshot.user(&keys.user)? {
        Read::Present(user) => Ok(Account::Live { identity, user }),
        _ => Ok(Account::Ended),
    }
}

/// A presented refresh token, and what a rotation writes.
#[derive(Debug, Clone)]
pub struct RefreshInput {
    pub identity: Key,
    pub session_id: SessionId,
    pub presented: RefreshHash,
    /// The hash of the secret the rotated token will carry.
    pub next: RefreshHash,
    pub now: u64,
    pub policy: SessionPolicy,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// The session goes on with the next refresh token.
    Rotated { user_id: UserId, session: Session },
    /// No such live session (expired, logged out, replaced, folded, deleted).
    Ended,
    /// A refresh token that was already rotated: the session was ended for
    /// every holder.
    Reused,
}

/// Decides a refresh: rotate on the current token (or on the one it replaced,
/// within the grace window); end the session on any other token of it.
pub fn refresh(
    snapshot: &Snapshot,
    input: &RefreshInput,
) -> Result<Step<RefreshOutcome>, StoreError> {
    let home = match snapshot.session_home(&input.identity)? {
        Read::Unread => return Ok(Step::Read(vec![input.identity.clone()])),
        Read::Absent => return Ok(Step::Answer(RefreshOutcome::Ended)),
        Read::Present(home) => home,
    };
    let Some(session) = home
        .session
        .filter(|s| s.id == input.session_id && s.live_at(input.now))
    else {
        return Ok(Step::Answer(RefreshOutcome::Ended));
    };
    let guard = |hash: Option<&RefreshHash>| Guard::Session {
        owner: home.user_id.clone(),
        session: session.id.clone(),
        refresh: hash.cloned(),
    };
    let in_grace = session.previous_hash.as_ref() == Some(&input.presented)
        && session
            .rotated_at
            .is_some_and(|at| input.now < at + input.policy.reuse_grace_secs);
    let mut next = session.clone();
    if input.presented == session.refresh_hash {
        next.previous_hash = Some(input.presented.clone());
        next.rotated_at = Some(input.now);
    } else if !in_grace {
        // A rotated copy, or a forged one by someone who has seen this
        // session's tokens: either way both holders log in again.
        return Ok(Step::Commit {
            writes: vec![end(&input.identity, guard(None))],
            answer: RefreshOutcome::Reused,
        });
    }
    // Within the grace window the replaced token rotates again; the window
    // still counts from the first rotation, so it cannot be stretched.
    next.refresh_hash = input.next.clone();
    next.refreshed_at = input.now;
    next.expires_at = input.policy.expiry(session.created_at, input.now);
    Ok(Step::Commit {
        writes: vec![Write::Patch {
            key: input.identity.clone(),
            patch: IdentityPatch {
                session: Some(Some(next.clone())),
                ..IdentityPatch::default()
            },
            guard: guard(Some(&session.refresh_hash)),
        }],
        answer: RefreshOutcome::Rotated {
            user_id: home.user_id.clone(),
            session: next,
        },
    })
}

/// The write that ends the session on `identity`.
fn end(identity: &Key, guard: Guard) -> Write {
    Write::Patch {
        key: identity.clone(),
        patch: IdentityPatch {
            session: Some(None),
            ..IdentityPatch::default()
        },
        guard,
    }
}

/// Ends the token's session (logout). Unread, it is ended on the guess that
/// it is live (one request); a failed guard means it had ended already.
pub fn logout(snapshot: &Snapshot, keys: &SessionKeys) -> Result<Step<()>, StoreError> {
    let live = match snapshot.session_home(&keys.identity)? {
        Read::Unread => true,
        Read::Absent => false,
        Read::Present(home) => home
            .session
            .is_some_and(|s| home.user_id == &keys.user_id && s.id == keys.session_id),
    };
    Ok(if live {
        Step::Commit {
            writes: vec![end(&keys.identity, keys.still_live())],
            answer: (),
        }
    } else {
        Step::Answer(())
    })
}

/// Whether logging out everywhere happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogoutAll {
    Done,
    SessionEnded,
}

/// Ends every session of the token's user: each of its identities loses its
/// session, if it is still the user's.
pub fn logout_all(snapshot: &Snapshot, keys: &SessionKeys) -> Result<Step<LogoutAll>, StoreError> {
    let user = match account(snapshot, keys)? {
        Account::Unread(keys) => return Ok(Step::Read(keys)),
        Account::Ended => return Ok(Step::Answer(LogoutAll::SessionEnded)),
        Account::Live { user, .. } => user,
    };
    let writes = end_sessions(snapshot, &keys.user_id, user, None)?;
    Ok(if writes.is_empty() {
        Step::Answer(LogoutAll::Done)
    } else {
        Step::Commit {
            writes,
            answer: LogoutAll::Done,
        }
    })
}

/// The writes that end the session of each of `user`'s identities, but
/// `keep`'s (the caller's own, when a password change ends the others).
pub(super) fn end_sessions(
    snapshot: &Snapshot,
    user_id: &UserId,
    user: &UserItem,
    keep: Option<&Key>,
) -> Result<Vec<Write>, StoreError> {
    let mut writes = Vec::new();
    for identity in user.all_identities() {
        let key = Key::of_identity(&identity);
        if keep == Some(&key) {
            continue;
        }
        let has_session = match snapshot.session_home(&key)? {
            Read::Absent => false,
            // Ended on the guess that it holds one (removing a missing
            // session is harmless); the guard checks it is still the user's.
            Read::Unread => true,
            Read::Present(home) => home.user_id == user_id && home.session.is_some(),
        };
        if has_session {
            writes.push(end(&key, Guard::OwnedBy(user_id.clone())));
        }
    }
    Ok(writes)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use crate::domain::{NewSession, RefreshSecret};
    use crate::store::Item;

    #[test]
    fn a_session_lives_while_its_identity_holds_it_for_its_user() {
        let keys = session(1, 1);
        assert_eq!(
            account(&Snapshot::default(), &keys).unwrap(),
            Account::Unread(keys.account_keys())
        );
        let live = fixtures_account(&keys, identity(1));
        assert!(matches!(
            account(&live, &keys).unwrap(),
            Account::Live { .. }
        ));
        // Folded away: the identity now names another user.
        let folded = fixtures_account(&keys, identity(2));
        assert_eq!(account(&folded, &keys).unwrap(), Account::Ended);
        assert_eq!(token_live(&folded, &keys).unwrap(), Some(false));
        // The user is gone.
        let gone = read_account(&keys, Some(identity(1)), None);
        assert_eq!(account(&gone, &keys).unwrap(), Account::Ended);
        // Logged out, or replaced by a newer login.
        let mut ended = identity(1);
        ended.session = None;
        assert_eq!(
            token_live(&fixtures_account(&keys, ended), &keys).unwrap(),
            Some(false)
        );
        let mut replaced = identity(1);
        replaced.session = Some(NewSession::draw(5, &policy()).session);
        assert_eq!(
            token_live(&fixtures_account(&keys, replaced), &keys).unwrap(),
            Some(false)
        );
        // Expired.
        let mut late = keys.clone();
        late.now = live_session_fixture().expires_at;
        assert_eq!(token_live(&live, &late).unwrap(), Some(false));
    }

    fn fixtures_account(keys: &SessionKeys, identity: IdentityItem) -> Snapshot {
        read_account(keys, Some(identity), Some(user(&[1], 1)))
    }

    fn refresh_input(presented: &RefreshSecret, now: u64) -> RefreshInput {
        RefreshInput {
            identity: key_of_identity(1),
            session_id: live_session_fixture().id,
            presented: presented.hash(),
            next: RefreshSecret::generate().hash(),
            now,
            policy: policy(),
        }
    }

    fn with_session(session: Session) -> Snapshot {
        let mut item = identity(1);
        item.session = Some(session);
        let mut s = Snapshot::default();
        s.set(key_of_identity(1), Some(Item::Identity(item)));
        s
    }

    #[test]
    fn a_refresh_rotates_and_a_rotated_token_ends_the_session() {
        let first = fixture_secret();
        let input = refresh_input(&first, 100);
        let Step::Commit { writes, answer } =
            refresh(&with_session(live_session_fixture()), &input).unwrap()
        else {
            panic!("a rotation");
        };
        let RefreshOutcome::Rotated {
            session: rotated, ..
        } = answer
        else {
            panic!("rotated");
        };
        assert_eq!(rotated.refresh_hash, input.next);
        assert_eq!(rotated.previous_hash, Some(first.hash()));
        assert_eq!((rotated.rotated_at, rotated.refreshed_at), (Some(100), 100));
        assert_eq!(rotated.expires_at, policy().expiry(rotated.created_at, 100));
        assert_eq!(
            writes[0].guard(),
            &Guard::Session {
                owner: user_id(1),
                session: rotated.id.clone(),
                refresh: Some(first.hash()),
            }
        );

        // The replaced token within the grace window: rotated again.
        let s = with_session(rotated.clone());
        let retry = refresh_input(&first, 100 + policy().reuse_grace_secs - 1);
        let Step::Commit { answer, .. } = refresh(&s, &retry).unwrap() else {
            panic!("a rotation");
        };
        let RefreshOutcome::Rotated { session: again, .. } = answer else {
            panic!("rotated");
        };
        assert_eq!(again.rotated_at, Some(100), "the window is not stretched");
        // After it: the session ends, for both holders.
        let late = refresh_input(&first, 100 + policy().reuse_grace_secs);
        let Step::Commit { writes, answer } = refresh(&s, &late).unwrap() else {
            panic!("the session ends");
        };
        assert_eq!(answer, RefreshOutcome::Reused);
        let Write::Patch { patch, .. } = &writes[0] else {
            panic!("a patch");
        };
        assert_eq!(patch.session, Some(None));
        // Any other token of the session too.
        let forged = refresh_input(&RefreshSecret::generate(), 101);
        assert!(matches!(
            refresh(&s, &forged).unwrap(),
            Step::Commit {
                answer: RefreshOutcome::Reused,
                ..
            }
        ));
    }

    #[test]
    fn a_refresh_of_no_live_session_is_refused_and_writes_nothing() {
        let first = fixture_secret();
        let mut other = refresh_input(&first, 100);
        other.session_id = SessionId::parse("another").unwrap();
        let s = with_session(live_session_fixture());
        assert_eq!(
            refresh(&s, &other).unwrap(),
            Step::Answer(RefreshOutcome::Ended)
        );
        let expired = refresh_input(&first, live_session_fixture().expires_at);
        assert_eq!(
            refresh(&s, &expired).unwrap(),
            Step::Answer(RefreshOutcome::Ended)
        );
        let mut gone = Snapshot::default();
        gone.set(key_of_identity(1), None);
        assert_eq!(
            refresh(&gone, &refresh_input(&first, 100)).unwrap(),
            Step::Answer(RefreshOutcome::Ended)
        );
    }

    #[test]
    fn logout_ends_the_session_and_logout_all_every_identitys() {
        let keys = session(1, 1);
        assert!(matches!(
            logout(&Snapshot::default(), &keys).unwrap(),
            Step::Commit { .. }
        ));
        let mut ended = identity(1);
        ended.session = None;
        assert_eq!(
            logout(&fixtures_account(&keys, ended), &keys).unwrap(),
            Step::Answer(())
        );

        let mut s = read_account(&keys, Some(identity(1)), Some(user(&[1, 2, 3], 1)));
        // o2 is read and has no session; o3 is unread: ended on the guess.
        let mut quiet = identity(1);
        quiet.session = None;
        s.set(key_of_identity(2), Some(Item::Identity(quiet)));
        let Step::Commit { writes, answer } = logout_all(&s, &keys).unwrap() else {
            panic!("writes");
        };
        assert_eq!(answer, LogoutAll::Done);
        let keys_written: Vec<_> = writes.iter().map(|w| w.key().clone()).collect();
        assert_eq!(keys_written, vec![key_of_identity(1), key_of_identity(3)]);
        assert!(
            writes
                .iter()
                .all(|w| w.guard() == &Guard::OwnedBy(user_id(1)))
        );
    }
}
