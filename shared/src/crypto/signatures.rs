//! The two signatures WeChat computes with the session_key. Both use the key as
//! its base64 TEXT, not the decoded bytes: the official vectors only reproduce
//! that way.

use crate::domain::SessionKey;
use aws_lc_rs::{digest, hmac};

/// Lowercase hex, as every signature here (and Tencent's TC3) is written.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}

/// `signature = sha1(rawData + session_key)`, lowercase hex: what `wx.getUserInfo`
/// returns beside `rawData`.
pub fn raw_data_signature(raw_data: &str, session_key: &SessionKey) -> String {
    let mut ctx = digest::Context::new(&digest::SHA1_FOR_LEGACY_USE_ONLY);
    ctx.update(raw_data.as_bytes());
    ctx.update(session_key.expose_base64().as_bytes());
    hex(ctx.finish().as_ref())
}

/// Checks a client's `signature` in constant time. Upper-case hex is accepted.
pub fn verify_raw_data_signature(
    raw_data: &str,
    session_key: &SessionKey,
    signature: &str,
) -> bool {
    let expected = raw_data_signature(raw_data, session_key);
    let given = signature.to_ascii_lowercase();
    #[allow(deprecated)] // the replacement is not in every aws-lc-rs release we accept
    let equal =
        aws_lc_rs::constant_time::verify_slices_are_equal(expected.as_bytes(), given.as_bytes());
    equal.is_ok()
}

/// WeChat's "user login state signature": `hmac_sha256(key = session_key text,
/// message)`, lowercase hex. `checksession` and `resetusersessionkey` sign the
/// empty string this way.
pub fn login_state_signature(session_key: &SessionKey, message: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, session_key.expose_base64().as_bytes());
    hex(hmac::sign(&key, message.as_bytes()).as_ref())
}
