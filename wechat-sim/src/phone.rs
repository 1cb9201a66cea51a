//! Phone numbers as WeChat reports them, and the phone codes of
//! `<button open-type="getPhoneNumber">` waiting to be redeemed by
//! `getuserphonenumber`.
//!
//! WeChat gives three fields:
//! - `purePhoneNumber`: the number without country code, e.g. `13800138000`;
//! - `countryCode`: the country calling code without `+`, e.g. `86`, sometimes
//!   as a JSON string and sometimes as a number ([`PhoneSpec::country_code_as_number`]);
//! - `phoneNumber`: the same as `purePhoneNumber` for mainland China (`86`);
//!   for foreign numbers `+`, the country code and the number with no
//!   separator, e.g. `+85261234567` (as WeChat's staff describe it: foreign
//!   numbers always carry a `+xx` prefix, numbers without one are Chinese).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::identity::new_phone_code;

/// The country code of mainland China, whose numbers carry no prefix.
const CHINA: &str = "86";
/// How long a phone code can be redeemed.
const PHONE_CODE_LIFETIME: Duration = Duration::from_secs(300);

/// A user's phone number, as the simulator should report it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneSpec {
    /// Country calling code without `+`, e.g. `"86"` or `"852"`.
    pub country_code: String,
    /// The number without country code, e.g. `"13800138000"`.
    pub pure_number: String,
    /// Whether `countryCode` is sent as a JSON number (`86`) instead of a
    /// string (`"86"`); WeChat does both.
    pub country_code_as_number: bool,
}

impl PhoneSpec {
    /// A number with country code `country_code`, `countryCode` sent as a string.
    pub fn new(country_code: impl Into<String>, pure_number: impl Into<String>) -> Self {
        Self {
            country_code: country_code.into(),
            pure_number: pure_number.into(),
            country_code_as_number: false,
        }
    }

    /// A mainland China number (`86`), `countryCode` sent as a string.
    pub fn china(pure_number: impl Into<String>) -> Self {
        Self::new(CHINA, pure_number)
    }

    /// WeChat's `phoneNumber` for this number: `pure_number` for China,
    /// `+<country code><pure number>` otherwise (e.g. `+85261234567`).
    pub fn phone_number(&self) -> String {
        if self.country_code == CHINA {
            self.pure_number.clone()
        } else {
            format!("+{}{}", self.country_code, self.pure_number)
        }
    }

    /// WeChat's `countryCode`: a string or a number, as chosen.
    pub(crate) fn country_code_json(&self) -> Value {
        match self.country_code.parse::<u64>() {
            Ok(number) if self.country_code_as_number => json!(number),
            _ => json!(self.country_code),
        }
    }

    /// Checks the spec could be a real number: a country code of 1 to 4
    /// digits not starting with 0, and 4 to 15 digits of number.
    pub(crate) fn check(&self) -> Result<(), String> {
        let digits = |text: &str, lengths: std::ops::RangeInclusive<usize>| {
            lengths.contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
        };
        if !digits(&self.country_code, 1..=4) || self.country_code.starts_with('0') {
            return Err(format!(
                "country code {:?} is not 1 to 4 digits without a leading 0",
                self.country_code
            ));
        }
        if !digits(&self.pure_number, 4..=15) {
            return Err(format!(
                "phone number {:?} is not 4 to 15 digits",
                self.pure_number
            ));
        }
        Ok(())
    }
}

/// The payload of the legacy phone button's encrypted data, before the
/// watermark: `{"phoneNumber","purePhoneNumber","countryCode"}`. Encrypt it
/// with [`Simulator::mint_open_data`](crate::Simulator::mint_open_data).
pub fn phone_payload(phone: &PhoneSpec) -> Value {
    json!({
        "phoneNumber": phone.phone_number(),
        "purePhoneNumber": phone.pure_number,
        "countryCode": phone.country_code_json(),
    })
}

/// The phone codes minted for one app, by code.
#[derive(Debug, Default)]
pub(crate) struct PhoneCodes {
    codes: HashMap<String, PhoneCode>,
}

