//! The DynamoDB adapter (production). One table, key attribute `pk` (string).
//! Reads are consistent (every read here decides a write). One write is one
//! conditional request; several are one `TransactWriteItems`. The guards are
//! condition expressions (`write.rs`); the items are the schema's serde types
//! (`codec.rs`).

mod client;
mod codec;
mod http;
mod write;

pub use client::{DynamoBudget, RequestCounter, client_config, client_config_within, create_table};

use super::{
    Commit, Guard, IdentityItem, IdentityPatch, Item, ItemStore, Items, Key, StoreError, Write,
};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};
use std::collections::HashMap;

/// How often BatchGetItem is asked again for keys it left unprocessed.
const BATCH_ROUNDS: u32 = 4;

/// The DynamoDB adapter. Build it once at start-up; cheap to clone.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    async fn get_one(&self, key: &Key) -> Result<Items, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(key.as_str().to_owned()))
            .consistent_read(true)
            .send()
            .await
            .map_err(client::unavailable)?;
        let mut items = Items::new();
        if let Some(item) = output.item {
            items.insert(key.clone(), codec::decode(key, item)?);
        }
        Ok(items)
    }

    async fn get_many(&self, keys: &[Key]) -> Result<Items, StoreError> {
        let mut request = KeysAndAttributes::builder().consistent_read(true);
        for key in keys {
            request = request.keys(HashMap::from([(
                "pk".to_owned(),
                AttributeValue::S(key.as_str().to_owned()),
            )]));
        }
        let request = request.build().map_err(write::build_error)?;
        let mut items = Items::new();
        let mut pending = Some(HashMap::from([(self.table.clone(), request)]));
        for _ in 0..BATCH_ROUNDS {
            let Some(request_items) = pending.take().filter(|p| !p.is_empty()) else {
                break;
            };
            let output = self
                .client
                .batch_get_item()
                .set_request_items(Some(request_items))
                .send()
                .await
                .map_err(client::unavailable)?;
            for item in output
                .responses
                .unwrap_or_default()
                .remove(&self.table)
                .unwrap_or_default()
            {
                let key = codec::key_of(&item)?;
                items.insert(key.clone(), codec::decode(&key, item)?);
            }
            pending = output.unprocessed_keys;
        }
        if pending.is_some_and(|p| !p.is_empty()) {
            return Err(StoreError::Contention(BATCH_ROUNDS));
        }
        Ok(items)
    }
}

#[async_trait::async_trait]
impl ItemStore for DynamoStore {
    async fn get(&self, keys: &[Key]) -> Result<Items, StoreError> {
        match keys {
            [] => Ok(Items::new()),
            [key] => self.get_one(key).await,
            keys => self.get_many(keys).await,
        }
    }

    async fn commit(&self, writes: &[Write]) -> Result<Commit, StoreError> {
        match writes {
            [] => Ok(Commit::Done),
            [single @ (Write::Put { .. } | Write::Patch { .. } | Write::Delete { .. })] => {
                write::single(&self.client, &self.table, single).await
            }
            writes => write::transaction(&self.client, &self.table, writes).await,
        }
    }

    async fn patch_identity(
        &self,
        key: &Key,
        patch: &IdentityPatch,
        guard: &Guard,
    ) -> Result<Option<IdentityItem>, StoreError> {
        match write::patch_returning(&self.client, &self.table, key, patch, guard).await? {
            None => Ok(None),
            Some(Item::Identity(identity)) => Ok(Some(identity)),
            Some(_) => Err(StoreError::Corrupt(format!("{key:?} is not an identity"))),
        }
    }
}
