//! Where settings come from, and the readers every section shares: a value is
//! trimmed, blank counts as unset, and every problem names its variable.

use super::ConfigError;
use std::collections::HashMap;
use std::ops::RangeInclusive;

/// Where settings come from: the process environment, or a map in tests.
pub trait Env {
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment.
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl Env for HashMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

/// A set, non-blank value; empty counts as missing (a common template mistake).
pub(super) fn get(env: &dyn Env, var: &'static str) -> Option<String> {
    env.var(var)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

pub(super) fn required(env: &dyn Env, var: &'static str) -> Result<String, ConfigError> {
    get(env, var).ok_or_else(|| ConfigError::not_set(var))
}

/// A whole number within `range`, or `default` when unset.
pub(super) fn number(
    env: &dyn Env,
    var: &'static str,
    default: u64,
    range: RangeInclusive<u64>,
) -> Result<u64, ConfigError> {
    let Some(text) = get(env, var) else {
        return Ok(default);
    };
    let value: u64 = text
        .parse()
        .map_err(|_| ConfigError::new(var, format!("must be a whole number, got {text:?}")))?;
    if !range.contains(&value) {
        return Err(ConfigError::new(
            var,
            format!(
                "must be between {} and {}, got {value}",
                range.start(),
                range.end()
            ),
        ));
    }
    Ok(value)
}

/// A service's base URL: `https://` or `http://` and a host (with its port),
/// no path, a trailing `/` dropped; `default` when unset. The signed requests
/// go to `{base}/` with the `Host` that follows the scheme.
pub(super) fn scheme_and_host(
    env: &dyn Env,
    var: &'static str,
    default: &str,
) -> Result<String, ConfigError> {
    let url = get(env, var).unwrap_or_else(|| default.to_owned());
    let url = url.trim_end_matches('/').to_owned();
    let host = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| {
            ConfigError::new(
                var,
                format!("must start with https:// or http://, got {url:?}"),
            )
        })?;
    if host.is_empty() || host.contains(['/', '?', '#', '@', ' ']) {
        return Err(ConfigError::new(
            var,
            format!("must be a scheme and a host, without a path: {url:?}"),
        ));
    }
    Ok(url)
}

/// The host (and port) of a URL [`scheme_and_host`] accepted.
pub(super) fn host_of(url: &str) -> &str {
    url.split_once("://").map_or(url, |(_, host)| host)
}

/// A PEM as consoles and .env files often flatten it: onto one line, with
/// literal `\n` for the newlines.
pub(super) fn pem(text: &str) -> String {
    text.replace("\\n", "\n")
}

pub(super) fn comma_list(text: &str) -> Vec<String> {
    text.split(',').map(|s| s.trim().to_owned()).collect()
}
