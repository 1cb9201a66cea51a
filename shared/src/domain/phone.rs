//! Phone numbers, in E.164, masked wherever they are printed.

use std::fmt;

/// The country calling codes assigned by ITU-T under Recommendation E.164 that
/// reach subscribers (geographic codes, and the international networks 870, 881,
/// 882 and 883), from the ITU-T list "Assigned country codes" (Annex to the ITU
/// Operational Bulletin, complement to Rec. E.164). The list changes rarely (the
/// last additions were 383 Kosovo in 2016 and 997 Kazakhstan in 2021, which
/// still uses 7 as well); when the ITU publishes a change, update it here.
///
/// The codes are a prefix code: none is a prefix of another (the test
/// `country_codes_are_a_prefix_code` checks), so the one that is a prefix of
/// an international number is its country code. Shared codes appear once:
/// 1 (the North American Numbering Plan), 7 (Russia, Kazakhstan), 262, 590,
/// 599, 672. Left out: spare codes, and those reserved but not in use (379,
/// kept for Vatican City, which uses 39; 388, the former European Telephony
/// Numbering Space); global service codes are in [`SERVICE_CODES`].
#[rustfmt::skip]
const COUNTRY_CODES: &[&str] = &[
    // Zone 1: North America (NANP).
    "1",
    // Zone 2: mostly Africa.
    "20", "211", "212", "213", "216", "218",
    "220", "221", "222", "223", "224", "225", "226", "227", "228", "229",
    "230", "231", "232", "233", "234", "235", "236", "237", "238", "239",
    "240", "241", "242", "243", "244", "245", "246", "247", "248", "249",
    "250", "251", "252", "253", "254", "255", "256", "257", "258",
    "260", "261", "262", "263", "264", "265", "266", "267", "268", "269",
    "27", "290", "291", "297", "298", "299",
    // Zones 3 and 4: Europe.
    "30", "31", "32", "33", "34",
    "350", "351", "352", "353", "354", "355", "356", "357", "358", "359",
    "36", "370", "371", "372", "373", "374", "375", "376", "377", "378",
    "380", "381", "382", "383", "385", "386", "387", "389", "39",
    "40", "41", "420", "421", "423", "43", "44", "45", "46", "47", "48", "49",
    // Zone 5: South and Central America.
    "500", "501", "502", "503", "504", "505", "506", "507", "508", "509",
    "51", "52", "53", "54", "55", "56", "57", "58",
    "590", "591", "592", "593", "594", "595", "596", "597", "598", "599",
    // Zone 6: Southeast Asia and Oceania.
    "60", "61", "62", "63", "64", "65", "66",
    "670", "672", "673", "674", "675", "676", "677", "678", "679",
    "680", "681", "682", "683", "685", "686", "687", "688", "689",
    "690", "691", "692",
    // Zone 7: Russia and Kazakhstan.
    "7",
    // Zone 8: East Asia, and international networks (870 Inmarsat, 881 global
    // mobile satellite systems, 882 and 883 international networks).
    "81", "82", "84", "850", "852", "853", "855", "856", "86",
    "870", "880", "881", "882", "883", "886",
    // Zone 9: West, Central and South Asia.
    "90", "91", "92", "93", "94", "95",
    "960", "961", "962", "963", "964", "965", "966", "967", "968",
    "970", "971", "972", "973", "974", "975", "976", "977", "98",
    "992", "993", "994", "995", "996", "997", "998",
];

/// Assigned global service codes whose numbers are services, not phones a
/// code can be sent to: 800 international freephone, 808 shared cost, 878
/// universal personal telecommunications, 888 humanitarian (OCHA), 979
/// premium rate, 991 ITPCS trial. Known, so they are refused for what they are
/// rather than as unassigned.
const SERVICE_CODES: &[&str] = &["800", "808", "878", "888", "979", "991"];

