//! The simulator handle: the shared state every route works on, and what tests
//! inspect and steer through it. Routes are in [`crate::router`], built on this
//! handle; nothing here knows them.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Instant;

use serde_json::Value;

use crate::identity::openid_for;
use crate::mint::{self, seal_for};
use crate::open_data::OpenData;
use crate::outbox::Outbox;
use crate::phone::PhoneSpec;
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
///   code) picks the user, whose openid is [`openid_for`]`(appid, label)`;
///   `unionid=<label>` adds [`unionid_for`](crate::unionid_for)`(label)`;
///   `errcode=<n>` or `body=garbage|truncated|html|empty` make it fail,
///   `times=<k>` only for the first `k` presentations of that code;
///   `delay_ms=<n>` delays the answer; `n=<x>` is an ignored nonce.
///   Anything else gets 40029, as does a code minted for another app
///   ([`mint_login_code`](Self::mint_login_code)). Codes are single-use
///   (40163 once exchanged).
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
///   `countryCode` is a string or a number as the [`PhoneSpec`] says.
///   Errors: 41001 no token, 40001 unknown or invalidated token, 42001
///   expired token, 40029 unknown, used (single-use), expired (5 min), other
///   app's or other user's (`openid` given) code, 47001 body not JSON or no
///   `code`.
/// - `GET /wxa/checksession?access_token=&openid=&signature=&sig_method=hmac_sha256`:
///   `{"errcode":0,"errmsg":"ok"}` when `signature` is
///   [`session_signature`](crate::session_signature) of the user's current
///   session key (that of their latest login or reset), otherwise 87009
///   `invalid signature` (also for a user who never logged in, a missing
///   `openid` or `signature`, or another `sig_method`).
/// - `GET /wxa/resetusersessionkey` (same parameters, same checks):
///   `{"errcode":0,"errmsg":"ok","openid","session_key"}` with a new session
///   key, which becomes the user's current one: the old key then fails
///   `checksession`, and open data minted before no longer decrypts with the
///   current key.
///
///   Both take the access-token errors of `getuserphonenumber` (41001, 40001,
///   42001) and its injected failures
///   ([`fail_next_access_token_use`](Self::fail_next_access_token_use), e.g.
///   `-1` busy or `45011` too frequent).
/// - `POST /wxa/msg_sec_check?access_token=` with
///   `{"content","version":2,"scene","openid"}`: `{"errcode":0,"errmsg":"ok",
///   "result":{"suggest","label"},"detail":[…],"trace_id"}`, the verdict from
///   a word list: `违规` risky 20001, `赌博` risky 20006, `诈骗` risky 20008,
///   `广告` review 10001, anything else pass 100. Errors: the access-token
///   errors and injected failures above (e.g. `-1`, `61010`, `45009`), 47001
///   body not JSON, `version` not 2, `content` empty or over 2,500
///   characters, 40129 `scene` not 1 to 4, 40003 an `openid` nobody logged in
///   with, 43104 one of another app, 61010 one whose latest login is more
///   than 2 hours old. [`delay_next_msg_sec_check`](Self::delay_next_msg_sec_check)
///   holds an answer back.
/// - `POST /wxa/media_check_async?access_token=` with
///   `{"media_url","media_type":2,"version":2,"scene","openid"}`:
///   `{"errcode":0,"errmsg":"ok","trace_id"}`. Errors: those of
///   `msg_sec_check` (access token, injected failures, 47001 for a body not
///   JSON or `version` not 2, 40129, 40003, 43104, 61010), 40004 `media_type`
///   not 2, 47001 `media_url` missing or not http(s). Afterwards the image is
///   fetched and its verdict pushed as a `wxa_media_check` event to the
///   app's push target ([`set_push_target`](Self::set_push_target)): bytes
///   containing `WXSIM-RISKY` risky 20002, `WXSIM-REVIEW` review 21000,
///   anything else pass 100, a failed download `errcode` -1008 without
///   `result`. See [`hold_media_events`](Self::hold_media_events),
///   [`release_media_events`](Self::release_media_events) and
///   [`delivered_pushes`](Self::delivered_pushes).
///
/// All WeChat endpoints answer status 200, with WeChat's error bodies
/// `{"errcode":N,"errmsg":"<text>, rid: <id>"}`.
///
/// Control routes (the simulator's own, plain JSON), for driving a
/// walk-through with curl or a stand-in for the WeChat client library;
/// `appid` defaults to the first app given to [`new`](Self::new), `user` is a
/// user label as in login codes, and for the `profile` and `phone-*` routes a
/// user who never logged in gets 404 `{"error":"..."}`:
/// - `POST /sim/mint/login-code` `{"appid"?,"user"}` → `{"code"}`, a fresh
///   single-use login code as `wx.login` gets one
///   ([`mint_login_code`](Self::mint_login_code));
/// - `POST /sim/check-session` `{"code"}` → `{"valid"}`, what
///   `wx.checkSession` answers the device whose latest `wx.login` returned
///   `code` ([`is_login_current`](Self::is_login_current));
/// - `POST /sim/mint/profile` `{"appid"?,"user","nickName"?,"avatarUrl"?,"unionid"?}`
///   → `{"encryptedData","iv","rawData","signature"}`;
/// - `POST /sim/mint/phone-code` `{"appid"?,"user","phoneNumber"?,"countryCode"?}`
///   → `{"code"}` (`phoneNumber` without country code, default the user's own number, [`crate::phone_for`];
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
    outbox: Mutex<Outbox>,
    /// The client WeChat's side uses to fetch images and push events, built
    /// on first use (most tests never need it).
    http: OnceLock<reqwest::Client>,
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
                outbox: Mutex::new(Outbox::default()),
                http: OnceLock::new(),
            }),
        }
    }

    /// The session key WeChat currently holds for user `openid` of app
    /// `appid`: the one handed out by their latest successful login, which is
    /// what WeChat encrypts the user's data with.
    pub fn current_session_key(&self, appid: &str, openid: &str) -> Option<String> {
        self.world().app(appid)?.user(openid)?.session_key.clone()
    }

    /// How many requests reached `endpoint` (the last path segment:
    /// `"jscode2session"`, `"stable_token"`, `"getuserphonenumber"`,
    /// `"checksession"`, `"resetusersessionkey"`, `"msg_sec_check"` or
    /// `"media_check_async"`) so far, whatever their
    /// outcome. Control routes are not counted.
    pub fn calls(&self, endpoint: &str) -> u64 {
        self.lock_calls().get(endpoint).copied().unwrap_or(0)
    }

    /// Makes the next use of a currently valid access token of `appid` (by
    /// `getuserphonenumber`, `checksession`, `resetusersessionkey`,
    /// `msg_sec_check` or `media_check_async`) fail
    /// once with `errcode`, as when another server refreshed the token
    /// (`40001`) or it just expired (`42001`).
    ///
    /// With 40001 the token is invalidated, with 42001 it is expired; either
    /// way a refetch through `stable_token` in normal mode returns a new token,
    /// and the request can be retried with it (the phone code is not used up
    /// by the refused call). Any other errcode (e.g. `-1` busy, `45011` too
    /// frequent) is answered once and leaves the token valid. Several calls queue several failures, answered
    /// in order. Uses of unknown, invalidated or expired tokens do not consume
    /// a queued failure.
    ///
    /// # Panics
    /// If `appid` is not one of the simulator's apps, or `errcode` is 0.
    pub fn fail_next_access_token_use(&self, appid: &str, errcode: i64) {
        assert_ne!(errcode, 0, "0 is WeChat's success, not an error");
        self.world()
            .app_mut(appid)
            .unwrap_or_else(|| panic!("unknown appid {appid:?}"))
            .tokens
            .fail_next_use(errcode);
    }

    /// Makes the next `msg_sec_check` of `appid` answer only after `delay`
    /// (whatever it answers), as when WeChat is slow: a client with a shorter
    /// timeout sees no answer. Several calls queue several delays, used in
    /// order by the checks that get past the access token.
    ///
    /// # Panics
    /// If `appid` is not one of the simulator's apps.
    pub fn delay_next_msg_sec_check(&self, appid: &str, delay: std::time::Duration) {
        self.world()
            .app_mut(appid)
            .unwrap_or_else(|| panic!("unknown appid {appid:?}"))
            .tokens
            .delay_next_check(delay);
    }

    /// Expires every access token of `appid` now: using one answers `42001
    /// access_token expired`, and `stable_token` in normal mode mints a new
    /// one.
    ///
    /// # Panics
    /// If `appid` is not one of the simulator's apps.
    pub fn expire_access_tokens(&self, appid: &str) {
        self.world()
            .app_mut(appid)
            .unwrap_or_else(|| panic!("unknown appid {appid:?}"))
            .tokens
            .expire_all(Instant::now());
    }

    /// A fresh single-use login code for user `user_label` of app `appid`, as
    /// `wx.login` gets one from WeChat: `jscode2session` of `appid` logs the
    /// user in with it once (40163 after that), another app's gets 40029. The
    /// code is in the login-code language (`user=<label>;n=<nonce>`), but
    /// nothing should rely on that.
    ///
    /// # Panics
    /// If `appid` is not one of the simulator's apps, or `user_label` is
    /// empty or contains `;`.
    pub fn mint_login_code(&self, appid: &str, user_label: &str) -> String {
        mint::mint_login_code(&mut self.world(), appid, user_label)
            .unwrap_or_else(|refused| panic!("{refused}"))
    }

    /// Whether the login state that login code `code` started is still
    /// current, as `wx.checkSession` reports it to the device whose latest
    /// `wx.login` returned `code`: true while the session key that
    /// exchanging the code produced is still its user's current one; false
    /// after a later login of that user to that app or a
    /// `resetusersessionkey`, and for a code never exchanged.
    pub fn is_login_current(&self, code: &str) -> bool {
        self.world().is_login_current(code)
    }

    /// A phone code for user `user_label` of app `appid`, as
    /// `<button open-type="getPhoneNumber">` hands it to the mini-program:
    /// `getuserphonenumber` redeems it once, within 5 minutes, for `phone`.
    ///
    /// The user need not have logged in (WeChat knows their phone number
    /// anyway), but the code only works with an access token of `appid`, and
    /// with `openid` only if it is [`openid_for`]`(appid, user_label)`.
    ///
    /// # Panics
    /// If `appid` is not one of the simulator's apps, or `phone` is not a
    /// plausible number (country code: 1 to 4 digits without leading 0;
    /// number: 4 to 15 digits).
    pub fn mint_phone_code(&self, appid: &str, user_label: &str, phone: &PhoneSpec) -> String {
        if let Err(reason) = phone.check() {
            panic!("{reason}");
        }
        let openid = openid_for(appid, user_label);
        self.world()
            .app_mut(appid)
            .unwrap_or_else(|| panic!("unknown appid {appid:?}"))
            .phone_codes
            .mint(&openid, phone.clone(), Instant::now())
    }

    /// `payload` encrypted for user `user_label` of app `appid` as WeChat
    /// hands open data to the mini-program: with a `watermark`
    /// `{"timestamp": now, "appid": appid}` appended as the last member, under
    /// the user's current session key (that of their latest login) and a
    /// random iv. See [`profile_payload`](crate::profile_payload) and
    /// [`phone_payload`](crate::phone_payload) for WeChat's shapes.
    ///
    /// User info (a payload with a `nickName`) also gets `raw_data` and
    /// `signature`; other payloads get `None` for both. A `watermark` already
    /// in `payload` is kept, to forge a foreign or stale one.
    ///
    /// `None` if the user never logged in to `appid` (or `appid` is unknown):
    /// WeChat has no session key to encrypt with. A later login rotates the
    /// key, after which data minted before no longer decrypts with the
    /// current key, as happens when a mini-program calls `wx.login` again.
    ///
    /// # Panics
    /// If `payload` is not a JSON object.
    pub fn mint_open_data(
        &self,
        appid: &str,
        user_label: &str,
        payload: Value,
    ) -> Option<OpenData> {
        seal_for(&self.world(), appid, user_label, &payload).ok()
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

    /// Locks the push state. Never hold the guard across an `.await`.
    pub(crate) fn outbox(&self) -> MutexGuard<'_, Outbox> {
        self.shared
            .outbox
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The outbound HTTP client (image downloads, pushes).
    pub(crate) fn http(&self) -> &reqwest::Client {
        self.shared.http.get_or_init(reqwest::Client::new)
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
