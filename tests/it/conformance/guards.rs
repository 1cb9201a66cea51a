//! Each guard holds exactly when it should, and a failed one answers the item
//! as it is now, so the rule can decide again.

use super::*;
use wxauth_shared::store::{Commit, IdentityPatch};

async fn absent_and_exists(s: Subject) {
    let key = union_key();
    let (a, b) = (new_user_id(), new_user_id());
    let first = s
        .store
        .commit(&[put(&key, owner(&a), Guard::Absent)])
        .await
        .unwrap();
    assert_eq!(first, Commit::Done);
    let second = s
        .store
        .commit(&[put(&key, owner(&b), Guard::Absent)])
        .await
        .unwrap();
    let Commit::GuardFailed { keys, current } = second else {
        panic!("put-if-absent over an item must fail");
    };
    assert_eq!(keys, vec![key.clone()]);
    assert_eq!(
        current.get(&key),
        Some(&owner(&a)),
        "the failed guard answers the holder"
    );
    assert_eq!(read(&s, &key).await, Some(owner(&a)));

    let missing = union_key();
    let check = Write::Check {
        key: missing.clone(),
        guard: Guard::Exists,
    };
    assert!(matches!(
        s.store.commit(&[check]).await.unwrap(),
        Commit::GuardFailed { .. }
    ));
}

async fn version_means_unchanged_since_read(s: Subject) {
    let (key, _) = stored_user(&s, 4).await;
    let stale = put(&key, Item::User(user_item(&[], 5)), Guard::Version(3));
    let Commit::GuardFailed { current, .. } = s.store.commit(&[stale]).await.unwrap() else {
        panic!("a stale version must fail");
    };
    assert_eq!(current.get(&key), Some(&Item::User(user_item(&[], 4))));
    let fresh = put(&key, Item::User(user_item(&[], 5)), Guard::Version(4));
    assert_eq!(s.store.commit(&[fresh]).await.unwrap(), Commit::Done);
    assert_eq!(read(&s, &key).await, Some(Item::User(user_item(&[], 5))));
    // A missing item has no version.
    let gone = Key::user(&new_user_id());
    let write = put(&gone, Item::User(user_item(&[], 1)), Guard::Version(0));
    assert!(matches!(
        s.store.commit(&[write]).await.unwrap(),
        Commit::GuardFailed { .. }
    ));
}

async fn version_zero_is_an_item_written_before_versions(s: Subject) {
    let (key, _) = stored_user(&s, 0).await;
    let write = put(&key, Item::User(user_item(&[], 1)), Guard::Version(0));
    assert_eq!(s.store.commit(&[write]).await.unwrap(), Commit::Done);
    let again = put(&key, Item::User(user_item(&[], 1)), Guard::Version(0));
    assert!(matches!(
        s.store.commit(&[again]).await.unwrap(),
        Commit::GuardFailed { .. }
    ));
}

async fn owned_by_compares_the_user(s: Subject) {
    let (a, b) = (new_user_id(), new_user_id());
    let (identity, _) = identity_key();
    let commit = s
        .store
        .commit(&[put(
            &identity,
            Item::Identity(identity_item(&a, 1)),
            Guard::Absent,
        )])
        .await
        .unwrap();
    assert_eq!(commit, Commit::Done);
    let flag = |owner: &UserId| Write::Patch {
        key: identity.clone(),
        patch: IdentityPatch {
            has_phone: Some(true),
            ..Default::default()
        },
        guard: Guard::OwnedBy(owner.clone()),
    };
    assert!(matches!(
        s.store.commit(&[flag(&b)]).await.unwrap(),
        Commit::GuardFailed { .. }
    ));
    assert_eq!(s.store.commit(&[flag(&a)]).await.unwrap(), Commit::Done);
    let Some(Item::Identity(after)) = read(&s, &identity).await else {
        panic!("identity");
    };
    assert!(after.has_phone);
    let delete = Write::Delete {
        key: identity.clone(),
        guard: Guard::OwnedBy(b.clone()),
    };
    assert!(matches!(
        s.store.commit(&[delete]).await.unwrap(),
        Commit::GuardFailed { .. }
    ));
    let delete = Write::Delete {
        key: identity.clone(),
        guard: Guard::OwnedBy(a),
    };
    assert_eq!(s.store.commit(&[delete]).await.unwrap(), Commit::Done);
    assert_eq!(read(&s, &identity).await, None);
}

crate::conformance!(
    absent_and_exists,
    version_means_unchanged_since_read,
    version_zero_is_an_item_written_before_versions,
    owned_by_compares_the_user,
);
