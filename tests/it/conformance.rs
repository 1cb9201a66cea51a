//! One conformance suite for every `UserStore` adapter: the same checks run on
//! DynamoDB (the emulator) and on the embedded store.

use std::sync::Arc;
use wxauth_shared::domain::{AppId, OpenId, PhoneNumber, Profile, SessionKey, UnionId, UserId};
use wxauth_shared::store::dynamo::DynamoStore;
use wxauth_shared::store::embedded::EmbeddedStore;
use wxauth_shared::store::{
    Account, LoginRecord, PhoneBind, PhoneBound, ProfileWrite, ProfileWritten, Revocation,
    UserStore,
};
use wxauth_tests::emulator;
use wxauth_tests::harness::TempDir;

/// A store to test and whatever must live as long as it.
pub struct Subject {
    pub store: Arc<dyn UserStore>,
    _guard: Option<TempDir>,
}

async fn dynamo() -> Option<Subject> {
    let (client, _) = emulator::client().await?;
    let table = emulator::fresh_table(&client).await;
    Some(Subject {
        store: Arc::new(DynamoStore::new(client, table)),
        _guard: None,
    })
}

async fn embedded() -> Option<Subject> {
    let dir = TempDir::new();
    let store = EmbeddedStore::open(&dir.0).expect("open embedded store");
    Some(Subject {
        store: Arc::new(store),
        _guard: Some(dir),
    })
}

/// A token id nobody revoked.
const LIVE_TOKEN: &str = "live0token0id";

fn key(byte: u8) -> SessionKey {
    use base64::Engine;
    SessionKey::parse(base64::engine::general_purpose::STANDARD.encode([byte; 16])).unwrap()
}

fn record(appid: &str, openid: &str, unionid: Option<&str>, key_byte: u8, now: u64) -> LoginRecord {
    LoginRecord {
        appid: AppId::parse(appid).unwrap(),
        openid: OpenId::parse(openid).unwrap(),
        unionid: unionid.map(|u| UnionId::parse(u).unwrap()),
        session_key: key(key_byte),
        now,
    }
}

async fn session_of(
    s: &Subject,
    appid: &str,
    openid: &str,
) -> Option<wxauth_shared::store::Session> {
    s.store
        .session(
            &AppId::parse(appid).unwrap(),
            &OpenId::parse(openid).unwrap(),
        )
        .await
        .unwrap()
}

fn unique(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::new_v4().simple())
}

async fn first_login_creates_a_user(s: Subject) {
    let openid = unique("o");
    let outcome = s
        .store
        .record_login(&record("wxA", &openid, None, 1, 100))
        .await
        .unwrap();
    assert!(outcome.is_new_user);
    assert!(!outcome.has_phone);
    assert_eq!(outcome.union_id, None);
    let session = session_of(&s, "wxA", &openid).await.unwrap();
    assert_eq!(session.user_id, outcome.user_id);
    assert_eq!(session.session_key, key(1));
    assert_eq!(session.updated_at, 100);
}

async fn returning_login_keeps_the_user_and_the_latest_key_wins(s: Subject) {
    let openid = unique("o");
    let first = s
        .store
        .record_login(&record("wxA", &openid, None, 1, 100))
        .await
        .unwrap();
    let second = s
        .store
        .record_login(&record("wxA", &openid, None, 2, 200))
        .await
        .unwrap();
    assert!(!second.is_new_user);
    assert_eq!(second.user_id, first.user_id);
    let session = session_of(&s, "wxA", &openid).await.unwrap();
    assert_eq!(session.session_key, key(2));
    assert_eq!(session.updated_at, 200);
}

async fn unknown_identity_has_no_session(s: Subject) {
    assert_eq!(session_of(&s, "wxA", &unique("o")).await, None);
}

async fn same_openid_in_two_apps_is_two_identities(s: Subject) {
    let openid = unique("o");
    let a = s
        .store
        .record_login(&record("wxA", &openid, None, 1, 100))
        .await
        .unwrap();
    let b = s
        .store
        .record_login(&record("wxB", &openid, None, 2, 100))
        .await
        .unwrap();
    assert!(a.is_new_user && b.is_new_user);
    assert_ne!(a.user_id, b.user_id);
}

