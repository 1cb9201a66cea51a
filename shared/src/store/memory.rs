//! An item store in memory, committing with the same [`semantics`] as the
//! embedded store: for benchmarks that measure our code rather than a database,
//! and for the property tests of the account rules.

use super::semantics::{self, JsonItem};
use super::{Commit, Guard, IdentityItem, IdentityPatch, ItemStore, Items, Key, StoreError, Write};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

#[derive(Clone, Default)]
pub struct MemoryStore {
    items: Arc<Mutex<BTreeMap<String, JsonItem>>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn table(&self) -> MutexGuard<'_, BTreeMap<String, JsonItem>> {
        // A panic while holding the lock leaves whole items only: keep going.
        self.items
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A separate store holding a copy of every item as it is now.
    pub fn copy(&self) -> Self {
        Self {
            items: Arc::new(Mutex::new(self.table().clone())),
        }
    }

    /// Every item, decoded: what the property tests check invariants over.
    pub fn all(&self) -> Result<Items, StoreError> {
        let table = self.table();
        let mut items = Items::new();
        for (text, item) in table.iter() {
            let key = Key::parse(text).ok_or_else(|| StoreError::Corrupt(text.clone()))?;
            items.insert(key.clone(), semantics::decode(&key, item.clone())?);
        }
        Ok(items)
    }

    pub fn get_now(&self, keys: &[Key]) -> Result<Items, StoreError> {
        semantics::get(&*self.table(), keys)
    }

    pub fn commit_now(&self, writes: &[Write]) -> Result<Commit, StoreError> {
        semantics::commit(&mut *self.table(), writes)
    }

    pub fn patch_now(
        &self,
        key: &Key,
        patch: &IdentityPatch,
        guard: &Guard,
    ) -> Result<Option<IdentityItem>, StoreError> {
        semantics::patch_identity(&mut *self.table(), key, patch, guard)
    }
}

#[async_trait::async_trait]
impl ItemStore for MemoryStore {
    async fn get(&self, keys: &[Key]) -> Result<Items, StoreError> {
        self.get_now(keys)
    }

    async fn commit(&self, writes: &[Write]) -> Result<Commit, StoreError> {
        self.commit_now(writes)
    }

    async fn patch_identity(
        &self,
        key: &Key,
        patch: &IdentityPatch,
        guard: &Guard,
    ) -> Result<Option<IdentityItem>, StoreError> {
        self.patch_now(key, patch, guard)
    }
}
