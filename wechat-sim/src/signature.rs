//! WeChat's "user login state signature", with which `checksession` and
//! `resetusersessionkey` prove the caller holds a user's session key without
//! sending it: lowercase hex HMAC-SHA256 with the session key's base64 TEXT
//! (not the decoded bytes) as the key, over the empty message.

use aws_lc_rs::hmac;

/// The login-state signature of `session_key` (its base64 text) over the empty
/// message, as `checksession` and `resetusersessionkey` expect it:
/// lowercase hex `hmac_sha256(key = session_key text, "")`.
///
/// For the official key `o0q0otL8aEzpcZL/FT9WsQ==` it is
/// `46e043c5525c2d817c44be603d30837a808a1d930d038f6fdc3e62a201fed128`.
pub fn session_signature(session_key: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, session_key.as_bytes());
    hmac::sign(&key, b"")
        .as_ref()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_known_answer() {
        assert_eq!(
            session_signature("o0q0otL8aEzpcZL/FT9WsQ=="),
            "46e043c5525c2d817c44be603d30837a808a1d930d038f6fdc3e62a201fed128"
        );
    }
}