async fn unionid_joins_the_user_across_apps(s: Subject) {
    let unionid = unique("u");
    let a = s
        .store
        .record_login(&record("wxA", &unique("o"), Some(&unionid), 1, 100))
        .await
        .unwrap();
    assert!(a.is_new_user);
    assert_eq!(
        a.union_id.as_ref().map(|u| u.as_str()),
        Some(unionid.as_str())
    );
    let openid_b = unique("o");
    let b = s
        .store
        .record_login(&record("wxB", &openid_b, Some(&unionid), 2, 150))
        .await
        .unwrap();
    assert!(
        !b.is_new_user,
        "the second app's first login joins the existing user"
    );
    assert_eq!(b.user_id, a.user_id);
    let again = s
        .store
        .record_login(&record("wxB", &openid_b, Some(&unionid), 3, 160))
        .await
        .unwrap();
    assert_eq!(again.user_id, a.user_id);
    assert!(!again.is_new_user);
    let session = session_of(&s, "wxB", &openid_b).await.unwrap();
    assert_eq!(session.session_key, key(3));
}

async fn unionid_arriving_later_is_linked(s: Subject) {
    let openid = unique("o");
    let unionid = unique("u");
    let first = s
        .store
        .record_login(&record("wxA", &openid, None, 1, 100))
        .await
        .unwrap();
    let linked = s
        .store
        .record_login(&record("wxA", &openid, Some(&unionid), 2, 200))
        .await
        .unwrap();
    assert_eq!(linked.user_id, first.user_id);
    assert_eq!(
        linked.union_id.as_ref().map(|u| u.as_str()),
        Some(unionid.as_str())
    );
    // Another app's openid with that unionid now joins the same user.
    let other = s
        .store
        .record_login(&record("wxB", &unique("o"), Some(&unionid), 3, 300))
        .await
        .unwrap();
    assert_eq!(other.user_id, first.user_id);
}

async fn unionid_held_by_another_user_is_not_taken(s: Subject) {
    let unionid = unique("u");
    let holder = s
        .store
        .record_login(&record("wxA", &unique("o"), Some(&unionid), 1, 100))
        .await
        .unwrap();
    let openid = unique("o");
    let other = s
        .store
        .record_login(&record("wxB", &openid, None, 2, 100))
        .await
        .unwrap();
    assert_ne!(other.user_id, holder.user_id);
    let again = s
        .store
        .record_login(&record("wxB", &openid, Some(&unionid), 3, 200))
        .await
        .unwrap();
    assert_eq!(
        again.user_id, other.user_id,
        "an existing identity keeps its user"
    );
    assert_eq!(again.union_id, None, "the unionid stays with its holder");
    let newcomer = s
        .store
        .record_login(&record("wxC", &unique("o"), Some(&unionid), 4, 300))
        .await
        .unwrap();
    assert_eq!(newcomer.user_id, holder.user_id);
}

async fn concurrent_first_logins_create_one_user(s: Subject) {
    let openid = unique("o");
    let unionid = unique("u");
    let mut tasks = Vec::new();
    for i in 0..30u8 {
        let store = s.store.clone();
        let login = record("wxA", &openid, Some(&unionid), i, 100 + u64::from(i));
        tasks.push(tokio::spawn(async move {
            store.record_login(&login).await.unwrap()
        }));
    }
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    let first = &outcomes[0].user_id;
    assert!(
        outcomes.iter().all(|o| &o.user_id == first),
        "one user for one openid"
    );
    assert_eq!(
        outcomes.iter().filter(|o| o.is_new_user).count(),
        1,
        "created exactly once"
    );
    let session = session_of(&s, "wxA", &openid).await.unwrap();
    assert!(
        session.session_key.expose_bytes()[0] < 30,
        "a session key of one of the logins is stored"
    );
}

async fn account_reads_the_session_and_its_user(s: Subject) {
    let openid = unique("o");
    let unionid = unique("u");
    let outcome = s
        .store
        .record_login(&record("wxA", &openid, Some(&unionid), 7, 100))
        .await
        .unwrap();
    let (appid, oid) = (
        AppId::parse("wxA").unwrap(),
        OpenId::parse(&openid).unwrap(),
    );
    let account = s
        .store
        .account(&outcome.user_id, &appid, &oid, LIVE_TOKEN)
        .await
        .unwrap()
        .expect("account");
    assert_eq!(account.session.session_key, key(7));
    assert_eq!(account.user.user_id, outcome.user_id);
    assert_eq!(account.user.identities, vec![format!("wxA#{openid}")]);
    assert_eq!(
        account.user.union_id.as_ref().map(|u| u.as_str()),
        Some(unionid.as_str())
    );
    assert_eq!(account.user.phone, None);
    assert!(account.user.profile.is_empty());
    let stranger = wxauth_shared::domain::UserId::generate();
    assert_eq!(
        s.store
            .account(&stranger, &appid, &oid, LIVE_TOKEN)
            .await
            .unwrap(),
        None,
        "the identity is not the stranger's"
    );
    let nobody = OpenId::parse(unique("o")).unwrap();
    assert_eq!(
        s.store
            .account(&outcome.user_id, &appid, &nobody, LIVE_TOKEN)
            .await
            .unwrap(),
        None
    );
}

