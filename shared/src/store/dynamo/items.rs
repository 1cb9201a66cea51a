//! Reading our item shapes back from DynamoDB attribute maps.

use super::super::{LoginOutcome, Session, StoreError, UserRecord};
use crate::domain::{PhoneNumber, Profile, SessionKey, UnionId, UserId};
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;

pub(super) type Item = HashMap<String, AttributeValue>;

/// The table's TTL attribute (template.yaml): Unix seconds after which DynamoDB
/// deletes the item. Only revocations carry it.
pub(super) const EXPIRES_AT: &str = "expiresAt";

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

/// The session an identity item holds.
pub(super) fn session(identity: &Item) -> Result<Session, StoreError> {
    let outcome = outcome(identity, false)?;
    Ok(Session {
        user_id: outcome.user_id,
        session_key: SessionKey::parse(string(identity, "sessionKey")?).map_err(corrupt)?,
        union_id: outcome.union_id,
        has_phone: outcome.has_phone,
        updated_at: number(identity, "sessionAt")?,
    })
}

/// A user item. The profile is kept as one JSON string attribute.
pub(super) fn user_record(user: &Item, user_id: UserId) -> Result<UserRecord, StoreError> {
    let identities = match user.get("identities") {
        Some(AttributeValue::Ss(set)) => set.clone(),
        _ => Vec::new(),
    };
    let phone = match (
        optional_string(user, "phone"),
        optional_string(user, "phoneCountryCode"),
    ) {
        (Some(e164), Some(cc)) => Some(PhoneNumber::from_e164(e164, cc).map_err(corrupt)?),
        _ => None,
    };
    let profile = match optional_string(user, "profile") {
        Some(json) => serde_json::from_str(json).map_err(corrupt)?,
        None => Profile::default(),
    };
    Ok(UserRecord {
        user_id,
        identities,
        union_id: optional_string(user, "unionId")
            .map(UnionId::parse)
            .transpose()
            .map_err(corrupt)?,
        phone,
        profile,
    })
}