/// One phone code.
#[derive(Debug)]
struct PhoneCode {
    /// The user who pressed the button.
    openid: String,
    phone: PhoneSpec,
    minted_at: Instant,
    /// Redeemed once already.
    used: bool,
}

impl PhoneCodes {
    /// A new code for user `openid`'s `phone`, minted at `now`.
    pub(crate) fn mint(&mut self, openid: &str, phone: PhoneSpec, now: Instant) -> String {
        let code = new_phone_code();
        let record = PhoneCode {
            openid: openid.to_owned(),
            phone,
            minted_at: now,
            used: false,
        };
        self.codes.insert(code.clone(), record);
        code
    }

    /// Redeems `code` at `now`, using it up. `None` (WeChat: 40029 invalid
    /// code) if it is unknown, used, older than 5 minutes, or, when `openid`
    /// is given, belongs to another user.
    ///
    /// WeChat documents the `openid` parameter as a check that the code
    /// belongs to that user without naming the error; the simulator answers
    /// 40029 like for any code that is not valid for this request. A refused
    /// request does not use the code up, so its rightful owner can still
    /// redeem it (as a refused `jscode2session` leaves the login code alone).
    pub(crate) fn redeem(
        &mut self,
        code: &str,
        openid: Option<&str>,
        now: Instant,
    ) -> Option<PhoneSpec> {
        let record = self.codes.get_mut(code)?;
        let fresh = now.saturating_duration_since(record.minted_at) < PHONE_CODE_LIFETIME;
        let owner = openid.is_none_or(|openid| openid == record.openid);
        if record.used || !fresh || !owner {
            return None;
        }
        record.used = true;
        Some(record.phone.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_number_has_a_prefix_for_foreign_numbers_only() {
        assert_eq!(
            PhoneSpec::china("13800138000").phone_number(),
            "13800138000"
        );
        assert_eq!(
            PhoneSpec::new("852", "61234567").phone_number(),
            "+85261234567"
        );
        assert_eq!(
            PhoneSpec::new("1", "2025550143").phone_number(),
            "+12025550143"
        );
    }

    #[test]
    fn country_code_as_string_or_number() {
        let mut phone = PhoneSpec::china("13800138000");
        assert_eq!(phone.country_code_json(), json!("86"));
        phone.country_code_as_number = true;
        assert_eq!(phone.country_code_json(), json!(86));
    }

    #[test]
    fn payload_has_wechat_fields() {
        let mut phone = PhoneSpec::new("852", "61234567");
        phone.country_code_as_number = true;
        assert_eq!(
            phone_payload(&phone),
            json!({"phoneNumber": "+85261234567", "purePhoneNumber": "61234567", "countryCode": 852})
        );
    }

    #[test]
    fn check_refuses_unrealistic_numbers() {
        assert!(PhoneSpec::china("13800138000").check().is_ok());
        assert!(PhoneSpec::new("1", "2025550143").check().is_ok());
        for bad in [
            PhoneSpec::new("+86", "13800138000"),
            PhoneSpec::new("086", "13800138000"),
            PhoneSpec::new("", "13800138000"),
            PhoneSpec::new("12345", "13800138000"),
            PhoneSpec::china("138-0013-8000"),
            PhoneSpec::china("123"),
            PhoneSpec::china("1234567890123456"),
        ] {
            assert!(bad.check().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn codes_are_single_use_per_owner_and_expire() {
        let mut codes = PhoneCodes::default();
        let now = Instant::now();
        let phone = PhoneSpec::china("13800138000");
        let code = codes.mint("o-alice", phone.clone(), now);

        assert_eq!(codes.redeem("unknown", None, now), None);
        assert_eq!(codes.redeem(&code, Some("o-bob"), now), None);
        assert_eq!(
            codes.redeem(&code, Some("o-alice"), now),
            Some(phone.clone())
        );
        assert_eq!(codes.redeem(&code, Some("o-alice"), now), None, "used");

        let code = codes.mint("o-alice", phone.clone(), now);
        let late = now + PHONE_CODE_LIFETIME;
        assert_eq!(codes.redeem(&code, None, late), None, "expired");
        let almost = now + PHONE_CODE_LIFETIME - Duration::from_secs(1);
        assert_eq!(codes.redeem(&code, None, almost), Some(phone));
    }
}
