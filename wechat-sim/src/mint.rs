//! Sealing open data for a user's current session key, as the mini-program
//! would get it after the user pressed a button: for
//! [`Simulator::mint_open_data`](crate::Simulator::mint_open_data) and the
//! `/sim/mint/` control routes ([`crate::handlers::control`]).

use serde_json::Value;

use crate::clock::unix_now;
use crate::identity::openid_for;
use crate::open_data::{self, OpenData};
use crate::state::World;

/// Why something could not be minted (the control routes answer 404).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MintError {
    UnknownApp(String),
    NoSession { appid: String, user: String },
}

impl std::fmt::Display for MintError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UnknownApp(appid) => write!(f, "unknown appid {appid:?}"),
            Self::NoSession { appid, user } => write!(
                f,
                "user {user:?} never logged in to {appid}, so WeChat holds no session key for them"
            ),
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
