//! The keyed hash a code is stored as: HMAC-SHA256 over purpose, number and
//! code. Six digits are a million possibilities: a plain hash of them would be
//! a lookup table away from the code; the key is not in the table.

use crate::domain::rules::sms::Purpose;
use crate::domain::{PhoneNumber, SmsCode};
use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub struct CodeHasher {
    key: hmac::Key,
}

/// Bytes of the key codes are hashed under (`SMS_CODE_KEY`, base64url).
pub const CODE_KEY_BYTES: usize = 32;

impl CodeHasher {
    /// The key a deployment derives from its token signing key (PEM, as the
    /// configuration reads it) under a label of its own. The `token-keys`
    /// custom resource computes it once at deploy time and hands it, as
    /// `SMS_CODE_KEY`, to the functions that check codes (one of them holds
    /// no signing key); the local server derives it itself. Deriving the same
    /// bytes as earlier versions did keeps codes sent before an upgrade valid.
    pub fn key_from_signing_key(pem: &str) -> [u8; CODE_KEY_BYTES] {
        let mut material = b"wxauth sms code hash v1\n".to_vec();
        material.extend_from_slice(pem.as_bytes());
        let derived = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &material);
        let mut key = [0; CODE_KEY_BYTES];
        key.copy_from_slice(derived.as_ref());
        key
    }

    /// [`key_from_signing_key`](Self::key_from_signing_key) as `SMS_CODE_KEY` holds it.
    pub fn encode_key(key: &[u8; CODE_KEY_BYTES]) -> String {
        URL_SAFE_NO_PAD.encode(key)
    }

    /// The key of `SMS_CODE_KEY`: base64url of exactly 32 bytes.
    pub fn decode_key(text: &str) -> Option<[u8; CODE_KEY_BYTES]> {
        URL_SAFE_NO_PAD.decode(text).ok()?.try_into().ok()
    }

    pub fn new(key: &[u8; CODE_KEY_BYTES]) -> Self {
        Self {
            key: hmac::Key::new(hmac::HMAC_SHA256, key),
        }
    }

    /// The hasher of a deployment whose signing key is `pem`.
    pub fn from_signing_key(pem: &str) -> Self {
        Self::new(&Self::key_from_signing_key(pem))
    }

    pub fn hash(&self, purpose: Purpose, phone: &PhoneNumber, code: &SmsCode) -> String {
        let message = format!("{}:{}:{}", purpose.as_str(), phone.e164(), code.expose());
        URL_SAFE_NO_PAD.encode(hmac::sign(&self.key, message.as_bytes()).as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_depends_on_key_purpose_number_and_code_and_hides_the_code() {
        let (a, b) = (
            CodeHasher::from_signing_key("a"),
            CodeHasher::from_signing_key("b"),
        );
        let phone = PhoneNumber::from_parts("86", "13800138000").unwrap();
        let other = PhoneNumber::from_parts("86", "13800138001").unwrap();
        let code = SmsCode::parse("123456").unwrap();
        let h = a.hash(Purpose::Login, &phone, &code);
        assert_eq!(h, a.hash(Purpose::Login, &phone, &code));
        assert_ne!(h, b.hash(Purpose::Login, &phone, &code));
        assert_ne!(h, a.hash(Purpose::Bind, &phone, &code));
        assert_ne!(h, a.hash(Purpose::Login, &other, &code));
        assert_ne!(
            h,
            a.hash(Purpose::Login, &phone, &SmsCode::parse("123457").unwrap())
        );
        assert!(!h.contains("123456"));
    }

    #[test]
    fn a_key_handed_over_hashes_as_the_signing_key_it_came_from() {
        let key = CodeHasher::key_from_signing_key("pem");
        let text = CodeHasher::encode_key(&key);
        assert_eq!(CodeHasher::decode_key(&text), Some(key));
        let phone = PhoneNumber::from_parts("86", "13800138000").unwrap();
        let code = SmsCode::parse("123456").unwrap();
        assert_eq!(
            CodeHasher::new(&key).hash(Purpose::Login, &phone, &code),
            CodeHasher::from_signing_key("pem").hash(Purpose::Login, &phone, &code)
        );
        assert_eq!(CodeHasher::decode_key("c2hvcnQ"), None, "too short");
        assert_eq!(CodeHasher::decode_key("not base64!"), None);
    }
}
