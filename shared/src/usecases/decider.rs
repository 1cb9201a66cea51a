//! Read, decide, commit; on a failed guard, read again and decide again. The
//! loop every use case runs around its rule, bounded: a guard fails only when
//! another request changed the data, so a few rounds settle any real race; past
//! them the answer is 503 with `Retry-After` (`StoreError::Contention`).
//!
//! [`Decider`] is the loop as a state machine, so the property tests can
//! interleave many of them step by step; [`run`] drives one against a store.

use crate::domain::SessionKey;
use crate::domain::rules::session::{self, Account, SessionKeys};
use crate::domain::rules::{Snapshot, Step};
use crate::store::{Commit, ItemStore, Items, Key, StoreError, Write};
use std::time::Duration;

/// Commits tried before giving up.
pub const MAX_ROUNDS: u32 = 5;
/// Reads and commits in all, so that no rule can loop on reads.
const MAX_STEPS: u32 = 4 * MAX_ROUNDS;

/// What the loop does next.
#[derive(Debug)]
pub enum Next<A> {
    Read(Vec<Key>),
    Commit(Vec<Write>, A),
    Done(A),
}

pub struct Decider<A, F> {
    snapshot: Snapshot,
    /// Keys whose guard failed and whose current item the store did not
    /// return: read before deciding again.
    must_read: Vec<Key>,
    decide: F,
    rounds: u32,
    steps: u32,
    _answer: std::marker::PhantomData<A>,
}

impl<A, F> Decider<A, F>
where
    F: FnMut(&Snapshot) -> Result<Step<A>, StoreError>,
{
    pub fn new(snapshot: Snapshot, decide: F) -> Self {
        Self {
            snapshot,
            must_read: Vec::new(),
            decide,
            rounds: 0,
            steps: 0,
            _answer: std::marker::PhantomData,
        }
    }

    pub fn step(&mut self) -> Result<Next<A>, StoreError> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return Err(StoreError::Contention(self.rounds));
        }
        let step = (self.decide)(&self.snapshot)?;
        let mut forced = self.snapshot.unread(std::mem::take(&mut self.must_read));
        Ok(match step {
            Step::Read(mut keys) => {
                keys.extend(
                    forced
                        .into_iter()
                        .filter(|k| !keys.contains(k))
                        .collect::<Vec<_>>(),
                );
                Next::Read(keys)
            }
            // Decided on a guess about a key that must be read first.
            Step::Commit { .. } | Step::Answer(_) if !forced.is_empty() => {
                forced.dedup();
                Next::Read(forced)
            }
            Step::Commit { writes, answer } => Next::Commit(writes, answer),
            Step::Answer(answer) => Next::Done(answer),
        })
    }

    pub fn read(&mut self, asked: &[Key], found: Items) {
        self.snapshot.absorb(asked, found);
    }

    /// A commit failed its guards: start again from what the store returned.
    pub fn failed(&mut self, keys: Vec<Key>, current: Items) -> Result<(), StoreError> {
        self.rounds += 1;
        if self.rounds >= MAX_ROUNDS {
            return Err(StoreError::Contention(self.rounds));
        }
        self.must_read = keys
            .into_iter()
            .filter(|k| !current.contains_key(k))
            .collect();
        self.snapshot = Snapshot::default();
        self.snapshot.seed(current);
        Ok(())
    }

    pub fn rounds(&self) -> u32 {
        self.rounds
    }
}

/// Runs `decide` against `store` from `snapshot` until it is answered.
pub async fn run<A, F>(
    store: &dyn ItemStore,
    snapshot: Snapshot,
    decide: F,
) -> Result<A, StoreError>
where
    F: FnMut(&Snapshot) -> Result<Step<A>, StoreError>,
{
    let mut decider = Decider::new(snapshot, decide);
    loop {
        match decider.step()? {
            Next::Done(answer) => return Ok(answer),
            Next::Read(keys) => {
                let found = store.get(&keys).await?;
                decider.read(&keys, found);
            }
            Next::Commit(writes, answer) => match store.commit(&writes).await? {
                Commit::Done => return Ok(answer),
                Commit::GuardFailed { keys, current } => {
                    decider.failed(keys, current)?;
                    if decider.rounds() > 1 {
                        // Racing containers must not collide in lockstep.
                        let jitter = u64::from(uuid::Uuid::new_v4().as_bytes()[0] % 16);
                        let pause = 5 * u64::from(decider.rounds()) + jitter;
                        tokio::time::sleep(Duration::from_millis(pause)).await;
                    }
                }
            },
        }
    }
}

/// Reads `keys` into a new snapshot (a use case's first read).
pub async fn read(store: &dyn ItemStore, keys: &[Key]) -> Result<Snapshot, StoreError> {
    let mut snapshot = Snapshot::default();
    snapshot.absorb(keys, store.get(keys).await?);
    Ok(snapshot)
}

/// A route's first read (one request): the caller's session and user. `None`
/// when the session has ended; else what was read and the session_key that
/// opens the caller's encrypted data.
pub async fn read_account(
    store: &dyn ItemStore,
    keys: &SessionKeys,
) -> Result<Option<(Snapshot, SessionKey)>, StoreError> {
    let snapshot = read(store, &keys.account_keys()).await?;
    let session_key = match session::account(&snapshot, keys)? {
        // A number's session has no WeChat session_key to open data with.
        Account::Live {
            identity: Some(identity),
            ..
        } => identity.session_key.clone(),
        Account::Live { identity: None, .. } => return Ok(None),
        Account::Ended | Account::Unread(_) => return Ok(None),
    };
    Ok(Some((snapshot, session_key)))
}