fn nick(name: &str) -> Profile {
    Profile {
        nick_name: Some(name.to_owned()),
        ..Profile::default()
    }
}

async fn account(s: &Subject, user_id: &UserId, appid: &str, openid: &str) -> Option<Account> {
    s.store
        .account(
            user_id,
            &AppId::parse(appid).unwrap(),
            &OpenId::parse(openid).unwrap(),
            LIVE_TOKEN,
        )
        .await
        .unwrap()
}

async fn write(
    s: &Subject,
    user: &Account,
    appid: &str,
    openid: &str,
    profile: Profile,
    union: Option<&str>,
) -> ProfileWritten {
    let write = ProfileWrite {
        user: user.user.clone(),
        appid: AppId::parse(appid).unwrap(),
        openid: OpenId::parse(openid).unwrap(),
        profile,
        union_id: union.map(|u| UnionId::parse(u).unwrap()),
        now: 500,
    };
    s.store.write_profile(&write).await.unwrap()
}

async fn profile_is_stored_and_placeholders_keep_it(s: Subject) {
    let openid = unique("o");
    let user = s
        .store
        .record_login(&record("wxA", &openid, None, 1, 100))
        .await
        .unwrap()
        .user_id;
    let before = account(&s, &user, "wxA", &openid).await.unwrap();
    let written = write(&s, &before, "wxA", &openid, nick("Band"), None).await;
    assert_eq!(
        written,
        ProfileWritten::Stored {
            user_id: user.clone(),
            union_id: None,
            profile: nick("Band")
        }
    );
    let after = account(&s, &user, "wxA", &openid).await.unwrap();
    assert_eq!(after.user.profile, nick("Band"));
    let written = write(&s, &after, "wxA", &openid, Profile::default(), None).await;
    assert!(
        matches!(written, ProfileWritten::Stored { ref profile, .. } if *profile == nick("Band")),
        "{written:?}"
    );
}

async fn a_new_unionid_is_linked_to_the_user(s: Subject) {
    let (openid, unionid) = (unique("o"), unique("u"));
    let user = s
        .store
        .record_login(&record("wxA", &openid, None, 1, 100))
        .await
        .unwrap()
        .user_id;
    let before = account(&s, &user, "wxA", &openid).await.unwrap();
    let written = write(&s, &before, "wxA", &openid, nick("A"), Some(&unionid)).await;
    assert!(
        matches!(written, ProfileWritten::Stored { ref union_id, .. } if union_id.as_ref().map(|u| u.as_str()) == Some(unionid.as_str())),
        "{written:?}"
    );
    assert_eq!(
        session_of(&s, "wxA", &openid)
            .await
            .unwrap()
            .union_id
            .map(|u| u.as_str().to_owned()),
        Some(unionid.clone())
    );
    let other_app = s
        .store
        .record_login(&record("wxB", &unique("o"), Some(&unionid), 2, 200))
        .await
        .unwrap();
    assert_eq!(
        other_app.user_id, user,
        "the linked unionid now joins other apps' openids"
    );
}

async fn an_empty_user_is_folded_into_the_unionid_owner(s: Subject) {
    let unionid = unique("u");
    let owner = s
        .store
        .record_login(&record("wxA", &unique("o"), Some(&unionid), 1, 100))
        .await
        .unwrap()
        .user_id;
    let openid = unique("o");
    let newcomer = s
        .store
        .record_login(&record("wxB", &openid, None, 2, 100))
        .await
        .unwrap()
        .user_id;
    assert_ne!(newcomer, owner);
    let before = account(&s, &newcomer, "wxB", &openid).await.unwrap();
    let written = write(&s, &before, "wxB", &openid, nick("Folded"), Some(&unionid)).await;
    assert_eq!(
        written,
        ProfileWritten::Folded {
            owner: owner.clone(),
            union_id: UnionId::parse(&unionid).unwrap(),
            profile: nick("Folded")
        }
    );
    assert_eq!(
        account(&s, &newcomer, "wxB", &openid).await,
        None,
        "the identity left the empty user"
    );
    let moved = account(&s, &owner, "wxB", &openid)
        .await
        .expect("the identity belongs to the owner");
    assert_eq!(moved.user.identities.len(), 2);
    assert_eq!(moved.user.profile, nick("Folded"));
    assert_eq!(
        moved.session.session_key,
        key(2),
        "the session moved with the identity"
    );
    let again = s
        .store
        .record_login(&record("wxB", &openid, None, 3, 300))
        .await
        .unwrap();
    assert_eq!((again.user_id, again.is_new_user), (owner, false));
}

