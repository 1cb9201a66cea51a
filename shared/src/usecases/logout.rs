//! Logout: the caller's session ends (every access token of it and its refresh
//! token), or, with `all`, every session of the caller's user.

use super::decider;
use crate::domain::rules::Snapshot;
use crate::domain::rules::session::{self as rule, LogoutAll};
use crate::store::{ItemStore, StoreError};
use crate::tokens::Caller;

/// Ends the caller's session. Already ended is fine: nothing to do.
pub async fn end_session(
    store: &dyn ItemStore,
    caller: &Caller,
    now: u64,
) -> Result<(), StoreError> {
    let keys = caller.session_keys(now);
    decider::run(store, Snapshot::default(), |s| rule::logout(s, &keys)).await?;
    tracing::info!(
        user_id = %caller.subject.user_id,
        session_id = %caller.subject.session_id,
        "logged out"
    );
    Ok(())
}

/// Ends every session of the caller's user; false when the caller's own
/// session had already ended (nothing written).
pub async fn end_all_sessions(
    store: &dyn ItemStore,
    caller: &Caller,
    now: u64,
) -> Result<bool, StoreError> {
    let keys = caller.session_keys(now);
    let outcome = decider::run(store, Snapshot::default(), |s| rule::logout_all(s, &keys)).await?;
    Ok(match outcome {
        LogoutAll::Done => {
            tracing::info!(user_id = %caller.subject.user_id, "logged out everywhere");
            true
        }
        LogoutAll::SessionEnded => false,
    })
}
