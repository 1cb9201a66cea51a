//! What start-up reports when a setting is unusable.

use std::fmt;

/// A setting is missing or malformed; `var` names it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("configuration: {var} {problem}")]
pub struct ConfigError {
    pub var: &'static str,
    pub problem: String,
}

impl ConfigError {
    pub fn new(var: &'static str, problem: impl fmt::Display) -> Self {
        Self {
            var,
            problem: problem.to_string(),
        }
    }

    /// A required variable is unset or blank.
    pub fn not_set(var: &'static str) -> Self {
        Self::new(var, "is not set")
    }
}
