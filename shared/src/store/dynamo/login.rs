//! `record_login` on DynamoDB: conditional writes and transactions, no
//! read-then-write.

use super::client::unavailable;
use super::items::{self, Item, n, s};
use super::{DynamoStore, keys};
use crate::domain::{UnionId, UserId};
use crate::store::{LoginOutcome, LoginRecord, StoreError};
use aws_sdk_dynamodb::types::{
    AttributeValue, CancellationReason, ConditionCheck, Put, ReturnValue,
    ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use std::time::Duration;

/// Bounds the optimistic loop: each round either finishes or has seen another
/// writer make progress, so a few rounds always suffice outside pathologies.
const MAX_ROUNDS: u32 = 6;

pub(super) fn build_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("building request: {e}"))
}

/// How a transaction that creates items ended.
enum Created {
    Done(LoginOutcome),
    /// Another login created this identity first: the next round finds it.
    IdentityExists,
    /// The unionid belongs to this user already (another app of the same
    /// Open Platform account): the openid joins it.
    UnionHeldBy(UserId),
    /// DynamoDB refused because of a concurrent transaction: try again.
    Conflict,
}

fn reason_code(reasons: &[CancellationReason], index: usize) -> Option<&str> {
    reasons.get(index).and_then(|r| r.code())
}

pub(super) fn is_condition_failure(reasons: &[CancellationReason], index: usize) -> bool {
    reason_code(reasons, index) == Some("ConditionalCheckFailed")
}

pub(super) async fn record(
    store: &DynamoStore,
    login: &LoginRecord,
) -> Result<LoginOutcome, StoreError> {
    for round in 1..=MAX_ROUNDS {
        if let Some(identity) = touch_identity(store, login).await? {
            let outcome = items::outcome(&identity, false)?;
            return match (&outcome.union_id, &login.unionid) {
                (None, Some(unionid)) => link_union(store, login, outcome, unionid).await,
                _ => Ok(outcome),
            };
        }
        let created = match create_user(store, login).await? {
            Created::UnionHeldBy(owner) => join_user(store, login, &owner).await?,
            other => other,
        };
        match created {
            Created::Done(outcome) => return Ok(outcome),
            Created::IdentityExists => {}
            Created::Conflict | Created::UnionHeldBy(_) => {
                // Jitter keeps racing containers from colliding in lockstep.
                let jitter = u64::from(uuid::Uuid::new_v4().as_bytes()[0] % 20);
                tokio::time::sleep(Duration::from_millis(10 * u64::from(round) + jitter)).await;
            }
        }
    }
    Err(StoreError::Contention(MAX_ROUNDS))
}

/// The returning user's one request: refresh the session on an existing identity.
async fn touch_identity(
    store: &DynamoStore,
    login: &LoginRecord,
) -> Result<Option<Item>, StoreError> {
    let result = store
        .client
        .update_item()
        .table_name(&store.table)
        .key("pk", s(keys::identity(&login.appid, &login.openid)))
        .update_expression("SET sessionKey = :sk, sessionAt = :now")
        .condition_expression("attribute_exists(pk)")
        .expression_attribute_values(":sk", s(login.session_key.expose_base64()))
        .expression_attribute_values(":now", n(login.now))
        .return_values(ReturnValue::AllNew)
        .send()
        .await;
    match result {
        Ok(output) => Ok(output.attributes),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(unavailable(e)),
    }
}

fn identity_put(
    login: &LoginRecord,
    user_id: &UserId,
    has_phone: bool,
) -> Result<TransactWriteItem, StoreError> {
    let mut put = Put::builder()
        .table_name("")
        .item("pk", s(keys::identity(&login.appid, &login.openid)))
        .item("kind", s("identity"))
        .item("userId", s(user_id.as_str()))
        .item("appId", s(login.appid.as_str()))
        .item("openId", s(login.openid.as_str()))
        .item("sessionKey", s(login.session_key.expose_base64()))
        .item("sessionAt", n(login.now))
        .item("createdAt", n(login.now))
        .item("hasPhone", AttributeValue::Bool(has_phone))
        .condition_expression("attribute_not_exists(pk)");
    if let Some(unionid) = &login.unionid {
        put = put.item("unionId", s(unionid.as_str()));
    }
    Ok(TransactWriteItem::builder()
        .put(put.build().map_err(build_error)?)
        .build())
}