async fn a_unionid_conflict_changes_nothing(s: Subject) {
    let (u1, u2) = (unique("u"), unique("u"));
    s.store
        .record_login(&record("wxA", &unique("o"), Some(&u1), 1, 100))
        .await
        .unwrap();
    // A user with its own, different unionid and two identities.
    let openid = unique("o");
    let holder = s
        .store
        .record_login(&record("wxB", &openid, Some(&u2), 2, 100))
        .await
        .unwrap()
        .user_id;
    s.store
        .record_login(&record("wxC", &unique("o"), Some(&u2), 3, 100))
        .await
        .unwrap();
    let before = account(&s, &holder, "wxB", &openid).await.unwrap();
    assert_eq!(before.user.identities.len(), 2);
    assert_eq!(
        write(&s, &before, "wxB", &openid, nick("X"), Some(&u1)).await,
        ProfileWritten::Conflict
    );
    let after = account(&s, &holder, "wxB", &openid).await.unwrap();
    assert_eq!(after, before, "nothing changed");
}

fn phone(pure: &str) -> PhoneNumber {
    PhoneNumber::from_parts("86", pure).unwrap()
}

/// A fresh user with one identity; returns (user id, openid).
async fn new_user(s: &Subject, appid: &str) -> (UserId, String) {
    let openid = unique("o");
    let user = s
        .store
        .record_login(&record(appid, &openid, None, 1, 100))
        .await
        .unwrap()
        .user_id;
    (user, openid)
}

async fn bind(
    s: &Subject,
    user: &UserId,
    appid: &str,
    openid: &str,
    number: &PhoneNumber,
) -> PhoneBound {
    let account = account(s, user, appid, openid).await.unwrap();
    s.store
        .bind_phone(&PhoneBind {
            user: account.user,
            phone: number.clone(),
            now: 100,
        })
        .await
        .unwrap()
}

fn unique_number() -> String {
    format!("139{:08}", uuid::Uuid::new_v4().as_u128() % 100_000_000)
}

async fn a_phone_binds_once_and_belongs_to_one_user(s: Subject) {
    let number = phone(&unique_number());
    let (alice, alice_openid) = new_user(&s, "wxA").await;
    assert_eq!(
        bind(&s, &alice, "wxA", &alice_openid, &number).await,
        PhoneBound::Bound
    );
    let stored = account(&s, &alice, "wxA", &alice_openid).await.unwrap();
    assert_eq!(stored.user.phone.as_ref(), Some(&number));
    assert!(
        stored.session.has_phone,
        "the identity says hasPhone for the next login"
    );
    assert_eq!(
        bind(&s, &alice, "wxA", &alice_openid, &number).await,
        PhoneBound::AlreadyYours
    );
    let (bob, bob_openid) = new_user(&s, "wxA").await;
    assert_eq!(
        bind(&s, &bob, "wxA", &bob_openid, &number).await,
        PhoneBound::Taken
    );
    assert_eq!(
        account(&s, &bob, "wxA", &bob_openid)
            .await
            .unwrap()
            .user
            .phone,
        None,
        "nothing changed"
    );
    let login = s
        .store
        .record_login(&record("wxA", &alice_openid, None, 2, 200))
        .await
        .unwrap();
    assert!(login.has_phone);
}

