//! 100 concurrent first logins for one openid on the DynamoDB emulator.

use std::collections::HashSet;
use std::sync::Arc;
use wxauth_tests::StoreKind;
use wxauth_tests::harness::Harness;

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn a_hundred_concurrent_first_logins_make_one_user() {
    let h = Harness::start(StoreKind::Dynamo).await;
    let h = Arc::new(h);
    let user = format!("racer{}", uuid::Uuid::new_v4().simple());
    let barrier = Arc::new(tokio::sync::Barrier::new(100));
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let (h, user, barrier) = (h.clone(), user.clone(), barrier.clone());
            tokio::spawn(async move {
                let code = Harness::code(&user, "");
                barrier.wait().await;
                h.login(&code, None).await
            })
        })
        .collect();
    let mut user_ids = HashSet::new();
    let mut new_users = 0;
    for task in tasks {
        let (status, body) = task.await.unwrap();
        assert_eq!(status, 200, "{body}");
        user_ids.insert(body["userId"].as_str().unwrap().to_owned());
        new_users += usize::from(body["isNewUser"] == true);
    }
    assert_eq!(user_ids.len(), 1, "one userId for one openid");
    assert_eq!(new_users, 1, "exactly one login created the user");
}
