//! An item store that holds one commit until the test lets it go: the
//! in-process twin of `dynamo_proxy`, so a race is forced the same way on the
//! embedded store as on DynamoDB (a request held between its read and its write).

use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;
use wxauth_shared::store::{
    Commit, Guard, IdentityItem, IdentityPatch, ItemStore, Items, Key, StoreError, Write,
};

struct Pending {
    reached: oneshot::Sender<()>,
    release: oneshot::Receiver<()>,
}

/// Wraps a store; the first commit after [`HeldStore::hold`] waits.
pub struct HeldStore {
    inner: Arc<dyn ItemStore>,
    pending: Mutex<Option<Pending>>,
}

/// The held commit: wait for it, then let it go.
pub struct Held {
    reached: oneshot::Receiver<()>,
    release: oneshot::Sender<()>,
}

impl Held {
    /// Waits until the commit is held, then answers the release.
    pub async fn reached(self) -> oneshot::Sender<()> {
        tokio::time::timeout(Duration::from_secs(20), self.reached)
            .await
            .expect("the commit to hold never came")
            .expect("store gone");
        self.release
    }
}

impl HeldStore {
    pub fn new(inner: Arc<dyn ItemStore>) -> Arc<Self> {
        Arc::new(Self {
            inner,
            pending: Mutex::new(None),
        })
    }

    pub fn hold(&self) -> Held {
        let (reached_tx, reached_rx) = oneshot::channel();
        let (release_tx, release_rx) = oneshot::channel();
        *self.pending.lock().unwrap() = Some(Pending {
            reached: reached_tx,
            release: release_rx,
        });
        Held {
            reached: reached_rx,
            release: release_tx,
        }
    }
}

#[async_trait::async_trait]
impl ItemStore for HeldStore {
    async fn get(&self, keys: &[Key]) -> Result<Items, StoreError> {
        self.inner.get(keys).await
    }

    async fn commit(&self, writes: &[Write]) -> Result<Commit, StoreError> {
        let pending = self.pending.lock().unwrap().take();
        if let Some(pending) = pending {
            let _ = pending.reached.send(());
            let _ = pending.release.await;
        }
        self.inner.commit(writes).await
    }

    async fn patch_identity(
        &self,
        key: &Key,
        patch: &IdentityPatch,
        guard: &Guard,
    ) -> Result<Option<IdentityItem>, StoreError> {
        self.inner.patch_identity(key, patch, guard).await
    }
}
