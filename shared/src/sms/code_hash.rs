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

impl CodeHasher {
    /// The key, derived from the token signing key (a secret every function
    /// that checks codes holds), under a label of its own.
    pub fn from_signing_key(pem: &str) -> Self {
        let mut material = b"wxauth sms code hash v1\n".to_vec();
        material.extend_from_slice(pem.as_bytes());
        let derived = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &material);
        Self {
            key: hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref()),
        }
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
}
