//! WeChat's side of an image check after `media_check_async` answered: fetch
//! the image, judge it ([`crate::media`]), and push the `wxa_media_check`
//! event in secure mode ([`crate::push`]) to the app's push target. Also the
//! test controls around it: push targets, holding and releasing events, and
//! the record of deliveries.
//!
//! Deliveries: a push is answered well by status 200 with the body `success`
//! or an empty body. Any other answer, no connection, or no answer within 5
//! seconds is retried at once with the same URL and body (the same
//! `timestamp`, `nonce` and `Encrypt`, as WeChat's retries), at most 3 times;
//! every attempt is recorded ([`Simulator::delivered_pushes`]). An app
//! without a push target gets no events (as on WeChat, where an app without
//! a message-push URL does not get them).

use std::time::Duration;

use crate::clock;
use crate::identity::original_id_for;
use crate::media::{self, EventFacts, MAX_IMAGE_BYTES};
use crate::outbox::{DeliveredPush, MediaJob};
use crate::push::{self, PushTarget};
use crate::simulator::Simulator;

/// Retries after the first attempt.
const RETRIES: usize = 3;
/// How long WeChat waits for the push URL's answer.
const PUSH_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the simulator waits for an image.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

impl Simulator {
    /// Sends `appid`'s message pushes (the `wxa_media_check` events) to
    /// `target`, in secure mode and JSON format, as configured in the
    /// mini-program admin. Replaces an earlier target.
    ///
    /// # Panics
    /// If `appid` is not one of the simulator's apps, or the target's
    /// `encoding_aes_key` is not a 43-character EncodingAESKey.
    pub fn set_push_target(&self, appid: &str, target: PushTarget) {
        self.expect_app(appid);
        assert!(
            push::aes_key(&target.encoding_aes_key).is_some(),
            "encoding_aes_key must be 43 base64 characters for 32 bytes"
        );
        self.outbox().set_target(appid, target);
    }

    /// Keeps `appid`'s image checks from now on queued, their images not yet
    /// fetched and their events not pushed, until
    /// [`release_media_events`](Self::release_media_events). By default each
    /// is handled right after `media_check_async` answers.
    ///
    /// # Panics
    /// If `appid` is not one of the simulator's apps.
    pub fn hold_media_events(&self, appid: &str) {
        self.expect_app(appid);
        self.outbox().hold(appid);
    }

    /// Ends the hold on `appid` and handles its queued checks one after the
    /// other, oldest first: fetches each image and pushes its event (with the
    /// retries described in the module docs), returning when all are done.
    /// Returns how many events were pushed (0 without a push target, whose
    /// events are dropped).
    pub async fn release_media_events(&self, appid: &str) -> usize {
        let jobs = self.outbox().release(appid);
        let mut pushed = 0;
        for job in jobs {
            if self.run_media_job(job).await {
                pushed += 1;
            }
        }
        pushed
    }

    /// Every push attempt so far, oldest first, with the receiver's answer: a
    /// test can check one or replay it.
    pub fn delivered_pushes(&self) -> Vec<DeliveredPush> {
        self.outbox().delivered()
    }

    /// Takes an accepted check: queued when its app is held, otherwise run
    /// in a task of its own (the answer does not wait for it).
    pub(crate) fn accept_media_job(&self, job: MediaJob) {
        if let Some(job) = self.outbox().queue_if_held(job) {
            let sim = self.clone();
            tokio::spawn(async move {
                sim.run_media_job(job).await;
            });
        }
    }

    /// Fetches, judges and pushes one check; false when the app has no push
    /// target (nothing is fetched then either).
    async fn run_media_job(&self, job: MediaJob) -> bool {
        let Some(target) = self.outbox().target(&job.appid) else {
            tracing::warn!(appid = %job.appid, "no push target: wxa_media_check event dropped");
            return false;
        };
        let verdict = self
            .fetch_image(&job.media_url)
            .await
            .map(|image| media::judge(&image));
        let original_id = original_id_for(&job.appid);
        let facts = EventFacts {
            original_id: &original_id,
            openid: &job.openid,
            appid: &job.appid,
            trace_id: &job.trace_id,
            create_time: clock::unix_now(),
        };
        let event = media::event_json(&facts, verdict);
        self.push(&target, &job, &original_id, &event).await;
        true
    }

    /// The image at `url`, or `None` when WeChat could not download it.
    async fn fetch_image(&self, url: &str) -> Option<Vec<u8>> {
        let mut response = self
            .http()
            .get(url)
            .timeout(FETCH_TIMEOUT)
            .send()
            .await
            .ok()?;
        if response.status() != reqwest::StatusCode::OK
            || response
                .content_length()
                .is_some_and(|len| len > MAX_IMAGE_BYTES as u64)
        {
            return None;
        }
        // Read in chunks: a body without a length stops at the limit too.
        let mut image = Vec::new();
        while let Some(chunk) = response.chunk().await.ok()? {
            image.extend_from_slice(&chunk);
            if image.len() > MAX_IMAGE_BYTES {
                return None;
            }
        }
        Some(image)
    }

    /// Pushes `event` to `target`, retrying a bad answer.
    async fn push(&self, target: &PushTarget, job: &MediaJob, original_id: &str, event: &str) {
        let Some(envelope) = push::envelope(target, &job.appid, original_id, &job.openid, event)
        else {
            return;
        };
        for _ in 0..=RETRIES {
            let (status, answer) = match self
                .http()
                .post(&envelope.url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(envelope.body.clone())
                .timeout(PUSH_TIMEOUT)
                .send()
                .await
            {
                Ok(response) => {
                    let status = response.status().as_u16();
                    (status, response.text().await.unwrap_or_default())
                }
                Err(error) => (0, error.to_string()),
            };
            let accepted = status == 200 && matches!(answer.as_str(), "" | "success");
            self.outbox().record(DeliveredPush {
                url: envelope.url.clone(),
                body: envelope.body.clone(),
                status,
                answer,
            });
            if accepted {
                return;
            }
        }
        tracing::warn!(appid = %job.appid, trace_id = %job.trace_id, "push refused after retries");
    }

    /// # Panics
    /// If `appid` is not one of the simulator's apps.
    fn expect_app(&self, appid: &str) {
        assert!(self.world().app(appid).is_some(), "unknown appid {appid:?}");
    }
}
