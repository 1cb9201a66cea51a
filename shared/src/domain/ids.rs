//! Identifier newtypes. Each checks its shape once, where it enters the system.

use std::fmt;

/// An identifier failed its shape check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind}: {reason}")]
pub struct InvalidId {
    pub kind: &'static str,
    pub reason: &'static str,
}

/// WeChat ids (appid, openid, unionid) are short ASCII tokens: letters, digits,
/// `-` and `_`. Anything else is refused, which also keeps our storage keys
/// (built by joining ids with `#`) unambiguous.
fn check_token(kind: &'static str, value: &str, max_len: usize) -> Result<(), InvalidId> {
    if value.is_empty() {
        return Err(InvalidId {
            kind,
            reason: "empty",
        });
    }
    if value.len() > max_len {
        return Err(InvalidId {
            kind,
            reason: "too long",
        });
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(InvalidId {
            kind,
            reason: "unexpected character",
        });
    }
    Ok(())
}

macro_rules! token_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal, $max:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            pub fn parse(value: impl Into<String>) -> Result<Self, InvalidId> {
                let value = value.into();
                check_token($kind, &value, $max)?;
                Ok(Self(value))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        /// Stored as its text; read back through the same shape check.
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Self::parse(text).map_err(serde::de::Error::custom)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }
    };
}

token_id!(
    /// A mini-program's AppID (`wx` + 16 hex digits in practice).
    AppId,
    "appid",
    64
);
token_id!(
    /// A user's id within one mini-program, from `jscode2session`.
    OpenId,
    "openid",
    128
);
token_id!(
    /// A user's id across all apps of one WeChat Open Platform account.
    UnionId,
    "unionid",
    128
);
token_id!(
    /// Our own user id: what tokens name as `sub` and what the API returns.
    UserId,
    "userId",
    64
);

token_id!(
    /// One login session: what access tokens name as `sid`.
    SessionId,
    "sid",
    64
);

impl UserId {
    /// A fresh random user id (UUID v4, 122 random bits).
    pub fn generate() -> Self {
        Self(uuid::Uuid::new_v4().to_string())
    }
}

impl SessionId {
    /// A fresh random session id (UUID v4, 122 random bits). Not a secret:
    /// access tokens carry it; the refresh token's secret is what counts.
    pub fn generate() -> Self {
        Self(uuid::Uuid::new_v4().simple().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_shapes() {
        assert!(AppId::parse("wx4f4bc4dec97d474b").is_ok());
        assert!(OpenId::parse("oGZUI0egBJY1zhBYw2KhdUfwVJJE").is_ok());
        assert!(UnionId::parse("ocMvos6NjeKLIBqg5Mr9QjxrP1FA").is_ok());
        assert!(UserId::parse(UserId::generate().as_str()).is_ok());
    }

    #[test]
    fn refuses_empty_long_and_separator_characters() {
        assert_eq!(OpenId::parse("").unwrap_err().reason, "empty");
        assert_eq!(AppId::parse("x".repeat(65)).unwrap_err().reason, "too long");
        for bad in ["a#b", "a b", "a/b", "ü", "a\nb"] {
            assert!(OpenId::parse(bad).is_err(), "{bad:?} accepted");
        }
    }
}
