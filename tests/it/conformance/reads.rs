//! Reads: what exists is answered, what does not is left out, one or many keys.

use super::*;
use wxauth_shared::store::Commit;

async fn absent_keys_are_left_out(s: Subject) {
    let (identity, _) = identity_key();
    assert!(
        s.store
            .get(std::slice::from_ref(&identity))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        s.store
            .get(&[identity, union_key()])
            .await
            .unwrap()
            .is_empty()
    );
    assert!(s.store.get(&[]).await.unwrap().is_empty());
}

async fn every_kind_reads_back_as_written(s: Subject) {
    let user_id = new_user_id();
    let (identity, entry) = identity_key();
    let union = union_key();
    let mut user = user_item(&[entry], 3);
    user.union_id = Some(UnionId::parse(unique("u")).unwrap());
    user.phone = Some(wxauth_shared::domain::PhoneNumber::from_parts("86", "13800138000").unwrap());
    user.profile.nick_name = Some("Band 乐队".into());
    let mut ident = identity_item(&user_id, 7);
    ident.union_id = user.union_id.clone();
    ident.has_phone = true;
    let policy = wxauth_shared::domain::SessionPolicy {
        access_ttl_secs: 600,
        refresh_ttl_secs: 3_600,
        max_lifetime_secs: 7_200,
        reuse_grace_secs: 5,
    };
    ident.session = Some(wxauth_shared::domain::NewSession::draw(100, &policy).session);
    let phone = Key::phone(user.phone.as_ref().unwrap());
    let writes = [
        put(&identity, Item::Identity(ident.clone()), Guard::Absent),
        put(
            &Key::user(&user_id),
            Item::User(user.clone()),
            Guard::Absent,
        ),
        put(&union, owner(&user_id), Guard::Absent),
        put(
            &phone,
            Item::Phone(wxauth_shared::store::OwnerItem {
                user_id: user_id.clone(),
                created_at: 5,
                session: None,
            }),
            Guard::Absent,
        ),
    ];
    assert_eq!(s.store.commit(&writes).await.unwrap(), Commit::Done);
    let keys = [
        identity.clone(),
        Key::user(&user_id),
        union.clone(),
        phone.clone(),
    ];
    let found = s.store.get(&keys).await.unwrap();
    assert_eq!(found.len(), 4);
    assert_eq!(found[&identity], Item::Identity(ident));
    assert_eq!(found[&Key::user(&user_id)], Item::User(user));
    assert_eq!(found[&union], owner(&user_id));
    // One key alone is read the same way.
    assert_eq!(read(&s, &union).await, Some(owner(&user_id)));
}

async fn a_patch_answers_the_identity_after_it(s: Subject) {
    let user_id = new_user_id();
    let (identity, _) = identity_key();
    let patch = wxauth_shared::store::IdentityPatch {
        session_key: Some((session_key(9), 200)),
        ..Default::default()
    };
    // No identity yet: the guard fails, nothing is created.
    assert_eq!(
        s.store
            .patch_identity(&identity, &patch, &Guard::Exists)
            .await
            .unwrap(),
        None
    );
    assert_eq!(read(&s, &identity).await, None);
    let mut item = identity_item(&user_id, 1);
    item.has_phone = true;
    let commit = s
        .store
        .commit(&[put(&identity, Item::Identity(item.clone()), Guard::Absent)])
        .await
        .unwrap();
    assert_eq!(commit, Commit::Done);
    let after = s
        .store
        .patch_identity(&identity, &patch, &Guard::Exists)
        .await
        .unwrap()
        .expect("patched");
    assert_eq!(after.session_key, session_key(9));
    assert_eq!(after.session_at, 200);
    // What the patch does not name is left as it was.
    assert_eq!((after.user_id, after.has_phone), (user_id, true));
}

crate::conformance!(
    absent_keys_are_left_out,
    every_kind_reads_back_as_written,
    a_patch_answers_the_identity_after_it,
);
