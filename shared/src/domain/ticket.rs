//! The login ticket: what a new openid gets instead of an account when
//! registration needs a number. Opaque, random, short-lived and single use;
//! stored only as a hash, bound to (appid, openid); not an access token.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::fmt;

const PREFIX: &str = "lt1.";

#[derive(Clone, PartialEq, Eq)]
pub struct LoginTicket(String);

impl LoginTicket {
    /// A fresh ticket: 256 random bits.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        aws_lc_rs::rand::fill(&mut bytes).expect("the system random source works");
        Self(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// A presented ticket, if it has our shape.
    pub fn parse(text: &str) -> Option<Self> {
        let secret = text.strip_prefix(PREFIX)?;
        (secret.len() == 43 && URL_SAFE_NO_PAD.decode(secret).is_ok_and(|b| b.len() == 32))
            .then(|| Self(text.to_owned()))
    }

    /// What it is stored under: its SHA-256, base64url.
    pub fn hash(&self) -> String {
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, self.0.as_bytes());
        URL_SAFE_NO_PAD.encode(digest.as_ref())
    }

    pub fn expose(&self) -> &str {
        &self.0
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
