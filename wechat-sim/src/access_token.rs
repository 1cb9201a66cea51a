//! Access tokens of one app, as `/cgi-bin/stable_token` hands them out and the
//! endpoints taking `?access_token=` check them, and break them on request
//! ([`Simulator::fail_next_access_token_use`](crate::Simulator::fail_next_access_token_use),
//! [`Simulator::expire_access_tokens`](crate::Simulator::expire_access_tokens)).
//!
//! WeChat's rules, as documented for the stable token:
//! - a token lives 7200 seconds;
//! - normal mode returns the current token while it has more than 5 minutes
//!   left; in its last 5 minutes a call gets a new token, and the old one stays
//!   usable until it expires (so every answer has `expires_in >= 300`);
//! - `force_refresh` invalidates every live token of the app at once and
//!   returns a new one. (WeChat allows it 20 times a day, 30 s apart; the
//!   simulator does not enforce that.)
//!
//! Functions take the current [`Instant`] so unit tests can travel in time.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use crate::errors::{ACCESS_TOKEN_EXPIRED, INVALID_CREDENTIAL};
use crate::identity::new_access_token;

/// How long a token is valid.
pub(crate) const LIFETIME: Duration = Duration::from_secs(7200);
/// Normal mode replaces the current token this long before it expires.
const RENEW_BEFORE: Duration = Duration::from_secs(300);

/// The access tokens one app was given.
#[derive(Debug, Default)]
pub(crate) struct AccessTokens {
    /// The token normal mode hands out, if any was minted.
    current: Option<String>,
    /// Every token ever minted for the app, so an old one is told apart from
    /// an unknown one only by its state, as WeChat does (both 40001).
    issued: HashMap<String, Issued>,
    /// Errors to answer on the next uses of a live token
    /// ([`Simulator::fail_next_access_token_use`](crate::Simulator::fail_next_access_token_use)).
    faults: VecDeque<i64>,
    /// Delays before the next `msg_sec_check` answers
    /// ([`Simulator::delay_next_msg_sec_check`](crate::Simulator::delay_next_msg_sec_check)).
    delays: VecDeque<Duration>,
}

/// One minted token.
#[derive(Debug)]
struct Issued {
    /// When it stops working (42001).
    expires_at: Instant,
    /// Invalidated before expiring (40001): by `force_refresh` or a fault.
    revoked: bool,
}

/// A token handed out by `stable_token`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Grant {
    pub(crate) token: String,
    /// Seconds left, rounded up: 7200 for a new token.
    pub(crate) expires_in: u64,
}

impl AccessTokens {
    /// Answers one `stable_token` call made at `now`.
    pub(crate) fn stable(&mut self, now: Instant, force_refresh: bool) -> Grant {
        if force_refresh {
            self.revoke_live(now);
        } else if let Some(grant) = self.current_grant(now) {
            return grant;
        }
        let token = new_access_token();
        let issued = Issued {
            expires_at: now + LIFETIME,
            revoked: false,
        };
        self.issued.insert(token.clone(), issued);
        self.current = Some(token.clone());
        Grant {
            token,
            expires_in: LIFETIME.as_secs(),
        }
    }

    /// Whether `token` was ever minted for this app.
    pub(crate) fn knows(&self, token: &str) -> bool {
        self.issued.contains_key(token)
    }

    /// Checks `token` for a call made at `now`: `Err(errcode)` if the call
    /// must be refused. A pending fault is consumed by the first use of a
    /// live token; 40001 revokes the token and 42001 expires it.
    pub(crate) fn use_token(&mut self, token: &str, now: Instant) -> Result<(), i64> {
        let Some(issued) = self.issued.get_mut(token) else {
            return Err(INVALID_CREDENTIAL);
        };
        if issued.revoked {
            return Err(INVALID_CREDENTIAL);
        }
        if now >= issued.expires_at {
            return Err(ACCESS_TOKEN_EXPIRED);
        }
        let Some(errcode) = self.faults.pop_front() else {
            return Ok(());
        };
        match errcode {
            INVALID_CREDENTIAL => issued.revoked = true,
            ACCESS_TOKEN_EXPIRED => issued.expires_at = now,
            _ => {}
        }
        Err(errcode)
    }

    /// Makes every live token expired as of `now`.
    pub(crate) fn expire_all(&mut self, now: Instant) {
        for issued in self.issued.values_mut() {
            issued.expires_at = issued.expires_at.min(now);
        }
    }

    /// Queues `errcode` for the next use of a live token.
    pub(crate) fn fail_next_use(&mut self, errcode: i64) {
        self.faults.push_back(errcode);
    }

    /// Queues a delay for the next `msg_sec_check` answer.
    pub(crate) fn delay_next_check(&mut self, delay: Duration) {
        self.delays.push_back(delay);
    }

    /// The delay queued for this `msg_sec_check` answer, if any.
    pub(crate) fn take_check_delay(&mut self) -> Option<Duration> {
        self.delays.pop_front()
    }

    /// The current token if normal mode may hand it out again at `now`.
    fn current_grant(&self, now: Instant) -> Option<Grant> {
        let token = self.current.as_ref()?;
        let issued = self.issued.get(token)?;
        if issued.revoked {
            return None;
        }
        let left = issued.expires_at.checked_duration_since(now)?;
        if left <= RENEW_BEFORE {
            return None;
        }
        Some(Grant {
            token: token.clone(),
            expires_in: left.as_secs() + u64::from(left.subsec_nanos() > 0),
        })
    }

