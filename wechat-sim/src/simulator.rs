//! The simulator handle: shared state, routes and inspection for tests.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::routing::{get, post};

use crate::state::World;
use crate::{control, getuserphonenumber, jscode2session, stable_token};

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
/// - `POST /cgi-bin/stable_token` with
///   `{"grant_type":"client_credential","appid","secret","force_refresh"?}`:
///   `{"access_token":"86_...","expires_in":7200}`. Normal mode returns the
///   same token while it has more than 5 minutes left (`expires_in` counting
///   down), then a new one while the old one lives out its 7200 s;
///   `force_refresh: true` invalidates the live tokens and mints a new one.
///   Errors: 40013 unknown appid, 40125 wrong secret, 40002 bad `grant_type`,
///   41002/41004 no appid/secret, 47001 body not JSON.
/// - `POST /wxa/business/getuserphonenumber?access_token=` with
///   `{"code","openid"?}`: `{"errcode":0,"errmsg":"ok","phone_info":{"phoneNumber",
///   "purePhoneNumber","countryCode","watermark":{"timestamp","appid"}}}`.
///   The code comes from [`mint_phone_code`](Self::mint_phone_code) (or
///   `POST /sim/mint/phone-code`). `phoneNumber` is the bare number for
///   `86` and `+<country code><number>` otherwise (`+85261234567`);
///   `countryCode` is a string or a number as the [`PhoneSpec`](crate::PhoneSpec) says.
///   Errors: 41001 no token, 40001 unknown or invalidated token, 42001
///   expired token, 40029 unknown, used (single-use), expired (5 min), other
///   app's or other user's (`openid` given) code, 47001 body not JSON or no
///   `code`.
///
/// All WeChat endpoints answer status 200, with WeChat's error bodies
/// `{"errcode":N,"errmsg":"<text>, rid: <id>"}`.
///
/// Control routes (the simulator's own, plain JSON), for driving a
/// walk-through with curl; `appid` defaults to the first app given to
/// [`new`](Self::new), `user` is a user label as in login codes, and a user
/// who never logged in gets 404 `{"error":"..."}`:
/// - `POST /sim/mint/profile` `{"appid"?,"user","nickName"?,"avatarUrl"?,"unionid"?}`
///   → `{"encryptedData","iv","rawData","signature"}`;
/// - `POST /sim/mint/phone-code` `{"appid"?,"user","phoneNumber"?,"countryCode"?}`
///   → `{"code"}` (`phoneNumber` without country code, default `13800138000`;
///   `countryCode` default `"86"`, a JSON number is answered as a number);
/// - `POST /sim/mint/phone-data` (same body) → `{"encryptedData","iv"}`.
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

    /// All simulated endpoints and the `/sim/` control routes, for serving
    /// them from a host server (the dev server mounts them next to its own
    /// routes). There is no fallback route, so the router merges into one
    /// that has its own.
    pub fn router(&self) -> Router {
        Router::new()
            .route(jscode2session::PATH, get(jscode2session::handle))
            .route(stable_token::PATH, post(stable_token::handle))
            .route(getuserphonenumber::PATH, post(getuserphonenumber::handle))
            .merge(control::routes())
            .with_state(self.clone())
    }

    /// The session key WeChat currently holds for user `openid` of app
    /// `appid`: the one handed out by their latest successful login, which is
    /// what WeChat encrypts the user's data with.
    pub fn current_session_key(&self, appid: &str, openid: &str) -> Option<String> {
        self.world().app(appid)?.user(openid)?.session_key.clone()
    }

    /// How many requests reached `endpoint` (the last path segment:
    /// `"jscode2session"`, `"stable_token"` or `"getuserphonenumber"`) so
    /// far, whatever their outcome. Control routes are not counted.
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
