//! Phone numbers, in E.164, masked wherever they are printed.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid phone number: {0}")]
pub struct InvalidPhone(&'static str);

/// A phone number as WeChat reports it (`countryCode` + `purePhoneNumber`),
/// normalised to E.164 (`+8613800138000`). `Debug` and `Display` print it masked
/// (`138****8000`), so a number cannot reach a log unmasked by accident.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber {
    e164: String,
    country_code_len: usize,
}

impl PhoneNumber {
    /// From WeChat's parts. The country code may carry a leading `+`; both parts
    /// must be digits, and E.164 allows at most 15 digits in all.
    pub fn from_parts(country_code: &str, pure_number: &str) -> Result<Self, InvalidPhone> {
        let country_code = country_code.trim().trim_start_matches('+');
        let pure_number = pure_number.trim();
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(country_code) || country_code.len() > 3 || country_code.starts_with('0') {
            return Err(InvalidPhone("country code must be 1 to 3 digits"));
        }
        if !digits(pure_number) || pure_number.len() < 4 {
            return Err(InvalidPhone("number must be at least 4 digits"));
        }
        if country_code.len() + pure_number.len() > 15 {
            return Err(InvalidPhone("E.164 allows at most 15 digits"));
        }
        Ok(Self {
            e164: format!("+{country_code}{pure_number}"),
            country_code_len: country_code.len(),
        })
    }

    /// Parses stored E.164 text back, given the country code's length.
    pub fn from_e164(e164: &str, country_code: &str) -> Result<Self, InvalidPhone> {
        let national = e164
            .strip_prefix('+')
            .and_then(|rest| rest.strip_prefix(country_code.trim_start_matches('+')))
            .ok_or(InvalidPhone(
                "E.164 text does not start with its country code",
            ))?;
        Self::from_parts(country_code, national)
    }

    pub fn e164(&self) -> &str {
        &self.e164
    }

    pub fn country_code(&self) -> &str {
        &self.e164[1..=self.country_code_len]
    }

    pub fn pure_number(&self) -> &str {
        &self.e164[1 + self.country_code_len..]
    }

    /// The national number with its middle hidden: first 3 and last 4 digits
    /// kept when it is long enough (`138****8000`), fewer for short numbers.
    pub fn masked(&self) -> String {
        let pure = self.pure_number();
        let (head, tail) = if pure.len() >= 9 { (3, 4) } else { (1, 2) };
        format!(
            "{}{}{}",
            &pure[..head],
            "*".repeat(pure.len() - head - tail),
            &pure[pure.len() - tail..]
        )
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber(+{} {})", self.country_code(), self.masked())
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_to_e164() {
        let phone = PhoneNumber::from_parts("86", "13800138000").unwrap();
        assert_eq!(phone.e164(), "+8613800138000");
        assert_eq!(
            (phone.country_code(), phone.pure_number()),
            ("86", "13800138000")
        );
        assert_eq!(
            PhoneNumber::from_parts("+1", "2025550143").unwrap().e164(),
            "+12025550143"
        );
        assert_eq!(
            PhoneNumber::from_e164("+8613800138000", "86").unwrap(),
            phone
        );
    }

    #[test]
    fn prints_masked_only() {
        let phone = PhoneNumber::from_parts("86", "13800138000").unwrap();
        assert_eq!(phone.masked(), "138****8000");
        assert_eq!(phone.to_string(), "138****8000");
        assert_eq!(format!("{phone:?}"), "PhoneNumber(+86 138****8000)");
        assert_eq!(
            PhoneNumber::from_parts("852", "61234567").unwrap().masked(),
            "6*****67"
        );
    }

    #[test]
    fn refuses_what_is_not_a_number() {
        for (cc, pure) in [
            ("", "138"),
            ("86", ""),
            ("8a", "13800138000"),
            ("86", "138-0013"),
            ("0", "13800138000"),
            ("1234", "5678"),
            ("86", "1380013800012345"),
            ("86", "123"),
        ] {
            assert!(PhoneNumber::from_parts(cc, pure).is_err(), "{cc} {pure}");
        }
    }
}