/// Sets the table name on every item (the builders need one up front).
fn in_table(table: &str, items: Vec<TransactWriteItem>) -> Vec<TransactWriteItem> {
    items
        .into_iter()
        .map(|mut item| {
            if let Some(put) = item.put.as_mut() {
                put.table_name = table.to_owned();
            }
            if let Some(update) = item.update.as_mut() {
                update.table_name = table.to_owned();
            }
            if let Some(check) = item.condition_check.as_mut() {
                check.table_name = table.to_owned();
            }
            item
        })
        .collect()
}

/// Outcome of a transaction: `Ok(None)` when it committed, the cancellation
/// reasons when DynamoDB cancelled it.
pub(super) async fn transact(
    store: &DynamoStore,
    items: Vec<TransactWriteItem>,
) -> Result<Option<Vec<CancellationReason>>, StoreError> {
    let result = store
        .client
        .transact_write_items()
        .set_transact_items(Some(in_table(&store.table, items)))
        .send()
        .await;
    match result {
        Ok(_) => Ok(None),
        Err(e) => match e.as_service_error() {
            Some(err) if err.is_transaction_canceled_exception() => {
                let reasons = match e.into_service_error() {
                    aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(x) => {
                        x.cancellation_reasons().to_vec()
                    }
                    _ => Vec::new(),
                };
                Ok(Some(reasons))
            }
            Some(err) if err.is_transaction_in_progress_exception() => Ok(Some(Vec::new())),
            _ => Err(unavailable(e)),
        },
    }
}

/// A new openid: create identity, user and (with a unionid) union items at once.
async fn create_user(store: &DynamoStore, login: &LoginRecord) -> Result<Created, StoreError> {
    let user_id = UserId::generate();
    let mut user = Put::builder()
        .table_name("")
        .item("pk", s(keys::user(&user_id)))
        .item("kind", s("user"))
        .item("userId", s(user_id.as_str()))
        .item("createdAt", n(login.now))
        .item(
            "identities",
            AttributeValue::Ss(vec![keys::identity_ref(&login.appid, &login.openid)]),
        )
        .condition_expression("attribute_not_exists(pk)");
    if let Some(unionid) = &login.unionid {
        user = user.item("unionId", s(unionid.as_str()));
    }
    let mut writes = vec![
        identity_put(login, &user_id, false)?,
        TransactWriteItem::builder()
            .put(user.build().map_err(build_error)?)
            .build(),
    ];
    if let Some(unionid) = &login.unionid {
        let union = Put::builder()
            .table_name("")
            .item("pk", s(keys::union(unionid)))
            .item("kind", s("union"))
            .item("userId", s(user_id.as_str()))
            .item("createdAt", n(login.now))
            .condition_expression("attribute_not_exists(pk)")
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(build_error)?;
        writes.push(TransactWriteItem::builder().put(union).build());
    }
    let Some(reasons) = transact(store, writes).await? else {
        return Ok(Created::Done(LoginOutcome {
            user_id,
            is_new_user: true,
            union_id: login.unionid.clone(),
            has_phone: false,
        }));
    };
    if is_condition_failure(&reasons, 0) {
        return Ok(Created::IdentityExists);
    }
    if is_condition_failure(&reasons, 2) {
        let owner = match reasons[2]
            .item()
            .and_then(|item| items::optional_string(item, "userId"))
        {
            Some(owner) => Some(owner.to_owned()),
            // Not every DynamoDB-compatible server returns the old item: read it.
            None => match &login.unionid {
                Some(unionid) => union_owner(store, unionid).await?,
                None => None,
            },
        };
        if let Some(owner) = owner {
            return Ok(Created::UnionHeldBy(
                UserId::parse(owner).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            ));
        }
    }
    Ok(Created::Conflict)
}

