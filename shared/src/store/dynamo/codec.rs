//! Items to and from DynamoDB attribute maps, through the schema's serde types.

use super::super::{Item, Key, StoreError};
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;

pub(super) type Attributes = HashMap<String, AttributeValue>;

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

/// The key of an item read back.
pub(super) fn key_of(item: &Attributes) -> Result<Key, StoreError> {
    match item.get("pk") {
        Some(AttributeValue::S(pk)) => {
            Key::parse(pk).ok_or_else(|| corrupt(format!("unknown key {pk}")))
        }
        _ => Err(corrupt("an item without pk")),
    }
}

pub(super) fn decode(key: &Key, item: Attributes) -> Result<Item, StoreError> {
    let value: serde_dynamo::AttributeValue = AttributeValue::M(item).into();
    Item::decode(key, serde_dynamo::Deserializer::from_attribute_value(value))
}

/// The whole item under `key`, with `pk` and the `kind` people read the table by.
pub(super) fn encode(key: &Key, item: &Item) -> Result<Attributes, StoreError> {
    let mut attributes: Attributes = serde_dynamo::to_item(item).map_err(corrupt)?;
    attributes.insert("pk".to_owned(), AttributeValue::S(key.as_str().to_owned()));
    attributes.insert(
        "kind".to_owned(),
        AttributeValue::S(key.kind().name().to_owned()),
    );
    Ok(attributes)
}

pub(super) fn value(json: &serde_json::Value) -> Result<AttributeValue, StoreError> {
    serde_dynamo::to_attribute_value(json).map_err(corrupt)
}
