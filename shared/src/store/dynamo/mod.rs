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

pub use client::{RequestCounter, create_table, sdk_config_from_env};

use super::{LoginOutcome, LoginRecord, Session, StoreError, UserStore, keys};
use crate::domain::{AppId, OpenId, SessionKey};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;

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
}

#[async_trait::async_trait]
impl UserStore for DynamoStore {
    async fn record_login(&self, login: &LoginRecord) -> Result<LoginOutcome, StoreError> {
        login::record(self, login).await
    }

    async fn session(&self, appid: &AppId, openid: &OpenId) -> Result<Option<Session>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(keys::identity(appid, openid)))
            .consistent_read(true)
            .send()
            .await
            .map_err(client::unavailable)?;
        let Some(item) = output.item else {
            return Ok(None);
        };
        let outcome = items::outcome(&item, false)?;
        Ok(Some(Session {
            user_id: outcome.user_id,
            session_key: SessionKey::parse(items::string(&item, "sessionKey")?)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            union_id: outcome.union_id,
            has_phone: outcome.has_phone,
            updated_at: items::number(&item, "sessionAt")?,
        }))
    }
}
