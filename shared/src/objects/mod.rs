//! The object store port, for the avatars users upload, and its adapters:
//!
//! - [`s3`]: production, the avatar bucket (versioned, encrypted by the
//!   bucket's default; `template.yaml`).
//! - [`files`]: local runs, a directory.
//!
//! Objects are addressed by [`AvatarKey`]s, which are content-addressed: a key
//! is written once with the bytes its name hashes, so a put that races another
//! put of the same key writes the same bytes, and nothing needs a guard.

pub mod files;
pub mod s3;

pub use files::FileObjects;
pub use s3::S3Objects;

use crate::domain::{AvatarKey, UserId};
use bytes::Bytes;

/// An object as it was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    pub bytes: Bytes,
    /// What it is served as.
    pub content_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ObjectError {
    /// The store could not be reached, timed out, throttled or failed on its
    /// side (5xx): worth trying again later, so callers answer 503.
    #[error("object store unavailable: {0}")]
    Unavailable(String),
    /// The store refused the request for good (access denied, no such
    /// bucket, a full disk): a configuration or operations problem.
    #[error("object store failed: {0}")]
    Failed(String),
}

/// The object store port.
#[async_trait::async_trait]
pub trait ObjectStore: Send + Sync {
    /// Writes `bytes` under `key`, replacing what was there.
    async fn put(
        &self,
        key: &AvatarKey,
        bytes: Bytes,
        content_type: &str,
    ) -> Result<(), ObjectError>;

    /// The object under `key`, or `None` when there is none.
    async fn get(&self, key: &AvatarKey) -> Result<Option<StoredObject>, ObjectError>;

    /// Removes the object under `key`; a missing one is not an error.
    async fn delete(&self, key: &AvatarKey) -> Result<(), ObjectError>;

    /// Removes every object of `user` (everything under
    /// [`AvatarKey::user_prefix`]), every stored version of it included, and
    /// answers how many keys it removed: an account's deletion leaves none of
    /// its pictures behind.
    async fn delete_user(&self, user: &UserId) -> Result<usize, ObjectError>;
}