/// Who holds a unionid, read consistently (for servers that do not return the
/// old item with a cancelled transaction).
pub(super) async fn union_owner(
    store: &DynamoStore,
    unionid: &UnionId,
) -> Result<Option<String>, StoreError> {
    let union = store.get(keys::union(unionid)).await?;
    Ok(union
        .as_ref()
        .and_then(|item| items::optional_string(item, "userId"))
        .map(str::to_owned))
}

/// A new openid whose unionid is already linked: add it to that user, provided
/// the union still points there and the user still exists.
async fn join_user(
    store: &DynamoStore,
    login: &LoginRecord,
    owner: &UserId,
) -> Result<Created, StoreError> {
    let Some(user) = store.get(keys::user(owner)).await? else {
        return Ok(Created::Conflict);
    };
    let has_phone = items::optional_string(&user, "phone").is_some();
    let Some(unionid) = &login.unionid else {
        return Ok(Created::Conflict);
    };
    let add_identity = Update::builder()
        .table_name("")
        .key("pk", s(keys::user(owner)))
        .update_expression("ADD identities :ref")
        .condition_expression("attribute_exists(pk)")
        .expression_attribute_values(
            ":ref",
            AttributeValue::Ss(vec![keys::identity_ref(&login.appid, &login.openid)]),
        )
        .build()
        .map_err(build_error)?;
    let union_unchanged = ConditionCheck::builder()
        .table_name("")
        .key("pk", s(keys::union(unionid)))
        .condition_expression("userId = :owner")
        .expression_attribute_values(":owner", s(owner.as_str()))
        .build()
        .map_err(build_error)?;
    let writes = vec![
        identity_put(login, owner, has_phone)?,
        TransactWriteItem::builder().update(add_identity).build(),
        TransactWriteItem::builder()
            .condition_check(union_unchanged)
            .build(),
    ];
    match transact(store, writes).await? {
        None => Ok(Created::Done(LoginOutcome {
            user_id: owner.clone(),
            is_new_user: false,
            union_id: Some(unionid.clone()),
            has_phone,
        })),
        Some(reasons) if is_condition_failure(&reasons, 0) => Ok(Created::IdentityExists),
        Some(_) => Ok(Created::Conflict),
    }
}

/// A returning identity that now comes with a unionid (the app was bound to an
/// Open Platform account since its first login): link it if nobody holds it.
async fn link_union(
    store: &DynamoStore,
    login: &LoginRecord,
    outcome: LoginOutcome,
    unionid: &UnionId,
) -> Result<LoginOutcome, StoreError> {
    let user_id = outcome.user_id.as_str();
    let union = Put::builder()
        .table_name("")
        .item("pk", s(keys::union(unionid)))
        .item("kind", s("union"))
        .item("userId", s(user_id))
        .item("createdAt", n(login.now))
        .condition_expression("attribute_not_exists(pk) OR userId = :me")
        .expression_attribute_values(":me", s(user_id))
        .build()
        .map_err(build_error)?;
    let user = Update::builder()
        .table_name("")
        .key("pk", s(keys::user(&outcome.user_id)))
        .update_expression("SET unionId = if_not_exists(unionId, :u)")
        .condition_expression("attribute_exists(pk)")
        .expression_attribute_values(":u", s(unionid.as_str()))
        .build()
        .map_err(build_error)?;
    let identity = Update::builder()
        .table_name("")
        .key("pk", s(keys::identity(&login.appid, &login.openid)))
        .update_expression("SET unionId = :u")
        .condition_expression("userId = :me")
        .expression_attribute_values(":u", s(unionid.as_str()))
        .expression_attribute_values(":me", s(user_id))
        .build()
        .map_err(build_error)?;
    let writes = vec![
        TransactWriteItem::builder().put(union).build(),
        TransactWriteItem::builder().update(user).build(),
        TransactWriteItem::builder().update(identity).build(),
    ];
    match transact(store, writes).await? {
        None => Ok(LoginOutcome {
            union_id: Some(unionid.clone()),
            ..outcome
        }),
        Some(_) => {
            tracing::warn!(
                user_id,
                "unionid not linked: another user holds it or a write raced; login goes on"
            );
            Ok(outcome)
        }
    }
}
