//! The simulator handle: shared state, routes and inspection for tests.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::routing::get;

use crate::jscode2session;
use crate::state::World;

/// A simulated WeChat server for a fixed set of mini-programs.
///
/// Cloning is cheap and clones share state, so a test can keep one clone to
/// inspect ([`current_session_key`](Self::current_session_key),
/// [`calls`](Self::calls)) while the server serves another.
///
/// Endpoints (paths as on `https://api.weixin.qq.com`):
/// - `GET /sns/jscode2session?appid=&secret=&js_code=&grant_type=authorization_code`.
///   The `js_code` chooses the behaviour: parts separated by `;`, each
///   `key=value` or a bare user label. `user=<label>` (default: the whole
///   code) picks the user, whose openid is [`openid_for`](crate::openid_for)`(appid, label)`;
///   `unionid=<label>` adds [`unionid_for`](crate::unionid_for)`(label)`;
///   `errcode=<n>` or `body=garbage|truncated|html|empty` make it fail,
///   `times=<k>` only for the first `k` presentations of that code;
///   `delay_ms=<n>` delays the answer; `n=<x>` is an ignored nonce.
///   Anything else gets 40029. Codes are single-use (40163 once exchanged).
#[derive(Clone)]
pub struct Simulator {
    shared: Arc<Shared>,
}

/// State shared by all clones of a [`Simulator`].
struct Shared {
    world: Mutex<World>,
    calls: Mutex<HashMap<&'static str, u64>>,
}

impl Simulator {
    /// A simulator knowing the mini-programs given as `(appid, secret)` pairs.
    pub fn new<I, A, S>(apps: I) -> Self
    where
        I: IntoIterator<Item = (A, S)>,
        A: Into<String>,
        S: Into<String>,
    {
        let apps = apps
            .into_iter()
            .map(|(appid, secret)| (appid.into(), secret.into()));
        Self {
            shared: Arc::new(Shared {
                world: Mutex::new(World::new(apps)),
                calls: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// All simulated endpoints, for serving them from a host server (the dev
    /// server mounts them next to its own routes). There is no fallback route,
    /// so the router merges into one that has its own.
    pub fn router(&self) -> Router {
        Router::new()
            .route(jscode2session::PATH, get(jscode2session::handle))
            .with_state(self.clone())
    }

    /// The session key WeChat currently holds for user `openid` of app
    /// `appid`: the one handed out by their latest successful login, which is
    /// what WeChat encrypts the user's data with.
    pub fn current_session_key(&self, appid: &str, openid: &str) -> Option<String> {
        self.world().app(appid)?.user(openid)?.session_key.clone()
    }

    /// How many requests reached `endpoint` (the last path segment, e.g.
    /// `"jscode2session"`) so far, whatever their outcome.
    pub fn calls(&self, endpoint: &str) -> u64 {
        self.lock_calls().get(endpoint).copied().unwrap_or(0)
    }

    /// Counts one request to `endpoint`.
    pub(crate) fn count_call(&self, endpoint: &'static str) {
        *self.lock_calls().entry(endpoint).or_insert(0) += 1;
    }

    /// Locks the simulated world. Never hold the guard across an `.await`.
    ///
    /// A panic elsewhere (e.g. in a failing test) does not make the world
    /// unusable: every update leaves it consistent, so poisoning is ignored.
    pub(crate) fn world(&self) -> MutexGuard<'_, World> {
        self.shared
            .world
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_calls(&self) -> MutexGuard<'_, HashMap<&'static str, u64>> {
        self.shared
            .calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for Simulator {
    /// Shows the appids only; secrets stay out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simulator")
            .field("apps", &self.world().appids())
            .finish_non_exhaustive()
    }
}
