//! The item store port, and its adapters.
//!
//! A store only reads items and commits guarded writes atomically; it knows
//! nothing about users. Every account rule (who is new, joins, folds, one number
//! per user, …) is decided in `domain::rules` over what was read, and comes back
//! as a set of [`Write`]s, each with the [`Guard`] that must still hold. If one
//! guard fails, nothing is written and the use case reads again and decides
//! again.
//!
//! - [`dynamo`]: production. One write is one conditional request; several are
//!   one `TransactWriteItems`.
//! - [`embedded`]: local runs (a redb file), one write transaction checking the
//!   same guards with [`semantics`].
//! - [`memory`]: in memory, with the same [`semantics`] (benchmarks, property tests).
//!
//! [`invariants`] checks that the accounts in a whole store are whole (the
//! property tests and the fault tests, never a function).

pub mod dynamo;
pub mod embedded;
pub mod invariants;
pub mod items;
pub mod memory;
pub mod semantics;

pub use items::{
    Avatars, IdentityItem, IdentityPatch, IdentityRef, Item, Key, KeyKind, LimitItem,
    MediaCheckItem, OwnerItem, PushedVerdict, SmsCodeItem, TicketItem, UserItem,
};

use crate::domain::{RefreshHash, SessionId, UserId};
use std::collections::HashMap;

/// Items read, by key. A key that was asked for and is missing here does not exist.
pub type Items = HashMap<Key, Item>;

/// What must still hold for a write to happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Guard {
    /// Nothing: the write always happens.
    Always,
    /// The item does not exist.
    Absent,
    /// The item exists.
    Exists,
    /// The item exists and is at this version: unchanged since it was read.
    /// Version 0 is an item written before versions (no `version` attribute).
    Version(u64),
    /// The item exists and names this user (`userId`).
    OwnedBy(UserId),
    /// The identity names this user and holds this session, refreshed by
    /// this hash when one is given: unchanged since it was read.
    Session {
        owner: UserId,
        session: SessionId,
        refresh: Option<RefreshHash>,
    },
}

/// One guarded write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// Writes the whole item.
    Put {
        key: Key,
        item: Item,
        guard: Guard,
    },
    /// Sets some attributes of an identity, leaving the others alone.
    Patch {
        key: Key,
        patch: IdentityPatch,
        guard: Guard,
    },
    Delete {
        key: Key,
        guard: Guard,
    },
    /// Writes nothing; only its guard must hold.
    Check {
        key: Key,
        guard: Guard,
    },
}

impl Write {
    pub fn key(&self) -> &Key {
        match self {
            Write::Put { key, .. }
            | Write::Patch { key, .. }
            | Write::Delete { key, .. }
            | Write::Check { key, .. } => key,
        }
    }

    pub fn guard(&self) -> &Guard {
        match self {
            Write::Put { guard, .. }
            | Write::Patch { guard, .. }
            | Write::Delete { guard, .. }
            | Write::Check { guard, .. } => guard,
        }
    }
}

/// How a commit ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Commit {
    /// Every write happened.
    Done,
    /// At least one guard failed; nothing was written. `keys` are the items
    /// whose guards failed; `current` holds those of them the store returned
    /// as they are now (DynamoDB returns existing ones; an absent or unreturned
    /// one must be read again).
    GuardFailed { keys: Vec<Key>, current: Items },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached or refused the request.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// Concurrent writers kept changing the data after the bounded rounds.
    #[error("store contention: gave up after {0} rounds")]
    Contention(u32),
    /// An item did not have the shape we write.
    #[error("store data is corrupt: {0}")]
    Corrupt(String),
}

/// The item store port.
#[async_trait::async_trait]
pub trait ItemStore: Send + Sync {
    /// The items under `keys` that exist, read consistently, in one request.
    async fn get(&self, keys: &[Key]) -> Result<Items, StoreError>;

    /// Commits `writes` atomically: all of them, or none when a guard fails.
    /// At most one write per key.
    async fn commit(&self, writes: &[Write]) -> Result<Commit, StoreError>;

    /// One guarded patch of an identity, answering the identity as it is after
    /// it, or `None` when the guard failed. One request: a returning login.
    async fn patch_identity(
        &self,
        key: &Key,
        patch: &IdentityPatch,
        guard: &Guard,
    ) -> Result<Option<IdentityItem>, StoreError>;
}
