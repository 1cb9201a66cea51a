//! Guarded writes as DynamoDB requests: each guard is a condition expression,
//! and a failed condition answers the item as it is (`ALL_OLD`), so the use
//! case can decide again without reading it a second time.

use super::super::items::{REFRESH_HASH, SESSION, SESSION_ID, USER_ID, VERSION};
use super::super::{Commit, Guard, IdentityPatch, Item, Items, Key, StoreError, Write};
use super::client::unavailable;
use super::codec::{self, Attributes};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, Put, ReturnValue, ReturnValuesOnConditionCheckFailure,
    TransactWriteItem, Update,
};
use std::collections::HashMap;

pub(super) fn build_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("building request: {e}"))
}

/// A condition or update expression with its placeholders.
#[derive(Default)]
struct Expression {
    text: Option<String>,
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl Expression {
    fn names(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| self.names.clone())
    }

    fn values(&self) -> Option<HashMap<String, AttributeValue>> {
        (!self.values.is_empty()).then(|| self.values.clone())
    }
}

/// Every request and transaction item that writes takes its guard the same
/// way, and answers the item as it is when the guard fails.
trait Guarded: Sized {
    fn guarded(self, c: &Expression) -> Self;
}

macro_rules! guarded {
    ($($builder:ty),* $(,)?) => {$(
        impl Guarded for $builder {
            fn guarded(self, c: &Expression) -> Self {
                self.set_condition_expression(c.text.clone())
                    .set_expression_attribute_names(c.names())
                    .set_expression_attribute_values(c.values())
                    .return_values_on_condition_check_failure(
                        ReturnValuesOnConditionCheckFailure::AllOld,
                    )
            }
        }
    )*};
}

guarded!(
    aws_sdk_dynamodb::types::builders::PutBuilder,
    aws_sdk_dynamodb::types::builders::UpdateBuilder,
    aws_sdk_dynamodb::types::builders::DeleteBuilder,
    aws_sdk_dynamodb::types::builders::ConditionCheckBuilder,
    aws_sdk_dynamodb::operation::put_item::builders::PutItemFluentBuilder,
    aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder,
    aws_sdk_dynamodb::operation::delete_item::builders::DeleteItemFluentBuilder,
);

/// The condition expression that is the guard.
fn condition(guard: &Guard) -> Expression {
    let mut e = Expression::default();
    let text = match guard {
        Guard::Always => return e,
        Guard::Absent => "attribute_not_exists(pk)",
        Guard::Exists => "attribute_exists(pk)",
        // Items written before versions have none: it reads as 0.
        Guard::Version(0) => {
            e.names.insert("#version".into(), VERSION.into());
            e.values
                .insert(":version".into(), AttributeValue::N("0".into()));
            "attribute_exists(pk) AND (attribute_not_exists(#version) OR #version = :version)"
        }
        Guard::Version(version) => {
            e.names.insert("#version".into(), VERSION.into());
            e.values
                .insert(":version".into(), AttributeValue::N(version.to_string()));
            "#version = :version"
        }
        Guard::OwnedBy(user_id) => {
            e.names.insert("#owner".into(), USER_ID.into());
            e.values.insert(
                ":owner".into(),
                AttributeValue::S(user_id.as_str().to_owned()),
            );
            "#owner = :owner"
        }
        Guard::Session {
            owner,
            session,
            refresh,
        } => {
            for (name, attribute) in [
                ("#owner", USER_ID),
                ("#session", SESSION),
                ("#sid", SESSION_ID),
            ] {
                e.names.insert(name.into(), attribute.into());
            }
            e.values.insert(
                ":owner".into(),
                AttributeValue::S(owner.as_str().to_owned()),
            );
            e.values.insert(
                ":sid".into(),
                AttributeValue::S(session.as_str().to_owned()),
            );
            match refresh {
                None => "#owner = :owner AND #session.#sid = :sid",
                Some(hash) => {
                    e.names.insert("#refresh".into(), REFRESH_HASH.into());
                    e.values.insert(
                        ":refresh".into(),
                        AttributeValue::S(hash.as_str().to_owned()),
                    );
                    "#owner = :owner AND #session.#sid = :sid AND #session.#refresh = :refresh"
                }
            }
        }
    };
    e.text = Some(text.to_owned());
    e
}

