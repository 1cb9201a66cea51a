//! The embedded store for local runs: a redb database file in the data
//! directory. Each commit is one redb write transaction (redb serialises them)
//! that checks the guards with [`semantics`], exactly as the memory store does.

use super::semantics::{self, JsonItem, JsonTable};
use super::{Commit, Guard, IdentityItem, IdentityPatch, ItemStore, Items, Key, StoreError, Write};
use redb::{Database, ReadableDatabase, ReadableTable, Table, TableDefinition};
use std::path::Path;
use std::sync::Arc;

/// One table of JSON items under the same keys as the DynamoDB table.
const ITEMS: TableDefinition<&str, &[u8]> = TableDefinition::new("items");

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn parse(bytes: &[u8]) -> Result<JsonItem, StoreError> {
    serde_json::from_slice(bytes).map_err(corrupt)
}

/// A redb table read inside a read or write transaction.
struct Reading<'a, T>(&'a T);

impl<T: ReadableTable<&'static str, &'static [u8]>> JsonTable for Reading<'_, T> {
    fn read(&self, key: &str) -> Result<Option<JsonItem>, StoreError> {
        match self.0.get(key).map_err(unavailable)? {
            Some(bytes) => parse(bytes.value()).map(Some),
            None => Ok(None),
        }
    }

    fn write(&mut self, _: &str, _: JsonItem) -> Result<(), StoreError> {
        Err(unavailable("read-only transaction"))
    }

    fn remove(&mut self, _: &str) -> Result<(), StoreError> {
        Err(unavailable("read-only transaction"))
    }
}

impl JsonTable for Table<'_, &'static str, &'static [u8]> {
    fn read(&self, key: &str) -> Result<Option<JsonItem>, StoreError> {
        Reading(self).read(key)
    }

    fn write(&mut self, key: &str, item: JsonItem) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(&item).map_err(corrupt)?;
        self.insert(key, bytes.as_slice()).map_err(unavailable)?;
        Ok(())
    }

    fn remove(&mut self, key: &str) -> Result<(), StoreError> {
        Table::remove(self, key).map_err(unavailable)?;
        Ok(())
    }
}

/// The embedded adapter. Cheap to clone.
#[derive(Clone)]
pub struct EmbeddedStore {
    db: Arc<Database>,
}

impl EmbeddedStore {
    /// Opens (or creates) `wxauth.redb` in `data_dir`, creating the directory.
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(unavailable)?;
        let db = Database::create(data_dir.join("wxauth.redb")).map_err(unavailable)?;
        let txn = db.begin_write().map_err(unavailable)?;
        txn.open_table(ITEMS).map_err(unavailable)?;
        txn.commit().map_err(unavailable)?;
        Ok(Self { db: Arc::new(db) })
    }

    /// Every stored key, in order: what a person inspecting a local store (or
    /// a test listing a user's items) wants to see.
    pub async fn keys(&self) -> Result<Vec<String>, StoreError> {
        self.blocking(|db| {
            let txn = db.begin_read().map_err(unavailable)?;
            let table = txn.open_table(ITEMS).map_err(unavailable)?;
            let mut keys = Vec::new();
            for entry in table.iter().map_err(unavailable)? {
                let (key, _) = entry.map_err(unavailable)?;
                keys.push(key.value().to_owned());
            }
            Ok(keys)
        })
        .await
    }

    /// Runs blocking database work off the async threads.
    async fn blocking<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Database) -> Result<T, StoreError> + Send + 'static,
    {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || work(&db))
            .await
            .map_err(unavailable)?
    }

    /// One write transaction around `work`, committed only when it succeeds.
    async fn write_txn<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Table<'_, &'static str, &'static [u8]>) -> Result<T, StoreError>
            + Send
            + 'static,
    {
        self.blocking(move |db| {
            let txn = db.begin_write().map_err(unavailable)?;
            let result = {
                let mut table = txn.open_table(ITEMS).map_err(unavailable)?;
                work(&mut table)?
            };
            txn.commit().map_err(unavailable)?;
            Ok(result)
        })
        .await
    }
}

#[async_trait::async_trait]
impl ItemStore for EmbeddedStore {
    async fn get(&self, keys: &[Key]) -> Result<Items, StoreError> {
        let keys = keys.to_vec();
        self.blocking(move |db| {
            let txn = db.begin_read().map_err(unavailable)?;
            let table = txn.open_table(ITEMS).map_err(unavailable)?;
            semantics::get(&Reading(&table), &keys)
        })
        .await
    }

    async fn commit(&self, writes: &[Write]) -> Result<Commit, StoreError> {
        let writes = writes.to_vec();
        self.write_txn(move |table| semantics::commit(table, &writes))
            .await
    }

    async fn patch_identity(
        &self,
        key: &Key,
        patch: &IdentityPatch,
        guard: &Guard,
    ) -> Result<Option<IdentityItem>, StoreError> {
        let (key, patch, guard) = (key.clone(), patch.clone(), guard.clone());
        self.write_txn(move |table| semantics::patch_identity(table, &key, &patch, &guard))
            .await
    }
}
