//! Reading our item shapes back from DynamoDB attribute maps.

use super::super::{LoginOutcome, StoreError};
use crate::domain::{UnionId, UserId};
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;

pub(super) type Item = HashMap<String, AttributeValue>;

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

pub(super) fn string<'a>(item: &'a Item, name: &str) -> Result<&'a str, StoreError> {
    match item.get(name) {
        Some(AttributeValue::S(s)) => Ok(s),
        _ => Err(corrupt(format!("attribute {name} missing or not a string"))),
    }
}

pub(super) fn optional_string<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    match item.get(name) {
        Some(AttributeValue::S(s)) => Some(s),
        _ => None,
    }
}

pub(super) fn number(item: &Item, name: &str) -> Result<u64, StoreError> {
    match item.get(name) {
        Some(AttributeValue::N(n)) => n.parse().map_err(corrupt),
        _ => Err(corrupt(format!("attribute {name} missing or not a number"))),
    }
}

pub(super) fn flag(item: &Item, name: &str) -> bool {
    matches!(item.get(name), Some(AttributeValue::Bool(true)))
}

/// The login outcome an identity item describes.
pub(super) fn outcome(identity: &Item, is_new_user: bool) -> Result<LoginOutcome, StoreError> {
    Ok(LoginOutcome {
        user_id: UserId::parse(string(identity, "userId")?).map_err(corrupt)?,
        is_new_user,
        union_id: optional_string(identity, "unionId")
            .map(UnionId::parse)
            .transpose()
            .map_err(corrupt)?,
        has_phone: flag(identity, "hasPhone"),
    })
}

pub(super) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub(super) fn n(value: u64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}
