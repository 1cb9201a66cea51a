//! The access token cache: one `stable_token` per app, reused until shortly
//! before it expires, with concurrent fetches in one process collapsed into one
//! call. `stable_token` in normal mode returns the same token to every caller
//! while it is valid, so Lambda containers need no shared cache or lock; we
//! never ask for `force_refresh` on our own (limited to 20 a day, and it
//! invalidates every other container's token).

use super::WeChatError;
use crate::domain::AppId;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// Refetch this long before WeChat's expiry, so a token never dies mid-request.
const REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// An access token and when we stop using it. `Debug` redacts the token.
#[derive(Clone)]
pub struct AccessToken {
    pub value: String,
    pub use_until: Instant,
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("use_until", &self.use_until)
            .finish_non_exhaustive()
    }
}

impl AccessToken {
    /// A token WeChat said lives `expires_in` seconds from now.
    pub fn new(value: String, expires_in: u64) -> Self {
        let lifetime = Duration::from_secs(expires_in).saturating_sub(REFRESH_MARGIN);
        // A token that lives less than the margin is used once, then refetched.
        Self {
            value,
            use_until: Instant::now() + lifetime,
        }
    }
}

type Slot = Arc<tokio::sync::Mutex<Option<AccessToken>>>;

/// Tokens per app. Each app has its own async lock, held while fetching, so
/// concurrent requests wait for the one fetch instead of starting their own.
#[derive(Default)]
pub struct AccessTokenCache {
    slots: Mutex<HashMap<AppId, Slot>>,
}

impl AccessTokenCache {
    fn slot(&self, appid: &AppId) -> Slot {
        let mut slots = self
            .slots
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        slots.entry(appid.clone()).or_default().clone()
    }

    /// The app's current token, fetched with `fetch` when there is none or it is
    /// about to expire.
    pub async fn get<F, Fut>(&self, appid: &AppId, fetch: F) -> Result<String, WeChatError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<AccessToken, WeChatError>>,
    {
        let slot = self.slot(appid);
        let mut current = slot.lock().await;
        if let Some(token) = current.as_ref().filter(|t| t.use_until > Instant::now()) {
            return Ok(token.value.clone());
        }
        let token = fetch().await?;
        let value = token.value.clone();
        *current = Some(token);
        Ok(value)
    }

    /// Forgets `stale` after WeChat called it invalid (40001) or expired (42001).
    /// A newer token another request already fetched is kept.
    pub async fn invalidate(&self, appid: &AppId, stale: &str) {
        let slot = self.slot(appid);
        let mut current = slot.lock().await;
        if current.as_ref().is_some_and(|t| t.value == stale) {
            *current = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn app() -> AppId {
        AppId::parse("wx1").unwrap()
    }

    #[tokio::test]
    async fn concurrent_gets_share_one_fetch() {
        let cache = Arc::new(AccessTokenCache::default());
        let fetches = Arc::new(AtomicU32::new(0));
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let (cache, fetches) = (cache.clone(), fetches.clone());
                tokio::spawn(async move {
                    cache
                        .get(&app(), || async {
                            fetches.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(20)).await;
                            Ok(AccessToken::new("AT1".into(), 7200))
                        })
                        .await
                })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap().unwrap(), "AT1");
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn invalidation_refetches_but_keeps_a_newer_token() {
        let cache = AccessTokenCache::default();
        let token = |v: &str| {
            let v = v.to_owned();
            move || async move { Ok(AccessToken::new(v, 7200)) }
        };
        assert_eq!(cache.get(&app(), token("AT1")).await.unwrap(), "AT1");
        cache.invalidate(&app(), "AT0").await;
        assert_eq!(
            cache.get(&app(), token("unused")).await.unwrap(),
            "AT1",
            "another token's invalidation is ignored"
        );
        cache.invalidate(&app(), "AT1").await;
        assert_eq!(cache.get(&app(), token("AT2")).await.unwrap(), "AT2");
    }

    #[tokio::test]
    async fn tokens_near_expiry_are_refetched_and_errors_are_not_cached() {
        let cache = AccessTokenCache::default();
        let short = || async { Ok(AccessToken::new("short".into(), 200)) };
        assert_eq!(cache.get(&app(), short).await.unwrap(), "short");
        let failing = || async { Err(WeChatError::Busy { attempts: 1 }) };
        assert_eq!(
            cache.get(&app(), failing).await,
            Err(WeChatError::Busy { attempts: 1 })
        );
        let fresh = || async { Ok(AccessToken::new("fresh".into(), 7200)) };
        assert_eq!(cache.get(&app(), fresh).await.unwrap(), "fresh");
        assert!(!format!("{:?}", AccessToken::new("secret".into(), 7200)).contains("secret"));
    }
}
