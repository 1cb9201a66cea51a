//! Races: concurrent commits on the same items serialise; guards make exactly
//! one winner, and version-guarded read-modify-write loses no update.

use super::*;
use wxauth_shared::store::Commit;

async fn thirty_racing_puts_if_absent_make_one_owner(s: Subject) {
    let key = union_key();
    let store = s.store.clone();
    let tasks: Vec<_> = (0..30)
        .map(|_| {
            let (store, key) = (store.clone(), key.clone());
            tokio::spawn(async move {
                let me = new_user_id();
                let commit = store.commit(&[put(&key, owner(&me), Guard::Absent)]).await;
                (me, commit.unwrap())
            })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        let (me, commit) = task.await.unwrap();
        if commit == Commit::Done {
            winners.push(me);
        }
    }
    assert_eq!(winners.len(), 1, "exactly one put-if-absent wins");
    assert_eq!(read(&s, &key).await, Some(owner(&winners[0])));
}

/// Twenty writers each add themselves to one user's identity list with a
/// read, a version-guarded put, and a re-read on failure: none is lost.
async fn versioned_read_modify_write_loses_no_update(s: Subject) {
    let (user_key, _) = stored_user(&s, 1).await;
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (store, key) = (s.store.clone(), user_key.clone());
            tokio::spawn(async move {
                let (_, entry) = identity_key();
                for _ in 0..200 {
                    let Some(Item::User(user)) = store
                        .get(std::slice::from_ref(&key))
                        .await
                        .unwrap()
                        .remove(&key)
                    else {
                        panic!("user");
                    };
                    let mut next = user.clone();
                    next.identities.push(entry.clone());
                    next.version += 1;
                    let write = put(&key, Item::User(next), Guard::Version(user.version));
                    if store.commit(&[write]).await.unwrap() == Commit::Done {
                        return entry;
                    }
                }
                panic!("never got a turn");
            })
        })
        .collect();
    let mut added = Vec::new();
    for task in tasks {
        added.push(task.await.unwrap());
    }
    let Some(Item::User(user)) = read(&s, &user_key).await else {
        panic!("user");
    };
    assert_eq!(user.version, 21);
    added.sort();
    let mut stored = user.identities.clone();
    stored.sort();
    assert_eq!(stored, added);
}

crate::conformance!(
    thirty_racing_puts_if_absent_make_one_owner,
    versioned_read_modify_write_loses_no_update,
);
