//! SMS verification codes: six digits, a secret while they live.

use std::fmt;

/// A six-digit verification code. `Debug` and `Display` print it redacted;
/// the value is reached only through [`SmsCode::expose`] (the message text,
/// the keyed hash).
#[derive(Clone, PartialEq, Eq)]
pub struct SmsCode(String);

impl SmsCode {
    /// A fresh random code, uniform over 000000..=999999.
    pub fn generate() -> Self {
        loop {
            let mut bytes = [0u8; 4];
            aws_lc_rs::rand::fill(&mut bytes).expect("the system random source works");
            let n = u32::from_le_bytes(bytes);
            // Reject the top sliver so that every code is equally likely.
            if n < u32::MAX - u32::MAX % 1_000_000 {
                return Self(format!("{:06}", n % 1_000_000));
            }
        }
    }

    /// A code as a user typed it: exactly six ASCII digits.
    pub fn parse(text: &str) -> Option<Self> {
        (text.len() == 6 && text.bytes().all(|b| b.is_ascii_digit())).then(|| Self(text.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SmsCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SmsCode(<redacted>)")
    }
}

impl fmt::Display for SmsCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_random_and_never_printed() {
        let code = SmsCode::generate();
        assert_eq!(code.expose().len(), 6);
        assert!(code.expose().bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(SmsCode::parse(code.expose()), Some(code.clone()));
        assert!(!format!("{code:?} {code}").contains(code.expose()));
        for bad in ["12345", "1234567", "12a456", "", "１２３４５６"] {
            assert_eq!(SmsCode::parse(bad), None, "{bad:?}");
        }
        let distinct: std::collections::HashSet<_> = (0..50)
            .map(|_| SmsCode::generate().expose().to_owned())
            .collect();
        assert!(distinct.len() > 45);
    }
}