async fn changing_the_number_releases_the_old_one(s: Subject) {
    let (old, new) = (phone(&unique_number()), phone(&unique_number()));
    let (alice, alice_openid) = new_user(&s, "wxA").await;
    assert_eq!(
        bind(&s, &alice, "wxA", &alice_openid, &old).await,
        PhoneBound::Bound
    );
    assert_eq!(
        bind(&s, &alice, "wxA", &alice_openid, &new).await,
        PhoneBound::Bound
    );
    assert_eq!(
        account(&s, &alice, "wxA", &alice_openid)
            .await
            .unwrap()
            .user
            .phone,
        Some(new.clone())
    );
    let (bob, bob_openid) = new_user(&s, "wxA").await;
    assert_eq!(
        bind(&s, &bob, "wxA", &bob_openid, &old).await,
        PhoneBound::Bound,
        "the old number was released"
    );
    assert_eq!(
        bind(&s, &bob, "wxA", &bob_openid, &new).await,
        PhoneBound::Taken
    );
}

async fn fifty_users_racing_for_one_number_leave_one_owner(s: Subject) {
    let number = phone(&unique_number());
    let mut users = Vec::new();
    for _ in 0..50 {
        users.push(new_user(&s, "wxA").await);
    }
    let store = s.store.clone();
    let mut tasks = Vec::new();
    for (user, openid) in users.clone() {
        let (store, number) = (store.clone(), number.clone());
        tasks.push(tokio::spawn(async move {
            let account = store
                .account(
                    &user,
                    &AppId::parse("wxA").unwrap(),
                    &OpenId::parse(&openid).unwrap(),
                    LIVE_TOKEN,
                )
                .await
                .unwrap()
                .unwrap();
            store
                .bind_phone(&PhoneBind {
                    user: account.user,
                    phone: number,
                    now: 100,
                })
                .await
                .unwrap()
        }));
    }
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    assert_eq!(
        outcomes.iter().filter(|o| **o == PhoneBound::Bound).count(),
        1
    );
    assert_eq!(
        outcomes.iter().filter(|o| **o == PhoneBound::Taken).count(),
        49
    );
    let mut owners = 0;
    for (user, openid) in &users {
        let stored = account(&s, user, "wxA", openid).await.unwrap();
        owners += usize::from(stored.user.phone.as_ref() == Some(&number));
    }
    assert_eq!(owners, 1, "exactly the winner holds the number");
}

async fn a_revoked_token_reads_no_account(s: Subject) {
    let openid = unique("o");
    let outcome = s
        .store
        .record_login(&record("wxA", &openid, None, 3, 100))
        .await
        .unwrap();
    let user = outcome.user_id;
    let token = unique("t").replace('#', "");
    assert!(account(&s, &user, "wxA", &openid).await.is_some());
    assert!(!s.store.is_revoked(&token).await.unwrap());
    let revocation = Revocation {
        token_id: token.clone(),
        user_id: user.clone(),
        expires_at: 4_000_000_000,
    };
    s.store.revoke(&revocation).await.unwrap();
    // Idempotent.
    s.store.revoke(&revocation).await.unwrap();
    assert!(s.store.is_revoked(&token).await.unwrap());
    let (appid, oid) = (
        AppId::parse("wxA").unwrap(),
        OpenId::parse(&openid).unwrap(),
    );
    assert_eq!(
        s.store.account(&user, &appid, &oid, &token).await.unwrap(),
        None
    );
    // Other tokens of the same session are untouched.
    assert!(account(&s, &user, "wxA", &openid).await.is_some());
    assert!(s.store.session(&appid, &oid).await.unwrap().is_some());
}

macro_rules! conformance_suite {
    ($($name:ident),* $(,)?) => {
        mod dynamodb {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let Some(subject) = super::dynamo().await else { return };
                    super::$name(subject).await;
                }
            )*
        }
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let Some(subject) = super::embedded().await else { return };
                    super::$name(subject).await;
                }
            )*
        }
    };
}

conformance_suite!(
    first_login_creates_a_user,
    returning_login_keeps_the_user_and_the_latest_key_wins,
    unknown_identity_has_no_session,
    same_openid_in_two_apps_is_two_identities,
    unionid_joins_the_user_across_apps,
    unionid_arriving_later_is_linked,
    unionid_held_by_another_user_is_not_taken,
    concurrent_first_logins_create_one_user,
    account_reads_the_session_and_its_user,
    profile_is_stored_and_placeholders_keep_it,
    a_new_unionid_is_linked_to_the_user,
    an_empty_user_is_folded_into_the_unionid_owner,
    a_unionid_conflict_changes_nothing,
    a_phone_binds_once_and_belongs_to_one_user,
    changing_the_number_releases_the_old_one,
    fifty_users_racing_for_one_number_leave_one_owner,
    a_revoked_token_reads_no_account,
);
