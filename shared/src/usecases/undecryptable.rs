//! Why open data did not decrypt with the session's key: the key went stale
//! (a later `wx.login` rotated it), or the data itself is bad. Asked of WeChat
//! only after a decryption failure, so the request budgets of the happy paths
//! are untouched.

use crate::domain::{OpenId, SessionKey};
use crate::open_data::OpenDataError;
use crate::wechat::{AppCredentials, WeChatApi};

/// Asks WeChat's `checksession` whether `session_key` is still `openid`'s:
/// no longer (87009) → [`OpenDataError::SessionKeyStale`], as before; still
/// valid → [`OpenDataError::BadData`]. When the check cannot be made (no
/// credentials for the app, WeChat busy, slow or failing) the answer falls back
/// to `SessionKeyStale`, never to a server error; a warning names only the
/// errcode.
pub(crate) async fn why_undecryptable(
    wechat: &dyn WeChatApi,
    app: Option<&AppCredentials>,
    openid: &OpenId,
    session_key: &SessionKey,
) -> OpenDataError {
    let Some(app) = app else {
        return OpenDataError::SessionKeyStale;
    };
    match wechat.check_session(app, openid, session_key).await {
        Ok(false) => OpenDataError::SessionKeyStale,
        Ok(true) => {
            tracing::info!("open data does not decrypt although the session_key is current");
            OpenDataError::BadData
        }
        Err(error) => {
            tracing::warn!(
                errcode = ?error.errcode(),
                "checksession failed after a decryption failure; answering session_key_stale"
            );
            OpenDataError::SessionKeyStale
        }
    }
}