/// The length of the country calling code that starts `digits` (an
/// international number without its `+`).
fn country_code_len(digits: &str) -> Result<usize, InvalidPhone> {
    for len in 1..=3.min(digits.len()) {
        let prefix = &digits[..len];
        if COUNTRY_CODES.contains(&prefix) {
            return Ok(len);
        }
        if SERVICE_CODES.contains(&prefix) {
            return Err(InvalidPhone(
                "an international service number (freephone, premium rate, ...) cannot receive SMS",
            ));
        }
    }
    Err(InvalidPhone("unknown country calling code"))
}

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

    /// Parses a number as a person types it, for SMS login:
    ///
    /// - international, as `+` or `00` and the digits with the country code
    ///   first (`+44 20 7946 0958`, `0044 20 7946 0958`, `(+86) 138-0013-8000`);
    ///   the country code is found in the ITU-T list (see `COUNTRY_CODES`);
    /// - a mainland China mobile number without its country code: 11 digits
    ///   starting with `1` (`138 0013 8000`), or those after `86`
    ///   (`8613800138000`), read as +86.
    ///
    /// Spaces, `-` and parentheses are dropped wherever they are; any other
    /// character is refused. At most 15 digits in all and a national number of
    /// at least 4. A +86 number must be a mobile (11 digits starting with `1`),
    /// since SMS goes to mobiles only. A national number of any other country
    /// needs its country code: without `+` or `00` the digits are read as +86.
    pub fn parse_input(text: &str) -> Result<Self, InvalidPhone> {
        let mut plus = false;
        let mut digits = String::with_capacity(17);
        for c in text.chars() {
            match c {
                '0'..='9' if digits.len() == 17 => {
                    return Err(InvalidPhone("too many digits (E.164 allows at most 15)"));
                }
                '0'..='9' => digits.push(c),
                '+' if digits.is_empty() && !plus => plus = true,
                '+' => return Err(InvalidPhone("'+' may only come before the country code")),
                '-' | '(' | ')' => {}
                c if c.is_whitespace() => {}
                _ => {
                    return Err(InvalidPhone(
                        "only digits, a leading '+', spaces, '-' and parentheses are allowed",
                    ));
                }
            }
        }
        let phone = if plus {
            Self::from_international(&digits)?
        } else if let Some(international) = digits.strip_prefix("00") {
            Self::from_international(international)?
        } else if digits.len() == 11 && digits.starts_with('1') {
            Self::from_parts("86", &digits)?
        } else if let Some(national) = digits.strip_prefix("86").filter(|n| n.len() == 11) {
            Self::from_parts("86", national)?
        } else if digits.is_empty() {
            return Err(InvalidPhone("no digits"));
        } else {
            return Err(InvalidPhone(
                "without '+' or '00' only a mainland China mobile number (11 digits starting with 1) is read; other numbers need '+' and the country code",
            ));
        };
        let national = phone.pure_number();
        if phone.country_code() == "86" && !(national.len() == 11 && national.starts_with('1')) {
            return Err(InvalidPhone(
                "a +86 number must be a mainland China mobile number: 11 digits starting with 1",
            ));
        }
        Ok(phone)
    }

    /// Parses E.164 text (`+` and digits only, nothing else), splitting off
    /// the country code by the ITU-T list (see `COUNTRY_CODES`); for stored
    /// numbers and tokens that carry no country code alongside. Checks what
    /// [`PhoneNumber::from_parts`] checks, not the +86 mobile rule of
    /// [`PhoneNumber::parse_input`], so anything stored can be read back.
    pub fn parse_e164(e164: &str) -> Result<Self, InvalidPhone> {
        let digits = e164
            .strip_prefix('+')
            .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
            .ok_or(InvalidPhone("E.164 text must be '+' and digits only"))?;
        Self::from_international(digits)
    }

    /// From the digits of an international number: country code, then the
    /// national number.
    fn from_international(digits: &str) -> Result<Self, InvalidPhone> {
        if digits.is_empty() {
            return Err(InvalidPhone("no digits after the international prefix"));
        }
        if digits.len() > 15 {
            return Err(InvalidPhone("too many digits (E.164 allows at most 15)"));
        }
        let len = country_code_len(digits)?;
        Self::from_parts(&digits[..len], &digits[len..])
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

    /// `parse_e164` reads back what was parsed, with the same country code.
    fn assert_round_trips(phone: &PhoneNumber) {
        let back = PhoneNumber::parse_e164(phone.e164()).unwrap();
        assert_eq!(&back, phone);
        assert_eq!(back.country_code(), phone.country_code());
    }

    #[test]
    fn parse_input_reads_mainland_mobiles_as_plus_86() {
        for text in [
            "13800138000",
            "138 0013 8000",
            "138-0013-8000",
            "+86 138-0013-8000",
            "+86 (138) 0013 8000",
            "(+86) 13800138000",
            "+8613800138000",
            "8613800138000",
            "86 138 0013 8000",
            "008613800138000",
            "0086 138 0013 8000",
            " 13800138000\t",
            "138\u{a0}0013\u{a0}8000",
        ] {
            let phone = PhoneNumber::parse_input(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
            assert_eq!(phone.e164(), "+8613800138000", "{text:?}");
            assert_eq!(
                (phone.country_code(), phone.pure_number()),
                ("86", "13800138000"),
                "{text:?}"
            );
            assert_round_trips(&phone);
        }
    }

    #[test]
    fn parse_input_splits_other_country_codes() {
        for (text, cc, pure) in [
            ("+1 650 253 0000", "1", "6502530000"),
            ("+1 (650) 253-0000", "1", "6502530000"),
            ("001 650 253 0000", "1", "6502530000"),
            ("+44 20 7946 0958", "44", "2079460958"),
            ("0044 20 7946 0958", "44", "2079460958"),
            ("+852 5123 4567", "852", "51234567"),
            ("+853 6612 3456", "853", "66123456"),
            ("+886 912 345 678", "886", "912345678"),
            ("+7 912 345 67 89", "7", "9123456789"),
            ("+7 701 234 5678", "7", "7012345678"),
            ("+971 50 123 4567", "971", "501234567"),
            ("+65 8123 4567", "65", "81234567"),
            ("+383 44 123 456", "383", "44123456"),
            ("+881 6 1234 5678", "881", "612345678"),
        ] {
            let phone = PhoneNumber::parse_input(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
            assert_eq!(
                (phone.country_code(), phone.pure_number()),
                (cc, pure),
                "{text:?}"
            );
            assert_eq!(phone.e164(), format!("+{cc}{pure}"));
            assert_round_trips(&phone);
        }
    }

    #[test]
    fn parse_input_refuses_what_cannot_get_an_sms() {
        for (text, reason) in [
            ("", "no digits"),
            ("   ", "no digits"),
            ("+", "no digits after the international prefix"),
            ("00", "no digits after the international prefix"),
            ("+999 1234567", "unknown country calling code"),
            ("+0 1234567", "unknown country calling code"),
            ("+259 1234567", "unknown country calling code"),
            (
                "+800 1234 5678",
                "an international service number (freephone, premium rate, ...) cannot receive SMS",
            ),
            ("+44", "number must be at least 4 digits"),
            ("+44 123", "number must be at least 4 digits"),
            (
                "+86 12345",
                "a +86 number must be a mainland China mobile number: 11 digits starting with 1",
            ),
            (
                "+86 23800138000",
                "a +86 number must be a mainland China mobile number: 11 digits starting with 1",
            ),
            (
                "+86 1380013800",
                "a +86 number must be a mainland China mobile number: 11 digits starting with 1",
            ),
            (
                "+86 138001380001",
                "a +86 number must be a mainland China mobile number: 11 digits starting with 1",
            ),
            (
                "8623800138000",
                "a +86 number must be a mainland China mobile number: 11 digits starting with 1",
            ),
            (
                "+4420794609581234",
                "too many digits (E.164 allows at most 15)",
            ),
            (
                "00 4420794609581234",
                "too many digits (E.164 allows at most 15)",
            ),
            (
                "123456789012345678",
                "too many digits (E.164 allows at most 15)",
            ),
            (
                "abc",
                "only digits, a leading '+', spaces, '-' and parentheses are allowed",
            ),
            (
                "+1 650 253 0000 ext 1",
                "only digits, a leading '+', spaces, '-' and parentheses are allowed",
            ),
            (
                "138.0013.8000",
                "only digits, a leading '+', spaces, '-' and parentheses are allowed",
            ),
            (
                "１３８００１３８０００",
                "only digits, a leading '+', spaces, '-' and parentheses are allowed",
            ),
            (
                "++86 13800138000",
                "'+' may only come before the country code",
            ),
            (
                "86+13800138000",
                "'+' may only come before the country code",
            ),
            (
                "12345",
                "without '+' or '00' only a mainland China mobile number (11 digits starting with 1) is read; other numbers need '+' and the country code",
            ),
            (
                "23800138000",
                "without '+' or '00' only a mainland China mobile number (11 digits starting with 1) is read; other numbers need '+' and the country code",
            ),
            (
                "020 7946 0958",
                "without '+' or '00' only a mainland China mobile number (11 digits starting with 1) is read; other numbers need '+' and the country code",
            ),
            (
                "1380013800",
                "without '+' or '00' only a mainland China mobile number (11 digits starting with 1) is read; other numbers need '+' and the country code",
            ),
        ] {
            assert_eq!(
                PhoneNumber::parse_input(text),
                Err(InvalidPhone(reason)),
                "{text:?}"
            );
        }
    }

    #[test]
    fn parse_e164_is_strict() {
        assert_eq!(
            PhoneNumber::parse_e164("+8613800138000").unwrap(),
            PhoneNumber::from_parts("86", "13800138000").unwrap()
        );
        // Only parse_input holds +86 numbers to mobiles; stored ones read back.
        assert_eq!(
            PhoneNumber::parse_e164("+862012345678")
                .unwrap()
                .pure_number(),
            "2012345678"
        );
        for text in [
            "",
            "+",
            "8613800138000",
            "+86 13800138000",
            "+86-13800138000",
            " +8613800138000",
            "+8613800138000 ",
            "008613800138000",
            "++8613800138000",
            "+99912345678",
            "+80012345678",
            "+441",
            "+4420794609581234",
        ] {
            assert!(PhoneNumber::parse_e164(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn country_codes_are_a_prefix_code() {
        let all: Vec<&str> = COUNTRY_CODES.iter().chain(SERVICE_CODES).copied().collect();
        for (i, a) in all.iter().enumerate() {
            assert!(
                (1..=3).contains(&a.len())
                    && a.bytes().all(|b| b.is_ascii_digit())
                    && !a.starts_with('0'),
                "{a}"
            );
            for b in &all[i + 1..] {
                assert!(!a.starts_with(b) && !b.starts_with(a), "{a} and {b}");
            }
        }
        // Each code is split off as itself.
        for cc in COUNTRY_CODES {
            let phone = PhoneNumber::parse_e164(&format!("+{cc}12345678")).unwrap();
            assert_eq!(
                (phone.country_code(), phone.pure_number()),
                (*cc, "12345678")
            );
        }
    }
}
