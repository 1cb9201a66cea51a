//! An avatar the user uploaded, and where WeChat's check of it stands.

use super::{AvatarKey, ContentCheck};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Where an uploaded avatar stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AvatarState {
    /// Sent to WeChat's asynchronous check; the profile shows the previous
    /// avatar (or none) until the verdict arrives.
    Pending,
    /// The profile's avatar.
    Active,
    /// WeChat refused it (or gave no verdict under strict checks); its image
    /// is deleted.
    Refused,
}

/// One uploaded avatar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadedAvatar {
    pub key: AvatarKey,
    /// Where the mini-program (and WeChat's checker) fetches it.
    pub url: String,
    pub state: AvatarState,
    /// WeChat's `trace_id` of its check, while one was asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<TraceId>,
    /// How it came to be shown (`active`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<ContentCheck>,
    /// WeChat's label of a refusal (none when WeChat gave no verdict).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<u32>,
    /// Unix seconds of the upload.
    pub at: u64,
}

/// WeChat's id of one asynchronous media check (`trace_id`). WeChat's are
/// ASCII letters, digits, `-` and `_`; anything else (a `#` above all, which
/// separates our keys) is refused.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TraceId(String);

impl TraceId {
    pub fn parse(text: &str) -> Option<TraceId> {
        let ok = (1..=128).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| TraceId(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TraceId {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        TraceId::parse(&text).ok_or_else(|| format!("not a trace id: {text:?}"))
    }
}

impl From<TraceId> for String {
    fn from(id: TraceId) -> String {
        id.0
    }
}

impl fmt::Display for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TraceId({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_ids_are_wechats_characters_only() {
        assert!(TraceId::parse("6645d1ad-0b1b3f4e-3a8c2b1f").is_some());
        assert!(TraceId::parse("abc_DEF-123").is_some());
        for bad in ["", "a#b", "a b", "../x", &"a".repeat(129), "微信"] {
            assert!(TraceId::parse(bad).is_none(), "{bad:?}");
        }
        let id: TraceId = serde_json::from_str("\"t-1\"").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"t-1\"");
        assert!(serde_json::from_str::<TraceId>("\"t#1\"").is_err());
    }
}
