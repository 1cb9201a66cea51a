//! WeChat's `session_key`: the secret shared between WeChat, the mini-program and us.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::fmt;

/// The `session_key` WeChat returned from `jscode2session`: 16 random bytes as
/// standard base64 text. It is kept server-side only. `Debug` redacts it and it
/// has no `Display`, so it cannot end up in a log or a response by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionKey {
    text: String,
    bytes: [u8; 16],
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("session_key is not base64 of 16 bytes")]
pub struct InvalidSessionKey;

impl SessionKey {
    pub fn parse(text: impl Into<String>) -> Result<Self, InvalidSessionKey> {
        let text = text.into();
        let decoded = STANDARD.decode(&text).map_err(|_| InvalidSessionKey)?;
        let bytes: [u8; 16] = decoded.try_into().map_err(|_| InvalidSessionKey)?;
        Ok(Self { text, bytes })
    }

    /// The key as WeChat sent it. The `rawData` signature and the login-state
    /// signature use this text, not the decoded bytes.
    pub fn expose_base64(&self) -> &str {
        &self.text
    }

    /// The AES-128 key for encrypted open data.
    pub fn expose_bytes(&self) -> &[u8; 16] {
        &self.bytes
    }
}

impl fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_redacts() {
        let key = SessionKey::parse("tiihtNczf5v6AKRyjwEUhQ==").unwrap();
        assert_eq!(key.expose_base64(), "tiihtNczf5v6AKRyjwEUhQ==");
        assert_eq!(format!("{key:?}"), "SessionKey(<redacted>)");
    }

    #[test]
    fn refuses_wrong_length_and_bad_base64() {
        assert!(SessionKey::parse("AAAA").is_err());
        assert!(SessionKey::parse("not base64!!").is_err());
        assert!(SessionKey::parse("").is_err());
    }
}
