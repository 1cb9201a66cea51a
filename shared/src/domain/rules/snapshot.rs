//! What a use case has read, and what a rule answers.

use crate::domain::{Session, UserId};
use crate::store::{
    IdentityItem, Item, Items, Key, MediaCheckItem, OwnerItem, StoreError, UserItem, Write,
};
use std::collections::HashMap;

/// One key as read: not read yet, read and absent, or read and present.
#[derive(Debug, PartialEq, Eq)]
pub enum Read<T> {
    Unread,
    Absent,
    Present(T),
}

/// The items a use case has read so far, and which request read each: two
/// keys read by different requests may disagree (an account deleted between
/// them), and a rule that finds them disagreeing reads them again together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    read: HashMap<Key, Option<Item>>,
    request: HashMap<Key, u32>,
    requests: u32,
}

/// An identity as far as sessions go: whose it is and the session it holds.
/// A WeChat identity's item or a number's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionHome<'a> {
    pub user_id: &'a UserId,
    pub session: Option<&'a Session>,
}

/// What a rule answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step<A> {
    /// Read these keys, then decide again.
    Read(Vec<Key>),
    /// Commit these writes; once they are committed, the answer is `answer`.
    Commit { writes: Vec<Write>, answer: A },
    /// Nothing to write: the answer.
    Answer(A),
}

impl<A> Step<A> {
    /// The same step with its answer mapped.
    pub fn map<B>(self, f: impl FnOnce(A) -> B) -> Step<B> {
        match self {
            Step::Read(keys) => Step::Read(keys),
            Step::Commit { writes, answer } => Step::Commit {
                writes,
                answer: f(answer),
            },
            Step::Answer(answer) => Step::Answer(f(answer)),
        }
    }
}

impl Snapshot {
    /// Records a read of `asked`: what is not in `found` does not exist.
    pub fn absorb(&mut self, asked: &[Key], mut found: Items) {
        self.requests += 1;
        for key in asked {
            let item = found.remove(key);
            self.record(key.clone(), item);
        }
    }

    /// Records items known to be present (returned by a failed guard).
    pub fn seed(&mut self, items: Items) {
        self.requests += 1;
        for (key, item) in items {
            self.record(key, Some(item));
        }
    }

    /// Records one key as read, by a request of its own.
    pub fn set(&mut self, key: Key, item: Option<Item>) {
        self.requests += 1;
        self.record(key, item);
    }

    fn record(&mut self, key: Key, item: Option<Item>) {
        self.request.insert(key.clone(), self.requests);
        self.read.insert(key, item);
    }

    /// Whether `a` and `b` were read by the same request (so they agree).
    pub fn read_together(&self, a: &Key, b: &Key) -> bool {
        matches!((self.request.get(a), self.request.get(b)), (Some(x), Some(y)) if x == y)
    }

    /// `holder` names `held`'s key as its owner but `held` is missing: read
    /// both again in one request, or, if they were, the data is corrupt.
    pub fn dangling<A>(&self, holder: &Key, held: &Key) -> Result<Step<A>, StoreError> {
        if self.read_together(holder, held) {
            return Err(StoreError::Corrupt(format!(
                "{holder:?} names {held:?}, which is missing"
            )));
        }
        Ok(Step::Read(vec![holder.clone(), held.clone()]))
    }

    pub fn is_read(&self, key: &Key) -> bool {
        self.read.contains_key(key)
    }

    /// Those of `keys` not read yet, without repeats.
    pub fn unread(&self, keys: impl IntoIterator<Item = Key>) -> Vec<Key> {
        let mut unread: Vec<Key> = Vec::new();
        for key in keys {
            if !self.is_read(&key) && !unread.contains(&key) {
                unread.push(key);
            }
        }
        unread
    }

    fn item(&self, key: &Key) -> Read<&Item> {
        match self.read.get(key) {
            None => Read::Unread,
            Some(None) => Read::Absent,
            Some(Some(item)) => Read::Present(item),
        }
    }

    fn typed<'a, T>(
        &'a self,
        key: &Key,
        pick: impl Fn(&'a Item) -> Option<&'a T>,
    ) -> Result<Read<&'a T>, StoreError> {
        Ok(match self.item(key) {
            Read::Unread => Read::Unread,
            Read::Absent => Read::Absent,
            Read::Present(item) => Read::Present(
                pick(item)
                    .ok_or_else(|| StoreError::Corrupt(format!("{key:?} has another kind")))?,
            ),
        })
    }

    pub fn identity(&self, key: &Key) -> Result<Read<&IdentityItem>, StoreError> {
        self.typed(key, |item| match item {
            Item::Identity(identity) => Some(identity),
            _ => None,
        })
    }

    pub fn user(&self, key: &Key) -> Result<Read<&UserItem>, StoreError> {
        self.typed(key, |item| match item {
            Item::User(user) => Some(user),
            _ => None,
        })
    }

    pub fn media_check(&self, key: &Key) -> Result<Read<&MediaCheckItem>, StoreError> {
        self.typed(key, |item| match item {
            Item::MediaCheck(check) => Some(check),
            _ => None,
        })
    }

    /// The holder of a unionId or a number.
    pub fn owner(&self, key: &Key) -> Result<Read<&OwnerItem>, StoreError> {
        self.typed(key, |item| match item {
            Item::Union(owner) | Item::Phone(owner) => Some(owner),
            _ => None,
        })
    }

    /// The identity under `key` (a WeChat identity or a number) as a
    /// session's home.
    pub fn session_home(&self, key: &Key) -> Result<Read<SessionHome<'_>>, StoreError> {
        Ok(match self.item(key) {
            Read::Unread => Read::Unread,
            Read::Absent => Read::Absent,
            Read::Present(Item::Identity(identity)) => Read::Present(SessionHome {
                user_id: &identity.user_id,
                session: identity.session.as_ref(),
            }),
            Read::Present(Item::Phone(number)) => Read::Present(SessionHome {
                user_id: &number.user_id,
                session: number.session.as_ref(),
            }),
            Read::Present(_) => {
                return Err(StoreError::Corrupt(format!("{key:?} is not an identity")));
            }
        })
    }

    /// Whether the item exists (any kind).
    pub fn exists(&self, key: &Key) -> Read<&Item> {
        self.item(key)
    }
}