/// `SET` (and `REMOVE`, for `null`) of the patch's attributes, with the
/// guard's condition placeholders.
fn update(patch: &IdentityPatch, guard: &Guard) -> Result<(String, Expression), StoreError> {
    let mut e = condition(guard);
    let (mut sets, mut removes) = (Vec::new(), Vec::new());
    for (i, (name, value)) in patch.attributes().into_iter().enumerate() {
        e.names.insert(format!("#a{i}"), name.to_owned());
        if value.is_null() {
            removes.push(format!("#a{i}"));
        } else {
            e.values.insert(format!(":a{i}"), codec::value(&value)?);
            sets.push(format!("#a{i} = :a{i}"));
        }
    }
    let mut clauses = Vec::new();
    if !sets.is_empty() {
        clauses.push(format!("SET {}", sets.join(", ")));
    }
    if !removes.is_empty() {
        clauses.push(format!("REMOVE {}", removes.join(", ")));
    }
    if clauses.is_empty() {
        return Err(build_error("an empty patch"));
    }
    Ok((clauses.join(" "), e))
}

fn pk(key: &Key) -> AttributeValue {
    AttributeValue::S(key.as_str().to_owned())
}

/// One write as a transaction item.
fn transact_item(table: &str, write: &Write) -> Result<TransactWriteItem, StoreError> {
    let item = match write {
        Write::Put { key, item, guard } => {
            let c = condition(guard);
            let put = Put::builder()
                .table_name(table)
                .set_item(Some(codec::encode(key, item)?))
                .guarded(&c)
                .build()
                .map_err(build_error)?;
            TransactWriteItem::builder().put(put).build()
        }
        Write::Patch { key, patch, guard } => {
            let (set, c) = update(patch, guard)?;
            let update = Update::builder()
                .table_name(table)
                .key("pk", pk(key))
                .update_expression(set)
                .guarded(&c)
                .build()
                .map_err(build_error)?;
            TransactWriteItem::builder().update(update).build()
        }
        Write::Delete { key, guard } => {
            let c = condition(guard);
            let delete = Delete::builder()
                .table_name(table)
                .key("pk", pk(key))
                .guarded(&c)
                .build()
                .map_err(build_error)?;
            TransactWriteItem::builder().delete(delete).build()
        }
        Write::Check { key, guard } => {
            let c = condition(guard);
            let check = ConditionCheck::builder()
                .table_name(table)
                .key("pk", pk(key))
                .guarded(&c)
                .build()
                .map_err(build_error)?;
            TransactWriteItem::builder().condition_check(check).build()
        }
    };
    Ok(item)
}

/// A failed guard of one item, with the item as it is when DynamoDB sent it.
fn failed(key: &Key, old: Option<Attributes>) -> Result<Commit, StoreError> {
    let mut current = Items::new();
    if let Some(old) = old.filter(|o| !o.is_empty()) {
        current.insert(key.clone(), codec::decode(key, old)?);
    }
    Ok(Commit::GuardFailed {
        keys: vec![key.clone()],
        current,
    })
}

/// Several writes in one `TransactWriteItems`.
pub(super) async fn transaction(
    client: &Client,
    table: &str,
    writes: &[Write],
) -> Result<Commit, StoreError> {
    let items = writes
        .iter()
        .map(|w| transact_item(table, w))
        .collect::<Result<Vec<_>, _>>()?;
    let error = match client
        .transact_write_items()
        .set_transact_items(Some(items))
        // One token for this commit, kept across the SDK's own retries: a
        // retry of a transaction that succeeded but whose answer was lost (a
        // timeout) then succeeds without writing again, instead of failing
        // its guards against its own writes.
        .client_request_token(uuid::Uuid::new_v4().to_string())
        .send()
        .await
    {
        Ok(_) => return Ok(Commit::Done),
        Err(error) => error,
    };
    let reasons = match error.into_service_error() {
        TransactWriteItemsError::TransactionCanceledException(cancelled) => {
            cancelled.cancellation_reasons.unwrap_or_default()
        }
        // Another request with the same items is still being applied: read again.
        TransactWriteItemsError::TransactionInProgressException(_) => {
            return Ok(Commit::GuardFailed {
                keys: Vec::new(),
                current: Items::new(),
            });
        }
        other => return Err(StoreError::Unavailable(other.to_string())),
    };
    let mut keys = Vec::new();
    let mut current = Items::new();
    for (write, reason) in writes.iter().zip(&reasons) {
        match reason.code() {
            None | Some("None") => {}
            // A guard failed, or a concurrent transaction held the item: either
            // way the data moved on and the use case decides again.
            Some("ConditionalCheckFailed") | Some("TransactionConflict") => {
                let key = write.key();
                keys.push(key.clone());
                if let Some(old) = reason.item().filter(|o| !o.is_empty()) {
                    current.insert(key.clone(), codec::decode(key, old.clone())?);
                }
            }
            Some(other) => {
                return Err(StoreError::Unavailable(format!(
                    "transaction cancelled: {other}"
                )));
            }
        }
    }
    Ok(Commit::GuardFailed { keys, current })
}

