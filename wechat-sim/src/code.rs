//! The login-code language: tests choose the simulator's behaviour through the
//! `js_code` they send, so no side channel to the simulator is needed.
//!
//! A code is a list of parts separated by `;` (empty parts are ignored). A part
//! `key=value` sets an option; a part without `=` is short for `user=<part>`.
//!
//! | option              | effect                                                              |
//! |---------------------|---------------------------------------------------------------------|
//! | `user=<label>`      | which simulated user logs in; default: the whole code text          |
//! | `unionid=<label>`   | the user is bound to open-platform account `<label>`                |
//! | `errcode=<n>`       | answer WeChat error `n` (not 0) instead of logging in               |
//! | `body=<kind>`       | answer a broken body: `garbage`, `truncated`, `html` or `empty`     |
//! | `times=<k>`         | with `errcode`/`body`: fail only the first `k` presentations        |
//! | `delay_ms=<n>`      | wait `n` milliseconds before answering                              |
//! | `n=<anything>`      | nonce, ignored; makes codes unique                                  |
//!
//! Anything else (unknown key, repeated option, empty or unparsable value,
//! `errcode` with `body`, `times` without either) is not a valid code: WeChat
//! answers 40029 `invalid code`. Real-looking codes such as
//! `0a3Xk2000pQbNQ1mVw300xHcWp0Xk20s` are a single bare part, i.e. a fresh user.
//!
//! Codes minted as `wx.login` gets them ([`minted_login_code`]) are in this
//! language too: `user=<label>;n=<24 random hex digits>`.

use std::fmt;
use std::time::Duration;

use crate::broken::BrokenBody;
use crate::random;

/// What a login code asks the simulator to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CodeSpec {
    /// Label of the simulated user, input of [`crate::openid_for`].
    pub(crate) user: String,
    /// Open-platform account label, input of [`crate::unionid_for`].
    pub(crate) unionid: Option<String>,
    /// The failure to answer instead of a login, if any.
    pub(crate) fault: Option<Fault>,
    /// How many presentations of the code get `fault`; `None`: all of them.
    pub(crate) times: Option<u64>,
    /// How long to wait before answering.
    pub(crate) delay: Option<Duration>,
}

/// A failure a login code injects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// A well-formed WeChat error answer with this errcode.
    Errcode(i64),
    /// A broken answer.
    Body(BrokenBody),
}

/// Why a code is not valid simulator code (WeChat's answer is 40029 either way;
/// the reason is logged to help whoever wrote the test).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InvalidCode(String);

impl fmt::Display for InvalidCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl CodeSpec {
    /// Parses a login code.
    pub(crate) fn parse(code: &str) -> Result<Self, InvalidCode> {
        let mut user = None;
        let mut unionid = None;
        let mut errcode = None;
        let mut body = None;
        let mut times = None;
        let mut delay = None;
        let mut nonce = None;

        for part in code.split(';').filter(|part| !part.is_empty()) {
            let (key, value) = part.split_once('=').unwrap_or(("user", part));
            if value.is_empty() {
                return Err(InvalidCode(format!("option `{key}` has an empty value")));
            }
            match key {
                "user" => set(&mut user, key, value.to_owned())?,
                "unionid" => set(&mut unionid, key, value.to_owned())?,
                "errcode" => match value.parse::<i64>() {
                    Ok(0) | Err(_) => {
                        return Err(InvalidCode(format!(
                            "errcode `{value}` is not a non-zero integer"
                        )));
                    }
                    Ok(n) => set(&mut errcode, key, n)?,
                },
                "body" => match BrokenBody::parse(value) {
                    Some(kind) => set(&mut body, key, kind)?,
                    None => {
                        return Err(InvalidCode(format!(
                            "body `{value}` is not garbage, truncated, html or empty"
                        )));
                    }
                },
                "times" => set(&mut times, key, number(key, value)?)?,
                "delay_ms" => set(&mut delay, key, Duration::from_millis(number(key, value)?))?,
                "n" => set(&mut nonce, key, ())?,
                _ => return Err(InvalidCode(format!("unknown option `{key}`"))),
            }
        }

        let fault = match (errcode, body) {
            (Some(_), Some(_)) => {
                return Err(InvalidCode(
                    "`errcode` and `body` exclude each other".into(),
                ));
            }
            (Some(n), None) => Some(Fault::Errcode(n)),
            (None, Some(kind)) => Some(Fault::Body(kind)),
            (None, None) => None,
        };
        if times.is_some() && fault.is_none() {
            return Err(InvalidCode("`times` needs `errcode` or `body`".into()));
        }

        Ok(Self {
            user: user.unwrap_or_else(|| code.to_owned()),
            unionid,
            fault,
            times,
            delay,
        })
    }
}

