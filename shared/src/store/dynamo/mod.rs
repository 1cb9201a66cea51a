//! The DynamoDB adapter (production). One table, key attribute `pk` (string).
//!
//! Request budget per login: a returning user costs one conditional UpdateItem;
//! a new user costs that UpdateItem (which fails its condition) plus one
//! TransactWriteItems that creates identity, user and union items together,
//! each guarded by `attribute_not_exists`, so concurrent first logins create the
//! user exactly once and the losers simply find it on their next UpdateItem.

mod client;
mod items;
mod login;
mod phone;
mod profile;

pub use client::{RequestCounter, client_config, create_table};

use super::{
    Account, LoginOutcome, LoginRecord, PhoneBind, PhoneBound, ProfileWrite, ProfileWritten,
    Revocation, Session, StoreError, UserStore, keys,
};
use crate::domain::{AppId, OpenId, UserId};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};
use std::collections::HashMap;

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

    /// One item by key, read consistently: every read here decides a write.
    async fn get(&self, pk: String) -> Result<Option<items::Item>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(pk))
            .consistent_read(true)
            .send()
            .await
            .map_err(client::unavailable)?;
        Ok(output.item)
    }
}

#[async_trait::async_trait]
impl UserStore for DynamoStore {
    async fn record_login(&self, login: &LoginRecord) -> Result<LoginOutcome, StoreError> {
        login::record(self, login).await
    }

    async fn session(&self, appid: &AppId, openid: &OpenId) -> Result<Option<Session>, StoreError> {
        let identity = self.get(keys::identity(appid, openid)).await?;
        identity.as_ref().map(items::session).transpose()
    }

    async fn write_profile(&self, write: &ProfileWrite) -> Result<ProfileWritten, StoreError> {
        profile::write(self, write).await
    }

    async fn bind_phone(&self, bind: &PhoneBind) -> Result<PhoneBound, StoreError> {
        phone::bind(self, bind).await
    }

    async fn account(
        &self,
        user_id: &UserId,
        appid: &AppId,
        openid: &OpenId,
        token_id: &str,
    ) -> Result<Option<Account>, StoreError> {
        let identity_key = keys::identity(appid, openid);
        let user_key = keys::user(user_id);
        let revoked_key = keys::revoked(token_id);
        let key = |pk: &str| HashMap::from([("pk".to_owned(), AttributeValue::S(pk.to_owned()))]);
        let request = KeysAndAttributes::builder()
            .keys(key(&identity_key))
            .keys(key(&user_key))
            .keys(key(&revoked_key))
            .consistent_read(true)
            .build()
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let mut found: HashMap<String, items::Item> = HashMap::new();
        let mut pending = Some(HashMap::from([(self.table.clone(), request)]));
        // BatchGetItem may leave keys unprocessed under load: ask again for those.
        for _ in 0..4 {
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
                if let Some(pk) = items::optional_string(&item, "pk") {
                    found.insert(pk.to_owned(), item);
                }
            }
            pending = output.unprocessed_keys;
        }
        if pending.is_some_and(|p| !p.is_empty()) {
            return Err(StoreError::Contention(4));
        }
        let (Some(identity), Some(user)) = (found.get(&identity_key), found.get(&user_key)) else {
            return Ok(None);
        };
        if found.contains_key(&revoked_key) {
            return Ok(None);
        }
        if items::string(identity, "userId")? != user_id.as_str() {
            return Ok(None);
        }
        Ok(Some(Account {
            session: items::session(identity)?,
            user: items::user_record(user, user_id.clone())?,
        }))
    }

    async fn revoke(&self, revocation: &Revocation) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", AttributeValue::S(keys::revoked(&revocation.token_id)))
            .item("userId", AttributeValue::S(revocation.user_id.to_string()))
            .item(
                items::EXPIRES_AT,
                AttributeValue::N(revocation.expires_at.to_string()),
            )
            .send()
            .await
            .map_err(client::unavailable)?;
        Ok(())
    }

    async fn is_revoked(&self, token_id: &str) -> Result<bool, StoreError> {
        Ok(self.get(keys::revoked(token_id)).await?.is_some())
    }
}
