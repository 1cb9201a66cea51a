//! One conformance suite for both object stores: what the avatar route and the
//! account deletion rely on, checked the same way on S3 (the emulator's, a
//! versioned bucket per test) and on a directory.

use bytes::Bytes;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use wxauth_shared::domain::{AvatarImage, AvatarKey, UserId};
use wxauth_shared::objects::{FileObjects, ObjectError, ObjectStore, s3};
use wxauth_tests::emulator;
use wxauth_tests::harness::TempDir;
use wxauth_tests::upload::fixture_image;

/// A store to test, and how to see everything it holds for a user, every
/// version included.
pub struct Subject {
    store: Arc<dyn ObjectStore>,
    kind: Kind,
}

enum Kind {
    S3 {
        client: aws_sdk_s3::Client,
        bucket: String,
    },
    Files {
        /// The store's directory, inside `_dir`.
        root: PathBuf,
        _dir: TempDir,
    },
}

impl Subject {
    /// Every stored version and delete marker (S3), or every file (a
    /// directory), under the user's prefix.
    async fn leftovers(&self, user: &UserId) -> Vec<String> {
        let prefix = AvatarKey::user_prefix(user);
        match &self.kind {
            Kind::S3 { client, bucket } => {
                let page = client
                    .list_object_versions()
                    .bucket(bucket)
                    .prefix(&prefix)
                    .send()
                    .await
                    .expect("list object versions");
                let versions = page.versions().iter().map(|v| {
                    format!(
                        "{} {}",
                        v.key().unwrap_or_default(),
                        v.version_id().unwrap_or_default()
                    )
                });
                let markers = page.delete_markers().iter().map(|m| {
                    format!(
                        "marker {} {}",
                        m.key().unwrap_or_default(),
                        m.version_id().unwrap_or_default()
                    )
                });
                versions.chain(markers).collect()
            }
            Kind::Files { root, .. } => files_under(&root.join(&prefix)),
        }
    }

    /// How many versions the store keeps of `key` (a directory keeps one).
    async fn versions(&self, key: &AvatarKey) -> usize {
        match &self.kind {
            Kind::S3 { client, bucket } => {
                let page = client
                    .list_object_versions()
                    .bucket(bucket)
                    .prefix(key.as_str())
                    .send()
                    .await
                    .expect("list object versions");
                page.versions().len()
            }
            Kind::Files { root, .. } => usize::from(root.join(key.as_str()).is_file()),
        }
    }
}

fn files_under(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in entries {
        let path: PathBuf = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path.display().to_string());
        }
    }
    found
}

pub async fn s3() -> Subject {
    let client = aws_sdk_s3::Client::from_conf(emulator::s3_config());
    let bucket = emulator::fresh_bucket(&client).await;
    Subject {
        store: Arc::new(emulator::s3_objects(&bucket)),
        kind: Kind::S3 { client, bucket },
    }
}

pub async fn files() -> Subject {
    let dir = TempDir::new();
    // A directory that does not exist yet: the first put makes it.
    let root = dir.0.join("objects");
    Subject {
        store: Arc::new(FileObjects::new(&root)),
        kind: Kind::Files { root, _dir: dir },
    }
}

/// Runs each check as two tests, one per store.
macro_rules! object_conformance {
    ($($check:ident),* $(,)?) => {
        mod on_s3 {
            $(
                #[tokio::test]
                async fn $check() {
                    super::$check(super::s3().await).await;
                }
            )*
        }
        mod on_files {
            $(
                #[tokio::test]
                async fn $check() {
                    super::$check(super::files().await).await;
                }
            )*
        }
    };
}

object_conformance!(
    puts_and_gets_each_kind_with_its_content_type,
    a_missing_key_is_none,
    a_put_replaces_the_object,
    deletes_and_a_missing_delete_is_fine,
    delete_user_removes_every_key_and_no_other_users,
    delete_user_removes_every_version_and_delete_marker,
    delete_user_of_nobody_removes_nothing,
    readers_see_whole_objects,
);

fn user() -> UserId {
    UserId::generate()
}

fn image(fixture: &str) -> AvatarImage {
    AvatarImage::parse(fixture_image(fixture)).unwrap()
}

/// A key of `user` that is not any fixture's: for objects whose bytes the
/// test chooses.
fn key(user: &UserId, n: u8) -> AvatarKey {
    AvatarKey::parse(&format!(
        "{}{}.png",
        AvatarKey::user_prefix(user),
        format!("{n:02x}").repeat(16)
    ))
    .unwrap()
}

async fn put(s: &Subject, key: &AvatarKey, bytes: &[u8]) {
    s.store
        .put(
            key,
            Bytes::copy_from_slice(bytes),
            key.kind().content_type(),
        )
        .await
        .unwrap();
}

