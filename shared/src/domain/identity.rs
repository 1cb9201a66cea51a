//! The ways a user is known: each identity can log in by itself, and a user
//! holds one or more of them.

use super::{AppId, OpenId, PhoneNumber};
use std::fmt;

/// One identity of a user.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Identity {
    /// A mini-program user: (appid, openid) from `jscode2session`.
    WeChat { appid: AppId, openid: OpenId },
    /// A phone number (E.164) that logs in by itself (SMS code, password).
    Phone(PhoneNumber),
}

impl Identity {
    pub fn wechat(appid: &AppId, openid: &OpenId) -> Self {
        Self::WeChat {
            appid: appid.clone(),
            openid: openid.clone(),
        }
    }

    /// `"wechat"` or `"phone"`: the `kind` the API shows.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::WeChat { .. } => "wechat",
            Self::Phone(_) => "phone",
        }
    }
}

/// Masked: an openid shows its first 4 and last 4 characters, a number its
/// masked form.
impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WeChat { appid, openid } => {
                write!(f, "WeChat({appid}, {})", mask_openid(openid))
            }
            Self::Phone(phone) => write!(f, "Phone({})", phone.masked()),
        }
    }
}

/// An openid as shown to people: `oGZU****VJJE`.
pub fn mask_openid(openid: &OpenId) -> String {
    let text = openid.as_str();
    if text.len() <= 8 {
        return "*".repeat(text.len());
    }
    format!("{}****{}", &text[..4], &text[text.len() - 4..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_print_masked() {
        let wechat = Identity::wechat(
            &AppId::parse("wx4f4bc4dec97d474b").unwrap(),
            &OpenId::parse("oGZUI0egBJY1zhBYw2KhdUfwVJJE").unwrap(),
        );
        assert_eq!(
            format!("{wechat:?}"),
            "WeChat(wx4f4bc4dec97d474b, oGZU****VJJE)"
        );
        assert_eq!(wechat.kind(), "wechat");
        let phone = Identity::Phone(PhoneNumber::from_parts("86", "13800138000").unwrap());
        assert_eq!(format!("{phone:?}"), "Phone(138****8000)");
        assert_eq!(phone.kind(), "phone");
        assert_eq!(mask_openid(&OpenId::parse("short").unwrap()), "*****");
    }
}
