//! WeChat's content security verdicts on what users type, and the state a
//! stored field keeps of its check.

use serde::{Deserialize, Serialize};

/// WeChat's `suggest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Suggest {
    Pass,
    Review,
    Risky,
}

/// WeChat's verdict on one text: `result {suggest, label}`. `label` is
/// WeChat's number (100 normal, 10001 ad, 20001 politics, 20002 porn, 20003
/// abuse, 20006 illegal, 20008 fraud, 20012 vulgar, 20013 copyright, 21000
/// other).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub suggest: Suggest,
    pub label: u32,
}

/// How a stored field came to be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CheckState {
    /// WeChat passed it.
    Passed,
    /// WeChat was unsure (`review`) and `CONTENT_CHECK_REVIEW=accept` stored
    /// it: a person should look at it.
    Review,
    /// WeChat gave no verdict (busy, no answer, no openid to check with) and
    /// `CONTENT_CHECK=lenient` stored it anyway.
    Unchecked,
    /// Stored with `CONTENT_CHECK=off`: never sent to WeChat.
    Off,
    /// WeChat's own (decrypted user info of an older client): WeChat holds
    /// it for the user's account, there is nothing of ours to check.
    #[serde(rename = "wechat")]
    WeChat,
}

/// The check behind one stored field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentCheck {
    pub state: CheckState,
    /// WeChat's label, for a field stored under review.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<u32>,
    /// Unix seconds of the check (of the store, for `off` and `wechat`).
    pub at: u64,
}

/// The checks of a user's fields that need one. Absent: no field of that
/// name was stored since checks were kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentChecks {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nick_name: Option<ContentCheck>,
    /// The check of the avatar the profile shows, when it was uploaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<ContentCheck>,
}

impl ContentChecks {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn checks_serialise_as_documented() {
        let checks = ContentChecks {
            nick_name: Some(ContentCheck {
                state: CheckState::Review,
                label: Some(10001),
                at: 5,
            }),
            avatar: None,
        };
        assert_eq!(
            serde_json::to_value(checks).unwrap(),
            json!({"nickName": {"state": "review", "label": 10001, "at": 5}})
        );
        let wechat = ContentCheck {
            state: CheckState::WeChat,
            label: None,
            at: 6,
        };
        assert_eq!(
            serde_json::to_value(wechat).unwrap(),
            json!({"state": "wechat", "at": 6})
        );
        assert_eq!(
            serde_json::to_value(ContentChecks::default()).unwrap(),
            json!({})
        );
    }
}
