//! Passwords: what a user types (a secret, never printed), the policy a new
//! one must meet, and the stored hash (a PHC string, never printed either).

use super::PhoneNumber;
use std::fmt;

/// A password as typed. `Debug` and `Display` print it redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

/// The longest password read, in characters: argon2 takes any length, but a
/// megabyte "password" is a way to burn CPU, not a password.
pub const MAX_PASSWORD_CHARS: usize = 128;
/// The shortest password a user may set.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Why a new password is refused (`400 weak_password`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weakness {
    TooShort,
    TooLong,
    /// The user's own number, in any of the ways it is written.
    IsTheNumber,
    /// One of the passwords every guesser tries first.
    Common,
}

impl Weakness {
    pub fn explain(self) -> String {
        match self {
            Self::TooShort => format!("a password needs at least {MIN_PASSWORD_CHARS} characters"),
            Self::TooLong => format!("a password has at most {MAX_PASSWORD_CHARS} characters"),
            Self::IsTheNumber => "a password must not be the phone number".to_owned(),
            Self::Common => {
                "this password is one of the most common ones; choose another".to_owned()
            }
        }
    }
}

impl Password {
    /// A password as received: any text up to [`MAX_PASSWORD_CHARS`]
    /// (`None` when longer or empty). The policy is checked only for a new one.
    pub fn parse(text: String) -> Option<Self> {
        let chars = text.chars().count();
        (chars > 0 && chars <= MAX_PASSWORD_CHARS).then_some(Self(text))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The policy for a password being set: long enough, not the user's
    /// number, not a common password.
    pub fn check_new(&self, phone: Option<&PhoneNumber>) -> Result<(), Weakness> {
        let chars = self.0.chars().count();
        if chars < MIN_PASSWORD_CHARS {
            return Err(Weakness::TooShort);
        }
        if chars > MAX_PASSWORD_CHARS {
            return Err(Weakness::TooLong);
        }
        if let Some(phone) = phone {
            let digits: String = self.0.chars().filter(char::is_ascii_digit).collect();
            let e164 = &phone.e164()[1..];
            let national = &e164[phone.country_code().len()..];
            // "+86 138…", "138-0013-8000": the digits are the number.
            let only_number = self
                .0
                .chars()
                .all(|c| c.is_ascii_digit() || " +-()".contains(c));
            if only_number && (digits == e164 || digits == national) {
                return Err(Weakness::IsTheNumber);
            }
        }
        let lower = self.0.to_lowercase();
        if COMMON.contains(&lower.as_str()) {
            return Err(Weakness::Common);
        }
        Ok(())
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// A stored password hash: a PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`).
/// Printed redacted: offline guessing starts from it.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// A PHC string as stored. Whether it parses is the hasher's business.
    pub fn from_phc(text: String) -> Self {
        Self(text)
    }

    pub fn phc(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(<redacted>)")
    }
}

/// Passwords of eight characters or more that lead the published lists of
/// leaked passwords, the Chinese ones (from the CSDN and 12306 leaks) among
/// them, lower case. Short on purpose: the length rule and the attempt limits
/// do the rest.
const COMMON: &[&str] = &[
    "12345678",
    "123456789",
    "1234567890",
    "0123456789",
    "87654321",
    "987654321",
    "11111111",
    "111111111",
    "00000000",
    "88888888",
    "66666666",
    "99999999",
    "12341234",
    "11223344",
    "12121212",
    "123123123",
    "147258369",
    "123456abc",
    "abc123456",
    "a123456789",
    "a12345678",
    "aa123456",
    "qq123456",
    "abcd1234",
    "1234abcd",
    "1qaz2wsx",
    "qwertyuiop",
    "qwerty123",
    "qwe123456",
    "asdfghjkl",
    "zxcvbnm123",
    "password",
    "password1",
    "password123",
    "passw0rd",
    "iloveyou",
    "woaini1314",
    "5201314520",
    "52013145",
    "1314520520",
    "woaini520",
    "admin123",
    "admin888",
    "administrator",
    "welcome1",
    "sunshine",
    "football",
    "baseball",
    "princess",
    "superman",
    "dragon123",
    "wang1234",
    "zhang123",
    "li123456",
    "abcdefgh",
    "abcdefg1",
    "12345qwert",
    "1q2w3e4r",
    "1q2w3e4r5t",
    "q1w2e3r4",
    "zaq12wsx",
    "!qaz2wsx",
    "123qweasd",
    "qweasdzxc",
    "a1b2c3d4",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn pw(text: &str) -> Password {
        Password::parse(text.to_owned()).unwrap()
    }

    #[test]
    fn a_new_password_is_long_enough_not_the_number_and_not_common() {
        let phone = PhoneNumber::parse_input("13800138000").unwrap();
        assert_eq!(pw("abc").check_new(None), Err(Weakness::TooShort));
        assert_eq!(
            pw("密码密码密码密").check_new(None),
            Err(Weakness::TooShort)
        );
        assert_eq!(pw("密码密码密码密码").check_new(None), Ok(()));
        for number in [
            "13800138000",
            "+8613800138000",
            "+86 138-0013-8000",
            "8613800138000",
        ] {
            assert_eq!(
                pw(number).check_new(Some(&phone)),
                Err(Weakness::IsTheNumber),
                "{number}"
            );
        }
        assert_eq!(pw("13800138001").check_new(Some(&phone)), Ok(()));
        for common in ["12345678", "Password", "WOAINI1314", "1qaz2wsx"] {
            assert_eq!(
                pw(common).check_new(None),
                Err(Weakness::Common),
                "{common}"
            );
        }
        assert_eq!(pw("correct horse battery").check_new(Some(&phone)), Ok(()));
        assert!(Password::parse(String::new()).is_none());
        assert!(Password::parse("x".repeat(MAX_PASSWORD_CHARS + 1)).is_none());
    }

    #[test]
    fn passwords_and_hashes_never_print() {
        let secret = pw("hunter2hunter2");
        let hash = PasswordHash::from_phc("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into());
        let printed = format!("{secret:?} {hash:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(!printed.contains("argon2id"), "{printed}");
    }
}
