//! What a commit means, over items kept as JSON objects: the embedded and the
//! memory store both commit through here, so they check exactly the guards
//! that DynamoDB checks in its condition expressions (`store::dynamo::write`).

use super::items::{REFRESH_HASH, SESSION, SESSION_ID, USER_ID, VERSION};
use super::{Commit, Guard, IdentityItem, IdentityPatch, Item, Items, Key, StoreError, Write};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashSet};

/// One JSON object per key.
pub type JsonItem = Map<String, Value>;

/// Where the items are: a redb table inside a write transaction, or a map.
pub trait JsonTable {
    fn read(&self, key: &str) -> Result<Option<JsonItem>, StoreError>;
    fn write(&mut self, key: &str, item: JsonItem) -> Result<(), StoreError>;
    fn remove(&mut self, key: &str) -> Result<(), StoreError>;
}

impl JsonTable for BTreeMap<String, JsonItem> {
    fn read(&self, key: &str) -> Result<Option<JsonItem>, StoreError> {
        Ok(self.get(key).cloned())
    }

    fn write(&mut self, key: &str, item: JsonItem) -> Result<(), StoreError> {
        self.insert(key.to_owned(), item);
        Ok(())
    }

    fn remove(&mut self, key: &str) -> Result<(), StoreError> {
        BTreeMap::remove(self, key);
        Ok(())
    }
}

/// Whether `guard` holds for the item as it is now.
pub fn guard_holds(current: Option<&JsonItem>, guard: &Guard) -> bool {
    match guard {
        Guard::Always => true,
        Guard::Absent => current.is_none(),
        Guard::Exists => current.is_some(),
        Guard::Version(version) => current
            .is_some_and(|item| item.get(VERSION).and_then(Value::as_u64).unwrap_or(0) == *version),
        Guard::OwnedBy(user_id) => current.is_some_and(|item| {
            item.get(USER_ID).and_then(Value::as_str) == Some(user_id.as_str())
        }),
        Guard::Session {
            owner,
            session,
            refresh,
        } => current.is_some_and(|item| {
            let member = |name: &str| {
                item.get(SESSION)
                    .and_then(|s| s.get(name))
                    .and_then(Value::as_str)
            };
            item.get(USER_ID).and_then(Value::as_str) == Some(owner.as_str())
                && member(SESSION_ID) == Some(session.as_str())
                && refresh
                    .as_ref()
                    .is_none_or(|hash| member(REFRESH_HASH) == Some(hash.as_str()))
        }),
    }
}

pub fn decode(key: &Key, item: JsonItem) -> Result<Item, StoreError> {
    Item::decode(key, Value::Object(item))
}

/// Checks every guard, then writes everything, or nothing when one fails.
pub fn commit(table: &mut impl JsonTable, writes: &[Write]) -> Result<Commit, StoreError> {
    let mut seen = HashSet::new();
    if !writes.iter().all(|w| seen.insert(w.key())) {
        // DynamoDB refuses this too (ValidationException): a bug, not a race.
        return Err(StoreError::Unavailable(
            "two writes to one item in one commit".into(),
        ));
    }
    let mut failed = Vec::new();
    let mut current = Items::new();
    for write in writes {
        let key = write.key();
        let now = table.read(key.as_str())?;
        if !guard_holds(now.as_ref(), write.guard()) {
            failed.push(key.clone());
            if let Some(item) = now {
                current.insert(key.clone(), decode(key, item)?);
            }
        }
    }
    if !failed.is_empty() {
        return Ok(Commit::GuardFailed {
            keys: failed,
            current,
        });
    }
    for write in writes {
        match write {
            Write::Put { key, item, .. } => table.write(key.as_str(), item.to_json()?)?,
            Write::Patch { key, patch, .. } => {
                let mut item = table.read(key.as_str())?.ok_or_else(|| {
                    StoreError::Corrupt(format!("{key:?}: patch of a missing item"))
                })?;
                for (name, value) in patch.attributes() {
                    if value.is_null() {
                        item.remove(name);
                    } else {
                        item.insert(name.to_owned(), value);
                    }
                }
                table.write(key.as_str(), item)?;
            }
            Write::Delete { key, .. } => table.remove(key.as_str())?,
            Write::Check { .. } => {}
        }
    }
    Ok(Commit::Done)
}

/// One guarded patch of an identity, answering it as it is after.
pub fn patch_identity(
    table: &mut impl JsonTable,
    key: &Key,
    patch: &IdentityPatch,
    guard: &Guard,
) -> Result<Option<IdentityItem>, StoreError> {
    let write = Write::Patch {
        key: key.clone(),
        patch: patch.clone(),
        guard: guard.clone(),
    };
    if commit(table, &[write])? != Commit::Done {
        return Ok(None);
    }
    match table
        .read(key.as_str())?
        .map(|item| decode(key, item))
        .transpose()?
    {
        Some(Item::Identity(identity)) => Ok(Some(identity)),
        _ => Err(StoreError::Corrupt(format!("{key:?} is not an identity"))),
    }
}

/// The items under `keys` that exist.
pub fn get(table: &impl JsonTable, keys: &[Key]) -> Result<Items, StoreError> {
    let mut items = Items::new();
    for key in keys {
        if let Some(item) = table.read(key.as_str())? {
            items.insert(key.clone(), decode(key, item)?);
        }
    }
    Ok(items)
}