    /// Revokes every token not expired at `now` (expired ones keep answering
    /// 42001).
    fn revoke_live(&mut self, now: Instant) {
        for issued in self.issued.values_mut() {
            if now < issued.expires_at {
                issued.revoked = true;
            }
        }
        self.current = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn normal_mode_returns_the_same_token_counting_down() {
        let mut tokens = AccessTokens::default();
        let start = Instant::now();
        let first = tokens.stable(start, false);
        assert_eq!(first.expires_in, 7200);
        let later = tokens.stable(start + Duration::from_millis(1500), false);
        assert_eq!(later.token, first.token);
        assert_eq!(later.expires_in, 7199, "seconds left, rounded up");
        let hour = tokens.stable(start + 3600 * SECOND, false);
        assert_eq!((hour.token, hour.expires_in), (first.token, 3600));
    }

    #[test]
    fn normal_mode_renews_in_the_last_five_minutes_and_keeps_the_old_token() {
        let mut tokens = AccessTokens::default();
        let start = Instant::now();
        let old = tokens.stable(start, false);
        let at = start + LIFETIME - 300 * SECOND;
        let new = tokens.stable(at, false);
        assert_ne!(new.token, old.token);
        assert_eq!(new.expires_in, 7200);
        assert_eq!(tokens.use_token(&old.token, at + SECOND), Ok(()));
        assert_eq!(
            tokens.use_token(&old.token, start + LIFETIME),
            Err(ACCESS_TOKEN_EXPIRED)
        );
        assert_eq!(tokens.use_token(&new.token, start + LIFETIME), Ok(()));
        assert_eq!(tokens.stable(at + 10 * SECOND, false).token, new.token);
    }

    #[test]
    fn expired_tokens_answer_42001_and_are_replaced() {
        let mut tokens = AccessTokens::default();
        let start = Instant::now();
        let old = tokens.stable(start, false);
        let end = start + LIFETIME;
        assert_eq!(tokens.use_token(&old.token, end), Err(ACCESS_TOKEN_EXPIRED));
        let new = tokens.stable(end, false);
        assert_ne!(new.token, old.token);
        assert_eq!(tokens.use_token(&new.token, end), Ok(()));
    }

    #[test]
    fn force_refresh_invalidates_live_tokens_only() {
        let mut tokens = AccessTokens::default();
        let start = Instant::now();
        let first = tokens.stable(start, false);
        let at = start + LIFETIME + SECOND;
        let second = tokens.stable(at, false);
        let third = tokens.stable(at, true);
        assert_ne!(third.token, second.token);
        assert_eq!(third.expires_in, 7200);
        assert_eq!(
            tokens.use_token(&first.token, at),
            Err(ACCESS_TOKEN_EXPIRED)
        );
        assert_eq!(tokens.use_token(&second.token, at), Err(INVALID_CREDENTIAL));
        assert_eq!(tokens.use_token(&third.token, at), Ok(()));
        assert_eq!(tokens.stable(at, false).token, third.token);
    }

    #[test]
    fn unknown_tokens_are_invalid() {
        let mut tokens = AccessTokens::default();
        assert!(!tokens.knows("86_nope"));
        assert_eq!(
            tokens.use_token("86_nope", Instant::now()),
            Err(INVALID_CREDENTIAL)
        );
    }

    #[test]
    fn faults_hit_live_tokens_once_each() {
        let mut tokens = AccessTokens::default();
        let now = Instant::now();
        let first = tokens.stable(now, false);
        tokens.fail_next_use(INVALID_CREDENTIAL);
        tokens.fail_next_use(ACCESS_TOKEN_EXPIRED);
        tokens.fail_next_use(-1);

        assert_eq!(tokens.use_token("86_nope", now), Err(INVALID_CREDENTIAL));
        assert_eq!(tokens.use_token(&first.token, now), Err(INVALID_CREDENTIAL));
        assert_eq!(
            tokens.use_token(&first.token, now),
            Err(INVALID_CREDENTIAL),
            "revoked for good"
        );

        let second = tokens.stable(now, false);
        assert_ne!(second.token, first.token);
        assert_eq!(
            tokens.use_token(&second.token, now),
            Err(ACCESS_TOKEN_EXPIRED)
        );
        assert_eq!(
            tokens.use_token(&second.token, now),
            Err(ACCESS_TOKEN_EXPIRED),
            "expired for good"
        );

        let third = tokens.stable(now, false);
        assert_ne!(third.token, second.token);
        assert_eq!(tokens.use_token(&third.token, now), Err(-1));
        assert_eq!(tokens.use_token(&third.token, now), Ok(()), "still valid");
        assert_eq!(tokens.stable(now, false).token, third.token);
    }

    #[test]
    fn expire_all_expires_every_token() {
        let mut tokens = AccessTokens::default();
        let now = Instant::now();
        let old = tokens.stable(now, false);
        tokens.expire_all(now);
        assert_eq!(tokens.use_token(&old.token, now), Err(ACCESS_TOKEN_EXPIRED));
        assert_ne!(tokens.stable(now, false).token, old.token);
    }
}
