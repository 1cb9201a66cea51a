//! The figures of one request, carried in a tokio task-local: concurrent
//! requests (the local server's) each have their own, and code outside a
//! request (start-up, tests calling a use case directly) records nothing.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

/// EMF keeps at most 100 values per metric in one document.
pub const MAX_VALUES: usize = 100;

/// Counts and timings gathered during one request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestMetrics {
    pub(super) counts: BTreeMap<Cow<'static, str>, f64>,
    pub(super) timings: BTreeMap<&'static str, Vec<f64>>,
}

impl RequestMetrics {
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty() && self.timings.is_empty()
    }

    /// The count recorded under `name` (tests).
    pub fn count_of(&self, name: &str) -> Option<f64> {
        self.counts.get(name).copied()
    }

    /// The timings recorded under `name`, in milliseconds (tests).
    pub fn timings_of(&self, name: &str) -> &[f64] {
        self.timings.get(name).map_or(&[], Vec::as_slice)
    }
}

tokio::task_local! {
    static CURRENT: RefCell<RequestMetrics>;
}

/// Runs `work` with a fresh [`RequestMetrics`], then prints what it gathered
/// as one EMF document (see [`super::sink`]) tagged with `request_id`.
pub async fn per_request<F: Future>(request_id: &str, work: F) -> F::Output {
    let (output, metrics) = gathered(work).await;
    if !metrics.is_empty() {
        super::sink::print(&super::emf::document(
            &metrics,
            request_id,
            super::emf::now_ms(),
        ));
    }
    output
}

/// Runs `work` with a fresh [`RequestMetrics`] and returns what it gathered.
pub async fn gathered<F: Future>(work: F) -> (F::Output, RequestMetrics) {
    CURRENT
        .scope(RefCell::default(), async move {
            let output = work.await;
            (output, CURRENT.with(|m| m.take()))
        })
        .await
}

pub(super) fn count(name: impl Into<Cow<'static, str>>, by: f64) {
    let _ = CURRENT.try_with(|m| *m.borrow_mut().counts.entry(name.into()).or_default() += by);
}

pub(super) fn time(name: &'static str, latency: Duration) {
    let _ = CURRENT.try_with(|m| {
        let mut metrics = m.borrow_mut();
        let values = metrics.timings.entry(name).or_default();
        // Beyond EMF's limit the first hundred stand for the rest.
        if values.len() < MAX_VALUES {
            values.push(latency.as_secs_f64() * 1e3);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn each_request_gathers_its_own_figures() {
        let one = gathered(async {
            count("A", 1.0);
            tokio::task::yield_now().await;
            count("A", 2.0);
            time("T", Duration::from_millis(5));
        });
        let other = gathered(async {
            tokio::task::yield_now().await;
            count("B", 1.0);
        });
        let (((), one), ((), other)) = tokio::join!(one, other);
        assert_eq!(one.count_of("A"), Some(3.0));
        assert_eq!(one.count_of("B"), None);
        assert_eq!(one.timings_of("T"), &[5.0]);
        assert_eq!(other.count_of("B"), Some(1.0));
        assert_eq!(other.count_of("A"), None);
    }

    #[tokio::test]
    async fn outside_a_request_nothing_is_recorded_and_nothing_panics() {
        count("A", 1.0);
        time("T", Duration::from_millis(1));
        let ((), inside) = gathered(async {}).await;
        assert!(inside.is_empty());
    }

    #[tokio::test]
    async fn timings_stop_at_emfs_hundred_values() {
        let ((), m) = gathered(async {
            for _ in 0..150 {
                time("T", Duration::from_millis(1));
            }
        })
        .await;
        assert_eq!(m.timings_of("T").len(), MAX_VALUES);
    }
}
