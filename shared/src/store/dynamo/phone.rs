//! `bind_phone` on DynamoDB: one transaction that claims the number's
//! uniqueness item, updates the user, releases a previous number and flags the
//! user's identities, all or nothing.

use super::items::{self, n, s};
use super::login::{build_error, is_condition_failure, transact};
use super::{DynamoStore, keys};
use crate::store::{PhoneBind, PhoneBound, StoreError};
use aws_sdk_dynamodb::types::{
    AttributeValue, Delete, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};

pub(super) async fn bind(store: &DynamoStore, bind: &PhoneBind) -> Result<PhoneBound, StoreError> {
    let user = &bind.user;
    if user.phone.as_ref() == Some(&bind.phone) {
        return Ok(PhoneBound::AlreadyYours);
    }
    let me = user.user_id.as_str();
    let claim = Put::builder()
        .table_name(&store.table)
        .item("pk", s(keys::phone(&bind.phone)))
        .item("kind", s("phone"))
        .item("userId", s(me))
        .item("createdAt", n(bind.now))
        .condition_expression("attribute_not_exists(pk)")
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .build()
        .map_err(build_error)?;
    // The user must still have the number we read, so two binds of one user
    // cannot both release the same old number.
    let mut update_user = Update::builder()
        .table_name(&store.table)
        .key("pk", s(keys::user(&user.user_id)))
        .update_expression("SET phone = :new, phoneCountryCode = :cc")
        .expression_attribute_values(":new", s(bind.phone.e164()))
        .expression_attribute_values(":cc", s(bind.phone.country_code()));
    update_user = match &user.phone {
        Some(old) => update_user
            .condition_expression("phone = :old")
            .expression_attribute_values(":old", s(old.e164())),
        None => {
            update_user.condition_expression("attribute_exists(pk) AND attribute_not_exists(phone)")
        }
    };
    let mut writes = vec![
        TransactWriteItem::builder().put(claim).build(),
        TransactWriteItem::builder()
            .update(update_user.build().map_err(build_error)?)
            .build(),
    ];
    if let Some(old) = &user.phone {
        let release = Delete::builder()
            .table_name(&store.table)
            .key("pk", s(keys::phone(old)))
            .condition_expression("userId = :me")
            .expression_attribute_values(":me", s(me))
            .build()
            .map_err(build_error)?;
        writes.push(TransactWriteItem::builder().delete(release).build());
    }
    for identity_ref in &user.identities {
        let flag = Update::builder()
            .table_name(&store.table)
            .key("pk", s(keys::identity_from_ref(identity_ref)))
            .update_expression("SET hasPhone = :yes")
            .condition_expression("userId = :me")
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
            .expression_attribute_values(":me", s(me))
            .build()
            .map_err(build_error)?;
        writes.push(TransactWriteItem::builder().update(flag).build());
    }
    let Some(reasons) = transact(store, writes).await? else {
        return Ok(PhoneBound::Bound);
    };
    if is_condition_failure(&reasons, 0) {
        let holder = reasons[0]
            .item()
            .and_then(|item| items::optional_string(item, "userId"));
        return Ok(if holder == Some(me) {
            PhoneBound::AlreadyYours
        } else {
            PhoneBound::Taken
        });
    }
    // The user changed under us (a concurrent bind of the same user): the caller may retry.
    Err(StoreError::Contention(1))
}
