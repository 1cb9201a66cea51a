//! Minting what the mini-program would hold after the user pressed a button:
//! phone codes and encrypted open data, from Rust (here) and over HTTP
//! ([`crate::control`]).

use std::time::Instant;

use serde_json::Value;

use crate::clock::unix_now;
use crate::identity::openid_for;
use crate::open_data::{self, OpenData};
use crate::phone::PhoneSpec;
use crate::simulator::Simulator;
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

impl Simulator {
    /// A phone code for user `user_label` of app `appid`, as
    /// `<button open-type="getPhoneNumber">` hands it to the mini-program:
    /// `getuserphonenumber` redeems it once, within 5 minutes, for `phone`.
    ///
    /// The user need not have logged in (WeChat knows their phone number
    /// anyway), but the code only works with an access token of `appid`, and
    /// with `openid` only if it is [`openid_for`]`(appid, user_label)`.
    ///
    /// # Panics
    /// If `appid` is not one of the simulator's apps, or `phone` is not a
    /// plausible number (country code: 1 to 4 digits without leading 0;
    /// number: 4 to 15 digits).
    pub fn mint_phone_code(&self, appid: &str, user_label: &str, phone: &PhoneSpec) -> String {
        if let Err(reason) = phone.check() {
            panic!("{reason}");
        }
        let openid = openid_for(appid, user_label);
        self.world()
            .app_mut(appid)
            .unwrap_or_else(|| panic!("unknown appid {appid:?}"))
            .phone_codes
            .mint(&openid, phone.clone(), Instant::now())
    }

    /// `payload` encrypted for user `user_label` of app `appid` as WeChat
    /// hands open data to the mini-program: with a `watermark`
    /// `{"timestamp": now, "appid": appid}` appended as the last member, under
    /// the user's current session key (that of their latest login) and a
    /// random iv. See [`profile_payload`](crate::profile_payload) and
    /// [`phone_payload`](crate::phone_payload) for WeChat's shapes.
    ///
    /// User info (a payload with a `nickName`) also gets `raw_data` and
    /// `signature`; other payloads get `None` for both. A `watermark` already
    /// in `payload` is kept, to forge a foreign or stale one.
    ///
    /// `None` if the user never logged in to `appid` (or `appid` is unknown):
    /// WeChat has no session key to encrypt with. A later login rotates the
    /// key, after which data minted before no longer decrypts with the
    /// current key, as happens when a mini-program calls `wx.login` again.
    ///
    /// # Panics
    /// If `payload` is not a JSON object.
    pub fn mint_open_data(
        &self,
        appid: &str,
        user_label: &str,
        payload: Value,
    ) -> Option<OpenData> {
        seal_for(&self.world(), appid, user_label, &payload).ok()
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
