//! A user's WeChat profile fields, and WeChat's anonymous placeholders.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The nickname `wx.getUserProfile` returns for everyone since 2022-11.
pub const PLACEHOLDER_NICKNAME: &str = "微信用户";
/// The grey default avatar (its path; the host and size suffix vary).
pub const PLACEHOLDER_AVATAR_PATH: &str =
    "POgEwh4mIHO4nibH0KlMECNjjGxQUq24ZEaGT4poC6icRiccVGKSyXwibcPq4BWmiaIGuG1icwxaQX6grC9VemZoJ8rg";

/// Profile fields as WeChat names them. Absent means "unknown", never "erase".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nick_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avatar_url: Option<String>,
    /// 1 male, 2 female; WeChat's 0 ("unknown") is stored as absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// Longest field we keep: WeChat's are short; this bounds what a client can store.
const MAX_FIELD_CHARS: usize = 512;

fn text(payload: &Map<String, Value>, name: &str) -> Option<String> {
    let value = payload.get(name)?.as_str()?.trim();
    (!value.is_empty()).then(|| value.chars().take(MAX_FIELD_CHARS).collect())
}

impl Profile {
    /// Reads the user-info fields of a decrypted payload. WeChat's anonymous
    /// placeholders (nickname `微信用户`, the grey avatar, gender 0, empty
    /// strings) count as "no data".
    pub fn from_payload(payload: &Map<String, Value>) -> Self {
        Self {
            nick_name: text(payload, "nickName").filter(|n| n != PLACEHOLDER_NICKNAME),
            avatar_url: text(payload, "avatarUrl").filter(|a| !a.contains(PLACEHOLDER_AVATAR_PATH)),
            gender: payload
                .get("gender")
                .and_then(Value::as_u64)
                .filter(|g| (1..=2).contains(g))
                .map(|g| g as u8),
            language: text(payload, "language"),
            city: text(payload, "city"),
            province: text(payload, "province"),
            country: text(payload, "country"),
        }
    }

    /// `self` laid over `stored`: known fields replace, unknown ones keep what
    /// was stored, so placeholders never overwrite real data.
    pub fn merged_over(&self, stored: &Profile) -> Profile {
        let pick = |new: &Option<String>, old: &Option<String>| new.clone().or_else(|| old.clone());
        Profile {
            nick_name: pick(&self.nick_name, &stored.nick_name),
            avatar_url: pick(&self.avatar_url, &stored.avatar_url),
            gender: self.gender.or(stored.gender),
            language: pick(&self.language, &stored.language),
            city: pick(&self.city, &stored.city),
            province: pick(&self.province, &stored.province),
            country: pick(&self.country, &stored.country),
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Profile::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn payload(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn reads_real_fields() {
        let p = Profile::from_payload(&payload(json!({
            "openId": "o1", "nickName": "Band", "gender": 1, "language": "zh_CN", "city": "Guangzhou",
            "province": "Guangdong", "country": "CN", "avatarUrl": "http://wx.qlogo.cn/mmopen/vi_32/abc/0"
        })));
        assert_eq!(p.nick_name.as_deref(), Some("Band"));
        assert_eq!(p.gender, Some(1));
        assert_eq!(
            serde_json::to_value(&p).unwrap()["avatarUrl"],
            "http://wx.qlogo.cn/mmopen/vi_32/abc/0"
        );
    }

    #[test]
    fn placeholders_are_no_data_and_never_overwrite() {
        let anonymous = Profile::from_payload(&payload(json!({
            "nickName": "微信用户", "gender": 0, "language": "", "city": "", "province": "", "country": "",
            "avatarUrl": format!("https://thirdwx.qlogo.cn/mmopen/vi_32/{PLACEHOLDER_AVATAR_PATH}/132")
        })));
        assert!(anonymous.is_empty(), "{anonymous:?}");
        let stored = Profile {
            nick_name: Some("Band".into()),
            gender: Some(1),
            ..Profile::default()
        };
        assert_eq!(anonymous.merged_over(&stored), stored);
        let newer = Profile {
            nick_name: Some("Band 2".into()),
            ..Profile::default()
        };
        assert_eq!(
            newer.merged_over(&stored).nick_name.as_deref(),
            Some("Band 2")
        );
        assert_eq!(newer.merged_over(&stored).gender, Some(1));
    }
}
