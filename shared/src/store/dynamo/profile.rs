//! `write_profile` on DynamoDB: one UpdateItem in the common case, one
//! transaction when a unionId is linked or an empty user is folded.

use super::client::unavailable;
use super::items::{self, n, s};
use super::login::{build_error, is_condition_failure, transact, union_owner};
use super::{DynamoStore, keys};
use crate::domain::{Profile, UnionId, UserId};
use crate::store::{ProfileWrite, ProfileWritten, StoreError};
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, Put, ReturnValue, ReturnValuesOnConditionCheckFailure,
    TransactWriteItem, Update,
};

fn profile_json(profile: &Profile) -> Result<AttributeValue, StoreError> {
    serde_json::to_string(profile)
        .map(AttributeValue::S)
        .map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// How many times a raced write is tried again before giving up.
const MAX_ROUNDS: u32 = 4;

pub(super) async fn write(
    store: &DynamoStore,
    write: &ProfileWrite,
) -> Result<ProfileWritten, StoreError> {
    let user = &write.user;
    // A different unionId than the user's own cannot be the same person.
    if let (Some(mine), Some(theirs)) = (&user.union_id, &write.union_id)
        && mine != theirs
    {
        return Ok(ProfileWritten::Conflict);
    }
    let new_union = write.union_id.as_ref().filter(|_| user.union_id.is_none());
    let Some(union_id) = new_union else {
        return store_profile(
            store,
            &user.user_id,
            &write.profile.merged_over(&user.profile),
        )
        .await;
    };
    for _ in 0..MAX_ROUNDS {
        match link_and_store(store, write, union_id).await? {
            Linked::Done(written) => return Ok(written),
            Linked::HeldBy(owner) if owner == user.user_id => {
                return store_profile(
                    store,
                    &user.user_id,
                    &write.profile.merged_over(&user.profile),
                )
                .await;
            }
            Linked::HeldBy(_) if !user.holds_nothing_else() => return Ok(ProfileWritten::Conflict),
            Linked::HeldBy(owner) => {
                if let Some(written) = fold(store, write, union_id, &owner).await? {
                    return Ok(written);
                }
            }
            Linked::Raced => {}
        }
    }
    Err(StoreError::Contention(MAX_ROUNDS))
}

/// The common case: the user's unionId is settled; store the merged profile.
async fn store_profile(
    store: &DynamoStore,
    user_id: &UserId,
    profile: &Profile,
) -> Result<ProfileWritten, StoreError> {
    let output = store
        .client
        .update_item()
        .table_name(&store.table)
        .key("pk", s(keys::user(user_id)))
        .update_expression("SET profile = :p")
        .condition_expression("attribute_exists(pk)")
        .expression_attribute_values(":p", profile_json(profile)?)
        .return_values(ReturnValue::AllNew)
        .send()
        .await
        .map_err(unavailable)?;
    let stored = items::user_record(&output.attributes.unwrap_or_default(), user_id.clone())?;
    Ok(ProfileWritten::Stored {
        user_id: user_id.clone(),
        union_id: stored.union_id,
        profile: stored.profile,
    })
}

enum Linked {
    Done(ProfileWritten),
    HeldBy(UserId),
    Raced,
}

/// Links a unionId nobody holds to the user, with the profile, in one transaction.
async fn link_and_store(
    store: &DynamoStore,
    write: &ProfileWrite,
    union_id: &UnionId,
) -> Result<Linked, StoreError> {
    let me = write.user.user_id.as_str();
    let profile = write.profile.merged_over(&write.user.profile);
    let union = Put::builder()
        .table_name(&store.table)
        .item("pk", s(keys::union(union_id)))
        .item("kind", s("union"))
        .item("userId", s(me))
        .item("createdAt", n(write.now))
        .condition_expression("attribute_not_exists(pk)")
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .build()
        .map_err(build_error)?;
    let user = Update::builder()
        .table_name(&store.table)
        .key("pk", s(keys::user(&write.user.user_id)))
        .update_expression("SET unionId = :u, profile = :p")
        .condition_expression("attribute_exists(pk) AND attribute_not_exists(unionId)")
        .expression_attribute_values(":u", s(union_id.as_str()))
        .expression_attribute_values(":p", profile_json(&profile)?)
        .build()
        .map_err(build_error)?;
    let mut writes = vec![
        TransactWriteItem::builder().put(union).build(),
        TransactWriteItem::builder().update(user).build(),
    ];
    for identity_ref in &write.user.identities {
        let identity = Update::builder()
            .table_name(&store.table)
            .key("pk", s(keys::identity_from_ref(identity_ref)))
            .update_expression("SET unionId = :u")
            .condition_expression("userId = :me")
            .expression_attribute_values(":u", s(union_id.as_str()))
            .expression_attribute_values(":me", s(me))
            .build()
            .map_err(build_error)?;
        writes.push(TransactWriteItem::builder().update(identity).build());
    }
    let Some(reasons) = transact(store, writes).await? else {
        return Ok(Linked::Done(ProfileWritten::Stored {
            user_id: write.user.user_id.clone(),
            union_id: Some(union_id.clone()),
            profile,
        }));
    };
    if is_condition_failure(&reasons, 0) {
        let owner = match reasons[0]
            .item()
            .and_then(|item| items::optional_string(item, "userId"))
        {
            Some(owner) => Some(owner.to_owned()),
            None => union_owner(store, union_id).await?,
        };
        if let Some(owner) = owner {
            return Ok(Linked::HeldBy(
                UserId::parse(owner).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            ));
        }
    }
    Ok(Linked::Raced)
}

/// Moves the user's only identity to the unionId's owner and deletes the now
/// empty user, guarded so that nothing else changed in between. `None`: raced.
async fn fold(
    store: &DynamoStore,
    write: &ProfileWrite,
    union_id: &UnionId,
    owner: &UserId,
) -> Result<Option<ProfileWritten>, StoreError> {
    let Some(owner_item) = store.get(keys::user(owner)).await? else {
        return Ok(None);
    };
    let owner_record = items::user_record(&owner_item, owner.clone())?;
    let profile = write.profile.merged_over(&owner_record.profile);
    let me = write.user.user_id.as_str();
    let identity_ref = keys::identity_ref(&write.appid, &write.openid);
    let union_unchanged = ConditionCheck::builder()
        .table_name(&store.table)
        .key("pk", s(keys::union(union_id)))
        .condition_expression("userId = :owner")
        .expression_attribute_values(":owner", s(owner.as_str()))
        .build()
        .map_err(build_error)?;
    let move_identity = Update::builder()
        .table_name(&store.table)
        .key("pk", s(keys::identity(&write.appid, &write.openid)))
        .update_expression("SET userId = :owner, unionId = :u, hasPhone = :phone")
        .condition_expression("userId = :me")
        .expression_attribute_values(":owner", s(owner.as_str()))
        .expression_attribute_values(":u", s(union_id.as_str()))
        .expression_attribute_values(":phone", AttributeValue::Bool(owner_record.phone.is_some()))
        .expression_attribute_values(":me", s(me))
        .build()
        .map_err(build_error)?;
    let delete_me = Delete::builder()
        .table_name(&store.table)
        .key("pk", s(keys::user(&write.user.user_id)))
        .condition_expression("size(identities) = :one AND attribute_not_exists(phone)")
        .expression_attribute_values(":one", n(1))
        .build()
        .map_err(build_error)?;
    let add_to_owner = Update::builder()
        .table_name(&store.table)
        .key("pk", s(keys::user(owner)))
        .update_expression("ADD identities :ref SET profile = :p")
        .condition_expression("attribute_exists(pk)")
        .expression_attribute_values(":ref", AttributeValue::Ss(vec![identity_ref]))
        .expression_attribute_values(":p", profile_json(&profile)?)
        .build()
        .map_err(build_error)?;
    let writes = vec![
        TransactWriteItem::builder()
            .condition_check(union_unchanged)
            .build(),
        TransactWriteItem::builder().update(move_identity).build(),
        TransactWriteItem::builder().delete(delete_me).build(),
        TransactWriteItem::builder().update(add_to_owner).build(),
    ];
    Ok(match transact(store, writes).await? {
        None => Some(ProfileWritten::Folded {
            owner: owner.clone(),
            union_id: union_id.clone(),
            profile,
        }),
        Some(_) => None,
    })
}
