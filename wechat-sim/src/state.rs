//! Everything the simulated WeChat remembers, per app and per user.
//!
//! All of it sits behind one mutex (see [`crate::Simulator`]) and is only
//! touched in short synchronous sections, so each request sees and updates a
//! consistent world (e.g. two racing exchanges of one code can't both win).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::access_token::AccessTokens;
use crate::errors;
use crate::identity::new_session_key;
use crate::phone::PhoneCodes;
use crate::signature::session_signature;

/// How long after a login WeChat still checks a user's content
/// (`msg_sec_check`, `media_check_async`).
pub(crate) const VISIT_WINDOW: Duration = Duration::from_secs(2 * 3_600);

/// The simulated WeChat: the known mini-programs by appid.
#[derive(Debug, Default)]
pub(crate) struct World {
    apps: HashMap<String, App>,
    /// The appid given first, the default of the `/sim/` control routes.
    first_appid: Option<String>,
    /// Login codes minted as `wx.login` gets them, with the appid each is
    /// for: only that app can exchange it.
    minted_login_codes: HashMap<String, String>,
}

/// One mini-program.
#[derive(Debug)]
pub(crate) struct App {
    /// The AppSecret callers must present.
    pub(crate) secret: String,
    /// Users who logged in to this app, by openid.
    pub(crate) users: HashMap<String, User>,
    /// Login codes presented for this app, by code text.
    pub(crate) codes: HashMap<String, CodeUse>,
    /// Access tokens handed out by `stable_token`.
    pub(crate) tokens: AccessTokens,
    /// Phone codes minted for this app's users.
    pub(crate) phone_codes: PhoneCodes,
}

/// A user as seen by one app.
#[derive(Debug, Default)]
pub(crate) struct User {
    /// Key of the user's latest session; WeChat replaces it on every login and
    /// uses it to encrypt data handed to the mini-program.
    pub(crate) session_key: Option<String>,
    /// The user's unionid, when bound to an open-platform account.
    pub(crate) unionid: Option<String>,
    /// When the user last logged in: WeChat checks a user's text
    /// (`msg_sec_check`) only within 2 hours of a visit.
    pub(crate) logged_in_at: Option<Instant>,
}

/// What happened to one login code so far.
#[derive(Debug, Default)]
pub(crate) struct CodeUse {
    /// How many times the code was presented (valid requests only).
    pub(crate) presentations: u64,
    /// The login the code's successful exchange produced, which uses it up.
    pub(crate) login: Option<CodeLogin>,
}

/// What exchanging a login code produced: the login state that `wx.login`
/// started, which `wx.checkSession` asks about.
#[derive(Debug, Clone)]
pub(crate) struct CodeLogin {
    /// The user who logged in.
    pub(crate) openid: String,
    /// The session key handed out for that login.
    pub(crate) session_key: String,
}

/// Why the credentials of a request are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CredentialError {
    UnknownAppid,
    WrongSecret,
}

impl CredentialError {
    /// The errcode WeChat answers refused credentials with.
    pub(crate) fn errcode(self) -> i64 {
        match self {
            Self::UnknownAppid => errors::INVALID_APPID,
            Self::WrongSecret => errors::INVALID_APPSECRET,
        }
    }
}

impl World {
    /// A world knowing the given `(appid, secret)` pairs; a repeated appid
    /// keeps its last secret.
    pub(crate) fn new(apps: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut world = Self::default();
        for (appid, secret) in apps {
            world.first_appid.get_or_insert_with(|| appid.clone());
            let app = App {
                secret,
                users: HashMap::new(),
                codes: HashMap::new(),
                tokens: AccessTokens::default(),
                phone_codes: PhoneCodes::default(),
            };
            world.apps.insert(appid, app);
        }
        world
    }

    /// The app `appid` if `secret` is its secret.
    pub(crate) fn authenticate(
        &mut self,
        appid: &str,
        secret: &str,
    ) -> Result<&mut App, CredentialError> {
        let app = self
            .apps
            .get_mut(appid)
            .ok_or(CredentialError::UnknownAppid)?;
        if app.secret != secret {
            return Err(CredentialError::WrongSecret);
        }
        Ok(app)
    }

    /// The app `appid`, if known.
    pub(crate) fn app(&self, appid: &str) -> Option<&App> {
        self.apps.get(appid)
    }

    /// The app `appid`, if known, for changing it.
    pub(crate) fn app_mut(&mut self, appid: &str) -> Option<&mut App> {
        self.apps.get_mut(appid)
    }

    /// The app that was given access token `token`, with its appid.
    pub(crate) fn token_owner(&mut self, token: &str) -> Option<(&str, &mut App)> {
        self.apps
            .iter_mut()
            .find(|(_, app)| app.tokens.knows(token))
            .map(|(appid, app)| (appid.as_str(), app))
    }

    /// Whether `openid` logged in to an app other than `appid` (WeChat's
    /// 43104 "openid not of this appid").
    pub(crate) fn is_user_elsewhere(&self, appid: &str, openid: &str) -> bool {
        self.apps
            .iter()
            .any(|(id, app)| id != appid && app.users.contains_key(openid))
    }

