use crate::domain::AppId;
use std::fmt;

/// An app secret. `Debug` redacts it and it has no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct AppSecret(String);

impl AppSecret {
    pub fn new(secret: impl Into<String>) -> Option<Self> {
        let secret = secret.into();
        (!secret.is_empty()).then_some(Self(secret))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AppSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AppSecret(<redacted>)")
    }
}

/// One mini-program's credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppCredentials {
    pub appid: AppId,
    pub secret: AppSecret,
}
