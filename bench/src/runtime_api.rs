//! A minimal Lambda Runtime API (the part a function speaks: `next`,
//! `response`, `error`, `init/error`), one per function process, that notes
//! when things happen: the first `next` poll ends Lambda's Init Duration, and
//! an invocation lasts from handing out its event to its `response`.

use crate::loopback::LoopbackServer;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot, watch};

/// What a function answered to one invocation.
#[derive(Debug)]
pub struct Answer {
    /// When the `response` (or `error`) arrived.
    pub at: Instant,
    pub body: Vec<u8>,
    /// Posted to `/error` instead of `/response`.
    pub failed: bool,
}

struct Event {
    id: String,
    body: String,
}

struct Shared {
    first_poll: watch::Sender<Option<Instant>>,
    events: tokio::sync::Mutex<mpsc::UnboundedReceiver<Event>>,
    waiting: Mutex<HashMap<String, oneshot::Sender<Answer>>>,
    init_error: Mutex<Option<String>>,
}

/// A running Runtime API on 127.0.0.1.
pub struct RuntimeApi {
    server: LoopbackServer,
    shared: Arc<Shared>,
    queue: mpsc::UnboundedSender<Event>,
    first_poll: watch::Receiver<Option<Instant>>,
}

impl RuntimeApi {
    pub async fn start() -> std::io::Result<Self> {
        let (queue, events) = mpsc::unbounded_channel();
        let (first_poll_tx, first_poll) = watch::channel(None);
        let shared = Arc::new(Shared {
            first_poll: first_poll_tx,
            events: tokio::sync::Mutex::new(events),
            waiting: Mutex::new(HashMap::new()),
            init_error: Mutex::new(None),
        });
        let routes = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(|state: State<Arc<Shared>>, id: Path<String>, body: Bytes| {
                    answer(state, id, body, false)
                }),
            )
            .route(
                "/2018-06-01/runtime/invocation/{id}/error",
                post(|state: State<Arc<Shared>>, id: Path<String>, body: Bytes| {
                    answer(state, id, body, true)
                }),
            )
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(shared.clone());
        Ok(Self {
            server: LoopbackServer::start(routes).await?,
            shared,
            queue,
            first_poll,
        })
    }

    /// `host:port`, for `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> String {
        self.server.address.to_string()
    }

    /// When the function first asked for work, waiting up to `timeout`.
    pub async fn first_poll(&self, timeout: Duration) -> Option<Instant> {
        let mut first_poll = self.first_poll.clone();
        tokio::time::timeout(timeout, first_poll.wait_for(Option::is_some))
            .await
            .ok()?
            .ok()
            .and_then(|at| *at)
    }

    /// What the function posted to `init/error`, if anything.
    pub fn init_error(&self) -> Option<String> {
        self.shared.init_error.lock().expect("lock").clone()
    }

    /// Hands `event` to the function; answers the time until its response, and
    /// the response.
    pub async fn invoke(
        &self,
        event: String,
        timeout: Duration,
    ) -> Result<(Duration, Answer), String> {
        let id = uuid::Uuid::new_v4().to_string();
        let (tx, rx) = oneshot::channel();
        self.shared
            .waiting
            .lock()
            .expect("lock")
            .insert(id.clone(), tx);
        let sent = Instant::now();
        self.queue
            .send(Event { id, body: event })
            .map_err(|_| "runtime API stopped".to_owned())?;
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(answer)) => Ok((answer.at.duration_since(sent), answer)),
            Ok(Err(_)) => Err("invocation dropped".to_owned()),
            Err(_) => Err(format!("no answer within {timeout:?}")),
        }
    }
}

async fn next(State(shared): State<Arc<Shared>>) -> Response {
    let now = Instant::now();
    shared.first_poll.send_if_modified(|first| {
        if first.is_none() {
            *first = Some(now);
            true
        } else {
            false
        }
    });
    let Some(event) = shared.events.lock().await.recv().await else {
        return StatusCode::GONE.into_response();
    };
    let deadline = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        + Duration::from_secs(15);
    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    };
    set("lambda-runtime-aws-request-id", event.id);
    set(
        "lambda-runtime-deadline-ms",
        deadline.as_millis().to_string(),
    );
    set(
        "lambda-runtime-invoked-function-arn",
        "arn:aws:lambda:us-east-1:123456789012:function:wxauth-bench".to_owned(),
    );
    set(
        "lambda-runtime-trace-id",
        "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0".to_owned(),
    );
    set("content-type", "application/json".to_owned());
    (StatusCode::OK, headers, event.body).into_response()
}

async fn answer(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: Bytes,
    failed: bool,
) -> StatusCode {
    let at = Instant::now();
    let waiting = shared.waiting.lock().expect("lock").remove(&id);
    match waiting {
        Some(tx) => {
            let _ = tx.send(Answer {
                at,
                body: body.to_vec(),
                failed,
            });
            StatusCode::ACCEPTED
        }
        None => StatusCode::BAD_REQUEST,
    }
}

async fn init_error(State(shared): State<Arc<Shared>>, body: Bytes) -> StatusCode {
    *shared.init_error.lock().expect("lock") = Some(String::from_utf8_lossy(&body).into_owned());
    StatusCode::ACCEPTED
}