/// One write as one conditional request.
pub(super) async fn single(
    client: &Client,
    table: &str,
    write: &Write,
) -> Result<Commit, StoreError> {
    match write {
        Write::Put { key, item, guard } => {
            let c = condition(guard);
            let result = client
                .put_item()
                .table_name(table)
                .set_item(Some(codec::encode(key, item)?))
                .guarded(&c)
                .send()
                .await;
            match result {
                Ok(_) => Ok(Commit::Done),
                Err(e) => match e.into_service_error() {
                    aws_sdk_dynamodb::operation::put_item::PutItemError::ConditionalCheckFailedException(x) => {
                        failed(key, x.item)
                    }
                    other => Err(StoreError::Unavailable(other.to_string())),
                },
            }
        }
        Write::Patch { key, patch, guard } => {
            match patch_returning_old(client, table, key, patch, guard, ReturnValue::None).await? {
                Ok(_) => Ok(Commit::Done),
                Err(old) => failed(key, old),
            }
        }
        Write::Delete { key, guard } => {
            let c = condition(guard);
            let result = client
                .delete_item()
                .table_name(table)
                .key("pk", pk(key))
                .guarded(&c)
                .send()
                .await;
            match result {
                Ok(_) => Ok(Commit::Done),
                Err(e) => match e.into_service_error() {
                    aws_sdk_dynamodb::operation::delete_item::DeleteItemError::ConditionalCheckFailedException(x) => {
                        failed(key, x.item)
                    }
                    other => Err(StoreError::Unavailable(other.to_string())),
                },
            }
        }
        Write::Check { .. } => transaction(client, table, std::slice::from_ref(write)).await,
    }
}

/// An UpdateItem of a patch: `Ok(attributes as asked)` when it happened,
/// `Err(old item)` when the guard failed.
async fn patch_returning_old(
    client: &Client,
    table: &str,
    key: &Key,
    patch: &IdentityPatch,
    guard: &Guard,
    returning: ReturnValue,
) -> Result<Result<Option<Attributes>, Option<Attributes>>, StoreError> {
    let (set, c) = update(patch, guard)?;
    let result = client
        .update_item()
        .table_name(table)
        .key("pk", pk(key))
        .update_expression(set)
        .guarded(&c)
        .return_values(returning)
        .send()
        .await;
    match result {
        Ok(output) => Ok(Ok(output.attributes)),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
        {
            match e.into_service_error() {
                aws_sdk_dynamodb::operation::update_item::UpdateItemError::ConditionalCheckFailedException(x) => Ok(Err(x.item)),
                _ => Ok(Err(None)),
            }
        }
        Err(e) => Err(unavailable(e)),
    }
}

/// A patch answering the whole item after it (`ALL_NEW`), or `None` when the
/// guard failed: a returning login in one request.
pub(super) async fn patch_returning(
    client: &Client,
    table: &str,
    key: &Key,
    patch: &IdentityPatch,
    guard: &Guard,
) -> Result<Option<Item>, StoreError> {
    match patch_returning_old(client, table, key, patch, guard, ReturnValue::AllNew).await? {
        Ok(Some(new)) => codec::decode(key, new).map(Some),
        Ok(None) => Err(StoreError::Unavailable(
            "UpdateItem returned no item".into(),
        )),
        Err(_) => Ok(None),
    }
}
