//! A setting only some binaries use.

use super::ConfigError;

/// A setting that only some binaries use (a table name, the app secrets, the
/// WeChat timeout). It is read and checked at start-up with everything else,
/// but a problem with it (missing or malformed) stops only the binaries that
/// use it, when their start-up asks for it with [`Setting::get`]: the
/// authorizer starts whatever `WECHAT_SECRET` or `WECHAT_TIMEOUT_MS` say, and
/// each binary reports its problems in the order it needs its settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<T>(Result<T, ConfigError>);

impl<T> Setting<T> {
    /// A value decided in code (the local server's simulator, generated key).
    pub fn ok(value: T) -> Self {
        Self(Ok(value))
    }

    /// The value, or the problem that makes it unusable.
    pub fn get(&self) -> Result<&T, ConfigError> {
        self.0.as_ref().map_err(Clone::clone)
    }

    pub fn is_ok(&self) -> bool {
        self.0.is_ok()
    }
}

impl<T> From<Result<T, ConfigError>> for Setting<T> {
    fn from(result: Result<T, ConfigError>) -> Self {
        Self(result)
    }
}