/// A fresh login code for user `user_label`, as `wx.login` gets one from
/// WeChat: `user=<label>;n=<nonce>`, the nonce 12 random bytes in hex. Refused
/// for a label that can't be spelt in a code (empty, or containing `;`).
pub(crate) fn minted_login_code(user_label: &str) -> Result<String, InvalidCode> {
    if user_label.is_empty() || user_label.contains(';') {
        return Err(InvalidCode(format!(
            "user label {user_label:?} is empty or contains `;`"
        )));
    }
    let nonce: String = random::bytes::<12>()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    Ok(format!("user={user_label};n={nonce}"))
}

/// Stores an option's value, refusing a second value for the same option.
fn set<T>(slot: &mut Option<T>, key: &str, value: T) -> Result<(), InvalidCode> {
    if slot.replace(value).is_some() {
        return Err(InvalidCode(format!("option `{key}` given twice")));
    }
    Ok(())
}

/// Parses a non-negative integer option value.
fn number(key: &str, value: &str) -> Result<u64, InvalidCode> {
    value
        .parse()
        .map_err(|_| InvalidCode(format!("`{key}={value}` is not a non-negative integer")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(code: &str) -> CodeSpec {
        CodeSpec::parse(code).unwrap_or_else(|e| panic!("{code:?}: {e}"))
    }

    #[test]
    fn a_bare_code_is_a_fresh_user_named_after_it() {
        let spec = parse("0a3Xk2000pQbNQ1mVw300xHcWp0Xk20s");
        assert_eq!(spec.user, "0a3Xk2000pQbNQ1mVw300xHcWp0Xk20s");
        assert_eq!(spec.fault, None);
        assert_eq!(spec.unionid, None);
    }

    #[test]
    fn bare_part_is_short_for_user() {
        assert_eq!(parse("alice;n=1").user, "alice");
        assert_eq!(parse("user=alice;n=2").user, "alice");
        assert_eq!(parse("n=1;alice;").user, "alice");
    }

    #[test]
    fn without_user_the_whole_code_is_the_label() {
        let spec = parse("errcode=-1;times=1;n=7");
        assert_eq!(spec.user, "errcode=-1;times=1;n=7");
        assert_eq!(spec.fault, Some(Fault::Errcode(-1)));
        assert_eq!(spec.times, Some(1));
    }

    #[test]
    fn all_options() {
        let spec = parse("user=bob;unionid=acme;body=truncated;times=2;delay_ms=150;n=x");
        assert_eq!(
            spec,
            CodeSpec {
                user: "bob".into(),
                unionid: Some("acme".into()),
                fault: Some(Fault::Body(BrokenBody::Truncated)),
                times: Some(2),
                delay: Some(Duration::from_millis(150)),
            }
        );
    }

    #[test]
    fn values_may_contain_equals_signs() {
        assert_eq!(parse("user=a=b").user, "a=b");
    }

    #[test]
    fn minted_codes_are_fresh_codes_of_the_user() {
        let code = minted_login_code("alice=1").unwrap();
        let spec = parse(&code);
        assert_eq!(spec.user, "alice=1");
        assert_eq!((spec.fault, spec.unionid, spec.delay), (None, None, None));
        assert_ne!(code, minted_login_code("alice=1").unwrap());
        assert!(minted_login_code("").is_err());
        assert!(minted_login_code("a;errcode=-1").is_err());
    }

    #[test]
    fn invalid_codes() {
        for code in [
            "colour=red",
            "=x",
            "user=",
            "alice;bob",
            "alice;user=bob",
            "errcode=abc",
            "errcode=0",
            "errcode=-1;errcode=-1",
            "body=broken",
            "errcode=-1;body=empty",
            "times=1",
            "errcode=-1;times=-1",
            "delay_ms=soon",
        ] {
            assert!(CodeSpec::parse(code).is_err(), "{code:?} should be invalid");
        }
    }
}
