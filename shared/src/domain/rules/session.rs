//! Whether a token's session is still live. A token names its user and the
//! identity it logged in with; the session has ended when that identity now
//! belongs to someone else (a fold), the user is gone, or the token was revoked.

use super::{Read, Snapshot};
use crate::domain::{AppId, OpenId, UserId};
use crate::store::{IdentityItem, Key, StoreError, UserItem};

/// The keys a token's session is judged by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionKeys {
    pub user_id: UserId,
    pub identity: Key,
    pub user: Key,
    pub revoked: Key,
}

impl SessionKeys {
    pub fn new(user_id: &UserId, appid: &AppId, openid: &OpenId, token_id: &str) -> Self {
        Self {
            user_id: user_id.clone(),
            identity: Key::identity(appid, openid),
            user: Key::user(user_id),
            revoked: Key::revoked(token_id),
        }
    }

    /// What the authorizer reads (one request).
    pub fn token_keys(&self) -> Vec<Key> {
        vec![self.identity.clone(), self.revoked.clone()]
    }

    /// What a route reads before it acts for the user (one request).
    pub fn account_keys(&self) -> Vec<Key> {
        vec![
            self.identity.clone(),
            self.user.clone(),
            self.revoked.clone(),
        ]
    }
}

/// A live session's identity and user.
#[derive(Debug, PartialEq, Eq)]
pub enum Account<'a> {
    /// Read these first.
    Unread(Vec<Key>),
    Ended,
    Live {
        identity: &'a IdentityItem,
        user: &'a UserItem,
    },
}

/// Whether the token itself is still good: its identity is still its user's
/// and it was not revoked. What the authorizer checks.
pub fn token_live(snapshot: &Snapshot, keys: &SessionKeys) -> Result<Option<bool>, StoreError> {
    if !snapshot.unread(keys.token_keys()).is_empty() {
        return Ok(None);
    }
    let owned = matches!(
        snapshot.identity(&keys.identity)?,
        Read::Present(identity) if identity.user_id == keys.user_id
    );
    let revoked = !matches!(snapshot.exists(&keys.revoked), Read::Absent);
    Ok(Some(owned && !revoked))
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
    match (
        snapshot.identity(&keys.identity)?,
        snapshot.user(&keys.user)?,
    ) {
        (Read::Present(identity), Read::Present(user)) => Ok(Account::Live { identity, user }),
        _ => Ok(Account::Ended),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use crate::store::{Item, RevokedItem};

    #[test]
    fn a_session_lives_while_its_identity_is_its_users_and_it_is_not_revoked() {
        let keys = session(1, 1);
        assert_eq!(
            account(&Snapshot::default(), &keys).unwrap(),
            Account::Unread(keys.account_keys())
        );
        let live = fixtures_account(&keys, 1);
        assert!(matches!(
            account(&live, &keys).unwrap(),
            Account::Live { .. }
        ));
        // Folded away: the identity now names another user.
        let folded = fixtures_account(&keys, 2);
        assert_eq!(account(&folded, &keys).unwrap(), Account::Ended);
        assert_eq!(token_live(&folded, &keys).unwrap(), Some(false));
        // The user is gone.
        let gone = super::super::fixtures::read_account(&keys, Some(identity(1)), None);
        assert_eq!(account(&gone, &keys).unwrap(), Account::Ended);
        // Logged out.
        let mut revoked = fixtures_account(&keys, 1);
        revoked.set(
            keys.revoked.clone(),
            Some(Item::Revoked(RevokedItem {
                user_id: user_id(1),
                expires_at: 9,
            })),
        );
        assert_eq!(account(&revoked, &keys).unwrap(), Account::Ended);
        assert_eq!(token_live(&revoked, &keys).unwrap(), Some(false));
    }

    fn fixtures_account(keys: &SessionKeys, identity_user: u8) -> Snapshot {
        super::super::fixtures::read_account(
            keys,
            Some(identity(identity_user)),
            Some(user(&[1], 1)),
        )
    }
}