async fn puts_and_gets_each_kind_with_its_content_type(s: Subject) {
    let user = user();
    for (fixture, content_type) in [
        ("pixel.jpg", "image/jpeg"),
        ("pixel.png", "image/png"),
        ("pixel.webp", "image/webp"),
    ] {
        let image = image(fixture);
        let key = AvatarKey::for_image(&user, &image);
        s.store
            .put(&key, image.bytes().clone(), image.content_type())
            .await
            .unwrap();
        let got = s.store.get(&key).await.unwrap().expect(fixture);
        assert_eq!(got.bytes, image.bytes(), "{fixture}");
        assert_eq!(got.content_type, content_type, "{fixture}");
        // S3 serves the object to caches as it was put: forever, unchanged.
        if let Kind::S3 { client, bucket } = &s.kind {
            let head = client
                .head_object()
                .bucket(bucket)
                .key(key.as_str())
                .send()
                .await
                .unwrap();
            assert_eq!(head.cache_control(), Some(s3::CACHE_CONTROL));
            assert_eq!(head.content_type(), Some(content_type));
        }
    }
}

async fn a_missing_key_is_none(s: Subject) {
    let user = user();
    assert_eq!(s.store.get(&key(&user, 1)).await, Ok(None));
    // Another key of the same user existing changes nothing.
    put(&s, &key(&user, 2), b"two").await;
    assert_eq!(s.store.get(&key(&user, 1)).await, Ok(None));
}

async fn a_put_replaces_the_object(s: Subject) {
    let key = key(&user(), 3);
    put(&s, &key, b"first").await;
    put(&s, &key, b"second, longer than the first").await;
    let got = s.store.get(&key).await.unwrap().unwrap();
    assert_eq!(got.bytes.as_ref(), b"second, longer than the first");
    assert_eq!(got.content_type, "image/png");
}

async fn deletes_and_a_missing_delete_is_fine(s: Subject) {
    let user = user();
    let (kept, gone) = (key(&user, 4), key(&user, 5));
    put(&s, &kept, b"kept").await;
    put(&s, &gone, b"gone").await;
    s.store.delete(&gone).await.unwrap();
    assert_eq!(s.store.get(&gone).await, Ok(None));
    assert_eq!(
        s.store.get(&kept).await.unwrap().unwrap().bytes.as_ref(),
        b"kept"
    );
    // Again, and a key never written: both fine.
    s.store.delete(&gone).await.unwrap();
    s.store.delete(&key(&user, 6)).await.unwrap();
}

async fn delete_user_removes_every_key_and_no_other_users(s: Subject) {
    let user = user();
    // Another user whose id starts with this one's: the prefix ends with `/`.
    let other = UserId::parse(format!("{user}x")).unwrap();
    for n in 1..=3 {
        put(&s, &key(&user, n), &[n; 10]).await;
    }
    put(&s, &key(&user, 1), b"overwritten").await;
    put(&s, &key(&other, 1), b"other's").await;

    assert_eq!(s.store.delete_user(&user).await, Ok(3));

    for n in 1..=3 {
        assert_eq!(s.store.get(&key(&user, n)).await, Ok(None));
    }
    assert_eq!(s.leftovers(&user).await, Vec::<String>::new());
    let others = s.store.get(&key(&other, 1)).await.unwrap().unwrap();
    assert_eq!(others.bytes.as_ref(), b"other's");
    assert_eq!(s.leftovers(&other).await.len(), 1);
}

async fn delete_user_removes_every_version_and_delete_marker(s: Subject) {
    let user = user();
    let (twice, deleted) = (key(&user, 7), key(&user, 8));
    put(&s, &twice, b"one").await;
    put(&s, &twice, b"two").await;
    put(&s, &deleted, b"deleted").await;
    s.store.delete(&deleted).await.unwrap();
    // S3 keeps both versions of one and the deleted one behind its marker.
    let before = s.leftovers(&user).await;
    match s.kind {
        Kind::S3 { .. } => {
            assert_eq!(s.versions(&twice).await, 2);
            assert_eq!(before.len(), 4, "{before:?}");
        }
        Kind::Files { .. } => assert_eq!(before.len(), 1, "{before:?}"),
    }

    let removed = s.store.delete_user(&user).await.unwrap();
    assert!(removed >= 1, "{removed}");
    assert_eq!(s.leftovers(&user).await, Vec::<String>::new());
    assert_eq!(s.versions(&twice).await, 0);
    assert_eq!(s.store.get(&twice).await, Ok(None));
}

async fn delete_user_of_nobody_removes_nothing(s: Subject) {
    assert_eq!(s.store.delete_user(&user()).await, Ok(0));
    let user = user();
    put(&s, &key(&user, 9), b"x").await;
    assert_eq!(s.store.delete_user(&user).await, Ok(1));
    assert_eq!(s.store.delete_user(&user).await, Ok(0));
}

async fn readers_see_whole_objects(s: Subject) {
    let key = key(&user(), 10);
    let (a, b) = (vec![b'a'; 200_000], vec![b'b'; 300_000]);
    put(&s, &key, &a).await;
    let store = s.store.clone();
    let writer = {
        let (key, a, b) = (key.clone(), a.clone(), b.clone());
        tokio::spawn(async move {
            for i in 0..10 {
                let bytes = if i % 2 == 0 { &b } else { &a };
                store
                    .put(&key, Bytes::copy_from_slice(bytes), "image/png")
                    .await?;
            }
            Ok::<_, ObjectError>(())
        })
    };
    for _ in 0..10 {
        let got = s.store.get(&key).await.unwrap().unwrap().bytes;
        assert!(got == a || got == b, "a torn read of {} bytes", got.len());
    }
    writer.await.unwrap().unwrap();
}
