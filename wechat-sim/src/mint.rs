//! Sealing open data for a user's current session key, as the mini-program
//! would get it after the user pressed a button, and login codes as
//! `wx.login` gets them: for
//! [`Simulator::mint_open_data`](crate::Simulator::mint_open_data) and the
//! `/sim/mint/` control routes ([`crate::handlers::control`]).

use serde_json::Value;

use crate::clock::unix_now;
use crate::code::minted_login_code;
use crate::identity::openid_for;
use crate::open_data::{self, OpenData};
use crate::state::World;

/// Why something could not be minted (the control routes answer 404, 400
/// for an invalid user label).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MintError {
    UnknownApp(String),
    NoSession { appid: String, user: String },
    InvalidUser(String),
}

impl std::fmt::Display for MintError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UnknownApp(appid) => write!(f, "unknown appid {appid:?}"),
            Self::NoSession { appid, user } => write!(
                f,
                "user {user:?} never logged in to {appid}, so WeChat holds no session key for them"
            ),
            Self::InvalidUser(reason) => f.write_str(reason),
        }
    }
}

/// Encrypts `payload` for user `user_label` of `appid` under their current
/// session key.
pub(crate) fn seal_for(
    world: &World,
    appid: &str,
    user_label: &str,
    payload: &Value,
) -> Result<OpenData, MintError> {
    let session_key = session_key_of(world, appid, user_label)?;
    Ok(open_data::seal(payload, appid, session_key, unix_now()))
}

/// The current session key of user `user_label` of `appid`.
pub(crate) fn session_key_of<'w>(
    world: &'w World,
    appid: &str,
    user_label: &str,
) -> Result<&'w str, MintError> {
    let app = world
        .app(appid)
        .ok_or_else(|| MintError::UnknownApp(appid.to_owned()))?;
    app.user(&openid_for(appid, user_label))
        .and_then(|user| user.session_key.as_deref())
        .ok_or_else(|| MintError::NoSession {
            appid: appid.to_owned(),
            user: user_label.to_owned(),
        })
}

/// A fresh single-use login code for user `user_label` of `appid`, as
/// `wx.login` gets one from WeChat: only `appid` can exchange it. The user
/// need not have logged in before.
pub(crate) fn mint_login_code(
    world: &mut World,
    appid: &str,
    user_label: &str,
) -> Result<String, MintError> {
    let code = minted_login_code(user_label)
        .map_err(|invalid| MintError::InvalidUser(invalid.to_string()))?;
    world
        .record_login_code(appid, code.clone())
        .ok_or_else(|| MintError::UnknownApp(appid.to_owned()))?;
    Ok(code)
}