    /// Whether WeChat checks content for user `openid` of `appid` at `now`:
    /// 40003 for an openid nobody logged in with, 43104 for one of another
    /// app, 61010 when their latest login is older than [`VISIT_WINDOW`].
    pub(crate) fn check_visitor(&self, appid: &str, openid: &str, now: Instant) -> Result<(), i64> {
        let visited = self
            .app(appid)
            .and_then(|app| app.user(openid))
            .map(|user| user.logged_in_at);
        match visited {
            Some(Some(at)) if now.saturating_duration_since(at) <= VISIT_WINDOW => Ok(()),
            Some(_) => Err(errors::CODE_EXPIRED),
            None if self.is_user_elsewhere(appid, openid) => Err(errors::OPENID_OF_OTHER_APP),
            None => Err(errors::INVALID_OPENID),
        }
    }

    /// Records `code`, minted as `wx.login` gets one, as a code for `appid`.
    /// `None` (nothing recorded) for an unknown app.
    pub(crate) fn record_login_code(&mut self, appid: &str, code: String) -> Option<()> {
        self.apps.get(appid)?;
        self.minted_login_codes.insert(code, appid.to_owned());
        Some(())
    }

    /// The app a minted login code is for; `None` for codes not minted
    /// (self-describing codes written by tests work with any app).
    pub(crate) fn login_code_app(&self, code: &str) -> Option<&str> {
        self.minted_login_codes.get(code).map(String::as_str)
    }

    /// Whether the login state that `code` started is still current, as
    /// `wx.checkSession` reports it: the code was exchanged and the session
    /// key that exchange produced is still the user's current one (no later
    /// login or `resetusersessionkey` replaced it). False for a code never
    /// exchanged.
    pub(crate) fn is_login_current(&self, code: &str) -> bool {
        self.apps.values().any(|app| {
            app.codes
                .get(code)
                .and_then(|code_use| code_use.login.as_ref())
                .is_some_and(|login| {
                    app.user(&login.openid)
                        .and_then(|user| user.session_key.as_deref())
                        == Some(login.session_key.as_str())
                })
        })
    }

    /// The appid given first to [`World::new`], if any.
    pub(crate) fn first_appid(&self) -> Option<&str> {
        self.first_appid.as_deref()
    }

    /// The appids of all known apps, sorted.
    pub(crate) fn appids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self.apps.keys().map(String::as_str).collect();
        ids.sort_unstable();
        ids
    }
}

impl App {
    /// The user `openid`, if they ever logged in.
    pub(crate) fn user(&self, openid: &str) -> Option<&User> {
        self.users.get(openid)
    }

    /// Records a successful login of `openid` with a new session key.
    pub(crate) fn log_in(&mut self, openid: &str, session_key: String, unionid: Option<String>) {
        let user = self.users.entry(openid.to_owned()).or_default();
        user.session_key = Some(session_key);
        user.logged_in_at = Some(Instant::now());
        if unionid.is_some() {
            user.unionid = unionid;
        }
    }

    /// Whether `signature` is the login-state signature of the current session
    /// key of `openid` (false for a user who never logged in).
    pub(crate) fn signs_current_key(&self, openid: &str, signature: &str) -> bool {
        self.user(openid)
            .and_then(|user| user.session_key.as_deref())
            .is_some_and(|key| session_signature(key) == signature)
    }

    /// Replaces the session key of `openid` with a new one and returns it, as
    /// `resetusersessionkey` does: data sealed under the old key no longer
    /// decrypts with the current one. `None` for a user who never logged in.
    pub(crate) fn reset_session_key(&mut self, openid: &str) -> Option<String> {
        let user = self.users.get_mut(openid)?;
        user.session_key.as_ref()?;
        let key = new_session_key();
        user.session_key = Some(key.clone());
        Some(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_is_checked_for_recent_visitors_of_the_app_only() {
        let mut world = World::new([
            ("a".to_owned(), "s".to_owned()),
            ("b".to_owned(), "s".to_owned()),
        ]);
        let logged_in = Instant::now();
        world
            .app_mut("a")
            .unwrap()
            .log_in("o-alice", "k".into(), None);
        assert_eq!(world.check_visitor("a", "o-alice", logged_in), Ok(()));
        let edge = logged_in + VISIT_WINDOW;
        assert_eq!(world.check_visitor("a", "o-alice", edge), Ok(()));
        let late = edge + Duration::from_secs(2);
        assert_eq!(
            world.check_visitor("a", "o-alice", late),
            Err(errors::CODE_EXPIRED)
        );
        assert_eq!(
            world.check_visitor("b", "o-alice", logged_in),
            Err(errors::OPENID_OF_OTHER_APP)
        );
        assert_eq!(
            world.check_visitor("a", "o-nobody", logged_in),
            Err(errors::INVALID_OPENID)
        );
    }
}
