//! What the simulator keeps about message pushes: each app's push target,
//! the image checks held back for a test, and a record of every delivery
//! attempt. Behind its own mutex (not the world's): deliveries happen after
//! the answer, outside any request.

use std::collections::{HashMap, VecDeque};

use crate::push::PushTarget;

/// One accepted `media_check_async`, waiting for its image to be fetched and
/// its event pushed.
#[derive(Debug, Clone)]
pub(crate) struct MediaJob {
    pub(crate) appid: String,
    pub(crate) openid: String,
    pub(crate) trace_id: String,
    pub(crate) media_url: String,
}

/// One push attempt, as the simulator sent it and as the receiver answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveredPush {
    /// The full URL, query included (`signature`, `timestamp`, `nonce`,
    /// `openid`, `encrypt_type=aes`, `msg_signature`).
    pub url: String,
    /// The JSON body `{"ToUserName","Encrypt"}`.
    pub body: String,
    /// The receiver's HTTP status; 0 when no answer came (connection refused,
    /// or none within 5 seconds).
    pub status: u16,
    /// The receiver's body (`success` is what WeChat wants), or why there was
    /// no answer.
    pub answer: String,
}

/// The push state of all apps.
#[derive(Debug, Default)]
pub(crate) struct Outbox {
    targets: HashMap<String, PushTarget>,
    /// Apps whose events are held, with the checks queued meanwhile.
    held: HashMap<String, VecDeque<MediaJob>>,
    delivered: Vec<DeliveredPush>,
}

impl Outbox {
    pub(crate) fn set_target(&mut self, appid: &str, target: PushTarget) {
        self.targets.insert(appid.to_owned(), target);
    }

    pub(crate) fn target(&self, appid: &str) -> Option<PushTarget> {
        self.targets.get(appid).cloned()
    }

    /// Holds `appid`'s events from now on (a second call keeps the queue).
    pub(crate) fn hold(&mut self, appid: &str) {
        self.held.entry(appid.to_owned()).or_default();
    }

    /// Queues `job` when its app is held; otherwise hands it back to run now.
    pub(crate) fn queue_if_held(&mut self, job: MediaJob) -> Option<MediaJob> {
        match self.held.get_mut(&job.appid) {
            Some(queue) => {
                queue.push_back(job);
                None
            }
            None => Some(job),
        }
    }

    /// Ends the hold on `appid` and hands over its queued checks, oldest first.
    pub(crate) fn release(&mut self, appid: &str) -> VecDeque<MediaJob> {
        self.held.remove(appid).unwrap_or_default()
    }

    pub(crate) fn record(&mut self, push: DeliveredPush) {
        self.delivered.push(push);
    }

    pub(crate) fn delivered(&self) -> Vec<DeliveredPush> {
        self.delivered.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(appid: &str, trace_id: &str) -> MediaJob {
        MediaJob {
            appid: appid.into(),
            openid: "o".into(),
            trace_id: trace_id.into(),
            media_url: "http://x/".into(),
        }
    }

    #[test]
    fn held_apps_queue_in_order_until_released() {
        let mut outbox = Outbox::default();
        assert!(outbox.queue_if_held(job("a", "1")).is_some());
        outbox.hold("a");
        assert!(outbox.queue_if_held(job("a", "2")).is_none());
        assert!(
            outbox.queue_if_held(job("b", "3")).is_some(),
            "only a is held"
        );
        assert!(outbox.queue_if_held(job("a", "4")).is_none());
        let released: Vec<String> = outbox
            .release("a")
            .into_iter()
            .map(|j| j.trace_id)
            .collect();
        assert_eq!(released, ["2", "4"]);
        assert!(
            outbox.queue_if_held(job("a", "5")).is_some(),
            "the hold ended"
        );
        assert!(outbox.release("a").is_empty());
    }
}
