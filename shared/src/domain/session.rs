//! Our own login sessions. A session starts at a login, on the identity that
//! logged in; its refresh token is a random secret of which only a hash is
//! kept; it slides forward with every refresh, up to an absolute lifetime.

use super::SessionId;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How long tokens and sessions live, and the grace for a retried refresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// An access token's lifetime (capped by its session's expiry).
    pub access_ttl_secs: u64,
    /// A session ends this long after its last refresh (sliding).
    pub refresh_ttl_secs: u64,
    /// ... and at the latest this long after its login (absolute).
    pub max_lifetime_secs: u64,
    /// For this long after a rotation, the refresh token it replaced still
    /// rotates (a client retrying an answer it lost); 0 turns it off.
    pub reuse_grace_secs: u64,
}

impl SessionPolicy {
    /// When a session created at `created_at` and refreshed `now` expires.
    pub fn expiry(&self, created_at: u64, now: u64) -> u64 {
        (now + self.refresh_ttl_secs).min(created_at + self.max_lifetime_secs)
    }

    /// When an access token issued `now` for `session` expires.
    pub fn access_expiry(&self, session: &Session, now: u64) -> u64 {
        (now + self.access_ttl_secs).min(session.expires_at)
    }
}

/// The SHA-256 of a refresh token's secret (base64url): all that is stored.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RefreshHash(String);

impl RefreshHash {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A refresh token's secret: 256 random bits. Never logged, never stored.
#[derive(Clone, PartialEq, Eq)]
pub struct RefreshSecret(String);

impl RefreshSecret {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        aws_lc_rs::rand::fill(&mut bytes).expect("the system random source works");
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// A secret read from a presented refresh token: 43 base64url characters.
    pub fn parse(text: &str) -> Option<Self> {
        (text.len() == 43 && URL_SAFE_NO_PAD.decode(text).is_ok_and(|b| b.len() == 32))
            .then(|| Self(text.to_owned()))
    }

    pub fn hash(&self) -> RefreshHash {
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, self.0.as_bytes());
        RefreshHash(URL_SAFE_NO_PAD.encode(digest.as_ref()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for RefreshSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RefreshSecret(<redacted>)")
    }
}

/// A session as stored on its identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub id: SessionId,
    /// Unix seconds of the login.
    pub created_at: u64,
    /// Unix seconds of the last refresh (the login, before any).
    pub refreshed_at: u64,
    /// Unix seconds; refused from then on.
    pub expires_at: u64,
    pub refresh_hash: RefreshHash,
    /// The hash the last rotation replaced, and when: a retry within the grace
    /// window, a stolen copy after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_hash: Option<RefreshHash>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotated_at: Option<u64>,
}

impl Session {
    /// A session starting `now`, refreshed with `secret`.
    pub fn start(id: SessionId, secret: &RefreshSecret, now: u64, policy: &SessionPolicy) -> Self {
        Self {
            id,
            created_at: now,
            refreshed_at: now,
            expires_at: policy.expiry(now, now),
            refresh_hash: secret.hash(),
            previous_hash: None,
            rotated_at: None,
        }
    }

    pub fn live_at(&self, now: u64) -> bool {
        now < self.expires_at
    }
}

/// A session about to start: its stored state and the secret only its
/// refresh token carries. Drawn by the use case, so that rules stay pure.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub session: Session,
    pub secret: RefreshSecret,
}

impl NewSession {
    pub fn draw(now: u64, policy: &SessionPolicy) -> Self {
        let secret = RefreshSecret::generate();
        Self {
            session: Session::start(SessionId::generate(), &secret, now, policy),
            secret,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> SessionPolicy {
        SessionPolicy {
            access_ttl_secs: 900,
            refresh_ttl_secs: 1_000,
            max_lifetime_secs: 2_500,
            reuse_grace_secs: 5,
        }
    }

    #[test]
    fn a_session_slides_with_refreshes_up_to_its_absolute_lifetime() {
        let p = policy();
        assert_eq!(p.expiry(100, 100), 1_100);
        assert_eq!(p.expiry(100, 1_000), 2_000);
        assert_eq!(
            p.expiry(100, 2_000),
            2_600,
            "capped at created + max lifetime"
        );
        let new = NewSession::draw(100, &p);
        assert_eq!(p.access_expiry(&new.session, 100), 1_000);
        assert_eq!(
            p.access_expiry(&new.session, 900),
            1_100,
            "capped by the session"
        );
        assert!(new.session.live_at(1_099) && !new.session.live_at(1_100));
    }

    #[test]
    fn secrets_are_random_hashed_and_never_printed() {
        let (a, b) = (RefreshSecret::generate(), RefreshSecret::generate());
        assert_ne!(a, b);
        assert_eq!(a.expose().len(), 43);
        assert_eq!(RefreshSecret::parse(a.expose()), Some(a.clone()));
        assert_eq!(RefreshSecret::parse("short"), None);
        assert_ne!(a.hash(), b.hash());
        assert_ne!(a.hash().0, a.expose());
        assert!(!format!("{a:?}").contains(a.expose()));
    }
}
