//! One conformance suite for every item store: the commit semantics the account
//! rules rely on (reads, guards, all-or-nothing commits, races), checked the
//! same way on DynamoDB (the emulator) and on the embedded store. The rules
//! themselves are tested in `shared` (unit and property tests).

mod atomicity;
mod guards;
mod races;
mod reads;

use std::sync::Arc;
use wxauth_shared::domain::{AppId, OpenId, SessionKey, UnionId, UserId};
use wxauth_shared::store::dynamo::DynamoStore;
use wxauth_shared::store::embedded::EmbeddedStore;
use wxauth_shared::store::{
    Guard, IdentityItem, IdentityRef, Item, ItemStore, Key, OwnerItem, UserItem, Write,
};
use wxauth_tests::emulator;
use wxauth_tests::harness::TempDir;

/// A store to test and whatever must live as long as it.
pub struct Subject {
    pub store: Arc<dyn ItemStore>,
    _guard: Option<TempDir>,
}

pub async fn dynamo() -> Subject {
    let (client, _) = emulator::client().await;
    let table = emulator::fresh_table(&client).await;
    Subject {
        store: Arc::new(DynamoStore::new(client, table)),
        _guard: None,
    }
}

pub async fn embedded() -> Subject {
    let dir = TempDir::new();
    let store = EmbeddedStore::open(&dir.0).expect("open embedded store");
    Subject {
        store: Arc::new(store),
        _guard: Some(dir),
    }
}

/// Runs each check as two tests, one per store.
#[macro_export]
macro_rules! conformance {
    ($($check:ident),* $(,)?) => {
        mod on_dynamodb {
            $(
                #[tokio::test]
                async fn $check() {
                    super::$check($crate::conformance::dynamo().await).await;
                }
            )*
        }
        mod on_embedded {
            $(
                #[tokio::test]
                async fn $check() {
                    super::$check($crate::conformance::embedded().await).await;
                }
            )*
        }
    };
}

pub fn unique(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::new_v4().simple())
}

pub fn session_key(byte: u8) -> SessionKey {
    use base64::Engine;
    SessionKey::parse(base64::engine::general_purpose::STANDARD.encode([byte; 16])).unwrap()
}

pub fn new_user_id() -> UserId {
    UserId::generate()
}

pub fn user_item(identities: &[IdentityRef], version: u64) -> UserItem {
    UserItem {
        created_at: 100,
        identities: identities.to_vec(),
        union_id: None,
        phone: None,
        profile: Default::default(),
        checks: Default::default(),
        avatars: Default::default(),
        password: None,
        version,
    }
}

/// A fresh identity key and its entry in a user's list.
pub fn identity_key() -> (Key, IdentityRef) {
    let (appid, openid) = (
        AppId::parse("wxA").unwrap(),
        OpenId::parse(unique("o")).unwrap(),
    );
    (
        Key::identity(&appid, &openid),
        IdentityRef::new(&appid, &openid),
    )
}

pub fn identity_item(user_id: &UserId, key_byte: u8) -> IdentityItem {
    IdentityItem {
        user_id: user_id.clone(),
        session_key: session_key(key_byte),
        session_at: 100,
        created_at: 100,
        union_id: None,
        has_phone: false,
        session: None,
    }
}

pub fn union_key() -> Key {
    Key::union(&UnionId::parse(unique("u")).unwrap())
}

pub fn owner(user_id: &UserId) -> Item {
    Item::Union(OwnerItem {
        user_id: user_id.clone(),
        created_at: 100,
        session: None,
    })
}

pub fn put(key: &Key, item: Item, guard: Guard) -> Write {
    Write::Put {
        key: key.clone(),
        item,
        guard,
    }
}

/// The item under `key`, if any.
pub async fn read(s: &Subject, key: &Key) -> Option<Item> {
    s.store
        .get(std::slice::from_ref(key))
        .await
        .expect("read")
        .remove(key)
}

/// Puts a user at `version` and answers its key.
pub async fn stored_user(s: &Subject, version: u64) -> (Key, UserId) {
    let user_id = new_user_id();
    let key = Key::user(&user_id);
    let commit = s
        .store
        .commit(&[put(
            &key,
            Item::User(user_item(&[], version)),
            Guard::Absent,
        )])
        .await
        .unwrap();
    assert_eq!(commit, wxauth_shared::store::Commit::Done);
    (key, user_id)
}
