//! The time and retry policy of one WeChat operation.

use super::WeChatError;
use crate::metrics;
use std::future::Future;
use std::time::Duration;
use tokio::time::Instant;

/// Bounds a WeChat operation: each attempt waits at most `call_timeout`, `-1`
/// (system busy) is retried with exponential backoff a bounded number of times,
/// and the whole operation never outlives `deadline`. Only `-1` is retried: a
/// code is single-use, so retrying after a timeout could burn it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallPolicy {
    pub call_timeout: Duration,
    pub deadline: Duration,
    pub busy_retries: u32,
    pub first_backoff: Duration,
}

impl CallPolicy {
    /// The overall ceiling for one WeChat operation, retries included.
    pub const MAX_DEADLINE: Duration = Duration::from_secs(10);

    pub fn new(call_timeout: Duration) -> Self {
        Self {
            call_timeout: call_timeout.min(Self::MAX_DEADLINE),
            deadline: Self::MAX_DEADLINE,
            busy_retries: 2,
            first_backoff: Duration::from_millis(200),
        }
    }

    /// Runs `attempt` under the policy; each attempt's latency and errcode go
    /// to the request's metrics.
    pub async fn run<T, F, Fut>(&self, mut attempt: F) -> Result<T, WeChatError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, WeChatError>>,
    {
        let deadline = Instant::now() + self.deadline;
        let mut attempts = 0;
        loop {
            attempts += 1;
            let budget = self
                .call_timeout
                .min(deadline.saturating_duration_since(Instant::now()));
            let sent = Instant::now();
            let result = match tokio::time::timeout(budget, attempt()).await {
                Ok(result) => result,
                Err(_) => {
                    metrics::wechat_attempt(None, sent.elapsed());
                    return Err(WeChatError::Timeout);
                }
            };
            let errcode = result.as_ref().err().and_then(WeChatError::errcode);
            metrics::wechat_attempt(errcode, sent.elapsed());
            match result {
                Err(WeChatError::Busy { .. }) => {
                    let backoff = self.first_backoff * 2u32.saturating_pow(attempts - 1);
                    let retry_fits =
                        Instant::now() + backoff + Duration::from_millis(50) < deadline;
                    if attempts > self.busy_retries || !retry_fits {
                        return Err(WeChatError::Busy { attempts });
                    }
                    tracing::warn!(
                        attempt = attempts,
                        backoff_ms = backoff.as_millis() as u64,
                        "WeChat busy (-1), retrying"
                    );
                    tokio::time::sleep(backoff).await;
                }
                other => return other,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn policy() -> CallPolicy {
        CallPolicy {
            call_timeout: Duration::from_millis(100),
            deadline: Duration::from_millis(1_000),
            busy_retries: 2,
            first_backoff: Duration::from_millis(10),
        }
    }

    #[tokio::test]
    async fn busy_is_retried_then_succeeds() {
        let calls = AtomicU32::new(0);
        let result = policy()
            .run(|| async {
                if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                    Err(WeChatError::Busy { attempts: 1 })
                } else {
                    Ok(7)
                }
            })
            .await;
        assert_eq!(result, Ok(7));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn busy_gives_up_after_the_retries() {
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = policy()
            .run(|| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(WeChatError::Busy { attempts: 1 })
            })
            .await;
        assert_eq!(result, Err(WeChatError::Busy { attempts: 3 }));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_slow_answer_is_a_timeout_and_not_retried() {
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = policy()
            .run(|| async {
                calls.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_secs(5)).await;
                Ok(())
            })
            .await;
        assert_eq!(result, Err(WeChatError::Timeout));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn the_deadline_bounds_the_whole_operation() {
        // Slow busy answers and generous retries: the deadline still wins.
        let policy = CallPolicy {
            call_timeout: Duration::from_millis(300),
            deadline: Duration::from_millis(700),
            busy_retries: 10,
            first_backoff: Duration::from_millis(50),
        };
        let started = Instant::now();
        let result: Result<(), _> = policy
            .run(|| async {
                tokio::time::sleep(Duration::from_millis(250)).await;
                Err(WeChatError::Busy { attempts: 1 })
            })
            .await;
        assert!(
            matches!(
                result,
                Err(WeChatError::Busy { .. }) | Err(WeChatError::Timeout)
            ),
            "{result:?}"
        );
        assert!(
            started.elapsed() <= Duration::from_millis(750),
            "took {:?}",
            started.elapsed()
        );
    }

    #[test]
    fn production_policy_never_exceeds_ten_seconds() {
        let policy = CallPolicy::new(Duration::from_secs(60));
        assert_eq!(policy.deadline, Duration::from_secs(10));
        assert!(policy.call_timeout <= policy.deadline);
    }

    #[tokio::test]
    async fn other_errors_are_not_retried() {
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = policy()
            .run(|| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(WeChatError::InvalidCode)
            })
            .await;
        assert_eq!(result, Err(WeChatError::InvalidCode));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
