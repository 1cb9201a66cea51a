//! All or nothing: when one guard of a commit fails, none of its writes happen.

use super::*;
use wxauth_shared::store::{Commit, IdentityPatch};

async fn one_failed_guard_writes_nothing(s: Subject) {
    let (user_key, user_id) = stored_user(&s, 2).await;
    let (identity, entry) = identity_key();
    let union = union_key();
    let commit = s
        .store
        .commit(&[put(
            &identity,
            Item::Identity(identity_item(&user_id, 1)),
            Guard::Absent,
        )])
        .await
        .unwrap();
    assert_eq!(commit, Commit::Done);
    let writes = [
        put(&union, owner(&user_id), Guard::Absent),
        Write::Patch {
            key: identity.clone(),
            patch: IdentityPatch {
                has_phone: Some(true),
                ..Default::default()
            },
            guard: Guard::OwnedBy(user_id.clone()),
        },
        // Stale: the user is at version 2.
        put(
            &user_key,
            Item::User(user_item(&[entry], 2)),
            Guard::Version(1),
        ),
    ];
    let Commit::GuardFailed { keys, .. } = s.store.commit(&writes).await.unwrap() else {
        panic!("the stale version must fail the commit");
    };
    assert_eq!(keys, vec![user_key.clone()]);
    assert_eq!(read(&s, &union).await, None, "the put did not happen");
    let Some(Item::Identity(identity_after)) = read(&s, &identity).await else {
        panic!("identity");
    };
    assert!(!identity_after.has_phone, "the patch did not happen");
    assert_eq!(
        read(&s, &user_key).await,
        Some(Item::User(user_item(&[], 2)))
    );
}

async fn a_commit_of_many_writes_lands_whole(s: Subject) {
    let (user_key, user_id) = stored_user(&s, 1).await;
    let (old_union, new_union) = (union_key(), union_key());
    let commit = s
        .store
        .commit(&[put(&old_union, owner(&user_id), Guard::Absent)])
        .await
        .unwrap();
    assert_eq!(commit, Commit::Done);
    let writes = [
        Write::Delete {
            key: old_union.clone(),
            guard: Guard::OwnedBy(user_id.clone()),
        },
        put(&new_union, owner(&user_id), Guard::Absent),
        put(&user_key, Item::User(user_item(&[], 2)), Guard::Version(1)),
        Write::Check {
            key: user_key.clone(),
            guard: Guard::Exists,
        },
    ];
    // Two writes to one item are refused, as DynamoDB refuses them.
    assert!(s.store.commit(&writes).await.is_err());
    assert_eq!(read(&s, &old_union).await, Some(owner(&user_id)));
    assert_eq!(s.store.commit(&writes[..3]).await.unwrap(), Commit::Done);
    assert_eq!(read(&s, &old_union).await, None);
    assert_eq!(read(&s, &new_union).await, Some(owner(&user_id)));
    assert_eq!(
        read(&s, &user_key).await,
        Some(Item::User(user_item(&[], 2)))
    );
}

crate::conformance!(
    one_failed_guard_writes_nothing,
    a_commit_of_many_writes_lands_whole
);
