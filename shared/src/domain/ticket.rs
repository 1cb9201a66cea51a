//! The login ticket: what a new openid gets instead of an account when
//! registration needs a number. Opaque, random, short-lived and single use;
//! stored only as a hash, bound to (appid, openid); not an access token.

use super::RefreshSecret;
use std::fmt;

const PREFIX: &str = "lt1.";

/// `lt1.` and a 256-bit random secret, the same kind of secret a refresh
/// token carries.
#[derive(Clone, PartialEq, Eq)]
pub struct LoginTicket {
    text: String,
    secret: RefreshSecret,
}

impl LoginTicket {
    pub fn generate() -> Self {
        let secret = RefreshSecret::generate();
        Self {
            text: format!("{PREFIX}{}", secret.expose()),
            secret,
        }
    }

    /// A presented ticket, if it has our shape.
    pub fn parse(text: &str) -> Option<Self> {
        let secret = RefreshSecret::parse(text.strip_prefix(PREFIX)?)?;
        Some(Self {
            text: text.to_owned(),
            secret,
        })
    }

    /// What it is stored under: its secret's SHA-256.
    pub fn hash(&self) -> String {
        self.secret.hash().as_str().to_owned()
    }

    pub fn expose(&self) -> &str {
        &self.text
    }
}

impl fmt::Debug for LoginTicket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LoginTicket(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tickets_are_random_hashed_and_never_printed() {
        let (a, b) = (LoginTicket::generate(), LoginTicket::generate());
        assert_ne!(a, b);
        assert_eq!(LoginTicket::parse(a.expose()), Some(a.clone()));
        for bad in [
            "",
            "lt1.",
            "lt2.x",
            &a.expose()[..20],
            &format!("{}x", a.expose()),
        ] {
            assert_eq!(LoginTicket::parse(bad), None, "{bad:?}");
        }
        assert_ne!(a.hash(), b.hash());
        assert!(!format!("{a:?}").contains(a.expose()));
    }
}
