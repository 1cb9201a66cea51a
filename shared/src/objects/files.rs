//! The directory adapter (local runs): a key is a relative path under the
//! directory (`avatars/{userId}/{hash}.{ext}`), safe to join because
//! [`AvatarKey`] admits no `..` and no absolute path.
//!
//! A write goes to a temporary file beside the target, then is renamed over
//! it: a reader sees the old file or the new one, never half of one. The
//! content type is the key's: its extension names the kind the bytes were
//! sniffed as, which is what the upload route puts it with.

use super::{ObjectError, ObjectStore, StoredObject};
use crate::domain::{AvatarKey, UserId};
use bytes::Bytes;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Temporary files start with this; no key's file name does.
const TEMP_PREFIX: &str = ".tmp-";

#[derive(Debug, Clone)]
pub struct FileObjects {
    dir: PathBuf,
}

impl FileObjects {
    /// Objects under `dir`, which is created at the first write.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    fn path(&self, key: &AvatarKey) -> PathBuf {
        self.dir.join(key.as_str())
    }

    /// Runs blocking file work off the async threads.
    async fn blocking<T: Send + 'static>(
        work: impl FnOnce() -> io::Result<T> + Send + 'static,
    ) -> Result<T, ObjectError> {
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| ObjectError::Failed(format!("file task: {e}")))?
            .map_err(|e| ObjectError::Failed(e.to_string()))
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().expect("a key's path has a parent");
    std::fs::create_dir_all(dir)?;
    let temp = dir.join(format!("{TEMP_PREFIX}{}", uuid::Uuid::new_v4().simple()));
    let written = std::fs::File::create(&temp).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    let renamed = written.and_then(|()| std::fs::rename(&temp, path));
    if renamed.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    renamed
}

fn read_if_present(path: &Path) -> io::Result<Option<Vec<u8>>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

fn remove_if_present(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Removes the user's directory, answering how many objects (not temporary
/// files) it held.
fn remove_user_dir(dir: &Path, prefix: &str) -> io::Result<usize> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut objects = 0;
    for entry in entries {
        let name = entry?.file_name();
        let key = format!("{prefix}{}", name.to_string_lossy());
        if AvatarKey::parse(&key).is_some() {
            objects += 1;
        }
    }
    std::fs::remove_dir_all(dir)?;
    Ok(objects)
}

#[async_trait::async_trait]
impl ObjectStore for FileObjects {
    async fn put(
        &self,
        key: &AvatarKey,
        bytes: Bytes,
        _content_type: &str,
    ) -> Result<(), ObjectError> {
        let path = self.path(key);
        Self::blocking(move || write_atomically(&path, &bytes)).await
    }

    async fn get(&self, key: &AvatarKey) -> Result<Option<StoredObject>, ObjectError> {
        let path = self.path(key);
        let content_type = key.kind().content_type().to_owned();
        let bytes = Self::blocking(move || read_if_present(&path)).await?;
        Ok(bytes.map(|bytes| StoredObject {
            bytes: Bytes::from(bytes),
            content_type,
        }))
    }

    async fn delete(&self, key: &AvatarKey) -> Result<(), ObjectError> {
        let path = self.path(key);
        Self::blocking(move || remove_if_present(&path)).await
    }

    async fn delete_user(&self, user: &UserId) -> Result<usize, ObjectError> {
        let prefix = AvatarKey::user_prefix(user);
        let dir = self.dir.join(&prefix);
        Self::blocking(move || remove_user_dir(&dir, &prefix)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir() -> PathBuf {
        std::env::temp_dir().join(format!("wxauth-objects-{}", uuid::Uuid::new_v4().simple()))
    }

    #[test]
    fn an_interrupted_write_leaves_the_old_file_and_no_temporary() {
        let dir = temp_dir();
        let path = dir.join("avatars/u1/0123456789abcdef0123456789abcdef.png");
        write_atomically(&path, b"old").unwrap();
        // The target's place is taken by a directory: the rename fails.
        let blocked = dir.join("avatars/u1/blocked");
        std::fs::create_dir_all(blocked.join("inside")).unwrap();
        assert!(write_atomically(&blocked, b"new").is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        let names: Vec<_> = std::fs::read_dir(dir.join("avatars/u1"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            names.iter().all(|n| !n.starts_with(TEMP_PREFIX)),
            "{names:?}"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn counts_only_objects_when_removing_a_user() {
        let dir = temp_dir();
        let user = dir.join("avatars/u1");
        std::fs::create_dir_all(&user).unwrap();
        std::fs::write(user.join("0123456789abcdef0123456789abcdef.jpg"), b"a").unwrap();
        std::fs::write(user.join(".tmp-left-by-a-crash"), b"b").unwrap();
        assert_eq!(remove_user_dir(&user, "avatars/u1/").unwrap(), 1);
        assert!(!user.exists());
        assert_eq!(remove_user_dir(&user, "avatars/u1/").unwrap(), 0);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
